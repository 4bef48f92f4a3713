//! The documented departures of spec/contacts.yaml from the vendor's
//! contacts.json that the vendor checks meet, each with its row in the
//! departures table of spec/README.md. A case that differs from the
//! vendor's file only in one of these ways is counted under its row; any
//! other difference is a failure.

use serde_json::{json, Value};

use super::schema::Violation;

/// A request difference the spec makes on purpose.
struct RequestRule {
    row: u32,
    /// Operations it applies to (empty: all).
    ops: &'static [&'static str],
    /// Where: a JSON pointer under `body` or `query/NAME`, `*` matching one
    /// segment and a trailing `**` any rest.
    at: &'static str,
}

pub struct Departures {
    titles: Vec<(u32, &'static str)>,
    requests: Vec<RequestRule>,
}

const CONTACT_WRITES: &[&str] = &["createContact", "updateContact", "upsertContact"];

impl Departures {
    pub fn new() -> Self {
        Self {
            titles: vec![
                (6, "`statusCode` is an integer"),
                (7, "required error fields"),
                (13, "search response: the vendor documents no body"),
                (14, "search errors: the vendor documents no bodies"),
                (17, "`customFields` items: one CustomFieldInput"),
                (22, "request `dateOfBirth` is a string"),
                (28, "update: `postalCode` and `dnd` are nullable"),
                (29, "DND `message` and `code` are nullable"),
                (44, "duplicate search: the vendor documents no body"),
                (58, "required wrapped objects and ids in responses"),
            ],
            requests: vec![
                RequestRule {
                    row: 17,
                    ops: CONTACT_WRITES,
                    at: "body/customFields/**",
                },
                RequestRule {
                    row: 22,
                    ops: CONTACT_WRITES,
                    at: "body/dateOfBirth",
                },
                RequestRule {
                    row: 28,
                    ops: &["updateContact"],
                    at: "body/postalCode",
                },
                RequestRule {
                    row: 28,
                    ops: &["updateContact"],
                    at: "body/dnd",
                },
                RequestRule {
                    row: 29,
                    ops: CONTACT_WRITES,
                    at: "body/dndSettings/*/message",
                },
                RequestRule {
                    row: 29,
                    ops: CONTACT_WRITES,
                    at: "body/dndSettings/*/code",
                },
                RequestRule {
                    row: 29,
                    ops: CONTACT_WRITES,
                    at: "body/inboundDndSettings/all/message",
                },
            ],
        }
    }

    pub fn title(&self, row: u32) -> &'static str {
        self.titles
            .iter()
            .find(|(r, _)| *r == row)
            .map_or("?", |(_, t)| t)
    }

    /// The row that explains a request violation, if one does.
    pub fn request(&self, op: &str, violation: &Violation) -> Option<u32> {
        self.requests
            .iter()
            .find(|rule| {
                (rule.ops.is_empty() || rule.ops.contains(&op)) && matches(rule.at, &violation.at)
            })
            .map(|rule| rule.row)
    }

    /// A vendor-generated response body as the spec documents it: `None`
    /// where the spec decides a body the vendor does not document (the case
    /// is then counted under the row, not sent), error bodies completed per
    /// rows 6 and 7. Returns the row applied, if any.
    pub fn patch_response(
        &self,
        op: &str,
        status: u16,
        body: Option<Value>,
    ) -> (Option<Value>, Option<u32>) {
        let Some(mut body) = body else {
            let row = match op {
                "searchContacts" if status >= 400 => 14,
                "searchContacts" => 13,
                "getDuplicateContact" => 44,
                _ => 0,
            };
            return (None, Some(row));
        };
        if status < 400 {
            let row = require_ids(op, &mut body).then_some(58);
            return (Some(body), row);
        }
        let mut row = None;
        if let Some(object) = body.as_object_mut() {
            let code = object.get("statusCode");
            // Row 6: the vendor says `number`; the spec (and every page)
            // says it is the HTTP status, an integer.
            if code.is_some_and(|c| !c.as_i64().is_some_and(|c| (100..600).contains(&c))) {
                object.insert("statusCode".into(), json!(status));
                row = Some(6);
            }
            let mut require = |name: &str, value: Value| {
                if !object.contains_key(name) {
                    object.insert(name.to_owned(), value);
                    row = row.or(Some(7));
                }
            };
            require("statusCode", json!(status));
            require(
                "message",
                if status == 422 {
                    json!(["Unprocessable Entity"])
                } else {
                    json!("Bad Request")
                },
            );
            // A 401 decodes without `error` (the missing-scope refusal).
            if status == 422 {
                require("error", json!("Unprocessable Entity"));
            }
        }
        (Some(body), row)
    }
}

