//! The runtime that clients generated from OpenAPI documents stand on.
#![deny(missing_docs)]

mod auth;
mod body;
mod config;
mod core;
pub mod de;
mod error;
mod hooks;
mod limiter;
mod nullable;
mod options;
mod personal;
mod redact;
mod request;
mod response;
mod security;
mod timestamp;
mod unknown;

pub use auth::{
    SecretString, SharedError, StaticToken, TokenContext, TokenError, TokenFuture, TokenSource,
};
pub use body::FilePart;
/// The date types request and response fields use (`DateTime<Utc>`).
pub use chrono::{DateTime, NaiveDate, Utc};
pub use config::{
    ClientBuilder, Config, RetryPolicy, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
};
pub use core::{Core, RawResponse};
pub use error::{ApiError, BuildError, Error, RequestFailure, SNIPPET_LIMIT};
pub use hooks::{Attempt, Observer};
pub use limiter::RateLimiter;
pub use nullable::Nullable;
pub use options::RequestOptions;
pub use personal::{FieldNames, Redacted};
pub use request::{FixedHeader, Request};
/// The HTTP method type generated code uses.
pub use reqwest::Method;
pub use response::{ApiResponse, RateLimit};
pub use security::{ApiClient, KeyLocation, SchemeKind, Security, SecurityScheme};
/// JSON types that generated types expose, so callers need no `serde_json`
/// dependency.
pub use serde_json::{Number, Value};
pub use timestamp::Timestamp;
pub use unknown::UnknownValue;
