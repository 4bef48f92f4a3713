//! Writing responses: the bodies and headers of the generated response
//! enums, and refusals in the shape the spec documents for its errors.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ALLOW, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Body, Response};

/// A value the router can answer with: every generated `…Response` enum.
pub trait IntoResponse {
    /// The HTTP response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

/// A response with `body` as JSON. A body that does not serialize (a map
/// with non-string keys; generated types always serialize) is a 500.
#[must_use]
pub fn json_response<T: Serialize + ?Sized>(status: u16, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = empty_response(status);
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *response.body_mut() = Body::new(Bytes::from(bytes));
            response
        }
        Err(_) => empty_response(500),
    }
}

/// A response with `body` as it is, sent as `content_type` (a text or
/// binary body: a download). A content type a header cannot carry is sent
/// as `application/octet-stream`.
#[must_use]
pub fn bytes_response(status: u16, body: impl Into<Bytes>, content_type: &str) -> Response {
    let mut response = empty_response(status);
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    *response.body_mut() = Body::new(body.into());
    response
}

/// A response with no body.
#[must_use]
pub fn empty_response(status: u16) -> Response {
    let mut response = Response::new(Body::default());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// Adds the header `name: value` (a documented response header). `None`
/// adds nothing; strings go as they are, numbers and booleans printed,
/// arrays comma-separated, as the client reads them. A name or value a
/// header cannot carry is left out.
pub fn put_header<T: Serialize + ?Sized>(headers: &mut HeaderMap, name: &str, value: &T) {
    let text = match serde_json::to_value(value) {
        Ok(Value::Null) | Err(_) => return,
        Ok(Value::Array(items)) => items
            .iter()
            .filter(|v| !v.is_null())
            .map(text)
            .collect::<Vec<_>>()
            .join(","),
        Ok(other) => text(&other),
    };
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(&text),
    ) {
        headers.append(name, value);
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The bearer token of a request: what follows `Bearer ` in its
/// `Authorization` header.
#[must_use]
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    super::authorization(headers, "Bearer").filter(|t| !t.is_empty())
}

/// Why the router refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// The body cannot be read: not JSON (or not the form the operation
    /// takes), or a `Content-Type` the operation does not take. 400.
    Malformed,
    /// Credentials missing (or, from middleware, not valid). 401.
    Unauthorized,
    /// No operation has this path. 404.
    NotFound,
    /// Operations have this path, but not this method. 405.
    MethodNotAllowed,
    /// The body is larger than the router reads. 413.
    TooLarge,
    /// Parameters or body do not follow the spec. 422 where the operation
    /// documents it, else 400.
    Invalid,
}

/// A refusal, as the router puts it in the extensions of the response it
/// refuses with, so middleware can tell it from the implementation's own
/// answers (and tests can read the problems without parsing bodies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Why.
    pub kind: RefusalKind,
    /// The messages of the body (for [`RefusalKind::Invalid`]: one per
    /// problem, each naming its field).
    pub messages: Vec<String>,
}

/// What a property of a documented error body carries, as the generator
/// read it from the property's name and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The status code, a number (`statusCode`).
    Status,
    /// The messages as one string (`message: string`), joined by `; `.
    Message,
    /// The messages as an array of strings (`message: string[]`).
    Messages,
    /// The status's reason phrase (`error: "Unprocessable Entity"`).
    Reason,
}

/// How one kind of refusal is answered: its status and body.
#[derive(Clone, Copy, Debug)]
pub struct RefusalRule {
    /// The status.
    pub status: u16,
    /// The body's properties and what each carries (an empty list: no
    /// body).
    pub body: &'static [(&'static str, Role)],
    /// The message when the refusal gives none (the 401's documented text).
    pub message: Option<&'static str>,
}

