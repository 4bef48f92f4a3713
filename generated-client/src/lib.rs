//! A typed client for the LeadConnector (HighLevel) contacts API.
//!
//! Most of this crate is generated from `spec/contacts.yaml` by
//! `cargo xtask codegen`: [`types`] holds the request and response types, and
//! [`Client`] has one async method per operation. It stands on the
//! `openapi-runtime` crate (the builder, the transport with its retries, the
//! error type, [`Nullable`], [`Timestamp`], token sources, hooks,
//! per-request overrides with [`RequestOptions`] and [`Client::with_options`],
//! the optional client-side [`RateLimiter`]), whose names it re-exports, so
//! an app depends on this crate alone. Written by hand here is what is this
//! API's own: [`BirthDate`], the documented burst limit ([`BurstLimit`]),
//! [`Client::search_contacts_stream`] over every search result, the listing
//! streams [`Client::contacts_by_business_stream`] and (deprecated)
//! `Client::contacts_stream`, [`webhooks`] (verifying and decoding the
//! contact webhook events), and [`oauth`] (the app's OAuth flow and
//! [`oauth::OAuthTokens`], a token source that refreshes itself); hooks add
//! headers and observe each attempt ([`Observer`]).
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

mod birth_date;
#[cfg(feature = "redis")]
pub mod budget;
mod contact_requests;
mod custom_fields;
pub mod guide;
mod id_list;
mod limits;
mod listing;
pub mod oauth;
// Generated files are formatted by prettyplease; rustfmt would fight it.
#[rustfmt::skip]
mod operations;
mod scope;
mod search;
// The generated server layer (feature `server`), on the runtime's
// `server_support`.
#[cfg(feature = "server")]
#[rustfmt::skip]
pub mod server;
#[cfg(feature = "server")]
pub use openapi_runtime::server_support;
#[rustfmt::skip]
pub mod types;
pub mod webhooks;

pub use birth_date::{BirthDate, BirthDateError};
/// The stream traits the paging streams implement
/// ([`Client::search_contacts_stream`] and the listings), so iterating
/// them (`try_next`, `next`, `collect`) needs no `futures` dependency.
pub use futures_util::{Stream, StreamExt, TryStreamExt};
pub use id_list::IdList;
pub use limits::{BurstLimit, BURST_LIMIT, BURST_WINDOW};
pub use listing::{
    BusinessContactsStream, ContactPages, ContactsStream, BUSINESS_CONTACTS_DEFAULT_LIMIT,
    CONTACTS_DEFAULT_LIMIT,
};
/// The runtime this crate stands on, for the names not re-exported here.
pub use openapi_runtime as runtime;
pub use openapi_runtime::de;
pub use openapi_runtime::{
    ApiError, ApiResponse, Attempt, BuildError, ClientBuilder, Config, Core, DateTime, Error,
    FieldNames, FilePart, FixedHeader, HeaderMap, LimitFuture, Method, NaiveDate, Nullable, Number,
    Observer, RateLimit, RateLimiter, RawResponse, Redacted, Request, RequestFailure,
    RequestOptions, RetryPolicy, SecretString, SharedError, SharedLimiter, StaticToken, StatusCode,
    Timestamp, TokenContext, TokenError, TokenFuture, TokenSource, UnknownValue, Utc, Value,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, SNIPPET_LIMIT,
};
#[cfg(feature = "redis")]
pub use openapi_runtime::{
    BudgetStats, Fallback, RedisBudget, RedisBudgetBuilder, RedisLimiter, Refused,
};
pub use operations::*;
pub use scope::ErrorExt;
pub use search::{SearchContactsStream, SEARCH_PAGING_LIMIT};
