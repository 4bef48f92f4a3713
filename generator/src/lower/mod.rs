//! Lowering: the OpenAPI document to the intermediate representation.
//!
//! `schema` decides types, `operation` decides methods; this module runs them
//! in order and then makes the whole-API decisions: which types are request
//! or response types, which fields must be boxed to break cycles, and
//! (`decide`) everything that follows from those.

mod all_of;
mod decide;
mod media;
mod operation;
mod package;
mod path;
mod schema;
mod security;
mod server;
mod unions;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostics::{join, Diagnostic};
use crate::ir::{Api, Ty, TypeDef, TypeKind};
use crate::load::Loaded;
use crate::names::{self, Scope};

pub use schema::Naming;

/// Names the generated modules use themselves, which types must not take.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Client", "Error", "Result", "Option", "Vec", "String", "Box",
];

/// State shared by the lowering passes.
pub struct Lowerer<'a> {
    doc: &'a openapiv3::OpenAPI,
    raw: &'a Value,
    types: Vec<TypeDef>,
    type_names: Scope,
    /// Component schema name -> Rust type name.
    component_names: BTreeMap<String, String>,
    /// Non-component references already lowered.
    ref_cache: BTreeMap<String, Ty>,
    diagnostics: Vec<Diagnostic>,
    /// Where an `x-rust-type` names a type of the client crate itself
    /// (`Ty::Crate`): the path and the pointer to the extension.
    crate_types: Vec<(String, String)>,
    /// Current nesting of `Lowerer::lower`, to stop runaway recursion.
    depth: usize,
    /// The security schemes and the document's requirement.
    security: crate::ir::Security,
}

/// Lowers a loaded spec. Errors stop generation; warnings come back with the
/// result.
pub fn lower(loaded: &Loaded) -> (Api, Vec<Diagnostic>) {
    let doc = &loaded.openapi;
    let mut lowerer = Lowerer {
        doc,
        raw: &loaded.raw,
        types: Vec::new(),
        type_names: Scope::with_reserved(RESERVED_TYPE_NAMES),
        component_names: BTreeMap::new(),
        ref_cache: BTreeMap::new(),
        diagnostics: Vec::new(),
        crate_types: Vec::new(),
        depth: 0,
        security: crate::ir::Security::default(),
    };
    lowerer.security = security::document_security(doc, &mut lowerer.diagnostics);

    // Claim every component name first so references resolve in any order.
    let components: Vec<(String, openapiv3::ReferenceOr<openapiv3::Schema>)> = doc
        .components
        .as_ref()
        .map(|c| {
            c.schemas
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    for (name, _) in &components {
        let (rust, renamed) = lowerer.type_names.claim(&names::camel(name));
        if renamed {
            lowerer.diagnostics.push(Diagnostic::warning(
                join("/components/schemas", name),
                format!("schema `{name}` maps to a Rust name already used; it is named `{rust}`"),
            ));
        }
        lowerer.component_names.insert(name.clone(), rust);
    }
    for (name, schema) in &components {
        let rust = lowerer
            .component_names
            .get(name)
            .cloned()
            .unwrap_or_default();
        let pointer = join("/components/schemas", name);
        let ty = lowerer.schema_ty(schema, Naming::Fixed(rust.clone()), &pointer);
        if ty == Ty::Named(rust.clone()) && !lowerer.types.iter().any(|t| t.name == rust) {
            lowerer.diagnostics.push(
                Diagnostic::error(&pointer, format!("schema `{name}` only refers to itself"))
                    .with_hint("a schema must describe a value (a type, properties, or items)"),
            );
        } else if ty != Ty::Named(rust.clone()) {
            // A scalar, array, map or reference: keep the component's name as
            // an alias, since users will look for it.
            let docs = match schema {
                openapiv3::ReferenceOr::Item(s) => schema::schema_docs(s),
                openapiv3::ReferenceOr::Reference { .. } => Default::default(),
            };
            lowerer.types.push(TypeDef {
                name: rust,
                pointer,
                docs,
                kind: TypeKind::Alias(ty),
            });
        }
    }

    let received = webhook_events(&components, &lowerer.component_names, &mut lowerer.types);
    let operations = lowerer.operations();
    let mut api = Api {
        title: doc.info.title.clone(),
        description: doc.info.description.clone(),
        version: doc.info.version.clone(),
        base_url: doc.servers.first().map(|s| s.url.clone()),
        package: package::package_info(&doc.info),
        crate_types: std::mem::take(&mut lowerer.crate_types),
        security: std::mem::take(&mut lowerer.security),
        types: std::mem::take(&mut lowerer.types),
        operations,
        error_types: Vec::new(),
        server: Default::default(),
    };
    let mut diagnostics = lowerer.diagnostics;
    diagnostics.extend(alias_cycles(&api));
    diagnostics.extend(received.1);
    mark_usage(&mut api, &received.0);
    strip_discriminators(&mut api);
    box_cycles(&mut api);
    unions::order(&mut api);
    decide::decide(&mut api, &mut lowerer.type_names);
    diagnostics.extend(server::lower(doc, &loaded.raw, &mut api));
    (api, diagnostics)
}

/// Schemas that are only references to each other in a ring
/// (`A: $ref B`, `B: $ref A`) describe no value at all.
fn alias_cycles(api: &Api) -> Vec<Diagnostic> {
    let aliases: BTreeMap<&str, (&str, &str)> = api
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Alias(Ty::Named(target)) => {
                Some((t.name.as_str(), (target.as_str(), t.pointer.as_str())))
            }
            _ => None,
        })
        .collect();
    let mut reported = BTreeSet::new();
    let mut out = Vec::new();
    for (start, (_, pointer)) in &aliases {
        let mut seen = vec![*start];
        let mut current = *start;
        while let Some((next, _)) = aliases.get(current) {
            if *next == *start {
                let mut ring = seen.clone();
                ring.sort_unstable();
                if reported.insert(ring) {
                    out.push(
                        Diagnostic::error(
                            *pointer,
                            format!("schemas {} only refer to each other", seen.join(" -> ")),
                        )
                        .with_hint(
                            "one of them must describe a value (a type, properties, or items)",
                        ),
                    );
                }
                break;
            }
            if seen.contains(next) {
                break;
            }
            seen.push(next);
            current = next;
        }
    }
    out
}

