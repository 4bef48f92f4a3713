//! Where the bearer token of each attempt comes from: a [`TokenSource`].
//!
//! The client asks its source before every attempt, so a source can hand out
//! a new token whenever the old one expires. A fixed token is
//! [`StaticToken`], what `Client::builder(token)` uses; an OAuth provider
//! that refreshes itself, or an app whose tokens live elsewhere (its
//! database, another process), implements the trait.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::HeaderValue;
use reqwest::StatusCode;
use tokio::time::Instant;

/// A secret text: a client secret, an authorization code, an access or a
/// refresh token. `Debug` shows `<redacted>`, and it has no `Display`; read
/// the value with [`expose`](Self::expose) where it must go (a header, a
/// database). It serialises as the plain string, for persistence.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call it only where the value must go.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, TokenError>> + Send + 'a>>;

/// What the client tells a [`TokenSource`] when it asks for a token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenContext {
    /// The operation about to be called (its operationId).
    pub operation: &'static str,
    /// When the call runs out of time. Work a source does for this call
    /// (a refresh and its retries) should end by then; the client stops
    /// waiting at this instant anyway.
    pub deadline: Instant,
}

impl TokenContext {
    /// A context for `operation` with this deadline (for tests of a source
    /// and for sources that wrap others).
    pub fn new(operation: &'static str, deadline: Instant) -> Self {
        Self {
            operation,
            deadline,
        }
    }
}

/// Gives the client the bearer token of each attempt.
///
/// Implementations are shared by every clone of a client and called from
/// many tasks at once. Return futures with `Box::pin(async move { .. })`.
///
/// ```
/// use openapi_runtime::{SecretString, TokenContext, TokenError, TokenFuture, TokenSource};
///
/// /// Tokens kept up to date by another process, read from a shared cell.
/// struct FromCell(std::sync::Arc<std::sync::RwLock<String>>);
///
/// impl TokenSource for FromCell {
///     fn token<'a>(&'a self, _cx: &'a TokenContext) -> TokenFuture<'a, SecretString> {
///         Box::pin(async move {
///             let token = self.0.read().map_err(|_| TokenError::other("lock poisoned"))?;
///             Ok(SecretString::new(token.clone()))
///         })
///     }
/// }
/// ```
pub trait TokenSource: Send + Sync + 'static {
    /// The token for the next attempt.
    fn token<'a>(&'a self, cx: &'a TokenContext) -> TokenFuture<'a, SecretString>;

    /// The server answered 401 to an attempt made with `rejected`. Return
    /// `Ok(true)` when the next [`token`](Self::token) call can give a
    /// different token: the client then asks for it and sends the request
    /// once more, whatever the operation (a 401 was not processed). The
    /// default, for tokens that cannot change, is `Ok(false)`: the 401 is
    /// returned to the caller.
    fn unauthorized<'a>(
        &'a self,
        rejected: &'a SecretString,
        cx: &'a TokenContext,
    ) -> TokenFuture<'a, bool> {
        let _ = (rejected, cx);
        Box::pin(async { Ok(false) })
    }

    /// The one token this source will ever give, if it is such a source.
    /// The client then builds the `Authorization` header once, when it is
    /// built, instead of asking [`token`](Self::token) before every
    /// attempt. The default, `None`, asks every time; a source returning
    /// `Some` must never give another token.
    fn fixed(&self) -> Option<&SecretString> {
        None
    }
}

/// `Bearer <token>` as a header value marked sensitive (hyper leaves it out
/// of its debug output), or `None` for a token a header cannot carry.
pub(crate) fn bearer(token: &SecretString) -> Option<HeaderValue> {
    let token = token.expose();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// A token that never changes: an API token, or an access token that some
/// other part of the app renews by building a new client.
#[derive(Clone, Debug)]
pub struct StaticToken(SecretString);

impl StaticToken {
    /// The token.
    pub fn new(token: impl Into<SecretString>) -> Self {
        Self(token.into())
    }
}

impl TokenSource for StaticToken {
    fn token<'a>(&'a self, _cx: &'a TokenContext) -> TokenFuture<'a, SecretString> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    fn fixed(&self) -> Option<&SecretString> {
        Some(&self.0)
    }
}

/// Any error, shared (token errors reach every task waiting for one
/// refresh, so they are cloned).
pub type SharedError = Arc<dyn std::error::Error + Send + Sync>;

/// Why no token could be had. Never holds a token or the client secret.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint refused the refresh token (`invalid_grant`): it
    /// was used already, revoked, or the app was uninstalled. Only a new
    /// install gives a new one, so the provider stops asking: every later
    /// call fails at once with this error, without a request.
    #[error("the refresh token was refused ({status}: invalid_grant{}); the app must be reinstalled (authorized again) to get new tokens", Described(description.as_deref()))]
    ReinstallRequired {
        /// The status of the refusal (400 or 401).
        status: StatusCode,
        /// The endpoint's `error_description`, if it gave one.
        description: Option<String>,
    },
    /// The token endpoint refused the request for another reason (for
    /// example `invalid_client`: a wrong client id or secret).
    #[error("the token endpoint refused the request ({status}){}", Described(reason.as_deref()))]
    Refused {
        /// The status.
        status: StatusCode,
        /// The endpoint's `error` and `error_description`, if any.
        reason: Option<String>,
    },
    /// The token endpoint could not be reached or gave no usable answer
    /// before the call's deadline (connection failures, 5xx, 429 and
    /// timeouts are retried with backoff until then). The refresh token
    /// is unchanged: a later call tries again.
    #[error("cannot refresh the access token: {reason}")]
    Unavailable {
        /// What happened to the last attempt.
        reason: String,
    },
    /// A new token pair arrived, but the persistence callback failed. The
    /// pair is kept in memory and no request uses it until a later call
    /// has saved it.
    #[error("a new token pair could not be saved ({source}); it is kept in memory and saved on the next call")]
    Persist {
        /// What the callback returned.
        source: SharedError,
    },
    /// The client has no credentials for any alternative of the
    /// operation's `security` (it was built with
    /// `allow_missing_credentials`). Nothing was sent.
    #[error("the client has no credentials for this operation, which takes {needed}; give them to the client's builder")]
    MissingCredentials {
        /// The alternatives: ```key` or `basic` ``.
        needed: String,
    },
    /// The app's own [`TokenSource`] failed.
    #[error("the token source failed: {source}")]
    Source {
        /// What it returned.
        source: SharedError,
    },
}

impl TokenError {
    /// A failure of an app's own source.
    pub fn other(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Source {
            source: Arc::from(error.into()),
        }
    }

    /// Whether the app must be reinstalled to get tokens again.
    pub fn is_reinstall_required(&self) -> bool {
        matches!(self, Self::ReinstallRequired { .. })
    }

    /// Whether a later call could succeed without anyone's help: the
    /// endpoint may come back, and a pair that was not saved is saved again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Persist { .. })
    }
}

struct Described<'a>(Option<&'a str>);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(text) => write!(f, ": {text}"),
            None => Ok(()),
        }
    }
}
