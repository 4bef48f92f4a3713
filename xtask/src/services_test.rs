//! `cargo xtask services-test [--full] [--locked]`: the client on real
//! PostgreSQL and Redis servers. Starts both from the system's packages
//! (temporary directories, free loopback ports), runs the `replicas`
//! crate's tests against them, stops them, then runs the replica
//! experiments (which start servers of their own: one restarts Redis).
//!
//! It fails, and never skips, when a server cannot start.

use std::process::Command;

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

    // Build first, so that the servers do not wait for the compiler.
    let built = Command::new(&cargo)
        .args(["test", "--package", "replicas", "--no-run"])
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
        .args(["test", "--package", "replicas"])
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

    let ran = Command::new(&cargo)
        .args(["run", "--quiet", "--package", "replicas"])
        .args(lock_flag)
        .args(["--", "all"])
        .args(full.then_some("--full"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if ran.success() {
        Ok(())
    } else {
        Err(format!("the replica experiments failed ({ran})"))
    }
}
