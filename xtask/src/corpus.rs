//! `cargo xtask corpus DIR`: generate, compile and lint a client for every
//! OpenAPI document under DIR, and print a table of the outcomes.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use generator::{Options, Runtime, Standalone};
use serde_json::Value;

use crate::codegen::{absolute, ensure_file_contents, project_root, relative_to};

/// What happened to one spec.
enum Outcome {
    /// Generated; compile outcome filled in later.
    Generated { warnings: usize },
    /// The generator refused it with a diagnostic.
    Rejected(String),
    /// The generator panicked: always a bug.
    Panicked(String),
}

struct Row {
    spec: PathBuf,
    bytes: u64,
    crate_name: String,
    operations: usize,
    types: usize,
    millis: f64,
    outcome: Outcome,
    compile_errors: usize,
    lint_warnings: usize,
    first_message: Option<String>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let dir = match args {
        [dir] => absolute(Path::new(dir)),
        _ => return Err("usage: cargo xtask corpus DIR".into()),
    };
    let root = project_root();
    let work = root.join("target/corpus");
    let specs = find_specs(&dir)?;
    if specs.is_empty() {
        return Err(format!("no OpenAPI documents under {}", dir.display()));
    }

    // Generation: each spec in its own crate, panics caught and reported.
    let quiet_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut rows = Vec::new();
    for spec in &specs {
        rows.push(generate_one(spec, &dir, &work, &root)?);
    }
    panic::set_hook(quiet_hook);

    // Compilation: one workspace, one clippy run, dependencies built once.
    let members: Vec<&Row> = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Generated { .. }))
        .collect();
    if !members.is_empty() {
        let list: Vec<String> = members
            .iter()
            .map(|r| format!("{:?}", r.crate_name))
            .collect();
        let manifest = format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            list.join(", ")
        );
        ensure_file_contents(&work.join("Cargo.toml"), &manifest, false)?;
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            ensure_file_contents(&work.join("Cargo.lock"), &lock, false)?;
        }
        let messages = clippy(&work, &root)?;
        for row in &mut rows {
            if let Some(found) = messages.get(&row.crate_name) {
                row.compile_errors = found.errors;
                row.lint_warnings = found.warnings;
                row.first_message.clone_from(&found.first);
            }
        }
    }

    print_table(&rows);
    let failed: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            matches!(r.outcome, Outcome::Panicked(_)) || r.compile_errors > 0 || r.lint_warnings > 0
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "error: {} spec(s) panicked the generator or gave code that does not compile cleanly",
            failed.len()
        ))
    }
}

/// Every `.json`, `.yaml` or `.yml` file under `dir` with an `openapi` field
/// and `paths` (shared component files are not clients), or, for OpenAPI
/// 3.1, where `paths` is optional, `webhooks` instead.
pub fn find_specs(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        let entries =
            std::fs::read_dir(&next).map_err(|e| format!("cannot list {}: {e}", next.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            if !matches!(ext, "json" | "yaml" | "yml") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let doc: Option<Value> = if ext == "json" {
                serde_json::from_str(&text).ok()
            } else {
                serde_yaml::from_str(&text).ok()
            };
            let api = |d: &Value| {
                d.get("openapi").is_some()
                    && (d.get("paths").is_some() || d.get("webhooks").is_some())
            };
            if doc.as_ref().is_some_and(api) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn generate_one(spec: &Path, dir: &Path, work: &Path, root: &Path) -> Result<Row, String> {
    let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
    let crate_name = format!(
        "corpus_{}",
        stem.chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .collect::<String>()
    );
    let crate_dir = work.join(&crate_name);
    let options = Options {
        runtime: Runtime::default(),
        spec_name: spec.strip_prefix(dir).unwrap_or(spec).display().to_string(),
        standalone: Some(Standalone {
            crate_name: crate_name.clone(),
            runtime_path: relative_to(&root.join("runtime"), &crate_dir),
            own_workspace: false,
        }),
        deny_warnings: false,
    };
    let bytes = std::fs::metadata(spec).map(|m| m.len()).unwrap_or(0);
    let started = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| generator::generate(spec, &options)));
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let mut row = Row {
        spec: spec.to_path_buf(),
        bytes,
        crate_name,
        operations: 0,
        types: 0,
        millis,
        outcome: Outcome::Rejected(String::new()),
        compile_errors: 0,
        lint_warnings: 0,
        first_message: None,
    };
    row.outcome = match result {
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "unknown panic".into());
            Outcome::Panicked(message)
        }
        Ok(Err(diagnostics)) => {
            let first = diagnostics
                .iter()
                .find(|d| d.is_error())
                .or(diagnostics.first());
            Outcome::Rejected(first.map(ToString::to_string).unwrap_or_default())
        }
        Ok(Ok(output)) => {
            row.operations = output.operations;
            row.types = output.types;
            for file in &output.files {
                ensure_file_contents(
                    &row_path(work, &row.crate_name, &file.path),
                    &file.contents,
                    false,
                )?;
            }
            Outcome::Generated {
                warnings: output.warnings.len(),
            }
        }
    };
    Ok(row)
}

