//! The one error type every operation returns.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::auth::TokenError;
use crate::response::RateLimit;

/// At most this much of a response body is kept in an error (only when the
/// client logs bodies).
pub const SNIPPET_LIMIT: usize = 1024;

/// How much of the body on each side of a decoding failure an error shows.
const CONTEXT: usize = SNIPPET_LIMIT / 2;

/// Everything that can go wrong calling an operation.
///
/// `E` is the error enum generated for the operation: one variant per
/// error status the spec documents, holding its decoded body. Operations
/// that document the same statuses with the same bodies share one enum
/// (every operation of a spec whose errors are alike returns the same
/// `Error<E>`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The API answered with a status the spec documents as an error, with
    /// its decoded body (boxed: bodies can be large and errors travel far).
    #[error("{0}")]
    Api(Box<ApiError<E>>),
    /// The API answered 429 Too Many Requests, and retrying was not
    /// possible (retries used up or off, or the wait asked for is longer
    /// than the retry policy's `max_backoff` or the time left).
    #[error("{operation}: rate limited (429 Too Many Requests){}{}{}", LimitHint(rate_limit), RetryHint(*retry_after), BodyHint(snippet.as_deref()))]
    RateLimited {
        /// The operation called.
        operation: &'static str,
        /// How long the server asked to wait, if it said.
        retry_after: Option<Duration>,
        /// Rate-limit headers of the response.
        rate_limit: RateLimit,
        /// The start of the body (at most 1 KiB), only when the client was
        /// built with `log_bodies(true)`: bodies may hold personal data.
        snippet: Option<String>,
    },
    /// The API answered with a status the spec does not list for this
    /// operation.
    #[error("{operation}: unexpected status {status}{}{}", BodyHint(snippet.as_deref()), NotRepeated::after_status(operation, *status, *idempotent))]
    UnexpectedStatus {
        /// The operation called.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body (at most 1 KiB), only when the client was
        /// built with `log_bodies(true)`: bodies may hold personal data.
        snippet: Option<String>,
        /// Whether the operation was treated as safe to repeat (the spec's
        /// method or `x-idempotent`, or `RequestOptions::idempotent`).
        idempotent: bool,
    },
    /// A body did not match its documented type.
    ///
    /// The message names the JSON path and what was expected there, never a
    /// value from the body (it may be personal data); with `log_bodies(true)`
    /// it also shows the body around the failing position.
    #[error("{operation}: cannot decode the {status} response at `{path}`: {expected}{}", NearHint(snippet.as_deref()))]
    Decode {
        /// The operation called.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// JSON path of the value that failed (`contact.dndSettings.Call.status`;
        /// `.` for the whole body). For a body cut short, the value it
        /// ended in (`item` for `{"item":{"id":"a",`).
        path: String,
        /// What was wrong, without the value: `invalid type: string,
        /// expected i64`, ``missing field `id` ``; for a body cut short,
        /// where it ended: `the body ends after 23 bytes, before this value
        /// is complete (EOF while parsing a value)`.
        expected: String,
        /// The body around the failing position (at most 1 KiB), only when
        /// the client was built with `log_bodies(true)`.
        snippet: Option<String>,
    },
    /// The response body was larger than the configured bound; it was not
    /// read further.
    #[error("{operation}: the {status} response is larger than the {limit}-byte limit (raise `max_response_bytes` if it is legitimate)")]
    BodyTooLarge {
        /// The operation called.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// No complete answer within the configured time (the call's
    /// `timeout`, or an attempt's `attempt_timeout` when the operation is not
    /// safe to repeat). The request may have reached the server.
    #[error(
        "{operation}: no complete answer in time: gave up after {:.1} s and {attempts} attempt(s) (time limit {:.1} s; raise `timeout` on the builder or with `RequestOptions`){}",
        elapsed.as_secs_f64(),
        limit.as_secs_f64(),
        NotRepeated(operation, *attempts > 0 && !*idempotent)
    )]
    Timeout {
        /// The operation called.
        operation: &'static str,
        /// Time spent, all attempts and waits included.
        elapsed: Duration,
        /// The limit that ran out: the call's `timeout`, or `attempt_timeout`.
        limit: Duration,
        /// Attempts made (0 when the client-side rate limiter had no slot
        /// in time, so nothing was sent).
        attempts: u32,
        /// Whether the operation was treated as safe to repeat.
        idempotent: bool,
    },
    /// The connection could not be made (DNS, refused, TLS, connect
    /// timeout). Nothing was sent.
    #[error("{operation}: cannot connect to the server: {}", RootCause(source))]
    Connect {
        /// The operation called.
        operation: &'static str,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The connection failed after the request may have been sent (reset,
    /// closed before the answer was complete).
    #[error(
        "{operation}: the connection failed after the request may have been sent: {}{}",
        RootCause(source),
        NotRepeated(operation, !*idempotent)
    )]
    Transport {
        /// The operation called.
        operation: &'static str,
        /// The underlying error.
        source: reqwest::Error,
        /// Whether the operation was treated as safe to repeat.
        idempotent: bool,
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
    /// A paging stream could not go on (for example, the last contact of a
    /// page carried no `searchAfter` cursor). Items already yielded stand.
    #[error("{operation}: cannot fetch the next page: {reason}")]
    Paging {
        /// The operation called.
        operation: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The client's token source gave no token (a refresh failed, the app
    /// must be reinstalled, a new token pair could not be saved). Nothing
    /// was sent with the missing token.
    #[error("{operation}: no access token: {source}")]
    Auth {
        /// The operation called.
        operation: &'static str,
        /// Why.
        source: TokenError,
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
            | Self::InvalidRequest { .. }
            | Self::Paging { .. }
            | Self::Auth { .. } => None,
        }
    }

    /// Why the token source gave no token, for [`Error::Auth`].
    pub fn token_error(&self) -> Option<&TokenError> {
        match self {
            Self::Auth { source, .. } => Some(source),
            _ => None,
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
            | Self::InvalidRequest { operation, .. }
            | Self::Paging { operation, .. }
            | Self::Auth { operation, .. } => operation,
        }
    }

    /// How long the server asked to wait (`Retry-After`) before a 429 that
    /// ended the call.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The `X-RateLimit-*` headers of the response that ended the call,
    /// when it was a documented error or a 429.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Self::Api(api) => Some(&api.rate_limit),
            Self::RateLimited { rate_limit, .. } => Some(rate_limit),
            _ => None,
        }
    }

    /// Whether the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether no connection could be made (nothing was sent).
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Connect { .. })
    }

    /// The response headers of a documented error status.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Self::Api(api) => Some(&api.headers),
            _ => None,
        }
    }

    /// The decoded body of a documented error status.
    pub fn body(&self) -> Option<&E> {
        match self {
            Self::Api(api) => Some(&api.body),
            _ => None,
        }
    }

    /// Whether the server may have acted on the request: `false` only when
    /// it certainly did not (nothing was sent, or the answer refused it
    /// with a 4xx status such as 400, 401, 422 or 429).
    ///
    /// `true` for a connection lost after sending, a timeout after an
    /// attempt went out, any 5xx answer (a gateway's 502 or 504 says
    /// nothing of what the service behind it did; a 503 may come after the
    /// work), and a success whose body did not decode. An operation that
    /// is not safe to repeat (a create) is not sent again in these cases,
    /// and neither should the app resend it blindly: find out first whether
    /// it took effect (an upsert of the same record where the API has one,
    /// or a listing or search for it).
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Self::Api(api) => !api.status.is_client_error(),
            Self::UnexpectedStatus { status, .. }
            | Self::Decode { status, .. }
            | Self::BodyTooLarge { status, .. } => !status.is_client_error(),
            Self::Timeout { attempts, .. } => *attempts > 0,
            Self::Transport { .. } => true,
            Self::RateLimited { .. }
            | Self::Connect { .. }
            | Self::InvalidRequest { .. }
            | Self::Paging { .. }
            | Self::Auth { .. } => false,
        }
    }

    /// Whether sending the same request again later could succeed: rate
    /// limits, timeouts, connection failures and 5xx answers. Whether it is
    /// *safe* to send again is another question: a create that timed out
    /// may have created the record, which
    /// [`may_have_been_processed`](Self::may_have_been_processed) answers.
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
            Self::Auth { source, .. } => source.is_retryable(),
            Self::Decode { .. }
            | Self::BodyTooLarge { .. }
            | Self::InvalidRequest { .. }
            | Self::Paging { .. } => false,
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
    /// The response headers (a server's diagnostic headers, such as a
    /// request id, are here).
    pub headers: HeaderMap,
    /// The decoded body.
    pub body: E,
    /// The body's `message` (several joined with `; `), when it has one.
    pub message: Option<String>,
    /// The body's `traceId`, to quote to the vendor's support.
    pub trace_id: Option<String>,
    /// Rate-limit headers of the response.
    pub rate_limit: RateLimit,
    /// Whether the operation was treated as safe to repeat.
    pub idempotent: bool,
}

