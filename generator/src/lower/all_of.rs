//! `allOf`: the members' properties merged into one object type; or, when
//! no member describes an object, the one member that carries the type
//! (a `$ref` to a string enum beside `{type: string}` or `{}` is the enum),
//! the others adding only docs or constraints.

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

use super::schema::{Naming, ObjectParts};
use super::Lowerer;
use crate::diagnostics::{join, join_path, Diagnostic};
use crate::ir::{Docs, Ty};

/// What one `allOf` member says about the type of the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Docs or constraints only (`{}`, `{description: ..}`,
    /// `{minLength: 3}`): no type of its own.
    Annotation,
    /// A scalar of this JSON type, and how much it says beyond the bare
    /// type: 2 for a reference (a named type) or an `enum`, 1 for a
    /// `format`, 0 for the type alone.
    Scalar(Scalar, u8),
    /// An object: properties, `additionalProperties`, `type: object`, or a
    /// nested `allOf` (merged).
    Object,
    /// Anything else: an array, a union, `not`, a reference that resolves
    /// to nothing.
    Other,
}

/// The JSON type of a scalar member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

impl Scalar {
    fn from_type(typ: &str) -> Option<Self> {
        match typ {
            "string" => Some(Self::String),
            "integer" => Some(Self::Integer),
            "number" => Some(Self::Number),
            "boolean" => Some(Self::Boolean),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
        }
    }

    /// Whether a value can be both: the same type, or an integer, which is
    /// a number too.
    fn meets(self, other: Self) -> bool {
        self == other
            || matches!(
                (self, other),
                (Self::Integer, Self::Number) | (Self::Number, Self::Integer)
            )
    }
}

/// How an `allOf` becomes a type.
enum Carrier {
    /// Merge the members into an object (the members describe objects, or
    /// nothing at all).
    Merge,
    /// The member at this index is the type.
    Member(usize),
    /// Scalars of types no value has at once.
    Conflict(Vec<&'static str>),
}

/// The role of an inline schema (a `$ref`'s target counts as a named type).
fn role(schema: &Schema, referenced: bool) -> Role {
    let named = |detail: u8| if referenced { 2 } else { detail };
    let format = |known: bool| u8::from(known);
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            let detail = if !s.enumeration.is_empty() {
                2
            } else {
                format(!matches!(s.format, VariantOrUnknownOrEmpty::Empty))
            };
            Role::Scalar(Scalar::String, named(detail))
        }
        SchemaKind::Type(Type::Integer(i)) => Role::Scalar(
            Scalar::Integer,
            named(format(!matches!(i.format, VariantOrUnknownOrEmpty::Empty))),
        ),
        SchemaKind::Type(Type::Number(n)) => Role::Scalar(
            Scalar::Number,
            named(format(!matches!(n.format, VariantOrUnknownOrEmpty::Empty))),
        ),
        SchemaKind::Type(Type::Boolean(_)) => Role::Scalar(Scalar::Boolean, named(0)),
        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => Role::Object,
        SchemaKind::Type(Type::Array(_))
        | SchemaKind::OneOf { .. }
        | SchemaKind::AnyOf { .. }
        | SchemaKind::Not { .. } => Role::Other,
        SchemaKind::Any(any) => {
            if !any.all_of.is_empty()
                || !any.properties.is_empty()
                || any.additional_properties.is_some()
                || any.typ.as_deref() == Some("object")
            {
                Role::Object
            } else if !any.one_of.is_empty()
                || !any.any_of.is_empty()
                || any.not.is_some()
                || any.items.is_some()
                || any.typ.as_deref() == Some("array")
            {
                Role::Other
            } else if let Some(scalar) = any.typ.as_deref().and_then(Scalar::from_type) {
                Role::Scalar(scalar, named(format(any.format.is_some())))
            } else if any.typ.is_some() {
                Role::Other
            } else if let Some(first) = any.enumeration.first() {
                // An `enum` without `type`: the type of its values.
                match first {
                    serde_json::Value::String(_) => Role::Scalar(Scalar::String, named(1)),
                    serde_json::Value::Bool(_) => Role::Scalar(Scalar::Boolean, named(1)),
                    serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
                        Role::Scalar(Scalar::Integer, named(1))
                    }
                    serde_json::Value::Number(_) => Role::Scalar(Scalar::Number, named(1)),
                    _ => Role::Other,
                }
            } else {
                Role::Annotation
            }
        }
    }
}

