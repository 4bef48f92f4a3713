//! Reading `spec/contacts.yaml` at test time: operations, `$ref`s and the
//! media-type examples. Shared by `wire.rs` and `examples.rs`; each uses a
//! different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use serde_json::Value;

/// The spec the client is generated from.
pub const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/contacts.yaml");

/// The HTTP methods an OpenAPI path item can hold.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The spec, parsed into JSON values (YAML scalars keep their types).
pub fn spec() -> Value {
    let text = std::fs::read_to_string(SPEC_PATH)
        .unwrap_or_else(|e| panic!("cannot read {SPEC_PATH}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {SPEC_PATH}: {e}"))
}

/// Follows local `$ref`s (`#/components/...`) until a value that is not a
/// reference.
pub fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("non-local $ref `{reference}`"));
        value = spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling $ref `{reference}`"));
    }
    panic!("$ref chain too long (cycle?)")
}

/// `Contact` for `{"$ref": "#/components/schemas/Contact"}`; `None` for an
/// inline schema.
pub fn schema_ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// One operation of the spec.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The `operationId`.
    pub id: &'a str,
    /// The path template, e.g. `/contacts/{contactId}`.
    pub path: &'a str,
    /// The lower-case method, e.g. `put`.
    pub method: &'a str,
    /// The operation object.
    pub op: &'a Value,
}

/// Every operation, in spec order.
pub fn operations(spec: &Value) -> Vec<Operation<'_>> {
    let paths = spec["paths"].as_object().expect("spec has `paths`");
    let mut out = Vec::new();
    for (path, item) in paths {
        let item = resolve(spec, item);
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                let id = op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                out.push(Operation {
                    id,
                    path,
                    method,
                    op,
                });
            }
        }
    }
    out
}

/// The operation with this `operationId`.
pub fn operation<'a>(spec: &'a Value, id: &str) -> Operation<'a> {
    operations(spec)
        .into_iter()
        .find(|op| op.id == id)
        .unwrap_or_else(|| panic!("the spec has no operation `{id}`"))
}

/// The examples of a media type object: each entry of `examples` (`$ref`s
/// resolved, keyed by name) and the single `example`, if any.
pub fn media_examples(spec: &Value, media: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(examples) = media.get("examples").and_then(Value::as_object) {
        for (name, example) in examples {
            let example = resolve(spec, example);
            let value = example
                .get("value")
                .unwrap_or_else(|| panic!("example `{name}` has no inline `value`"));
            out.push((name.clone(), value.clone()));
        }
    }
    if let Some(example) = media.get("example") {
        out.push(("example".to_owned(), example.clone()));
    }
    out
}

/// The `application/json` media type of an operation's request body.
pub fn request_media<'a>(spec: &'a Value, id: &str) -> &'a Value {
    let op = operation(spec, id);
    let body = resolve(
        spec,
        op.op
            .get("requestBody")
            .unwrap_or_else(|| panic!("`{id}` has no request body")),
    );
    body.pointer("/content/application~1json")
        .unwrap_or_else(|| panic!("`{id}` request body has no application/json content"))
}

/// The request-body examples of an operation, by name.
pub fn request_examples(spec: &Value, id: &str) -> Vec<(String, Value)> {
    media_examples(spec, request_media(spec, id))
}

/// An operation's response for `status` (`$ref` resolved).
pub fn response<'a>(spec: &'a Value, id: &str, status: &str) -> &'a Value {
    let op = operation(spec, id);
    let response = op.op["responses"]
        .get(status)
        .unwrap_or_else(|| panic!("`{id}` documents no {status} response"));
    resolve(spec, response)
}

/// The `application/json` media type of a response object.
pub fn json_media(response: &Value) -> Option<&Value> {
    response.pointer("/content/application~1json")
}

/// The one 2xx status an operation documents.
pub fn success_status(spec: &Value, id: &str) -> u16 {
    let op = operation(spec, id);
    let statuses: Vec<&String> = op.op["responses"]
        .as_object()
        .expect("responses is a map")
        .keys()
        .filter(|status| status.starts_with('2'))
        .collect();
    assert_eq!(
        statuses.len(),
        1,
        "`{id}` should document exactly one success status, has {statuses:?}"
    );
    statuses[0].parse().expect("numeric status")
}

/// Every media-type example anywhere in the spec whose schema is
/// `#/components/schemas/{schema}`.
pub fn examples_of_schema(spec: &Value, schema: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut visit = |media: &Value| {
        if schema_ref_name(&media["schema"]) == Some(schema) {
            out.extend(media_examples(spec, media).into_iter().map(|(_, v)| v));
        }
    };
    for op in operations(spec) {
        if let Some(body) = op.op.get("requestBody") {
            resolve(spec, body)["content"]
                .as_object()
                .into_iter()
                .flatten()
                .for_each(|(_, m)| visit(m));
        }
        for (_, response) in op.op["responses"].as_object().into_iter().flatten() {
            resolve(spec, response)["content"]
                .as_object()
                .into_iter()
                .flatten()
                .for_each(|(_, m)| visit(m));
        }
    }
    out
}

/// JSON paths where `a` and `b` differ, for readable failures.
pub fn json_differences(a: &Value, b: &Value, at: &str) -> Vec<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter()
                .flat_map(|k| match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => json_differences(p, q, &format!("{at}/{k}")),
                    (p, q) => vec![format!("{at}/{k}: {p:?} vs {q:?}")],
                })
                .collect()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .flat_map(|(i, (p, q))| json_differences(p, q, &format!("{at}/{i}")))
            .collect(),
        _ if a == b => Vec::new(),
        _ => vec![format!(
            "{}: {a} vs {b}",
            if at.is_empty() { "/" } else { at }
        )],
    }
}
