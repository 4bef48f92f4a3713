//! Building a client: token, base URL, timeouts, retries, limits.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Url;

use crate::auth::{SecretString, StaticToken, TokenSource};
use crate::core::{Core, Parts};
use crate::error::BuildError;
use crate::hooks::{ExtraHeaders, Observer};
use crate::limiter::RateLimiter;
use crate::security::{
    basic_header, ApiClient, Credential, Credentials, KeyLocation, SchemeKind, Security, Sending,
};

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
///
/// A request whose body is a stream ([`UploadBody::stream`]) is never
/// retried, whatever the answer: the stream was read while it was sent and
/// cannot be read again. Bodies of bytes are retried as JSON bodies are.
///
/// [`UploadBody::stream`]: crate::UploadBody::stream
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
    /// Time to establish a connection. Not applied when the builder was
    /// given its own `reqwest::Client` (`http_client`).
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

/// Configures and builds a client of type `C` (the generated `Client`).
///
/// Credentials: the token of [`new`](Self::new) (or the source of
/// [`with_token_source`](Self::with_token_source)) serves every bearer
/// scheme of the API (HTTP bearer, OAuth 2, OpenID Connect); the other
/// schemes, or a bearer scheme of its own, take theirs by the scheme's name
/// in the spec: [`basic_auth`](Self::basic_auth), [`api_key`](Self::api_key),
/// [`bearer_token`](Self::bearer_token), [`token_source`](Self::token_source).
/// [`build`](Self::build) fails, naming them, when an operation needs
/// credentials the builder was not given (unless
/// [`allow_missing_credentials`](Self::allow_missing_credentials)).
pub struct ClientBuilder<C> {
    /// The bearer credential of every bearer scheme without its own.
    token: Option<Credential>,
    /// Credentials by scheme name.
    credentials: Vec<(String, Credential)>,
    allow_missing: bool,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    /// Whether `connect_timeout` was called (it conflicts with `http_client`).
    connect_timeout_set: bool,
    headers: ExtraHeaders,
    /// The first extra header that was refused.
    bad_header: Option<String>,
    observer: Option<Arc<dyn Observer>>,
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
            .field("credentials", &self.credentials)
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
            .field("headers", &self.headers)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

impl<C: ApiClient> ClientBuilder<C> {
    /// A builder with default settings for `token` and `base_url`. The
    /// token is sent to every bearer scheme of the API.
    pub fn new(token: impl Into<String>, base_url: &str) -> Self {
        Self::with_credentials(Some(Credential::Token(token.into())), base_url)
    }

    /// A builder with default settings for `base_url` and no credentials
    /// yet: give each scheme's with [`basic_auth`](Self::basic_auth),
    /// [`api_key`](Self::api_key), [`bearer_token`](Self::bearer_token) or
    /// [`token_source`](Self::token_source).
    pub fn without_credentials(base_url: &str) -> Self {
        Self::with_credentials(None, base_url)
    }

    /// A builder whose client asks `source` for the token of every attempt
    /// (an OAuth provider that refreshes itself, or the app's own
    /// [`TokenSource`]).
    pub fn with_token_source(source: impl TokenSource, base_url: &str) -> Self {
        Self::with_credentials(Some(Credential::Source(Arc::new(source))), base_url)
    }

    /// Like [`with_token_source`](Self::with_token_source), for a source
    /// already shared.
    pub fn with_shared_token_source(source: Arc<dyn TokenSource>, base_url: &str) -> Self {
        Self::with_credentials(Some(Credential::Source(source)), base_url)
    }

    fn with_credentials(token: Option<Credential>, base_url: &str) -> Self {
        Self {
            token,
            credentials: Vec::new(),
            allow_missing: false,
            base_url: base_url.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            connect_timeout_set: false,
            headers: ExtraHeaders::default(),
            bad_header: None,
            observer: None,
            user_agent: C::USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            attempt_timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            log_bodies: false,
            limiter: None,
            http: None,
            client: PhantomData,
        }
    }

    /// The bearer token of the scheme `scheme` (by its name in the spec),
    /// instead of the builder's token.
    #[must_use]
    pub fn bearer_token(self, scheme: &str, token: impl Into<String>) -> Self {
        self.credential(scheme, Credential::Token(token.into()))
    }

    /// Bearer tokens for the scheme `scheme` from `source` (an OAuth
    /// provider that refreshes itself), instead of the builder's token.
    #[must_use]
    pub fn token_source(self, scheme: &str, source: impl TokenSource) -> Self {
        self.credential(scheme, Credential::Source(Arc::new(source)))
    }

    /// The user and password of the HTTP basic scheme `scheme`.
    #[must_use]
    pub fn basic_auth(
        self,
        scheme: &str,
        user: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        let credential = Credential::Basic {
            user: user.into(),
            password: password.into(),
        };
        self.credential(scheme, credential)
    }

