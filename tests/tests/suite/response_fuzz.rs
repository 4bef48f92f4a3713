//! Property test: random answers (status, headers, body, framing) over real
//! HTTP, thrown at every operation. Each call must come back as `Ok` or a
//! typed `Err` that agrees with the answer (never a panic or a hang), and
//! error texts stay bounded.
//!
//! One raw loopback server answers from a queue and one client (retries off)
//! sends. `cargo test` runs a short pass (200 cases per operation, a few
//! seconds); `FUZZ_CASES` sets the number per operation for a campaign, which
//! `.ci/run` runs with a fixed budget and which prints how many answers it
//! sent (`--nocapture`).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::{Answer, RawServer};
use leadconnector::{types, ApiResponse, Client, Error, SNIPPET_LIMIT};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

/// Bodies larger than this fail with `BodyTooLarge`.
const LIMIT: usize = 8 * 1024;

const OPERATIONS: [&str; 8] = [
    "createContact",
    "searchContacts",
    "upsertContact",
    "getContact",
    "updateContact",
    "deleteContact",
    "addTags",
    "removeTags",
];

/// The documented success status of each operation.
fn success_status(op: &str) -> u16 {
    match op {
        "createContact" | "addTags" => 201,
        _ => 200,
    }
}

/// How the body is framed on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    /// `Content-Length`, connection kept open.
    Length,
    /// `Transfer-Encoding: chunked`, in chunks of up to 700 bytes.
    Chunked,
    /// No length: the body ends when the server closes the connection.
    CloseDelimited,
    /// A `Content-Length` 10 bytes longer than the body, then the server
    /// closes the connection.
    Truncated,
}

#[derive(Clone, Debug)]
struct Wire {
    op: usize,
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    framing: Framing,
}

impl Wire {
    /// 204 and 304 carry no body: hyper would not read one.
    fn bodiless(&self) -> bool {
        matches!(self.status, 204 | 304)
    }

