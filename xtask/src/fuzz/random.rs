//! Random values to put into a document: awkward names, colliding enum
//! values, scalars, schemas, deeply nested schemas, parameters, responses,
//! and a value that fits a given key (`value_for_key`).

use fastrand::Rng;
use serde_json::{json, Map, Value};

use super::mutate::Ctx;
use super::refs::ref_target;
use super::tree::{node, Seg};
use super::vocab::{one_of, FORMATS, KEYWORDS, NASTY, RUST_TYPES, STATUSES, TYPES};

pub(super) fn nasty_name(r: &mut Rng) -> String {
    match r.usize(..20) {
        0 => "a".repeat(1 + r.usize(..400)),
        1 => format!("{}{}", one_of(r, NASTY), one_of(r, NASTY)),
        2 => (0..1 + r.usize(..6))
            .map(|_| char::from_u32(r.u32(0x80..0x3000)).unwrap_or('x'))
            .collect(),
        _ => one_of(r, NASTY).to_owned(),
    }
}

/// Sets of names that differ on the wire but meet after case conversion.
pub(super) fn colliding_names(r: &mut Rng) -> Vec<Value> {
    let groups: &[&[&str]] = &[
        &[
            "foo-bar", "foo_bar", "FooBar", "fooBar", "FOO_BAR", "foo bar", "foo.bar", "Foo Bar",
        ],
        &[
            "active", "ACTIVE", "Active", "active_", "-active", "active-",
        ],
        &["", " ", "_", "-", "!", "@", "$"],
        &["1", "2", "_1", "V1", "v1", "1.0", "01"],
        &["Self", "self", "SELF", "self_", "Self_"],
        &["Other", "other", "Unknown", "unknown", "Value", "value"],
        &["a", "A", "a_", "_a", "a__", "__a"],
        &["type", "Type", "r#type", "r_type", "type_"],
        &["é", "ü", "名前", "🦀", "\u{0301}"],
        &["in", "In", "IN", "fn", "Fn", "FN"],
    ];
    let mut out: Vec<Value> = match r.usize(..6) {
        0 => vec![
            json!(1),
            json!(2),
            json!(2),
            json!(1.5),
            json!(-1),
            json!(null),
            json!(true),
            json!("1"),
            json!([]),
            json!({}),
        ],
        1 => {
            let g1 = groups[r.usize(..groups.len())];
            let g2 = groups[r.usize(..groups.len())];
            g1.iter().chain(g2.iter()).map(|s| json!(s)).collect()
        }
        _ => groups[r.usize(..groups.len())]
            .iter()
            .map(|s| json!(s))
            .collect(),
    };
    if r.usize(..4) == 0 {
        let dup = out.first().cloned().unwrap_or(Value::Null);
        out.push(dup);
    }
    if r.usize(..4) != 0 {
        r.shuffle(&mut out);
        let keep = 2 + r.usize(..out.len().max(2));
        out.truncate(keep);
    }
    out
}

pub(super) fn random_scalar(r: &mut Rng) -> Value {
    match r.usize(..8) {
        0 => Value::Null,
        1 => Value::Bool(r.bool()),
        2 => [
            json!(0),
            json!(-1),
            json!(1.5),
            json!(1e300),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(-0.0),
        ][r.usize(..8)]
        .clone(),
        3 => json!(one_of(r, TYPES)),
        4 => json!(one_of(r, FORMATS)),
        5 => json!(huge_string(r)),
        _ => json!(nasty_name(r)),
    }
}

fn huge_string(r: &mut Rng) -> String {
    let unit = [
        "a",
        "a: ",
        "\"a\": ",
        "é",
        "🦀",
        "\n",
        "*/",
        "{",
        "x-",
        "\\",
        "\"#",
        "#/components/",
    ][r.usize(..12)];
    unit.repeat([100, 10_000, 100_000, 400_000][r.usize(..4)] / unit.len().max(1))
}

fn random_type_value(r: &mut Rng) -> Value {
    match r.usize(..10) {
        0 => json!(["string", "null"]),
        1 => json!(null),
        2 => json!(1),
        3 => json!({"type": "string"}),
        _ => json!(one_of(r, TYPES)),
    }
}

