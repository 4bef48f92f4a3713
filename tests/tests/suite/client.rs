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
