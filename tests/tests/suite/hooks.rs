//! Hooks around each request on loopback: extra headers per client and per
//! request, the attempt observer, and the rule for `connect_timeout` with
//! the caller's own `reqwest::Client`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Answer, RawServer};
use leadconnector::{Attempt, BuildError, Client, Error, RequestOptions, RetryPolicy};
use serde_json::json;

/// What the observer saw of one attempt.
#[derive(Debug, PartialEq)]
struct Seen {
    operation: &'static str,
    method: String,
    path: &'static str,
    attempt: u32,
    status: Option<u16>,
    remaining: Option<String>,
    failure: Option<&'static str>,
}

#[tokio::test]
async fn extra_headers_reach_the_wire_and_the_observer_sees_each_attempt() {
    let server = RawServer::start().await;
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = Arc::clone(&seen);
    let client = Client::builder("pit-token")
        .base_url(server.uri())
        .retry(RetryPolicy {
            max_retries: 1,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
        })
        .header("x-app", "app-1")
        .header("x-correlation-id", "client-default")
        .observer(move |attempt: &Attempt<'_>| {
            assert!(attempt.latency > Duration::ZERO);
            log.lock().expect("lock").push(Seen {
                operation: attempt.operation,
                method: attempt.method.to_string(),
                path: attempt.path,
                attempt: attempt.attempt,
                status: attempt.status.map(|s| s.as_u16()),
                remaining: attempt
                    .headers
                    .and_then(|h| h.get("x-ratelimit-remaining"))
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                failure: attempt.failure,
            });
        })
        .build()
        .expect("builds");

    server.push(Answer::new(503, &[("x-ratelimit-remaining", "7")], b""));
    server.push(Answer::new(
        200,
        &[
            ("x-ratelimit-remaining", "6"),
            ("content-type", "application/json"),
        ],
        br#"{"contact":{"id":"c1"}}"#,
    ));
    client
        .with_options(RequestOptions::new().header("x-correlation-id", "req-42"))
        .get_contact("c1")
        .await
        .expect("retried");
    for request in server.received() {
        assert_eq!(request.header("x-app"), Some("app-1"));
        let ids: Vec<_> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("x-correlation-id"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(ids, ["req-42"], "the request's value replaces the client's");
        assert_eq!(request.header("authorization"), Some("Bearer pit-token"));
        assert_eq!(request.header("version"), Some("2021-07-28"));
    }
    let attempt = |attempt, status, remaining: &str| Seen {
        operation: "getContact",
        method: "GET".into(),
        path: "/contacts/{contactId}",
        attempt,
        status: Some(status),
        remaining: Some(remaining.into()),
        failure: None,
    };
    assert_eq!(
        *seen.lock().expect("lock"),
        [attempt(1, 503, "7"), attempt(2, 200, "6")]
    );

    // Without the per-request header, the client's is sent.
    server.push(Answer::json(200, &json!({"contact": {"id": "c1"}})));
    client.get_contact("c1").await.expect("ok");
    let last = server.received().pop().expect("a request");
    assert_eq!(last.header("x-correlation-id"), Some("client-default"));

    // A failed attempt is observed too, with what failed.
    let refused = Client::builder("pit-token")
        .base_url("http://127.0.0.1:1")
        .max_retries(0)
        .observer({
            let seen = Arc::clone(&seen);
            move |attempt: &Attempt<'_>| {
                seen.lock().expect("lock").push(Seen {
                    operation: attempt.operation,
                    method: attempt.method.to_string(),
                    path: attempt.path,
                    attempt: attempt.attempt,
                    status: None,
                    remaining: None,
                    failure: attempt.failure,
                })
            }
        })
        .build()
        .expect("builds");
    refused.get_contact("c1").await.expect_err("refused");
    let last = seen.lock().expect("lock").pop().expect("observed");
    assert_eq!(last.failure, Some("connect"));
}

#[tokio::test]
async fn headers_a_request_cannot_carry_are_refused_without_sending_or_echoing() {
    let server = RawServer::start().await;
    let client = Client::builder("pit-token")
        .base_url(server.uri())
        .build()
        .expect("builds");
    let err = client
        .with_options(RequestOptions::new().header("x-id", "line\nbreak-value"))
        .get_contact("c1")
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(!err.to_string().contains("break-value"), "{err}");
    let err = client
        .with_options(RequestOptions::new().header("Authorization", "Bearer other"))
        .get_contact("c1")
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("token source"), "{err}");
    assert_eq!(server.count(), 0, "nothing was sent");

    for (name, value) in [
        ("Authorization", "Bearer x"),
        ("bad name", "v"),
        ("x-ok", "a\nsecret-b"),
    ] {
        match Client::builder("pit-token").header(name, value).build() {
            Err(BuildError::InvalidHeader(reason)) => {
                assert!(!reason.contains("secret-b"), "{reason}")
            }
            other => panic!("{name}: expected InvalidHeader, got {other:?}"),
        }
    }
    let debug = format!(
        "{:?}",
        Client::builder("pit-token").header("x-api-key", "key-value-1")
    );
    assert!(
        debug.contains("x-api-key") && !debug.contains("key-value-1"),
        "{debug}"
    );
    let debug = format!("{:?}", RequestOptions::new().header("x-id", "corr-value-1"));
    assert!(
        debug.contains("x-id") && !debug.contains("corr-value-1"),
        "{debug}"
    );
}

#[tokio::test]
async fn connect_timeout_with_the_callers_http_client_is_an_explicit_error() {
    let server = RawServer::start().await;
    let http = reqwest::Client::new();
    for builder in [
        Client::builder("t")
            .http_client(http.clone())
            .connect_timeout(Duration::from_secs(1)),
        Client::builder("t")
            .connect_timeout(Duration::from_secs(1))
            .http_client(http.clone()),
    ] {
        match builder.build() {
            Err(BuildError::ConnectTimeoutWithHttpClient) => {}
            other => panic!("expected ConnectTimeoutWithHttpClient, got {other:?}"),
        }
    }
    // Either alone is fine, and the caller's client carries the requests.
    Client::builder("t")
        .connect_timeout(Duration::from_secs(1))
        .build()
        .expect("connect timeout alone");
    let client = Client::builder("t")
        .base_url(server.uri())
        .http_client(http)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("http client alone");
    server.push(Answer::json(200, &json!({"contact": {"id": "c1"}})));
    client.get_contact("c1").await.expect("sent");
    assert_eq!(server.count(), 1);
}
