//! What hangs off a contact: tasks, notes, appointments, followers,
//! campaigns and workflows.

use leadconnector::types::{
    AddFollowersResponse, AppointmentsResponse, CreateNoteRequest, CreateTaskRequest,
    FollowersRequest, Note, NoteResponse, NotesResponse, RemoveFollowersResponse,
    SucceededResponse, Task, TaskResponse, TasksResponse, UpdateNoteRequest,
    UpdateTaskCompletedRequest, UpdateTaskRequest, WorkflowRequest,
};
use leadconnector::Timestamp;

use super::{Access, Enrolment, Store};
use crate::choices::messages;
use crate::clock::format_millis;
use crate::error::ApiError;

fn succeeded() -> SucceededResponse {
    let mut response = SucceededResponse::default();
    response.succeeded = Some(true);
    response
}

fn time_text(time: &chrono::DateTime<chrono::Utc>) -> Timestamp {
    Timestamp::new(format_millis(time.timestamp_millis()))
}

impl Store {
    /// `getAllTasks`: in the order they were created.
    pub fn get_all_tasks(
        &self,
        access: Access<'_>,
        contact_id: &str,
    ) -> Result<TasksResponse, ApiError> {
        let mut response = TasksResponse::default();
        response.tasks = self.entry(access, contact_id)?.tasks.clone();
        Ok(response)
    }

    /// `createTask`.
    pub fn create_task(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        request: &CreateTaskRequest,
    ) -> Result<TaskResponse, ApiError> {
        self.entry(access, contact_id)?;
        let mut task = Task::new(self.rng.id());
        task.title = Some(request.title.clone());
        task.body.clone_from(&request.body);
        task.assigned_to.clone_from(&request.assigned_to);
        task.due_date = Some(time_text(&request.due_date));
        task.completed = Some(request.completed);
        task.contact_id = Some(contact_id.to_owned());
        self.entry_mut(access, contact_id)?.tasks.push(task.clone());
        self.bump();
        Ok(TaskResponse::new(task))
    }

    fn task_mut(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        task_id: &str,
    ) -> Result<&mut Task, ApiError> {
        self.entry_mut(access, contact_id)?
            .tasks
            .iter_mut()
            .find(|t| t.id == task_id)
            .ok_or_else(|| ApiError::bad_request(messages::TASK_NOT_FOUND))
    }

    /// `getTask`.
    pub fn get_task(
        &self,
        access: Access<'_>,
        contact_id: &str,
        task_id: &str,
    ) -> Result<TaskResponse, ApiError> {
        self.entry(access, contact_id)?
            .tasks
            .iter()
            .find(|t| t.id == task_id)
            .map(|t| TaskResponse::new(t.clone()))
            .ok_or_else(|| ApiError::bad_request(messages::TASK_NOT_FOUND))
    }

    /// `updateTask`: only the fields sent change.
    pub fn update_task(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        task_id: &str,
        request: &UpdateTaskRequest,
    ) -> Result<TaskResponse, ApiError> {
        let task = self.task_mut(access, contact_id, task_id)?;
        if let Some(title) = &request.title {
            task.title = Some(title.clone());
        }
        if let Some(body) = &request.body {
            task.body = Some(body.clone());
        }
        if let Some(due) = &request.due_date {
            task.due_date = Some(time_text(due));
        }
        if let Some(completed) = request.completed {
            task.completed = Some(completed);
        }
        if let Some(assigned) = &request.assigned_to {
            task.assigned_to = Some(assigned.clone());
        }
        let task = task.clone();
        self.bump();
        Ok(TaskResponse::new(task))
    }

    /// `updateTaskCompleted`.
    pub fn update_task_completed(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        task_id: &str,
        request: &UpdateTaskCompletedRequest,
    ) -> Result<TaskResponse, ApiError> {
        let task = self.task_mut(access, contact_id, task_id)?;
        task.completed = Some(request.completed);
        let task = task.clone();
        self.bump();
        Ok(TaskResponse::new(task))
    }

