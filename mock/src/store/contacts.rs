//! Contacts themselves: create (with the duplicate check), upsert (with
//! the Location's matching rules), get, update, delete, and single-contact
//! tags.

use leadconnector::types::{
    Contact, ContactResponse, CreateContactRequest, DeleteContactResponse,
    DuplicateContactResponse, TagsRequest, TagsResponse, UpdateContactRequest,
    UpdateContactResponse, UpsertContactRequest, UpsertContactResponse,
};
use leadconnector::{BirthDate, Nullable};
use serde_json::json;

use super::record::{dedup_tags, Changed, Patch, Record, Text};
use super::{Access, Entry, Event, EventKind, MatchField, Store};
use crate::choices::{messages, normalize_phone};
use crate::error::ApiError;

/// The events a change to an existing contact makes.
pub(super) fn events_for(changed: Changed, contact: &Contact) -> Vec<Event> {
    let mut events = Vec::new();
    let mut push = |kind| {
        events.push(Event {
            kind,
            contact: contact.clone(),
        })
    };
    if changed.fields {
        push(EventKind::Update);
    }
    if changed.dnd {
        push(EventKind::DndUpdate);
    }
    if changed.tags {
        push(EventKind::TagUpdate);
    }
    events
}

/// A birth date as the API stores it.
fn birth_date_text(date: &BirthDate) -> String {
    format!(
        "{:04}-{:02}-{:02}T00:00:00.000Z",
        date.year(),
        date.month(),
        date.day()
    )
}

/// The fields every contact request shares, as a patch. Phone numbers are
/// normalised and e-mail addresses checked.
struct Fields<'a> {
    first_name: &'a Nullable<String>,
    last_name: &'a Nullable<String>,
    name: &'a Nullable<String>,
    email: &'a Nullable<String>,
    phone: &'a Nullable<String>,
    address1: &'a Nullable<String>,
    city: &'a Nullable<String>,
    state: &'a Nullable<String>,
    website: &'a Nullable<String>,
    timezone: &'a Nullable<String>,
    date_of_birth: &'a Nullable<BirthDate>,
}

impl Fields<'_> {
    fn patch(&self) -> Result<Patch, ApiError> {
        let mut patch = Patch::default();
        patch.nullable(Text::FirstName, self.first_name);
        patch.nullable(Text::LastName, self.last_name);
        patch.nullable(Text::Name, self.name);
        patch.nullable(Text::Email, self.email);
        patch.nullable(
            Text::Phone,
            &self.phone.clone().map(|p| normalize_phone(&p)),
        );
        patch.nullable(Text::Address1, self.address1);
        patch.nullable(Text::City, self.city);
        patch.nullable(Text::State, self.state);
        patch.nullable(Text::Website, self.website);
        patch.nullable(Text::Timezone, self.timezone);
        patch.nullable(
            Text::DateOfBirth,
            &self.date_of_birth.as_ref().map(birth_date_text),
        );
        if let Some(Some(email)) = patch.get(Text::Email) {
            if !looks_like_email(email) {
                return Err(ApiError::unprocessable("email must be an email"));
            }
        }
        Ok(patch)
    }
}

/// The vendor's check is class-validator's `isEmail`; this is its gist.
fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

fn create_patch(r: &CreateContactRequest) -> Result<Patch, ApiError> {
    let mut patch = Fields {
        first_name: &r.first_name,
        last_name: &r.last_name,
        name: &r.name,
        email: &r.email,
        phone: &r.phone,
        address1: &r.address1,
        city: &r.city,
        state: &r.state,
        website: &r.website,
        timezone: &r.timezone,
        date_of_birth: &r.date_of_birth,
    }
    .patch()?;
    patch.optional(Text::Gender, &r.gender);
    patch.optional(Text::PostalCode, &r.postal_code);
    patch.optional(Text::Source, &r.source);
    patch.optional(Text::Country, &r.country);
    patch.nullable(Text::CompanyName, &r.company_name);
    patch.optional(Text::AssignedTo, &r.assigned_to);
    patch.dnd = r.dnd.map(Some);
    patch.dnd_settings.clone_from(&r.dnd_settings);
    patch.tags.clone_from(&r.tags);
    patch.custom_fields.clone_from(&r.custom_fields);
    Ok(patch)
}

