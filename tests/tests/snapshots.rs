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

#[test]
fn contacts_client() {
    let options = Options {
        runtime: Runtime::in_crate(),
        spec_name: "spec/contacts.yaml".into(),
        standalone: None,
        deny_warnings: true,
    };
    let spec = tests::root().join("spec/contacts.yaml");
    let output = generator::generate(&spec, &options).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(output.files.len(), 2);
    for file in &output.files {
        insta::assert_snapshot!(snapshot_name("contacts", file), &file.contents);
    }
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
