//! OpenAPI 3.0 schemas as JSON: `$ref`s across the vendor's two files,
//! random values that a schema allows, and a validator for the subset of
//! keywords the vendor's contacts.json and our spec use.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};

/// OpenAPI documents by name: `contacts` (vendor), `common` (vendor) or
/// `spec` (ours). A `$ref` to another file is looked up by the file's stem.
pub struct Docs {
    docs: BTreeMap<String, Value>,
}

impl Docs {
    pub fn new() -> Self {
        Self {
            docs: BTreeMap::new(),
        }
    }

    pub fn load(&mut self, name: &str, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let value: Value = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        };
        self.docs.insert(name.to_owned(), value);
        Ok(())
    }

    pub fn doc(&self, name: &str) -> &Value {
        &self.docs[name]
    }

    /// Follows `$ref`s from `schema` in document `doc` to the schema itself
    /// and the document it lives in.
    pub fn resolve<'a>(&'a self, mut doc: &'a str, mut schema: &'a Value) -> (&'a str, &'a Value) {
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
            if !file.is_empty() {
                let stem = Path::new(file)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or(file);
                let name = match stem {
                    "common-schemas" => "common",
                    other => other,
                };
                doc = self
                    .docs
                    .get_key_value(name)
                    .map_or(doc, |(k, _)| k.as_str());
            }
            match self.docs.get(doc).and_then(|d| d.pointer(pointer)) {
                Some(target) => schema = target,
                None => break,
            }
        }
        (doc, schema)
    }
}

/// Random values that a schema allows.
pub struct Generator<'a> {
    pub docs: &'a Docs,
    pub rng: fastrand::Rng,
    /// Add properties no schema declares (JSON Schema allows them unless
    /// `additionalProperties: false`).
    pub unknown_properties: bool,
}

const MAX_DEPTH: u32 = 8;

