//! The mock's state: Locations and their settings, contacts with their
//! tasks, notes, appointments, campaigns and workflows, and every write the
//! 32 operations make to them.
//!
//! Each method is one operation as the vendor documents it, taking the
//! client's own request types and returning its response types, or an
//! [`ApiError`]. The store draws ids from its seeded generator only when a
//! write succeeds, so the same seed and the same successful writes in the
//! same order give the same state.

mod bulk;
mod children;
mod contacts;
pub mod listing;
pub mod packed;
pub mod record;

use std::collections::{BTreeMap, HashMap};

use leadconnector::types::{Appointment, Contact, Note, Task};
use serde::{Deserialize, Serialize};

use crate::choices::messages;
use crate::error::ApiError;
use crate::ids::Rng;
pub use record::{Record, Text};

/// Which contact field finds a duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MatchField {
    /// The e-mail address, case-insensitively.
    Email,
    /// The phone number, normalised.
    Phone,
}

/// A Location's "Allow Duplicate Contact" setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateSettings {
    /// Whether two contacts may share an e-mail address or phone number
    /// (default `false`).
    #[serde(default)]
    pub allow_duplicates: bool,
    /// The fields that find a duplicate, first match wins (default e-mail,
    /// then phone).
    #[serde(default = "default_match_order")]
    pub match_order: Vec<MatchField>,
}

fn default_match_order() -> Vec<MatchField> {
    vec![MatchField::Email, MatchField::Phone]
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        Self {
            allow_duplicates: false,
            match_order: default_match_order(),
        }
    }
}

/// A contact and what hangs off it.
///
/// What hangs off it is boxed, and left out while empty: a search scans
/// every entry of a Location, and the smaller an entry the fewer cache
/// lines the scan reads. `entry.tasks` and the rest read through
/// [`Deref`](std::ops::Deref) (an empty set when there is none) and are
/// boxed on the first change.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub record: Record,
    children: Option<Box<Children>>,
}

/// Tasks, notes, appointments, campaigns and workflows of a contact.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Children {
    pub tasks: Vec<Task>,
    pub notes: Vec<Note>,
    pub appointments: Vec<Appointment>,
    /// Campaign id → how many times the contact was added.
    pub campaigns: BTreeMap<String, u32>,
    /// Workflow id → its enrolment.
    pub workflows: BTreeMap<String, Enrolment>,
}

static NO_CHILDREN: Children = Children {
    tasks: Vec::new(),
    notes: Vec::new(),
    appointments: Vec::new(),
    campaigns: BTreeMap::new(),
    workflows: BTreeMap::new(),
};

impl Entry {
    fn new(record: Record) -> Self {
        Self {
            record,
            children: None,
        }
    }
}

impl std::ops::Deref for Entry {
    type Target = Children;

    fn deref(&self) -> &Children {
        self.children.as_deref().unwrap_or(&NO_CHILDREN)
    }
}

impl std::ops::DerefMut for Entry {
    fn deref_mut(&mut self) -> &mut Children {
        self.children.get_or_insert_with(Box::default)
    }
}

/// A contact's place in a workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrolment {
    /// `eventStartTime` of the last add, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_start_time: Option<String>,
    /// How many times the contact was added.
    pub times_added: u32,
}

/// One Location (sub-account).
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub id: String,
    pub settings: DuplicateSettings,
    pub contacts: Contacts,
}

/// A Location's contacts, kept in one vector in the order they were added
/// (a deleted one's place goes to the last), with an index by id.
///
/// A search reads every contact: walking a vector reads memory in order,
/// and the contacts' text, allocated as they were added, lies in that same
/// order, so the processor's prefetching keeps up. Nothing the API returns
/// depends on this order: searches and listings sort, and snapshots go by
/// id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contacts {
    entries: Vec<Entry>,
    slots: HashMap<Box<str>, usize>,
    /// Contacts added or handed out to change since the texts were last
    /// repacked.
    changes: usize,
}

