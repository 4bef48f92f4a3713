//! Every operation through the client against the mock: the spec's own
//! request examples (the vendor pages' bodies, read from
//! `spec/contacts.yaml` at test time) are sent, accepted, and change the
//! mock's state as the vendor documents; what comes back decodes into the
//! client's types. This is the project's wire test of each operation run
//! against a server that keeps state instead of one that replays answers.

mod common;

use std::collections::BTreeSet;

use common::{for_location, typed, Spec};
use futures_util::TryStreamExt;
use leadconnector::{
    types, Error, ErrorBody, GetContactsByBusinessIdParams, GetDuplicateContactParams,
};
use leadconnector_mock::MockServer;
use serde_json::json;

/// The operations this file drives (each below has a test).
const TESTED: &[&str] = &[
    "getContacts",
    "createContact",
    "upsertContact",
    "searchContacts",
    "getContact",
    "updateContact",
    "deleteContact",
    "addTags",
    "removeTags",
    "getDuplicateContact",
    "getAllTasks",
    "createTask",
    "getTask",
    "updateTask",
    "deleteTask",
    "updateTaskCompleted",
    "getAppointmentsForContact",
    "getAllNotes",
    "createNote",
    "getNote",
    "updateNote",
    "deleteNote",
    "bulkUpdateTags",
    "addRemoveContactsFromBusiness",
    "getContactsByBusinessId",
    "addFollowers",
    "removeFollowers",
    "removeContactFromEveryCampaign",
    "addContactToCampaign",
    "removeContactFromCampaign",
    "addContactToWorkflow",
    "deleteContactFromWorkflow",
];

#[test]
fn every_operation_of_the_spec_is_tested_against_the_mock() {
    let spec: BTreeSet<String> = Spec::contacts().operation_ids().into_iter().collect();
    let tested: BTreeSet<String> = TESTED.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(spec, tested);
}

/// The request examples of `op`, for the mock's Location, as `T`.
fn examples<T: serde::de::DeserializeOwned>(mock: &MockServer, op: &str) -> Vec<T> {
    let spec = Spec::contacts();
    let examples = spec.request_examples(op);
    assert!(!examples.is_empty(), "{op} has request examples");
    examples
        .into_iter()
        .map(|(name, value)| {
            typed(
                &format!("{op}/{name}"),
                for_location(value, mock.location_id()),
            )
        })
        .collect()
}

async fn new_contact(mock: &MockServer, email: &str) -> String {
    let request = types::CreateContactRequest::new(mock.location_id())
        .email(email)
        .first_name("Rosan");
    mock.client()
        .create_contact(&request)
        .await
        .expect("created")
        .contact
        .id
        .clone()
}

fn status<T: std::fmt::Debug>(result: Result<T, Error<ErrorBody>>) -> u16 {
    result
        .expect_err("refused")
        .status()
        .map_or(0, |s| s.as_u16())
}

#[tokio::test(start_paused = true)]
async fn create_contact_takes_the_page_example_and_stores_it() {
    let mock = MockServer::start().await;
    for request in examples::<types::CreateContactRequest>(&mock, "createContact") {
        let created = mock
            .client()
            .create_contact(&request)
            .await
            .expect("created");
        let contact = &created.contact;
        assert_eq!(mock.contact(&contact.id).as_ref(), Some(contact));
        assert_eq!(contact.first_name.as_deref(), Some("Rosan"));
        assert_eq!(contact.full_name_lower_case.as_deref(), Some("rosan deo"));
        assert_eq!(contact.phone.as_deref(), Some("+18888888888"));
        assert_eq!(contact.tags, ["nisi sint commodo amet", "consequat"]);
        assert_eq!(contact.custom_fields[0].value, Some(json!("My Text")));
        assert_eq!(
            contact.date_added.as_ref().unwrap().as_str(),
            "2025-01-01T00:00:00.000Z"
        );
        // The same e-mail again: the Location does not allow duplicates.
        let again = mock.client().create_contact(&request).await;
        match again.expect_err("duplicate") {
            Error::Api(api) => match &api.body {
                ErrorBody::BadRequest(body) => {
                    assert_eq!(
                        body.message,
                        "This location does not allow duplicated contacts."
                    );
                    assert_eq!(body.extra["meta"]["contactId"], json!(contact.id));
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other}"),
        }
    }
}

#[tokio::test]
async fn get_contact_returns_what_is_stored_and_400_for_an_unknown_id() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let got = mock.client().get_contact(&id).await.expect("found");
    assert_eq!(Some(got.contact.clone()), mock.contact(&id));
    assert_eq!(got.rate_limit().max, Some(100));
    assert_eq!(
        status(mock.client().get_contact("AAAAAAAAAAAAAAAAAAAA").await),
        400
    );
}

