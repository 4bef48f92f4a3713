//! Reading a request for a generated router: route it, read its body, check
//! its credentials ([`accept`]), then decode and check each parameter and
//! the body ([`ServerRequest`]), collecting every problem before refusing.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::{Extensions, HeaderMap, Method};
use http_body_util::{BodyExt, Limited};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::check::{check, Additional, Check, Path, Problem, Shape};
use super::response::{bearer_token, RefusalKind, Refusals};
use super::route::{route, Route};
use super::{FilePart, Operation, Response};

/// What the router reads at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest body read; a larger one is refused with 413.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    /// 10 MiB.
    fn default() -> Self {
        Self {
            max_body_bytes: 10 << 20,
        }
    }
}

/// A request body the router can read: hyper's `Incoming`, `Full<Bytes>`,
/// `String`, ...
pub trait RequestBody: hyper::body::Body<Data: Send, Error: Into<BoxError>> + Send {}

impl<B> RequestBody for B where B: hyper::body::Body<Data: Send, Error: Into<BoxError>> + Send {}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Routes `request` among `operations`, reads its body and checks its
/// credentials: the part of a generated router that needs no types. `Err`
/// is the refusal to answer with (404, 405, 413, 400 for a body that cannot
/// be read, 401); `unrouted` answers the first two.
pub async fn accept<B: RequestBody>(
    operations: &'static [Operation],
    unrouted: &'static Refusals,
    request: http::Request<B>,
    limits: Limits,
) -> Result<ServerRequest, Response> {
    let (parts, body) = request.into_parts();
    let found = match route(operations, &parts.method, parts.uri.path()) {
        Route::Found(found) => found,
        Route::NotFound => {
            return Err(unrouted.not_found.respond(
                RefusalKind::NotFound,
                vec![format!("Cannot {} {}", parts.method, parts.uri.path())],
            ))
        }
        Route::MethodNotAllowed(allow) => {
            return Err(unrouted.method_not_allowed(
                parts.method.as_str(),
                parts.uri.path(),
                &allow,
            ))
        }
    };
    let operation = found.operation;
    // The credentials first, as a framework's guards run before its
    // validation: an unauthenticated caller learns nothing about the body.
    if !operation.has_credentials(&parts) {
        return Err(operation.refuse(RefusalKind::Unauthorized, Vec::new()));
    }
    let body = match Limited::new(body, limits.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            let too_large = error
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return Err(if too_large {
                operation.refuse(
                    RefusalKind::TooLarge,
                    vec![format!(
                        "request entity too large: the limit is {} bytes",
                        limits.max_body_bytes
                    )],
                )
            } else {
                operation.refuse(
                    RefusalKind::Malformed,
                    vec![format!("the body could not be read: {error}")],
                )
            });
        }
    };
    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    Ok(ServerRequest {
        index: found.index,
        operation,
        parts,
        path_params: found.params,
        query,
        body,
        problems: Vec::new(),
        malformed: false,
    })
}

/// A routed request whose credentials are present, being decoded by a
/// generated router: each `path_param`, `query`, `header`, `…_body` call
/// decodes one value into its generated type and records what is wrong
/// with it; `None` means a problem was recorded. [`is_valid`](Self::is_valid)
/// then says whether to call the implementation or [`refuse`](Self::refuse).
#[derive(Debug)]
pub struct ServerRequest {
    index: usize,
    operation: &'static Operation,
    parts: Parts,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    body: Bytes,
    problems: Vec<Problem>,
    malformed: bool,
}

