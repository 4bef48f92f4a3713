//! Repairs for defects the vendor's published specs have, applied to the
//! untyped document before it is parsed. Each would otherwise fail the whole
//! document in openapiv3; each repair leaves a located warning, so the spec's
//! author can fix the source.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::diagnostics::{self, Diagnostic, Path, Step, Trail};

/// Applies every repair.
pub fn mend(root: &mut Value, warnings: &mut Vec<Diagnostic>) {
    mend_types(root, &Path::Start(""), warnings);
    mend_parameters(root, warnings);
    mend_headers(root, warnings);
}

/// Schemas may nest this deep (`allOf`, `oneOf`, `anyOf`, `items`, `not`,
/// `properties`, `additionalProperties` inside each other). The vendor's
/// specs reach 3, PagerDuty's 15. An invalid innermost schema would make
/// openapiv3's untagged enums retry every alternative at every level (time
/// exponential in the depth), but every schema node is parsed on its own
/// before the whole document, which finds it first; the limit stays as a
/// bound on the generator's recursion.
pub const MAX_SCHEMA_DEPTH: usize = 32;

/// The first schema nested deeper than [`MAX_SCHEMA_DEPTH`], as an error.
pub fn too_deep(root: &Value) -> Option<Diagnostic> {
    let mut trail = Trail::default();
    let mut stack: Vec<(&Value, usize, usize)> = vec![(root, Trail::ROOT, 0)];
    while let Some((value, at, depth)) = stack.pop() {
        if depth > MAX_SCHEMA_DEPTH {
            return Some(
                Diagnostic::error(
                    trail.pointer(at),
                    format!("schemas nest more than {MAX_SCHEMA_DEPTH} levels deep here"),
                )
                .with_hint(
                    "move inner schemas to `components/schemas` and refer to them with `$ref`",
                ),
            );
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("example" | "examples" | "default" | "enum", _) => {}
                        ("allOf" | "oneOf" | "anyOf", Value::Array(items)) => {
                            let list = trail.below(at, Step::Key(key));
                            for (i, item) in items.iter().enumerate() {
                                stack.push((item, trail.below(list, Step::Index(i)), depth + 1));
                            }
                        }
                        ("items" | "not" | "additionalProperties", _) => {
                            stack.push((child, trail.below(at, Step::Key(key)), depth + 1))
                        }
                        ("properties", Value::Object(props)) => {
                            let props_at = trail.below(at, Step::Key(key));
                            for (name, prop) in props {
                                let prop_at = trail.below(props_at, Step::Key(name));
                                stack.push((prop, prop_at, depth + 1));
                            }
                        }
                        _ => stack.push((child, trail.below(at, Step::Key(key)), depth)),
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, trail.below(at, Step::Index(i)), depth));
                }
            }
            _ => {}
        }
    }
    None
}

/// The first schema keyword whose value has the wrong JSON type, as an
/// error. Checked before parsing because openapiv3's untagged enums report
/// such a mistake only after retrying every alternative at every level above
/// it, which is slow and says little about where the mistake is.
pub fn misshapen(root: &Value) -> Option<Diagnostic> {
    let schemas = root.pointer("/components/schemas");
    // The other sections of `components` map names to objects; an entry
    // may be called `schema` (a query parameter of that name) without
    // being one.
    let named: Vec<&Value> = root
        .pointer("/components")
        .and_then(Value::as_object)
        .map(|sections| {
            sections
                .iter()
                .filter(|(section, _)| *section != "schemas")
                .map(|(_, entries)| entries)
                .collect()
        })
        .unwrap_or_default();
    let mut trail = Trail::default();
    let mut stack: Vec<(&Value, usize, bool)> = vec![(root, Trail::ROOT, false)];
    while let Some((value, at, is_schema)) = stack.pop() {
        if is_schema {
            if let Some(error) = schema_shape(value, at, &mut trail, &mut stack) {
                return Some(error);
            }
            continue;
        }
        match value {
            Value::Object(map) => {
                // Each entry of `/components/schemas` is a schema.
                let in_schemas = schemas.is_some_and(|schemas| std::ptr::eq(schemas, value));
                let in_named = named.iter().any(|entries| std::ptr::eq(*entries, value));
                for (key, child) in map {
                    if matches!(key.as_str(), "example" | "examples") {
                        continue;
                    }
                    let schema = (key == "schema" && !in_named) || in_schemas;
                    stack.push((child, trail.below(at, Step::Key(key)), schema));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, trail.below(at, Step::Index(i)), false));
                }
            }
            _ => {}
        }
    }
    None
}

