//! The rules a request value is checked with: one per type expression, and
//! a named shape (a `static` of the server module) per type a request
//! reaches.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToShoutySnakeCase;

use crate::ir::server::{AdditionalRule, FieldRule, NamedShape, Rule, Shape};
use crate::ir::{Api, Ty, TypeDef, TypeKind};
use crate::names::Scope;

/// How deep aliases of aliases are followed (cycles are reported by the
/// client's lowering).
const MAX_ALIAS_DEPTH: usize = 32;

/// Builds rules, remembering the named types they reach.
pub struct Rules<'a> {
    types: BTreeMap<&'a str, &'a TypeDef>,
    /// Type name -> static name, for every named type reached so far.
    statics: BTreeMap<String, String>,
    static_names: Scope,
}

impl<'a> Rules<'a> {
    pub fn new(types: &'a [TypeDef]) -> Self {
        Self {
            types: types.iter().map(|t| (t.name.as_str(), t)).collect(),
            statics: BTreeMap::new(),
            static_names: Scope::with_reserved(&["OPERATIONS"]),
        }
    }

    /// A name for another `static` of the server module, unique among them.
    pub fn claim_static(&mut self, name: &str) -> String {
        self.static_names.claim(name).0
    }

    /// The rule for a value of type `ty`.
    pub fn rule(&mut self, ty: &Ty) -> Rule {
        self.rule_at(ty, 0)
    }

    fn rule_at(&mut self, ty: &Ty, depth: usize) -> Rule {
        match ty {
            Ty::String => Rule::String,
            Ty::Bool => Rule::Bool,
            Ty::I32 => Rule::I32,
            Ty::I64 => Rule::I64,
            Ty::F32 | Ty::F64 | Ty::Number => Rule::Number,
            Ty::DateTime => Rule::DateTime,
            Ty::Date => Rule::Date,
            // Free-form JSON; a runtime type (`x-rust-type`) checks its own
            // format when it is decoded.
            Ty::Json | Ty::Runtime(_) => Rule::Any,
            Ty::Vec(inner) => Rule::Array(Box::new(self.rule_at(inner, depth))),
            Ty::Map(inner) => Rule::Map(Box::new(self.rule_at(inner, depth))),
            Ty::Boxed(inner) => self.rule_at(inner, depth),
            Ty::Named(name) => self.named(name, depth),
        }
    }

    fn named(&mut self, name: &str, depth: usize) -> Rule {
        let Some(def) = self.types.get(name).copied() else {
            return Rule::Any;
        };
        if let TypeKind::Alias(target) = &def.kind {
            return if depth < MAX_ALIAS_DEPTH {
                self.rule_at(target, depth + 1)
            } else {
                Rule::Any
            };
        }
        if let Some(existing) = self.statics.get(name) {
            return Rule::Named(existing.clone());
        }
        let static_name = self.static_names.claim(&name.to_shouty_snake_case()).0;
        self.statics.insert(name.to_owned(), static_name.clone());
        // Reach the types it holds now, so `shapes` finds them all named.
        for child in children(def) {
            self.rule_at(child, depth);
        }
        Rule::Named(static_name)
    }

    /// The shape of every named type reached, in the order of `api.types`.
    pub fn shapes(mut self, api: &Api) -> Vec<NamedShape> {
        let reached: BTreeSet<String> = self.statics.keys().cloned().collect();
        let mut shapes = Vec::new();
        for def in api.types.iter().filter(|t| reached.contains(&t.name)) {
            let shape = match &def.kind {
                TypeKind::Struct(s) => {
                    let fields = s
                        .fields
                        .iter()
                        .map(|f| FieldRule {
                            wire: f.wire.clone(),
                            aliases: f.aliases.clone(),
                            rule: self.rule(&f.ty),
                            required: f.required,
                            nullable: f.nullable,
                        })
                        .collect();
                    let additional = match (&s.additional, s.closed) {
                        (_, true) => AdditionalRule::Forbidden,
                        (Some(Ty::Json) | None, false) => AdditionalRule::Allowed,
                        (Some(ty), false) => AdditionalRule::Checked(self.rule(ty)),
                    };
                    Shape::Object { fields, additional }
                }
                TypeKind::Enum(e) => {
                    Shape::Enum(e.variants.iter().map(|v| v.wire.clone()).collect())
                }
                TypeKind::Union(u) => match &u.tag {
                    Some(tag) => Shape::Tagged {
                        tag: tag.clone(),
                        variants: u
                            .variants
                            .iter()
                            .filter_map(|v| Some((v.tag_value.clone()?, self.rule(&v.ty))))
                            .collect(),
                    },
                    None => Shape::OneOf(u.variants.iter().map(|v| self.rule(&v.ty)).collect()),
                },
                TypeKind::Alias(_) => continue,
            };
            let static_name = self.statics.get(&def.name).cloned().unwrap_or_default();
            shapes.push(NamedShape {
                type_name: def.name.clone(),
                static_name,
                shape,
            });
        }
        shapes
    }
}

fn children(def: &TypeDef) -> Vec<&Ty> {
    match &def.kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| &f.ty)
            .chain(&s.additional)
            .collect(),
        TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Alias(ty) => vec![ty],
        TypeKind::Enum(_) => Vec::new(),
    }
}
