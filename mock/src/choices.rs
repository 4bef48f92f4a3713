//! Every behaviour the mock had to choose because the vendor does not
//! document it, in one place. The rest of the mock follows the vendor's
//! pages and `spec/contacts.yaml`; where it departs, the reason is here.
//!
//! | Topic | The mock's choice |
//! |---|---|
//! | Unknown contact, task or note | 400 `{"statusCode":400,"message":"Contact not found"}` (`Task not found`, `Note not found`). The spec documents no 404. |
//! | A token used on another Location's data | 401 `The token does not have access to this location.` (the vendor sends 403 there, which the spec does not document). |
//! | Missing scope | 401 `The token is not authorized for this scope.` (the vendor's words). |
//! | Unknown or malformed token | 401 `Invalid token: access token is invalid` (the spec's example); an expired one: `Invalid token: access token is expired`. |
//! | Tags | Trimmed and lower-cased, each kept once, in the order first given. |
//! | Phone numbers | Stored as `+` and digits; ten digits without a `+` get `+1` (US), as the vendor's examples (`+1 888-888-8888` → `+18888888888`). Duplicates are matched on that form. |
//! | E-mail matching | Case-insensitive. |
//! | `name` | Returned as sent; when never sent, first and last name joined. `firstNameLowerCase`, `lastNameLowerCase`, `fullNameLowerCase` and `emailLowerCase` are derived. |
//! | `birthMonth` / `birthDay` | Derived from `dateOfBirth`; the month counted from 0, as the vendor's example pairs 8 with September. `dateOfBirth` is stored as `YYYY-MM-DDT00:00:00.000Z`. |
//! | `inboundDndSettings` | Accepted and not returned: the `Contact` schema has no such field. |
//! | Custom fields | Merged by id on update and upsert; a value of `null` removes the field's value. |
//! | Duplicate check on create | With duplicates not allowed (the default), a create whose e-mail or phone (in the Location's configured order) matches a contact is refused with 400 `This location does not allow duplicated contacts.` and `meta: {contactId, contactName, matchingField}`. |
//! | `getDuplicateContact` | Looks in the Location's configured order (e-mail, then phone, by default); returns `{"contact": null}` when nothing matches. |
//! | Several duplicates | Where a Location that allows duplicates holds several contacts with the e-mail or phone, upsert and `getDuplicateContact` take the oldest (`dateAdded`, then id). |
//! | `TagsResponse.tags` | All of the contact's tags after the change. |
//! | `bulkUpdateTags` | `succeded: true` once the request is processed; `errorCount` counts the error entries (`contact id is not a valid firebase id`, `contact is deleted`, `contact does not belong to location`, `contact not found`). |
//! | `addRemoveContactsFromBusiness` | Contacts not in the Location are skipped and not listed in `ids`. Any business id is accepted (businesses are another API). |
//! | Campaigns and workflows | Any id is accepted (they are other APIs); the mock records membership and counts enrolments. Removing a contact that is not enrolled succeeds. |
//! | Listing order | `getContacts` and `getContactsByBusinessId`: oldest first (`dateAdded`, then id); `count` is the number of contacts on the page. |
//! | `getContacts` `limit` | 1 to 100 (default 20); outside that, 422. |
//! | Search default order | Newest first (`dateAdded` descending); every order ends with the id, ascending, so it is total. |
//! | `searchAfter` | The contact's sort values followed by its id (`[1735689600000, "ocQH..."]`); times in milliseconds. |
//! | Search limits | `pageLimit` 1 to 500; `page` ≥ 1 and `page * pageLimit` ≤ 10,000; `page` and `searchAfter` not together; `query` and string filter values at most 75 characters; `contains` values without special characters (only letters, digits, spaces and `@ . _ - + '`); unknown field or operator: all 422 with the vendor's validation shape (`message` a list). |
//! | Search consistency | Immediate (the vendor's search may lag a few seconds; tests should not depend on the lag). |
//! | Search text match | `query` matches, case-insensitively, as a substring of the first, last or full name, e-mail, phone (also by digits alone) or company name. `eq` / `not_eq` on text compare case-insensitively; on a list (`tags`, `followers`) they test whether any item is equal. |
//! | Search fields | Any contact field by its wire name (including the lower-case copies), `customFields.<id>` (or `customField.<id>`) for a custom field's value. |
//! | Rate limits | Per Location and token kind: a fixed 10 s window that opens with its first request (100 requests), and a day window from midnight UTC on the mock's clock (200,000). 429s do not count. `Retry-After` is the whole seconds until the window that is used up reopens. Every answer to a request with a known token carries the five `X-RateLimit-*` headers. |
//! | OAuth tokens | Opaque strings, not JWTs. Access tokens live 86,399 s (configurable); refresh tokens a year; an authorization code 10 minutes, once. Refresh rotates: the old refresh token gives 400 `invalid_grant` from then on. |
//! | Which event a change makes | A create (or an upsert that creates): `ContactCreate`. A change to an existing contact: `ContactUpdate` when fields other than DND and tags changed (the business too), `ContactDndUpdate` when `dnd` or `dndSettings` changed, `ContactTagUpdate` when the tags changed: one event of each kind that applies, none when nothing changed. A delete: `ContactDelete`, with the contact as it was. Followers, tasks, notes, campaigns and workflows make none (their events are not in `spec/webhooks.yaml`). |
//! | `dateUpdated` | Set when a write changes the contact (fields, tags, DND, followers, business); a write that changes nothing leaves it. |
//! | Tokens and Locations | A private integration token or OAuth token acts for one Location; a Company token reaches the contacts API only with the contacts scopes, and then every Location. The install page (`/v2/oauth/chooselocation`) installs on the mock's default Location unless `locationId` is given. |
//! | Webhooks | One delivery per event, POSTed as JSON with `x-wh-signature`; a delivery answered with anything but 2xx, or not answered within 10 s, is tried again after 1, 2, 4, 8 and 16 s (6 attempts in all). Events of one contact are delivered in order. |