fn row_path(work: &Path, crate_name: &str, file: &Path) -> PathBuf {
    work.join(crate_name).join(file)
}

#[derive(Default)]
struct Found {
    errors: usize,
    warnings: usize,
    first: Option<String>,
}

/// Runs clippy over the corpus workspace and counts errors and warnings per
/// crate.
fn clippy(work: &Path, root: &Path) -> Result<BTreeMap<String, Found>, String> {
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for message in crate::clippy::messages(work, root, false, true)? {
        let entry = found.entry(message.target).or_default();
        match message.level.as_str() {
            "error" => entry.errors += 1,
            "warning" => entry.warnings += 1,
            _ => continue,
        }
        if entry.first.is_none() {
            entry.first = Some(crate::clippy::head(&message.rendered, 6));
        }
    }
    Ok(found)
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<24} {:>8} {:>5} {:>6} {:>8}  outcome",
        "spec", "KiB", "ops", "types", "gen ms"
    );
    let mut total_ms = 0.0;
    let mut total_kib = 0.0;
    for row in rows {
        let kib = row.bytes as f64 / 1024.0;
        total_ms += row.millis;
        total_kib += kib;
        let name = row
            .spec
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let outcome = match &row.outcome {
            Outcome::Panicked(message) => format!("PANIC: {message}"),
            Outcome::Rejected(diagnostic) => format!(
                "rejected: {}",
                diagnostic.lines().next().unwrap_or_default()
            ),
            Outcome::Generated { .. } if row.compile_errors > 0 => {
                format!("compile errors ({})", row.compile_errors)
            }
            Outcome::Generated { .. } if row.lint_warnings > 0 => {
                format!("warnings ({})", row.lint_warnings)
            }
            Outcome::Generated { warnings: 0 } => "ok".to_owned(),
            Outcome::Generated { warnings } => format!("ok ({warnings} spec warnings)"),
        };
        println!(
            "{:<24} {:>8.1} {:>5} {:>6} {:>8.1}  {}",
            name, kib, row.operations, row.types, row.millis, outcome
        );
    }
    println!(
        "{:<24} {:>8.1} {:>5} {:>6} {:>8.1}",
        "total", total_kib, "", "", total_ms
    );
    for row in rows {
        if let Some(message) = &row.first_message {
            println!("\n{}:\n{message}", row.spec.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of mixed 3.0 and 3.1 documents: every API is found (a
    /// 3.1 one with webhooks and no paths too), a shared component file
    /// is not.
    #[test]
    fn finds_30_and_31_documents() {
        let dir = project_root().join("target/corpus-find-specs");
        let _ = std::fs::remove_dir_all(&dir);
        let nested = dir.join("nested");
        std::fs::create_dir_all(&nested).expect("test directory");
        let files = [
            (
                "a30.yaml",
                "openapi: 3.0.3\ninfo: {title: A, version: '1'}\npaths: {}\n",
            ),
            (
                "b31.json",
                r#"{"openapi": "3.1.0", "info": {"title": "B", "version": "1"}, "paths": {}}"#,
            ),
            (
                "nested/c31.yml",
                "openapi: 3.1.1\ninfo: {title: C, version: '1'}\nwebhooks: {}\n",
            ),
            ("shared.yaml", "components:\n  schemas: {}\n"),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("test file");
        }
        let found: Vec<String> = find_specs(&dir)
            .expect("lists")
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap_or(p).display().to_string())
            .collect();
        assert_eq!(found, ["a30.yaml", "b31.json", "nested/c31.yml"]);
    }
}
