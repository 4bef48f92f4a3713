//! The mock is honest to `spec/contacts.yaml`:
//!
//! - over a random workload of every operation (sent with the client, built
//!   with its request types), the router accepts every request, and every
//!   answer has a status the operation documents, a body that validates
//!   against that status's schema (an empty one where the spec documents
//!   none), and the documented headers. `MOCK_CONFORMANCE_OPS` sets the
//!   number of operations (default 1,000; CI runs 10,000);
//! - 64 tasks writing at once leave the state a serial replay of the same
//!   writes, in the order the mock applied them, leaves; and each write
//!   answered the same in both.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::workload::Workload;
use common::Spec;
use leadconnector::types::Contact;
use leadconnector_mock::ratelimit::Limits;
use leadconnector_mock::seed::{SeedContact, SeedFile, SeedLocation};
use leadconnector_mock::MockServer;
use serde_json::Value;

fn operations_from_env() -> usize {
    std::env::var("MOCK_CONFORMANCE_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

/// Everything wrong with one answer of the mock.
fn problems(spec: &Spec, r: &leadconnector_mock::log::Received) -> Vec<String> {
    let mut out = Vec::new();
    let at = format!("#{} {} {}", r.seq, r.method, r.path);
    let Some(op) = r.operation else {
        return vec![format!("{at}: no operation")];
    };
    if let Some(refusal) = &r.refusal {
        out.push(format!(
            "{at}: the router refused what the client built: {refusal:?}"
        ));
    }
    let Some(status) = r.status else {
        return vec![format!("{at}: no answer")];
    };
    match spec.response_schema(op, status) {
        Err(e) => out.push(format!("{at}: {e}")),
        Ok(None) => {
            if !r.response_body.is_empty() {
                out.push(format!(
                    "{at}: {status} has a body the spec does not document"
                ));
            }
        }
        Ok(Some(schema)) => match r.response_json() {
            None => out.push(format!("{at}: {status} body is not JSON")),
            Some(body) => out.extend(
                spec.validate(schema, &body)
                    .into_iter()
                    .map(|p| format!("{at} ({op} {status}): {p}")),
            ),
        },
    }
    for header in spec.response_headers(op, status) {
        if r.response_header(&header)
            .is_none_or(|v| v.parse::<i64>().is_err())
        {
            out.push(format!("{at}: {status} lacks the integer header {header}"));
        }
    }
    out
}

#[test]
fn the_schema_check_accepts_the_specs_examples_and_catches_a_broken_body() {
    let spec = Spec::contacts();
    let schema = spec.response_schema("getContact", 200).unwrap().unwrap();
    assert!(spec
        .validate(schema, &serde_json::json!({"contact": {"id": "x"}}))
        .is_empty());
    let broken = [
        serde_json::json!({}),
        serde_json::json!({"contact": {"id": 1}}),
        serde_json::json!({"contact": {"id": "x", "tags": "vip"}}),
        serde_json::json!({"contact": {"id": "x", "dnd": null}}),
        serde_json::json!({"contact": {"id": "x", "dndSettings": {"SMS": {"status": "sometimes"}}}}),
    ];
    for body in broken {
        assert!(!spec.validate(schema, &body).is_empty(), "{body} passed");
    }
    let mut checked = 0;
    for op in spec.operation_ids() {
        for status in [200, 201, 400, 401, 422] {
            let Ok(Some(schema)) = spec.response_schema(&op, status) else {
                continue;
            };
            for example in spec.response_examples(&op, status) {
                assert_eq!(
                    spec.validate(schema, &example),
                    Vec::<String>::new(),
                    "{op} {status}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "{checked} examples");
}

#[tokio::test(start_paused = true)]
async fn every_answer_of_a_random_workload_validates_against_the_spec() {
    let spec = Spec::contacts();
    let count = operations_from_env();
    let mock = MockServer::builder().seed(20).start().await.unwrap();
    let client = mock
        .client_builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    // One request in 50 goes with a token that may only read: the
    // writes among them get the vendor's 401.
    mock.add_token(
        "pit-readonly",
        mock.location_id(),
        Some(&["contacts.readonly"]),
    );
    let readonly = leadconnector::Client::builder("pit-readonly")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let mut workload = Workload::new(7, mock.location_id(), Vec::new());
    let mut sent: BTreeMap<&str, usize> = BTreeMap::new();
    for i in 0..count {
        let client = if i % 50 == 49 { &readonly } else { &client };
        *sent.entry(workload.step(client).await).or_default() += 1;
    }
    let requests = mock.requests();
    let failures: Vec<String> = requests.iter().flat_map(|r| problems(&spec, r)).collect();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for r in &requests {
        *statuses.entry(r.status.unwrap_or(0)).or_default() += 1;
    }
    println!(
        "{count} operations, {} requests (retries included), statuses {statuses:?}, {} contacts at the end",
        requests.len(),
        mock.contact_count()
    );
    println!("operations sent: {sent:?}");
    assert_eq!(sent.len(), 32, "every operation was sent");
    assert!(
        statuses.contains_key(&429),
        "the workload ran into the burst limit"
    );
    assert!(
        statuses.contains_key(&401),
        "writes with a read-only token were refused"
    );
    assert!(
        failures.is_empty(),
        "{} of {} answers break the spec:\n{}",
        failures.len(),
        requests.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

/// 50 contacts both mocks start with.
fn seed_data() -> SeedFile {
    let contacts = (0..50)
        .map(|i| {
            let mut c = Contact::new(format!("seed{i:016}"));
            c.first_name = Some(format!("Seed {i}"));
            c.email = Some(format!("seed{i}@example.com"));
            c.tags = vec!["seeded".into()];
            SeedContact::new(c)
        })
        .collect();
    SeedFile {
        locations: vec![SeedLocation {
            id: "ve9EPM428h8vShlRW1KT".into(),
            contacts,
            ..SeedLocation::default()
        }],
        ..SeedFile::default()
    }
}

async fn frozen_mock() -> MockServer {
    let unlimited = Limits {
        burst_max: u32::MAX,
        burst_window_ms: 10_000,
        daily_max: u32::MAX,
    };
    MockServer::builder()
        .seed(64)
        .frozen_clock()
        .rate_limits(unlimited)
        .data(seed_data())
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_leave_the_state_of_their_serial_replay() {
    let writes_per_task = operations_from_env().div_ceil(64).max(10);
    let concurrent = Arc::new(frozen_mock().await);
    let ids: Vec<String> = concurrent.contacts().into_iter().map(|c| c.id).collect();
    let tasks: Vec<_> = (0..64u64)
        .map(|t| {
            let mock = Arc::clone(&concurrent);
            let ids = ids.clone();
            tokio::spawn(async move {
                let client = mock.client_builder().max_retries(0).build().unwrap();
                let mut workload = Workload::new(1000 + t, mock.location_id(), ids).writes();
                for _ in 0..writes_per_task {
                    workload.step(&client).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut applied: Vec<_> = concurrent
        .requests()
        .into_iter()
        .filter(|r| r.revision.is_some())
        .collect();
    applied.sort_by_key(|r| r.revision);
    let revisions: Vec<u64> = applied.iter().filter_map(|r| r.revision).collect();
    assert_eq!(
        revisions,
        (1..=revisions.len() as u64).collect::<Vec<_>>(),
        "one revision per applied write"
    );

    let serial = frozen_mock().await;
    let http = reqwest::Client::new();
    for r in &applied {
        let url = match &r.query {
            Some(q) => format!("{}{}?{q}", serial.base_url(), r.path),
            None => format!("{}{}", serial.base_url(), r.path),
        };
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
        let mut request = http
            .request(method, url)
            .bearer_auth(serial.token())
            .body(r.body.clone());
        for name in ["version", "content-type"] {
            if let Some(value) = r.header(name) {
                request = request.header(name, value);
            }
        }
        let answer = request.send().await.unwrap();
        assert_eq!(
            Some(answer.status().as_u16()),
            r.status,
            "#{} {} {}",
            r.seq,
            r.method,
            r.path
        );
        let body = answer.bytes().await.unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&body).ok(),
            r.response_json(),
            "#{} {} {}: the same write answered differently",
            r.seq,
            r.method,
            r.path
        );
    }
    let snapshot = concurrent.snapshot();
    assert_eq!(
        serial.snapshot(),
        snapshot,
        "the serial replay holds other data"
    );
    println!(
        "64 tasks x {writes_per_task} writes: {} requests, {} applied, {} contacts, replayed serially to the same state",
        concurrent.requests().len(),
        applied.len(),
        concurrent.contact_count()
    );
}
