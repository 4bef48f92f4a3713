//! The realism knobs over real HTTP, each through the client as an app
//! would meet it: rate limits and 429s, scripted faults, the OAuth flow
//! (code, rotation, expiry, scopes) and signed webhooks with retries. Every
//! test that involves time runs on tokio's paused clock, which the mock's
//! clock follows.

mod common;

use std::time::Duration;

use common::receiver::Receiver;
use leadconnector::oauth::{OAuthApp, TokenPair};
use leadconnector::webhooks::types::ContactEvent;
use leadconnector::webhooks::Verifier;
use leadconnector::{types, Error, ErrorBody, RetryPolicy};
use leadconnector_mock::ratelimit::Limits;
use leadconnector_mock::{Fault, FaultRule, MockServer};

async fn contact(mock: &MockServer) -> String {
    let request = types::CreateContactRequest::new(mock.location_id()).email("a@b.co");
    mock.client()
        .create_contact(&request)
        .await
        .unwrap()
        .contact
        .id
        .clone()
}

// ---------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_burst_limit_answers_429_with_retry_after_and_the_headers() {
    let mock = MockServer::start().await;
    let id = contact(&mock).await;
    let client = mock.client_builder().max_retries(0).build().unwrap();
    for i in 1..100 {
        let got = client.get_contact(&id).await.expect("within the burst");
        assert_eq!(got.rate_limit().remaining, Some(99 - i));
    }
    tokio::time::advance(Duration::from_millis(2_500)).await;
    let refused = client.get_contact(&id).await.expect_err("101st request");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(refused.retry_after(), Some(Duration::from_secs(8)));
    assert_eq!(refused.rate_limit().map(|r| r.remaining), Some(Some(0)));
    assert_eq!(
        refused.rate_limit().map(|r| r.daily_remaining),
        Some(Some(200_000 - 100))
    );
    let last = mock.requests().pop().unwrap();
    assert_eq!(
        (last.status, last.header("authorization")),
        (Some(429), Some("Bearer <redacted>"))
    );
    tokio::time::advance(Duration::from_secs(8)).await;
    assert!(client.get_contact(&id).await.is_ok(), "a new window");
}

#[tokio::test(start_paused = true)]
async fn a_429_storm_is_ridden_out_by_the_clients_retries() {
    let mock = MockServer::builder()
        .rate_limits(Limits {
            burst_max: 5,
            ..Limits::default()
        })
        .start()
        .await
        .unwrap();
    let id = contact(&mock).await;
    let client = mock
        .client_builder()
        .retry(RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        })
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let calls = (0..20).map(|_| {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move { client.get_contact(&id).await.map(|r| r.contact.id.clone()) })
    });
    for call in calls.collect::<Vec<_>>() {
        assert_eq!(call.await.unwrap().expect("every call gets through"), id);
    }
    let refused = mock
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    assert!(refused >= 15, "{refused} 429s");
    // 21 requests at 5 per 10 s need four more windows.
    assert!(
        started.elapsed() >= Duration::from_secs(40),
        "{:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_create_dropped_after_it_was_applied_is_not_retried_and_is_stored() {
    let mock = MockServer::start().await;
    mock.fault(FaultRule::new("createContact", Fault::DropAfterApply).times(1));
    let request = types::CreateContactRequest::new(mock.location_id()).email("lost@x.io");
    let err = mock
        .client()
        .create_contact(&request)
        .await
        .expect_err("dropped");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let sent = mock.requests_for("createContact");
    assert_eq!(sent.len(), 1, "a create is not retried");
    assert_eq!((sent[0].status, sent[0].revision), (None, Some(1)));
    assert_eq!(mock.contact_count(), 1, "the change happened");
    // The upsert an app recovers with finds it instead of making another.
    let upsert = types::UpsertContactRequest::new(mock.location_id()).email("lost@x.io");
    let recovered = mock.client().upsert_contact(&upsert).await.unwrap();
    assert_eq!(recovered.new, Some(false));
}

#[tokio::test]
async fn a_request_dropped_before_it_was_applied_changes_nothing() {
    let mock = MockServer::start().await;
    mock.fault(FaultRule::new("createContact", Fault::DropBeforeApply).times(1));
    let request = types::CreateContactRequest::new(mock.location_id()).email("x@x.io");
    assert!(mock.client().create_contact(&request).await.is_err());
    assert_eq!(mock.contact_count(), 0);
    // A GET dropped once is retried by the client.
    let id = contact(&mock).await;
    mock.fault(FaultRule::new("getContact", Fault::DropBeforeApply).times(1));
    assert!(mock.client().get_contact(&id).await.is_ok());
    assert_eq!(mock.requests_for("getContact").len(), 2);
}

