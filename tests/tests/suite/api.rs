//! The generated API as a user writes against it: builders and the one rule
//! for optional request fields, enums that parse and keep unknown values,
//! unions built with `From`, and `Debug` that keeps personal data out.

use leadconnector::{types, Number, Value};
use serde_json::json;

#[test]
fn request_fields_are_absent_until_set_and_cleared_only_where_null_is_accepted() {
    let request = types::CreateContactRequest::new("loc-1")
        .first_name("Rosan")
        .email(String::from("rosan@deos.com"))
        .clear_phone()
        .tags(["vip", "lead"])
        .dnd(true);
    assert_eq!(
        serde_json::to_value(&request).expect("encodes"),
        json!({
            "locationId": "loc-1",
            "firstName": "Rosan",
            "email": "rosan@deos.com",
            "phone": null,
            "tags": ["vip", "lead"],
            "dnd": true
        })
    );
    // A field set after being cleared is a value again.
    let update = types::UpdateContactRequest::default()
        .clear_postal_code()
        .postal_code("35061");
    assert_eq!(
        serde_json::to_value(&update).expect("encodes"),
        json!({"postalCode": "35061"})
    );
    // Nothing set: nothing sent.
    assert_eq!(
        serde_json::to_value(types::UpdateContactRequest::default()).expect("encodes"),
        json!({})
    );
}

#[test]
fn enums_parse_listed_values_to_their_variant_and_keep_others() {
    use types::SearchLogic;

    let and: SearchLogic = "AND".parse().expect("infallible");
    assert_eq!(and, SearchLogic::And);
    assert_eq!(SearchLogic::from("OR"), SearchLogic::Or);
    assert_eq!(and.to_string(), "AND");

    // An unlisted value is kept, is never equal to a listed one, and goes
    // back on the wire exactly as it came.
    let xor = SearchLogic::from("XOR");
    assert!(matches!(&xor, SearchLogic::Unknown(v) if v.as_str() == "XOR"));
    assert_ne!(xor, SearchLogic::And);
    assert_eq!(xor.as_str(), "XOR");
    let decoded: SearchLogic = serde_json::from_value(json!("and")).expect("decodes");
    assert!(
        matches!(decoded, SearchLogic::Unknown(_)),
        "case matters: {decoded:?}"
    );
    assert_eq!(
        serde_json::to_value(&decoded).expect("encodes"),
        json!("and")
    );
}

#[test]
fn unions_are_built_from_their_payloads() {
    let filter = types::SearchFilter::new("email", "eq").value("rosan@deos.com");
    let group = types::SearchFilterGroup::new(types::SearchLogic::Or, [filter.clone()]);
    let request = types::SearchContactsRequest::new("loc-1", 20)
        .filters([types::SearchFilterItem::from(group), filter.into()]);
    assert_eq!(
        serde_json::to_value(&request).expect("encodes")["filters"],
        json!([
            {"group": "OR", "filters": [{"field": "email", "operator": "eq", "value": "rosan@deos.com"}]},
            {"field": "email", "operator": "eq", "value": "rosan@deos.com"}
        ])
    );
    // The JSON types the API exposes come from the crate itself.
    let number = types::CustomFieldValue::from(Number::from(100));
    assert_eq!(serde_json::to_value(&number).expect("encodes"), json!(100));
    let _: Option<Value> = types::SearchFilter::new("f", "exists").value;
}

#[test]
fn debug_prints_no_personal_data() {
    let body = json!({
        "contact": {
            "id": "abc123",
            "firstName": "Rosan",
            "email": "rosan@deos.com",
            "phone": "+1 888-888-8888",
            "address1": "3535 1st St N",
            "ssn": "123-45-6789",
            "city": "Dolomite",
            "someNewField": "private-new-value",
            "attributionSource": {"url": "https://example.com", "ip": "58.111.106.198"}
        }
    });
    let response: types::ContactResponse = serde_json::from_value(body).expect("decodes");
    let text = format!("{response:?}");
    for private in [
        "Rosan",
        "rosan@deos.com",
        "888-888",
        "3535",
        "123-45-6789",
        "private-new-value",
        "58.111",
    ] {
        assert!(!text.contains(private), "`{private}` in {text}");
    }
    // What is not personal still helps debugging: ids, presence, names of
    // unknown fields.
    for shown in [
        "abc123",
        "Dolomite",
        "email: Some(<redacted>)",
        "last_name: None",
        "someNewField",
    ] {
        assert!(text.contains(shown), "`{shown}` missing from {text}");
    }
    // Request types too.
    let request = types::UpdateContactRequest::default()
        .email("rosan@deos.com")
        .clear_phone();
    let text = format!("{request:?}");
    assert!(!text.contains("rosan@deos.com"), "{text}");
    assert!(
        text.contains("email: Value(<redacted>)") && text.contains("phone: Null"),
        "{text}"
    );
    // The fields themselves hold the values.
    assert_eq!(response.contact.email.as_deref(), Some("rosan@deos.com"));
}

#[test]
fn a_custom_field_of_each_kind_is_one_line() {
    use types::{CustomFieldFile, CustomFieldInput, CustomFieldValue};
    let request = types::CreateContactRequest::new("loc-1").custom_fields([
        CustomFieldInput::new("text").field_value("My Text"),
        CustomFieldInput::new("number").field_value(100),
        CustomFieldInput::new("big").field_value(5_000_000_000u64),
        CustomFieldInput::new("money").field_value(100.5),
        CustomFieldInput::new("options").field_value(["test", "test2"]),
        CustomFieldInput::new("checkbox").field_value(vec!["Yes"]),
        CustomFieldInput::new("file").field_value(CustomFieldValue::file(
            "f31175d4",
            CustomFieldFile::default().url("https://example.com/d/1"),
        )),
    ]);
    assert_eq!(
        serde_json::to_value(&request).expect("encodes")["customFields"],
        json!([
            {"id": "text", "field_value": "My Text"},
            {"id": "number", "field_value": 100},
            {"id": "big", "field_value": 5_000_000_000u64},
            {"id": "money", "field_value": 100.5},
            {"id": "options", "field_value": ["test", "test2"]},
            {"id": "checkbox", "field_value": ["Yes"]},
            {"id": "file", "field_value": {"f31175d4": {"url": "https://example.com/d/1"}}},
        ])
    );
    // A computed number that may not be finite: checked, not sent.
    assert_eq!(CustomFieldValue::number(f64::NAN), None);
    assert_eq!(
        CustomFieldValue::number(0.25),
        Some(CustomFieldValue::from(0.25))
    );
    let failed = std::panic::catch_unwind(|| CustomFieldValue::from(f64::INFINITY));
    assert!(failed.is_err(), "JSON has no infinity");
}
