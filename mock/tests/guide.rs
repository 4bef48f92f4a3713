//! The testing guide (`leadconnector::guide::testing`,
//! `generated-client/src/guide/testing.md`) shows only code that compiles
//! and runs: its complete test is `tests/app_flow.rs` verbatim, and every
//! line of its other Rust snippets is a line of one of these tests.

const GUIDE: &str = include_str!("../../generated-client/src/guide/testing.md");
const APP_FLOW: &str = include_str!("app_flow.rs");
const TESTS: &[&str] = &[
    APP_FLOW,
    include_str!("realism.rs"),
    include_str!("operations.rs"),
    include_str!("conformance.rs"),
];

/// The Rust code blocks of the guide, with the line before each.
fn rust_blocks() -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut before = "";
    let mut lines = GUIDE.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("```rust") {
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            blocks.push((before.to_owned(), body.join("\n")));
        }
        before = line;
    }
    blocks
}

#[test]
fn the_complete_test_of_the_guide_is_app_flow_verbatim() {
    let blocks = rust_blocks();
    let (_, complete) = blocks
        .iter()
        .find(|(before, _)| before.contains("mock/tests/app_flow.rs"))
        .expect("the guide shows the complete test");
    assert!(
        complete.trim_end() == APP_FLOW.trim_end(),
        "generated-client/src/guide/testing.md shows an old copy of mock/tests/app_flow.rs: copy the file into its last code block"
    );
}

#[test]
fn every_line_of_the_guides_snippets_is_tested_code() {
    let tested: Vec<&str> = TESTS
        .iter()
        .flat_map(|t| t.lines())
        .map(str::trim)
        .collect();
    for (_, block) in rust_blocks() {
        for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
            assert!(
                tested.contains(&line),
                "the guide's line `{line}` is in no test"
            );
        }
    }
}
