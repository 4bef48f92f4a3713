//! Named types compared by Rust name: structs (in `structs`), enums value
//! by value, unions variant by variant.

use super::shape::{self, Direction, Shapes};
use super::{structs, Change, Ctx};
use crate::ir::{EnumDef, Ty, TypeDef, TypeKind, UnionDef};

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
pub(super) fn pick(
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
            structs::compare(ctx, shapes, (old, a), (new, b), dir, out);
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