fn upsert_patch(r: &UpsertContactRequest) -> Result<Patch, ApiError> {
    let mut patch = Fields {
        first_name: &r.first_name,
        last_name: &r.last_name,
        name: &r.name,
        email: &r.email,
        phone: &r.phone,
        address1: &r.address1,
        city: &r.city,
        state: &r.state,
        website: &r.website,
        timezone: &r.timezone,
        date_of_birth: &r.date_of_birth,
    }
    .patch()?;
    patch.optional(Text::Gender, &r.gender);
    patch.optional(Text::PostalCode, &r.postal_code);
    patch.optional(Text::Source, &r.source);
    patch.optional(Text::Country, &r.country);
    patch.nullable(Text::CompanyName, &r.company_name);
    patch.optional(Text::AssignedTo, &r.assigned_to);
    patch.dnd = r.dnd.map(Some);
    patch.dnd_settings.clone_from(&r.dnd_settings);
    patch.tags.clone_from(&r.tags);
    patch.custom_fields.clone_from(&r.custom_fields);
    Ok(patch)
}

fn update_patch(r: &UpdateContactRequest) -> Result<Patch, ApiError> {
    let mut patch = Fields {
        first_name: &r.first_name,
        last_name: &r.last_name,
        name: &r.name,
        email: &r.email,
        phone: &r.phone,
        address1: &r.address1,
        city: &r.city,
        state: &r.state,
        website: &r.website,
        timezone: &r.timezone,
        date_of_birth: &r.date_of_birth,
    }
    .patch()?;
    patch.nullable(Text::PostalCode, &r.postal_code);
    patch.nullable(Text::Source, &r.source);
    patch.optional(Text::Country, &r.country);
    patch.nullable(Text::AssignedTo, &r.assigned_to);
    patch.dnd = match &r.dnd {
        Nullable::Value(v) => Some(Some(*v)),
        Nullable::Null => Some(None),
        _ => None,
    };
    patch.dnd_settings.clone_from(&r.dnd_settings);
    patch.tags.clone_from(&r.tags);
    patch.custom_fields.clone_from(&r.custom_fields);
    Ok(patch)
}

impl Store {
    /// The contact of `location_id` that a contact with this e-mail and
    /// phone would duplicate, in the Location's configured order (`skip`
    /// is left out: the contact being updated); the oldest when several
    /// match.
    pub fn find_duplicate(
        &self,
        location_id: &str,
        email: Option<&str>,
        phone: Option<&str>,
        skip: Option<&str>,
    ) -> Option<(&Entry, MatchField)> {
        let location = self.locations.get(location_id)?;
        let phone = phone.map(normalize_phone);
        for field in &location.settings.match_order {
            // The oldest of several matches (a Location that allows
            // duplicates may hold more than one).
            let found = location.contacts.values().filter(|e| {
                Some(&*e.record.id) != skip
                    && match field {
                        MatchField::Email => email.is_some_and(|wanted| {
                            e.record
                                .text(Text::Email)
                                .is_some_and(|have| have.eq_ignore_ascii_case(wanted))
                        }),
                        MatchField::Phone => phone
                            .as_deref()
                            .is_some_and(|wanted| e.record.text(Text::Phone) == Some(wanted)),
                    }
            });
            let found = found.min_by(|a, b| {
                (a.record.date_added, &a.record.id).cmp(&(b.record.date_added, &b.record.id))
            });
            if let Some(entry) = found {
                return Some((entry, *field));
            }
        }
        None
    }

    /// Refuses a write that would duplicate another contact when the
    /// Location does not allow duplicates.
    fn check_duplicate(
        &self,
        location_id: &str,
        patch: &Patch,
        skip: Option<&str>,
    ) -> Result<(), ApiError> {
        let Some(location) = self.locations.get(location_id) else {
            return Ok(());
        };
        if location.settings.allow_duplicates {
            return Ok(());
        }
        let email = patch.get(Text::Email).flatten();
        let phone = patch.get(Text::Phone).flatten();
        match self.find_duplicate(location_id, email, phone, skip) {
            None => Ok(()),
            Some((entry, field)) => Err(ApiError::BadRequest {
                message: messages::DUPLICATE_CONTACT.to_owned(),
                meta: Some(json!({
                    "contactName": entry.record.display_name(),
                    "contactId": &*entry.record.id,
                    "matchingField": match field {
                        MatchField::Email => "email",
                        MatchField::Phone => "phone",
                    },
                })),
            }),
        }
    }

    /// Inserts a new contact built from `patch`.
    fn insert_new(
        &mut self,
        location_id: &str,
        patch: &Patch,
        now: i64,
    ) -> Result<Contact, ApiError> {
        self.location_mut(location_id)?;
        let id = self.rng.id();
        let mut record = Record::new(&id, location_id, now);
        record.apply(patch);
        let contact = record.to_contact();
        self.index.insert(id.as_str().into(), location_id.into());
        self.location_mut(location_id)?
            .contacts
            .insert(id.into(), Entry::new(record));
        Ok(contact)
    }

