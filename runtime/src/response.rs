//! Successful responses, with their status, headers and rate-limit state.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use reqwest::header::{HeaderMap, HeaderName};
use reqwest::StatusCode;

/// A decoded successful response.
///
/// Derefs to the body, so `response.name` reads the body's field;
/// `into_body` takes it.
#[derive(Clone)]
pub struct ApiResponse<T> {
    status: StatusCode,
    headers: HeaderMap,
    /// Parsed from `headers` on the first call of `rate_limit`: most
    /// callers never ask, and parsing five headers on every response cost
    /// about 1.5% of a small GET call.
    rate_limit: OnceLock<RateLimit>,
    body: T,
}

impl<T: fmt::Debug> fmt::Debug for ApiResponse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("rate_limit", self.rate_limit())
            .field("body", &self.body)
            .finish()
    }
}

impl<T> ApiResponse<T> {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        Self {
            status,
            headers,
            rate_limit: OnceLock::new(),
            body,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `X-RateLimit-*` headers, parsed.
    pub fn rate_limit(&self) -> &RateLimit {
        self.rate_limit
            .get_or_init(|| RateLimit::from_headers(&self.headers))
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// Takes the decoded body.
    pub fn into_body(self) -> T {
        self.body
    }

    /// Transforms the body, keeping status and headers.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            rate_limit: self.rate_limit,
            body: f(self.body),
        }
    }
}

impl<T> Deref for ApiResponse<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

/// The `X-RateLimit-*` headers of a response: a burst window (its length,
/// its limit, what is left of it) and a daily quota. Each is `None` when the
/// response did not carry it or it was not a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit-Daily`: requests allowed per day.
    pub daily_limit: Option<u32>,
    /// `X-RateLimit-Daily-Remaining`: requests left today.
    pub daily_remaining: Option<u32>,
    /// `X-RateLimit-Interval-Milliseconds`: the burst window.
    pub interval_ms: Option<u32>,
    /// `X-RateLimit-Max`: requests allowed per burst window.
    pub max: Option<u32>,
    /// `X-RateLimit-Remaining`: requests left in this burst window.
    pub remaining: Option<u32>,
}

impl RateLimit {
    /// Parses the headers; missing or malformed ones stay `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let get = |name: HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        // Names built at compile time: looking a header up by `&str`
        // validates and lowercases the name first.
        Self {
            daily_limit: get(const { HeaderName::from_static("x-ratelimit-limit-daily") }),
            daily_remaining: get(const { HeaderName::from_static("x-ratelimit-daily-remaining") }),
            interval_ms: get(
                const { HeaderName::from_static("x-ratelimit-interval-milliseconds") },
            ),
            max: get(const { HeaderName::from_static("x-ratelimit-max") }),
            remaining: get(const { HeaderName::from_static("x-ratelimit-remaining") }),
        }
    }
}
