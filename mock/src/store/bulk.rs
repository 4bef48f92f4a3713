//! The bulk operations: tags of many contacts, and their business.

use leadconnector::types::{
    BulkTagsAction, BulkTagsContactResult, BulkTagsResult, BulkUpdateTagsRequest,
    BulkUpdateTagsResponse, ContactsBusinessRequest, ContactsBusinessResponse,
};

use super::contacts::events_for;
use super::record::{dedup_tags, Changed, Text};
use super::{Access, Event, Store};
use crate::choices::{messages, BUSINESS_IDS_MAX_LEN};
use crate::error::ApiError;
use crate::ids::is_vendor_id;

fn entry_error(contact_id: &str, message: &str) -> BulkTagsResult {
    let mut result = BulkTagsContactResult::default();
    result.contact_id = Some(contact_id.to_owned());
    result.message = Some(message.to_owned());
    result.r#type = Some("error".to_owned());
    BulkTagsResult::ContactResult(result)
}

impl Store {
    /// `bulkUpdateTags`: one result per contact of the request, in order.
    pub fn bulk_update_tags(
        &mut self,
        access: Access<'_>,
        action: &BulkTagsAction,
        request: &BulkUpdateTagsRequest,
        now: i64,
    ) -> Result<(BulkUpdateTagsResponse, Vec<Event>), ApiError> {
        self.existing_location(access, &request.location_id)?;
        let add = match action {
            BulkTagsAction::Add => true,
            BulkTagsAction::Remove => false,
            other => {
                return Err(ApiError::unprocessable(format!(
                    "type must be one of the following values: add, remove (got {other})"
                )))
            }
        };
        if add && request.remove_all_tags == Some(true) {
            return Err(ApiError::unprocessable(
                "removeAllTags can only be used with remove type",
            ));
        }
        let tags = dedup_tags(request.tags.iter().map(String::as_str));
        let mut responses = Vec::with_capacity(request.contacts.len());
        let mut events = Vec::new();
        let mut errors = 0u64;
        for contact_id in &request.contacts {
            let error = if !is_vendor_id(contact_id) {
                Some(messages::BULK_INVALID_ID)
            } else if let Some(location) = self.deleted.get(contact_id.as_str()) {
                Some(if **location == *request.location_id {
                    messages::BULK_DELETED
                } else {
                    messages::BULK_OTHER_LOCATION
                })
            } else {
                match self.index.get(contact_id.as_str()) {
                    None => Some(messages::BULK_NOT_FOUND),
                    Some(location) if **location != *request.location_id => {
                        Some(messages::BULK_OTHER_LOCATION)
                    }
                    Some(_) => None,
                }
            };
            if let Some(message) = error {
                errors += 1;
                responses.push(entry_error(contact_id, message));
                continue;
            }
            let remove_all = request.remove_all_tags == Some(true);
            let super::contacts::TagChange {
                old,
                new,
                events: changed,
            } = self.change_tags(access, contact_id, now, |old| {
                if add {
                    dedup_tags(old.iter().chain(&tags).map(|t| &**t))
                } else if remove_all {
                    Vec::new()
                } else {
                    old.iter().filter(|t| !tags.contains(t)).cloned().collect()
                }
            })?;
            events.extend(changed);
            let mut result = BulkTagsContactResult::default();
            result.contact_id = Some(contact_id.clone());
            result.message = Some(messages::BULK_UPDATED.to_owned());
            result.r#type = Some("success".to_owned());
            result.old_tags = old.iter().map(|t| t.to_string()).collect();
            result.tags_added = new
                .iter()
                .filter(|t| !old.contains(t))
                .map(|t| t.to_string())
                .collect();
            result.tags_removed = old
                .iter()
                .filter(|t| !new.contains(t))
                .map(|t| t.to_string())
                .collect();
            responses.push(BulkTagsResult::ContactResult(result));
        }
        self.bump();
        let mut response = BulkUpdateTagsResponse::default();
        response.succeeded = Some(true);
        response.error_count = Some(errors.into());
        response.responses = responses;
        Ok((response, events))
    }

