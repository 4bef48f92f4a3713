//! Request bodies and responses of one operation: presence, types, media
//! types, and the statuses the method's success and error types cover.

use std::collections::BTreeSet;

use super::raw;
use super::shape::{self, arg_rust, Direction, Shapes};
use super::{Change, Ctx};
use crate::diagnostics::join;
use crate::ir::{Operation, StatusMatch, Ty};

/// Adds the changes to the request body: presence, type, media type.
pub fn compare_request(
    ctx: &Ctx<'_>,
    shapes: &Shapes<'_>,
    old: &Operation,
    new: &Operation,
    (old_ptr, new_ptr): (&str, &str),
    out: &mut Vec<Change>,
) {
    let id = &new.operation_id;
    let old_body = join(old_ptr, "requestBody");
    let new_body = join(new_ptr, "requestBody");
    let at = |c: Change, o: bool, n: bool| {
        c.operation(id)
            .at(o.then(|| old_body.clone()), n.then(|| new_body.clone()))
    };
    match (&old.body, &new.body) {
        (None, None) => {}
        (None, Some(b)) => {
            let ty = shape::rust(&b.ty);
            if b.required {
                let message = format!("required request body `{ty}` added: a new argument");
                out.push(at(
                    Change::new("request-body-added-required", true, true, message),
                    false,
                    true,
                ));
            } else {
                let message =
                    format!("optional request body `{ty}` added: a new `Option<&{ty}>` argument");
                out.push(at(
                    Change::new("request-body-added", false, true, message).added(),
                    false,
                    true,
                ));
            }
        }
        (Some(a), None) => {
            let message = format!(
                "request body `{}` removed: the server ignores it, and the `body` argument is gone",
                shape::rust(&a.ty)
            );
            out.push(at(
                Change::new("request-body-removed", false, true, message),
                true,
                false,
            ));
        }
        (Some(a), Some(b)) => {
            if a.required != b.required {
                let (check, wire) = if b.required {
                    ("request-body-became-required", true)
                } else {
                    ("request-body-became-optional", false)
                };
                let ty = arg_rust(&b.ty);
                let (from, to) = if b.required {
                    (format!("Option<{ty}>"), ty)
                } else {
                    (ty.clone(), format!("Option<{ty}>"))
                };
                let message = format!(
                    "request body became {}: the `body` argument changes from `{from}` to `{to}`",
                    if b.required { "required" } else { "optional" }
                );
                out.push(at(Change::new(check, wire, true, message), true, true));
            }
            if shape::rust(&a.ty) != shape::rust(&b.ty) {
                let relation = shapes.relate(&a.ty, &b.ty);
                let message = format!(
                    "request body type changed: `{}` -> `{}` ({})",
                    shape::rust(&a.ty),
                    shape::rust(&b.ty),
                    relation
                );
                out.push(at(
                    Change::new(
                        "request-body-type-changed",
                        relation.breaks(Direction::REQUEST),
                        true,
                        message,
                    ),
                    true,
                    true,
                ));
            }
            let old_types = raw::media_types(&ctx.old.loaded.raw, &old_body);
            let new_types = raw::media_types(&ctx.new.loaded.raw, &new_body);
            if a.encoding != b.encoding || !old_types.is_subset(&new_types) {
                use crate::ir::BodyEncoding::Multipart;
                let files = (a.encoding == Multipart) != (b.encoding == Multipart);
                let mut message = format!(
                    "request media type changed from {} to {}: apps built on OLD send a body NEW does not accept",
                    list(&old_types),
                    list(&new_types)
                );
                if files {
                    message += "; the `files` argument comes or goes with multipart";
                }
                out.push(at(
                    Change::new("request-media-type-changed", true, files, message),
                    true,
                    true,
                ));
            }
        }
    }
}

fn list(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        return "none".into();
    }
    set.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the method returns on success, as Rust: one type, or an enum of
/// (status variant, type).
fn success_signature(op: &Operation) -> String {
    let mut kinds: Vec<Option<String>> = Vec::new();
    for r in &op.success {
        let ty = r.ty.as_ref().map(shape::rust);
        if !kinds.contains(&ty) {
            kinds.push(ty);
        }
    }
    if kinds.len() > 1 {
        let variants: Vec<String> = op
            .success
            .iter()
            .map(|r| {
                format!(
                    "{}({})",
                    r.variant,
                    r.ty.as_ref().map_or("()".into(), shape::rust)
                )
            })
            .collect();
        format!("enum Success {{ {} }}", variants.join(", "))
    } else {
        kinds
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| "()".into())
    }
}

fn status_key(status: &StatusMatch) -> String {
    match status {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(r) => format!("{r}XX"),
        StatusMatch::Default => "default".into(),
    }
}

