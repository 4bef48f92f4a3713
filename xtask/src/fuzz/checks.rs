//! Checks on generated Rust that parses but cannot compile: a name defined
//! twice in one namespace (`duplicates`) and a type that contains itself by
//! value (`infinite_size`). Both read the `syn` tree the worker parsed, and
//! what they find is reported as a finding, not a crash.

use std::collections::BTreeMap;

/// A name defined twice where Rust allows it once (valid syntax that cannot
/// compile): items of one namespace, fields, variants, methods of one type,
/// parameters of one function, trait impls.
pub(super) fn duplicates(items: &[syn::Item]) -> Option<String> {
    use quote::ToTokens;
    use std::collections::BTreeSet;
    let mut types = BTreeSet::new();
    let mut values = BTreeSet::new();
    let mut trait_impls = BTreeSet::new();
    let mut methods = BTreeSet::new();
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                if !types.insert(bare_ident(&s.ident)) {
                    return Some(format!("type `{}` defined twice", s.ident));
                }
                if let Some(d) = duplicate_ident(s.fields.iter().filter_map(|f| f.ident.as_ref())) {
                    return Some(format!("field `{d}` twice in struct `{}`", s.ident));
                }
            }
            syn::Item::Enum(e) => {
                if !types.insert(bare_ident(&e.ident)) {
                    return Some(format!("type `{}` defined twice", e.ident));
                }
                if let Some(d) = duplicate_ident(e.variants.iter().map(|v| &v.ident)) {
                    return Some(format!("variant `{d}` twice in enum `{}`", e.ident));
                }
                for v in &e.variants {
                    if let Some(d) =
                        duplicate_ident(v.fields.iter().filter_map(|f| f.ident.as_ref()))
                    {
                        return Some(format!(
                            "field `{d}` twice in variant `{}::{}`",
                            e.ident, v.ident
                        ));
                    }
                }
            }
            syn::Item::Type(t) if !types.insert(bare_ident(&t.ident)) => {
                return Some(format!("type `{}` defined twice", t.ident));
            }
            syn::Item::Trait(t) if !types.insert(bare_ident(&t.ident)) => {
                return Some(format!("type `{}` defined twice", t.ident));
            }
            syn::Item::Const(c) if !values.insert(bare_ident(&c.ident)) => {
                return Some(format!("value `{}` defined twice", c.ident));
            }
            syn::Item::Fn(f) => {
                if !values.insert(bare_ident(&f.sig.ident)) {
                    return Some(format!("function `{}` defined twice", f.sig.ident));
                }
                if let Some(d) = duplicate_arg(&f.sig) {
                    return Some(format!("parameter `{d}` twice in `{}`", f.sig.ident));
                }
            }
            syn::Item::Mod(m) => {
                if !types.insert(bare_ident(&m.ident)) {
                    return Some(format!("module `{}` defined twice", m.ident));
                }
                if let Some((_, content)) = &m.content {
                    if let Some(d) = duplicates(content) {
                        return Some(format!("in module `{}`: {d}", m.ident));
                    }
                }
            }
            syn::Item::Impl(i) => {
                let self_ty = i.self_ty.to_token_stream().to_string();
                let tr = i
                    .trait_
                    .as_ref()
                    .map(|(_, path, _)| path.to_token_stream().to_string());
                if let Some(tr) = &tr {
                    if !trait_impls.insert((self_ty.clone(), tr.clone())) {
                        return Some(format!("`impl {tr} for {self_ty}` twice"));
                    }
                }
                for inner in &i.items {
                    if let syn::ImplItem::Fn(f) = inner {
                        let key = (self_ty.clone(), tr.clone(), bare_ident(&f.sig.ident));
                        if !methods.insert(key) {
                            return Some(format!("method `{}` twice on `{self_ty}`", f.sig.ident));
                        }
                        if let Some(d) = duplicate_arg(&f.sig) {
                            return Some(format!(
                                "parameter `{d}` twice in `{self_ty}::{}`",
                                f.sig.ident
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// A struct or enum that contains itself by value (error E0072): a cycle of
/// types through fields that are not behind a `Box`, `Vec` or map.
pub(super) fn infinite_size(items: &[syn::Item]) -> Option<String> {
    let mut edges: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let (name, types): (String, Vec<&syn::Type>) = match item {
            syn::Item::Struct(s) => (
                bare_ident(&s.ident),
                s.fields.iter().map(|f| &f.ty).collect(),
            ),
            syn::Item::Enum(e) => (
                bare_ident(&e.ident),
                e.variants
                    .iter()
                    .flat_map(|v| v.fields.iter().map(|f| &f.ty))
                    .collect(),
            ),
            syn::Item::Type(t) => (bare_ident(&t.ident), vec![t.ty.as_ref()]),
            _ => continue,
        };
        let entry = edges.entry(name).or_default();
        for ty in types {
            by_value(ty, entry);
        }
    }
    // Depth-first search for a cycle among the types defined here.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, std::collections::BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if !edges.contains_key(next) {
                continue;
            }
            match state.get(next) {
                Some(1) => {
                    let start = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, edges, state, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if state.contains_key(node) {
            continue;
        }
        if let Some(cycle) = visit(node, &edges, &mut state, &mut Vec::new()) {
            return Some(format!(
                "type `{}` contains itself by value: {}",
                cycle.first().map_or("", String::as_str),
                cycle.join(" -> ")
            ));
        }
    }
    None
}

/// Type names `ty` holds by value (not behind a pointer or a collection).
fn by_value(ty: &syn::Type, out: &mut std::collections::BTreeSet<String>) {
    const INDIRECT: &[&str] = &[
        "Box",
        "Vec",
        "HashMap",
        "BTreeMap",
        "IndexMap",
        "HashSet",
        "BTreeSet",
        "Rc",
        "Arc",
        "VecDeque",
        "PhantomData",
    ];
    match ty {
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return;
            };
            let name = bare_ident(&last.ident);
            if INDIRECT.contains(&name.as_str()) {
                return;
            }
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                for arg in &args.args {
                    if let syn::GenericArgument::Type(t) = arg {
                        by_value(t, out);
                    }
                }
            }
            // Qualified paths (`crate::BirthDate`, `::serde_json::Value`) name
            // types from elsewhere, even when an alias here shares the name.
            if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
                out.insert(name);
            }
        }
        syn::Type::Tuple(t) => t.elems.iter().for_each(|e| by_value(e, out)),
        syn::Type::Array(a) => by_value(&a.elem, out),
        syn::Type::Paren(p) => by_value(&p.elem, out),
        syn::Type::Group(g) => by_value(&g.elem, out),
        _ => {}
    }
}

fn bare_ident(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").unwrap_or(&text).to_owned()
}

fn duplicate_ident<'a>(idents: impl Iterator<Item = &'a syn::Ident>) -> Option<String> {
    let mut seen = std::collections::BTreeSet::new();
    idents
        .map(bare_ident)
        .find(|name| !seen.insert(name.clone()))
}

fn duplicate_arg(sig: &syn::Signature) -> Option<String> {
    duplicate_ident(sig.inputs.iter().filter_map(|arg| match arg {
        syn::FnArg::Typed(t) => match t.pat.as_ref() {
            syn::Pat::Ident(p) => Some(&p.ident),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    }))
}
