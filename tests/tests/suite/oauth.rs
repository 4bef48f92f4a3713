//! OAuth apps on loopback, against a token endpoint the test serves: the
//! install URL, the code exchange, Location tokens, and a client whose
//! token refreshes itself (ahead of expiry, after a 401, once for many
//! tasks, never losing the new refresh token), plus token sources of the
//! app's own.
//!
//! Timing uses tokio's paused clock (`start_paused`): expiry and backoff
//! are virtual, and no test bounds wall-clock time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Answer, RawServer, Received};
use chrono::Utc;
use leadconnector::oauth::types::{LocationTokenRequest, UserType};
use leadconnector::oauth::{self, ErrorBody, OAuthApp, OAuthTokens, TokenPair};
use leadconnector::{
    types, Client, Error, RetryPolicy, SecretString, TokenContext, TokenError, TokenFuture,
    TokenSource,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_SECRET: &str = "cs-SECRET-client";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A stored pair whose access token expires in `expires_in` seconds
/// (negative: expired already).
fn pair(access: &str, refresh: &str, expires_in: i64) -> TokenPair {
    TokenPair::new(
        access,
        refresh,
        Utc::now() + chrono::Duration::seconds(expires_in),
    )
    .with_user_type(UserType::Location)
}

fn token_json(access: &str, refresh: &str) -> serde_json::Value {
    json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 86399,
        "refresh_token": refresh,
        "scope": "contacts.readonly contacts.write",
        "userType": "Location",
        "locationId": "loc1",
        "companyId": "co1",
        "userId": "u1"
    })
}

fn token_answer(access: &str, refresh: &str) -> Answer {
    Answer::json(200, &token_json(access, refresh))
}

fn contact_ok() -> Answer {
    Answer::json(200, &json!({"contact": {"id": "c1"}}))
}

/// The app, with quick refresh retries (virtual time in paused tests).
fn app(uri: &str) -> OAuthApp {
    OAuthApp::builder("client-1", CLIENT_SECRET)
        .base_url(uri)
        .refresh_retry(RetryPolicy {
            max_retries: 8,
            initial_backoff: ms(100),
            max_backoff: secs(2),
        })
        .build()
        .expect("the app builds")
}

