//! Operations compared pairwise: matched by operationId, else by method and
//! path; then their paths, security, parameters, bodies and responses.

use std::collections::{BTreeMap, BTreeSet};

use super::raw::{self, operation_pointer};
use super::shape::{self, arg_rust, Direction, Shapes};
use super::{Change, Ctx};
use crate::diagnostics::join;
use crate::ir::{Operation, Param, StatusMatch, Ty};

/// Adds the changes to operations (and to the server URL).
pub fn compare(ctx: &Ctx<'_>, out: &mut Vec<Change>) {
    let old_api = ctx.old.api;
    let new_api = ctx.new.api;
    if old_api.base_url != new_api.base_url {
        out.push(
            Change::new(
                "server-url-changed",
                true,
                false,
                format!(
                    "the server moved from `{}` to `{}`: apps using `Client::DEFAULT_BASE_URL` from OLD call the old one",
                    old_api.base_url.as_deref().unwrap_or("(none)"),
                    new_api.base_url.as_deref().unwrap_or("(none)")
                ),
            )
            .at(Some("/servers".into()), Some("/servers".into())),
        );
    }
    let shapes = Shapes::new(old_api, new_api);
    let pairs = pair(&old_api.operations, &new_api.operations);
    let mut matched_old = BTreeSet::new();
    for (ni, new) in new_api.operations.iter().enumerate() {
        match pairs.get(&ni) {
            Some(&oi) => {
                matched_old.insert(oi);
                if let Some(old) = old_api.operations.get(oi) {
                    compare_operation(ctx, &shapes, old, new, out);
                }
            }
            None => out.push(
                Change::new(
                    "operation-added",
                    false,
                    false,
                    format!(
                        "operation `{}` added: `{} {}`, method `{}`",
                        new.operation_id, new.http_method, new.path, new.method_name
                    ),
                )
                .added()
                .operation(&new.operation_id)
                .at(None, Some(operation_pointer(new))),
            ),
        }
    }
    for (oi, old) in old_api.operations.iter().enumerate() {
        if !matched_old.contains(&oi) {
            out.push(
                Change::new(
                    "operation-removed",
                    true,
                    true,
                    format!(
                        "operation `{}` removed: `{} {}`, method `{}` is gone",
                        old.operation_id, old.http_method, old.path, old.method_name
                    ),
                )
                .operation(&old.operation_id)
                .at(Some(operation_pointer(old)), None),
            );
        }
    }
}

/// NEW index -> OLD index: by operationId first, then by method and path
/// (parameter names aside).
fn pair(old: &[Operation], new: &[Operation]) -> BTreeMap<usize, usize> {
    let mut pairs = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for (ni, n) in new.iter().enumerate() {
        if let Some(oi) = old.iter().position(|o| o.operation_id == n.operation_id) {
            if taken.insert(oi) {
                pairs.insert(ni, oi);
            }
        }
    }
    for (ni, n) in new.iter().enumerate() {
        if pairs.contains_key(&ni) {
            continue;
        }
        let found = old.iter().enumerate().find(|(oi, o)| {
            !taken.contains(oi)
                && o.http_method == n.http_method
                && path_shape(&o.path) == path_shape(&n.path)
        });
        if let Some((oi, _)) = found {
            taken.insert(oi);
            pairs.insert(ni, oi);
        }
    }
    pairs
}

