//! The client in production conditions, over real HTTP on loopback: retries
//! and their limits, Retry-After and the rate-limit headers, dropped
//! connections, servers that never answer, bad answers, per-request
//! overrides, the client-side rate limiter, many tasks sharing one client,
//! the paging stream, and the token kept out of `Debug` output (traces:
//! `secrets.rs`).
//!
//! Servers are the raw TCP server in `support` (it can drop connections and
//! hang) or wiremock. Every test that measures time runs on tokio's paused
//! clock (`start_paused`): time is virtual and moves only when every task
//! waits on a timer, so waits and deadlines are exact and a loaded machine
//! cannot make a bound fail. Those tests use the raw server, which runs on
//! the test's own runtime; wiremock answers from a thread of its own, so it
//! serves only tests that measure no time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Answer, RawServer};
use futures_util::{StreamExt, TryStreamExt};
use leadconnector::{
    types, BuildError, Client, ClientBuilder, Error, ErrorBody, RateLimiter, RequestOptions,
    RetryPolicy,
};
use serde_json::{json, Value};
use tokio::time::Instant;

const TOKEN: &str = "pit-SECRET-5f1e9c0d-token";
const CONTACT_ID: &str = "abc123";
const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Fast retries: 3 of them, 5 ms backoff doubling up to 5 s.
fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_backoff: ms(5),
        max_backoff: Duration::from_secs(5),
    }
}

fn builder(uri: &str) -> ClientBuilder<Client> {
    Client::builder(TOKEN)
        .base_url(uri)
        .retry(fast_retries())
        .timeout(Duration::from_secs(10))
}

fn client(server: &RawServer) -> Client {
    builder(&server.uri()).build().expect("client builds")
}

fn contact_body() -> Value {
    json!({"contact": {"id": CONTACT_ID, "firstName": "Rosan"}})
}

fn ok_contact() -> Answer {
    Answer::json(200, &contact_body())
}

fn created() -> Answer {
    Answer::json(201, &contact_body())
}

fn create_request() -> types::CreateContactRequest {
    types::CreateContactRequest::new(LOCATION)
}

fn status_of<E>(result: &Result<impl std::fmt::Debug, Error<E>>) -> Option<u16> {
    match result {
        Ok(_) => None,
        Err(e) => e.status().map(|s| s.as_u16()),
    }
}

