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