fn random_schema(r: &mut Rng, ctx: &Ctx<'_>, depth: usize) -> Value {
    let deeper = depth < 3;
    match r.usize(..16) {
        0 => json!({"type": one_of(r, TYPES)}),
        1 => json!({"type": "string", "format": one_of(r, FORMATS)}),
        2 => json!({"type": "string", "enum": colliding_names(r)}),
        3 => json!({"$ref": ref_target(r, ctx, None, &[])}),
        4 => json!({"type": "array"}),
        5 if deeper => json!({"type": "array", "items": random_schema(r, ctx, depth + 1)}),
        6 if deeper => {
            let mut props = Map::new();
            let mut required = Vec::new();
            for _ in 0..r.usize(..5) {
                let name = nasty_name(r);
                if r.bool() {
                    required.push(json!(name.clone()));
                }
                props.insert(name, random_schema(r, ctx, depth + 1));
            }
            json!({"type": "object", "properties": props, "required": required})
        }
        7 if deeper => {
            let key = ["oneOf", "anyOf", "allOf"][r.usize(..3)];
            let items: Vec<Value> = (0..r.usize(..4))
                .map(|_| random_schema(r, ctx, depth + 1))
                .collect();
            json!({ key: items })
        }
        8 => {
            let extra = [
                json!(true),
                json!(false),
                json!({}),
                json!({"type": "integer"}),
            ][r.usize(..4)]
            .clone();
            json!({"type": "object", "additionalProperties": extra})
        }
        9 => json!({"nullable": true}),
        10 => json!({}),
        11 => json!({"x-rust-type": one_of(r, RUST_TYPES)}),
        12 if deeper => json!({"not": random_schema(r, ctx, depth + 1)}),
        13 => json!({"type": "integer", "enum": [1, 2, 3, -1, 1.5, "1"], "format": "int32"}),
        14 => {
            let prop = nasty_name(r);
            json!({
                "type": "object",
                "discriminator": {"propertyName": prop, "mapping": {nasty_name(r): ref_target(r, ctx, None, &[])}},
                "oneOf": [{"$ref": ref_target(r, ctx, None, &[])}, {"type": "object"}],
                "properties": {prop: {"type": "string"}},
            })
        }
        _ => random_scalar(r),
    }
}

pub(super) fn random_value(r: &mut Rng, ctx: &Ctx<'_>, depth: usize) -> Value {
    match r.usize(..12) {
        0..=3 => random_scalar(r),
        4 if depth < 3 => Value::Array(
            (0..r.usize(..4))
                .map(|_| random_value(r, ctx, depth + 1))
                .collect(),
        ),
        5 if depth < 3 => {
            let mut map = Map::new();
            for _ in 0..r.usize(..4) {
                let key = one_of(r, KEYWORDS).to_owned();
                map.insert(key, random_value(r, ctx, depth + 1));
            }
            Value::Object(map)
        }
        6 if r.usize(..8) == 0 => deep(r),
        7 => json!([]),
        8 => json!({}),
        _ => random_schema(r, ctx, depth),
    }
}

pub(super) fn deep(r: &mut Rng) -> Value {
    // Mostly shallow: a deep tree whose innermost node does not parse takes
    // time exponential in its depth (see the fuzz fixtures), and every
    // timeout costs the campaign its full length.
    let depth = if r.usize(..4) == 0 {
        [30, 63, 64, 65, 127, 128, 129, 300][r.usize(..8)]
    } else {
        2 + r.usize(..12)
    };
    let style = r.usize(..7);
    let mut v = json!({"type": "string"});
    for i in 0..depth {
        v = match style {
            0 => json!({"type": "array", "items": v}),
            1 => json!({"allOf": [v]}),
            2 => {
                json!({"type": "object", "properties": {format!("p{i}"): v}, "required": [format!("p{i}")]})
            }
            3 => json!([v]),
            4 => json!({"oneOf": [v, {"type": "integer"}]}),
            5 => json!({"additionalProperties": v}),
            _ => json!({"not": v}),
        };
    }
    v
}

/// The `properties` of the schema at `here`, when it has any.
fn properties_of<'a>(doc: &'a Value, here: &[Seg]) -> Option<&'a Map<String, Value>> {
    node(doc, here)
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
}