impl<E> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}{}{}{}",
            self.operation,
            self.status,
            Detail(self.message.as_deref()),
            Trace(self.trace_id.as_deref()),
            NotRepeated::after_status(self.operation, self.status, self.idempotent)
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
        limit: Duration,
        attempts: u32,
        idempotent: bool,
    },
    Connect {
        operation: &'static str,
        source: reqwest::Error,
    },
    Transport {
        operation: &'static str,
        source: reqwest::Error,
        idempotent: bool,
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
    Auth {
        operation: &'static str,
        source: TokenError,
    },
}

impl fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for RequestFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Failure::Connect { source, .. } | Failure::Transport { source, .. } => Some(source),
            Failure::Auth { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    /// The same text as the [`Error`] it becomes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout {
                operation,
                elapsed,
                limit,
                attempts,
                idempotent,
            } => fmt::Display::fmt(
                &Error::<()>::Timeout {
                    operation,
                    elapsed: *elapsed,
                    limit: *limit,
                    attempts: *attempts,
                    idempotent: *idempotent,
                },
                f,
            ),
            Self::Connect { operation, source } => write!(
                f,
                "{operation}: cannot connect to the server: {}",
                RootCause(source)
            ),
            Self::Transport {
                operation,
                source,
                idempotent,
            } => write!(
                f,
                "{operation}: the connection failed after the request may have been sent: {}{}",
                RootCause(source),
                NotRepeated(operation, !*idempotent)
            ),
            Self::Invalid { operation, reason } => {
                write!(f, "{operation}: invalid request: {reason}")
            }
            Self::Auth { operation, source } => write!(f, "{operation}: no access token: {source}"),
            Self::TooLarge {
                operation,
                status,
                limit,
            } => fmt::Display::fmt(
                &Error::<()>::BodyTooLarge {
                    operation,
                    status: *status,
                    limit: *limit,
                },
                f,
            ),
        }
    }
}

