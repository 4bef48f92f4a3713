//! A request under construction: generated methods fill one in, the
//! transport sends it.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method as HttpMethod;
use serde::Serialize;
use serde_json::Value;

use crate::media::{in_range, UploadBody, UploadKind};

/// Everything but RFC 3986's unreserved characters is encoded in a path
/// segment, so a `/` in an id cannot add a segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A header whose name and value the spec fixes (the API `Version`),
/// built at compile time: generated code writes
/// `const { FixedHeader::new("version", "2021-07-28") }`, so sending it
/// neither allocates nor validates anything.
#[derive(Clone, Debug)]
pub struct FixedHeader {
    pub(crate) name: HeaderName,
    pub(crate) value: HeaderValue,
}

impl FixedHeader {
    /// The header `name: value`.
    ///
    /// # Panics
    ///
    /// When `name` is not a lowercase header name or `value` has characters
    /// a header cannot carry. In a `const` block, as generated code calls
    /// it, that is a compile error, never a panic at run time.
    #[must_use]
    pub const fn new(name: &'static str, value: &'static str) -> Self {
        Self {
            name: HeaderName::from_static(name),
            value: HeaderValue::from_static(value),
        }
    }
}

/// An HTTP request for one operation, built by generated code.
#[derive(Debug)]
pub struct Request {
    pub(crate) method: HttpMethod,
    pub(crate) operation: &'static str,
    pub(crate) template: &'static str,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Headers the spec fixes, sent before `headers`.
    pub(crate) fixed_headers: Vec<FixedHeader>,
    pub(crate) body: Option<Vec<u8>>,
    /// A body sent as it is (bytes or a stream), instead of `body`. Boxed:
    /// the request is moved by every builder call, and most requests have
    /// none.
    pub(crate) upload: Option<Box<UploadKind>>,
    /// Hand a 2xx answer's body over unread ([`RawResponse::stream`]).
    ///
    /// [`RawResponse::stream`]: crate::RawResponse::stream
    pub(crate) stream_response: bool,
    pub(crate) idempotent: bool,
    /// Sent without credentials (`security: []`).
    pub(crate) anonymous: bool,
    /// The operation's own `security`; `None`: the document's.
    pub(crate) security: Option<crate::security::Security>,
    /// The first problem met while building; sending fails with it.
    pub(crate) invalid: Option<String>,
}

impl Request {
    /// A request for `operation` (its operationId) to `template` (the path as
    /// the spec writes it, used in traces instead of the filled path).
    pub fn new(method: HttpMethod, operation: &'static str, template: &'static str) -> Self {
        Self {
            method,
            operation,
            template,
            // Room for the filled path: ids are usually longer than their
            // `{name}` in the template.
            path: String::with_capacity(template.len() + 32),
            query: Vec::new(),
            headers: Vec::new(),
            fixed_headers: Vec::new(),
            body: None,
            upload: None,
            stream_response: false,
            idempotent: false,
            anonymous: false,
            security: None,
            invalid: None,
        }
    }

    /// Marks the operation safe to repeat, so transport failures and 5xx
    /// answers are retried.
    #[must_use]
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Sends the request without credentials: the operation's `security`
    /// is an empty list (an OAuth token endpoint authenticates the app in
    /// the form instead).
    #[must_use]
    pub fn anonymous(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Sends the credentials of the operation's own `security` (the first
    /// alternative the client has credentials for) instead of the
    /// document's.
    #[must_use]
    pub fn security(mut self, security: crate::security::Security) -> Self {
        self.security = Some(security);
        self
    }

    /// Appends a literal path segment.
    #[must_use]
    pub fn segment(mut self, text: &'static str) -> Self {
        self.push_segment(text);
        self
    }

    /// Appends a path parameter as exactly one segment, percent-encoded.
    #[must_use]
    pub fn path_param<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        if let Some(text) = self.path_text(name, value) {
            self.push_param(name, &text);
        }
        self
    }

    /// The one text a path parameter's value gives; anything else is
    /// recorded as the request's failure.
    fn path_text<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Option<String> {
        match texts(value) {
            Ok(mut values) if values.len() == 1 => values.pop(),
            Ok(_) => {
                self.fail(format!("path parameter `{name}` must be a single value"));
                None
            }
            Err(reason) => {
                self.fail(format!("path parameter `{name}`: {reason}"));
                None
            }
        }
    }