/// The fields of a form body, decoded.
fn form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => {
                let hex = std::str::from_utf8(hex).expect("ASCII");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// What the persistence callback was given, and whether it fails.
#[derive(Clone, Default)]
struct Saved {
    pairs: Arc<Mutex<Vec<TokenPair>>>,
    /// The next this many calls fail.
    failures: Arc<AtomicUsize>,
}

impl Saved {
    fn failing(times: usize) -> Self {
        let saved = Self::default();
        saved.failures.store(times, Ordering::SeqCst);
        saved
    }

    fn callback(
        &self,
    ) -> impl Fn(TokenPair) -> std::future::Ready<Result<(), std::io::Error>> + Send + Sync + 'static
    {
        let saved = self.clone();
        move |pair: TokenPair| {
            saved.pairs.lock().expect("lock").push(pair);
            let fail = saved
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            std::future::ready(if fail {
                Err(std::io::Error::other("the database is down"))
            } else {
                Ok(())
            })
        }
    }

    /// The refresh tokens of the pairs given, in order.
    fn refresh_tokens(&self) -> Vec<String> {
        self.pairs
            .lock()
            .expect("lock")
            .iter()
            .map(|p| p.refresh_token.expose().to_owned())
            .collect()
    }
}

fn client(tokens: OAuthTokens, uri: &str) -> Client {
    Client::builder_with_tokens(tokens)
        .base_url(uri)
        .retry(RetryPolicy {
            max_retries: 3,
            initial_backoff: ms(100),
            max_backoff: secs(120),
        })
        .timeout(secs(600))
        .build()
        .expect("the client builds")
}

fn bearer(request: &Received) -> Option<&str> {
    request.header("authorization")
}

fn assert_refresh_of(request: &Received, refresh_token: &str) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/oauth/token");
    assert_eq!(bearer(request), None, "the token endpoint gets no bearer");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let fields = form(&request.body);
    assert_eq!(field(&fields, "client_id"), Some("client-1"));
    assert_eq!(field(&fields, "client_secret"), Some(CLIENT_SECRET));
    assert_eq!(field(&fields, "grant_type"), Some("refresh_token"));
    assert_eq!(field(&fields, "refresh_token"), Some(refresh_token));
    assert_eq!(field(&fields, "user_type"), Some("Location"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_tasks_over_clones_with_an_expired_token_send_one_refresh() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_json("at-SECRET-new", "rt-SECRET-new"))
                // Slow, so that every task arrives while it is under way.
                .set_delay(ms(300)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/contacts/c1"))
        .and(header("authorization", "Bearer at-SECRET-new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"contact": {"id": "c1"}})))
        .expect(64)
        .mount(&server)
        .await;
    let saved = Saved::default();
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-old", "rt-SECRET-old", -60))
        .on_refresh(saved.callback())
        .build();
    let client = client(tokens.clone(), &server.uri());
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_contact("c1").await })
        })
        .collect();
    for task in tasks {
        let answer = task
            .await
            .expect("the task ends")
            .expect("every call succeeds");
        assert_eq!(answer.body().contact.id, "c1");
    }
    server.verify().await;
    let requests = server.received_requests().await.expect("recorded");
    let refreshes: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .collect();
    assert_eq!(refreshes.len(), 1);
    let fields = form(&refreshes[0].body);
    assert_eq!(field(&fields, "refresh_token"), Some("rt-SECRET-old"));
    assert_eq!(saved.refresh_tokens(), ["rt-SECRET-new"]);
    assert_eq!(tokens.pair().refresh_token.expose(), "rt-SECRET-new");
    assert!(!tokens.is_unsaved());
}

#[tokio::test(start_paused = true)]
async fn a_token_that_expires_during_a_retry_wait_is_refreshed_before_the_retry() {
    let server = RawServer::start().await;
    // The wait the server asks for carries the token into the margin.
    server.push(Answer::new(503, &[("retry-after", "90")], b""));
    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    server.push(contact_ok());
    let saved = Saved::default();
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", 120))
        .refresh_margin(secs(60))
        .on_refresh(saved.callback())
        .build();
    let started = tokio::time::Instant::now();
    client(tokens, &server.uri())
        .get_contact("c1")
        .await
        .expect("the retry succeeds");
    assert!(started.elapsed() >= secs(90), "the wait was honoured");
    let got = server.received();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert_eq!(bearer(&got[0]), Some("Bearer at-SECRET-1"));
    assert_refresh_of(&got[1], "rt-SECRET-1");
    assert_eq!(got[2].path, "/contacts/c1");
    assert_eq!(bearer(&got[2]), Some("Bearer at-SECRET-2"));
    assert_eq!(saved.refresh_tokens(), ["rt-SECRET-2"]);
}