#[tokio::test]
async fn update_contact_takes_both_page_examples() {
    let mock = MockServer::start().await;
    for request in examples::<types::UpdateContactRequest>(&mock, "updateContact") {
        let id = new_contact(&mock, &format!("{}@x.io", mock.contact_count())).await;
        let updated = mock
            .client()
            .update_contact(&id, &request)
            .await
            .expect("updated");
        assert_eq!(updated.succeeded, Some(true));
        let stored = mock.contact(&id).unwrap();
        assert_eq!(stored, updated.contact);
        assert_eq!(stored.first_name.as_deref(), Some("rosan"));
        assert_eq!(stored.email.as_deref(), Some("rosan@deos.com"));
        assert_eq!(
            stored.date_of_birth.as_deref(),
            Some("1990-09-25T00:00:00.000Z")
        );
        assert_eq!(
            stored
                .dnd_settings
                .as_ref()
                .and_then(|d| d.sms.as_ref())
                .map(|s| s.status.as_str()),
            Some("active")
        );
        // Clear the e-mail and phone again so the next example's contact
        // does not duplicate this one.
        mock.client()
            .update_contact(
                &id,
                &types::UpdateContactRequest::default()
                    .clear_email()
                    .clear_phone(),
            )
            .await
            .expect("cleared");
    }
    let id = new_contact(&mock, "clear@x.io").await;
    let update = types::UpdateContactRequest::default()
        .clear_email()
        .city("Dolomite");
    let updated = mock
        .client()
        .update_contact(&id, &update)
        .await
        .expect("updated");
    assert_eq!(
        (
            updated.contact.email.as_deref(),
            updated.contact.city.as_deref()
        ),
        (None, Some("Dolomite"))
    );
}

#[tokio::test]
async fn upsert_contact_creates_then_updates_the_same_contact() {
    let mock = MockServer::start().await;
    let request = examples::<types::UpsertContactRequest>(&mock, "upsertContact").remove(0);
    let first = mock
        .client()
        .upsert_contact(&request)
        .await
        .expect("created");
    assert_eq!(first.new, Some(true));
    let second = mock
        .client()
        .upsert_contact(&request)
        .await
        .expect("updated");
    assert_eq!(
        (second.new, &second.contact.id),
        (Some(false), &first.contact.id)
    );
    assert_eq!(mock.contact_count(), 1);
}

#[tokio::test]
async fn search_contacts_takes_the_example_and_finds_by_free_text() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "rosan@deos.com").await;
    new_contact(&mock, "other@deos.com").await;
    mock.client()
        .update_contact(
            &new_contact(&mock, "third@x.io").await,
            &types::UpdateContactRequest::default().first_name("Alex"),
        )
        .await
        .unwrap();
    let request = examples::<types::SearchContactsRequest>(&mock, "searchContacts").remove(0);
    let found = mock
        .client()
        .search_contacts(&request)
        .await
        .expect("searched");
    assert_eq!(found.total, Some(2));
    assert!(found.contacts.iter().any(|c| c.id == id));
    assert!(found.contacts.iter().all(|c| c.search_after.len() == 2));
    let streamed: Vec<_> = mock
        .client()
        .search_contacts_stream(types::SearchContactsRequest::new(mock.location_id(), 1))
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(streamed.len(), 3);
}

#[tokio::test]
async fn delete_contact_removes_it() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let deleted = mock.client().delete_contact(&id).await.expect("deleted");
    assert_eq!(deleted.succeeded, Some(true));
    assert_eq!(mock.contact(&id), None);
    assert_eq!(status(mock.client().delete_contact(&id).await), 400);
}

#[tokio::test]
async fn add_and_remove_tags_take_the_examples() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let add = examples::<types::TagsRequest>(&mock, "addTags").remove(0);
    let added = mock.client().add_tags(&id, &add).await.expect("added");
    assert_eq!(added.tags, ["minim", "velit magna"]);
    let remove = examples::<types::TagsRequest>(&mock, "removeTags").remove(0);
    let removed = mock
        .client()
        .remove_tags(&id, &remove)
        .await
        .expect("removed");
    assert!(removed.tags.is_empty());
    assert!(mock.contact(&id).unwrap().tags.is_empty());
}