    /// `createContact`.
    pub fn create_contact(
        &mut self,
        access: Access<'_>,
        request: &CreateContactRequest,
        now: i64,
    ) -> Result<(ContactResponse, Vec<Event>), ApiError> {
        self.existing_location(access, &request.location_id)?;
        let patch = create_patch(request)?;
        self.check_duplicate(&request.location_id, &patch, None)?;
        let contact = self.insert_new(&request.location_id, &patch, now)?;
        self.bump();
        let event = Event {
            kind: EventKind::Create,
            contact: contact.clone(),
        };
        Ok((ContactResponse::new(contact), vec![event]))
    }

    /// `upsertContact`: the three `createNewIfDuplicateAllowed` scenarios.
    pub fn upsert_contact(
        &mut self,
        access: Access<'_>,
        request: &UpsertContactRequest,
        now: i64,
    ) -> Result<(UpsertContactResponse, Vec<Event>), ApiError> {
        let location = self.existing_location(access, &request.location_id)?;
        let allow = location.settings.allow_duplicates;
        let patch = upsert_patch(request)?;
        let force_new = allow && request.create_new_if_duplicate_allowed == Some(true);
        let matched = if force_new {
            None
        } else {
            self.find_duplicate(
                &request.location_id,
                patch.get(Text::Email).flatten(),
                patch.get(Text::Phone).flatten(),
                None,
            )
            .map(|(entry, _)| entry.record.id.to_string())
        };
        let (contact, new, events) = match matched {
            None => {
                let contact = self.insert_new(&request.location_id, &patch, now)?;
                let event = Event {
                    kind: EventKind::Create,
                    contact: contact.clone(),
                };
                (contact, true, vec![event])
            }
            Some(id) => {
                let entry = self.entry_mut(access, &id)?;
                let changed = entry.record.apply(&patch);
                if changed.any() {
                    entry.record.date_updated = now;
                }
                let contact = entry.record.to_contact();
                let events = events_for(changed, &contact);
                (contact, false, events)
            }
        };
        self.bump();
        let mut response = UpsertContactResponse::new(contact);
        response.new = Some(new);
        Ok((response, events))
    }

    /// `getContact`.
    pub fn get_contact(&self, access: Access<'_>, id: &str) -> Result<ContactResponse, ApiError> {
        Ok(ContactResponse::new(
            self.entry(access, id)?.record.to_contact(),
        ))
    }

    /// `updateContact`.
    pub fn update_contact(
        &mut self,
        access: Access<'_>,
        id: &str,
        request: &UpdateContactRequest,
        now: i64,
    ) -> Result<(UpdateContactResponse, Vec<Event>), ApiError> {
        let location = self.entry(access, id)?.record.location_id.to_string();
        let patch = update_patch(request)?;
        self.check_duplicate(&location, &patch, Some(id))?;
        let entry = self.entry_mut(access, id)?;
        let changed = entry.record.apply(&patch);
        if changed.any() {
            entry.record.date_updated = now;
        }
        let contact = entry.record.to_contact();
        self.bump();
        let events = events_for(changed, &contact);
        let mut response = UpdateContactResponse::new(contact);
        response.succeeded = Some(true);
        Ok((response, events))
    }

    /// `deleteContact`.
    pub fn delete_contact(
        &mut self,
        access: Access<'_>,
        id: &str,
    ) -> Result<(DeleteContactResponse, Vec<Event>), ApiError> {
        let location = self.entry(access, id)?.record.location_id.clone();
        let entry = self
            .locations
            .get_mut(&*location)
            .and_then(|l| l.contacts.remove(id))
            .ok_or_else(|| ApiError::bad_request(messages::CONTACT_NOT_FOUND))?;
        self.index.remove(id);
        self.deleted.insert(id.into(), location);
        self.bump();
        let event = Event {
            kind: EventKind::Delete,
            contact: entry.record.to_contact(),
        };
        let mut response = DeleteContactResponse::default();
        response.succeeded = Some(true);
        Ok((response, vec![event]))
    }

    /// Changes a contact's tags with `change`, stamping and announcing it.
    pub(super) fn change_tags(
        &mut self,
        access: Access<'_>,
        id: &str,
        now: i64,
        change: impl FnOnce(&[Box<str>]) -> Vec<Box<str>>,
    ) -> Result<TagChange, ApiError> {
        let entry = self.entry_mut(access, id)?;
        let old = entry.record.tag_list();
        let new = change(&old);
        let mut events = Vec::new();
        if new != old {
            entry.record.set_tags(&new);
            entry.record.date_updated = now;
            events.push(Event {
                kind: EventKind::TagUpdate,
                contact: entry.record.to_contact(),
            });
        }
        Ok(TagChange { old, new, events })
    }

