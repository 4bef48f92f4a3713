//! `cargo xtask spec-diff-prove`: checks the Rust verdicts of `spec-diff`
//! by compiling user code.
//!
//! Each pair under `tests/fixtures/spec_diff/` that has a `user.rs` (a small
//! program written against the crate generated from `old.yaml`, importing
//! it as `api`) is compiled twice: against OLD's crate, where it must
//! compile, and against NEW's, where it must fail exactly when the diff has
//! a change with a breaking Rust verdict. Every crate goes in one workspace
//! under `target/spec-diff-prove`, checked by one clippy run in the target
//! directory `corpus` and the fixture test use, so dependencies build once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use generator::diff::{self, Side, Verdict};
use generator::{Options, Runtime, Standalone};

use crate::codegen::{ensure_file_contents, project_root, relative_to};

struct Case {
    name: String,
    /// The Rust verdict `spec-diff` gives the pair.
    breaking: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask spec-diff-prove".into());
    }
    let started = Instant::now();
    let root = project_root();
    let fixtures = root.join("tests/fixtures/spec_diff");
    let work = root.join("target/spec-diff-prove");
    let mut cases = Vec::new();
    let mut members = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map_err(|e| format!("cannot list {}: {e}", fixtures.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("user.rs").is_file())
        .collect();
    dirs.sort();
    for dir in &dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .replace('-', "_");
        let breaking = rust_verdict(dir)?;
        let user = std::fs::read_to_string(dir.join("user.rs"))
            .map_err(|e| format!("cannot read {}: {e}", dir.join("user.rs").display()))?;
        for side in ["old", "new"] {
            let api = format!("api_{name}_{side}");
            generate(
                &root,
                &dir.join(format!("{side}.yaml")),
                &work.join(&api),
                &api,
            )?;
            let user_crate = format!("user_{name}_{side}");
            write_user(&work.join(&user_crate), &user_crate, &api, &user)?;
            members.push(api);
            members.push(user_crate);
        }
        cases.push(Case { name, breaking });
    }
    if cases.is_empty() {
        return Err(format!(
            "no pair with a user.rs under {}",
            fixtures.display()
        ));
    }
    let list: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
    ensure_file_contents(
        &work.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            list.join(", ")
        ),
        false,
    )?;
    // The workspace's versions, so `--offline` finds every crate already
    // downloaded and built.
    if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
        ensure_file_contents(&work.join("Cargo.lock"), &lock, false)?;
    }
    let errors = check(&work, &root)?;

    println!(
        "{:<40} {:>10} {:>12} {:>12}  agrees",
        "pair", "rust", "user vs OLD", "user vs NEW"
    );
    let mut wrong = Vec::new();
    for case in &cases {
        let old_errors = errors.get(&format!("user_{}_old", case.name));
        let new_errors = errors.get(&format!("user_{}_new", case.name));
        let outcome = |e: Option<&Vec<String>>| if e.is_some() { "fails" } else { "compiles" };
        let agrees = old_errors.is_none() && new_errors.is_some() == case.breaking;
        println!(
            "{:<40} {:>10} {:>12} {:>12}  {}",
            case.name,
            Verdict::from_bool(case.breaking).as_str(),
            outcome(old_errors),
            outcome(new_errors),
            if agrees { "yes" } else { "NO" }
        );
        // Show why NEW refused the program, so a reader can tell it broke
        // for the reason the verdict gives.
        if let Some(first) = new_errors.and_then(|e| e.first()) {
            println!("    {}", first.lines().next().unwrap_or_default());
        }
        if !agrees {
            let first = old_errors
                .or(new_errors)
                .and_then(|e| e.first())
                .cloned()
                .unwrap_or_else(|| "(it compiles)".into());
            wrong.push(format!("{}: {first}", case.name));
        }
    }
    println!(
        "{} pair(s) in {:.1} s",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "error: the Rust verdict is wrong (or user.rs does not compile against OLD) for:\n{}",
            wrong.join("\n")
        ))
    }
}

/// Whether `spec-diff` calls the pair in `dir` breaking for Rust code.
fn rust_verdict(dir: &Path) -> Result<bool, String> {
    let load = |side: &str| {
        let path = dir.join(format!("{side}.yaml"));
        diff::load(&path).map_err(|d| {
            format!(
                "{} does not load: {}",
                path.display(),
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    };
    let (old_loaded, old_api) = load("old")?;
    let (new_loaded, new_api) = load("new")?;
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
    Ok(result.changes.iter().any(|c| c.rust == Verdict::Breaking))
}

fn generate(root: &Path, spec: &Path, out: &Path, crate_name: &str) -> Result<(), String> {
    let options = Options {
        runtime: Runtime::external("leadconnector").ok_or("bad runtime crate name")?,
        spec_name: relative_to(spec, root).display().to_string(),
        standalone: Some(Standalone {
            crate_name: crate_name.to_owned(),
            runtime_path: relative_to(&root.join("generated-client"), out),
            own_workspace: false,
        }),
        deny_warnings: false,
    };
    let output = generator::generate(spec, &options).map_err(|d| {
        format!(
            "{} does not generate:\n{}",
            spec.display(),
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    for file in &output.files {
        ensure_file_contents(&out.join(&file.path), &file.contents, false)?;
    }
    Ok(())
}

/// A library crate holding `user.rs`, with the generated crate as `api`.
fn write_user(dir: &Path, name: &str, api: &str, source: &str) -> Result<(), String> {
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\napi = {{ package = \"{api}\", path = \"../{api}\" }}\n\
         serde_json = \"1\"\n"
    );
    ensure_file_contents(&dir.join("Cargo.toml"), &manifest, false)?;
    // Unused items are expected: the program only has to type-check.
    let lib = format!("#![allow(dead_code, unused)]\n{source}");
    ensure_file_contents(&dir.join("src/lib.rs"), &lib, false)?;
    Ok(())
}

/// Checks the workspace, going on past failing crates; returns the error
/// messages of each crate that failed.
fn check(work: &Path, root: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in crate::clippy::messages(work, root, true, false)? {
        if message.level == "error" {
            errors
                .entry(message.target)
                .or_default()
                .push(crate::clippy::head(&message.rendered, 8));
        }
    }
    if errors.keys().any(|k| k.starts_with("api_")) {
        return Err(format!("a generated crate does not compile:\n{errors:#?}"));
    }
    Ok(errors)
}
