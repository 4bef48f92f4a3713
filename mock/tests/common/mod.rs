//! What the mock's integration tests share: the spec, read at test time, and
//! a JSON Schema check of bodies against it.
#![allow(dead_code, unused_imports)]

pub mod schema;

use serde_json::Value;

pub use schema::Spec;

/// `example` with every `locationId` replaced by `location`, as an app
/// would send it to its own Location.
pub fn for_location(mut example: Value, location: &str) -> Value {
    if let Some(map) = example.as_object_mut() {
        if map.contains_key("locationId") {
            map.insert("locationId".to_owned(), Value::from(location));
        }
    }
    example
}

/// Decodes a spec example into the client's request type.
pub fn typed<T: serde::de::DeserializeOwned>(what: &str, example: Value) -> T {
    serde_json::from_value(example)
        .unwrap_or_else(|e| panic!("{what}: the example does not decode: {e}"))
}

pub mod receiver;
pub mod workload;
