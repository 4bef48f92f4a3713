//! Running cargo from an xtask the way the shell would, so that builds
//! into the workspace's `target/` reuse what `cargo test --workspace` (the
//! test step of CI) built instead of building it again.
//!
//! Two things make cargo rebuild:
//! - `cargo xtask` runs under `cargo run`, which sets `CARGO_MANIFEST_DIR`,
//!   `CARGO_PKG_*` and friends and prepends library directories to
//!   `LD_LIBRARY_PATH`; ring's build script tracks `CARGO_MANIFEST_DIR`, so
//!   a build with them set rebuilds ring and everything above it (the TLS
//!   stack, reqwest, the client). [`command`] takes them away again.
//! - Features are unified over the packages and targets a command selects:
//!   `cargo run -p one-crate` builds the client and its dependencies with
//!   other features than `cargo test --workspace`. [`test_build`] runs
//!   exactly the test step's build and hands back the executables, which
//!   the caller then runs itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `cargo` (the one running this xtask) without the environment
/// `cargo run` added.
pub fn command() -> Command {
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

/// An executable `cargo test --workspace --no-run` built.
pub struct Executable {
    /// `test` (an integration test) or `bin` (a program).
    pub kind: String,
    /// The target's name.
    pub name: String,
    pub path: PathBuf,
    /// Its package's directory (cargo runs tests there).
    pub package_dir: PathBuf,
}

/// What a test build left to run.
pub struct Built {
    executables: Vec<Executable>,
}

impl Built {
    /// The executable of kind `kind` (`test`, `bin`) named `name`.
    pub fn find(&self, kind: &str, name: &str) -> Result<&Executable, String> {
        self.executables
            .iter()
            .find(|e| e.kind == kind && e.name == name)
            .ok_or_else(|| format!("`cargo test --workspace --no-run` built no {kind} `{name}`"))
    }
}

/// Runs `cargo test --workspace --no-run` (with `--locked` if asked) and
/// collects, from cargo's JSON messages, the integration tests and the
/// programs it built (a package's programs are built for its integration
/// tests).
pub fn test_build(locked: bool) -> Result<Built, String> {
    let output = command()
        .args(["test", "--workspace", "--no-run"])
        .args(["--message-format", "json-render-diagnostics"])
        .args(locked.then_some("--locked"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo test --workspace --no-run` failed ({})",
            output.status
        ));
    }
    let mut executables = Vec::new();
    for message in String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
    {
        let Some(path) = message["executable"].as_str() else {
            continue;
        };
        let kind = message["target"]["kind"][0].as_str().unwrap_or_default();
        // A program's own unit tests are a `bin` built with the test
        // profile: not the program.
        let program = kind == "bin" && message["profile"]["test"] == false;
        if kind != "test" && !program {
            continue;
        }
        executables.push(Executable {
            kind: kind.to_owned(),
            name: message["target"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            path: PathBuf::from(path),
            package_dir: message["manifest_path"]
                .as_str()
                .and_then(|m| Path::new(m).parent())
                .map(PathBuf::from)
                .unwrap_or_default(),
        });
    }
    Ok(Built { executables })
}
