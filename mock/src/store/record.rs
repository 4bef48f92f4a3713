//! How the mock holds one contact: a compact record (100,000 of them must
//! fit in a few hundred MB, and `leadconnector::types::Contact` is 2.6 KB
//! before its strings), converted from the client's request types and to
//! its `Contact` type at the edges.
//!
//! Text fields and tags are packed in one allocation ([`Packed`]), times as
//! milliseconds, and the bulky fields few contacts have (DND settings,
//! attribution sources, fields the spec does not list) in one boxed part.

use std::collections::BTreeMap;

use leadconnector::types::{
    AttributionSource, Contact, ContactCustomField, CustomFieldInput, DndSetting, DndSettings,
};
use leadconnector::{IdList, Nullable, Timestamp};
use serde_json::Value;

use super::packed::{Packed, Tags};
use crate::clock::{format_millis, parse_millis};

/// The plain text fields of a contact, by wire name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Text {
    /// `name`
    Name,
    /// `firstName`
    FirstName,
    /// `lastName`
    LastName,
    /// `email`
    Email,
    /// `phone`
    Phone,
    /// `timezone`
    Timezone,
    /// `companyName`
    CompanyName,
    /// `type`
    Type,
    /// `source`
    Source,
    /// `assignedTo`
    AssignedTo,
    /// `address1`
    Address1,
    /// `city`
    City,
    /// `state`
    State,
    /// `country`
    Country,
    /// `postalCode`
    PostalCode,
    /// `website`
    Website,
    /// `gender`
    Gender,
    /// `dateOfBirth`
    DateOfBirth,
    /// `attachments`
    Attachments,
    /// `ssn`
    Ssn,
    /// `keyword`
    Keyword,
    /// `visitorId`
    VisitorId,
    /// `businessId`
    BusinessId,
}

impl Text {
    /// Every text field.
    pub const ALL: [Text; 23] = [
        Text::Name,
        Text::FirstName,
        Text::LastName,
        Text::Email,
        Text::Phone,
        Text::Timezone,
        Text::CompanyName,
        Text::Type,
        Text::Source,
        Text::AssignedTo,
        Text::Address1,
        Text::City,
        Text::State,
        Text::Country,
        Text::PostalCode,
        Text::Website,
        Text::Gender,
        Text::DateOfBirth,
        Text::Attachments,
        Text::Ssn,
        Text::Keyword,
        Text::VisitorId,
        Text::BusinessId,
    ];

    /// The field's name on the wire.
    pub fn wire_name(self) -> &'static str {
        match self {
            Text::Name => "name",
            Text::FirstName => "firstName",
            Text::LastName => "lastName",
            Text::Email => "email",
            Text::Phone => "phone",
            Text::Timezone => "timezone",
            Text::CompanyName => "companyName",
            Text::Type => "type",
            Text::Source => "source",
            Text::AssignedTo => "assignedTo",
            Text::Address1 => "address1",
            Text::City => "city",
            Text::State => "state",
            Text::Country => "country",
            Text::PostalCode => "postalCode",
            Text::Website => "website",
            Text::Gender => "gender",
            Text::DateOfBirth => "dateOfBirth",
            Text::Attachments => "attachments",
            Text::Ssn => "ssn",
            Text::Keyword => "keyword",
            Text::VisitorId => "visitorId",
            Text::BusinessId => "businessId",
        }
    }

    /// The field with this wire name.
    pub fn from_wire(name: &str) -> Option<Text> {
        Text::ALL.into_iter().find(|t| t.wire_name() == name)
    }
}

/// What few contacts have, boxed so the others do not pay for it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rare {
    pub bounce_email: Option<bool>,
    pub unsubscribe_email: Option<bool>,
    pub deleted: Option<bool>,
    pub last_activity: Option<Timestamp>,
    pub last_session_activity_at: Option<Timestamp>,
    pub offers: Vec<String>,
    pub products: Vec<String>,
    pub dnd_settings: Option<DndSettings>,
    pub attribution_source: Option<AttributionSource>,
    pub last_attribution_source: Option<AttributionSource>,
    pub attributions: Vec<AttributionSource>,
    /// `birthMonth` / `birthDay` as seeded, when they do not follow from
    /// `dateOfBirth`.
    pub birth_month: Option<serde_json::Number>,
    pub birth_day: Option<serde_json::Number>,
    /// Fields the spec does not list (from seed data).
    pub extra: BTreeMap<String, Value>,
}

