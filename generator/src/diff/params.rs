//! Parameters of one operation: path parameters by position, query and
//! header parameters by name, and the headers the client sends by itself
//! (a header with one allowed value).

use std::collections::BTreeMap;

use super::raw;
use super::shape::{self, arg_rust, Direction, Shapes};
use super::{Change, Ctx};
use crate::diagnostics::join;
use crate::ir::{Operation, Param};

/// Where a parameter travels, for matching across sides.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum In {
    Query,
    Header,
}

impl In {
    fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Header => "header",
        }
    }
}

fn keyed(op: &Operation) -> BTreeMap<(In, String), &Param> {
    op.query_params
        .iter()
        .map(|p| ((In::Query, p.wire.clone()), p))
        .chain(
            op.header_params
                .iter()
                .map(|p| ((In::Header, p.wire.to_ascii_lowercase()), p)),
        )
        .collect()
}

fn fixed(op: &Operation) -> BTreeMap<String, &str> {
    op.fixed_headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.as_str()))
        .collect()
}

/// Adds the changes to the parameters of one operation.
pub fn compare(
    ctx: &Ctx<'_>,
    shapes: &Shapes<'_>,
    old: &Operation,
    new: &Operation,
    (old_ptr, new_ptr): (&str, &str),
    out: &mut Vec<Change>,
) {
    let id = &new.operation_id;
    let old_raw = &ctx.old.loaded.raw;
    let new_raw = &ctx.new.loaded.raw;
    // The parameter's entry on each side, else the operation's list.
    let entry = |raw: &serde_json::Value, op: &str, loc: &str, wire: &str| {
        raw::parameter(raw, op, loc, wire).map_or_else(|| join(op, "parameters"), |(e, _)| e)
    };
    let at_param = |c: Change, loc: &str, wire: &str| {
        c.operation(id).at(
            Some(entry(old_raw, old_ptr, loc, wire)),
            Some(entry(new_raw, new_ptr, loc, wire)),
        )
    };
    let had_params = old
        .query_params
        .iter()
        .chain(&old.header_params)
        .any(|p| !p.required);
    let params_struct = format!("{}Params", new.type_prefix);

    // Path parameters are positional arguments: compare them in order.
    for (a, b) in old.path_params.iter().zip(&new.path_params) {
        if shape::rust(&a.ty) != shape::rust(&b.ty) {
            let relation = shapes.relate(&a.ty, &b.ty);
            let message = format!(
                "path parameter `{}` changed type: `{}` -> `{}` ({})",
                b.wire,
                shape::rust(&a.ty),
                shape::rust(&b.ty),
                relation
            );
            let rust = arg_rust(&a.ty) != arg_rust(&b.ty);
            out.push(at_param(
                Change::new(
                    "request-parameter-type-changed",
                    relation.breaks(Direction::REQUEST),
                    rust,
                    message,
                ),
                "path",
                &b.wire,
            ));
        }
    }

    let old_params = keyed(old);
    let new_params = keyed(new);
    let old_fixed = fixed(old);
    let new_fixed = fixed(new);
    for ((loc, key), b) in &new_params {
        let Some(a) = old_params.get(&(*loc, key.clone())) else {
            let place = loc.as_str();
            if *loc == In::Header && old_fixed.contains_key(key) {
                // A header OLD sent by itself is now the caller's to give.
                let rust = b.required || !had_params;
                let message = format!(
                    "header `{}` had one allowed value, sent by the client; it now takes any `{}` from the caller",
                    b.wire,
                    shape::rust(&b.ty)
                );
                out.push(at_param(
                    Change::new("request-parameter-type-changed", false, rust, message),
                    "header",
                    key,
                ));
            } else if b.required {
                let message = format!(
                    "required {place} parameter `{}` added: a new argument `{}: {}`",
                    b.wire,
                    b.name,
                    arg_rust(&b.ty)
                );
                out.push(at_param(
                    Change::new("request-parameter-added-required", true, true, message),
                    loc.as_str(),
                    &b.wire,
                ));
            } else {
                let how = if had_params {
                    format!("a new field of `{params_struct}`, which derives `Default`")
                } else {
                    format!("the method gains a `params: &{params_struct}` argument")
                };
                let message = format!("optional {place} parameter `{}` added: {how}", b.wire);
                out.push(at_param(
                    Change::new("request-parameter-added", false, !had_params, message).added(),
                    loc.as_str(),
                    &b.wire,
                ));
            }
            continue;
        };
        if a.required != b.required {
            let (check, wire, what) = if b.required {
                (
                    "request-parameter-became-required",
                    true,
                    "an argument instead of a `Params` field",
                )
            } else {
                (
                    "request-parameter-became-optional",
                    false,
                    "a `Params` field instead of an argument",
                )
            };
            let message = format!(
                "{} parameter `{}` became {}: it is now {what}",
                loc.as_str(),
                b.wire,
                if b.required { "required" } else { "optional" }
            );
            out.push(at_param(
                Change::new(check, wire, true, message),
                loc.as_str(),
                &b.wire,
            ));
        }
        let same_type = shape::rust(&a.ty) == shape::rust(&b.ty);
        let old_schema = raw::parameter(old_raw, old_ptr, loc.as_str(), &a.wire);
        let new_schema = raw::parameter(new_raw, new_ptr, loc.as_str(), &b.wire);
        if let (true, Some((_, os)), Some((_, ns))) = (same_type, old_schema, new_schema) {
            let tightened = raw::tightened(old_raw, &os, new_raw, &ns);
            if !tightened.is_empty() {
                let message = format!(
                    "{} parameter `{}` accepts fewer values: {}",
                    loc.as_str(),
                    b.wire,
                    tightened.join(", ")
                );
                out.push(at_param(
                    Change::new("request-constraint-tightened", true, false, message),
                    loc.as_str(),
                    &b.wire,
                ));
            }
        }
        if !same_type {
            let relation = shapes.relate(&a.ty, &b.ty);
            let message = format!(
                "{} parameter `{}` changed type: `{}` -> `{}` ({})",
                loc.as_str(),
                b.wire,
                shape::rust(&a.ty),
                shape::rust(&b.ty),
                relation
            );
            out.push(at_param(
                Change::new(
                    "request-parameter-type-changed",
                    relation.breaks(Direction::REQUEST),
                    true,
                    message,
                ),
                loc.as_str(),
                &b.wire,
            ));
        }
    }
    for ((loc, key), a) in &old_params {
        if new_params.contains_key(&(*loc, key.clone())) {
            continue;
        }
        if *loc == In::Header && new_fixed.contains_key(key) {
            let message = format!(
                "header `{}` now has one allowed value, sent by the client: the argument or field for it is gone, and values OLD allowed are refused",
                a.wire
            );
            out.push(at_param(
                Change::new("request-parameter-type-changed", true, true, message),
                loc.as_str(),
                &a.wire,
            ));
        } else {
            let message = format!(
                "{} parameter `{}` removed: the server ignores it from now on, and `{}` is gone from the method",
                loc.as_str(),
                a.wire,
                a.name
            );
            out.push(at_param(
                Change::new("request-parameter-removed", false, true, message),
                loc.as_str(),
                &a.wire,
            ));
        }
    }
    for (name, value) in &new_fixed {
        let as_param = old_params.contains_key(&(In::Header, name.clone()));
        match old_fixed.get(name) {
            Some(old_value) if old_value != value => {
                let message = format!(
                    "header `{name}` is now sent as `{value}` (was `{old_value}`): apps built on OLD send the old value"
                );
                out.push(at_param(
                    Change::new("request-header-value-changed", true, false, message),
                    "header",
                    name,
                ));
            }
            None if !as_param => {
                let message = format!(
                    "header `{name}: {value}` is now required; the client sends it, but apps built on OLD do not"
                );
                out.push(at_param(
                    Change::new("request-fixed-header-added", true, false, message),
                    "header",
                    name,
                ));
            }
            _ => {}
        }
    }
    for (name, value) in &old_fixed {
        if !new_fixed.contains_key(name) && !new_params.contains_key(&(In::Header, name.clone())) {
            let message = format!("header `{name}: {value}` is no longer required");
            out.push(at_param(
                Change::new("request-fixed-header-removed", false, false, message),
                "header",
                name,
            ));
        }
    }
}