/// A path with its parameter names left out: `/contacts/{}`.
fn path_shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.trim_end_matches('/').chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn compare_operation(
    ctx: &Ctx<'_>,
    shapes: &Shapes<'_>,
    old: &Operation,
    new: &Operation,
    out: &mut Vec<Change>,
) {
    let old_ptr = operation_pointer(old);
    let new_ptr = operation_pointer(new);
    let id = &new.operation_id;
    let old_raw = &ctx.old.loaded.raw;
    let new_raw = &ctx.new.loaded.raw;
    let push = |out: &mut Vec<Change>, change: Change, old_at: &str, new_at: &str| {
        out.push(
            change
                .operation(id)
                .at(Some(old_at.to_owned()), Some(new_at.to_owned())),
        );
    };

    if old.operation_id != new.operation_id {
        let renamed = old.method_name != new.method_name;
        let prefix = old.type_prefix != new.type_prefix;
        let mut message = format!("operationId `{}` renamed to `{id}`", old.operation_id);
        if renamed {
            message += &format!(
                "; method `{}` is now `{}`",
                old.method_name, new.method_name
            );
        }
        if prefix {
            message += &format!(
                "; `{0}Error` (and `{0}Params`/`{0}Success` where they exist) are now `{1}Error`...",
                old.type_prefix, new.type_prefix
            );
        }
        push(
            out,
            Change::new("operation-id-changed", false, renamed || prefix, message),
            &old_ptr,
            &new_ptr,
        );
    }
    if path_shape(&old.path) != path_shape(&new.path) {
        let old_args: Vec<String> = old.path_params.iter().map(|p| arg_rust(&p.ty)).collect();
        let new_args: Vec<String> = new.path_params.iter().map(|p| arg_rust(&p.ty)).collect();
        let rust = old_args != new_args;
        let mut message = format!("path changed from `{}` to `{}`", old.path, new.path);
        if rust {
            message += &format!(
                "; the path arguments change from ({}) to ({})",
                old_args.join(", "),
                new_args.join(", ")
            );
        }
        push(
            out,
            Change::new("operation-path-changed", true, rust, message),
            &old_ptr,
            &new_ptr,
        );
    }
    if old.http_method != new.http_method {
        let message = format!(
            "method changed from {} to {}",
            old.http_method, new.http_method
        );
        push(
            out,
            Change::new("operation-method-changed", true, false, message),
            &old_ptr,
            &new_ptr,
        );
    }
    if raw::deprecated(new_raw, &new_ptr) && !raw::deprecated(old_raw, &old_ptr) {
        let message = format!("`{id}` is now deprecated");
        push(
            out,
            Change::new("operation-deprecated", false, false, message),
            &old_ptr,
            &new_ptr,
        );
    }
    if old.idempotent != new.idempotent {
        let message = if new.idempotent {
            format!("`{id}` is now safe to repeat: the client retries it after 5xx and dropped connections")
        } else {
            format!("`{id}` is no longer safe to repeat: the client stops retrying it once sent")
        };
        push(
            out,
            Change::new("operation-idempotency-changed", false, false, message),
            &old_ptr,
            &new_ptr,
        );
    }
    compare_auth(ctx, id, &old_ptr, &new_ptr, out);
    compare_params(shapes, old, new, (&old_ptr, &new_ptr), out);
    compare_body(ctx, shapes, old, new, (&old_ptr, &new_ptr), out);
    compare_responses(ctx, shapes, old, new, (&old_ptr, &new_ptr), out);
}

fn compare_auth(ctx: &Ctx<'_>, id: &str, old_ptr: &str, new_ptr: &str, out: &mut Vec<Change>) {
    let a = raw::auth(&ctx.old.loaded.raw, old_ptr);
    let b = raw::auth(&ctx.new.loaded.raw, new_ptr);
    let at = |c: Change| {
        c.operation(id).at(
            Some(join(old_ptr, "security")),
            Some(join(new_ptr, "security")),
        )
    };
    if a.schemes != b.schemes {
        let list = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "none".to_owned()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        // Dropping every requirement lets old tokens through; anything else
        // asks for credentials OLD did not.
        let breaks = !b.schemes.is_empty();
        let message = format!(
            "security of `{id}` changed from {} to {}",
            list(&a.schemes),
            list(&b.schemes)
        );
        out.push(at(Change::new("security-changed", breaks, false, message)));
    }
    let added: Vec<&String> = b.scopes.difference(&a.scopes).collect();
    if !added.is_empty() {
        let message = format!(
            "`{id}` needs scope(s) {}: tokens issued for OLD may lack them",
            quoted(added)
        );
        out.push(at(Change::new(
            "security-scope-added",
            true,
            false,
            message,
        )));
    }
    let removed: Vec<&String> = a.scopes.difference(&b.scopes).collect();
    if !removed.is_empty() {
        let message = format!("`{id}` no longer needs scope(s) {}", quoted(removed));
        out.push(at(Change::new(
            "security-scope-removed",
            false,
            false,
            message,
        )));
    }
}