    /// `addTags`.
    pub fn add_tags(
        &mut self,
        access: Access<'_>,
        id: &str,
        request: &TagsRequest,
        now: i64,
    ) -> Result<(TagsResponse, Vec<Event>), ApiError> {
        let TagChange {
            new: tags, events, ..
        } = self.change_tags(access, id, now, |old| {
            dedup_tags(
                old.iter()
                    .map(|t| &**t)
                    .chain(request.tags.iter().map(String::as_str)),
            )
        })?;
        self.bump();
        Ok((tags_response(&tags), events))
    }

    /// `removeTags`.
    pub fn remove_tags(
        &mut self,
        access: Access<'_>,
        id: &str,
        request: &TagsRequest,
        now: i64,
    ) -> Result<(TagsResponse, Vec<Event>), ApiError> {
        let remove = dedup_tags(request.tags.iter().map(String::as_str));
        let TagChange {
            new: tags, events, ..
        } = self.change_tags(access, id, now, |old| {
            old.iter()
                .filter(|t| !remove.contains(t))
                .cloned()
                .collect()
        })?;
        self.bump();
        Ok((tags_response(&tags), events))
    }

    /// `getDuplicateContact`.
    pub fn get_duplicate_contact(
        &self,
        access: Access<'_>,
        location_id: &str,
        number: Option<&str>,
        email: Option<&str>,
    ) -> Result<DuplicateContactResponse, ApiError> {
        self.existing_location(access, location_id)?;
        let mut response = DuplicateContactResponse::default();
        response.contact = self
            .find_duplicate(location_id, email, number, None)
            .map(|(entry, _)| entry.record.to_contact());
        Ok(response)
    }
}

/// A contact's tags before and after a change, and the events it made.
pub(super) struct TagChange {
    pub old: Vec<Box<str>>,
    pub new: Vec<Box<str>>,
    pub events: Vec<Event>,
}