/// Length limit of `query` and of string filter values in a search.
pub const SEARCH_TEXT_MAX: usize = 75;
/// Largest `pageLimit` of a search.
pub const SEARCH_PAGE_LIMIT_MAX: i64 = 500;
/// `page * pageLimit` may not go past this many records.
pub const SEARCH_PAGING_LIMIT: i64 = 10_000;
/// Largest `limit` of `getContacts`.
pub const LIST_LIMIT_MAX: i64 = 100;
/// `limit` of `getContacts` when not given.
pub const LIST_LIMIT_DEFAULT: i64 = 20;
/// `limit` of `getContactsByBusinessId` when not given.
pub const BUSINESS_LIMIT_DEFAULT: i64 = 25;
/// Longest contact id `addRemoveContactsFromBusiness` accepts (the spec).
pub const BUSINESS_IDS_MAX_LEN: usize = 50;

/// Requests per burst window and Location.
pub const BURST_MAX: u32 = 100;
/// The burst window, in milliseconds.
pub const BURST_WINDOW_MS: i64 = 10_000;
/// Requests per day and Location.
pub const DAILY_MAX: u32 = 200_000;

/// Lifetime of an OAuth access token, in seconds (what the vendor sends).
pub const ACCESS_TOKEN_SECONDS: i64 = 86_399;
/// Lifetime of a refresh token, in seconds (a year).
pub const REFRESH_TOKEN_SECONDS: i64 = 365 * 24 * 3600;
/// Lifetime of an authorization code, in seconds.
pub const CODE_SECONDS: i64 = 600;

/// Waits between webhook delivery attempts, in seconds.
pub const WEBHOOK_RETRY_SECONDS: [u64; 5] = [1, 2, 4, 8, 16];
/// How long a webhook receiver has to answer, in seconds.
pub const WEBHOOK_TIMEOUT_SECONDS: u64 = 10;

/// Messages of the errors the mock sends.
pub mod messages {
    pub const CONTACT_NOT_FOUND: &str = "Contact not found";
    pub const TASK_NOT_FOUND: &str = "Task not found";
    pub const NOTE_NOT_FOUND: &str = "Note not found";
    pub const NO_LOCATION_ACCESS: &str = "The token does not have access to this location.";
    pub const MISSING_SCOPE: &str = "The token is not authorized for this scope.";
    pub const INVALID_TOKEN: &str = "Invalid token: access token is invalid";
    pub const EXPIRED_TOKEN: &str = "Invalid token: access token is expired";
    pub const DUPLICATE_CONTACT: &str = "This location does not allow duplicated contacts.";
    pub const LOCATION_NOT_FOUND: &str = "Location not found";
    pub const BULK_INVALID_ID: &str = "contact id is not a valid firebase id";
    pub const BULK_DELETED: &str = "contact is deleted";
    pub const BULK_OTHER_LOCATION: &str = "contact does not belong to location";
    pub const BULK_NOT_FOUND: &str = "contact not found";
    pub const BULK_UPDATED: &str = "Tags updated";
}

/// A tag as stored: trimmed and lower case.
pub fn normalize_tag(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// A phone number as stored: `+` and digits; ten digits without a `+` are
/// taken as a US number (`+1`). Text without digits is kept as sent.
pub fn normalize_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return phone.to_owned();
    }
    if phone.trim_start().starts_with('+') {
        format!("+{digits}")
    } else if digits.len() == 10 {
        format!("+1{digits}")
    } else {
        format!("+{digits}")
    }
}

/// Whether a `contains` / `not_contains` value has only the characters the
/// vendor allows there.
pub fn is_plain_search_text(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "@._-+'".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_tags_are_normalised() {
        assert_eq!(normalize_phone("+1 888-888-8888"), "+18888888888");
        assert_eq!(normalize_phone("(555) 010-0199"), "+15550100199");
        assert_eq!(normalize_phone("+49 30 1234567"), "+49301234567");
        assert_eq!(normalize_tag("  VIP Customer "), "vip customer");
        assert!(is_plain_search_text("rosan deo@x.com"));
        assert!(!is_plain_search_text("ro*"));
    }
}