#[tokio::test]
async fn get_duplicate_contact_by_email_and_by_number() {
    let mock = MockServer::start().await;
    let request = types::CreateContactRequest::new(mock.location_id())
        .email("test+abc@gmail.com")
        .phone("+1423164516");
    let id = mock
        .client()
        .create_contact(&request)
        .await
        .unwrap()
        .contact
        .id
        .clone();
    let client = mock.client();
    let by_email = client
        .get_duplicate_contact(
            mock.location_id(),
            &GetDuplicateContactParams::default().email("TEST+abc@gmail.com"),
        )
        .await
        .expect("searched");
    assert_eq!(by_email.contact.as_ref().map(|c| &c.id), Some(&id));
    let by_number = client
        .get_duplicate_contact(
            mock.location_id(),
            &GetDuplicateContactParams::default().number("+1423164516"),
        )
        .await
        .expect("searched");
    assert_eq!(by_number.contact.as_ref().map(|c| &c.id), Some(&id));
    let none = client
        .get_duplicate_contact(
            mock.location_id(),
            &GetDuplicateContactParams::default().email("nobody@x.io"),
        )
        .await
        .expect("searched");
    assert_eq!(none.contact, None);
    let sent = mock.requests_for("getDuplicateContact");
    assert!(sent[1]
        .query
        .as_deref()
        .unwrap()
        .contains("number=%2B1423164516"));
}

#[tokio::test]
async fn tasks_take_the_examples() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let client = mock.client();
    let create = examples::<types::CreateTaskRequest>(&mock, "createTask").remove(0);
    let task = client
        .create_task(&id, &create)
        .await
        .expect("created")
        .task
        .clone();
    assert_eq!(task.title.as_deref(), Some("First Task"));
    assert_eq!(
        task.due_date.as_ref().unwrap().as_str(),
        "2020-10-25T11:00:00.000Z"
    );
    assert_eq!(
        client.get_all_tasks(&id).await.expect("listed").tasks,
        vec![task.clone()]
    );
    assert_eq!(
        client.get_task(&id, &task.id).await.expect("got").task,
        task
    );
    let update = examples::<types::UpdateTaskRequest>(&mock, "updateTask").remove(0);
    let updated = client
        .update_task(&id, &task.id, &update)
        .await
        .expect("updated")
        .task
        .clone();
    assert_eq!(updated.assigned_to.as_deref(), Some("hxHGVRb1YJUscrCB8eXK"));
    let done = client
        .update_task_completed(
            &id,
            &task.id,
            &types::UpdateTaskCompletedRequest::new(false),
        )
        .await
        .expect("completed");
    assert_eq!(done.task.completed, Some(false));
    assert_eq!(mock.tasks(&id), vec![done.task.clone()]);
    let deleted = client.delete_task(&id, &task.id).await.expect("deleted");
    assert_eq!(deleted.succeeded, Some(true));
    assert!(mock.tasks(&id).is_empty());
    assert_eq!(status(client.get_task(&id, &task.id).await), 400);
}

#[tokio::test]
async fn notes_take_the_examples() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let client = mock.client();
    let create = examples::<types::CreateNoteRequest>(&mock, "createNote").remove(0);
    let note = client
        .create_note(&id, &create)
        .await
        .expect("created")
        .note
        .clone();
    assert_eq!(
        (note.body.as_deref(), note.color.as_deref()),
        (Some("lorem ipsum"), Some("#FFAA00"))
    );
    assert_eq!(
        client.get_all_notes(&id).await.expect("listed").notes,
        vec![note.clone()]
    );
    assert_eq!(
        client.get_note(&id, &note.id).await.expect("got").note,
        note
    );
    let update = examples::<types::UpdateNoteRequest>(&mock, "updateNote").remove(0);
    let updated = client
        .update_note(&id, &note.id, &update.body("changed"))
        .await
        .expect("updated");
    assert_eq!(updated.note.body.as_deref(), Some("changed"));
    assert_eq!(mock.notes(&id), vec![updated.note.clone()]);
    client.delete_note(&id, &note.id).await.expect("deleted");
    assert!(mock.notes(&id).is_empty());
}

#[tokio::test]
async fn get_appointments_for_contact_returns_what_was_seeded() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let appointment: types::Appointment = serde_json::from_value(json!({
        "id": "YS3jaqqeehkR2Is80miy", "title": "Test", "startTime": "2021-07-16 11:00:00"
    }))
    .unwrap();
    mock.add_appointment(&id, appointment.clone()).unwrap();
    let events = mock
        .client()
        .get_appointments_for_contact(&id)
        .await
        .expect("listed")
        .events
        .clone();
    assert_eq!(events, [appointment]);
}

