//! Types seen two ways: as the Rust the emitter writes for them (to decide
//! whether user code still compiles), and as JSON shapes on the wire (to
//! decide whether a value one side sends is one the other side accepts).

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, Field, Operation, Presence, StructDef, Ty, TypeDef, TypeKind};

/// The Rust type the emitter writes for `ty` (module prefixes left out:
/// both sides are compared the same way).
pub fn rust(ty: &Ty) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F32 => "f32".into(),
        Ty::F64 => "f64".into(),
        Ty::Number => "serde_json::Number".into(),
        Ty::DateTime => "DateTime<Utc>".into(),
        Ty::Date => "NaiveDate".into(),
        Ty::Json => "serde_json::Value".into(),
        Ty::Vec(inner) => format!("Vec<{}>", rust(inner)),
        Ty::Map(inner) => format!("BTreeMap<String, {}>", rust(inner)),
        Ty::Named(name) | Ty::Runtime(name) | Ty::Crate(name) => name.clone(),
        Ty::Boxed(inner) => format!("Box<{}>", rust(inner)),
    }
}

/// The Rust type of a struct field, presence applied (as lowering decided
/// it: `T`, `Option<T>`, `Nullable<T>`, or a `Vec` empty when absent).
pub fn field_rust(field: &Field) -> String {
    let ty = rust(&field.ty);
    match field.presence {
        Presence::Required | Presence::DefaultEmpty => ty,
        Presence::RequiredNullable | Presence::Optional => format!("Option<{ty}>"),
        Presence::ThreeState => format!("Nullable<{ty}>"),
    }
}

/// How code outside the crate builds a struct. Generated structs are
/// `#[non_exhaustive]`: never with a literal, always with `Default` or
/// `new`, then setters or field assignments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Construction {
    /// `T::default()`.
    Default,
    /// `T::new(required...)`, with these argument types.
    New(Vec<String>),
    /// Neither (lowering always gives one of the two; kept so the report
    /// stays truthful if that changes).
    Neither,
}

/// How a struct is built, as lowering decided it.
pub fn construction(s: &StructDef) -> Construction {
    match (&s.constructor, s.default) {
        (Some(c), _) => Construction::New(
            c.args
                .iter()
                .filter_map(|i| s.fields.get(*i))
                .map(|f| match (&f.ty, f.presence) {
                    (ty, Presence::RequiredNullable) => format!("Option<{}>", rust(ty)),
                    (Ty::Vec(inner), _) => {
                        format!("impl IntoIterator<Item = impl Into<{}>>", rust(inner))
                    }
                    (Ty::Boxed(inner), _) => format!("impl Into<{}>", rust(inner)),
                    (
                        ty @ (Ty::Bool
                        | Ty::I32
                        | Ty::I64
                        | Ty::F32
                        | Ty::F64
                        | Ty::DateTime
                        | Ty::Date
                        | Ty::Runtime(_)
                        | Ty::Crate(_)),
                        _,
                    ) => rust(ty),
                    (ty, _) => format!("impl Into<{}>", rust(ty)),
                })
                .collect(),
        ),
        (None, true) => Construction::Default,
        (None, false) => Construction::Neither,
    }
}

/// An argument type as the emitter writes it for a method.
pub fn arg_rust(ty: &Ty) -> String {
    match ty {
        Ty::String => "&str".into(),
        Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 => rust(ty),
        Ty::Vec(inner) => format!("&[{}]", rust(inner)),
        other => format!("&{}", rust(other)),
    }
}

/// Which direction each named type travels in.
#[derive(Default)]
pub struct Usage {
    /// Reachable from a request (body or parameter).
    pub request: BTreeSet<String>,
    /// Reachable from a response (success or error).
    pub response: BTreeSet<String>,
}

impl Usage {
    /// Computes both sets for an API.
    pub fn of(api: &Api) -> Self {
        let index = index(api);
        let mut request = Vec::new();
        let mut response = Vec::new();
        for op in &api.operations {
            request.extend(op.body.iter().map(|b| &b.ty));
            request.extend(params(op).map(|p| &p.ty));
            response.extend(op.success.iter().filter_map(|r| r.ty.as_ref()));
            response.extend(op.errors.iter().filter_map(|r| r.ty.as_ref()));
        }
        // Lowering's own marks cover what no operation reaches: webhook
        // payloads are received like responses.
        let marked = |pick: fn(&StructDef) -> bool| {
            let named: Vec<Ty> = api
                .types
                .iter()
                .filter(|t| matches!(&t.kind, TypeKind::Struct(s) if pick(s)))
                .map(|t| Ty::Named(t.name.clone()))
                .collect();
            named
        };
        let request_marked = marked(|s| s.in_request);
        let response_marked = marked(|s| s.in_response);
        request.extend(&request_marked);
        response.extend(&response_marked);
        let request = reachable(&index, &request);
        let mut response = reachable(&index, &response);
        // A union of received shapes (an event envelope) is received too.
        for def in &api.types {
            if let TypeKind::Union(u) = &def.kind {
                let mut inner = Vec::new();
                for v in &u.variants {
                    named(&v.ty, &mut inner);
                }
                if !inner.is_empty() && inner.iter().all(|n| response.contains(*n)) {
                    response.insert(def.name.clone());
                }
            }
        }
        Self { request, response }
    }

