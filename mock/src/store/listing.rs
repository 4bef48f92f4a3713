//! The two listings that are not search: the deprecated `getContacts`
//! (a `startAfter` / `startAfterId` cursor in `meta`) and
//! `getContactsByBusinessId` (`skip` / `limit`). Both list oldest first.

use leadconnector::types::{ContactsListResponse, ContactsMeta};

use super::{Access, Entry, Store, Text};
use crate::choices::{BUSINESS_LIMIT_DEFAULT, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX};
use crate::error::ApiError;
use crate::search::Query;

/// Query parameters of `getContacts`.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub query: Option<String>,
    pub limit: Option<i64>,
    pub start_after_id: Option<String>,
    pub start_after: Option<i64>,
}

fn limit_of(limit: Option<i64>, default: i64) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=LIST_LIMIT_MAX).contains(&limit) {
        return Err(ApiError::unprocessable(format!(
            "limit must be between 1 and {LIST_LIMIT_MAX}"
        )));
    }
    Ok(limit as usize)
}

/// The Location's contacts matching `query`, oldest first.
fn matching<'a>(
    store: &'a Store,
    access: Access<'_>,
    location_id: &str,
    query: Option<&str>,
    keep: impl Fn(&Entry) -> bool,
) -> Result<Vec<&'a Entry>, ApiError> {
    let query = query.and_then(Query::new);
    let mut entries: Vec<&Entry> = store
        .existing_location(access, location_id)?
        .contacts
        .values()
        .filter(|e| keep(e) && query.as_ref().is_none_or(|q| q.matches(&e.record)))
        .collect();
    entries.sort_unstable_by(|a, b| {
        (a.record.date_added, &a.record.id).cmp(&(b.record.date_added, &b.record.id))
    });
    Ok(entries)
}

impl Store {
    /// `getContacts` (deprecated by the vendor). `base_url` makes
    /// `meta.nextPageUrl`.
    pub fn get_contacts(
        &self,
        access: Access<'_>,
        location_id: &str,
        params: &ListQuery,
        base_url: &str,
    ) -> Result<ContactsListResponse, ApiError> {
        let limit = limit_of(params.limit, LIST_LIMIT_DEFAULT)?;
        let entries = matching(self, access, location_id, params.query.as_deref(), |_| true)?;
        let after = match (params.start_after, params.start_after_id.as_deref()) {
            (None, None) => None,
            (time, id) => {
                let time = time
                    .or_else(|| {
                        let id = id?;
                        entries
                            .iter()
                            .find(|e| *e.record.id == *id)
                            .map(|e| e.record.date_added)
                    })
                    .unwrap_or(i64::MIN);
                Some((time, id.unwrap_or("")))
            }
        };
        let skipped = after.map_or(0, |(time, id)| {
            entries.partition_point(|e| (e.record.date_added, &*e.record.id) <= (time, id))
        });
        let page: Vec<&Entry> = entries.iter().skip(skipped).take(limit).copied().collect();
        let more = skipped + page.len() < entries.len();
        let current = skipped / limit + 1;
        let mut meta = ContactsMeta::default();
        meta.total = Some(entries.len().into());
        meta.current_page = Some(current.into());
        if current > 1 {
            meta.prev_page = Some((current - 1).into());
        }
        if let Some(last) = page.last() {
            meta.start_after_id = Some(last.record.id.to_string());
            meta.start_after = Some(last.record.date_added.into());
            if more {
                meta.next_page = Some((current + 1).into());
                let mut url = format!(
                    "{}/contacts/?locationId={}&startAfter={}&startAfterId={}",
                    base_url.trim_end_matches('/'),
                    location_id,
                    last.record.date_added,
                    last.record.id
                );
                if params.limit.is_some() {
                    url.push_str(&format!("&limit={limit}"));
                }
                meta.next_page_url = Some(url);
            }
        }
        let mut response = ContactsListResponse::default();
        response.count = Some(page.len().into());
        response.contacts = page.iter().map(|e| e.record.to_contact()).collect();
        response.meta = Some(meta);
        Ok(response)
    }

