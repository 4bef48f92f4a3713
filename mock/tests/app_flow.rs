//! A contact-sync app, tested against the offline LeadConnector
//! (`leadconnector-mock`) using only its documented API. This file is the
//! complete test shown in `leadconnector::guide::testing`.
//!
//! The app imports leads (recovering a create whose answer was lost),
//! finds them again by search, page by page, clears a phone number, gives
//! each lead a follow-up task and a note, survives a storm of 429s, keeps
//! its OAuth tokens alive across an expiry, and handles the signed
//! `ContactCreate` webhooks the API sends it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use leadconnector::oauth::{OAuthApp, TokenPair};
use leadconnector::server_support::{http, hyper, Bytes, Full};
use leadconnector::webhooks::types::ContactEvent;
use leadconnector::webhooks::{Verifier, SIGNATURE_HEADER};
use leadconnector::{types, Client, Error, ErrorBody, RetryPolicy};
use leadconnector_mock::ratelimit::Limits;
use leadconnector_mock::{Fault, FaultRule, MockServer};

// ----- the app under test ---------------------------------------------------

/// Creates a lead; if the create may have been processed although it
/// failed (the connection was lost after the request went out), the
/// contact may exist: an upsert of the same request finds it instead of
/// making a second one.
async fn import_lead(
    client: &Client,
    location: &str,
    name: &str,
    email: &str,
    phone: &str,
) -> Result<String, Error<ErrorBody>> {
    let create = types::CreateContactRequest::new(location)
        .first_name(name)
        .email(email)
        .phone(phone)
        .tags(["lead"]);
    match client.create_contact(&create).await {
        Ok(created) => Ok(created.contact.id.clone()),
        Err(error) if error.may_have_been_processed() => {
            let upsert = types::UpsertContactRequest::from(&create);
            Ok(client.upsert_contact(&upsert).await?.contact.id.clone())
        }
        Err(other) => Err(other),
    }
}

/// Every lead of the Location, through the search stream (one page of 2 at
/// a time).
async fn leads(client: &Client, location: &str) -> Result<Vec<types::Contact>, Error<ErrorBody>> {
    let request = types::SearchContactsRequest::new(location, 2)
        .filters([types::SearchFilter::new("tags", "eq").value("lead")])
        .sort([types::SearchSort::new("email", "asc")]);
    client.search_contacts_stream(request).try_collect().await
}

/// The app's webhook endpoint: 204 for a verified event, 401 otherwise.
async fn on_webhook(
    verifier: &Verifier,
    now: chrono::DateTime<chrono::Utc>,
    body: &[u8],
    signature: Option<&[u8]>,
    seen: &Mutex<Vec<String>>,
) -> u16 {
    match verifier.verify(body, signature, now).await {
        Ok(verified) => {
            if let ContactEvent::Create(contact) = &verified.event {
                seen.lock()
                    .unwrap()
                    .push(contact.email.clone().unwrap_or_default());
            }
            204
        }
        Err(_) => 401,
    }
}

