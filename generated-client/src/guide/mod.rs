//! Guides for app developers, one module per topic.
//!
//! Each guide is a Markdown file in `generated-client/src/guide/`, shown
//! here as its module's documentation. Their examples are compiled twice:
//! as this crate's doc tests (`cargo test -p leadconnector --doc`), and by
//! `cargo xtask snippets` as an external crate that has only the
//! dependencies the README tells an app to add.
//!
//! Start with [`requests`]; [`errors`] says what each failure means and what
//! to do about it.
//!
//! A new guide is one file here and one line below.

#[doc = include_str!("requests.md")]
pub mod requests {}

#[doc = include_str!("retries.md")]
pub mod retries {}

#[doc = include_str!("errors.md")]
pub mod errors {}

#[doc = include_str!("paging.md")]
pub mod paging {}

#[doc = include_str!("oauth.md")]
pub mod oauth {}

#[doc = include_str!("hooks.md")]
pub mod hooks {}

#[doc = include_str!("webhooks.md")]
pub mod webhooks {}

#[doc = include_str!("costs.md")]
pub mod costs {}

#[doc = include_str!("replicas.md")]
pub mod replicas {}

#[doc = include_str!("testing.md")]
pub mod testing {}
