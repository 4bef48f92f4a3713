//! A Redis server of its own: `redis-server` in a temporary directory on a
//! free loopback port, without persistence, killed when dropped.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::scratch::Scratch;
use crate::{first_file, free_port, in_path, log_tail, wait_for_port, INSTALL_HINT};

/// A running Redis server. Dropping it kills the server and removes its
/// directory.
pub struct Redis {
    scratch: Scratch,
    bin: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("dir", &self.scratch.path())
            .field("port", &self.port)
            .field("running", &self.child.is_some())
            .finish()
    }
}

impl Redis {
    /// Starts a server on a free loopback port. It keeps nothing on disk:
    /// a restart starts empty, as a crashed cache without persistence does.
    pub fn start() -> Result<Self, String> {
        let bin = std::env::var_os("REDIS_SERVER")
            .map(PathBuf::from)
            .or_else(|| in_path("redis-server"))
            .or_else(|| first_file([PathBuf::from("/usr/bin/redis-server")]))
            .ok_or_else(|| format!("redis-server is not installed; {INSTALL_HINT}"))?;
        let scratch = Scratch::new("lc-redis")?;
        let mut server = Self {
            scratch,
            bin,
            port: 0,
            child: None,
        };
        let mut last = String::new();
        for _ in 0..3 {
            server.port = free_port()?;
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL (`redis://127.0.0.1:PORT/`).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL: a crash; everything it held is gone).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty.
    pub fn start_again(&mut self) -> Result<(), String> {
        self.kill();
        self.spawn()
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = self.scratch.path().join("server.log");
        let child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--daemonize", "no"])
            .arg("--dir")
            .arg(self.scratch.path())
            .arg("--logfile")
            .arg(&log)
            .current_dir(self.scratch.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        self.child = Some(child);
        if wait_for_port(self.port, Duration::from_secs(20)) && self.ping() {
            return Ok(());
        }
        self.kill();
        Err(format!(
            "redis-server did not answer on port {}\nserver log:\n{}",
            self.port,
            log_tail(&log)
        ))
    }

    /// Whether the server answers `PING` with `PONG`.
    fn ping(&self) -> bool {
        for _ in 0..100 {
            if let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut answer = [0u8; 7];
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream.read_exact(&mut answer).is_ok()
                    && &answer == b"+PONG\r\n"
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}
