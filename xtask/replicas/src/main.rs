//! The replica experiments and their benchmark (see `lib.rs`); run them
//! with `cargo xtask services-test` (bounded) or `--full`.
//!
//! ```text
//! replicas all [--full]            every experiment, bounded or full
//! replicas tokens [--expiries N]   4 processes x 64 tasks, one refresh per expiry
//! replicas kill [--expiries N]     the same with SIGKILLs
//! replicas rate [--seconds S]      4 processes on one budget in Redis
//! replicas rate-restart [--seconds S]  the same, Redis killed and started again
//! replicas bench [--calls N]      the Redis limiter per call, the database per refresh
//! replicas worker ...              one replica (started by the others)
//! ```

mod bench;
mod fleet;
mod rate_run;
mod token_runs;
mod worker;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// `--name N` among `args`, or `default`.
fn number(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
        None => Ok(default),
    }
}

async fn dispatch(args: &[String]) -> Result<(), String> {
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("worker") => worker::run(worker::Options::parse(rest)?).await,
        Some("rate-worker") => rate_run::worker(rest).await,
        Some("bench") => {
            bench::run(usize::try_from(number(rest, "--calls", 4000)?).unwrap_or(4000)).await
        }
        Some("rate") => rate_run::run(number(rest, "--seconds", 60)?, false).await,
        Some("rate-restart") => rate_run::run(number(rest, "--seconds", 60)?, true).await,
        Some("tokens") => {
            token_runs::run(token_runs::Plan {
                expiries: number(rest, "--expiries", 50)?,
                kills: false,
            })
            .await
        }
        Some("kill") => {
            token_runs::run(token_runs::Plan {
                expiries: number(rest, "--expiries", 50)?,
                kills: true,
            })
            .await
        }
        Some("all") => {
            // Bounded (CI): fewer expiries, and the steady rate run left
            // out, as the restart run holds a steady stretch before Redis
            // goes away and one after it comes back.
            let full = rest.iter().any(|a| a == "--full");
            let expiries = if full { 50 } else { 5 };
            token_runs::run(token_runs::Plan {
                expiries,
                kills: false,
            })
            .await?;
            token_runs::run(token_runs::Plan {
                expiries: if full { 50 } else { 8 },
                kills: true,
            })
            .await?;
            if full {
                rate_run::run(60, false).await?;
            }
            // 26 s: a window on Redis, the window Redis is down for (it is
            // killed half a second before it), and a window on Redis again.
            rate_run::run(if full { 60 } else { 26 }, true).await?;
            bench::run(if full { 20_000 } else { 1000 }).await?;
            Ok(())
        }
        other => Err(format!(
            "unknown experiment {other:?}; use all [--full], tokens, kill, rate, rate-restart, bench (see src/main.rs)"
        )),
    }
}