#[tokio::test(start_paused = true)]
async fn the_token_is_refreshed_the_configured_margin_ahead_of_expiry() {
    let server = RawServer::start().await;
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", 3600))
        .refresh_margin(secs(600))
        .build();
    let client = client(tokens, &server.uri());
    server.push(contact_ok());
    client.get_contact("c1").await.expect("ok");
    // Ten seconds before the margin: the same token, no refresh.
    tokio::time::advance(secs(2990)).await;
    server.push(contact_ok());
    client.get_contact("c1").await.expect("ok");
    // Ten seconds into it: refreshed before the attempt.
    tokio::time::advance(secs(20)).await;
    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    server.push(contact_ok());
    client.get_contact("c1").await.expect("ok");
    let got = server.received();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(bearer(&got[0]), Some("Bearer at-SECRET-1"));
    assert_eq!(bearer(&got[1]), Some("Bearer at-SECRET-1"));
    assert_refresh_of(&got[2], "rt-SECRET-1");
    assert_eq!(bearer(&got[3]), Some("Bearer at-SECRET-2"));
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_any_operation_once() {
    let server = RawServer::start().await;
    let saved = Saved::default();
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", 86_000))
        .on_refresh(saved.callback())
        .build();
    // No retries at all: the 401 retry is not one of them.
    let client = Client::builder_with_tokens(tokens)
        .base_url(server.uri())
        .max_retries(0)
        .build()
        .expect("builds");
    let create = types::CreateContactRequest::new("loc1");

    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "Invalid JWT"}),
    ));
    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    server.push(Answer::json(201, &json!({"contact": {"id": "new"}})));
    client
        .create_contact(&create)
        .await
        .expect("a create (not idempotent) is sent again after the refresh");
    let got = server.received();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].path, "/contacts/");
    assert_eq!(bearer(&got[0]), Some("Bearer at-SECRET-1"));
    assert_refresh_of(&got[1], "rt-SECRET-1");
    assert_eq!(got[2].path, "/contacts/");
    assert_eq!(bearer(&got[2]), Some("Bearer at-SECRET-2"));
    assert_eq!(got[2].body, got[0].body);
    assert_eq!(saved.refresh_tokens(), ["rt-SECRET-2"]);

    // A second 401 after the refresh is the caller's: one refresh per call.
    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "Invalid JWT"}),
    ));
    server.push(token_answer("at-SECRET-3", "rt-SECRET-3"));
    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "Invalid JWT"}),
    ));
    let err = client.create_contact(&create).await.expect_err("401 twice");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let got = server.received();
    assert_eq!(got.len(), 6);
    assert_refresh_of(&got[4], "rt-SECRET-2");
    assert_eq!(bearer(&got[5]), Some("Bearer at-SECRET-3"));

    // A 401 for a missing scope is not fixed by a new token: no refresh.
    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "The token is not authorized for this scope."}),
    ));
    let err = client.create_contact(&create).await.expect_err("scope");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(leadconnector::ErrorExt::is_missing_scope(&err), "{err}");
    assert_eq!(server.count(), 7);
}

#[tokio::test]
async fn invalid_grant_is_a_reinstall_error_without_a_retry_storm() {
    let server = RawServer::start().await;
    server.push(Answer::json(
        400,
        &json!({"error": "invalid_grant", "error_description": "Invalid grant: refresh token is invalid"}),
    ));
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", -60))
        .build();
    let client = client(tokens.clone(), &server.uri());
    for _ in 0..5 {
        let err = client.get_contact("c1").await.expect_err("no token");
        let Error::Auth { source, .. } = &err else {
            panic!("expected Error::Auth, got {err:?}");
        };
        assert!(source.is_reinstall_required(), "{source:?}");
        assert!(!err.is_retryable());
        let message = err.to_string();
        assert!(message.contains("must be reinstalled"), "{message}");
        assert!(message.contains("refresh token is invalid"), "{message}");
    }
    // One refresh request, no retries, and no API request with a dead token.
    assert_eq!(server.count(), 1);
    assert_refresh_of(&server.received()[0], "rt-SECRET-1");
    assert_eq!(tokens.pair().refresh_token.expose(), "rt-SECRET-1");

    // After a reinstall, the app hands the new pair over and goes on.
    tokens.replace(pair("at-SECRET-9", "rt-SECRET-9", 86_000));
    server.push(contact_ok());
    client.get_contact("c1").await.expect("works again");
    assert_eq!(bearer(&server.received()[1]), Some("Bearer at-SECRET-9"));
}