fn quoted(list: Vec<&String>) -> String {
    list.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

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

fn compare_params(
    shapes: &Shapes<'_>,
    old: &Operation,
    new: &Operation,
    (old_ptr, new_ptr): (&str, &str),
    out: &mut Vec<Change>,
) {
    let id = &new.operation_id;
    let params_ptr = |ptr: &str| join(ptr, "parameters");
    let at = |c: Change| {
        c.operation(id)
            .at(Some(params_ptr(old_ptr)), Some(params_ptr(new_ptr)))
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
            out.push(at(Change::new(
                "request-parameter-type-changed",
                relation.breaks(Direction::REQUEST),
                rust,
                message,
            )));
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
                out.push(at(Change::new(
                    "request-parameter-type-changed",
                    false,
                    rust,
                    message,
                )));
            } else if b.required {
                let message = format!(
                    "required {place} parameter `{}` added: a new argument `{}: {}`",
                    b.wire,
                    b.name,
                    arg_rust(&b.ty)
                );
                out.push(at(Change::new(
                    "request-parameter-added-required",
                    true,
                    true,
                    message,
                )));
            } else {
                let how = if had_params {
                    format!("a new field of `{params_struct}`, which derives `Default`")
                } else {
                    format!("the method gains a `params: &{params_struct}` argument")
                };
                let message = format!("optional {place} parameter `{}` added: {how}", b.wire);
                out.push(at(Change::new(
                    "request-parameter-added",
                    false,
                    !had_params,
                    message,
                )
                .added()));
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
            out.push(at(Change::new(check, wire, true, message)));
        }
        if shape::rust(&a.ty) != shape::rust(&b.ty) {
            let relation = shapes.relate(&a.ty, &b.ty);
            let message = format!(
                "{} parameter `{}` changed type: `{}` -> `{}` ({})",
                loc.as_str(),
                b.wire,
                shape::rust(&a.ty),
                shape::rust(&b.ty),
                relation
            );
            out.push(at(Change::new(
                "request-parameter-type-changed",
                relation.breaks(Direction::REQUEST),
                true,
                message,
            )));
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
            out.push(at(Change::new(
                "request-parameter-type-changed",
                true,
                true,
                message,
            )));
        } else {
            let message = format!(
                "{} parameter `{}` removed: the server ignores it from now on, and `{}` is gone from the method",
                loc.as_str(),
                a.wire,
                a.name
            );
            out.push(at(Change::new(
                "request-parameter-removed",
                false,
                true,
                message,
            )));
        }
    }
    for (name, value) in &new_fixed {
        let as_param = old_params.contains_key(&(In::Header, name.clone()));
        match old_fixed.get(name) {
            Some(old_value) if old_value != value => {
                let message = format!(
                    "header `{name}` is now sent as `{value}` (was `{old_value}`): apps built on OLD send the old value"
                );
                out.push(at(Change::new(
                    "request-header-value-changed",
                    true,
                    false,
                    message,
                )));
            }
            None if !as_param => {
                let message = format!(
                    "header `{name}: {value}` is now required; the client sends it, but apps built on OLD do not"
                );
                out.push(at(Change::new(
                    "request-fixed-header-added",
                    true,
                    false,
                    message,
                )));
            }
            _ => {}
        }
    }
    for (name, value) in &old_fixed {
        if !new_fixed.contains_key(name) && !new_params.contains_key(&(In::Header, name.clone())) {
            let message = format!("header `{name}: {value}` is no longer required");
            out.push(at(Change::new(
                "request-fixed-header-removed",
                false,
                false,
                message,
            )));
        }
    }
}

fn compare_body(
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

fn compare_responses(
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
