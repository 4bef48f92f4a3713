//! Shared helpers for the test suites: where the specs are, and how to
//! generate and compile them.
#![deny(rustdoc::broken_intra_doc_links)]

use std::path::{Path, PathBuf};
use std::process::Command;

use generator::{GeneratedFile, Options, Runtime};
use quote::{format_ident, quote};

/// The workspace root.
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// `cargo`, without the environment `cargo test` gives a test process.
///
/// The builds into `target/fixture-check` (the fixture compile test, the
/// standalone crate test, and the xtasks that check generated crates)
/// share their dependencies only if they run with the same environment:
/// ring's build script tracks `CARGO_MANIFEST_DIR`, which `cargo test`
/// sets for a test process (and `cargo run` for an xtask), so each would
/// build ring and everything above it again for the other. xtask's `cargo`
/// module takes the same variables away.
pub fn cargo() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
            )
        {
            command.env_remove(name);
        }
    }
    if let Ok(paths) = std::env::var("LD_LIBRARY_PATH") {
        let kept: Vec<&str> = paths
            .split(':')
            .filter(|p| !p.is_empty() && !p.contains("/target/") && !p.contains("/toolchains/"))
            .collect();
        if kept.is_empty() {
            command.env_remove("LD_LIBRARY_PATH");
        } else {
            command.env("LD_LIBRARY_PATH", kept.join(":"));
        }
    }
    command
}

/// The fixture specs, one per construct, sorted by name.
pub fn fixtures() -> Vec<PathBuf> {
    specs_in(&root().join("tests/fixtures"))
}

/// The YAML and JSON files directly in `dir`, sorted by name.
pub fn specs_in(dir: &Path) -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    specs.sort();
    specs
}

/// The fixture's name (its file stem).
pub fn fixture_name(spec: &Path) -> String {
    spec.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("fixture")
        .to_owned()
}

/// Generates a fixture's modules against the runtime crate (`openapi-runtime`).
pub fn generate_fixture(spec: &Path) -> Vec<GeneratedFile> {
    generate_fixture_output(spec).files
}

