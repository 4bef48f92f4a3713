//! Mutation operators that know OpenAPI's shape: `$ref` cycles through
//! components, path templates, colliding parameters, operation ids and
//! response status codes.

use fastrand::Rng;
use serde_json::{json, Value};

use super::mutate::{case_variant, ensure_object, Ctx};
use super::random::{nasty_name, random_parameter, random_response, random_scalar};
use super::seeds::escape_token;
use super::short;
use super::tree::{last_key, node, node_mut, operation_node, pick, pointer, METHODS};
use super::vocab::{one_of, PATHS, STATUSES};

pub(super) fn ref_cycle(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let section = if r.usize(..4) == 0 {
        ["parameters", "responses", "requestBodies", "headers"][r.usize(..4)]
    } else {
        "schemas"
    };
    let names: Vec<String> = {
        let map = ensure_object(doc, &["components", section])?;
        let mut existing: Vec<String> = map.keys().cloned().collect();
        r.shuffle(&mut existing);
        let mut names: Vec<String> = existing.into_iter().take(3).collect();
        for fresh in ["CycA", "CycB", "CycC"] {
            if names.len() < 3 {
                names.push(fresh.to_owned());
            }
        }
        names
    };
    let at = |name: &str| format!("#/components/{section}/{}", escape_token(name));
    let (a, b, c) = (&names[0], &names[1], &names[2]);
    let shape = r.usize(..9);
    let entries: Vec<(String, Value)> = match shape {
        0 => vec![(a.clone(), json!({"$ref": at(a)}))],
        1 => vec![
            (a.clone(), json!({"$ref": at(b)})),
            (b.clone(), json!({"$ref": at(a)})),
        ],
        2 => vec![
            (a.clone(), json!({"$ref": at(b)})),
            (b.clone(), json!({"$ref": at(c)})),
            (c.clone(), json!({"$ref": at(a)})),
        ],
        3 => vec![(a.clone(), json!({"allOf": [{"$ref": at(a)}]}))],
        4 => vec![
            (
                a.clone(),
                json!({"type": "object", "properties": {"x": {"$ref": at(b)}}, "required": ["x"]}),
            ),
            (
                b.clone(),
                json!({"type": "object", "properties": {"y": {"$ref": at(a)}}, "required": ["y"]}),
            ),
        ],
        5 => vec![
            (a.clone(), json!({"oneOf": [{"$ref": at(b)}]})),
            (b.clone(), json!({"anyOf": [{"$ref": at(a)}]})),
        ],
        6 => vec![(
            a.clone(),
            json!({"type": "array", "items": {"$ref": at(a)}}),
        )],
        7 => vec![(
            a.clone(),
            json!({"type": "object", "additionalProperties": {"$ref": at(a)}}),
        )],
        _ => vec![
            (
                a.clone(),
                json!({"allOf": [{"$ref": at(b)}], "properties": {"z": {"type": "string"}}}),
            ),
            (b.clone(), json!({"allOf": [{"$ref": at(a)}]})),
        ],
    };
    let map = ensure_object(doc, &["components", section])?;
    for (name, value) in &entries {
        map.insert(name.clone(), value.clone());
    }
    // Make the cycle reachable from an operation now and then.
    if r.bool() {
        if let Some(op_path) = pick(doc, r, &operation_node) {
            let op = node_mut(doc, &op_path)?.as_object_mut()?;
            let target = at(a);
            match section {
                "parameters" => {
                    op.insert("parameters".into(), json!([{"$ref": target}]));
                }
                "responses" => {
                    op.insert("responses".into(), json!({"200": {"$ref": target}}));
                }
                "requestBodies" => {
                    op.insert("requestBody".into(), json!({"$ref": target}));
                }
                "headers" => {
                    op.insert(
                        "responses".into(),
                        json!({"200": {"description": "x", "headers": {"X-H": {"$ref": target}}}}),
                    );
                }
                _ => {
                    op.insert("responses".into(), json!({"200": {"description": "x", "content": {"application/json": {"schema": {"$ref": target}}}}}));
                }
            }
        }
    }
    Some(format!(
        "ref cycle shape {shape} in {section} over {names:?}"
    ))
}

