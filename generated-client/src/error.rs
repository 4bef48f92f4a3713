//! The one error type every operation returns.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::response::RateLimit;

/// At most this much of a response body is kept in an error.
pub const SNIPPET_LIMIT: usize = 1024;

/// Everything that can go wrong calling an operation.
///
/// `E` is the operation's own error enum (for example
/// `UpdateContactError`), holding the decoded body of each documented error
/// status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The API answered with a status the spec documents as an error, with
    /// its decoded body (boxed: bodies can be large and errors travel far).
    #[error("{0}")]
    Api(Box<ApiError<E>>),
    /// The API kept answering 429 Too Many Requests after every retry.
    #[error("{operation}: rate limited (429){}", RetryHint(*retry_after))]
    RateLimited {
        /// The operation called.
        operation: &'static str,
        /// How long the server asked to wait, if it said.
        retry_after: Option<Duration>,
        /// Rate-limit headers of the response.
        rate_limit: RateLimit,
        /// The start of the body.
        snippet: String,
    },
    /// The API answered with a status the spec does not list for this
    /// operation.
    #[error("{operation}: unexpected status {status}: {snippet}")]
    UnexpectedStatus {
        /// The operation called.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body (at most 1 KiB).
        snippet: String,
    },
    /// A body did not match its documented type.
    #[error("{operation}: cannot decode the {status} response at `{path}`: {message}; body starts: {snippet}")]
    Decode {
        /// The operation called.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// JSON path of the value that failed (`contact.dndSettings.Call.status`).
        path: String,
        /// What serde said.
        message: String,
        /// The start of the body (at most 1 KiB).
        snippet: String,
    },
    /// The response body was larger than the configured bound.
    #[error("{operation}: the {status} response is larger than the {limit}-byte limit")]
    BodyTooLarge {
        /// The operation called.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// No answer within the configured time.
    #[error("{operation}: timed out after {elapsed:?}")]
    Timeout {
        /// The operation called.
        operation: &'static str,
        /// Time spent, all attempts included.
        elapsed: Duration,
    },
    /// The connection could not be made (DNS, refused, TLS).
    #[error("{operation}: cannot connect: {source}")]
    Connect {
        /// The operation called.
        operation: &'static str,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The connection failed after the request may have been sent.
    #[error("{operation}: connection failed: {source}")]
    Transport {
        /// The operation called.
        operation: &'static str,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The request could not be built from the arguments given (a path
    /// parameter that would change the path, a header with forbidden
    /// characters, a body that does not serialise). Nothing was sent.
    #[error("{operation}: invalid request: {reason}")]
    InvalidRequest {
        /// The operation called.
        operation: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl<E> Error<E> {
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::UnexpectedStatus { status, .. }
            | Self::Decode { status, .. }
            | Self::BodyTooLarge { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Self::Timeout { .. }
            | Self::Connect { .. }
            | Self::Transport { .. }
            | Self::InvalidRequest { .. } => None,
        }
    }

    /// The vendor's trace id, when the error body carried one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.trace_id.as_deref(),
            _ => None,
        }
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Api(api) => api.operation,
            Self::RateLimited { operation, .. }
            | Self::UnexpectedStatus { operation, .. }
            | Self::Decode { operation, .. }
            | Self::BodyTooLarge { operation, .. }
            | Self::Timeout { operation, .. }
            | Self::Connect { operation, .. }
            | Self::Transport { operation, .. }
            | Self::InvalidRequest { operation, .. } => operation,
        }
    }

    /// The decoded body of a documented error status.
    pub fn body(&self) -> Option<&E> {
        match self {
            Self::Api(api) => Some(&api.body),
            _ => None,
        }
    }

    /// Whether sending the same request again later could succeed: rate
    /// limits, timeouts, connection failures and 5xx answers.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Timeout { .. }
            | Self::Connect { .. }
            | Self::Transport { .. } => true,
            Self::Api(api) => {
                api.status.is_server_error() || api.status == StatusCode::TOO_MANY_REQUESTS
            }
            Self::UnexpectedStatus { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            Self::Decode { .. } | Self::BodyTooLarge { .. } | Self::InvalidRequest { .. } => false,
        }
    }
}

