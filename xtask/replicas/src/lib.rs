//! The leadconnector client on real PostgreSQL and Redis servers, with
//! several OS processes: what `cargo xtask services-test` runs.
//!
//! - `tests/`: the stores, the token source on them and the shared rate
//!   limiter against servers the xtask command started (their URLs in
//!   `REPLICAS_POSTGRES_URL` and `REPLICAS_REDIS_URL`); ignored by a plain
//!   `cargo test`, and failing, not skipping, without the servers;
//! - `src/main.rs`: the experiments with 4 worker processes (token
//!   refreshes, SIGKILL at random moments, the shared rate budget with a
//!   Redis restart) and the benchmark.

pub mod http;
pub mod standin;

/// The URL of the PostgreSQL server `cargo xtask services-test` started.
///
/// # Panics
///
/// Without one: these tests fail rather than skip.
pub fn postgres_url() -> String {
    service_url("REPLICAS_POSTGRES_URL", "PostgreSQL")
}

/// The URL of the Redis server `cargo xtask services-test` started.
///
/// # Panics
///
/// Without one: these tests fail rather than skip.
pub fn redis_url() -> String {
    service_url("REPLICAS_REDIS_URL", "Redis")
}

fn service_url(variable: &str, server: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        panic!(
            "{variable} is not set: these tests need a real {server} server; run them with `cargo xtask services-test`, which starts one"
        )
    })
}

/// A name no other test or run uses (for keys in shared servers).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}-{:08x}", std::process::id(), fastrand::u32(..))
}
