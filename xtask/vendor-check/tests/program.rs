//! The program as CI runs it (`cargo xtask vendor-responses` runs this
//! executable), without the vendor's corpus: what it says when it cannot
//! start. (The checks themselves need `../shared` and run in CI only.)

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vendor-check"))
        .args(args)
        .output()
        .expect("runs vendor-check")
}

#[test]
fn without_a_check_it_fails_with_its_usage() {
    let output = run(&[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("usage: vendor-check responses|requests"),
        "{stderr}"
    );
}

#[test]
fn a_corpus_that_is_not_there_is_named_in_the_error() {
    let missing = std::env::temp_dir().join(format!("no-corpus-{}", std::process::id()));
    for check in ["responses", "requests"] {
        let output = run(&[check, "--corpus", missing.to_str().expect("a UTF-8 path")]);
        assert!(
            !output.status.success(),
            "{check} succeeded without a corpus"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = missing.join("apps/contacts.json");
        assert!(
            stderr.contains(&format!("cannot read {}", expected.display())),
            "{check}: {stderr}"
        );
    }
}
