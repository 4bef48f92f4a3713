//! Seed data: what a mock starts with, from Rust or from a JSON file
//! (`--seed-file`). The same shape is what [`Store::snapshot`] writes, so a
//! snapshot can seed another mock.
//!
//! ```json
//! {
//!   "locations": [{
//!     "id": "ve9EPM428h8vShlRW1KT",
//!     "allowDuplicates": false,
//!     "matchOrder": ["email", "phone"],
//!     "contacts": [{
//!       "contact": {"id": "ocQHyuzHvysMo5N5VsXc", "firstName": "Rosan", "email": "rosan@deos.com", "tags": ["vip"]},
//!       "tasks": [{"id": "lJpzYrWdpkC2hX6t2yue", "title": "Call", "completed": false}],
//!       "notes": [],
//!       "appointments": []
//!     }]
//!   }],
//!   "tokens": [{"token": "pit-test", "locationId": "ve9EPM428h8vShlRW1KT"}],
//!   "oauthApps": [{"clientId": "app-1", "clientSecret": "secret-1"}]
//! }
//! ```
//!
//! Contacts, tasks, notes and appointments have the API's own shapes (the
//! client's `types::Contact`, `Task`, `Note`, `Appointment`). A contact
//! without `dateAdded` is stamped with the mock's clock.

use std::collections::BTreeMap;

use leadconnector::types::{Appointment, Contact, Note, Task};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{Access, DuplicateSettings, Enrolment, Store};

/// A whole seed file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedFile {
    /// Locations and their contacts.
    #[serde(default)]
    pub locations: Vec<SeedLocation>,
    /// Private integration tokens, each for one Location.
    #[serde(default)]
    pub tokens: Vec<SeedToken>,
    /// OAuth apps that may use the token endpoint.
    #[serde(default)]
    pub oauth_apps: Vec<SeedApp>,
}

/// A Location.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedLocation {
    pub id: String,
    #[serde(flatten)]
    pub settings: DuplicateSettings,
    #[serde(default)]
    pub contacts: Vec<SeedContact>,
}

/// A contact and what hangs off it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedContact {
    pub contact: Contact,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appointments: Vec<Appointment>,
    /// Campaign id → times added.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub campaigns: BTreeMap<String, u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workflows: BTreeMap<String, Enrolment>,
}

impl SeedContact {
    /// A contact with nothing hanging off it.
    pub fn new(contact: Contact) -> Self {
        Self {
            contact,
            tasks: Vec::new(),
            notes: Vec::new(),
            appointments: Vec::new(),
            campaigns: BTreeMap::new(),
            workflows: BTreeMap::new(),
        }
    }
}

/// A private integration token (or any fixed token) for one Location.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedToken {
    pub token: String,
    pub location_id: String,
    /// Scopes; all of the contacts scopes when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

/// An OAuth app.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedApp {
    pub client_id: String,
    pub client_secret: String,
}

impl SeedFile {
    /// Reads a seed file's JSON, saying where it is wrong.
    pub fn from_json(text: &str) -> Result<SeedFile, String> {
        serde_json::from_str(text).map_err(|e| format!("seed file: {e}"))
    }
}

/// Puts a seed's Locations and contacts into `store`.
pub fn apply(store: &mut Store, seed: &SeedFile, now: i64) -> Result<(), String> {
    for location in &seed.locations {
        store.insert_location(&location.id, location.settings.clone());
        for c in &location.contacts {
            store.seed_contact(&location.id, &c.contact, now)?;
            let entry = store
                .entry_for_seed(&c.contact.id)
                .ok_or_else(|| format!("contact {} was not stored", c.contact.id))?;
            entry.tasks.clone_from(&c.tasks);
            for task in &mut entry.tasks {
                task.contact_id.get_or_insert_with(|| c.contact.id.clone());
            }
            entry.notes.clone_from(&c.notes);
            for note in &mut entry.notes {
                note.contact_id.get_or_insert_with(|| c.contact.id.clone());
            }
            entry.appointments.clone_from(&c.appointments);
            entry.campaigns.clone_from(&c.campaigns);
            entry.workflows.clone_from(&c.workflows);
        }
    }
    store.repack();
    Ok(())
}

/// What `store` holds, in the seed file's shape and a fixed order.
pub fn export(store: &Store) -> SeedFile {
    let locations = store
        .locations()
        .map(|l| SeedLocation {
            id: l.id.clone(),
            settings: l.settings.clone(),
            contacts: l
                .contacts
                .by_id()
                .into_iter()
                .map(|e| SeedContact {
                    contact: e.record.to_contact(),
                    tasks: e.tasks.clone(),
                    notes: e.notes.clone(),
                    appointments: e.appointments.clone(),
                    campaigns: e.campaigns.clone(),
                    workflows: e.workflows.clone(),
                })
                .collect(),
        })
        .collect();
    SeedFile {
        locations,
        tokens: Vec::new(),
        oauth_apps: Vec::new(),
    }
}

/// [`export`] as JSON.
pub fn snapshot(store: &Store) -> Value {
    serde_json::to_value(export(store)).unwrap_or(Value::Null)
}

impl Store {
    pub(crate) fn entry_for_seed(&mut self, id: &str) -> Option<&mut crate::store::Entry> {
        self.entry_mut(Access::Any, id).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_seeds_an_equal_store() {
        let text = r#"{
          "locations": [{
            "id": "ve9EPM428h8vShlRW1KT",
            "allowDuplicates": true,
            "contacts": [{
              "contact": {"id": "ocQHyuzHvysMo5N5VsXc", "firstName": "Rosan", "email": "rosan@deos.com",
                          "tags": ["vip"], "dateAdded": "2021-07-02T05:18:26.704Z",
                          "customFields": [{"id": "f1", "value": 100.5}], "somethingNew": {"a": 1}},
              "tasks": [{"id": "lJpzYrWdpkC2hX6t2yue", "title": "Call", "completed": false}],
              "campaigns": {"c1": 1}
            }]
          }],
          "tokens": [{"token": "pit-test", "locationId": "ve9EPM428h8vShlRW1KT"}]
        }"#;
        let seed = SeedFile::from_json(text).unwrap();
        let mut store = Store::new(1);
        apply(&mut store, &seed, 0).unwrap();
        let contact = store
            .get_contact(Access::Any, "ocQHyuzHvysMo5N5VsXc")
            .unwrap()
            .contact;
        assert_eq!(
            contact.date_added.unwrap().as_str(),
            "2021-07-02T05:18:26.704Z"
        );
        assert_eq!(contact.extra["somethingNew"], serde_json::json!({"a": 1}));
        let tasks = store
            .get_all_tasks(Access::Any, "ocQHyuzHvysMo5N5VsXc")
            .unwrap()
            .tasks;
        assert_eq!(tasks[0].contact_id.as_deref(), Some("ocQHyuzHvysMo5N5VsXc"));
        let first = snapshot(&store);
        let mut again = Store::new(2);
        apply(&mut again, &export(&store), 0).unwrap();
        assert_eq!(snapshot(&again), first);
        assert!(SeedFile::from_json(r#"{"locations": [{"contacts": 3}]}"#).is_err());
    }
}
