//! The transport: sends a [`Request`], retries what is safe to retry, reads
//! the body within bounds, and hands generated code a [`RawResponse`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;

use crate::config::Config;
use crate::error::{snippet, ApiError, Error, Failure, RequestFailure};
use crate::request::Request;
use crate::response::{ApiResponse, RateLimit};

/// Statuses worth retrying for operations that are safe to repeat.
const RETRYABLE_STATUSES: &[StatusCode] = &[
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

/// Shared state behind every clone of a client.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: Config,
    auth: HeaderValue,
    user_agent: HeaderValue,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("config", &self.inner.config)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Core {
    pub(crate) fn new(
        http: reqwest::Client,
        config: Config,
        auth: HeaderValue,
        user_agent: HeaderValue,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                config,
                auth,
                user_agent,
            }),
        }
    }

    /// The client's settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Sends `request`, retrying as the policy allows, and returns the final
    /// answer whatever its status.
    pub async fn execute(&self, request: Request) -> Result<RawResponse, RequestFailure> {
        let span = tracing::info_span!(
            "leadconnector.request",
            operation = request.operation,
            method = %request.method,
            path = request.template,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        self.execute_inner(request).instrument(span).await
    }

    async fn execute_inner(&self, request: Request) -> Result<RawResponse, RequestFailure> {
        let operation = request.operation;
        let invalid = |reason: String| RequestFailure(Failure::Invalid { operation, reason });
        if let Some(reason) = &request.invalid {
            return Err(invalid(reason.clone()));
        }
        let url = self.url(&request);
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| invalid(format!("header `{name}`: {e}")))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                invalid(format!(
                    "header `{name}` has characters not allowed in a header"
                ))
            })?;
            headers.insert(name, value);
        }
        let config = &self.inner.config;
        let started = Instant::now();
        let deadline = started + config.timeout;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(RequestFailure(Failure::Timeout {
                    operation,
                    elapsed: started.elapsed(),
                }));
            }
            let mut builder = self
                .inner
                .http
                .request(request.method.clone(), url.clone())
                .headers(headers.clone())
                .header(AUTHORIZATION, self.inner.auth.clone())
                .header(USER_AGENT, self.inner.user_agent.clone())
                .timeout(remaining);
            if let Some(body) = &request.body {
                // Form and multipart bodies set their own content type.
                if !headers.contains_key(CONTENT_TYPE) {
                    builder = builder.header(CONTENT_TYPE, "application/json");
                }
                builder = builder.body(body.clone());
            }
            let attempt_started = Instant::now();
            let outcome = match builder.send().await {
                Ok(response) => self.read(response, operation).await,
                Err(e) => Err(e),
            };
            span.record("latency_ms", attempt_started.elapsed().as_millis() as u64);
            let retries_left = attempt <= config.retry.max_retries;
            match outcome {
                Ok(Read::Done(raw)) => {
                    span.record("status", raw.status.as_u16());
                    let wait = if raw.status == StatusCode::TOO_MANY_REQUESTS {
                        Some(
                            raw.retry_after()
                                .unwrap_or_else(|| self.backoff(attempt, &raw.rate_limit())),
                        )
                    } else if request.idempotent && RETRYABLE_STATUSES.contains(&raw.status) {
                        Some(self.backoff(attempt, &RateLimit::default()))
                    } else {
                        None
                    };
                    match wait {
                        Some(wait) if retries_left && Instant::now() + wait < deadline => {
                            tracing::debug!(
                                status = raw.status.as_u16(),
                                wait_ms = wait.as_millis() as u64,
                                "retrying"
                            );
                            tokio::time::sleep(wait).await;
                        }
                        _ => return Ok(raw),
                    }
                }
                Ok(Read::TooLarge(status)) => {
                    return Err(RequestFailure(Failure::TooLarge {
                        operation,
                        status,
                        limit: config.max_response_bytes,
                    }));
                }
                Err(error) => {
                    // A refused connection never reached the server, so even a
                    // create is safe to send again; anything later may have.
                    let safe = request.idempotent || error.is_connect();
                    let wait = self.backoff(attempt, &RateLimit::default());
                    if safe
                        && retries_left
                        && !error.is_timeout()
                        && Instant::now() + wait < deadline
                    {
                        tracing::debug!(error = %error, wait_ms = wait.as_millis() as u64, "retrying after transport error");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let failure = if error.is_timeout() {
                        Failure::Timeout {
                            operation,
                            elapsed: started.elapsed(),
                        }
                    } else if error.is_connect() {
                        Failure::Connect {
                            operation,
                            source: error,
                        }
                    } else {
                        Failure::Transport {
                            operation,
                            source: error,
                        }
                    };
                    return Err(RequestFailure(failure));
                }
            }
        }
    }

    fn url(&self, request: &Request) -> Url {
        let mut url = self.inner.config.base_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{}", request.path));
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
    ) -> Result<Read, reqwest::Error> {
        let limit = self.inner.config.max_response_bytes;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Ok(Read::TooLarge(status));
        }
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > limit {
                return Ok(Read::TooLarge(status));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Read::Done(RawResponse {
            operation,
            status,
            headers,
            body,
        }))
    }

    /// Exponential backoff with full jitter; when the server reports an empty
    /// burst window, wait for the window instead.
    fn backoff(&self, attempt: u32, rate_limit: &RateLimit) -> Duration {
        let policy = &self.inner.config.retry;
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

enum Read {
    Done(RawResponse),
    TooLarge(StatusCode),
}

/// A response read in full, before decoding. Generated code decodes it by
/// status.
#[derive(Debug)]
pub struct RawResponse {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl RawResponse {
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
                snippet: snippet(&self.body),
            };
        }
        Error::UnexpectedStatus {
            operation: self.operation,
            status: self.status,
            snippet: snippet(&self.body),
        }
    }

    fn api_error<E>(&self, body: E) -> Error<E> {
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
        Error::Api(Box::new(ApiError {
            operation: self.operation,
            status: self.status,
            body,
            message,
            trace_id,
            rate_limit: self.rate_limit(),
        }))
    }

    fn decode<T: DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| Error::Decode {
            operation: self.operation,
            status: self.status,
            path: e.path().to_string(),
            message: e.inner().to_string(),
            snippet: snippet(&self.body),
        })
    }
}
