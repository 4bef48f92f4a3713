//! Typed decoding of verified bodies: the five events, unknown types and
//! fields, malformed bodies, and what errors and `Debug` show.

use super::*;

#[tokio::test]
async fn each_vendor_example_verifies_and_decodes_into_its_event() {
    let verifier = verifier();
    for (name, example) in spec_examples() {
        // Pretty-printed, as a sender might: the signature covers the bytes
        // whatever their layout.
        let body = serde_json::to_vec_pretty(&example).unwrap();
        let signature = sign(key_a(), &body);
        let verified = verify_with(&verifier, &body, &signature)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.event_type, name);
        assert_eq!(verified.webhook_id, example["webhookId"].as_str().unwrap());
        assert_eq!(verified.timestamp, sent_at());
        assert_eq!(verified.unknown_body, None);
        let (id, email, tags, extra) = match &verified.event {
            ContactEvent::Create(c)
            | ContactEvent::Update(c)
            | ContactEvent::Delete(c)
            | ContactEvent::TagUpdate(c) => (&c.id, &c.email, &c.tags, &c.extra),
            ContactEvent::DndUpdate(c) => {
                let sms = c.dnd_settings.as_ref().unwrap().sms.as_ref().unwrap();
                assert_eq!(sms.status, Some(WebhookDndSettingStatus::Inactive));
                assert_eq!(sms.code.as_deref(), Some("101"));
                (&c.id, &c.email, &c.tags, &c.extra)
            }
            other => panic!("{name} decoded as {other:?}"),
        };
        let variant = format!("{:?}", verified.event);
        assert!(
            variant.starts_with(&format!("{}(", name.trim_start_matches("Contact"))),
            "{name} decoded as {variant}"
        );
        assert_eq!(id.as_deref(), Some("nmFmQEsNgz6AVpgLVUJ0"));
        assert_eq!(email.as_deref(), Some("JohnDeo@gmail.comm"));
        assert_eq!(tags.len(), 2);
        assert!(
            extra.is_empty(),
            "{name}: every field is typed: {:?}",
            extra.keys()
        );
        // Nothing is lost: the typed event encodes back to the example
        // (an empty array, `attachments: []`, reads as absent: see the
        // requests guide's "Response fields").
        // Times are kept as sent.
        let encoded = serde_json::to_value(&verified.event).unwrap();
        let mut expected = example.clone();
        if let Some(fields) = expected.as_object_mut() {
            fields.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
        }
        assert_eq!(encoded, expected, "{name} round trip");
    }
}

#[tokio::test]
async fn an_unknown_event_type_is_kept_not_rejected() {
    let verifier = verifier();
    let body = br#"{"type":"ContactMerged","timestamp":"2025-01-28T14:35:00Z","webhookId":"wh-9","into":"abc"}"#;
    let verified = verify_with(&verifier, body, &sign(key_a(), body))
        .await
        .unwrap();
    assert_eq!(verified.event, ContactEvent::Unknown);
    assert_eq!(verified.event_type, "ContactMerged");
    assert_eq!(verified.unknown_body.as_ref().unwrap()["into"], "abc");
}

#[tokio::test]
async fn unknown_fields_are_kept_and_values_decode_liberally() {
    let verifier = verifier();
    let body = br#"{"type":"ContactUpdate","timestamp":"2025-01-28T14:35:00Z","webhookId":"wh-9",
        "newField":{"a":1},"customFields":[{"id":"x","value":[1,"two"]}],
        "dndSettings":{"SMS":{"status":"snoozed"}}}"#;
    let verified = verify_with(&verifier, body, &sign(key_a(), body))
        .await
        .unwrap();
    let ContactEvent::Update(contact) = verified.event else {
        panic!("{:?}", verified.event);
    };
    assert_eq!(contact.extra["newField"], json!({"a": 1}));
    // Not listed for this event: kept as JSON.
    assert_eq!(contact.extra["dndSettings"]["SMS"]["status"], "snoozed");
    let value = contact.custom_fields[0].value.clone();
    assert_eq!(value, Some(json!([1, "two"])));
}

