//! Bodies sent and received as they are, not as JSON: text, bytes, and
//! streams for uploads and downloads larger than memory.
//!
//! A body in memory ([`UploadBody::bytes`], a text body) is sent again when
//! a request is retried, as a JSON body is. A streamed upload
//! ([`UploadBody::stream`]) is read as it is sent and cannot be read a
//! second time, so a request carrying one is **never retried**: not after
//! a 429, a 502/503/504, a lost connection or a 401 the token source could
//! have fixed. The call fails with the error as it came, and the app
//! builds a new stream to try again.
//!
//! A streamed download ([`ByteStream`]) is not held in memory and not
//! bounded by `max_response_bytes` (that bound protects the decoding of
//! bodies read whole); the app reads it at its own pace, and the call's
//! `timeout` covers the wait for the response's headers, not the reading.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use reqwest::StatusCode;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of an upload: bytes in memory, or a stream read while it is
/// sent.
///
/// Bytes are sent again when the request is retried; a stream is sent once
/// (see the [module docs](self)).
///
/// ```
/// use openapi_runtime::{Bytes, UploadBody};
///
/// let small = UploadBody::from(b"%PDF-1.7".to_vec());
/// assert_eq!(small.len(), Some(8));
///
/// // A file larger than memory, read chunk by chunk while it is sent.
/// let chunks = (0..3).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&[0; 1024])));
/// let large = UploadBody::stream(futures_util::stream::iter(chunks)).with_length(3 * 1024);
/// assert!(large.is_stream());
/// ```
pub struct UploadBody {
    pub(crate) kind: UploadKind,
}

pub(crate) enum UploadKind {
    Bytes(Bytes),
    Stream {
        body: reqwest::Body,
        length: Option<u64>,
    },
}

impl fmt::Debug for UploadKind {
    /// The length, never the content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(bytes) => f.debug_struct("Bytes").field("len", &bytes.len()).finish(),
            Self::Stream { length, .. } => f.debug_struct("Stream").field("len", length).finish(),
        }
    }
}

impl UploadBody {
    /// A body of these bytes, sent again when the request is retried.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            kind: UploadKind::Bytes(bytes.into()),
        }
    }

    /// A body read from `stream` while it is sent: each chunk is pulled
    /// when the connection can take it, so the whole body is never in
    /// memory. Sent with chunked transfer encoding unless
    /// [`with_length`](Self::with_length) gives its length. A request with
    /// a streamed body is never retried.
    pub fn stream<S, C, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<C, E>> + Send + 'static,
        E: Into<BoxError>,
        Bytes: From<C>,
    {
        Self {
            kind: UploadKind::Stream {
                body: reqwest::Body::wrap_stream(stream),
                length: None,
            },
        }
    }

    /// The length of a streamed body, sent as `Content-Length` (some
    /// servers refuse chunked uploads). The stream must yield exactly this
    /// many bytes, or the request fails. A body of bytes knows its length;
    /// for it this does nothing.
    #[must_use]
    pub fn with_length(mut self, length: u64) -> Self {
        if let UploadKind::Stream { length: known, .. } = &mut self.kind {
            *known = Some(length);
        }
        self
    }

    /// Whether the body is a stream (and the request is therefore never
    /// retried).
    pub fn is_stream(&self) -> bool {
        matches!(self.kind, UploadKind::Stream { .. })
    }

    /// The length in bytes, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            UploadKind::Bytes(bytes) => Some(bytes.len() as u64),
            UploadKind::Stream { length, .. } => *length,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

impl fmt::Debug for UploadBody {
    /// The kind and length, never the content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_stream() { "stream" } else { "bytes" };
        f.debug_struct("UploadBody")
            .field("kind", &kind)
            .field("len", &self.len())
            .finish()
    }
}

impl From<Bytes> for UploadBody {
    fn from(bytes: Bytes) -> Self {
        Self::bytes(bytes)
    }
}

impl From<Vec<u8>> for UploadBody {
    fn from(bytes: Vec<u8>) -> Self {
        Self::bytes(bytes)
    }
}

impl From<&'static [u8]> for UploadBody {
    fn from(bytes: &'static [u8]) -> Self {
        Self::bytes(bytes)
    }
}

impl<const N: usize> From<&'static [u8; N]> for UploadBody {
    fn from(bytes: &'static [u8; N]) -> Self {
        Self::bytes(&bytes[..])
    }
}

impl From<String> for UploadBody {
    fn from(text: String) -> Self {
        Self::bytes(text)
    }
}

impl From<&'static str> for UploadBody {
    fn from(text: &'static str) -> Self {
        Self::bytes(text)
    }
}