#[tokio::test]
async fn bulk_update_tags_takes_the_example_and_reports_each_contact() {
    let mock = MockServer::start().await;
    let a = new_contact(&mock, "a@b.co").await;
    let mut request = examples::<types::BulkUpdateTagsRequest>(&mock, "bulkUpdateTags").remove(0);
    request.contacts[0] = a.clone();
    let client = mock.client();
    let response = client
        .bulk_update_tags(&types::BulkTagsAction::Add, &request)
        .await
        .expect("updated");
    assert_eq!(response.responses.len(), 4);
    assert_eq!(mock.contact(&a).unwrap().tags, ["tag-1", "tag-2"]);
    let response = client
        .bulk_update_tags(&types::BulkTagsAction::Remove, &request)
        .await
        .expect("updated");
    assert_eq!(
        response.error_count.as_ref().and_then(|n| n.as_u64()),
        Some(3)
    );
    assert!(mock.contact(&a).unwrap().tags.is_empty());
}

#[tokio::test]
async fn business_association_and_its_listing() {
    let mock = MockServer::start().await;
    let a = new_contact(&mock, "a@b.co").await;
    let b = new_contact(&mock, "b@b.co").await;
    let mut request =
        examples::<types::ContactsBusinessRequest>(&mock, "addRemoveContactsFromBusiness")
            .remove(0);
    request.ids = vec![a.clone(), b.clone(), "pOC0uJ97VYOKH2m3fkMD".into()];
    let business = request.business_id.clone().unwrap();
    let client = mock.client();
    let response = client
        .add_remove_contacts_from_business(&request)
        .await
        .expect("updated");
    assert_eq!(response.ids, [a.clone(), b.clone()]);
    let listed = client
        .get_contacts_by_business_id(
            &business,
            mock.location_id(),
            &GetContactsByBusinessIdParams::default(),
        )
        .await
        .expect("listed");
    assert_eq!(listed.contacts.len(), 2);
    let streamed: Vec<_> = client
        .contacts_by_business_stream(
            &business,
            mock.location_id(),
            GetContactsByBusinessIdParams::default().limit(1),
        )
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(
        streamed.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        [a, b]
    );
}

#[tokio::test]
async fn followers_take_the_examples() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let client = mock.client();
    let add = examples::<types::FollowersRequest>(&mock, "addFollowers").remove(0);
    let added = client.add_followers(&id, &add).await.expect("added");
    assert_eq!(
        (added.followers.clone(), added.followers_added.clone()),
        (
            vec!["sx6wyHhbFdRXh302Lunr".to_owned()],
            vec!["sx6wyHhbFdRXh302Lunr".to_owned()]
        )
    );
    let again = client.add_followers(&id, &add).await.expect("added again");
    assert!(again.followers_added.is_empty());
    let remove = examples::<types::FollowersRequest>(&mock, "removeFollowers").remove(0);
    let removed = client
        .remove_followers(&id, &remove)
        .await
        .expect("removed");
    assert_eq!(removed.followers_removed, ["sx6wyHhbFdRXh302Lunr"]);
    assert!(removed.followers.is_empty());
}

#[tokio::test]
async fn campaigns_add_remove_and_remove_all() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let client = mock.client();
    assert_eq!(
        client
            .add_contact_to_campaign(&id, "Y2I9XM7aO1hncuSOlc9L")
            .await
            .expect("added")
            .succeeded,
        Some(true)
    );
    client
        .add_contact_to_campaign(&id, "second")
        .await
        .expect("added");
    assert_eq!(mock.campaigns(&id).len(), 2);
    client
        .remove_contact_from_campaign(&id, "second")
        .await
        .expect("removed");
    assert_eq!(
        mock.campaigns(&id).keys().collect::<Vec<_>>(),
        ["Y2I9XM7aO1hncuSOlc9L"]
    );
    client
        .remove_contact_from_every_campaign(&id)
        .await
        .expect("removed all");
    assert!(mock.campaigns(&id).is_empty());
    // The client sends `{}`; the router accepts nothing else.
    assert_eq!(mock.requests_for("addContactToCampaign")[0].text(), "{}");
}

#[tokio::test]
async fn workflows_take_the_examples() {
    let mock = MockServer::start().await;
    let id = new_contact(&mock, "a@b.co").await;
    let client = mock.client();
    let add = examples::<types::WorkflowRequest>(&mock, "addContactToWorkflow").remove(0);
    client
        .add_contact_to_workflow(&id, "sx6wyHhbFdRXh302LLNR", &add)
        .await
        .expect("added");
    assert_eq!(
        mock.workflows(&id)["sx6wyHhbFdRXh302LLNR"]
            .event_start_time
            .as_deref(),
        Some("2021-06-23T02:30:00.000Z")
    );
    let remove = examples::<types::WorkflowRequest>(&mock, "deleteContactFromWorkflow").remove(0);
    client
        .delete_contact_from_workflow(&id, "sx6wyHhbFdRXh302LLNR", &remove)
        .await
        .expect("removed");
    assert!(mock.workflows(&id).is_empty());
}

