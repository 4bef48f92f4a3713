//! The mock's implementation of the generated server trait
//! (`leadconnector::server::Api`): each of the 32 operations reads its
//! checked input, runs on the store, and answers with the operation's
//! documented response. The router has already refused what the spec
//! forbids; the middleware has already checked the token, its scope and
//! the rate limit, and left the caller in the request's extensions.
//!
//! Inputs are destructured without `..`: a parameter the spec adds stops
//! this file compiling until the mock follows it.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use leadconnector::server::{self as gen, Api, ResponseHeaders};
use leadconnector::server_support::RequestContext;

use crate::error::ApiError;
use crate::ratelimit;
use crate::shared::{Caller, Shared};
use crate::store::listing::ListQuery;
use crate::store::{Access, Store};

/// The contacts API over a mock's state.
#[derive(Clone, Debug)]
pub struct ContactsApi {
    pub(crate) shared: Arc<Shared>,
    /// `http://host:port` for `meta.nextPageUrl`.
    pub(crate) base_url: Arc<str>,
}

/// One call: who makes it and what to stamp its answer with.
struct Call<'a> {
    shared: &'a Shared,
    caller: Option<&'a Caller>,
}

impl<'a> Call<'a> {
    fn new(shared: &'a Shared, context: &'a RequestContext) -> Self {
        Self {
            shared,
            caller: context.extensions().get::<Caller>(),
        }
    }

    fn access(&self) -> Access<'a> {
        self.caller.map_or(Access::Any, Caller::access)
    }

    fn applied(&self) -> Option<&'a AtomicU64> {
        self.caller.map(|c| &*c.applied)
    }

    /// The rate-limit headers of a success.
    fn headers(&self) -> ResponseHeaders {
        let rate = self.caller.map(|c| c.rate);
        headers(rate.as_ref())
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Store, Access<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        f(&self.shared.store(), self.access())
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&mut Store, Access<'_>, i64) -> Result<(T, Vec<crate::store::Event>), ApiError>,
    ) -> Result<T, ApiError> {
        let access = self.access();
        self.shared
            .write(self.applied(), |store, now| f(store, access, now))
    }

    /// A write that announces nothing.
    fn quiet<T>(
        &self,
        f: impl FnOnce(&mut Store, Access<'_>, i64) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.write(|store, access, now| f(store, access, now).map(|v| (v, Vec::new())))
    }
}

/// The five `X-RateLimit-*` headers as the generated responses carry them.
pub(crate) fn headers(rate: Option<&ratelimit::Headers>) -> ResponseHeaders {
    let mut headers = ResponseHeaders::default();
    if let Some(rate) = rate {
        let int = |n: i64| Some(i32::try_from(n).unwrap_or(i32::MAX));
        headers.x_rate_limit_limit_daily = int(rate.limit_daily.into());
        headers.x_rate_limit_daily_remaining = int(rate.daily_remaining.into());
        headers.x_rate_limit_interval_milliseconds = int(rate.interval_ms);
        headers.x_rate_limit_max = int(rate.max.into());
        headers.x_rate_limit_remaining = int(rate.remaining.into());
    }
    headers
}

/// Answers with the success variant `$ok` of `$response`, or the error
/// variant the refusal's status names.
macro_rules! answer {
    ($response:ident :: $ok:ident, $call:expr, $result:expr) => {{
        let call = &$call;
        match $result {
            Ok(body) => gen::$response::$ok {
                body,
                headers: call.headers(),
            },
            Err(error) => {
                let trace = call.shared.trace_id();
                match error {
                    ApiError::BadRequest { message, meta } => gen::$response::BadRequest(
                        ApiError::bad_request_body(&message, meta.as_ref(), &trace),
                    ),
                    ApiError::Unauthorized { message } => {
                        gen::$response::Unauthorized(ApiError::unauthorized_body(&message, &trace))
                    }
                    ApiError::Unprocessable { messages } => gen::$response::UnprocessableEntity(
                        ApiError::unprocessable_body(&messages, &trace),
                    ),
                }
            }
        }
    }};
}