/// Row 58: the spec requires the object a contact, task or note response
/// wraps, and the `id` of every contact, task and note, where the vendor's
/// schemas require nothing. Adds what a generated body lacks; whether it
/// had to.
fn require_ids(op: &str, body: &mut Value) -> bool {
    let Some(object) = body.as_object_mut() else {
        return false;
    };
    let mut patched = false;
    let wrapper = match op {
        "createContact" | "getContact" | "updateContact" | "upsertContact" => Some("contact"),
        "createTask" | "getTask" | "updateTask" | "updateTaskCompleted" => Some("task"),
        "createNote" | "getNote" | "updateNote" => Some("note"),
        _ => None,
    };
    if let Some(key) = wrapper {
        if !object.get(key).is_some_and(Value::is_object) {
            object.insert(key.to_owned(), json!({}));
            patched = true;
        }
    }
    let mut with_id = |item: &mut Value| {
        if let Some(inner) = item.as_object_mut() {
            if !inner.get("id").is_some_and(Value::is_string) {
                inner.insert("id".to_owned(), json!("generated-id"));
                patched = true;
            }
        }
    };
    for key in ["contact", "task", "note"] {
        if let Some(item) = object.get_mut(key) {
            with_id(item);
        }
    }
    for key in ["contacts", "tasks", "notes"] {
        if let Some(Value::Array(items)) = object.get_mut(key) {
            items.iter_mut().for_each(&mut with_id);
        }
    }
    patched
}

/// Whether `at` matches `pattern` (`*`: one segment; a trailing `**`: any rest).
fn matches(pattern: &str, at: &str) -> bool {
    let mut want = pattern.split('/');
    let mut have = at.split('/');
    loop {
        match (want.next(), have.next()) {
            (Some("**"), _) => return true,
            (Some(w), Some(h)) if w == "*" || w == h => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_one_segment_per_star_and_any_rest_after_double_star() {
        assert!(matches(
            "body/dndSettings/*/code",
            "body/dndSettings/SMS/code"
        ));
        assert!(!matches(
            "body/dndSettings/*/code",
            "body/dndSettings/SMS/message"
        ));
        assert!(matches(
            "body/customFields/**",
            "body/customFields/0/field_value"
        ));
        assert!(!matches("body/dnd", "body/dndSettings"));
        assert!(!matches("body/dnd", "body/dnd/x"));
    }

    #[test]
    fn error_bodies_are_completed_and_the_row_named() {
        let departures = Departures::new();
        let (body, row) =
            departures.patch_response("getContact", 422, Some(json!({"statusCode": 4.5})));
        assert_eq!(row, Some(6));
        assert_eq!(
            body,
            Some(
                json!({"statusCode": 422, "message": ["Unprocessable Entity"], "error": "Unprocessable Entity"})
            )
        );
        let (_, row) =
            departures.patch_response("getContact", 400, Some(json!({"statusCode": 400})));
        assert_eq!(row, Some(7), "message is missing");
        let whole = json!({"statusCode": 400, "message": "m"});
        assert_eq!(
            departures.patch_response("getContact", 400, Some(whole.clone())),
            (Some(whole), None)
        );
        let contact = json!({"contact": {"id": "c1"}});
        assert_eq!(
            departures.patch_response("getContact", 200, Some(contact.clone())),
            (Some(contact), None),
            "success bodies with what the spec requires are served as generated"
        );
    }

    #[test]
    fn success_bodies_get_the_required_objects_and_ids() {
        let departures = Departures::new();
        assert_eq!(
            departures.patch_response("getContact", 200, Some(json!({}))),
            (Some(json!({"contact": {"id": "generated-id"}})), Some(58))
        );
        assert_eq!(
            departures.patch_response(
                "getAllNotes",
                200,
                Some(json!({"notes": [{"body": "b"}, {"id": "n2"}]}))
            ),
            (
                Some(json!({"notes": [{"body": "b", "id": "generated-id"}, {"id": "n2"}]})),
                Some(58)
            )
        );
        // Operations that wrap nothing the spec requires are left alone.
        assert_eq!(
            departures.patch_response("deleteContact", 200, Some(json!({}))),
            (Some(json!({})), None)
        );
    }
}
