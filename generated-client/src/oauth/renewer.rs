//! How a pair is renewed: with its refresh token, or (for a Location
//! token obtained from an Agency token) by asking for a new Location token
//! with the Agency's.

use std::time::Duration;

use tokio::time::Instant;

use super::app::{refresh_error, OAuthApp};
use super::pair::TokenPair;
use super::types::{LocationTokenRequest, UserType};
use super::Client;
use crate::auth::TokenError;
use crate::{Error, RequestOptions};

#[derive(Clone, Debug)]
pub(crate) enum Renewer {
    /// `grant_type=refresh_token` with the pair's refresh token.
    RefreshToken(OAuthApp),
    /// `POST /oauth/locationToken` for `location_id` with the Agency token
    /// `client` carries.
    Agency {
        client: Client,
        company_id: String,
        location_id: String,
    },
}

impl Renewer {
    /// A new pair for `current` (`None`: nothing stored yet, which only an
    /// Agency can fix), by `deadline`.
    pub(crate) async fn renew(
        &self,
        current: Option<TokenPair>,
        deadline: Instant,
    ) -> Result<TokenPair, TokenError> {
        match self {
            Self::RefreshToken(app) => {
                let current = current.ok_or_else(|| {
                    TokenError::other("no token pair is stored; install the app first")
                })?;
                app.refresh(&current.refresh_token, current.user_type.clone(), deadline)
                    .await
            }
            Self::Agency {
                client,
                company_id,
                location_id,
            } => location_token(client, company_id, location_id, deadline).await,
        }
    }
}

/// A Location token from the Agency token `client` sends.
async fn location_token(
    client: &Client,
    company_id: &str,
    location_id: &str,
    deadline: Instant,
) -> Result<TokenPair, TokenError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(TokenError::Unavailable {
            reason: "no time left to ask for a Location token".into(),
        });
    }
    let client = Client::from(client.core().with_options(&RequestOptions {
        timeout: Some(left),
        // Asking again for a Location token spends nothing.
        idempotent: Some(true),
        ..RequestOptions::default()
    }));
    let request = LocationTokenRequest::new(company_id, location_id);
    let answer = match client.get_location_access_token(&request).await {
        Ok(answer) => answer,
        // The Agency token itself failed (refused, revoked): that is the
        // reason, as it is.
        Err(Error::Auth { source, .. }) => return Err(source),
        Err(error) => return Err(refresh_error(&error)),
    };
    let status = answer.status();
    let body = answer.into_body();
    let access_token = body
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or(TokenError::Refused {
            status,
            reason: Some("the Location token answer has no access_token".into()),
        })?;
    let lifetime = body.expires_in.unwrap_or(86_400).max(0);
    let lifetime = Duration::from_secs(u64::try_from(lifetime).unwrap_or(0));
    let mut pair = TokenPair::new(
        access_token,
        "",
        chrono::Utc::now()
            + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::zero()),
    )
    .with_user_type(UserType::Location);
    pair.location_id = Some(body.location_id.unwrap_or_else(|| location_id.to_owned()));
    pair.company_id = Some(company_id.to_owned());
    pair.scope = body.scope;
    Ok(pair)
}