impl Contacts {
    /// The contact `id`.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.slots.get(id).map(|&i| &self.entries[i])
    }

    /// The contact `id`, to change.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Entry> {
        self.changes += 1;
        self.slots.get(id).map(|&i| &mut self.entries[i])
    }

    /// Repacks the contacts' texts in storage order (see
    /// [`packed::repack`]) once an eighth of them may have changed since
    /// the last time (at least 4,096): a copy of every text each time, so
    /// about eight texts' worth of copying per change.
    pub fn maybe_repack(&mut self) {
        if self.changes >= (self.entries.len() / 8).max(4096) {
            self.repack();
        }
    }

    /// Repacks the contacts' texts in storage order now.
    pub fn repack(&mut self) {
        packed::repack(self.entries.iter_mut().map(|e| e.record.packed_mut()));
        self.changes = 0;
    }

    /// Adds a contact, or replaces the one with its id.
    pub fn insert(&mut self, id: Box<str>, entry: Entry) {
        match self.slots.get(&id) {
            Some(&i) => self.entries[i] = entry,
            None => {
                self.slots.insert(id, self.entries.len());
                self.entries.push(entry);
            }
        }
        self.changes += 1;
        self.maybe_repack();
    }

    /// Removes the contact `id`.
    pub fn remove(&mut self, id: &str) -> Option<Entry> {
        let i = self.slots.remove(id)?;
        let entry = self.entries.swap_remove(i);
        if let Some(moved) = self.entries.get(i) {
            if let Some(slot) = self.slots.get_mut(&*moved.record.id) {
                *slot = i;
            }
        }
        Some(entry)
    }

    /// Every contact, in storage order.
    pub fn values(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Every contact, in storage order, each contact's text loaded a few
    /// contacts ahead of its turn (for scans that read text).
    pub fn scan(&self) -> impl Iterator<Item = &Entry> {
        const AHEAD: usize = 8;
        self.entries.iter().enumerate().map(|(i, entry)| {
            if let Some(next) = self.entries.get(i + AHEAD) {
                std::hint::black_box(next.record.touch());
            }
            entry
        })
    }

    /// Every contact, by id.
    pub fn by_id(&self) -> Vec<&Entry> {
        let mut all: Vec<&Entry> = self.entries.iter().collect();
        all.sort_unstable_by(|a, b| a.record.id.cmp(&b.record.id));
        all
    }

    /// How many contacts.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The webhook event a change makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `ContactCreate`
    Create,
    /// `ContactUpdate`
    Update,
    /// `ContactDelete`
    Delete,
    /// `ContactDndUpdate`
    DndUpdate,
    /// `ContactTagUpdate`
    TagUpdate,
}

impl EventKind {
    /// The event's `type`.
    pub fn type_name(self) -> &'static str {
        match self {
            EventKind::Create => "ContactCreate",
            EventKind::Update => "ContactUpdate",
            EventKind::Delete => "ContactDelete",
            EventKind::DndUpdate => "ContactDndUpdate",
            EventKind::TagUpdate => "ContactTagUpdate",
        }
    }
}

/// A change to announce by webhook: the event and the contact after it
/// (before it, for a delete).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub contact: Contact,
}

/// Which Locations a caller may touch: its token's, or any (the Rust API).
#[derive(Clone, Copy, Debug)]
pub enum Access<'a> {
    /// Only this Location.
    Location(&'a str),
    /// Every Location.
    Any,
}

impl Access<'_> {
    /// Refuses a Location the caller has no access to.
    pub fn check(&self, location_id: &str) -> Result<(), ApiError> {
        match self {
            Access::Location(own) if *own != location_id => {
                Err(ApiError::unauthorized(messages::NO_LOCATION_ACCESS))
            }
            _ => Ok(()),
        }
    }
}

/// Everything the mock holds.
#[derive(Clone, Debug)]
pub struct Store {
    rng: Rng,
    locations: BTreeMap<String, Location>,
    /// Contact id → its Location.
    index: HashMap<Box<str>, Box<str>>,
    /// Deleted contact ids → their Location (bulk answers tell them apart).
    deleted: HashMap<Box<str>, Box<str>>,
    /// Successful writes so far.
    revision: u64,
}

