//! Building a client: token, base URL, timeouts, retries, limits.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::Url;

use crate::core::Core;
use crate::error::BuildError;
use crate::limiter::RateLimiter;

/// Default total time for one request, all attempts included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on a response body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// When and how long to retry.
///
/// What is retried: 429 always; 502, 503, 504 and connection failures after
/// the request may have reached the server only for operations that are
/// safe to repeat; a refused connection for every operation. The total time
/// of a call, attempts and waits included, is bounded by the client's
/// `timeout`: no retry starts whose wait would end after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retrying off.
    pub max_retries: u32,
    /// The first backoff; it doubles each retry, with full jitter (the wait
    /// is random between zero and the doubled value).
    pub initial_backoff: Duration,
    /// The longest single wait. Backoff is capped to it; a server asking
    /// (with `Retry-After`) for a longer wait ends the retries, and the
    /// error carries the wait asked for.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

/// Settings shared by every request of a client.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where requests go.
    pub base_url: Url,
    /// Total time for one call, retries and waits included.
    pub timeout: Duration,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Retry behaviour.
    pub retry: RetryPolicy,
    /// Time for one attempt, when shorter than what is left of `timeout`.
    /// `None`: an attempt may take all of it.
    pub attempt_timeout: Option<Duration>,
    /// Larger response bodies fail with `Error::BodyTooLarge`.
    pub max_response_bytes: usize,
    /// Whether request and response bodies (their first 1 KiB) are logged
    /// as `tracing` events at TRACE level. Off by default: bodies hold
    /// personal data.
    pub log_bodies: bool,
}

/// The API token. `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

/// Configures and builds a client of type `C` (the generated `Client`).
pub struct ClientBuilder<C> {
    token: Secret,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    max_response_bytes: usize,
    log_bodies: bool,
    limiter: Option<RateLimiter>,
    http: Option<reqwest::Client>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("log_bodies", &self.log_bodies)
            .field("rate_limiter", &self.limiter)
            .field("custom_http_client", &self.http.is_some())
            .finish()
    }
}

impl<C: From<Core>> ClientBuilder<C> {
    /// A builder with default settings for `token` and `base_url`.
    pub fn new(token: impl Into<String>, base_url: &str) -> Self {
        Self {
            token: Secret(token.into()),
            base_url: base_url.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("leadconnector-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            attempt_timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            log_bodies: false,
            limiter: None,
            http: None,
            client: PhantomData,
        }
    }

    /// Sends requests to `url` instead of the spec's server.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Total time for one call, retries included (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time for one attempt (default: none, an attempt may use all of
    /// `timeout`). Safe-to-repeat operations whose attempt runs out are
    /// retried while `timeout` allows; others fail with `Error::Timeout`.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Time to establish a connection (default 10 s). A connection that
    /// cannot be made in time is a connection failure, retried for every
    /// operation: nothing was sent.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Retry behaviour (default: 3 retries with exponential backoff).
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Retries after the first attempt; 0 turns retrying off.
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry.max_retries = max_retries;
        self
    }

    /// Response bodies larger than this fail (default 16 MiB).
    #[must_use]
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Keeps this client (and its clones) under a client-side limit, for
    /// example [`RateLimiter::burst_limit`] (100 requests per 10 s), instead
    /// of collecting 429s. Off by default.
    #[must_use]
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Logs request and response bodies (their first 1 KiB) as `tracing`
    /// events at TRACE level, and quotes them in errors (`UnexpectedStatus`
    /// and `RateLimited` the start of the body, `Decode` the bytes around
    /// the failing position). Off by default: bodies hold personal data.
    /// The token is never logged.
    #[must_use]
    pub fn log_bodies(mut self, log_bodies: bool) -> Self {
        self.log_bodies = log_bodies;
        self
    }

    /// Uses the caller's `reqwest::Client` (its own pool, proxy and TLS
    /// settings). Timeouts and the user agent set here still apply per
    /// request.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        let token = self.token.0;
        // Tokens (Private Integration Tokens, OAuth access tokens) are
        // visible ASCII; anything else is a copy-paste accident (a line
        // break, a space, a typographic quote) that the server would refuse.
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(BuildError::InvalidToken);
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| BuildError::InvalidToken)?;
        auth.set_sensitive(true);
        let user_agent =
            HeaderValue::from_str(&self.user_agent).map_err(|_| BuildError::InvalidUserAgent)?;
        let base_url = Url::parse(&self.base_url).map_err(|e| BuildError::InvalidBaseUrl {
            url: self.base_url.clone(),
            reason: e.to_string(),
        })?;
        if base_url.cannot_be_a_base() || !matches!(base_url.scheme(), "http" | "https") {
            return Err(BuildError::InvalidBaseUrl {
                url: self.base_url,
                reason: "not an http(s) base URL".into(),
            });
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(BuildError::Http)?,
        };
        let config = Config {
            base_url,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            retry: self.retry,
            attempt_timeout: self.attempt_timeout,
            max_response_bytes: self.max_response_bytes,
            log_bodies: self.log_bodies,
        };
        Ok(C::from(Core::new(
            http,
            config,
            auth,
            user_agent,
            self.limiter,
        )))
    }
}
