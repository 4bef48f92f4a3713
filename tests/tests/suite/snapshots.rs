//! Snapshots of the generator's output: every file generated for one fixture
//! per construct, the warnings it gives on defective specs, and the API
//! surface of each spec `cargo xtask codegen` generates (contacts, webhooks,
//! oauth; their generated files are committed, and checked to be current
//! here). Review changes with `cargo insta review`.

use generator::{Options, Runtime};

fn snapshot_name(prefix: &str, file: &generator::GeneratedFile) -> String {
    let stem = file
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("file");
    format!("{prefix}__{stem}")
}

/// Generates one of the project's specs as `cargo xtask codegen` does.
fn target_output(spec: &str) -> generator::Output {
    let options = Options {
        runtime: Runtime::in_crate(),
        spec_name: spec.into(),
        standalone: None,
        deny_warnings: true,
    };
    generator::generate(&tests::root().join(spec), &options).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// The committed modules of one target of `cargo xtask codegen` (see
/// `TARGETS` in xtask/src/codegen.rs) are what the generator makes of the
/// committed spec, and they are exactly `files`: `cargo xtask codegen
/// --check` in a test, so a clone's own `cargo test` catches a spec edited
/// without regenerating. (The generated files are the snapshot of the
/// client; a copy of them under `snapshots/` would only make every change
/// reviewed twice.)
fn assert_target_is_current(spec: &str, module_dir: &str, files: &[&str]) {
    let output = target_output(spec);
    let names: Vec<String> = output
        .files
        .iter()
        .filter_map(|f| f.path.file_name()?.to_str().map(str::to_owned))
        .collect();
    assert_eq!(names, files, "files generated from {spec}");
    let dir = tests::root().join(module_dir);
    for (file, name) in output.files.iter().zip(&names) {
        let path = dir.join(name);
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert!(
            committed == file.contents,
            "{} is stale: run `cargo xtask codegen`",
            path.display()
        );
    }
}

// One `*_is_current` test per target of `cargo xtask codegen`.

#[test]
fn contacts_client_is_current() {
    assert_target_is_current(
        "spec/contacts.yaml",
        "generated-client/src",
        &["types.rs", "operations.rs", "server.rs"],
    );
}

/// What the contacts client offers, one line per operation and per type:
/// the shape of the public API at a glance, which the generated files show
/// only across 2,000 lines. A spec change that adds, renames or reclassifies
/// anything shows here as a short diff.
#[test]
fn contacts_api_surface() {
    insta::assert_snapshot!(
        "contacts__surface",
        tests::api_surface(&tests::root().join("spec/contacts.yaml"))
    );
}

/// Types only: the spec has no operations.
#[test]
fn webhooks_types_are_current() {
    assert_target_is_current(
        "spec/webhooks.yaml",
        "generated-client/src/webhooks",
        &["types.rs"],
    );
}

/// The webhook event types, one line each (the event union and its
/// variants, the payload structs and their fields).
#[test]
fn webhooks_api_surface() {
    insta::assert_snapshot!(
        "webhooks__surface",
        tests::api_surface(&tests::root().join("spec/webhooks.yaml"))
    );
}

/// The OAuth token operations (`security: []` on the token endpoint).
#[test]
fn oauth_client_is_current() {
    assert_target_is_current(
        "spec/oauth.yaml",
        "generated-client/src/oauth",
        &["types.rs", "operations.rs", "server.rs"],
    );
}

/// The OAuth module's generated operations and types, one line each.
#[test]
fn oauth_api_surface() {
    insta::assert_snapshot!(
        "oauth__surface",
        tests::api_surface(&tests::root().join("spec/oauth.yaml"))
    );
}

/// A spec without operations yields its types and no `operations.rs`, in a
/// standalone crate too (whose `lib.rs` then declares no such module).
#[test]
fn spec_without_operations_is_types_only() {
    let dir = tests::root().join("target/types-only-spec");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("types_only.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Types only, version: '1'}\npaths: {}\n\
         components:\n  schemas:\n    Thing:\n      type: object\n      properties:\n        \
         name: {type: string}\n",
    )
    .unwrap();
    let options = Options {
        runtime: Runtime::external("leadconnector").unwrap(),
        spec_name: "types_only.yaml".into(),
        standalone: Some(generator::Standalone {
            crate_name: "types_only".into(),
            runtime_path: "../generated-client".into(),
            own_workspace: true,
        }),
        deny_warnings: true,
    };
    let output = generator::generate(&spec, &options).unwrap_or_else(|d| panic!("{d:?}"));
    let files: Vec<String> = output
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(files, ["src/types.rs", "src/lib.rs", "Cargo.toml"]);
    assert_eq!(output.operations, 0);
    let lib = &output.files[1].contents;
    assert!(lib.contains("pub mod types;"), "{lib}");
    assert!(!lib.contains("operations"), "{lib}");
    assert!(output.files[0].contents.contains("pub struct Thing"));
}

/// A spec with operations makes a standalone crate with a server layer
/// behind its `server` feature (which `cargo xtask corpus` compiles).
#[test]
fn standalone_crates_have_a_server_feature() {
    let options = Options {
        runtime: Runtime::external("leadconnector").unwrap(),
        spec_name: "operations.yaml".into(),
        standalone: Some(generator::Standalone {
            crate_name: "with_server".into(),
            runtime_path: "../generated-client".into(),
            own_workspace: true,
        }),
        deny_warnings: false,
    };
    let spec = tests::root().join("tests/fixtures/operations.yaml");
    let output = generator::generate(&spec, &options).unwrap_or_else(|d| panic!("{d:?}"));
    let files: Vec<String> = output
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "src/types.rs",
            "src/operations.rs",
            "src/server.rs",
            "src/lib.rs",
            "Cargo.toml"
        ]
    );
    let lib = &output.files[3].contents;
    assert!(
        lib.contains("#[cfg(feature = \"server\")]\npub mod server;"),
        "{lib}"
    );
    let manifest = &output.files[4].contents;
    assert!(
        manifest.contains("[features]\n# The server layer (src/server.rs): a trait and a router for mock servers.\nserver = [\"leadconnector/server\"]\n"),
        "{manifest}"
    );
    assert!(output.files[2]
        .contents
        .contains("pub trait Api: Send + Sync + 'static {"));
}

#[test]
fn fixtures() {
    let specs = tests::fixtures();
    assert!(specs.len() >= 10, "fixtures went missing: {specs:?}");
    for spec in specs {
        let name = tests::fixture_name(&spec);
        let output = tests::generate_fixture_output(&spec);
        for file in &output.files {
            insta::assert_snapshot!(snapshot_name(&name, file), &file.contents);
        }
        // The generator's decisions about defective specs are part of its
        // output: pin the warnings too.
        if !output.warnings.is_empty() {
            // Paths relative to the workspace, so snapshots match in any clone.
            let root = format!("{}/", tests::root().display());
            let text: Vec<String> = output
                .warnings
                .iter()
                .map(|w| w.to_string().replace(&root, ""))
                .collect();
            insta::assert_snapshot!(format!("{name}__warnings"), text.join("\n\n"));
        }
    }
}

#[test]
fn generation_is_deterministic() {
    for spec in tests::fixtures() {
        assert_eq!(
            tests::generate_fixture(&spec),
            tests::generate_fixture(&spec),
            "{}",
            spec.display()
        );
    }
}
