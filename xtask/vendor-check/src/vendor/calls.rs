//! Every operation of the `leadconnector` client, called by operation id
//! with a JSON body and JSON parameters: the checks drive the real client
//! methods, so what they see is what an app gets.

use leadconnector::{types, Client, Error};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The operation ids the client has, in the spec's order.
pub const OPERATIONS: [&str; 32] = [
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

/// How a call ended.
#[derive(Debug)]
pub enum Outcome {
    /// A success status, its body decoded.
    Ok(u16),
    /// A documented error status, its body decoded into the typed error.
    Api(u16),
    /// The JSON does not make a request of the client's types: an app
    /// cannot send it.
    NotBuilt(String),
    /// Anything else (decode errors above all): the message.
    Failed(String),
}

impl Outcome {
    /// One line for a report.
    pub fn describe(&self) -> String {
        match self {
            Self::Ok(status) => format!("decoded, status {status}"),
            Self::Api(status) => format!("typed API error, status {status}"),
            Self::NotBuilt(reason) => format!("not a request of the client's types: {reason}"),
            Self::Failed(message) => message.clone(),
        }
    }
}

macro_rules! run {
    ($call:expr) => {
        match $call.await {
            Ok(response) => Outcome::Ok(response.status().as_u16()),
            Err(Error::Api(api)) => Outcome::Api(api.status.as_u16()),
            Err(error) => Outcome::Failed(error.to_string()),
        }
    };
}

macro_rules! body {
    ($body:expr) => {
        match typed($body) {
            Ok(body) => body,
            Err(reason) => return Outcome::NotBuilt(reason),
        }
    };
}

fn typed<T: DeserializeOwned>(body: Option<&Value>) -> Result<T, String> {
    let body = body.ok_or("the operation takes a body")?;
    serde_json::from_value(body.clone()).map_err(|e| e.to_string())
}

fn text(params: &Map<String, Value>, name: &str) -> Option<String> {
    params.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn int(params: &Map<String, Value>, name: &str) -> Option<i64> {
    params.get(name).and_then(Value::as_i64)
}

/// Calls `id`. Path ids are fixed; `params` holds query parameters by wire
/// name (and `type` for `bulkUpdateTags`); `body` is decoded into the
/// operation's request type first.
#[allow(
    deprecated,
    reason = "getContacts is deprecated by the vendor and still checked"
)]
pub async fn call(
    client: &Client,
    id: &str,
    params: &Map<String, Value>,
    body: Option<&Value>,
) -> Outcome {
    let (contact, other) = ("cid", "oid");
    let location = text(params, "locationId").unwrap_or_else(|| "loc".into());
    match id {
        "getContacts" => {
            let query = leadconnector::GetContactsParams {
                start_after_id: text(params, "startAfterId"),
                start_after: int(params, "startAfter"),
                query: text(params, "query"),
                limit: int(params, "limit").and_then(|n| i32::try_from(n).ok()),
            };
            run!(client.get_contacts(&location, &query))
        }
        "createContact" => {
            let body: types::CreateContactRequest = body!(body);
            run!(client.create_contact(&body))
        }
        "upsertContact" => {
            let body: types::UpsertContactRequest = body!(body);
            run!(client.upsert_contact(&body))
        }
        "searchContacts" => {
            let body: types::SearchContactsRequest = body!(body);
            run!(client.search_contacts(&body))
        }
        "getContact" => run!(client.get_contact(contact)),
        "updateContact" => {
            let body: types::UpdateContactRequest = body!(body);
            run!(client.update_contact(contact, &body))
        }
        "deleteContact" => run!(client.delete_contact(contact)),
        "addTags" => {
            let body: types::TagsRequest = body!(body);
            run!(client.add_tags(contact, &body))
        }
        "removeTags" => {
            let body: types::TagsRequest = body!(body);
            run!(client.remove_tags(contact, &body))
        }
        "getDuplicateContact" => {
            let query = leadconnector::GetDuplicateContactParams {
                number: text(params, "number"),
                email: text(params, "email"),
            };
            run!(client.get_duplicate_contact(&location, &query))
        }
        "getAllTasks" => run!(client.get_all_tasks(contact)),
        "createTask" => {
            let body: types::CreateTaskRequest = body!(body);
            run!(client.create_task(contact, &body))
        }
        "getTask" => run!(client.get_task(contact, other)),
        "updateTask" => {
            let body: types::UpdateTaskRequest = body!(body);
            run!(client.update_task(contact, other, &body))
        }
        "deleteTask" => run!(client.delete_task(contact, other)),
        "updateTaskCompleted" => {
            let body: types::UpdateTaskCompletedRequest = body!(body);
            run!(client.update_task_completed(contact, other, &body))
        }
        "getAppointmentsForContact" => run!(client.get_appointments_for_contact(contact)),
        "getAllNotes" => run!(client.get_all_notes(contact)),
        "createNote" => {
            let body: types::CreateNoteRequest = body!(body);
            run!(client.create_note(contact, &body))
        }
        "getNote" => run!(client.get_note(contact, other)),
        "updateNote" => {
            let body: types::UpdateNoteRequest = body!(body);
            run!(client.update_note(contact, other, &body))
        }
        "deleteNote" => run!(client.delete_note(contact, other)),
        "bulkUpdateTags" => {
            let action = match params.get("type") {
                Some(value) => match serde_json::from_value(value.clone()) {
                    Ok(action) => action,
                    Err(e) => return Outcome::NotBuilt(e.to_string()),
                },
                None => types::BulkTagsAction::Add,
            };
            let body: types::BulkUpdateTagsRequest = body!(body);
            run!(client.bulk_update_tags(&action, &body))
        }
        "addRemoveContactsFromBusiness" => {
            let body: types::ContactsBusinessRequest = body!(body);
            run!(client.add_remove_contacts_from_business(&body))
        }
        "getContactsByBusinessId" => {
            let query = leadconnector::GetContactsByBusinessIdParams {
                limit: int(params, "limit").and_then(|n| i32::try_from(n).ok()),
                skip: int(params, "skip").and_then(|n| i32::try_from(n).ok()),
                query: text(params, "query"),
            };
            run!(client.get_contacts_by_business_id(other, &location, &query))
        }
        "addFollowers" => {
            let body: types::FollowersRequest = body!(body);
            run!(client.add_followers(contact, &body))
        }
        "removeFollowers" => {
            let body: types::FollowersRequest = body!(body);
            run!(client.remove_followers(contact, &body))
        }
        "removeContactFromEveryCampaign" => {
            run!(client.remove_contact_from_every_campaign(contact))
        }
        "addContactToCampaign" => run!(client.add_contact_to_campaign(contact, other)),
        "removeContactFromCampaign" => run!(client.remove_contact_from_campaign(contact, other)),
        "addContactToWorkflow" => {
            let body: types::WorkflowRequest = body!(body);
            run!(client.add_contact_to_workflow(contact, other, &body))
        }
        "deleteContactFromWorkflow" => {
            let body: types::WorkflowRequest = body!(body);
            run!(client.delete_contact_from_workflow(contact, other, &body))
        }
        other => Outcome::Failed(format!("the check does not know operation `{other}`")),
    }
}
