//! The order an untagged union tries its alternatives in. serde takes the
//! first alternative that decodes, so one that takes every value another
//! takes must come after it: `Vec<String>` before `Vec<Value>`, an integer
//! before a number, a struct with required fields before a map, anything
//! before `Value`. Alternatives that take different JSON (a string and an
//! array) keep the spec's order.
//!
//! A string enum keeps values the spec does not list (in its `Unknown`
//! variant), so it takes every string: tried before another alternative
//! that takes strings, it decodes only the values it lists
//! ([`crate::ir::UnionVariant::listed_only`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, Ty, TypeDef, TypeKind};

/// The JSON types a value can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Json {
    Null,
    Bool,
    Integer,
    Fraction,
    String,
    Array,
    Object,
}

const ALL: [Json; 7] = [
    Json::Null,
    Json::Bool,
    Json::Integer,
    Json::Fraction,
    Json::String,
    Json::Array,
    Json::Object,
];

/// How deep `takes` and `before` follow named types into each other.
const MAX_DEPTH: usize = 8;

/// Orders every untagged union's alternatives and marks the enums that
/// must decode only their listed values.
pub fn order(api: &mut Api) {
    let index: BTreeMap<String, usize> = api
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    // Per union: the new order, and for each position the enum that
    // decodes only its listed values there.
    let mut orders: Vec<(usize, Vec<usize>, Vec<Option<String>>)> = Vec::new();
    for (ti, def) in api.types.iter().enumerate() {
        let TypeKind::Union(union) = &def.kind else {
            continue;
        };
        if union.tag.is_some() {
            continue;
        }
        let types = Types {
            defs: &api.types,
            index: &index,
        };
        let tys: Vec<&Ty> = union.variants.iter().map(|v| &v.ty).collect();
        let order = types.order(&tys);
        let listed: Vec<Option<String>> = order
            .iter()
            .enumerate()
            .map(|(position, &i)| {
                let strings_later = order.iter().skip(position + 1).any(|&later| {
                    tys.get(later)
                        .is_some_and(|later| types.takes(later, 0).contains(&Json::String))
                });
                let named_enum = tys.get(i).and_then(|ty| match ty {
                    Ty::Named(_) => types.enum_of(ty),
                    _ => None,
                });
                named_enum
                    .filter(|_| strings_later)
                    .map(|def| def.name.clone())
            })
            .collect();
        orders.push((ti, order, listed));
    }
    let mut listed_enums: BTreeSet<String> = BTreeSet::new();
    for (ti, order, listed) in orders {
        let Some(TypeKind::Union(union)) = api.types.get_mut(ti).map(|t| &mut t.kind) else {
            continue;
        };
        let mut variants: Vec<_> = order
            .iter()
            .filter_map(|&i| union.variants.get(i).cloned())
            .collect();
        for (variant, listed) in variants.iter_mut().zip(listed) {
            variant.listed_only = listed.is_some();
            listed_enums.extend(listed);
        }
        union.variants = variants;
    }
    for def in &mut api.types {
        if let TypeKind::Enum(e) = &mut def.kind {
            e.listed_decoder = listed_enums.contains(&def.name);
        }
    }
}

/// The types of an API, by name.
struct Types<'a> {
    defs: &'a [TypeDef],
    index: &'a BTreeMap<String, usize>,
}

