//! `OAuthTokens` and `Locations` on a `PostgresStore` (a real server
//! started by `cargo xtask services-test`), against the stand-in token
//! endpoint and API: one refresh for many replicas, a 401 that reads the
//! store first, a lost commit (calls go on with the previous token until
//! the pair is saved), Agency Location tokens obtained once, and pairs
//! read once per Location, not per call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leadconnector::oauth::store::{
    PostgresStore, RenewError, Renewal, Renewed, StoreError, StoreFuture, StoredPair,
};
use leadconnector::oauth::{Locations, OAuthApp, TokenKey, TokenPair, TokenStore};
use replicas::standin::{Config, Event, StandIn};
use replicas::{postgres_url, unique};
use tokio::time::Instant;

async fn store_named(name: &str, connections: usize) -> PostgresStore {
    let url = format!("{}?application_name={name}", postgres_url());
    let store = PostgresStore::connect(&url, connections).expect("the pool builds");
    store.migrate().await.expect("the migration applies");
    store
}

async fn store() -> PostgresStore {
    store_named("stored-tokens", 4).await
}

/// The app of replica `replica`: its token requests say who sent them.
fn app(url: &str, replica: u32) -> OAuthApp {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-replica", replica.to_string().parse().expect("a header"));
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("the HTTP client builds");
    OAuthApp::builder("client-1", "cs-SECRET")
        .base_url(url)
        .http_client(http)
        .build()
        .expect("the app builds")
}

async fn locations(standin: &StandIn, store: Arc<dyn TokenStore>, replica: u32) -> Locations {
    let url = standin.url();
    Locations::builder(app(&url, replica), store)
        .configure(move |client, _location| {
            client
                .base_url(url.clone())
                .timeout(Duration::from_secs(30))
        })
        .build()
        .await
        .expect("builds")
}