#[tokio::test]
async fn signed_bodies_that_are_not_webhooks_are_malformed_with_their_path() {
    let verifier = verifier();
    const NOT_AN_OBJECT: &str =
        "not a JSON object (a webhook body is an object with `type`, `timestamp` and `webhookId`)";
    const SCHEMA: &str = "does not match the event's schema";
    let cases: [(&[u8], &str, &str); 14] = [
        (b"not json", "", "not JSON"),
        // Arrays are refused at the root, whatever they hold: not read by
        // position as `type`, `timestamp`, `webhookId`.
        (b"[1,2]", "", NOT_AN_OBJECT),
        (b"[null,null,null]", "", NOT_AN_OBJECT),
        (br#"["ContactCreate","2025-01-28T14:35:00Z","w"]"#, "", NOT_AN_OBJECT),
        (b"\"ContactCreate\"", "", NOT_AN_OBJECT),
        (br#"{"type":"ContactCreate","type":"ContactUpdate","timestamp":"2025-01-28T14:35:00Z","webhookId":"w"}"#, "", "a JSON object with `type`, `timestamp` or `webhookId` twice"),
        (br#"{"type":"ContactCreate","webhookId":"w"}"#, "timestamp", "missing"),
        (br#"{"type":"ContactCreate","timestamp":"yesterday","webhookId":"w"}"#, "timestamp", "not a date and time (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)"),
        (br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z"}"#, "webhookId", "missing"),
        (br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z","webhookId":7}"#, "webhookId", "not a non-empty string"),
        (br#"{"timestamp":"2025-01-28T14:35:00Z","webhookId":"w"}"#, "type", "missing"),
        // Inside the payload: the field that did not decode.
        (br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z","webhookId":"w","dnd":"yes"}"#, "dnd", SCHEMA),
        (br#"{"type":"ContactDndUpdate","timestamp":"2025-01-28T14:35:00Z","webhookId":"w","dndSettings":{"SMS":{"message":5}}}"#, "dndSettings.SMS.message", SCHEMA),
        (br#"{"type":"ContactTagUpdate","timestamp":"2025-01-28T14:35:00Z","webhookId":"w","customFields":[{"id":"a"},{"id":7}]}"#, "customFields[1].id", SCHEMA),
    ];
    for (body, path, problem) in cases {
        let err = verify_with(&verifier, body, &sign(key_a(), body))
            .await
            .unwrap_err();
        match &err {
            WebhookError::Malformed {
                path: p,
                problem: q,
            } => {
                assert_eq!(
                    (p.as_str(), *q),
                    (path, problem),
                    "{}",
                    String::from_utf8_lossy(body)
                );
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

#[tokio::test]
async fn a_payload_mismatch_is_reported_at_its_field_in_every_event_of_the_spec() {
    let verifier = verifier();
    for (name, mut example) in spec_examples() {
        example["dnd"] = json!("yes");
        example["webhookId"] = json!(format!("mismatch-{name}"));
        let body = serde_json::to_vec(&example).unwrap();
        let err = verify_with(&verifier, &body, &sign(key_a(), &body))
            .await
            .unwrap_err();
        match &err {
            WebhookError::Malformed { path, .. } => assert_eq!(path, "dnd", "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert!(
            err.to_string().contains("malformed at `dnd`"),
            "{name}: {err}"
        );
    }
}

#[tokio::test]
async fn errors_and_debug_output_hold_no_body_signature_or_personal_data() {
    let verifier = verifier();
    let body = create_body("wh-secret-check", "2025-01-28T14:35:00Z");
    let signature = sign(key_a(), &body);
    let verified = verify_with(&verifier, &body, &signature).await.unwrap();
    let replayed = verify_with(&verifier, &body, &signature).await.unwrap_err();
    let mut tampered = body.clone();
    tampered[3] ^= 1;
    let bad = verify_with(&verifier, &tampered, &signature)
        .await
        .unwrap_err();
    let malformed_body = br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z","webhookId":"w","dnd":"JohnDeo@gmail.comm"}"#;
    let malformed = verify_with(&verifier, malformed_body, &sign(key_a(), malformed_body))
        .await
        .unwrap_err();
    let outputs = [
        format!("{verified:?}"),
        format!("{replayed} {replayed:?}"),
        format!("{bad} {bad:?}"),
        format!("{malformed} {malformed:?}"),
        format!("{verifier:?}"),
    ];
    for text in &outputs {
        assert!(!text.contains("JohnDeo"), "{text}");
        assert!(!text.contains(&signature[..16]), "{text}");
        assert!(!text.contains("nmFmQEsNgz6AVpgLVUJ0"), "{text}");
    }
    assert!(outputs[0].contains("wh-secret-check") && outputs[0].contains("ContactCreate"));
}

#[test]
fn the_generator_names_the_location_of_a_webhook_event_that_is_not_a_name() {
    let dir = tests::root().join("target/webhook-event-spec");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("bad_event.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Events, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    \
         Created:\n      x-webhook-event: [Created]\n      type: object\n      properties:\n        \
         id: {type: string}\n",
    )
    .unwrap();
    let options = generator::Options {
        runtime: generator::Runtime::in_crate(),
        spec_name: "bad_event.yaml".into(),
        standalone: None,
        deny_warnings: false,
    };
    let diagnostics = generator::generate(&spec, &options).unwrap_err();
    let text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(
        text.contains("`x-webhook-event` must be a string"),
        "{text}"
    );
    assert!(
        text.contains("#/components/schemas/Created/x-webhook-event"),
        "{text}"
    );
}