#[tokio::test]
async fn scripted_statuses_and_malformed_bodies() {
    let mock = MockServer::start().await;
    let id = contact(&mock).await;
    let client = mock.client();
    mock.fault(FaultRule::new("getContact", Fault::Status(503)).times(1));
    assert!(
        client.get_contact(&id).await.is_ok(),
        "a 503 on a GET is retried"
    );
    mock.fault(FaultRule::new("createContact", Fault::Status(503)).times(1));
    let create = types::CreateContactRequest::new(mock.location_id());
    let err = client.create_contact(&create).await.expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        mock.contact_count(),
        1,
        "the refused create changed nothing"
    );
    mock.fault(FaultRule::new("getContact", Fault::Status(422)).times(1));
    match client.get_contact(&id).await.expect_err("422") {
        Error::Api(api) => assert!(matches!(api.body, ErrorBody::UnprocessableEntity(_))),
        other => panic!("{other:?}"),
    }
    mock.fault(FaultRule::new("getContact", Fault::MalformedBody).times(1));
    assert!(matches!(
        client.get_contact(&id).await,
        Err(Error::Decode { .. })
    ));
    mock.fault(FaultRule::new("*", Fault::Status(429)).times(1));
    let quick = mock.client_builder().max_retries(0).build().unwrap();
    assert_eq!(
        quick.get_contact(&id).await.unwrap_err().retry_after(),
        Some(Duration::from_secs(1))
    );
}

#[tokio::test(start_paused = true)]
async fn a_delay_longer_than_the_clients_timeout_times_out() {
    let mock = MockServer::start().await;
    let id = contact(&mock).await;
    mock.fault(FaultRule::new(
        "getContact",
        Fault::Delay(Duration::from_secs(5)),
    ));
    let client = mock
        .client_builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(client.get_contact(&id).await.unwrap_err().is_timeout());
    mock.clear_faults();
    assert!(client.get_contact(&id).await.is_ok());
}

// ---------------------------------------------------------------------------
// OAuth
// ---------------------------------------------------------------------------

const APP: &str = "app-1";
const SECRET: &str = "secret-1";
const REDIRECT: &str = "https://app.example/callback";

async fn installed(mock: &MockServer, scopes: &[&str]) -> (OAuthApp, TokenPair) {
    mock.add_oauth_app(APP, SECRET);
    let app = OAuthApp::builder(APP, SECRET)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let code = mock.install(APP, REDIRECT, mock.location_id(), scopes);
    let pair = app
        .exchange_code(&code, REDIRECT, None)
        .await
        .expect("exchanged");
    (app, pair)
}

