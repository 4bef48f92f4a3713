//! Structure-aware mutations: `mutate` picks one operator by weight; this
//! module holds the generic tree edits (delete, replace, rename, insert,
//! `$ref`, enum values, names, splice, duplicate, swap, deep nesting) and
//! the helpers the operators share. The OpenAPI-shaped operators are in
//! `mutate_openapi`.

use fastrand::Rng;
use serde_json::{json, Map, Value};

use super::mutate_openapi::{operation_ids, param_collide, path_template, ref_cycle, status_codes};
use super::random::{colliding_names, deep, nasty_name, random_value, value_for_key};
use super::refs::ref_target;
use super::seeds::{escape_token, External, Seed};
use super::short;
use super::tree::{
    any_node, array_node, last_key, named_map, node, node_mut, object_node, pick, pointer,
    schema_like, Pred, Seg,
};
use super::vocab::{one_of, KEYWORDS};

/// What the mutations may draw on besides the document itself.
pub(super) struct Ctx<'a> {
    pub(super) seeds: &'a [Seed],
    pub(super) externals: &'a [External],
    pub(super) targets: &'a [String],
}

/// Applies one random mutation; returns what it did, or `None` when the
/// chosen mutation did not apply to this document.
pub(super) fn mutate(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    match r.usize(..100) {
        0..=8 => delete_key(doc, r),
        9..=19 => replace_value(doc, r, ctx),
        20..=28 => rename_key(doc, r),
        29..=39 => insert_key(doc, r, ctx),
        40..=48 => set_ref(doc, r, ctx),
        49..=53 => ref_cycle(doc, r),
        54..=58 => enum_collide(doc, r),
        59..=66 => nasty_rename(doc, r),
        67..=70 => path_template(doc, r),
        71..=77 => splice(doc, r, ctx),
        78..=82 => duplicate_entry(doc, r),
        83..=85 => swap_subtrees(doc, r),
        86..=89 => param_collide(doc, r, ctx),
        90..=92 => operation_ids(doc, r),
        93..=95 => deep_nest(doc, r),
        _ => status_codes(doc, r, ctx),
    }
}

fn pick_key(doc: &Value, r: &mut Rng, pred: Pred<'_>) -> Option<(Vec<Seg>, String)> {
    let path = pick(doc, r, pred)?;
    let map = node(doc, &path)?.as_object()?;
    let key = map.keys().nth(r.usize(..map.len().max(1)))?.clone();
    Some((path, key))
}

fn delete_key(doc: &mut Value, r: &mut Rng) -> Option<String> {
    if r.usize(..4) == 0 {
        // Delete an array element instead.
        let path = pick(doc, r, &array_node)?;
        let items = node_mut(doc, &path)?.as_array_mut()?;
        let i = r.usize(..items.len());
        items.remove(i);
        return Some(format!("deleted {}/{i}", pointer(&path)));
    }
    let (path, key) = pick_key(doc, r, &object_node)?;
    node_mut(doc, &path)?.as_object_mut()?.remove(&key);
    Some(format!("deleted {}/{}", pointer(&path), escape_token(&key)))
}

fn type_index(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn replace_value(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let path = if r.usize(..200) == 0 {
        Vec::new()
    } else {
        pick(doc, r, &any_node)?
    };
    let old = type_index(node(doc, &path)?);
    let mut new = random_value(r, ctx, 0);
    for _ in 0..4 {
        if type_index(&new) != old {
            break;
        }
        new = random_value(r, ctx, 0);
    }
    let shown = short(&new.to_string(), 80);
    *node_mut(doc, &path)? = new;
    Some(format!("replaced {} with {shown}", pointer(&path)))
}

fn rename_key(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let (path, key) = pick_key(doc, r, &object_node)?;
    let map = node_mut(doc, &path)?.as_object_mut()?;
    let new = if r.usize(..5) == 0 {
        // Onto a sibling: the sibling is overwritten.
        map.keys().nth(r.usize(..map.len()))?.clone()
    } else {
        one_of(r, KEYWORDS).to_owned()
    };
    rename_entry(map, &path, &key, new)
}

/// Moves the entry `key` of `map` (the object at `path`) to `new`,
/// overwriting an entry of that name; says what it did.
fn rename_entry(
    map: &mut Map<String, Value>,
    path: &[Seg],
    key: &str,
    new: String,
) -> Option<String> {
    let value = map.remove(key)?;
    map.insert(new.clone(), value);
    Some(format!(
        "renamed {}/{} to {new:?}",
        pointer(path),
        escape_token(key)
    ))
}

fn insert_key(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let path = if r.usize(..3) == 0 {
        pick(doc, r, &|v, _| v.is_object())?
    } else {
        pick(doc, r, &schema_like)?
    };
    let key = one_of(r, KEYWORDS);
    let value = value_for_key(key, r, ctx, doc, &path);
    let shown = short(&value.to_string(), 80);
    node_mut(doc, &path)?
        .as_object_mut()?
        .insert(key.to_owned(), value);
    Some(format!(
        "set {}/{} = {shown}",
        pointer(&path),
        escape_token(key)
    ))
}

fn set_ref(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    // Either retarget an existing `$ref` or turn a node into one.
    let existing = pick(doc, r, &|v, _| v.get("$ref").is_some());
    let path = match existing {
        Some(p) if r.bool() => p,
        _ => pick(doc, r, &schema_like).or_else(|| pick(doc, r, &any_node))?,
    };
    let target = ref_target(r, ctx, Some(doc), &path);
    let node = node_mut(doc, &path)?;
    let keep_siblings = r.usize(..4) == 0 && node.is_object();
    if keep_siblings {
        node.as_object_mut()?
            .insert("$ref".into(), Value::String(target.clone()));
    } else {
        *node = json!({ "$ref": target });
    }
    Some(format!(
        "$ref at {} -> {target:?}{}",
        pointer(&path),
        if keep_siblings {
            " (siblings kept)"
        } else {
            ""
        }
    ))
}

pub(super) fn ensure_object<'a>(
    doc: &'a mut Value,
    path: &[&str],
) -> Option<&'a mut Map<String, Value>> {
    let mut node = doc;
    for key in path {
        let map = node.as_object_mut()?;
        node = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
    }
    node.as_object_mut()
}