    /// `getContactsByBusinessId`.
    pub fn get_contacts_by_business_id(
        &self,
        access: Access<'_>,
        business_id: &str,
        location_id: &str,
        limit: Option<i64>,
        skip: Option<i64>,
        query: Option<&str>,
    ) -> Result<ContactsListResponse, ApiError> {
        let limit = limit_of(limit, BUSINESS_LIMIT_DEFAULT)?;
        let skip = skip.unwrap_or(0);
        if skip < 0 {
            return Err(ApiError::unprocessable("skip must not be less than 0"));
        }
        let entries = matching(self, access, location_id, query, |e| {
            e.record.text(Text::BusinessId) == Some(business_id)
        })?;
        let mut response = ContactsListResponse::default();
        response.contacts = entries
            .iter()
            .skip(skip as usize)
            .take(limit)
            .map(|e| e.record.to_contact())
            .collect();
        response.count = Some(response.contacts.len().into());
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DuplicateSettings;
    use leadconnector::types::{ContactsBusinessRequest, CreateContactRequest};

    fn store_with(n: usize) -> (Store, String, Vec<String>) {
        let mut store = Store::new(9);
        let loc = store.add_location(DuplicateSettings::default());
        let ids = (0..n)
            .map(|i| {
                let request = CreateContactRequest::new(&loc).first_name(format!("Person {i}"));
                // Two contacts per millisecond: the id breaks the tie.
                store
                    .create_contact(Access::Any, &request, (i / 2) as i64)
                    .unwrap()
                    .0
                    .contact
                    .id
            })
            .collect();
        (store, loc, ids)
    }

    #[test]
    fn the_cursor_walks_every_contact_once_oldest_first() {
        let (store, loc, _) = store_with(7);
        let mut seen = Vec::new();
        let mut params = ListQuery {
            limit: Some(3),
            ..Default::default()
        };
        let mut pages = 0;
        loop {
            let page = store
                .get_contacts(Access::Any, &loc, &params, "http://mock")
                .unwrap();
            pages += 1;
            let meta = page.meta.unwrap();
            assert_eq!(meta.total.unwrap().as_u64(), Some(7));
            assert_eq!(meta.current_page.unwrap().as_u64(), Some(pages));
            seen.extend(page.contacts.iter().map(|c| c.id.clone()));
            if meta.next_page_url.is_none() {
                break;
            }
            assert!(meta
                .next_page_url
                .unwrap()
                .starts_with("http://mock/contacts/?locationId="));
            params.start_after_id = meta.start_after_id.clone();
            params.start_after = meta.start_after.unwrap().as_i64();
        }
        assert_eq!(pages, 3);
        let mut expected = seen.clone();
        expected.dedup();
        assert_eq!(seen.len(), 7);
        assert_eq!(expected.len(), 7);
        assert!(matches!(
            store.get_contacts(
                Access::Any,
                &loc,
                &ListQuery {
                    limit: Some(101),
                    ..Default::default()
                },
                ""
            ),
            Err(ApiError::Unprocessable { .. })
        ));
    }

    #[test]
    fn a_business_lists_its_contacts_by_skip_and_limit() {
        let (mut store, loc, ids) = store_with(5);
        let request = ContactsBusinessRequest::new(&loc, ids[1..4].to_vec(), Some("b1".to_owned()));
        store
            .add_remove_contacts_from_business(Access::Any, &request, 10)
            .unwrap();
        let all = store
            .get_contacts_by_business_id(Access::Any, "b1", &loc, None, None, None)
            .unwrap();
        assert_eq!(all.contacts.len(), 3);
        let page = store
            .get_contacts_by_business_id(Access::Any, "b1", &loc, Some(2), Some(2), None)
            .unwrap();
        assert_eq!(
            page.contacts.iter().map(|c| &c.id).collect::<Vec<_>>(),
            [&all.contacts[2].id]
        );
        let named = store
            .get_contacts_by_business_id(Access::Any, "b1", &loc, None, None, Some("person 2"))
            .unwrap();
        assert_eq!(named.contacts.len(), 1);
    }
}
