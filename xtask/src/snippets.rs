//! `cargo xtask snippets [FILE...]`: compiles every Rust example of the
//! README and of the guides as an app would, in a crate of its own whose
//! dependencies are exactly the ones the README tells an app to add.
//!
//! Doc tests inside the crate do not prove that: they see every dependency
//! and dev-dependency of `leadconnector`, so an example that needs
//! `serde_json` or `futures_util` compiles there and fails in an app. Here
//! each example becomes one module of a crate under `target/snippets`,
//! built by clippy (`-D warnings`) into `target/fixture-check`, which the
//! fixture compile test and the corpus check share, so the dependencies
//! are checked once.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One Rust example: where it is and its code, hidden lines shown.
#[derive(Debug, PartialEq)]
pub struct Snippet {
    /// The Markdown file, relative to the repository root.
    pub file: String,
    /// The line of its opening fence (one-based).
    pub line: usize,
    /// The code as rustdoc compiles it (`# ` hidden lines included).
    pub code: String,
}

/// The Rust examples of one Markdown file, as rustdoc picks them: fenced
/// blocks whose info string is `rust` or only rustdoc's attributes
/// (`no_run`, `should_panic`, ...); an empty info string counts too where
/// rustdoc reads the file (`bare_is_rust`, the guides). `ignore` and
/// `compile_fail` blocks are left out, as rustdoc does not build them.
pub fn extract(file: &str, text: &str, bare_is_rust: bool) -> Vec<Snippet> {
    let mut snippets = Vec::new();
    let mut open: Option<(usize, String, bool)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some((index + 1, String::new(), is_rust(info, bare_is_rust)));
                }
            }
            Some((start, code, rust)) => {
                if trimmed.starts_with("```") {
                    if *rust {
                        snippets.push(Snippet {
                            file: file.to_owned(),
                            line: *start,
                            code: std::mem::take(code),
                        });
                    }
                    open = None;
                } else {
                    code.push_str(&unhide(line));
                    code.push('\n');
                }
            }
        }
    }
    snippets
}

/// Whether a fence's info string makes the block a compiled Rust example.
fn is_rust(info: &str, bare_is_rust: bool) -> bool {
    let words: Vec<&str> = info
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| *w == "ignore" || *w == "compile_fail") {
        return false;
    }
    let attribute = |w: &&str| {
        matches!(*w, "no_run" | "should_panic" | "test_harness") || w.starts_with("edition")
    };
    match words.first() {
        None => bare_is_rust,
        Some(&"rust") => true,
        Some(first) => bare_is_rust && attribute(first) && words.iter().all(attribute),
    }
}

/// A line as rustdoc compiles it: `# hidden` is `hidden`, `#` alone is
/// empty, `## x` is `# x`.
fn unhide(line: &str) -> String {
    let indent = line.len() - line.trim_start().len();
    let (lead, rest) = line.split_at(indent);
    if rest == "#" {
        String::new()
    } else if let Some(hidden) = rest.strip_prefix("# ") {
        format!("{lead}{hidden}")
    } else if let Some(escaped) = rest.strip_prefix("##") {
        format!("{lead}#{escaped}")
    } else {
        line.to_owned()
    }
}

/// The `[dependencies]` the README tells an app to add: the lines of the
/// first `toml` block that has that table.
pub fn dependencies(readme: &str) -> Result<Vec<(String, String)>, String> {
    let mut in_toml = false;
    let mut in_table = false;
    let mut found = Vec::new();
    for line in readme.lines() {
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_toml && !found.is_empty() {
                break;
            }
            in_toml = !in_toml && info.trim() == "toml";
            in_table = false;
            continue;
        }
        if !in_toml {
            continue;
        }
        if trimmed.starts_with('[') {
            in_table = trimmed == "[dependencies]";
        } else if in_table && !trimmed.is_empty() && !trimmed.starts_with('#') {
            let (name, spec) = trimmed
                .split_once('=')
                .ok_or_else(|| format!("not a dependency line: {trimmed}"))?;
            found.push((name.trim().to_owned(), spec.trim().to_owned()));
        }
    }
    if found.is_empty() {
        return Err(
            "README.md has no ```toml block with a [dependencies] table telling an app what to add"
                .into(),
        );
    }
    Ok(found)
}

/// The module a snippet becomes: its items as they are when it is a list of
/// items (a `fn main` included), else its statements in a function, as
/// rustdoc wraps them in `main`.
fn module(snippet: &Snippet) -> String {
    let mut out = format!(
        "//! {}, the example at line {}.\n\n",
        snippet.file, snippet.line
    );
    if syn::parse_file(&snippet.code).is_ok() {
        out.push_str(&snippet.code);
    } else {
        let _ = write!(out, "fn snippet() {{\n{}}}\n", snippet.code);
    }
    out
}

