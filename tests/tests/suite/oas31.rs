//! OpenAPI 3.1 documents are read by converting them to the 3.0 shape
//! before the typed parse: a 3.1 fixture that uses every construct the
//! conversion knows lowers to exactly the IR of its 3.0 twin, written by
//! hand (what the approximations warn about is pinned by the fixtures'
//! warning snapshots).

use std::path::Path;

/// The IR a spec lowers to, printed (every field, in order).
fn lowered(spec: &Path) -> String {
    let loaded = generator::load::load(spec)
        .unwrap_or_else(|d| panic!("{} does not load: {d:?}", spec.display()));
    let (api, diagnostics) = generator::lower::lower(&loaded);
    assert!(
        diagnostics.iter().all(|d| !d.is_error()),
        "{}: {diagnostics:?}",
        spec.display()
    );
    format!("{api:#?}")
}

#[test]
fn a_31_fixture_lowers_as_its_30_twin() {
    let fixtures = tests::root().join("tests/fixtures");
    for (v31, v30) in [
        ("openapi31.yaml", "openapi31/twin-3.0.yaml"),
        (
            "openapi31_webhooks_only.yaml",
            "openapi31/webhooks-only-3.0.yaml",
        ),
    ] {
        let (a, b) = (lowered(&fixtures.join(v31)), lowered(&fixtures.join(v30)));
        if a != b {
            let first = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            let around = |text: &str| {
                text.lines()
                    .skip(first.saturating_sub(5))
                    .take(12)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            panic!(
                "{v31} and {v30} lower differently from line {first}:\n--- 3.1\n{}\n--- 3.0\n{}",
                around(&a),
                around(&b)
            );
        }
    }
}

/// The twins really are 3.0 and 3.1 documents (a twin that were 3.1 too
/// would prove nothing).
#[test]
fn the_twins_are_of_both_versions() {
    let fixtures = tests::root().join("tests/fixtures");
    let version = |file: &str| {
        let text = std::fs::read_to_string(fixtures.join(file)).unwrap_or_default();
        let doc: serde_json::Value = serde_yaml::from_str(&text).unwrap_or_default();
        doc.get("openapi")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(version("openapi31.yaml").starts_with("3.1"));
    assert!(version("openapi31_webhooks_only.yaml").starts_with("3.1"));
    assert!(version("openapi31/twin-3.0.yaml").starts_with("3.0"));
    assert!(version("openapi31/webhooks-only-3.0.yaml").starts_with("3.0"));
}
