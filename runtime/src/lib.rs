//! The runtime that clients generated from OpenAPI documents stand on.
//!
//! A generator turns an OpenAPI document into typed models and one async
//! method per operation; everything those methods share, whatever the API,
//! is here:
//!
//! - building requests ([`Request`]: path segments percent-encoded one by
//!   one, query and header parameters, JSON, form and multipart bodies,
//!   text and bytes sent as they are, streamed uploads ([`media`]),
//!   headers fixed at compile time);
//! - the transport ([`Core`]): retries of what is safe to retry (429 always,
//!   honouring `Retry-After`; 502/503/504 and lost connections for
//!   idempotent operations), one deadline per call, per-attempt timeouts,
//!   bounded response bodies, an optional client-side [`RateLimiter`], hooks
//!   ([`Observer`], extra headers) and per-request overrides
//!   ([`RequestOptions`]);
//! - credentials for the document's security schemes ([`ClientBuilder`]):
//!   bearer tokens from a [`TokenSource`] (fixed, or refreshed by an OAuth
//!   provider, with one retry after a 401), HTTP basic, API keys in a
//!   header, query parameter or cookie; each operation sends the first
//!   alternative of its `security` the client has credentials for;
//! - decoding ([`RawResponse`]): one [`Error`] type that names the operation,
//!   the status and, for a body that does not decode, the JSON path; the
//!   typed [`ApiResponse`] with its headers and [`RateLimit`]; text and
//!   binary bodies as `String` and [`Bytes`], and downloads streamed as a
//!   [`ByteStream`];
//! - the value types generated code uses: [`Nullable`] (absent, `null` or a
//!   value), [`Timestamp`] (RFC 3339 when it is, kept as sent always),
//!   [`UnknownValue`] for enum values a spec does not list, [`SecretString`].
//!
//! Nothing secret reaches `Debug` output, errors or logs: tokens, keys and
//! passwords are redacted, a key in a query string is replaced in every URL
//! the runtime shows, bodies are logged (and quoted in errors) only when
//! the app asks with `log_bodies(true)`, and then with credential fields
//! replaced. Each call runs in a `tracing` span `openapi.request`, each
//! attempt in `openapi.attempt`.
//!
//! # What generated code looks like
//!
//! A generated `Client` holds a [`Core`], tells the runtime about its API
//! with [`ApiClient`], and builds one [`Request`] per call:
//!
//! ```
//! use openapi_runtime::{
//!     ApiClient, ApiResponse, ClientBuilder, Core, Error, Method, Request, Security,
//!     SecurityScheme, Value,
//! };
//!
//! #[derive(Clone, Debug)]
//! pub struct Client {
//!     core: Core,
//! }
//!
//! impl From<Core> for Client {
//!     fn from(core: Core) -> Self {
//!         Self { core }
//!     }
//! }
//!
//! impl ApiClient for Client {
//!     const SECURITY_SCHEMES: &'static [SecurityScheme] =
//!         &[SecurityScheme::api_key_header("key", "X-API-Key")];
//!     const SECURITY: Security = &[&["key"]];
//!     const OPERATION_SECURITY: &'static [Security] = &[];
//!     const USER_AGENT: &'static str = "pets-rust/1.0.0";
//! }
//!
//! impl Client {
//!     pub async fn get_pet(&self, pet_id: &str) -> Result<ApiResponse<Value>, Error<()>> {
//!         let request = Request::new(Method::GET, "getPet", "/pets/{petId}")
//!             .idempotent()
//!             .segment("pets")
//!             .path_str("petId", pet_id);
//!         let response = self.core.execute(request).await?;
//!         match response.status() {
//!             200 => response.json(),
//!             _ => Err(response.unexpected()),
//!         }
//!     }
//! }
//!
//! # fn main() -> Result<(), openapi_runtime::BuildError> {
//! // The builder checks the credentials against the API's schemes.
//! let client: Client = ClientBuilder::without_credentials("https://pets.example.com")
//!     .api_key("key", "k-123")
//!     .build()?;
//! let missing = ClientBuilder::<Client>::without_credentials("https://pets.example.com").build();
//! assert!(missing.unwrap_err().to_string().contains("`key`: an API key in the header `X-API-Key`"));
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! - `rustls-tls` (default): TLS through rustls with the webpki roots.
//! - `native-tls`: TLS through the platform's library (OpenSSL on Linux).
//!
//! The runtime turns on no tokio runtime flavour: it works on the
//! current-thread runtime as on the multi-threaded one.
#![deny(missing_docs)]

mod auth;
mod body;
mod config;
mod core;
pub mod de;
mod error;
mod hooks;
mod limiter;
pub mod media;
mod nullable;
mod options;
mod personal;
mod redact;
#[cfg(feature = "redis")]
mod redis_budget;
mod request;
mod response;
mod security;
// What the generated server layer stands on (feature `server`).
#[cfg(feature = "server")]
pub mod server_support;
mod timestamp;
mod unknown;

pub use auth::{
    SecretString, SharedError, StaticToken, TokenContext, TokenError, TokenFuture, TokenSource,
};
pub use body::FilePart;
/// The bytes of binary bodies (uploads and downloads).
pub use bytes::Bytes;
/// The date types request and response fields use (`DateTime<Utc>`).
pub use chrono::{DateTime, NaiveDate, Utc};
pub use config::{
    ClientBuilder, Config, RetryPolicy, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
};
pub use core::{Core, RawResponse};
pub use error::{ApiError, BuildError, Error, RequestFailure, SNIPPET_LIMIT};
pub use hooks::{Attempt, Observer};
pub use limiter::{LimitFuture, RateLimiter, SharedLimiter};
pub use media::{ByteStream, DownloadError, UploadBody};
pub use nullable::Nullable;
pub use options::RequestOptions;
pub use personal::{FieldNames, Redacted};
#[cfg(feature = "redis")]
pub use redis_budget::{
    BudgetStats, Fallback, RedisBudget, RedisBudgetBuilder, RedisLimiter, Refused,
};
pub use request::{FixedHeader, Request};
/// The HTTP method type generated code uses.
pub use reqwest::Method;
/// The HTTP types errors and responses expose (`Error::status`,
/// `ApiError::headers`), so callers need no `reqwest` dependency.
pub use reqwest::{header::HeaderMap, StatusCode};
pub use response::{ApiResponse, RateLimit};
pub use security::{ApiClient, KeyLocation, SchemeKind, Security, SecurityScheme};
/// JSON types that generated types expose, so callers need no `serde_json`
/// dependency.
pub use serde_json::{Number, Value};
pub use timestamp::Timestamp;
pub use unknown::UnknownValue;
