//! Schemas to types: decides the Rust type of every schema and names every
//! type that needs one.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::Lowerer;
use crate::diagnostics::{join, join_path, Diagnostic};
use crate::ir::{
    Docs, EnumDef, EnumVariant, Field, Presence, StructDef, Ty, TypeDef, TypeKind, UnionDef,
    UnionVariant,
};
use crate::names::{self, Scope};

/// How deep `lower` may recurse; valid specs stay far below (the vendor's
/// reach 4).
const MAX_LOWERING_DEPTH: usize = 64;

/// How a schema that needs a named type gets its name.
#[derive(Clone, Debug)]
pub enum Naming {
    /// The name is already claimed (component schemas).
    Fixed(String),
    /// Claim a name from this hint if a type is needed.
    Hint(String),
}

impl Naming {
    fn hint(&self) -> &str {
        match self {
            Self::Fixed(name) | Self::Hint(name) => name,
        }
    }
}

/// Where a chain of references ends.
enum Followed<'a> {
    /// At a component schema.
    Component(&'a Schema),
    /// At a reference into some other part of the document.
    Elsewhere(&'a str),
    /// At a component that does not exist.
    Missing,
}

/// The parts of an object schema, whatever form it was written in.
#[derive(Default)]
pub(super) struct ObjectParts<'s> {
    pub(super) properties: Vec<(String, &'s ReferenceOr<Box<Schema>>, String)>,
    pub(super) required: Vec<String>,
    pub(super) additional: Option<&'s AdditionalProperties>,
}

impl Lowerer<'_> {
    /// The type of a schema or reference found at `pointer`.
    pub fn schema_ty(&mut self, schema: &ReferenceOr<Schema>, naming: Naming, pointer: &str) -> Ty {
        match schema {
            ReferenceOr::Reference { reference } => self.ref_ty(reference, pointer),
            ReferenceOr::Item(schema) => self.lower(schema, naming, pointer),
        }
    }

    /// Same as [`Lowerer::schema_ty`], for the boxed schemas openapiv3 uses
    /// in properties and items.
    pub fn boxed_schema_ty(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        naming: Naming,
        pointer: &str,
    ) -> Ty {
        match schema {
            ReferenceOr::Reference { reference } => self.ref_ty(reference, pointer),
            ReferenceOr::Item(schema) => self.lower(schema, naming, pointer),
        }
    }

    /// The type a `$ref` names.
    pub fn ref_ty(&mut self, reference: &str, pointer: &str) -> Ty {
        if let Some(name) = reference
            .strip_prefix("#/components/schemas/")
            .and_then(|n| self.component_names.get(&unescape(n)))
        {
            return Ty::Named(name.clone());
        }
        if let Some(ty) = self.ref_cache.get(reference) {
            return ty.clone();
        }
        let Some(schema) = self.resolve_schema(reference) else {
            self.diagnostics.push(
                Diagnostic::error(
                    join(pointer, "$ref"),
                    format!("`{reference}` points at nothing"),
                )
                .with_hint("check the spelling of the reference and that its target exists"),
            );
            return Ty::Json;
        };
        // Guard against a reference that reaches itself while being lowered.
        self.ref_cache.insert(reference.to_owned(), Ty::Json);
        let target = reference.trim_start_matches('#');
        let hint = target.rsplit('/').next().map(unescape).unwrap_or_default();
        let ty = self.lower(&schema, Naming::Hint(names::camel(&hint)), target);
        self.ref_cache.insert(reference.to_owned(), ty.clone());
        ty
    }

    /// Follows a chain of component references (a bounded number of hops,
    /// so a cycle cannot loop forever) to the component schema it ends at,
    /// borrowing it; or to the first reference that is not a component.
    fn follow<'a>(&'a self, reference: &'a str) -> Followed<'a> {
        let mut reference = reference;
        for _ in 0..32 {
            // A deeper pointer (`#/components/schemas/A/properties/name`)
            // names no component: it is followed in the raw document.
            let Some(name) = reference
                .strip_prefix("#/components/schemas/")
                .filter(|name| !name.contains('/'))
            else {
                break;
            };
            match self
                .doc
                .components
                .as_ref()
                .and_then(|c| c.schemas.get(&unescape(name)))
            {
                Some(ReferenceOr::Item(schema)) => return Followed::Component(schema),
                Some(ReferenceOr::Reference { reference: next }) => reference = next,
                None => return Followed::Missing,
            }
        }
        Followed::Elsewhere(reference)
    }

    /// Looks up the schema a local reference points at.
    pub fn resolve_schema(&self, reference: &str) -> Option<Schema> {
        match self.follow(reference) {
            Followed::Component(schema) => Some(schema.clone()),
            Followed::Missing => None,
            Followed::Elsewhere(reference) => {
                let value = self.raw.pointer(reference.strip_prefix('#')?)?;
                serde_json::from_value(value.clone()).ok()
            }
        }
    }

    /// The schema behind a reference or the item itself.
    pub(super) fn deref<'s>(
        &self,
        schema: &'s ReferenceOr<Schema>,
    ) -> Option<std::borrow::Cow<'s, Schema>> {
        match schema {
            ReferenceOr::Item(s) => Some(std::borrow::Cow::Borrowed(s)),
            ReferenceOr::Reference { reference } => {
                self.resolve_schema(reference).map(std::borrow::Cow::Owned)
            }
        }
    }

    /// Whether a (possibly referenced) schema says `nullable: true`.
    pub fn is_nullable(&self, schema: &ReferenceOr<Box<Schema>>) -> bool {
        match schema {
            ReferenceOr::Item(s) => s.schema_data.nullable,
            // Borrowed, not cloned: this runs for every property that is a
            // reference.
            ReferenceOr::Reference { reference } => match self.follow(reference) {
                Followed::Component(s) => s.schema_data.nullable,
                Followed::Missing => false,
                Followed::Elsewhere(other) => self
                    .resolve_schema(other)
                    .is_some_and(|s| s.schema_data.nullable),
            },
        }
    }

    /// Lowers an inline schema.
    pub fn lower(&mut self, schema: &Schema, naming: Naming, pointer: &str) -> Ty {
        // Inline schemas nest a bounded number of levels in any valid spec;
        // an `allOf` that merges a schema into its own property would
        // otherwise make a new inline type at every level, forever.
        if self.depth >= MAX_LOWERING_DEPTH {
            self.diagnostics.push(
                Diagnostic::error(
                    pointer,
                    "this schema contains itself inline (through `allOf` or a merged property)",
                )
                .with_hint("refer to the enclosing schema with `$ref` instead of merging it"),
            );
            return Ty::Json;
        }
        self.depth += 1;
        let ty = self.lower_inner(schema, naming, pointer);
        self.depth -= 1;
        ty
    }

    fn lower_inner(&mut self, schema: &Schema, naming: Naming, pointer: &str) -> Ty {
        let data = &schema.schema_data;
        if let Some(rust_type) = data.extensions.get("x-rust-type") {
            match rust_type.as_str().filter(|t| is_runtime_path(t)) {
                // Which crate the type lives in is decided here: the
                // runtime's own types by name, anything else is the client
                // crate's (hand-written beside the generated modules).
                Some(path) if crate::ir::RUNTIME_TYPES.contains(&path) => {
                    return Ty::Runtime(path.to_owned())
                }
                Some(path) => {
                    self.crate_types
                        .push((path.to_owned(), join(pointer, "x-rust-type")));
                    return Ty::Crate(path.to_owned());
                }
                None => self.diagnostics.push(
                    Diagnostic::error(
                        join(pointer, "x-rust-type"),
                        format!("`x-rust-type: {rust_type}` is not the path of a type in the client runtime"),
                    )
                    .with_hint("give a type of the runtime (`Timestamp`) or a path relative to the client crate's root, such as `BirthDate`"),
                ),
            }
        }
        let docs = schema_docs(schema);
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let values: Vec<&str> =
                    s.enumeration.iter().flatten().map(String::as_str).collect();
                if values.is_empty() {
                    string_ty(&s.format)
                } else {
                    self.define_enum(&values, naming, pointer, docs)
                }
            }
            SchemaKind::Type(Type::Integer(i)) => match i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Ty::I32,
                _ => Ty::I64,
            },
            SchemaKind::Type(Type::Number(n)) => match n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => Ty::F64,
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Ty::F32,
                _ => Ty::Number,
            },
            SchemaKind::Type(Type::Boolean(_)) => Ty::Bool,
            SchemaKind::Type(Type::Array(a)) => self.array_ty(a.items.as_ref(), &naming, pointer),
            SchemaKind::Type(Type::Object(o)) => {
                let parts = object_parts(
                    &o.properties,
                    &o.required,
                    o.additional_properties.as_ref(),
                    pointer,
                );
                self.object_ty(parts, naming, pointer, docs)
            }
            SchemaKind::OneOf { one_of } => {
                self.union_ty(one_of, schema, naming, pointer, "oneOf", docs)
            }
            SchemaKind::AnyOf { any_of } => {
                self.union_ty(any_of, schema, naming, pointer, "anyOf", docs)
            }
            SchemaKind::AllOf { all_of } => self.all_of_ty(all_of, &[], naming, pointer, docs),
            SchemaKind::Not { .. } => Ty::Json,
            SchemaKind::Any(any) => {
                if !any.all_of.is_empty() {
                    let own = object_parts(
                        &any.properties,
                        &any.required,
                        any.additional_properties.as_ref(),
                        pointer,
                    );
                    return self.all_of_ty(&any.all_of, &own.properties, naming, pointer, docs);
                }
                if !any.one_of.is_empty() {
                    return self.union_ty(&any.one_of, schema, naming, pointer, "oneOf", docs);
                }
                if !any.any_of.is_empty() {
                    return self.union_ty(&any.any_of, schema, naming, pointer, "anyOf", docs);
                }
                if !any.properties.is_empty() || any.additional_properties.is_some() {
                    let parts = object_parts(
                        &any.properties,
                        &any.required,
                        any.additional_properties.as_ref(),
                        pointer,
                    );
                    return self.object_ty(parts, naming, pointer, docs);
                }
                match any.typ.as_deref() {
                    Some("array") => self.array_ty(any.items.as_ref(), &naming, pointer),
                    Some("string") => Ty::String,
                    Some("integer") => Ty::I64,
                    Some("number") => Ty::Number,
                    Some("boolean") => Ty::Bool,
                    _ if any.items.is_some() => self.array_ty(any.items.as_ref(), &naming, pointer),
                    _ => Ty::Json,
                }
            }
        }
    }

    fn array_ty(
        &mut self,
        items: Option<&ReferenceOr<Box<Schema>>>,
        naming: &Naming,
        pointer: &str,
    ) -> Ty {
        let item = match items {
            Some(items) => {
                let hint = format!("{}Item", naming.hint());
                self.boxed_schema_ty(items, Naming::Hint(hint), &join(pointer, "items"))
            }
            None => Ty::Json,
        };
        Ty::Vec(Box::new(item))
    }

    pub(super) fn object_ty(
        &mut self,
        parts: ObjectParts<'_>,
        naming: Naming,
        pointer: &str,
        docs: Docs,
    ) -> Ty {
        let additional = match parts.additional {
            Some(AdditionalProperties::Schema(schema)) => {
                let hint = format!("{}Value", naming.hint());
                Some(self.schema_ty(
                    schema,
                    Naming::Hint(hint),
                    &join(pointer, "additionalProperties"),
                ))
            }
            Some(AdditionalProperties::Any(true)) => Some(Ty::Json),
            Some(AdditionalProperties::Any(false)) | None => None,
        };
        if parts.properties.is_empty() {
            // A free-form object: a map when values are described, else any
            // JSON (vendors write `type: object` over scalars too).
            return match additional {
                Some(Ty::Json) | None => Ty::Json,
                Some(ty) => Ty::Map(Box::new(ty)),
            };
        }
        let name = self.claim_type(naming);
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (wire, schema, prop_pointer) in &parts.properties {
            let hint = format!("{name}{}", names::camel(wire));
            let ty = self.boxed_schema_ty(schema, Naming::Hint(hint), prop_pointer);
            let extensions = match schema {
                ReferenceOr::Item(s) => Some(&s.schema_data.extensions),
                ReferenceOr::Reference { .. } => None,
            };
            // `x-rust-name` picks the field's Rust name (to mend a misspelt
            // wire name); `x-aliases` lists other wire names to accept.
            let preferred = extensions
                .and_then(|e| e.get("x-rust-name"))
                .and_then(Value::as_str)
                .unwrap_or(wire);
            let aliases: Vec<String> = extensions
                .and_then(|e| e.get("x-aliases"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let (field_name, renamed) =
                scope.claim_spelled(&names::snake(preferred), names::snake_spelled(preferred));
            // A sign spelled out (`-id` beside `id` is `minus_id`) is a
            // name of its own, not a mended clash.
            let renamed = renamed && names::snake_spelled(preferred).as_ref() != Some(&field_name);
            let mut field_docs = match schema {
                ReferenceOr::Item(s) => schema_docs(s),
                ReferenceOr::Reference { .. } => Docs::default(),
            };
            if renamed {
                self.diagnostics.push(Diagnostic::warning(
                    prop_pointer.clone(),
                    format!("property `{wire}` maps to a Rust name already used in this object; it is named `{field_name}`"),
                ));
                field_docs.notes.push(format!(
                    "Named `{field_name}` because another property already maps to `{}`.",
                    names::snake(wire)
                ));
            }
            // `x-sensitive: true` marks personal data, which `Debug` redacts.
            let sensitive = extensions
                .and_then(|e| e.get("x-sensitive"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            fields.push(Field {
                name: field_name,
                wire: wire.clone(),
                ty,
                required: parts.required.iter().any(|r| r == wire),
                nullable: self.is_nullable(schema),
                aliases,
                docs: field_docs,
                // Decided once the struct's uses are known (`lower::decide`).
                presence: Presence::Optional,
                sensitive,
                setter: None,
                clearer: None,
            });
        }
        self.push_type(TypeDef {
            name: name.clone(),
            pointer: pointer.to_owned(),
            docs,
            kind: TypeKind::Struct(StructDef {
                fields,
                additional,
                closed: matches!(parts.additional, Some(AdditionalProperties::Any(false))),
                ..StructDef::default()
            }),
        });
        Ty::Named(name)
    }

    fn union_ty(
        &mut self,
        members: &[ReferenceOr<Schema>],
        schema: &Schema,
        naming: Naming,
        pointer: &str,
        keyword: &str,
        docs: Docs,
    ) -> Ty {
        if let [only] = members {
            return self.schema_ty(only, naming, &join_path(pointer, &[keyword, "0"]));
        }
        let name = self.claim_type(naming);
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let member_pointer = join_path(pointer, &[keyword, &i.to_string()]);
            let (base, member_docs, title) = match member {
                ReferenceOr::Reference { reference } => {
                    let last = reference
                        .rsplit('/')
                        .next()
                        .map(unescape)
                        .unwrap_or_default();
                    (names::camel(&last), Docs::default(), None)
                }
                ReferenceOr::Item(s) => {
                    (String::new(), schema_docs(s), s.schema_data.title.clone())
                }
            };
            let hint = match &title {
                Some(t) => format!("{name}{}", names::camel(t)),
                None => format!("{name}{}", i + 1),
            };
            let ty = self.schema_ty(member, Naming::Hint(hint.clone()), &member_pointer);
            // A free-form `{type: object}` is any JSON elsewhere (vendors
            // write it over scalars too), but as one alternative among
            // others it must take objects only, or it would take every
            // body meant for the alternatives after it.
            let object = self.is_free_form_object(member) && matches!(ty, Ty::Json | Ty::Named(_));
            let ty = if object {
                Ty::Map(Box::new(Ty::Json))
            } else {
                ty
            };
            let variant_base = match (&title, base.is_empty()) {
                (Some(t), _) => names::camel(t),
                (None, false) => base,
                (None, true) if object => "Object".to_owned(),
                (None, true) => variant_name_for(&ty),
            };
            let (variant, _) = scope.claim(&variant_name_in(&name, &variant_base));
            let tag_value = discriminator.map(|d| {
                let target = match member {
                    ReferenceOr::Reference { reference } => reference.clone(),
                    ReferenceOr::Item(_) => String::new(),
                };
                d.mapping
                    .iter()
                    .find(|(_, v)| **v == target || target.ends_with(&format!("/{v}")))
                    .map(|(k, _)| k.clone())
                    .unwrap_or_else(|| target.rsplit('/').next().map(unescape).unwrap_or_default())
            });
            variants.push(UnionVariant {
                name: variant,
                ty,
                tag_value,
                docs: member_docs,
                from: false,
                listed_only: false,
            });
        }
        let tag = discriminator.map(|d| d.property_name.clone());
        if tag.is_some() && variants.iter().any(|v| !matches!(v.ty, Ty::Named(_))) {
            self.diagnostics.push(Diagnostic::warning(
                join(pointer, "discriminator"),
                "a discriminator needs every member to be a named object; the union is decoded untagged",
            ));
            return self.finish_union(name, pointer, docs, variants, None);
        }
        self.finish_union(name, pointer, docs, variants, tag)
    }

    /// Whether a (possibly referenced) schema is an object with nothing
    /// said about its properties: `type: object` with no `properties` and
    /// no typed `additionalProperties`.
    fn is_free_form_object(&self, schema: &ReferenceOr<Schema>) -> bool {
        let Some(schema) = self.deref(schema) else {
            return false;
        };
        let untyped = |additional: Option<&AdditionalProperties>| match additional {
            None | Some(AdditionalProperties::Any(true)) => true,
            Some(AdditionalProperties::Any(false)) => false,
            Some(AdditionalProperties::Schema(schema)) => matches!(
                schema.as_ref(),
                ReferenceOr::Item(Schema { schema_kind: SchemaKind::Any(any), .. })
                    if any.typ.is_none() && any.properties.is_empty() && any.items.is_none()
                        && any.one_of.is_empty() && any.all_of.is_empty() && any.any_of.is_empty()
            ),
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                o.properties.is_empty() && untyped(o.additional_properties.as_ref())
            }
            SchemaKind::Any(any) => {
                any.typ.as_deref() == Some("object")
                    && any.properties.is_empty()
                    && any.all_of.is_empty()
                    && untyped(any.additional_properties.as_ref())
            }
            _ => false,
        }
    }

    fn finish_union(
        &mut self,
        name: String,
        pointer: &str,
        docs: Docs,
        variants: Vec<UnionVariant>,
        tag: Option<String>,
    ) -> Ty {
        self.push_type(TypeDef {
            name: name.clone(),
            pointer: pointer.to_owned(),
            docs,
            kind: TypeKind::Union(UnionDef {
                // Decided with the other names (`lower::decide`).
                unknown: None,
                variants,
                tag,
            }),
        });
        Ty::Named(name)
    }

    fn define_enum(
        &mut self,
        values: &[&str],
        naming: Naming,
        pointer: &str,
        mut docs: Docs,
    ) -> Ty {
        let name = self.claim_type(naming);
        let mut scope = Scope::default();
        let mut variants: Vec<EnumVariant> = Vec::new();
        for value in values {
            if variants.iter().any(|v| v.wire == *value) {
                self.diagnostics.push(Diagnostic::warning(
                    join(pointer, "enum"),
                    format!("enum value `{value}` is listed twice; the repeat is ignored"),
                ));
                continue;
            }
            let (variant, renamed) =
                scope.claim_spelled(&names::camel(value), names::camel_spelled(value));
            // A sign spelled out (`-id` beside `id` is `MinusId`) is a name
            // of its own; only a numbered fallback is worth a warning.
            if renamed && names::camel_spelled(value).as_ref() != Some(&variant) {
                self.diagnostics.push(Diagnostic::warning(
                    join(pointer, "enum"),
                    format!("enum value `{value}` maps to a Rust name already used; it is named `{variant}`"),
                ));
            }
            variants.push(EnumVariant {
                name: variant,
                wire: (*value).to_owned(),
            });
        }
        docs.example = None;
        // The variant for values the spec does not list takes the first of
        // these names that no listed value took.
        let unknown = ["Unknown", "UnknownValue", "Other", "UnlistedValue"]
            .into_iter()
            .find(|n| !variants.iter().any(|v| v.name == *n))
            .map_or_else(|| scope.claim("UnlistedValue").0, str::to_owned);
        docs.notes.push(format!(
            "Values this version of the spec does not list are kept in `{unknown}` and sent back unchanged."
        ));
        self.push_type(TypeDef {
            name: name.clone(),
            pointer: pointer.to_owned(),
            docs,
            kind: TypeKind::Enum(EnumDef {
                variants,
                unknown,
                // Decided with the unions that use it (`lower::unions`).
                listed_decoder: false,
            }),
        });
        Ty::Named(name)
    }

    /// The name for a new type: fixed for components, claimed from a hint
    /// otherwise.
    fn claim_type(&mut self, naming: Naming) -> String {
        match naming {
            Naming::Fixed(name) => name,
            Naming::Hint(hint) => self.type_names.claim(&names::camel(&hint)).0,
        }
    }
}

fn object_parts<'s>(
    properties: &'s IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &[String],
    additional: Option<&'s AdditionalProperties>,
    pointer: &str,
) -> ObjectParts<'s> {
    let props_pointer = join(pointer, "properties");
    ObjectParts {
        properties: properties
            .iter()
            .map(|(k, v)| (k.clone(), v, join(&props_pointer, k)))
            .collect(),
        required: required.to_vec(),
        additional,
    }
}