impl Generator<'_> {
    pub fn value(&mut self, doc: &str, schema: &Value, depth: u32) -> Value {
        let (doc, schema) = self.docs.resolve(doc, schema);
        if schema.get("nullable").and_then(Value::as_bool) == Some(true) && self.rng.u8(..) < 25 {
            return Value::Null;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            let mut other = None;
            for part in all {
                match self.value(doc, part, depth + 1) {
                    Value::Object(map) => merged.extend(map),
                    value => other = Some(value),
                }
            }
            return other
                .filter(|_| merged.is_empty())
                .unwrap_or(Value::Object(merged));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
                if !alternatives.is_empty() {
                    let pick = self.rng.usize(..alternatives.len());
                    return self.value(doc, &alternatives[pick], depth + 1);
                }
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if !values.is_empty() {
                return values[self.rng.usize(..values.len())].clone();
            }
        }
        let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
        let rust_type = schema.get("x-rust-type").and_then(Value::as_str);
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => match (format, rust_type) {
                (_, Some("BirthDate")) => Value::String(self.birth_date()),
                ("date-time", _) => Value::String(self.rfc3339()),
                _ => Value::String(self.string()),
            },
            Some("number") => self.number(format),
            Some("integer") => self.integer(format),
            Some("boolean") => Value::Bool(self.rng.bool()),
            Some("array") => {
                let count = if depth >= MAX_DEPTH {
                    0
                } else {
                    self.rng.usize(..=3)
                };
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                Value::Array(
                    (0..count)
                        .map(|_| self.value(doc, &items, depth + 1))
                        .collect(),
                )
            }
            Some("object") | None if schema.get("properties").is_some() => {
                self.object(doc, schema, depth)
            }
            Some("object") => {
                if schema
                    .get("additionalProperties")
                    .is_some_and(Value::is_object)
                {
                    self.object(doc, schema, depth)
                } else {
                    self.any_object(depth)
                }
            }
            _ => self.any(depth),
        }
    }

    fn object(&mut self, doc: &str, schema: &Value, depth: u32) -> Value {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let present = required.contains(&name.as_str())
                    || (depth < MAX_DEPTH && self.rng.u8(..) < 150);
                if present {
                    out.insert(name.clone(), self.value(doc, property, depth + 1));
                }
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            for _ in 0..self.rng.usize(..=2) {
                let key = format!("k{}", self.rng.u32(..1000));
                out.insert(key, self.value(doc, extra, depth + 1));
            }
        }
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        if self.unknown_properties && !closed && self.rng.u8(..) < 20 {
            out.insert("undocumentedField".into(), self.any(MAX_DEPTH));
        }
        Value::Object(out)
    }

    fn any_object(&mut self, depth: u32) -> Value {
        let mut out = Map::new();
        if depth < MAX_DEPTH {
            for i in 0..self.rng.usize(..=2) {
                out.insert(format!("f{i}"), self.any(depth + 1));
            }
        }
        Value::Object(out)
    }

    /// Any JSON value (for schemas without a type).
    fn any(&mut self, depth: u32) -> Value {
        match self.rng.u8(..if depth >= MAX_DEPTH { 4 } else { 6 }) {
            0 => Value::Null,
            1 => Value::Bool(self.rng.bool()),
            2 => self.number(""),
            3 => Value::String(self.string()),
            4 => Value::Array(
                (0..self.rng.usize(..=2))
                    .map(|_| self.any(depth + 1))
                    .collect(),
            ),
            _ => self.any_object(depth),
        }
    }

    fn number(&mut self, format: &str) -> Value {
        match self.rng.u8(..5) {
            0 => json!(self.rng.i64(-1000..1000)),
            1 => json!(self.rng.i64(..)),
            2 if format != "float" => json!(self.rng.f64() * 1e6 - 5e5),
            3 => json!(0),
            _ => json!(self.rng.u64(..1_u64 << 53)),
        }
    }

    fn integer(&mut self, format: &str) -> Value {
        if format == "int32" {
            json!(self.rng.i32(..))
        } else {
            json!(self.rng.i64(..))
        }
    }

    /// Strings of every kind the vendor sends where it says `string`:
    /// words, empty, Unicode, and times in several shapes.
    fn string(&mut self) -> String {
        match self.rng.u8(..8) {
            0 => String::new(),
            1 => self.rfc3339(),
            2 => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:00",
                self.rng.u32(1970..2100),
                self.rng.u32(1..13),
                self.rng.u32(1..29),
                self.rng.u32(0..24),
                self.rng.u32(0..60)
            ),
            3 => "Zoë \u{1F600} \"quoted\" \\ back/slash".to_owned(),
            4 => self.rng.u64(..).to_string(),
            _ => (0..self.rng.usize(1..12))
                .map(|_| self.rng.alphanumeric())
                .collect(),
        }
    }

    fn rfc3339(&mut self) -> String {
        let offset = match self.rng.u8(..3) {
            0 => "Z".to_owned(),
            1 => "+05:30".to_owned(),
            _ => "-08:00".to_owned(),
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{offset}",
            self.rng.u32(1970..2100),
            self.rng.u32(1..13),
            self.rng.u32(1..29),
            self.rng.u32(0..24),
            self.rng.u32(0..60),
            self.rng.u32(0..60),
            self.rng.u32(0..1000)
        )
    }

    fn birth_date(&mut self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.rng.u32(1900..2030),
            self.rng.u32(1..13),
            self.rng.u32(1..29)
        )
    }
}

/// One way a value breaks its schema: the JSON pointer and what is wrong.
#[derive(Clone, Debug)]
pub struct Violation {
    pub at: String,
    pub problem: String,
}

