//! `cargo xtask services-test [--full] [--locked]`: the client on real
//! PostgreSQL and Redis servers. Starts both from the system's packages
//! (temporary directories, free loopback ports), runs the `replicas`
//! crate's tests against them, stops them, then runs the replica
//! experiments (which start servers of their own: one restarts Redis).
//!
//! It fails, and never skips, when a server cannot start.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The `replicas` crate's test targets, which need the servers.
const REPLICAS_TESTS: [&str; 3] = ["postgres_store", "redis_budget", "stored_tokens"];

pub fn run(args: &[String]) -> Result<(), String> {
    let mut full = false;
    let mut locked = false;
    let mut experiments = true;
    for arg in args {
        match arg.as_str() {
            "--full" => full = true,
            "--locked" => locked = true,
            "--tests-only" => experiments = false,
            other => {
                return Err(format!(
                    "services-test: unknown argument `{other}`\n\n{}",
                    crate::USAGE
                ))
            }
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let lock_flag: &[&str] = if locked { &["--locked"] } else { &[] };

    // Build first, so that the servers do not wait for the compiler. Every
    // build here selects the whole workspace, as `cargo test --workspace`
    // does: features are unified across the selected packages, so one
    // selecting `replicas` alone would build the client and its whole
    // dependency stack again with other features (a minute in CI).
    let built = Command::new(&cargo)
        .args(["test", "--workspace", "--no-run"])
        .args(REPLICAS_TESTS.iter().flat_map(|t| ["--test", t]))
        .args(lock_flag)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.success() {
        return Err(format!("building the services tests failed ({built})"));
    }

    let postgres =
        services::Postgres::start().map_err(|e| format!("cannot start PostgreSQL: {e}"))?;
    let redis = services::Redis::start().map_err(|e| format!("cannot start Redis: {e}"))?;
    println!("PostgreSQL on {}, Redis on {}", postgres.url(), redis.url());
    let tested = Command::new(&cargo)
        .args(["test", "--workspace"])
        .args(REPLICAS_TESTS.iter().flat_map(|t| ["--test", t]))
        .args(lock_flag)
        .args(["--", "--include-ignored"])
        .env("REPLICAS_POSTGRES_URL", postgres.url())
        .env("REPLICAS_REDIS_URL", redis.url())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    drop(redis);
    drop(postgres);
    if !tested.success() {
        return Err(format!("the services tests failed ({tested})"));
    }
    if !experiments {
        return Ok(());
    }

    let program = build_experiments(&cargo, lock_flag)?;
    let ran = Command::new(&program)
        .arg("all")
        .args(full.then_some("--full"))
        .status()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if ran.success() {
        Ok(())
    } else {
        Err(format!("the replica experiments failed ({ran})"))
    }
}

/// Builds the `replicas` program (with the workspace's features, as above)
/// and returns the path of its executable, from cargo's JSON messages.
fn build_experiments(cargo: &str, lock_flag: &[&str]) -> Result<PathBuf, String> {
    let output = Command::new(cargo)
        .args(["build", "--workspace", "--bin", "replicas"])
        .args(["--message-format", "json-render-diagnostics"])
        .args(lock_flag)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the replica experiments failed ({})",
            output.status
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "replicas")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no `replicas` executable".to_owned())
}
