//! Time fields of events decode as response times do: a genuine event is
//! never refused for the shape of a time. Random events generated from the
//! schemas of `spec/webhooks.yaml`, their times in every shape, are signed
//! and must all verify, losing nothing.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{FixedOffset, SecondsFormat};
use proptest::strategy::BoxedStrategy;
use serde_json::Map;

use super::*;

/// A `ContactCreate` as the vendor's services write it, with `dateAdded`.
fn create_with_date_added(webhook_id: &str, date_added: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "ContactCreate",
        "timestamp": "2025-01-28T14:35:00Z",
        "webhookId": webhook_id,
        "id": "nmFmQEsNgz6AVpgLVUJ0",
        "dateAdded": date_added,
    }))
    .unwrap()
}

#[tokio::test]
async fn a_contact_create_whose_date_added_is_not_rfc3339_verifies_and_keeps_it() {
    let verifier = verifier();
    let shapes = [
        ("2021-11-26 12:41:02", None),
        ("", None),
        ("1637930462193", None),
        ("2021-11-26T12:41:02.193Z", Some(1_637_930_462_193)),
        ("2021-11-26T13:41:02.193+01:00", Some(1_637_930_462_193)),
    ];
    for (n, (date_added, millis)) in shapes.into_iter().enumerate() {
        let body = create_with_date_added(&format!("wh-date-{n}"), date_added);
        let verified = verify_with(&verifier, &body, &sign(key_a(), &body))
            .await
            .unwrap_or_else(|e| panic!("{date_added:?}: {e}"));
        let ContactEvent::Create(contact) = &verified.event else {
            panic!("{:?}", verified.event)
        };
        let kept = contact.date_added.as_ref().expect("dateAdded is kept");
        assert_eq!(kept.as_str(), date_added);
        assert_eq!(kept.to_utc().map(|t| t.timestamp_millis()), millis);
    }
}

