//! Emits the `server` module: the `Api` trait (a method per operation), the
//! input structs and response enums, the tables the router checks requests
//! with, and the `Router` (a hyper `Service`) that calls the trait.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{doc_attrs, doc_line, ident, Ctx, Runtime};
use crate::ir::server::{
    AdditionalRule, Credential, CredentialKind, HeaderSet, NamedShape, RefusalRule, RefusalSet,
    Role, Rule, ServerOperation, ServerResponse, Shape, Source,
};
use crate::ir::{Api, Docs, Operation, Part, Segment, StatusMatch};

/// The whole `server` module (the spec has operations).
pub fn server_file(api: &Api, rt: &Runtime) -> TokenStream {
    let ctx = Ctx {
        rt,
        in_types: false,
    };
    let srv = support(rt);
    let title = api.title.trim();
    let module_doc = doc_line(&format!(
        " The server side of the {title}: [`Api`], a trait with one method per operation, and [`Router`], which checks every request against the spec before calling it."
    ));
    let ops: Vec<(&Operation, &ServerOperation)> =
        api.operations.iter().zip(&api.server.operations).collect();
    let methods = ops.iter().map(|(op, s)| trait_method(op, s, &srv));
    let inputs = ops.iter().map(|(op, s)| input_struct(&ctx, op, s));
    let responses = ops.iter().map(|(op, s)| response_enum(&ctx, api, op, s));
    let header_sets = api
        .server
        .header_sets
        .iter()
        .map(|h| header_struct(&ctx, h));
    let count = Literal::usize_unsuffixed(ops.len());
    let operations = ops.iter().map(|(op, s)| operation_entry(api, op, s, &srv));
    let refusals = api.server.refusals.iter().map(|r| refusal_static(r, &srv));
    let shapes = api.server.shapes.iter().map(|s| shape_static(s, &srv));
    let handlers = ops.iter().map(|(op, s)| handler(&ctx, op, s));
    let arms = ops.iter().enumerate().map(|(i, (op, _))| {
        let i = Literal::usize_unsuffixed(i);
        let handler = ident(&op.method_name);
        quote!(#i => #handler(api, request).await,)
    });
    let unrouted = api
        .server
        .refusals
        .first()
        .map(|r| ident(&r.static_name))
        .map(|name| quote!(&#name));
    let uses_types = uses_types(api);
    let use_types = uses_types.then(|| {
        quote!(
            use super::types;
        )
    });
    let rtp = rt.tokens();
    let api_doc = doc_line(&format!(
        " The {title}, implemented: one method per operation, each called by [`Router`] with the operation's checked input."
    ));
    quote! {
        #![doc = #module_doc]
        //!
        //! Each operation has an `…Input` struct (its parameters and body, typed as the
        //! client sends them) and a `…Response` enum (a variant per documented status).
        //! Destructure inputs without `..` where every parameter matters: a parameter the
        //! spec adds then stops the implementation compiling. [`OPERATIONS`] describes
        //! each operation (id, method, path, scopes, security) for middleware.
        #use_types
        use #rtp::server_support;

        #[doc = #api_doc]
        ///
        /// There are no default methods: an operation the spec adds is a method every
        /// implementation must write.
        pub trait Api: Send + Sync + 'static {
            #(#methods)*
        }

        #(#inputs)*
        #(#responses)*
        #(#header_sets)*

        /// Every operation of the spec, in document order: what middleware needs to
        /// know about the request it sees (find it with [`Router::route`]).
        pub static OPERATIONS: [#srv::Operation; #count] = [#(#operations),*];

        #(#refusals)*
        #(#shapes)*

        /// Routes requests to an [`Api`] implementation: finds the operation, checks
        /// credentials, parameters and body against the spec, and answers what it
        /// refuses as the API does; calls the implementation with the typed input
        /// otherwise. A hyper `Service`: serve it with `serve` or `spawn` of the
        /// runtime's server support, or call [`Router::handle`].
        pub struct Router<A> {
            api: ::std::sync::Arc<A>,
            limits: #srv::Limits,
        }

        impl<A> Clone for Router<A> {
            fn clone(&self) -> Self {
                Self {
                    api: ::std::sync::Arc::clone(&self.api),
                    limits: self.limits,
                }
            }
        }

        impl<A> ::std::fmt::Debug for Router<A> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("Router").field("limits", &self.limits).finish_non_exhaustive()
            }
        }

        impl<A: Api> Router<A> {
            /// A router calling `api`.
            pub fn new(api: A) -> Self {
                Self::from_arc(::std::sync::Arc::new(api))
            }

            /// A router calling an `api` shared with others (a test that inspects
            /// its state).
            pub fn from_arc(api: ::std::sync::Arc<A>) -> Self {
                Self {
                    api,
                    limits: #srv::Limits::default(),
                }
            }

            /// Sets what the router reads at most.
            #[must_use]
            pub fn limits(mut self, limits: #srv::Limits) -> Self {
                self.limits = limits;
                self
            }

            /// The implementation.
            pub fn api(&self) -> &::std::sync::Arc<A> {
                &self.api
            }

            /// The operation a request with this method and path is for.
            pub fn route(method: &#srv::http::Method, path: &str) -> #srv::Route {
                #srv::route(&OPERATIONS, method, path)
            }

            /// Answers `request`: a refusal, or the implementation's response.
            pub async fn handle<B: #srv::RequestBody>(&self, request: #srv::http::Request<B>) -> #srv::Response {
                let request = match #srv::accept(&OPERATIONS, #unrouted, request, self.limits).await {
                    Ok(request) => request,
                    Err(refusal) => return refusal,
                };
                let api = &*self.api;
                match request.index() {
                    #(#arms)*
                    // `accept` only finds operations of `OPERATIONS`.
                    _ => request.refuse(),
                }
            }
        }

        impl<A: Api> #srv::hyper::service::Service<#srv::http::Request<#srv::hyper::body::Incoming>> for Router<A> {
            type Response = #srv::Response;
            type Error = ::std::convert::Infallible;
            type Future = #srv::BoxFuture<Result<#srv::Response, ::std::convert::Infallible>>;

            fn call(&self, request: #srv::http::Request<#srv::hyper::body::Incoming>) -> Self::Future {
                let router = self.clone();
                Box::pin(async move { Ok(router.handle(request).await) })
            }
        }

        #(#handlers)*
    }
}

