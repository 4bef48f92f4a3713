//! The recipes of `leadconnector::guide::errors` for a create that may have
//! been processed, run against a stand-in of the API that processes a
//! create and then drops the connection (and one that drops it first).
//! The recipe functions below are the guide's, character for character:
//! `the_guide_shows_these_recipes` compares them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use leadconnector::{types, Client, Error, ErrorBody, RetryPolicy};
use serde_json::{json, Value};

use crate::support::{Answer, RawServer, Received};

// ---------------------------------------------------------------------------
// The recipes, as in generated-client/src/guide/errors.md
// ---------------------------------------------------------------------------

/// Creates a contact once, even when the create's answer was lost.
async fn create_contact_once(
    client: &Client,
    request: &types::CreateContactRequest,
) -> Result<types::Contact, Error<ErrorBody>> {
    match client.create_contact(request).await {
        Ok(created) => Ok(created.into_body().contact),
        Err(err) if err.may_have_been_processed() => {
            // `new` is false when the lost create made the contact.
            let upserted = client.upsert_contact(&request.into()).await?;
            Ok(upserted.into_body().contact)
        }
        Err(err) => Err(err),
    }
}

/// Creates a task once, even when the create's answer was lost.
async fn create_task_once(
    client: &Client,
    contact_id: &str,
    task: &types::CreateTaskRequest,
) -> Result<types::Task, Error<ErrorBody>> {
    match client.create_task(contact_id, task).await {
        Ok(created) => Ok(created.into_body().task),
        Err(err) if err.may_have_been_processed() => {
            let tasks = client.get_all_tasks(contact_id).await?.into_body().tasks;
            let same = |t: &types::Task| {
                t.title.as_deref() == Some(task.title.as_str())
                    && t.due_date.as_ref().and_then(|due| due.to_utc()) == Some(task.due_date)
            };
            match tasks.into_iter().find(same) {
                Some(made) => Ok(made),
                None => Ok(client.create_task(contact_id, task).await?.into_body().task),
            }
        }
        Err(err) => Err(err),
    }
}

/// Creates a note once, even when the create's answer was lost.
async fn create_note_once(
    client: &Client,
    contact_id: &str,
    note: &types::CreateNoteRequest,
) -> Result<types::Note, Error<ErrorBody>> {
    match client.create_note(contact_id, note).await {
        Ok(created) => Ok(created.into_body().note),
        Err(err) if err.may_have_been_processed() => {
            let notes = client.get_all_notes(contact_id).await?.into_body().notes;
            let same = |n: &types::Note| n.body.as_deref() == Some(note.body.as_str());
            match notes.into_iter().find(same) {
                Some(made) => Ok(made),
                None => Ok(client.create_note(contact_id, note).await?.into_body().note),
            }
        }
        Err(err) => Err(err),
    }
}

// ---------------------------------------------------------------------------
// A stand-in of the API with records
// ---------------------------------------------------------------------------

/// How the stand-in fails the first create of each kind.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Loss {
    /// Stores the record, then closes the connection without answering.
    AfterProcessing,
    /// Closes the connection without storing anything.
    BeforeProcessing,
}

#[derive(Default)]
struct Records {
    contacts: Vec<Value>,
    tasks: Vec<Value>,
    notes: Vec<Value>,
    /// Creates received so far, by kind (`contact`, `task`, `note`).
    creates: Vec<&'static str>,
    /// Also fail the first upsert, after processing it.
    lose_first_upsert: bool,
    /// Creates and upserts received, by path.
    writes: Vec<String>,
}

struct Stand {
    server: RawServer,
    records: Arc<Mutex<Records>>,
}