impl ServerRequest {
    /// The operation the request is for.
    #[must_use]
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// The operation's position in the module's `OPERATIONS`.
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }

    /// The path parameter `name`, decoded into `T`.
    pub fn path_param<T: DeserializeOwned>(&mut self, name: &str, rule: &Check) -> Option<T> {
        let text = self
            .path_params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone());
        let texts: Vec<String> = text.into_iter().collect();
        self.param(name, texts, rule, true).flatten()
    }

    /// The required query parameter `name` (an array: every `name=` pair).
    pub fn query<T: DeserializeOwned>(&mut self, name: &str, rule: &Check) -> Option<T> {
        let texts = self.query_texts(name);
        self.param(name, texts, rule, true).flatten()
    }

    /// The optional query parameter `name`: `Some(None)` when absent.
    pub fn optional_query<T: DeserializeOwned>(
        &mut self,
        name: &str,
        rule: &Check,
    ) -> Option<Option<T>> {
        let texts = self.query_texts(name);
        self.param(name, texts, rule, false)
    }

    /// The required header `name` (an array: comma-separated).
    pub fn header<T: DeserializeOwned>(&mut self, name: &str, rule: &Check) -> Option<T> {
        let texts = self.header_texts(name, rule);
        self.param(name, texts, rule, true).flatten()
    }

    /// The optional header `name`: `Some(None)` when absent.
    pub fn optional_header<T: DeserializeOwned>(
        &mut self,
        name: &str,
        rule: &Check,
    ) -> Option<Option<T>> {
        let texts = self.header_texts(name, rule);
        self.param(name, texts, rule, false)
    }

    /// Checks that the header `name` (as the spec writes it) is `value`,
    /// the one value the spec allows (the API `Version`).
    pub fn fixed_header(&mut self, name: &str, value: &str) {
        let values: Vec<&[u8]> = self
            .parts
            .headers
            .get_all(name)
            .iter()
            .map(http::HeaderValue::as_bytes)
            .collect();
        let path = Path::param(name);
        match values.as_slice() {
            [] => self.problems.push(problem(&path, "should not be empty")),
            [only] if *only == value.as_bytes() => {}
            _ => self.problems.push(problem(
                &path,
                &format!("must be one of the following values: {value}"),
            )),
        }
    }

    /// The required JSON body, decoded into `T`. An empty body reads as
    /// `{}`, as NestJS reads it, so its required
    /// properties are named as missing.
    pub fn json_body<T: DeserializeOwned>(&mut self, rule: &Check) -> Option<T> {
        let value = if self.body.is_empty() {
            Some(Value::Object(Map::new()))
        } else {
            self.json_value()
        }?;
        self.decode(value, rule, &mut Path::body())
    }

    /// The optional JSON body: `Some(None)` when the request has none.
    pub fn optional_json_body<T: DeserializeOwned>(&mut self, rule: &Check) -> Option<Option<T>> {
        if self.body.is_empty() {
            return Some(None);
        }
        let value = self.json_value()?;
        self.decode(value, rule, &mut Path::body()).map(Some)
    }

    /// The body of an operation whose schema admits only `{}`.
    pub fn empty_json_object(&mut self) {
        static EMPTY: Shape = Shape::Object(super::check::Object::new(&[]).closed());
        if !self.body.is_empty() {
            if let Some(value) = self.json_value() {
                check(
                    &value,
                    &Check::Shape(&EMPTY),
                    &mut Path::body(),
                    &mut self.problems,
                );
            }
        }
    }

    /// The `application/x-www-form-urlencoded` body, decoded into `T`: each
    /// field's text read as its property's type (numbers, booleans, repeated
    /// names as arrays).
    pub fn form_body<T: DeserializeOwned>(&mut self, rule: &Check) -> Option<T> {
        if !self.content_type_is(&["application/x-www-form-urlencoded"], true) {
            return None;
        }
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(&self.body).into_owned().collect();
        let value = fields_value(&pairs, rule);
        self.decode(value, rule, &mut Path::body())
    }

    /// The `multipart/form-data` body: its fields decoded into `T` as for
    /// [`form_body`](Self::form_body), and its files (the parts with a file
    /// name).
    pub fn multipart_body<T: DeserializeOwned>(
        &mut self,
        rule: &Check,
    ) -> Option<(T, Vec<FilePart>)> {
        if !self.content_type_is(&["multipart/form-data"], false) {
            return None;
        }
        let content_type = self
            .parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let (fields, files) = match super::multipart::parse(content_type, &self.body) {
            Ok(parsed) => parsed,
            Err(reason) => {
                self.refuse_body(reason);
                return None;
            }
        };
        let value = fields_value(&fields, rule);
        let body = self.decode(value, rule, &mut Path::body())?;
        Some((body, files))
    }

    /// A text body (`text/plain`, ...), which must be UTF-8.
    pub fn text_body(&mut self) -> Option<String> {
        match std::str::from_utf8(&self.body) {
            Ok(text) => Some(text.to_owned()),
            Err(error) => {
                self.refuse_body(format!(
                    "the body is not UTF-8 text (at byte {})",
                    error.valid_up_to()
                ));
                None
            }
        }
    }

    /// A body taken as it is (`application/octet-stream`, `image/*`, ...).
    pub fn bytes_body(&mut self) -> Option<Bytes> {
        Some(self.body.clone())
    }

    /// Whether nothing is wrong with the request so far.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty() && !self.malformed
    }

    /// The refusal for what was found wrong: 400 when the body could not be
    /// read, else the operation's refusal for invalid requests (422), each
    /// problem a message.
    #[must_use]
    pub fn refuse(self) -> Response {
        let kind = if self.malformed {
            RefusalKind::Malformed
        } else {
            RefusalKind::Invalid
        };
        let messages = self.problems.into_iter().map(|p| p.message).collect();
        self.operation.refuse(kind, messages)
    }

    /// What the implementation gets beside its input.
    #[must_use]
    pub fn into_context(self) -> RequestContext {
        RequestContext {
            operation: self.operation,
            parts: self.parts,
            path_params: self.path_params,
        }
    }

    fn query_texts(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn header_texts(&mut self, name: &str, rule: &Check) -> Vec<String> {
        let mut texts = Vec::new();
        for value in self.parts.headers.get_all(name) {
            match value.to_str() {
                Ok(text) if matches!(rule, Check::Array(_)) => {
                    texts.extend(text.split(',').map(|s| s.trim().to_owned()));
                }
                Ok(text) => texts.push(text.to_owned()),
                Err(_) => self
                    .problems
                    .push(problem(&Path::param(name), "must be a string")),
            }
        }
        texts
    }

    /// One parameter from its texts: `None` when something is wrong,
    /// `Some(None)` when it is absent and may be.
    fn param<T: DeserializeOwned>(
        &mut self,
        name: &str,
        texts: Vec<String>,
        rule: &Check,
        required: bool,
    ) -> Option<Option<T>> {
        let mut path = Path::param(name);
        let value = match (rule, texts.len()) {
            (_, 0) if required => {
                self.problems.push(problem(&path, "should not be empty"));
                return None;
            }
            (_, 0) => return Some(None),
            (Check::Array(item), _) => {
                Value::Array(texts.iter().map(|t| text_value(t, item)).collect())
            }
            (_, 1) => text_value(&texts[0], rule),
            // A single value given more than once: its type's message.
            _ => Value::Array(texts.iter().map(|t| text_value(t, rule)).collect()),
        };
        self.decode(value, rule, &mut path).map(Some)
    }

    /// Checks `value` and decodes it; a problem serde finds that the rules
    /// did not (a runtime type's own format) is recorded with its path.
    fn decode<T: DeserializeOwned>(
        &mut self,
        value: Value,
        rule: &Check,
        path: &mut Path,
    ) -> Option<T> {
        let before = self.problems.len();
        check(&value, rule, path, &mut self.problems);
        if self.problems.len() > before {
            return None;
        }
        match serde_path_to_error::deserialize(value) {
            Ok(decoded) => Some(decoded),
            Err(error) => {
                let inner = error.path().to_string();
                let at = path.text_joined(&inner);
                let subject = if at.is_empty() {
                    "body".to_owned()
                } else {
                    at.clone()
                };
                self.problems.push(Problem {
                    message: format!("{subject} is invalid: {}", error.inner()),
                    path: at,
                });
                None
            }
        }
    }

    /// The body as JSON, after checking its `Content-Type`; `None` (and a
    /// 400 to come) when it is not JSON.
    fn json_value(&mut self) -> Option<Value> {
        if !self.content_type_is(&["application/json"], true) {
            return None;
        }
        match serde_json::from_slice(&self.body) {
            Ok(value) => Some(value),
            Err(error) => {
                self.refuse_body(format!("the body is not valid JSON: {error}"));
                None
            }
        }
    }

    /// Whether the `Content-Type` is one of `accepted` (or `+json` for
    /// JSON); without a `Content-Type`, `missing_ok` decides. Records the
    /// 400 when not.
    fn content_type_is(&mut self, accepted: &[&str], missing_ok: bool) -> bool {
        let Some(value) = self.parts.headers.get(CONTENT_TYPE) else {
            if !missing_ok {
                self.refuse_body(format!("Content-Type must be {}", accepted.join(" or ")));
            }
            return missing_ok;
        };
        let essence = value
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let json = accepted.contains(&"application/json") && essence.ends_with("+json");
        if json || accepted.contains(&essence.as_str()) {
            return true;
        }
        self.refuse_body(format!(
            "Content-Type {essence} is not accepted: send {}",
            accepted.join(" or ")
        ));
        false
    }

    fn refuse_body(&mut self, message: String) {
        self.malformed = true;
        self.problems.push(Problem {
            path: String::new(),
            message,
        });
    }
}

