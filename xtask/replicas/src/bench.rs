//! The benchmark of point 6: what the Redis limiter adds to a call, and
//! the database work of one refresh, each beside a bare round trip to the
//! same server measured in the same run (the baseline).

use std::sync::Arc;
use std::time::{Duration, Instant};

use leadconnector::oauth::store::{PostgresStore, Renewal};
use leadconnector::oauth::{TokenKey, TokenPair, TokenStore};
use leadconnector::RedisBudget;

/// Median, 90th and 99th percentile, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.9), at(0.99))
}

fn line(name: &str, samples: Vec<Duration>) -> f64 {
    let n = samples.len();
    let (p50, p90, p99) = percentiles(samples);
    println!("  {name:<44} median {p50:.3} ms  p90 {p90:.3} ms  p99 {p99:.3} ms  ({n} calls)");
    p50
}

pub async fn run(calls: usize) -> Result<(), String> {
    println!("\n== bench: the Redis limiter per call, the database per refresh (loopback, this build's profile)");
    let redis = tokio::task::spawn_blocking(services::Redis::start)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start Redis: {e}"))?;
    let postgres = tokio::task::spawn_blocking(services::Postgres::start)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start PostgreSQL: {e}"))?;

    // Redis: a bare round trip (the baseline), then the limiter's whole
    // acquire (one script call) with a budget that never makes it wait.
    let client = redis::Client::open(redis.url()).map_err(|e| e.to_string())?;
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| e.to_string())?;
    let mut bare = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        let _: String = redis::cmd("PING")
            .query_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        bare.push(start.elapsed());
    }
    // The vendor's limits, over many Locations (20 calls each: none waits).
    let budget = leadconnector::budget::shared_budget(redis.url(), "bench-app")
        .build()
        .map_err(|e| e.to_string())?;
    let locations: Vec<leadconnector::RedisLimiter> = (0..calls.div_ceil(20))
        .map(|i| budget.limiter(&format!("location:bench-{i}")))
        .collect();
    let far = || tokio::time::Instant::now() + Duration::from_secs(60);
    locations[0]
        .acquire(far())
        .await
        .map_err(|e| e.to_string())?;
    let mut acquire = Vec::with_capacity(calls);
    for i in 0..calls {
        let start = Instant::now();
        locations[i % locations.len()]
            .acquire(far())
            .await
            .map_err(|e| e.to_string())?;
        acquire.push(start.elapsed());
    }
    let ping = line("Redis PING (baseline)", bare);
    let limited = line("RedisLimiter::acquire (100/10 s + daily)", acquire);
    println!(
        "  => the limiter adds {:.3} ms per call at the median over a bare round trip ({:.3} ms in all; goal <= 0.3 ms)",
        limited - ping,
        limited
    );
    // The memory of one Location's key with a full window.
    let full = budget.limiter("location:full");
    for _ in 0..100 {
        full.acquire(far()).await.map_err(|e| e.to_string())?;
    }
    let bytes: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("leadconnector:bench-app:{location:full}:slots")
        .query_async(&mut connection)
        .await
        .map_err(|e| e.to_string())?;
    println!("  one Location's window, full (MEMORY USAGE)  {bytes} bytes");
    // Redis's own time per script call: what saturates one Redis core.
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut connection)
        .await
        .map_err(|e| e.to_string())?;
    let per_call = info
        .lines()
        .find(|l| l.starts_with("cmdstat_evalsha:"))
        .and_then(|l| l.split(',').find_map(|f| f.strip_prefix("usec_per_call=")))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    println!(
        "  Redis CPU per acquire (INFO commandstats)    {per_call:.1} us: one Redis core saturates near {:.0} acquires/s",
        1e6 / per_call.max(0.001)
    );
    // Throughput with many callers: what one Redis does for many replicas.
    let tasks = 64;
    let per_task = calls / tasks;
    let start = Instant::now();
    let mut handles = Vec::new();
    let wide = RedisBudget::builder(redis.url())
        .prefix("bench-wide")
        .limit(u32::MAX / 2, Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    for task in 0..tasks {
        let limiter = wide.limiter(&format!("location:task-{task}"));
        handles.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let _ = limiter
                    .acquire(tokio::time::Instant::now() + Duration::from_secs(60))
                    .await;
            }
        }));
    }
    for handle in handles {
        handle.await.map_err(|e| e.to_string())?;
    }
    let rate = (tasks * per_task) as f64 / start.elapsed().as_secs_f64();
    println!("  {tasks} tasks acquiring at once                        {rate:.0} acquires/s from this one process");

    // PostgreSQL: a bare round trip, a read of a pair, and a whole
    // renewal (lock, read, write, commit) with a renewal that costs nothing.
    let store = PostgresStore::connect(&postgres.url(), 2).map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let key = TokenKey::location("bench-loc");
    let pair = || {
        TokenPair::new(
            "at-bench",
            "rt-bench",
            chrono::Utc::now() + chrono::Duration::days(1),
        )
    };
    let mut stored = store.put(&key, pair()).await.map_err(|e| e.to_string())?;
    let pg = store.pool().get().await.map_err(|e| e.to_string())?;
    // Interleaved, so that both see the same conditions.
    let mut select_one = Vec::new();
    let mut loads = Vec::new();
    let one = pg.prepare("SELECT 1").await.map_err(|e| e.to_string())?;
    for _ in 0..calls / 4 {
        let start = Instant::now();
        pg.query_one(&one, &[]).await.map_err(|e| e.to_string())?;
        select_one.push(start.elapsed());
        let start = Instant::now();
        store.load(&key).await.map_err(|e| e.to_string())?;
        loads.push(start.elapsed());
    }
    let lsn_before: String = pg
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let renewals = calls / 4;
    let mut renew = Vec::new();
    let store = Arc::new(store);
    for _ in 0..renewals {
        let start = Instant::now();
        let free: Renewal<'_> = Box::new(|_| Box::pin(async { Ok(pair()) }));
        let renewed = store
            .renew(
                &key,
                Some(stored.version),
                tokio::time::Instant::now() + Duration::from_secs(30),
                free,
            )
            .await
            .map_err(|e| e.to_string())?;
        renew.push(start.elapsed());
        match renewed {
            leadconnector::oauth::store::Renewed::Renewed(new) => stored = new,
            other => return Err(format!("unexpected {other:?}")),
        }
    }
    let wal_bytes: i64 = pg
        .query_one(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)::bigint",
            &[&lsn_before],
        )
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let bare = line("PostgreSQL SELECT 1 (baseline)", select_one);
    line("PostgresStore::load (one pair, by key)", loads);
    let renewal = line("PostgresStore::renew (lock, read, write, commit)", renew);
    println!(
        "  => one refresh costs the database 4 round trips (BEGIN + lock, SELECT, UPDATE, COMMIT), 1 row written, {:.0} bytes of WAL, {:.3} ms at the median ({:.1}x a bare round trip), and holds one connection while the token endpoint answers",
        wal_bytes as f64 / renewals as f64,
        renewal,
        renewal / bare
    );
    Ok(())
}