    /// Appends a string path parameter as exactly one segment,
    /// percent-encoded: [`path_param`](Self::path_param) without the detour
    /// through `serde_json::Value` (and its three allocations).
    #[must_use]
    pub fn path_str(mut self, name: &'static str, value: &str) -> Self {
        self.push_param(name, value);
        self
    }

    /// Appends literal text to the current path segment (`.json` in
    /// `/{sid}.json`), percent-encoded, without a slash.
    #[must_use]
    pub fn append(mut self, text: &'static str) -> Self {
        self.path.extend(utf8_percent_encode(text, SEGMENT));
        self
    }

    /// Appends a path parameter to the current segment (`{sid}` in
    /// `/v{sid}.json`), percent-encoded, without a slash.
    #[must_use]
    pub fn append_path_param<T: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        value: &T,
    ) -> Self {
        if let Some(text) = self.path_text(name, value) {
            self.append_param(name, &text);
        }
        self
    }

    /// [`append_path_param`](Self::append_path_param) for a string.
    #[must_use]
    pub fn append_path_str(mut self, name: &'static str, value: &str) -> Self {
        self.append_param(name, value);
        self
    }

    fn append_param(&mut self, name: &'static str, value: &str) {
        if Self::changes_path(value) {
            self.fail(format!(
                "path parameter `{name}` is `{value}`, which would change the path"
            ));
        } else {
            self.path.extend(utf8_percent_encode(value, SEGMENT));
        }
    }

    /// An empty value, `.` or `..` would drop or move a segment.
    fn changes_path(value: &str) -> bool {
        value.is_empty() || value == "." || value == ".."
    }

    fn push_param(&mut self, name: &'static str, value: &str) {
        if Self::changes_path(value) {
            self.fail(format!(
                "path parameter `{name}` is `{value}`, which would change the path"
            ));
        } else {
            self.push_segment(value);
        }
    }

    /// Adds a query parameter. `None` adds nothing; an array adds the name
    /// once per item (`tag=a&tag=b`).
    #[must_use]
    pub fn query<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        match texts(value) {
            Ok(values) => self.query.extend(values.into_iter().map(|v| (name, v))),
            Err(reason) => self.fail(format!("query parameter `{name}`: {reason}")),
        }
        self
    }

    /// Adds a header parameter. `None` adds nothing; an array is sent
    /// comma-separated.
    #[must_use]
    pub fn header<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        match texts(value) {
            Ok(values) if values.is_empty() => {}
            Ok(values) => self.headers.push((name, values.join(","))),
            Err(reason) => self.fail(format!("header `{name}`: {reason}")),
        }
        self
    }

    /// Adds a header whose value the spec fixes (the API `Version`).
    #[must_use]
    pub fn fixed_header(mut self, header: FixedHeader) -> Self {
        self.fixed_headers.push(header);
        self
    }

    /// Sets a JSON body.
    #[must_use]
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.fail(format!("body: {e}")),
        }
        self
    }

    /// Sets the JSON body `{}`: for operations whose body the spec allows
    /// to be nothing else, so the method takes none.
    #[must_use]
    pub fn empty_json_object(mut self) -> Self {
        self.body = Some(b"{}".to_vec());
        self
    }

    /// Sets a JSON body if there is one.
    #[must_use]
    pub fn json_opt<T: Serialize + ?Sized>(self, body: Option<&T>) -> Self {
        match body {
            Some(body) => self.json(body),
            None => self,
        }
    }

    /// Sets a text body (`text/plain`, `text/markdown`, ...), sent as UTF-8
    /// with `content_type`.
    #[must_use]
    pub fn text(mut self, body: &str, content_type: &str) -> Self {
        self.body = Some(body.as_bytes().to_vec());
        self.content_type(content_type)
    }

    /// Sets a body sent as it is (`application/octet-stream`, `image/png`,
    /// ...) with `content_type`: bytes, sent again on a retry, or a stream,
    /// which makes the request one that is never retried (a stream cannot
    /// be read twice).
    #[must_use]
    pub fn upload(mut self, body: UploadBody, content_type: &str) -> Self {
        if let UploadKind::Stream {
            length: Some(length),
            ..
        } = &body.kind
        {
            self.headers.push(("Content-Length", length.to_string()));
        }
        self.upload = Some(Box::new(body.kind));
        self.content_type(content_type)
    }

    /// Refuses the request unless its content type (given by the caller)
    /// lies in the media range the spec accepts (`image/*`, `text/*`,
    /// `*/*`).
    #[must_use]
    pub fn media_range(mut self, range: &'static str) -> Self {
        let given = self
            .headers
            .iter()
            .rev()
            .find(|(name, _)| *name == "Content-Type")
            .map(|(_, value)| value.as_str());
        match given {
            Some(given) if in_range(given, range) => {}
            Some(given) => {
                let reason =
                    format!("content type `{given}` is not one the operation accepts (`{range}`)");
                self.fail(reason);
            }
            None => self.fail(format!(
                "the body has no content type (the operation accepts `{range}`)"
            )),
        }
        self
    }

    /// Hands a successful answer's body over unread, for
    /// [`RawResponse::stream`](crate::RawResponse::stream): a download the
    /// app reads at its own pace, not bounded by `max_response_bytes`.
    /// Error answers are still read (within the bound) and decoded.
    #[must_use]
    pub fn stream_response(mut self) -> Self {
        self.stream_response = true;
        self
    }

    fn content_type(mut self, content_type: &str) -> Self {
        self.headers.push(("Content-Type", content_type.to_owned()));
        self
    }

    fn push_segment(&mut self, text: &str) {
        self.path.push('/');
        self.path.extend(utf8_percent_encode(text, SEGMENT));
    }

    fn fail(&mut self, reason: String) {
        self.invalid.get_or_insert(reason);
    }
}

