//! What every generated server module stands on (feature `server`): request
//! routing and reading, validation against the spec, refusals written as
//! the spec documents its error bodies, responses, and a loop that serves
//! a router on a TCP listener. Nothing here depends on a particular spec.
//!
//! # The generated server layer
//!
//! The generator writes, next to each client, a `server` module from the
//! same spec (behind the client crate's `server` feature). It holds:
//!
//! - **`trait Api`**: one method per operation, each taking the operation's
//!   `…Input` (path, query and header parameters typed as the client sends
//!   them, and the decoded `body`) and a [`RequestContext`] (the matched
//!   [`Operation`], the raw request parts, the bearer token), and returning
//!   the operation's `…Response`. The trait has no default methods: an
//!   operation the spec adds is a method an implementation must write.
//! - **`…Response` enums**, one per operation, one variant per documented
//!   status, carrying the generated body type (and the documented response
//!   headers in a `…Headers` struct, where the spec lists any). A status
//!   the spec drops, or a body type it changes, stops an implementation
//!   compiling where it answers with it.
//! - **`…Input` structs**, exhaustive on purpose: destructure them without
//!   `..` (`let GetPetsInput { owner_id, limit, .. }` leaves new
//!   parameters silently unread; without the `..` a parameter the spec adds
//!   is a compile error) where the behaviour must follow every parameter.
//! - **`Router<A>`**: parses and checks every request before calling `A`:
//!   the route (404, 405 with `Allow`), credentials per the operation's
//!   `security` (401), then path, query and header parameters, fixed headers
//!   (`Version`) and the body: required properties, types, enum values
//!   (a request's enum value must be listed, where the client's enums keep
//!   unknown values from responses), `additionalProperties: false`.
//!   Everything wrong is listed in one 422 whose body names each field, as
//!   the API's framework does; a body that is not JSON is a 400. It is a hyper
//!   `Service`, so [`serve`] runs it, and the router's `handle` method
//!   takes any `http::Request`.
//! - **`OPERATIONS`**: every operation's [`Operation`] (id, method, path
//!   template, scopes, idempotency, security, refusal bodies), and
//!   `Router::route` to find the one a request is for: what middleware (auth
//!   and scopes, rate limits, scripted faults) needs to act before the
//!   router, and [`Operation::refuse`] to answer as the router would.
//!
//! Middleware is a hyper `Service` of its own that looks at the request
//! ([`route`], [`bearer_token`]), answers by itself or calls the router,
//! and may change the response (the router marks its own refusals with a
//! [`Refusal`] in the response's extensions). Values it wants the
//! implementation to see go in the request's extensions, which
//! [`RequestContext::extensions`] gives back.
//!
//! # What the router decides, and why
//!
//! Where an API's behaviour is not documented, the router chooses; the
//! choices are here, and only here.
//!
//! - **Order.** The route (404, 405 with `Allow`), then credentials (401),
//!   then the body's size (413 above [`Limits::max_body_bytes`], 10 MiB by
//!   default), then whether it can be read (400), then every parameter and
//!   the body (422). A framework's guards run before its validation, so an
//!   unauthenticated caller learns nothing about the body.
//! - **Statuses.** Problems with values are a 422 where the operation
//!   documents one, else a 400; a body that is not JSON (or not the form
//!   the operation takes), or a `Content-Type` it does not take, is a 400.
//! - **Bodies of refusals.** The spec's documented error body for that
//!   status, its properties found by name and type: a number named
//!   `statusCode`/`status`/`code` carries the status, a string or string
//!   array named `message`/`detail`/`error_description`/... the messages, a
//!   string named `error`/`title`/`reason` the reason phrase. Without a
//!   documented body, NestJS's shape: `statusCode`, `message`,
//!   `error`. A 401's message is the documented example when the body type
//!   is the 401's own (an API may document one message for a missing,
//!   invalid or expired token alike).
//! - **Messages** are worded as class-validator words them, which the
//!   NestJS 422s show (`email must be a string`, `ownerId should
//!   not be empty`, `property foo should not exist`, `type must be one of the
//!   following values: add, remove`), nested paths joined by dots
//!   (`owner.address.city`, `tags.1`). All problems are listed, in the
//!   order of the spec's properties.
//! - **Strict where the spec is.** `null` only where a property is
//!   `nullable` (class-validator's `@IsOptional` lets `null` through; a mock
//!   stricter than the API catches a bug the API would hide), enum values
//!   only as listed, integers in their format's range, dates in RFC 3339 or
//!   `YYYY-MM-DD`. **Lenient where the spec is silent.** Properties an
//!   object does not list are accepted unless it says
//!   `additionalProperties: false`; query parameters the operation does not
//!   list are ignored; an empty body reads as `{}` (as NestJS reads it, so its required properties are named as missing);
//!   one trailing slash is ignored.
//! - **Routing.** Literal segments beat parameters (`/pets/search`
//!   before `/pets/{petId}`), but a template that has the
//!   request's method beats a more specific one that does not.
//! - **Credentials.** Only their presence and form are checked (a bearer
//!   token after `Bearer `, an API key header, ...): whether a token is
//!   valid, and has the operation's scopes, is for middleware or the
//!   implementation, which see [`Operation::scopes`].
//! - **`oneOf`** takes the first alternative the value passes, as the
//!   generated type decodes; when none does, the problems of the one the
//!   value is closest to.
//!