#[tokio::test(start_paused = true)]
async fn a_refresh_endpoint_that_is_down_is_retried_with_backoff_until_the_calls_timeout() {
    let server = RawServer::start().await;
    server.set_fallback(Answer::new(503, &[], b"down"));
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", -60))
        .build();
    let client = Client::builder_with_tokens(tokens)
        .base_url(server.uri())
        .timeout(secs(20))
        .build()
        .expect("builds");
    let started = tokio::time::Instant::now();
    let err = client.get_contact("c1").await.expect_err("no token");
    let elapsed = started.elapsed();
    match &err {
        Error::Auth {
            source: TokenError::Unavailable { reason },
            ..
        } => assert!(reason.contains("503"), "{reason}"),
        Error::Timeout { .. } => {}
        other => panic!("expected an unavailable token endpoint, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert!(
        elapsed <= secs(20),
        "bounded by the call's timeout: {elapsed:?}"
    );
    let got = server.received();
    assert!(
        got.len() >= 3,
        "retried with backoff: {} attempts",
        got.len()
    );
    assert!(
        got.iter().all(|r| r.path == "/oauth/token"),
        "no API request without a token"
    );
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(!gaps.is_empty());

    // The refresh token was not spent: once the endpoint is back, it works.
    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    server.push(contact_ok());
    client
        .get_contact("c1")
        .await
        .expect("the endpoint is back");
    let got = server.received();
    assert_refresh_of(&got[got.len() - 2], "rt-SECRET-1");
    assert_eq!(bearer(&got[got.len() - 1]), Some("Bearer at-SECRET-2"));
}

#[tokio::test]
async fn a_failing_persistence_callback_fails_the_call_and_keeps_the_pair_for_the_next() {
    let server = RawServer::start().await;
    let saved = Saved::failing(1);
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", -60))
        .on_refresh(saved.callback())
        .build();
    let client = client(tokens.clone(), &server.uri());

    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    let err = client.get_contact("c1").await.expect_err("not saved");
    let Error::Auth {
        source: TokenError::Persist { source },
        ..
    } = &err
    else {
        panic!("expected a persistence error, got {err:?}");
    };
    assert_eq!(source.to_string(), "the database is down");
    assert!(err.is_retryable());
    // The new refresh token is not lost, and no request used the pair yet.
    assert!(tokens.is_unsaved());
    assert_eq!(tokens.pair().refresh_token.expose(), "rt-SECRET-2");
    assert_eq!(server.count(), 1);

    server.push(contact_ok());
    client.get_contact("c1").await.expect("saved, then sent");
    assert!(!tokens.is_unsaved());
    assert_eq!(saved.refresh_tokens(), ["rt-SECRET-2", "rt-SECRET-2"]);
    let got = server.received();
    assert_eq!(got.len(), 2, "no second refresh");
    assert_eq!(bearer(&got[1]), Some("Bearer at-SECRET-2"));
}

#[tokio::test]
async fn install_url_code_exchange_and_location_token_are_typed() {
    let server = RawServer::start().await;
    let app = app(&server.uri());
    let url = app
        .authorization_url("https://myapp.com/oauth/callback")
        .scopes(["contacts.readonly", "contacts.write"])
        .state("st-1")
        .build()
        .expect("a URL");
    assert_eq!(
        url.as_str(),
        "https://marketplace.gohighlevel.com/v2/oauth/chooselocation?response_type=code\
         &redirect_uri=https%3A%2F%2Fmyapp.com%2Foauth%2Fcallback&client_id=client-1\
         &scope=contacts.readonly+contacts.write&state=st-1"
    );
    let white = app
        .authorization_url("https://myapp.com/cb")
        .scopes(["oauth.write"])
        .white_label()
        .login_in_same_tab()
        .build()
        .expect("a URL");
    assert_eq!(white.host_str(), Some("marketplace.leadconnectorhq.com"));
    assert!(white
        .as_str()
        .ends_with("&scope=oauth.write&loginWindowOpenMode=self"));

    server.push(token_answer("at-SECRET-agency", "rt-SECRET-agency"));
    let pair = app
        .exchange_code(
            "code-SECRET-1",
            "https://myapp.com/cb",
            Some(UserType::Company),
        )
        .await
        .expect("exchanged");
    assert_eq!(pair.access_token.expose(), "at-SECRET-agency");
    assert_eq!(pair.refresh_token.expose(), "rt-SECRET-agency");
    assert_eq!(pair.user_type, Some(UserType::Location));
    assert_eq!(pair.location_id.as_deref(), Some("loc1"));
    assert!(pair.expires_at > Utc::now() + chrono::Duration::hours(23));
    let request = &server.received()[0];
    assert_eq!(bearer(request), None);
    let fields = form(&request.body);
    assert_eq!(field(&fields, "grant_type"), Some("authorization_code"));
    assert_eq!(field(&fields, "code"), Some("code-SECRET-1"));
    assert_eq!(field(&fields, "redirect_uri"), Some("https://myapp.com/cb"));
    assert_eq!(field(&fields, "user_type"), Some("Company"));
    assert_eq!(field(&fields, "client_secret"), Some(CLIENT_SECRET));

    // A used code: the typed 400 body.
    server.push(Answer::json(400, &json!({"error": "invalid_grant"})));
    let err = app
        .exchange_code("code-SECRET-1", "https://myapp.com/cb", None)
        .await
        .expect_err("used");
    match err.body() {
        Some(ErrorBody::BadRequest(body)) => {
            assert_eq!(body.error.as_deref(), Some("invalid_grant"))
        }
        other => panic!("expected the typed 400, got {other:?}"),
    }

    // A Location token from the Agency token.
    let agency = app.tokens(pair).build();
    let oauth_client = oauth::Client::builder_with_tokens(agency)
        .base_url(server.uri())
        .build()
        .expect("builds");
    server.push(Answer::json(
        201,
        &json!({"access_token": "at-SECRET-loc", "token_type": "Bearer", "expires_in": 86399,
                "scope": "contacts.readonly", "locationId": "loc1", "userId": "u1"}),
    ));
    let answer = oauth_client
        .get_location_access_token(&LocationTokenRequest::new("co1", "loc1"))
        .await
        .expect("a Location token");
    let token = answer.into_body();
    assert_eq!(
        token.access_token.as_ref().map(SecretString::expose),
        Some("at-SECRET-loc")
    );
    assert_eq!(token.location_id.as_deref(), Some("loc1"));
    let request = &server.received()[2];
    assert_eq!(request.path, "/oauth/locationToken");
    assert_eq!(bearer(request), Some("Bearer at-SECRET-agency"));
    assert_eq!(request.header("version"), Some("2021-07-28"));
    let fields = form(&request.body);
    assert_eq!(field(&fields, "companyId"), Some("co1"));
    assert_eq!(field(&fields, "locationId"), Some("loc1"));
}

/// Tokens from the app's own store, counting the asks.
struct Counted {
    asked: AtomicUsize,
}

impl TokenSource for Counted {
    fn token<'a>(&'a self, cx: &'a TokenContext) -> TokenFuture<'a, SecretString> {
        Box::pin(async move {
            let n = self.asked.fetch_add(1, Ordering::SeqCst) + 1;
            assert_eq!(cx.operation, "getContact");
            Ok(SecretString::new(format!("own-{n}")))
        })
    }
}

#[tokio::test]
async fn an_apps_own_token_source_is_asked_before_every_attempt() {
    let server = RawServer::start().await;
    let source = Arc::new(Counted {
        asked: AtomicUsize::new(0),
    });
    let client = leadconnector::ClientBuilder::<Client>::with_shared_token_source(
        source.clone(),
        &server.uri(),
    )
    .retry(RetryPolicy {
        max_retries: 2,
        initial_backoff: ms(1),
        max_backoff: ms(5),
    })
    .build()
    .expect("builds");
    server.push(Answer::new(503, &[], b""));
    server.push(contact_ok());
    client.get_contact("c1").await.expect("retried");
    let got = server.received();
    assert_eq!(bearer(&got[0]), Some("Bearer own-1"));
    assert_eq!(bearer(&got[1]), Some("Bearer own-2"));

    // The default `unauthorized` says the token cannot change: the 401 is
    // returned at once, like a static token's.
    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "Invalid JWT"}),
    ));
    let err = client.get_contact("c1").await.expect_err("401");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(server.count(), 3);
    assert_eq!(source.asked.load(Ordering::SeqCst), 3);

    let fixed = Client::builder("pit-fixed")
        .base_url(server.uri())
        .build()
        .expect("builds");
    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "Invalid JWT"}),
    ));
    fixed.get_contact("c1").await.expect_err("401");
    assert_eq!(server.count(), 4);
}