/// Checks one schema object's keywords and queues its subschemas.
fn schema_shape<'v>(
    value: &'v Value,
    at: usize,
    trail: &mut Trail<'v>,
    stack: &mut Vec<(&'v Value, usize, bool)>,
) -> Option<Diagnostic> {
    let wrong = |trail: &Trail<'_>, key: &str, expected: &str| {
        Some(Diagnostic::error(
            diagnostics::join(&trail.pointer(at), key),
            format!("`{key}` must be {expected}"),
        ))
    };
    let Value::Object(map) = value else {
        return Some(Diagnostic::error(
            trail.pointer(at),
            "a schema must be an object",
        ));
    };
    for (key, child) in map {
        match (key.as_str(), child) {
            ("allOf" | "oneOf" | "anyOf", Value::Array(items)) => {
                let list = trail.below(at, Step::Key(key));
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, trail.below(list, Step::Index(i)), true));
                }
            }
            ("allOf" | "oneOf" | "anyOf", _) => return wrong(trail, key, "a list of schemas"),
            ("items" | "not", Value::Object(_)) => {
                stack.push((child, trail.below(at, Step::Key(key)), true))
            }
            ("items" | "not", _) => return wrong(trail, key, "a schema"),
            ("additionalProperties", Value::Object(_)) => {
                stack.push((child, trail.below(at, Step::Key(key)), true))
            }
            ("additionalProperties", Value::Bool(_)) => {}
            ("additionalProperties", _) => return wrong(trail, key, "a schema or a boolean"),
            ("properties", Value::Object(props)) => {
                let props_at = trail.below(at, Step::Key(key));
                for (name, prop) in props {
                    stack.push((prop, trail.below(props_at, Step::Key(name)), true));
                }
            }
            ("discriminator", Value::Object(_)) => {}
            ("properties" | "discriminator", _) => return wrong(trail, key, "an object"),
            ("required" | "enum", Value::Array(_)) => {}
            ("required" | "enum", _) => return wrong(trail, key, "a list"),
            (
                "$ref" | "type" | "format" | "pattern" | "title" | "description",
                Value::String(_),
            ) => {}
            ("$ref" | "type" | "format" | "pattern" | "title" | "description", _) => {
                return wrong(trail, key, "a string")
            }
            (
                "nullable" | "readOnly" | "writeOnly" | "deprecated" | "uniqueItems",
                Value::Bool(_),
            ) => {}
            ("nullable" | "readOnly" | "writeOnly" | "deprecated" | "uniqueItems", _) => {
                return wrong(trail, key, "a boolean")
            }
            _ => {}
        }
    }
    // The keyword checks above catch the common mistakes; parsing this one
    // node with its subschemas blanked catches the rest (`minLength: -1`,
    // a bad `discriminator`, ...), in time linear in the document.
    let blank = || Value::Object(Map::new());
    let shallow = Value::Object(
        map.iter()
            .map(|(key, child)| {
                let child = match (key.as_str(), child) {
                    ("allOf" | "oneOf" | "anyOf", Value::Array(items)) => {
                        Value::Array(items.iter().map(|_| blank()).collect())
                    }
                    ("items" | "not" | "additionalProperties", Value::Object(_)) => blank(),
                    ("properties", Value::Object(props)) => {
                        Value::Object(props.keys().map(|name| (name.clone(), blank())).collect())
                    }
                    _ => child.clone(),
                };
                (key.clone(), child)
            })
            .collect(),
    );
    if openapiv3::Schema::deserialize(&shallow).is_ok() {
        return None;
    }
    // Parse again, following the path, only to say where it failed.
    if let Err(error) = serde_path_to_error::deserialize::<_, openapiv3::Schema>(shallow) {
        let at = error
            .path()
            .iter()
            .fold(trail.pointer(at), |at, segment| match segment {
                serde_path_to_error::Segment::Map { key } => diagnostics::join(&at, key),
                serde_path_to_error::Segment::Seq { index } => {
                    diagnostics::join(&at, &index.to_string())
                }
                _ => at,
            });
        return Some(Diagnostic::error(
            at,
            format!("invalid schema: {}", error.inner()),
        ));
    }
    None
}

/// Fields a Parameter Object may have (OpenAPI 3.0.3, 4.7.12).
const PARAMETER_FIELDS: &[&str] = &[
    "name",
    "in",
    "description",
    "required",
    "deprecated",
    "allowEmptyValue",
    "style",
    "explode",
    "allowReserved",
    "schema",
    "example",
    "examples",
    "content",
    "$ref",
];

