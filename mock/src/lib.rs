//! An offline LeadConnector contacts API that keeps state: what an app's
//! tests talk to instead of the vendor.
//!
//! [`MockServer::start`] serves, on a loopback port of the test's own tokio
//! runtime, all 32 contacts operations of `spec/contacts.yaml` and the OAuth
//! token endpoints, behind the router `cargo xtask codegen` generates from
//! the same spec (`leadconnector::server`): a request the spec forbids is
//! refused as the vendor refuses it, and a created contact can be fetched,
//! searched, updated and deleted. Around that, the knobs that make an app's
//! error handling testable: the vendor's rate limits, scripted faults, an
//! OAuth flow whose tokens expire and rotate, and signed webhooks.
//!
//! ```
//! use leadconnector::types;
//! use leadconnector_mock::{Fault, FaultRule, MockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mock = MockServer::start().await;
//! let client = mock.client(); // base URL and a token for its Location
//!
//! let request = types::CreateContactRequest::new(mock.location_id()).email("rosan@deos.com");
//! let id = client.create_contact(&request).await.unwrap().contact.id.clone();
//! assert_eq!(mock.contact(&id).unwrap().email.as_deref(), Some("rosan@deos.com"));
//!
//! // The next update is applied, then its connection is dropped: the
//! // client sends the PUT again (safe to repeat), and it succeeds.
//! mock.fault(FaultRule::new("updateContact", Fault::DropAfterApply).times(1));
//! let update = types::UpdateContactRequest::default().city("Dolomite");
//! client.update_contact(&id, &update).await.unwrap();
//! let attempts: Vec<_> = mock.requests_for("updateContact").iter().map(|r| r.status).collect();
//! assert_eq!(attempts, [None, Some(200)]);
//! assert_eq!(mock.contact(&id).unwrap().city.as_deref(), Some("Dolomite"));
//! # }
//! ```
//!
//! # What it does
//!
//! - **State.** Contacts with the vendor's derived fields (`dateAdded`,
//!   `dateUpdated`, the lower-case copies of names and e-mail, `birthMonth`
//!   and `birthDay`), ids in the vendor's formats, tags, custom fields, DND
//!   settings; tasks, notes, appointments (seeded), followers, campaigns,
//!   workflows, business association, bulk tags; duplicate handling on
//!   create and upsert per each Location's "Allow Duplicate Contact"
//!   setting ([`store::DuplicateSettings`]); search with the documented
//!   filters, groups, sorting and both kinds of paging ([`search`]); the
//!   deprecated listing with its cursor.
//! - **Tokens.** [`MockServer::token`] is a private integration token for
//!   the default Location; [`MockServer::add_location`] and
//!   [`MockServer::add_token`] make others (a token with fewer scopes gets
//!   the vendor's 401 for what it may not do). A token of one Location
//!   cannot touch another's contacts.
//! - **Rate limits** ([`ratelimit`]): 100 requests per 10 s and 200,000 a
//!   day per Location, the five `X-RateLimit-*` headers on every answer,
//!   429 with `Retry-After` beyond them. [`MockBuilder::rate_limits`] and
//!   [`MockServer::set_rate_limits`] change them.
//! - **Faults** ([`faults`]): per operation, for some calls or with a
//!   seeded probability: a status, a delay, a malformed body, the
//!   connection dropped before or after the change was applied.
//! - **OAuth** ([`auth`]): apps ([`MockServer::add_oauth_app`]), installs
//!   ([`MockServer::install`], or the install page at
//!   `/v2/oauth/chooselocation`), the code exchange, refreshes that rotate
//!   the refresh token (a spent one gives `invalid_grant`), access tokens
//!   that expire ([`MockBuilder::access_token_lifetime`],
//!   [`MockServer::expire_token`]), Agency tokens and Location tokens.
//! - **Webhooks** ([`webhooks`]): after each change the matching contact
//!   event, signed with the mock's own key
//!   ([`MockServer::webhook_public_key`] for
//!   `leadconnector::webhooks::Verifier::with_keys`), POSTed to every URL
//!   given to [`MockServer::register_webhook`], retried until answered
//!   with 2xx.
//! - **Inspection**: [`MockServer::contact`], [`contacts`](MockServer::contacts),
//!   [`tasks`](MockServer::tasks), [`notes`](MockServer::notes),
//!   [`campaigns`](MockServer::campaigns), [`workflows`](MockServer::workflows),
//!   [`snapshot`](MockServer::snapshot); [`MockServer::requests`] lists every
//!   request received with its answer ([`log::Received`]), including why the
//!   router refused it, if it did.
//! - **Seeding** ([`seed`]): Locations, contacts in the API's own JSON
//!   shape with their tasks, notes and appointments, tokens and OAuth apps,
//!   from Rust or from a JSON file; a snapshot has the same shape.
//!
//! # Time and determinism
//!
//! Every time the mock stamps or compares comes from its [`Clock`], which
//! starts at `2025-01-01T00:00:00Z` (or [`MockBuilder::start_time`], or the
//! system's time with [`MockBuilder::system_clock`]) and advances with
//! tokio's clock. On a paused runtime (`#[tokio::test(start_paused = true)]`)
//! `tokio::time::advance` expires tokens, closes rate-limit windows and
//! spaces webhook retries without waiting, and the client's own timers
//! move with it. [`MockBuilder::frozen_clock`] stops the clock altogether.
//!
//! Ids, tokens, trace ids, webhook ids and fault probabilities are drawn
//! from generators seeded by [`MockBuilder::seed`]: the same seed and the
//! same requests in the same order give the same answers, byte for byte
//! (with the clock frozen or paused).
//!
//! # Where the vendor is silent
//!
//! Every behaviour the vendor does not document (the status of an unknown
//! contact, the tags' case, the search's default order, the rate-limit
//! window, token formats, webhook retries, ...) is chosen in one place, the
//! [`choices`] module, with the reason.
//!
//! # As a program
//!
//! `cargo run -p leadconnector-mock -- --port 4010 --seed-file seed.json`
//! serves the same API for tests in other languages and manual runs. It
//! prints `{"baseUrl": ..., "locationId": ..., "token": ...}` when ready;
//! its own endpoints under `/__mock/` ([`admin`]) show the state and the
//! requests, script faults and register webhooks over HTTP.
//!
//! # How it is built
//!
//! [`api`] implements the generated `leadconnector::server::Api` trait, one
//! method per operation, over the [`store`]; [`oauth_api`] the token
//! endpoints' trait. [`http`] is the middleware in front of the generated
//! routers (log, tokens, scopes, rate limits, faults). When the spec
//! changes an operation's parameters or responses, [`api`] stops compiling
//! where the mock must follow.

pub mod admin;
pub mod api;
pub mod auth;
pub mod choices;
pub mod clock;
pub mod error;
pub mod faults;
pub mod http;
pub mod ids;
pub mod log;
pub mod oauth_api;
pub mod ratelimit;
pub mod search;
pub mod seed;
pub mod server;
pub mod shared;
pub mod store;
pub mod webhooks;

pub use clock::Clock;
pub use faults::{Fault, FaultRule};
pub use server::{MockBuilder, MockLocation, MockServer};
