//! Guides for app developers, one module per topic.

#[doc = include_str!("replicas.md")]
pub mod replicas {}