/// Generates a fixture, keeping the warnings.
pub fn generate_fixture_output(spec: &Path) -> generator::Output {
    let runtime = Runtime::default();
    let options = Options {
        runtime,
        spec_name: format!(
            "tests/fixtures/{}",
            spec.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        ),
        standalone: None,
        deny_warnings: false,
    };
    match generator::generate(spec, &options) {
        Ok(output) => output,
        Err(diagnostics) => panic!(
            "{} failed to generate:\n{}",
            spec.display(),
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Checks that the generated modules `files` of `fixture` (a path under
/// the workspace) committed in `dir` are what the generator makes of it
/// now, for tests that compile a fixture's client into the test binary;
/// with `UPDATE_GENERATED` set, rewrites them first.
pub fn assert_committed_fixture(fixture: &str, dir: &str, files: &[&str]) {
    let root = root();
    for file in generate_fixture(&root.join(fixture)) {
        let Some(name) = file.path.file_name() else {
            continue;
        };
        if !files.iter().any(|f| name == *f) {
            continue;
        }
        let path = root.join(dir).join(name);
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            write(&path, &file.contents);
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == file.contents,
            "{} is stale: run `UPDATE_GENERATED=1 cargo test -p tests --test suite`",
            path.display()
        );
    }
}

/// Writes every fixture's generated modules (client and server) into one
/// crate (a module per fixture) under `target/`, then runs clippy with
/// `-D warnings` on it.
/// Returns clippy's output when it fails.
pub fn compile_fixtures() -> Result<(), String> {
    let root = root();
    let krate = root.join("target/fixture-crate");
    let src = krate.join("src");
    let _ = std::fs::remove_dir_all(&src);
    let mut modules = Vec::new();
    for spec in fixtures() {
        let name = format!("fixture_{}", fixture_name(&spec));
        let files = generate_fixture(&spec);
        for file in &files {
            let path = src
                .join(&name)
                .join(file.path.strip_prefix("src").unwrap_or(&file.path));
            write(&path, &file.contents);
        }
        // A spec of schemas only (webhook payloads) has no operations,
        // and no server.
        let operations = files
            .iter()
            .any(|f| f.path.ends_with("operations.rs"))
            .then(|| {
                quote!(
                    pub mod operations;
                    pub mod server;
                    pub use operations::*;
                )
            });
        modules.push((format_ident!("{}", name), operations));
    }
    let docs: Vec<String> = modules
        .iter()
        .map(|(m, _)| format!(" The `{m}` fixture."))
        .collect();
    let (modules, operations): (Vec<_>, Vec<_>) = modules.into_iter().unzip();
    let lib = quote! {
        //! Every fixture's generated client and server, one module each.
        #![deny(missing_docs)]
        #(
            #[doc = #docs]
            pub mod #modules {
                pub mod types;
                #operations
            }
        )*
    };
    write(&src.join("lib.rs"), &lib.to_string());
    let runtime = root.join("runtime");
    write(
        &krate.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"fixture-crate\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nopenapi-runtime = {{ path = {:?}, features = [\"server\"] }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\
             serde_json = \"1\"\nchrono = {{ version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }}\n\n\
             [workspace]\n",
            runtime.display().to_string()
        ),
    );
    // Same dependency versions as the workspace, so nothing new is fetched.
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        let _ = std::fs::write(krate.join("Cargo.lock"), lock);
    }
    let output = cargo()
        .args(["clippy", "--quiet", "--offline", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .args(["--target-dir"])
        .arg(root.join("target/fixture-check"))
        .args(["--", "-D", "warnings"])
        .output()
        .map_err(|e| format!("cannot run cargo clippy: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn write(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    }
    std::fs::write(path, contents)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The public API a spec becomes, one line per operation and per type, for a
/// snapshot that a reviewer reads in seconds: each operation's method, HTTP
/// method and path, arguments, success and error types and retry class; each
/// type's kind with its fields (`?` optional, `~` three-state, `!` required
/// but nullable, `*` an array empty when absent; sensitive fields marked) or
/// values.
pub fn api_surface(spec: &Path) -> String {
    use generator::ir::{Presence, TypeKind, UnionVariant};
    use std::fmt::Write as _;

    let loaded = generator::load::load(spec)
        .unwrap_or_else(|d| panic!("{} does not load: {d:?}", spec.display()));
    let (api, _) = generator::lower::lower(&loaded);
    let mut out = String::new();
    let _ = writeln!(out, "# operations ({})", api.operations.len());
    for op in &api.operations {
        let mut args: Vec<String> = op
            .path_params
            .iter()
            .map(|p| format!("{}: {}", p.name, ty(&p.ty)))
            .collect();
        args.extend(
            op.query_params
                .iter()
                .chain(&op.header_params)
                .filter(|p| p.required)
                .map(|p| format!("{}: {}", p.name, ty(&p.ty))),
        );
        if op
            .query_params
            .iter()
            .chain(&op.header_params)
            .any(|p| !p.required)
        {
            args.push(format!("params: {}Params", op.type_prefix));
        }
        if op
            .body
            .as_ref()
            .is_some_and(|b| b.encoding == generator::ir::BodyEncoding::EmptyJsonObject)
        {
            args.push("sends {}".into());
        } else if let Some(body) = &op.body {
            args.push(format!(
                "body: {}{}",
                ty(&body.ty),
                if body.required { "" } else { "?" }
            ));
        }
        let success: Vec<String> = op
            .success
            .iter()
            .map(|r| format!("{} {}", r.status, r.ty.as_ref().map_or("()".into(), ty)))
            .collect();
        let errors: Vec<String> = op
            .errors
            .iter()
            .map(|e| match &e.status {
                generator::ir::StatusMatch::Code(c) => c.to_string(),
                generator::ir::StatusMatch::Range(d) => format!("{d}XX"),
                generator::ir::StatusMatch::Default => "default".into(),
            })
            .collect();
        let _ = writeln!(
            out,
            "{}({}) = {} {} -> [{}] errors {} [{}] {}",
            op.method_name,
            args.join(", "),
            op.http_method,
            op.path,
            success.join(", "),
            op.error_type,
            errors.join(", "),
            if op.idempotent {
                "retryable"
            } else {
                "not-retried"
            },
        );
    }
    let _ = writeln!(out, "\n# types ({})", api.types.len());
    for def in &api.types {
        let shape = match &def.kind {
            TypeKind::Struct(s) => {
                let fields: Vec<String> = s
                    .fields
                    .iter()
                    .map(|f| {
                        let mark = match f.presence {
                            Presence::Required => "",
                            Presence::RequiredNullable => "!",
                            Presence::Optional => "?",
                            Presence::ThreeState => "~",
                            Presence::DefaultEmpty => "*",
                        };
                        let private = if f.sensitive { " (sensitive)" } else { "" };
                        format!("{}{mark}: {}{private}", f.name, ty(&f.ty))
                    })
                    .collect();
                format!("struct {{ {} }}", fields.join(", "))
            }
            TypeKind::Enum(e) => format!(
                "enum {{ {} }}",
                e.variants
                    .iter()
                    .map(|v| v.wire.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            TypeKind::Union(u) => {
                let variants = u
                    .variants
                    .iter()
                    .map(|v: &UnionVariant| format!("{}({})", v.name, ty(&v.ty)))
                    .collect::<Vec<_>>();
                format!(
                    "union{} {{ {} }}",
                    u.tag
                        .as_ref()
                        .map(|t| format!(" by {t}"))
                        .unwrap_or_default(),
                    variants.join(" | ")
                )
            }
            TypeKind::Alias(t) => format!("= {}", ty(t)),
        };
        let _ = writeln!(out, "{} {shape}", def.name);
    }
    out
}

/// A Rust-like spelling of an IR type.
fn ty(t: &generator::ir::Ty) -> String {
    use generator::ir::Ty;
    match t {
        Ty::String => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F32 => "f32".into(),
        Ty::F64 => "f64".into(),
        Ty::Number => "Number".into(),
        Ty::DateTime => "DateTime".into(),
        Ty::Date => "NaiveDate".into(),
        Ty::Json => "Value".into(),
        Ty::Vec(inner) => format!("Vec<{}>", ty(inner)),
        Ty::Map(inner) => format!("Map<{}>", ty(inner)),
        Ty::Named(name) | Ty::Runtime(name) | Ty::Crate(name) => name.clone(),
        Ty::Boxed(inner) => format!("Box<{}>", ty(inner)),
    }
}

/// The README's examples, compiled as doctests so they cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
