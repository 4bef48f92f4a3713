//! `spec-diff`: each fixture pair under `tests/fixtures/spec_diff/` is
//! classified exactly (check id, wire verdict, Rust verdict, semver); every
//! check has a pair; the report for a realistic change to the contacts spec
//! is pinned by a snapshot. `cargo xtask spec-diff-prove` compiles user code
//! to prove the Rust verdicts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use generator::diff::{self, checks, report, Diff, Semver, Side, Verdict};

use Semver::{Major, Minor, Patch};
use Verdict::{Breaking as B, Compatible as C};

type Expected = (&'static str, Verdict, Verdict);

/// Pair directory, semver, and every change it must report (sorted by id).
const TABLE: &[(&str, Semver, &[Expected])] = &[
    (
        "contacts",
        Major,
        &[
            ("request-constraint-tightened", B, C),
            ("request-enum-value-added", C, C),
            ("request-property-became-required", B, B),
            ("response-error-status-added", C, B),
            ("response-property-added", C, C),
        ],
    ),
    (
        "enum-value-rust-name-changed",
        Major,
        &[
            ("enum-value-rust-name-changed", C, B),
            ("request-enum-value-added", C, C),
        ],
    ),
    ("operation-added", Minor, &[("operation-added", C, C)]),
    (
        "operation-deprecated",
        Patch,
        &[("operation-deprecated", C, C)],
    ),
    (
        "operation-id-changed",
        Major,
        &[("operation-id-changed", C, B)],
    ),
    (
        "operation-idempotency-changed",
        Patch,
        &[("operation-idempotency-changed", C, C)],
    ),
    (
        "operation-method-changed",
        Major,
        &[
            ("operation-idempotency-changed", C, C),
            ("operation-method-changed", B, C),
        ],
    ),
    (
        "operation-path-changed",
        Major,
        &[("operation-path-changed", B, C)],
    ),
    ("operation-removed", Major, &[("operation-removed", B, B)]),
    (
        "property-deprecated",
        Patch,
        &[("property-deprecated", C, C)],
    ),
    (
        "property-rust-name-changed",
        Major,
        &[("property-rust-name-changed", C, B)],
    ),
    (
        "property-rust-type-changed",
        Major,
        &[
            ("property-rust-type-changed", C, B),
            ("request-property-added", C, C),
        ],
    ),
    (
        "request-body-added-required",
        Major,
        &[("request-body-added-required", B, B)],
    ),
    ("request-body-added", Major, &[("request-body-added", C, B)]),
    (
        "request-body-became-optional",
        Major,
        &[("request-body-became-optional", C, B)],
    ),
    (
        "request-body-became-required",
        Major,
        &[("request-body-became-required", B, B)],
    ),
    (
        "request-body-removed",
        Major,
        &[("request-body-removed", C, B)],
    ),
    (
        "request-body-type-changed",
        Major,
        &[("request-body-type-changed", B, B)],
    ),
    (
        "request-constraint-tightened",
        Major,
        &[("request-constraint-tightened", B, C)],
    ),
    (
        "request-enum-value-added",
        Minor,
        &[("request-enum-value-added", C, C)],
    ),
    (
        "request-enum-value-removed",
        Major,
        &[("request-enum-value-removed", B, B)],
    ),
    (
        "request-fixed-header-added",
        Major,
        &[("request-fixed-header-added", B, C)],
    ),
    (
        "request-fixed-header-removed",
        Patch,
        &[("request-fixed-header-removed", C, C)],
    ),
    (
        "request-header-value-changed",
        Major,
        &[("request-header-value-changed", B, C)],
    ),
    (
        "request-media-type-changed",
        Major,
        &[("request-media-type-changed", B, C)],
    ),
    (
        "request-media-type-multipart",
        Major,
        &[("request-media-type-changed", B, B)],
    ),
    (
        "request-parameter-added-required",
        Major,
        &[("request-parameter-added-required", B, B)],
    ),
    (
        "request-parameter-added-to-params",
        Minor,
        &[("request-parameter-added", C, C)],
    ),
    (
        "request-parameter-added",
        Major,
        &[("request-parameter-added", C, B)],
    ),
    (
        "request-parameter-became-optional",
        Major,
        &[("request-parameter-became-optional", C, B)],
    ),
    (
        "request-parameter-became-required",
        Major,
        &[("request-parameter-became-required", B, B)],
    ),
    (
        "request-parameter-removed",
        Major,
        &[("request-parameter-removed", C, B)],
    ),
    (
        "request-parameter-type-changed",
        Major,
        &[("request-parameter-type-changed", B, B)],
    ),
    (
        "request-parameter-type-widened",
        Major,
        &[("request-parameter-type-changed", C, B)],
    ),
    (
        "request-property-added-required",
        Major,
        &[("request-property-added-required", B, B)],
    ),
    (
        "request-property-added",
        Minor,
        &[("request-property-added", C, C)],
    ),
    (
        "request-property-became-non-nullable",
        Major,
        &[("request-property-became-non-nullable", B, B)],
    ),
    (
        "request-property-became-nullable",
        Major,
        &[("request-property-became-nullable", C, B)],
    ),
    (
        "request-property-became-optional",
        Major,
        &[("request-property-became-optional", C, B)],
    ),
    (
        "request-property-became-required",
        Major,
        &[("request-property-became-required", B, B)],
    ),
    (
        "request-property-removed",
        Major,
        &[("request-property-removed", C, B)],
    ),
    (
        "request-property-type-changed",
        Major,
        &[("request-property-type-changed", B, B)],
    ),
    (
        "request-property-type-widened",
        Major,
        &[("request-property-type-changed", C, B)],
    ),
    (
        "request-union-variant-added",
        Minor,
        &[("request-union-variant-added", C, C)],
    ),
    (
        "request-union-variant-removed",
        Major,
        &[("request-union-variant-removed", B, B)],
    ),
    (
        "response-body-type-changed",
        Major,
        &[("response-body-type-changed", B, B)],
    ),
    (
        "response-enum-value-added",
        Minor,
        &[("response-enum-value-added", C, C)],
    ),
    (
        "response-enum-value-removed",
        Major,
        &[("response-enum-value-removed", C, B)],
    ),
    (
        "response-error-body-changed",
        Major,
        &[("response-error-body-changed", B, B)],
    ),
    (
        "response-error-status-added",
        Minor,
        &[("response-error-status-added", C, C)],
    ),
    (
        "response-error-status-removed",
        Major,
        &[("response-error-status-removed", C, B)],
    ),
    (
        "response-media-type-changed",
        Major,
        &[("response-media-type-changed", B, C)],
    ),
    (
        "response-property-added-required",
        Major,
        &[("response-property-added-required", C, B)],
    ),
    (
        "response-property-added",
        Minor,
        &[("response-property-added", C, C)],
    ),
    (
        "response-property-became-non-nullable",
        Patch,
        &[("response-property-became-non-nullable", C, C)],
    ),
    (
        "response-property-became-nullable",
        Major,
        &[("response-property-became-nullable", B, C)],
    ),
    (
        "response-property-became-optional",
        Major,
        &[("response-property-became-optional", B, B)],
    ),
    (
        "response-property-became-required",
        Major,
        &[("response-property-became-required", C, B)],
    ),
    (
        "response-property-removed",
        Major,
        &[("response-property-removed", B, B)],
    ),
    (
        "response-property-type-changed",
        Major,
        &[("response-property-type-changed", B, B)],
    ),
    (
        "response-success-status-added-new-type",
        Major,
        &[("response-success-status-added", B, B)],
    ),
    (
        "response-success-status-added",
        Major,
        &[("response-success-status-added", B, C)],
    ),
    (
        "response-success-status-removed",
        Patch,
        &[("response-success-status-removed", C, C)],
    ),
    (
        "response-union-variant-added-tagged",
        Minor,
        &[("response-union-variant-added", C, C)],
    ),
    (
        "response-union-variant-added",
        Major,
        &[("response-union-variant-added", B, C)],
    ),
    (
        "response-union-variant-removed",
        Major,
        &[("response-union-variant-removed", C, B)],
    ),
    ("security-changed", Major, &[("security-changed", B, C)]),
    (
        "security-scope-added",
        Major,
        &[("security-scope-added", B, C)],
    ),
    (
        "security-scope-removed",
        Patch,
        &[("security-scope-removed", C, C)],
    ),
    ("server-url-changed", Major, &[("server-url-changed", B, C)]),
    ("type-added", Minor, &[("type-added", C, C)]),
    ("type-kind-changed", Major, &[("type-kind-changed", C, B)]),
    ("type-removed", Major, &[("type-removed", C, B)]),
    (
        "union-variant-type-changed",
        Major,
        &[("union-variant-type-changed", C, B)],
    ),
    (
        "additional-properties-changed",
        Major,
        &[("additional-properties-changed", B, B)],
    ),
    (
        "request-constraint-tightened-parameter",
        Major,
        &[("request-constraint-tightened", B, C)],
    ),
    ("union-tag-changed", Major, &[("union-tag-changed", B, C)]),
    (
        "webhook-payload-changed",
        Major,
        &[
            ("response-property-removed", B, B),
            ("response-union-variant-added", C, C),
            ("type-added", C, C),
        ],
    ),
];

fn pairs_dir() -> PathBuf {
    tests::root().join("tests/fixtures/spec_diff")
}

fn diff_pair(dir: &Path) -> Diff {
    let load = |side: &str| {
        let path = dir.join(format!("{side}.yaml"));
        diff::load(&path).unwrap_or_else(|d| {
            panic!(
                "{} does not load:\n{}",
                path.display(),
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    };
    let (old_loaded, old_api) = load("old");
    let (new_loaded, new_api) = load("new");
    diff::diff(
        Side {
            loaded: &old_loaded,
            api: &old_api,
        },
        Side {
            loaded: &new_loaded,
            api: &new_api,
        },
    )
}

#[test]
fn every_pair_is_classified_exactly() {
    let mut wrong = Vec::new();
    for (name, semver, expected) in TABLE {
        let result = diff_pair(&pairs_dir().join(name));
        let mut found: Vec<Expected> = result
            .changes
            .iter()
            .map(|c| (c.id, c.wire, c.rust))
            .collect();
        found.sort();
        if found != *expected || result.semver() != *semver {
            wrong.push(format!(
                "{name}: expected {semver:?} {expected:?}\n  found {:?} {found:?}",
                result.semver()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_check_has_a_pair_and_every_pair_is_in_the_table() {
    let covered: BTreeSet<&str> = TABLE
        .iter()
        .flat_map(|(_, _, changes)| changes.iter().map(|c| c.0))
        .collect();
    let missing: Vec<&str> = checks::CHECKS
        .iter()
        .map(|c| c.id)
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "checks without a fixture pair: {missing:?}"
    );
    let unknown: Vec<&&str> = covered
        .iter()
        .filter(|id| checks::find(id).is_none())
        .collect();
    assert!(unknown.is_empty(), "ids not in CHECKS: {unknown:?}");

    let on_disk: BTreeSet<String> = std::fs::read_dir(pairs_dir())
        .expect("tests/fixtures/spec_diff")
        .flatten()
        .filter(|e| e.path().join("old.yaml").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    let in_table: BTreeSet<String> = TABLE.iter().map(|(n, _, _)| (*n).to_owned()).collect();
    assert_eq!(on_disk, in_table, "pairs on disk and in TABLE differ");
}

/// A pair a dedicated check speaks to must be found by that check, so the
/// table cannot drift into other ids by accident.
#[test]
fn each_check_named_pair_reports_its_check() {
    for (name, _, changes) in TABLE {
        if checks::find(name).is_some() {
            assert!(
                changes.iter().any(|c| c.0 == *name),
                "pair {name} does not report check {name}"
            );
        }
    }
}

#[test]
fn identical_specs_have_no_changes() {
    let spec = tests::root().join("spec/contacts.yaml");
    let (loaded, api) = diff::load(&spec).expect("contacts loads");
    let side = Side {
        loaded: &loaded,
        api: &api,
    };
    let result = diff::diff(side, side);
    assert!(result.changes.is_empty(), "{:?}", result.changes);
    assert_eq!(result.semver(), Patch);
}

#[test]
fn next_version_follows_cargo_rules_below_one() {
    assert_eq!(Major.next_version("0.1.0").as_deref(), Ok("0.2.0"));
    assert_eq!(Minor.next_version("0.1.0").as_deref(), Ok("0.1.1"));
    assert_eq!(Patch.next_version("0.1.3").as_deref(), Ok("0.1.4"));
    assert_eq!(Major.next_version("0.0.3").as_deref(), Ok("0.0.4"));
    assert_eq!(Major.next_version("1.4.2").as_deref(), Ok("2.0.0"));
    assert_eq!(Minor.next_version("1.4.2").as_deref(), Ok("1.5.0"));
    assert_eq!(Patch.next_version("1.4.2-beta.1").as_deref(), Ok("1.4.3"));
    assert!(Major.next_version("one").is_err());
}

fn contacts_header() -> report::Header {
    report::Header {
        old: "tests/fixtures/spec_diff/contacts/old.yaml".into(),
        new: "tests/fixtures/spec_diff/contacts/new.yaml".into(),
        current_version: Some("0.1.0".into()),
    }
}

/// Paths relative to the workspace, so the report reads the same in any clone.
fn contacts_diff() -> Diff {
    let mut result = diff_pair(&pairs_dir().join("contacts"));
    let root = tests::root();
    for change in &mut result.changes {
        if let Some(line) = change.new_line.as_mut() {
            line.file = line
                .file
                .strip_prefix(&root)
                .unwrap_or(&line.file)
                .to_path_buf();
        }
    }
    result
}

#[test]
fn contacts_change_markdown() {
    insta::assert_snapshot!(
        "contacts_report",
        report::markdown(&contacts_diff(), &contacts_header())
    );
}

#[test]
fn json_report_has_the_documented_fields() {
    let value = report::json(&contacts_diff(), &contacts_header());
    assert_eq!(value["semver"], "major");
    assert_eq!(value["next_version"], "0.2.0");
    let changes = value["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 5);
    let required = changes
        .iter()
        .find(|c| c["id"] == "request-property-became-required")
        .expect("the email change");
    assert_eq!(
        required["pointer"],
        "#/components/schemas/CreateContactRequest/properties/email"
    );
    assert_eq!(required["operation"], "createContact");
    assert_eq!(required["wire"], "breaking");
    assert_eq!(required["rust"], "breaking");
    assert_eq!(required["new_line"], 1279);
    assert_eq!(required["used_by"], serde_json::json!(["createContact"]));
    let added = changes
        .iter()
        .find(|c| c["id"] == "response-error-status-added")
        .expect("the 404");
    assert_eq!(added["operation"], "addTags");
    assert_eq!(added["new_line"], 1042);
    // Breaking changes come first.
    let first_compatible = changes
        .iter()
        .position(|c| c["wire"] == "compatible" && c["rust"] == "compatible");
    assert_eq!(first_compatible, Some(3));
}

/// generator/README.md shows this report as its sample; keep the two the same.
#[test]
fn readme_sample_report_is_current() {
    let readme = std::fs::read_to_string(tests::root().join("generator/README.md"))
        .expect("generator/README.md");
    let report = report::markdown(&contacts_diff(), &contacts_header());
    assert!(
        readme.contains(&report),
        "generator/README.md's sample spec-diff report is stale; paste this in:\n{report}"
    );
}

/// A change in a file the spec `$ref`s is found, and located in that file.
#[test]
fn changes_in_referenced_files_are_found_and_located_there() {
    let fixtures = tests::root().join("tests/fixtures");
    let work = tests::root().join("target/spec-diff-external");
    let _ = std::fs::remove_dir_all(&work);
    for side in ["old", "new"] {
        std::fs::create_dir_all(work.join(side).join("external")).expect("dirs");
        std::fs::copy(
            fixtures.join("external_ref.yaml"),
            work.join(side).join("api.yaml"),
        )
        .expect("copy spec");
        let common =
            std::fs::read_to_string(fixtures.join("external/common.yaml")).expect("common");
        let common = if side == "new" {
            let edited = common.replace(
                "    Owner:\n      type: object\n      properties:\n",
                "    Owner:\n      type: object\n      properties:\n        email:\n          type: string\n",
            );
            assert_ne!(edited, common, "the fixture changed; update this test");
            edited
        } else {
            common
        };
        std::fs::write(work.join(side).join("external/common.yaml"), common).expect("write");
    }
    let (old_loaded, old_api) = diff::load(&work.join("old/api.yaml")).expect("old loads");
    let (new_loaded, new_api) = diff::load(&work.join("new/api.yaml")).expect("new loads");
    let result = diff::diff(
        Side {
            loaded: &old_loaded,
            api: &old_api,
        },
        Side {
            loaded: &new_loaded,
            api: &new_api,
        },
    );
    let [change] = result.changes.as_slice() else {
        panic!("expected one change: {:?}", result.changes);
    };
    assert_eq!(
        (change.id, change.wire, change.rust),
        ("response-property-added", C, C)
    );
    assert_eq!(change.operation.as_deref(), Some("listThings"));
    let line = change.new_line.as_ref().expect("a line in NEW");
    assert!(
        line.file.ends_with("external/common.yaml"),
        "{}",
        line.file.display()
    );
    assert_eq!(line.line, 17, "the `email:` key in common.yaml");
}