#[tokio::test]
async fn the_timestamp_is_read_in_every_shape_that_names_an_instant() {
    let verifier = verifier();
    let shapes = [
        "2025-01-28T14:35:00Z",
        "2025-01-28T14:35:00.000Z",
        "2025-01-28T16:35:00+02:00",
        "2025-01-28T09:05:00-05:30",
        "2025-01-28t14:35:00z",
        "2025-01-28 14:35:00Z",
        // No offset: UTC, the shape the vendor writes elsewhere.
        "2025-01-28 14:35:00",
        "2025-01-28T14:35:00",
        "2025-01-28 14:35:00.000000",
    ];
    for (n, shape) in shapes.into_iter().enumerate() {
        let body = create_body(&format!("wh-shape-{n}"), shape);
        let verified = verify_with(&verifier, &body, &sign(key_a(), &body))
            .await
            .unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert_eq!(verified.timestamp, sent_at(), "{shape}");
        let ContactEvent::Create(contact) = &verified.event else {
            panic!("{:?}", verified.event)
        };
        assert_eq!(contact.timestamp.as_str(), shape, "kept as sent");
    }
    // What names no instant cannot be checked against the window.
    for shape in ["", " ", "yesterday", "2025-01-28", "14:35:00", "1738074900"] {
        let body = create_body("wh-no-instant", shape);
        let err = verify_with(&verifier, &body, &sign(key_a(), &body))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, WebhookError::Malformed { path, .. } if path == "timestamp"),
            "{shape:?}: {err:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Random events from the spec's schemas
// ---------------------------------------------------------------------------

/// `spec/webhooks.yaml` as JSON.
fn webhooks_spec() -> Value {
    let text = std::fs::read_to_string(tests::root().join("spec/webhooks.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// `schema` with its `$ref` followed and its `allOf` parts merged into one
/// object (properties and `required` joined, other keywords kept).
fn resolve(spec: &Value, schema: &Value) -> Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference.trim_start_matches('#');
        return resolve(spec, spec.pointer(pointer).expect("a $ref the spec holds"));
    }
    let mut merged = schema.as_object().cloned().unwrap_or_default();
    if let Some(parts) = merged.remove("allOf") {
        for part in parts.as_array().into_iter().flatten() {
            let Value::Object(part) = resolve(spec, part) else {
                continue;
            };
            for (key, value) in part {
                match (key.as_str(), merged.get_mut(&key)) {
                    ("properties", Some(Value::Object(into))) => {
                        into.extend(value.as_object().cloned().unwrap_or_default());
                    }
                    ("required", Some(Value::Array(into))) => {
                        into.extend(value.as_array().cloned().unwrap_or_default());
                    }
                    // The property's own description, example... win.
                    (_, Some(_)) => {}
                    (_, None) => {
                        merged.insert(key, value);
                    }
                }
            }
        }
    }
    Value::Object(merged)
}

/// Whether a schema is a point in time: the runtime's `Timestamp`, or a
/// `date-time` string.
fn is_time(schema: &Value) -> bool {
    schema.get("x-rust-type").and_then(Value::as_str) == Some("Timestamp")
        || schema.get("format").and_then(Value::as_str) == Some("date-time")
}

/// Text of any kind: letters, digits, punctuation, any Unicode.
fn text() -> BoxedStrategy<String> {
    prop_oneof!["[a-zA-Z0-9 .@+_-]{0,24}", "\\PC{0,12}"].boxed()
}

/// Any JSON value, a few levels deep.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A point in time as a string, in every shape the vendor's services
/// write, or none: the pages type time fields as plain strings.
fn time_text() -> BoxedStrategy<String> {
    let instant = (0i64..4_102_444_800, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap());
    prop_oneof![
        (instant.clone(), any::<bool>())
            .prop_map(|(t, z)| t.to_rfc3339_opts(SecondsFormat::Millis, z)),
        (instant.clone(), -(14 * 60)..=(14 * 60)).prop_map(|(t, minutes)| {
            let offset = FixedOffset::east_opt(minutes * 60).unwrap();
            t.with_timezone(&offset)
                .to_rfc3339_opts(SecondsFormat::AutoSi, false)
        }),
        instant
            .clone()
            .prop_map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        instant
            .clone()
            .prop_map(|t| t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
        instant.prop_map(|t| t.timestamp_millis().to_string()),
        Just(String::new()),
        text(),
    ]
    .boxed()
}

/// A value valid against `schema` (as `spec/webhooks.yaml` writes them:
/// no `nullable`, so no nulls but where any JSON is allowed).
fn valid_value(spec: &Value, schema: &Value) -> BoxedStrategy<Value> {
    let schema = resolve(spec, schema);
    if is_time(&schema) {
        return time_text().prop_map(Value::from).boxed();
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        // Listed values, and others: unknown values are kept, not refused.
        let listed = proptest::sample::select(values.clone());
        return prop_oneof![3 => listed, 1 => "[a-z]{1,10}".prop_map(Value::from)].boxed();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => text().prop_map(Value::from).boxed(),
        Some("boolean") => any::<bool>().prop_map(Value::from).boxed(),
        Some("integer") => any::<i64>().prop_map(Value::from).boxed(),
        Some("number") => (-1e9f64..1e9).prop_map(Value::from).boxed(),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            proptest::collection::vec(valid_value(spec, &items), 0..4)
                .prop_map(Value::from)
                .boxed()
        }
        _ if schema.get("properties").is_some() => {
            valid_object(spec, &schema).prop_map(Value::Object).boxed()
        }
        // No type: any JSON value. But `null`: an optional field sent as
        // null reads as absent (as on responses), so it would not encode
        // back; inside the value, nulls are kept.
        _ => any_json()
            .prop_filter("null reads as absent", |v| !v.is_null())
            .boxed(),
    }
}

/// An object with each required property and any of the others.
fn valid_object(spec: &Value, schema: &Value) -> BoxedStrategy<Map<String, Value>> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let name = name.clone();
            let value = valid_value(spec, property);
            if required.contains(&name.as_str()) {
                value.prop_map(move |v| Some((name.clone(), v))).boxed()
            } else {
                proptest::option::of(value.prop_map(move |v| (name.clone(), v))).boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| fields.into_iter().flatten().collect())
        .boxed()
}

/// The envelope's `timestamp`: an instant within the window of [`now`], in
/// one of the shapes the verifier reads, and the instant it names.
fn envelope_timestamp() -> BoxedStrategy<(String, DateTime<Utc>)> {
    let instant = (-290i64..290, 0u32..1_000_000_000).prop_map(|(secs, nanos)| {
        now() + TimeDelta::seconds(secs) + TimeDelta::nanoseconds(nanos.into())
    });
    let whole = |t: DateTime<Utc>| DateTime::from_timestamp(t.timestamp(), 0).unwrap();
    prop_oneof![
        instant.clone().prop_map(|t| (
            t.to_rfc3339_opts(SecondsFormat::Millis, true),
            DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap()
        )),
        instant
            .clone()
            .prop_map(move |t| (t.to_rfc3339_opts(SecondsFormat::Secs, true), whole(t))),
        (instant.clone(), -(14 * 60)..=(14 * 60)).prop_map(|(t, minutes)| {
            let offset = FixedOffset::east_opt(minutes * 60).unwrap();
            (
                t.with_timezone(&offset)
                    .to_rfc3339_opts(SecondsFormat::Nanos, false),
                t,
            )
        }),
        instant
            .clone()
            .prop_map(move |t| (t.format("%Y-%m-%d %H:%M:%S").to_string(), whole(t))),
        instant
            .clone()
            .prop_map(|t| (t.format("%Y-%m-%dT%H:%M:%S%.f").to_string(), t)),
        instant.prop_map(|t| (
            t.format("%Y-%m-%d %H:%M:%S%.fZ").to_string().to_lowercase(),
            t
        )),
    ]
    .boxed()
}

#[test]
fn random_schema_valid_events_with_times_in_any_shape_all_verify_losing_nothing() {
    let spec = webhooks_spec();
    let events: Vec<(String, Value)> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(_, schema)| {
            let name = schema.get("x-webhook-event")?.as_str()?.to_owned();
            Some((name, resolve(&spec, schema)))
        })
        .collect();
    assert_eq!(events.len(), 5);
    let strategies: Vec<BoxedStrategy<(String, Map<String, Value>)>> = events
        .iter()
        .map(|(name, schema)| {
            let name = name.clone();
            valid_object(&spec, schema)
                .prop_map(move |fields| (name.clone(), fields))
                .boxed()
        })
        .collect();
    let event = proptest::strategy::Union::new(strategies);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let verifier = verifier();
    let ids = AtomicUsize::new(0);
    // Signing is slow in a debug build: 2048-bit RSA, one per case.
    let mut runner = TestRunner::new(Config {
        cases: 128,
        ..Config::default()
    });
    runner
        .run(
            &(event, envelope_timestamp()),
            |((name, mut fields), (stamp, at))| {
                fields.insert("type".into(), json!(name));
                fields.insert("timestamp".into(), json!(stamp));
                let id = format!("wh-random-{}", ids.fetch_add(1, Ordering::Relaxed));
                fields.insert("webhookId".into(), json!(id));
                let sent = Value::Object(fields);
                let body = serde_json::to_vec(&sent).unwrap();
                let verified = runtime
                    .block_on(verifier.verify(&body, Some(sign(key_a(), &body).as_bytes()), now()))
                    .map_err(|e| TestCaseError::fail(format!("{e}: {sent}")))?;
                prop_assert_eq!(&verified.event_type, &name);
                prop_assert_eq!(verified.webhook_id, id);
                prop_assert_eq!(verified.timestamp, at, "{}", stamp);
                // Nothing lost: the typed event encodes back to what was sent
                // (times as sent; an empty list reads as absent), compared with
                // the body as serde_json reads it (its float parsing may differ
                // in the last digit from the value written).
                let mut expected: Value = serde_json::from_slice(&body).unwrap();
                if let Some(fields) = expected.as_object_mut() {
                    fields.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
                }
                let encoded = serde_json::to_value(&verified.event).unwrap();
                prop_assert_eq!(encoded, expected);
                Ok(())
            },
        )
        .unwrap();
}
