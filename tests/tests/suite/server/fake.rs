//! A contacts `Api` that records every call and answers each operation with
//! its documented success example.

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use leadconnector::server::{self, Api, Router};
use leadconnector::server_support::{self as support, RequestContext, ServerHandle};
use leadconnector::Client;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The token the test client sends.
pub const TOKEN: &str = "test-token";

/// One call the implementation received.
pub struct Call {
    /// Its operationId.
    pub operation: &'static str,
    /// The bearer token it came with.
    pub token: Option<String>,
    input: Box<dyn Any + Send>,
}

impl Call {
    /// The typed input, which must be a `T`.
    pub fn input<T: 'static>(&self) -> &T {
        self.input
            .downcast_ref()
            .unwrap_or_else(|| panic!("{} got another input type", self.operation))
    }
}

/// The implementation: records calls.
#[derive(Default)]
pub struct Recorder {
    calls: Mutex<Vec<Call>>,
}

/// A recorder served on loopback.
pub struct Served {
    recorder: Arc<Recorder>,
    handle: ServerHandle,
}

impl Recorder {
    /// Serves a new recorder behind the generated router.
    pub async fn start() -> Served {
        let recorder = Arc::new(Self::default());
        let router = Router::from_arc(Arc::clone(&recorder));
        let handle = support::spawn("127.0.0.1:0".parse().unwrap(), router)
            .await
            .expect("binds a loopback port");
        Served { recorder, handle }
    }

    fn record<T: Any + Send>(&self, context: &RequestContext, input: T) {
        self.calls.lock().unwrap().push(Call {
            operation: context.operation().id,
            token: context.bearer_token().map(str::to_owned),
            input: Box::new(input),
        });
    }
}

impl Served {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.handle.base_url()
    }

    /// A client for the server, sending [`TOKEN`], without retries.
    pub fn client(&self) -> Client {
        Client::builder(TOKEN)
            .base_url(self.base_url())
            .max_retries(0)
            .build()
            .expect("client builds")
    }

    /// The calls so far, taken.
    pub fn calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.recorder.calls.lock().unwrap())
    }

    /// The one call since the last look.
    pub fn only_call(&self) -> Call {
        let mut calls = self.calls();
        assert_eq!(
            calls.len(),
            1,
            "calls: {:?}",
            calls.iter().map(|c| c.operation).collect::<Vec<_>>()
        );
        calls.remove(0)
    }
}

/// The documented success body of `operation`, decoded: its own example,
/// or another example of its schema, or (`searchContacts`, whose schema
/// the spec gives no example) an empty object.
fn success_body<T: DeserializeOwned>(operation: &str) -> T {
    static SPEC: OnceLock<Value> = OnceLock::new();
    let spec = SPEC.get_or_init(crate::common::spec);
    let media = crate::common::json_media(crate::common::response(
        spec,
        operation,
        &crate::common::success_status(spec, operation).to_string(),
    ))
    .unwrap_or_else(|| panic!("{operation} has no JSON success body"));
    let example = crate::common::media_examples(spec, media)
        .into_iter()
        .map(|(_, v)| v)
        .chain(
            crate::common::schema_ref_name(&media["schema"])
                .map(|schema| crate::common::examples_of_schema(spec, schema))
                .unwrap_or_default(),
        )
        .next()
        .unwrap_or_else(|| serde_json::json!({}));
    serde_json::from_value(example).unwrap_or_else(|e| panic!("{operation}'s success example: {e}"))
}

macro_rules! recording_api {
    ($($method:ident: $input:ident => $response:ident::$variant:ident;)*) => {
        impl Api for Recorder {
            $(
                fn $method(
                    &self,
                    input: server::$input,
                    context: RequestContext,
                ) -> impl Future<Output = server::$response> + Send {
                    let body = success_body(context.operation().id);
                    self.record(&context, input);
                    async move {
                        server::$response::$variant { body, headers: Default::default() }
                    }
                }
            )*
        }
    };
}

recording_api! {
    get_contacts: GetContactsInput => GetContactsResponse::Ok;
    create_contact: CreateContactInput => CreateContactResponse::Created;
    upsert_contact: UpsertContactInput => UpsertContactResponse::Ok;
    search_contacts: SearchContactsInput => SearchContactsResponse::Ok;
    get_contact: GetContactInput => GetContactResponse::Ok;
    update_contact: UpdateContactInput => UpdateContactResponse::Ok;
    delete_contact: DeleteContactInput => DeleteContactResponse::Ok;
    add_tags: AddTagsInput => AddTagsResponse::Created;
    remove_tags: RemoveTagsInput => RemoveTagsResponse::Ok;
    get_duplicate_contact: GetDuplicateContactInput => GetDuplicateContactResponse::Ok;
    get_all_tasks: GetAllTasksInput => GetAllTasksResponse::Ok;
    create_task: CreateTaskInput => CreateTaskResponse::Created;
    get_task: GetTaskInput => GetTaskResponse::Ok;
    update_task: UpdateTaskInput => UpdateTaskResponse::Ok;
    delete_task: DeleteTaskInput => DeleteTaskResponse::Ok;
    update_task_completed: UpdateTaskCompletedInput => UpdateTaskCompletedResponse::Ok;
    get_appointments_for_contact: GetAppointmentsForContactInput => GetAppointmentsForContactResponse::Ok;
    get_all_notes: GetAllNotesInput => GetAllNotesResponse::Ok;
    create_note: CreateNoteInput => CreateNoteResponse::Created;
    get_note: GetNoteInput => GetNoteResponse::Ok;
    update_note: UpdateNoteInput => UpdateNoteResponse::Ok;
    delete_note: DeleteNoteInput => DeleteNoteResponse::Ok;
    bulk_update_tags: BulkUpdateTagsInput => BulkUpdateTagsResponse::Created;
    add_remove_contacts_from_business: AddRemoveContactsFromBusinessInput => AddRemoveContactsFromBusinessResponse::Ok;
    get_contacts_by_business_id: GetContactsByBusinessIdInput => GetContactsByBusinessIdResponse::Ok;
    add_followers: AddFollowersInput => AddFollowersResponse::Created;
    remove_followers: RemoveFollowersInput => RemoveFollowersResponse::Ok;
    remove_contact_from_every_campaign: RemoveContactFromEveryCampaignInput => RemoveContactFromEveryCampaignResponse::Ok;
    add_contact_to_campaign: AddContactToCampaignInput => AddContactToCampaignResponse::Created;
    remove_contact_from_campaign: RemoveContactFromCampaignInput => RemoveContactFromCampaignResponse::Ok;
    add_contact_to_workflow: AddContactToWorkflowInput => AddContactToWorkflowResponse::Ok;
    delete_contact_from_workflow: DeleteContactFromWorkflowInput => DeleteContactFromWorkflowResponse::Ok;
}
