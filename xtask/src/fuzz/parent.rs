//! The parent side of the worker: spawning it (under an address-space limit),
//! sending requests and turning its replies, its death or its silence into
//! an `Outcome`, with a `Crash` record (kind, message, location, backtrace)
//! for whatever went wrong. A hung worker is sampled with gdb, when present,
//! before it is restarted.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::short;

/// One crash or finding: what kind, what it said, where it happened.
#[derive(Clone, Debug)]
pub(super) struct Crash {
    pub(super) kind: String,
    pub(super) message: String,
    pub(super) location: String,
    pub(super) frame: String,
    pub(super) backtrace: String,
}

impl Crash {
    /// A crash known only by its kind and message (no location, generator
    /// frame or backtrace).
    pub(super) fn new(kind: &str, message: String) -> Self {
        Self {
            kind: kind.to_owned(),
            message,
            location: String::new(),
            frame: String::new(),
            backtrace: String::new(),
        }
    }

    /// What makes two crashes the same bug: the kind and where it happened
    /// (the panic location, and the generator frame when the panic is in a
    /// dependency).
    pub(super) fn signature(&self) -> String {
        let mut sig = format!("{} at {}", self.kind, self.location);
        if !self.frame.is_empty() && !self.location.contains("generator/src/") {
            let _ = write!(sig, " via {}", self.frame);
        }
        if self.kind == "invalid-rust" || self.kind == "internal-error" {
            let _ = write!(sig, ": {}", short(&self.message, 120));
        }
        if self.kind == "duplicate-definition" || self.kind == "infinite-size" {
            let _ = write!(sig, ": {}", reason_class(&self.message));
        }
        sig
    }
}

/// How one input ended.
pub(super) enum Outcome {
    Ok,
    /// Rejected with diagnostics; the first error's message.
    Rejected(String),
    /// Rejected with an "internal error" diagnostic: a generator bug it caught.
    Internal(Crash),
    Crash(Crash),
}

/// A running worker process and the thread-fed channel of its replies.
pub(super) struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: mpsc::Receiver<String>,
    stderr: PathBuf,
    work: PathBuf,
    mem_mb: u64,
}

