//! The transport: sends a [`Request`], retries what is safe to retry, reads
//! the body within bounds, and hands generated code a [`RawResponse`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;

use crate::auth::{SecretString, TokenContext, TokenError, TokenSource};
use crate::config::Config;
use crate::error::{
    snippet, snippet_at, without_values, ApiError, Error, Failure, RequestFailure, RootCause,
};
use crate::hooks::{Attempt, ExtraHeaders, Observer};
use crate::limiter::RateLimiter;
use crate::media::{ByteStream, UploadKind};
use crate::options::RequestOptions;
use crate::request::Request;
use crate::response::{ApiResponse, RateLimit};
use crate::security::{redact_query, Credentials};

/// Statuses worth retrying for operations that are safe to repeat.
const RETRYABLE_STATUSES: &[StatusCode] = &[
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

/// Shared state behind every clone of a client, plus the settings of this
/// clone (which [`Core::with_options`] can override).
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
    config: Arc<Config>,
    /// Overrides the operation's own idempotency.
    idempotent: Option<bool>,
    /// Extra headers of this clone's requests (`RequestOptions::headers`).
    headers: Arc<ExtraHeaders>,
    /// The first of those headers that could not be sent, if any: calls
    /// fail with it before sending anything.
    bad_header: Option<Arc<str>>,
}

/// The shared parts of a client, handed from the builder to [`Core::new`].
pub(crate) struct Parts {
    pub(crate) http: reqwest::Client,
    /// Whether `http` is the app's own (`ClientBuilder::http_client`).
    pub(crate) app_http: bool,
    pub(crate) credentials: Credentials,
    pub(crate) user_agent: HeaderValue,
    pub(crate) limiter: Option<RateLimiter>,
    pub(crate) headers: ExtraHeaders,
    pub(crate) observer: Option<Arc<dyn Observer>>,
}

struct Inner {
    http: reqwest::Client,
    /// Whether `http` is the app's own client, which may carry a timeout
    /// of its own.
    app_http: bool,
    /// The credentials of each security scheme. A bearer source with one
    /// fixed token (`TokenSource::fixed`) has its `Authorization` header
    /// built once: most clients hold a fixed API token, and asking for it
    /// before every attempt is work on the hot path for nothing.
    credentials: Credentials,
    user_agent: HeaderValue,
    limiter: Option<RateLimiter>,
    /// The client's extra headers (the builder's `header`).
    headers: ExtraHeaders,
    observer: Option<Arc<dyn Observer>>,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("config", &self.config)
            .field("credentials", &self.inner.credentials)
            .field("rate_limiter", &self.inner.limiter)
            .field("idempotent", &self.idempotent)
            .field("client_headers", &self.inner.headers)
            .field("request_headers", &self.headers)
            .field("observer", &self.inner.observer.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether a 401 says the token lacks a scope, which a new token of the
/// same grant cannot fix; any other 401 means an expired or invalid token.
fn is_scope_refusal(raw: &RawResponse) -> bool {
    let text = String::from_utf8_lossy(&raw.body).to_ascii_lowercase();
    text.contains("scope")
}

/// What one attempt came to.
enum Outcome {
    Response(RawResponse),
    TooLarge(StatusCode),
    /// The attempt's time limit passed before the body was read.
    TimedOut,
    Failed(reqwest::Error),
}

/// Why an attempt is retried (for logs).
#[derive(Clone, Copy)]
enum Reason {
    Status(StatusCode),
    Connect,
    Transport,
    AttemptTimeout,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => write!(f, "status {}", status.as_u16()),
            Self::Connect => f.write_str("connection failed"),
            Self::Transport => f.write_str("connection lost"),
            Self::AttemptTimeout => f.write_str("attempt timed out"),
        }
    }
}

impl Core {
    pub(crate) fn new(parts: Parts, config: Config) -> Self {
        Self {
            inner: Arc::new(Inner {
                http: parts.http,
                app_http: parts.app_http,
                credentials: parts.credentials,
                user_agent: parts.user_agent,
                limiter: parts.limiter,
                headers: parts.headers,
                observer: parts.observer,
            }),
            config: Arc::new(config),
            idempotent: None,
            headers: Arc::default(),
            bad_header: None,
        }
    }