impl Rare {
    fn is_empty(&self) -> bool {
        *self == Rare::default()
    }
}

/// One stored contact.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: Box<str>,
    /// The id's first 8 bytes as a number, which orders most ids without
    /// reading them.
    pub id_prefix: u64,
    pub location_id: Box<str>,
    pub date_added: i64,
    pub date_updated: i64,
    /// The text fields the contact has, and its tags.
    text: Packed,
    pub dnd: Option<bool>,
    pub followers: Vec<Box<str>>,
    pub custom_fields: Vec<(Box<str>, Value)>,
    rare: Option<Box<Rare>>,
}

impl Record {
    /// A contact with only its id, Location and times.
    pub fn new(id: &str, location_id: &str, now: i64) -> Self {
        let mut prefix = [0u8; 8];
        for (slot, b) in prefix.iter_mut().zip(id.bytes()) {
            *slot = b;
        }
        Self {
            id: id.into(),
            id_prefix: u64::from_be_bytes(prefix),
            location_id: location_id.into(),
            date_added: now,
            date_updated: now,
            text: Packed::default(),
            dnd: None,
            followers: Vec::new(),
            custom_fields: Vec::new(),
            rare: None,
        }
    }

    /// A text field's value.
    pub fn text(&self, field: Text) -> Option<&str> {
        self.text.get(field)
    }

    /// Every text field's value, run together (for a quick "does this
    /// text occur anywhere" before looking field by field).
    pub fn all_text(&self) -> &str {
        self.text.values()
    }

    /// The packed text, to repack.
    pub(crate) fn packed_mut(&mut self) -> &mut Packed {
        &mut self.text
    }

    /// Starts loading the packed text (see [`Packed::touch`]).
    pub fn touch(&self) -> u8 {
        self.text.touch()
    }