// ---------------------------------------------------------------------------
// 429: Retry-After and the rate-limit headers
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_is_waited_for_then_the_retry_succeeds() {
    let server = RawServer::start().await;
    server.push(Answer::new(
        429,
        &[("retry-after", "1")],
        b"{\"message\":\"Too Many Requests\"}",
    ));
    server.push(ok_contact());
    let started = Instant::now();
    let response = client(&server)
        .get_contact(CONTACT_ID)
        .await
        .expect("the retry succeeds");
    let elapsed = started.elapsed();
    assert_eq!(response.contact.id, CONTACT_ID);
    let received = server.received();
    assert_eq!(received.len(), 2, "exactly two requests");
    let gap = received[1].at - received[0].at;
    assert!(
        gap >= Duration::from_secs(1),
        "second request after {gap:?}, before the 1 s asked"
    );
    assert!(gap < ms(1100), "no backoff on top of Retry-After: {gap:?}");
    assert!(elapsed < ms(1100), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn without_retry_after_an_empty_burst_window_is_waited_out() {
    let server = RawServer::start().await;
    server.push(Answer::new(
        429,
        &[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-max", "100"),
            ("x-ratelimit-interval-milliseconds", "300"),
        ],
        b"",
    ));
    server.push(ok_contact());
    client(&server)
        .get_contact(CONTACT_ID)
        .await
        .expect("the retry succeeds");
    let received = server.received();
    assert_eq!(received.len(), 2);
    let gap = received[1].at - received[0].at;
    assert!(gap >= ms(300), "waited {gap:?}, not the 300 ms window");
    assert!(gap < ms(400), "waited the window, not more: {gap:?}");
}

#[tokio::test]
async fn a_429_is_retried_even_for_a_create() {
    let server = RawServer::start().await;
    server.push(Answer::new(429, &[("retry-after", "0")], b""));
    server.push(created());
    client(&server)
        .create_contact(&create_request())
        .await
        .expect("a 429 means the request was not processed: retried");
    assert_eq!(server.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_wait_longer_than_max_backoff_ends_the_retries_with_the_wait() {
    let server = RawServer::start().await;
    server.push(Answer::new(
        429,
        &[("retry-after", "120"), ("x-ratelimit-remaining", "0")],
        b"slow down",
    ));
    server.push(ok_contact());
    let started = Instant::now();
    let err = client(&server)
        .get_contact(CONTACT_ID)
        .await
        .expect_err("not retried");
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "gives up without waiting"
    );
    assert_eq!(server.count(), 1);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.rate_limit().and_then(|r| r.remaining), Some(0));
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("429") && text.contains("120"), "{text}");
    assert!(text.contains("burst limit"), "{text}");
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = RawServer::start().await;
    server.set_fallback(Answer::new(429, &[("retry-after", "0")], b"no"));
    let client = builder(&server.uri())
        .max_retries(2)
        .build()
        .expect("builds");
    let err = client
        .get_contact(CONTACT_ID)
        .await
        .expect_err("429 to the end");
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(server.count(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn zero_retries_turns_retrying_off() {
    let server = RawServer::start().await;
    server.set_fallback(Answer::new(503, &[], b"down"));
    let client = builder(&server.uri())
        .max_retries(0)
        .build()
        .expect("builds");
    let result = client.get_contact(CONTACT_ID).await;
    assert_eq!(status_of(&result), Some(503));
    assert_eq!(server.count(), 1);
}

// ---------------------------------------------------------------------------
// 5xx: only operations that are safe to repeat
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_get_answered_503_503_200_succeeds_on_the_third_request() {
    let server = RawServer::start().await;
    server.push(Answer::new(503, &[], b"unavailable"));
    server.push(Answer::new(503, &[], b"unavailable"));
    server.push(ok_contact());
    client(&server)
        .get_contact(CONTACT_ID)
        .await
        .expect("succeeds after two retries");
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn a_create_answered_503_is_not_retried() {
    let server = RawServer::start().await;
    server.push(Answer::new(503, &[], b"unavailable"));
    server.push(created());
    let err = client(&server)
        .create_contact(&create_request())
        .await
        .expect_err("503");
    assert_eq!(server.count(), 1, "a create is never repeated");
    match &err {
        Error::UnexpectedStatus {
            status, snippet, ..
        } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(snippet, &None, "bodies are quoted only with log_bodies");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    assert!(
        err.is_retryable(),
        "retryable in itself; not safe for a create"
    );
}

#[tokio::test]
async fn idempotent_writes_are_retried_after_502_and_504() {
    let server = RawServer::start().await;
    // upsertContact is `x-idempotent: true` in the spec.
    server.push(Answer::new(502, &[], b"bad gateway"));
    server.push(Answer::json(
        200,
        &json!({"new": false, "contact": {"id": CONTACT_ID}}),
    ));
    let upsert = types::UpsertContactRequest::new(LOCATION);
    client(&server)
        .upsert_contact(&upsert)
        .await
        .expect("upsert retried");
    assert_eq!(server.count(), 2);
    // PUT and DELETE by method.
    server.push(Answer::new(504, &[], b""));
    server.push(Answer::json(200, &json!({"succeded": true})));
    client(&server)
        .delete_contact(CONTACT_ID)
        .await
        .expect("delete retried");
    assert_eq!(server.count(), 4);
    // 500 is not in the list.
    server.push(Answer::new(500, &[], b"boom"));
    let result = client(&server).get_contact(CONTACT_ID).await;
    assert_eq!(status_of(&result), Some(500));
    assert_eq!(server.count(), 5);
}

// ---------------------------------------------------------------------------
// Dropped connections, refused connections, silence
// ---------------------------------------------------------------------------

/// Half a response, then the connection closes.
fn half_a_response() -> Answer {
    Answer::raw_then_close(&b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"contact\":"[..])
}

#[tokio::test]
async fn a_get_is_retried_when_the_connection_drops() {
    for (name, drop) in [
        ("closed unanswered", Answer::Drop),
        ("half answered", half_a_response()),
    ] {
        let server = RawServer::start().await;
        server.push(drop);
        server.push(ok_contact());
        client(&server)
            .get_contact(CONTACT_ID)
            .await
            .unwrap_or_else(|e| panic!("{name}: retried and succeeds, got {e}"));
        assert_eq!(server.count(), 2, "{name}");
    }
}

#[tokio::test]
async fn a_create_is_not_retried_when_the_connection_drops() {
    for (name, drop) in [
        ("closed unanswered", Answer::Drop),
        ("half answered", half_a_response()),
    ] {
        let server = RawServer::start().await;
        server.push(drop);
        server.push(created());
        let err = client(&server)
            .create_contact(&create_request())
            .await
            .expect_err("the create may have happened: not repeated");
        assert_eq!(server.count(), 1, "{name}: one request");
        assert_eq!(server.queued(), 1, "{name}");
        assert!(matches!(err, Error::Transport { .. }), "{name}: {err:?}");
        assert!(err.status().is_none());
        assert!(err.is_retryable());
        let text = err.to_string();
        assert!(text.starts_with("createContact: "), "{text}");
        assert!(!text.contains("127.0.0.1"), "no URL in the message: {text}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .build()
        .expect("builds");
    let started = Instant::now();
    // A refused connection sent nothing: retried even for a create, and
    // still refused.
    let err = client
        .create_contact(&create_request())
        .await
        .expect_err("refused");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.is_timeout());
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("cannot connect"), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_times_out_in_time() {
    let server = RawServer::start().await;
    server.set_fallback(Answer::Hang);
    let client = builder(&server.uri())
        .timeout(ms(300))
        .build()
        .expect("builds");
    let started = Instant::now();
    let err = client.get_contact(CONTACT_ID).await.expect_err("times out");
    let elapsed = started.elapsed();
    assert!(elapsed >= ms(300), "{elapsed:?}");
    assert!(elapsed < ms(310), "gives up at the deadline: {elapsed:?}");
    match &err {
        Error::Timeout {
            operation,
            elapsed,
            limit,
            attempts,
            idempotent,
        } => {
            assert_eq!(*operation, "getContact");
            assert!(*elapsed >= ms(300));
            assert_eq!(*limit, ms(300));
            assert_eq!(*attempts, 1);
            assert!(*idempotent, "a GET");
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(err.is_timeout() && !err.is_connect() && err.is_retryable());
    assert!(err.to_string().contains("timeout"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn an_attempt_timeout_retries_a_get_but_not_a_create() {
    let server = RawServer::start().await;
    let client = builder(&server.uri())
        .attempt_timeout(ms(200))
        .build()
        .expect("builds");
    server.push(Answer::Hang);
    server.push(ok_contact());
    client
        .get_contact(CONTACT_ID)
        .await
        .expect("the second attempt answers");
    assert_eq!(server.count(), 2);

    let server = RawServer::start().await;
    let client = builder(&server.uri())
        .attempt_timeout(ms(200))
        .build()
        .expect("builds");
    server.push(Answer::Hang);
    server.push(created());
    let started = Instant::now();
    let err = client
        .create_contact(&create_request())
        .await
        .expect_err("the create may have happened");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= ms(200) && elapsed < ms(210),
        "one attempt: {elapsed:?}"
    );
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.count(), 1);
}

// ---------------------------------------------------------------------------
// Bad answers: typed errors, never a panic
// ---------------------------------------------------------------------------

#[tokio::test]
async fn bad_answers_are_typed_errors() {
    let server = RawServer::start().await;
    // With bodies in errors, to check what they show.
    let client = builder(&server.uri())
        .max_retries(0)
        .max_response_bytes(4096)
        .log_bodies(true)
        .build()
        .expect("builds");

    // Truncated JSON.
    server.push(Answer::new(200, &[], b"{\"contact\": {\"id\": \"abc"));
    match client.get_contact(CONTACT_ID).await {
        Err(Error::Decode {
            status, snippet, ..
        }) => {
            assert_eq!(status.as_u16(), 200);
            let snippet = snippet.as_deref().unwrap_or_default();
            assert!(snippet.starts_with("{\"contact\""), "{snippet}");
        }
        other => panic!("truncated JSON: {other:?}"),
    }

    // A wrong field type, named by its path.
    server.push(Answer::json(
        200,
        &json!({"contact": {"id": "a", "tags": "vip"}}),
    ));
    match client.get_contact(CONTACT_ID).await {
        Err(Error::Decode { path, .. }) => assert_eq!(path, "contact.tags"),
        other => panic!("wrong type: {other:?}"),
    }

    // An HTML error page on a documented status: a decode error naming the
    // status, with at most 1 KiB of the page.
    let page = format!(
        "<!DOCTYPE html><html><body><h1>401</h1>{}</body></html>",
        "x".repeat(3000)
    );
    server.push(Answer::new(
        401,
        &[("content-type", "text/html")],
        page.as_bytes(),
    ));
    let err = client.get_contact(CONTACT_ID).await.expect_err("HTML");
    match &err {
        Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(status.as_u16(), 401);
            let snippet = snippet.as_deref().unwrap_or_default();
            assert!(snippet.starts_with("<!DOCTYPE html>"));
            assert!(
                snippet.len() <= leadconnector::SNIPPET_LIMIT + 3,
                "{}",
                snippet.len()
            );
        }
        other => panic!("HTML: {other:?}"),
    }
    assert!(err.to_string().len() < 1500, "Display stays bounded");

    // An HTML page on an undocumented status.
    server.push(Answer::new(
        502,
        &[("content-type", "text/html")],
        page.as_bytes(),
    ));
    match client.create_contact(&create_request()).await {
        Err(Error::UnexpectedStatus {
            status, snippet, ..
        }) => {
            assert_eq!(status.as_u16(), 502);
            let snippet = snippet.as_deref().unwrap_or_default();
            assert!(snippet.starts_with("<!DOCTYPE html>"));
            assert!(snippet.len() <= leadconnector::SNIPPET_LIMIT + 3);
        }
        other => panic!("HTML 502: {other:?}"),
    }

    // An empty body.
    server.push(Answer::new(200, &[], b""));
    match client.get_contact(CONTACT_ID).await {
        Err(Error::Decode { snippet, .. }) => {
            assert_eq!(snippet.as_deref(), Some("(empty body)"));
        }
        other => panic!("empty body: {other:?}"),
    }

    // A body over the bound, announced by Content-Length ...
    server.push(Answer::new(200, &[], &vec![b' '; 5000]));
    match client.get_contact(CONTACT_ID).await {
        Err(Error::BodyTooLarge { limit, status, .. }) => {
            assert_eq!(limit, 4096);
            assert_eq!(status.as_u16(), 200);
        }
        other => panic!("too large: {other:?}"),
    }
    // ... or streamed in chunks without a length.
    let mut chunked = crate::support::head(200, &[("transfer-encoding", "chunked")]);
    chunked.extend_from_slice(b"\r\n");
    for _ in 0..5 {
        chunked.extend_from_slice(format!("{:x}\r\n{}\r\n", 1000, " ".repeat(1000)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    server.push(Answer::raw_then_close(chunked));
    match client.get_contact(CONTACT_ID).await {
        Err(Error::BodyTooLarge { limit, .. }) => assert_eq!(limit, 4096),
        other => panic!("too large, chunked: {other:?}"),
    }

    // A status the spec never lists.
    server.push(Answer::new(418, &[], b"I'm a teapot"));
    let result = client.get_contact(CONTACT_ID).await;
    assert!(
        matches!(&result, Err(Error::UnexpectedStatus { status, .. }) if status.as_u16() == 418),
        "{result:?}"
    );

    // A documented error with its typed body, message and trace id.
    server.push(Answer::json(
        422,
        &json!({"statusCode": 422, "error": "Unprocessable Entity",
                "message": ["email is invalid", "phone is invalid"], "traceId": "t-42"}),
    ));
    let err = client
        .create_contact(&create_request())
        .await
        .expect_err("422");
    assert!(matches!(
        err.body(),
        Some(ErrorBody::UnprocessableEntity(_))
    ));
    assert_eq!(err.trace_id(), Some("t-42"));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("422")
            && text.contains("email is invalid; phone is invalid")
            && text.contains("t-42"),
        "{text}"
    );
    assert_eq!(server.count(), 9);
}

// ---------------------------------------------------------------------------
// Per-request overrides
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn with_options_overrides_retries_timeout_and_idempotency_for_one_clone() {
    let server = RawServer::start().await;
    let client = client(&server);

    // max_retries: the clone gives up at once, the client retries 3 times.
    server.set_fallback(Answer::new(503, &[], b"down"));
    let once = client.with_options(RequestOptions {
        max_retries: Some(0),
        ..Default::default()
    });
    assert_eq!(once.core().config().retry.max_retries, 0);
    assert_eq!(client.core().config().retry.max_retries, 3);
    assert_eq!(status_of(&once.get_contact(CONTACT_ID).await), Some(503));
    assert_eq!(server.count(), 1);
    assert_eq!(status_of(&client.get_contact(CONTACT_ID).await), Some(503));
    assert_eq!(server.count(), 5);

    // timeout: the clone gives up after 200 ms.
    server.set_fallback(Answer::Hang);
    let quick = client.with_options(RequestOptions::new().timeout(ms(200)));
    assert_eq!(client.core().config().timeout, Duration::from_secs(10));
    let started = Instant::now();
    let err = quick.get_contact(CONTACT_ID).await.expect_err("times out");
    assert!(err.is_timeout(), "{err:?}");
    let elapsed = started.elapsed();
    assert!(elapsed >= ms(200) && elapsed < ms(210), "{elapsed:?}");

    // idempotent: a create declared safe to repeat is retried after a 503;
    // a GET declared unsafe is not.
    server.push(Answer::new(503, &[], b""));
    server.push(created());
    let before = server.count();
    client
        .with_options(RequestOptions::new().idempotent(true))
        .create_contact(&create_request())
        .await
        .expect("retried");
    assert_eq!(server.count() - before, 2);
    server.push(Answer::new(503, &[], b""));
    let result = client
        .with_options(RequestOptions::new().idempotent(false))
        .get_contact(CONTACT_ID)
        .await;
    assert_eq!(status_of(&result), Some(503));
    assert_eq!(server.count() - before, 3);

    // max_response_bytes, and options stack.
    server.push(Answer::json(200, &contact_body()));
    let small = client
        .with_options(RequestOptions::new().max_retries(0))
        .with_options(RequestOptions::new().max_response_bytes(10));
    assert_eq!(small.core().config().retry.max_retries, 0);
    let result = small.get_contact(CONTACT_ID).await;
    assert!(
        matches!(result, Err(Error::BodyTooLarge { limit: 10, .. })),
        "{result:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_clients_timeout_decides_over_one_set_on_the_apps_http_client() {
    let server = RawServer::start().await;
    server.set_fallback(Answer::Hang);
    // Not timed out by the app's client's 100 ms: the client's 500 ms
    // replaces it, as `ClientBuilder::http_client` documents.
    let http = reqwest::Client::builder()
        .timeout(ms(100))
        .build()
        .expect("http client");
    let client = builder(&server.uri())
        .http_client(http)
        .timeout(ms(500))
        .build()
        .expect("client builds");
    let started = Instant::now();
    let err = client.get_contact(CONTACT_ID).await.expect_err("times out");
    let elapsed = started.elapsed();
    assert!(
        matches!(err, Error::Timeout { limit, attempts: 1, .. } if limit == ms(500)),
        "{err:?}"
    );
    assert!(elapsed >= ms(500) && elapsed < ms(510), "{elapsed:?}");
}

// ---------------------------------------------------------------------------
// The client-side rate limiter
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_limiter_holds_the_request_after_the_window_is_full() {
    let server = RawServer::start().await;
    server.set_fallback(ok_contact());
    let window = ms(400);
    let client = builder(&server.uri())
        .rate_limiter(RateLimiter::new(5, window))
        .build()
        .expect("builds");
    let clone = client.clone();
    let started = Instant::now();
    // Five requests fit in the window, shared between the clones.
    for i in 0..5 {
        let c = if i % 2 == 0 { &client } else { &clone };
        c.get_contact(CONTACT_ID).await.expect("ok");
    }
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "no wait within the limit"
    );
    // The sixth waits for the window to slide, and no longer.
    clone.get_contact(CONTACT_ID).await.expect("ok");
    let received = server.received();
    assert_eq!(received.len(), 6);
    let gap = received[5].at - received[0].at;
    assert!(gap >= window && gap < window + ms(10), "{gap:?}");
}

#[tokio::test(start_paused = true)]
async fn no_limiter_slot_before_the_deadline_is_a_timeout_without_sending() {
    let server = RawServer::start().await;
    server.set_fallback(ok_contact());
    let client = builder(&server.uri())
        .rate_limiter(RateLimiter::new(1, Duration::from_secs(60)))
        .build()
        .expect("builds");
    client.get_contact(CONTACT_ID).await.expect("the one slot");
    let started = Instant::now();
    let err = client
        .with_options(RequestOptions::new().timeout(ms(50)))
        .get_contact(CONTACT_ID)
        .await
        .expect_err("no slot within 50 ms");
    assert_eq!(started.elapsed(), Duration::ZERO, "fails at once");
    assert!(matches!(err, Error::Timeout { attempts: 0, .. }), "{err:?}");
    assert_eq!(server.count(), 1, "nothing sent");
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_pauses_every_clone_sharing_the_limiter() {
    let server = RawServer::start().await;
    server.push(Answer::new(429, &[("retry-after", "1")], b""));
    server.set_fallback(ok_contact());
    let client = builder(&server.uri())
        .rate_limiter(RateLimiter::burst_limit())
        .build()
        .expect("builds");
    let first = client.clone();
    let started = Instant::now();
    let rate_limited = tokio::spawn(async move { first.get_contact(CONTACT_ID).await });
    // Let the first request meet its 429 (virtual time: the answer comes
    // before the clock moves).
    while server.count() == 0 {
        tokio::time::sleep(ms(5)).await;
    }
    tokio::time::sleep(ms(50)).await;
    client.get_contact(CONTACT_ID).await.expect("ok");
    rate_limited
        .await
        .expect("task")
        .expect("the retry succeeds");
    let received = server.received();
    assert_eq!(received.len(), 3);
    assert!(received[0].at - started < ms(5), "the 429 came at once");
    for later in &received[1..] {
        assert!(
            later.at - received[0].at >= Duration::from_secs(1),
            "every clone waited out the Retry-After: {:?}",
            later.at - received[0].at
        );
    }
}

// ---------------------------------------------------------------------------
// Sharing one client
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_share_one_client() {
    let server = RawServer::start_counting().await;
    server.set_fallback(ok_contact());
    let client = client(&server);
    let started = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..100 {
                    let response = client.get_contact(CONTACT_ID).await?;
                    assert_eq!(response.status().as_u16(), 200);
                }
                Ok::<_, Error<ErrorBody>>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("every request succeeds");
    }
    assert_eq!(server.count(), 6400);
    eprintln!("6400 requests from 64 tasks in {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------
// The search stream
// ---------------------------------------------------------------------------

const TOTAL: usize = 25_000;

fn contact_at(index: usize) -> Value {
    json!({"id": format!("c{index:05}"), "searchAfter": [index, format!("c{index:05}")]})
}

/// A search API over `TOTAL` generated contacts: page numbers while
/// `page * pageLimit <= 10,000`, then `searchAfter`. It refuses what the real
/// API refuses, and any page limit but 500.
struct Pages {
    requests: Arc<Mutex<Vec<Value>>>,
    with_cursor: bool,
}

impl wiremock::Respond for Pages {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
        self.requests.lock().expect("lock").push(body.clone());
        let refuse = |why: &str| {
            wiremock::ResponseTemplate::new(422).set_body_json(json!({
                "statusCode": 422, "error": "Unprocessable Entity", "message": [why]
            }))
        };
        let limit = body["pageLimit"].as_u64().unwrap_or(0) as usize;
        if limit != 500 {
            return refuse("pageLimit must be 500 in this test");
        }
        let start = match (&body["page"], &body["searchAfter"]) {
            (Value::Number(page), Value::Null) => {
                let page = page.as_u64().unwrap_or(0) as usize;
                if page == 0 || page * limit > 10_000 {
                    return refuse("page * pageLimit must be at most 10000");
                }
                (page - 1) * limit
            }
            (Value::Null, Value::Array(cursor)) => {
                cursor[0].as_u64().expect("index in the cursor") as usize + 1
            }
            _ => return refuse("send page or searchAfter, not both"),
        };
        let end = (start + limit).min(TOTAL);
        let contacts: Vec<Value> = (start..end)
            .map(|i| {
                let mut contact = contact_at(i);
                if !self.with_cursor {
                    contact.as_object_mut().map(|c| c.remove("searchAfter"));
                }
                contact
            })
            .collect();
        wiremock::ResponseTemplate::new(200)
            .set_body_json(json!({"contacts": contacts, "total": TOTAL}))
    }
}

async fn search_server(with_cursor: bool) -> (wiremock::MockServer, Arc<Mutex<Vec<Value>>>) {
    let server = wiremock::MockServer::start().await;
    let requests = Arc::new(Mutex::new(Vec::new()));
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/contacts/search"))
        .respond_with(Pages {
            requests: Arc::clone(&requests),
            with_cursor,
        })
        .mount(&server)
        .await;
    (server, requests)
}

#[tokio::test]
async fn the_search_stream_walks_pages_then_the_cursor_yielding_each_contact_once() {
    let (server, requests) = search_server(true).await;
    let client = builder(&server.uri()).build().expect("builds");
    let request = types::SearchContactsRequest::new(LOCATION, 500).query("rosan");
    let mut stream = client.search_contacts_stream(request);

    // Lazy: one page is fetched when the first contact is asked for, the
    // next only once it is used up.
    let first = stream.next().await.expect("an item").expect("ok");
    assert_eq!(first.id, "c00000");
    assert_eq!(requests.lock().expect("lock").len(), 1);
    let rest: Vec<types::Contact> = (&mut stream).take(499).try_collect().await.expect("ok");
    assert_eq!(rest.len(), 499);
    assert_eq!(requests.lock().expect("lock").len(), 1);
    let _ = stream.next().await.expect("an item").expect("ok");
    assert_eq!(requests.lock().expect("lock").len(), 2);

    let mut seen: HashSet<String> = HashSet::with_capacity(TOTAL);
    seen.insert("c00000".into());
    seen.extend(rest.into_iter().map(|c| c.id));
    seen.insert("c00500".into());
    let mut count = 501;
    while let Some(contact) = stream.try_next().await.expect("every page decodes") {
        let id = contact.id;
        assert_eq!(id, format!("c{count:05}"), "in order");
        assert!(seen.insert(id), "each contact once");
        count += 1;
    }
    assert_eq!(count, TOTAL);
    assert_eq!(seen.len(), TOTAL);

    let requests = requests.lock().expect("lock").clone();
    assert_eq!(
        requests.len(),
        50,
        "20 numbered pages and 30 cursor pages, nothing after"
    );
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(request["pageLimit"], 500);
        assert_eq!(request["query"], "rosan", "the caller's filters stay");
        if i < 20 {
            assert_eq!(request["page"], i + 1);
            assert!(request.get("searchAfter").is_none());
        } else {
            assert!(request.get("page").is_none());
            let last_of_previous = i * 500 - 1;
            assert_eq!(
                request["searchAfter"],
                contact_at(last_of_previous)["searchAfter"]
            );
        }
    }
}

#[tokio::test]
async fn the_search_stream_ends_with_an_error_when_it_cannot_go_on() {
    // No cursor on the contacts: page 20 is the last page numbers reach.
    let (server, requests) = search_server(false).await;
    let client = builder(&server.uri()).build().expect("builds");
    let request = types::SearchContactsRequest::new(LOCATION, 500).page(20);
    let items: Vec<_> = client.search_contacts_stream(request).collect().await;
    assert_eq!(items.len(), 501);
    assert!(items[..500].iter().all(Result::is_ok));
    match &items[500] {
        Err(Error::Paging { operation, reason }) => {
            assert_eq!(*operation, "searchContacts");
            assert!(reason.contains("searchAfter"), "{reason}");
        }
        other => panic!("expected a paging error, got {other:?}"),
    }
    assert_eq!(requests.lock().expect("lock").len(), 1);

    // A page past 10,000 records is refused before anything is sent.
    let request = types::SearchContactsRequest::new(LOCATION, 500).page(21);
    let items: Vec<_> = client.search_contacts_stream(request).collect().await;
    assert!(
        matches!(items.as_slice(), [Err(Error::Paging { .. })]),
        "{items:?}"
    );

    // A server error ends the stream with the typed error.
    let (server, _) = search_server(true).await;
    let client = builder(&server.uri()).build().expect("builds");
    let request = types::SearchContactsRequest::new(LOCATION, 20);
    let items: Vec<_> = client.search_contacts_stream(request).collect().await;
    match items.as_slice() {
        [Err(err)] => assert!(
            matches!(err.body(), Some(ErrorBody::UnprocessableEntity(_))),
            "{err:?}"
        ),
        other => panic!("expected one error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_search_stream_retries_a_page_after_503_and_stops_at_a_short_page() {
    let server = RawServer::start().await;
    server.push(Answer::new(503, &[], b""));
    server.push(Answer::json(
        200,
        &json!({"contacts": [contact_at(0), contact_at(1)], "total": 5}),
    ));
    let client = client(&server);
    let ids: Vec<String> = client
        .search_contacts_stream(types::SearchContactsRequest::new(LOCATION, 10))
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .expect("retried");
    assert_eq!(ids, ["c00000", "c00001"]);
    assert_eq!(server.count(), 2, "the short page is the last");
}

// ---------------------------------------------------------------------------
// Secrets (traces are checked in secrets.rs, a binary of its own)
// ---------------------------------------------------------------------------

#[test]
fn tokens_a_header_cannot_carry_are_refused_at_build() {
    for bad in ["tok\u{7f}en", "tök", "a\rb", "\t"] {
        match Client::builder(bad).build() {
            Err(err @ BuildError::InvalidToken) => {
                assert!(!err.to_string().contains(bad));
            }
            other => panic!("{bad:?}: expected InvalidToken, got {other:?}"),
        }
    }
    let builder = Client::builder(TOKEN).rate_limiter(RateLimiter::burst_limit());
    let text = format!("{builder:?}");
    assert!(!text.contains(TOKEN) && text.contains("redacted"), "{text}");
    let config = format!("{:?}", builder.build().expect("builds").core().config());
    assert!(!config.contains(TOKEN), "{config}");
}

#[tokio::test]
async fn may_have_been_processed_is_false_only_when_the_server_certainly_did_not_act() {
    const NOTE: &str = "not sent again: createContact is not safe to repeat";
    let refused_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    // (what the server does, max retries, may have been processed, note)
    let cases: Vec<(&str, Option<Answer>, bool, bool)> = vec![
        ("503", Some(Answer::new(503, &[], b"busy")), true, true),
        ("500", Some(Answer::new(500, &[], b"oops")), true, true),
        ("dropped", Some(Answer::Drop), true, true),
        ("half answered", Some(half_a_response()), true, true),
        (
            "422",
            Some(Answer::json(
                422,
                &json!({"statusCode": 422, "message": ["bad"]}),
            )),
            false,
            false,
        ),
        ("404", Some(Answer::new(404, &[], b"")), false, false),
        (
            "429",
            Some(Answer::new(429, &[("retry-after", "60")], b"")),
            false,
            false,
        ),
        (
            "201 that does not decode",
            Some(Answer::json(201, &json!({"contact": 7}))),
            true,
            false,
        ),
        ("refused", None, false, false),
    ];
    for (name, answer, processed, note) in cases {
        let server = RawServer::start().await;
        let uri = match answer {
            Some(answer) => {
                server.push(answer);
                server.uri()
            }
            None => format!("http://127.0.0.1:{refused_port}"),
        };
        let client = builder(&uri).max_retries(0).build().expect("builds");
        let err = client
            .create_contact(&create_request())
            .await
            .expect_err(name);
        assert_eq!(err.may_have_been_processed(), processed, "{name}: {err:?}");
        assert_eq!(err.to_string().contains(NOTE), note, "{name}: {err}");
    }

    // The same answers to an operation safe to repeat: it may have been
    // processed, but resending is safe, so no note.
    let server = RawServer::start().await;
    server.push(Answer::new(503, &[], b"busy"));
    let client = builder(&server.uri())
        .max_retries(0)
        .build()
        .expect("builds");
    let err = client.get_contact(CONTACT_ID).await.expect_err("503");
    assert!(err.may_have_been_processed());
    assert!(!err.to_string().contains("not sent again"), "{err}");

    // Nothing sent: arguments that make no request.
    let err = client.get_contact("..").await.expect_err("invalid id");
    assert!(!err.may_have_been_processed(), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_create_timed_out_after_sending_may_have_been_processed_and_says_why_it_was_not_repeated()
{
    let server = RawServer::start().await;
    server.push(Answer::Hang);
    let client = builder(&server.uri())
        .attempt_timeout(ms(200))
        .timeout(ms(1000))
        .build()
        .expect("builds");
    let err = client
        .create_contact(&create_request())
        .await
        .expect_err("hangs");
    assert!(
        matches!(
            err,
            Error::Timeout {
                attempts: 1,
                idempotent: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_processed());
    assert!(
        err.to_string()
            .contains("not sent again: createContact is not safe to repeat"),
        "{err}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_missing_scope_is_told_from_an_expired_token() {
    use leadconnector::ErrorExt as _;
    let cases = [
        (401, "The token is not authorized for this scope.", true),
        (401, "Invalid JWT", false),
        (401, "Invalid token: access token is invalid", false),
        (422, "scope is not a valid field", false),
    ];
    for ((status, message, missing_scope), with_error) in cases
        .into_iter()
        .flat_map(|case| [(case, true), (case, false)])
    {
        let server = RawServer::start().await;
        // With and without the reason phrase in `error`: both decode.
        let mut body = json!({"statusCode": status, "message": message});
        if with_error {
            body["error"] = json!("Unauthorized");
        }
        server.push(Answer::json(status, &body));
        let err = client(&server)
            .get_contact(CONTACT_ID)
            .await
            .expect_err(message);
        assert_eq!(err.is_missing_scope(), missing_scope, "{message}: {err}");
        assert_eq!(server.count(), 1, "{message}: a PIT is not refreshed");
    }
    // Other errors are not scope refusals.
    let server = RawServer::start().await;
    server.push(Answer::Drop);
    let err = builder(&server.uri())
        .max_retries(0)
        .build()
        .expect("builds")
        .get_contact(CONTACT_ID)
        .await
        .expect_err("dropped");
    assert!(!err.is_missing_scope());
}
