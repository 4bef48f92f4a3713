//! The runtime crate (`runtime/`, `openapi-runtime`) serves any API: no
//! vendor's name in its sources or documentation, and no vendor crate in
//! its dependency tree.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Words that belong to the vendor of the contacts API, in any case.
const VENDOR_WORDS: &[&str] = &[
    "leadconnector",
    "lead connector",
    "highlevel",
    "msgsndr",
    "private integration",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("lists").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn no_vendor_name_in_the_runtime_sources() {
    let runtime = tests::root().join("runtime");
    let mut all = Vec::new();
    files(&runtime, &mut all);
    assert!(
        all.iter().any(|f| f.ends_with("src/core.rs")),
        "the runtime's sources went missing: {all:?}"
    );
    for file in all {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()))
            .to_lowercase();
        for word in VENDOR_WORDS {
            if let Some(at) = text.find(word) {
                let line = text[..at].lines().count().max(1);
                panic!("{}:{line} names the vendor (`{word}`)", file.display());
            }
        }
    }
}

#[test]
fn no_vendor_crate_in_the_runtime_dependency_tree() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "openapi-runtime",
            "--prefix",
            "none",
        ])
        .args(["-e", "normal,build"])
        .current_dir(tests::root())
        .output()
        .expect("runs cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout).to_lowercase();
    assert!(tree.starts_with("openapi-runtime v"), "{tree}");
    for word in VENDOR_WORDS.iter().chain(&["generated-client", "webhooks"]) {
        assert!(
            !tree.contains(word),
            "`{word}` in the runtime's tree:\n{tree}"
        );
    }
}
