//! A random workload of the 32 operations, built with the client's own
//! request types and sent with the client, from a seeded generator: the
//! same seed sends the same requests (given the same answers).

use leadconnector::types::{self, SearchFilter, SearchFilterGroup, SearchFilterItem, SearchSort};
use leadconnector::{
    BirthDate, Client, GetContactsByBusinessIdParams, GetContactsParams, GetDuplicateContactParams,
};
use leadconnector_mock::ids::Rng;
use serde_json::{json, Value};

const FIRST: &[&str] = &["Rosan", "Alex", "Peter", "María", "Zoë", "Li", "Sam", "Kim"];
const LAST: &[&str] = &["Deo", "Peter", "Alpha", "Beta", "O'Neil", "Smith"];
const TAGS: &[&str] = &[
    "vip",
    "newsletter",
    "lead",
    "customer",
    "churned",
    "VIP",
    "beta tester",
    "x",
];
const CITIES: &[&str] = &["Dolomite", "Berlin", "Pune", "São Paulo"];
const BUSINESSES: &[&str] = &["641c094001436dbc2081e642", "63b7ec34ea409a9a8bd2a4ff"];
const USERS: &[&str] = &[
    "sx6wyHhbFdRXh302Lunr",
    "y0BeYjuRIlDwsDcOHOJo",
    "hxHGVRb1YJUscrCB8eXK",
];
const CAMPAIGNS: &[&str] = &["Y2I9XM7aO1hncuSOlc9L", "camp2"];
const WORKFLOWS: &[&str] = &["sx6wyHhbFdRXh302LLNR", "wf2"];
const UNKNOWN_ID: &str = "AAAAAAAAAAAAAAAAAAAA";

/// What the workload has learnt of the mock's state from its answers.
pub struct Workload {
    pub rng: Rng,
    pub location: String,
    pub contacts: Vec<String>,
    pub tasks: Vec<(String, String)>,
    pub notes: Vec<(String, String)>,
    cursor: Option<Vec<Value>>,
    /// Only writes (for the concurrency test).
    writes_only: bool,
}

impl Workload {
    pub fn new(seed: u64, location: &str, contacts: Vec<String>) -> Self {
        Self {
            rng: Rng::new(seed),
            location: location.to_owned(),
            contacts,
            tasks: Vec::new(),
            notes: Vec::new(),
            cursor: None,
            writes_only: false,
        }
    }

    /// A workload of writes only.
    pub fn writes(mut self) -> Self {
        self.writes_only = true;
        self
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.rng.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.below(100) < percent
    }

    /// A known contact, now and then one that does not exist.
    fn contact(&mut self) -> String {
        if self.contacts.is_empty() || self.chance(3) {
            return UNKNOWN_ID.to_owned();
        }
        self.contacts[self.rng.below(self.contacts.len() as u64) as usize].clone()
    }

    fn email(&mut self) -> String {
        // A small pool, so duplicates happen.
        format!("user{}@example.com", self.rng.below(60))
    }

    fn phone(&mut self) -> String {
        format!(
            "+1 555-01{:02}-{:04}",
            self.rng.below(100),
            self.rng.below(40)
        )
    }

    fn tags(&mut self) -> Vec<String> {
        (0..self.rng.below(4))
            .map(|_| self.pick(TAGS).to_owned())
            .collect()
    }

    fn custom_fields(&mut self) -> Vec<types::CustomFieldInput> {
        let mut fields = Vec::new();
        if self.chance(50) {
            let score = serde_json::Number::from(self.rng.below(100));
            fields.push(
                types::CustomFieldInput::new("score")
                    .field_value(types::CustomFieldValue::Number(score)),
            );
        }
        if self.chance(30) {
            let pet = self.pick(&["cat", "dog", "fish"]).to_owned();
            fields.push(
                types::CustomFieldInput::new("pet")
                    .key("pet")
                    .field_value(types::CustomFieldValue::Text(pet)),
            );
        }
        if self.chance(20) {
            let options = vec![self.pick(TAGS).to_owned()];
            fields.push(
                types::CustomFieldInput::new("opts")
                    .field_value(types::CustomFieldValue::Options(options)),
            );
        }
        fields
    }

    fn dnd(&mut self) -> types::DndSettings {
        let status = self.pick(&["active", "inactive", "permanent"]);
        let mut setting = types::DndSetting::new(status);
        if self.chance(50) {
            setting = setting.message("by request");
        }
        if self.chance(50) {
            types::DndSettings::default().sms(setting)
        } else {
            types::DndSettings::default().email(setting)
        }
    }