    /// The tags, in order.
    pub fn tags(&self) -> Tags<'_> {
        self.text.tags()
    }

    /// The tags, owned.
    pub fn tag_list(&self) -> Vec<Box<str>> {
        self.tags().map(Box::from).collect()
    }

    /// Replaces the tags.
    pub fn set_tags(&mut self, tags: &[Box<str>]) {
        self.text = self.text.with_tags(tags.iter().map(|t| &**t));
    }

    /// Sets (`Some`) or clears (`None`) a text field.
    pub fn set_text(&mut self, field: Text, value: Option<&str>) {
        if self.text.get(field) != value {
            self.text = self.text.with_field(field, value);
        }
    }

    /// The boxed rarely used fields, if the contact has any.
    pub fn rare(&self) -> Option<&Rare> {
        self.rare.as_deref()
    }

    /// The rarely used fields, to change (boxed on first use; unboxed again
    /// by [`tidy`](Self::tidy) when emptied).
    pub fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Default::default)
    }

    /// Frees what a change emptied.
    pub fn tidy(&mut self) {
        if self.rare.as_deref().is_some_and(Rare::is_empty) {
            self.rare = None;
        }
    }

    /// `firstName` and `lastName` joined by a space, when either is set.
    pub fn joined_name(&self) -> Option<String> {
        match (self.text(Text::FirstName), self.text(Text::LastName)) {
            (None, None) => None,
            (Some(f), None) => Some(f.to_owned()),
            (None, Some(l)) => Some(l.to_owned()),
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
        }
    }

    /// The contact's `name` as the API returns it: the stored one, else
    /// first and last name joined.
    pub fn display_name(&self) -> Option<String> {
        self.text(Text::Name)
            .map(str::to_owned)
            .or_else(|| self.joined_name())
    }

    /// `fullNameLowerCase`.
    pub fn full_name_lower(&self) -> Option<String> {
        self.joined_name()
            .or_else(|| self.text(Text::Name).map(str::to_owned))
            .map(|n| n.to_lowercase())
    }

    /// The contact as the API returns it.
    pub fn to_contact(&self) -> Contact {
        let mut c = Contact::new(&*self.id);
        c.location_id = Some(self.location_id.to_string());
        // One pass over the packed fields.
        for (field, value) in self.text.fields() {
            let slot = match field {
                Text::Name => continue,
                Text::FirstName => {
                    c.first_name_lower_case = Some(value.to_lowercase());
                    &mut c.first_name
                }
                Text::LastName => {
                    c.last_name_lower_case = Some(value.to_lowercase());
                    &mut c.last_name
                }
                Text::Email => {
                    c.email_lower_case = Some(value.to_lowercase());
                    &mut c.email
                }
                Text::Phone => &mut c.phone,
                Text::Timezone => &mut c.timezone,
                Text::CompanyName => &mut c.company_name,
                Text::Type => &mut c.r#type,
                Text::Source => &mut c.source,
                Text::AssignedTo => &mut c.assigned_to,
                Text::Address1 => &mut c.address1,
                Text::City => &mut c.city,
                Text::State => &mut c.state,
                Text::Country => &mut c.country,
                Text::PostalCode => &mut c.postal_code,
                Text::Website => &mut c.website,
                Text::Gender => &mut c.gender,
                Text::DateOfBirth => {
                    if let Some((month, day)) = birth_month_day(value) {
                        c.birth_month = Some(month.into());
                        c.birth_day = Some(day.into());
                    }
                    &mut c.date_of_birth
                }
                Text::Attachments => &mut c.attachments,
                Text::Ssn => &mut c.ssn,
                Text::Keyword => &mut c.keyword,
                Text::VisitorId => &mut c.visitor_id,
                Text::BusinessId => &mut c.business_id,
            };
            *slot = Some(value.to_owned());
        }
        c.name = self.display_name();
        c.full_name_lower_case = self.full_name_lower();
        c.dnd = self.dnd;
        c.tags = self.tags().map(str::to_owned).collect();
        c.date_added = Some(Timestamp::new(format_millis(self.date_added)));
        c.date_updated = Some(Timestamp::new(format_millis(self.date_updated)));
        c.custom_fields = self
            .custom_fields
            .iter()
            .map(|(id, value)| {
                let mut f = ContactCustomField::default();
                f.id = Some(id.to_string());
                f.value = Some(value.clone());
                f
            })
            .collect();
        if !self.followers.is_empty() {
            c.followers = Some(IdList::from(
                self.followers
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>(),
            ));
        }
        if let Some(rare) = self.rare() {
            c.bounce_email = rare.bounce_email;
            c.unsubscribe_email = rare.unsubscribe_email;
            c.deleted = rare.deleted;
            c.last_activity = rare.last_activity.clone();
            c.last_session_activity_at = rare.last_session_activity_at.clone();
            c.offers = rare.offers.clone();
            c.products = rare.products.clone();
            c.dnd_settings = rare.dnd_settings.clone();
            c.attribution_source = rare.attribution_source.clone();
            c.last_attribution_source = rare.last_attribution_source.clone();
            c.attributions = rare.attributions.clone();
            if rare.birth_month.is_some() {
                c.birth_month = rare.birth_month.clone();
            }
            if rare.birth_day.is_some() {
                c.birth_day = rare.birth_day.clone();
            }
            c.extra = rare.extra.clone();
        }
        c
    }

    /// A record from a contact given as seed data. Derived fields (the
    /// lower-case copies, `searchAfter`) are not kept: the mock derives
    /// them. `now` stands in for missing or unreadable times.
    pub fn from_contact(contact: &Contact, location_id: &str, now: i64) -> Self {
        let mut r = Record::new(&contact.id, location_id, now);
        let time = |t: &Option<Timestamp>| t.as_ref().and_then(|t| parse_millis(t.as_str()));
        r.date_added = time(&contact.date_added).unwrap_or(now);
        r.date_updated = time(&contact.date_updated).unwrap_or(r.date_added);
        let texts = [
            (Text::Name, &contact.name),
            (Text::FirstName, &contact.first_name),
            (Text::LastName, &contact.last_name),
            (Text::Email, &contact.email),
            (Text::Phone, &contact.phone),
            (Text::Timezone, &contact.timezone),
            (Text::CompanyName, &contact.company_name),
            (Text::Type, &contact.r#type),
            (Text::Source, &contact.source),
            (Text::AssignedTo, &contact.assigned_to),
            (Text::Address1, &contact.address1),
            (Text::City, &contact.city),
            (Text::State, &contact.state),
            (Text::Country, &contact.country),
            (Text::PostalCode, &contact.postal_code),
            (Text::Website, &contact.website),
            (Text::Gender, &contact.gender),
            (Text::DateOfBirth, &contact.date_of_birth),
            (Text::Attachments, &contact.attachments),
            (Text::Ssn, &contact.ssn),
            (Text::Keyword, &contact.keyword),
            (Text::VisitorId, &contact.visitor_id),
            (Text::BusinessId, &contact.business_id),
        ];
        let fields: Vec<(Text, &str)> = texts
            .iter()
            .filter_map(|(f, v)| Some((*f, v.as_deref()?)))
            .collect();
        let tags = dedup_tags(contact.tags.iter().map(String::as_str));
        r.text = Packed::build(&fields, tags.iter().map(|t| &**t));
        // A seeded `name` equal to the joined names is what the mock derives
        // anyway; keeping it would freeze it when the names change.
        if r.text(Text::Name).map(str::to_owned) == r.joined_name() {
            r.set_text(Text::Name, None);
        }
        r.dnd = contact.dnd;
        r.followers = contact
            .followers
            .as_ref()
            .map(|f| f.iter().map(|id| id.as_str().into()).collect())
            .unwrap_or_default();
        r.custom_fields = contact
            .custom_fields
            .iter()
            .filter_map(|f| Some((f.id.as_deref()?.into(), f.value.clone()?)))
            .collect();
        let derived = r.text(Text::DateOfBirth).and_then(birth_month_day);
        let number_differs = |seeded: &Option<serde_json::Number>, derived: Option<u32>| {
            seeded.is_some()
                && seeded.as_ref().and_then(serde_json::Number::as_u64) != derived.map(u64::from)
        };
        let rare = Rare {
            bounce_email: contact.bounce_email,
            unsubscribe_email: contact.unsubscribe_email,
            deleted: contact.deleted,
            last_activity: contact.last_activity.clone(),
            last_session_activity_at: contact.last_session_activity_at.clone(),
            offers: contact.offers.clone(),
            products: contact.products.clone(),
            dnd_settings: contact.dnd_settings.clone(),
            attribution_source: contact.attribution_source.clone(),
            last_attribution_source: contact.last_attribution_source.clone(),
            attributions: contact.attributions.clone(),
            birth_month: contact
                .birth_month
                .clone()
                .filter(|_| number_differs(&contact.birth_month, derived.map(|d| d.0))),
            birth_day: contact
                .birth_day
                .clone()
                .filter(|_| number_differs(&contact.birth_day, derived.map(|d| d.1))),
            extra: contact.extra.clone(),
        };
        if !rare.is_empty() {
            r.rare = Some(Box::new(rare));
        }
        r.tidy();
        r
    }

    /// Applies a change; returns what it changed.
    pub fn apply(&mut self, patch: &Patch) -> Changed {
        let mut changed = Changed::default();
        for (field, value) in &patch.text {
            let value = value.as_deref();
            if self.text(*field) != value {
                self.set_text(*field, value);
                changed.fields = true;
            }
        }
        if let Some(dnd) = patch.dnd {
            if self.dnd != dnd {
                self.dnd = dnd;
                changed.dnd = true;
            }
        }
        if let Some(settings) = &patch.dnd_settings {
            let current = self.rare().and_then(|r| r.dnd_settings.clone());
            let merged = merge_dnd(current.clone(), settings);
            if Some(&merged) != current.as_ref() {
                self.rare_mut().dnd_settings = Some(merged);
                changed.dnd = true;
            }
        }
        if let Some(tags) = &patch.tags {
            let tags = dedup_tags(tags.iter().map(String::as_str));
            if tags != self.tag_list() {
                self.set_tags(&tags);
                changed.tags = true;
            }
        }
        if let Some(fields) = &patch.custom_fields {
            for input in fields {
                let value = input
                    .field_value
                    .as_ref()
                    .and_then(|v| serde_json::to_value(v).ok());
                let at = self
                    .custom_fields
                    .iter()
                    .position(|(id, _)| **id == *input.id);
                match (at, value) {
                    (Some(i), Some(v)) if self.custom_fields[i].1 != v => {
                        self.custom_fields[i].1 = v;
                        changed.fields = true;
                    }
                    (Some(_), Some(_)) => {}
                    (Some(i), None) => {
                        self.custom_fields.remove(i);
                        changed.fields = true;
                    }
                    (None, Some(v)) => {
                        self.custom_fields.push((input.id.as_str().into(), v));
                        changed.fields = true;
                    }
                    (None, None) => {}
                }
            }
        }
        self.tidy();
        changed
    }
}