impl Worker {
    pub(super) fn spawn(work: &Path, mem_mb: u64) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
        let stderr_path = work.join("worker-stderr.log");
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
        let mut command = if mem_mb > 0 && Path::new("/bin/sh").exists() {
            let mut c = Command::new("/bin/sh");
            c.arg("-c")
                .arg("ulimit -v \"$1\" 2>/dev/null; exec \"$0\" fuzz --worker")
                .arg(&exe)
                .arg((mem_mb * 1024).to_string());
            c
        } else {
            let mut c = Command::new(&exe);
            c.args(["fuzz", "--worker"]);
            c
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .current_dir(work)
            .spawn()
            .map_err(|e| format!("cannot start the worker: {e}"))?;
        let stdin = child.stdin.take().ok_or("worker without stdin")?;
        let stdout = child.stdout.take().ok_or("worker without stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            child,
            stdin,
            replies: rx,
            stderr: stderr_path,
            work: work.to_path_buf(),
            mem_mb,
        })
    }

    fn respawn(&mut self) -> Result<(), String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        *self = Self::spawn(&self.work.clone(), self.mem_mb)?;
        Ok(())
    }

    /// Runs one request; restarts the worker when it died or hung.
    pub(super) fn run(&mut self, request: &Value, timeout: Duration) -> Result<Outcome, String> {
        let sent = writeln!(self.stdin, "{request}").and_then(|()| self.stdin.flush());
        let reply = match sent {
            Ok(()) => self.replies.recv_timeout(timeout),
            Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
        };
        match reply {
            Ok(line) => Ok(parse_reply(&line)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Where is it stuck? One stack sample, when gdb is at hand.
                let stack = sample_stack(self.child.id());
                self.respawn()?;
                Ok(Outcome::Crash(Crash {
                    kind: "timeout".into(),
                    message: format!("generation took longer than {:.0} s", timeout.as_secs_f64()),
                    location: gdb_generator_frame(&stack),
                    frame: gdb_innermost_frame(&stack),
                    backtrace: stack,
                }))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
                let stderr = std::fs::read(&self.stderr).unwrap_or_default();
                let stderr = String::from_utf8_lossy(&stderr);
                let tail: String = stderr
                    .lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                let kind = if stderr.contains("has overflowed its stack") {
                    "stack-overflow"
                } else if stderr.contains("memory allocation of") {
                    "out-of-memory"
                } else {
                    "worker-died"
                };
                let message = stderr
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or(&status)
                    .to_owned();
                self.respawn()?;
                Ok(Outcome::Crash(Crash {
                    backtrace: format!("worker exit: {status}\n{tail}"),
                    ..Crash::new(kind, message)
                }))
            }
        }
    }

    pub(super) fn stop(mut self) {
        drop(self.stdin);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The main thread's stack of a running process, from `gdb -batch`
/// (empty when gdb is missing or cannot attach).
fn sample_stack(pid: u32) -> String {
    let gdb = ["/usr/bin/gdb", "/usr/local/bin/gdb", "/bin/gdb"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(gdb) = gdb else {
        return String::new();
    };
    Command::new(gdb)
        .args([
            "-nx",
            "-batch",
            "-p",
            &pid.to_string(),
            "-ex",
            "thread 1",
            "-ex",
            "bt 30",
            "-ex",
            "bt -60",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// `generator/src/file.rs:line` of the innermost generator frame in a gdb
/// backtrace.
fn gdb_generator_frame(stack: &str) -> String {
    stack
        .lines()
        .find_map(|l| {
            let i = l.find("generator/src/")?;
            let rest = l.get(i..)?;
            Some(rest.split_whitespace().next().unwrap_or(rest).to_owned())
        })
        .unwrap_or_default()
}

/// The innermost frame outside the standard library, as `crate-x.y/src/file.rs:line`,
/// in a gdb backtrace.
fn gdb_innermost_frame(stack: &str) -> String {
    stack
        .lines()
        .filter_map(|l| l.rsplit_once(" at ").map(|(_, at)| at.trim()))
        .find(|at| at.contains("/registry/src/") || at.contains("generator/src/"))
        .map(|at| {
            let at = at
                .rsplit_once("/registry/src/")
                .map_or(at, |(_, rest)| rest);
            at.split_once('/')
                .filter(|(index, _)| index.starts_with("index."))
                .map_or(at, |(_, rest)| rest)
                .to_owned()
        })
        .unwrap_or_default()
}

/// The outcome a worker's reply line describes.
fn parse_reply(line: &str) -> Outcome {
    // A line that is not JSON is a bad reply, like one of an unknown kind.
    let reply: Value = serde_json::from_str(line).unwrap_or(Value::Null);
    let text = |key: &str| reply[key].as_str().unwrap_or_default().to_owned();
    match reply["r"].as_str() {
        Some("ok") => Outcome::Ok,
        Some("err") => match reply["internal"].as_str() {
            Some(message) => Outcome::Internal(Crash::new("internal-error", message.to_owned())),
            None => Outcome::Rejected(text("first")),
        },
        Some("panic") => Outcome::Crash(Crash {
            kind: "panic".into(),
            message: text("msg"),
            location: text("loc"),
            frame: text("frame"),
            backtrace: text("bt"),
        }),
        Some("finding") => Outcome::Internal(Crash {
            location: text("file"),
            ..Crash::new(&text("kind"), text("msg"))
        }),
        Some("badcode") => Outcome::Crash(Crash {
            location: text("file"),
            ..Crash::new("invalid-rust", text("msg"))
        }),
        _ => Outcome::Crash(Crash::new("bad-reply", short(line, 200))),
    }
}

/// A rejection message with names and numbers blanked out, for the
/// histogram of what stops inputs.
pub(super) fn reason_class(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                if quoted {
                    out.push_str("`_`");
                }
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            _ => out.push(c),
        }
    }
    short(&out, 90)
}

/// The worker's request: generate from the spec at `spec` with these options.
pub(super) fn request(spec: &Path, standalone: bool, in_crate: bool) -> Value {
    json!({
        "path": spec.display().to_string(),
        "standalone": standalone,
        "in_crate": in_crate,
    })
}