/// Checks `value` against `schema` (types, `nullable`, `enum`, `required`,
/// `properties`, `items`, `additionalProperties: false`, `allOf`, `anyOf`,
/// `oneOf` as "at least one"), adding what is wrong to `out`.
pub fn validate(
    docs: &Docs,
    doc: &str,
    schema: &Value,
    value: &Value,
    at: &str,
    out: &mut Vec<Violation>,
) {
    let (doc, schema) = docs.resolve(doc, schema);
    if value.is_null() {
        if schema.get("nullable").and_then(Value::as_bool) != Some(true) && !schema_is_empty(schema)
        {
            out.push(Violation {
                at: at.to_owned(),
                problem: "null where the schema is not nullable".into(),
            });
        }
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            validate(docs, doc, part, value, at, out);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
            let fits = alternatives.iter().any(|alt| {
                let mut errors = Vec::new();
                validate(docs, doc, alt, value, at, &mut errors);
                errors.is_empty()
            });
            if !fits {
                out.push(Violation {
                    at: at.to_owned(),
                    problem: format!(
                        "matches none of the {} alternatives of {key}",
                        alternatives.len()
                    ),
                });
            }
        }
    }
    let mut fail = |problem: String| {
        out.push(Violation {
            at: at.to_owned(),
            problem,
        });
    };
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            fail(format!("{value} is not one of {values:?}"));
        }
    }
    let type_ok = match schema.get("type").and_then(Value::as_str) {
        Some("string") => value.is_string(),
        Some("number") => value.is_number(),
        Some("integer") => value.as_i64().is_some() || value.as_u64().is_some(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    };
    if !type_ok {
        fail(format!(
            "{} where the schema says `{}`",
            kind(value),
            schema["type"].as_str().unwrap_or_default()
        ));
        return;
    }
    if let Some(items) = value.as_array() {
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(docs, doc, item_schema, item, &format!("{at}/{i}"), out);
            }
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str() {
                if !object.contains_key(name) {
                    out.push(Violation {
                        at: format!("{at}/{name}"),
                        problem: "required property missing".into(),
                    });
                }
            }
        }
        for (name, item) in object {
            let here = format!("{at}/{name}");
            match (
                properties.and_then(|p| p.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(property), _) => validate(docs, doc, property, item, &here, out),
                (None, Some(Value::Bool(false))) => out.push(Violation {
                    at: here,
                    problem: "property the schema does not allow".into(),
                }),
                (None, Some(extra)) if extra.is_object() => {
                    validate(docs, doc, extra, item, &here, out)
                }
                (None, _) => {}
            }
        }
    }
}

fn schema_is_empty(schema: &Value) -> bool {
    schema.as_object().is_none_or(|o| {
        o.keys()
            .all(|k| k == "description" || k == "example" || k.starts_with("x-"))
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Docs {
        let mut docs = Docs::new();
        docs.docs.insert(
            "contacts".into(),
            json!({"components": {"schemas": {
                "Thing": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string"},
                    "n": {"type": "number", "nullable": true},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "err": {"$ref": "../common/common-schemas.json#/components/schemas/Err"},
                    "list": {"type": "array", "items": {"type": "integer"}}
                }}
            }}}),
        );
        docs.docs.insert(
            "common".into(),
            json!({"components": {"schemas": {"Err": {"type": "object", "additionalProperties": false,
                "properties": {"code": {"type": "number"}}}}}}),
        );
        docs
    }

    fn problems(value: Value) -> Vec<String> {
        let docs = docs();
        let mut out = Vec::new();
        let schema = json!({"$ref": "#/components/schemas/Thing"});
        validate(&docs, "contacts", &schema, &value, "", &mut out);
        out.into_iter()
            .map(|v| format!("{}: {}", v.at, v.problem))
            .collect()
    }

    #[test]
    fn the_validator_follows_refs_across_files_and_reports_where() {
        assert!(problems(
            json!({"id": "x", "n": null, "kind": "a", "err": {"code": 1.5}, "list": [1]})
        )
        .is_empty());
        assert_eq!(
            problems(json!({"n": 1})),
            ["/id: required property missing"]
        );
        assert_eq!(
            problems(json!({"id": 1})),
            ["/id: a number where the schema says `string`"]
        );
        assert_eq!(problems(json!({"id": "x", "kind": "c"})).len(), 1);
        assert_eq!(
            problems(json!({"id": "x", "err": {"other": 1}})),
            ["/err/other: property the schema does not allow"]
        );
        assert_eq!(
            problems(json!({"id": "x", "list": [1.5]})),
            ["/list/0: a number where the schema says `integer`"]
        );
    }

    #[test]
    fn generated_values_satisfy_their_schema() {
        let docs = docs();
        let mut generator = Generator {
            docs: &docs,
            rng: fastrand::Rng::with_seed(7),
            unknown_properties: true,
        };
        let schema = json!({"$ref": "#/components/schemas/Thing"});
        for _ in 0..500 {
            let value = generator.value("contacts", &schema, 0);
            let mut out = Vec::new();
            validate(&docs, "contacts", &schema, &value, "", &mut out);
            assert!(out.is_empty(), "{value}: {out:?}");
        }
    }
}
