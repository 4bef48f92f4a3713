//! Security schemes on the wire: a client generated from
//! `tests/fixtures/security/api.yaml` (one operation per way of sending
//! credentials) against a real server on loopback, checking the exact
//! credentials of each request; the builder's checks; and keys kept out of
//! `Debug`, errors and logs.

use openapi_runtime::{BuildError, Error, StaticToken, TokenError};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The generated client (`cargo xtask codegen` writes it).
#[allow(
    dead_code,
    reason = "generated for every operation; the tests call most of it"
)]
mod client {
    #[rustfmt::skip]
    pub mod operations;
    #[rustfmt::skip]
    pub mod server;
    #[rustfmt::skip]
    pub mod types;
    pub use operations::*;
}

use client::{Client, WithQueryKeyParams};

/// base64 of `user:p@ss w0rd`.
const BASIC: &str = "Basic dXNlcjpwQHNzIHcwcmQ=";

/// What a request carried that credentials could be in.
#[derive(Debug, PartialEq, Eq)]
struct Sent {
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    api_key: Option<String>,
    cookie: Option<String>,
}

fn sent(path: &str, query: Option<&str>) -> Sent {
    Sent {
        path: path.to_owned(),
        query: query.map(str::to_owned),
        authorization: None,
        api_key: None,
        cookie: None,
    }
}

impl Sent {
    fn authorization(mut self, value: &str) -> Self {
        self.authorization = Some(value.to_owned());
        self
    }

    fn api_key(mut self, value: &str) -> Self {
        self.api_key = Some(value.to_owned());
        self
    }

    fn cookie(mut self, value: &str) -> Self {
        self.cookie = Some(value.to_owned());
        self
    }
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

/// The last request the server received.
async fn last(server: &MockServer) -> Sent {
    let requests = server.received_requests().await.expect("recording");
    let request = requests.last().expect("a request");
    let header = |name: &str| {
        let values: Vec<String> = request
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().expect("text").to_owned())
            .collect();
        (!values.is_empty()).then(|| values.join(" | "))
    };
    Sent {
        path: request.url.path().to_owned(),
        query: request.url.query().map(str::to_owned),
        authorization: header("authorization"),
        api_key: header("x-api-key"),
        cookie: header("cookie"),
    }
}

/// A client with credentials for every scheme.
fn everything(server: &MockServer) -> Client {
    Client::builder("bearer-token")
        .base_url(server.uri())
        .basic_auth("basic", "user", "p@ss w0rd")
        .api_key("headerKey", "header-key")
        .api_key("queryKey", "query key&=")
        .api_key("cookieKey", "cookie-key")
        .token_source("oauth", StaticToken::new("oauth-token"))
        .build()
        .expect("builds")
}

#[tokio::test]
async fn each_operation_sends_exactly_the_credentials_its_security_names() {
    let server = server().await;
    let client = everything(&server);

    client.with_bearer().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/bearer", None).authorization("Bearer bearer-token")
    );

    client.with_basic().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/basic", None).authorization(BASIC)
    );

    client.with_header_key().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/header-key", None).api_key("header-key")
    );

    // The key after the operation's own parameters, encoded like them.
    let params = WithQueryKeyParams::default().page(2);
    client.with_query_key(&params).await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/query-key", Some("page=2&api_key=query+key%26%3D"))
    );

    client.with_cookie_key().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/cookie-key", None).cookie("session=cookie-key")
    );

    // Two alternatives, both configured: the first.
    client.with_either().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/either", None).api_key("header-key")
    );

    // One requirement of two schemes: both.
    client.with_both().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/both", Some("api_key=query+key%26%3D")).api_key("header-key")
    );

    // A bearer scheme with its own source, not the builder's token.
    client.with_o_auth().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/oauth", None).authorization("Bearer oauth-token")
    );

    client.with_optional_key().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/optional", None).api_key("header-key")
    );

    // `security: []`.
    client.without_credentials().await.expect("204");
    assert_eq!(last(&server).await, sent("/public", None));
}

#[tokio::test]
async fn of_two_alternatives_the_first_the_client_has_is_sent() {
    let server = server().await;
    // Basic only (and the bearer token every client of this API takes).
    let client = Client::builder("bearer-token")
        .base_url(server.uri())
        .basic_auth("basic", "user", "p@ss w0rd")
        .allow_missing_credentials()
        .build()
        .expect("builds");
    client.with_either().await.expect("204");
    assert_eq!(
        last(&server).await,
        sent("/either", None).authorization(BASIC)
    );
    // The key when there is one, else nothing.
    client.with_optional_key().await.expect("204");
    assert_eq!(last(&server).await, sent("/optional", None));

    // An operation the client has no credentials for fails without a request.
    let before = server.received_requests().await.expect("recording").len();
    let error = client.with_header_key().await.expect_err("no key");
    match &error {
        Error::Auth {
            source: TokenError::MissingCredentials { needed },
            ..
        } => assert_eq!(needed, "`headerKey`"),
        other => panic!("{other:?}"),
    }
    assert!(!error.is_retryable());
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        before
    );
}