impl Lowerer<'_> {
    fn push_type(&mut self, def: TypeDef) {
        self.types.push(def);
    }
}

/// Type name -> position in `api.types`.
fn type_index(api: &Api) -> BTreeMap<String, usize> {
    api.types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect()
}

/// The extension that marks a component schema as the payload of a webhook
/// event the server sends (its value is the event's name). Such payloads are
/// decoded like responses even though no operation returns them.
pub const WEBHOOK_EVENT: &str = "x-webhook-event";

/// The component schemas marked with [`WEBHOOK_EVENT`], as types, with a
/// note on each naming its event; errors for values that are not names.
fn webhook_events(
    components: &[(String, openapiv3::ReferenceOr<openapiv3::Schema>)],
    component_names: &BTreeMap<String, String>,
    types: &mut [TypeDef],
) -> (Vec<Ty>, Vec<Diagnostic>) {
    let mut received = Vec::new();
    let mut diagnostics = Vec::new();
    for (name, schema) in components {
        let openapiv3::ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let Some(value) = schema.schema_data.extensions.get(WEBHOOK_EVENT) else {
            continue;
        };
        let pointer = join(&join("/components/schemas", name), WEBHOOK_EVENT);
        let (Some(event), Some(rust)) = (value.as_str(), component_names.get(name)) else {
            diagnostics.push(
                Diagnostic::error(pointer, format!("`{WEBHOOK_EVENT}` must be a string"))
                    .with_hint("give the event's name, as the `type` of its payload says"),
            );
            continue;
        };
        if let Some(def) = types.iter_mut().find(|t| &t.name == rust) {
            def.docs
                .notes
                .push(format!("The payload of the `{event}` webhook event."));
        }
        received.push(Ty::Named(rust.clone()));
    }
    (received, diagnostics)
}

/// Marks structs reachable from request bodies and from responses (webhook
/// payloads, `received`, count as responses).
fn mark_usage(api: &mut Api, received: &[Ty]) {
    let index = type_index(api);
    let mut requests = Vec::new();
    let mut responses = received.to_vec();
    for op in &api.operations {
        requests.extend(op.body.iter().map(|b| b.ty.clone()));
        responses.extend(op.success.iter().filter_map(|r| r.ty.clone()));
        responses.extend(op.errors.iter().filter_map(|r| r.ty.clone()));
    }
    let request_set = reachable(api, &index, &requests, true);
    let response_set = reachable(api, &index, &responses, true);
    for def in &mut api.types {
        if let TypeKind::Struct(s) = &mut def.kind {
            s.in_request = request_set.contains(&def.name);
            s.in_response = response_set.contains(&def.name);
        }
    }
}

