//! Navigating a JSON tree: paths (`Seg`), walking, picking a random node
//! that satisfies a predicate, reading and writing the node at a path, JSON
//! pointers; and the predicates the mutations pick nodes with (schemas,
//! named maps, operations), with the key tables they rely on.

use std::fmt::Write as _;

use fastrand::Rng;
use serde_json::Value;

use super::seeds::escape_token;
use super::MAX_WALK_DEPTH;

/// One step of a path into a JSON tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Idx(usize),
}

/// A `Seg` borrowed from the tree while walking it.
#[derive(Clone, Copy)]
pub(super) enum SegRef<'a> {
    Key(&'a str),
    Idx(usize),
}

/// Which nodes `pick` may choose, from the node and its path.
pub(super) type Pred<'p> = &'p dyn Fn(&Value, &[SegRef<'_>]) -> bool;

/// Calls `f` on every node down to `MAX_WALK_DEPTH`, with its path.
fn walk<'a>(
    value: &'a Value,
    path: &mut Vec<SegRef<'a>>,
    f: &mut dyn FnMut(&'a Value, &[SegRef<'a>]),
) {
    f(value, path);
    if path.len() >= MAX_WALK_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(SegRef::Key(key));
                walk(child, path, f);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(SegRef::Idx(i));
                walk(child, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A uniformly random node satisfying `pred` (reservoir sampling).
pub(super) fn pick(doc: &Value, r: &mut Rng, pred: Pred<'_>) -> Option<Vec<Seg>> {
    let mut chosen = None;
    let mut seen = 0usize;
    let mut stack = Vec::new();
    walk(doc, &mut stack, &mut |value, path| {
        if pred(value, path) {
            seen += 1;
            if r.usize(..seen) == 0 {
                chosen = Some(
                    path.iter()
                        .map(|s| match s {
                            SegRef::Key(k) => Seg::Key((*k).to_owned()),
                            SegRef::Idx(i) => Seg::Idx(*i),
                        })
                        .collect(),
                );
            }
        }
    });
    chosen
}

pub(super) fn node_mut<'a>(doc: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut node = doc;
    for seg in path {
        node = match seg {
            Seg::Key(k) => node.as_object_mut()?.get_mut(k)?,
            Seg::Idx(i) => node.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(node)
}

pub(super) fn node<'a>(doc: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut node = doc;
    for seg in path {
        node = match seg {
            Seg::Key(k) => node.as_object()?.get(k)?,
            Seg::Idx(i) => node.as_array()?.get(*i)?,
        };
    }
    Some(node)
}

pub(super) fn pointer(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&escape_token(k)),
            Seg::Idx(i) => {
                let _ = write!(out, "{i}");
            }
        }
    }
    out
}

pub(super) fn last_key<'a>(path: &[SegRef<'a>]) -> Option<&'a str> {
    match path.last() {
        Some(SegRef::Key(k)) => Some(k),
        _ => None,
    }
}

pub(super) fn any_node(_: &Value, path: &[SegRef<'_>]) -> bool {
    !path.is_empty()
}

pub(super) fn array_node(v: &Value, _: &[SegRef<'_>]) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

pub(super) fn object_node(v: &Value, _: &[SegRef<'_>]) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty())
}

const SCHEMA_KEYS: &[&str] = &[
    "type",
    "properties",
    "$ref",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "additionalProperties",
    "nullable",
    "required",
    "format",
];

pub(super) fn schema_like(v: &Value, path: &[SegRef<'_>]) -> bool {
    let Some(map) = v.as_object() else {
        return false;
    };
    let parent = path.len().checked_sub(2).and_then(|i| match path.get(i) {
        Some(SegRef::Key(k)) => Some(*k),
        _ => None,
    });
    SCHEMA_KEYS.iter().any(|k| map.contains_key(*k))
        || last_key(path) == Some("schema")
        || matches!(parent, Some("schemas" | "properties"))
}

const NAMED_MAPS: &[&str] = &[
    "properties",
    "schemas",
    "paths",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "content",
    "mapping",
    "securitySchemes",
];

pub(super) fn named_map(v: &Value, path: &[SegRef<'_>]) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty())
        && last_key(path).is_some_and(|k| NAMED_MAPS.contains(&k))
}

pub(super) fn operation_node(v: &Value, path: &[SegRef<'_>]) -> bool {
    v.is_object()
        && path.len() == 3
        && matches!(path.first(), Some(SegRef::Key("paths")))
        && last_key(path).is_some_and(|k| METHODS.contains(&k))
}

pub(super) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
