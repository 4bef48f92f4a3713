//! The integration test suite, one binary (linking the client once, not once
//! per file): generator snapshots and diagnostics, the client on the wire and
//! in production conditions, OAuth token sources and hooks, examples, fuzz
//! regressions, spec-diff's classification of spec changes.
//! (`oauth::secrets_never_reach_…` captures traces with a subscriber scoped
//! to its own thread, so it can live here.)
//!
//! `secrets.rs` stays a binary of its own: it installs the global `tracing`
//! subscriber, which would capture every other test's output here.

mod common;
mod support;

mod api;
mod bodies;
mod client;
mod diagnostics;
mod docs;
mod examples;
mod fixtures_compile;
mod fuzz_regressions;
mod hooks;
mod listing;
mod oas31;
mod oauth;
mod recipes;
mod resilience;
mod response_fuzz;
mod runtime_boundary;
mod security;
mod server;
mod snapshots;
mod spec_diff;
mod spec_readme;
mod standalone;
mod status_ranges;
mod union_order;
mod webhooks;
mod wire;
