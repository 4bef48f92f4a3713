//! A stateful, offline LeadConnector contacts API for tests.
pub mod choices;
pub mod clock;
pub mod error;
pub mod ids;
pub mod search;
pub mod seed;
pub mod store;