impl Api for ContactsApi {
    async fn get_contacts(
        &self,
        input: gen::GetContactsInput,
        context: RequestContext,
    ) -> gen::GetContactsResponse {
        let gen::GetContactsInput {
            location_id,
            start_after_id,
            start_after,
            query,
            limit,
        } = input;
        let call = Call::new(&self.shared, &context);
        let params = ListQuery {
            query,
            limit: limit.map(i64::from),
            start_after_id,
            start_after,
        };
        let result = call.read(|store, access| {
            store.get_contacts(access, &location_id, &params, &self.base_url)
        });
        answer!(GetContactsResponse::Ok, call, result)
    }

    async fn create_contact(
        &self,
        input: gen::CreateContactInput,
        context: RequestContext,
    ) -> gen::CreateContactResponse {
        let gen::CreateContactInput { body } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.write(|store, access, now| store.create_contact(access, &body, now));
        answer!(CreateContactResponse::Created, call, result)
    }

    async fn upsert_contact(
        &self,
        input: gen::UpsertContactInput,
        context: RequestContext,
    ) -> gen::UpsertContactResponse {
        let gen::UpsertContactInput { body } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.write(|store, access, now| store.upsert_contact(access, &body, now));
        answer!(UpsertContactResponse::Ok, call, result)
    }