/// `server_support`, the runtime's generic server code, as the module
/// imports it.
fn support(_rt: &Runtime) -> TokenStream {
    quote!(server_support)
}

fn uses_types(api: &Api) -> bool {
    fn named(ty: &crate::ir::Ty) -> bool {
        use crate::ir::Ty;
        match ty {
            Ty::Named(_) => true,
            Ty::Vec(inner) | Ty::Map(inner) | Ty::Boxed(inner) => named(inner),
            _ => false,
        }
    }
    api.server.operations.iter().any(|s| {
        s.inputs.iter().any(|i| named(&i.ty))
            || s.responses.iter().filter_map(|r| r.ty.as_ref()).any(named)
    })
}

/// The operation's docs with `METHOD path` first.
fn operation_docs(op: &Operation) -> Docs {
    let mut docs = op.docs.clone();
    if docs.summary.is_none() && docs.description.is_none() {
        docs.summary = Some(format!("Answers `{}`.", op.operation_id));
    }
    // The client's `# Errors` section describes the client's errors.
    docs.notes.retain(|n| !n.starts_with("# Errors"));
    docs
}

fn trait_method(op: &Operation, s: &ServerOperation, srv: &TokenStream) -> TokenStream {
    let name = ident(&op.method_name);
    let input = ident(&s.input);
    let response = ident(&s.response);
    let docs = doc_attrs(&operation_docs(op), "");
    quote! {
        #docs
        fn #name(&self, input: #input, context: #srv::RequestContext) -> impl ::std::future::Future<Output = #response> + Send;
    }
}