    /// `deleteTask`.
    pub fn delete_task(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        task_id: &str,
    ) -> Result<SucceededResponse, ApiError> {
        let tasks = &mut self.entry_mut(access, contact_id)?.tasks;
        let at = tasks
            .iter()
            .position(|t| t.id == task_id)
            .ok_or_else(|| ApiError::bad_request(messages::TASK_NOT_FOUND))?;
        tasks.remove(at);
        self.bump();
        Ok(succeeded())
    }

    /// `getAppointmentsForContact`.
    pub fn get_appointments_for_contact(
        &self,
        access: Access<'_>,
        contact_id: &str,
    ) -> Result<AppointmentsResponse, ApiError> {
        let mut response = AppointmentsResponse::default();
        response.events = self.entry(access, contact_id)?.appointments.clone();
        Ok(response)
    }

    /// `getAllNotes`: in the order they were written.
    pub fn get_all_notes(
        &self,
        access: Access<'_>,
        contact_id: &str,
    ) -> Result<NotesResponse, ApiError> {
        let mut response = NotesResponse::default();
        response.notes = self.entry(access, contact_id)?.notes.clone();
        Ok(response)
    }

    /// `createNote`.
    pub fn create_note(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        request: &CreateNoteRequest,
        now: i64,
    ) -> Result<NoteResponse, ApiError> {
        self.entry(access, contact_id)?;
        let mut note = Note::new(self.rng.id());
        note.body = Some(request.body.clone());
        note.user_id.clone_from(&request.user_id);
        note.title.clone_from(&request.title);
        note.color.clone_from(&request.color);
        note.pinned = request.pinned;
        note.date_added = Some(Timestamp::new(format_millis(now)));
        note.contact_id = Some(contact_id.to_owned());
        self.entry_mut(access, contact_id)?.notes.push(note.clone());
        self.bump();
        Ok(NoteResponse::new(note))
    }

    fn note_mut(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        note_id: &str,
    ) -> Result<&mut Note, ApiError> {
        self.entry_mut(access, contact_id)?
            .notes
            .iter_mut()
            .find(|n| n.id == note_id)
            .ok_or_else(|| ApiError::bad_request(messages::NOTE_NOT_FOUND))
    }

    /// `getNote`.
    pub fn get_note(
        &self,
        access: Access<'_>,
        contact_id: &str,
        note_id: &str,
    ) -> Result<NoteResponse, ApiError> {
        self.entry(access, contact_id)?
            .notes
            .iter()
            .find(|n| n.id == note_id)
            .map(|n| NoteResponse::new(n.clone()))
            .ok_or_else(|| ApiError::bad_request(messages::NOTE_NOT_FOUND))
    }

    /// `updateNote`: only the fields sent change.
    pub fn update_note(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        note_id: &str,
        request: &UpdateNoteRequest,
    ) -> Result<NoteResponse, ApiError> {
        let note = self.note_mut(access, contact_id, note_id)?;
        if let Some(body) = &request.body {
            note.body = Some(body.clone());
        }
        if let Some(user) = &request.user_id {
            note.user_id = Some(user.clone());
        }
        if let Some(title) = &request.title {
            note.title = Some(title.clone());
        }
        if let Some(color) = &request.color {
            note.color = Some(color.clone());
        }
        if let Some(pinned) = request.pinned {
            note.pinned = Some(pinned);
        }
        let note = note.clone();
        self.bump();
        Ok(NoteResponse::new(note))
    }

    /// `deleteNote`.
    pub fn delete_note(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        note_id: &str,
    ) -> Result<SucceededResponse, ApiError> {
        let notes = &mut self.entry_mut(access, contact_id)?.notes;
        let at = notes
            .iter()
            .position(|n| n.id == note_id)
            .ok_or_else(|| ApiError::bad_request(messages::NOTE_NOT_FOUND))?;
        notes.remove(at);
        self.bump();
        Ok(succeeded())
    }

    /// `addFollowers`: `followersAdded` lists only users who did not follow
    /// the contact yet.
    pub fn add_followers(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        request: &FollowersRequest,
        now: i64,
    ) -> Result<AddFollowersResponse, ApiError> {
        let record = &mut self.entry_mut(access, contact_id)?.record;
        let mut added = Vec::new();
        for user in &request.followers {
            if !record.followers.iter().any(|f| **f == **user) && !added.contains(user) {
                record.followers.push(user.as_str().into());
                added.push(user.clone());
            }
        }
        if !added.is_empty() {
            record.date_updated = now;
        }
        let mut response = AddFollowersResponse::default();
        response.followers = record.followers.iter().map(|f| f.to_string()).collect();
        response.followers_added = added;
        self.bump();
        Ok(response)
    }