/// Whether `text` is a path relative to the runtime crate or the client
/// crate (`Timestamp`, `BirthDate`, `dates::BirthDate`): no leading `::`,
/// no `crate`, `self` or `super`.
fn is_runtime_path(text: &str) -> bool {
    syn::parse_str::<syn::Path>(text).is_ok_and(|path| {
        path.leading_colon.is_none()
            && path.segments.iter().all(|s| {
                !matches!(
                    s.ident.to_string().as_str(),
                    "crate" | "self" | "super" | "Self"
                )
            })
    })
}

fn string_ty(format: &VariantOrUnknownOrEmpty<StringFormat>) -> Ty {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Ty::DateTime,
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Ty::Date,
        _ => Ty::String,
    }
}

/// A union variant's name without the words it shares with the union's
/// name: `SearchFilterGroup` in `SearchFilterItem` is `Group`, and
/// `SearchFilter` is `Filter` (its last word, when nothing else is left).
fn variant_name_in(union: &str, variant: &str) -> String {
    let union_words = camel_words(union);
    let variant_words = camel_words(variant);
    let shared = union_words
        .iter()
        .zip(&variant_words)
        .take_while(|(a, b)| a == b)
        .count();
    let rest = variant_words.get(shared..).unwrap_or_default();
    let name = if rest.is_empty() {
        variant_words
            .last()
            .map(String::as_str)
            .unwrap_or(variant)
            .to_owned()
    } else {
        rest.concat()
    };
    // A leading digit cannot start an identifier: keep the full name then.
    if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
        variant.to_owned()
    } else {
        name
    }
}