impl Path {
    /// This path followed by serde's path (`.`-separated, `[i]` indices).
    fn text_joined(&self, inner: &str) -> String {
        let inner = inner.replace('[', ".").replace(']', "");
        let inner = inner.trim_start_matches('.');
        let own = self.to_string();
        match (own.is_empty(), inner.is_empty() || inner == "?") {
            (_, true) => own,
            (true, false) => inner.to_owned(),
            (false, false) => format!("{own}.{inner}"),
        }
    }
}

fn problem(path: &Path, what: &str) -> Problem {
    let text = path.to_string();
    Problem {
        message: format!("{text} {what}"),
        path: text,
    }
}

/// A parameter's (or form field's) text as the JSON value its rule reads:
/// numbers and booleans parsed, objects as the JSON text the client sends,
/// anything else a string (which the rule then refuses if it must not be).
fn text_value(text: &str, rule: &Check) -> Value {
    match rule {
        Check::Bool => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::from(text),
        },
        Check::I32 | Check::I64 => text
            .parse::<i64>()
            .map_or_else(|_| Value::from(text), Value::from),
        Check::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::from(text), Value::Number),
        Check::Any | Check::Map(_) => {
            serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::from(text))
        }
        Check::Shape(Shape::Object(_) | Shape::Tagged(_)) => {
            serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::from(text))
        }
        Check::Shape(Shape::OneOf(alternatives)) => alternatives
            .iter()
            .map(|alternative| text_value(text, alternative))
            .find(|value| {
                let mut problems = Vec::new();
                check(value, rule, &mut Path::default(), &mut problems);
                problems.is_empty()
            })
            .unwrap_or_else(|| Value::from(text)),
        Check::Array(item) => Value::Array(vec![text_value(text, item)]),
        Check::String | Check::DateTime | Check::Date | Check::Shape(Shape::Enum(_)) => {
            Value::from(text)
        }
    }
}