    /// The directions a type travels in.
    pub fn of_type(&self, name: &str) -> Direction {
        Direction {
            request: self.request.contains(name),
            response: self.response.contains(name),
        }
    }
}

/// The directions a value travels in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Direction {
    /// The app sends it.
    pub request: bool,
    /// The app receives it.
    pub response: bool,
}

impl Direction {
    /// Either side's directions.
    pub fn or(self, other: Self) -> Self {
        Self {
            request: self.request || other.request,
            response: self.response || other.response,
        }
    }

    /// Request only.
    pub const REQUEST: Self = Self {
        request: true,
        response: false,
    };

    /// Response only.
    pub const RESPONSE: Self = Self {
        request: false,
        response: true,
    };
}

/// Every parameter of an operation.
pub fn params(op: &Operation) -> impl Iterator<Item = &crate::ir::Param> {
    op.path_params
        .iter()
        .chain(&op.query_params)
        .chain(&op.header_params)
}

/// Type name -> the operations (by operationId) whose requests or
/// responses reach it.
pub fn users(api: &Api) -> BTreeMap<String, Vec<String>> {
    let index = index(api);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for op in &api.operations {
        let mut roots: Vec<&Ty> = op.body.iter().map(|b| &b.ty).collect();
        roots.extend(params(op).map(|p| &p.ty));
        roots.extend(op.success.iter().filter_map(|r| r.ty.as_ref()));
        roots.extend(op.errors.iter().filter_map(|r| r.ty.as_ref()));
        for name in reachable(&index, &roots) {
            out.entry(name).or_default().push(op.operation_id.clone());
        }
    }
    out
}

/// Type name -> definition.
pub fn index(api: &Api) -> BTreeMap<&str, &TypeDef> {
    api.types.iter().map(|t| (t.name.as_str(), t)).collect()
}

fn reachable(index: &BTreeMap<&str, &TypeDef>, roots: &[&Ty]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = Vec::new();
    for root in roots {
        named(root, &mut stack);
    }
    while let Some(name) = stack.pop() {
        if !seen.insert(name.to_owned()) {
            continue;
        }
        let Some(def) = index.get(name) else { continue };
        match &def.kind {
            TypeKind::Struct(s) => {
                for f in &s.fields {
                    named(&f.ty, &mut stack);
                }
                if let Some(extra) = &s.additional {
                    named(extra, &mut stack);
                }
            }
            TypeKind::Union(u) => {
                for v in &u.variants {
                    named(&v.ty, &mut stack);
                }
            }
            TypeKind::Alias(ty) => named(ty, &mut stack),
            TypeKind::Enum(_) => {}
        }
    }
    seen
}

fn named<'t>(ty: &'t Ty, out: &mut Vec<&'t str>) {
    match ty {
        Ty::Named(name) => out.push(name),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Boxed(inner) => named(inner, out),
        _ => {}
    }
}

/// Compares JSON shapes across the two APIs.
pub struct Shapes<'a> {
    old: BTreeMap<&'a str, &'a TypeDef>,
    new: BTreeMap<&'a str, &'a TypeDef>,
}

/// How a value's accepted shapes changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// The same JSON values.
    Same,
    /// NEW accepts every value OLD did, and more.
    Wider,
    /// OLD accepted every value NEW does, and more.
    Narrower,
    /// Neither contains the other.
    Different,
}

impl std::fmt::Display for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Same => "the same JSON values",
            Self::Wider => "NEW takes more JSON values",
            Self::Narrower => "NEW takes fewer JSON values",
            Self::Different => "different JSON values",
        })
    }
}

impl Relation {
    /// Whether a value of this change, travelling in `dir`, still works for
    /// an app built against OLD: requests may widen, responses may narrow.
    pub fn breaks(self, dir: Direction) -> bool {
        match self {
            Self::Same => false,
            Self::Wider => dir.response,
            Self::Narrower => dir.request,
            Self::Different => dir.request || dir.response,
        }
    }
}

impl<'a> Shapes<'a> {
    /// For these two APIs.
    pub fn new(old: &'a Api, new: &'a Api) -> Self {
        Self {
            old: index(old),
            new: index(new),
        }
    }

