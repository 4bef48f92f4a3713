//! The app's OAuth credentials and the two grants it makes with them:
//! authorization code (at install) and refresh token (every day).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::install::AuthorizationUrl;
use super::pair::TokenPair;
use super::store::{TokenKey, TokenStore};
use super::tokens::{OAuthTokensBuilder, StoredTokensBuilder};
use super::types::{AccessTokenRequest, GrantType, OAuthError, UserType};
use super::{Client, ErrorBody};
use crate::auth::{NoToken, SecretString, TokenError};
use crate::{BuildError, ClientBuilder, Error, RequestOptions, RetryPolicy};

/// Retries of a refresh: the refresh token is the app's only way back in,
/// so a refresh keeps trying (with backoff) until the call's deadline.
const DEFAULT_REFRESH_RETRY: RetryPolicy = RetryPolicy {
    max_retries: 8,
    initial_backoff: Duration::from_millis(500),
    max_backoff: Duration::from_secs(10),
};

/// A Marketplace app's OAuth client: its client id and secret, and a
/// connection to the token endpoint. Cheap to clone. `Debug` never shows
/// the secret.
#[derive(Clone)]
pub struct OAuthApp {
    inner: Arc<AppInner>,
}

struct AppInner {
    client_id: String,
    client_secret: SecretString,
    /// Calls only `getAccessToken`, which takes no bearer token.
    client: Client,
    refresh_retry: RetryPolicy,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field(
                "base_url",
                &self.inner.client.core().config().base_url.as_str(),
            )
            .finish()
    }
}

/// Configures an [`OAuthApp`].
pub struct OAuthAppBuilder {
    client_id: String,
    client_secret: SecretString,
    client: ClientBuilder<Client>,
    refresh_retry: RetryPolicy,
}

impl fmt::Debug for OAuthAppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthAppBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client", &self.client)
            .field("refresh_retry", &self.refresh_retry)
            .finish()
    }
}

impl OAuthAppBuilder {
    /// Sends token requests to `url` instead of the API's server.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.base_url(url);
        self
    }

    /// Uses the caller's `reqwest::Client` for token requests.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = self.client.http_client(client);
        self
    }

    /// Total time of a code exchange, retries included (default 30 s). A
    /// refresh is bounded by the deadline of the call that needed it.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client = self.client.timeout(timeout);
        self
    }

    /// How refreshes retry when the token endpoint is down (connection
    /// failures, 429, 502, 503, 504, lost answers): by default up to 8
    /// retries, backoff from 500 ms doubling to 10 s, and never past the
    /// deadline of the call that needed the token.
    #[must_use]
    pub fn refresh_retry(mut self, retry: RetryPolicy) -> Self {
        self.refresh_retry = retry;
        self
    }

    /// Logs token request and response bodies at TRACE level (see
    /// [`ClientBuilder::log_bodies`]); tokens and the client secret in them
    /// are replaced by `<redacted>`.
    #[must_use]
    pub fn log_bodies(mut self, log_bodies: bool) -> Self {
        self.client = self.client.log_bodies(log_bodies);
        self
    }

    /// Observes each attempt of each token request (see
    /// [`ClientBuilder::observer`]).
    #[must_use]
    pub fn observer(mut self, observer: impl crate::Observer) -> Self {
        self.client = self.client.observer(observer);
        self
    }

    /// Builds the app.
    pub fn build(self) -> Result<OAuthApp, BuildError> {
        Ok(OAuthApp {
            inner: Arc::new(AppInner {
                client_id: self.client_id,
                client_secret: self.client_secret,
                client: self.client.build()?,
                refresh_retry: self.refresh_retry,
            }),
        })
    }
}

impl OAuthApp {
    /// Starts configuring the app with its client id and secret
    /// (Marketplace, "My Apps", the app's keys).
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> OAuthAppBuilder {
        OAuthAppBuilder {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            client: ClientBuilder::with_token_source(NoToken, Client::DEFAULT_BASE_URL),
            refresh_retry: DEFAULT_REFRESH_RETRY,
        }
    }

    /// The app with default settings.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Result<Self, BuildError> {
        Self::builder(client_id, client_secret).build()
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The install page URL for `redirect_uri` (one of the app's redirect
    /// URLs); add scopes, a state, the white-label host.
    pub fn authorization_url(&self, redirect_uri: &str) -> AuthorizationUrl {
        AuthorizationUrl::new(&self.inner.client_id, redirect_uri)
    }

    /// Exchanges the `code` the install redirect carried for a token
    /// pair. `redirect_uri` is the one the install URL named. Store the
    /// pair, then hand it to [`tokens`](Self::tokens). Not retried once the
    /// request may have reached the server: a code works once.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        user_type: Option<UserType>,
    ) -> Result<TokenPair, Error<ErrorBody>> {
        let request = AccessTokenRequest {
            code: Some(SecretString::new(code)),
            redirect_uri: Some(redirect_uri.to_owned()),
            user_type,
            ..self.request(GrantType::AuthorizationCode)
        };
        let answer = self.inner.client.get_access_token(&request).await?;
        let status = answer.status();
        TokenPair::from_response(answer.into_body(), chrono::Utc::now(), None).map_err(|missing| {
            Error::Decode {
                operation: "getAccessToken",
                status,
                path: "access_token".into(),
                expected: missing.into(),
                // Never shown, even with `log_bodies`: it holds credentials.
                snippet: None,
            }
        })
    }