/// Adds the changes to the documented responses: success statuses and
/// types (what the method returns), media types, error statuses and bodies
/// (the operation's error enum).
pub fn compare_responses(
    ctx: &Ctx<'_>,
    shapes: &Shapes<'_>,
    old: &Operation,
    new: &Operation,
    (old_ptr, new_ptr): (&str, &str),
    out: &mut Vec<Change>,
) {
    let id = &new.operation_id;
    let ptr = |op: &str, status: &str| join(&join(op, "responses"), status);
    let at = |c: Change, status: &str, o: bool, n: bool| {
        c.operation(id).at(
            o.then(|| ptr(old_ptr, status)),
            n.then(|| ptr(new_ptr, status)),
        )
    };
    let old_sig = success_signature(old);
    let new_sig = success_signature(new);
    let sig_changed = old_sig != new_sig;
    let sig_note = if sig_changed {
        format!("; the method now returns `{new_sig}` instead of `{old_sig}`")
    } else {
        String::new()
    };
    for b in &new.success {
        let status = b.status.to_string();
        match old.success.iter().find(|a| a.status == b.status) {
            None => {
                let message = format!(
                    "success status {status} added: clients built on OLD report it as an unexpected status{sig_note}"
                );
                out.push(at(
                    Change::new("response-success-status-added", true, sig_changed, message),
                    &status,
                    false,
                    true,
                ));
            }
            Some(a) => {
                let old_ty = a.ty.clone().unwrap_or(Ty::Json);
                let new_ty = b.ty.clone().unwrap_or(Ty::Json);
                let text = |t: &Option<Ty>| t.as_ref().map_or("()".into(), shape::rust);
                if text(&a.ty) != text(&b.ty) {
                    // No body is read as "anything": an added body is ignored
                    // by OLD, a dropped one is missed.
                    let relation = match (&a.ty, &b.ty) {
                        (None, Some(_)) => shape::Relation::Narrower,
                        (Some(_), None) => shape::Relation::Wider,
                        _ => shapes.relate(&old_ty, &new_ty),
                    };
                    let message = format!(
                        "{status} response body changed: `{}` -> `{}` ({}){sig_note}",
                        text(&a.ty),
                        text(&b.ty),
                        relation
                    );
                    out.push(at(
                        Change::new(
                            "response-body-type-changed",
                            relation.breaks(Direction::RESPONSE),
                            true,
                            message,
                        ),
                        &status,
                        true,
                        true,
                    ));
                }
                let old_types = raw::media_types(&ctx.old.loaded.raw, &ptr(old_ptr, &status));
                let new_types = raw::media_types(&ctx.new.loaded.raw, &ptr(new_ptr, &status));
                if !new_types.is_subset(&old_types) {
                    let message = format!(
                        "{status} response media type changed from {} to {}: clients built on OLD may not read it",
                        list(&old_types),
                        list(&new_types)
                    );
                    out.push(at(
                        Change::new("response-media-type-changed", true, false, message),
                        &status,
                        true,
                        true,
                    ));
                }
            }
        }
    }
    for a in &old.success {
        if !new.success.iter().any(|b| b.status == a.status) {
            let status = a.status.to_string();
            let message = format!("success status {status} removed{sig_note}");
            out.push(at(
                Change::new(
                    "response-success-status-removed",
                    false,
                    sig_changed,
                    message,
                ),
                &status,
                true,
                false,
            ));
        }
    }
    let error_enum = format!("{}Error", new.type_prefix);
    for b in &new.errors {
        let status = status_key(&b.status);
        match old.errors.iter().find(|a| a.status == b.status) {
            None => {
                let message = format!(
                    "error status {status} documented: `{error_enum}` gains variant `{}`, so matches without a wildcard arm stop compiling",
                    b.variant
                );
                out.push(at(
                    Change::new("response-error-status-added", false, true, message),
                    &status,
                    false,
                    true,
                ));
            }
            Some(a) => {
                let text = |t: &Option<Ty>| t.as_ref().map_or("()".into(), shape::rust);
                if text(&a.ty) != text(&b.ty) {
                    let relation = match (&a.ty, &b.ty) {
                        (None, Some(_)) => shape::Relation::Narrower,
                        (Some(_), None) => shape::Relation::Wider,
                        (Some(x), Some(y)) => shapes.relate(x, y),
                        (None, None) => shape::Relation::Same,
                    };
                    let message = format!(
                        "{status} error body changed: `{}` -> `{}` ({})",
                        text(&a.ty),
                        text(&b.ty),
                        relation
                    );
                    out.push(at(
                        Change::new(
                            "response-error-body-changed",
                            relation.breaks(Direction::RESPONSE),
                            true,
                            message,
                        ),
                        &status,
                        true,
                        true,
                    ));
                }
            }
        }
    }
    for a in &old.errors {
        if !new.errors.iter().any(|b| b.status == a.status) {
            let status = status_key(&a.status);
            let message = format!(
                "error status {status} no longer documented: variant `{}` of `{error_enum}` is gone",
                a.variant
            );
            out.push(at(
                Change::new("response-error-status-removed", false, true, message),
                &status,
                true,
                false,
            ));
        }
    }
}
