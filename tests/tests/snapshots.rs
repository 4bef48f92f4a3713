//! Snapshots of every generated file: the contacts client and one fixture per
//! construct. Review changes with `cargo insta review`.

use generator::{Options, Runtime};

fn snapshot_name(prefix: &str, file: &generator::GeneratedFile) -> String {
    let stem = file
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("file");
    format!("{prefix}__{stem}")
}

/// Generates one of the project's specs as `cargo xtask codegen` does, checks
/// which files come out, and snapshots each as `{prefix}__{file stem}`.
fn snapshot_target(spec: &str, prefix: &str, expected_files: &[&str]) {
    let options = Options {
        runtime: Runtime::in_crate(),
        spec_name: spec.into(),
        standalone: None,
        deny_warnings: true,
    };
    let output = generator::generate(&tests::root().join(spec), &options).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let files: Vec<String> = output
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(files, expected_files);
    for file in &output.files {
        insta::assert_snapshot!(snapshot_name(prefix, file), &file.contents);
    }
}

// One test per target of `cargo xtask codegen` (xtask/src/codegen.rs).

#[test]
fn contacts_client() {
    snapshot_target(
        "spec/contacts.yaml",
        "contacts",
        &["src/types.rs", "src/operations.rs"],
    );
}

#[test]
fn oauth_client() {
    snapshot_target(
        "spec/oauth.yaml",
        "oauth",
        &["src/types.rs", "src/operations.rs"],
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