    fn birth_date(&mut self) -> BirthDate {
        BirthDate::from_ymd(
            1950 + self.rng.below(50) as i32,
            1 + self.rng.below(12) as u32,
            1 + self.rng.below(28) as u32,
        )
        .expect("a real date")
    }

    fn create_request(&mut self) -> types::CreateContactRequest {
        let mut r = types::CreateContactRequest::new(&self.location).first_name(self.pick(FIRST));
        if self.chance(70) {
            r = r.last_name(self.pick(LAST));
        }
        if self.chance(80) {
            r = r.email(self.email());
        }
        if self.chance(50) {
            r = r.phone(self.phone());
        }
        if self.chance(40) {
            r = r.city(self.pick(CITIES));
        }
        if self.chance(30) {
            r = r.dnd(self.chance(50));
        }
        if self.chance(20) {
            r = r.dnd_settings(self.dnd());
        }
        if self.chance(60) {
            r = r.tags(self.tags());
        }
        if self.chance(40) {
            r = r.custom_fields(self.custom_fields());
        }
        if self.chance(20) {
            r = r.date_of_birth(self.birth_date());
        }
        if self.chance(20) {
            r = r
                .company_name("DGS VolMAX")
                .source("public api")
                .country("US");
        }
        r
    }

    fn update_request(&mut self) -> types::UpdateContactRequest {
        let mut r = types::UpdateContactRequest::default();
        match self.rng.below(10) {
            0 => r = r.clear_phone(),
            1 => r = r.clear_email(),
            2 => r = r.email(self.email()),
            3 => r = r.tags(self.tags()),
            4 => r = r.dnd_settings(self.dnd()).dnd(self.chance(50)),
            5 => r = r.custom_fields(self.custom_fields()),
            6 => r = r.clear_city().clear_date_of_birth(),
            7 => r = r.date_of_birth(self.birth_date()).postal_code("35061"),
            8 => r = r.first_name(self.pick(FIRST)).clear_last_name(),
            _ => r = r.phone(self.phone()).city(self.pick(CITIES)),
        }
        r
    }

    fn filter(&mut self, depth: u32) -> SearchFilterItem {
        if depth < 2 && self.chance(25) {
            let group = if self.chance(50) { "AND" } else { "OR" };
            let filters: Vec<SearchFilterItem> = (0..1 + self.rng.below(3))
                .map(|_| self.filter(depth + 1))
                .collect();
            return SearchFilterGroup::new(group, filters).into();
        }
        let f = match self.rng.below(9) {
            0 => {
                SearchFilter::new("firstNameLowerCase", "eq").value(self.pick(FIRST).to_lowercase())
            }
            1 => SearchFilter::new("tags", "eq").value(self.pick(TAGS)),
            2 => SearchFilter::new("dnd", "eq").value(self.chance(50)),
            3 => SearchFilter::new("email", "contains").value("user1"),
            4 => SearchFilter::new("phone", "exists"),
            5 => SearchFilter::new("city", "not_exists"),
            6 => SearchFilter::new("lastName", "not_eq").value(self.pick(LAST)),
            7 => SearchFilter::new("dateAdded", "range")
                .value(json!({"gte": "2024-01-01T00:00:00Z", "lte": 1_900_000_000_000_i64})),
            _ => SearchFilter::new("customFields.score", "range")
                .value(json!({"gt": self.rng.below(100)})),
        };
        f.into()
    }

    fn search_request(&mut self) -> types::SearchContactsRequest {
        let limit = [1, 5, 20, 100][self.rng.below(4) as usize];
        let mut r = types::SearchContactsRequest::new(&self.location, limit);
        if self.chance(50) {
            r = r.filters(
                (0..1 + self.rng.below(2))
                    .map(|_| self.filter(0))
                    .collect::<Vec<_>>(),
            );
        }
        if self.chance(20) {
            r = r.query(self.pick(FIRST).to_lowercase());
        }
        if self.chance(30) {
            let direction = if self.chance(50) { "asc" } else { "desc" };
            let field = self.pick(&["lastName", "firstName", "dateAdded", "email"]);
            r = r.sort([SearchSort::new(field, direction)]);
            self.cursor = None;
        }
        match (self.cursor.take(), self.rng.below(3)) {
            (Some(cursor), 0) if r.sort.is_none() => r = r.search_after(cursor),
            (_, 1) => r = r.page(1 + self.rng.below(3) as i32),
            _ => {}
        }
        if self.chance(2) {
            // Over the documented limit: the mock refuses it with 422.
            r.page_limit = 501;
        }
        r
    }

