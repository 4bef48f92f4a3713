//! The requests the mock received, in the order they arrived, with what
//! became of them.

use std::time::Duration;

use leadconnector::server_support::http::HeaderMap;

/// One request as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Its place among every request the mock received (from 0).
    pub seq: u64,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, as sent (percent-encoded).
    pub path: String,
    /// The query string without `?`, as sent.
    pub query: Option<String>,
    /// The headers. The token of `Authorization` is replaced by
    /// `<redacted>`.
    pub headers: HeaderMap,
    /// The body.
    pub body: bytes::Bytes,
    /// The `operationId` it was routed to.
    pub operation: Option<&'static str>,
    /// The status answered, or `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The headers of the answer.
    pub response_headers: HeaderMap,
    /// The body of the answer (as sent, even when a fault cut it; empty
    /// when the connection was dropped).
    pub response_body: bytes::Bytes,
    /// When the generated router refused the request (it breaks the spec),
    /// the problems it found, one message each.
    pub refusal: Option<Vec<String>>,
    /// The store's revision after this request's change, when it changed
    /// something: the order in which writes were applied.
    pub revision: Option<u64>,
    /// The fault that caught it, if a rule did.
    pub fault: Option<crate::Fault>,
    /// When it arrived (the mock's clock).
    pub at: chrono::DateTime<chrono::Utc>,
    /// How long the mock took to answer.
    pub took: Duration,
}

impl Received {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body of the answer as JSON, if it is JSON.
    pub fn response_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.response_body).ok()
    }

    /// The value of the answer's header `name` (any case).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .get(name)
            .and_then(|v| v.to_str().ok())
    }
}