/// A parameter value as the texts to send: strings as they are, numbers and
/// booleans printed, arrays item by item, `null` as nothing, objects as JSON.
fn texts<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, String> {
    let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .into_iter()
            .filter(|v| !v.is_null())
            .map(scalar_text)
            .collect(),
        other => vec![scalar_text(other)],
    })
}

fn scalar_text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path of a request with `id` as its one parameter; the string
    /// shortcut `path_str` must agree with `path_param`.
    fn path_of(id: &str) -> Result<String, String> {
        let outcome = |r: Request| match r.invalid {
            Some(reason) => Err(reason),
            None => Ok(r.path),
        };
        let base = || Request::new(HttpMethod::GET, "op", "/pets/{petId}").segment("pets");
        let generic = outcome(base().path_param("petId", id));
        let string = outcome(base().path_str("petId", id));
        assert_eq!(generic, string, "path_param and path_str differ for {id:?}");
        generic
    }

    #[test]
    fn path_params_stay_one_segment() {
        assert_eq!(path_of("abc").as_deref(), Ok("/pets/abc"));
        assert_eq!(path_of("a/b").as_deref(), Ok("/pets/a%2Fb"));
        assert_eq!(path_of("../x").as_deref(), Ok("/pets/..%2Fx"));
        assert_eq!(path_of("a b?c#d%").as_deref(), Ok("/pets/a%20b%3Fc%23d%25"));
        assert!(path_of("..").is_err());
        assert!(path_of("").is_err());
    }

    /// A segment of text and parameters (`/{sid}.json`, `/v{n}.{m}`) is one
    /// segment: each value encoded, no slash between the parts.
    #[test]
    fn mixed_segments_run_on() {
        let outcome = |r: Request| match r.invalid {
            Some(reason) => Err(reason),
            None => Ok(r.path),
        };
        let sid = |sid: &str| {
            outcome(
                Request::new(HttpMethod::GET, "op", "/Calls/{Sid}.json")
                    .segment("Calls")
                    .path_str("Sid", sid)
                    .append(".json"),
            )
        };
        assert_eq!(sid("CA12").as_deref(), Ok("/Calls/CA12.json"));
        assert_eq!(sid("a/b").as_deref(), Ok("/Calls/a%2Fb.json"));
        assert!(sid("").is_err());
        let version = outcome(
            Request::new(HttpMethod::GET, "op", "/v{major}.{minor}")
                .segment("v")
                .append_path_param("major", &2)
                .append(".")
                .append_path_str("minor", "1 beta"),
        );
        assert_eq!(version.as_deref(), Ok("/v2.1%20beta"));
        let dots = outcome(
            Request::new(HttpMethod::GET, "op", "/{a}{b}")
                .path_str("a", "x")
                .append_path_str("b", ".."),
        );
        assert!(dots.is_err(), "{dots:?}");
    }

    #[test]
    fn query_values_expand() {
        let r = Request::new(HttpMethod::GET, "op", "/x")
            .query("a", &Some(5))
            .query("b", &None::<String>)
            .query("c", &vec!["x", "y"]);
        assert_eq!(
            r.query,
            vec![
                ("a", "5".to_owned()),
                ("c", "x".to_owned()),
                ("c", "y".to_owned())
            ]
        );
    }
}
