//! `RedisBudget` against real Redis servers: the one `cargo xtask
//! services-test` started, and (for restarts) servers of the test's own.
//! Several budgets stand for several replicas.

use std::time::Duration;

use leadconnector::{Fallback, RedisBudget, Refused};
use replicas::{redis_url, unique};
use tokio::time::Instant;

fn far() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs Redis: run `cargo xtask services-test`"]
async fn replicas_sharing_a_key_stay_within_the_window_together() {
    let url = redis_url();
    let prefix = unique("shared");
    let window = Duration::from_secs(1);
    let replicas: Vec<RedisBudget> = (0..3)
        .map(|_| {
            RedisBudget::builder(url.clone())
                .prefix(prefix.clone())
                .limit(20, window)
                .margin(Duration::ZERO)
                .build()
                .expect("a Redis URL")
        })
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for budget in &replicas {
        let limiter = budget.limiter("app:loc");
        for _ in 0..10 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                let mut starts = Vec::new();
                for _ in 0..2 {
                    limiter.acquire(far()).await.expect("a slot");
                    starts.push(Instant::now());
                }
                starts
            }));
        }
    }
    let mut starts = Vec::new();
    for task in tasks {
        starts.extend(task.await.expect("the task ends"));
    }
    starts.sort();
    assert_eq!(starts.len(), 60);
    // Any 21 consecutive starts span at least a window (less the wake-up
    // jitter of a loaded machine).
    let slack = Duration::from_millis(50);
    for pair in starts.windows(21) {
        assert!(
            pair[20] - pair[0] >= window - slack,
            "21 starts within {:?}",
            pair[20] - pair[0]
        );
    }
    // 60 slots at 20 per second: the last starts two windows in.
    assert!(starts[59] - started >= 2 * window - slack);
    let granted: u64 = replicas.iter().map(|b| b.stats().redis_grants).sum();
    assert_eq!(granted, 60);
}

#[tokio::test]
#[ignore = "needs Redis: run `cargo xtask services-test`"]
async fn a_pause_seen_by_one_replica_holds_the_others_back() {
    let url = redis_url();
    let prefix = unique("pause");
    let make = || {
        RedisBudget::builder(url.clone())
            .prefix(prefix.clone())
            .build()
            .expect("a Redis URL")
    };
    let (a, b) = (make(), make());
    a.limiter("app:loc").pause(Duration::from_secs(2)).await;
    let limiter = b.limiter("app:loc");
    let soon = Instant::now() + Duration::from_millis(500);
    assert_eq!(limiter.acquire(soon).await, Err(Refused::Deadline));
    limiter
        .acquire(far())
        .await
        .expect("a slot after the pause");
    // Another key is not paused.
    let other = b.limiter("app:other");
    let soon = Instant::now() + Duration::from_millis(500);
    other.acquire(soon).await.expect("not paused");
}

#[tokio::test]
#[ignore = "needs Redis: run `cargo xtask services-test`"]
async fn the_daily_limit_refuses_until_the_next_day() {
    let budget = RedisBudget::builder(redis_url())
        .prefix(unique("daily"))
        .daily_limit(Some(5))
        .build()
        .expect("a Redis URL");
    let limiter = budget.limiter("app:loc");
    for _ in 0..5 {
        limiter
            .acquire(far())
            .await
            .expect("within the day's budget");
    }
    match limiter.acquire(far()).await {
        Err(Refused::DailySpent(left)) => assert!(left <= Duration::from_secs(86_400)),
        other => panic!("expected the daily budget spent, got {other:?}"),
    }
}

/// A Redis URL nobody answers on.
fn unreachable() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("redis://127.0.0.1:{port}/")
}

#[tokio::test]
#[ignore = "needs Redis: run `cargo xtask services-test`"]
async fn without_redis_each_replica_limits_itself_to_its_share() {
    let _ = redis_url();
    let budget = RedisBudget::builder(unreachable())
        .limit(10, Duration::from_secs(10))
        .replicas(2)
        .build()
        .expect("a Redis URL");
    let limiter = budget.limiter("app:loc");
    for _ in 0..5 {
        limiter.acquire(far()).await.expect("within the share");
    }
    let soon = Instant::now() + Duration::from_millis(200);
    assert_eq!(limiter.acquire(soon).await, Err(Refused::Deadline));
    let stats = budget.stats();
    assert_eq!(stats.fallback_grants, 5);
    assert_eq!(stats.redis_grants, 0);
    assert_eq!(stats.outages, 1, "one outage, one warning");
}

#[tokio::test]
#[ignore = "needs Redis: run `cargo xtask services-test`"]
async fn with_the_wait_fallback_nothing_is_granted_without_redis() {
    let _ = redis_url();
    let budget = RedisBudget::builder(unreachable())
        .fallback(Fallback::Wait)
        .retry_interval(Duration::from_millis(100))
        .build()
        .expect("a Redis URL");
    let limiter = budget.limiter("app:loc");
    let soon = Instant::now() + Duration::from_millis(500);
    assert_eq!(limiter.acquire(soon).await, Err(Refused::Deadline));
    assert_eq!(budget.stats().fallback_grants, 0);
    assert_eq!(budget.stats().redis_grants, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: run `cargo xtask services-test`"]
async fn after_a_restart_a_replica_adds_its_recent_starts_back() {
    let _ = redis_url();
    let mut server = tokio::task::spawn_blocking(services::Redis::start)
        .await
        .expect("started")
        .expect("redis-server starts");
    let budget = RedisBudget::builder(server.url())
        .prefix(unique("restart"))
        .limit(10, Duration::from_secs(30))
        .margin(Duration::ZERO)
        .retry_interval(Duration::from_millis(100))
        .build()
        .expect("a Redis URL");
    let limiter = budget.limiter("app:loc");
    for _ in 0..6 {
        limiter.acquire(far()).await.expect("a slot");
    }
    // Redis crashes and comes back empty.
    server = tokio::task::spawn_blocking(move || server.start_again().map(|()| server))
        .await
        .expect("restarted")
        .expect("redis-server starts again");
    // The first call sees the broken connection: the fallback serves it.
    limiter
        .acquire(far())
        .await
        .expect("served by the fallback");
    assert_eq!(budget.stats().outages, 1);
    assert_eq!(budget.stats().fallback_grants, 1);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Redis again, after adding back the 7 starts of this window.
    for _ in 0..3 {
        limiter.acquire(far()).await.expect("a slot");
    }
    let stats = budget.stats();
    assert_eq!(stats.reseeded, 7);
    assert_eq!(stats.redis_grants, 9);
    // 10 in the window already: the next is 30 s away.
    let soon = Instant::now() + Duration::from_secs(2);
    assert_eq!(limiter.acquire(soon).await, Err(Refused::Deadline));
    drop(server);
}