/// Runs the task: `args` are Markdown files (default: README.md and every
/// guide).
pub fn run(args: &[String]) -> Result<(), String> {
    let root = root();
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("cannot read {}: {e}", readme_path.display()))?;
    let files: Vec<PathBuf> = if args.is_empty() {
        let mut guides: Vec<PathBuf> = std::fs::read_dir(root.join(GUIDES))
            .map_err(|e| format!("cannot list {GUIDES}: {e}"))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        guides.sort();
        std::iter::once(readme_path.clone()).chain(guides).collect()
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    let mut snippets = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        // Rustdoc reads the guides, where a bare fence is Rust.
        let bare_is_rust = shown.starts_with(GUIDES);
        snippets.extend(extract(&shown, &text, bare_is_rust));
    }
    let dependencies = dependencies(&readme)?;
    let krate = root.join("target/snippets");
    write_crate(&krate, &root, &dependencies, &snippets)?;
    println!(
        "compiling {} snippet(s) from {} file(s) with only the README's dependencies: {}",
        snippets.len(),
        files.len(),
        dependencies
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Without `cargo run`'s environment: the fixture compile test and the
    // other xtasks share the target directory (see the `cargo` module).
    let status = crate::cargo::command()
        .args([
            "clippy",
            "--quiet",
            "--offline",
            "--all-features",
            "--manifest-path",
        ])
        .arg(krate.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target/fixture-check"))
        .args(["--", "-D", "warnings"])
        .status()
        .map_err(|e| format!("cannot run cargo clippy: {e}"))?;
    if status.success() {
        println!("every snippet compiles");
        Ok(())
    } else {
        let mut map = String::new();
        for (n, snippet) in snippets.iter().enumerate() {
            let _ = writeln!(
                map,
                "  target/snippets/src/{}.rs  is  {}:{}",
                module_name(n, snippet),
                snippet.file,
                snippet.line
            );
        }
        Err(format!(
            "snippets do not compile as an app with only the README's dependencies \
             (add what they need to the README, or re-export it from the crate); the modules:\n{map}"
        ))
    }
}

/// Where the guides are, relative to the root.
const GUIDES: &str = "generated-client/src/guide";

fn module_name(n: usize, snippet: &Snippet) -> String {
    let stem = Path::new(&snippet.file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("file")
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    format!("s{:02}_{stem}_line_{}", n + 1, snippet.line)
}

/// Writes the crate: the README's dependencies (the path of `leadconnector`
/// pointed at this repository's), one module per snippet, the workspace's
/// lock file so nothing new is resolved.
fn write_crate(
    krate: &Path,
    root: &Path,
    dependencies: &[(String, String)],
    snippets: &[Snippet],
) -> Result<(), String> {
    let src = krate.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;
    let mut manifest = String::from(
        "[package]\nname = \"snippets\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n",
    );
    let client = root.join("generated-client");
    for (name, spec) in dependencies {
        let spec = if name == "leadconnector" {
            format!("{{ path = {:?} }}", client.display().to_string())
        } else {
            spec.clone()
        };
        let _ = writeln!(manifest, "{name} = {spec}");
    }
    // The client's optional features, for the guides that tell an app to
    // turn them on (their examples are `#[cfg(feature = ...)]`); checked
    // with every feature on.
    manifest.push_str(
        "\n[features]\npostgres = [\"leadconnector/postgres\"]\nredis = [\"leadconnector/redis\"]\n",
    );
    manifest.push_str("\n[workspace]\n");
    write(&krate.join("Cargo.toml"), &manifest)?;
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        std::fs::write(krate.join("Cargo.lock"), lock)
            .map_err(|e| format!("cannot write the lock file: {e}"))?;
    }
    let mut lib = String::from(
        "//! The README's and the guides' examples, one module each.\n\
         // Examples define functions nobody calls and bind values to show them.\n\
         #![allow(dead_code, unused)]\n\n",
    );
    for (n, snippet) in snippets.iter().enumerate() {
        let name = module_name(n, snippet);
        let _ = writeln!(lib, "mod {name};");
        write(&src.join(format!("{name}.rs")), &module(snippet))?;
    }
    write(&src.join("lib.rs"), &lib)
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_blocks_are_taken_as_rustdoc_takes_them() {
        let text = "intro\n```rust,no_run\nuse a::b;\n# fn hidden() {}\n#\n## not hidden\n```\n\
                    ```toml\nx = 1\n```\n```\nbare();\n```\n```rust,ignore\nskipped\n```\n\
                    ```no_run\nattrs_only();\n```\n```text\nprose\n```\n";
        let readme = extract("README.md", text, false);
        assert_eq!(
            readme,
            [Snippet {
                file: "README.md".into(),
                line: 2,
                code: "use a::b;\nfn hidden() {}\n\n# not hidden\n".into()
            }]
        );
        let guide = extract("guide.md", text, true);
        let codes: Vec<&str> = guide.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "use a::b;\nfn hidden() {}\n\n# not hidden\n",
                "bare();\n",
                "attrs_only();\n"
            ]
        );
        assert_eq!(guide[1].line, 11);
    }

    #[test]
    fn items_stay_items_and_statements_go_in_a_function() {
        let items = Snippet {
            file: "README.md".into(),
            line: 3,
            code: "use std::fmt;\nfn main() {}\n".into(),
        };
        assert!(module(&items).ends_with("use std::fmt;\nfn main() {}\n"));
        let statements = Snippet {
            code: "let x = 1;\nprintln!(\"{x}\");\n".into(),
            ..items
        };
        assert!(
            module(&statements).ends_with("fn snippet() {\nlet x = 1;\nprintln!(\"{x}\");\n}\n")
        );
    }

    #[test]
    fn dependencies_are_the_toml_blocks_table() {
        let readme = "```toml\n[package]\nname = \"x\"\n```\ntext\n```toml\n[dependencies]\n\
                      leadconnector = { path = \"../lc\" }\n# a comment\ntokio = { version = \"1\" }\n```\n";
        assert_eq!(
            dependencies(readme).unwrap(),
            [
                ("leadconnector".into(), "{ path = \"../lc\" }".into()),
                ("tokio".into(), "{ version = \"1\" }".into())
            ]
        );
        assert!(dependencies("no toml here").is_err());
    }
}