    fn answer(&self) -> Answer {
        let headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        if self.bodiless() {
            let mut bytes = crate::support::head(self.status, &headers);
            bytes.extend_from_slice(b"\r\n");
            return Answer::Raw {
                bytes,
                close: false,
            };
        }
        let mut bytes = crate::support::head(self.status, &headers);
        let body = &self.body;
        match self.framing {
            Framing::Length => {
                bytes.extend_from_slice(
                    format!("content-length: {}\r\n\r\n", body.len()).as_bytes(),
                );
                bytes.extend_from_slice(body);
                Answer::Raw {
                    bytes,
                    close: false,
                }
            }
            Framing::Chunked => {
                bytes.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
                for chunk in body.chunks(700) {
                    bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    bytes.extend_from_slice(chunk);
                    bytes.extend_from_slice(b"\r\n");
                }
                bytes.extend_from_slice(b"0\r\n\r\n");
                Answer::Raw {
                    bytes,
                    close: false,
                }
            }
            Framing::CloseDelimited => {
                bytes.extend_from_slice(b"connection: close\r\n\r\n");
                bytes.extend_from_slice(body);
                Answer::raw_then_close(bytes)
            }
            Framing::Truncated => {
                bytes.extend_from_slice(
                    format!("content-length: {}\r\n\r\n", body.len() + 10).as_bytes(),
                );
                bytes.extend_from_slice(body);
                Answer::raw_then_close(bytes)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Field names of the API, so random objects sometimes hit real fields.
const KEYS: &[&str] = &[
    "contact",
    "contacts",
    "id",
    "message",
    "statusCode",
    "error",
    "traceId",
    "tags",
    "total",
    "searchAfter",
    "dndSettings",
    "Call",
    "status",
    "customFields",
    "value",
    "dateAdded",
    "dateOfBirth",
    "new",
    "succeded",
    "email",
    "attributionSource",
    "url",
    "x",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,12}".prop_map(Value::String),
        Just(Value::String("2021-07-02T05:18:26.704Z".into())),
        Just(Value::String("é\u{1F600}\\\"".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| ((*k).to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// Bodies the API documents, to mutate.
fn documented_bodies() -> Vec<Value> {
    let contact = json!({
        "id": "abc123", "firstName": "Rosan", "email": "rosan@deos.com",
        "tags": ["a", "b"], "dateAdded": "2021-07-02T05:18:26.704Z",
        "dndSettings": {"Call": {"status": "active", "message": "m", "code": "c"}},
        "customFields": [{"id": "f1", "value": "v"}],
        "attributionSource": {"url": "https://x.test", "medium": "m"},
        "searchAfter": [1700000000000_i64, "abc123"]
    });
    vec![
        json!({}),
        json!({"contact": contact}),
        json!({"new": true, "contact": contact, "traceId": "t"}),
        json!({"succeded": true, "contact": contact}),
        json!({"succeded": true}),
        json!({"tags": ["a", "b"]}),
        json!({"contacts": [contact, contact], "total": 2}),
        json!({"statusCode": 400, "message": "Bad Request", "error": "Bad Request", "traceId": "t"}),
        json!({"statusCode": 401, "message": "Invalid token", "error": "Unauthorized"}),
        json!({"statusCode": 422, "message": ["a", "b"], "error": "Unprocessable Entity"}),
    ]
}

/// Replaces one node of `value` (chosen by `pick`) with `with`.
fn replace_node(value: &mut Value, pick: usize, with: Value) {
    fn nodes(value: &Value) -> usize {
        1 + match value {
            Value::Array(items) => items.iter().map(nodes).sum(),
            Value::Object(map) => map.values().map(nodes).sum(),
            _ => 0,
        }
    }
    fn walk(value: &mut Value, target: &mut usize, with: &mut Option<Value>) {
        if *target == 0 {
            if let Some(w) = with.take() {
                *value = w;
            }
            return;
        }
        *target -= 1;
        let children: Vec<&mut Value> = match value {
            Value::Array(items) => items.iter_mut().collect(),
            Value::Object(map) => map.values_mut().collect(),
            _ => Vec::new(),
        };
        for child in children {
            if with.is_none() {
                return;
            }
            walk(child, target, with);
        }
    }
    let mut target = pick % nodes(value);
    walk(value, &mut target, &mut Some(with));
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let documented = prop::sample::select(documented_bodies());
    prop_oneof![
        // As documented.
        3 => documented.clone().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        // One value replaced by anything (wrong types, nulls, ...).
        4 => (documented.clone(), any::<usize>(), json_value()).prop_map(|(mut v, pick, with)| {
            replace_node(&mut v, pick, with);
            serde_json::to_vec(&v).unwrap_or_default()
        }),
        // Truncated JSON.
        2 => (documented, any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let bytes = serde_json::to_vec(&v).unwrap_or_default();
            let at = cut.index(bytes.len().max(1));
            bytes[..at.min(bytes.len())].to_vec()
        }),
        // Any JSON at all.
        3 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        1 => Just(Vec::new()),
        1 => Just(b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>".to_vec()),
        1 => "[ -~]{0,64}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..256),
        // Over the bound (and a bit under it).
        1 => (LIMIT - 64..LIMIT * 3).prop_map(|n| {
            let mut body = b"{\"contact\":{\"id\":\"".to_vec();
            body.resize(n, b'a');
            body
        }),
    ]
}

fn header() -> impl Strategy<Value = (&'static str, String)> {
    let name = prop::sample::select(vec![
        "retry-after",
        "x-ratelimit-remaining",
        "x-ratelimit-interval-milliseconds",
        "x-ratelimit-max",
        "x-ratelimit-limit-daily",
        "x-ratelimit-daily-remaining",
        "content-type",
        "x-request-id",
    ]);
    let value = prop_oneof![
        "[0-9]{1,12}",
        Just("-1".to_owned()),
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        Just("application/json; charset=utf-8".to_owned()),
        "[!-~]([ -~]{0,22}[!-~])?",
    ];
    (name, value)
}

/// Mostly the statuses the operation documents, so bodies reach the
/// decoders; sometimes any status at all.
fn status(op: usize) -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(success_status(OPERATIONS[op])),
        3 => prop::sample::select(vec![400u16, 401, 422]),
        2 => prop::sample::select(vec![200u16, 201, 204, 404, 429, 500, 502, 503, 504]),
        1 => 200u16..600,
    ]
}

fn wire(op: usize) -> impl Strategy<Value = Wire> {
    let framing = prop_oneof![
        6 => Just(Framing::Length),
        2 => Just(Framing::Chunked),
        1 => Just(Framing::CloseDelimited),
        1 => Just(Framing::Truncated),
    ];
    Just(op)
        .prop_flat_map(move |op| {
            (
                Just(op),
                status(op),
                prop::collection::vec(header(), 0..4),
                body(),
                framing.clone(),
            )
        })
        .prop_map(|(op, status, headers, body, framing)| Wire {
            op,
            status,
            headers,
            body,
            framing,
        })
}

// ---------------------------------------------------------------------------
// Calls and checks
// ---------------------------------------------------------------------------

/// What a call came to, whatever the operation.
#[derive(Debug)]
enum Outcome {
    Ok(u16),
    Err {
        kind: &'static str,
        status: Option<u16>,
        snippet_len: usize,
        display: String,
    },
}

fn outcome<T, E: std::fmt::Debug>(result: Result<ApiResponse<T>, Error<E>>) -> Outcome {
    match result {
        Ok(response) => Outcome::Ok(response.status().as_u16()),
        Err(err) => {
            let (kind, snippet_len) = match &err {
                Error::Api(_) => ("Api", 0),
                Error::RateLimited { snippet, .. } => ("RateLimited", snippet.len()),
                Error::UnexpectedStatus { snippet, .. } => ("UnexpectedStatus", snippet.len()),
                Error::Decode { snippet, .. } => ("Decode", snippet.len()),
                Error::BodyTooLarge { .. } => ("BodyTooLarge", 0),
                Error::Timeout { .. } => ("Timeout", 0),
                Error::Connect { .. } => ("Connect", 0),
                Error::Transport { .. } => ("Transport", 0),
                Error::InvalidRequest { .. } => ("InvalidRequest", 0),
                _ => ("other", 0),
            };
            // Every accessor works on every error.
            let _ = (
                err.is_retryable(),
                err.trace_id(),
                err.body(),
                err.rate_limit(),
            );
            let _ = format!("{err:?}");
            Outcome::Err {
                kind,
                status: err.status().map(|s| s.as_u16()),
                snippet_len,
                display: err.to_string(),
            }
        }
    }
}

async fn call(client: &Client, op: &str) -> Outcome {
    let id = "abc123";
    let tags = types::TagsRequest::new(vec!["vip".into()]);
    match op {
        "createContact" => outcome(
            client
                .create_contact(&types::CreateContactRequest::new("loc"))
                .await,
        ),
        "searchContacts" => outcome(
            client
                .search_contacts(&types::SearchContactsRequest::new("loc", 20))
                .await,
        ),
        "upsertContact" => outcome(
            client
                .upsert_contact(&types::UpsertContactRequest::new("loc"))
                .await,
        ),
        "getContact" => outcome(client.get_contact(id).await),
        "updateContact" => outcome(
            client
                .update_contact(id, &types::UpdateContactRequest::default())
                .await,
        ),
        "deleteContact" => outcome(client.delete_contact(id).await),
        "addTags" => outcome(client.add_tags(id, &tags).await),
        "removeTags" => outcome(client.remove_tags(id, &tags).await),
        other => panic!("unknown operation {other}"),
    }
}

fn check(wire: &Wire, outcome: &Outcome) -> Result<(), TestCaseError> {
    let op = OPERATIONS[wire.op];
    let body_len = if wire.bodiless() { 0 } else { wire.body.len() };
    let over = body_len > LIMIT;
    let truncated = wire.framing == Framing::Truncated && !wire.bodiless();
    match outcome {
        Outcome::Ok(status) => {
            prop_assert_eq!(*status, wire.status);
            prop_assert_eq!(*status, success_status(op), "Ok for an undocumented status");
            prop_assert!(!over && !truncated, "Ok for a body that should fail");
        }
        Outcome::Err {
            kind,
            status,
            snippet_len,
            display,
        } => {
            prop_assert!(
                *snippet_len <= SNIPPET_LIMIT + '…'.len_utf8(),
                "snippet of {} bytes",
                snippet_len
            );
            prop_assert!(
                display.len() <= 2 * SNIPPET_LIMIT + 512,
                "Display of {} bytes",
                display.len()
            );
            prop_assert!(
                display.starts_with(op),
                "Display names the operation: {}",
                display
            );
            match *kind {
                "Api" => {
                    prop_assert!(matches!(wire.status, 400 | 401 | 422));
                    prop_assert_eq!(*status, Some(wire.status));
                }
                "RateLimited" => prop_assert_eq!(wire.status, 429),
                "UnexpectedStatus" => {
                    prop_assert!(!matches!(wire.status, 400 | 401 | 422 | 429));
                    prop_assert_ne!(wire.status, success_status(op));
                    prop_assert_eq!(*status, Some(wire.status));
                }
                "Decode" => {
                    prop_assert!(
                        wire.status == success_status(op) || matches!(wire.status, 400 | 401 | 422)
                    );
                    prop_assert_eq!(*status, Some(wire.status));
                }
                "BodyTooLarge" => {
                    prop_assert!(over || (truncated && body_len + 10 > LIMIT));
                    prop_assert_eq!(*status, Some(wire.status));
                }
                "Transport" => prop_assert!(truncated, "a well-framed answer failed: {}", display),
                other => prop_assert!(false, "unexpected error kind {} ({})", other, display),
            }
            // Documented success, `{}` and well framed: must decode.
            if wire.status == success_status(op) && wire.body == b"{}" && !truncated {
                prop_assert!(false, "`{{}}` must decode for {}: {}", op, display);
            }
        }
    }
    Ok(())
}

/// Cases per operation when `FUZZ_CASES` is not set: enough to meet every
/// kind of answer once or twice, cheap enough for every `cargo test`.
const DEFAULT_CASES: u32 = 200;

#[test]
fn random_answers_to_every_operation_are_ok_or_typed_errors() {
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(RawServer::start_counting());
    let client = Client::builder("fuzz-token")
        .base_url(server.uri())
        .max_retries(0)
        .timeout(Duration::from_secs(10))
        .max_response_bytes(LIMIT)
        .build()
        .expect("client builds");
    let started = std::time::Instant::now();
    let per_op: [Cell<u32>; OPERATIONS.len()] = Default::default();
    let kinds: RefCell<BTreeMap<&'static str, u32>> = RefCell::default();
    for (op, name) in OPERATIONS.iter().enumerate() {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 2_000,
            ..Config::default()
        });
        let result = runner.run(&wire(op), |wire| {
            per_op[wire.op].set(per_op[wire.op].get() + 1);
            server.push(wire.answer());
            let outcome = runtime.block_on(call(&client, OPERATIONS[wire.op]));
            let kind = match &outcome {
                Outcome::Ok(_) => "Ok",
                Outcome::Err { kind, .. } => kind,
            };
            *kinds.borrow_mut().entry(kind).or_default() += 1;
            prop_assert_eq!(server.queued(), 0, "exactly one request per call");
            check(&wire, &outcome)
        });
        if let Err(failure) = result {
            panic!("{name}: {failure}");
        }
    }
    let sent = server.count();
    eprintln!(
        "{sent} answers in {:?}; per operation: {:?}",
        started.elapsed(),
        OPERATIONS
            .iter()
            .zip(&per_op)
            .map(|(op, n)| (op, n.get()))
            .collect::<Vec<_>>()
    );
    assert!(
        sent >= cases as usize * OPERATIONS.len(),
        "{sent} requests for {cases} cases per operation"
    );
    assert!(
        per_op.iter().all(|n| n.get() >= cases),
        "every operation got {cases} answers"
    );
    let kinds = kinds.into_inner();
    eprintln!("outcomes: {kinds:?}");
    if cases >= 2_000 {
        for kind in [
            "Ok",
            "Api",
            "RateLimited",
            "UnexpectedStatus",
            "Decode",
            "BodyTooLarge",
            "Transport",
        ] {
            assert!(
                kinds.contains_key(kind),
                "no case came to {kind}: {kinds:?}"
            );
        }
    }
}
