//! `cargo xtask spec-diff OLD NEW [--format markdown|json] [--fail-on breaking]`:
//! what a spec change does to the wire and to the generated crate.
//!
//! Each side is a spec file or `REV:PATH` read from git. A git side is
//! written to a temporary directory at the same relative path, together with
//! every file its `$ref`s reach at that revision, so that both sides go
//! through the same loader and lowering as codegen.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use generator::diff::{self, report, Side};
use serde_json::Value;

use crate::codegen::project_root;

const USAGE: &str =
    "usage: cargo xtask spec-diff OLD NEW [--format markdown|json] [--fail-on breaking]
       cargo xtask spec-diff --checks    (list the checks and their verdicts)";

/// Output format.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Markdown,
    Json,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut sides = Vec::new();
    let mut format = Format::Markdown;
    let mut fail_on_breaking = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--format" => {
                format = match iter.next().map(String::as_str) {
                    Some("markdown" | "md") => Format::Markdown,
                    Some("json") => Format::Json,
                    other => {
                        return Err(format!(
                            "--format takes markdown or json, not {other:?}\n{USAGE}"
                        ))
                    }
                }
            }
            "--fail-on" => match iter.next().map(String::as_str) {
                Some("breaking") => fail_on_breaking = true,
                other => {
                    return Err(format!(
                        "--fail-on takes `breaking`, not {other:?}\n{USAGE}"
                    ))
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--checks" => {
                print!("{}", checks_table());
                return Ok(());
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}\n{USAGE}"))
            }
            other => sides.push(other.to_owned()),
        }
    }
    let [old, new] = sides.as_slice() else {
        return Err(USAGE.into());
    };

    let scratch = Scratch::new()?;
    let old_side = SpecSource::open(old, &scratch.dir.join("old"))?;
    let new_side = SpecSource::open(new, &scratch.dir.join("new"))?;
    let (old_loaded, old_api) = diff::load(&old_side.path).map_err(|d| failed(old, &d))?;
    let (new_loaded, new_api) = diff::load(&new_side.path).map_err(|d| failed(new, &d))?;
    let mut result = diff::diff(
        Side {
            loaded: &old_loaded,
            api: &old_api,
        },
        Side {
            loaded: &new_loaded,
            api: &new_api,
        },
    );
    for change in &mut result.changes {
        if let Some(line) = change.new_line.as_mut() {
            line.file = PathBuf::from(new_side.display(&line.file));
        }
    }
    let header = report::Header {
        old: old.clone(),
        new: new.clone(),
        current_version: crate_version(&project_root()),
    };
    match format {
        Format::Markdown => print!("{}", report::markdown(&result, &header)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report::json(&result, &header)).unwrap_or_default()
        ),
    }
    if fail_on_breaking && result.is_breaking() {
        return Err(format!(
            "spec-diff: {} breaking change(s)",
            result.changes.iter().filter(|c| c.is_breaking()).count()
        ));
    }
    Ok(())
}

/// Every check as a Markdown table: id, wire verdict, Rust verdict.
fn checks_table() -> String {
    let mut out = String::from("| check | wire | Rust |\n|---|---|---|\n");
    for check in generator::diff::checks::CHECKS {
        out += &format!("| `{}` | {} | {} |\n", check.id, check.wire, check.rust);
    }
    out
}

fn failed(side: &str, diagnostics: &[generator::Diagnostic]) -> String {
    let text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    format!("{side} does not load:\n{}", text.join("\n"))
}

/// The `leadconnector` crate's version, from `generated-client/Cargo.toml`.
pub fn crate_version(root: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(root.join("generated-client/Cargo.toml")).ok()?;
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(rest) = line.strip_prefix("version") {
                let value = rest.trim_start().strip_prefix('=')?.trim();
                return Some(value.trim_matches('"').to_owned());
            }
        }
    }
    None
}

/// A temporary directory, removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Result<Self, String> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "spec-diff-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self { dir })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One side, ready for the loader.
pub struct SpecSource {
    /// The file to load.
    pub path: PathBuf,
    /// For a git side: the revision and the directory its files are in.
    git: Option<(String, PathBuf)>,
}

impl SpecSource {
    /// A file as is, or `REV:PATH` written out under `scratch`.
    pub fn open(arg: &str, scratch: &Path) -> Result<Self, String> {
        if Path::new(arg).is_file() {
            return Ok(Self {
                path: PathBuf::from(arg),
                git: None,
            });
        }
        let Some((rev, path)) = arg.split_once(':') else {
            return Err(format!(
                "{arg}: no such file (for a git revision write REV:PATH)"
            ));
        };
        let repo = git_toplevel()?;
        let relative = normalize(Path::new(path))
            .ok_or_else(|| format!("{arg}: the path must stay inside the repository"))?;
        materialize(&repo, rev, &relative, scratch)?;
        Ok(Self {
            path: scratch.join(&relative),
            git: Some((rev.to_owned(), scratch.to_path_buf())),
        })
    }