fn input_struct(ctx: &Ctx<'_>, op: &Operation, s: &ServerOperation) -> TokenStream {
    let name = ident(&s.input);
    let method = crate::names::bare(&op.method_name);
    let doc = doc_line(&format!(
        " The checked input of [`Api::{method}`] (`{} {}`).",
        op.http_method, op.path
    ));
    let fields = s.inputs.iter().map(|f| {
        let field = ident(&f.name);
        let ty = ctx.ty(&f.ty);
        let ty = if f.required { ty } else { quote!(Option<#ty>) };
        let docs = doc_attrs(&f.docs, "");
        quote! { #docs pub #field: #ty, }
    });
    let deprecated = op.deprecated.as_ref().map(|note| {
        let note = doc_line(&format!(" Deprecated by the API: {note}."));
        quote!(#[doc = ""] #[doc = #note])
    });
    quote! {
        #[doc = #doc]
        #deprecated
        #[derive(Clone, Debug, PartialEq)]
        pub struct #name {
            #(#fields)*
        }
    }
}

fn status_label(status: &StatusMatch) -> String {
    match status {
        StatusMatch::Code(c) => format!("Status {c}."),
        StatusMatch::Range(r) => format!("Any {r}xx status not listed separately."),
        StatusMatch::Default => "Any other status.".to_owned(),
    }
}

fn response_enum(ctx: &Ctx<'_>, api: &Api, op: &Operation, s: &ServerOperation) -> TokenStream {
    let srv = support(ctx.rt);
    let name = ident(&s.response);
    let method = crate::names::bare(&op.method_name);
    let doc = doc_line(&format!(
        " The responses of [`Api::{method}`], one variant per documented status."
    ));
    let variants = s.responses.iter().map(|r| {
        let v = ident(&r.variant);
        let mut docs = r.docs.clone();
        docs.notes.insert(0, status_label(&r.status));
        let docs = doc_attrs(&docs, "");
        let fields = variant_fields(ctx, api, r);
        quote! { #docs #v #fields, }
    });
    let arms = s.responses.iter().map(|r| response_arm(r, &srv));
    let allow = (s.responses.len() > 1).then(
        || quote!(#[allow(clippy::large_enum_variant, reason = "payloads are bodies of any size")]),
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        #allow
        pub enum #name {
            #(#variants)*
        }

        impl #srv::IntoResponse for #name {
            fn into_response(self) -> #srv::Response {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// What a variant holds: `(body)` for a body alone; `{ status, body,
/// headers }` (those it has) otherwise; nothing for a bare status.
fn variant_fields(ctx: &Ctx<'_>, api: &Api, r: &ServerResponse) -> TokenStream {
    let status = !matches!(r.status, StatusMatch::Code(_));
    let headers = r.headers.and_then(|i| api.server.header_sets.get(i));
    let body = r.ty.as_ref().map(|ty| ctx.ty(ty));
    match (status, &body, headers) {
        (false, None, None) => quote!(),
        (false, Some(body), None) => quote!((#body)),
        _ => {
            let status = status.then(|| {
                quote! {
                    /// The status to answer with.
                    status: u16,
                }
            });
            let body = body.map(|b| {
                quote! {
                    /// The body.
                    body: #b,
                }
            });
            let headers = headers.map(|h| {
                let h = ident(&h.name);
                quote! {
                    /// The documented headers.
                    headers: #h,
                }
            });
            quote!({ #status #body #headers })
        }
    }
}

fn response_arm(r: &ServerResponse, srv: &TokenStream) -> TokenStream {
    let v = ident(&r.variant);
    let has_status = !matches!(r.status, StatusMatch::Code(_));
    let code = match r.status {
        StatusMatch::Code(c) => {
            let c = Literal::u16_unsuffixed(c);
            quote!(#c)
        }
        _ => quote!(status),
    };
    let response = match (&r.ty, &r.raw_content_type) {
        (Some(_), Some(content_type)) => quote!(#srv::bytes_response(#code, body, #content_type)),
        (Some(_), None) => quote!(#srv::json_response(#code, &body)),
        (None, _) => quote!(#srv::empty_response(#code)),
    };
    match (has_status, r.ty.is_some(), r.headers.is_some()) {
        (false, false, false) => quote!(Self::#v => #response,),
        (false, true, false) => quote!(Self::#v(body) => #response,),
        _ => {
            let status = has_status.then(|| quote!(status,));
            let body = r.ty.as_ref().map(|_| quote!(body,));
            let write = r.headers.map(|_| {
                quote! {
                    let mut response = #response;
                    headers.write(response.headers_mut());
                    response
                }
            });
            match write {
                Some(write) => quote!(Self::#v { #status #body headers } => { #write }),
                None => quote!(Self::#v { #status #body } => #response,),
            }
        }
    }
}

fn header_struct(ctx: &Ctx<'_>, set: &HeaderSet) -> TokenStream {
    let srv = support(ctx.rt);
    let name = ident(&set.name);
    let fields = set.headers.iter().map(|h| {
        let field = ident(&h.name);
        let ty = ctx.ty(&h.ty);
        let ty = if h.required { ty } else { quote!(Option<#ty>) };
        let docs = doc_attrs(&h.docs, "");
        quote! { #docs pub #field: #ty, }
    });
    let writes = set.headers.iter().map(|h| {
        let field = ident(&h.name);
        let wire = &h.wire;
        quote!(#srv::put_header(headers, #wire, &self.#field);)
    });
    let default = set
        .headers
        .iter()
        .all(|h| !h.required)
        .then(|| quote!(Default,));
    quote! {
        /// Documented response headers; those left `None` are not sent.
        #[derive(Clone, Debug, #default PartialEq)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// Adds the headers to `headers`.
            pub fn write(&self, headers: &mut #srv::http::HeaderMap) {
                #(#writes)*
            }
        }
    }
}

fn strs(items: &[String]) -> TokenStream {
    quote!(&[#(#items),*])
}

fn operation_entry(
    api: &Api,
    op: &Operation,
    s: &ServerOperation,
    srv: &TokenStream,
) -> TokenStream {
    let id = &op.operation_id;
    let method = &op.http_method;
    let path = &op.path;
    let wire = |i: &usize| {
        op.path_params
            .get(*i)
            .map(|p| p.wire.clone())
            .unwrap_or_default()
    };
    let segments = op.segments.iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(#srv::Segment::Literal(#text)),
        Segment::Param(i) => {
            let w = wire(i);
            quote!(#srv::Segment::Param(#w))
        }
        Segment::Mixed(parts) => {
            let parts = parts.iter().map(|p| match p {
                Part::Text(text) => quote!(#srv::Part::Text(#text)),
                Part::Param(i) => {
                    let w = wire(i);
                    quote!(#srv::Part::Param(#w))
                }
            });
            quote!(#srv::Segment::Mixed(&[#(#parts),*]))
        }
    });
    let scopes = strs(&s.scopes);
    let security = s.security.iter().map(|requirement| {
        let credentials = requirement.iter().map(|c| credential(c, srv));
        quote!(&[#(#credentials),*])
    });
    let idempotent = op.idempotent;
    let deprecated = op.deprecated.is_some();
    let refusals = api
        .server
        .refusals
        .get(s.refusals)
        .map(|r| ident(&r.static_name));
    quote! {
        #srv::Operation {
            id: #id,
            method: #method,
            path: #path,
            segments: &[#(#segments),*],
            scopes: #scopes,
            security: &[#(#security),*],
            idempotent: #idempotent,
            deprecated: #deprecated,
            refusals: &#refusals,
        }
    }
}

fn credential(c: &Credential, srv: &TokenStream) -> TokenStream {
    let scheme = &c.scheme;
    let kind = match &c.kind {
        CredentialKind::Authorization(s) => quote!(#srv::CredentialKind::Authorization(#s)),
        CredentialKind::Header(s) => quote!(#srv::CredentialKind::Header(#s)),
        CredentialKind::Query(s) => quote!(#srv::CredentialKind::Query(#s)),
        CredentialKind::Cookie(s) => quote!(#srv::CredentialKind::Cookie(#s)),
        CredentialKind::Unchecked => quote!(#srv::CredentialKind::Unchecked),
    };
    let scopes = strs(&c.scopes);
    quote!(#srv::Credential { scheme: #scheme, kind: #kind, scopes: #scopes })
}

fn refusal_static(set: &RefusalSet, srv: &TokenStream) -> TokenStream {
    let name = ident(&set.static_name);
    let rule = |r: &RefusalRule| {
        let status = Literal::u16_unsuffixed(r.status);
        let body = r.body.iter().map(|(wire, role)| {
            let role = match role {
                Role::Status => quote!(Status),
                Role::Message => quote!(Message),
                Role::Messages => quote!(Messages),
                Role::Reason => quote!(Reason),
            };
            quote!((#wire, #srv::Role::#role))
        });
        let message = match &r.message {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        quote!(#srv::RefusalRule { status: #status, body: &[#(#body),*], message: #message })
    };
    let (malformed, unauthorized, not_found, method_not_allowed, too_large, invalid) = (
        rule(&set.malformed),
        rule(&set.unauthorized),
        rule(&set.not_found),
        rule(&set.method_not_allowed),
        rule(&set.too_large),
        rule(&set.invalid),
    );
    quote! {
        /// How refusals are answered, as the spec documents its error bodies.
        static #name: #srv::Refusals = #srv::Refusals {
            malformed: #malformed,
            unauthorized: #unauthorized,
            not_found: #not_found,
            method_not_allowed: #method_not_allowed,
            too_large: #too_large,
            invalid: #invalid,
        };
    }
}

/// A rule as a `Check` expression (usable in a `static` initializer).
fn check(rule: &Rule, srv: &TokenStream) -> TokenStream {
    match rule {
        Rule::Any => quote!(#srv::Check::Any),
        Rule::String => quote!(#srv::Check::String),
        Rule::Bool => quote!(#srv::Check::Bool),
        Rule::I32 => quote!(#srv::Check::I32),
        Rule::I64 => quote!(#srv::Check::I64),
        Rule::Number => quote!(#srv::Check::Number),
        Rule::DateTime => quote!(#srv::Check::DateTime),
        Rule::Date => quote!(#srv::Check::Date),
        Rule::Array(inner) => {
            let inner = check(inner, srv);
            quote!(#srv::Check::Array(&#inner))
        }
        Rule::Map(inner) => {
            let inner = check(inner, srv);
            quote!(#srv::Check::Map(&#inner))
        }
        Rule::Named(name) => {
            let name = ident(name);
            quote!(#srv::Check::Shape(&#name))
        }
    }
}

/// A rule as a `&'static Check` argument: nested rules in a `const` block,
/// so their inner references live long enough.
fn check_ref(rule: &Rule, srv: &TokenStream) -> TokenStream {
    let check = check(rule, srv);
    match rule {
        Rule::Array(_) | Rule::Map(_) => quote!(const { &#check }),
        _ => quote!(&#check),
    }
}

fn shape_static(named: &NamedShape, srv: &TokenStream) -> TokenStream {
    let name = ident(&named.static_name);
    let doc = doc_line(&format!(
        " How a `types::{}` in a request is checked.",
        named.type_name
    ));
    let shape = match &named.shape {
        Shape::Object { fields, additional } => {
            let fields = fields.iter().map(|f| {
                let wire = &f.wire;
                let rule = check(&f.rule, srv);
                let constructor = if f.required {
                    quote!(required)
                } else {
                    quote!(optional)
                };
                let nullable = f.nullable.then(|| quote!(.nullable()));
                let aliases = (!f.aliases.is_empty()).then(|| {
                    let aliases = strs(&f.aliases);
                    quote!(.aliases(#aliases))
                });
                quote!(#srv::Field::#constructor(#wire, #rule) #nullable #aliases)
            });
            let additional = match additional {
                AdditionalRule::Allowed => quote!(),
                AdditionalRule::Forbidden => quote!(.closed()),
                AdditionalRule::Checked(rule) => {
                    let rule = check(rule, srv);
                    quote!(.additional(#rule))
                }
            };
            quote!(#srv::Shape::Object(#srv::Object::new(&[#(#fields),*]) #additional))
        }
        Shape::Enum(values) => {
            let values = strs(values);
            quote!(#srv::Shape::Enum(#values))
        }
        Shape::OneOf(rules) => {
            let rules = rules.iter().map(|r| check(r, srv));
            quote!(#srv::Shape::OneOf(&[#(#rules),*]))
        }
        Shape::Tagged { tag, variants } => {
            let variants = variants.iter().map(|(value, rule)| {
                let rule = check(rule, srv);
                quote!((#value, #rule))
            });
            quote!(#srv::Shape::Tagged(#srv::Tagged { tag: #tag, variants: &[#(#variants),*] }))
        }
    };
    quote! {
        #[doc = #doc]
        static #name: #srv::Shape = #shape;
    }
}

/// The function that reads one operation's input and calls the trait.
fn handler(ctx: &Ctx<'_>, op: &Operation, s: &ServerOperation) -> TokenStream {
    let srv = support(ctx.rt);
    let name = ident(&op.method_name);
    let input = ident(&s.input);
    let doc = doc_line(&format!(
        " `{} {}`: reads and checks the input, then calls [`Api::{}`].",
        op.http_method,
        op.path,
        crate::names::bare(&op.method_name)
    ));
    let mut reads = Vec::new();
    let mut patterns = Vec::new();
    let mut values = Vec::new();
    let mut fields = Vec::new();
    for (name, value) in &op.fixed_headers {
        reads.push(quote!(request.fixed_header(#name, #value);));
    }
    if s.empty_body {
        reads.push(quote!(request.empty_json_object();));
    }
    let files = s.inputs.iter().find(|f| f.source == Source::Files);
    for f in &s.inputs {
        let field = ident(&f.name);
        fields.push(quote!(#field));
        let ty = ctx.ty(&f.ty);
        let rule = check_ref(&f.rule, &srv);
        let read = match (&f.source, f.required) {
            (Source::Path(wire), _) => quote!(request.path_param::<#ty>(#wire, #rule)),
            (Source::Query(wire), true) => quote!(request.query::<#ty>(#wire, #rule)),
            (Source::Query(wire), false) => quote!(request.optional_query::<#ty>(#wire, #rule)),
            (Source::Header(wire), true) => quote!(request.header::<#ty>(#wire, #rule)),
            (Source::Header(wire), false) => quote!(request.optional_header::<#ty>(#wire, #rule)),
            (Source::JsonBody, true) => quote!(request.json_body::<#ty>(#rule)),
            (Source::JsonBody, false) => quote!(request.optional_json_body::<#ty>(#rule)),
            (Source::FormBody, _) => quote!(request.form_body::<#ty>(#rule)),
            (Source::MultipartBody, _) => quote!(request.multipart_body::<#ty>(#rule)),
            (Source::TextBody, _) => quote!(request.text_body()),
            (Source::BinaryBody, _) => quote!(request.bytes_body()),
            // Read with the multipart body.
            (Source::Files, _) => continue,
        };
        if f.source == Source::MultipartBody {
            let files = files.map(|f| ident(&f.name));
            reads.push(quote!(let multipart = #read;));
            patterns.push(quote!(Some((#field, #files))));
            values.push(quote!(multipart));
        } else {
            reads.push(quote!(let #field = #read;));
            patterns.push(quote!(Some(#field)));
            values.push(quote!(#field));
        }
    }
    let check = if patterns.is_empty() {
        quote! {
            if !request.is_valid() {
                return request.refuse();
            }
        }
    } else {
        quote! {
            let (#(#patterns,)* true) = (#(#values,)* request.is_valid()) else {
                return request.refuse();
            };
        }
    };
    let call = ident(&op.method_name);
    let mutable = (!reads.is_empty()).then(|| quote!(mut));
    quote! {
        #[doc = #doc]
        async fn #name<A: Api>(api: &A, #mutable request: #srv::ServerRequest) -> #srv::Response {
            #(#reads)*
            #check
            let input = #input { #(#fields),* };
            #srv::IntoResponse::into_response(api.#call(input, request.into_context()).await)
        }
    }
}