    /// `removeFollowers`.
    pub fn remove_followers(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        request: &FollowersRequest,
        now: i64,
    ) -> Result<RemoveFollowersResponse, ApiError> {
        let record = &mut self.entry_mut(access, contact_id)?.record;
        let mut removed = Vec::new();
        record.followers.retain(|f| {
            let remove = request.followers.iter().any(|r| **r == **f);
            if remove {
                removed.push(f.to_string());
            }
            !remove
        });
        if !removed.is_empty() {
            record.date_updated = now;
        }
        let mut response = RemoveFollowersResponse::default();
        response.followers = record.followers.iter().map(|f| f.to_string()).collect();
        response.followers_removed = removed;
        self.bump();
        Ok(response)
    }

    /// `addContactToCampaign`: counts each add.
    pub fn add_contact_to_campaign(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        campaign_id: &str,
    ) -> Result<SucceededResponse, ApiError> {
        *self
            .entry_mut(access, contact_id)?
            .campaigns
            .entry(campaign_id.to_owned())
            .or_default() += 1;
        self.bump();
        Ok(succeeded())
    }

    /// `removeContactFromCampaign`.
    pub fn remove_contact_from_campaign(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        campaign_id: &str,
    ) -> Result<SucceededResponse, ApiError> {
        self.entry_mut(access, contact_id)?
            .campaigns
            .remove(campaign_id);
        self.bump();
        Ok(succeeded())
    }

    /// `removeContactFromEveryCampaign`.
    pub fn remove_contact_from_every_campaign(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
    ) -> Result<SucceededResponse, ApiError> {
        self.entry_mut(access, contact_id)?.campaigns.clear();
        self.bump();
        Ok(succeeded())
    }

    /// `addContactToWorkflow`: counts each add and keeps the last start time.
    pub fn add_contact_to_workflow(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        workflow_id: &str,
        request: &WorkflowRequest,
    ) -> Result<SucceededResponse, ApiError> {
        let enrolment = self
            .entry_mut(access, contact_id)?
            .workflows
            .entry(workflow_id.to_owned())
            .or_insert(Enrolment {
                event_start_time: None,
                times_added: 0,
            });
        enrolment.times_added += 1;
        enrolment.event_start_time = request
            .event_start_time
            .map(|t| format_millis(t.timestamp_millis()));
        self.bump();
        Ok(succeeded())
    }