#[tokio::test(start_paused = true)]
async fn an_expired_access_token_is_refreshed_and_the_old_refresh_token_is_then_refused() {
    let mock = MockServer::start().await;
    let (app, pair) = installed(&mock, &["contacts.readonly", "contacts.write"]).await;
    let first_refresh = pair.refresh_token.expose().to_owned();
    let tokens = app.tokens(pair.clone()).build();
    let client = leadconnector::Client::builder_with_tokens(tokens.clone())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let id = client
        .create_contact(&types::CreateContactRequest::new(mock.location_id()))
        .await
        .expect("with the access token")
        .contact
        .id
        .clone();
    assert!(mock.expire_token(pair.access_token.expose()));
    client
        .get_contact(&id)
        .await
        .expect("refreshed after the 401, then retried");
    let statuses: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| (r.operation.unwrap_or("-"), r.status))
        .collect();
    assert_eq!(
        &statuses[2..],
        [
            ("getContact", Some(401)),
            ("getAccessToken", Some(200)),
            ("getContact", Some(200))
        ]
    );
    assert_ne!(
        tokens.pair().refresh_token.expose(),
        first_refresh,
        "rotated"
    );
    // The first refresh token was spent: using it again is invalid_grant.
    let again = leadconnector::oauth::types::AccessTokenRequest::new(
        APP,
        SECRET,
        leadconnector::oauth::types::GrantType::RefreshToken,
    )
    .refresh_token(first_refresh.as_str());
    let refused = app
        .client()
        .get_access_token(&again)
        .await
        .expect_err("spent");
    match refused {
        Error::Api(api) => match &api.body {
            leadconnector::oauth::ErrorBody::BadRequest(body) => {
                assert_eq!(body.error.as_deref(), Some("invalid_grant"))
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // A day later the client refreshes before sending.
    tokio::time::advance(Duration::from_secs(86_400)).await;
    client
        .get_contact(&id)
        .await
        .expect("refreshed ahead of expiry");
    assert_eq!(mock.requests_for("getAccessToken").len(), 4);
}

#[tokio::test]
async fn a_token_without_the_scope_gets_the_vendors_401_and_no_refresh() {
    let mock = MockServer::start().await;
    let (app, pair) = installed(&mock, &["contacts.readonly"]).await;
    let client = leadconnector::Client::builder_with_tokens(app.tokens(pair).build())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = client
        .create_contact(&types::CreateContactRequest::new(mock.location_id()))
        .await
        .expect_err("no contacts.write");
    match &err {
        Error::Api(api) => match &api.body {
            ErrorBody::Unauthorized(body) => {
                assert_eq!(body.message, "The token is not authorized for this scope.")
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert_eq!(
        mock.requests_for("getAccessToken").len(),
        1,
        "only the code exchange"
    );
    let search = types::SearchContactsRequest::new(mock.location_id(), 10);
    assert!(
        client.search_contacts(&search).await.is_ok(),
        "contacts.readonly is enough"
    );
}

#[tokio::test]
async fn the_install_page_redirects_with_a_code_the_token_endpoint_takes() {
    let mock = MockServer::start().await;
    mock.add_oauth_app(APP, SECRET);
    let app = OAuthApp::builder(APP, SECRET)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let url = app
        .authorization_url(REDIRECT)
        .host(mock.base_url())
        .scopes(["contacts.readonly"])
        .state("csrf-1")
        .build()
        .unwrap();
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 302, "{:?}", mock.requests());
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(REDIRECT) && location.ends_with("&state=csrf-1"),
        "{location}"
    );
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let pair = app
        .exchange_code(code, REDIRECT, None)
        .await
        .expect("exchanged");
    assert_eq!(pair.location_id.as_deref(), Some(mock.location_id()));
    assert_eq!(
        app.exchange_code(code, REDIRECT, None)
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(400)
    );
}

#[tokio::test]
async fn an_agency_token_gets_a_location_token() {
    let mock = MockServer::start().await;
    mock.add_oauth_app(APP, SECRET);
    let app = OAuthApp::builder(APP, SECRET)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let code = mock.install_company(
        APP,
        REDIRECT,
        "Gt3rLgdQJDGoH8xXdG0P",
        &["oauth.write", "contacts.readonly"],
    );
    let agency = app
        .exchange_code(&code, REDIRECT, None)
        .await
        .expect("agency pair");
    let agency_client = leadconnector::oauth::Client::builder(agency.access_token.expose())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let form = leadconnector::oauth::types::LocationTokenRequest::new(
        "Gt3rLgdQJDGoH8xXdG0P",
        mock.location_id(),
    );
    let answer = agency_client
        .get_location_access_token(&form)
        .await
        .expect("location token");
    let token = answer.into_body().access_token.expect("a token");
    let client = leadconnector::Client::builder(token.expose())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    assert!(client
        .search_contacts(&types::SearchContactsRequest::new(mock.location_id(), 5))
        .await
        .is_ok());
}

// ---------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn each_change_sends_its_signed_event_in_order() {
    let mock = MockServer::builder().system_clock().start().await.unwrap();
    let receiver = Receiver::start(&[]).await;
    mock.register_webhook(&receiver.url);
    let client = mock.client();
    let created = client
        .create_contact(&types::CreateContactRequest::new(mock.location_id()).email("w@x.io"))
        .await
        .unwrap();
    let id = created.contact.id.clone();
    client
        .update_contact(
            &id,
            &types::UpdateContactRequest::default().city("Dolomite"),
        )
        .await
        .unwrap();
    client
        .add_tags(&id, &types::TagsRequest::new(["vip"]))
        .await
        .unwrap();
    let dnd = types::DndSettings::default().sms(types::DndSetting::new("active"));
    client
        .update_contact(
            &id,
            &types::UpdateContactRequest::default().dnd_settings(dnd),
        )
        .await
        .unwrap();
    client.delete_contact(&id).await.unwrap();
    mock.webhooks_idle().await;
    let verifier = Verifier::new().with_keys([MockServer::webhook_public_key()]);
    let mut kinds = Vec::new();
    for got in receiver.got() {
        let verified = verifier
            .verify(
                &got.body,
                got.signature.as_deref().map(str::as_bytes),
                chrono::Utc::now(),
            )
            .await
            .expect("signed by the mock");
        kinds.push(verified.event_type.clone());
        match verified.event {
            ContactEvent::TagUpdate(c) => assert_eq!(c.tags, ["vip"]),
            ContactEvent::DndUpdate(c) => assert!(c.dnd_settings.and_then(|d| d.sms).is_some()),
            ContactEvent::Create(c) => assert_eq!(c.email.as_deref(), Some("w@x.io")),
            _ => {}
        }
    }
    assert_eq!(
        kinds,
        [
            "ContactCreate",
            "ContactUpdate",
            "ContactTagUpdate",
            "ContactDndUpdate",
            "ContactDelete"
        ]
    );
    assert!(mock
        .webhook_deliveries()
        .iter()
        .all(|d| d.delivered && d.attempts.len() == 1));
}

#[tokio::test(start_paused = true)]
async fn a_failing_receiver_gets_the_delivery_again_until_it_answers() {
    let mock = MockServer::start().await;
    let receiver = Receiver::start(&[500, 503]).await;
    mock.register_webhook(&receiver.url);
    contact(&mock).await;
    mock.webhooks_idle().await;
    let deliveries = mock.webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    let statuses: Vec<_> = d.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
    assert!(d.delivered);
    let gaps: Vec<_> = d
        .attempts
        .windows(2)
        .map(|w| (w[1].at - w[0].at).num_milliseconds())
        .collect();
    assert_eq!(gaps, [1000, 2000]);
    let got = receiver.got();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|g| g.body == got[0].body),
        "the same signed body each time"
    );
}
