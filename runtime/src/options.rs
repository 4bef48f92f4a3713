//! Per-request overrides of the client's settings.

use std::fmt;
use std::time::Duration;

use crate::config::{Config, RetryPolicy};

/// Settings that override the client's for the requests of one clone:
/// `client.with_options(options)` returns a cheap clone (same connection
/// pool, same rate limiter) whose calls use them. Fields left `None` keep
/// the client's value.
///
/// ```
/// use std::time::Duration;
/// use openapi_runtime::RequestOptions;
///
/// // One quick attempt, no retries, for a health check:
/// // `client.with_options(quick)` on a generated client.
/// let quick = RequestOptions::new()
///     .max_retries(0)
///     .timeout(Duration::from_secs(2));
/// assert_eq!(quick.max_retries, Some(0));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// Retries after the first attempt; 0 turns retrying off. Applied after
    /// `retry`.
    pub max_retries: Option<u32>,
    /// The whole retry policy.
    pub retry: Option<RetryPolicy>,
    /// Total time for one call, all attempts and waits included.
    pub timeout: Option<Duration>,
    /// Time for one attempt; a safe-to-repeat operation whose attempt runs
    /// out is retried while the total time allows.
    pub attempt_timeout: Option<Duration>,
    /// Larger response bodies fail with `Error::BodyTooLarge`.
    pub max_response_bytes: Option<usize>,
    /// Treat the operation as safe (`true`) or unsafe (`false`) to repeat,
    /// whatever the spec says. Safe operations are retried after 502, 503,
    /// 504 and failures after the request may have reached the server.
    pub idempotent: Option<bool>,
    /// Extra headers for these requests (a correlation id), set after the
    /// client's own extra headers and replacing those of the same name.
    /// `Authorization` cannot be set here. A name or value a header cannot
    /// carry fails the call with `Error::InvalidRequest`, naming the header,
    /// before anything is sent. `Debug` shows the names only.
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOptions")
            .field("max_retries", &self.max_retries)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("idempotent", &self.idempotent)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`max_retries`](Self::max_retries).
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sets [`retry`](Self::retry).
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Sets [`timeout`](Self::timeout).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets [`attempt_timeout`](Self::attempt_timeout).
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Sets [`max_response_bytes`](Self::max_response_bytes).
    #[must_use]
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Sets [`idempotent`](Self::idempotent).
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Adds an extra header (see [`headers`](Self::headers)).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Writes the overrides into `config`.
    pub(crate) fn apply(&self, config: &mut Config) {
        if let Some(retry) = &self.retry {
            config.retry = retry.clone();
        }
        if let Some(max_retries) = self.max_retries {
            config.retry.max_retries = max_retries;
        }
        if let Some(timeout) = self.timeout {
            config.timeout = timeout;
        }
        if let Some(timeout) = self.attempt_timeout {
            config.attempt_timeout = Some(timeout);
        }
        if let Some(limit) = self.max_response_bytes {
            config.max_response_bytes = limit;
        }
    }
}
