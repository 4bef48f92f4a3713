//! Generates a typed Rust client from an OpenAPI 3.0 or 3.1 document.
//!
//! The pipeline has four layers, one module each:
//!
//! 1. [`load`]: read YAML or JSON, bundle `$ref`s to other files, bring a
//!    3.1 document into the 3.0 shape (`oas31`), mend known defects, parse.
//! 2. [`lower`]: build the [`ir`], which holds every naming and typing decision.
//! 3. `emit`: turn the IR into tokens with `quote!`.
//! 4. [`render`]: format with prettyplease and add the generated-file header.
//!
//! [`generate`] runs all four and returns the files to write, or the
//! diagnostics that stopped it. [`diff`] compares what two specs lower to
//! (`cargo xtask spec-diff`).
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing
    )
)]

pub mod diagnostics;
pub mod diff;
mod emit;
pub mod ir;
pub mod load;
mod locate;
pub mod lower;
mod mend;
pub mod names;
mod oas31;
pub mod parallel;
mod placement;
pub mod render;

use std::path::{Path, PathBuf};

use quote::quote;

pub use diagnostics::{Diagnostic, Severity};
pub use emit::{Runtime, RUNTIME_CRATE, RUNTIME_PACKAGE, RUNTIME_VERSION};

/// How to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where generated code finds the runtime.
    pub runtime: Runtime,
    /// Name of the spec as the file header shows it (`spec/contacts.yaml`).
    pub spec_name: String,
    /// Also write `Cargo.toml` and `src/lib.rs` for a crate of its own.
    pub standalone: Option<Standalone>,
    /// Treat warnings as errors.
    pub deny_warnings: bool,
}

/// Settings for a client crate of its own.
#[derive(Clone, Debug)]
pub struct Standalone {
    /// Package name.
    pub crate_name: String,
    /// Path from the new crate's directory to the runtime crate.
    pub runtime_path: PathBuf,
    /// Make the crate a workspace of its own (an empty `[workspace]` table),
    /// so it builds even when written inside another workspace. Off when the
    /// caller puts several generated crates in one workspace.
    pub own_workspace: bool,
}

/// One file to write, relative to the client crate's root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path (`src/types.rs`).
    pub path: PathBuf,
    /// Full contents.
    pub contents: String,
}

/// What a successful generation produced.
#[derive(Debug)]
pub struct Output {
    /// Files to write: `src/types.rs`, then `src/operations.rs` and
    /// `src/server.rs` unless the spec has no operations, then the
    /// standalone crate's files.
    pub files: Vec<GeneratedFile>,
    /// Warnings (generation went on).
    pub warnings: Vec<Diagnostic>,
    /// Number of operations generated.
    pub operations: usize,
    /// Number of named types generated.
    pub types: usize,
}

/// Generates client source for the spec at `spec`.
pub fn generate(spec: &Path, options: &Options) -> Result<Output, Vec<Diagnostic>> {
    let loaded = load::load(spec)?;
    let (api, diagnostics) = lower::lower(&loaded);
    let diagnostics =
        diagnostics::dedupe(loaded.warnings.iter().cloned().chain(diagnostics).collect());
    let locate = |diagnostics: Vec<Diagnostic>| -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .map(|d| loaded.sources.locate(d))
            .collect()
    };
    let fails = |d: &Diagnostic| d.is_error() || options.deny_warnings;
    if diagnostics.iter().any(fails) {
        return Err(locate(diagnostics));
    }

    // Finding the warnings' lines in the source is work of its own; it runs
    // while the client is formatted.
    let ((diagnostics, server), rendered) = parallel::join(
        || {
            (
                locate(diagnostics),
                render::server_file(&api, &options.runtime, &options.spec_name),
            )
        },
        || render::client_files(&api, &options.runtime, &options.spec_name),
    );
    let (types, operations) = rendered.map_err(|d| vec![d])?;
    let server = server.map_err(|d| vec![d])?;
    let mut files = vec![GeneratedFile {
        path: PathBuf::from("src/types.rs"),
        contents: types,
    }];
    // A spec of schemas only (webhook payloads, say) has no client to offer:
    // an empty `Client` would only be noise in the crate that includes it.
    if let Some(operations) = operations {
        files.push(GeneratedFile {
            path: PathBuf::from("src/operations.rs"),
            contents: operations,
        });
    }
    if let Some(server) = server {
        files.push(GeneratedFile {
            path: PathBuf::from("src/server.rs"),
            contents: server,
        });
    }
    if let Some(standalone) = &options.standalone {
        files.extend(standalone_files(&api, standalone, &options.spec_name).map_err(|d| vec![d])?);
    }
    Ok(Output {
        files,
        warnings: diagnostics,
        operations: api.operations.len(),
        types: api.types.len(),
    })
}

