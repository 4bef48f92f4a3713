//! A stateful, offline LeadConnector contacts API for tests.
pub mod auth;
pub mod choices;
pub mod clock;
pub mod error;
pub mod faults;
pub mod ids;
pub mod ratelimit;
pub mod search;
pub mod seed;
pub mod store;
pub mod webhooks;
pub use faults::{Fault, FaultRule};
