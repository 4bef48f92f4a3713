//! Hooks around each request for what apps add themselves: extra headers
//! (per client with the builder's `header`, per request with
//! [`RequestOptions::header`](crate::RequestOptions::header)) and an
//! [`Observer`] that sees every attempt, for metrics.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};

/// Sees every attempt of every call, after its answer is read (or after it
/// failed): for metrics and tracing systems of the app's choosing. It runs
/// on the request's task, so it should be quick (count, record, return).
///
/// Any `Fn(&Attempt<'_>) + Send + Sync + 'static` is an observer.
pub trait Observer: Send + Sync + 'static {
    /// One attempt ended.
    fn on_attempt(&self, attempt: &Attempt<'_>);
}

impl<F> Observer for F
where
    F: Fn(&Attempt<'_>) + Send + Sync + 'static,
{
    fn on_attempt(&self, attempt: &Attempt<'_>) {
        self(attempt);
    }
}

/// What an [`Observer`] learns about one attempt. It holds nothing secret:
/// the path is the template (`/pets/{petId}`), never the filled
/// path, and the headers are the response's.
#[derive(Debug)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The operation (its operationId).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: &'a Method,
    /// The path template as the spec writes it.
    pub path: &'static str,
    /// 1 for the first attempt of the call, 2 for its first retry, ...
    pub attempt: u32,
    /// The status, when an answer arrived.
    pub status: Option<StatusCode>,
    /// From sending the request to reading the end of the answer (or the
    /// failure).
    pub latency: Duration,
    /// The response headers, when an answer arrived.
    pub headers: Option<&'a HeaderMap>,
    /// What went wrong, when no answer arrived: `connect`, `timeout`,
    /// `transport` or `too_large`.
    pub failure: Option<&'static str>,
}

/// Extra headers, checked once. `Debug` shows their names only: a header
/// an app adds may carry a secret of its own.
#[derive(Clone, Default)]
pub(crate) struct ExtraHeaders(pub(crate) Vec<(HeaderName, HeaderValue)>);

impl ExtraHeaders {
    /// Checks and adds `name: value`. The error names the header, never
    /// the value. `Authorization` belongs to the token source.
    pub(crate) fn push(&mut self, name: &str, value: &str) -> Result<(), String> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        if name == AUTHORIZATION {
            return Err(
                "`Authorization` is set by the client's token source, not as an extra header"
                    .into(),
            );
        }
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| format!("header `{name}` has characters not allowed in a header"))?;
        // Keep values out of hyper's and reqwest's own debug output.
        value.set_sensitive(true);
        self.0.push((name, value));
        Ok(())
    }

    /// Sets them on `headers`, replacing headers of the same name.
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.0 {
            headers.insert(name.clone(), value.clone());
        }
    }
}

impl fmt::Debug for ExtraHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name.as_str()))
            .finish()
    }
}