    /// `deleteContactFromWorkflow`.
    pub fn delete_contact_from_workflow(
        &mut self,
        access: Access<'_>,
        contact_id: &str,
        workflow_id: &str,
        _request: &WorkflowRequest,
    ) -> Result<SucceededResponse, ApiError> {
        self.entry_mut(access, contact_id)?
            .workflows
            .remove(workflow_id);
        self.bump();
        Ok(succeeded())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DuplicateSettings;
    use leadconnector::types::CreateContactRequest;

    fn contact() -> (Store, String) {
        let mut store = Store::new(3);
        let loc = store.add_location(DuplicateSettings::default());
        let id = store
            .create_contact(Access::Any, &CreateContactRequest::new(&loc), 0)
            .unwrap()
            .0
            .contact
            .id;
        (store, id)
    }

    #[test]
    fn tasks_live_and_die_with_their_fields() {
        let (mut store, id) = contact();
        let due = "2026-12-01T09:00:00Z".parse().unwrap();
        let task = store
            .create_task(
                Access::Any,
                &id,
                &CreateTaskRequest::new("Call", due, false),
            )
            .unwrap()
            .task;
        assert_eq!(
            task.due_date.as_ref().unwrap().as_str(),
            "2026-12-01T09:00:00.000Z"
        );
        assert_eq!(task.contact_id.as_deref(), Some(id.as_str()));
        let done = store
            .update_task_completed(
                Access::Any,
                &id,
                &task.id,
                &UpdateTaskCompletedRequest::new(true),
            )
            .unwrap()
            .task;
        assert_eq!(done.completed, Some(true));
        let renamed = store
            .update_task(
                Access::Any,
                &id,
                &task.id,
                &UpdateTaskRequest::default().title("Call back"),
            )
            .unwrap()
            .task;
        assert_eq!(
            (renamed.title.as_deref(), renamed.completed),
            (Some("Call back"), Some(true))
        );
        assert_eq!(
            store.get_all_tasks(Access::Any, &id).unwrap().tasks,
            [renamed]
        );
        store.delete_task(Access::Any, &id, &task.id).unwrap();
        assert_eq!(
            store.get_task(Access::Any, &id, &task.id).unwrap_err(),
            ApiError::bad_request(messages::TASK_NOT_FOUND)
        );
    }

    #[test]
    fn notes_followers_campaigns_and_workflows() {
        let (mut store, id) = contact();
        let note = store
            .create_note(
                Access::Any,
                &id,
                &CreateNoteRequest::new("Prefers e-mail"),
                42,
            )
            .unwrap()
            .note;
        assert_eq!(
            note.date_added.as_ref().unwrap().as_str(),
            "1970-01-01T00:00:00.042Z"
        );
        let updated = store
            .update_note(
                Access::Any,
                &id,
                &note.id,
                &UpdateNoteRequest::default().pinned(true),
            )
            .unwrap()
            .note;
        assert_eq!(
            (updated.body.as_deref(), updated.pinned),
            (Some("Prefers e-mail"), Some(true))
        );
        assert_eq!(
            store.get_all_notes(Access::Any, &id).unwrap().notes.len(),
            1
        );
        store.delete_note(Access::Any, &id, &note.id).unwrap();
        assert!(store
            .get_all_notes(Access::Any, &id)
            .unwrap()
            .notes
            .is_empty());

        let added = store
            .add_followers(
                Access::Any,
                &id,
                &FollowersRequest::new(["u1", "u2", "u1"]),
                1,
            )
            .unwrap();
        assert_eq!(added.followers_added, ["u1", "u2"]);
        let again = store
            .add_followers(Access::Any, &id, &FollowersRequest::new(["u2", "u3"]), 2)
            .unwrap();
        assert_eq!(
            (again.followers.len(), again.followers_added),
            (3, vec!["u3".to_owned()])
        );
        let removed = store
            .remove_followers(
                Access::Any,
                &id,
                &FollowersRequest::new(["u1", "nobody"]),
                3,
            )
            .unwrap();
        assert_eq!(
            (removed.followers, removed.followers_removed),
            (vec!["u2".into(), "u3".into()], vec!["u1".into()])
        );

        store
            .add_contact_to_campaign(Access::Any, &id, "camp1")
            .unwrap();
        store
            .add_contact_to_campaign(Access::Any, &id, "camp1")
            .unwrap();
        store
            .add_contact_to_campaign(Access::Any, &id, "camp2")
            .unwrap();
        assert_eq!(store.entry(Access::Any, &id).unwrap().campaigns["camp1"], 2);
        store
            .remove_contact_from_campaign(Access::Any, &id, "camp2")
            .unwrap();
        assert_eq!(store.entry(Access::Any, &id).unwrap().campaigns.len(), 1);
        store
            .remove_contact_from_every_campaign(Access::Any, &id)
            .unwrap();
        assert!(store.entry(Access::Any, &id).unwrap().campaigns.is_empty());

        let start = WorkflowRequest::default().event_start_time(
            "2021-06-23T02:30:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
        );
        store
            .add_contact_to_workflow(Access::Any, &id, "wf", &start)
            .unwrap();
        assert_eq!(
            store.entry(Access::Any, &id).unwrap().workflows["wf"]
                .event_start_time
                .as_deref(),
            Some("2021-06-23T02:30:00.000Z")
        );
        store
            .delete_contact_from_workflow(Access::Any, &id, "wf", &start)
            .unwrap();
        assert!(store.entry(Access::Any, &id).unwrap().workflows.is_empty());
    }
}