/// Names of the types reachable from `roots`; through every edge when
/// `through_containers`, else only through edges that need the value inline
/// (not behind a `Vec` or map).
fn reachable(
    api: &Api,
    index: &BTreeMap<String, usize>,
    roots: &[Ty],
    through_containers: bool,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    for root in roots {
        named_in(root, through_containers, &mut stack);
    }
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(def) = index.get(&name).and_then(|i| api.types.get(*i)) else {
            continue;
        };
        for ty in children(def) {
            named_in(ty, through_containers, &mut stack);
        }
    }
    seen
}

fn children(def: &TypeDef) -> Vec<&Ty> {
    match &def.kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| &f.ty)
            .chain(s.additional.iter())
            .collect(),
        TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Alias(ty) => vec![ty],
        TypeKind::Enum(_) => Vec::new(),
    }
}

fn named_in(ty: &Ty, through_containers: bool, out: &mut Vec<String>) {
    match ty {
        Ty::Named(name) => out.push(name.clone()),
        Ty::Vec(inner) | Ty::Map(inner) if through_containers => named_in(inner, true, out),
        Ty::Boxed(_) if !through_containers => {}
        Ty::Boxed(inner) => named_in(inner, through_containers, out),
        _ => {}
    }
}

/// A tagged union's members carry the tag on the wire, but serde consumes it
/// before the member struct sees it, so the member must not declare it too.
fn strip_discriminators(api: &mut Api) {
    let mut strip: Vec<(String, String)> = Vec::new();
    for def in &api.types {
        if let TypeKind::Union(u) = &def.kind {
            if let Some(tag) = &u.tag {
                for v in &u.variants {
                    if let Ty::Named(member) = &v.ty {
                        // A member that is an alias (`allOf` of one `$ref`)
                        // names the struct that actually holds the tag.
                        strip.push((alias_target(api, member), tag.clone()));
                    }
                }
            }
        }
    }
    for def in &mut api.types {
        if let TypeKind::Struct(s) = &mut def.kind {
            for (member, tag) in &strip {
                if *member == def.name && s.fields.iter().any(|f| f.wire == *tag) {
                    s.fields.retain(|f| f.wire != *tag);
                    def.docs.notes.push(format!(
                        "The `{tag}` discriminator is written and read by the enclosing union."
                    ));
                }
            }
        }
    }
}

/// The type `name` finally names, through any chain of aliases (stopping
/// at a cycle, which `alias_cycles` reports).
fn alias_target(api: &Api, name: &str) -> String {
    let mut current = name;
    for _ in 0..api.types.len() {
        match api
            .types
            .iter()
            .find(|t| t.name == current)
            .map(|t| &t.kind)
        {
            Some(TypeKind::Alias(Ty::Named(next))) => current = next,
            _ => break,
        }
    }
    current.to_owned()
}

/// Boxes every inline (non-container) reference that closes a cycle, so
/// recursive types have a finite size.
fn box_cycles(api: &mut Api) {
    let index = type_index(api);
    let mut to_box: Vec<(usize, usize)> = Vec::new();
    // What each type reaches inline, computed once per type.
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (ti, def) in api.types.iter().enumerate() {
        for (ci, ty) in children(def).into_iter().enumerate() {
            let mut direct = Vec::new();
            named_in(ty, false, &mut direct);
            let closes_cycle = direct.iter().any(|target| {
                target == &def.name
                    || reach
                        .entry(target.clone())
                        .or_insert_with(|| {
                            reachable(api, &index, &[Ty::Named(target.clone())], false)
                        })
                        .contains(&def.name)
            });
            if closes_cycle {
                to_box.push((ti, ci));
            }
        }
    }
    for (ti, ci) in to_box {
        let Some(def) = api.types.get_mut(ti) else {
            continue;
        };
        let slot = match &mut def.kind {
            TypeKind::Struct(s) => {
                let n = s.fields.len();
                if ci < n {
                    s.fields.get_mut(ci).map(|f| &mut f.ty)
                } else {
                    s.additional.as_mut()
                }
            }
            TypeKind::Union(u) => u.variants.get_mut(ci).map(|v| &mut v.ty),
            TypeKind::Alias(ty) => Some(ty),
            TypeKind::Enum(_) => None,
        };
        if let Some(ty) = slot {
            box_direct(ty);
        }
    }
}

/// Wraps the inline named type in `ty` in a `Box` (an `Option` around it is
/// added at emit time; containers already give indirection).
fn box_direct(ty: &mut Ty) {
    if let Ty::Named(_) = ty {
        let inner = std::mem::replace(ty, Ty::Json);
        *ty = Ty::Boxed(Box::new(inner));
    }
}
