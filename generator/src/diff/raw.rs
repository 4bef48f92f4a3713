//! Wire facts the IR does not keep, read from a bundled document: security
//! requirements and scopes, media types, `deprecated`, validation keywords,
//! and where each property is written.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::diagnostics::join;
use crate::ir::Operation;

/// How many `$ref`s to follow before giving up (a ring of references).
const MAX_REFS: usize = 16;

/// The pointer of an operation in the document.
pub fn operation_pointer(op: &Operation) -> String {
    join(
        &join("/paths", &op.path),
        &op.http_method.to_ascii_lowercase(),
    )
}

/// The value at `pointer`, with local `$ref`s followed.
pub fn at<'a>(raw: &'a Value, pointer: &str) -> Option<&'a Value> {
    deref(raw, raw.pointer(pointer)?)
}

/// Follows local `$ref`s (the bundler made every reference local).
fn deref<'a>(raw: &'a Value, mut value: &'a Value) -> Option<&'a Value> {
    for _ in 0..MAX_REFS {
        match value.get("$ref").and_then(Value::as_str) {
            Some(target) => value = raw.pointer(target.strip_prefix('#')?)?,
            None => return Some(value),
        }
    }
    None
}

/// The pointer `$ref`s at `pointer` lead to.
fn resolved_pointer(raw: &Value, pointer: &str) -> String {
    let mut current = pointer.to_owned();
    for _ in 0..MAX_REFS {
        match raw
            .pointer(&current)
            .and_then(|v| v.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(next) => current = next.to_owned(),
            None => break,
        }
    }
    current
}

/// Where property `wire` of the object schema at `schema` is declared: its
/// own `properties`, or those of an `allOf` member.
pub fn property_pointer(raw: &Value, schema: &str, wire: &str) -> Option<String> {
    fn search(raw: &Value, schema: &str, wire: &str, depth: usize) -> Option<String> {
        if depth > MAX_REFS {
            return None;
        }
        let schema = resolved_pointer(raw, schema);
        let value = raw.pointer(&schema)?;
        if value.get("properties").and_then(|p| p.get(wire)).is_some() {
            return Some(join(&join(&schema, "properties"), wire));
        }
        let members = value.get("allOf").and_then(Value::as_array)?;
        (0..members.len()).find_map(|i| {
            search(
                raw,
                &join(&join(&schema, "allOf"), &i.to_string()),
                wire,
                depth + 1,
            )
        })
    }
    search(raw, schema, wire, 0)
}

/// Whether the object at `pointer` says `deprecated: true`.
pub fn deprecated(raw: &Value, pointer: &str) -> bool {
    at(raw, pointer)
        .and_then(|v| v.get("deprecated"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The media types of the `content` of the object at `pointer` (a request
/// body or a response).
pub fn media_types(raw: &Value, pointer: &str) -> BTreeSet<String> {
    at(raw, pointer)
        .and_then(|v| v.get("content"))
        .and_then(Value::as_object)
        .map(|c| c.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// What a token needs for an operation: the security schemes it may use
/// (name and kind) and the scopes it must carry.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Auth {
    /// `name (kind)` of each scheme in the requirements.
    pub schemes: BTreeSet<String>,
    /// Scopes: `x-scopes`, else those in the requirements.
    pub scopes: BTreeSet<String>,
}

/// The security of the operation at `pointer`: its own `security`, else the
/// document's.
pub fn auth(raw: &Value, pointer: &str) -> Auth {
    let op = raw.pointer(pointer);
    let requirements = op
        .and_then(|o| o.get("security"))
        .or_else(|| raw.get("security"))
        .and_then(Value::as_array);
    let mut out = Auth::default();
    for requirement in requirements.into_iter().flatten() {
        let Some(map) = requirement.as_object() else {
            continue;
        };
        for (name, scopes) in map {
            let scheme = at(raw, &join("/components/securitySchemes", name));
            let kind = scheme
                .map(|s| {
                    let ty = s.get("type").and_then(Value::as_str).unwrap_or("?");
                    match s.get("scheme").and_then(Value::as_str) {
                        Some(http) => format!("{ty} {}", http.to_ascii_lowercase()),
                        None => ty.to_owned(),
                    }
                })
                .unwrap_or_else(|| "undeclared".into());
            out.schemes.insert(format!("{name} ({kind})"));
            for scope in scopes.as_array().into_iter().flatten() {
                if let Some(scope) = scope.as_str() {
                    out.scopes.insert(scope.to_owned());
                }
            }
        }
    }
    if let Some(list) = op.and_then(|o| o.get("x-scopes")).and_then(Value::as_array) {
        out.scopes = list
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
    }
    out
}

/// Validation keywords that reject values when added or tightened.
const UPPER: &[&str] = &["maxLength", "maximum", "maxItems"];
const LOWER: &[&str] = &["minLength", "minimum", "minItems"];
const EXACT: &[&str] = &["pattern", "format"];
const FLAGS: &[&str] = &["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"];

/// The ways the schema at `new` (in `new_raw`) rejects values the schema at
/// `old` accepted, as `keyword: old -> new`.
pub fn tightened(old_raw: &Value, old: &str, new_raw: &Value, new: &str) -> Vec<String> {
    let (Some(a), Some(b)) = (at(old_raw, old), at(new_raw, new)) else {
        return Vec::new();
    };
    let show = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), ToString::to_string);
    let mut out = Vec::new();
    let number = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    for key in UPPER {
        if let Some(n) = number(b, key) {
            if number(a, key).is_none_or(|o| n < o) {
                out.push(format!(
                    "{key}: {} -> {}",
                    show(a.get(*key)),
                    show(b.get(*key))
                ));
            }
        }
    }
    for key in LOWER {
        if let Some(n) = number(b, key) {
            if number(a, key).is_none_or(|o| n > o) {
                out.push(format!(
                    "{key}: {} -> {}",
                    show(a.get(*key)),
                    show(b.get(*key))
                ));
            }
        }
    }
    for key in EXACT {
        if let Some(value) = b.get(*key) {
            if a.get(*key) != Some(value) {
                out.push(format!(
                    "{key}: {} -> {}",
                    show(a.get(*key)),
                    show(Some(value))
                ));
            }
        }
    }
    for key in FLAGS {
        let flag = |v: &Value| v.get(*key).and_then(Value::as_bool).unwrap_or(false);
        if flag(b) && !flag(a) {
            out.push(format!("{key}: false -> true"));
        }
    }
    out
}

/// Where the `location` parameter `name` of the operation at `op` is
/// declared: its entry in the operation's (or the path's) `parameters`, and
/// its schema (references followed).
pub fn parameter(raw: &Value, op: &str, location: &str, name: &str) -> Option<(String, String)> {
    let path_item = op.rsplit_once('/')?.0;
    for owner in [op, path_item] {
        let list = join(owner, "parameters");
        let Some(items) = raw.pointer(&list).and_then(Value::as_array) else {
            continue;
        };
        for i in 0..items.len() {
            let entry = join(&list, &i.to_string());
            let resolved = resolved_pointer(raw, &entry);
            let Some(item) = raw.pointer(&resolved) else {
                continue;
            };
            let named = item.get("name").and_then(Value::as_str).is_some_and(|n| {
                if location == "header" {
                    n.eq_ignore_ascii_case(name)
                } else {
                    n == name
                }
            });
            if named && item.get("in").and_then(Value::as_str) == Some(location) {
                return Some((entry, join(&resolved, "schema")));
            }
        }
    }
    None
}