/// A documented error response: the status, the decoded body, and what
/// every error body of this API carries.
#[derive(Debug)]
pub struct ApiError<E> {
    /// The operation called.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The decoded body.
    pub body: E,
    /// The body's `message` (several joined with `; `), when it has one.
    pub message: Option<String>,
    /// The body's `traceId`, to quote to the vendor's support.
    pub trace_id: Option<String>,
    /// Rate-limit headers of the response.
    pub rate_limit: RateLimit,
}

impl<E> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}{}{}",
            self.operation,
            self.status,
            Detail(self.message.as_deref()),
            Trace(self.trace_id.as_deref())
        )
    }
}

/// A failure before any documented response could be decoded. It converts
/// into [`Error`] for every operation, which is what lets generated methods
/// use `?` on the transport.
#[derive(Debug)]
pub struct RequestFailure(pub(crate) Failure);

#[derive(Debug)]
pub(crate) enum Failure {
    Timeout {
        operation: &'static str,
        elapsed: Duration,
    },
    Connect {
        operation: &'static str,
        source: reqwest::Error,
    },
    Transport {
        operation: &'static str,
        source: reqwest::Error,
    },
    Invalid {
        operation: &'static str,
        reason: String,
    },
    TooLarge {
        operation: &'static str,
        status: StatusCode,
        limit: usize,
    },
}

impl<E> From<RequestFailure> for Error<E> {
    fn from(failure: RequestFailure) -> Self {
        match failure.0 {
            Failure::Timeout { operation, elapsed } => Self::Timeout { operation, elapsed },
            Failure::Connect { operation, source } => Self::Connect { operation, source },
            Failure::Transport { operation, source } => Self::Transport { operation, source },
            Failure::Invalid { operation, reason } => Self::InvalidRequest { operation, reason },
            Failure::TooLarge {
                operation,
                status,
                limit,
            } => Self::BodyTooLarge {
                operation,
                status,
                limit,
            },
        }
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The token is empty or has characters an HTTP header cannot carry. The
    /// token itself is never printed.
    #[error("the API token is empty or contains characters not allowed in an HTTP header")]
    InvalidToken,
    /// The base URL does not parse or cannot be a base.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The user agent has characters an HTTP header cannot carry.
    #[error("the user agent contains characters not allowed in an HTTP header")]
    InvalidUserAgent,
    /// reqwest could not build its client (TLS backend setup).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// The start of a body as text, at most [`SNIPPET_LIMIT`] bytes, cut on a
/// character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body.get(..SNIPPET_LIMIT.min(body.len())).unwrap_or(body));
    let mut text = text.into_owned();
    if body.len() > SNIPPET_LIMIT {
        // Lossy decoding of a cut multi-byte character adds U+FFFD; drop it.
        while text.ends_with('\u{FFFD}') {
            text.pop();
        }
        text.push('…');
    }
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text
    }
}

struct Detail<'a>(Option<&'a str>);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(message) => write!(f, ": {message}"),
            None => Ok(()),
        }
    }
}

struct Trace<'a>(Option<&'a str>);

impl fmt::Display for Trace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (trace id {id})"),
            None => Ok(()),
        }
    }
}

struct RetryHint(Option<Duration>);

impl fmt::Display for RetryHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(wait) => write!(f, "; the server asks to wait {} s", wait.as_secs_f64()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_and_cut_on_a_char_boundary() {
        let body = "é".repeat(2000);
        let s = snippet(body.as_bytes());
        assert!(s.len() <= SNIPPET_LIMIT + '…'.len_utf8());
        assert!(s.ends_with('…'));
        assert!(!s.contains('\u{FFFD}'));
        assert_eq!(snippet(b""), "(empty body)");
    }
}