impl<E> From<RequestFailure> for Error<E> {
    fn from(failure: RequestFailure) -> Self {
        match failure.0 {
            Failure::Timeout {
                operation,
                elapsed,
                limit,
                attempts,
                idempotent,
            } => Self::Timeout {
                operation,
                elapsed,
                limit,
                attempts,
                idempotent,
            },
            Failure::Connect { operation, source } => Self::Connect { operation, source },
            Failure::Transport {
                operation,
                source,
                idempotent,
            } => Self::Transport {
                operation,
                source,
                idempotent,
            },
            Failure::Invalid { operation, reason } => Self::InvalidRequest { operation, reason },
            Failure::Auth { operation, source } => Self::Auth { operation, source },
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
    /// The token is empty or has characters a token cannot have (anything
    /// but visible ASCII). The token itself is never printed.
    #[error("the API token is empty or contains characters a token cannot have (only visible ASCII is allowed: check for whitespace or quotes pasted along with it)")]
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
    /// An extra header (the builder's `header`) has a name or value a header
    /// cannot carry, or is `Authorization`. The value is never printed.
    #[error("invalid extra header: {0}")]
    InvalidHeader(String),
    /// `connect_timeout` was set together with `http_client`: the connect
    /// timeout belongs to the connection pool, which the caller's
    /// `reqwest::Client` brings. Set it on that client instead.
    #[error("`connect_timeout` cannot apply to a client given with `http_client`: set the connect timeout on that reqwest::Client (`reqwest::Client::builder().connect_timeout(..)`)")]
    ConnectTimeoutWithHttpClient,
    /// reqwest could not build its client (TLS backend setup).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// The start of a body as text, at most [`SNIPPET_LIMIT`] bytes, cut on a
/// character boundary.
/// Credentials in the body (OAuth token fields) are replaced first.
pub(crate) fn snippet(body: &[u8]) -> String {
    let body = &*crate::redact::redact(body);
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

/// The body around `line` and `column` (serde_json's one-based position;
/// line 0 when it has none), at most [`CONTEXT`] bytes each side.
pub(crate) fn snippet_at(body: &[u8], line: usize, column: usize) -> String {
    let line_start = if line <= 1 {
        0
    } else {
        body.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)
            .map_or(body.len(), |(i, _)| i + 1)
    };
    let at = if line == 0 {
        0
    } else {
        line_start
            .saturating_add(column.saturating_sub(1))
            .min(body.len())
    };
    let start = at.saturating_sub(CONTEXT);
    let end = at.saturating_add(CONTEXT).min(body.len());
    let text = String::from_utf8_lossy(body.get(start..end).unwrap_or_default());
    // A multi-byte character cut at either end decodes as U+FFFD: drop it.
    let text = text.trim_matches('\u{FFFD}');
    let mut out = String::with_capacity(text.len() + 6);
    if start > 0 {
        out.push('…');
    }
    out.push_str(text);
    if end < body.len() {
        out.push('…');
    }
    if out.is_empty() {
        "(empty body)".to_owned()
    } else {
        out
    }
}

/// What a serde_json error says, without the value it quotes (`invalid
/// type: string "rosan@deos.com", expected i64` becomes `invalid type:
/// string, expected i64`) or its position.
pub(crate) fn without_values(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) if error.line() > 0 => text.get(..i).unwrap_or(&text),
        _ => text.as_str(),
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            // `string "x", expected ...`: the kind is the first word(s) before
            // the quoted value; the expectation follows the last `, expected`.
            let kind_end = rest.find([' ', ',']).unwrap_or(rest.len());
            let kind = rest.get(..kind_end).unwrap_or("value");
            let kind = match kind {
                "floating" => "floating point",
                "unit" => "unit value",
                other => other,
            };
            return match rest.rfind(", expected ") {
                Some(i) => format!("{prefix}{kind}{}", rest.get(i..).unwrap_or_default()),
                None => format!("{prefix}{kind}"),
            };
        }
    }
    if let Some(rest) = text.strip_prefix("unknown variant ") {
        return match rest.find(", expected ") {
            Some(i) => format!("unknown variant{}", rest.get(i..).unwrap_or_default()),
            None => "unknown variant".to_owned(),
        };
    }
    // serde's own messages that quote names from the spec or nothing at
    // all; anything else (a custom message) may quote the value.
    const SAFE: &[&str] = &[
        "missing field ",
        "duplicate field ",
        "unknown field ",
        "invalid length ",
        "EOF while parsing",
        "expected ",
        "trailing ",
        "key must be",
        "control character",
        "invalid escape",
        "invalid number",
        "number out of range",
        "invalid unicode code point",
        "lone leading surrogate",
        "recursion limit exceeded",
    ];
    if SAFE.iter().any(|p| text.starts_with(p)) {
        text.to_owned()
    } else {
        "invalid value".to_owned()
    }
}