/// Everything a scoped `tracing` subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs every OAuth path (with bodies logged) and returns the `Debug` and
/// `Display` text of everything it got back.
async fn exercise_oauth(server: &RawServer) -> String {
    let mut out = String::new();
    let mut note = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    let app = OAuthApp::builder("client-1", CLIENT_SECRET)
        .base_url(server.uri())
        .log_bodies(true)
        .refresh_retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: ms(1),
            max_backoff: ms(5),
        })
        .build()
        .expect("builds");
    note(format!("{app:?}"));
    note(format!(
        "{:?}",
        OAuthApp::builder("client-1", CLIENT_SECRET)
    ));
    // Code exchange: success, typed refusal, and an answer that does not
    // decode although it holds a token.
    server.push(token_answer("at-SECRET-1", "rt-SECRET-1"));
    let installed = app
        .exchange_code("code-SECRET-1", "https://myapp.com/cb", None)
        .await
        .expect("exchanged");
    note(format!("{installed:?}"));
    server.push(Answer::json(400, &json!({"error": "invalid_grant"})));
    let err = app
        .exchange_code("code-SECRET-1", "https://myapp.com/cb", None)
        .await
        .expect_err("refused");
    note(format!("{err:?} / {err}"));
    server.push(Answer::json(
        200,
        &json!({"access_token": "at-SECRET-x", "refresh_token": "rt-SECRET-x", "expires_in": "soon"}),
    ));
    let err = app
        .exchange_code("code-SECRET-1", "https://myapp.com/cb", None)
        .await
        .expect_err("does not decode");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    note(format!("{err:?} / {err}"));

    // 401, refresh, retry; then a failing save; then invalid_grant.
    let saved = Saved::failing(0);
    let tokens = app.tokens(installed).on_refresh(saved.callback()).build();
    note(format!("{tokens:?}"));
    let client = Client::builder_with_tokens(tokens.clone())
        .base_url(server.uri())
        .log_bodies(true)
        .max_retries(0)
        .build()
        .expect("builds");
    note(format!("{client:?}"));
    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "Invalid JWT"}),
    ));
    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    server.push(contact_ok());
    note(format!("{:?}", client.get_contact("c1").await));
    note(format!("{tokens:?}"));
    saved.failures.store(1, Ordering::SeqCst);
    tokens.replace(pair("at-SECRET-3", "rt-SECRET-3", -60));
    server.push(token_answer("at-SECRET-4", "rt-SECRET-4"));
    let err = client.get_contact("c1").await.expect_err("not saved");
    note(format!("{err:?} / {err}"));
    note(format!("{tokens:?}"));
    tokens.replace(pair("at-SECRET-5", "rt-SECRET-5", -60));
    server.push(Answer::json(
        400,
        &json!({"error": "invalid_grant", "error_description": "Invalid grant: refresh token is invalid"}),
    ));
    let err = client.get_contact("c1").await.expect_err("revoked");
    note(format!("{err:?} / {err}"));

    // The endpoint down until the call's timeout.
    tokens.replace(pair("at-SECRET-6", "rt-SECRET-6", -60));
    server.set_fallback(Answer::new(503, &[], b"down"));
    let err = client
        .with_options(leadconnector::RequestOptions::new().timeout(ms(200)))
        .get_contact("c1")
        .await
        .expect_err("down");
    note(format!("{err:?} / {err}"));
    server.push(token_answer("at-SECRET-7", "rt-SECRET-7"));
    server.push(Answer::json(
        200,
        &json!({"access_token": "at-SECRET-loc", "expires_in": 86399}),
    ));
    // A Location token: the agency token is refreshed first.
    let oauth_client = oauth::Client::builder_with_tokens(tokens.clone())
        .base_url(server.uri())
        .log_bodies(true)
        .build()
        .expect("builds");
    let answer = oauth_client
        .get_location_access_token(&LocationTokenRequest::new("co1", "loc1"))
        .await
        .expect("a Location token");
    note(format!("{answer:?} {oauth_client:?}"));
    note(format!("{:?}", tokens.pair()));
    out
}

