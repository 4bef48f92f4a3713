//! Structs compared field by field (matched by wire name): presence,
//! nullability, types, Rust names, `deprecated`, validation keywords, and
//! what each change does to `Default` and `new`.

use std::collections::BTreeMap;

use super::raw;
use super::shape::{self, construction, field_rust, Construction, Direction, Shapes};
use super::types::pick;
use super::{Change, Ctx};
use crate::ir::{Field, StructDef, Ty, TypeDef};

/// What code building the struct must do now, when that changed.
fn construction_note(name: &str, old: &Construction, new: &Construction) -> String {
    match (old, new) {
        (a, b) if a == b => String::new(),
        (Construction::Default, Construction::New(args)) => format!(
            "; `{name}` no longer derives `Default` (`..Default::default()` stops compiling) and gets `new` with {} argument(s)",
            args.len()
        ),
        (Construction::New(_), Construction::Default) => {
            format!("; `{name}::new` is gone (no required fields left); `Default` takes its place")
        }
        (Construction::New(a), Construction::New(b)) if a.len() != b.len() => format!(
            "; `{name}::new` now takes {} argument(s) instead of {}",
            b.len(),
            a.len()
        ),
        (Construction::New(_), Construction::New(_)) => {
            format!("; the arguments of `{name}::new` change")
        }
        (_, Construction::LiteralOnly) => format!(
            "; `{name}` has more required fields than `new` takes, so it loses its constructor"
        ),
        (Construction::LiteralOnly, _) => String::new(),
        (Construction::Default, Construction::Default) => String::new(),
    }
}

/// Adds the changes to a struct: fields matched by wire name, what each
/// change does to the field's Rust type and to how the struct is built.
pub(super) fn compare(
    ctx: &Ctx<'_>,
    shapes: &Shapes<'_>,
    (old_def, a): (&TypeDef, &StructDef),
    (new_def, b): (&TypeDef, &StructDef),
    dir: Direction,
    out: &mut Vec<Change>,
) {
    let name = &new_def.name;
    let old_raw = &ctx.old.loaded.raw;
    let new_raw = &ctx.new.loaded.raw;
    let old_build = construction(a);
    let new_build = construction(b);
    let built = construction_note(name, &old_build, &new_build);
    let old_fields: BTreeMap<&str, &Field> =
        a.fields.iter().map(|f| (f.wire.as_str(), f)).collect();
    let new_fields: BTreeMap<&str, &Field> =
        b.fields.iter().map(|f| (f.wire.as_str(), f)).collect();
    let pointers = |wire: &str, old: bool, new: bool| {
        let old = old.then(|| {
            raw::property_pointer(old_raw, &old_def.pointer, wire)
                .unwrap_or_else(|| old_def.pointer.clone())
        });
        let new = new.then(|| {
            raw::property_pointer(new_raw, &new_def.pointer, wire)
                .unwrap_or_else(|| new_def.pointer.clone())
        });
        (old, new)
    };
    let push = |out: &mut Vec<Change>, change: Change, wire: &str, old: bool, new: bool| {
        let (o, n) = pointers(wire, old, new);
        out.push(change.type_name(name).at(o, n));
    };

    for f in &b.fields {
        if old_fields.contains_key(f.wire.as_str()) {
            continue;
        }
        if f.required {
            let (id, wire) = pick(
                dir,
                ("request-property-added-required", true),
                ("response-property-added-required", false),
            );
            let message = format!(
                "required property `{}` added to `{name}` (field `{}`){built}",
                f.wire, f.name
            );
            push(
                out,
                Change::new(id, wire, true, message),
                &f.wire,
                false,
                true,
            );
        } else {
            let (id, wire) = pick(
                dir,
                ("request-property-added", false),
                ("response-property-added", false),
            );
            let literal_only = old_build == Construction::LiteralOnly;
            let how = if literal_only {
                format!(
                    "; `{name}` has neither `Default` nor `new`, so every literal must now name it"
                )
            } else {
                "; literals built with `..` still compile".to_owned()
            };
            let message = format!(
                "optional property `{}` added to `{name}` (field `{}`){how}",
                f.wire, f.name
            );
            push(
                out,
                Change::new(id, wire, literal_only, message).added(),
                &f.wire,
                false,
                true,
            );
        }
    }
    for f in &a.fields {
        if new_fields.contains_key(f.wire.as_str()) {
            continue;
        }
        let (id, wire) = pick(
            dir,
            ("request-property-removed", false),
            ("response-property-removed", true),
        );
        let message = format!(
            "property `{}` removed from `{name}` (field `{}` is gone){built}",
            f.wire, f.name
        );
        push(
            out,
            Change::new(id, wire, true, message),
            &f.wire,
            true,
            false,
        );
    }
    compare_additional(shapes, (old_def, a), (new_def, b), dir, out);
    for fb in &b.fields {
        let Some(fa) = old_fields.get(fb.wire.as_str()) else {
            continue;
        };
        let old_rust = field_rust(fa, a);
        let new_rust = field_rust(fb, b);
        let rust_changed = old_rust != new_rust;
        let field_note = if rust_changed {
            format!(
                "; field `{}` changes from `{old_rust}` to `{new_rust}`",
                fb.name
            )
        } else {
            String::new()
        };
        let wire = &fb.wire;
        let mut reported = false;
        if fa.required != fb.required {
            let (id, breaks) = if fb.required {
                pick(
                    dir,
                    ("request-property-became-required", true),
                    ("response-property-became-required", false),
                )
            } else {
                pick(
                    dir,
                    ("request-property-became-optional", false),
                    ("response-property-became-optional", true),
                )
            };
            let what = if fb.required { "required" } else { "optional" };
            let message = format!("property `{wire}` of `{name}` became {what}{field_note}{built}");
            push(
                out,
                Change::new(id, breaks, rust_changed || old_build != new_build, message),
                wire,
                true,
                true,
            );
            reported = true;
        }
        if fa.nullable != fb.nullable {
            let (id, breaks) = if fb.nullable {
                pick(
                    dir,
                    ("request-property-became-nullable", false),
                    ("response-property-became-nullable", true),
                )
            } else {
                pick(
                    dir,
                    ("request-property-became-non-nullable", true),
                    ("response-property-became-non-nullable", false),
                )
            };
            let what = if fb.nullable {
                "nullable"
            } else {
                "non-nullable"
            };
            let message = format!("property `{wire}` of `{name}` became {what}{field_note}{built}");
            let rust = rust_changed || old_build != new_build;
            push(
                out,
                Change::new(id, breaks, rust, message),
                wire,
                true,
                true,
            );
            reported = true;
        }
        if shape::rust(&fa.ty) != shape::rust(&fb.ty) {
            let relation = shapes.relate(&fa.ty, &fb.ty);
            let (id, breaks) = pick(
                dir,
                (
                    "request-property-type-changed",
                    relation.breaks(Direction::REQUEST),
                ),
                (
                    "response-property-type-changed",
                    relation.breaks(Direction::RESPONSE),
                ),
            );
            let message = format!(
                "property `{wire}` of `{name}` changed type: `{}` -> `{}` ({}){field_note}",
                shape::rust(&fa.ty),
                shape::rust(&fb.ty),
                relation
            );
            push(
                out,
                Change::new(id, breaks, true, message),
                wire,
                true,
                true,
            );
            reported = true;
        }
        if fa.name != fb.name {
            let message = format!(
                "field `{name}.{}` renamed to `{}` (wire name `{wire}` unchanged)",
                fa.name, fb.name
            );
            push(
                out,
                Change::new("property-rust-name-changed", false, true, message),
                wire,
                true,
                true,
            );
            reported = true;
        }
        if rust_changed && !reported {
            let message = format!(
                "field `{name}.{}` changes from `{old_rust}` to `{new_rust}` because `{name}` is now {} a request body",
                fb.name,
                if b.in_request { "part of" } else { "no longer part of" }
            );
            push(
                out,
                Change::new("property-rust-type-changed", false, true, message),
                wire,
                true,
                true,
            );
        }
        let (old_ptr, new_ptr) = pointers(wire, true, true);
        if let (Some(old_ptr), Some(new_ptr)) = (old_ptr, new_ptr) {
            if raw::deprecated(new_raw, &new_ptr) && !raw::deprecated(old_raw, &old_ptr) {
                let message = format!("property `{wire}` of `{name}` is now deprecated");
                push(
                    out,
                    Change::new("property-deprecated", false, false, message),
                    wire,
                    true,
                    true,
                );
            }
            // Keywords the IR keeps (`format: int64`) were judged above.
            if dir.request && shape::rust(&fa.ty) == shape::rust(&fb.ty) {
                let tightened = raw::tightened(old_raw, &old_ptr, new_raw, &new_ptr);
                if !tightened.is_empty() {
                    let message = format!(
                        "property `{wire}` of `{name}` accepts fewer values: {}",
                        tightened.join(", ")
                    );
                    push(
                        out,
                        Change::new("request-constraint-tightened", true, false, message),
                        wire,
                        true,
                        true,
                    );
                }
            }
        }
    }
}

