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

mod birth_date;
mod id_list;
mod limits;
mod listing;
pub mod oauth;
// Generated files are formatted by prettyplease; rustfmt would fight it.
#[rustfmt::skip]
mod operations;
mod search;
#[rustfmt::skip]
pub mod types;
pub mod webhooks;

pub use birth_date::{BirthDate, BirthDateError};
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
    FieldNames, FilePart, FixedHeader, Method, NaiveDate, Nullable, Number, Observer, RateLimit,
    RateLimiter, RawResponse, Redacted, Request, RequestFailure, RequestOptions, RetryPolicy,
    SecretString, SharedError, StaticToken, Timestamp, TokenContext, TokenError, TokenFuture,
    TokenSource, UnknownValue, Utc, Value, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, SNIPPET_LIMIT,
};
pub use operations::*;
pub use search::{SearchContactsStream, SEARCH_PAGING_LIMIT};