impl RefusalRule {
    /// The response, with `messages` (or the default text, or the reason
    /// phrase) in the body, and the [`Refusal`] in its extensions.
    #[must_use]
    pub fn respond(&self, kind: RefusalKind, mut messages: Vec<String>) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let reason = status.canonical_reason().unwrap_or("Error");
        if messages.is_empty() {
            messages.push(self.message.unwrap_or(reason).to_owned());
        }
        let mut response = if self.body.is_empty() {
            empty_response(self.status)
        } else {
            let mut body = Map::new();
            for (name, role) in self.body {
                let value = match role {
                    Role::Status => Value::from(self.status),
                    Role::Message => Value::from(messages.join("; ")),
                    Role::Messages => Value::from(messages.clone()),
                    Role::Reason => Value::from(reason),
                };
                body.insert((*name).to_owned(), value);
            }
            json_response(self.status, &body)
        };
        response.extensions_mut().insert(Refusal { kind, messages });
        response
    }
}

/// How each kind of refusal is answered, as the generator decided from the
/// error responses an operation documents.
#[derive(Clone, Copy, Debug)]
pub struct Refusals {
    /// [`RefusalKind::Malformed`].
    pub malformed: RefusalRule,
    /// [`RefusalKind::Unauthorized`].
    pub unauthorized: RefusalRule,
    /// [`RefusalKind::NotFound`].
    pub not_found: RefusalRule,
    /// [`RefusalKind::MethodNotAllowed`].
    pub method_not_allowed: RefusalRule,
    /// [`RefusalKind::TooLarge`].
    pub too_large: RefusalRule,
    /// [`RefusalKind::Invalid`].
    pub invalid: RefusalRule,
}

impl Refusals {
    /// The rule for `kind`.
    #[must_use]
    pub fn rule(&self, kind: RefusalKind) -> &RefusalRule {
        match kind {
            RefusalKind::Malformed => &self.malformed,
            RefusalKind::Unauthorized => &self.unauthorized,
            RefusalKind::NotFound => &self.not_found,
            RefusalKind::MethodNotAllowed => &self.method_not_allowed,
            RefusalKind::TooLarge => &self.too_large,
            RefusalKind::Invalid => &self.invalid,
        }
    }

    /// The 405 for a path whose operations take only `allow`.
    #[must_use]
    pub fn method_not_allowed(&self, method: &str, path: &str, allow: &[&str]) -> Response {
        let mut response = self.method_not_allowed.respond(
            RefusalKind::MethodNotAllowed,
            vec![format!("Cannot {method} {path}")],
        );
        if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
            response.headers_mut().insert(ALLOW, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static BODY: &[(&str, Role)] = &[
        ("statusCode", Role::Status),
        ("message", Role::Messages),
        ("error", Role::Reason),
    ];

    #[test]
    fn refusals_fill_the_documented_body() {
        let rule = RefusalRule {
            status: 422,
            body: BODY,
            message: None,
        };
        let response = rule.respond(
            RefusalKind::Invalid,
            vec![
                "email must be a string".into(),
                "property x should not exist".into(),
            ],
        );
        assert_eq!(response.status(), 422);
        let refusal = response.extensions().get::<Refusal>().cloned();
        assert_eq!(refusal.map(|r| r.kind), Some(RefusalKind::Invalid));
        let bytes = http_body_util::BodyExt::collect(response.into_body());
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .and_then(Result::ok)
            .map(http_body_util::Collected::to_bytes)
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({
                "statusCode": 422,
                "message": ["email must be a string", "property x should not exist"],
                "error": "Unprocessable Entity"
            })
        );
    }

    #[test]
    fn headers_are_written_as_the_client_reads_them() {
        let mut headers = HeaderMap::new();
        put_header(&mut headers, "x-ratelimit-max", &Some(100));
        put_header(&mut headers, "x-none", &None::<i64>);
        put_header(&mut headers, "x-list", &["a", "b"]);
        put_header(&mut headers, "bad name", "x");
        assert_eq!(headers.len(), 2);
        assert_eq!(headers["x-ratelimit-max"], "100");
        assert_eq!(headers["x-list"], "a,b");
    }
}
