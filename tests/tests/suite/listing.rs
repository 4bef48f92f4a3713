//! The listing streams over many pages on loopback (wiremock): the
//! deprecated `getContacts` with its `startAfterId`/`startAfter` cursor in
//! `meta`, and `getContactsByBusinessId` with `skip`/`limit`. Each server
//! holds a data set and answers every page from the query it receives, so
//! the tests see exactly which pages the stream asked for.
#![allow(
    deprecated,
    reason = "getContacts is deprecated by the vendor and still tested"
)]

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use leadconnector::{
    Client, Error, GetContactsByBusinessIdError, GetContactsByBusinessIdParams, GetContactsParams,
};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
const BUSINESS: &str = "641c094001436dbc2081e642";

/// Contact `i` of a data set; `dateAdded` in milliseconds is its cursor.
fn contact(i: usize) -> Value {
    json!({"id": format!("c{i:05}"), "locationId": LOCATION, "followers": [format!("u{i}")]})
}

fn cursor_ms(i: usize) -> u64 {
    1_600_000_000_000 + i as u64 * 1000
}

/// The query parameters of a received request.
fn query_of(request: &Request) -> Vec<(String, String)> {
    request.url.query_pairs().into_owned().collect()
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// How a cursor server misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Cursor {
    /// A correct `meta` on every page.
    Good,
    /// Pages come without `meta`.
    NoMeta,
    /// Every page names the same cursor.
    Stuck,
}

/// `GET /contacts/`: `limit` contacts after the one `startAfterId` names.
struct CursorPages {
    total: usize,
    cursor: Cursor,
    seen: Seen,
}

impl Respond for CursorPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_of(request);
        self.seen.lock().expect("lock").push(query.clone());
        let limit: usize = param(&query, "limit").map_or(20, |l| l.parse().expect("limit"));
        let start = match (param(&query, "startAfterId"), param(&query, "startAfter")) {
            (Some(id), Some(after)) => {
                let i: usize = id[1..].parse().expect("id");
                assert_eq!(
                    after,
                    cursor_ms(i).to_string(),
                    "startAfter pairs with startAfterId"
                );
                i + 1
            }
            (None, None) => 0,
            other => panic!("half a cursor: {other:?}"),
        };
        let end = (start + limit).min(self.total);
        let contacts: Vec<Value> = (start..end).map(contact).collect();
        let last = end.saturating_sub(1);
        let mut body = json!({"contacts": contacts, "count": contacts.len()});
        match self.cursor {
            Cursor::Good => {
                body["meta"] = json!({
                    "total": self.total,
                    "startAfterId": format!("c{last:05}"),
                    "startAfter": cursor_ms(last),
                    "currentPage": start / limit + 1,
                    "nextPage": start / limit + 2,
                    "prevPage": null,
                });
            }
            Cursor::NoMeta => {}
            Cursor::Stuck => {
                body["meta"] = json!({"startAfterId": "c00000", "startAfter": cursor_ms(0)});
            }
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

async fn cursor_server(total: usize, cursor: Cursor) -> (MockServer, Seen) {
    let server = MockServer::start().await;
    let seen = Seen::default();
    Mock::given(method("GET"))
        .and(path("/contacts/"))
        .respond_with(CursorPages {
            total,
            cursor,
            seen: Arc::clone(&seen),
        })
        .mount(&server)
        .await;
    (server, seen)
}

fn client(server: &MockServer) -> Client {
    Client::builder("token")
        .base_url(server.uri())
        .max_retries(0)
        .build()
        .expect("client builds")
}

fn ids<E: std::fmt::Debug>(
    items: &[Result<leadconnector::types::Contact, Error<E>>],
) -> Vec<String> {
    items
        .iter()
        .map(|c| c.as_ref().expect("a contact").id.clone().expect("id"))
        .collect()
}

fn expected_ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("c{i:05}")).collect()
}

