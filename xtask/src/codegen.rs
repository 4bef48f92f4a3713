//! `cargo xtask codegen`: regenerate the client, or check that it is current.

use std::path::{Path, PathBuf};
use std::time::Instant;

use generator::{Options, Runtime, Standalone};

/// The command line of `codegen`.
pub struct Args {
    check: bool,
    deny_warnings: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
}

impl Args {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut parsed = Self {
            check: false,
            deny_warnings: false,
            spec: None,
            out: None,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--check" => parsed.check = true,
                "--deny-warnings" => parsed.deny_warnings = true,
                "--spec" => parsed.spec = Some(it.next().ok_or("--spec needs a file")?.into()),
                "--out" => parsed.out = Some(it.next().ok_or("--out needs a directory")?.into()),
                other => return Err(format!("unknown argument `{other}`\n\n{}", crate::USAGE)),
            }
        }
        if parsed.spec.is_some() != parsed.out.is_some() {
            return Err("--spec and --out go together".into());
        }
        Ok(parsed)
    }
}

/// The workspace root (xtask lives one level below it).
pub fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// One spec of this project and the directory its modules go to.
struct Target {
    /// The spec, relative to the workspace root.
    spec: &'static str,
    /// The directory that receives `types.rs` (and `operations.rs` when the
    /// spec has operations), relative to the workspace root.
    module_dir: &'static str,
}

/// What `cargo xtask codegen` generates, in order. To add a spec, add a line
/// here, declare the module in `generated-client/src/lib.rs`, and add a
/// snapshot test in `tests/tests/snapshots.rs`.
const TARGETS: &[Target] = &[
    Target {
        spec: "spec/contacts.yaml",
        module_dir: "generated-client/src",
    },
    Target {
        spec: "spec/webhooks.yaml",
        module_dir: "generated-client/src/webhooks",
    },
    Target {
        spec: "spec/oauth.yaml",
        module_dir: "generated-client/src/oauth",
    },
    // Not the product: a client of every security scheme, which the wire
    // test of security schemes (`tests/tests/suite/security.rs`) calls.
    Target {
        spec: "tests/fixtures/security/api.yaml",
        module_dir: "tests/tests/suite/security/client",
    },
];

pub fn run(args: Args) -> Result<(), String> {
    let root = project_root();
    let mut stale = Vec::new();
    match (&args.spec, &args.out) {
        (Some(spec), Some(out)) => {
            let out_abs = absolute(out);
            let crate_name = out_abs
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| n.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_"))
                .filter(|n| !n.is_empty() && !n.starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or_else(|| "generated_client".into());
            let runtime_path = relative_to(&root.join("runtime"), &out_abs);
            let options = Options {
                runtime: Runtime::default(),
                spec_name: spec.display().to_string(),
                standalone: Some(Standalone {
                    crate_name,
                    runtime_path,
                    own_workspace: true,
                }),
                deny_warnings: args.deny_warnings,
            };
            let output = generate(spec, &options, &args)?;
            let files = output.files.iter().map(|f| (out_abs.join(&f.path), f));
            write_all(&root, files, &args, &mut stale)?;
        }
        _ => {
            for target in TARGETS {
                let options = Options {
                    runtime: Runtime::default(),
                    spec_name: target.spec.into(),
                    standalone: None,
                    deny_warnings: args.deny_warnings,
                };
                let output = generate(&root.join(target.spec), &options, &args)?;
                // Without `standalone` the generator writes only `src/*.rs`
                // modules: they go straight into the target's directory.
                let dir = root.join(target.module_dir);
                let files = output.files.iter().map(|f| {
                    let name = f.path.file_name().unwrap_or(f.path.as_os_str());
                    (dir.join(name), f)
                });
                write_all(&root, files, &args, &mut stale)?;
            }
        }
    }
    if !stale.is_empty() {
        let command = match (&args.spec, &args.out) {
            (Some(s), Some(o)) => format!(
                "cargo xtask codegen --spec {} --out {}",
                s.display(),
                o.display()
            ),
            _ => "cargo xtask codegen".to_owned(),
        };
        return Err(format!(
            "error: generated files are out of date:\n{}\n\nrun `{command}` and commit the result",
            stale
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    Ok(())
}

/// Generates one spec, printing its warnings.
fn generate(spec: &Path, options: &Options, args: &Args) -> Result<generator::Output, String> {
    let started = Instant::now();
    let output = generator::generate(spec, options).map_err(|diagnostics| {
        let mut text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        let errors = diagnostics
            .iter()
            .filter(|d| d.is_error() || args.deny_warnings)
            .count();
        text.push(format!(
            "error: could not generate a client from {} ({errors} error(s))",
            spec.display()
        ));
        text.join("\n\n")
    })?;
    let elapsed = started.elapsed();
    for warning in &output.warnings {
        eprintln!("{warning}\n");
    }
    let verb = if args.check { "checked" } else { "generated" };
    println!(
        "{verb} {} operations, {} types from {} in {:.1} ms",
        output.operations,
        output.types,
        spec.display(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(output)
}

/// Writes (or, with `--check`, compares) each file, collecting stale ones.
fn write_all<'a>(
    root: &Path,
    files: impl Iterator<Item = (PathBuf, &'a generator::GeneratedFile)>,
    args: &Args,
    stale: &mut Vec<String>,
) -> Result<(), String> {
    for (path, file) in files {
        match ensure_file_contents(&path, &file.contents, args.check)? {
            Outcome::Unchanged => {}
            Outcome::Written => println!("updated {}", display(root, &path)),
            Outcome::Stale => stale.push(display(root, &path)),
        }
    }
    Ok(())
}

pub enum Outcome {
    Unchanged,
    Written,
    Stale,
}

/// Writes `contents` to `path` only if it differs; in check mode writes
/// nothing and reports the difference instead.
pub fn ensure_file_contents(path: &Path, contents: &str, check: bool) -> Result<Outcome, String> {
    if std::fs::read_to_string(path).is_ok_and(|old| normalize_newlines(&old) == contents) {
        return Ok(Outcome::Unchanged);
    }
    if check {
        return Ok(Outcome::Stale);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Outcome::Written)
}

/// Git may check files out with CRLF on Windows; that is not staleness.
fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// `target` expressed relative to `from` (both absolute).
pub fn relative_to(target: &Path, from: &Path) -> PathBuf {
    let target: Vec<_> = target.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = target.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in target.iter().skip(common) {
        out.push(part);
    }
    out
}

fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