    /// `addRemoveContactsFromBusiness`: `ids` lists the contacts updated.
    pub fn add_remove_contacts_from_business(
        &mut self,
        access: Access<'_>,
        request: &ContactsBusinessRequest,
        now: i64,
    ) -> Result<(ContactsBusinessResponse, Vec<Event>), ApiError> {
        self.existing_location(access, &request.location_id)?;
        if let Some(long) = request
            .ids
            .iter()
            .find(|id| id.chars().count() > BUSINESS_IDS_MAX_LEN)
        {
            return Err(ApiError::unprocessable(format!(
                "each value in ids must be shorter than or equal to {BUSINESS_IDS_MAX_LEN} characters ({} has {})",
                long,
                long.chars().count()
            )));
        }
        let mut updated = Vec::new();
        let mut events = Vec::new();
        for id in &request.ids {
            if self
                .index
                .get(id.as_str())
                .is_none_or(|l| **l != *request.location_id)
            {
                continue;
            }
            let entry = self.entry_mut(access, id)?;
            let business = request.business_id.as_deref();
            if entry.record.text(Text::BusinessId) != business {
                entry.record.set_text(Text::BusinessId, business);
                entry.record.date_updated = now;
                let changed = Changed {
                    fields: true,
                    ..Changed::default()
                };
                events.extend(events_for(changed, &entry.record.to_contact()));
            }
            if !updated.contains(id) {
                updated.push(id.clone());
            }
        }
        self.bump();
        let mut response = ContactsBusinessResponse::default();
        response.success = Some(true);
        response.ids = updated;
        Ok((response, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DuplicateSettings, EventKind};
    use leadconnector::types::CreateContactRequest;

    #[test]
    fn bulk_tags_report_each_contact() {
        let mut store = Store::new(5);
        let loc = store.add_location(DuplicateSettings::default());
        let other = store.add_location(DuplicateSettings::default());
        let mut create = |loc: &str, tags: &[&str]| {
            store
                .create_contact(
                    Access::Any,
                    &CreateContactRequest::new(loc).tags(tags.iter().copied()),
                    0,
                )
                .unwrap()
                .0
                .contact
                .id
        };
        let a = create(&loc, &["old"]);
        let gone = create(&loc, &[]);
        let elsewhere = create(&other, &[]);
        store.delete_contact(Access::Any, &gone).unwrap();
        let request = BulkUpdateTagsRequest::new(
            [
                a.as_str(),
                "abcdef",
                gone.as_str(),
                elsewhere.as_str(),
                "AAAAAAAAAAAAAAAAAAAA",
            ],
            ["New", "old"],
            &loc,
        );
        let (response, events) = store
            .bulk_update_tags(Access::Any, &BulkTagsAction::Add, &request, 1)
            .unwrap();
        assert_eq!(
            response.error_count.as_ref().and_then(|n| n.as_u64()),
            Some(4)
        );
        let messages: Vec<_> = response
            .responses
            .iter()
            .map(|r| match r {
                BulkTagsResult::ContactResult(r) => r.message.clone().unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            messages,
            [
                "Tags updated",
                messages::BULK_INVALID_ID,
                messages::BULK_DELETED,
                messages::BULK_OTHER_LOCATION,
                messages::BULK_NOT_FOUND
            ]
        );
        match &response.responses[0] {
            BulkTagsResult::ContactResult(r) => {
                assert_eq!(
                    (r.old_tags.clone(), r.tags_added.clone()),
                    (vec!["old".into()], vec!["new".into()])
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [EventKind::TagUpdate]
        );
        let remove_all = BulkUpdateTagsRequest::new([a.as_str()], Vec::<String>::new(), &loc)
            .remove_all_tags(true);
        store
            .bulk_update_tags(Access::Any, &BulkTagsAction::Remove, &remove_all, 2)
            .unwrap();
        assert!(store
            .get_contact(Access::Any, &a)
            .unwrap()
            .contact
            .tags
            .is_empty());
    }

    #[test]
    fn business_association_sets_and_clears() {
        let mut store = Store::new(6);
        let loc = store.add_location(DuplicateSettings::default());
        let id = store
            .create_contact(Access::Any, &CreateContactRequest::new(&loc), 0)
            .unwrap()
            .0
            .contact
            .id;
        let set = ContactsBusinessRequest::new(
            &loc,
            [id.as_str(), "missing"],
            Some("641c094001436dbc2081e642".to_owned()),
        );
        let (response, events) = store
            .add_remove_contacts_from_business(Access::Any, &set, 1)
            .unwrap();
        assert_eq!(response.ids, vec![id.clone()]);
        assert_eq!(events.len(), 1);
        assert_eq!(
            store
                .get_contact(Access::Any, &id)
                .unwrap()
                .contact
                .business_id
                .as_deref(),
            Some("641c094001436dbc2081e642")
        );
        let clear = ContactsBusinessRequest::new(&loc, [id.as_str()], None::<String>);
        store
            .add_remove_contacts_from_business(Access::Any, &clear, 2)
            .unwrap();
        assert_eq!(
            store
                .get_contact(Access::Any, &id)
                .unwrap()
                .contact
                .business_id,
            None
        );
    }
}
