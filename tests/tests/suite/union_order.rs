//! Untagged unions try their alternatives from the most to the least
//! specific, so a body that matches exactly one alternative's schema
//! decodes as that alternative (the vendor's `fieldValue: oneOf [string,
//! {type: object}, array of strings, array of objects]` decoded every
//! object and array as its `{type: object}` alternative, tried second).
//!
//! The types are what the generator makes of `tests/fixtures/one_of_order.yaml`
//! (committed in `union_order/types.rs`, checked current below). Each union's
//! alternatives are written out here as the schemas the fixture gives them,
//! and random JSON values are matched against them: a value matching
//! exactly one must decode as it; one matching several, as the narrowest.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};

// Formatted by prettyplease, as generated; rustfmt would fight it.
#[rustfmt::skip]
#[allow(dead_code, reason = "the test decodes the unions; the rest of the module is its context")]
mod types;

use types::{Amount, Anything, FieldValue, Mode, ModeName, Shape, When, Who};

/// The committed types are the generator's output for the fixture.
/// `UPDATE_GENERATED=1` rewrites them.
#[test]
fn union_order_types_are_current() {
    tests::assert_committed_fixture(
        "tests/fixtures/one_of_order.yaml",
        "tests/tests/suite/union_order",
        &["types.rs"],
    );
}

// The alternatives' schemas, as the fixture writes them.

/// An integer written as one (`3`; `3.0` is a number with a fraction to a
/// Rust `i64`).
fn is_integer(v: &Value) -> bool {
    v.is_i64() || v.is_u64()
}

fn is_string(v: &Value) -> bool {
    v.is_string()
}

fn is_object(v: &Value) -> bool {
    v.is_object()
}

fn array_of(v: &Value, item: fn(&Value) -> bool) -> bool {
    v.as_array().is_some_and(|items| items.iter().all(item))
}

fn is_date_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn is_mode_name(v: &Value) -> bool {
    matches!(v.as_str(), Some("auto" | "none"))
}

fn is_point(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| ["x", "y"].iter().all(|k| o.get(*k).is_some_and(is_integer)))
}

fn is_named(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.get("name").is_some_and(Value::is_string))
}

fn is_person(v: &Value) -> bool {
    is_named(v) && v.get("age").is_some_and(is_integer)
}

/// An alternative: its variant's name and whether a value matches its
/// schema.
type Alternative = (&'static str, fn(&Value) -> bool);

/// One union: its alternatives' schemas, the name of the variant each is,
/// and the variant a value decodes as (`Err` when it does not decode).
struct Union {
    name: &'static str,
    alternatives: &'static [Alternative],
    decode: fn(&Value) -> Result<&'static str, String>,
}

fn decoded<T: serde::de::DeserializeOwned>(
    value: &Value,
    variant: fn(&T) -> &'static str,
) -> Result<&'static str, String> {
    serde_json::from_value::<T>(value.clone())
        .map(|t| variant(&t))
        .map_err(|e| e.to_string())
}

const UNIONS: &[Union] = &[
    Union {
        name: "FieldValue",
        alternatives: &[
            ("String", is_string),
            ("Object", is_object),
            ("List", |v| array_of(v, is_object)),
            ("StringList", |v| array_of(v, is_string)),
        ],
        decode: |v| {
            decoded::<FieldValue>(v, |t| match t {
                FieldValue::String(_) => "String",
                FieldValue::Object(_) => "Object",
                FieldValue::List(_) => "List",
                FieldValue::StringList(_) => "StringList",
            })
        },
    },
    Union {
        name: "Amount",
        alternatives: &[("Number", Value::is_number), ("Integer", is_integer)],
        decode: |v| {
            decoded::<Amount>(v, |t| match t {
                Amount::Number(_) => "Number",
                Amount::Integer(_) => "Integer",
            })
        },
    },
    Union {
        name: "Mode",
        alternatives: &[("String", is_string), ("Name", is_mode_name)],
        decode: |v| {
            decoded::<Mode>(v, |t| match t {
                Mode::String(_) => "String",
                Mode::Name(_) => "Name",
            })
        },
    },
    Union {
        name: "Shape",
        alternatives: &[("Object", is_object), ("Point", is_point)],
        decode: |v| {
            decoded::<Shape>(v, |t| match t {
                Shape::Object(_) => "Object",
                Shape::Point(_) => "Point",
            })
        },
    },
    Union {
        name: "Who",
        alternatives: &[("Named", is_named), ("Person", is_person)],
        decode: |v| {
            decoded::<Who>(v, |t| match t {
                Who::Named(_) => "Named",
                Who::Person(_) => "Person",
            })
        },
    },
    Union {
        name: "When",
        alternatives: &[("String", is_string), ("DateTime", is_date_time)],
        decode: |v| {
            decoded::<When>(v, |t| match t {
                When::String(_) => "String",
                When::DateTime(_) => "DateTime",
            })
        },
    },
    Union {
        name: "Anything",
        alternatives: &[("Json", |_| true), ("Boolean", Value::is_boolean)],
        decode: |v| {
            decoded::<Anything>(v, |t| match t {
                Anything::Json(_) => "Json",
                Anything::Boolean(_) => "Boolean",
            })
        },
    },
];