    /// How to show a file of this side: `REV:path` for git sides.
    pub fn display(&self, file: &Path) -> String {
        if let Some((rev, dir)) = &self.git {
            if let Ok(rest) = file.strip_prefix(dir) {
                return format!("{rev}:{}", rest.display());
            }
        }
        file.display().to_string()
    }
}

fn git_toplevel() -> Result<PathBuf, String> {
    let output = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err("REV:PATH needs a git work tree".into());
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// Writes `path` at `rev`, and every file its `$ref`s reach, under `dir`.
pub fn materialize(repo: &Path, rev: &str, path: &Path, dir: &Path) -> Result<(), String> {
    let mut queue = vec![path.to_path_buf()];
    let mut done = BTreeSet::new();
    while let Some(file) = queue.pop() {
        if !done.insert(file.clone()) {
            continue;
        }
        let spec = format!("{rev}:{}", file.display().to_string().replace('\\', "/"));
        let output = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["show", &spec])
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !output.status.success() {
            // The root must exist; a missing referenced file is left for the
            // loader to report with the `$ref` that names it.
            if file == path {
                return Err(format!(
                    "git show {spec}: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
            continue;
        }
        let target = dir.join(&file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, &output.stdout)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let base = file.parent().unwrap_or(Path::new(""));
        for reference in external_refs(&text) {
            if let Some(next) = normalize(&base.join(reference)) {
                queue.push(next);
            }
        }
    }
    Ok(())
}

/// The files named by the `$ref`s of a YAML or JSON document.
fn external_refs(text: &str) -> BTreeSet<String> {
    let value: Value = serde_json::from_str(text)
        .or_else(|_| serde_yaml::from_str(text))
        .unwrap_or(Value::Null);
    let mut out = BTreeSet::new();
    let mut stack = vec![&value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let file = r.split('#').next().unwrap_or_default();
                    if !file.is_empty() && !file.contains("://") {
                        out.insert(file.to_owned());
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// Folds `.` and `..` in a relative path; `None` if it leaves its root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }

    /// A git side brings the files its `$ref`s reach, as they were at that
    /// revision, not as they are in the work tree.
    #[test]
    fn git_side_materializes_external_refs_at_the_revision() {
        let scratch = Scratch::new().expect("scratch");
        let repo = scratch.dir.join("repo");
        std::fs::create_dir_all(repo.join("spec/common")).expect("dirs");
        git(&repo, &["init", "-q"]);
        std::fs::write(
            repo.join("spec/api.yaml"),
            "paths: {}\ncomponents:\n  schemas:\n    A:\n      $ref: 'common/a.yaml#/A'\n",
        )
        .expect("write");
        std::fs::write(
            repo.join("spec/common/a.yaml"),
            "A: {type: string}\nB:\n  $ref: '../../top.yaml'\n",
        )
        .expect("write");
        std::fs::write(repo.join("top.yaml"), "type: integer\n").expect("write");
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "one"]);
        std::fs::write(repo.join("spec/common/a.yaml"), "A: {type: integer}\n").expect("write");

        let out = scratch.dir.join("out");
        materialize(&repo, "HEAD", Path::new("spec/api.yaml"), &out).expect("materialize");
        let a = std::fs::read_to_string(out.join("spec/common/a.yaml")).expect("a.yaml");
        assert!(a.contains("type: string"), "{a}");
        assert!(out.join("top.yaml").is_file());

        let missing = materialize(&repo, "HEAD", Path::new("spec/none.yaml"), &out);
        assert!(missing.is_err());
    }

    fn pair(name: &str) -> Vec<String> {
        let dir = project_root().join("tests/fixtures/spec_diff").join(name);
        vec![
            dir.join("old.yaml").display().to_string(),
            dir.join("new.yaml").display().to_string(),
        ]
    }

    #[test]
    fn fail_on_breaking_fails_only_when_something_breaks() {
        let mut breaking = pair("request-property-added-required");
        assert!(run(&breaking).is_ok(), "exit 0 without --fail-on");
        breaking.extend(["--fail-on".into(), "breaking".into()]);
        assert!(run(&breaking).is_err());
        let mut compatible = pair("request-property-added");
        compatible.extend([
            "--format".into(),
            "json".into(),
            "--fail-on".into(),
            "breaking".into(),
        ]);
        assert!(run(&compatible).is_ok());
        assert!(run(&["one".into()]).is_err());
    }

    #[test]
    fn crate_version_is_read_from_the_package_table() {
        let version = crate_version(&project_root()).expect("version");
        assert!(version.split('.').count() == 3, "{version}");
    }
}
