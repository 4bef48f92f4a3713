//! `cargo xtask services-test [--full] [--locked]`: the client on real
//! PostgreSQL and Redis servers. Starts both from the system's packages
//! (temporary directories, free loopback ports), runs the `replicas`
//! crate's tests against them, stops them, then runs the replica
//! experiments (which start servers of their own: one restarts Redis).
//!
//! It fails, and never skips, when a server cannot start.

use std::process::Command;

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

    // Build first, so that the servers do not wait for the compiler, with
    // exactly the test step's command (`cargo test --workspace`): any other
    // selection of packages or targets makes cargo build the client and its
    // whole dependency stack again (a minute in CI). The test binaries and
    // the experiments' program are then run directly.
    let built = crate::cargo::test_build(locked)?;
    let tests: Vec<&crate::cargo::Executable> = REPLICAS_TESTS
        .iter()
        .map(|name| built.find("test", name))
        .collect::<Result<_, _>>()?;
    let program = built.find("bin", "replicas")?;

    let postgres =
        services::Postgres::start().map_err(|e| format!("cannot start PostgreSQL: {e}"))?;
    let redis = services::Redis::start().map_err(|e| format!("cannot start Redis: {e}"))?;
    println!("PostgreSQL on {}, Redis on {}", postgres.url(), redis.url());
    let mut tested = Ok(());
    for test in tests {
        println!("\n== {}", test.path.display());
        let status = Command::new(&test.path)
            .arg("--include-ignored")
            .current_dir(&test.package_dir)
            .env("REPLICAS_POSTGRES_URL", postgres.url())
            .env("REPLICAS_REDIS_URL", redis.url())
            .status()
            .map_err(|e| format!("cannot run {}: {e}", test.path.display()))?;
        if !status.success() {
            tested = Err(format!("{} failed ({status})", test.path.display()));
        }
    }
    drop(redis);
    drop(postgres);
    tested.map_err(|e| format!("the services tests failed: {e}"))?;
    if !experiments {
        return Ok(());
    }

    let ran = Command::new(&program.path)
        .arg("all")
        .args(full.then_some("--full"))
        .status()
        .map_err(|e| format!("cannot run {}: {e}", program.path.display()))?;
    if ran.success() {
        Ok(())
    } else {
        Err(format!("the replica experiments failed ({ran})"))
    }
}
