//! A server written against one version of a spec stops compiling where
//! the next version changes what it must answer, and only there: the point
//! of a typed trait. `tests/fixtures/server_change/old.yaml` and `new.yaml`
//! differ by a new operation, a removed status, a new query parameter and a
//! property's type (each must break the server below), and by an optional
//! property and descriptions (which must not).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The server, written against `old.yaml` (its modules are `crate::api`).
const SERVER: &str = r#"//! A server of things, written against `old.yaml`.

use std::future::Future;

use crate::api::server::{self, Api};
use crate::api::types;
use leadconnector::server_support::RequestContext;

/// Answers from one thing, `a`.
pub struct Things;

impl Api for Things {
    fn list_things(
        &self,
        input: server::ListThingsInput,
        _context: RequestContext,
    ) -> impl Future<Output = server::ListThingsResponse> + Send {
        // Without `..`: a parameter the spec adds must be read.
        let server::ListThingsInput { limit } = input;
        let things = if limit == Some(0) { Vec::new() } else { vec![types::Thing::new("a")] };
        async move { server::ListThingsResponse::Ok(things) }
    }

    fn get_thing(
        &self,
        input: server::GetThingInput,
        _context: RequestContext,
    ) -> impl Future<Output = server::GetThingResponse> + Send {
        let found = (input.id == "a").then(|| types::Thing::new("a"));
        async move {
            match found {
                Some(thing) => server::GetThingResponse::Ok(thing),
                None => server::GetThingResponse::NotFound,
            }
        }
    }
}
"#;

/// Writes a crate holding the modules generated from `spec` and the server.
fn write_crate(dir: &Path, spec: &Path) {
    let _ = std::fs::remove_dir_all(dir.join("src"));
    let write = |path: &Path, text: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    for file in tests::generate_fixture(spec) {
        let name = file.path.file_name().unwrap();
        write(&dir.join("src/api").join(name), &file.contents);
    }
    write(
        &dir.join("src/lib.rs"),
        "//! A server of a generated spec.\n\n\
         /// The generated modules.\n\
         #[allow(missing_docs)]\n\
         pub mod api {\n    pub mod operations;\n    pub mod server;\n    pub mod types;\n}\n\
         pub mod things;\n",
    );
    write(&dir.join("src/things.rs"), SERVER);
    let name = dir.file_name().unwrap().to_str().unwrap();
    let runtime = tests::root().join("generated-client");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nleadconnector = {{ path = {:?}, features = [\"server\"] }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\
             chrono = {{ version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }}\n",
            runtime.display().to_string()
        ),
    );
}

/// The error messages clippy gives each crate of the workspace at `work`.
fn errors_by_crate(work: &Path) -> Vec<(String, String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "clippy",
            "--workspace",
            "--keep-going",
            "--offline",
            "--message-format=json",
        ])
        .arg("--manifest-path")
        .arg(work.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(tests::root().join("target/fixture-check"))
        .args(["--", "-D", "warnings"])
        .output()
        .expect("cargo runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-message" && m["message"]["level"] == "error")
        .map(|m| {
            let target = m["target"]["name"].as_str().unwrap_or_default().to_owned();
            (
                target,
                m["message"]["rendered"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_server_breaks_where_the_spec_changes_its_answers() {
    let root = tests::root();
    let fixtures = root.join("tests/fixtures/server_change");
    let work = root.join("target/server-change");
    write_crate(&work.join("server_old"), &fixtures.join("old.yaml"));
    write_crate(&work.join("server_new"), &fixtures.join("new.yaml"));
    std::fs::write(
        work.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"server_old\", \"server_new\"]\n",
    )
    .unwrap();
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        std::fs::write(work.join("Cargo.lock"), lock).unwrap();
    }
    let errors = errors_by_crate(&work);
    let of = |name: &str| -> Vec<&str> {
        errors
            .iter()
            .filter(|(target, _)| target == name)
            .map(|(_, text)| text.as_str())
            .collect()
    };
    assert!(
        of("server_old").is_empty(),
        "against its own spec:\n{}",
        of("server_old").join("\n")
    );
    let new = of("server_new").join("\n");
    for expected in [
        // The new operation is a method the server lacks.
        "not all trait items implemented, missing: `delete_thing`",
        // The status the spec dropped is a variant no longer there.
        "no variant or associated item named `NotFound`",
        // The new parameter is a field the exhaustive pattern misses.
        "pattern does not mention field `cursor`",
        // The name is a number now.
        "mismatched types",
    ] {
        assert!(
            new.contains(expected),
            "expected `{expected}` among:\n{new}"
        );
    }
    // And nothing else: the optional `colour` and the new descriptions break
    // nothing (one error per change above, the name's in both operations).
    let count = of("server_new")
        .iter()
        .filter(|e| e.starts_with("error[") || e.starts_with("error:"))
        .filter(|e| !e.starts_with("error: could not compile"))
        .count();
    assert_eq!(count, 5, "{new}");
}