#[tokio::test]
async fn contacts_stream_follows_the_meta_cursor_over_many_pages() {
    let (server, seen) = cursor_server(237, Cursor::Good).await;
    let params = GetContactsParams {
        query: Some("john".into()),
        ..Default::default()
    };
    let items: Vec<_> = client(&server)
        .contacts_stream(LOCATION, params)
        .collect()
        .await;
    assert_eq!(
        ids(&items),
        expected_ids(0..237),
        "every contact once, in order"
    );
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(
        seen.len(),
        12,
        "11 full pages of 20 and a short one, nothing after"
    );
    for (i, query) in seen.iter().enumerate() {
        assert_eq!(param(query, "locationId"), Some(LOCATION));
        assert_eq!(
            param(query, "query"),
            Some("john"),
            "the caller's filter stays"
        );
        if i == 0 {
            assert_eq!(param(query, "startAfterId"), None);
        } else {
            let last = i * 20 - 1;
            assert_eq!(
                param(query, "startAfterId"),
                Some(format!("c{last:05}").as_str())
            );
            assert_eq!(
                param(query, "startAfter"),
                Some(cursor_ms(last).to_string().as_str())
            );
        }
    }
}

#[tokio::test]
async fn contacts_stream_stops_at_meta_total_without_asking_for_an_empty_page() {
    let (server, seen) = cursor_server(300, Cursor::Good).await;
    let params = GetContactsParams {
        limit: Some(100),
        ..Default::default()
    };
    let items: Vec<_> = client(&server)
        .contacts_stream(LOCATION, params)
        .collect()
        .await;
    assert_eq!(ids(&items), expected_ids(0..300));
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|q| param(q, "limit") == Some("100")));
}

#[tokio::test]
async fn contacts_stream_resumes_from_a_given_cursor() {
    let (server, seen) = cursor_server(95, Cursor::Good).await;
    let params = GetContactsParams {
        start_after_id: Some("c00049".into()),
        start_after: Some(i64::try_from(cursor_ms(49)).expect("fits")),
        ..Default::default()
    };
    let items: Vec<_> = client(&server)
        .contacts_stream(LOCATION, params)
        .collect()
        .await;
    assert_eq!(ids(&items), expected_ids(50..95));
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn contacts_stream_ends_with_a_paging_error_when_the_cursor_is_missing_or_stuck() {
    for (cursor, words) in [(Cursor::NoMeta, "meta"), (Cursor::Stuck, "same cursor")] {
        let (server, seen) = cursor_server(100, cursor).await;
        let items: Vec<_> = client(&server)
            .contacts_stream(LOCATION, GetContactsParams::default())
            .collect()
            .await;
        let (last, contacts) = items.split_last().expect("items");
        assert!(contacts.iter().all(Result::is_ok));
        match last {
            Err(Error::Paging { operation, reason }) => {
                assert_eq!(*operation, "getContacts");
                assert!(reason.contains(words), "{reason}");
            }
            other => panic!("expected a paging error, got {other:?}"),
        }
        let pages = seen.lock().expect("lock").len();
        // No meta: the first page is all there is. Stuck: the second page
        // names the cursor that fetched it.
        assert_eq!(pages, if cursor == Cursor::NoMeta { 1 } else { 2 });
    }
}

#[tokio::test]
async fn contacts_stream_refuses_a_limit_below_one_without_sending() {
    let (server, seen) = cursor_server(10, Cursor::Good).await;
    let params = GetContactsParams {
        limit: Some(0),
        ..Default::default()
    };
    let items: Vec<_> = client(&server)
        .contacts_stream(LOCATION, params)
        .collect()
        .await;
    assert!(
        matches!(items.as_slice(), [Err(Error::Paging { .. })]),
        "{items:?}"
    );
    assert!(seen.lock().expect("lock").is_empty());
}

/// `GET /contacts/business/{id}`: `limit` contacts from `skip`.
struct OffsetPages {
    total: usize,
    seen: Seen,
}

impl Respond for OffsetPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_of(request);
        self.seen.lock().expect("lock").push(query.clone());
        let limit: usize = param(&query, "limit").map_or(25, |l| l.parse().expect("limit"));
        let skip: usize = param(&query, "skip").map_or(0, |s| s.parse().expect("skip"));
        let end = (skip + limit).min(self.total);
        let contacts: Vec<Value> = (skip.min(end)..end).map(contact).collect();
        ResponseTemplate::new(200).set_body_json(json!({"contacts": contacts, "count": self.total}))
    }
}