    /// Sends one random operation; returns its `operationId`.
    pub async fn step(&mut self, client: &Client) -> &'static str {
        let op = if self.writes_only {
            [
                1, 2, 5, 6, 7, 8, 11, 13, 14, 15, 18, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30, 31,
            ][self.rng.below(22) as usize]
        } else {
            // Creates twice as often as the rest, so deletes do not empty
            // the Location.
            match self.rng.below(33) {
                32 => 1,
                op => op,
            }
        };
        match op {
            0 => {
                let mut params = GetContactsParams::default().limit(1 + self.rng.below(30) as i32);
                if self.chance(30) {
                    params = params.query(self.pick(FIRST));
                }
                #[allow(deprecated, reason = "the deprecated listing is part of the workload")]
                let _ = client.get_contacts(&self.location, &params).await;
                "getContacts"
            }
            1 => {
                let request = self.create_request();
                if let Ok(r) = client.create_contact(&request).await {
                    self.contacts.push(r.contact.id.clone());
                }
                "createContact"
            }
            2 => {
                let mut r = types::UpsertContactRequest::new(&self.location).email(self.email());
                if self.chance(50) {
                    r = r.phone(self.phone());
                }
                if self.chance(50) {
                    r = r.first_name(self.pick(FIRST)).tags(self.tags());
                }
                if self.chance(20) {
                    r = r.create_new_if_duplicate_allowed(true);
                }
                if let Ok(r) = client.upsert_contact(&r).await {
                    if r.new == Some(true) {
                        self.contacts.push(r.contact.id.clone());
                    }
                }
                "upsertContact"
            }
            3 => {
                let request = self.search_request();
                if let Ok(r) = client.search_contacts(&request).await {
                    if request.sort.is_none() {
                        self.cursor = r.contacts.last().map(|c| c.search_after.clone());
                    }
                }
                "searchContacts"
            }
            4 => {
                let _ = client.get_contact(&self.contact()).await;
                "getContact"
            }
            5 => {
                let (id, update) = (self.contact(), self.update_request());
                let _ = client.update_contact(&id, &update).await;
                "updateContact"
            }
            6 => {
                let id = self.contact();
                if client.delete_contact(&id).await.is_ok() {
                    self.contacts.retain(|c| *c != id);
                }
                "deleteContact"
            }
            7 => {
                let (id, tags) = (self.contact(), self.tags());
                let _ = client.add_tags(&id, &types::TagsRequest::new(tags)).await;
                "addTags"
            }
            8 => {
                let (id, tags) = (self.contact(), self.tags());
                let _ = client
                    .remove_tags(&id, &types::TagsRequest::new(tags))
                    .await;
                "removeTags"
            }
            9 => {
                let params = if self.chance(50) {
                    GetDuplicateContactParams::default().email(self.email())
                } else {
                    GetDuplicateContactParams::default().number(self.phone())
                };
                let _ = client.get_duplicate_contact(&self.location, &params).await;
                "getDuplicateContact"
            }
            10 => {
                let _ = client.get_all_tasks(&self.contact()).await;
                "getAllTasks"
            }
            11 => {
                let id = self.contact();
                let due = chrono::DateTime::from_timestamp(
                    1_700_000_000 + self.rng.below(10_000_000) as i64,
                    0,
                )
                .unwrap();
                let mut task = types::CreateTaskRequest::new(
                    format!("Call {}", self.pick(FIRST)),
                    due,
                    self.chance(30),
                );
                if self.chance(50) {
                    task = task.body("about the offer").assigned_to(self.pick(USERS));
                }
                if let Ok(r) = client.create_task(&id, &task).await {
                    self.tasks.push((id, r.task.id.clone()));
                }
                "createTask"
            }
            12 => {
                let (c, t) = self.task();
                let _ = client.get_task(&c, &t).await;
                "getTask"
            }
            13 => {
                let (c, t) = self.task();
                let update = types::UpdateTaskRequest::default()
                    .title("Call back")
                    .completed(self.chance(50));
                let _ = client.update_task(&c, &t, &update).await;
                "updateTask"
            }
            14 => {
                let (c, t) = self.task();
                if client.delete_task(&c, &t).await.is_ok() {
                    self.tasks.retain(|(_, task)| *task != t);
                }
                "deleteTask"
            }
            15 => {
                let (c, t) = self.task();
                let done = types::UpdateTaskCompletedRequest::new(self.chance(50));
                let _ = client.update_task_completed(&c, &t, &done).await;
                "updateTaskCompleted"
            }
            16 => {
                let _ = client.get_appointments_for_contact(&self.contact()).await;
                "getAppointmentsForContact"
            }
            17 => {
                let _ = client.get_all_notes(&self.contact()).await;
                "getAllNotes"
            }
            18 => {
                let id = self.contact();
                let mut note = types::CreateNoteRequest::new("Prefers e-mail");
                if self.chance(50) {
                    note = note
                        .title("Follow-up")
                        .color("#FFAA00")
                        .pinned(self.chance(50))
                        .user_id(self.pick(USERS));
                }
                if let Ok(r) = client.create_note(&id, &note).await {
                    self.notes.push((id, r.note.id.clone()));
                }
                "createNote"
            }
            19 => {
                let (c, n) = self.note();
                let _ = client.get_note(&c, &n).await;
                "getNote"
            }
            20 => {
                let (c, n) = self.note();
                let _ = client
                    .update_note(
                        &c,
                        &n,
                        &types::UpdateNoteRequest::default().body("Call after 5"),
                    )
                    .await;
                "updateNote"
            }
            21 => {
                let (c, n) = self.note();
                if client.delete_note(&c, &n).await.is_ok() {
                    self.notes.retain(|(_, note)| *note != n);
                }
                "deleteNote"
            }
            22 => {
                let ids: Vec<String> = (0..1 + self.rng.below(4)).map(|_| self.contact()).collect();
                let action = if self.chance(60) {
                    types::BulkTagsAction::Add
                } else {
                    types::BulkTagsAction::Remove
                };
                let mut request =
                    types::BulkUpdateTagsRequest::new(ids, self.tags(), &self.location);
                if action == types::BulkTagsAction::Remove && self.chance(20) {
                    request = request.remove_all_tags(true);
                }
                let _ = client.bulk_update_tags(&action, &request).await;
                "bulkUpdateTags"
            }
            23 => {
                let ids: Vec<String> = (0..1 + self.rng.below(3)).map(|_| self.contact()).collect();
                let business = if self.chance(20) {
                    None
                } else {
                    Some(self.pick(BUSINESSES).to_owned())
                };
                let _ = client
                    .add_remove_contacts_from_business(&types::ContactsBusinessRequest::new(
                        &self.location,
                        ids,
                        business,
                    ))
                    .await;
                "addRemoveContactsFromBusiness"
            }
            24 => {
                let params = GetContactsByBusinessIdParams::default()
                    .limit(1 + self.rng.below(10) as i32)
                    .skip(self.rng.below(3) as i32);
                let business = self.pick(BUSINESSES);
                let _ = client
                    .get_contacts_by_business_id(business, &self.location, &params)
                    .await;
                "getContactsByBusinessId"
            }
            25 => {
                let (id, user) = (self.contact(), self.pick(USERS));
                let _ = client
                    .add_followers(&id, &types::FollowersRequest::new([user]))
                    .await;
                "addFollowers"
            }
            26 => {
                let (id, user) = (self.contact(), self.pick(USERS));
                let _ = client
                    .remove_followers(&id, &types::FollowersRequest::new([user]))
                    .await;
                "removeFollowers"
            }
            27 => {
                let _ = client
                    .remove_contact_from_every_campaign(&self.contact())
                    .await;
                "removeContactFromEveryCampaign"
            }
            28 => {
                let (id, campaign) = (self.contact(), self.pick(CAMPAIGNS));
                let _ = client.add_contact_to_campaign(&id, campaign).await;
                "addContactToCampaign"
            }
            29 => {
                let (id, campaign) = (self.contact(), self.pick(CAMPAIGNS));
                let _ = client.remove_contact_from_campaign(&id, campaign).await;
                "removeContactFromCampaign"
            }
            30 => {
                let (id, workflow) = (self.contact(), self.pick(WORKFLOWS));
                let start = "2021-06-23T02:30:00Z"
                    .parse::<chrono::DateTime<chrono::Utc>>()
                    .unwrap();
                let _ = client
                    .add_contact_to_workflow(
                        &id,
                        workflow,
                        &types::WorkflowRequest::default().event_start_time(start),
                    )
                    .await;
                "addContactToWorkflow"
            }
            _ => {
                let (id, workflow) = (self.contact(), self.pick(WORKFLOWS));
                let _ = client
                    .delete_contact_from_workflow(&id, workflow, &types::WorkflowRequest::default())
                    .await;
                "deleteContactFromWorkflow"
            }
        }
    }

    fn task(&mut self) -> (String, String) {
        if self.tasks.is_empty() || self.chance(5) {
            return (self.contact(), UNKNOWN_ID.to_owned());
        }
        self.tasks[self.rng.below(self.tasks.len() as u64) as usize].clone()
    }

    fn note(&mut self) -> (String, String) {
        if self.notes.is_empty() || self.chance(5) {
            return (self.contact(), UNKNOWN_ID.to_owned());
        }
        self.notes[self.rng.below(self.notes.len() as u64) as usize].clone()
    }
}