mod check;
mod multipart;
mod request;
mod response;
mod route;
mod serve;

use std::future::Future;
use std::pin::Pin;

pub use bytes::Bytes;
/// The `http` crate the router's requests and responses are made of.
pub use http;
pub use http_body_util::Full;
/// The `hyper` crate the router is a `Service` of.
pub use hyper;

pub use crate::body::FilePart;
pub use check::{check, Additional, Check, Field, Object, Path, Problem, Shape, Tagged};
pub use request::{accept, Limits, RequestBody, RequestContext, ServerRequest};
pub use response::{
    bearer_token, bytes_response, empty_response, json_response, put_header, IntoResponse, Refusal,
    RefusalKind, RefusalRule, Refusals, Role,
};
pub use route::{route, Found, Part, Route, Segment};
pub use serve::{serve, spawn, ServerHandle};

/// The body of every response the router writes.
pub type Body = Full<Bytes>;

/// A response the router writes.
pub type Response = http::Response<Body>;

/// A boxed future, as the router's `Service` implementation returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One operation of a spec, as a generated server module describes it in
/// its `OPERATIONS`.
#[derive(Debug)]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template as the spec writes it (`/pets/{petId}`).
    pub path: &'static str,
    /// The template split at its slashes.
    pub segments: &'static [Segment],
    /// The OAuth scopes the operation needs (`x-scopes`, else the scopes of
    /// its security requirements).
    pub scopes: &'static [&'static str],
    /// The security requirements: a request must satisfy one of them (every
    /// credential it lists). Empty: no credentials needed.
    pub security: &'static [&'static [Credential]],
    /// Safe to repeat (GET, PUT, DELETE, ..., or `x-idempotent: true`).
    pub idempotent: bool,
    /// Marked `deprecated` in the spec.
    pub deprecated: bool,
    /// How each kind of refusal is answered.
    pub refusals: &'static Refusals,
}

impl Operation {
    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> http::Method {
        http::Method::from_bytes(self.method.as_bytes()).unwrap_or(http::Method::GET)
    }

    /// Whether the request may come without credentials.
    #[must_use]
    pub fn anonymous(&self) -> bool {
        self.security.is_empty() || self.security.iter().any(|r| r.is_empty())
    }

    /// Whether `parts` carries the credentials of one of the security
    /// requirements. Only their presence and form are checked (a bearer
    /// token after `Bearer `); whether they are valid is the implementation's
    /// (or middleware's) to say.
    #[must_use]
    pub fn has_credentials(&self, parts: &http::request::Parts) -> bool {
        self.anonymous()
            || self
                .security
                .iter()
                .any(|requirement| requirement.iter().all(|c| c.present(parts)))
    }

    /// The response the router gives for a refusal of `kind`, with
    /// `messages` in the body (none: the documented text, or the reason
    /// phrase). Middleware answers with it to refuse as the API does, e.g.
    /// `RefusalKind::Unauthorized` for a token without the scope.
    #[must_use]
    pub fn refuse(&self, kind: RefusalKind, messages: Vec<String>) -> Response {
        self.refusals.rule(kind).respond(kind, messages)
    }
}

/// One credential of a security requirement.
#[derive(Debug)]
pub struct Credential {
    /// The security scheme's name in the spec.
    pub scheme: &'static str,
    /// Where the credential travels.
    pub kind: CredentialKind,
    /// The scopes the requirement lists for it.
    pub scopes: &'static [&'static str],
}

impl Credential {
    fn present(&self, parts: &http::request::Parts) -> bool {
        match self.kind {
            CredentialKind::Authorization(scheme) => {
                authorization(&parts.headers, scheme).is_some_and(|v| !v.is_empty())
            }
            CredentialKind::Header(name) => parts
                .headers
                .get(name)
                .is_some_and(|v| !v.as_bytes().is_empty()),
            CredentialKind::Query(name) => parts.uri.query().is_some_and(|q| {
                form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == name && !v.is_empty())
            }),
            CredentialKind::Cookie(name) => parts
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .any(|(k, v)| k == name && !v.is_empty()),
            CredentialKind::Unchecked => true,
        }
    }
}

/// Where a credential travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    /// `Authorization: <scheme> <value>` (`Bearer` for `http` bearer,
    /// `oauth2` and `openIdConnect` schemes, `Basic`, ...).
    Authorization(&'static str),
    /// An API key in this header.
    Header(&'static str),
    /// An API key in this query parameter.
    Query(&'static str),
    /// An API key in this cookie.
    Cookie(&'static str),
    /// A scheme the router cannot see (mutual TLS): always taken as present.
    Unchecked,
}

/// The value after `<scheme> ` in the `Authorization` header, the scheme
/// compared without case.
fn authorization<'a>(headers: &'a http::HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}