fn lock(records: &Mutex<Records>) -> std::sync::MutexGuard<'_, Records> {
    records.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Stand {
    async fn start(loss: Loss) -> Self {
        let server = RawServer::start().await;
        let records = Arc::new(Mutex::new(Records::default()));
        let shared = Arc::clone(&records);
        server.set_responder(move |request| respond(&mut lock(&shared), loss, request));
        Self { server, records }
    }

    fn client(&self) -> Client {
        Client::builder("pit-test")
            .base_url(self.server.uri())
            .retry(RetryPolicy {
                max_retries: 3,
                initial_backoff: Duration::from_millis(5),
                max_backoff: Duration::from_millis(50),
            })
            .build()
            .expect("client builds")
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Records> {
        lock(&self.records)
    }
}

/// The stand-in's answer: creates store a record (and the first of each
/// kind is lost as `loss` says), upserts match on e-mail or phone, lists
/// list.
fn respond(records: &mut Records, loss: Loss, request: &Received) -> Answer {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
    // Whether this create is the first of its kind, which is lost.
    let first = |records: &mut Records, kind: &'static str| {
        records.creates.push(kind);
        records.creates.iter().filter(|k| **k == kind).count() == 1
    };
    match (request.method.as_str(), segments.as_slice()) {
        ("POST", ["contacts"]) => {
            records.writes.push(request.path.clone());
            let lost = first(records, "contact");
            if lost && loss == Loss::BeforeProcessing {
                return Answer::Drop;
            }
            let contact = store_contact(records, body);
            if lost {
                return Answer::Drop;
            }
            Answer::json(201, &json!({"contact": contact}))
        }
        ("POST", ["contacts", "upsert"]) => {
            records.writes.push(request.path.clone());
            let same = |c: &&Value| {
                ["email", "phone"]
                    .iter()
                    .any(|k| body.get(k).is_some() && c.get(k) == body.get(k))
            };
            let (new, contact) = match records.contacts.iter().find(same) {
                Some(found) => (false, found.clone()),
                None => (true, store_contact(records, body)),
            };
            if records.lose_first_upsert {
                records.lose_first_upsert = false;
                return Answer::Drop;
            }
            Answer::json(200, &json!({"new": new, "contact": contact}))
        }
        ("POST", ["contacts", contact, kind @ ("tasks" | "notes")]) => {
            records.writes.push(request.path.clone());
            let label = if *kind == "tasks" { "task" } else { "note" };
            let lost = first(records, label);
            if lost && loss == Loss::BeforeProcessing {
                return Answer::Drop;
            }
            let list = if *kind == "tasks" {
                &mut records.tasks
            } else {
                &mut records.notes
            };
            let mut record = body;
            record["id"] = json!(format!("{label}-{}", list.len() + 1));
            record["contactId"] = json!(contact);
            list.push(record.clone());
            if lost {
                return Answer::Drop;
            }
            Answer::json(201, &json!({ label: record }))
        }
        ("GET", ["contacts", contact, kind @ ("tasks" | "notes")]) => {
            let list = if *kind == "tasks" {
                &records.tasks
            } else {
                &records.notes
            };
            let theirs: Vec<&Value> = list
                .iter()
                .filter(|r| r["contactId"] == json!(contact))
                .collect();
            Answer::json(200, &json!({ *kind: theirs }))
        }
        _ => Answer::json(
            404,
            &json!({"statusCode": 404, "message": "not in the stand-in"}),
        ),
    }
}

fn store_contact(records: &mut Records, mut body: Value) -> Value {
    body["id"] = json!(format!("contact-{}", records.contacts.len() + 1));
    records.contacts.push(body.clone());
    body
}

const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
const BOTH: [Loss; 2] = [Loss::AfterProcessing, Loss::BeforeProcessing];

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_lost_contact_create_is_recovered_by_an_upsert_without_a_second_contact() {
    for loss in BOTH {
        let stand = Stand::start(loss).await;
        let client = stand.client();
        let request = types::CreateContactRequest::new(LOCATION)
            .first_name("Rosan")
            .email("rosan@deos.com");

        // What the recipe starts from: the create fails, and says why it
        // was not sent again.
        let err = client.create_contact(&request).await.expect_err("dropped");
        assert!(err.may_have_been_processed(), "{loss:?}: {err}");
        let message = err.to_string();
        assert!(
            message.contains("not sent again: createContact is not safe to repeat"),
            "{message}"
        );
        assert_eq!(stand.records().writes, ["/contacts/"], "never resent");

        // The recipe, from the start, on a fresh stand-in.
        let stand = Stand::start(loss).await;
        let contact = create_contact_once(&stand.client(), &request)
            .await
            .unwrap_or_else(|e| panic!("{loss:?}: {e}"));
        let records = stand.records();
        assert_eq!(records.contacts.len(), 1, "{loss:?}: one contact");
        assert_eq!(contact.id, records.contacts[0]["id"].as_str().unwrap());
        assert_eq!(contact.email.as_deref(), Some("rosan@deos.com"));
        assert_eq!(records.writes, ["/contacts/", "/contacts/upsert"]);
    }
}