/// What a change did to a contact, for `dateUpdated` and for choosing the
/// webhook events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    pub fields: bool,
    pub dnd: bool,
    pub tags: bool,
}

impl Changed {
    pub fn any(self) -> bool {
        self.fields || self.dnd || self.tags
    }
}

/// A change to a contact, from a create, update or upsert request:
/// `None` leaves a field alone; for text, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub text: Vec<(Text, Option<String>)>,
    pub dnd: Option<Option<bool>>,
    pub dnd_settings: Option<DndSettings>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<Vec<CustomFieldInput>>,
}

impl Patch {
    /// Adds a text field from a request field that may be null.
    pub fn nullable(&mut self, field: Text, value: &Nullable<String>) {
        match value {
            Nullable::Absent => {}
            Nullable::Null => self.text.push((field, None)),
            Nullable::Value(v) => self.text.push((field, Some(v.clone()))),
            // `Nullable` may gain variants; treat them as absent.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    /// Adds a text field from a request field that cannot be null.
    pub fn optional(&mut self, field: Text, value: &Option<String>) {
        if let Some(v) = value {
            self.text.push((field, Some(v.clone())));
        }
    }

    /// The value this patch sets for a text field, if it sets one.
    pub fn get(&self, field: Text) -> Option<Option<&str>> {
        self.text
            .iter()
            .rev()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_deref())
    }
}

/// Tags as the API keeps them: trimmed, lower case, each once, in the
/// order first given (see `choices`).
pub fn dedup_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::new();
    for tag in tags {
        let tag = crate::choices::normalize_tag(tag);
        if !tag.is_empty() && !out.iter().any(|t| **t == *tag) {
            out.push(tag.into());
        }
    }
    out
}

