//! Worker processes: spawned from this executable (`worker` mode), told
//! to stop through their standard input, or killed with SIGKILL.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

/// The live workers, by replica number. Cheap to clone.
#[derive(Clone, Default)]
pub struct Fleet {
    workers: Arc<Mutex<HashMap<u32, Worker>>>,
}

impl Fleet {
    fn workers(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Worker>> {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts worker `replica` with `args` and waits until it is ready
    /// (it has read its pair).
    pub async fn spawn(&self, replica: u32, args: Vec<String>) -> Result<Duration, String> {
        let started = Instant::now();
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start a worker: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), stdout.next_line())
            .await
            .map_err(|_| format!("worker {replica} did not get ready in 60 s"))?
            .map_err(|e| e.to_string())?;
        if ready.as_deref() != Some("ready") {
            let _ = child.start_kill();
            return Err(format!("worker {replica} did not start: {ready:?}"));
        }
        self.workers().insert(
            replica,
            Worker {
                child,
                stdin,
                stdout,
            },
        );
        Ok(started.elapsed())
    }

    /// Kills worker `replica` with SIGKILL at once. Whether it was alive.
    pub fn kill(&self, replica: u32) -> bool {
        match self.workers().remove(&replica) {
            Some(mut worker) => {
                let _ = worker.child.start_kill();
                // Reaped in the background.
                tokio::spawn(async move {
                    let _ = worker.child.wait().await;
                });
                true
            }
            None => false,
        }
    }

    /// The replica numbers alive now.
    pub fn alive(&self) -> Vec<u32> {
        let mut alive: Vec<u32> = self.workers().keys().copied().collect();
        alive.sort_unstable();
        alive
    }

    /// Tells every worker to stop, waits until all have, lets each make a
    /// last call (`go`), and returns their summaries.
    pub async fn stop_all(&self) -> Result<Vec<serde_json::Value>, String> {
        let mut workers: Vec<(u32, Worker)> = self.workers().drain().collect();
        // All at once, so that none goes on calling (and refreshing) long
        // after another stopped.
        for (_, worker) in &mut workers {
            worker
                .stdin
                .write_all(b"stop\n")
                .await
                .map_err(|e| e.to_string())?;
            worker.stdin.flush().await.map_err(|e| e.to_string())?;
        }
        // Each says it stopped; then each makes one last call.
        for (replica, worker) in &mut workers {
            let line = next_line(*replica, worker).await?;
            if line != "stopped" {
                return Err(format!("worker {replica} said {line:?}, not `stopped`"));
            }
        }
        for (_, worker) in &mut workers {
            worker
                .stdin
                .write_all(b"go\n")
                .await
                .map_err(|e| e.to_string())?;
            worker.stdin.flush().await.map_err(|e| e.to_string())?;
        }
        let mut summaries = Vec::new();
        for (replica, mut worker) in workers {
            let line = next_line(replica, &mut worker).await?;
            let status = worker.child.wait().await.map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("worker {replica} failed ({status})"));
            }
            summaries.push(
                serde_json::from_str(&line)
                    .map_err(|e| format!("worker {replica}: {e}: {line}"))?,
            );
        }
        Ok(summaries)
    }
}

/// The worker's next line of output, within a minute.
async fn next_line(replica: u32, worker: &mut Worker) -> Result<String, String> {
    tokio::time::timeout(Duration::from_secs(60), worker.stdout.next_line())
        .await
        .map_err(|_| format!("worker {replica} did not answer in 60 s"))?
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("worker {replica} ended early"))
}