/// Form fields as the JSON object their body type reads.
fn fields_value(pairs: &[(String, String)], rule: &Check) -> Value {
    let object = match rule {
        Check::Shape(Shape::Object(object)) => Some(object),
        _ => None,
    };
    let mut map = Map::new();
    for (name, text) in pairs {
        let field_rule = object.and_then(|o| {
            o.fields
                .iter()
                .find(|f| f.name == name.as_str())
                .map(|f| &f.check)
                .or(match &o.additional {
                    Additional::Checked(rule) => Some(rule),
                    _ => None,
                })
        });
        let Some(field_rule) = field_rule else {
            map.insert(name.clone(), Value::from(text.as_str()));
            continue;
        };
        match (field_rule, map.get_mut(name)) {
            (Check::Array(item), Some(Value::Array(items))) => items.push(text_value(text, item)),
            (Check::Array(item), _) => {
                map.insert(name.clone(), Value::Array(vec![text_value(text, item)]));
            }
            (_, _) => {
                map.insert(name.clone(), text_value(text, field_rule));
            }
        }
    }
    Value::Object(map)
}

/// What an implementation gets beside an operation's typed input: the
/// operation, the raw request (method, URI, headers, extensions) and its
/// path parameters as sent.
#[derive(Debug)]
pub struct RequestContext {
    operation: &'static Operation,
    parts: Parts,
    path_params: Vec<(&'static str, String)>,
}

impl RequestContext {
    /// A context for calling an implementation directly (a test that skips
    /// HTTP): `operation` with the request `parts`.
    #[must_use]
    pub fn new(operation: &'static Operation, parts: Parts) -> Self {
        Self {
            operation,
            parts,
            path_params: Vec::new(),
        }
    }