fn expired(mut pair: TokenPair) -> TokenPair {
    pair.expires_at = chrono::Utc::now() - chrono::Duration::seconds(60);
    pair
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn replicas_on_one_store_send_one_refresh_for_an_expired_pair() {
    let (standin, _events) = StandIn::start(Config::default()).await.expect("serves");
    let location = unique("loc");
    let key = TokenKey::location(&location);
    let seed = store().await;
    seed.put(&key, expired(standin.install(&location)))
        .await
        .expect("put");

    let mut replicas = Vec::new();
    for replica in 0..3 {
        let store: Arc<dyn TokenStore> = Arc::new(store().await);
        replicas.push(locations(&standin, store, replica).await);
    }
    let mut calls = Vec::new();
    for replica in &replicas {
        for _ in 0..32 {
            let (replica, location) = (replica.clone(), location.clone());
            calls.push(tokio::spawn(async move {
                let client = replica.client(&location).await.expect("a client");
                client.get_contact("c1").await.map(|_| ())
            }));
        }
    }
    for call in calls {
        call.await
            .expect("the task ends")
            .expect("the call succeeds");
    }
    let stats = standin.stats();
    assert_eq!(
        stats.refresh_requests, 1,
        "one refresh across 3 replicas x 32 tasks"
    );
    assert_eq!(stats.invalid_grant, 0);
    assert_eq!(stats.api_401, 0);
    let stored = seed.load(&key).await.expect("load").expect("stored");
    assert!(standin.is_live(stored.pair.refresh_token.expose()));
    for replica in &replicas {
        let tokens = replica.tokens(&location).await.expect("tokens");
        assert_eq!(tokens.pair().refresh_token, stored.pair.refresh_token);
        assert_eq!(tokens.version(), Some(stored.version));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn a_401_reads_the_store_before_refreshing() {
    let (standin, _events) = StandIn::start(Config::default()).await.expect("serves");
    let location = unique("loc");
    let key = TokenKey::location(&location);
    let installed = standin.install(&location);
    // The API refuses this access token; the refresh token is good.
    let mut refused = installed.clone();
    refused.access_token = "at-refused".into();
    let seed = store().await;
    seed.put(&key, refused).await.expect("put");

    let a = locations(&standin, Arc::new(store().await), 0).await;
    let b = locations(&standin, Arc::new(store().await), 1).await;
    let (client_a, client_b) = (
        a.client(&location).await.expect("a"),
        b.client(&location).await.expect("b"),
    );

    client_a
        .get_contact("c1")
        .await
        .expect("A refreshes after the 401");
    assert_eq!(standin.stats().refresh_requests, 1);
    client_b
        .get_contact("c1")
        .await
        .expect("B reads A's pair after its 401");
    let stats = standin.stats();
    assert_eq!(stats.refresh_requests, 1, "B did not refresh");
    assert_eq!(stats.api_401, 2);
    let pair_a = a.tokens(&location).await.expect("tokens").pair();
    let pair_b = b.tokens(&location).await.expect("tokens").pair();
    assert_eq!(pair_a.refresh_token, pair_b.refresh_token);
    assert_eq!(
        seed.load(&key)
            .await
            .expect("load")
            .expect("stored")
            .pair
            .refresh_token,
        pair_a.refresh_token
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn a_lost_commit_leaves_calls_on_the_previous_token_until_the_pair_is_saved() {
    let (standin, mut events) = StandIn::start(Config {
        processing: Duration::from_millis(300),
        ..Config::default()
    })
    .await
    .expect("serves");
    let location = unique("loc");
    let key = TokenKey::location(&location);
    // Four seconds to live: refreshed at half its life, 2 s from now.
    let mut pair = standin.install(&location);
    pair.expires_at = chrono::Utc::now() + chrono::Duration::seconds(4);
    let previous = pair.access_token.expose().to_owned();
    let admin = store().await;
    admin.put(&key, pair).await.expect("put");

    let name = unique("doomed");
    let replica = Locations::builder(
        app(&standin.url(), 0),
        Arc::new(store_named(&name, 2).await),
    )
    .refresh_margin(Duration::from_secs(60))
    .configure({
        let url = standin.url();
        move |client, _| client.base_url(url.clone())
    })
    .build()
    .await
    .expect("builds");
    let client = replica.client(&location).await.expect("a client");
    let tokens = replica.tokens(&location).await.expect("tokens");

    // While the token endpoint works on the refresh, the replica's
    // database connections are ended: the commit cannot happen.
    let ender = {
        let name = name.clone();
        let admin = admin.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if matches!(event, Event::RefreshAsked { .. }) {
                    let client = admin.pool().get().await.expect("a connection");
                    client
                        .execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                            &[&name],
                        )
                        .await
                        .expect("terminate");
                    return;
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(2100)).await;
    client
        .get_contact("c1")
        .await
        .expect("served with the previous token");
    ender.await.expect("the connections were ended");
    assert!(tokens.is_unsaved(), "the commit failed");
    let new = tokens.pair().access_token.expose().to_owned();
    assert_ne!(new, previous);
    let stats = standin.stats();
    assert_eq!(stats.refresh_requests, 1);
    assert_eq!(stats.bearer_uses.get(&previous), Some(&1));

    // Calls go on; the save is tried again in the background (at most
    // every second) until it lands; the new token is used only then.
    let mut saved_after = None;
    for call in 0..60 {
        let unsaved = tokens.is_unsaved();
        client.get_contact("c1").await.expect("every call succeeds");
        let uses_of_new = standin.stats().bearer_uses.get(&new).copied().unwrap_or(0);
        if unsaved {
            assert_eq!(uses_of_new, 0, "the new token was used before it was saved");
        } else if uses_of_new > 0 {
            saved_after = Some(call);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saved_after.is_some(), "the pair was never saved");
    let stats = standin.stats();
    assert_eq!(stats.refresh_requests, 1, "no second refresh while unsaved");
    assert_eq!(stats.invalid_grant, 0);
    let stored = admin.load(&key).await.expect("load").expect("stored");
    assert_eq!(stored.pair.access_token.expose(), new);
    assert_eq!(tokens.version(), Some(stored.version));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn an_agency_obtains_each_locations_token_once_across_replicas() {
    let (standin, _events) = StandIn::start(Config::default()).await.expect("serves");
    let company = unique("co");
    let seed = store().await;
    seed.put(
        &TokenKey::company(&company),
        standin.install_company(&company),
    )
    .await
    .expect("put");
    let spots: Vec<String> = (0..3).map(|_| unique("loc")).collect();

    let mut replicas = Vec::new();
    for replica in 0..2 {
        let url = standin.url();
        let agency_url = standin.url();
        replicas.push(
            Locations::builder(app(&standin.url(), replica), Arc::new(store().await))
                .agency(&company, move |client| client.base_url(agency_url))
                .configure(move |client, _| client.base_url(url.clone()))
                .build()
                .await
                .expect("builds"),
        );
    }
    let mut calls = Vec::new();
    for replica in &replicas {
        for spot in &spots {
            for _ in 0..16 {
                let (replica, spot) = (replica.clone(), spot.clone());
                calls.push(tokio::spawn(async move {
                    let client = replica.client(&spot).await.expect("a client");
                    client.get_contact("c1").await.map(|_| ())
                }));
            }
        }
    }
    for call in calls {
        call.await
            .expect("the task ends")
            .expect("the call succeeds");
    }
    let stats = standin.stats();
    assert_eq!(
        stats.location_tokens, 3,
        "one Location token per Location, across replicas"
    );
    for spot in &spots {
        let stored = seed
            .load(&TokenKey::location(spot))
            .await
            .expect("load")
            .expect("stored");
        assert_eq!(stored.pair.company_id.as_deref(), Some(company.as_str()));
        assert!(stored.pair.refresh_token.is_empty());
    }
}

/// A store that counts reads and delegates.
struct Counting {
    inner: PostgresStore,
    loads: AtomicUsize,
}

impl TokenStore for Counting {
    fn load<'a>(
        &'a self,
        key: &'a TokenKey,
    ) -> StoreFuture<'a, Result<Option<StoredPair>, StoreError>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(key)
    }

    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<StoredPair, StoreError>> {
        self.inner.put(key, pair)
    }

    fn compare_and_swap<'a>(
        &'a self,
        key: &'a TokenKey,
        expected: Option<u64>,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<Result<StoredPair, Option<StoredPair>>, StoreError>> {
        self.inner.compare_and_swap(key, expected, pair)
    }

    fn renew<'a>(
        &'a self,
        key: &'a TokenKey,
        seen: Option<u64>,
        deadline: Instant,
        renewal: Renewal<'a>,
    ) -> StoreFuture<'a, Result<Renewed, RenewError>> {
        self.inner.renew(key, seen, deadline, renewal)
    }

    fn remove<'a>(&'a self, key: &'a TokenKey) -> StoreFuture<'a, Result<bool, StoreError>> {
        self.inner.remove(key)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: run `cargo xtask services-test`"]
async fn locations_read_each_pair_once_and_share_one_small_pool() {
    let (standin, _events) = StandIn::start(Config::default()).await.expect("serves");
    let pg = store_named("two-connections", 2).await;
    let spots: Vec<String> = (0..40).map(|_| unique("loc")).collect();
    for spot in &spots {
        pg.put(&TokenKey::location(spot), standin.install(spot))
            .await
            .expect("put");
    }
    let counting = Arc::new(Counting {
        inner: pg.clone(),
        loads: AtomicUsize::new(0),
    });
    let replica = locations(&standin, Arc::clone(&counting) as Arc<dyn TokenStore>, 0).await;
    let mut calls = Vec::new();
    for spot in &spots {
        for _ in 0..5 {
            let (replica, spot) = (replica.clone(), spot.clone());
            calls.push(tokio::spawn(async move {
                let client = replica.client(&spot).await.expect("a client");
                client.get_contact("c1").await.map(|_| ())
            }));
        }
    }
    for call in calls {
        call.await
            .expect("the task ends")
            .expect("the call succeeds");
    }
    assert_eq!(replica.len(), 40);
    assert_eq!(
        counting.loads.load(Ordering::SeqCst),
        40,
        "one read per Location"
    );
    for spot in &spots {
        replica
            .client(spot)
            .await
            .expect("cached")
            .get_contact("c2")
            .await
            .expect("ok");
    }
    assert_eq!(
        counting.loads.load(Ordering::SeqCst),
        40,
        "no read per call"
    );
    assert!(pg.pool().status().size <= 2);
    assert_eq!(standin.stats().api_ok, 240);
}
