//! The worker process (`fuzz --worker`): reads one JSON request per line,
//! runs `generator::generate` under `catch_unwind` with a panic hook that
//! records the message, location and backtrace instead of printing them,
//! checks the Rust it returns (see `checks`), and answers one JSON line per
//! request. The backtrace helpers here shorten what goes into that reply.

use std::io::{BufRead, Write};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use serde_json::{json, Value};

use super::checks::{duplicates, infinite_size};

/// What the panic hook saw of the last panic.
struct PanicRecord {
    message: String,
    location: String,
    backtrace: String,
}

static LAST_PANIC: Mutex<Option<PanicRecord>> = Mutex::new(None);

/// `fuzz --worker`: serves requests until stdin closes, with the panic hook set.
pub(super) fn worker() -> Result<(), String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "<non-string panic payload>".to_owned());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::force_capture().to_string();
        *LAST_PANIC.lock().unwrap_or_else(PoisonError::into_inner) = Some(PanicRecord {
            message,
            location,
            backtrace,
        });
    }));
    let result = serve();
    std::panic::set_hook(previous);
    result
}

fn serve() -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("worker: cannot read: {e}"))?;
        let request: Value =
            serde_json::from_str(&line).map_err(|e| format!("worker: bad request: {e}"))?;
        let reply = generate_once(&request);
        writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("worker: cannot reply: {e}"))?;
    }
    Ok(())
}

fn generate_once(request: &Value) -> Value {
    let path = PathBuf::from(request["path"].as_str().unwrap_or_default());
    let runtime = if request["in_crate"].as_bool().unwrap_or(false) {
        generator::Runtime::in_crate()
    } else {
        generator::Runtime::default()
    };
    let options = generator::Options {
        runtime,
        spec_name: "fuzz/input".into(),
        standalone: request["standalone"].as_bool().unwrap_or(false).then(|| {
            generator::Standalone {
                crate_name: "fuzz_client".into(),
                runtime_path: PathBuf::from("../runtime"),
                own_workspace: true,
            }
        }),
        deny_warnings: request["deny"].as_bool().unwrap_or(false),
    };
    *LAST_PANIC.lock().unwrap_or_else(PoisonError::into_inner) = None;
    let started = Instant::now();
    let result =
        std::panic::catch_unwind(AssertUnwindSafe(|| generator::generate(&path, &options)));
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(Ok(output)) => {
            for file in &output.files {
                if file.path.extension().is_some_and(|e| e == "rs") {
                    match syn::parse_file(&file.contents) {
                        Err(e) => {
                            return json!({
                                "r": "badcode",
                                "ms": ms,
                                "file": file.path.display().to_string(),
                                "msg": e.to_string(),
                            });
                        }
                        Ok(parsed) => {
                            let finding = duplicates(&parsed.items)
                                .map(|m| ("duplicate-definition", m))
                                .or_else(|| {
                                    infinite_size(&parsed.items).map(|m| ("infinite-size", m))
                                });
                            if let Some((kind, message)) = finding {
                                return json!({
                                    "r": "finding",
                                    "kind": kind,
                                    "ms": ms,
                                    "file": file.path.display().to_string(),
                                    "msg": message,
                                });
                            }
                        }
                    }
                }
            }
            json!({"r": "ok", "ms": ms, "warnings": output.warnings.len()})
        }
        Ok(Err(diagnostics)) => {
            let internal = diagnostics
                .iter()
                .find(|d| d.message.contains("internal error"))
                .map(|d| d.message.clone());
            json!({"r": "err", "ms": ms, "n": diagnostics.len(), "internal": internal,
                   "first": diagnostics.iter().find(|d| d.is_error()).or(diagnostics.first()).map(|d| d.message.clone())})
        }
        Err(_) => {
            let record = LAST_PANIC
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let (message, location, backtrace) = record
                .map(|r| (r.message, r.location, r.backtrace))
                .unwrap_or_default();
            json!({"r": "panic", "ms": ms, "msg": message, "loc": location,
                   "frame": generator_frame(&backtrace), "bt": trim_backtrace(&backtrace)})
        }
    }
}

/// The innermost frame of the backtrace inside `generator/src` (file:line
/// when the binary has line tables, else the function name).
fn generator_frame(backtrace: &str) -> String {
    if let Some(line) = backtrace
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("at ") && l.contains("generator/src/"))
    {
        if let Some(i) = line.find("generator/src/") {
            return line.get(i..).unwrap_or(line).to_owned();
        }
    }
    backtrace
        .lines()
        .map(str::trim)
        .filter_map(|l| l.split_once(": ").map(|(_, f)| f))
        .find(|f| f.starts_with("generator::"))
        .map(|f| strip_hash(f).to_owned())
        .unwrap_or_default()
}

fn strip_hash(symbol: &str) -> &str {
    match symbol.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            head
        }
        _ => symbol,
    }
}

/// The backtrace without the panic machinery on top and the runtime below.
fn trim_backtrace(backtrace: &str) -> String {
    let lines: Vec<&str> = backtrace.lines().collect();
    let start = lines
        .iter()
        .position(|l| {
            let l = l.trim();
            l.contains("generator::") || l.contains("generator/src/")
        })
        .map_or(0, |i| i.saturating_sub(12));
    lines
        .iter()
        .skip(start)
        .take(80)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}