/// Drops fields a Parameter Object cannot have (vendors put `anyOf` beside
/// `schema`), which would otherwise fail the whole document.
fn mend_parameters(root: &mut Value, warnings: &mut Vec<Diagnostic>) {
    let mut lists: Vec<String> = Vec::new();
    if let Some(Value::Object(paths)) = root.get("paths") {
        for (path, item) in paths {
            let item_pointer = diagnostics::join("/paths", path);
            lists.push(diagnostics::join(&item_pointer, "parameters"));
            if let Value::Object(item) = item {
                for method in item.keys() {
                    lists.push(diagnostics::join(
                        &diagnostics::join(&item_pointer, method),
                        "parameters",
                    ));
                }
            }
        }
    }
    let mut params: Vec<String> = Vec::new();
    for list in lists {
        if let Some(Value::Array(items)) = root.pointer(&list) {
            params.extend((0..items.len()).map(|i| diagnostics::join(&list, &i.to_string())));
        }
    }
    if let Some(Value::Object(components)) = root.pointer("/components/parameters") {
        params.extend(
            components
                .keys()
                .map(|k| diagnostics::join("/components/parameters", k)),
        );
    }
    for pointer in params {
        let Some(Value::Object(param)) = root.pointer_mut(&pointer) else {
            continue;
        };
        let extra: Vec<String> = param
            .keys()
            .filter(|k| !PARAMETER_FIELDS.contains(&k.as_str()) && !k.starts_with("x-"))
            .cloned()
            .collect();
        for key in extra {
            param.remove(&key);
            warnings.push(
                Diagnostic::warning(
                    diagnostics::join(&pointer, &key),
                    format!("a parameter cannot have `{key}`; it is ignored"),
                )
                .with_hint("put schema keywords under the parameter's `schema`"),
            );
        }
    }
}

/// Gives a schema to response headers that have neither `schema` nor
/// `content` (vendors describe only the value), which would otherwise fail
/// the whole document.
fn mend_headers(root: &mut Value, warnings: &mut Vec<Diagnostic>) {
    let mut responses: Vec<String> = Vec::new();
    if let Some(Value::Object(paths)) = root.get("paths") {
        for (path, item) in paths {
            let Value::Object(item) = item else { continue };
            for (method, op) in item {
                if let Some(Value::Object(codes)) = op.get("responses") {
                    let base = diagnostics::join(
                        &diagnostics::join(&diagnostics::join("/paths", path), method),
                        "responses",
                    );
                    responses.extend(codes.keys().map(|c| diagnostics::join(&base, c)));
                }
            }
        }
    }
    if let Some(Value::Object(shared)) = root.pointer("/components/responses") {
        responses.extend(
            shared
                .keys()
                .map(|k| diagnostics::join("/components/responses", k)),
        );
    }
    let mut headers: Vec<String> = Vec::new();
    for response in responses {
        if let Some(Value::Object(map)) = root.pointer(&format!("{response}/headers")) {
            headers.extend(
                map.keys()
                    .map(|h| diagnostics::join(&format!("{response}/headers"), h)),
            );
        }
    }
    if let Some(Value::Object(shared)) = root.pointer("/components/headers") {
        headers.extend(
            shared
                .keys()
                .map(|k| diagnostics::join("/components/headers", k)),
        );
    }
    for pointer in headers {
        let Some(Value::Object(header)) = root.pointer_mut(&pointer) else {
            continue;
        };
        if !header.contains_key("schema")
            && !header.contains_key("content")
            && !header.contains_key("$ref")
        {
            header.insert("schema".into(), serde_json::json!({ "type": "string" }));
            warnings.push(
                Diagnostic::warning(
                    pointer,
                    "a header needs `schema` or `content`; it is taken as a string",
                )
                .with_hint("add `schema: {type: string}`"),
            );
        }
    }
}

/// Schema types OpenAPI 3.0 knows, and security scheme types (the other
/// objects with a `type` field).
const TYPES: &[&str] = &[
    "string",
    "number",
    "integer",
    "boolean",
    "array",
    "object",
    "apiKey",
    "http",
    "oauth2",
    "openIdConnect",
    "mutualTLS",
];

/// Removes `type` values OpenAPI 3.0 does not have (vendors write `any`,
/// `file`, ...), which would otherwise fail the whole document: a schema
/// without `type` accepts any JSON, which is what they mean.
fn mend_types(value: &mut Value, here: &Path<'_>, warnings: &mut Vec<Diagnostic>) {
    match value {
        Value::Object(map) => {
            let bad = match map.get("type") {
                Some(Value::String(t)) => !TYPES.contains(&t.as_str()),
                Some(Value::Object(_)) => false, // a property named `type`
                Some(_) => true,
                None => false,
            };
            let in_properties = here.last() == Some(Step::Key("properties"));
            if bad && !in_properties {
                let shown = map.get("type").map(ToString::to_string).unwrap_or_default();
                map.remove("type");
                warnings.push(
                    Diagnostic::warning(here.key("type").pointer(), format!("`type: {shown}` is not an OpenAPI 3.0 type; the schema accepts any JSON"))
                        .with_hint("use one of string, number, integer, boolean, array, object, or leave `type` out"),
                );
            }
            for (key, child) in map.iter_mut() {
                // Example values and extensions are data, not schemas.
                let data = matches!(key.as_str(), "example" | "examples" | "default" | "enum")
                    || key.starts_with("x-");
                if data && !in_properties {
                    continue;
                }
                mend_types(child, &here.key(key), warnings);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                mend_types(child, &here.index(i), warnings);
            }
        }
        _ => {}
    }
}