#[tokio::test]
async fn secrets_never_reach_debug_errors_or_trace_logs_on_any_oauth_path() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Scoped to this thread, which runs every task of this test (a
    // current-thread runtime), the refresh tasks included.
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = RawServer::start().await;
    let debug = exercise_oauth(&server).await;
    let traces = String::from_utf8_lossy(&captured.0.lock().expect("lock")).into_owned();
    for (name, text) in [("Debug/Display", &debug), ("traces", &traces)] {
        assert!(!text.contains("SECRET"), "{name} shows a secret:\n{text}");
        assert!(
            !text.contains("Bearer at-"),
            "{name} shows an auth header:\n{text}"
        );
    }
    // The paths ran and were logged, bodies included (redacted).
    for expected in [
        "refreshing the access token",
        "operation=\"getAccessToken\"",
        "operation=\"getLocationAccessToken\"",
        "request body",
        "response body",
        "client_secret=%3Credacted%3E",
        "\"refresh_token\":\"<redacted>\"",
        "saving the new token pair failed",
        "401: the token source has a new token",
    ] {
        assert!(
            traces.contains(expected),
            "traces lack {expected}:\n{traces}"
        );
    }
    for expected in [
        "must be reinstalled",
        "could not be saved",
        "cannot refresh",
        "<redacted>",
    ] {
        assert!(
            debug.contains(expected),
            "the results lack {expected}:\n{debug}"
        );
    }
    // The server did get the secrets: they were sent, not lost.
    let sent: Vec<u8> = server
        .received()
        .iter()
        .flat_map(|r| r.body.clone())
        .collect();
    assert!(String::from_utf8_lossy(&sent).contains("cs-SECRET-client"));
}