    /// How the JSON values of `new` relate to those of `old`.
    pub fn relate(&self, old: &Ty, new: &Ty) -> Relation {
        if self.same(old, new, &mut BTreeSet::new()) {
            return Relation::Same;
        }
        let old = self.resolve(old, true);
        let new = self.resolve(new, false);
        if let (Ty::Vec(a), Ty::Vec(b)) | (Ty::Map(a), Ty::Map(b)) = (&old, &new) {
            return self.relate(a, b);
        }
        if scalar_within(&old, &new) {
            return Relation::Wider;
        }
        if scalar_within(&new, &old) {
            return Relation::Narrower;
        }
        // A string enum is a string with fewer values.
        match (self.enum_values(&old, true), self.enum_values(&new, false)) {
            (Some(a), Some(b)) if a.is_subset(&b) => Relation::Wider,
            (Some(a), Some(b)) if b.is_subset(&a) => Relation::Narrower,
            (Some(_), None) if new == Ty::String => Relation::Wider,
            (None, Some(_)) if old == Ty::String => Relation::Narrower,
            _ => Relation::Different,
        }
    }

    /// Follows aliases and boxes to the type that holds the value.
    fn resolve(&self, ty: &Ty, old: bool) -> Ty {
        let mut current = ty.clone();
        for _ in 0..32 {
            match current {
                Ty::Boxed(inner) => current = *inner,
                Ty::Named(ref name) => {
                    let map = if old { &self.old } else { &self.new };
                    match map.get(name.as_str()).map(|d| &d.kind) {
                        Some(TypeKind::Alias(target)) => current = target.clone(),
                        _ => return current,
                    }
                }
                _ => return current,
            }
        }
        current
    }

    fn enum_values(&self, ty: &Ty, old: bool) -> Option<BTreeSet<String>> {
        let Ty::Named(name) = ty else { return None };
        let map = if old { &self.old } else { &self.new };
        match &map.get(name.as_str())?.kind {
            TypeKind::Enum(e) => Some(e.variants.iter().map(|v| v.wire.clone()).collect()),
            _ => None,
        }
    }

    /// Whether two types take exactly the same JSON values (names aside).
    fn same(&self, old: &Ty, new: &Ty, assumed: &mut BTreeSet<(String, String)>) -> bool {
        let old = self.resolve(old, true);
        let new = self.resolve(new, false);
        match (&old, &new) {
            (Ty::Vec(a), Ty::Vec(b)) | (Ty::Map(a), Ty::Map(b)) => self.same(a, b, assumed),
            (Ty::Named(a), Ty::Named(b)) => {
                if !assumed.insert((a.clone(), b.clone())) {
                    return true;
                }
                let (Some(da), Some(db)) = (self.old.get(a.as_str()), self.new.get(b.as_str()))
                else {
                    return false;
                };
                self.same_kind(&da.kind, &db.kind, assumed)
            }
            (a, b) => a == b,
        }
    }

    fn same_kind(
        &self,
        old: &TypeKind,
        new: &TypeKind,
        assumed: &mut BTreeSet<(String, String)>,
    ) -> bool {
        match (old, new) {
            (TypeKind::Struct(a), TypeKind::Struct(b)) => {
                a.fields.len() == b.fields.len()
                    && a.fields.iter().all(|fa| {
                        b.fields.iter().any(|fb| {
                            fa.wire == fb.wire
                                && fa.required == fb.required
                                && fa.nullable == fb.nullable
                                && self.same(&fa.ty, &fb.ty, assumed)
                        })
                    })
                    && match (&a.additional, &b.additional) {
                        (Some(x), Some(y)) => self.same(x, y, assumed),
                        (None, None) => true,
                        _ => false,
                    }
            }
            (TypeKind::Enum(a), TypeKind::Enum(b)) => {
                let wa: BTreeSet<&str> = a.variants.iter().map(|v| v.wire.as_str()).collect();
                let wb: BTreeSet<&str> = b.variants.iter().map(|v| v.wire.as_str()).collect();
                wa == wb
            }
            (TypeKind::Union(a), TypeKind::Union(b)) => {
                a.tag == b.tag
                    && a.variants.len() == b.variants.len()
                    && a.variants.iter().zip(&b.variants).all(|(x, y)| {
                        x.tag_value == y.tag_value && self.same(&x.ty, &y.ty, assumed)
                    })
            }
            _ => false,
        }
    }
}

/// Whether every JSON value of scalar type `narrow` is also one of `wide`.
fn scalar_within(narrow: &Ty, wide: &Ty) -> bool {
    use Ty::{Date, DateTime, Json, Number, String, F32, F64, I32, I64};
    if narrow == wide {
        return false;
    }
    matches!(
        (narrow, wide),
        (_, Json)
            | (I32, I64 | F64 | Number)
            | (I64 | F32 | F64, Number)
            | (F32, F64)
            | (Date | DateTime, String)
    )
}
