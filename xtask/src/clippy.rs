//! Runs `cargo clippy` over a generated workspace (the vendor corpus, the
//! spec-diff pairs) and reads cargo's JSON messages, per crate.
//!
//! Every such workspace builds into `target/fixture-check`, shared with the
//! fixture compile test, so their dependencies are checked once.

use std::path::Path;

use serde_json::Value;

/// One compiler message: the crate (target) it is about, its level
/// (`error`, `warning`, ...) and the text rustc printed.
pub struct Message {
    pub target: String,
    pub level: String,
    pub rendered: String,
}

/// Clippy over the workspace at `work`, offline. With `keep_going`, cargo
/// goes on past crates that fail; with `all_features`, the crates' optional
/// modules (the generated server layer) are checked too. Fails (with
/// cargo's stderr) only when cargo failed without saying why in an error
/// message.
pub fn messages(
    work: &Path,
    root: &Path,
    keep_going: bool,
    all_features: bool,
) -> Result<Vec<Message>, String> {
    // Without `cargo run`'s environment: the fixture compile test and the
    // other xtasks share the target directory (see the `cargo` module).
    let mut command = crate::cargo::command();
    command.args([
        "clippy",
        "--workspace",
        "--offline",
        "--message-format=json",
    ]);
    if keep_going {
        command.arg("--keep-going");
    }
    if all_features {
        // The generated crates' `server` modules too (not `--all-features`:
        // that would add the runtime's second TLS backend, native-tls).
        command.args(["--features", "server"]);
    }
    let output = command
        .arg("--manifest-path")
        .arg(work.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target/fixture-check"))
        .output()
        .map_err(|e| format!("cannot run cargo clippy: {e}"))?;
    let text = |v: &Value, pointer: &str| {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let messages: Vec<Message> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m.get("reason").and_then(Value::as_str) == Some("compiler-message"))
        .map(|m| Message {
            target: text(&m, "/target/name"),
            level: text(&m, "/message/level"),
            rendered: text(&m, "/message/rendered"),
        })
        .collect();
    if !output.status.success() && !messages.iter().any(|m| m.level == "error") {
        return Err(format!(
            "cargo clippy failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(messages)
}

/// The first `lines` lines of a rendered message.
pub fn head(rendered: &str, lines: usize) -> String {
    rendered.lines().take(lines).collect::<Vec<_>>().join("\n")
}
