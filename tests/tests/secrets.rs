//! The token never shows: not in `Debug` output, not in error messages, not
//! in `tracing` output at TRACE level (ours and our dependencies'), on
//! success and on every error path; and bodies are logged only when the
//! builder asks for it.
//!
//! A binary of its own: it installs the global `tracing` subscriber, and
//! tests running beside it would race its callsite registration.

#[path = "suite/support.rs"]
mod support;

/// The generated client of every security scheme, which
/// `suite/security.rs` drives on the wire (`types` at the root: the
/// operations module finds it as `super::types`).
#[allow(dead_code, reason = "generated for every operation; this test calls a few")]
#[path = "suite/security/client/operations.rs"]
#[rustfmt::skip]
mod security_client;
#[allow(dead_code, reason = "the security client's types")]
#[path = "suite/security/client/types.rs"]
#[rustfmt::skip]
mod types;

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use leadconnector::{Client, ClientBuilder, RateLimiter, RequestOptions, RetryPolicy};
use serde_json::json;
use support::{Answer, RawServer};

const TOKEN: &str = "pit-SECRET-5f1e9c0d-token";

/// Everything the global subscriber writes.
static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What was captured since the last call.
fn take_captured() -> String {
    let bytes = std::mem::take(&mut *CAPTURED.lock().expect("lock"));
    String::from_utf8_lossy(&bytes).into_owned()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn builder(uri: &str) -> ClientBuilder<Client> {
    Client::builder(TOKEN).base_url(uri).retry(RetryPolicy {
        max_retries: 3,
        initial_backoff: ms(1),
        max_backoff: ms(100),
    })
}

/// Drives success, retries and every kind of failure through `client`,
/// returning the Debug and Display text of everything it got back.
async fn exercise(server: &RawServer, client: &Client) -> String {
    let mut out = String::new();
    let mut note = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    let ok = || Answer::json(200, &json!({"contact": {"id": "c1"}}));
    server.push(Answer::json(
        200,
        &json!({"contact": {"id": "body-marker-7781"}}),
    ));
    note(format!("{:?}", client.get_contact("filled-id-991").await));
    server.push(Answer::json(
        401,
        &json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid token", "traceId": "t"}),
    ));
    let err = client.get_contact("filled-id-991").await.expect_err("401");
    note(format!("{err:?} / {err}"));
    server.push(Answer::new(429, &[("retry-after", "0")], b""));
    server.push(Answer::new(503, &[], b""));
    server.push(ok());
    note(format!("{:?}", client.get_contact("filled-id-991").await));
    server.push(Answer::new(429, &[("retry-after", "3600")], b""));
    let err = client.get_contact("filled-id-991").await.expect_err("429");
    note(format!("{err:?} / {err}"));
    server.push(Answer::Drop);
    let create = leadconnector::types::CreateContactRequest::new("loc");
    let err = client.create_contact(&create).await.expect_err("drop");
    note(format!("{err:?} / {err}"));
    server.push(Answer::new(200, &[], b"{not json"));
    let err = client
        .get_contact("filled-id-991")
        .await
        .expect_err("decode");
    note(format!("{err:?} / {err}"));
    let err = client.get_contact("..").await.expect_err("invalid");
    note(format!("{err:?} / {err}"));
    server.push(Answer::Hang);
    let err = client
        .with_options(RequestOptions::new().timeout(ms(100)))
        .get_contact("filled-id-991")
        .await
        .expect_err("timeout");
    note(format!("{err:?} / {err}"));
    let refused = builder("http://127.0.0.1:1")
        .max_retries(0)
        .build()
        .expect("builds");
    let err = refused
        .get_contact("filled-id-991")
        .await
        .expect_err("refused");
    note(format!("{err:?} / {err}"));
    let limited = builder(&server.uri())
        .rate_limiter(RateLimiter::new(1, ms(50)))
        .build()
        .expect("builds");
    for _ in 0..2 {
        server.push(ok());
        note(format!("{:?}", limited.get_contact("filled-id-991").await));
    }
    note(format!(
        "{client:?} {:?} {:?}",
        client.core(),
        client.core().config()
    ));
    out
}

fn assert_no_secret(name: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{name} shows the token:\n{text}");
    assert!(
        !text.contains("SECRET"),
        "{name} shows part of the token:\n{text}"
    );
    assert!(
        !text.contains("Bearer"),
        "{name} shows the auth header:\n{text}"
    );
}

#[tokio::test]
async fn the_token_never_appears_in_debug_output_or_traces() {
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(|| Capture)
            .finish(),
    )
    .expect("the only subscriber of this binary");

    let server = RawServer::start().await;
    let client = builder(&server.uri()).build().expect("builds");
    let debug = exercise(&server, &client).await;
    let traces = take_captured();
    assert_no_secret("Debug/Display", &debug);
    assert_no_secret("traces", &traces);
    // The spans carry what an operator needs, and no body or filled path.
    for expected in [
        "openapi.request{",
        "openapi.attempt{",
        "operation=\"getContact\"",
        "operation=\"createContact\"",
        "method=GET",
        "path=\"/contacts/{contactId}\"",
        "status=200",
        "status=503",
        "attempt=3",
        "latency_ms=",
        "retrying",
        "request failed",
        "waiting for the client-side rate limiter",
    ] {
        assert!(
            traces.contains(expected),
            "traces lack {expected}:\n{traces}"
        );
    }
    assert!(
        !traces.contains("body-marker-7781"),
        "a body was logged:\n{traces}"
    );
    assert!(
        !traces.contains("filled-id-991"),
        "the filled path was logged:\n{traces}"
    );

    // Bodies only when asked for, still without the token.
    let client = builder(&server.uri())
        .log_bodies(true)
        .build()
        .expect("builds");
    let debug = exercise(&server, &client).await;
    let traces = take_captured();
    assert!(traces.contains("body-marker-7781"), "{traces}");
    assert!(traces.contains("response body"), "{traces}");
    assert!(traces.contains("request body"), "{traces}");
    assert_no_secret("Debug/Display with bodies", &debug);
    assert_no_secret("traces with bodies", &traces);

    // Every other kind of credential (basic, API keys in a header, the
    // query string and a cookie, a second bearer scheme), on a connection
    // that fails: reqwest's error carries the URL the query key is in.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let uri = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let keyed = security_client::Client::builder(TOKEN)
        .base_url(&uri)
        .max_retries(1)
        .retry(RetryPolicy {
            max_retries: 1,
            initial_backoff: ms(1),
            max_backoff: ms(5),
        })
        .log_bodies(true)
        .basic_auth("basic", "user", "BASIC-SECRET")
        .api_key("headerKey", "HEADER-SECRET")
        .api_key("queryKey", "QUERY-SECRET")
        .api_key("cookieKey", "COOKIE-SECRET")
        .token_source("oauth", openapi_runtime::StaticToken::new("OAUTH-SECRET"))
        .build()
        .expect("builds");
    let mut debug = format!("{keyed:?}\n");
    for error in [
        keyed.with_both().await.expect_err("nothing listens"),
        keyed.with_basic().await.expect_err("nothing listens"),
        keyed.with_cookie_key().await.expect_err("nothing listens"),
        keyed.with_o_auth().await.expect_err("nothing listens"),
    ] {
        debug.push_str(&format!("{error}\n{error:?}\n"));
    }
    let traces = take_captured();
    assert!(traces.contains("operation=\"withBoth\""), "{traces}");
    assert_no_secret("Debug/Display of API keys", &debug);
    assert_no_secret("traces of API keys", &traces);
}