impl Lowerer<'_> {
    /// Which member of an `allOf` without own properties carries its type.
    fn carrier(&self, all_of: &[ReferenceOr<Schema>]) -> Carrier {
        let roles: Vec<Role> = all_of
            .iter()
            .map(|member| match self.deref(member) {
                Some(schema) => role(&schema, matches!(member, ReferenceOr::Reference { .. })),
                None => Role::Other,
            })
            .collect();
        if roles.contains(&Role::Object) {
            return Carrier::Merge;
        }
        let typed: Vec<(usize, Role)> = roles
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, role)| *role != Role::Annotation)
            .collect();
        match typed.as_slice() {
            [] => return Carrier::Merge,
            [(only, _)] => return Carrier::Member(*only),
            _ => {}
        }
        let mut scalars: Vec<(usize, Scalar, u8)> = Vec::new();
        for (i, role) in &typed {
            match role {
                Role::Scalar(scalar, detail) => scalars.push((*i, *scalar, *detail)),
                // An array or a union beside a scalar: merged as before,
                // which warns about each member it cannot merge.
                _ => return Carrier::Merge,
            }
        }
        let conflict = scalars
            .iter()
            .any(|(_, a, _)| scalars.iter().any(|(_, b, _)| !a.meets(*b)));
        if conflict {
            let mut kinds: Vec<&'static str> = Vec::new();
            for (_, scalar, _) in &scalars {
                if !kinds.contains(&scalar.name()) {
                    kinds.push(scalar.name());
                }
            }
            return Carrier::Conflict(kinds);
        }
        // The member that says most (a named type, an enum, a format); an
        // integer over a number; the first of equals.
        let rank = |scalar: Scalar, detail: u8| (detail, u8::from(scalar == Scalar::Integer));
        let mut best: Option<(usize, (u8, u8))> = None;
        for (i, scalar, detail) in scalars {
            let r = rank(scalar, detail);
            if best.is_none_or(|(_, b)| r > b) {
                best = Some((i, r));
            }
        }
        best.map_or(Carrier::Merge, |(i, _)| Carrier::Member(i))
    }

    pub(super) fn all_of_ty(
        &mut self,
        all_of: &[ReferenceOr<Schema>],
        own: &[(String, &ReferenceOr<Box<Schema>>, String)],
        naming: Naming,
        pointer: &str,
        docs: Docs,
    ) -> Ty {
        // `allOf: [$ref]` (often with `nullable` or a description beside it)
        // is the referenced type itself.
        if let ([only], true) = (all_of, own.is_empty()) {
            return self.schema_ty(only, naming, &join_path(pointer, &["allOf", "0"]));
        }
        // No member describes an object: one member carries the type, the
        // others only add docs or constraints (`$ref` to a string enum
        // beside `{type: string}` is the enum).
        if own.is_empty() {
            match self.carrier(all_of) {
                Carrier::Member(i) => {
                    let member_pointer = join_path(pointer, &["allOf", &i.to_string()]);
                    if let Some(member) = all_of.get(i) {
                        return self.schema_ty(member, naming, &member_pointer);
                    }
                }
                Carrier::Conflict(kinds) => {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            join_path(pointer, &["allOf"]),
                            format!(
                                "allOf members have different types ({}); no value is all of them, so it is typed as any JSON",
                                kinds.join(", ")
                            ),
                        )
                        .with_hint("give every member the same type, or use oneOf for alternatives"),
                    );
                    return Ty::Json;
                }
                Carrier::Merge => {}
            }
        }
        let mut schemas: Vec<(Schema, String)> = Vec::new();
        for (i, part) in all_of.iter().enumerate() {
            let part_pointer = match part {
                ReferenceOr::Reference { reference } => {
                    reference.trim_start_matches('#').to_owned()
                }
                ReferenceOr::Item(_) => join_path(pointer, &["allOf", &i.to_string()]),
            };
            match self.deref(part) {
                Some(schema) => {
                    self.flatten_all_of(schema.into_owned(), part_pointer, &mut schemas, 0)
                }
                None => self.diagnostics.push(Diagnostic::error(
                    join_path(pointer, &["allOf", &i.to_string()]),
                    "allOf member points at nothing",
                )),
            }
        }
        let mut properties: Vec<(String, ReferenceOr<Box<Schema>>, String)> = Vec::new();
        let mut required = Vec::new();
        let mut additional = None;
        for (schema, part_pointer) in &schemas {
            let (props, req, add) = match &schema.schema_kind {
                SchemaKind::Type(Type::Object(o)) => {
                    (&o.properties, &o.required, &o.additional_properties)
                }
                SchemaKind::Any(a) => (&a.properties, &a.required, &a.additional_properties),
                _ => {
                    self.diagnostics.push(Diagnostic::warning(
                        part_pointer.clone(),
                        "allOf member is not an object; it is ignored in the merged type",
                    ));
                    continue;
                }
            };
            for (k, v) in props {
                let p = join(&join(part_pointer, "properties"), k);
                properties.retain(|(name, _, _)| name != k);
                properties.push((k.clone(), v.clone(), p));
            }
            required.extend(req.iter().cloned());
            if add.is_some() {
                additional.clone_from(add);
            }
        }
        for (k, v, p) in own {
            properties.retain(|(name, _, _)| name != k);
            properties.push((k.clone(), (*v).clone(), p.clone()));
        }
        let parts = ObjectParts {
            properties: properties
                .iter()
                .map(|(k, v, p)| (k.clone(), v, p.clone()))
                .collect(),
            required,
            additional: additional.as_ref(),
        };
        self.object_ty(parts, naming, pointer, docs)
    }

    /// Collects the object members of nested `allOf`s.
    fn flatten_all_of(
        &mut self,
        schema: Schema,
        pointer: String,
        out: &mut Vec<(Schema, String)>,
        depth: usize,
    ) {
        let nested = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => Some(all_of.clone()),
            SchemaKind::Any(a) if !a.all_of.is_empty() => Some(a.all_of.clone()),
            _ => None,
        };
        match nested {
            Some(parts) if depth < 16 => {
                for (i, part) in parts.iter().enumerate() {
                    let p = match part {
                        ReferenceOr::Reference { reference } => {
                            reference.trim_start_matches('#').to_owned()
                        }
                        ReferenceOr::Item(_) => join_path(&pointer, &["allOf", &i.to_string()]),
                    };
                    if let Some(s) = self.deref(part) {
                        self.flatten_all_of(s.into_owned(), p, out, depth + 1);
                    }
                }
                if let SchemaKind::Any(_) = schema.schema_kind {
                    out.push((schema, pointer));
                }
            }
            Some(_) => self.diagnostics.push(Diagnostic::error(
                pointer,
                "allOf nests too deeply (a cycle?)",
            )),
            None => out.push((schema, pointer)),
        }
    }
}
