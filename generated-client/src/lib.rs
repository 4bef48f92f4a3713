//! A typed client for the LeadConnector (HighLevel) contacts API.
//!
//! Most of this crate is generated from `spec/contacts.yaml` by
//! `cargo xtask codegen`: [`types`] holds the request and response types, and
//! [`Client`] has one async method per operation. The rest is a small
//! hand-written runtime: the builder, the transport with its retries, the
//! error type, and the [`Nullable`] and [`BirthDate`] types; per-request
//! overrides ([`RequestOptions`] with [`Client::with_options`]), an optional
//! client-side [`RateLimiter`], [`Client::search_contacts_stream`] over
//! every search result, the listing streams [`Client::contacts_by_business_stream`]
//! and (deprecated) `Client::contacts_stream`, and [`Timestamp`] for response
//! times. [`webhooks`] verifies and decodes the contact webhook events.
//! Tokens come from a [`TokenSource`]: a fixed token, or an OAuth install
//! that refreshes itself ([`oauth::OAuthTokens`]); hooks add headers and
//! observe each attempt ([`Observer`]).
//!
//! The [`guide`] modules explain each part for app developers: requests and
//! responses, retries and limits, errors (and what to do after a create
//! that may have been processed), paging, OAuth, hooks, webhooks, costs.
//!
//! ```no_run
//! use leadconnector::{types, Client};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new("pit-token")?;
//! let request = types::CreateContactRequest::new("ve9EPM428h8vShlRW1KT")
//!     .first_name("Rosan")
//!     .email("rosan@deos.com");
//! let created = client.create_contact(&request).await?;
//! let id = &created.contact.id;
//!
//! // Clear the phone number; fields never set are not sent.
//! let update = types::UpdateContactRequest::default().clear_phone();
//! client.update_contact(id, &update).await?;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod auth;
mod birth_date;
mod body;
#[cfg(feature = "redis")]
pub mod budget;
mod config;
mod contact_requests;
mod core;
mod custom_fields;
pub mod de;
mod error;
pub mod guide;
mod hooks;
mod limiter;
mod listing;
mod nullable;
pub mod oauth;
// Generated files are formatted by prettyplease; rustfmt would fight it.
#[rustfmt::skip]
mod operations;
mod id_list;
mod options;
mod personal;
mod redact;
#[cfg(feature = "redis")]
mod redis_budget;
mod request;
mod response;
mod scope;
mod search;
// The generated server layer and what it stands on (feature `server`).
#[cfg(feature = "server")]
#[rustfmt::skip]
pub mod server;
#[cfg(feature = "server")]
pub mod server_support;
mod timestamp;
#[rustfmt::skip]
pub mod types;
mod unknown;
pub mod webhooks;

pub use auth::{
    SecretString, SharedError, StaticToken, TokenContext, TokenError, TokenFuture, TokenSource,
};
pub use birth_date::{BirthDate, BirthDateError};
pub use body::FilePart;
/// The date types request and response fields use (`DateTime<Utc>`).
pub use chrono::{DateTime, NaiveDate, Utc};
pub use config::{
    ClientBuilder, Config, RetryPolicy, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
};
pub use core::{Core, RawResponse};
pub use error::{ApiError, BuildError, Error, RequestFailure, SNIPPET_LIMIT};
/// The stream traits the paging streams implement
/// ([`Client::search_contacts_stream`] and the listings), so iterating
/// them (`try_next`, `next`, `collect`) needs no `futures` dependency.
pub use futures_util::{Stream, StreamExt, TryStreamExt};
pub use hooks::{Attempt, Observer};
pub use id_list::IdList;
pub use limiter::{LimitFuture, RateLimiter, SharedLimiter, BURST_LIMIT, BURST_WINDOW};
pub use listing::{
    BusinessContactsStream, ContactPages, ContactsStream, BUSINESS_CONTACTS_DEFAULT_LIMIT,
    CONTACTS_DEFAULT_LIMIT,
};
pub use nullable::Nullable;
pub use operations::*;
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
pub use scope::ErrorExt;
pub use search::{SearchContactsStream, SEARCH_PAGING_LIMIT};
/// JSON types that generated types expose (`CustomFieldValue::Number`,
/// `SearchFilter::value`), so callers need no `serde_json` dependency.
pub use serde_json::{Number, Value};
pub use timestamp::Timestamp;
pub use unknown::UnknownValue;
