//! Operations to methods: names, parameters, bodies and responses.

use openapiv3::{
    Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Response, Schema, SchemaKind,
    StatusCode, Type,
};
use serde_json::Value;

use super::media::{self, Kind};
use super::schema::{schema_docs, Naming};
use super::Lowerer;
use crate::diagnostics::{join, Diagnostic};
use crate::ir::{
    Body, BodyEncoding, Docs, ErrorResponse, Media, Operation, Param, Response as IrResponse,
    StatusMatch, Ty,
};
use crate::names::{self, Scope};

/// Methods that are safe to repeat by HTTP's definition (RFC 9110 9.2.2).
const IDEMPOTENT_METHODS: &[&str] = &["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"];

/// Header parameters the client handles itself.
const MANAGED_HEADERS: &[&str] = &["authorization", "content-type", "accept"];

impl Lowerer<'_> {
    /// Lowers every operation, in document order.
    pub(super) fn operations(&mut self) -> Vec<Operation> {
        let mut method_names = Scope::with_reserved(names::CLIENT_METHODS);
        let mut ops = Vec::new();
        let doc = self.doc;
        for (path, item) in doc.paths.paths.iter() {
            let path_pointer = join("/paths", path);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { reference } => {
                    self.diagnostics.push(Diagnostic::error(
                        join(&path_pointer, "$ref"),
                        format!("path item references (`{reference}`) are not supported"),
                    ));
                    continue;
                }
            };
            for (method, op) in item.iter() {
                let pointer = join(&path_pointer, method);
                if let Some(lowered) = self.operation(
                    path,
                    method,
                    op,
                    &item.parameters,
                    &pointer,
                    &mut method_names,
                ) {
                    ops.push(lowered);
                }
            }
        }
        ops
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        shared_params: &[ReferenceOr<Parameter>],
        pointer: &str,
        method_names: &mut Scope,
    ) -> Option<Operation> {
        let http_method = method.to_ascii_uppercase();
        let operation_id = match &op.operation_id {
            Some(id) if !id.trim().is_empty() => id.clone(),
            _ => {
                let synthesized = format!("{method} {path}");
                self.diagnostics.push(
                    Diagnostic::warning(pointer, format!("operation has no operationId; its method is named from `{synthesized}`"))
                        .with_hint("add an `operationId` to choose the method name"),
                );
                synthesized
            }
        };
        let (method_name, renamed) = method_names.claim(&names::snake(&operation_id));
        if renamed {
            self.diagnostics.push(Diagnostic::warning(
                join(pointer, "operationId"),
                format!("operationId `{operation_id}` maps to a method name already used; it is named `{method_name}`"),
            ));
        }
        let type_prefix = names::camel(names::bare(&method_name));

        // Operation parameters override path-level ones with the same name and location.
        let mut params: Vec<(Parameter, String)> = Vec::new();
        let path_item_pointer = pointer
            .rsplit_once('/')
            .map(|(p, _)| p.to_owned())
            .unwrap_or_default();
        for (list, base) in [
            (shared_params, join(&path_item_pointer, "parameters")),
            (&op.parameters[..], join(pointer, "parameters")),
        ] {
            for (i, param) in list.iter().enumerate() {
                let p_pointer = join(&base, &i.to_string());
                let Some(param) = self.resolve(param, &p_pointer, "parameter") else {
                    continue;
                };
                params.retain(|(existing, _)| {
                    let (a, b) = (existing.parameter_data_ref(), param.parameter_data_ref());
                    !(a.name == b.name
                        && std::mem::discriminant(existing) == std::mem::discriminant(&param))
                });
                params.push((param, p_pointer));
            }
        }

        let mut arg_names =
            Scope::with_reserved(&["self", "body", "params", "request", "response"]);
        let mut path_params: Vec<Param> = Vec::new();
        let mut query_params = Vec::new();
        let mut header_params = Vec::new();
        let mut fixed_headers = Vec::new();
        for (param, p_pointer) in &params {
            let data = param.parameter_data_ref();
            match param {
                Parameter::Path { .. } => {
                    if !path.contains(&format!("{{{}}}", data.name)) {
                        self.diagnostics.push(Diagnostic::warning(
                            p_pointer.clone(),
                            format!("path parameter `{}` does not appear in the path `{path}`; it is ignored", data.name),
                        ));
                        continue;
                    }
                    path_params.push(self.param(
                        data,
                        &type_prefix,
                        p_pointer,
                        &mut arg_names,
                        true,
                    ));
                }
                Parameter::Query { .. } => query_params.push(self.param(
                    data,
                    &type_prefix,
                    p_pointer,
                    &mut arg_names,
                    data.required,
                )),
                Parameter::Header { .. } => {
                    if MANAGED_HEADERS.contains(&data.name.to_ascii_lowercase().as_str()) {
                        continue;
                    }
                    if let Some(value) = fixed_value(&data.format, self) {
                        if is_static_header(&data.name, &value) {
                            fixed_headers.push((data.name.clone(), value));
                            continue;
                        }
                        self.diagnostics.push(Diagnostic::warning(
                            p_pointer.clone(),
                            format!(
                                "header `{}` has one allowed value, but the name or the value has characters a header cannot carry; it stays a parameter the caller sets",
                                data.name
                            ),
                        ));
                    }
                    header_params.push(self.param(
                        data,
                        &type_prefix,
                        p_pointer,
                        &mut arg_names,
                        data.required,
                    ));
                }
                Parameter::Cookie { .. } => self.diagnostics.push(Diagnostic::warning(
                    p_pointer.clone(),
                    format!(
                        "cookie parameter `{}` is not supported; it is never sent",
                        data.name
                    ),
                )),
            }
        }

        let segments = self.segments(path, pointer, &mut path_params, &mut arg_names)?;

        let body = match &op.request_body {
            Some(body) => self.body(
                body,
                &type_prefix,
                &join(pointer, "requestBody"),
                &mut arg_names,
            )?,
            None => None,
        };

        let (success, errors) = self.responses(op, &type_prefix, pointer);
        // Downloads: success bodies that are all bytes can also be handed
        // over unread, as a stream.
        let bodies: Vec<Media> = success
            .iter()
            .filter(|r| r.ty.is_some())
            .map(|r| r.media)
            .collect();
        let stream_method = (!bodies.is_empty() && bodies.iter().all(|m| *m == Media::Binary))
            .then(|| {
                method_names
                    .claim(&format!("{}_stream", names::bare(&method_name)))
                    .0
            });

        let idempotent = match op.extensions.get("x-idempotent") {
            Some(Value::Bool(flag)) => *flag,
            _ => IDEMPOTENT_METHODS.contains(&http_method.as_str()),
        };

        // An explicit empty list overrides the document's requirements: the
        // operation takes no credentials. Absent means "the document's".
        let anonymous = op.security.as_ref().is_some_and(|list| {
            list.is_empty() || list.iter().all(|requirement| requirement.is_empty())
        });

        let mut notes = vec![format!("`{http_method} {path}`")];
        if let Some(note) = body.as_ref().and_then(body_note) {
            notes.push(note);
        }
        let scopes = scopes(op);
        let described = op.description.as_deref().unwrap_or_default();
        if !scopes.is_empty() && !scopes.iter().all(|s| described.contains(s.as_str())) {
            notes.push(format!(
                "Scopes: {}.",
                scopes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // Decided against the document's requirement: an operation that
        // names the same sends what the client sends by default.
        let security = if anonymous {
            None
        } else {
            super::security::operation_security(
                &self.security,
                op.security.as_ref(),
                pointer,
                &mut self.diagnostics,
            )
        };
        if anonymous {
            notes.push("Sent without credentials (`security: []`).".into());
        } else if let Some(requirements) = &security {
            notes.push(credentials_note(requirements));
        }
        let deprecated = op.deprecated.then(|| match deprecation_note(op) {
            Some(note) => {
                notes.push(format!("Deprecated by the API: {note}."));
                note
            }
            None => {
                notes.push("Deprecated by the API.".into());
                "deprecated by the API".to_owned()
            }
        });
        // Optional query and header parameters go in a `Params` struct;
        // required ones are arguments, so leaving one out does not compile.
        let params_type = query_params
            .iter()
            .chain(&header_params)
            .any(|p: &Param| !p.required)
            .then(|| self.type_names.claim(&format!("{type_prefix}Params")).0);
        // The `Params` struct's setters, which must not take the names of
        // its own methods (`default`, ...).
        let mut methods = Scope::with_reserved(names::STRUCT_METHODS);
        let optional: Vec<&str> = query_params
            .iter()
            .chain(&header_params)
            .filter(|p| !p.required)
            .map(|p| p.name.as_str())
            .collect();
        let mut setters = names::claim_setters(&mut methods, &optional).into_iter();
        for param in query_params.iter_mut().chain(&mut header_params) {
            if !param.required {
                param.setter = setters.next();
            }
        }
        let mut success_types: Vec<&Option<Ty>> = Vec::new();
        for r in &success {
            if !success_types.contains(&&r.ty) {
                success_types.push(&r.ty);
            }
        }
        let success_type = (success_types.len() > 1)
            .then(|| self.type_names.claim(&format!("{type_prefix}Success")).0);
        Some(Operation {
            operation_id,
            method_name,
            params_type,
            success_type,
            // Decided once every operation is known (`lower::decide`).
            error_type: String::new(),
            many_args: false,
            type_prefix,
            http_method,
            path: path.to_owned(),
            segments,
            docs: Docs {
                summary: op.summary.clone(),
                description: op.description.clone(),
                example: None,
                notes,
            },
            path_params,
            query_params,
            header_params,
            fixed_headers,
            body,
            success,
            stream_method,
            errors,
            idempotent,
            deprecated,
            anonymous,
            security,
        })
    }

    /// The object a component reference points at, or the item itself.
    /// A dangling reference is an error at `pointer`.
    fn resolve<T: Clone + serde::de::DeserializeOwned>(
        &mut self,
        item: &ReferenceOr<T>,
        pointer: &str,
        what: &str,
    ) -> Option<T> {
        match item {
            ReferenceOr::Item(value) => Some(value.clone()),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix('#')
                    .and_then(|p| self.raw.pointer(p))
                    .and_then(|v| serde_json::from_value::<T>(v.clone()).ok());
                if found.is_none() {
                    self.diagnostics.push(Diagnostic::error(
                        join(pointer, "$ref"),
                        format!("{what} `{reference}` points at nothing"),
                    ));
                }
                found
            }
        }
    }

    fn param(
        &mut self,
        data: &openapiv3::ParameterData,
        prefix: &str,
        pointer: &str,
        names_in_scope: &mut Scope,
        required: bool,
    ) -> Param {
        let hint = format!("{prefix}{}", names::camel(&data.name));
        let (ty, mut docs) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let docs = match schema {
                    ReferenceOr::Item(s) => schema_docs(s),
                    ReferenceOr::Reference { .. } => Docs::default(),
                };
                (
                    self.schema_ty(schema, Naming::Hint(hint), &join(pointer, "schema")),
                    docs,
                )
            }
            ParameterSchemaOrContent::Content(_) => (Ty::Json, Docs::default()),
        };
        if data.description.is_some() {
            docs.description.clone_from(&data.description);
        }
        if let Some(example) = &data.example {
            docs.example = Some(example.clone());
        }
        let (name, _) = names_in_scope
            .claim_spelled(&names::snake(&data.name), names::snake_spelled(&data.name));
        Param {
            name,
            // Decided once the operation's parameters are known.
            setter: None,
            wire: data.name.clone(),
            ty,
            required,
            docs,
        }
    }

    /// Whether `schema` admits only the empty object: `type: object`, no
    /// properties, `additionalProperties: false`.
    fn only_empty_object(&self, schema: &ReferenceOr<openapiv3::Schema>) -> bool {
        let resolved = match schema {
            ReferenceOr::Item(s) => Some(s.clone()),
            ReferenceOr::Reference { reference } => self.resolve_schema(reference),
        };
        matches!(
            resolved.map(|s| s.schema_kind),
            Some(openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)))
                if object.properties.is_empty()
                    && matches!(object.additional_properties, Some(openapiv3::AdditionalProperties::Any(false)))
        )
    }

    /// The request body: `Ok(None)` when the spec lists no media type for
    /// it (the method then sends none); `None` when it cannot be lowered.
    fn body(
        &mut self,
        body: &ReferenceOr<RequestBody>,
        prefix: &str,
        pointer: &str,
        arg_names: &mut Scope,
    ) -> Option<Option<Body>> {
        let body = self.resolve(body, pointer, "request body")?;
        let Some((content_type, media, kind)) = self.choose_media(&body.content) else {
            self.diagnostics.push(Diagnostic::warning(
                join(pointer, "content"),
                "the request body lists no media type; the method sends no body",
            ));
            return Some(None);
        };
        let media_pointer = join(&join(pointer, "content"), content_type);
        let mut encoding = match kind {
            Kind::Json => BodyEncoding::Json,
            Kind::Form => BodyEncoding::Form,
            Kind::Multipart => BodyEncoding::Multipart,
            Kind::Text => BodyEncoding::Text,
            Kind::Binary => BodyEncoding::Binary,
        };
        let ty = match (kind, &media.schema) {
            (Kind::Text, _) => Ty::String,
            (Kind::Binary, _) => binary_ty(),
            (_, Some(schema)) => self.schema_ty(
                schema,
                Naming::Hint(format!("{prefix}Request")),
                &join(&media_pointer, "schema"),
            ),
            (_, None) => Ty::Json,
        };
        // A required JSON body that can only be `{}` is no argument: the
        // client sends it (a server validating requests refuses none).
        if let Some(schema) = &media.schema {
            if encoding == BodyEncoding::Json && body.required && self.only_empty_object(schema) {
                encoding = BodyEncoding::EmptyJsonObject;
            }
        }
        // Only JSON bodies may be left out: a form is sent even when empty
        // (the caller passes files separately for multipart), and text and
        // bytes are given, empty or not.
        let required = body.required || encoding != BodyEncoding::Json;
        // A range (`image/*`) is no type to send: the caller names one.
        let content_type_arg = (matches!(kind, Kind::Text | Kind::Binary)
            && media::is_range(content_type))
        .then(|| arg_names.claim("content_type").0);
        Some(Some(Body {
            ty,
            required,
            encoding,
            media_type: content_type.clone(),
            content_type_arg,
        }))
    }

    fn responses(
        &mut self,
        op: &openapiv3::Operation,
        prefix: &str,
        pointer: &str,
    ) -> (Vec<IrResponse>, Vec<ErrorResponse>) {
        let mut success = Vec::new();
        let mut errors = Vec::new();
        let mut error_names = Scope::default();
        let mut entries: Vec<(StatusMatch, &ReferenceOr<Response>, String)> = op
            .responses
            .responses
            .iter()
            .map(|(code, r)| {
                let status = match code {
                    StatusCode::Code(c) => StatusMatch::Code(*c),
                    StatusCode::Range(r) => StatusMatch::Range(*r),
                };
                (
                    status,
                    r,
                    join(&join(pointer, "responses"), &code.to_string()),
                )
            })
            .collect();
        if let Some(default) = &op.responses.default {
            entries.push((
                StatusMatch::Default,
                default,
                join(&join(pointer, "responses"), "default"),
            ));
        }
        let success_count = entries.iter().filter(|(s, _, _)| is_success(s)).count();
        for (status, response, r_pointer) in entries {
            let Some(response) = self.resolve(response, &r_pointer, "response") else {
                continue;
            };
            let variant = status_name(&status);
            let docs = Docs {
                summary: Some(response.description.clone()).filter(|d| !d.is_empty()),
                ..Docs::default()
            };
            let hint = if is_success(&status) && success_count == 1 {
                format!("{prefix}Response")
            } else {
                format!("{prefix}{variant}")
            };
            let (ty, media, media_type) = match self.choose_media(&response.content) {
                Some((ct, media, Kind::Json)) => {
                    let ty = media.schema.as_ref().map(|schema| {
                        let schema_pointer =
                            join(&join(&join(&r_pointer, "content"), ct), "schema");
                        self.schema_ty(schema, Naming::Hint(hint), &schema_pointer)
                    });
                    (ty, Media::Json, ct.clone())
                }
                // A form is text; a multipart body is bytes to the client.
                Some((ct, _, Kind::Text | Kind::Form)) => {
                    (Media::Text.ty(), Media::Text, ct.clone())
                }
                Some((ct, _, Kind::Binary | Kind::Multipart)) => {
                    (Media::Binary.ty(), Media::Binary, ct.clone())
                }
                None => (None, Media::Json, String::new()),
            };
            match status {
                StatusMatch::Code(code) if (200..300).contains(&code) => {
                    success.push(IrResponse {
                        status: code,
                        any_2xx: false,
                        ty,
                        media,
                        media_type,
                        variant,
                        docs,
                    });
                }
                StatusMatch::Range(2) => {
                    success.push(IrResponse {
                        status: 200,
                        any_2xx: true,
                        ty,
                        media,
                        media_type,
                        variant,
                        docs,
                    });
                }
                // A bodiless 429 is left to the runtime, which reports it as
                // `Error::RateLimited` with the wait the server asked for.
                StatusMatch::Code(429) if ty.is_none() => {}
                other => {
                    let (variant, _) = error_names.claim(&variant);
                    errors.push(ErrorResponse {
                        status: other,
                        variant,
                        ty,
                        media,
                        media_type,
                        docs,
                    });
                }
            }
        }
        // OpenAPI 3.1 lets an operation document no response: any 2xx is
        // then success, without a body the client could decode.
        if op.responses.responses.is_empty() && op.responses.default.is_none() {
            self.diagnostics.push(
                Diagnostic::warning(
                    pointer,
                    "the operation documents no responses; any 2xx status is taken as success, without a body",
                )
                .with_hint("add `responses` with the statuses and bodies the operation returns"),
            );
            success.push(IrResponse {
                status: 200,
                any_2xx: true,
                ty: None,
                media: Media::Json,
                media_type: String::new(),
                variant: "Success".into(),
                docs: Docs {
                    summary: Some("Any 2xx status (the spec documents no responses).".into()),
                    ..Docs::default()
                },
            });
        }
        // `default` covers every status not listed, success too: with no
        // 2xx listed, a 2xx answer is the default response as success
        // (any other status stays the `Other` error).
        if success.is_empty() {
            if let Some(default) = errors.iter().find(|e| e.status == StatusMatch::Default) {
                success.push(IrResponse {
                    status: 200,
                    any_2xx: true,
                    ty: default.ty.clone(),
                    media: default.media,
                    media_type: default.media_type.clone(),
                    variant: "Success".into(),
                    docs: default.docs.clone(),
                });
            }
        }
        // A range after the statuses it covers, which match first.
        success.sort_by_key(|r| r.any_2xx);
        (success, errors)
    }
}

