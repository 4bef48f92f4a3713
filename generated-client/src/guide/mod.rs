//! Guides for app developers, one module per topic. Each is a Markdown file
//! in `generated-client/src/guide/` shown here as the module's docs; its
//! examples are compiled as doc tests (`cargo test -p leadconnector --doc`)
//! and, with only the dependencies the README tells an app to add, by
//! `cargo xtask snippets`.

#[doc = include_str!("errors.md")]
pub mod errors {}