impl Types<'_> {
    fn def(&self, name: &str) -> Option<&TypeDef> {
        self.index.get(name).and_then(|&i| self.defs.get(i))
    }

    /// The positions of `tys` in the order to try them: each goes before
    /// the first one already placed that it must precede, else last.
    fn order(&self, tys: &[&Ty]) -> Vec<usize> {
        let mut order: Vec<usize> = Vec::with_capacity(tys.len());
        for (i, ty) in tys.iter().enumerate() {
            let at = order.iter().position(|&placed| {
                tys.get(placed)
                    .is_some_and(|placed| self.before(ty, placed, 0))
            });
            match at {
                Some(at) => order.insert(at, i),
                None => order.push(i),
            }
        }
        order
    }

    /// The string enum `ty` names directly, through aliases.
    fn enum_of(&self, ty: &Ty) -> Option<&TypeDef> {
        let mut ty = ty;
        for _ in 0..MAX_DEPTH {
            let Ty::Named(name) = ty else { return None };
            let def = self.def(name)?;
            match &def.kind {
                TypeKind::Enum(_) => return Some(def),
                TypeKind::Alias(target) => ty = target,
                _ => return None,
            }
        }
        None
    }

    /// The JSON types a value of `ty` decodes from.
    fn takes(&self, ty: &Ty, depth: usize) -> BTreeSet<Json> {
        let set = |kinds: &[Json]| kinds.iter().copied().collect();
        match ty {
            Ty::String | Ty::Date | Ty::DateTime => set(&[Json::String]),
            Ty::Bool => set(&[Json::Bool]),
            Ty::I32 | Ty::I64 => set(&[Json::Integer]),
            Ty::F32 | Ty::F64 | Ty::Number => set(&[Json::Integer, Json::Fraction]),
            Ty::Vec(_) => set(&[Json::Array]),
            Ty::Map(_) => set(&[Json::Object]),
            Ty::Json | Ty::Runtime(_) | Ty::Crate(_) => set(&ALL),
            Ty::Boxed(inner) => self.takes(inner, depth),
            Ty::Named(name) => match self.def(name).map(|d| &d.kind) {
                _ if depth >= MAX_DEPTH => set(&ALL),
                Some(TypeKind::Struct(_)) => set(&[Json::Object]),
                Some(TypeKind::Enum(_)) => set(&[Json::String]),
                Some(TypeKind::Alias(target)) => self.takes(target, depth + 1),
                Some(TypeKind::Union(u)) if u.tag.is_some() => set(&[Json::Object]),
                Some(TypeKind::Union(u)) => u
                    .variants
                    .iter()
                    .flat_map(|v| self.takes(&v.ty, depth + 1))
                    .collect(),
                None => set(&ALL),
            },
        }
    }

    /// Whether an alternative of type `a` must be tried before one of type
    /// `b`: both take some JSON, and `a` takes less of it (so `b`, first,
    /// would take values meant for `a`).
    fn before(&self, a: &Ty, b: &Ty, depth: usize) -> bool {
        if depth >= MAX_DEPTH {
            return false;
        }
        let (ta, tb) = (self.takes(a, depth), self.takes(b, depth));
        if ta.is_disjoint(&tb) {
            return false;
        }
        let (a, b) = (self.resolve(a), self.resolve(b));
        match (a, b) {
            (Ty::Json, _) => false,
            (_, Ty::Json) => true,
            // Checked, then free text: a date, or an enum of listed values,
            // before a string.
            (Ty::Date | Ty::DateTime, Ty::String) => true,
            (Ty::Named(_), Ty::String) if self.enum_of(a).is_some() => true,
            // An integer before a number, the narrower integer first.
            (Ty::I32, Ty::I64 | Ty::F32 | Ty::F64 | Ty::Number) => true,
            (Ty::I64, Ty::F32 | Ty::F64 | Ty::Number) => true,
            (Ty::Vec(ia), Ty::Vec(ib)) => self.before(ia, ib, depth + 1),
            (Ty::Map(ia), Ty::Map(ib)) => self.before(ia, ib, depth + 1),
            (Ty::Named(na), Ty::Map(_)) => self.required(na).is_some_and(|r| !r.is_empty()),
            (Ty::Named(na), Ty::Named(nb)) => match (self.required(na), self.required(nb)) {
                // Every field `b` requires and more: `b` would take `a`'s
                // bodies.
                (Some(ra), Some(rb)) => ra.is_superset(&rb) && ra.len() > rb.len(),
                _ => false,
            },
            // An alternative that takes one JSON type before a union of
            // several that includes it.
            _ => tb.is_superset(&ta) && tb.len() > ta.len(),
        }
    }

    /// `ty` through aliases and boxes.
    fn resolve<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        let mut ty = ty;
        for _ in 0..MAX_DEPTH {
            match ty {
                Ty::Boxed(inner) => ty = inner,
                Ty::Named(name) => match self.def(name).map(|d| &d.kind) {
                    Some(TypeKind::Alias(target)) => ty = target,
                    _ => return ty,
                },
                _ => return ty,
            }
        }
        ty
    }

    /// The wire names of the required fields of the struct `name`.
    fn required(&self, name: &str) -> Option<BTreeSet<&str>> {
        match &self.def(name)?.kind {
            TypeKind::Struct(s) => Some(
                s.fields
                    .iter()
                    .filter(|f| f.required)
                    .map(|f| f.wire.as_str())
                    .collect(),
            ),
            _ => None,
        }
    }
}
