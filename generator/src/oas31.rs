//! OpenAPI 3.1 documents in the shape of 3.0, which the typed model
//! (openapiv3) reads: applied to the untyped document before the 3.0
//! repairs (`mend`) and the parse.
//!
//! Most of 3.1 has an exact 3.0 form, and is rewritten without a word:
//!
//! - `type: [string, "null"]` is `type: string, nullable: true`; a `type`
//!   list of several types is `anyOf` one schema per type, each with the
//!   keywords that apply to it; `{type: "null"}` members of `anyOf` and
//!   `oneOf` make the schema `nullable`;
//! - `const: x` is `enum: [x]` (typed after `x` when the schema has no type);
//! - `examples: [a, ..]` in a schema is `example: a`;
//! - numeric `exclusiveMinimum: n` is `minimum: n, exclusiveMinimum: true`
//!   (and so for the maximum);
//! - `$ref` with sibling keywords is `allOf: [{$ref}]` with the siblings;
//! - `contentEncoding: base64` is `format: byte`, a `contentMediaType`
//!   without encoding `format: binary`;
//! - `true` as a schema is `{}`;
//! - `webhooks`: each webhook's JSON payload is marked `x-webhook-event`
//!   (an inline payload becomes a component named after the webhook), so it
//!   is generated as a type decoded like a response;
//! - `components/pathItems` are copied where they are referenced;
//! - a document without `paths` gets an empty one, an operation without
//!   `responses` an empty map; `jsonSchemaDialect`, `$schema`, `$id`,
//!   `$anchor` and `$comment` are dropped.
//!
//! What has no 3.0 form is approximated, each time with a warning at its
//! place saying how: `prefixItems` (a tuple) is an array of any of its item
//! schemas, `patternProperties` is `additionalProperties`, a `false` schema
//! is `not: {}`, a `mutualTLS` security scheme is left out, and keywords
//! that only narrow what is valid (`if`, `dependentSchemas`, `contains`,
//! ...) are ignored.

use serde_json::{json, Map, Value};

use crate::diagnostics::{join, Diagnostic};

/// The version the converted document declares.
const CONVERTED_VERSION: &str = "3.0.3";

/// Dialects that mean "the OpenAPI 3.1 schema dialect" (the default).
const OAS_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect";

/// Keywords that only describe a schema or name it for JSON Schema's own
/// references: nothing of them reaches the generated code.
const DROPPED_QUIETLY: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$vocabulary",
    "$dynamicAnchor",
];

/// Keywords that only narrow which values are valid, with no 3.0 form: the
/// generated type accepts more than the spec allows.
const IGNORED: &[&str] = &[
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "$dynamicRef",
    "$recursiveRef",
    "$recursiveAnchor",
];

/// Keywords of one JSON type, which go with that type when a `type` list is
/// split into `anyOf`.
const STRING_KEYWORDS: &[&str] = &["minLength", "maxLength", "pattern"];
const NUMBER_KEYWORDS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const ARRAY_KEYWORDS: &[&str] = &["items", "minItems", "maxItems", "uniqueItems"];
const OBJECT_KEYWORDS: &[&str] = &[
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
];
const NUMBER_FORMATS: &[&str] = &["int32", "int64", "float", "double"];

/// HTTP methods of a path item.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Whether `version` (the `openapi` field) is 3.1.
pub fn is_31(version: &str) -> bool {
    version == "3.1" || version.starts_with("3.1.")
}

/// A part of the document the conversion moved: the pointer where it is
/// now, and where it was written.
pub struct Moved {
    /// Pointer in the converted document.
    pub now: String,
    /// Pointer in the source document.
    pub was: String,
}

/// Converts a 3.1 document in place. Warnings say what was approximated;
/// the moved parts let diagnostics point at where they were written.
pub fn convert(root: &mut Value, warnings: &mut Vec<Diagnostic>) -> Vec<Moved> {
    let mut converter = Converter {
        warnings,
        moved: Vec::new(),
    };
    let Some(doc) = root.as_object_mut() else {
        return Vec::new();
    };
    doc.insert("openapi".into(), Value::String(CONVERTED_VERSION.into()));
    if let Some(dialect) = doc.remove("jsonSchemaDialect") {
        if !dialect.as_str().is_some_and(|d| d.starts_with(OAS_DIALECT)) {
            converter.warn(
                "/jsonSchemaDialect",
                format!("schema dialect {dialect} is read as OpenAPI 3.1's own"),
            );
        }
    }
    if !doc.contains_key("paths") {
        doc.insert("paths".into(), json!({}));
    }
    converter.inline_path_items(root);
    converter.document(root);
    converter.webhooks(root);
    converter.moved
}

