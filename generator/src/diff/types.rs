//! Named types compared by Rust name: structs field by field (matched by
//! wire name), enums value by value, unions variant by variant.

use std::collections::BTreeMap;

use super::raw;
use super::shape::{self, construction, field_rust, Construction, Direction, Shapes};
use super::{Change, Ctx};
use crate::ir::{EnumDef, Field, StructDef, Ty, TypeDef, TypeKind, UnionDef};

/// Adds the changes to named types.
pub fn compare(ctx: &Ctx<'_>, out: &mut Vec<Change>) {
    let shapes = Shapes::new(ctx.old.api, ctx.new.api);
    let old_index = shape::index(ctx.old.api);
    let new_index = shape::index(ctx.new.api);
    for new in &ctx.new.api.types {
        match old_index.get(new.name.as_str()) {
            Some(old) => compare_type(ctx, &shapes, old, new, out),
            None => out.push(
                Change::new(
                    "type-added",
                    false,
                    false,
                    format!("type `{}` added", new.name),
                )
                .added()
                .type_name(&new.name)
                .at(None, Some(new.pointer.clone())),
            ),
        }
    }
    for old in &ctx.old.api.types {
        if !new_index.contains_key(old.name.as_str()) {
            out.push(
                Change::new(
                    "type-removed",
                    false,
                    true,
                    format!(
                        "type `{}` removed: code naming it no longer compiles",
                        old.name
                    ),
                )
                .type_name(&old.name)
                .at(Some(old.pointer.clone()), None),
            );
        }
    }
}

/// The id and wire verdict for a change to a value that travels in `dir`:
/// the request reading if it breaks there, else the response reading if it
/// breaks there, else whichever direction the type travels in.
fn pick(
    dir: Direction,
    request: (&'static str, bool),
    response: (&'static str, bool),
) -> (&'static str, bool) {
    if dir.request && request.1 {
        request
    } else if dir.response && response.1 {
        response
    } else if dir.response && !dir.request {
        (response.0, false)
    } else {
        (request.0, false)
    }
}

fn direction(ctx: &Ctx<'_>, name: &str) -> Direction {
    ctx.old_usage.of_type(name).or(ctx.new_usage.of_type(name))
}

fn compare_type(
    ctx: &Ctx<'_>,
    shapes: &Shapes<'_>,
    old: &TypeDef,
    new: &TypeDef,
    out: &mut Vec<Change>,
) {
    let dir = direction(ctx, &new.name);
    let at = |c: Change| {
        c.type_name(&new.name)
            .at(Some(old.pointer.clone()), Some(new.pointer.clone()))
    };
    match (&old.kind, &new.kind) {
        (TypeKind::Struct(a), TypeKind::Struct(b)) => {
            compare_struct(ctx, shapes, (old, a), (new, b), dir, out);
        }
        (TypeKind::Enum(a), TypeKind::Enum(b)) => compare_enum(old, new, a, b, dir, out),
        (TypeKind::Union(a), TypeKind::Union(b)) => {
            compare_union(shapes, old, new, a, b, dir, out);
        }
        (TypeKind::Alias(a), TypeKind::Alias(b)) => {
            if shape::rust(a) != shape::rust(b) {
                let relation = shapes.relate(a, b);
                out.push(at(Change::new(
                    "type-kind-changed",
                    relation.breaks(dir),
                    true,
                    format!(
                        "`{}` was `{}`, is now `{}`",
                        new.name,
                        shape::rust(a),
                        shape::rust(b)
                    ),
                )));
            }
        }
        (a, b) => {
            let relation =
                shapes.relate(&Ty::Named(old.name.clone()), &Ty::Named(new.name.clone()));
            out.push(at(Change::new(
                "type-kind-changed",
                relation.breaks(dir),
                true,
                format!(
                    "`{}` was {}, is now {}",
                    new.name,
                    kind_name(a),
                    kind_name(b)
                ),
            )));
        }
    }
}

fn kind_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Struct(_) => "a struct".into(),
        TypeKind::Enum(_) => "an enum".into(),
        TypeKind::Union(_) => "a union (enum of shapes)".into(),
        TypeKind::Alias(ty) => format!("an alias of `{}`", shape::rust(ty)),
    }
}

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