    /// The settings requests of this clone use (overrides included).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The client-side rate limiter, when the builder set one.
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.limiter.as_ref()
    }

    /// A clone whose requests use `options` over this one's settings. It
    /// shares the connection pool and the rate limiter.
    #[must_use]
    pub fn with_options(&self, options: &RequestOptions) -> Self {
        let mut config = (*self.config).clone();
        options.apply(&mut config);
        let mut headers = (*self.headers).clone();
        let mut bad_header = self.bad_header.clone();
        for (name, value) in &options.headers {
            if let Err(reason) = headers.push(name, value) {
                bad_header.get_or_insert_with(|| reason.into());
            }
        }
        Self {
            inner: Arc::clone(&self.inner),
            config: Arc::new(config),
            idempotent: options.idempotent.or(self.idempotent),
            headers: Arc::new(headers),
            bad_header,
        }
    }

    /// Sends `request`, retrying as the policy allows, and returns the final
    /// answer whatever its status.
    ///
    /// Runs in an `openapi.request` span (operation, method, path
    /// template, final status, attempts, total latency), each attempt in a
    /// `openapi.attempt` span (attempt, status, latency). Neither the
    /// token nor, unless the builder's `log_bodies` is on, any body is
    /// logged.
    pub async fn execute(&self, request: Request) -> Result<RawResponse, RequestFailure> {
        let span = tracing::info_span!(
            "openapi.request",
            operation = request.operation,
            method = %request.method,
            path = request.template,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        // Boxed: the retry loop's state (the request, its URL and headers,
        // reqwest's future, the timers) is about 3 KB, which would otherwise
        // be inline in every operation's future, and moved with it.
        let result = Box::pin(
            self.execute_inner(request, started)
                .instrument(span.clone()),
        )
        .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        if let Err(failure) = &result {
            span.in_scope(|| tracing::debug!(error = %failure.0, "request failed"));
        }
        result
    }

    async fn execute_inner(
        &self,
        mut request: Request,
        started: Instant,
    ) -> Result<RawResponse, RequestFailure> {
        let operation = request.operation;
        let invalid = |reason: String| RequestFailure(Failure::Invalid { operation, reason });
        if let Some(reason) = &request.invalid {
            return Err(invalid(reason.clone()));
        }
        if let Some(reason) = &self.bad_header {
            return Err(invalid(reason.to_string()));
        }
        let config = &*self.config;
        if config.log_bodies {
            if let Some(body) = &request.body {
                tracing::trace!(body = %snippet(body), "request body");
            }
        }
        // Moved, not copied, into bytes every attempt shares.
        let mut body = request.body.take().map(bytes::Bytes::from);
        // A streamed upload is sent by the first attempt and cannot be sent
        // again: such a request is never retried.
        let mut stream = None;
        match request.upload.take().map(|upload| *upload) {
            Some(UploadKind::Bytes(bytes)) => body = Some(bytes),
            Some(UploadKind::Stream { body, .. }) => stream = Some(body),
            None => {}
        }
        let replayable = stream.is_none();
        let has_body = body.is_some() || stream.is_some();
        // The first attempt takes the URL and headers built here; only a
        // retry builds them again.
        let credentials = &self.inner.credentials;
        // The schemes this call sends: those of the operation's own
        // `security`, or of the document's (resolved when the client was
        // built).
        // Most calls are the common case: the document's requirement, met
        // by one fixed bearer token whose header was built with the client
        // (kept inline, so the hot path reads no more than that header).
        let fixed = match (
            &credentials.default_bearer,
            request.anonymous,
            request.security,
        ) {
            (Some(header), false, None) => Some(header),
            _ => None,
        };
        let plan: Cow<'_, [usize]> = if request.anonymous || fixed.is_some() {
            Cow::Borrowed(&[])
        } else {
            let resolved = match request.security {
                Some(security) => credentials.resolve(security).map(Cow::Owned),
                None => credentials.default.as_deref().map(Cow::Borrowed),
            };
            match resolved {
                Some(plan) => plan,
                None => {
                    let security = request.security.unwrap_or(credentials.default_security);
                    let source = TokenError::MissingCredentials {
                        needed: credentials.needed(security),
                    };
                    return Err(RequestFailure(Failure::Auth { operation, source }));
                }
            }
        };
        let bearer = credentials.bearer(&plan);
        let mut prepared = Some(self.prepare(&request, has_body, &plan).map_err(invalid)?);
        let idempotent = self.idempotent.unwrap_or(request.idempotent);
        let span = tracing::Span::current();
        let deadline = started + config.timeout;
        let timeout = |attempts: u32, limit: Duration| {
            RequestFailure(Failure::Timeout {
                operation,
                elapsed: started.elapsed(),
                limit,
                attempts,
                idempotent,
            })
        };
        let mut attempt: u32 = 0;
        // Whether the one retry after a 401 was used; it is not counted
        // against `max_retries` (the 401 was not processed).
        let mut auth_retried = false;
        let cx = TokenContext::new(operation, deadline);
        loop {
            if let Some(limiter) = &self.inner.limiter {
                if limiter.acquire(deadline).await.is_err() {
                    tracing::debug!("no rate limiter slot before the deadline");
                    return Err(timeout(attempt, config.timeout));
                }
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(timeout(attempt, config.timeout));
            }
            // The token (when it can change, for the 401 path) and its header.
            let token = match (fixed, bearer) {
                (Some(header), _) => Some((None, header.clone())),
                (None, None) => None,
                (None, Some((_, Some(header)))) => Some((None, header.clone())),
                (None, Some((source, None))) => match self.token(source, &cx).await {
                    Ok((token, header)) => Some((Some(token), header)),
                    Err(Some(source)) => {
                        return Err(RequestFailure(Failure::Auth { operation, source }))
                    }
                    Err(None) => return Err(timeout(attempt, config.timeout)),
                },
            };
            attempt += 1;
            span.record("attempt", attempt);
            // The attempt's own limit, when it is shorter than what is left.
            let attempt_limit = config.attempt_timeout.filter(|limit| *limit < remaining);
            let limit = attempt_limit.unwrap_or(remaining);
            let attempt_span = tracing::debug_span!(
                "openapi.attempt",
                attempt,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let attempt_started = Instant::now();
            let (url, headers) = match prepared.take() {
                Some(prepared) => prepared,
                None => self.prepare(&request, has_body, &plan).map_err(invalid)?,
            };
            let mut outcome = self
                .attempt(
                    &request,
                    url,
                    headers,
                    token.as_ref().map(|t| &t.1),
                    // Bytes are shared by every attempt (a count bumped);
                    // a stream goes with the first.
                    body.clone()
                        .map(reqwest::Body::from)
                        .or_else(|| stream.take()),
                    limit,
                )
                .instrument(attempt_span.clone())
                .await;
            if let Outcome::Failed(error) = &mut outcome {
                // reqwest's error carries the URL, which may carry a key.
                if let Some(url) = error.url_mut() {
                    redact_query(url, &credentials.secret_params(&plan));
                }
            }
            let latency = attempt_started.elapsed();
            attempt_span.record("latency_ms", latency.as_millis() as u64);
            self.observe(&request, attempt, latency, &outcome);
            if let (Outcome::Response(raw), Some((Some(token), _)), Some((source, _))) =
                (&outcome, &token, bearer)
            {
                if raw.status == StatusCode::UNAUTHORIZED
                    && !auth_retried
                    && replayable
                    && !is_scope_refusal(raw)
                {
                    let asked = source.unauthorized(token, &cx);
                    let renewed = match tokio::time::timeout_at(deadline, asked).await {
                        Ok(Ok(renewed)) => renewed,
                        Ok(Err(source)) => {
                            return Err(RequestFailure(Failure::Auth { operation, source }))
                        }
                        Err(_) => return Err(timeout(attempt, config.timeout)),
                    };
                    if renewed {
                        tracing::debug!(
                            attempt,
                            "401: the token source has a new token; retrying once"
                        );
                        auth_retried = true;
                        continue;
                    }
                }
            }
            let retries_left = attempt - u32::from(auth_retried) <= config.retry.max_retries;
            let timed_out = || {
                idempotent.then(|| {
                    (
                        self.backoff(attempt, &RateLimit::default()),
                        Reason::AttemptTimeout,
                    )
                })
            };
            // What to wait before the next attempt; `None` ends the call.
            let retry = match &outcome {
                Outcome::Response(raw) => {
                    attempt_span.record("status", raw.status.as_u16());
                    span.record("status", raw.status.as_u16());
                    self.retry_for_status(raw, attempt, idempotent)
                }
                Outcome::TooLarge(status) => {
                    attempt_span.record("status", status.as_u16());
                    span.record("status", status.as_u16());
                    None
                }
                Outcome::Failed(error) if error.is_connect() => {
                    // Nothing reached the server: safe for every operation.
                    Some((
                        self.backoff(attempt, &RateLimit::default()),
                        Reason::Connect,
                    ))
                }
                // Only an attempt timeout leaves time to retry; the deadline
                // check below refuses the rest. (A reqwest timeout comes from
                // an app's own `http_client`.)
                Outcome::TimedOut => timed_out(),
                Outcome::Failed(error) if error.is_timeout() => timed_out(),
                Outcome::Failed(_) => idempotent.then(|| {
                    (
                        self.backoff(attempt, &RateLimit::default()),
                        Reason::Transport,
                    )
                }),
            };
            if let (Some((_, reason)), false) = (retry, replayable) {
                tracing::debug!(attempt, %reason, "not retrying: the body was a stream");
            }
            if let Some((wait, reason)) = retry.filter(|_| replayable) {
                if retries_left && Instant::now() + wait < deadline {
                    match &outcome {
                        Outcome::Failed(error) => tracing::debug!(
                            attempt,
                            %reason,
                            error = %RootCause(error),
                            wait_ms = wait.as_millis() as u64,
                            "retrying"
                        ),
                        _ => tracing::debug!(
                            attempt,
                            %reason,
                            wait_ms = wait.as_millis() as u64,
                            "retrying"
                        ),
                    }
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return match outcome {
                Outcome::Response(mut raw) => {
                    raw.idempotent = idempotent;
                    Ok(raw)
                }
                Outcome::TooLarge(status) => Err(RequestFailure(Failure::TooLarge {
                    operation,
                    status,
                    limit: config.max_response_bytes,
                })),
                Outcome::Failed(error) if error.is_connect() => {
                    Err(RequestFailure(Failure::Connect {
                        operation,
                        source: error,
                    }))
                }
                Outcome::TimedOut => Err(timeout(attempt, attempt_limit.unwrap_or(config.timeout))),
                Outcome::Failed(error) if error.is_timeout() => {
                    Err(timeout(attempt, attempt_limit.unwrap_or(config.timeout)))
                }
                Outcome::Failed(error) => Err(RequestFailure(Failure::Transport {
                    operation,
                    source: error,
                    idempotent,
                })),
            };
        }
    }

    /// The token for the next attempt and its header, waiting for it no
    /// longer than the call's deadline (`Err(None)` when that passed).
    async fn token(
        &self,
        source: &Arc<dyn TokenSource>,
        cx: &TokenContext,
    ) -> Result<(SecretString, HeaderValue), Option<TokenError>> {
        let asked = source.token(cx);
        let token = match tokio::time::timeout_at(cx.deadline, asked).await {
            Ok(Ok(token)) => token,
            Ok(Err(error)) => {
                tracing::debug!(error = %error, "no token");
                return Err(Some(error));
            }
            Err(_) => {
                tracing::debug!("no token before the deadline");
                return Err(None);
            }
        };
        match crate::auth::bearer(&token) {
            Some(header) => Ok((token, header)),
            None => Err(Some(TokenError::other(
                "the token source gave a token a header cannot carry (only visible ASCII is allowed)",
            ))),
        }
    }

    /// Tells the observer, if any, how an attempt ended.
    fn observe(&self, request: &Request, attempt: u32, latency: Duration, outcome: &Outcome) {
        let Some(observer) = &self.inner.observer else {
            return;
        };
        let (status, headers, failure) = match outcome {
            Outcome::Response(raw) => (Some(raw.status), Some(&raw.headers), None),
            Outcome::TooLarge(status) => (Some(*status), None, Some("too_large")),
            Outcome::Failed(e) if e.is_connect() => (None, None, Some("connect")),
            Outcome::Failed(e) if e.is_timeout() => (None, None, Some("timeout")),
            Outcome::TimedOut => (None, None, Some("timeout")),
            Outcome::Failed(_) => (None, None, Some("transport")),
        };
        observer.on_attempt(&Attempt {
            operation: request.operation,
            method: &request.method,
            path: request.template,
            attempt,
            status,
            latency,
            headers,
            failure,
        });
    }

    /// Sends one attempt and reads its answer, within `limit`.
    async fn attempt(
        &self,
        request: &Request,
        url: Url,
        mut headers: HeaderMap,
        token: Option<&HeaderValue>,
        body: Option<reqwest::Body>,
        limit: Duration,
    ) -> Outcome {
        if let Some(token) = token {
            headers.insert(AUTHORIZATION, token.clone());
        }
        let mut http_request = reqwest::Request::new(request.method.clone(), url);
        *http_request.headers_mut() = headers;
        *http_request.body_mut() = body;
        // A download the app reads at its own pace is not cut by the
        // limit: it covers the wait for the headers only.
        if self.inner.app_http && !request.stream_response {
            // The app's own client may have a total timeout; a per-request
            // one replaces it, so this client's `timeout` decides, as the
            // builder's `http_client` documents.
            *http_request.timeout_mut() = Some(limit);
        }
        let exchange = async {
            let response = self.inner.http.execute(http_request).await?;
            if request.stream_response && response.status().is_success() {
                return Ok(Outcome::Response(RawResponse::streaming(
                    request.operation,
                    response,
                    self.config.log_bodies,
                )));
            }
            self.read(response, request.operation).await
        };
        // The limit covers sending and reading the whole body, as reqwest's
        // per-request timeout would, on the same clock. A timer of our own
        // rather than that one (except for an app's client, above): reqwest
        // boxes its timer, stores the limit in the request's extensions
        // (two allocations more) and wraps the body in one more layer, on
        // every request.
        match tokio::time::timeout(limit, exchange).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(error)) => Outcome::Failed(error),
            Err(_) => Outcome::TimedOut,
        }
    }

    /// The wait before retrying an answer with this status, if it is worth
    /// retrying: 429 always, 502/503/504 when the operation is safe to
    /// repeat. A `Retry-After` longer than `max_backoff` ends the retries.
    fn retry_for_status(
        &self,
        raw: &RawResponse,
        attempt: u32,
        idempotent: bool,
    ) -> Option<(Duration, Reason)> {
        let policy = &self.config.retry;
        let reason = Reason::Status(raw.status);
        let rate_limited = raw.status == StatusCode::TOO_MANY_REQUESTS;
        let retryable = rate_limited || (idempotent && RETRYABLE_STATUSES.contains(&raw.status));
        if !retryable {
            return None;
        }
        let asked = raw.retry_after();
        if rate_limited {
            if let (Some(limiter), Some(wait)) = (&self.inner.limiter, asked) {
                // Hold back the other tasks sharing the limiter too.
                limiter.pause_until(Instant::now() + wait);
            }
        }
        match asked {
            Some(wait) if wait > policy.max_backoff => {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "the server asks to wait longer than max_backoff; not retrying"
                );
                None
            }
            Some(wait) => Some((wait, reason)),
            None if rate_limited => Some((self.backoff(attempt, &raw.rate_limit()), reason)),
            None => Some((self.backoff(attempt, &RateLimit::default()), reason)),
        }
    }

    /// The URL and headers of an attempt, but the bearer token: the
    /// credentials of `plan`'s other schemes, the request's own
    /// headers, the app's (a client header can replace a spec default, a
    /// request header a client one), the user agent and (for a body that
    /// set none) the JSON content type.
    fn prepare(
        &self,
        request: &Request,
        has_body: bool,
        plan: &[usize],
    ) -> Result<(Url, HeaderMap), String> {
        let mut headers =
            HeaderMap::with_capacity(request.fixed_headers.len() + request.headers.len() + 4);
        for fixed in &request.fixed_headers {
            headers.insert(fixed.name.clone(), fixed.value.clone());
        }
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("header `{name}`: {e}"))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("header `{name}` has characters not allowed in a header"))?;
            headers.insert(name, value);
        }
        self.inner.headers.apply(&mut headers);
        self.headers.apply(&mut headers);
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if has_body && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let mut url = self.url(request);
        if !plan.is_empty() {
            // Credentials last: an app's extra header does not replace them.
            self.inner.credentials.apply(plan, &mut url, &mut headers);
        }
        Ok((url, headers))
    }

    fn url(&self, request: &Request) -> Url {
        let mut url = self.config.base_url.clone();
        // One path write: the base's path (without its trailing slash) and
        // the request's, which starts with `/`.
        let base = url.path().trim_end_matches('/');
        let mut path = String::with_capacity(base.len() + request.path.len());
        path.push_str(base);
        path.push_str(&request.path);
        url.set_path(&path);
        if !request.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(request.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// Reads the body, stopping at the configured bound.
    async fn read(
        &self,
        mut response: reqwest::Response,
        operation: &'static str,
    ) -> Result<Outcome, reqwest::Error> {
        let limit = self.config.max_response_bytes;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Ok(Outcome::TooLarge(status));
        }
        let headers = std::mem::take(response.headers_mut());
        // One allocation when the server says how long the body is (within
        // the limit, checked above).
        let mut body = Vec::with_capacity(
            response
                .content_length()
                .map_or(0, |len| usize::try_from(len).unwrap_or(0)),
        );
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > limit {
                return Ok(Outcome::TooLarge(status));
            }
            body.extend_from_slice(&chunk);
        }
        if self.config.log_bodies {
            tracing::trace!(status = status.as_u16(), body = %snippet(&body), "response body");
        }
        Ok(Outcome::Response(RawResponse {
            operation,
            status,
            headers,
            body,
            stream: None,
            log_bodies: self.config.log_bodies,
            // Set by the retry loop, which knows the operation.
            idempotent: false,
        }))
    }

    /// Exponential backoff with full jitter; when the server reports an empty
    /// burst window, wait for the window instead.
    fn backoff(&self, attempt: u32, rate_limit: &RateLimit) -> Duration {
        let policy = &self.config.retry;
        if let (Some(0), Some(interval)) = (rate_limit.remaining, rate_limit.interval_ms) {
            return Duration::from_millis(u64::from(interval)).min(policy.max_backoff);
        }
        let exp = policy
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let cap = exp.min(policy.max_backoff);
        cap.mul_f64(rand::random::<f64>())
    }
}