    /// The key of the API key scheme `scheme` (in a header, query
    /// parameter or cookie, as the spec says). A key in the query string
    /// is replaced by `REDACTED` in every URL the client shows (errors,
    /// `Debug`).
    #[must_use]
    pub fn api_key(self, scheme: &str, key: impl Into<SecretString>) -> Self {
        self.credential(scheme, Credential::ApiKey(key.into()))
    }

    fn credential(mut self, scheme: &str, credential: Credential) -> Self {
        self.credentials.retain(|(name, _)| name != scheme);
        self.credentials.push((scheme.to_owned(), credential));
        self
    }

    /// Builds even when some operations need credentials the builder was
    /// not given; calling one fails with `Error::Auth`, without a request.
    #[must_use]
    pub fn allow_missing_credentials(mut self) -> Self {
        self.allow_missing = true;
        self
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
    ///
    /// It belongs to the connection pool, so it cannot apply to a
    /// `reqwest::Client` given with [`http_client`](Self::http_client):
    /// setting both makes [`build`](Self::build) fail with
    /// [`BuildError::ConnectTimeoutWithHttpClient`], whatever the order.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self.connect_timeout_set = true;
        self
    }

    /// Sends `name: value` with every request of the client (and its
    /// clones), after the operation's own headers. For one call's headers
    /// (a correlation id) use [`RequestOptions::header`](crate::RequestOptions::header).
    /// A name or value a header cannot carry, or `Authorization` (the token
    /// source's), makes [`build`](Self::build) fail with
    /// [`BuildError::InvalidHeader`]; `Debug` shows header names only.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Err(reason) = self.headers.push(name, value) {
            self.bad_header.get_or_insert(reason);
        }
        self
    }

    /// Calls `observer` after every attempt of every call: operation,
    /// method, path template, status, latency and response headers (for
    /// metrics). It sees no token and no body.
    #[must_use]
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.observer = Some(Arc::new(observer));
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

    /// Response bodies larger than this fail (default 16 MiB). A download
    /// streamed as a [`ByteStream`](crate::ByteStream) is not bounded: the
    /// app reads it at its own pace.
    #[must_use]
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Keeps this client (and its clones) under a client-side limit, for
    /// example the API's documented burst limit, instead
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
    /// settings). `timeout`, `attempt_timeout`, retries, extra headers and
    /// the user agent set here still apply per request; the connect timeout
    /// is the given client's own (setting `connect_timeout` as well is a
    /// [`BuildError::ConnectTimeoutWithHttpClient`]).
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        let credentials = credentials::<C>(self.token, self.credentials, self.allow_missing)?;
        if let Some(reason) = self.bad_header {
            return Err(BuildError::InvalidHeader(reason));
        }
        if self.http.is_some() && self.connect_timeout_set {
            return Err(BuildError::ConnectTimeoutWithHttpClient);
        }
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
        let app_http = self.http.is_some();
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
        let parts = Parts {
            http,
            app_http,
            credentials,
            user_agent,
            limiter: self.limiter,
            headers: self.headers,
            observer: self.observer,
        };
        Ok(C::from(Core::new(parts, config)))
    }
}

