//! A worker process: one replica of an app. It reads its Location's pair
//! from PostgreSQL, runs tasks that call the stand-in API in a loop, and on
//! `stop` (or the end of its standard input) prints what it did as one
//! JSON line.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leadconnector::oauth::store::PostgresStore;
use leadconnector::oauth::{Locations, OAuthApp};
use leadconnector::{Error, TokenError};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

/// How the driver configures a worker (passed as `--name value`).
#[derive(Clone, Debug)]
pub struct Options {
    pub replica: u32,
    pub postgres: String,
    pub standin: String,
    pub location: String,
    pub tasks: usize,
    pub pause: Duration,
    pub margin: Duration,
}

impl Options {
    pub fn to_args(&self) -> Vec<String> {
        vec![
            "worker".into(),
            "--replica".into(),
            self.replica.to_string(),
            "--postgres".into(),
            self.postgres.clone(),
            "--standin".into(),
            self.standin.clone(),
            "--location".into(),
            self.location.clone(),
            "--tasks".into(),
            self.tasks.to_string(),
            "--pause-ms".into(),
            self.pause.as_millis().to_string(),
            "--margin-ms".into(),
            self.margin.as_millis().to_string(),
        ]
    }

    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut values = BTreeMap::new();
        let mut rest = args.iter();
        while let Some(name) = rest.next() {
            let value = rest.next().ok_or_else(|| format!("{name} needs a value"))?;
            values.insert(name.trim_start_matches("--").to_owned(), value.clone());
        }
        let get = |name: &str| {
            values
                .get(name)
                .cloned()
                .ok_or_else(|| format!("--{name} is missing"))
        };
        let number = |name: &str| {
            get(name)?
                .parse::<u64>()
                .map_err(|e| format!("--{name}: {e}"))
        };
        Ok(Self {
            replica: u32::try_from(number("replica")?).map_err(|e| e.to_string())?,
            postgres: get("postgres")?,
            standin: get("standin")?,
            location: get("location")?,
            tasks: usize::try_from(number("tasks")?).map_err(|e| e.to_string())?,
            pause: Duration::from_millis(number("pause-ms")?),
            margin: Duration::from_millis(number("margin-ms")?),
        })
    }
}

/// The kind of a failed call, for the summary.
fn kind<E>(error: &Error<E>) -> String {
    match error {
        Error::Auth { source, .. } => match source {
            TokenError::ReinstallRequired { .. } => "reinstall_required".into(),
            TokenError::Persist { .. } => "persist".into(),
            TokenError::Unavailable { .. } => "token_unavailable".into(),
            other => format!("token: {other}"),
        },
        Error::Api(api) => format!("status {}", api.status.as_u16()),
        Error::RateLimited { .. } => "rate_limited".into(),
        Error::Timeout { .. } => "timeout".into(),
        other => format!("{other}"),
    }
}

pub async fn run(options: Options) -> Result<(), String> {
    let store = PostgresStore::connect(&options.postgres, 4).map_err(|e| e.to_string())?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-replica",
        options.replica.to_string().parse().map_err(|_| "header")?,
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .map_err(|e| e.to_string())?;
    let app = OAuthApp::builder("client-1", "cs-experiment")
        .base_url(&options.standin)
        .http_client(http)
        .build()
        .map_err(|e| e.to_string())?;
    let standin = options.standin.clone();
    let locations = Locations::builder(app, Arc::new(store))
        .refresh_margin(options.margin)
        .configure(move |client, _| {
            client
                .base_url(standin.clone())
                .timeout(Duration::from_secs(20))
        })
        .build()
        .await
        .map_err(|e| e.to_string())?;
    let client = locations
        .client(&options.location)
        .await
        .map_err(|e| e.to_string())?;
    println!("ready");

    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let errors: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..options.tasks {
        let (client, stop, ok, errors) = (
            client.clone(),
            Arc::clone(&stop),
            Arc::clone(&ok),
            Arc::clone(&errors),
        );
        let pause = options.pause;
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match client.get_contact("c1").await {
                    Ok(_) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => {
                        *errors
                            .lock()
                            .expect("lock")
                            .entry(kind(&error))
                            .or_default() += 1;
                    }
                }
                tokio::time::sleep(pause).await;
            }
        }));
    }

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim() == "stop" {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    locations.settle().await;
    println!("stopped");
    // One last call once every worker has stopped its loop: a worker that
    // stopped before another's last refresh is due too, and takes that
    // pair now; so every process ends with the stored pair.
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim() == "go" {
            break;
        }
    }
    if let Err(error) = client.get_contact("c1").await {
        *errors
            .lock()
            .expect("lock")
            .entry(format!("last call: {}", kind(&error)))
            .or_default() += 1;
    } else {
        ok.fetch_add(1, Ordering::Relaxed);
    }
    locations.settle().await;
    let tokens = locations
        .tokens(&options.location)
        .await
        .map_err(|e| e.to_string())?;
    let pair = tokens.pair();
    let summary = json!({
        "replica": options.replica,
        "ok": ok.load(Ordering::Relaxed),
        "errors": *errors.lock().expect("lock"),
        "version": tokens.version(),
        // Stand-in tokens, printed to compare with the store's.
        "refresh_token": pair.refresh_token.expose(),
        "unsaved": tokens.is_unsaved(),
    });
    println!("{summary}");
    Ok(())
}