    /// A token source that keeps `pair` fresh: configure its refresh margin
    /// and persistence callback, then give it to `Client::builder_with_tokens`.
    pub fn tokens(&self, pair: TokenPair) -> OAuthTokensBuilder {
        OAuthTokensBuilder::new(self.clone(), pair)
    }

    /// A token source on the pair `store` holds for `key`, renewed under
    /// the store's lock: with a database store, one refresh per expiry
    /// across every replica of the app. Configure it, then
    /// [`load`](StoredTokensBuilder::load) it.
    pub fn stored_tokens(&self, store: Arc<dyn TokenStore>, key: TokenKey) -> StoredTokensBuilder {
        StoredTokensBuilder::new(self.clone(), store, key)
    }

    /// The generated client of the token endpoint, for calls this type
    /// does not wrap. It sends no bearer token.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    fn request(&self, grant_type: GrantType) -> AccessTokenRequest {
        AccessTokenRequest::new(
            self.inner.client_id.clone(),
            self.inner.client_secret.clone(),
            grant_type,
        )
    }

    /// Trades `refresh_token` for a new pair, retrying while the endpoint
    /// is down and `deadline` allows. Never returns a token in an error.
    pub(crate) async fn refresh(
        &self,
        refresh_token: &SecretString,
        user_type: Option<UserType>,
        deadline: Instant,
    ) -> Result<TokenPair, TokenError> {
        let request = AccessTokenRequest {
            refresh_token: Some(refresh_token.clone()),
            user_type,
            ..self.request(GrantType::RefreshToken)
        };
        let left = deadline.saturating_duration_since(Instant::now());
        // A refresh that failed on the way was not processed (5xx) or may
        // have been (a lost answer); retrying is the only chance in both
        // cases, so it is treated as safe to repeat.
        let client = Client::from(self.inner.client.core().with_options(&RequestOptions {
            retry: Some(self.inner.refresh_retry.clone()),
            timeout: Some(left),
            idempotent: Some(true),
            ..RequestOptions::default()
        }));
        match client.get_access_token(&request).await {
            Ok(answer) => {
                let status = answer.status();
                TokenPair::from_response(
                    answer.into_body(),
                    chrono::Utc::now(),
                    Some(refresh_token),
                )
                .map_err(|missing| TokenError::Refused {
                    status,
                    reason: Some(missing.into()),
                })
            }
            Err(error) => Err(refresh_error(&error)),
        }
    }
}

/// The token error for a failed refresh, built from the parts of `error`
/// that cannot hold a token (never the body snippet).
pub(crate) fn refresh_error(error: &Error<ErrorBody>) -> TokenError {
    let body = |e: &ErrorBody| -> OAuthError {
        match e {
            ErrorBody::BadRequest(body)
            | ErrorBody::Unauthorized(body)
            | ErrorBody::UnprocessableEntity(body) => body.clone(),
        }
    };
    match error {
        Error::Api(api) => {
            let body = body(&api.body);
            if is_invalid_grant(&body) {
                return TokenError::ReinstallRequired {
                    status: api.status,
                    description: body.error_description,
                };
            }
            let reason = [body.error, body.error_description, api.message.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            TokenError::Refused {
                status: api.status,
                reason: (!reason.is_empty()).then_some(reason),
            }
        }
        Error::Decode { status, path, .. } => TokenError::Unavailable {
            reason: format!("the {status} answer does not decode at `{path}`"),
        },
        Error::UnexpectedStatus { status, .. } => TokenError::Unavailable {
            reason: format!("the token endpoint answered {status}"),
        },
        // These messages hold no body and no URL.
        other => TokenError::Unavailable {
            reason: other.to_string(),
        },
    }
}

/// `invalid_grant` in the OAuth field, or in the words of either error
/// shape (the API's own errors say "Invalid grant").
fn is_invalid_grant(body: &OAuthError) -> bool {
    let normal = |text: &str| text.to_ascii_lowercase().replace(' ', "_");
    body.error
        .as_deref()
        .is_some_and(|e| normal(e) == "invalid_grant")
        || body
            .error_description
            .as_deref()
            .is_some_and(|d| normal(d).contains("invalid_grant"))
        || body
            .message
            .as_ref()
            .and_then(|m| m.as_str())
            .is_some_and(|m| normal(m).contains("invalid_grant"))
}
