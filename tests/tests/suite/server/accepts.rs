//! Property: every request the client builds is accepted by the router, and
//! the implementation receives exactly the values the client was given.
//! First the spec's own examples (request bodies, parameter examples), then
//! random values drawn from the spec (`values`), for every operation.

use std::fmt::Debug;

use leadconnector::server::*;
use leadconnector::{Client, Error};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::fake::{Call, Recorder, Served};
use super::values::{Rng, Values};

/// Checks the input the implementation received.
type Expected = Box<dyn Fn(&Call) -> Result<(), String>>;

fn expect<T: PartialEq + Debug + Send + 'static>(input: T) -> Expected {
    Box::new(move |call: &Call| {
        let got = call.input::<T>();
        if *got == input {
            Ok(())
        } else {
            Err(format!(
                "the implementation got\n{got:#?}\nwhere the client sent\n{input:#?}"
            ))
        }
    })
}

/// A parameter by wire name (`null` when absent, so `Option`s read `None`).
fn param<T: DeserializeOwned>(params: &Map<String, Value>, wire: &str) -> T {
    let value = params.get(wire).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).unwrap_or_else(|e| panic!("parameter {wire}: {e}"))
}

fn body<T: DeserializeOwned>(body: Option<&Value>) -> T {
    let value = body.cloned().expect("the operation takes a body");
    serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "body does not decode into {}: {e}\n{value}",
            std::any::type_name::<T>()
        )
    })
}

/// Turns the client's answer into `Ok` or the reason it failed (the
/// router's refusal messages, above all).
fn outcome<T>(result: Result<T, Error<impl Debug>>) -> Result<(), String> {
    match result {
        Ok(_) => Ok(()),
        Err(Error::Api(api)) => Err(format!("refused with {}: {:?}", api.status, api.body)),
        Err(other) => Err(other.to_string()),
    }
}