fn tags_response(tags: &[Box<str>]) -> TagsResponse {
    let mut response = TagsResponse::default();
    response.tags = tags.iter().map(|t| t.to_string()).collect();
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DuplicateSettings;

    fn store() -> (Store, String) {
        let mut store = Store::new(1);
        let location = store.add_location(DuplicateSettings::default());
        (store, location)
    }

    #[test]
    fn a_created_contact_reads_back_with_derived_fields() {
        let (mut store, loc) = store();
        let request = CreateContactRequest::new(&loc)
            .first_name("Rosan")
            .last_name("Deo")
            .email("Rosan@Deos.com")
            .phone("+1 888-888-8888")
            .tags(["VIP", "vip", "newsletter"]);
        let (created, events) = store.create_contact(Access::Any, &request, 1000).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, EventKind::Create);
        let id = created.contact.id.clone();
        assert_eq!(id.len(), 20);
        let got = store
            .get_contact(Access::Location(&loc), &id)
            .unwrap()
            .contact;
        assert_eq!(got, created.contact);
        assert_eq!(got.phone.as_deref(), Some("+18888888888"));
        assert_eq!(got.tags, ["vip", "newsletter"]);
        assert_eq!(got.email_lower_case.as_deref(), Some("rosan@deos.com"));
        assert_eq!(got.date_added.unwrap().as_str(), "1970-01-01T00:00:01.000Z");
        assert_eq!(
            store
                .get_contact(Access::Location("other"), &id)
                .unwrap_err(),
            ApiError::unauthorized(messages::NO_LOCATION_ACCESS)
        );
    }

    #[test]
    fn update_clears_a_field_sent_as_null_and_keeps_absent_ones() {
        let (mut store, loc) = store();
        let request = CreateContactRequest::new(&loc)
            .phone("+15550100199")
            .city("Dolomite");
        let id = store
            .create_contact(Access::Any, &request, 0)
            .unwrap()
            .0
            .contact
            .id;
        let update = UpdateContactRequest::default().clear_phone();
        let (updated, events) = store.update_contact(Access::Any, &id, &update, 5).unwrap();
        assert_eq!(updated.contact.phone, None);
        assert_eq!(updated.contact.city.as_deref(), Some("Dolomite"));
        assert_eq!(
            updated.contact.date_updated.unwrap().as_str(),
            "1970-01-01T00:00:00.005Z"
        );
        assert_eq!(
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [EventKind::Update]
        );
        // The same update again changes nothing and announces nothing.
        let (_, events) = store.update_contact(Access::Any, &id, &update, 9).unwrap();
        assert!(events.is_empty());
    }

    #[test]
    fn create_refuses_a_duplicate_unless_the_location_allows_them() {
        let (mut store, loc) = store();
        let first = CreateContactRequest::new(&loc).email("a@b.co");
        let id = store
            .create_contact(Access::Any, &first, 0)
            .unwrap()
            .0
            .contact
            .id;
        let again = CreateContactRequest::new(&loc).email("A@B.co");
        match store.create_contact(Access::Any, &again, 0).unwrap_err() {
            ApiError::BadRequest { message, meta } => {
                assert_eq!(message, messages::DUPLICATE_CONTACT);
                assert_eq!(meta.unwrap()["contactId"], id.as_str());
            }
            other => panic!("{other:?}"),
        }
        store.insert_location(
            &loc,
            DuplicateSettings {
                allow_duplicates: true,
                ..Default::default()
            },
        );
        assert!(store.create_contact(Access::Any, &again, 0).is_ok());
        assert_eq!(store.contact_count(), 2);
    }

    #[test]
    fn upsert_follows_the_configured_order_and_the_three_scenarios() {
        let (mut store, loc) = store();
        let by_email = store
            .create_contact(
                Access::Any,
                &CreateContactRequest::new(&loc).email("e@x.io"),
                0,
            )
            .unwrap()
            .0
            .contact
            .id;
        let by_phone = store
            .create_contact(
                Access::Any,
                &CreateContactRequest::new(&loc).phone("+15550100199"),
                0,
            )
            .unwrap()
            .0
            .contact
            .id;
        let both = UpsertContactRequest::new(&loc)
            .email("e@x.io")
            .phone("+15550100199")
            .first_name("Up");
        let (r, _) = store.upsert_contact(Access::Any, &both, 1).unwrap();
        assert_eq!(
            (r.new, r.contact.id.as_str()),
            (Some(false), by_email.as_str())
        );
        store.insert_location(
            &loc,
            DuplicateSettings {
                allow_duplicates: false,
                match_order: vec![MatchField::Phone, MatchField::Email],
            },
        );
        let (r, _) = store.upsert_contact(Access::Any, &both, 1).unwrap();
        assert_eq!(r.contact.id, by_phone);
        // Scenario 2: the flag is ignored when duplicates are not allowed.
        let flagged = both.clone().create_new_if_duplicate_allowed(true);
        let (r, _) = store.upsert_contact(Access::Any, &flagged, 1).unwrap();
        assert_eq!(r.new, Some(false));
        // Scenario 1: allowed, so a new contact every time.
        store.insert_location(
            &loc,
            DuplicateSettings {
                allow_duplicates: true,
                ..Default::default()
            },
        );
        let (r, events) = store.upsert_contact(Access::Any, &flagged, 1).unwrap();
        assert_eq!(r.new, Some(true));
        assert_eq!(events[0].kind, EventKind::Create);
        assert_eq!(store.contact_count(), 3);
        // Nothing matches: created.
        let (r, _) = store
            .upsert_contact(
                Access::Any,
                &UpsertContactRequest::new(&loc).email("new@x.io"),
                1,
            )
            .unwrap();
        assert_eq!(r.new, Some(true));
    }

    #[test]
    fn tags_add_and_remove_and_announce_only_changes() {
        let (mut store, loc) = store();
        let id = store
            .create_contact(Access::Any, &CreateContactRequest::new(&loc).tags(["a"]), 0)
            .unwrap()
            .0
            .contact
            .id;
        let (r, events) = store
            .add_tags(Access::Any, &id, &TagsRequest::new(["B", "a"]), 1)
            .unwrap();
        assert_eq!(r.tags, ["a", "b"]);
        assert_eq!(events[0].kind, EventKind::TagUpdate);
        let (_, events) = store
            .add_tags(Access::Any, &id, &TagsRequest::new(["b"]), 2)
            .unwrap();
        assert!(events.is_empty());
        let (r, _) = store
            .remove_tags(Access::Any, &id, &TagsRequest::new(["A"]), 3)
            .unwrap();
        assert_eq!(r.tags, ["b"]);
        let (deleted, events) = store.delete_contact(Access::Any, &id).unwrap();
        assert_eq!(deleted.succeeded, Some(true));
        assert_eq!(events[0].kind, EventKind::Delete);
        assert!(store.get_contact(Access::Any, &id).is_err());
    }
}