/// A response body read while the app consumes it (a download), as a
/// [`Stream`] of chunks or chunk by chunk with [`chunk`](Self::chunk).
///
/// Not bounded by `max_response_bytes` and not held in memory: each chunk
/// is what the connection delivered, and the next is read when asked for.
pub struct ByteStream {
    operation: &'static str,
    status: StatusCode,
    read: u64,
    inner: Source,
}

enum Source {
    Live(Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>),
    /// A body already read whole (a client's `http_client` that buffers,
    /// or a test double); yielded as one chunk.
    Read(Option<Bytes>),
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    pub(crate) fn live(operation: &'static str, response: reqwest::Response) -> Self {
        Self {
            operation,
            status: response.status(),
            read: 0,
            inner: Source::Live(Box::pin(response.bytes_stream())),
        }
    }

    pub(crate) fn read(operation: &'static str, status: StatusCode, body: Vec<u8>) -> Self {
        Self {
            operation,
            status,
            read: 0,
            inner: Source::Read(Some(Bytes::from(body))),
        }
    }

    /// The next chunk, `None` at the end of the body.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, DownloadError> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }

    /// How many bytes were read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Reads the rest of the body into memory, refusing more than `limit`
    /// bytes in all (what was read before included).
    pub async fn collect(mut self, limit: usize) -> Result<Bytes, DownloadError> {
        let mut out = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            if out.len() + chunk.len() > limit {
                return Err(DownloadError {
                    operation: self.operation,
                    status: self.status,
                    read: self.read,
                    kind: DownloadErrorKind::TooLarge(limit),
                });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(out))
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, DownloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let next = match &mut this.inner {
            Source::Live(stream) => match stream.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(next) => next,
            },
            Source::Read(body) => body.take().map(Ok),
        };
        Poll::Ready(match next {
            Some(Ok(chunk)) => {
                this.read += chunk.len() as u64;
                Some(Ok(chunk))
            }
            Some(Err(source)) => Some(Err(DownloadError {
                operation: this.operation,
                status: this.status,
                read: this.read,
                kind: DownloadErrorKind::Transport(source),
            })),
            None => None,
        })
    }
}

/// A streamed download that could not be read to its end.
#[derive(Debug)]
pub struct DownloadError {
    operation: &'static str,
    status: StatusCode,
    read: u64,
    kind: DownloadErrorKind,
}

#[derive(Debug)]
enum DownloadErrorKind {
    Transport(reqwest::Error),
    TooLarge(usize),
}

impl DownloadError {
    /// The operation called.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The status of the response being read.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// How many bytes were read before it failed.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (operation, status, read) = (self.operation, self.status.as_u16(), self.read);
        match &self.kind {
            DownloadErrorKind::Transport(source) => write!(
                f,
                "{operation}: the {status} response body failed after {read} bytes: {}",
                crate::error::RootCause(source)
            ),
            DownloadErrorKind::TooLarge(limit) => write!(
                f,
                "{operation}: the {status} response body is larger than the {limit}-byte limit given to `collect`"
            ),
        }
    }
}

impl std::error::Error for DownloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            DownloadErrorKind::Transport(source) => Some(source),
            DownloadErrorKind::TooLarge(_) => None,
        }
    }
}

/// Whether `content_type` (parameters allowed) lies in the media range
/// `range` (`image/*`, `*/*`, `text/plain`, `application/*+json`), without
/// regard to case.
pub(crate) fn in_range(content_type: &str, range: &str) -> bool {
    let essence = |t: &str| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    let (given, range) = (essence(content_type), essence(range));
    let (Some((kind, sub)), Some((range_kind, range_sub))) =
        (given.split_once('/'), range.split_once('/'))
    else {
        return false;
    };
    let part = |value: &str, pattern: &str| match pattern.split_once('*') {
        None => value == pattern,
        Some((prefix, suffix)) => {
            value.len() >= prefix.len() + suffix.len()
                && value.starts_with(prefix)
                && value.ends_with(suffix)
        }
    };
    !kind.is_empty()
        && !sub.is_empty()
        && !kind.contains('*')
        && !sub.contains('*')
        && part(kind, range_kind)
        && part(sub, range_sub)
}

#[cfg(test)]
mod tests {
    use super::in_range;

    #[test]
    fn media_ranges() {
        assert!(in_range("image/png", "image/*"));
        assert!(in_range("Image/PNG; q=1", "image/*"));
        assert!(!in_range("text/png", "image/*"));
        assert!(in_range("application/x-anything", "*/*"));
        assert!(in_range("application/vnd.api+json", "application/*+json"));
        assert!(!in_range("application/xml", "application/*+json"));
        assert!(in_range("text/plain", "text/plain"));
        assert!(!in_range("image/*", "image/*"), "a range is not a type");
        assert!(!in_range("png", "image/*"));
        assert!(!in_range("image/", "image/*"));
    }
}