    async fn search_contacts(
        &self,
        input: gen::SearchContactsInput,
        context: RequestContext,
    ) -> gen::SearchContactsResponse {
        let gen::SearchContactsInput { body } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| store.search_contacts(access, &body));
        answer!(SearchContactsResponse::Ok, call, result)
    }

    async fn get_contact(
        &self,
        input: gen::GetContactInput,
        context: RequestContext,
    ) -> gen::GetContactResponse {
        let gen::GetContactInput { contact_id } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| store.get_contact(access, &contact_id));
        answer!(GetContactResponse::Ok, call, result)
    }

    async fn update_contact(
        &self,
        input: gen::UpdateContactInput,
        context: RequestContext,
    ) -> gen::UpdateContactResponse {
        let gen::UpdateContactInput { contact_id, body } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.write(|store, access, now| store.update_contact(access, &contact_id, &body, now));
        answer!(UpdateContactResponse::Ok, call, result)
    }

    async fn delete_contact(
        &self,
        input: gen::DeleteContactInput,
        context: RequestContext,
    ) -> gen::DeleteContactResponse {
        let gen::DeleteContactInput { contact_id } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.write(|store, access, _| store.delete_contact(access, &contact_id));
        answer!(DeleteContactResponse::Ok, call, result)
    }

    async fn add_tags(
        &self,
        input: gen::AddTagsInput,
        context: RequestContext,
    ) -> gen::AddTagsResponse {
        let gen::AddTagsInput { contact_id, body } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.write(|store, access, now| store.add_tags(access, &contact_id, &body, now));
        answer!(AddTagsResponse::Created, call, result)
    }

    async fn remove_tags(
        &self,
        input: gen::RemoveTagsInput,
        context: RequestContext,
    ) -> gen::RemoveTagsResponse {
        let gen::RemoveTagsInput { contact_id, body } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.write(|store, access, now| store.remove_tags(access, &contact_id, &body, now));
        answer!(RemoveTagsResponse::Ok, call, result)
    }

    async fn get_duplicate_contact(
        &self,
        input: gen::GetDuplicateContactInput,
        context: RequestContext,
    ) -> gen::GetDuplicateContactResponse {
        let gen::GetDuplicateContactInput {
            location_id,
            number,
            email,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| {
            store.get_duplicate_contact(access, &location_id, number.as_deref(), email.as_deref())
        });
        answer!(GetDuplicateContactResponse::Ok, call, result)
    }

    async fn get_all_tasks(
        &self,
        input: gen::GetAllTasksInput,
        context: RequestContext,
    ) -> gen::GetAllTasksResponse {
        let gen::GetAllTasksInput { contact_id } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| store.get_all_tasks(access, &contact_id));
        answer!(GetAllTasksResponse::Ok, call, result)
    }

    async fn create_task(
        &self,
        input: gen::CreateTaskInput,
        context: RequestContext,
    ) -> gen::CreateTaskResponse {
        let gen::CreateTaskInput { contact_id, body } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| store.create_task(access, &contact_id, &body));
        answer!(CreateTaskResponse::Created, call, result)
    }

    async fn get_task(
        &self,
        input: gen::GetTaskInput,
        context: RequestContext,
    ) -> gen::GetTaskResponse {
        let gen::GetTaskInput {
            contact_id,
            task_id,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| store.get_task(access, &contact_id, &task_id));
        answer!(GetTaskResponse::Ok, call, result)
    }

    async fn update_task(
        &self,
        input: gen::UpdateTaskInput,
        context: RequestContext,
    ) -> gen::UpdateTaskResponse {
        let gen::UpdateTaskInput {
            contact_id,
            task_id,
            body,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.quiet(|store, access, _| store.update_task(access, &contact_id, &task_id, &body));
        answer!(UpdateTaskResponse::Ok, call, result)
    }

    async fn delete_task(
        &self,
        input: gen::DeleteTaskInput,
        context: RequestContext,
    ) -> gen::DeleteTaskResponse {
        let gen::DeleteTaskInput {
            contact_id,
            task_id,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.quiet(|store, access, _| store.delete_task(access, &contact_id, &task_id));
        answer!(DeleteTaskResponse::Ok, call, result)
    }

    async fn update_task_completed(
        &self,
        input: gen::UpdateTaskCompletedInput,
        context: RequestContext,
    ) -> gen::UpdateTaskCompletedResponse {
        let gen::UpdateTaskCompletedInput {
            contact_id,
            task_id,
            body,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| {
            store.update_task_completed(access, &contact_id, &task_id, &body)
        });
        answer!(UpdateTaskCompletedResponse::Ok, call, result)
    }

    async fn get_appointments_for_contact(
        &self,
        input: gen::GetAppointmentsForContactInput,
        context: RequestContext,
    ) -> gen::GetAppointmentsForContactResponse {
        let gen::GetAppointmentsForContactInput { contact_id } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.read(|store, access| store.get_appointments_for_contact(access, &contact_id));
        answer!(GetAppointmentsForContactResponse::Ok, call, result)
    }

    async fn get_all_notes(
        &self,
        input: gen::GetAllNotesInput,
        context: RequestContext,
    ) -> gen::GetAllNotesResponse {
        let gen::GetAllNotesInput { contact_id } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| store.get_all_notes(access, &contact_id));
        answer!(GetAllNotesResponse::Ok, call, result)
    }

    async fn create_note(
        &self,
        input: gen::CreateNoteInput,
        context: RequestContext,
    ) -> gen::CreateNoteResponse {
        let gen::CreateNoteInput { contact_id, body } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.quiet(|store, access, now| store.create_note(access, &contact_id, &body, now));
        answer!(CreateNoteResponse::Created, call, result)
    }

    async fn get_note(
        &self,
        input: gen::GetNoteInput,
        context: RequestContext,
    ) -> gen::GetNoteResponse {
        let gen::GetNoteInput { contact_id, id } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| store.get_note(access, &contact_id, &id));
        answer!(GetNoteResponse::Ok, call, result)
    }

    async fn update_note(
        &self,
        input: gen::UpdateNoteInput,
        context: RequestContext,
    ) -> gen::UpdateNoteResponse {
        let gen::UpdateNoteInput {
            contact_id,
            id,
            body,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.quiet(|store, access, _| store.update_note(access, &contact_id, &id, &body));
        answer!(UpdateNoteResponse::Ok, call, result)
    }

    async fn delete_note(
        &self,
        input: gen::DeleteNoteInput,
        context: RequestContext,
    ) -> gen::DeleteNoteResponse {
        let gen::DeleteNoteInput { contact_id, id } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| store.delete_note(access, &contact_id, &id));
        answer!(DeleteNoteResponse::Ok, call, result)
    }

    async fn bulk_update_tags(
        &self,
        input: gen::BulkUpdateTagsInput,
        context: RequestContext,
    ) -> gen::BulkUpdateTagsResponse {
        let gen::BulkUpdateTagsInput { r#type, body } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.write(|store, access, now| store.bulk_update_tags(access, &r#type, &body, now));
        answer!(BulkUpdateTagsResponse::Created, call, result)
    }

    async fn add_remove_contacts_from_business(
        &self,
        input: gen::AddRemoveContactsFromBusinessInput,
        context: RequestContext,
    ) -> gen::AddRemoveContactsFromBusinessResponse {
        let gen::AddRemoveContactsFromBusinessInput { body } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.write(|store, access, now| {
            store.add_remove_contacts_from_business(access, &body, now)
        });
        answer!(AddRemoveContactsFromBusinessResponse::Ok, call, result)
    }

    async fn get_contacts_by_business_id(
        &self,
        input: gen::GetContactsByBusinessIdInput,
        context: RequestContext,
    ) -> gen::GetContactsByBusinessIdResponse {
        let gen::GetContactsByBusinessIdInput {
            business_id,
            location_id,
            limit,
            skip,
            query,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.read(|store, access| {
            store.get_contacts_by_business_id(
                access,
                &business_id,
                &location_id,
                limit.map(i64::from),
                skip.map(i64::from),
                query.as_deref(),
            )
        });
        answer!(GetContactsByBusinessIdResponse::Ok, call, result)
    }

    async fn add_followers(
        &self,
        input: gen::AddFollowersInput,
        context: RequestContext,
    ) -> gen::AddFollowersResponse {
        let gen::AddFollowersInput { contact_id, body } = input;
        let call = Call::new(&self.shared, &context);
        let result =
            call.quiet(|store, access, now| store.add_followers(access, &contact_id, &body, now));
        answer!(AddFollowersResponse::Created, call, result)
    }

    async fn remove_followers(
        &self,
        input: gen::RemoveFollowersInput,
        context: RequestContext,
    ) -> gen::RemoveFollowersResponse {
        let gen::RemoveFollowersInput { contact_id, body } = input;
        let call = Call::new(&self.shared, &context);
        let result = call
            .quiet(|store, access, now| store.remove_followers(access, &contact_id, &body, now));
        answer!(RemoveFollowersResponse::Ok, call, result)
    }

    async fn remove_contact_from_every_campaign(
        &self,
        input: gen::RemoveContactFromEveryCampaignInput,
        context: RequestContext,
    ) -> gen::RemoveContactFromEveryCampaignResponse {
        let gen::RemoveContactFromEveryCampaignInput { contact_id } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| {
            store.remove_contact_from_every_campaign(access, &contact_id)
        });
        answer!(RemoveContactFromEveryCampaignResponse::Ok, call, result)
    }

    async fn add_contact_to_campaign(
        &self,
        input: gen::AddContactToCampaignInput,
        context: RequestContext,
    ) -> gen::AddContactToCampaignResponse {
        let gen::AddContactToCampaignInput {
            contact_id,
            campaign_id,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| {
            store.add_contact_to_campaign(access, &contact_id, &campaign_id)
        });
        answer!(AddContactToCampaignResponse::Created, call, result)
    }

    async fn remove_contact_from_campaign(
        &self,
        input: gen::RemoveContactFromCampaignInput,
        context: RequestContext,
    ) -> gen::RemoveContactFromCampaignResponse {
        let gen::RemoveContactFromCampaignInput {
            contact_id,
            campaign_id,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| {
            store.remove_contact_from_campaign(access, &contact_id, &campaign_id)
        });
        answer!(RemoveContactFromCampaignResponse::Ok, call, result)
    }

    async fn add_contact_to_workflow(
        &self,
        input: gen::AddContactToWorkflowInput,
        context: RequestContext,
    ) -> gen::AddContactToWorkflowResponse {
        let gen::AddContactToWorkflowInput {
            contact_id,
            workflow_id,
            body,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| {
            store.add_contact_to_workflow(access, &contact_id, &workflow_id, &body)
        });
        answer!(AddContactToWorkflowResponse::Ok, call, result)
    }

    async fn delete_contact_from_workflow(
        &self,
        input: gen::DeleteContactFromWorkflowInput,
        context: RequestContext,
    ) -> gen::DeleteContactFromWorkflowResponse {
        let gen::DeleteContactFromWorkflowInput {
            contact_id,
            workflow_id,
            body,
        } = input;
        let call = Call::new(&self.shared, &context);
        let result = call.quiet(|store, access, _| {
            store.delete_contact_from_workflow(access, &contact_id, &workflow_id, &body)
        });
        answer!(DeleteContactFromWorkflowResponse::Ok, call, result)
    }
}