// ----- the test -------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_app_syncs_contacts_through_everything_the_api_throws_at_it() {
    // The mock, an OAuth app installed on its Location, and a client that
    // refreshes its tokens and saves every new pair.
    let mock = MockServer::start().await;
    mock.add_oauth_app("crm-sync", "crm-secret");
    let app = OAuthApp::builder("crm-sync", "crm-secret")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let code = mock.install(
        "crm-sync",
        "https://crm.example/oauth",
        mock.location_id(),
        &["contacts.readonly", "contacts.write"],
    );
    let pair = app
        .exchange_code(&code, "https://crm.example/oauth", None)
        .await
        .unwrap();
    let first_access_token = pair.access_token.expose().to_owned();
    let saved: Arc<Mutex<Vec<TokenPair>>> = Arc::default();
    let store = Arc::clone(&saved);
    let tokens = app
        .tokens(pair)
        .on_refresh(move |pair: TokenPair| {
            let store = Arc::clone(&store);
            async move {
                store.lock().unwrap().push(pair);
                Ok::<(), std::io::Error>(())
            }
        })
        .build();
    let client = Client::builder_with_tokens(tokens)
        .base_url(mock.base_url())
        .retry(RetryPolicy {
            max_retries: 8,
            ..RetryPolicy::default()
        })
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let location = mock.location_id().to_owned();

    // The app's webhook endpoint on loopback, registered with the mock; it
    // trusts the mock's signing key.
    let verifier = Arc::new(Verifier::new().with_keys([MockServer::webhook_public_key()]));
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hooks = format!("http://{}/hooks", listener.local_addr().unwrap());
    let (clock, handler_seen) = (Arc::new(mock.clock()), Arc::clone(&seen));
    let endpoint =
        hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let (verifier, seen, clock) = (
                Arc::clone(&verifier),
                Arc::clone(&handler_seen),
                Arc::clone(&clock),
            );
            async move {
                let signature = request
                    .headers()
                    .get(SIGNATURE_HEADER)
                    .map(|v| v.as_bytes().to_vec());
                let body = http_body_util::BodyExt::collect(request.into_body())
                    .await?
                    .to_bytes();
                let status =
                    on_webhook(&verifier, clock.now(), &body, signature.as_deref(), &seen).await;
                let mut answer = http::Response::new(Full::new(Bytes::new()));
                *answer.status_mut() = http::StatusCode::from_u16(status).unwrap();
                Ok::<_, hyper::Error>(answer)
            }
        });
    tokio::spawn(leadconnector::server_support::serve(
        listener,
        endpoint,
        std::future::pending::<()>(),
    ));
    mock.register_webhook(&hooks);

    // Import three leads; the connection of the second create drops after
    // the mock stored the contact.
    mock.fault(
        FaultRule::new("createContact", Fault::DropAfterApply)
            .after(1)
            .times(1),
    );
    let mut ids = Vec::new();
    let leads_to_import = [
        ("Ann", "ann@example.com", "+1 555-010-0101"),
        ("Bo", "bo@example.com", "+1 555-010-0102"),
        ("Cy", "cy@example.com", "+1 555-010-0103"),
    ];
    for (name, email, phone) in leads_to_import {
        ids.push(
            import_lead(&client, &location, name, email, phone)
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        mock.contact_count(),
        3,
        "the dropped create was recovered, not repeated"
    );
    assert_eq!(mock.requests_for("upsertContact").len(), 1);

    // Search and page: two pages of 2.
    let found = leads(&client, &location).await.unwrap();
    let emails: Vec<_> = found.iter().map(|c| c.email.clone().unwrap()).collect();
    assert_eq!(
        emails,
        ["ann@example.com", "bo@example.com", "cy@example.com"]
    );
    assert_eq!(mock.requests_for("searchContacts").len(), 2);

    // Update clearing a field: the phone is sent as null and is gone.
    let update = types::UpdateContactRequest::default().clear_phone();
    client.update_contact(&ids[0], &update).await.unwrap();
    assert_eq!(mock.contact(&ids[0]).unwrap().phone, None);
    assert!(mock.contact(&ids[1]).unwrap().phone.is_some());

    // A follow-up task and a note for every lead.
    for id in &ids {
        let due = mock.now() + chrono::Duration::days(2);
        client
            .create_task(id, &types::CreateTaskRequest::new("Call back", due, false))
            .await
            .unwrap();
        client
            .create_note(id, &types::CreateNoteRequest::new("Imported from the fair"))
            .await
            .unwrap();
    }
    assert!(ids
        .iter()
        .all(|id| mock.tasks(id).len() == 1 && mock.notes(id).len() == 1));

    // A 429 storm: at 10 requests per 10 s, thirty reads still all succeed,
    // each retried after the Retry-After the mock sends.
    mock.set_rate_limits(Limits {
        burst_max: 10,
        ..Limits::default()
    });
    let reads: Vec<_> = (0..30)
        .map(|i| {
            let (client, id) = (client.clone(), ids[i % 3].clone());
            tokio::spawn(async move { client.get_contact(&id).await.map(|_| ()) })
        })
        .collect();
    for read in reads {
        read.await.unwrap().unwrap();
    }
    assert!(mock
        .requests()
        .iter()
        .any(|r| r.status == Some(429) && r.response_header("retry-after").is_some()));
    mock.set_rate_limits(Limits::default());

    // An OAuth expiry: a day later the access token is dead; the client
    // refreshes (the mock rotates the refresh token) and the app saves the
    // new pair before using it.
    tokio::time::advance(Duration::from_secs(24 * 3600)).await;
    client.get_contact(&ids[2]).await.unwrap();
    assert_eq!(saved.lock().unwrap().len(), 1, "one refresh, saved");
    assert_eq!(
        mock.requests_for("getAccessToken").len(),
        2,
        "the code exchange and one refresh"
    );
    let stale = Client::builder(first_access_token.as_str())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    match stale.get_contact(&ids[2]).await {
        Err(Error::Api(api)) => assert_eq!(
            api.message.as_deref(),
            Some("Invalid token: access token is expired")
        ),
        other => panic!("the first access token should have expired: {other:?}"),
    }

    // The webhooks: one verified ContactCreate per lead, none twice.
    mock.webhooks_idle().await;
    let mut created = seen.lock().unwrap().clone();
    created.sort();
    assert_eq!(
        created,
        ["ann@example.com", "bo@example.com", "cy@example.com"]
    );
}