struct BodyHint<'a>(Option<&'a str>);

impl fmt::Display for BodyHint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(body) => write!(f, ": {body}"),
            None => Ok(()),
        }
    }
}

struct NearHint<'a>(Option<&'a str>);

impl fmt::Display for NearHint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(body) => write!(f, "; the body there: {body}"),
            None => Ok(()),
        }
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

/// The causes of a transport error ("client error (Connect): tcp connect
/// error: Connection refused (os error 111)"), which say more than reqwest's
/// top-level message and, unlike it, carry no URL (no contact id in logs).
pub(crate) struct RootCause<'a>(pub(crate) &'a (dyn std::error::Error + 'static));

impl fmt::Display for RootCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(mut cause) = self.0.source() else {
            return write!(f, "{}", self.0);
        };
        write!(f, "{cause}")?;
        while let Some(next) = cause.source() {
            write!(f, ": {next}")?;
            cause = next;
        }
        Ok(())
    }
}

/// Why a request that may have been processed was not sent again: the
/// operation is not safe to repeat (shown when the flag is set).
struct NotRepeated<'a>(&'a str, bool);

impl<'a> NotRepeated<'a> {
    /// After an answer with `status`: a 5xx says the request may have been
    /// processed (a 4xx refused it; a success is no error).
    fn after_status(operation: &'a str, status: StatusCode, idempotent: bool) -> Self {
        Self(operation, status.is_server_error() && !idempotent)
    }
}