pub(super) fn path_template(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let template = if r.usize(..4) == 0 {
        format!("/{{{}}}{{{}}}", nasty_name(r), nasty_name(r))
    } else {
        one_of(r, PATHS).to_owned()
    };
    let paths = ensure_object(doc, &["paths"])?;
    let old = paths.keys().nth(r.usize(..paths.len().max(1))).cloned();
    let item = match &old {
        Some(old) if r.usize(..3) != 0 => paths.remove(old),
        Some(old) => paths.get(old).cloned(),
        None => None,
    }
    .unwrap_or_else(
        || json!({"get": {"operationId": "fuzzOp", "responses": {"200": {"description": "ok"}}}}),
    );
    let mut item = item;
    if r.bool() {
        // Declare the template's parameters (some of them) on every operation.
        let names: Vec<String> = template
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(str::to_owned)
            .collect();
        if let Some(ops) = item.as_object_mut() {
            for (method, op) in ops.iter_mut() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                if let Some(op) = op.as_object_mut() {
                    let params: Vec<Value> = names
                        .iter()
                        .filter(|_| r.usize(..5) != 0)
                        .map(|n| json!({"name": n, "in": "path", "required": true, "schema": {"type": "string"}}))
                        .collect();
                    op.insert("parameters".into(), Value::Array(params));
                }
            }
        }
    }
    paths.insert(template.clone(), item);
    Some(format!("path {old:?} -> {template:?}"))
}

pub(super) fn param_collide(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let op_path = pick(doc, r, &operation_node)?;
    let added: Vec<Value> = (0..1 + r.usize(..4))
        .map(|_| random_parameter(r, ctx))
        .collect();
    let op = node_mut(doc, &op_path)?.as_object_mut()?;
    let params = op
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !params.is_array() {
        *params = Value::Array(Vec::new());
    }
    let list = params.as_array_mut()?;
    if r.bool() && !list.is_empty() {
        // Same name, different case or location.
        let first = list[r.usize(..list.len())].clone();
        let mut twin = first.clone();
        if let Some(name) = first.get("name").and_then(Value::as_str) {
            let variant = case_variant(name, r);
            if let Some(m) = twin.as_object_mut() {
                m.insert("name".into(), json!(variant));
                if r.bool() {
                    m.insert(
                        "in".into(),
                        json!(["path", "query", "header", "cookie"][r.usize(..4)]),
                    );
                }
            }
        }
        list.push(twin);
    }
    let shown = short(&Value::Array(added.clone()).to_string(), 120);
    list.extend(added);
    Some(format!("parameters of {} += {shown}", pointer(&op_path)))
}

pub(super) fn operation_ids(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let a = pick(doc, r, &operation_node)?;
    let b = pick(doc, r, &operation_node)?;
    let id = match r.usize(..4) {
        0 => node(doc, &b)?
            .get("operationId")
            .cloned()
            .unwrap_or_else(|| json!("same")),
        1 => json!(nasty_name(r)),
        2 => random_scalar(r),
        _ => {
            let other = node(doc, &b)?
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("someOperation")
                .to_owned();
            json!(case_variant(&other, r))
        }
    };
    let op = node_mut(doc, &a)?.as_object_mut()?;
    if r.usize(..6) == 0 {
        op.remove("operationId");
        return Some(format!("removed operationId of {}", pointer(&a)));
    }
    op.insert("operationId".into(), id.clone());
    Some(format!(
        "operationId of {} = {}",
        pointer(&a),
        short(&id.to_string(), 80)
    ))
}

pub(super) fn status_codes(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let path = pick(doc, r, &|v, p| {
        v.is_object() && last_key(p) == Some("responses")
    })?;
    let status = one_of(r, STATUSES).to_owned();
    let response = random_response(r, ctx);
    let map = node_mut(doc, &path)?.as_object_mut()?;
    if !map.is_empty() && r.bool() {
        let key = map.keys().nth(r.usize(..map.len()))?.clone();
        let value = map.remove(&key)?;
        map.insert(status.clone(), value);
        return Some(format!(
            "status {key:?} -> {status:?} at {}",
            pointer(&path)
        ));
    }
    map.insert(status.clone(), response);
    Some(format!("added status {status:?} at {}", pointer(&path)))
}