fn compare_struct(
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

fn compare_enum(
    old_def: &TypeDef,
    new_def: &TypeDef,
    a: &EnumDef,
    b: &EnumDef,
    dir: Direction,
    out: &mut Vec<Change>,
) {
    let name = &new_def.name;
    let at = |c: Change| {
        c.type_name(name).at(
            Some(format!("{}/enum", old_def.pointer)),
            Some(format!("{}/enum", new_def.pointer)),
        )
    };
    for v in &b.variants {
        match a.variants.iter().find(|o| o.wire == v.wire) {
            None => {
                let (id, wire) = pick(
                    dir,
                    ("request-enum-value-added", false),
                    ("response-enum-value-added", false),
                );
                let message = format!(
                    "value `{}` added to `{name}` (variant `{}`): matches without a wildcard arm stop compiling; apps built on OLD receive it as `Unknown`",
                    v.wire, v.name
                );
                out.push(at(Change::new(id, wire, true, message).added()));
            }
            Some(o) if o.name != v.name => {
                let mut message = format!(
                    "variant `{name}::{}` renamed to `{}` (wire value `{}` unchanged)",
                    o.name, v.name, v.wire
                );
                // The worst case: the old name now means another value, so
                // code naming it compiles and sends something else.
                if let Some(taker) = b.variants.iter().find(|t| t.name == o.name) {
                    message += &format!(
                        "; `{name}::{}` now stands for `{}`: code naming it still compiles but sends the new value",
                        o.name, taker.wire
                    );
                }
                out.push(at(Change::new(
                    "enum-value-rust-name-changed",
                    false,
                    true,
                    message,
                )));
            }
            Some(_) => {}
        }
    }
    for o in &a.variants {
        if !b.variants.iter().any(|v| v.wire == o.wire) {
            let (id, wire) = pick(
                dir,
                ("request-enum-value-removed", true),
                ("response-enum-value-removed", false),
            );
            let message = format!(
                "value `{}` removed from `{name}` (variant `{}` is gone)",
                o.wire, o.name
            );
            out.push(at(Change::new(id, wire, true, message)));
        }
    }
}

fn compare_union(
    shapes: &Shapes<'_>,
    old_def: &TypeDef,
    new_def: &TypeDef,
    a: &UnionDef,
    b: &UnionDef,
    dir: Direction,
    out: &mut Vec<Change>,
) {
    let name = &new_def.name;
    let at = |c: Change| {
        c.type_name(name)
            .at(Some(old_def.pointer.clone()), Some(new_def.pointer.clone()))
    };
    if a.tag != b.tag {
        let show = |t: &Option<String>| t.as_ref().map_or("none".to_owned(), |t| format!("`{t}`"));
        // Only a tagged union has the `Unknown` catch-all variant.
        let rust = a.tag.is_some() != b.tag.is_some();
        let message = format!(
            "discriminator of `{name}` changed from {} to {}: values OLD sent or read are tagged differently",
            show(&a.tag),
            show(&b.tag)
        );
        out.push(at(Change::new("union-tag-changed", true, rust, message)));
    } else if b.tag.is_some() {
        for v in &b.variants {
            if let Some(o) = a.variants.iter().find(|o| o.name == v.name) {
                if o.tag_value != v.tag_value {
                    let message = format!(
                        "shape `{name}::{}` is tagged {:?} instead of {:?} on the wire",
                        v.name,
                        v.tag_value.as_deref().unwrap_or_default(),
                        o.tag_value.as_deref().unwrap_or_default()
                    );
                    out.push(at(Change::new("union-tag-changed", true, false, message)));
                }
            }
        }
    }
    for v in &b.variants {
        match a.variants.iter().find(|o| o.name == v.name) {
            None => {
                // A tagged union keeps unknown tags in `Unknown`.
                let (id, wire) = pick(
                    dir,
                    ("request-union-variant-added", false),
                    ("response-union-variant-added", a.tag.is_none()),
                );
                let message = format!(
                    "shape `{}` added to `{name}`: matches without a wildcard arm stop compiling",
                    v.name
                );
                out.push(at(Change::new(id, wire, true, message).added()));
            }
            Some(o) if shape::rust(&o.ty) != shape::rust(&v.ty) => {
                let relation = shapes.relate(&o.ty, &v.ty);
                let message = format!(
                    "shape `{name}::{}` holds `{}` instead of `{}` ({})",
                    v.name,
                    shape::rust(&v.ty),
                    shape::rust(&o.ty),
                    relation
                );
                out.push(at(Change::new(
                    "union-variant-type-changed",
                    relation.breaks(dir),
                    true,
                    message,
                )));
            }
            Some(_) => {}
        }
    }
    for o in &a.variants {
        if !b.variants.iter().any(|v| v.name == o.name) {
            let (id, wire) = pick(
                dir,
                ("request-union-variant-removed", true),
                ("response-union-variant-removed", false),
            );
            let message = format!("shape `{name}::{}` removed", o.name);
            out.push(at(Change::new(id, wire, true, message)));
        }
    }
}