/// The credentials of a client of `C`, checked against its schemes: each
/// given for a scheme the API has and of its kind, every bearer scheme
/// without its own taking the builder's token, and (unless missing ones
/// are allowed) every operation callable.
fn credentials<C: ApiClient>(
    token: Option<Credential>,
    given: Vec<(String, Credential)>,
    allow_missing: bool,
) -> Result<Credentials, BuildError> {
    let schemes = C::SECURITY_SCHEMES;
    let known = || schemes.iter().map(|s| s.name).collect::<Vec<_>>();
    let mut sending: Vec<Option<Sending>> = schemes.iter().map(|_| None).collect();
    for (name, credential) in given {
        let Some(i) = schemes.iter().position(|s| s.name == name) else {
            return Err(BuildError::UnknownSecurityScheme {
                scheme: name,
                known: known(),
            });
        };
        let scheme = &schemes[i];
        if !credential.fits(scheme.kind) {
            return Err(BuildError::CredentialMismatch {
                scheme: name,
                given: credential.kind(),
                takes: scheme.describe(),
            });
        }
        sending[i] = Some(sending_for(scheme.kind, credential)?);
    }
    if let Some(token) = token {
        let bearer: Vec<usize> = schemes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SchemeKind::Bearer)
            .map(|(i, _)| i)
            .collect();
        if bearer.is_empty() {
            return Err(BuildError::CredentialMismatch {
                scheme: "(the builder's token)".to_owned(),
                given: token.kind(),
                takes: format!(
                    "none of the API's schemes takes a bearer token ({})",
                    schemes
                        .iter()
                        .map(|s| format!("`{}`: {}", s.name, s.describe()))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            });
        }
        // One source for all of them: a fixed token is checked (and its
        // header built) once.
        let shared = sending_for(SchemeKind::Bearer, token)?;
        let Sending::Bearer { source, fixed } = shared else {
            return Err(BuildError::InvalidToken);
        };
        for i in bearer {
            sending[i].get_or_insert_with(|| Sending::Bearer {
                source: Arc::clone(&source),
                fixed: fixed.clone(),
            });
        }
    }
    let mut credentials = Credentials {
        schemes,
        sending,
        default: None,
        default_security: C::SECURITY,
        default_bearer: None,
    };
    credentials.default = credentials.resolve(C::SECURITY);
    credentials.default_bearer = match credentials.default.as_deref() {
        Some(&[i]) => match credentials.sending.get(i) {
            Some(Some(Sending::Bearer {
                fixed: Some(header),
                ..
            })) => Some(header.clone()),
            _ => None,
        },
        _ => None,
    };
    if !allow_missing {
        let missing: Vec<Security> = std::iter::once(C::SECURITY)
            .chain(C::OPERATION_SECURITY.iter().copied())
            .filter(|security| credentials.resolve(security).is_none())
            .collect();
        if !missing.is_empty() {
            let mut needed: Vec<&'static str> = missing
                .iter()
                .flat_map(|security| security.iter().flat_map(|alt| alt.iter().copied()))
                .collect();
            needed.sort_unstable();
            needed.dedup();
            return Err(BuildError::MissingCredentials {
                needed: missing
                    .iter()
                    .map(|security| credentials.needed(security))
                    .collect(),
                schemes: needed
                    .iter()
                    .filter_map(|name| schemes.iter().find(|s| s.name == *name))
                    .map(|s| format!("`{}`: {}", s.name, s.describe()))
                    .collect(),
                configured: credentials.configured(),
            });
        }
    }
    Ok(credentials)
}

/// How `credential` is sent for a scheme of `kind` (checked to fit).
fn sending_for(kind: SchemeKind, credential: Credential) -> Result<Sending, BuildError> {
    Ok(match (kind, credential) {
        (_, Credential::Token(token)) => {
            // Tokens (API tokens, OAuth access tokens) are visible ASCII;
            // anything else is a copy-paste accident (a line break, a
            // space, a typographic quote) that the server would refuse.
            if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(BuildError::InvalidToken);
            }
            let source: Arc<dyn TokenSource> = Arc::new(StaticToken::new(token));
            let fixed = source.fixed().and_then(crate::auth::bearer);
            Sending::Bearer { source, fixed }
        }
        (_, Credential::Source(source)) => {
            let fixed = source.fixed().and_then(crate::auth::bearer);
            Sending::Bearer { source, fixed }
        }
        (_, Credential::Basic { user, password }) => {
            // RFC 7617: the user id cannot hold a colon.
            if user.contains(':') {
                return Err(BuildError::InvalidCredential(
                    "an HTTP basic user cannot contain `:`".into(),
                ));
            }
            let value = basic_header(&user, password.expose()).ok_or_else(|| {
                BuildError::InvalidCredential(
                    "HTTP basic credentials with characters a header cannot carry".into(),
                )
            })?;
            Sending::Header(reqwest::header::AUTHORIZATION, value)
        }
        (SchemeKind::ApiKey { location, name }, Credential::ApiKey(key)) => {
            let visible = !key.is_empty() && key.expose().bytes().all(|b| b.is_ascii_graphic());
            match location {
                KeyLocation::Header => {
                    let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                        BuildError::InvalidCredential(format!("`{name}` is not a header name"))
                    })?;
                    let mut value = HeaderValue::from_str(key.expose())
                        .ok()
                        .filter(|_| visible)
                        .ok_or_else(|| invalid_key(name))?;
                    value.set_sensitive(true);
                    Sending::Header(header, value)
                }
                // Percent-encoded like any query value: any text will do.
                KeyLocation::Query if !key.is_empty() => Sending::Query(name, key),
                // A cookie value: visible ASCII but `"`, `,`, `;` and `\`.
                KeyLocation::Cookie if visible && !key.expose().contains(['"', ',', ';', '\\']) => {
                    Sending::Cookie(format!("{name}={}", key.expose()))
                }
                KeyLocation::Query | KeyLocation::Cookie => return Err(invalid_key(name)),
            }
        }
        // `fits` was checked.
        (_, Credential::ApiKey(_)) => return Err(invalid_key("?")),
    })
}

fn invalid_key(name: &str) -> BuildError {
    BuildError::InvalidCredential(format!(
        "the API key for `{name}` is empty or has characters a header or cookie cannot carry (only visible ASCII)"
    ))
}
