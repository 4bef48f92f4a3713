//! Real PostgreSQL and Redis servers for tests and experiments, started from
//! the system's packages (Debian: `apt-get install postgresql redis-server`)
//! in temporary directories on free loopback ports, and stopped (their
//! directories removed) when dropped.
//!
//! Nothing here skips: a server that cannot start is an error saying what
//! is missing, and callers fail with it.

mod postgres;
mod redis;
mod scratch;

pub use postgres::Postgres;
pub use redis::Redis;

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to install when a server's programs are missing.
pub const INSTALL_HINT: &str =
    "install them with `apt-get update && apt-get install -y postgresql redis-server` (Debian's packages)";

/// A loopback port nobody listens on now. The listener is closed before
/// the server binds it, so another process could take it in between;
/// starts retry on a fresh port when binding fails.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot find a free loopback port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot read the free port: {e}"))
}

/// Waits until something accepts TCP connections on `port`, or `limit`.
fn wait_for_port(port: u16, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The first of `candidates` that is a file.
fn first_file(candidates: impl IntoIterator<Item = PathBuf>) -> Option<PathBuf> {
    candidates.into_iter().find(|p| p.is_file())
}

/// `name` in one of the directories of `PATH`.
fn in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    first_file(std::env::split_paths(&path).map(|dir| dir.join(name)))
}

/// The last lines of a log file, for an error message.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(15)..];
    if tail.is_empty() {
        "(the log is empty)".into()
    } else {
        tail.join("\n")
    }
}
