//! A token pair as the app stores it.

use chrono::{DateTime, Utc};

use super::types::{AccessTokenResponse, UserType};
use crate::SecretString;

/// An access token, the refresh token that renews it, and what they were
/// issued for. This is what the persistence callback receives and what an
/// app stores (it serialises with serde, tokens included: that is its
/// job); `Debug` shows no token.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct TokenPair {
    /// The bearer token (valid for a day).
    pub access_token: SecretString,
    /// The token that renews it, once (valid for a year).
    pub refresh_token: SecretString,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// `Company` or `Location`: whom the tokens act for. The refresh sends
    /// it back as `user_type`.
    pub user_type: Option<UserType>,
    /// The Location of a Location token.
    pub location_id: Option<String>,
    /// The Company of the token.
    pub company_id: Option<String>,
    /// The granted scopes, separated by spaces.
    pub scope: Option<String>,
}

impl TokenPair {
    /// A pair from what the app stored.
    pub fn new(
        access_token: impl Into<SecretString>,
        refresh_token: impl Into<SecretString>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            access_token: access_token.into(),
            refresh_token: refresh_token.into(),
            expires_at,
            user_type: None,
            location_id: None,
            company_id: None,
            scope: None,
        }
    }

    /// Sets [`user_type`](Self::user_type).
    #[must_use]
    pub fn with_user_type(mut self, user_type: UserType) -> Self {
        self.user_type = Some(user_type);
        self
    }

    /// A pair from the token endpoint's answer, received at `now`. `None`
    /// when the answer lacks the access token; a missing refresh token is
    /// `previous` (the endpoint always sends one; keeping the old one is
    /// the only chance left).
    pub(crate) fn from_response(
        answer: AccessTokenResponse,
        now: DateTime<Utc>,
        previous: Option<&SecretString>,
    ) -> Result<Self, &'static str> {
        let access_token = answer
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or("the answer has no access_token")?;
        let refresh_token = match answer.refresh_token.filter(|t| !t.is_empty()) {
            Some(token) => token,
            None => previous.cloned().ok_or("the answer has no refresh_token")?,
        };
        // A day when the answer does not say (Authorization.md: "valid for a day").
        let lifetime = answer.expires_in.unwrap_or(86_400).max(0);
        Ok(Self {
            access_token,
            refresh_token,
            expires_at: now + chrono::Duration::seconds(lifetime),
            user_type: answer.user_type,
            location_id: answer.location_id,
            company_id: answer.company_id,
            scope: answer.scope,
        })
    }
}