fn enum_collide(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let path = pick(doc, r, &|v, p| schema_like(v, p) || v.get("enum").is_some())?;
    let values = colliding_names(r);
    let shown = short(&Value::Array(values.clone()).to_string(), 80);
    let map = node_mut(doc, &path)?.as_object_mut()?;
    if r.usize(..4) != 0 {
        map.insert(
            "type".into(),
            json!(["string", "integer", "number", "boolean"][r.usize(..4).min(r.usize(..4))]),
        );
    }
    if r.usize(..4) == 0 {
        map.insert("nullable".into(), json!(true));
    }
    map.insert("enum".into(), Value::Array(values));
    Some(format!("enum at {} = {shown}", pointer(&path)))
}

fn nasty_rename(doc: &mut Value, r: &mut Rng) -> Option<String> {
    if r.usize(..3) == 0 {
        // A name-bearing string value.
        let path = pick(doc, r, &|v, p| {
            v.is_string()
                && matches!(
                    last_key(p),
                    Some("operationId" | "name" | "propertyName" | "x-rust-name" | "title")
                )
        })?;
        let name = nasty_name(r);
        *node_mut(doc, &path)? = json!(name.clone());
        return Some(format!("{} = {name:?}", pointer(&path)));
    }
    let (path, key) = pick_key(doc, r, &named_map)?;
    let name = nasty_name(r);
    let map = node_mut(doc, &path)?.as_object_mut()?;
    rename_entry(map, &path, &key, name)
}

fn splice(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let donor = ctx.seeds.get(r.usize(..ctx.seeds.len().max(1)))?;
    let from = if r.bool() {
        pick(&donor.value, r, &schema_like)?
    } else {
        pick(&donor.value, r, &any_node)?
    };
    let graft = node(&donor.value, &from)?.clone();
    if r.usize(..3) == 0 {
        // As a new component schema, possibly over an existing one.
        let name = match from.last() {
            Some(Seg::Key(k)) if r.bool() => k.clone(),
            _ => nasty_name(r),
        };
        ensure_object(doc, &["components", "schemas"])?.insert(name.clone(), graft);
        return Some(format!(
            "spliced {}#{} as schema {name:?}",
            donor.name,
            pointer(&from)
        ));
    }
    let to = pick(doc, r, &any_node)?;
    *node_mut(doc, &to)? = graft;
    Some(format!(
        "spliced {}#{} over {}",
        donor.name,
        pointer(&from),
        pointer(&to)
    ))
}

pub(super) fn case_variant(key: &str, r: &mut Rng) -> String {
    match r.usize(..8) {
        0 => key.to_uppercase(),
        1 => key.to_lowercase(),
        2 => format!("{key}_"),
        3 => format!("_{key}"),
        4 => key.replace(['_', '-'], " "),
        5 => key
            .chars()
            .flat_map(|c| {
                if c.is_uppercase() {
                    vec!['-', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect(),
        6 => format!("{key}-"),
        _ => {
            let mut chars = key.chars();
            match chars.next() {
                Some(c) if c.is_lowercase() => c.to_uppercase().chain(chars).collect(),
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => "_".into(),
            }
        }
    }
}

fn duplicate_entry(doc: &mut Value, r: &mut Rng) -> Option<String> {
    if r.usize(..3) == 0 {
        let path = pick(doc, r, &array_node)?;
        let items = node_mut(doc, &path)?.as_array_mut()?;
        let i = r.usize(..items.len());
        let copy = items[i].clone();
        let at = r.usize(..=items.len());
        items.insert(at, copy);
        return Some(format!("duplicated {}/{i} to {at}", pointer(&path)));
    }
    let (path, key) = pick_key(doc, r, &|v, p| named_map(v, p) || object_node(v, p))?;
    let map = node_mut(doc, &path)?.as_object_mut()?;
    let value = map.get(&key)?.clone();
    let mut names = vec![];
    for _ in 0..1 + r.usize(..5) {
        let variant = case_variant(&key, r);
        map.insert(variant.clone(), value.clone());
        names.push(variant);
    }
    Some(format!(
        "copied {}/{} as {names:?}",
        pointer(&path),
        escape_token(&key)
    ))
}

fn swap_subtrees(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let a = pick(doc, r, &any_node)?;
    let b = pick(doc, r, &any_node)?;
    if a.starts_with(&b) || b.starts_with(&a) {
        return None;
    }
    let va = node(doc, &a)?.clone();
    let vb = node(doc, &b)?.clone();
    *node_mut(doc, &a)? = vb;
    *node_mut(doc, &b)? = va;
    Some(format!("swapped {} and {}", pointer(&a), pointer(&b)))
}

fn deep_nest(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let path = pick(doc, r, &schema_like)?;
    let value = deep(r);
    *node_mut(doc, &path)? = value;
    Some(format!("deeply nested schema at {}", pointer(&path)))
}
