//! Guides for app developers, one module per topic.
//!
//! Each guide is a Markdown file in `generated-client/src/guide/`, shown
//! here as its module's documentation. A new guide is one file here and one
//! line below.

#[doc = include_str!("testing.md")]
pub mod testing {}
