//! A JSON Schema check of responses against `spec/contacts.yaml`, for the
//! OpenAPI 3.0 keywords the spec uses (spec/README.md lists them): `type`,
//! `format` (`int32`, `int64`, `double`, `date-time`), `enum`, `nullable`,
//! `required`, `properties`, `additionalProperties`, `items`, `oneOf`,
//! `allOf`, `$ref`. A keyword it does not know fails the check rather than
//! being ignored, so a spec that grows a constraint cannot pass unchecked.

use serde_json::{Map, Value};

/// The spec as JSON.
pub struct Spec {
    doc: Value,
}

/// Keywords with no say over validity.
const ANNOTATIONS: &[&str] = &[
    "description",
    "example",
    "examples",
    "title",
    "discriminator",
];

impl Spec {
    /// Loads `spec/contacts.yaml` from the repository.
    pub fn contacts() -> Spec {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/contacts.yaml");
        let text = std::fs::read_to_string(path).expect("spec/contacts.yaml");
        Spec {
            doc: serde_yaml::from_str(&text).expect("the spec parses"),
        }
    }

    /// The operation `id`: its method, path and definition.
    pub fn operation(&self, id: &str) -> (String, String, &Value) {
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if op.get("operationId").and_then(Value::as_str) == Some(id) {
                    return (method.to_uppercase(), path.clone(), op);
                }
            }
        }
        panic!("no operation {id}");
    }

    /// Every operation id.
    pub fn operation_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for item in self.doc["paths"].as_object().expect("paths").values() {
            for op in item.as_object().expect("path item").values() {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    ids.push(id.to_owned());
                }
            }
        }
        ids
    }

    fn resolve<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let pointer = reference.strip_prefix('#').expect("local $ref");
            node = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} resolves"));
        }
        node
    }

    /// The schema of the JSON body of `status` for operation `id`, or
    /// `None` when the spec documents the status without a body; `Err` when
    /// the status is not documented at all.
    pub fn response_schema(&self, id: &str, status: u16) -> Result<Option<&Value>, String> {
        let (_, _, op) = self.operation(id);
        let response = op["responses"]
            .get(status.to_string())
            .ok_or_else(|| format!("{id} does not document status {status}"))?;
        let response = self.resolve(response);
        Ok(response
            .get("content")
            .and_then(|c| c.get("application/json"))
            .and_then(|m| m.get("schema")))
    }

    /// The examples of the body of `status` for `id`.
    pub fn response_examples(&self, id: &str, status: u16) -> Vec<Value> {
        let (_, _, op) = self.operation(id);
        let Some(response) = op["responses"].get(status.to_string()) else {
            return Vec::new();
        };
        let media = &self.resolve(response)["content"]["application/json"];
        media
            .get("examples")
            .and_then(Value::as_object)
            .map(|e| {
                e.values()
                    .map(|e| self.resolve(e)["value"].clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The headers `status` of `id` documents.
    pub fn response_headers(&self, id: &str, status: u16) -> Vec<String> {
        let (_, _, op) = self.operation(id);
        let Some(response) = op["responses"].get(status.to_string()) else {
            return Vec::new();
        };
        self.resolve(response)
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The examples of the request body of `id` (name and value).
    pub fn request_examples(&self, id: &str) -> Vec<(String, Value)> {
        let (_, _, op) = self.operation(id);
        let Some(body) = op.get("requestBody") else {
            return Vec::new();
        };
        let body = self.resolve(body);
        let media = &body["content"]["application/json"];
        media
            .get("examples")
            .and_then(Value::as_object)
            .map(|examples| {
                examples
                    .iter()
                    .map(|(name, e)| (name.clone(), self.resolve(e)["value"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The schema of the request body of `id`.
    pub fn request_schema(&self, id: &str) -> Option<&Value> {
        let (_, _, op) = self.operation(id);
        let body = self.resolve(op.get("requestBody")?);
        body.get("content")?.get("application/json")?.get("schema")
    }

    /// Every problem of `value` against `schema`, each with its JSON path.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        self.check(schema, value, "$", &mut problems);
        problems
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
        let schema = self.resolve(schema);
        let Some(rules) = schema.as_object() else {
            out.push(format!("{at}: schema is not an object"));
            return;
        };
        // A null passes a nullable schema or one without rules; elsewhere
        // the `type` check below refuses it (`allOf` with `nullable` beside
        // it is the nullable form of a reference).
        if value.is_null()
            && (rules.get("nullable") == Some(&Value::Bool(true)) || rules.is_empty())
        {
            return;
        }
        for (key, rule) in rules {
            match key.as_str() {
                "type" => {
                    if value.is_null() {
                        out.push(format!(
                            "{at}: null where {rule} is expected (not nullable)"
                        ));
                    } else if !type_matches(rule.as_str().unwrap_or(""), value) {
                        out.push(format!("{at}: {} where {rule} is expected", kind(value)));
                    }
                }
                "format" => check_format(rule.as_str().unwrap_or(""), value, at, out),
                "enum" => {
                    if !value.is_null() && !rule.as_array().is_some_and(|e| e.contains(value)) {
                        out.push(format!("{at}: {value} is not one of {rule}"));
                    }
                }
                "nullable" | "required" | "additionalProperties" | "properties" => {}
                "items" => {
                    if let Some(items) = value.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.check(rule, item, &format!("{at}[{i}]"), out);
                        }
                    }
                }
                "allOf" => {
                    if value.is_null() && rules.get("nullable") == Some(&Value::Bool(true)) {
                        continue;
                    }
                    for part in rule.as_array().into_iter().flatten() {
                        self.check(part, value, at, out);
                    }
                }
                "oneOf" => {
                    let passing = rule
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|alt| self.validate(alt, value).is_empty())
                        .count();
                    if passing != 1 {
                        out.push(format!(
                            "{at}: {passing} alternatives of oneOf match, not exactly one"
                        ));
                    }
                }
                k if ANNOTATIONS.contains(&k) || k.starts_with("x-") => {}
                other => out.push(format!("{at}: the check does not know the keyword {other}")),
            }
        }
        if let Some(object) = value.as_object() {
            self.check_object(rules, object, at, out);
        }
    }

    fn check_object(
        &self,
        rules: &Map<String, Value>,
        object: &Map<String, Value>,
        at: &str,
        out: &mut Vec<String>,
    ) {
        for name in rules
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap_or("");
            if !object.contains_key(name) {
                out.push(format!("{at}: required property {name} is missing"));
            }
        }
        let properties = rules.get("properties").and_then(Value::as_object);
        for (name, v) in object {
            let path = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(schema) => self.check(schema, v, &path, out),
                None => match rules.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        out.push(format!("{path}: not allowed (additionalProperties: false)"))
                    }
                    Some(schema @ Value::Object(_)) => self.check(schema, v, &path, out),
                    _ => {}
                },
            }
        }
    }
}

fn type_matches(wanted: &str, value: &Value) -> bool {
    match wanted {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        "integer" => value.as_i64().is_some() || value.as_u64().is_some(),
        _ => false,
    }
}

fn check_format(format: &str, value: &Value, at: &str, out: &mut Vec<String>) {
    let ok = match format {
        "int32" => value.as_i64().is_none_or(|n| i32::try_from(n).is_ok()),
        "int64" | "double" => true,
        "date-time" => value
            .as_str()
            .is_none_or(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        other => {
            out.push(format!("{at}: the check does not know the format {other}"));
            return;
        }
    };
    if !ok {
        out.push(format!("{at}: {value} is not a valid {format}"));
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