impl Store {
    /// An empty store whose ids follow from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed),
            locations: BTreeMap::new(),
            index: HashMap::new(),
            deleted: HashMap::new(),
            revision: 0,
        }
    }

    /// The number of successful writes so far: a write's revision orders it
    /// among the others.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn bump(&mut self) -> u64 {
        self.revision += 1;
        for location in self.locations.values_mut() {
            location.contacts.maybe_repack();
        }
        self.revision
    }

    /// A new id from the seeded generator.
    pub fn new_id(&mut self) -> String {
        self.rng.id()
    }

    /// A new Location with a generated id.
    pub fn add_location(&mut self, settings: DuplicateSettings) -> String {
        let id = self.rng.id();
        self.insert_location(&id, settings);
        id
    }

    /// Adds a Location with this id, or changes its settings.
    pub fn insert_location(&mut self, id: &str, settings: DuplicateSettings) {
        self.locations
            .entry(id.to_owned())
            .and_modify(|l| l.settings = settings.clone())
            .or_insert_with(|| Location {
                id: id.to_owned(),
                settings,
                contacts: Contacts::default(),
            });
    }

    /// A Location.
    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.get(id)
    }

    /// Every Location, by id.
    pub fn locations(&self) -> impl Iterator<Item = &Location> {
        self.locations.values()
    }

    fn location_mut(&mut self, id: &str) -> Result<&mut Location, ApiError> {
        self.locations
            .get_mut(id)
            .ok_or_else(|| ApiError::bad_request(messages::LOCATION_NOT_FOUND))
    }

    pub(crate) fn existing_location(
        &self,
        access: Access<'_>,
        id: &str,
    ) -> Result<&Location, ApiError> {
        access.check(id)?;
        self.locations
            .get(id)
            .ok_or_else(|| ApiError::bad_request(messages::LOCATION_NOT_FOUND))
    }

    /// The contact `id`, if the caller may see it.
    pub fn entry(&self, access: Access<'_>, id: &str) -> Result<&Entry, ApiError> {
        let location = self
            .index
            .get(id)
            .ok_or_else(|| ApiError::bad_request(messages::CONTACT_NOT_FOUND))?;
        access.check(location)?;
        self.locations
            .get(&**location)
            .and_then(|l| l.contacts.get(id))
            .ok_or_else(|| ApiError::bad_request(messages::CONTACT_NOT_FOUND))
    }

    pub(crate) fn entry_mut(
        &mut self,
        access: Access<'_>,
        id: &str,
    ) -> Result<&mut Entry, ApiError> {
        let location = self
            .index
            .get(id)
            .ok_or_else(|| ApiError::bad_request(messages::CONTACT_NOT_FOUND))?;
        access.check(location)?;
        self.locations
            .get_mut(&**location)
            .and_then(|l| l.contacts.get_mut(id))
            .ok_or_else(|| ApiError::bad_request(messages::CONTACT_NOT_FOUND))
    }

    /// Stores a contact as given (seed data); replaces one with the same id.
    pub fn seed_contact(
        &mut self,
        location_id: &str,
        contact: &Contact,
        now: i64,
    ) -> Result<(), String> {
        if contact.id.is_empty() {
            return Err("a seeded contact needs an id".to_owned());
        }
        if !self.locations.contains_key(location_id) {
            self.insert_location(location_id, DuplicateSettings::default());
        }
        if let Some(old) = self.index.get(contact.id.as_str()).cloned() {
            if let Some(l) = self.locations.get_mut(&*old) {
                l.contacts.remove(contact.id.as_str());
            }
        }
        let record = Record::from_contact(contact, location_id, now);
        let id: Box<str> = contact.id.as_str().into();
        self.index.insert(id.clone(), location_id.into());
        self.deleted.remove(&id);
        let location = self.locations.get_mut(location_id).expect("inserted above");
        location.contacts.insert(id, Entry::new(record));
        Ok(())
    }

    /// Adds an appointment to a contact (the mock has no calendar API).
    pub fn seed_appointment(
        &mut self,
        contact_id: &str,
        appointment: Appointment,
    ) -> Result<(), ApiError> {
        self.entry_mut(Access::Any, contact_id)?
            .appointments
            .push(appointment);
        Ok(())
    }

    /// Every contact, Location by Location, each by id.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.locations.values().flat_map(|l| l.contacts.by_id())
    }

    /// Repacks every Location's contact texts in storage order (seeding
    /// does, at its end).
    pub fn repack(&mut self) {
        for location in self.locations.values_mut() {
            location.contacts.repack();
        }
    }

    /// How many contacts the store holds.
    pub fn contact_count(&self) -> usize {
        self.index.len()
    }

    /// Everything the store holds, as JSON in a fixed order: two stores with
    /// equal snapshots hold the same data.
    pub fn snapshot(&self) -> serde_json::Value {
        crate::seed::snapshot(self)
    }
}
