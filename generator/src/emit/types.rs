//! Emits the `types` module: structs, enums, unions and aliases.

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc_attrs, ident, Ctx, Runtime};
use crate::ir::{Api, EnumDef, Field, StructDef, Ty, TypeDef, TypeKind, UnionDef};

/// At most this many required fields get a `new` constructor (clippy's
/// `too_many_arguments` threshold); larger structs are built with a literal.
const MAX_CONSTRUCTOR_ARGS: usize = 7;

/// The `types` module.
///
/// Only the types in `part` are emitted, and the module doc only when `part`
/// starts at 0: the file in pieces, each formatted on its own thread (items
/// format alone, so the pieces formatted and joined in order are the whole
/// file formatted).
pub fn types_file(api: &Api, rt: &Runtime, part: Range<usize>) -> TokenStream {
    let ctx = Ctx { rt, in_types: true };
    let doc = (part.start == 0).then(|| {
        let doc = format!(" Request and response types of the {}.", api.title.trim());
        quote!(#![doc = #doc])
    });
    let items = api
        .types
        .get(part)
        .unwrap_or_default()
        .iter()
        .map(|def| type_def(&ctx, def));
    quote! {
        #doc
        #(#items)*
    }
}

fn type_def(ctx: &Ctx<'_>, def: &TypeDef) -> TokenStream {
    match &def.kind {
        TypeKind::Struct(s) => struct_def(ctx, def, s),
        TypeKind::Enum(e) => enum_def(def, e),
        TypeKind::Union(u) => union_def(ctx, def, u),
        TypeKind::Alias(ty) => {
            let name = ident(&def.name);
            let docs = doc_attrs(&def.docs, &format!("The `{}` schema.", def.name));
            let ty = ctx.ty(ty);
            quote! { #docs pub type #name = #ty; }
        }
    }
}

/// How a field's presence is written in Rust.
enum Presence {
    /// `T`: must be there.
    Required,
    /// `Option<T>`, written as `null` when `None`: must be there, may be null.
    RequiredNullable,
    /// `Option<T>`, left out when `None`.
    Optional,
    /// `Nullable<T>`: left out, `null`, or a value.
    ThreeState,
}

fn presence(field: &Field, s: &StructDef) -> Presence {
    match (field.required, field.nullable) {
        (true, false) => Presence::Required,
        (true, true) => Presence::RequiredNullable,
        (false, true) if s.in_request => Presence::ThreeState,
        (false, _) => Presence::Optional,
    }
}

fn struct_def(ctx: &Ctx<'_>, def: &TypeDef, s: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc_attrs(&def.docs, &format!("The `{}` object.", def.name));
    let rt = ctx.rt.tokens();
    let is_absent = format!("{}::Nullable::is_absent", ctx.rt.text());

    let fields = s.fields.iter().map(|field| {
        let field_name = ident(&field.name);
        let ty = ctx.ty(&field.ty);
        let fallback = format!("The `{}` field.", field.wire);
        let docs = doc_attrs(&field.docs, &fallback);
        let wire = &field.wire;
        let mut serde_args: Vec<TokenStream> = Vec::new();
        if crate::names::bare(&field.name) != field.wire {
            serde_args.push(quote!(rename = #wire));
        }
        for alias in &field.aliases {
            serde_args.push(quote!(alias = #alias));
        }
        let ty = match presence(field, s) {
            Presence::Required => ty,
            Presence::RequiredNullable => quote!(Option<#ty>),
            Presence::Optional => {
                serde_args.push(quote!(default));
                serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
                quote!(Option<#ty>)
            }
            Presence::ThreeState => {
                serde_args.push(quote!(default));
                serde_args.push(quote!(skip_serializing_if = #is_absent));
                quote!(#rt::Nullable<#ty>)
            }
        };
        let serde_attr = (!serde_args.is_empty()).then(|| quote!(#[serde(#(#serde_args),*)]));
        quote! { #docs #serde_attr pub #field_name: #ty, }
    });

    // Unknown fields are kept on response types so nothing the server sends
    // is lost; typed `additionalProperties` are kept the same way.
    let extra_ty = match (&s.additional, s.in_response) {
        (Some(ty), _) => Some(ctx.ty(ty)),
        (None, true) => Some(ctx.ty(&Ty::Json)),
        (None, false) => None,
    };
    let extra_name = extra_field_name(s);
    let extra = extra_ty.as_ref().map(|ty| {
        let field = ident(&extra_name);
        let doc = if s.additional.is_some() {
            " Properties beyond the ones listed above (`additionalProperties`)."
        } else {
            " Fields the server sent that this version of the spec does not list."
        };
        quote! {
            #[doc = #doc]
            #[serde(flatten)]
            pub #field: ::std::collections::BTreeMap<String, #ty>,
        }
    });

    let required: Vec<&Field> = s.fields.iter().filter(|f| f.required).collect();
    let derive_default = required.is_empty();
    let default = derive_default.then(|| quote!(Default,));
    let constructor = (!required.is_empty() && required.len() <= MAX_CONSTRUCTOR_ARGS).then(|| {
        constructor(
            ctx,
            def,
            s,
            &required,
            extra.is_some().then_some(extra_name.as_str()),
        )
    });

    quote! {
        #docs
        #[derive(Clone, Debug, #default PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #extra
        }
        #constructor
    }
}

fn extra_field_name(s: &StructDef) -> String {
    let mut name = "extra".to_owned();
    let mut n = 2;
    while s.fields.iter().any(|f| f.name == name) {
        name = format!("extra_{n}");
        n += 1;
    }
    name
}

/// `new(required fields...)`, with every optional field absent.
fn constructor(
    ctx: &Ctx<'_>,
    def: &TypeDef,
    s: &StructDef,
    required: &[&Field],
    extra: Option<&str>,
) -> TokenStream {
    let name = ident(&def.name);
    let args = required.iter().map(|f| {
        let arg = ident(&f.name);
        let ty = ctx.ty(&f.ty);
        match (&f.ty, f.nullable) {
            (Ty::String, false) => quote!(#arg: impl Into<String>),
            (_, true) => quote!(#arg: Option<#ty>),
            _ => quote!(#arg: #ty),
        }
    });
    let inits = s.fields.iter().map(|f| {
        let field = ident(&f.name);
        match (f.required, &f.ty, f.nullable) {
            (true, Ty::String, false) => quote!(#field: #field.into(),),
            (true, _, _) => quote!(#field,),
            (false, _, _) => quote!(#field: Default::default(),),
        }
    });
    let extra = extra.map(|e| {
        let e = ident(e);
        quote!(#e: Default::default(),)
    });
    let list: Vec<String> = required.iter().map(|f| format!("`{}`", f.wire)).collect();
    let doc = format!(
        " Creates a `{}` from its required fields ({}); every other field is left out.",
        def.name,
        list.join(", ")
    );
    quote! {
        impl #name {
            #[doc = #doc]
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits)* #extra }
            }
        }
    }
}

fn enum_def(def: &TypeDef, e: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let mut docs_src = def.docs.clone();
    docs_src.notes.push(
        "Values this version of the spec does not list are kept in `Unknown` and sent back unchanged.".into(),
    );
    let docs = doc_attrs(&docs_src, &format!("The `{}` values.", def.name));
    let mut taken: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
    let unknown_name = ["Unknown", "UnknownValue", "Other"]
        .into_iter()
        .find(|n| !taken.contains(n))
        .unwrap_or("UnlistedValue");
    taken.push(unknown_name);
    let unknown = ident(unknown_name);
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc = format!(" `{}`", v.wire);
        quote! { #[doc = #doc] #variant, }
    });
    let as_str = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let wire = &v.wire;
        quote! { Self::#variant => #wire, }
    });
    let from_str = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let wire = &v.wire;
        quote! { #wire => Self::#variant, }
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#variants)*
            /// A value this version of the spec does not list.
            #unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    Self::#unknown(value) => value,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::#unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    }
}

fn union_def(ctx: &Ctx<'_>, def: &TypeDef, u: &UnionDef) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc_attrs(
        &def.docs,
        &format!("One of several shapes of `{}`.", def.name),
    );
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = ctx.ty(&v.ty);
        let fallback = format!("The `{}` shape.", v.name);
        let docs = doc_attrs(&v.docs, &fallback);
        let rename = match (&u.tag, &v.tag_value) {
            (Some(_), Some(tag)) => Some(quote!(#[serde(rename = #tag)])),
            _ => None,
        };
        quote! { #docs #rename #variant(#ty), }
    });
    let (serde_attr, catch_all) = match &u.tag {
        Some(tag) => (
            quote!(#[serde(tag = #tag)]),
            Some(quote! {
                /// A tag value this version of the spec does not list.
                #[serde(other)]
                Unknown,
            }),
        ),
        None => (quote!(#[serde(untagged)]), None),
    };
    // Payload sizes differ, but boxing every payload would make the common
    // case slower to write for little gain.
    let allow = (u.variants.len() > 1 && u.variants.iter().any(|v| matches!(v.ty, Ty::Named(_))))
        .then(|| quote!(#[allow(clippy::large_enum_variant, reason = "payloads are decoded bodies of any size")]));
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #serde_attr
        #allow
        pub enum #name {
            #(#variants)*
            #catch_all
        }
    }
}
