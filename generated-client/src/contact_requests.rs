//! From a create to an upsert of the same contact: the recovery for a
//! create that may have been processed although its answer was lost.
//!
//! A create is not safe to repeat (a second one makes a second contact),
//! so the client never sends it again after the request may have reached
//! the server. An upsert with the same fields is: it finds the contact by
//! e-mail or phone (the location's duplicate settings decide which) and
//! creates it only when there is none, and the client retries it like a
//! GET. See [`Error::may_have_been_processed`](crate::Error::may_have_been_processed)
//! and `leadconnector::guide::errors`.

use crate::types::{CreateContactRequest, UpsertContactRequest};

impl From<&CreateContactRequest> for UpsertContactRequest {
    /// The same fields, upserted: matched on the e-mail or phone of the
    /// create (`createNewIfDuplicateAllowed` left out, so the location's
    /// settings decide).
    fn from(create: &CreateContactRequest) -> Self {
        // Every field named on both sides: a field added to either request
        // in the spec stops this from compiling until it is mapped here.
        let CreateContactRequest {
            first_name,
            last_name,
            name,
            email,
            location_id,
            gender,
            phone,
            address1,
            city,
            state,
            postal_code,
            website,
            timezone,
            dnd,
            dnd_settings,
            inbound_dnd_settings,
            tags,
            custom_fields,
            source,
            date_of_birth,
            country,
            company_name,
            assigned_to,
        } = create.clone();
        UpsertContactRequest {
            first_name,
            last_name,
            name,
            email,
            location_id,
            gender,
            phone,
            address1,
            city,
            state,
            postal_code,
            website,
            timezone,
            dnd,
            dnd_settings,
            inbound_dnd_settings,
            tags,
            custom_fields,
            source,
            date_of_birth,
            country,
            company_name,
            assigned_to,
            create_new_if_duplicate_allowed: None,
        }
    }
}

impl From<CreateContactRequest> for UpsertContactRequest {
    /// As `From<&CreateContactRequest>`.
    fn from(create: CreateContactRequest) -> Self {
        Self::from(&create)
    }
}