/// The words of an `UpperCamelCase` name (`SearchFilterItem` -> `Search`,
/// `Filter`, `Item`).
fn camel_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for c in names::bare(name).chars() {
        match words.last_mut() {
            Some(word) if !c.is_ascii_uppercase() => word.push(c),
            _ => words.push(c.to_string()),
        }
    }
    words
}

/// A variant name for an untitled inline union member, from its type.
fn variant_name_for(ty: &Ty) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::Date => "Date".into(),
        Ty::DateTime => "DateTime".into(),
        Ty::Bool => "Boolean".into(),
        Ty::I32 | Ty::I64 => "Integer".into(),
        Ty::F32 | Ty::F64 | Ty::Number => "Number".into(),
        Ty::Json => "Json".into(),
        // By the items where they are typed: two lists in one union are
        // told apart (`StringList`, `List`).
        Ty::Vec(inner) if **inner == Ty::Json => "List".into(),
        Ty::Vec(inner) => format!("{}List", variant_name_for(inner)),
        Ty::Map(_) => "Map".into(),
        Ty::Named(name) | Ty::Runtime(name) | Ty::Crate(name) => name.clone(),
        Ty::Boxed(inner) => variant_name_for(inner),
    }
}

/// Docs from a schema's title, description and example.
pub fn schema_docs(schema: &Schema) -> Docs {
    let data = &schema.schema_data;
    let mut docs = Docs {
        summary: data.title.clone(),
        description: data.description.clone(),
        example: data.example.clone(),
        notes: Vec::new(),
    };
    if data.deprecated {
        docs.notes.push("Deprecated by the API.".into());
    }
    docs
}

/// Undoes JSON pointer escaping in one token.
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
