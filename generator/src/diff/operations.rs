//! Operations compared pairwise: matched by operationId, else by method and
//! path; then their paths, security, parameters, bodies and responses.

use std::collections::{BTreeMap, BTreeSet};

use super::raw::{self, operation_pointer};
use super::shape::{arg_rust, Shapes};
use super::{bodies, params, Change, Ctx};
use crate::diagnostics::join;
use crate::ir::Operation;

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
    params::compare(ctx, shapes, old, new, (&old_ptr, &new_ptr), out);
    bodies::compare_request(ctx, shapes, old, new, (&old_ptr, &new_ptr), out);
    bodies::compare_responses(ctx, shapes, old, new, (&old_ptr, &new_ptr), out);
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
