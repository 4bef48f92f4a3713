//! Emits the `operations` module: the `Client` type and one async method per
//! operation, with the per-operation parameter, success and error types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, doc_line, ident, Ctx, Runtime};
use crate::ir::{
    Api, BodyEncoding, Docs, ErrorEnum, ErrorResponse, KeyLocation, Media, Operation, Param, Part,
    Requirement, SchemeKind, Segment, StatusMatch, Ty,
};

/// The whole `operations` module.
pub fn operations_file(api: &Api, rt: &Runtime) -> TokenStream {
    let ctx = Ctx {
        rt,
        in_types: false,
    };
    let rtp = rt.tokens();
    let base_url = api.base_url.clone().unwrap_or_default();
    let title = api.title.trim();
    let client_doc = format!(
        " Client for the {title} (API version {}).",
        api.version.trim()
    );
    let base_doc = if base_url.is_empty() {
        " The spec names no server: set one with `ClientBuilder::base_url`.".to_owned()
    } else {
        format!(" The server the spec names: `{base_url}`.")
    };
    let methods = api.operations.iter().map(|op| method(&ctx, op));
    let support = api.operations.iter().map(|op| support_types(&ctx, op));
    let errors = api.error_types.iter().map(|e| error_enum(&ctx, e));
    let module_doc = doc_line(&format!(
        " The client and one method per operation of the {title}."
    ));
    let client_doc = doc_line(&client_doc);
    let base_doc = doc_line(&base_doc);
    let constructors = constructors(api, &rtp);
    let api_client = api_client(api, &rtp);
    let uses_types = api.operations.iter().any(uses_named_types);
    let use_types = uses_types.then(|| {
        quote!(
            use super::types;
        )
    });
    quote! {
        #![doc = #module_doc]
        #use_types

        #[doc = #client_doc]
        ///
        /// Cheap to clone: clones share one connection pool and rate limiter.
        #[derive(Clone, Debug)]
        pub struct Client {
            core: #rtp::Core,
        }

        impl Client {
            #[doc = #base_doc]
            pub const DEFAULT_BASE_URL: &'static str = #base_url;

            #constructors

            /// A clone of this client whose calls use `options` over the client's
            /// settings. Cheap: it shares the connection pool and the rate limiter.
            #[must_use]
            pub fn with_options(&self, options: #rtp::RequestOptions) -> Self {
                Self::from(self.core.with_options(&options))
            }

            /// The shared transport: configuration, connection pool and retries.
            pub fn core(&self) -> &#rtp::Core {
                &self.core
            }

            #(#methods)*
        }

        impl From<#rtp::Core> for Client {
            fn from(core: #rtp::Core) -> Self {
                Self { core }
            }
        }

        #api_client

        #(#support)*
        #(#errors)*
    }
}

fn uses_named_types(op: &Operation) -> bool {
    fn named(ty: &Ty) -> bool {
        match ty {
            Ty::Named(_) => true,
            Ty::Vec(inner) | Ty::Map(inner) | Ty::Boxed(inner) => named(inner),
            _ => false,
        }
    }
    op.path_params
        .iter()
        .chain(&op.query_params)
        .chain(&op.header_params)
        .any(|p| named(&p.ty))
        || op.body.as_ref().is_some_and(|b| named(&b.ty))
        || op.success.iter().filter_map(|r| r.ty.as_ref()).any(named)
        || op.errors.iter().filter_map(|r| r.ty.as_ref()).any(named)
}

/// Optional query and header parameters, the fields of the `Params` struct.
fn optional_params(op: &Operation) -> Vec<&Param> {
    op.query_params
        .iter()
        .chain(&op.header_params)
        .filter(|p| !p.required)
        .collect()
}

