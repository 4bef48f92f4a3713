//! The client's own guarantees: shareable across tasks, and the token kept
//! out of `Debug` output and refused when a header cannot carry it.

use leadconnector::{BuildError, Client};

fn assert_shareable<T: Clone + Send + Sync + 'static>() {}

#[test]
fn client_is_clone_send_sync() {
    assert_shareable::<Client>();
}

#[test]
fn debug_output_never_shows_the_token() {
    let token = "pit-secret-0123456789";
    let builder = Client::builder(token).base_url("http://127.0.0.1:9");
    assert!(!format!("{builder:?}").contains(token));
    let client = builder.build().unwrap_or_else(|e| panic!("{e}"));
    let debug = format!("{client:?}");
    assert!(!debug.contains(token), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
}

#[test]
fn tokens_a_header_cannot_carry_are_refused_without_echoing_them() {
    for bad in ["line\nbreak", "", "   "] {
        match Client::builder(bad).build() {
            Err(BuildError::InvalidToken) => {}
            other => panic!("{bad:?}: expected InvalidToken, got {other:?}"),
        }
    }
    let message = BuildError::InvalidToken.to_string();
    assert!(!message.contains("line"), "{message}");
}

#[test]
fn default_base_url_is_the_specs_server() {
    assert_eq!(
        Client::DEFAULT_BASE_URL,
        "https://services.leadconnectorhq.com"
    );
    let client = Client::new("t").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        client.core().config().base_url.as_str(),
        "https://services.leadconnectorhq.com/"
    );
    assert_eq!(
        client.core().config().timeout,
        std::time::Duration::from_secs(30)
    );
}

/// The client needs no multi-threaded runtime (its crates do not turn on
/// tokio's `rt-multi-thread`): a call with a retry, its wait, the call's
/// timer and the client-side rate limiter all run on tokio's current-thread
/// runtime, driven by `block_on` on this thread alone.
#[test]
fn the_client_runs_on_a_current_thread_runtime() {
    use std::time::Duration;

    use leadconnector::{RateLimiter, RetryPolicy};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/contacts/abc"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/contacts/abc"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"contact": {"id": "abc"}})),
            )
            .mount(&server)
            .await;
        let client = Client::builder("token")
            .base_url(server.uri())
            .retry(RetryPolicy {
                max_retries: 2,
                initial_backoff: Duration::from_millis(5),
                max_backoff: Duration::from_millis(20),
            })
            .timeout(Duration::from_secs(10))
            .rate_limiter(RateLimiter::new(10, Duration::from_secs(1)))
            .build()
            .expect("builds");
        let found = client.get_contact("abc").await.expect("503, then 200");
        assert_eq!(found.contact.id, "abc");
        let requests = server.received_requests().await.expect("recording");
        assert_eq!(requests.len(), 2, "one retry after the 503");
    });
}