/// Calls `id` through the client with `p` (parameters by wire name) and
/// `b` (the body), returning how to check what the implementation got.
#[allow(
    deprecated,
    reason = "getContacts is deprecated by the vendor and still served"
)]
async fn call(
    client: &Client,
    id: &str,
    p: &Map<String, Value>,
    b: Option<&Value>,
) -> (Result<(), String>, Expected) {
    macro_rules! run {
        ($call:expr, $input:expr) => {{
            let result = outcome($call.await);
            (result, expect($input))
        }};
    }
    match id {
        "getContacts" => {
            let input = GetContactsInput {
                location_id: param(p, "locationId"),
                start_after_id: param(p, "startAfterId"),
                start_after: param(p, "startAfter"),
                query: param(p, "query"),
                limit: param(p, "limit"),
            };
            let mut params = leadconnector::GetContactsParams::default();
            params.start_after_id.clone_from(&input.start_after_id);
            params.start_after = input.start_after;
            params.query.clone_from(&input.query);
            params.limit = input.limit;
            run!(client.get_contacts(&input.location_id, &params), input)
        }
        "createContact" => {
            let input = CreateContactInput { body: body(b) };
            run!(client.create_contact(&input.body), input)
        }
        "upsertContact" => {
            let input = UpsertContactInput { body: body(b) };
            run!(client.upsert_contact(&input.body), input)
        }
        "searchContacts" => {
            let input = SearchContactsInput { body: body(b) };
            run!(client.search_contacts(&input.body), input)
        }
        "getContact" => {
            let input = GetContactInput {
                contact_id: param(p, "contactId"),
            };
            run!(client.get_contact(&input.contact_id), input)
        }
        "updateContact" => {
            let input = UpdateContactInput {
                contact_id: param(p, "contactId"),
                body: body(b),
            };
            run!(client.update_contact(&input.contact_id, &input.body), input)
        }
        "deleteContact" => {
            let input = DeleteContactInput {
                contact_id: param(p, "contactId"),
            };
            run!(client.delete_contact(&input.contact_id), input)
        }
        "addTags" => {
            let input = AddTagsInput {
                contact_id: param(p, "contactId"),
                body: body(b),
            };
            run!(client.add_tags(&input.contact_id, &input.body), input)
        }
        "removeTags" => {
            let input = RemoveTagsInput {
                contact_id: param(p, "contactId"),
                body: body(b),
            };
            run!(client.remove_tags(&input.contact_id, &input.body), input)
        }
        "getDuplicateContact" => {
            let input = GetDuplicateContactInput {
                location_id: param(p, "locationId"),
                number: param(p, "number"),
                email: param(p, "email"),
            };
            let mut params = leadconnector::GetDuplicateContactParams::default();
            params.number.clone_from(&input.number);
            params.email.clone_from(&input.email);
            run!(
                client.get_duplicate_contact(&input.location_id, &params),
                input
            )
        }
        "getAllTasks" => {
            let input = GetAllTasksInput {
                contact_id: param(p, "contactId"),
            };
            run!(client.get_all_tasks(&input.contact_id), input)
        }
        "createTask" => {
            let input = CreateTaskInput {
                contact_id: param(p, "contactId"),
                body: body(b),
            };
            run!(client.create_task(&input.contact_id, &input.body), input)
        }
        "getTask" => {
            let input = GetTaskInput {
                contact_id: param(p, "contactId"),
                task_id: param(p, "taskId"),
            };
            run!(client.get_task(&input.contact_id, &input.task_id), input)
        }
        "updateTask" => {
            let input = UpdateTaskInput {
                contact_id: param(p, "contactId"),
                task_id: param(p, "taskId"),
                body: body(b),
            };
            run!(
                client.update_task(&input.contact_id, &input.task_id, &input.body),
                input
            )
        }
        "deleteTask" => {
            let input = DeleteTaskInput {
                contact_id: param(p, "contactId"),
                task_id: param(p, "taskId"),
            };
            run!(client.delete_task(&input.contact_id, &input.task_id), input)
        }
        "updateTaskCompleted" => {
            let input = UpdateTaskCompletedInput {
                contact_id: param(p, "contactId"),
                task_id: param(p, "taskId"),
                body: body(b),
            };
            run!(
                client.update_task_completed(&input.contact_id, &input.task_id, &input.body),
                input
            )
        }
        "getAppointmentsForContact" => {
            let input = GetAppointmentsForContactInput {
                contact_id: param(p, "contactId"),
            };
            run!(
                client.get_appointments_for_contact(&input.contact_id),
                input
            )
        }
        "getAllNotes" => {
            let input = GetAllNotesInput {
                contact_id: param(p, "contactId"),
            };
            run!(client.get_all_notes(&input.contact_id), input)
        }
        "createNote" => {
            let input = CreateNoteInput {
                contact_id: param(p, "contactId"),
                body: body(b),
            };
            run!(client.create_note(&input.contact_id, &input.body), input)
        }
        "getNote" => {
            let input = GetNoteInput {
                contact_id: param(p, "contactId"),
                id: param(p, "id"),
            };
            run!(client.get_note(&input.contact_id, &input.id), input)
        }
        "updateNote" => {
            let input = UpdateNoteInput {
                contact_id: param(p, "contactId"),
                id: param(p, "id"),
                body: body(b),
            };
            run!(
                client.update_note(&input.contact_id, &input.id, &input.body),
                input
            )
        }
        "deleteNote" => {
            let input = DeleteNoteInput {
                contact_id: param(p, "contactId"),
                id: param(p, "id"),
            };
            run!(client.delete_note(&input.contact_id, &input.id), input)
        }
        "bulkUpdateTags" => {
            let input = BulkUpdateTagsInput {
                r#type: param(p, "type"),
                body: body(b),
            };
            run!(client.bulk_update_tags(&input.r#type, &input.body), input)
        }
        "addRemoveContactsFromBusiness" => {
            let input = AddRemoveContactsFromBusinessInput { body: body(b) };
            run!(client.add_remove_contacts_from_business(&input.body), input)
        }
        "getContactsByBusinessId" => {
            let input = GetContactsByBusinessIdInput {
                business_id: param(p, "businessId"),
                location_id: param(p, "locationId"),
                limit: param(p, "limit"),
                skip: param(p, "skip"),
                query: param(p, "query"),
            };
            let mut params = leadconnector::GetContactsByBusinessIdParams::default();
            params.limit = input.limit;
            params.skip = input.skip;
            params.query.clone_from(&input.query);
            run!(
                client.get_contacts_by_business_id(&input.business_id, &input.location_id, &params),
                input
            )
        }
        "addFollowers" => {
            let input = AddFollowersInput {
                contact_id: param(p, "contactId"),
                body: body(b),
            };
            run!(client.add_followers(&input.contact_id, &input.body), input)
        }
        "removeFollowers" => {
            let input = RemoveFollowersInput {
                contact_id: param(p, "contactId"),
                body: body(b),
            };
            run!(
                client.remove_followers(&input.contact_id, &input.body),
                input
            )
        }
        "removeContactFromEveryCampaign" => {
            let input = RemoveContactFromEveryCampaignInput {
                contact_id: param(p, "contactId"),
            };
            run!(
                client.remove_contact_from_every_campaign(&input.contact_id),
                input
            )
        }
        "addContactToCampaign" => {
            let input = AddContactToCampaignInput {
                contact_id: param(p, "contactId"),
                campaign_id: param(p, "campaignId"),
            };
            run!(
                client.add_contact_to_campaign(&input.contact_id, &input.campaign_id),
                input
            )
        }
        "removeContactFromCampaign" => {
            let input = RemoveContactFromCampaignInput {
                contact_id: param(p, "contactId"),
                campaign_id: param(p, "campaignId"),
            };
            run!(
                client.remove_contact_from_campaign(&input.contact_id, &input.campaign_id),
                input
            )
        }
        "addContactToWorkflow" => {
            let input = AddContactToWorkflowInput {
                contact_id: param(p, "contactId"),
                workflow_id: param(p, "workflowId"),
                body: body(b),
            };
            run!(
                client.add_contact_to_workflow(&input.contact_id, &input.workflow_id, &input.body),
                input
            )
        }
        "deleteContactFromWorkflow" => {
            let input = DeleteContactFromWorkflowInput {
                contact_id: param(p, "contactId"),
                workflow_id: param(p, "workflowId"),
                body: body(b),
            };
            run!(
                client.delete_contact_from_workflow(
                    &input.contact_id,
                    &input.workflow_id,
                    &input.body
                ),
                input
            )
        }
        other => panic!("no call for operation {other}: add it here"),
    }
}

/// The contacts spec's IR, as the generator lowers it.
fn api() -> generator::ir::Api {
    let loaded = generator::load::load(&tests::root().join("spec/contacts.yaml")).expect("loads");
    generator::lower::lower(&loaded).0
}

/// One request of `op`: its parameters (examples where `examples` and the
/// spec has one, else drawn) and its body.
fn params(
    op: &generator::ir::Operation,
    values: &mut Values<'_>,
    examples: bool,
) -> Map<String, Value> {
    let mut params = Map::new();
    for p in &op.path_params {
        let value = match (&p.docs.example, examples) {
            (Some(example), true) => example.clone(),
            _ => values.value(&p.ty, None, 0),
        };
        params.insert(p.wire.clone(), value);
    }
    for p in op.query_params.iter().chain(&op.header_params) {
        if !p.required && !examples && values.rng.one_in(2) {
            continue;
        }
        let value = match (&p.docs.example, examples) {
            (Some(example), true) => example.clone(),
            _ => values.value(&p.ty, p.docs.example.as_ref(), 0),
        };
        params.insert(p.wire.clone(), value);
    }
    params
}

/// Sends one request and checks the implementation got it as sent.
async fn check_one(
    served: &Served,
    client: &Client,
    op: &generator::ir::Operation,
    params: &Map<String, Value>,
    body: Option<&Value>,
) -> Result<(), String> {
    let (result, expected) = call(client, &op.operation_id, params, body).await;
    let calls = served.calls();
    let context = || format!("{}: params {params:?}, body {body:?}", op.operation_id);
    result.map_err(|e| format!("{}\n{e}", context()))?;
    let [call] = calls.as_slice() else {
        return Err(format!(
            "{}\nthe implementation got {} calls",
            context(),
            calls.len()
        ));
    };
    if call.operation != op.operation_id {
        return Err(format!("{}\nrouted to {}", context(), call.operation));
    }
    expected(call).map_err(|e| format!("{}\n{e}", context()))
}

/// Every request example of the spec (with the parameters' examples), sent
/// by the client, is accepted and reaches the implementation as sent.
#[tokio::test]
async fn the_clients_requests_from_the_spec_examples_are_accepted() {
    let api = api();
    let spec = crate::common::spec();
    let served = Recorder::start().await;
    let client = served.client();
    let mut values = Values {
        api: &api,
        rng: Rng::new(1),
    };
    let mut failures = Vec::new();
    let mut sent = 0;
    for op in &api.operations {
        let params = params(op, &mut values, true);
        let bodies: Vec<Option<Value>> = match &op.body {
            Some(b) if b.encoding != generator::ir::BodyEncoding::EmptyJsonObject => {
                let examples = crate::common::request_examples(&spec, &op.operation_id);
                assert!(
                    !examples.is_empty(),
                    "{} has no request example",
                    op.operation_id
                );
                examples.into_iter().map(|(_, v)| Some(v)).collect()
            }
            _ => vec![None],
        };
        for body in &bodies {
            sent += 1;
            if let Err(e) = check_one(&served, &client, op, &params, body.as_ref()).await {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {sent} refused or altered:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(sent > api.operations.len(), "only {sent} requests");
}

/// Random requests that follow the spec, for every operation: each is
/// accepted and reaches the implementation as the client was given it.
/// `SERVER_CASES` sets the number of rounds (each sends every operation).
#[test]
fn the_clients_random_requests_are_accepted_and_arrive_unchanged() {
    let cases = std::env::var("SERVER_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(40);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = api();
    let served = runtime.block_on(Recorder::start());
    let client = served.client();
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 0,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&any::<u64>(), |seed| {
        let mut values = Values {
            api: &api,
            rng: Rng::new(seed),
        };
        for op in &api.operations {
            let params = params(op, &mut values, false);
            let body = op
                .body
                .as_ref()
                .filter(|b| b.encoding != generator::ir::BodyEncoding::EmptyJsonObject)
                .map(|b| values.value(&b.ty, None, 0));
            runtime
                .block_on(check_one(&served, &client, op, &params, body.as_ref()))
                .map_err(TestCaseError::fail)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