/// An argument type: borrowed for strings, slices and named types, by value
/// for small scalars.
fn arg_ty(ctx: &Ctx<'_>, ty: &Ty) -> TokenStream {
    match ty {
        Ty::String => quote!(&str),
        Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 => ctx.ty(ty),
        Ty::Vec(inner) => {
            let inner = ctx.ty(inner);
            quote!(&[#inner])
        }
        other => {
            let ty = ctx.ty(other);
            quote!(&#ty)
        }
    }
}

/// The expression passing a parameter to the request builder (always a
/// reference).
fn arg_ref(param: &Param, ty: &Ty) -> TokenStream {
    let name = ident(&param.name);
    match ty {
        Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 => quote!(&#name),
        _ => quote!(#name),
    }
}

fn method(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = ctx.rt.tokens();
    let name = ident(&op.method_name);
    let mut docs = op.docs.clone();
    if docs.summary.is_none() && docs.description.is_none() {
        docs.summary = Some(format!("Calls `{}`.", op.operation_id));
    }
    let docs = doc_attrs(&docs, "");

    let mut args: Vec<TokenStream> = Vec::new();
    let required_params: Vec<&Param> = op
        .path_params
        .iter()
        .chain(op.query_params.iter().filter(|p| p.required))
        .chain(op.header_params.iter().filter(|p| p.required))
        .collect();
    for p in &required_params {
        let arg = ident(&p.name);
        let ty = arg_ty(ctx, &p.ty);
        args.push(quote!(#arg: #ty));
    }
    if let Some(params) = &op.params_type {
        let params = ident(params);
        args.push(quote!(params: &#params));
    }
    if let Some(body) = op
        .body
        .as_ref()
        .filter(|b| b.encoding != BodyEncoding::EmptyJsonObject)
    {
        if let Some(arg) = &body.content_type_arg {
            let arg = ident(arg);
            args.push(quote!(#arg: &str));
        }
        let ty = match body.encoding {
            BodyEncoding::Binary => quote!(impl Into<#rt::UploadBody>),
            _ => arg_ty(ctx, &body.ty),
        };
        if body.required {
            args.push(quote!(body: #ty));
        } else {
            args.push(quote!(body: Option<#ty>));
        }
        if body.encoding == BodyEncoding::Multipart {
            args.push(quote!(files: &[#rt::FilePart]));
        }
    }
    let allow = op
        .many_args
        .then(|| quote!(#[allow(clippy::too_many_arguments, reason = "every required parameter is an argument")]));

    let method_ident = format_ident!("{}", op.http_method);
    let operation_id = &op.operation_id;
    let template = &op.path;
    let mut chain: Vec<TokenStream> = Vec::new();
    if op.idempotent {
        chain.push(quote!(.idempotent()));
    }
    if op.anonymous {
        chain.push(quote!(.anonymous()));
    }
    if let Some(requirements) = &op.security {
        let security = security_tokens(requirements);
        chain.push(quote!(.security(#security)));
    }
    let param = |i: usize, append: bool| {
        op.path_params.get(i).map(|p| {
            let wire = &p.wire;
            let value = arg_ref(p, &p.ty);
            // A `&str` needs no detour through `serde_json`.
            match (&p.ty, append) {
                (Ty::String, false) => quote!(.path_str(#wire, #value)),
                (_, false) => quote!(.path_param(#wire, #value)),
                (Ty::String, true) => quote!(.append_path_str(#wire, #value)),
                (_, true) => quote!(.append_path_param(#wire, #value)),
            }
        })
    };
    for segment in &op.segments {
        match segment {
            Segment::Literal(text) => chain.push(quote!(.segment(#text))),
            Segment::Param(i) => chain.extend(param(*i, false)),
            Segment::Mixed(parts) => {
                // The first part starts the segment, the rest run on in it.
                for (n, part) in parts.iter().enumerate() {
                    match part {
                        Part::Text(text) if n == 0 => chain.push(quote!(.segment(#text))),
                        Part::Text(text) => chain.push(quote!(.append(#text))),
                        Part::Param(i) => chain.extend(param(*i, n > 0)),
                    }
                }
            }
        }
    }
    for p in &op.query_params {
        let wire = &p.wire;
        let value = if p.required {
            arg_ref(p, &p.ty)
        } else {
            field_ref(p)
        };
        chain.push(quote!(.query(#wire, #value)));
    }
    for (name, value) in &op.fixed_headers {
        // Header names are case-insensitive; `from_static` takes lowercase.
        let name = name.to_ascii_lowercase();
        chain.push(quote!(.fixed_header(const { #rt::FixedHeader::new(#name, #value) })));
    }
    for p in &op.header_params {
        let wire = &p.wire;
        let value = if p.required {
            arg_ref(p, &p.ty)
        } else {
            field_ref(p)
        };
        chain.push(quote!(.header(#wire, #value)));
    }
    if let Some(body) = &op.body {
        // Scalars are taken by value; the request serializes a reference.
        let by_value = matches!(body.ty, Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64);
        // The spec's media type, or the caller's within the spec's range.
        let content_type = match &body.content_type_arg {
            Some(arg) => {
                let arg = ident(arg);
                quote!(#arg)
            }
            None => {
                let media_type = &body.media_type;
                quote!(#media_type)
            }
        };
        let range = body.content_type_arg.as_ref().map(|_| {
            let range = &body.media_type;
            quote!(.media_range(#range))
        });
        chain.push(match (body.encoding, body.required) {
            (BodyEncoding::Text, _) => quote!(.text(body, #content_type) #range),
            (BodyEncoding::Binary, _) => quote!(.upload(body.into(), #content_type) #range),
            (BodyEncoding::Json, true) if by_value => quote!(.json(&body)),
            (BodyEncoding::Json, false) if by_value => quote!(.json_opt(body.as_ref())),
            (BodyEncoding::Json, true) => quote!(.json(body)),
            (BodyEncoding::Json, false) => quote!(.json_opt(body)),
            (BodyEncoding::Form, _) => quote!(.form(body)),
            (BodyEncoding::Multipart, _) => quote!(.multipart(body, files)),
            (BodyEncoding::EmptyJsonObject, _) => quote!(.empty_json_object()),
        });
    }

    let ok_ty = success_ty(ctx, op);
    let err = ident(&op.error_type);
    let arms = response_arms(op, false);
    let decoded = status_match(&arms, op);
    let deprecated = op
        .deprecated
        .as_deref()
        .map(|note| quote!(#[deprecated(note = #note)]));
    // Downloads: the same call, its success body handed over unread.
    let stream = op.stream_method.as_ref().map(|stream_name| {
        let stream_name = ident(stream_name);
        let doc = doc_line(&format!(
            " [`Client::{}`] with the success body as a stream, read as the app consumes it: \
             neither held in memory nor bounded by `max_response_bytes`. Error answers are \
             read and decoded as usual.",
            crate::names::bare(&op.method_name)
        ));
        let stream_arms = response_arms(op, true);
        let stream_match = status_match(&stream_arms, op);
        quote! {
            #[doc = #doc]
            #deprecated
            #allow
            pub async fn #stream_name(&self, #(#args),*) -> Result<#rt::ApiResponse<#rt::ByteStream>, #rt::Error<#err>> {
                let request = #rt::Request::new(#rt::Method::#method_ident, #operation_id, #template)
                    #(#chain)*
                    .stream_response();
                let response = self.core.execute(request).await?;
                #stream_match
            }
        }
    });
    quote! {
        #docs
        #deprecated
        #allow
        pub async fn #name(&self, #(#args),*) -> Result<#rt::ApiResponse<#ok_ty>, #rt::Error<#err>> {
            let request = #rt::Request::new(#rt::Method::#method_ident, #operation_id, #template)
                #(#chain)*;
            let response = self.core.execute(request).await?;
            #decoded
        }

        #stream
    }
}

fn field_ref(p: &Param) -> TokenStream {
    let name = ident(&p.name);
    quote!(&params.#name)
}

fn success_ty(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    if let Some(name) = &op.success_type {
        let name = ident(name);
        return quote!(#name);
    }
    match op.success.first().and_then(|r| r.ty.as_ref()) {
        Some(ty) => ctx.ty(ty),
        None => quote!(()),
    }
}

/// The `match` arms on the status: each success decoded as its media type
/// says (or, for the stream method, handed over as a stream), each error
/// into its variant.
fn response_arms(op: &Operation, stream: bool) -> Vec<TokenStream> {
    let mut arms = Vec::new();
    for r in &op.success {
        let status = if r.any_2xx {
            quote!(200..=299)
        } else {
            let status = proc_macro2::Literal::u16_unsuffixed(r.status);
            quote!(#status)
        };
        let decode = match (&r.ty, &op.success_type) {
            _ if stream => quote!(response.stream()),
            (Some(_), None) => match r.media {
                Media::Json => quote!(response.json()),
                Media::Text => quote!(response.text()),
                Media::Binary => quote!(response.bytes()),
            },
            (None, None) => quote!(response.empty()),
            (Some(_), Some(success_enum)) => {
                let success_enum = ident(success_enum);
                let v = ident(&r.variant);
                match r.media {
                    Media::Json => quote!(response.json_as(#success_enum::#v)),
                    Media::Text => quote!(response.text_as(#success_enum::#v)),
                    Media::Binary => quote!(response.bytes_as(#success_enum::#v)),
                }
            }
            (None, Some(success_enum)) => {
                let success_enum = ident(success_enum);
                let v = ident(&r.variant);
                quote!(response.empty_as(#success_enum::#v))
            }
        };
        arms.push(quote!(#status => #decode,));
    }
    let err = ident(&op.error_type);
    let mut ordered: Vec<_> = op
        .errors
        .iter()
        .filter(|e| matches!(e.status, StatusMatch::Code(_)))
        .collect();
    ordered.extend(
        op.errors
            .iter()
            .filter(|e| matches!(e.status, StatusMatch::Range(_))),
    );
    let mut has_default = false;
    for e in &op.errors {
        if e.status == StatusMatch::Default {
            has_default = true;
        }
    }
    for e in ordered {
        let pattern = match e.status {
            StatusMatch::Code(c) => {
                let c = proc_macro2::Literal::u16_unsuffixed(c);
                quote!(#c)
            }
            StatusMatch::Range(r) => {
                let lo = proc_macro2::Literal::u16_unsuffixed(r * 100);
                let hi = proc_macro2::Literal::u16_unsuffixed(r * 100 + 99);
                quote!(#lo..=#hi)
            }
            StatusMatch::Default => continue,
        };
        let value = error_value(e, &err);
        arms.push(quote!(#pattern => Err(#value),));
    }
    let fallback = op.errors.iter().find(|e| e.status == StatusMatch::Default);
    match (has_default, fallback) {
        (true, Some(e)) => {
            let value = error_value(e, &err);
            arms.push(quote!(_ => Err(#value),));
        }
        _ => arms.push(quote!(_ => Err(response.unexpected()),)),
    }
    arms
}

/// The method's last expression: the `match` on the status, or, when the
/// only arm takes every status, that arm's value.
fn status_match(arms: &[TokenStream], op: &Operation) -> TokenStream {
    if op.success.is_empty() && op.errors.iter().all(|e| e.status == StatusMatch::Default) {
        let err = ident(&op.error_type);
        return match op.errors.first() {
            Some(e) => {
                let value = error_value(e, &err);
                quote!(Err(#value))
            }
            None => quote!(Err(response.unexpected())),
        };
    }
    quote! {
        match response.status() {
            #(#arms)*
        }
    }
}

/// The error of a documented error response, its body read as its media
/// type says.
fn error_value(e: &ErrorResponse, err: &proc_macro2::Ident) -> TokenStream {
    let v = ident(&e.variant);
    match (&e.ty, e.media) {
        (None, _) => quote!(response.error_without_body(#err::#v)),
        (Some(_), Media::Json) => quote!(response.error(#err::#v)),
        (Some(_), Media::Text) => quote!(response.error_text(#err::#v)),
        (Some(_), Media::Binary) => quote!(response.error_bytes(#err::#v)),
    }
}

/// The params struct and success enum of one operation.
fn support_types(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let method = crate::names::bare(&op.method_name);
    let params = op.params_type.as_ref().map(|name| {
        let name = ident(name);
        let doc = doc_line(&format!(
            " Optional parameters of [`Client::{method}`]: `Default`, then a setter per parameter."
        ));
        let optional = optional_params(op);
        let fields = optional.iter().map(|p| {
            let field = ident(&p.name);
            let ty = ctx.ty(&p.ty);
            let docs = doc_attrs(&p.docs, &format!("The `{}` parameter.", p.wire));
            quote! { #docs pub #field: Option<#ty>, }
        });
        let setters = optional.iter().map(|p| {
            let field = ident(&p.name);
            let setter = ident(p.setter.as_deref().unwrap_or(&p.name));
            let (arg_ty, value) = super::types::into_arg(ctx, &p.ty, &format_ident!("value"));
            let doc = doc_line(&format!(" Sets `{}`.", p.wire));
            quote! {
                #[doc = #doc]
                #[must_use]
                pub fn #setter(mut self, value: #arg_ty) -> Self {
                    self.#field = Some(#value);
                    self
                }
            }
        });
        quote! {
            #[doc = #doc]
            #[derive(Clone, Debug, Default, PartialEq)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }

            impl #name {
                #(#setters)*
            }
        }
    });

    let success = op.success_type.as_ref().map(|name| {
        let name = ident(name);
        let doc = doc_line(&format!(
            " The successful responses of [`Client::{method}`]."
        ));
        let variants = op.success.iter().map(|r| {
            let v = ident(&r.variant);
            let status = if r.any_2xx {
                StatusMatch::Range(2)
            } else {
                StatusMatch::Code(r.status)
            };
            let docs = status_docs(&r.docs, &status);
            match &r.ty {
                Some(ty) => {
                    let ty = ctx.ty(ty);
                    quote! { #docs #v(#ty), }
                }
                None => quote! { #docs #v, },
            }
        });
        quote! {
            #[doc = #doc]
            #[derive(Clone, Debug, PartialEq)]
            #[allow(clippy::large_enum_variant, reason = "payloads are decoded bodies of any size")]
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
            }
        }
    });
    quote! {
        #params
        #success
    }
}

/// An error enum, shared by the operations that document the same errors.
fn error_enum(ctx: &Ctx<'_>, def: &ErrorEnum) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc_attrs(&def.docs, "");
    let variants = def.variants.iter().map(|e| {
        let v = ident(&e.variant);
        let docs = status_docs(&e.docs, &e.status);
        match &e.ty {
            Some(ty) => {
                let ty = ctx.ty(ty);
                quote! { #docs #v(#ty), }
            }
            None => quote! { #docs #v, },
        }
    });
    let allow = (def.variants.len() > 1)
        .then(|| quote!(#[allow(clippy::large_enum_variant, reason = "payloads are decoded bodies of any size")]));
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        #allow
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn status_docs(docs: &Docs, status: &StatusMatch) -> TokenStream {
    let mut docs = docs.clone();
    let label = match status {
        StatusMatch::Code(c) => format!("Status {c}."),
        StatusMatch::Range(r) => format!("Any {r}xx status not listed separately."),
        StatusMatch::Default => "Any other status.".to_owned(),
    };
    docs.notes.insert(0, label);
    doc_attrs(&docs, "")
}

/// `Client::builder` and its kin: from a token when a scheme takes one
/// (every bearer scheme gets it), else from nothing, each scheme's
/// credentials given on the builder.
fn constructors(api: &Api, rt: &TokenStream) -> TokenStream {
    if api.security.takes_token() {
        quote! {
            /// Starts configuring a client that authenticates with `token`.
            pub fn builder(token: impl Into<String>) -> #rt::ClientBuilder<Self> {
                #rt::ClientBuilder::new(token, Self::DEFAULT_BASE_URL)
            }

            /// A client with default settings that authenticates with `token`.
            pub fn new(token: impl Into<String>) -> Result<Self, #rt::BuildError> {
                Self::builder(token).build()
            }

            /// Starts configuring a client whose bearer token comes from `source`
            /// before every attempt: an OAuth provider that refreshes itself, or
            /// the app's own token source. `Client::builder(token)` is the same
            /// with a fixed token.
            pub fn builder_with_tokens(source: impl #rt::TokenSource) -> #rt::ClientBuilder<Self> {
                #rt::ClientBuilder::with_token_source(source, Self::DEFAULT_BASE_URL)
            }
        }
    } else {
        quote! {
            /// Starts configuring a client: give each security scheme's
            /// credentials on the builder (`basic_auth`, `api_key`), by the
            /// scheme's name (`Client`'s `SECURITY_SCHEMES` lists them).
            pub fn builder() -> #rt::ClientBuilder<Self> {
                #rt::ClientBuilder::without_credentials(Self::DEFAULT_BASE_URL)
            }
        }
    }
}

/// What the client tells the runtime about the API: its security schemes
/// and requirements, and its user agent.
fn api_client(api: &Api, rt: &TokenStream) -> TokenStream {
    let security = &api.security;
    let schemes = security.schemes.iter().map(|scheme| {
        let name = &scheme.name;
        match &scheme.kind {
            SchemeKind::Bearer => quote!(#rt::SecurityScheme::bearer(#name)),
            SchemeKind::Basic => quote!(#rt::SecurityScheme::basic(#name)),
            SchemeKind::ApiKey {
                location,
                name: key,
            } => match location {
                KeyLocation::Header => quote!(#rt::SecurityScheme::api_key_header(#name, #key)),
                KeyLocation::Query => quote!(#rt::SecurityScheme::api_key_query(#name, #key)),
                KeyLocation::Cookie => quote!(#rt::SecurityScheme::api_key_cookie(#name, #key)),
            },
        }
    });
    let scheme_docs = security.schemes.iter().map(|scheme| {
        let what = match &scheme.kind {
            SchemeKind::Bearer => "a bearer token".to_owned(),
            SchemeKind::Basic => "HTTP basic".to_owned(),
            SchemeKind::ApiKey { location, name } => {
                format!("an API key in the {} `{name}`", location.as_str())
            }
        };
        doc_line(&format!(" - `{}`: {what}.", scheme.name))
    });
    let default = security_tokens(&security.default);
    let mut own: Vec<&Vec<Requirement>> = Vec::new();
    for op in &api.operations {
        if let Some(requirements) = &op.security {
            if !own.contains(&requirements) {
                own.push(requirements);
            }
        }
    }
    let own = own.into_iter().map(|r| security_tokens(r));
    quote! {
        impl #rt::ApiClient for Client {
            /// The security schemes of the spec:
            ///
            #( #[doc = #scheme_docs] )*
            const SECURITY_SCHEMES: &'static [#rt::SecurityScheme] = &[#(#schemes),*];
            const SECURITY: #rt::Security = #default;
            const OPERATION_SECURITY: &'static [#rt::Security] = &[#(#own),*];
            const USER_AGENT: &'static str =
                concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));
        }
    }
}

/// A `security` list as the runtime's `Security`: `&[&["a", "b"], &[]]`.
fn security_tokens(requirements: &[Requirement]) -> TokenStream {
    let alternatives = requirements.iter().map(|schemes| quote!(&[#(#schemes),*]));
    quote!(&[#(#alternatives),*])
}
