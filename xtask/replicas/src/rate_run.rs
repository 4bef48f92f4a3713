//! The rate experiment: 4 worker processes share one Location's budget
//! through Redis against a stand-in API that enforces 100 requests per
//! 10 s per Location (sliding window, 429 with `Retry-After`). Redis is
//! killed halfway and started again, empty, a few seconds later.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use leadconnector::{budget, Client, Error, Fallback, RetryPolicy};
use replicas::standin::{Config, StandIn};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::fleet::Fleet;

const PROCESSES: u32 = 4;
const TASKS: usize = 16;
const MAX: usize = 100;
const WINDOW: Duration = Duration::from_secs(10);
/// Redis stays down this long.
const OUTAGE: Duration = Duration::from_secs(3);

pub async fn run(seconds: u64, restart: bool) -> Result<(), String> {
    let duration = Duration::from_secs(seconds);
    let name = if restart { "rate-restart" } else { "rate" };
    println!(
        "\n== {name}: {PROCESSES} processes x {TASKS} tasks, one Location, the API enforcing {MAX} per {} s, {seconds} s{}",
        WINDOW.as_secs(),
        if restart {
            format!(
                "; Redis killed just before a window's requests and started again (empty) {} s later",
                OUTAGE.as_secs()
            )
        } else {
            String::new()
        }
    );
    let mut redis = tokio::task::spawn_blocking(services::Redis::start)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start Redis: {e}"))?;
    let (standin, _events) = StandIn::start(Config {
        rate_limit: Some((MAX, WINDOW)),
        ..Config::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let location = "loc-rate";
    let pair = standin.install(location);
    let fleet = Fleet::default();
    for replica in 0..PROCESSES {
        let args = vec![
            "rate-worker".into(),
            redis.url(),
            standin.url(),
            pair.access_token.expose().to_owned(),
            location.to_owned(),
        ];
        fleet.spawn(replica, args).await?;
    }
    let started = Instant::now();
    let (killed_at, back_at) = if restart {
        let (killed_at, back_at, again) = outage(&standin, redis, started, duration).await?;
        redis = again;
        (Some(killed_at), Some(back_at))
    } else {
        (None, None)
    };
    tokio::time::sleep(duration.saturating_sub(started.elapsed())).await;
    let ended = started.elapsed();
    let summaries = fleet.stop_all().await?;
    redis.kill();

    let stats = standin.stats();
    let at = |t: Instant| t.duration_since(started);
    let accepted: Vec<Duration> = stats
        .accepted_at
        .iter()
        .map(|t| at(*t))
        .filter(|t| *t <= ended)
        .collect();
    // The sustained rate: every request after the first window's, over
    // the time from the first request to the last.
    let span = match (accepted.first(), accepted.last()) {
        (Some(first), Some(last)) => (*last - *first).as_secs_f64(),
        _ => 0.0,
    };
    let rate = accepted.len().saturating_sub(MAX) as f64 / span.max(f64::EPSILON);
    let budget_rate = MAX as f64 / WINDOW.as_secs_f64();
    let share = rate / budget_rate;
    let mut worst = 0;
    for (i, t) in accepted.iter().enumerate() {
        let within = accepted[i..]
            .iter()
            .take_while(|u| **u < *t + WINDOW)
            .count();
        worst = worst.max(within);
    }
    let (mut ok, mut redis_grants, mut fallback_grants, mut reseeded, mut outages) =
        (0, 0, 0, 0, 0);
    let mut failed: BTreeMap<String, u64> = BTreeMap::new();
    for summary in &summaries {
        ok += summary["ok"].as_u64().unwrap_or(0);
        redis_grants += summary["redis_grants"].as_u64().unwrap_or(0);
        fallback_grants += summary["fallback_grants"].as_u64().unwrap_or(0);
        reseeded += summary["reseeded"].as_u64().unwrap_or(0);
        outages += summary["outages"].as_u64().unwrap_or(0);
        if let Some(errors) = summary["errors"].as_object() {
            for (kind, count) in errors {
                *failed.entry(kind.clone()).or_default() += count.as_u64().unwrap_or(0);
            }
        }
    }
    let outage_calls = match (killed_at, back_at) {
        (Some(from), Some(to)) => accepted.iter().filter(|t| **t >= from && **t < to).count(),
        _ => 0,
    };
    println!(
        "  duration                      {:.1} s",
        ended.as_secs_f64()
    );
    println!("  requests the API accepted     {}", accepted.len());
    println!("  429 answers                   {}", stats.api_429);
    println!(
        "  sustained rate                {rate:.2}/s = {:.1}% of the budget ({budget_rate:.0}/s): (accepted - {MAX}) / (last - first)",
        share * 100.0
    );
    println!("  most in any 10 s window       {worst} (limit {MAX})");
    if let (Some(from), Some(to)) = (killed_at, back_at) {
        println!(
            "  Redis down                    {:.1} s to {:.1} s: {outage_calls} requests accepted meanwhile; {fallback_grants} slots from the in-process fallback (a quarter of the budget each), {reseeded} starts added back after, {outages} outages seen by the workers",
            from.as_secs_f64(),
            to.as_secs_f64()
        );
    }
    println!("  slots granted by Redis        {redis_grants}");
    println!("  calls that succeeded          {ok}; failed {failed:?}");
    let mut failures = Vec::new();
    if !failed.is_empty() {
        failures.push(format!("failed calls: {failed:?}"));
    }
    if restart {
        // Calls go on as `Fallback::Local` says: each replica keeps to its
        // share in process (429s are possible where the replicas' shares
        // of the last window were uneven when Redis went away; the client
        // retries them), and the replicas' starts go back into Redis when
        // it returns.
        if fallback_grants == 0 {
            failures.push("the fallback never served during the outage".into());
        }
        if reseeded == 0 {
            failures.push("no start was added back to Redis after the restart".into());
        }
    } else {
        if stats.api_429 != 0 {
            failures.push(format!("{} answers 429", stats.api_429));
        }
        if worst > MAX {
            failures.push(format!("{worst} requests in one window"));
        }
        if share < 0.95 {
            failures.push(format!(
                "the sustained rate is {:.1}% of the budget",
                share * 100.0
            ));
        }
    }
    if failures.is_empty() {
        println!("  {name}: passed");
        Ok(())
    } else {
        Err(format!("{name} failed:\n  {}", failures.join("\n  ")))
    }
}

/// One replica: `TASKS` tasks calling the API for the Location, limited by
/// the budget shared through Redis (fallback: a quarter each in process).
pub async fn worker(args: &[String]) -> Result<(), String> {
    let [redis, standin, token, location] = args else {
        return Err("rate-worker REDIS STANDIN TOKEN LOCATION".into());
    };
    let shared = budget::shared_budget(redis.clone(), "client-1")
        .replicas(PROCESSES)
        .fallback(Fallback::Local)
        .build()
        .map_err(|e| e.to_string())?;
    let client = Client::builder(token.clone())
        .base_url(standin.clone())
        .timeout(Duration::from_secs(60))
        .retry(RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(15),
        })
        .rate_limiter(budget::location_limiter(&shared, location))
        .build()
        .map_err(|e| e.to_string())?;
    println!("ready");
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let errors: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (client, stop, ok, errors) = (
            client.clone(),
            Arc::clone(&stop),
            Arc::clone(&ok),
            Arc::clone(&errors),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match client.get_contact("c1").await {
                    Ok(_) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => {
                        let kind = match &error {
                            Error::RateLimited { .. } => "rate_limited".to_owned(),
                            Error::Timeout { .. } => "timeout".to_owned(),
                            other => other.to_string(),
                        };
                        *errors.lock().expect("lock").entry(kind).or_default() += 1;
                    }
                }
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
    // Tasks asleep until a slot are not waited for.
    for task in &tasks {
        task.abort();
    }
    println!("stopped");
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim() == "go" {
            break;
        }
    }
    let stats = shared.stats();
    println!(
        "{}",
        json!({
            "ok": ok.load(Ordering::Relaxed),
            "errors": *errors.lock().expect("lock"),
            "redis_grants": stats.redis_grants,
            "fallback_grants": stats.fallback_grants,
            "reseeded": stats.reseeded,
            "outages": stats.outages,
        })
    );
    Ok(())
}

/// Kills Redis just before a window's requests late in the run and starts
/// it again, empty, `OUTAGE` later.
async fn outage(
    standin: &StandIn,
    mut redis: services::Redis,
    started: Instant,
    duration: Duration,
) -> Result<(Duration, Duration, services::Redis), String> {
    // Every task waits for a slot, so each window's 100 slots start
    // together, a window (plus the margin) after the last: kill Redis half
    // a second before the requests of a window late in the run, so that
    // they ask the fallback, and the window after asks Redis again.
    let cycle = WINDOW + Duration::from_millis(250);
    let cycles = (duration.saturating_sub(cycle + Duration::from_secs(5))).as_secs_f64()
        / cycle.as_secs_f64();
    let first = loop {
        if let Some(first) = standin.stats().accepted_at.first().copied() {
            break first;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let kill_at = first + cycle.mul_f64(cycles.floor().max(1.0)) - Duration::from_millis(500);
    tokio::time::sleep_until(kill_at.into()).await;
    let killed_at = started.elapsed();
    redis.kill();
    tokio::time::sleep(OUTAGE).await;
    let redis = tokio::task::spawn_blocking(move || redis.start_again().map(|()| redis))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start Redis again: {e}"))?;
    let back_at = started.elapsed();
    Ok((killed_at, back_at, redis))
}