#[tokio::test]
async fn a_lost_task_create_is_recovered_by_listing_without_a_second_task() {
    for loss in BOTH {
        let stand = Stand::start(loss).await;
        let due = "2026-12-01T09:00:00Z".parse().unwrap();
        let task = types::CreateTaskRequest::new("Call back", due, false);
        let made = create_task_once(&stand.client(), "contact-1", &task)
            .await
            .unwrap_or_else(|e| panic!("{loss:?}: {e}"));
        let records = stand.records();
        assert_eq!(records.tasks.len(), 1, "{loss:?}: one task");
        assert_eq!(made.id, records.tasks[0]["id"].as_str().unwrap());
        assert_eq!(made.title.as_deref(), Some("Call back"));
        let creates = records.writes.len();
        match loss {
            Loss::AfterProcessing => assert_eq!(creates, 1, "found, not created again"),
            Loss::BeforeProcessing => assert_eq!(creates, 2, "not found, created again"),
        }
    }
}

#[tokio::test]
async fn a_lost_note_create_is_recovered_by_listing_without_a_second_note() {
    for loss in BOTH {
        let stand = Stand::start(loss).await;
        let note = types::CreateNoteRequest::new("Prefers e-mail");
        let made = create_note_once(&stand.client(), "contact-1", &note)
            .await
            .unwrap_or_else(|e| panic!("{loss:?}: {e}"));
        let records = stand.records();
        assert_eq!(records.notes.len(), 1, "{loss:?}: one note");
        assert_eq!(made.id, records.notes[0]["id"].as_str().unwrap());
        assert_eq!(made.body.as_deref(), Some("Prefers e-mail"));
        let creates = records.writes.len();
        match loss {
            Loss::AfterProcessing => assert_eq!(creates, 1, "found, not created again"),
            Loss::BeforeProcessing => assert_eq!(creates, 2, "not found, created again"),
        }
    }
}

#[tokio::test]
async fn an_upsert_whose_first_attempt_created_the_contact_answers_new_false() {
    let stand = Stand::start(Loss::AfterProcessing).await;
    stand.records().lose_first_upsert = true;
    let upsert = types::UpsertContactRequest::new(LOCATION).email("rosan@deos.com");
    let upserted = stand
        .client()
        .upsert_contact(&upsert)
        .await
        .expect("retried: an upsert is safe to repeat");
    let records = stand.records();
    assert_eq!(records.writes, ["/contacts/upsert", "/contacts/upsert"]);
    assert_eq!(records.contacts.len(), 1, "one contact");
    assert_eq!(
        upserted.new,
        Some(false),
        "the retry found what the first attempt created"
    );
}

#[test]
fn the_guide_shows_these_recipes() {
    let guide = std::fs::read_to_string(tests::root().join("generated-client/src/guide/errors.md"))
        .expect("the errors guide");
    let here = include_str!("recipes.rs");
    let mut recipes = 0;
    for block in guide.split("```rust").skip(1) {
        let code = block.split("```").next().unwrap_or_default();
        let Some(start) = code.find("/// Creates a") else {
            continue;
        };
        recipes += 1;
        let recipe = code[start..].trim_end();
        assert!(
            here.contains(recipe),
            "the guide's recipe is not the one tested here:\n{recipe}"
        );
    }
    assert_eq!(recipes, 3, "contacts, tasks, notes");
}
