//! `leadconnector-mock`: the offline LeadConnector contacts API as a program,
//! for tests in other languages and manual runs.
//!
//! ```sh
//! cargo run -p leadconnector-mock -- --port 4010 --seed-file seed.json
//! ```
//!
//! It prints one JSON line (`baseUrl`, `locationId`, `token`) when it is
//! ready, and serves until it is killed.

use std::net::SocketAddr;
use std::process::ExitCode;

use leadconnector_mock::ratelimit::Limits;
use leadconnector_mock::seed::SeedFile;
use leadconnector_mock::MockServer;

const USAGE: &str = "\
usage: leadconnector-mock [options]

  --port N            port to listen on (default 4010; 0 picks a free one)
  --host ADDR         address to listen on (default 127.0.0.1)
  --seed-file FILE    JSON seed data: Locations, contacts, tokens, OAuth apps
  --seed N            seed of every id and token (default 0)
  --fixed-clock       start the clock at 2025-01-01T00:00:00Z instead of now
  --burst N           requests per 10 s and Location (default 100)
  --daily N           requests per day and Location (default 200000)
  --webhook URL       send signed contact events to URL (may repeat)
  --help              this text

The mock's own endpoints (state, requests, faults, webhooks) are under
/__mock/; see the crate documentation (admin module).";

struct Args {
    addr: SocketAddr,
    seed_file: Option<String>,
    seed: u64,
    fixed_clock: bool,
    limits: Limits,
    webhooks: Vec<String>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port: u16 = 4010;
    let mut parsed = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed_file: None,
        seed: 0,
        fixed_clock: false,
        limits: Limits::default(),
        webhooks: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--port" => {
                port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--host" => host = value("--host")?,
            "--seed-file" => parsed.seed_file = Some(value("--seed-file")?),
            "--seed" => {
                parsed.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--fixed-clock" => parsed.fixed_clock = true,
            "--burst" => {
                parsed.limits.burst_max = value("--burst")?
                    .parse()
                    .map_err(|e| format!("--burst: {e}"))?
            }
            "--daily" => {
                parsed.limits.daily_max = value("--daily")?
                    .parse()
                    .map_err(|e| format!("--daily: {e}"))?
            }
            "--webhook" => parsed.webhooks.push(value("--webhook")?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    parsed.addr = format!("{host}:{port}")
        .parse()
        .map_err(|e| format!("--host {host}: {e}"))?;
    Ok(Some(parsed))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("leadconnector-mock: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let data = match &args.seed_file {
        None => SeedFile::default(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| SeedFile::from_json(&t))
        {
            Ok(data) => data,
            Err(e) => {
                eprintln!("leadconnector-mock: {path}: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let mut builder = MockServer::builder()
        .seed(args.seed)
        .addr(args.addr)
        .rate_limits(args.limits)
        .data(data);
    if !args.fixed_clock {
        builder = builder.system_clock();
    }
    let mock = match builder.start().await {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("leadconnector-mock: cannot start on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    for url in &args.webhooks {
        mock.register_webhook(url);
    }
    let ready = serde_json::json!({
        "baseUrl": mock.base_url(),
        "locationId": mock.location_id(),
        "token": mock.token(),
    });
    println!("{ready}");
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