/// Where one alternative's values are all values of another, a value of
/// both decodes as the narrower: (union, narrower, wider).
const NARROWER: &[(&str, &str, &str)] = &[
    ("Amount", "Integer", "Number"),
    ("Mode", "Name", "String"),
    ("Shape", "Point", "Object"),
    ("Who", "Person", "Named"),
    ("When", "DateTime", "String"),
    ("Anything", "Boolean", "Json"),
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x".to_owned()),
        Just("y".to_owned()),
        Just("name".to_owned()),
        Just("age".to_owned()),
        "[a-z]{1,4}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1000.0f64..1000.0).prop_map(|f| json!(f)),
        "[a-z ]{0,8}".prop_map(Value::from),
        prop_oneof![Just("auto"), Just("none"), Just("AUTO")].prop_map(Value::from),
        "20[0-9]{2}-0[1-9]-[12][0-9]T[01][0-9]:[0-5][0-9]:[0-5][0-9](Z|\\+02:00)"
            .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

#[test]
fn a_body_matching_one_alternative_decodes_as_that_alternative() {
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    // How many values exercised each (union, alternative) alone: a
    // generator that never reaches one would prove nothing about it.
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<(&str, &str), usize>::new());
    let result = runner.run(&value(), |body| {
        for union in UNIONS {
            let matching: Vec<&str> = union
                .alternatives
                .iter()
                .filter(|(_, schema)| schema(&body))
                .map(|(name, _)| *name)
                .collect();
            let got = (union.decode)(&body);
            if let [only] = matching.as_slice() {
                *seen.borrow_mut().entry((union.name, only)).or_default() += 1;
                prop_assert_eq!(
                    got.as_deref(),
                    Ok(*only),
                    "{} decoded {} (matching only {})",
                    union.name,
                    body,
                    only
                );
            }
            for (name, narrow, wide) in NARROWER {
                if *name == union.name && matching.contains(narrow) {
                    prop_assert!(matching.contains(wide), "{name}: {narrow} within {wide}");
                    prop_assert_eq!(
                        got.as_deref(),
                        Ok(*narrow),
                        "{} decoded {} (matching {} and {})",
                        name,
                        body,
                        narrow,
                        wide
                    );
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    for union in UNIONS {
        for (alternative, _) in union.alternatives {
            let alone = seen.get(&(union.name, *alternative)).copied().unwrap_or(0);
            let narrower = NARROWER
                .iter()
                .any(|(name, narrow, _)| *name == union.name && narrow == alternative);
            assert!(
                alone > 0 || narrower,
                "no value matched only {}::{alternative}: {seen:?}",
                union.name
            );
        }
    }
}

/// The listed-values decoder of an enum takes only what the spec lists;
/// the enum itself still keeps an unlisted value.
#[test]
fn an_enum_tried_before_a_string_takes_only_its_listed_values() {
    assert!(matches!(
        serde_json::from_value::<Mode>(json!("auto")),
        Ok(Mode::Name(ModeName::Auto))
    ));
    assert!(matches!(
        serde_json::from_value::<Mode>(json!("manual")),
        Ok(Mode::String(s)) if s == "manual"
    ));
    assert!(matches!(
        serde_json::from_value::<ModeName>(json!("manual")),
        Ok(ModeName::Unknown(_))
    ));
}