/// The `additionalProperties` schema, kept in the struct's flattened map.
fn compare_additional(
    shapes: &Shapes<'_>,
    (old_def, a): (&TypeDef, &StructDef),
    (new_def, b): (&TypeDef, &StructDef),
    dir: Direction,
    out: &mut Vec<Change>,
) {
    let text = |ty: &Option<Ty>| ty.as_ref().map(shape::rust);
    if text(&a.additional) == text(&b.additional) {
        return;
    }
    // The map field the emitter writes: typed, or a catch-all on responses.
    let field = |s: &StructDef| match (&s.additional, s.in_response) {
        (Some(ty), _) => Some(format!("BTreeMap<String, {}>", shape::rust(ty))),
        (None, true) => Some("BTreeMap<String, serde_json::Value>".to_owned()),
        (None, false) => None,
    };
    let wire = match (&a.additional, &b.additional) {
        (Some(x), Some(y)) => shapes.relate(x, y).breaks(dir),
        // A schema for extra properties given or dropped: the document says
        // nothing about them on the other side.
        _ => false,
    };
    let show = |t: Option<String>| t.map_or_else(|| "none".to_owned(), |t| format!("`{t}`"));
    let message = format!(
        "extra properties of `{}` (`additionalProperties`) were {}, are now {}",
        new_def.name,
        show(text(&a.additional)),
        show(text(&b.additional))
    );
    out.push(
        Change::new(
            "additional-properties-changed",
            wire,
            field(a) != field(b),
            message,
        )
        .type_name(&new_def.name)
        .at(
            Some(format!("{}/additionalProperties", old_def.pointer)),
            Some(format!("{}/additionalProperties", new_def.pointer)),
        ),
    );
}
