//! Snapshots of the generator's output: every file generated for one fixture
//! per construct, the warnings it gives on defective specs, and the contacts
//! client's API surface (its generated files are committed, and checked to
//! be current here). Review changes with `cargo insta review`.

use generator::{Options, Runtime};

fn snapshot_name(prefix: &str, file: &generator::GeneratedFile) -> String {
    let stem = file
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("file");
    format!("{prefix}__{stem}")
}

fn contacts_output() -> generator::Output {
    let options = Options {
        runtime: Runtime::in_crate(),
        spec_name: "spec/contacts.yaml".into(),
        standalone: None,
        deny_warnings: true,
    };
    let spec = tests::root().join("spec/contacts.yaml");
    generator::generate(&spec, &options).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// The committed client is what the generator makes of the committed spec:
/// `cargo xtask codegen --check` in a test, so a clone's own `cargo test`
/// catches a spec edited without regenerating. (The generated files are the
/// snapshot of the contacts client; a copy of them under `snapshots/` would
/// only make every change reviewed twice.)
#[test]
fn contacts_client_is_current() {
    let output = contacts_output();
    assert_eq!(output.files.len(), 2);
    let client = tests::root().join("generated-client");
    for file in &output.files {
        let path = client.join(&file.path);
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert!(
            committed == file.contents,
            "{} is stale: run `cargo xtask codegen`",
            path.display()
        );
    }
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