struct Converter<'w> {
    warnings: &'w mut Vec<Diagnostic>,
    moved: Vec<Moved>,
}

impl Converter<'_> {
    fn warn(&mut self, pointer: &str, message: String) {
        self.warnings.push(Diagnostic::warning(pointer, message));
    }

    /// Replaces every `$ref` to `#/components/pathItems/...` (in `paths`,
    /// `webhooks` and callbacks) with the path item it names, then drops
    /// the section: 3.0 has no path item components.
    fn inline_path_items(&mut self, root: &mut Value) {
        let Some(items) = root
            .pointer_mut("/components")
            .and_then(Value::as_object_mut)
            .and_then(|c| c.remove("pathItems"))
        else {
            return;
        };
        let mut sites: Vec<String> = Vec::new();
        for section in ["/paths", "/webhooks"] {
            if let Some(Value::Object(map)) = root.pointer(section) {
                sites.extend(map.keys().map(|k| join(section, k)));
            }
        }
        // Callbacks: operation -> callbacks -> name -> expression.
        let mut callback_sites = Vec::new();
        for site in &sites {
            for method in METHODS {
                let callbacks = join(&join(site, method), "callbacks");
                if let Some(Value::Object(map)) = root.pointer(&callbacks) {
                    for (name, callback) in map {
                        if let Value::Object(expressions) = callback {
                            let at = join(&callbacks, name);
                            callback_sites.extend(expressions.keys().map(|e| join(&at, e)));
                        }
                    }
                }
            }
        }
        sites.extend(callback_sites);
        for site in sites {
            let Some(Value::Object(item)) = root.pointer_mut(&site) else {
                continue;
            };
            let Some(Value::String(reference)) = item.get("$ref").cloned() else {
                continue;
            };
            let Some(name) = reference.strip_prefix("#/components/pathItems/") else {
                continue;
            };
            let name = name.replace("~1", "/").replace("~0", "~");
            let Some(Value::Object(target)) = items.get(&name) else {
                self.warn(
                    &join(&site, "$ref"),
                    format!("`{reference}` points at nothing; the path item is left empty"),
                );
                item.remove("$ref");
                continue;
            };
            item.remove("$ref");
            // Fields written beside the reference win over the target's.
            let mut merged = target.clone();
            merged.extend(std::mem::take(item));
            *item = merged;
            self.moved.push(Moved {
                now: site,
                was: join("/components/pathItems", &name),
            });
        }
    }

    /// Converts every schema of the document, and the objects around them.
    fn document(&mut self, root: &mut Value) {
        for section in ["paths", "webhooks"] {
            if let Some(Value::Object(map)) = root.get_mut(section) {
                for (key, item) in map.iter_mut() {
                    self.path_item(item, &join(&format!("/{section}"), key));
                }
            }
        }
        let Some(Value::Object(components)) = root.get_mut("components") else {
            return;
        };
        for (section, entries) in components.iter_mut() {
            let Value::Object(entries) = entries else {
                continue;
            };
            let base = join("/components", section);
            for (name, entry) in entries.iter_mut() {
                let at = join(&base, name);
                match section.as_str() {
                    "schemas" => self.schema(entry, &at),
                    "parameters" | "headers" => self.parameter(entry, &at),
                    "responses" => self.response(entry, &at),
                    "requestBodies" => self.content_of(entry, &at),
                    "callbacks" => self.callback(entry, &at),
                    "securitySchemes" => self.security_scheme(entry, &at),
                    _ => {}
                }
            }
            if section == "securitySchemes" {
                entries.retain(|_, scheme| !scheme.is_null());
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, at: &str) {
        let Value::Object(map) = item else { return };
        for (key, value) in map.iter_mut() {
            let here = join(at, key);
            match key.as_str() {
                "parameters" => self.parameters(value, &here),
                method if METHODS.contains(&method) => self.operation(value, &here),
                _ => {}
            }
        }
    }

    fn operation(&mut self, op: &mut Value, at: &str) {
        let Value::Object(map) = op else { return };
        if !map.contains_key("responses") {
            map.insert("responses".into(), json!({}));
        }
        for (key, value) in map.iter_mut() {
            let here = join(at, key);
            match key.as_str() {
                "parameters" => self.parameters(value, &here),
                "requestBody" => self.content_of(value, &here),
                "responses" => {
                    if let Value::Object(codes) = value {
                        for (code, response) in codes.iter_mut() {
                            self.response(response, &join(&here, code));
                        }
                    }
                }
                "callbacks" => {
                    if let Value::Object(callbacks) = value {
                        for (name, callback) in callbacks.iter_mut() {
                            self.callback(callback, &join(&here, name));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn callback(&mut self, callback: &mut Value, at: &str) {
        if let Value::Object(expressions) = callback {
            for (expression, item) in expressions.iter_mut() {
                self.path_item(item, &join(at, expression));
            }
        }
    }

    fn parameters(&mut self, list: &mut Value, at: &str) {
        if let Value::Array(items) = list {
            for (i, param) in items.iter_mut().enumerate() {
                self.parameter(param, &join(at, &i.to_string()));
            }
        }
    }

    /// A parameter or a header: a `schema`, or `content`.
    fn parameter(&mut self, param: &mut Value, at: &str) {
        if let Some(schema) = param.get_mut("schema") {
            self.schema(schema, &join(at, "schema"));
        }
        self.content_of(param, at);
    }

    fn response(&mut self, response: &mut Value, at: &str) {
        if let Some(Value::Object(headers)) = response.get_mut("headers") {
            let base = join(at, "headers");
            for (name, header) in headers.iter_mut() {
                self.parameter(header, &join(&base, name));
            }
        }
        self.content_of(response, at);
    }

    /// The media types under `content` of a request body, response,
    /// parameter or header.
    fn content_of(&mut self, holder: &mut Value, at: &str) {
        let Some(Value::Object(content)) = holder.get_mut("content") else {
            return;
        };
        let base = join(at, "content");
        for (media_type, media) in content.iter_mut() {
            let here = join(&base, media_type);
            if let Some(schema) = media.get_mut("schema") {
                self.schema(schema, &join(&here, "schema"));
            }
            if let Some(Value::Object(encodings)) = media.get_mut("encoding") {
                let encoding_at = join(&here, "encoding");
                for (property, encoding) in encodings.iter_mut() {
                    if let Some(Value::Object(headers)) = encoding.get_mut("headers") {
                        let headers_at = join(&join(&encoding_at, property), "headers");
                        for (name, header) in headers.iter_mut() {
                            self.parameter(header, &join(&headers_at, name));
                        }
                    }
                }
            }
        }
    }

    /// 3.0 has no `mutualTLS` scheme: left out (the entry becomes null and
    /// is removed by the caller).
    fn security_scheme(&mut self, scheme: &mut Value, at: &str) {
        if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
            self.warn(
                &join(at, "type"),
                "a `mutualTLS` security scheme has no OpenAPI 3.0 form; it is left out (give the HTTP client its certificate)".into(),
            );
            *scheme = Value::Null;
        }
    }

    /// Converts one schema (and the schemas in it) to 3.0.
    fn schema(&mut self, schema: &mut Value, at: &str) {
        match schema {
            Value::Bool(true) => *schema = json!({}),
            Value::Bool(false) => {
                self.warn(
                    at,
                    "a `false` schema (no value is valid) is read as `not: {}`".into(),
                );
                *schema = json!({ "not": {} });
            }
            Value::Object(map) => self.schema_object(map, at),
            _ => {}
        }
    }

    fn schema_object(&mut self, map: &mut Map<String, Value>, at: &str) {
        for key in DROPPED_QUIETLY {
            map.remove(*key);
        }
        if map.contains_key("$ref") && map.len() > 1 {
            // Keywords beside a reference apply with it in 3.1; in 3.0 they
            // are ignored unless the reference is an `allOf` member.
            if let Some(reference) = map.remove("$ref") {
                let existing = map.remove("allOf");
                let mut all_of = vec![json!({ "$ref": reference })];
                if let Some(Value::Array(more)) = existing {
                    all_of.extend(more);
                }
                map.insert("allOf".into(), Value::Array(all_of));
            }
        }
        if let Some(value) = map.remove("const") {
            if value.is_null() {
                map.insert("nullable".into(), Value::Bool(true));
            }
            if !map.contains_key("type") {
                if let Some(typ) = json_type(&value) {
                    map.insert("type".into(), Value::String(typ.into()));
                }
            }
            map.insert("enum".into(), Value::Array(vec![value]));
        }
        if let Some(examples) = map.remove("examples") {
            if !map.contains_key("example") {
                if let Some(first) = examples.as_array().and_then(|list| list.first()) {
                    map.insert("example".into(), first.clone());
                }
            }
        }
        exclusive_bound(map, "exclusiveMinimum", "minimum", |bound, limit| {
            bound >= limit
        });
        exclusive_bound(map, "exclusiveMaximum", "maximum", |bound, limit| {
            bound <= limit
        });
        self.content_keywords(map, at);
        self.null_members(map, at);
        self.type_list(map, at);
        self.prefix_items(map, at);
        self.unsupported(map, at);
        self.children(map, at);
    }

    /// `contentEncoding` and `contentMediaType` as 3.0's string formats.
    fn content_keywords(&mut self, map: &mut Map<String, Value>, at: &str) {
        let encoding = map.remove("contentEncoding");
        let media_type = map.remove("contentMediaType");
        if map.remove("contentSchema").is_some() {
            self.warn(
                &join(at, "contentSchema"),
                "`contentSchema` (the shape of a string's decoded content) has no OpenAPI 3.0 form; the string is kept as text".into(),
            );
        }
        if map.contains_key("format") {
            return;
        }
        let format = match (encoding.as_ref().and_then(Value::as_str), &media_type) {
            (Some("base64" | "base64url"), _) => "byte",
            (Some(_), _) | (None, Some(_)) => "binary",
            (None, None) => return,
        };
        map.insert("format".into(), Value::String(format.into()));
    }

    /// `{type: "null"}` members of `anyOf` and `oneOf` make the schema
    /// nullable instead.
    fn null_members(&mut self, map: &mut Map<String, Value>, at: &str) {
        for keyword in ["anyOf", "oneOf"] {
            let Some(Value::Array(members)) = map.get_mut(keyword) else {
                continue;
            };
            let before = members.len();
            members.retain(|member| !is_null_schema(member));
            if members.len() < before {
                if members.is_empty() {
                    map.remove(keyword);
                    if !map.contains_key("type") {
                        self.warn(
                            &join(at, keyword),
                            "a schema whose only alternative is `null` is read as any JSON value that may be null".into(),
                        );
                    }
                }
                map.insert("nullable".into(), Value::Bool(true));
            }
        }
    }

    /// `type` as a list: `"null"` in it is `nullable`; one other type is
    /// that type; several are `anyOf` one schema per type.
    fn type_list(&mut self, map: &mut Map<String, Value>, at: &str) {
        let types: Vec<String> = match map.get("type") {
            Some(Value::String(t)) if t == "null" => vec![t.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            _ => return,
        };
        map.remove("type");
        if types.iter().any(|t| t == "null") {
            map.insert("nullable".into(), Value::Bool(true));
        }
        let mut types: Vec<String> = types.into_iter().filter(|t| t != "null").collect();
        // An integer is a number too.
        if types.iter().any(|t| t == "number") {
            types.retain(|t| t != "integer");
        }
        match types.as_slice() {
            [] => {
                if map.get("nullable") != Some(&Value::Bool(true)) {
                    return;
                }
                self.warn(
                    &join(at, "type"),
                    "a schema whose only type is `null` is read as any JSON value that may be null"
                        .into(),
                );
            }
            [only] => {
                map.insert("type".into(), Value::String(only.clone()));
            }
            several => {
                if map.contains_key("anyOf") || map.contains_key("oneOf") {
                    let first = several.first().cloned().unwrap_or_default();
                    self.warn(
                        &join(at, "type"),
                        format!(
                            "a list of types beside `anyOf` or `oneOf` has no OpenAPI 3.0 form; the schema is read as `{first}`"
                        ),
                    );
                    map.insert("type".into(), Value::String(first));
                    return;
                }
                let members: Vec<Value> = several.iter().map(|t| split_by_type(map, t)).collect();
                for keyword in STRING_KEYWORDS
                    .iter()
                    .chain(NUMBER_KEYWORDS)
                    .chain(ARRAY_KEYWORDS)
                    .chain(OBJECT_KEYWORDS)
                    .chain(&["format", "enum"])
                {
                    map.remove(*keyword);
                }
                map.insert("anyOf".into(), Value::Array(members));
            }
        }
    }

    /// `prefixItems` (a tuple) as an array of any of its item schemas.
    fn prefix_items(&mut self, map: &mut Map<String, Value>, at: &str) {
        let Some(Value::Array(mut prefix)) = map.remove("prefixItems") else {
            return;
        };
        match map.remove("items") {
            // `items: false`: nothing after the tuple's items.
            Some(Value::Bool(false)) | None => {}
            Some(rest) => prefix.push(rest),
        }
        let first = prefix.first().cloned();
        let items = match first {
            Some(first) if prefix.iter().all(|item| *item == first) => first,
            Some(_) => json!({ "anyOf": prefix }),
            None => json!({}),
        };
        map.insert("items".into(), items);
        if !map.contains_key("type") {
            map.insert("type".into(), Value::String("array".into()));
        }
        self.warn(
            &join(at, "prefixItems"),
            "`prefixItems` (a tuple) has no OpenAPI 3.0 form; it is read as an array whose items are any of its item schemas".into(),
        );
    }

    /// Keywords with no 3.0 form, dropped with a warning.
    fn unsupported(&mut self, map: &mut Map<String, Value>, at: &str) {
        if let Some(Value::Object(patterns)) = map.remove("patternProperties") {
            let here = join(at, "patternProperties");
            if map.contains_key("additionalProperties") || patterns.len() != 1 {
                self.warn(
                    &here,
                    "`patternProperties` has no OpenAPI 3.0 form; it is ignored".into(),
                );
            } else if let Some((pattern, schema)) = patterns.into_iter().next() {
                self.warn(
                    &here,
                    format!("`patternProperties` has no OpenAPI 3.0 form; properties matching `{pattern}` are read as `additionalProperties`"),
                );
                map.insert("additionalProperties".into(), schema);
            }
        }
        for keyword in IGNORED {
            if map.remove(*keyword).is_some() {
                self.warn(
                    &join(at, keyword),
                    format!("`{keyword}` has no OpenAPI 3.0 form; it is ignored (the type accepts more than the spec allows)"),
                );
            }
        }
    }

    /// The schemas inside a schema.
    fn children(&mut self, map: &mut Map<String, Value>, at: &str) {
        for (key, child) in map.iter_mut() {
            let here = join(at, key);
            match (key.as_str(), child) {
                ("properties" | "$defs" | "definitions", Value::Object(schemas)) => {
                    for (name, schema) in schemas.iter_mut() {
                        self.schema(schema, &join(&here, name));
                    }
                }
                ("allOf" | "anyOf" | "oneOf", Value::Array(members)) => {
                    for (i, member) in members.iter_mut().enumerate() {
                        self.schema(member, &join(&here, &i.to_string()));
                    }
                }
                ("items" | "not", child) => self.schema(child, &here),
                ("additionalProperties", child @ Value::Object(_)) => self.schema(child, &here),
                _ => {}
            }
        }
    }

    /// Marks each webhook's JSON payload as a webhook event (an inline
    /// payload becomes a component named after the webhook), then drops
    /// `webhooks`, which 3.0 does not have.
    fn webhooks(&mut self, root: &mut Value) {
        let Some(Value::Object(webhooks)) = root.as_object_mut().and_then(|d| d.remove("webhooks"))
        else {
            return;
        };
        for (name, item) in webhooks {
            let at = join("/webhooks", &name);
            let Value::Object(item) = item else { continue };
            let mut found = false;
            for (method, op) in &item {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let body_at = join(&join(&at, method), "requestBody");
                let Some(body) = op.get("requestBody") else {
                    continue;
                };
                let body = match body.get("$ref").and_then(Value::as_str) {
                    Some(reference) => reference
                        .strip_prefix('#')
                        .and_then(|p| root.pointer(p))
                        .cloned()
                        .unwrap_or(Value::Null),
                    None => body.clone(),
                };
                let Some((media_type, schema)) = json_schema(&body) else {
                    continue;
                };
                found = true;
                let schema_at = join(&join(&join(&body_at, "content"), &media_type), "schema");
                self.webhook_payload(root, &name, schema, &schema_at);
            }
            if !found {
                self.warn(
                    &at,
                    format!("webhook `{name}` has no JSON payload; no type is generated for it"),
                );
            }
        }
    }

    /// Marks the component a webhook's payload schema is (or makes it one).
    fn webhook_payload(&mut self, root: &mut Value, event: &str, schema: Value, at: &str) {
        let component = match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) if schema.as_object().is_some_and(|m| m.len() == 1) => {
                match reference.strip_prefix("#/components/schemas/") {
                    Some(name) if !name.contains('/') => name.replace("~1", "/").replace("~0", "~"),
                    _ => {
                        self.warn(
                            at,
                            format!("the payload of webhook `{event}` is not a component schema; no type is generated for it"),
                        );
                        return;
                    }
                }
            }
            _ => {
                let schemas = root
                    .as_object_mut()
                    .map(|d| d.entry("components").or_insert_with(|| json!({})))
                    .and_then(Value::as_object_mut)
                    .map(|c| c.entry("schemas").or_insert_with(|| json!({})));
                let Some(Value::Object(schemas)) = schemas else {
                    return;
                };
                let mut name = event.to_owned();
                let mut n = 2;
                while schemas.contains_key(&name) {
                    name = format!("{event}{n}");
                    n += 1;
                }
                schemas.insert(name.clone(), schema);
                self.moved.push(Moved {
                    now: join("/components/schemas", &name),
                    was: at.to_owned(),
                });
                name
            }
        };
        let pointer = format!(
            "/components/schemas/{}",
            crate::diagnostics::escape_token(&component)
        );
        match root.pointer_mut(&pointer) {
            Some(Value::Object(target)) => {
                target
                    .entry(crate::lower::WEBHOOK_EVENT)
                    .or_insert_with(|| Value::String(event.to_owned()));
            }
            _ => self.warn(
                at,
                format!("the payload of webhook `{event}` points at nothing; no type is generated for it"),
            ),
        }
    }
}

/// The JSON type name of a value, for a `const` without `type`.
fn json_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
        Value::Number(_) => Some("number"),
        Value::Array(_) => Some("array"),
        Value::Object(_) => Some("object"),
        Value::Null => None,
    }
}

/// A numeric `exclusiveMinimum` (3.1) as `minimum` with the 3.0 boolean,
/// keeping the tighter bound when both are given.
fn exclusive_bound(
    map: &mut Map<String, Value>,
    exclusive: &str,
    inclusive: &str,
    tighter: fn(f64, f64) -> bool,
) {
    let Some(bound) = map.get(exclusive).and_then(Value::as_f64) else {
        return;
    };
    let Some(value) = map.remove(exclusive) else {
        return;
    };
    match map.get(inclusive).and_then(Value::as_f64) {
        Some(limit) if !tighter(bound, limit) => {}
        _ => {
            map.insert(inclusive.into(), value);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
}

/// Whether a schema admits only `null` (`{type: "null"}`, `{const: null}`,
/// `{enum: [null]}`, maybe with a description).
fn is_null_schema(schema: &Value) -> bool {
    let Value::Object(map) = schema else {
        return false;
    };
    let null_type = match map.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(list)) => list.iter().all(|t| t == "null") && !list.is_empty(),
        _ => false,
    };
    let null_value = map.get("const") == Some(&Value::Null)
        || map.get("enum") == Some(&Value::Array(vec![Value::Null]));
    (null_type || null_value)
        && map.keys().all(|k| {
            matches!(
                k.as_str(),
                "type" | "const" | "enum" | "description" | "title" | "$comment"
            )
        })
}

/// One member of the `anyOf` a `type` list becomes: the type, and the
/// keywords of `map` that apply to it.
fn split_by_type(map: &Map<String, Value>, typ: &str) -> Value {
    let mut member = Map::new();
    member.insert("type".into(), Value::String(typ.into()));
    let keywords: &[&str] = match typ {
        "string" => STRING_KEYWORDS,
        "number" | "integer" => NUMBER_KEYWORDS,
        "array" => ARRAY_KEYWORDS,
        "object" => OBJECT_KEYWORDS,
        _ => &[],
    };
    for keyword in keywords {
        if let Some(value) = map.get(*keyword) {
            member.insert((*keyword).into(), value.clone());
        }
    }
    if let Some(format) = map.get("format").and_then(Value::as_str) {
        let numeric = NUMBER_FORMATS.contains(&format);
        if numeric == matches!(typ, "number" | "integer")
            && matches!(typ, "string" | "number" | "integer")
        {
            member.insert("format".into(), Value::String(format.into()));
        }
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        let mine: Vec<Value> = values
            .iter()
            .filter(|v| {
                json_type(v).is_some_and(|t| t == typ || (t == "integer" && typ == "number"))
            })
            .cloned()
            .collect();
        if !mine.is_empty() {
            member.insert("enum".into(), Value::Array(mine));
        }
    }
    Value::Object(member)
}

/// The first JSON media type of a request body and its schema.
fn json_schema(body: &Value) -> Option<(String, Value)> {
    let content = body.get("content")?.as_object()?;
    content.iter().find_map(|(media_type, media)| {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let json = essence == "application/json" || essence.ends_with("+json");
        json.then(|| {
            media
                .get("schema")
                .cloned()
                .map(|s| (media_type.clone(), s))
        })
        .flatten()
    })
}