#[test]
fn the_builder_names_the_schemes_a_client_lacks() {
    // The document's bearer token only: the other schemes are missing.
    let error = Client::builder("bearer-token")
        .build()
        .expect_err("missing");
    let text = error.to_string();
    let BuildError::MissingCredentials {
        needed, configured, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(configured, &["bearer", "oauth"], "{text}");
    assert_eq!(
        needed,
        &[
            "`basic`",
            "`headerKey`",
            "`queryKey`",
            "`cookieKey`",
            "`headerKey` or `basic`",
            "`headerKey` and `queryKey`",
        ],
        "{text}"
    );
    for expected in [
        "`basic`: HTTP basic (`.basic_auth(\"basic\", user, password)`)",
        "`queryKey`: an API key in the query parameter `api_key` (`.api_key(\"queryKey\", key)`)",
        "`cookieKey`: an API key in the cookie `session`",
        "allow_missing_credentials()",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }

    // A scheme the API does not have, and a credential of the wrong kind.
    let unknown = Client::builder("t")
        .api_key("nope", "k")
        .build()
        .expect_err("unknown");
    assert_eq!(
        unknown.to_string(),
        "no security scheme `nope`: the API has `bearer`, `basic`, `headerKey`, `queryKey`, `cookieKey`, `oauth`"
    );
    let mismatch = Client::builder("t")
        .api_key("basic", "k")
        .build()
        .expect_err("kind");
    assert!(
        matches!(mismatch, BuildError::CredentialMismatch { .. }),
        "{mismatch:?}"
    );
    assert!(
        mismatch.to_string().starts_with("`basic` takes HTTP basic"),
        "{mismatch}"
    );
    // Keys a request cannot carry are refused at build time, unprinted.
    let bad = Client::builder("t")
        .api_key("headerKey", "line\nbreak")
        .allow_missing_credentials()
        .build()
        .expect_err("bad key");
    assert!(matches!(bad, BuildError::InvalidCredential(_)), "{bad:?}");
    assert!(!bad.to_string().contains("break"), "{bad}");
    let colon = Client::builder("t")
        .basic_auth("basic", "a:b", "pw")
        .allow_missing_credentials()
        .build()
        .expect_err("colon");
    assert!(
        matches!(colon, BuildError::InvalidCredential(_)),
        "{colon:?}"
    );
}

/// Credentials stay out of `Debug` output and errors; a key in the query
/// string is replaced in the URL reqwest's error carries. (Traces are
/// checked by `tests/secrets.rs`, whose global subscriber sees every
/// thread.)
#[tokio::test]
async fn keys_stay_out_of_debug_and_errors() {
    // A port nothing listens on: the connection fails, and reqwest's error
    // carries the URL the key is in.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let uri = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let builder = Client::builder("BEARER-SECRET")
        .base_url(&uri)
        .max_retries(0)
        .log_bodies(true)
        .basic_auth("basic", "user", "BASIC-SECRET")
        .api_key("headerKey", "HEADER-SECRET")
        .api_key("queryKey", "QUERY-SECRET")
        .api_key("cookieKey", "COOKIE-SECRET")
        .token_source("oauth", StaticToken::new("OAUTH-SECRET"));
    let mut shown = format!("{builder:?}\n");
    let client = builder.build().expect("builds");
    shown.push_str(&format!("{client:?}\n"));
    let error = client.with_both().await.expect_err("nothing listens");
    assert!(error.is_connect(), "{error:?}");
    shown.push_str(&format!("{error}\n{error:?}\n"));
    let source = std::error::Error::source(&error).map(|s| format!("{s:?}"));
    shown.push_str(&format!("{source:?}\n"));
    for call in [
        client.with_basic().await,
        client.with_cookie_key().await,
        client.with_o_auth().await,
        client.with_bearer().await,
    ] {
        let error = call.expect_err("nothing listens");
        shown.push_str(&format!("{error}\n{error:?}\n"));
    }
    assert!(!shown.contains("SECRET"), "a credential shows:\n{shown}");
    // The URL is there, with the key replaced.
    assert!(shown.contains("api_key=REDACTED"), "{shown}");
}