async fn offset_server(total: usize) -> (MockServer, Seen) {
    let server = MockServer::start().await;
    let seen = Seen::default();
    Mock::given(method("GET"))
        .and(path(format!("/contacts/business/{BUSINESS}")))
        .respond_with(OffsetPages {
            total,
            seen: Arc::clone(&seen),
        })
        .mount(&server)
        .await;
    (server, seen)
}

#[tokio::test]
async fn business_stream_moves_skip_on_by_each_page_over_many_pages() {
    let (server, seen) = offset_server(103).await;
    let params = GetContactsByBusinessIdParams {
        limit: Some(10),
        query: Some("deo".into()),
        ..Default::default()
    };
    let items: Vec<_> = client(&server)
        .contacts_by_business_stream(BUSINESS, LOCATION, params)
        .collect()
        .await;
    assert_eq!(ids(&items), expected_ids(0..103));
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 11, "10 full pages and a short one");
    for (i, query) in seen.iter().enumerate() {
        assert_eq!(param(query, "locationId"), Some(LOCATION));
        assert_eq!(param(query, "limit"), Some("10"));
        assert_eq!(param(query, "query"), Some("deo"));
        let skip = (i * 10).to_string();
        assert_eq!(
            param(query, "skip"),
            if i == 0 { None } else { Some(skip.as_str()) }
        );
    }
}

#[tokio::test]
async fn business_stream_with_the_default_limit_stops_at_an_empty_page() {
    // 50 contacts, pages of 25: the stream cannot know the second full page
    // was the last, so it asks once more and gets an empty page.
    let (server, seen) = offset_server(50).await;
    let items: Vec<_> = client(&server)
        .contacts_by_business_stream(BUSINESS, LOCATION, GetContactsByBusinessIdParams::default())
        .collect()
        .await;
    assert_eq!(ids(&items), expected_ids(0..50));
    let skips: Vec<Option<String>> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|q| param(q, "skip").map(str::to_owned))
        .collect();
    assert_eq!(skips, [None, Some("25".into()), Some("50".into())]);
}

#[tokio::test]
async fn business_stream_starts_at_skip_and_refuses_a_negative_one() {
    let (server, seen) = offset_server(40).await;
    let params = GetContactsByBusinessIdParams {
        skip: Some(30),
        ..Default::default()
    };
    let items: Vec<_> = client(&server)
        .contacts_by_business_stream(BUSINESS, LOCATION, params)
        .collect()
        .await;
    assert_eq!(ids(&items), expected_ids(30..40));
    assert_eq!(seen.lock().expect("lock").len(), 1);

    let params = GetContactsByBusinessIdParams {
        skip: Some(-1),
        ..Default::default()
    };
    let items: Vec<_> = client(&server)
        .contacts_by_business_stream(BUSINESS, LOCATION, params)
        .collect()
        .await;
    assert!(
        matches!(items.as_slice(), [Err(Error::Paging { .. })]),
        "{items:?}"
    );
    assert_eq!(seen.lock().expect("lock").len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn business_stream_ends_with_the_typed_error_of_a_failed_page() {
    let server = MockServer::start().await;
    let page: Vec<Value> = (0..25).map(contact).collect();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"contacts": page})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(422).set_body_json(
            json!({"statusCode": 422, "message": ["skip must be a number"], "error": "Unprocessable Entity"}),
        ))
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server)
        .contacts_by_business_stream(BUSINESS, LOCATION, GetContactsByBusinessIdParams::default())
        .collect()
        .await;
    assert_eq!(items.len(), 26);
    match &items[25] {
        Err(err) => assert!(
            matches!(
                err.body(),
                Some(GetContactsByBusinessIdError::UnprocessableEntity(_))
            ),
            "{err:?}"
        ),
        Ok(contact) => panic!("expected the 422, got {contact:?}"),
    }
}
