//! A PostgreSQL server of its own: `initdb` into a temporary directory,
//! `pg_ctl start` on a free loopback port, `pg_ctl stop` when dropped.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::scratch::Scratch;
use crate::{first_file, free_port, in_path, log_tail, INSTALL_HINT};

/// A running PostgreSQL server. Dropping it stops the server and removes
/// its directory.
pub struct Postgres {
    scratch: Scratch,
    bin: PathBuf,
    /// The user the server runs as, when this process is root (PostgreSQL
    /// refuses to run as root).
    user: Option<(u32, u32)>,
    port: u16,
    running: bool,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("dir", &self.scratch.path())
            .field("port", &self.port)
            .finish()
    }
}

impl Postgres {
    /// Creates a cluster in a temporary directory and starts it on a free
    /// loopback port (trust authentication, user `postgres`, database
    /// `postgres`). Durable settings (fsync on): what the figures measured
    /// against it mean is what a production server does.
    pub fn start() -> Result<Self, String> {
        let bin = bin_dir()?;
        let scratch = Scratch::new("lc-postgres")?;
        let user = if running_as_root() {
            let ids = system_user("postgres")
                .or_else(|| system_user("nobody"))
                .ok_or("running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as (it refuses root)")?;
            std::os::unix::fs::chown(scratch.path(), Some(ids.0), Some(ids.1)).map_err(|e| {
                format!(
                    "cannot give {} to the postgres user: {e}",
                    scratch.path().display()
                )
            })?;
            Some(ids)
        } else {
            None
        };
        let mut server = Self {
            scratch,
            bin,
            user,
            port: 0,
            running: false,
        };
        let data = server.data_dir();
        let init = server.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--auth=trust".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--no-instructions".as_ref(),
            ],
        )?;
        if !init.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                init.status,
                String::from_utf8_lossy(&init.stdout),
                String::from_utf8_lossy(&init.stderr)
            ));
        }
        // A port can be taken between finding it and binding it: try a few.
        let mut last = String::new();
        for _ in 0..3 {
            server.port = free_port()?;
            match server.pg_ctl_start() {
                Ok(()) => {
                    server.running = true;
                    return Ok(server);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL (`postgres://postgres@127.0.0.1:PORT/postgres`).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (fast shutdown: sessions are ended). Idempotent.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        self.running = false;
        let data = self.data_dir();
        let _ = self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        );
    }

    fn data_dir(&self) -> PathBuf {
        self.scratch.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.scratch.path().join("server.log")
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let data = self.data_dir();
        let log = self.log_file();
        // pg_ctl hands `-o` to a shell: the directory has no spaces (it is
        // made by `Scratch` under the temporary directory).
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_connections=300",
            self.port,
            self.scratch.path().display()
        );
        let out = self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-o".as_ref(),
                options.as_ref(),
                "start".as_ref(),
            ],
        )?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "PostgreSQL did not start on port {} ({}): {}\nserver log:\n{}",
                self.port,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim(),
                log_tail(&log)
            ))
        }
    }

    /// Runs one of the server's programs, as the server's user.
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<Output, String> {
        let path = self.bin.join(program);
        let mut command = Command::new(&path);
        command.args(args).current_dir(self.scratch.path());
        if let Some((uid, gid)) = self.user {
            command.uid(uid).gid(gid);
        }
        command
            .output()
            .map_err(|e| format!("cannot run {}: {e}", path.display()))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The directory of `initdb` and `pg_ctl`: `$PG_BIN`, the newest
/// `/usr/lib/postgresql/*/bin` (Debian keeps them out of `PATH`), or `PATH`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        let dir = PathBuf::from(dir);
        return if dir.join("pg_ctl").is_file() {
            Ok(dir)
        } else {
            Err(format!("PG_BIN={} has no pg_ctl", dir.display()))
        };
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let found = first_file(in_path("pg_ctl"));
    found
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .ok_or_else(|| format!("PostgreSQL's pg_ctl and initdb are not installed; {INSTALL_HINT}"))
}

/// Whether this process's effective user is root (from `/proc/self/status`).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            // Real, effective, saved, filesystem.
            line.split_whitespace().nth(2).map(|uid| uid == "0")
        })
        .unwrap_or(false)
}

/// The uid and gid of `name` in `/etc/passwd`.
fn system_user(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some((uid, gid))
    })
}