/// Per-channel DND settings: channels a request leaves out keep their value.
fn merge_dnd(current: Option<DndSettings>, change: &DndSettings) -> DndSettings {
    let mut merged = current.unwrap_or_default();
    let pick = |old: &mut Option<DndSetting>, new: &Option<DndSetting>| {
        if new.is_some() {
            old.clone_from(new);
        }
    };
    pick(&mut merged.call, &change.call);
    pick(&mut merged.email, &change.email);
    pick(&mut merged.sms, &change.sms);
    pick(&mut merged.whats_app, &change.whats_app);
    pick(&mut merged.gmb, &change.gmb);
    pick(&mut merged.fb, &change.fb);
    merged
}

/// The month (counted from 0, as the vendor's example pairs `birthMonth` 8
/// with September) and day of a stored `dateOfBirth`.
fn birth_month_day(date: &str) -> Option<(u32, u32)> {
    use chrono::Datelike;
    let millis = parse_millis(date)?;
    let date = crate::clock::from_millis(millis).date_naive();
    Some((date.month0(), date.day()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_sparse_and_sorted() {
        let mut r = Record::new("c1", "loc", 0);
        r.set_text(Text::Phone, Some("+1"));
        r.set_text(Text::Email, Some("a@b.c"));
        r.set_text(Text::Name, Some("n"));
        assert_eq!(r.text(Text::Email), Some("a@b.c"));
        r.set_text(Text::Email, None);
        assert_eq!(r.text(Text::Email), None);
        assert_eq!(r.text(Text::Phone), Some("+1"));
        assert_eq!(r.all_text(), "n+1");
        for field in Text::ALL {
            assert_eq!(Text::from_wire(field.wire_name()), Some(field));
        }
    }

    #[test]
    fn derived_names_and_birth_date() {
        let mut r = Record::new("c1", "loc", 0);
        r.set_text(Text::FirstName, Some("Rosan"));
        r.set_text(Text::LastName, Some("Deo"));
        r.set_text(Text::Email, Some("Rosan@Deos.com"));
        r.set_text(Text::DateOfBirth, Some("1990-09-25T00:00:00.000Z"));
        let c = r.to_contact();
        assert_eq!(c.name.as_deref(), Some("Rosan Deo"));
        assert_eq!(c.full_name_lower_case.as_deref(), Some("rosan deo"));
        assert_eq!(c.email_lower_case.as_deref(), Some("rosan@deos.com"));
        assert_eq!(c.birth_month.map(|n| n.as_u64()), Some(Some(8)));
        assert_eq!(c.birth_day.map(|n| n.as_u64()), Some(Some(25)));
        assert_eq!(c.date_added.unwrap().as_str(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_change_reports_what_it_changed() {
        let mut r = Record::new("c1", "loc", 0);
        let mut patch = Patch::default();
        patch.text.push((Text::City, Some("Dolomite".into())));
        patch.tags = Some(vec!["VIP ".into(), "vip".into(), "new".into()]);
        let changed = r.apply(&patch);
        assert!(changed.fields && changed.tags && !changed.dnd);
        assert_eq!(
            r.tag_list(),
            vec!["vip".into(), "new".into()] as Vec<Box<str>>
        );
        assert_eq!(r.apply(&patch), Changed::default());
    }
}