#[tokio::test]
#[allow(
    deprecated,
    reason = "the deprecated listing is an operation of the spec"
)]
async fn the_deprecated_listing_pages_by_its_cursor() {
    let mock = MockServer::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(new_contact(&mock, &format!("p{i}@x.io")).await);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let client = mock.client();
    let first = client
        .get_contacts(
            mock.location_id(),
            &leadconnector::GetContactsParams::default().limit(2),
        )
        .await
        .expect("listed");
    let meta = first.meta.clone().unwrap();
    assert_eq!(meta.total.unwrap().as_u64(), Some(5));
    assert!(meta.next_page_url.unwrap().starts_with(mock.base_url()));
    let all: Vec<String> = client
        .contacts_stream(
            mock.location_id(),
            leadconnector::GetContactsParams::default().limit(2),
        )
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(all, ids);
}

#[tokio::test]
async fn requests_without_the_right_token_or_version_are_refused() {
    let mock = MockServer::start().await;
    let other = leadconnector::Client::builder("pit-unknown")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    assert_eq!(status(other.get_contact("x").await), 401);
    // Without a token the router refuses before the mock looks.
    let raw = reqwest::Client::new()
        .get(format!("{}/contacts/abc", mock.base_url()))
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
    let raw = reqwest::Client::new()
        .get(format!("{}/contacts/abc", mock.base_url()))
        .bearer_auth(mock.token())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 422, "no Version header");
    let second = mock.add_location(Default::default());
    let id = new_contact(&mock, "a@b.co").await;
    let elsewhere = leadconnector::Client::builder(second.token.as_str())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    assert_eq!(status(elsewhere.get_contact(&id).await), 401);
}

/// A value for `schema`: its example, else one of its type.
fn sample(spec: &serde_json::Value, schema: &serde_json::Value) -> serde_json::Value {
    let schema = resolve(spec, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(|a| a.as_array()) {
        return sample(spec, &parts[0]);
    }
    if let Some(values) = schema.get("enum").and_then(|e| e.as_array()) {
        return values[0].clone();
    }
    match schema.get("type").and_then(|t| t.as_str()) {
        Some("string") => json!("some text"),
        Some("boolean") => json!(true),
        Some("number") | Some("integer") => json!(7),
        Some("array") => json!([sample(spec, &schema["items"])]),
        Some("object") | None => {
            let mut object = serde_json::Map::new();
            for (name, property) in schema
                .get("properties")
                .and_then(|p| p.as_object())
                .into_iter()
                .flatten()
            {
                object.insert(name.clone(), sample(spec, property));
            }
            serde_json::Value::Object(object)
        }
        Some(other) => panic!("no sample for type {other}"),
    }
}

fn resolve<'a>(
    spec: &'a serde_json::Value,
    mut node: &'a serde_json::Value,
) -> &'a serde_json::Value {
    while let Some(reference) = node.get("$ref").and_then(|r| r.as_str()) {
        node = spec
            .pointer(reference.trim_start_matches('#'))
            .expect("a local $ref");
    }
    node
}

#[tokio::test]
async fn every_contact_property_of_the_spec_is_kept() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/contacts.yaml"
    ))
    .unwrap();
    let spec: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    let schema = &spec["components"]["schemas"]["Contact"];
    let mut contact = sample(&spec, schema);
    // The paging cursor belongs to a search answer, not to the contact.
    contact.as_object_mut().unwrap().remove("searchAfter");
    let typed: types::Contact = serde_json::from_value(contact.clone()).unwrap();
    let mock = MockServer::start().await;
    let id = mock.insert_contact(typed);
    let stored = serde_json::to_value(
        mock.client()
            .get_contact(&id)
            .await
            .unwrap()
            .contact
            .clone(),
    )
    .unwrap();
    // Copies the mock derives from other fields (see `choices`).
    let derived = [
        "name",
        "firstNameLowerCase",
        "lastNameLowerCase",
        "fullNameLowerCase",
        "emailLowerCase",
        "birthMonth",
        "birthDay",
        "locationId",
    ];
    for (name, value) in contact.as_object().unwrap() {
        // The client leaves out an empty list, whoever sends it.
        if value.as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let kept = stored.get(name);
        assert!(kept.is_some(), "{name} was dropped");
        if !derived.contains(&name.as_str()) {
            assert_eq!(kept, Some(value), "{name} changed");
        }
    }
}
