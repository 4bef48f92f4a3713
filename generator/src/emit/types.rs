//! Emits the `types` module: structs, enums, unions and aliases.

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, doc_line, ident, Ctx, Runtime};
use crate::ir::{Api, Constructor, EnumDef, Presence, StructDef, Ty, TypeDef, TypeKind, UnionDef};

/// The `types` module.
///
/// Only the types in `part` are emitted, and the module doc only when `part`
/// starts at 0: the file in pieces, each formatted on its own thread (items
/// format alone, so the pieces formatted and joined in order are the whole
/// file formatted).
pub fn types_file(api: &Api, rt: &Runtime, part: Range<usize>) -> TokenStream {
    let ctx = Ctx { rt, in_types: true };
    let doc = (part.start == 0).then(|| {
        let doc = doc_line(&format!(
            " Request and response types of the {}.",
            api.title.trim()
        ));
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
        TypeKind::Enum(e) => enum_def(ctx, def, e),
        TypeKind::Union(u) => union_def(ctx, def, u),
        TypeKind::Alias(ty) => {
            let name = ident(&def.name);
            let docs = doc_attrs(&def.docs, &format!("The `{}` schema.", def.name));
            let ty = ctx.ty(ty);
            quote! { #docs pub type #name = #ty; }
        }
    }
}

fn struct_def(ctx: &Ctx<'_>, def: &TypeDef, s: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc_attrs(&def.docs, &format!("The `{}` object.", def.name));
    let rt = ctx.rt.tokens();
    let rt_text = ctx.rt.text();
    let is_absent = format!("{rt_text}::Nullable::is_absent");
    let null_as_default = format!("{rt_text}::de::null_as_default");

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
        let ty = match field.presence {
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
            Presence::DefaultEmpty => {
                serde_args.push(quote!(default));
                serde_args.push(quote!(deserialize_with = #null_as_default));
                serde_args.push(quote!(skip_serializing_if = "Vec::is_empty"));
                ty
            }
        };
        let serde_attr = (!serde_args.is_empty()).then(|| quote!(#[serde(#(#serde_args),*)]));
        quote! { #docs #serde_attr pub #field_name: #ty, }
    });

    let extra = s.extra.as_ref().map(|extra| {
        let field = ident(&extra.name);
        let ty = ctx.ty(&extra.ty);
        let doc = if extra.additional {
            " Properties beyond the ones listed above (`additionalProperties`)."
        } else {
            " Fields the server sent that this version of the spec does not list."
        };
        let doc = doc_line(doc);
        quote! {
            #[doc = #doc]
            #[serde(flatten)]
            pub #field: ::std::collections::BTreeMap<String, #ty>,
        }
    });

    let default = s.default.then(|| quote!(Default,));
    let debug = (!s.redacted_debug).then(|| quote!(Debug,));
    let non_exhaustive = s.non_exhaustive.then(|| quote!(#[non_exhaustive]));
    let constructor = s.constructor.as_ref().map(|c| constructor(ctx, def, s, c));
    let setters = setters(ctx, s);
    let methods = (constructor.is_some() || !setters.is_empty()).then(|| {
        quote! {
            impl #name {
                #constructor
                #(#setters)*
            }
        }
    });
    let debug_impl = s.redacted_debug.then(|| redacted_debug(ctx, def, s));
    let deserialize = (!s.visitor_deserialize).then(|| quote!(::serde::Deserialize,));
    let deserialize_impl = s
        .visitor_deserialize
        .then(|| visitor_deserialize(ctx, def, s));

    quote! {
        #docs
        #[derive(Clone, #debug #default PartialEq, ::serde::Serialize, #deserialize)]
        #non_exhaustive
        pub struct #name {
            #(#fields)*
            #extra
        }
        #methods
        #debug_impl
        #deserialize_impl
    }
}

/// An argument that takes anything convertible into the field's type, and
/// the expression that stores it. Numbers, booleans and dates are taken as
/// they are: `impl Into` would leave `"...".parse()?` and integer literals
/// without a type to infer.
pub(super) fn into_arg(
    ctx: &Ctx<'_>,
    ty: &Ty,
    arg: &proc_macro2::Ident,
) -> (TokenStream, TokenStream) {
    match ty {
        Ty::Bool
        | Ty::I32
        | Ty::I64
        | Ty::F32
        | Ty::F64
        | Ty::DateTime
        | Ty::Date
        | Ty::Runtime(_)
        | Ty::Crate(_) => {
            let ty = ctx.ty(ty);
            (quote!(#ty), quote!(#arg))
        }
        Ty::Vec(inner) => {
            let inner = ctx.ty(inner);
            (
                quote!(impl IntoIterator<Item = impl Into<#inner>>),
                quote!(#arg.into_iter().map(Into::into).collect()),
            )
        }
        Ty::Boxed(inner) => {
            let inner = ctx.ty(inner);
            (quote!(impl Into<#inner>), quote!(Box::new(#arg.into())))
        }
        other => {
            let ty = ctx.ty(other);
            (quote!(impl Into<#ty>), quote!(#arg.into()))
        }
    }
}

/// `new(required fields...)`, with every optional field absent.
fn constructor(ctx: &Ctx<'_>, def: &TypeDef, s: &StructDef, c: &Constructor) -> TokenStream {
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for (i, f) in s.fields.iter().enumerate() {
        let field = ident(&f.name);
        if !c.args.contains(&i) {
            inits.push(quote!(#field: Default::default(),));
            continue;
        }
        if f.presence == Presence::RequiredNullable {
            let ty = ctx.ty(&f.ty);
            args.push(quote!(#field: Option<#ty>));
            inits.push(quote!(#field,));
        } else {
            let (arg_ty, value) = into_arg(ctx, &f.ty, &field);
            args.push(quote!(#field: #arg_ty));
            // A value taken as it is needs no `field: field`.
            if field == value.to_string() {
                inits.push(quote!(#field,));
            } else {
                inits.push(quote!(#field: #value,));
            }
        }
    }
    let extra = s.extra.as_ref().map(|e| {
        let e = ident(&e.name);
        quote!(#e: Default::default(),)
    });
    let list: Vec<String> = c
        .args
        .iter()
        .filter_map(|i| s.fields.get(*i))
        .map(|f| format!("`{}`", f.wire))
        .collect();
    let doc = format!(
        " Creates a `{}` from its required fields ({}); every other field is left out.",
        def.name,
        list.join(", ")
    );
    let doc = doc_line(&doc);
    let allow = c
        .many_args
        .then(|| quote!(#[allow(clippy::too_many_arguments, reason = "every required field is an argument")]));
    quote! {
        #[doc = #doc]
        #allow
        pub fn new(#(#args),*) -> Self {
            Self { #(#inits)* #extra }
        }
    }
}

/// A setter per optional field (`first_name(value)`), and `clear_...()`
/// where the API accepts null.
fn setters(ctx: &Ctx<'_>, s: &StructDef) -> Vec<TokenStream> {
    let rt = ctx.rt.tokens();
    let mut methods = Vec::new();
    for f in &s.fields {
        let field = ident(&f.name);
        if let Some(setter) = &f.setter {
            let setter = ident(setter);
            let (arg_ty, value) = into_arg(ctx, &f.ty, &format_ident!("value"));
            let stored = match f.presence {
                Presence::ThreeState => quote!(#rt::Nullable::Value(#value)),
                Presence::Optional | Presence::RequiredNullable => quote!(Some(#value)),
                Presence::Required | Presence::DefaultEmpty => value,
            };
            let doc = doc_line(&format!(" Sets `{}`.", f.wire));
            methods.push(quote! {
                #[doc = #doc]
                #[must_use]
                pub fn #setter(mut self, value: #arg_ty) -> Self {
                    self.#field = #stored;
                    self
                }
            });
        }
        if let Some(clearer) = &f.clearer {
            let clearer = ident(clearer);
            let doc = doc_line(&format!(" Sends `{}` as `null`, which clears it.", f.wire));
            methods.push(quote! {
                #[doc = #doc]
                #[must_use]
                pub fn #clearer(mut self) -> Self {
                    self.#field = #rt::Nullable::Null;
                    self
                }
            });
        }
    }
    methods
}

/// `Debug` that prints `<redacted>` for sensitive fields and only the names
/// of unknown fields (which may be personal data the spec does not list).
fn redacted_debug(ctx: &Ctx<'_>, def: &TypeDef, s: &StructDef) -> TokenStream {
    let rt = ctx.rt.tokens();
    let name = ident(&def.name);
    let label = &def.name;
    let fields = s.fields.iter().map(|f| {
        let field = ident(&f.name);
        let label = crate::names::bare(&f.name);
        let value = match (f.sensitive, f.presence) {
            (false, _) => quote!(&self.#field),
            (true, Presence::Required | Presence::DefaultEmpty) => quote!(&#rt::Redacted),
            (true, Presence::ThreeState) => quote!(&self.#field.as_ref().map(|_| #rt::Redacted)),
            (true, Presence::Optional | Presence::RequiredNullable) => {
                quote!(&self.#field.as_ref().map(|_| #rt::Redacted))
            }
        };
        quote!(.field(#label, #value))
    });
    let extra = s.extra.as_ref().map(|e| {
        let field = ident(&e.name);
        let label = &e.name;
        if e.additional {
            quote!(.field(#label, &self.#field))
        } else {
            quote!(.field(#label, &#rt::FieldNames(&self.#field)))
        }
    });
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label)
                    #(#fields)*
                    #extra
                    .finish()
            }
        }
    }
}

/// `Deserialize` as a map visitor: each listed field by its wire name (and
/// aliases), every other key into the `extra` map, in one pass over the
/// input (`#[serde(flatten)]` would buffer the whole object first).
fn visitor_deserialize(ctx: &Ctx<'_>, def: &TypeDef, s: &StructDef) -> TokenStream {
    let rt = ctx.rt.tokens();
    let name = ident(&def.name);
    let expecting = format!("a `{}` object", def.name);
    let mut slots = Vec::new();
    let mut arms = Vec::new();
    let mut inits = Vec::new();
    for f in &s.fields {
        let field = ident(&f.name);
        // Locals get a prefix so a field named `map` or `key` cannot
        // shadow the visitor's own variables.
        // (`_2fa`, the only names with a leading underscore, gives `field_2fa`.)
        let bare = crate::names::bare(&f.name);
        let slot = if bare.starts_with('_') {
            format_ident!("field{}", bare)
        } else {
            format_ident!("field_{}", bare)
        };
        let ty = ctx.ty(&f.ty);
        let stored = match f.presence {
            Presence::Required | Presence::DefaultEmpty => ty,
            Presence::RequiredNullable | Presence::Optional => quote!(Option<#ty>),
            Presence::ThreeState => quote!(#rt::Nullable<#ty>),
        };
        slots.push(quote!(let mut #slot: Option<#stored> = None;));
        let wire = &f.wire;
        let aliases = &f.aliases;
        let read = match f.presence {
            // `null` reads as empty, like a missing array.
            Presence::DefaultEmpty => {
                quote!(map.next_value::<Option<#stored>>()?.unwrap_or_default())
            }
            _ => quote!(map.next_value::<#stored>()?),
        };
        arms.push(quote!(#wire #(| #aliases)* => #slot = Some(#read),));
        inits.push(match f.presence {
            Presence::Required => quote! {
                #field: #slot.ok_or_else(|| <A::Error as ::serde::de::Error>::missing_field(#wire))?,
            },
            _ => quote!(#field: #slot.unwrap_or_default(),),
        });
    }
    let (extra_slot, extra_arm, extra_init) = match &s.extra {
        Some(extra) => {
            let field = ident(&extra.name);
            let ty = ctx.ty(&extra.ty);
            (
                quote!(let mut unlisted = ::std::collections::BTreeMap::<String, #ty>::new();),
                quote!(_ => {
                    let value = map.next_value::<#ty>()?;
                    unlisted.insert(key.into_owned(), value);
                }),
                quote!(#field: unlisted,),
            )
        }
        None => (
            quote!(),
            quote!(_ => {
                map.next_value::<::serde::de::IgnoredAny>()?;
            }),
            quote!(),
        ),
    };
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;

                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                        #(#slots)*
                        #extra_slot
                        while let Some(key) = map.next_key::<#rt::de::Key<'de>>()? {
                            match key.as_str() {
                                #(#arms)*
                                #extra_arm
                            }
                        }
                        Ok(#name {
                            #(#inits)*
                            #extra_init
                        })
                    }
                }

                deserializer.deserialize_map(Visitor)
            }
        }
    }
}

fn enum_def(ctx: &Ctx<'_>, def: &TypeDef, e: &EnumDef) -> TokenStream {
    let rt = ctx.rt.tokens();
    let name = ident(&def.name);
    let docs = doc_attrs(&def.docs, &format!("The `{}` values.", def.name));
    let unknown = ident(&e.unknown);
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc = doc_line(&format!(" `{}`", v.wire));
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
    let listed_decoder = e.listed_decoder.then(|| {
        quote! {
            /// Decodes only a value the spec lists: an untagged union tries
            /// this enum before an alternative that takes any string.
            #[doc(hidden)]
            pub fn deserialize_listed<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                match <Self as ::serde::Deserialize>::deserialize(deserializer)? {
                    Self::#unknown(value) => Err(<D::Error as ::serde::de::Error>::custom(
                        format_args!("`{}` is not a listed value", value.as_str()),
                    )),
                    listed => Ok(listed),
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the spec does not list (never one it
            /// lists: parsing gives the named variant for those).
            #unknown(#rt::UnknownValue),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    Self::#unknown(value) => value.as_str(),
                }
            }

            #listed_decoder
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::#unknown(#rt::UnknownValue::__unlisted(other)),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
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
        let listed = match (&v.ty, v.listed_only) {
            (Ty::Named(name), true) => {
                let decoder = format!("{name}::deserialize_listed");
                Some(quote!(#[serde(deserialize_with = #decoder)]))
            }
            _ => None,
        };
        quote! { #docs #rename #listed #variant(#ty), }
    });
    let serde_attr = match &u.tag {
        Some(tag) => quote!(#[serde(tag = #tag)]),
        None => quote!(#[serde(untagged)]),
    };
    let catch_all = u.unknown.as_ref().map(|unknown| {
        let unknown = ident(unknown);
        quote! {
            /// A tag value this version of the spec does not list.
            #[serde(other)]
            #unknown,
        }
    });
    // Payload sizes differ, but boxing every payload would make the common
    // case slower to write for little gain.
    let allow = (u.variants.len() > 1 && u.variants.iter().any(|v| matches!(v.ty, Ty::Named(_))))
        .then(|| quote!(#[allow(clippy::large_enum_variant, reason = "payloads are decoded bodies of any size")]));
    let from = u.variants.iter().filter(|v| v.from).map(|v| {
        let variant = ident(&v.name);
        let ty = ctx.ty(&v.ty);
        quote! {
            impl From<#ty> for #name {
                fn from(value: #ty) -> Self {
                    Self::#variant(value)
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #serde_attr
        #allow
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #catch_all
        }
        #(#from)*
    }
}