/// A value for `key` in the node at `here`: mostly one of the kind the key
/// takes, with odd cases (wrong types, duplicates, names that collide).
pub(super) fn value_for_key(
    key: &str,
    r: &mut Rng,
    ctx: &Ctx<'_>,
    doc: &Value,
    here: &[Seg],
) -> Value {
    match key {
        "$ref" => match r.usize(..10) {
            0 => random_scalar(r),
            1 => json!({"$ref": "#"}),
            _ => json!(ref_target(r, ctx, Some(doc), here)),
        },
        "type" => random_type_value(r),
        "nullable" | "readOnly" | "writeOnly" | "deprecated" | "x-idempotent" | "explode" => {
            match r.usize(..6) {
                0 => json!("yes"),
                1 => Value::Null,
                _ => Value::Bool(r.bool()),
            }
        }
        "required" => {
            let existing: Vec<Value> = properties_of(doc, here)
                .map(|m| m.keys().map(|k| json!(k)).collect())
                .unwrap_or_default();
            match r.usize(..5) {
                0 => json!(true),
                1 => json!([nasty_name(r), nasty_name(r)]),
                2 => {
                    let mut v = existing.clone();
                    v.extend(existing);
                    Value::Array(v)
                }
                _ => {
                    let mut v = existing;
                    v.push(json!(nasty_name(r)));
                    Value::Array(v)
                }
            }
        }
        "enum" => Value::Array(colliding_names(r)),
        "items" | "not" | "schema" => random_schema(r, ctx, 0),
        "properties" => {
            let mut props = Map::new();
            for _ in 0..1 + r.usize(..5) {
                props.insert(nasty_name(r), random_schema(r, ctx, 1));
            }
            Value::Object(props)
        }
        "additionalProperties" => match r.usize(..4) {
            0 => json!(true),
            1 => json!(false),
            _ => random_schema(r, ctx, 1),
        },
        "discriminator" => {
            let prop = properties_of(doc, here)
                .and_then(|m| m.keys().next().cloned())
                .unwrap_or_else(|| nasty_name(r));
            let mut mapping = Map::new();
            for _ in 0..r.usize(..4) {
                mapping.insert(nasty_name(r), json!(ref_target(r, ctx, Some(doc), here)));
            }
            match r.usize(..4) {
                0 => json!({"propertyName": nasty_name(r)}),
                1 => json!({"mapping": mapping}),
                _ => json!({"propertyName": prop, "mapping": mapping}),
            }
        }
        "x-rust-type" => json!(one_of(r, RUST_TYPES)),
        "x-rust-name" | "operationId" | "name" | "propertyName" | "title" => {
            if r.usize(..8) == 0 {
                random_scalar(r)
            } else {
                json!(nasty_name(r))
            }
        }
        "x-aliases" | "x-scopes" => {
            json!([nasty_name(r), nasty_name(r), "same", "same"])
        }
        "oneOf" | "anyOf" | "allOf" => Value::Array(
            (0..r.usize(..4))
                .map(|_| random_schema(r, ctx, 1))
                .collect(),
        ),
        "format" => json!(one_of(r, FORMATS)),
        "in" => json!(
            ["path", "query", "header", "cookie", "body", "formData", "bogus", "Path"]
                [r.usize(..8)]
        ),
        "parameters" => Value::Array(
            (0..1 + r.usize(..4))
                .map(|_| random_parameter(r, ctx))
                .collect(),
        ),
        "content" => {
            let mime = [
                "application/json",
                "text/plain",
                "*/*",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "application/octet-stream",
                "application/vnd.x+json",
                "",
                "json",
                "application/json; charset=utf-8",
            ][r.usize(..10)];
            json!({ mime: {"schema": random_schema(r, ctx, 0)} })
        }
        "responses" => {
            let mut map = Map::new();
            for _ in 0..r.usize(..4) {
                map.insert(one_of(r, STATUSES).to_owned(), random_response(r, ctx));
            }
            Value::Object(map)
        }
        "requestBody" => {
            json!({"required": r.bool(), "content": {"application/json": {"schema": random_schema(r, ctx, 0)}}})
        }
        "style" => json!(
            [
                "form",
                "simple",
                "deepObject",
                "matrix",
                "label",
                "spaceDelimited",
                "pipeDelimited",
                "bogus"
            ][r.usize(..8)]
        ),
        _ => random_value(r, ctx, 0),
    }
}

pub(super) fn random_parameter(r: &mut Rng, ctx: &Ctx<'_>) -> Value {
    if r.usize(..6) == 0 {
        return json!({"$ref": ref_target(r, ctx, None, &[])});
    }
    let names = [
        "id",
        "Id",
        "ID",
        "i-d",
        "i_d",
        "i d",
        "",
        "self",
        "type",
        "body",
        "query",
        "params",
        "client",
        "Version",
        "Authorization",
        "locationId",
    ];
    let name = if r.bool() {
        names[r.usize(..names.len())].to_owned()
    } else {
        nasty_name(r)
    };
    let location = ["path", "query", "header", "cookie", "body", "bogus"][r.usize(..6)];
    let mut param = json!({"name": name, "in": location, "required": r.bool()});
    if let Some(map) = param.as_object_mut() {
        match r.usize(..4) {
            0 => {}
            1 => {
                map.insert(
                    "content".into(),
                    json!({"application/json": {"schema": random_schema(r, ctx, 1)}}),
                );
            }
            _ => {
                map.insert("schema".into(), random_schema(r, ctx, 1));
            }
        }
        if r.usize(..4) == 0 {
            map.insert(
                "style".into(),
                json!(["form", "deepObject", "simple", "bogus"][r.usize(..4)]),
            );
        }
    }
    param
}

pub(super) fn random_response(r: &mut Rng, ctx: &Ctx<'_>) -> Value {
    match r.usize(..6) {
        0 => json!({"description": "x"}),
        1 => json!({"$ref": ref_target(r, ctx, None, &[])}),
        2 => json!({"content": {"application/json": {"schema": random_schema(r, ctx, 0)}}}),
        3 => {
            json!({"description": "h", "headers": {nasty_name(r): {"schema": random_schema(r, ctx, 1)}}})
        }
        _ => {
            json!({"description": "x", "content": {"application/json": {"schema": random_schema(r, ctx, 0)}}})
        }
    }
}