fn is_success(status: &StatusMatch) -> bool {
    matches!(status, StatusMatch::Code(c) if (200..300).contains(c))
        || *status == StatusMatch::Range(2)
}

/// The docs' line on a text or binary body: its media type, and for bytes
/// how a stream differs.
fn body_note(body: &Body) -> Option<String> {
    let media = match &body.content_type_arg {
        Some(arg) => format!("`{arg}` (a type in `{}`)", body.media_type),
        None => format!("`{}`", body.media_type),
    };
    match body.encoding {
        BodyEncoding::Text => Some(format!("The body is text, sent as {media}.")),
        BodyEncoding::Binary => Some(format!(
            "The body is sent as it is, as {media}: bytes (`Vec<u8>`, `Bytes`, `&'static str`) are sent again when the call is retried; a stream (`UploadBody::stream`) is read while it is sent, never whole, and the call is then never retried."
        )),
        _ => None,
    }
}

/// The type of a binary body: the runtime's `Bytes`.
fn binary_ty() -> Ty {
    Media::Binary.ty().unwrap_or(Ty::Json)
}

/// A header whose schema allows exactly one value is sent automatically.
fn fixed_value(format: &ParameterSchemaOrContent, lowerer: &Lowerer<'_>) -> Option<String> {
    let ParameterSchemaOrContent::Schema(schema) = format else {
        return None;
    };
    let schema: Schema = match schema {
        ReferenceOr::Item(s) => s.clone(),
        ReferenceOr::Reference { reference } => lowerer.resolve_schema(reference)?,
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => match s.enumeration.as_slice() {
            [Some(only)] => Some(only.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a fixed header can be built at compile time (the generated code
/// writes `const { FixedHeader::new(name, value) }`, which fails to compile
/// otherwise): the name an HTTP token, the value visible ASCII, spaces or
/// tabs.
fn is_static_header(name: &str, value: &str) -> bool {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    !name.is_empty()
        && name.bytes().all(token)
        && value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// Scopes from `x-scopes` or the security requirements.
pub(super) fn scopes(op: &openapiv3::Operation) -> Vec<String> {
    if let Some(Value::Array(list)) = op.extensions.get("x-scopes") {
        return list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    let mut out: Vec<String> = Vec::new();
    for requirement in op.security.iter().flatten() {
        for scopes in requirement.values() {
            for scope in scopes {
                if !out.contains(scope) {
                    out.push(scope.clone());
                }
            }
        }
    }
    out
}

/// A variant name for a status: the reason phrase in CamelCase.
pub fn status_name(status: &StatusMatch) -> String {
    let code = match status {
        StatusMatch::Default => return "Other".into(),
        StatusMatch::Range(4) => return "ClientError".into(),
        StatusMatch::Range(5) => return "ServerError".into(),
        StatusMatch::Range(n) => return format!("Status{n}xx"),
        StatusMatch::Code(c) => *c,
    };
    let name = match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        206 => "PartialContent",
        301 => "MovedPermanently",
        302 => "Found",
        304 => "NotModified",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        423 => "Locked",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        other => return format!("Status{other}"),
    };
    name.to_owned()
}

/// The operation's `x-deprecated-note` (which should name the
/// replacement), the text of its `#[deprecated]`; `None` when it has none
/// (or one that is not a string), and the note is then generic.
fn deprecation_note(op: &openapiv3::Operation) -> Option<String> {
    op.extensions
        .get("x-deprecated-note")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|note| !note.is_empty())
        .map(str::to_owned)
}

/// The docs' line on an operation's own security: its alternatives, the
/// first the client has credentials for being sent.
fn credentials_note(requirements: &[crate::ir::Requirement]) -> String {
    let alternatives: Vec<String> = requirements
        .iter()
        .map(|schemes| match schemes.as_slice() {
            [] => "none".to_owned(),
            schemes => schemes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" and "),
        })
        .collect();
    match alternatives.as_slice() {
        [] => "Sent without credentials (its `security` names no scheme the client can send)."
            .to_owned(),
        [one] => format!("Credentials: {one}."),
        many => format!(
            "Credentials: {} (the first the client has).",
            many.join(", or ")
        ),
    }
}