/// `Cargo.toml` and `src/lib.rs` for a client crate of its own: it depends
/// on the runtime crate (a version requirement, and the path for local
/// builds), and its package metadata comes from the spec's `info`.
fn standalone_files(
    api: &ir::Api,
    standalone: &Standalone,
    spec_name: &str,
) -> Result<Vec<GeneratedFile>, Diagnostic> {
    // A crate of generated modules only has no hand-written types for an
    // `x-rust-type` to name.
    if let Some((path, pointer)) = api.crate_types.first() {
        return Err(Diagnostic::error(
            pointer.clone(),
            format!(
                "`x-rust-type: {path}` names a type of the client crate, and a standalone crate has none (the runtime provides {})",
                ir::RUNTIME_TYPES
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_hint("remove `x-rust-type`, or name a type of the runtime"));
    }
    let doc = format!(" Generated client for the {}.", api.title.trim());
    let has_operations = !api.operations.is_empty();
    let operations_mod = has_operations.then(|| {
        quote!(
            pub mod operations;
        )
    });
    let operations_use = has_operations.then(|| {
        quote!(
            pub use operations::*;
        )
    });
    let server_mod = has_operations.then(|| {
        quote!(
            /// The server layer: a trait per operation and a router that checks requests.
            #[cfg(feature = "server")]
            pub mod server;
        )
    });
    let lib = quote! {
        #![doc = #doc]
        #![deny(missing_docs)]

        #operations_mod
        #server_mod
        pub mod types;

        #operations_use
        pub use ::openapi_runtime::{
            ApiResponse, BuildError, ClientBuilder, Error, FilePart, Nullable, RateLimit,
            RateLimiter, RequestOptions, RetryPolicy, SecretString, StaticToken, Timestamp,
            TokenSource,
        };
        /// The runtime this client stands on, for the names not re-exported here.
        pub use ::openapi_runtime as runtime;
    };
    let runtime = standalone
        .runtime_path
        .display()
        .to_string()
        .replace('\\', "/");
    let package = &api.package;
    // TOML, not Rust: a plain template is the right tool here, with every
    // value from the spec quoted as a TOML string.
    let mut manifest = format!(
        "# @generated by `cargo xtask codegen` from {spec_name}. Do not edit.\n\
         [package]\n\
         name = {}\n\
         version = {}\n\
         edition = \"2021\"\n\
         description = {}\n",
        toml_string(&standalone.crate_name),
        toml_string(&package.version),
        toml_string(&package.description),
    );
    if let Some(license) = &package.license {
        manifest.push_str(&format!("license = {}\n", toml_string(license)));
    }
    if !package.authors.is_empty() {
        let authors: Vec<String> = package.authors.iter().map(|a| toml_string(a)).collect();
        manifest.push_str(&format!("authors = [{}]\n", authors.join(", ")));
    }
    if let Some(homepage) = &package.homepage {
        manifest.push_str(&format!("homepage = {}\n", toml_string(homepage)));
    }
    manifest.push_str(&format!(
        "\n[dependencies]\n\
         {RUNTIME_PACKAGE} = {{ version = {}, path = {}, default-features = false }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = \"1\"\n\
         chrono = {{ version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }}\n",
        toml_string(RUNTIME_VERSION),
        toml_string(&runtime),
    ));
    // The runtime's TLS backends, rustls by default, and its server side.
    manifest.push_str(&format!(
        "\n[features]\n\
         default = [\"rustls-tls\"]\n\
         rustls-tls = [\"{RUNTIME_PACKAGE}/rustls-tls\"]\n\
         native-tls = [\"{RUNTIME_PACKAGE}/native-tls\"]\n\
         # The server layer (src/server.rs): a trait and a router for mock servers.\n\
         server = [\"{RUNTIME_PACKAGE}/server\"]\n"
    ));
    if standalone.own_workspace {
        manifest.push_str(
            "\n# A crate of its own, even when written inside another workspace.\n[workspace]\n",
        );
    }
    Ok(vec![
        GeneratedFile {
            path: PathBuf::from("src/lib.rs"),
            contents: render::render(lib, spec_name)?,
        },
        GeneratedFile {
            path: PathBuf::from("Cargo.toml"),
            contents: manifest,
        },
    ])
}

/// `text` as a TOML basic string, quotes included.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