/// A response read in full, before decoding (or, for a download asked for
/// with [`Request::stream_response`], with its body still unread).
/// Generated code decodes it by status.
pub struct RawResponse {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    /// The unread body of a streamed download (boxed: every other
    /// response carries the `None`).
    stream: Option<Box<reqwest::Response>>,
    /// Whether errors may quote the body (`ClientBuilder::log_bodies`).
    log_bodies: bool,
    /// Whether the operation was treated as safe to repeat (for errors).
    idempotent: bool,
}

impl fmt::Debug for RawResponse {
    /// The body's length, not its content: it may hold personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("streaming", &self.stream.is_some())
            .finish_non_exhaustive()
    }
}

impl RawResponse {
    /// A successful answer whose body is left unread, for a download.
    fn streaming(operation: &'static str, response: reqwest::Response, log_bodies: bool) -> Self {
        Self {
            operation,
            status: response.status(),
            headers: response.headers().clone(),
            body: Vec::new(),
            stream: Some(Box::new(response)),
            log_bodies,
            idempotent: false,
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }

    /// `Retry-After` in seconds or as an HTTP date.
    fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let wait = when.signed_duration_since(chrono::Utc::now());
        Some(wait.to_std().unwrap_or(Duration::ZERO))
    }

    /// Decodes a JSON success body.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<ApiResponse<T>, Error<E>> {
        let body = self.decode::<T, E>()?;
        Ok(ApiResponse::new(self.status, self.headers, body))
    }

    /// Decodes a JSON success body of type `T` into one variant of the
    /// operation's success enum.
    pub fn json_as<T: DeserializeOwned, U, E>(
        self,
        wrap: impl FnOnce(T) -> U,
    ) -> Result<ApiResponse<U>, Error<E>> {
        self.json::<T, E>().map(|response| response.map(wrap))
    }

    /// A text success body (`text/plain`, `text/csv`, ...) as a `String`.
    /// A body that is not UTF-8 is an [`Error::Decode`] saying where the
    /// text stops being UTF-8.
    pub fn text<E>(self) -> Result<ApiResponse<String>, Error<E>> {
        let text = self.utf8::<E>()?;
        Ok(ApiResponse::new(self.status, self.headers, text))
    }

    /// A text success body into one variant of the operation's success
    /// enum.
    pub fn text_as<U, E>(self, wrap: impl FnOnce(String) -> U) -> Result<ApiResponse<U>, Error<E>> {
        self.text::<E>().map(|response| response.map(wrap))
    }

    /// A binary success body (`application/octet-stream`, `image/png`,
    /// ...) as the bytes sent, read whole (within `max_response_bytes`).
    pub fn bytes<E>(self) -> Result<ApiResponse<Bytes>, Error<E>> {
        Ok(ApiResponse::new(
            self.status,
            self.headers,
            Bytes::from(self.body),
        ))
    }

    /// A binary success body into one variant of the operation's success
    /// enum.
    pub fn bytes_as<U, E>(self, wrap: impl FnOnce(Bytes) -> U) -> Result<ApiResponse<U>, Error<E>> {
        self.bytes::<E>().map(|response| response.map(wrap))
    }

    /// The success body as a stream the app reads at its own pace: a
    /// download larger than memory or than `max_response_bytes`. The
    /// request must have asked for it ([`Request::stream_response`]);
    /// otherwise the body, already read, is its one chunk.
    pub fn stream<E>(self) -> Result<ApiResponse<ByteStream>, Error<E>> {
        let body = match self.stream {
            Some(response) => ByteStream::live(self.operation, *response),
            None => ByteStream::read(self.operation, self.status, self.body),
        };
        Ok(ApiResponse::new(self.status, self.headers, body))
    }

    /// A documented error whose body is text, into the operation's error
    /// enum with `wrap`.
    pub fn error_text<E>(self, wrap: impl FnOnce(String) -> E) -> Error<E> {
        match self.utf8::<E>() {
            Ok(text) => self.api_error(wrap(text)),
            Err(error) => error,
        }
    }

    /// A documented error whose body is binary, into the operation's error
    /// enum with `wrap`.
    pub fn error_bytes<E>(mut self, wrap: impl FnOnce(Bytes) -> E) -> Error<E> {
        let body = Bytes::from(std::mem::take(&mut self.body));
        self.api_error(wrap(body))
    }

    /// The body as UTF-8 text (a copy: the raw body stays for the error's
    /// message), or the error saying where it is not.
    fn utf8<E>(&self) -> Result<String, Error<E>> {
        match std::str::from_utf8(&self.body) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => Err(Error::Decode {
                operation: self.operation,
                status: self.status,
                path: ".".into(),
                expected: format!(
                    "UTF-8 text, but the byte at offset {} is not UTF-8",
                    error.valid_up_to()
                ),
                snippet: self.quoted_body(),
            }),
        }
    }

    /// A bodiless success, as one variant of the operation's success enum.
    pub fn empty_as<U, E>(self, value: U) -> Result<ApiResponse<U>, Error<E>> {
        Ok(ApiResponse::new(self.status, self.headers, value))
    }

    /// A success with no body to decode.
    pub fn empty<E>(self) -> Result<ApiResponse<()>, Error<E>> {
        Ok(ApiResponse::new(self.status, self.headers, ()))
    }

    /// Decodes a documented error body of type `B` into the operation's error
    /// enum with `wrap`.
    pub fn error<B: DeserializeOwned, E>(self, wrap: impl FnOnce(B) -> E) -> Error<E> {
        match self.decode::<B, E>() {
            Ok(body) => self.api_error(wrap(body)),
            Err(error) => error,
        }
    }

    /// The start of the body, when errors may quote it.
    fn quoted_body(&self) -> Option<String> {
        self.log_bodies.then(|| snippet(&self.body))
    }

    /// A documented error status whose body the spec does not describe.
    pub fn error_without_body<E>(self, value: E) -> Error<E> {
        self.api_error(value)
    }

    /// A status the spec does not list for the operation.
    pub fn unexpected<E>(self) -> Error<E> {
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            return Error::RateLimited {
                operation: self.operation,
                retry_after: self.retry_after(),
                rate_limit: self.rate_limit(),
                snippet: self.quoted_body(),
            };
        }
        Error::UnexpectedStatus {
            operation: self.operation,
            status: self.status,
            snippet: self.quoted_body(),
            idempotent: self.idempotent,
        }
    }

    fn api_error<E>(self, body: E) -> Error<E> {
        // Read the common fields from the raw JSON, whatever the typed body
        // calls them.
        let raw: Option<Value> = serde_json::from_slice(&self.body).ok();
        let message = raw.as_ref().and_then(|v| match v.get("message")? {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => None,
        });
        let trace_id = raw
            .as_ref()
            .and_then(|v| v.get("traceId")?.as_str().map(str::to_owned));
        let rate_limit = self.rate_limit();
        Error::Api(Box::new(ApiError {
            operation: self.operation,
            status: self.status,
            headers: self.headers,
            body,
            message,
            trace_id,
            rate_limit,
            idempotent: self.idempotent,
        }))
    }

    /// Decodes the body at full speed; only a body that fails is decoded
    /// again, tracking the path, to say where it failed.
    fn decode<T: DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        serde_json::from_slice::<T>(&self.body).map_err(|first| self.decode_error::<T, E>(first))
    }

    /// The error for a body that did not decode into `T`: the body is
    /// decoded again, tracking the path, to say where.
    fn decode_error<T: DeserializeOwned, E>(&self, first: serde_json::Error) -> Error<E> {
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        let (path, error) = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Err(e) => (crate::de::known_path(e.path()), e.into_inner()),
            // Cannot happen (the same input failed); report the first error.
            Ok(_) => (".".to_owned(), first),
        };
        let expected = if error.is_eof() {
            // A cut body: where it ended says more than what was expected.
            format!(
                "the body ends after {} bytes, before this value is complete ({})",
                self.body.len(),
                without_values(&error)
            )
        } else {
            without_values(&error)
        };
        Error::Decode {
            operation: self.operation,
            status: self.status,
            path,
            expected,
            snippet: self.log_bodies.then(|| {
                // A body with credentials is shown redacted (from its start),
                // since redacting moves the failing position.
                match crate::redact::redact(&self.body) {
                    std::borrow::Cow::Borrowed(_) => {
                        snippet_at(&self.body, error.line(), error.column())
                    }
                    std::borrow::Cow::Owned(_) => snippet(&self.body),
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_retry_after(value: &str) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).expect("header"));
        RawResponse {
            operation: "op",
            status: StatusCode::TOO_MANY_REQUESTS,
            headers,
            body: Vec::new(),
            stream: None,
            log_bodies: false,
            idempotent: true,
        }
    }

    #[test]
    fn debug_shows_the_body_length_not_the_body() {
        let mut raw = with_retry_after("1");
        raw.body = br#"{"owner":{"email":"ann@example.com"}}"#.to_vec();
        let text = format!("{raw:?}");
        assert!(!text.contains("ann@"), "{text}");
        assert!(text.contains("body_len: 37"), "{text}");
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        assert_eq!(
            with_retry_after("7").retry_after(),
            Some(Duration::from_secs(7))
        );
        let in_a_minute = chrono::Utc::now() + chrono::Duration::seconds(60);
        let date = in_a_minute.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let wait = with_retry_after(&date)
            .retry_after()
            .expect("a date parses");
        assert!(
            wait > Duration::from_secs(55) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        // A date in the past means: now.
        let past = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(with_retry_after(past).retry_after(), Some(Duration::ZERO));
        assert_eq!(with_retry_after("soon").retry_after(), None);
        assert_eq!(with_retry_after("-1").retry_after(), None);
    }
}