    /// The operation the request is for.
    #[must_use]
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// The method, URI, headers and extensions of the request.
    #[must_use]
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// The request's method.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request's headers.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The bearer token (after `Bearer ` in `Authorization`), if any.
    #[must_use]
    pub fn bearer_token(&self) -> Option<&str> {
        bearer_token(&self.parts.headers)
    }

    /// What middleware put in the request's extensions (the caller it
    /// authenticated, say).
    #[must_use]
    pub fn extensions(&self) -> &Extensions {
        &self.parts.extensions
    }

    /// The path parameters as sent (percent-decoded), by wire name.
    #[must_use]
    pub fn path_params(&self) -> &[(&'static str, String)] {
        &self.path_params
    }

    /// The request parts, taken.
    #[must_use]
    pub fn into_parts(self) -> Parts {
        self.parts
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;
    use http_body_util::Full;
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::server_support::check::{Field, Object};
    use crate::server_support::{Credential, CredentialKind, RefusalRule, Refusals, Segment};

    const RULE: RefusalRule = RefusalRule {
        status: 422,
        body: &[],
        message: None,
    };
    static REFUSALS: Refusals = Refusals {
        malformed: RefusalRule {
            status: 400,
            ..RULE
        },
        unauthorized: RefusalRule {
            status: 401,
            ..RULE
        },
        not_found: RefusalRule {
            status: 404,
            ..RULE
        },
        method_not_allowed: RefusalRule {
            status: 405,
            ..RULE
        },
        too_large: RefusalRule {
            status: 413,
            ..RULE
        },
        invalid: RULE,
    };
    static OPERATIONS: [Operation; 1] = [Operation {
        id: "upload",
        method: "POST",
        path: "/uploads/{kind}",
        segments: &[Segment::Literal("uploads"), Segment::Param("kind")],
        scopes: &[],
        security: &[&[Credential {
            scheme: "key",
            kind: CredentialKind::Header("x-api-key"),
            scopes: &[],
        }]],
        idempotent: false,
        deprecated: false,
        refusals: &REFUSALS,
    }];
    static UPLOAD: Shape = Shape::Object(
        Object::new(&[
            Field::required("title", Check::String),
            Field::optional("count", Check::I32),
            Field::optional("tags", Check::Array(&Check::String)),
        ])
        .closed(),
    );

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Upload {
        title: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<i32>,
        #[serde(default)]
        tags: Vec<String>,
    }

    /// `accept` on a request built by hand, run to completion.
    #[allow(clippy::result_large_err, reason = "what `accept` returns, in a test")]
    fn accepted(
        request: http::Request<Full<Bytes>>,
        limits: Limits,
    ) -> Result<ServerRequest, Response> {
        accept(&OPERATIONS, &REFUSALS, request, limits)
            .now_or_never()
            .expect("a full body is read at once")
    }

    fn post(uri: &str, content_type: &str, body: Vec<u8>) -> http::Request<Full<Bytes>> {
        http::Request::post(uri)
            .header("x-api-key", "k")
            .header(CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))
            .expect("a request")
    }

    /// What the client's multipart encoder writes, the server reads back:
    /// fields typed, files whole.
    #[test]
    fn multipart_bodies_round_trip_from_the_client() {
        let sent = Upload {
            title: "Q3 report".into(),
            count: Some(3),
            tags: vec!["a".into(), "b c".into()],
        };
        let files = [
            FilePart::new("doc", "r\"1.pdf", b"%PDF\r\n--x\r\n".to_vec())
                .content_type("application/pdf"),
        ];
        let built =
            crate::request::Request::new(reqwest::Method::POST, "upload", "/uploads/{kind}")
                .multipart(&sent, &files);
        let content_type = built
            .headers
            .iter()
            .find(|(name, _)| *name == "Content-Type")
            .map(|(_, v)| v.clone())
            .expect("a content type");
        let body = built.body.expect("a body");
        let mut request = accepted(post("/uploads/pdf", &content_type, body), Limits::default())
            .expect("accepted");
        let (received, received_files) = request
            .multipart_body::<Upload>(&Check::Shape(&UPLOAD))
            .expect("decodes");
        assert!(request.is_valid());
        assert_eq!(received, sent);
        assert_eq!(received_files.as_slice(), files.as_slice());
    }

    #[test]
    fn forms_are_typed_by_their_rules() {
        let form = b"title=T&count=x&tags=a&tags=b&other=1".to_vec();
        let mut request = accepted(
            post("/uploads/a", "application/x-www-form-urlencoded", form),
            Limits::default(),
        )
        .expect("accepted");
        assert!(request
            .form_body::<Upload>(&Check::Shape(&UPLOAD))
            .is_none());
        let refused = request.refuse();
        assert_eq!(refused.status(), 422);
        let refusal = refused.extensions().get::<crate::server_support::Refusal>();
        assert_eq!(
            refusal.map(|r| r.messages.clone()),
            Some(vec![
                "count must be an integer number".to_owned(),
                "property other should not exist".to_owned(),
            ])
        );
    }

    #[test]
    fn query_parameters_repeat_into_arrays_only() {
        let request = http::Request::post("/uploads/a?tag=x&tag=y&n=1&n=2")
            .header("x-api-key", "k")
            .body(Full::new(Bytes::new()))
            .expect("a request");
        let mut request = accepted(request, Limits::default()).expect("accepted");
        let tags = request.query::<Vec<String>>("tag", &Check::Array(&Check::String));
        assert_eq!(tags, Some(vec!["x".to_owned(), "y".to_owned()]));
        assert_eq!(request.optional_query::<i32>("n", &Check::I32), None);
        assert_eq!(request.optional_query::<i32>("m", &Check::I32), Some(None));
        assert_eq!(
            request
                .path_param::<String>("kind", &Check::String)
                .as_deref(),
            Some("a")
        );
        let messages: Vec<String> = request.problems.iter().map(|p| p.message.clone()).collect();
        assert_eq!(messages, ["n must be an integer number"]);
    }

    #[test]
    fn credentials_then_size_are_checked_before_anything_is_decoded() {
        let request = http::Request::post("/uploads/a")
            .body(Full::new(Bytes::from_static(b"{}")))
            .expect("a request");
        assert_eq!(
            accepted(request, Limits::default())
                .map(|_| ())
                .unwrap_err()
                .status(),
            401
        );
        let big = post("/uploads/a", "application/json", vec![b' '; 2048]);
        let refused = accepted(
            big,
            Limits {
                max_body_bytes: 1024,
            },
        )
        .map(|_| ())
        .unwrap_err();
        assert_eq!(refused.status(), 413);
    }
}