#[tokio::test]
async fn a_panicking_persistence_callback_does_not_wedge_later_calls() {
    let server = RawServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", -60))
        .on_refresh(move |_pair: TokenPair| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            assert!(n > 0, "the first save panics");
            std::future::ready(Ok::<(), std::io::Error>(()))
        })
        .build();
    let client = client(tokens.clone(), &server.uri());
    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    let err = client
        .get_contact("c1")
        .await
        .expect_err("the save panicked");
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(tokens.is_unsaved());
    server.push(contact_ok());
    client
        .get_contact("c1")
        .await
        .expect("saved on the next call");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(bearer(&server.received()[1]), Some("Bearer at-SECRET-2"));
}

/// Issue 18, point 9: a new pair that cannot be saved does not fail the
/// calls waiting for it. They go on with the previous access token until
/// it expires (never with the new one), saving is tried again at most
/// every second in the background, and once the previous token has
/// expired calls fail (without a request) until a save succeeds.
#[tokio::test(start_paused = true)]
async fn an_unsaved_pair_leaves_calls_on_the_previous_token_until_it_expires() {
    let server = RawServer::start().await;
    let saved = Saved::failing(usize::MAX);
    // Ten minutes to live, refreshed 5 minutes ahead (the default margin).
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", 600))
        .on_refresh(saved.callback())
        .build();
    let client = client(tokens.clone(), &server.uri());
    tokio::time::advance(secs(301)).await;

    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    for _ in 0..64 {
        server.push(contact_ok());
    }
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_contact("c1").await })
        })
        .collect();
    for task in tasks {
        task.await
            .expect("the task ends")
            .expect("served with the previous token");
    }
    let got = server.received();
    assert_eq!(got.len(), 65, "one refresh and the 64 calls");
    assert_refresh_of(&got[0], "rt-SECRET-1");
    assert!(got[1..]
        .iter()
        .all(|r| bearer(r) == Some("Bearer at-SECRET-1")));
    assert!(tokens.is_unsaved());
    assert_eq!(tokens.pair().refresh_token.expose(), "rt-SECRET-2");
    assert_eq!(saved.refresh_tokens(), ["rt-SECRET-2"]);

    // Every 10 s for the next 290 s: served with the previous token; one
    // save tried for each call (each comes more than a second after the
    // last try), never a second refresh.
    for _ in 0..29 {
        tokio::time::advance(secs(10)).await;
        server.push(contact_ok());
        client
            .get_contact("c1")
            .await
            .expect("the previous token serves");
        // Let the background save run.
        tokio::task::yield_now().await;
    }
    assert_eq!(saved.refresh_tokens().len(), 30);
    let got = server.received();
    assert_eq!(got.len(), 94);
    assert!(got[1..]
        .iter()
        .all(|r| bearer(r) == Some("Bearer at-SECRET-1")));

    // Calls within a second of a try do not try again.
    server.push(contact_ok());
    client.get_contact("c1").await.expect("served");
    assert_eq!(saved.refresh_tokens().len(), 30);

    // Past the previous token's expiry: the call fails without a request.
    tokio::time::advance(secs(10)).await;
    let err = client.get_contact("c1").await.expect_err("nothing serves");
    assert!(
        matches!(
            &err,
            Error::Auth {
                source: TokenError::Persist { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 95, "no request for the failed call");

    // Once a save succeeds, the new token is used; still one refresh.
    saved.failures.store(0, Ordering::SeqCst);
    server.push(contact_ok());
    client.get_contact("c1").await.expect("saved, then sent");
    assert!(!tokens.is_unsaved());
    let got = server.received();
    assert_eq!(bearer(&got[got.len() - 1]), Some("Bearer at-SECRET-2"));
    let refreshes = got.iter().filter(|r| r.path == "/oauth/token").count();
    assert_eq!(refreshes, 1);
}

/// Issue 18, point 9: a 401 to the previous token (while the new pair is
/// unsaved) fails that call if the save tried for it fails too, without a
/// second refresh: the old refresh token is spent.
#[tokio::test(start_paused = true)]
async fn a_401_to_the_previous_token_fails_the_call_without_another_refresh() {
    let server = RawServer::start().await;
    let saved = Saved::failing(usize::MAX);
    let tokens = app(&server.uri())
        .tokens(pair("at-SECRET-1", "rt-SECRET-1", 600))
        .on_refresh(saved.callback())
        .build();
    let client = client(tokens.clone(), &server.uri());
    tokio::time::advance(secs(301)).await;

    server.push(token_answer("at-SECRET-2", "rt-SECRET-2"));
    server.push(contact_ok());
    client
        .get_contact("c1")
        .await
        .expect("served with the previous token");

    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "message": "Invalid JWT"}),
    ));
    let err = client
        .get_contact("c1")
        .await
        .expect_err("the previous token is refused and the pair unsaved");
    assert!(
        matches!(
            &err,
            Error::Auth {
                source: TokenError::Persist { .. },
                ..
            }
        ),
        "{err:?}"
    );
    let got = server.received();
    assert_eq!(got.len(), 3, "refresh, served call, refused call");
    assert_eq!(bearer(&got[2]), Some("Bearer at-SECRET-1"));
    assert_eq!(saved.refresh_tokens().len(), 2, "a save was tried for it");

    // The refused token is not used again: the next call fails at once.
    let err = client.get_contact("c1").await.expect_err("still unsaved");
    assert!(matches!(&err, Error::Auth { .. }), "{err:?}");
    assert_eq!(server.count(), 3);

    saved.failures.store(0, Ordering::SeqCst);
    server.push(contact_ok());
    client.get_contact("c1").await.expect("saved, then sent");
    let got = server.received();
    assert_eq!(got.len(), 4);
    assert_eq!(bearer(&got[3]), Some("Bearer at-SECRET-2"));
    assert_eq!(got.iter().filter(|r| r.path == "/oauth/token").count(), 1);
}