impl fmt::Display for NotRepeated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self(operation, true) => write!(
                f,
                "; not sent again: {operation} is not safe to repeat, and the server may have processed this request (a second one could do it twice); check whether it took effect before resending"
            ),
            Self(_, false) => Ok(()),
        }
    }
}

struct LimitHint<'a>(&'a RateLimit);

impl fmt::Display for LimitHint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let limit = self.0;
        if limit.daily_remaining == Some(0) {
            write!(f, "; the daily limit")?;
            if let Some(daily) = limit.daily_limit {
                write!(f, " of {daily} requests")?;
            }
            return write!(f, " is used up");
        }
        if limit.remaining == Some(0) {
            write!(f, "; the burst limit")?;
            if let (Some(max), Some(ms)) = (limit.max, limit.interval_ms) {
                write!(f, " of {max} requests per {} s", f64::from(ms) / 1000.0)?;
            }
            write!(f, " is used up")?;
        }
        Ok(())
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

    #[test]
    fn snippet_at_shows_the_failing_position_far_into_the_body() {
        let mut body = format!("{{\"contact\":{{\"pad\":\"{}\",", "x".repeat(1500));
        body.push_str("\n  \"birthMonth\": \"eight\"}}");
        let error = serde_json::from_str::<serde_json::Value>(&body.replace("eight\"", "eight"))
            .expect_err("invalid");
        let at = snippet_at(body.as_bytes(), error.line(), error.column());
        assert!(at.contains("birthMonth"), "{at}");
        assert!(at.starts_with('…') && at.len() <= SNIPPET_LIMIT + 2 * '…'.len_utf8());
        assert_eq!(snippet_at(b"", 0, 0), "(empty body)");
    }

    #[test]
    fn decode_messages_keep_no_values() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "only decoded")]
        struct Typed {
            n: i64,
        }
        let cases = [
            (
                r#"{"n": "rosan@deos.com"}"#,
                "invalid type: string, expected i64",
            ),
            (
                r#"{"n": 1.5}"#,
                "invalid type: floating point, expected i64",
            ),
            (r#"{"n": true}"#, "invalid type: boolean, expected i64"),
            (r#"{}"#, "missing field `n`"),
            (r#"{"n": 1"#, "EOF while parsing an object"),
        ];
        for (body, expected) in cases {
            let error = serde_json::from_str::<Typed>(body).expect_err(body);
            assert_eq!(without_values(&error), expected, "{body}");
        }
    }
}
