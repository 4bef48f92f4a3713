//! Statuses on the wire, with the client generated from
//! `tests/fixtures/status_ranges.yaml` (committed in `status_ranges/`,
//! checked current below): a `2XX` range takes every 2xx status not listed
//! on its own, and an operation that lists only `default` decodes a 2xx
//! answer as its body, as success.

// Formatted by prettyplease, as generated; rustfmt would fight it.
#[rustfmt::skip]
#[allow(dead_code, reason = "the module as generated; the tests use part of it")]
mod types;
#[rustfmt::skip]
#[allow(dead_code, reason = "the module as generated; the tests use part of it")]
mod operations;

use openapi_runtime::Error;
use operations::{Client, PauseJobError, StartJobError};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn status_ranges_client_is_current() {
    tests::assert_committed_fixture(
        "tests/fixtures/status_ranges.yaml",
        "tests/tests/suite/status_ranges",
        &["types.rs", "operations.rs"],
    );
}

async fn client(server: &MockServer) -> Client {
    Client::builder("token")
        .base_url(server.uri())
        .max_retries(0)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_2xx_range_takes_the_statuses_not_listed_and_a_listed_one_its_own() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .and(body_json(json!(7)))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"id": "queued"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(409))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let queued = client.start_job(7).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(queued.status().as_u16(), 202);
    assert_eq!(queued.body().id, "queued");
    match client.start_job(7).await {
        Err(Error::Api(api)) => assert!(matches!(api.body, StartJobError::Conflict)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn default_alone_is_success_on_2xx_and_an_error_otherwise() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/jobs/current"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "paused"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/jobs/current"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"id": "broken"})))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let paused = client
        .pause_job(Some(true))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paused.body().id, "paused");
    match client.pause_job(None).await {
        Err(Error::Api(api)) => {
            assert_eq!(api.status.as_u16(), 500);
            assert!(matches!(&api.body, PauseJobError::Other(job) if job.id == "broken"));
        }
        other => panic!("{other:?}"),
    }
}
