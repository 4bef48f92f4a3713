//! `PostgresStore` against a real PostgreSQL server (started by `cargo
//! xtask services-test`): the migration, compare-and-swap versions, one
//! renewal per key across pools (each pool stands for a replica), a lock
//! freed when its holder goes, the lock wait bounded by the deadline, and
//! a commit that fails handing the new pair back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leadconnector::oauth::store::{PostgresStore, RenewError, Renewal, Renewed, MIGRATIONS};
use leadconnector::oauth::{TokenKey, TokenPair, TokenStore};
use leadconnector::TokenError;
use replicas::{postgres_url, unique};
use tokio::sync::Notify;
use tokio::time::Instant;

fn pair(access: &str, refresh: &str) -> TokenPair {
    TokenPair::new(
        access,
        refresh,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
}

async fn store() -> PostgresStore {
    store_named("replicas-tests").await
}

/// A store with its own pool, whose connections carry `application_name`
/// (so that a test can find and end them).
async fn store_named(name: &str) -> PostgresStore {
    let url = format!("{}?application_name={name}", postgres_url());
    let store = PostgresStore::connect(&url, 4).expect("the pool builds");
    store.migrate().await.expect("the migration applies");
    store
}

fn later(seconds: u64) -> Instant {
    Instant::now() + Duration::from_secs(seconds)
}

/// A renewal that counts its runs and gives `pair` after `delay`.
fn renewal<'a>(runs: &'a AtomicUsize, delay: Duration, pair: TokenPair) -> Renewal<'a> {
    Box::new(move |_current| {
        Box::pin(async move {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            Ok(pair)
        })
    })
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn migrations_apply_once_when_replicas_start_together() {
    let starts = (0..8).map(|_| tokio::spawn(async { store().await }));
    let stores = futures_join(starts).await;
    let client = stores[0].pool().get().await.expect("a connection");
    let applied: i64 = client
        .query_one("SELECT count(*) FROM leadconnector_migrations", &[])
        .await
        .expect("the migrations table")
        .get(0);
    assert_eq!(applied, i64::try_from(MIGRATIONS.len()).expect("few"));
    let columns: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'leadconnector_tokens'",
            &[],
        )
        .await
        .expect("the token table")
        .get(0);
    assert_eq!(columns, 11);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("the task ends"));
    }
    out
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn versions_grow_and_compare_and_swap_refuses_a_stale_version() {
    let store = store().await;
    let key = TokenKey::location(unique("loc"));
    assert_eq!(store.load(&key).await.expect("load"), None);

    let first = store.put(&key, pair("at-1", "rt-1")).await.expect("put");
    assert_eq!(store.load(&key).await.expect("load"), Some(first.clone()));

    let second = store
        .compare_and_swap(&key, Some(first.version), pair("at-2", "rt-2"))
        .await
        .expect("cas")
        .expect("the version matched");
    assert!(second.version > first.version);
    assert_eq!(second.pair.refresh_token.expose(), "rt-2");

    // A stale version, and "absent" for a key that exists: refused, with
    // what is stored.
    let stale = store
        .compare_and_swap(&key, Some(first.version), pair("at-3", "rt-3"))
        .await
        .expect("cas");
    assert_eq!(stale, Err(Some(second.clone())));
    let absent = store
        .compare_and_swap(&key, None, pair("at-3", "rt-3"))
        .await
        .expect("cas");
    assert_eq!(absent, Err(Some(second.clone())));

    assert!(store.remove(&key).await.expect("remove"));
    assert!(!store.remove(&key).await.expect("remove"));
    assert_eq!(store.load(&key).await.expect("load"), None);

    // Stored again: a version never given before, so an old reader's
    // version cannot match it.
    let again = store
        .compare_and_swap(&key, None, pair("at-4", "rt-4"))
        .await
        .expect("cas")
        .expect("absent");
    assert!(again.version > second.version);
    let old = store
        .compare_and_swap(&key, Some(first.version), pair("at-5", "rt-5"))
        .await
        .expect("cas");
    assert_eq!(old, Err(Some(again)));
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn one_renewal_runs_however_many_replicas_ask_at_once() {
    let key = TokenKey::location(unique("loc"));
    let seed = store().await;
    let first = seed.put(&key, pair("at-1", "rt-1")).await.expect("put");
    let runs = Arc::new(AtomicUsize::new(0));
    // Six pools (six replicas), four tasks each, all with the same version.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = Arc::new(store().await);
        for _ in 0..4 {
            let (store, key, runs) = (Arc::clone(&store), key.clone(), Arc::clone(&runs));
            tasks.push(tokio::spawn(async move {
                store
                    .renew(
                        &key,
                        Some(first.version),
                        later(30),
                        renewal(&runs, Duration::from_millis(200), pair("at-2", "rt-2")),
                    )
                    .await
                    .expect("renewed or changed")
            }));
        }
    }
    let results = futures_join(tasks.into_iter()).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "one renewal across every replica"
    );
    let renewed: Vec<_> = results
        .iter()
        .filter(|r| matches!(r, Renewed::Renewed(_)))
        .collect();
    assert_eq!(renewed.len(), 1);
    let stored = seed.load(&key).await.expect("load").expect("stored");
    assert_eq!(stored.pair.refresh_token.expose(), "rt-2");
    for result in &results {
        match result {
            Renewed::Renewed(s) | Renewed::Changed(Some(s)) => assert_eq!(s, &stored),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn a_renewal_given_up_frees_the_lock_by_closing_its_connection() {
    let key = TokenKey::location(unique("loc"));
    let name = unique("holder");
    let (a, b) = (Arc::new(store_named(&name).await), store().await);
    let first = a.put(&key, pair("at-1", "rt-1")).await.expect("put");
    let entered = Arc::new(Notify::new());
    let holder = {
        let (a, key, entered) = (Arc::clone(&a), key.clone(), Arc::clone(&entered));
        tokio::spawn(async move {
            let hang: Renewal<'_> = Box::new(move |_| {
                Box::pin(async move {
                    entered.notify_one();
                    std::future::pending::<()>().await;
                    unreachable!()
                })
            });
            a.renew(&key, Some(first.version), later(300), hang).await
        })
    };
    entered.notified().await;
    assert_eq!(
        advisory_locks(&b, &name).await,
        1,
        "the holder's lock is in the server"
    );
    holder.abort();
    let _ = holder.await;

    let runs = AtomicUsize::new(0);
    let result = b
        .renew(
            &key,
            Some(first.version),
            later(60),
            renewal(&runs, Duration::ZERO, pair("at-2", "rt-2")),
        )
        .await
        .expect("the next replica takes over");
    assert!(matches!(result, Renewed::Renewed(_)), "{result:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(advisory_locks(&b, &name).await, 0);
}

/// Advisory locks granted now to connections named `name` (other tests
/// run at the same time).
async fn advisory_locks(store: &PostgresStore, name: &str) -> i64 {
    let client = store.pool().get().await.expect("a connection");
    client
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1",
            &[&name],
        )
        .await
        .expect("pg_locks")
        .get(0)
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn the_wait_for_the_lock_ends_at_the_deadline() {
    let key = TokenKey::location(unique("loc"));
    let (a, b) = (Arc::new(store().await), store().await);
    let first = a.put(&key, pair("at-1", "rt-1")).await.expect("put");
    let entered = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let holder = {
        let (a, key, entered, release) = (
            Arc::clone(&a),
            key.clone(),
            Arc::clone(&entered),
            Arc::clone(&release),
        );
        tokio::spawn(async move {
            let wait: Renewal<'_> = Box::new(move |_| {
                Box::pin(async move {
                    entered.notify_one();
                    release.notified().await;
                    Ok(pair("at-2", "rt-2"))
                })
            });
            a.renew(&key, Some(first.version), later(300), wait).await
        })
    };
    entered.notified().await;
    let runs = AtomicUsize::new(0);
    let err = b
        .renew(
            &key,
            Some(first.version),
            Instant::now() + Duration::from_millis(300),
            renewal(&runs, Duration::ZERO, pair("at-3", "rt-3")),
        )
        .await
        .expect_err("the lock is held past the deadline");
    let RenewError::Store(error) = &err else {
        panic!("expected a store error, got {err:?}");
    };
    assert!(error.to_string().contains("lock timeout"), "{error}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    release.notify_one();
    let held = holder.await.expect("the holder ends").expect("it commits");
    assert!(matches!(held, Renewed::Renewed(_)));
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn a_commit_that_fails_hands_the_new_pair_back_unsaved() {
    let key = TokenKey::location(unique("loc"));
    let name = unique("doomed");
    let doomed = store_named(&name).await;
    let admin = store().await;
    let first = doomed.put(&key, pair("at-1", "rt-1")).await.expect("put");
    // The renewal ends its own connection (as a database restart or a
    // network failure would) before the commit.
    let admin_ref = &admin;
    let name_ref = name.as_str();
    let ending: Renewal<'_> = Box::new(move |_| {
        Box::pin(async move {
            let client = admin_ref.pool().get().await.expect("a connection");
            let ended: i64 = client
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
                    &[&name_ref],
                )
                .await
                .expect("terminate")
                .get(0);
            assert!(ended >= 1);
            Ok(pair("at-2", "rt-2"))
        })
    });
    let err = doomed
        .renew(&key, Some(first.version), later(30), ending)
        .await
        .expect_err("the commit cannot happen");
    let RenewError::Unsaved {
        pair: unsaved,
        seen,
        error,
    } = err
    else {
        panic!("expected Unsaved, got {err:?}");
    };
    assert_eq!(unsaved.refresh_token.expose(), "rt-2");
    assert_eq!(seen, Some(first.version));
    assert!(!error.to_string().contains("rt-2"));
    // The store still holds the old pair; saving the new one from `seen`
    // works on a new connection.
    assert_eq!(admin.load(&key).await.expect("load"), Some(first.clone()));
    let saved = doomed
        .compare_and_swap(&key, seen, unsaved)
        .await
        .expect("a new connection")
        .expect("nobody wrote in between");
    assert!(saved.version > first.version);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn a_refused_renewal_leaves_the_pair_and_frees_the_lock() {
    let key = TokenKey::location(unique("loc"));
    let name = unique("refused");
    let store = store_named(&name).await;
    let first = store
        .put(&key, pair("at-SECRET-1", "rt-SECRET-1"))
        .await
        .expect("put");
    let refused: Renewal<'_> = Box::new(|_| {
        Box::pin(async {
            Err(TokenError::Unavailable {
                reason: "the endpoint is down".into(),
            })
        })
    });
    let err = store
        .renew(&key, Some(first.version), later(30), refused)
        .await
        .expect_err("refused");
    assert!(
        matches!(err, RenewError::Renew(TokenError::Unavailable { .. })),
        "{err:?}"
    );
    assert_eq!(store.load(&key).await.expect("load"), Some(first.clone()));
    assert_eq!(advisory_locks(&store, &name).await, 0);
    // Nothing in Debug output shows a token.
    let shown = format!("{store:?} {first:?} {err:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
}
