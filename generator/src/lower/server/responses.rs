//! An operation's responses as its server enum has them: every documented
//! status (the client leaves a bodiless 429 to its runtime; a server answers
//! it like any other), each with its documented headers in a struct shared
//! by the responses that document the same ones.

use openapiv3::{ParameterSchemaOrContent, ReferenceOr, SchemaKind, StatusCode, Type};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diagnostics::{join, Diagnostic};
use crate::ir::server::{HeaderSet, ResponseHeader, ServerOperation, ServerResponse};
use crate::ir::{Docs, Media, Operation, StatusMatch, Ty};
use crate::names::{self, Scope};

/// Headers HTTP itself writes: documenting them adds no field.
const TRANSPORT_HEADERS: &[&str] = &["content-type", "content-length", "transfer-encoding"];

/// The responses of `op`, in the client's order (successes, then errors),
/// then the documented statuses the client has no variant for.
pub fn responses(
    op: &Operation,
    raw_op: Option<&openapiv3::Operation>,
    raw: &Value,
    pointer: &str,
    sets: &mut HeaderSets,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ServerResponse> {
    let documented: Vec<(String, StatusMatch, &ReferenceOr<openapiv3::Response>)> = raw_op
        .map(|o| {
            o.responses
                .responses
                .iter()
                .map(|(code, r)| {
                    let status = match code {
                        StatusCode::Code(c) => StatusMatch::Code(*c),
                        StatusCode::Range(r) => StatusMatch::Range(*r),
                    };
                    (code.to_string(), status, r)
                })
                .chain(
                    o.responses
                        .default
                        .iter()
                        .map(|r| ("default".to_owned(), StatusMatch::Default, r)),
                )
                .collect()
        })
        .unwrap_or_default();
    let mut used: Vec<String> = Vec::new();
    let mut variants = Scope::default();
    let mut out = Vec::new();
    let mut push = |status: StatusMatch,
                    variant: &str,
                    (ty, raw_content_type): (Option<Ty>, Option<String>),
                    docs: Docs,
                    used: &mut Vec<String>| {
        let key = key_of(&status, &documented);
        let headers = key.as_ref().and_then(|key| {
            let (_, _, response) = documented.iter().find(|(k, _, _)| k == key)?;
            let at = join(&join(pointer, "responses"), key);
            let headers = headers_of(response, raw, &at, diagnostics);
            (!headers.is_empty()).then(|| sets.add(headers))
        });
        used.extend(key);
        out.push(ServerResponse {
            status,
            variant: variants.claim(variant).0,
            ty,
            raw_content_type,
            headers,
            docs,
        });
    };
    for r in &op.success {
        push(
            StatusMatch::Code(r.status),
            &r.variant,
            (r.ty.clone(), raw_content_type(r.media, &r.media_type)),
            r.docs.clone(),
            &mut used,
        );
    }
    for e in &op.errors {
        push(
            e.status.clone(),
            &e.variant,
            (e.ty.clone(), raw_content_type(e.media, &e.media_type)),
            e.docs.clone(),
            &mut used,
        );
    }
    for (key, status, response) in &documented {
        if used.contains(key) {
            continue;
        }
        let status = status.clone();
        let description = resolve(response, raw)
            .map(|r| r.description)
            .filter(|d| !d.is_empty());
        let variant = super::super::operation::status_name(&status);
        let docs = Docs {
            summary: description,
            ..Docs::default()
        };
        push(status, &variant, (None, None), docs, &mut used);
    }
    out
}

/// The content type a text or binary body is sent with: the spec's, or
/// for a range (`image/*`) the most general type of its kind.
fn raw_content_type(media: Media, media_type: &str) -> Option<String> {
    let general = match media {
        Media::Json => return None,
        Media::Text => "text/plain; charset=utf-8",
        Media::Binary => "application/octet-stream",
    };
    let concrete = !media_type.contains('*')
        && !media_type.is_empty()
        && media_type.bytes().all(|b| (b' '..=b'~').contains(&b));
    Some(if concrete { media_type } else { general }.to_owned())
}

/// The key of the documented response behind a status (a 2XX range the
/// client reads as 200 is found under `2XX`).
fn key_of(
    status: &StatusMatch,
    documented: &[(String, StatusMatch, &ReferenceOr<openapiv3::Response>)],
) -> Option<String> {
    let candidates = match status {
        StatusMatch::Code(c) => vec![c.to_string(), format!("{}XX", c / 100)],
        StatusMatch::Range(r) => vec![format!("{r}XX")],
        StatusMatch::Default => vec!["default".to_owned()],
    };
    candidates
        .into_iter()
        .find(|c| documented.iter().any(|(k, _, _)| k == c))
}

/// A component (or the item itself), read from the raw document.
fn resolve<T: DeserializeOwned + Clone>(item: &ReferenceOr<T>, raw: &Value) -> Option<T> {
    match item {
        ReferenceOr::Item(value) => Some(value.clone()),
        ReferenceOr::Reference { reference } => {
            let value = raw.pointer(reference.strip_prefix('#')?)?;
            serde_json::from_value(value.clone()).ok()
        }
    }
}

/// The documented headers of a response, as struct fields.
fn headers_of(
    response: &ReferenceOr<openapiv3::Response>,
    raw: &Value,
    pointer: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ResponseHeader> {
    let Some(response) = resolve(response, raw) else {
        return Vec::new();
    };
    let mut fields = Scope::default();
    let mut out = Vec::new();
    for (name, header) in &response.headers {
        let wire = name.to_ascii_lowercase();
        if TRANSPORT_HEADERS.contains(&wire.as_str()) {
            continue;
        }
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if wire.is_empty() || !wire.bytes().all(token) {
            diagnostics.push(Diagnostic::warning(
                join(&join(pointer, "headers"), name),
                format!("response header `{name}` is not a valid header name; the server cannot send it"),
            ));
            continue;
        }
        let Some(header) = resolve(header, raw) else {
            continue;
        };
        let docs = Docs {
            summary: header.description.clone(),
            notes: vec![format!("The `{name}` header.")],
            ..Docs::default()
        };
        out.push(ResponseHeader {
            name: fields.claim(&names::snake(name)).0,
            wire,
            ty: header_ty(&header.format, raw),
            required: header.required,
            docs,
        });
    }
    out
}

/// A header's type: its scalar (or array of scalars) schema; anything else
/// is text.
fn header_ty(format: &ParameterSchemaOrContent, raw: &Value) -> Ty {
    let ParameterSchemaOrContent::Schema(schema) = format else {
        return Ty::String;
    };
    scalar_ty(schema, raw, true)
}

fn scalar_ty(schema: &ReferenceOr<openapiv3::Schema>, raw: &Value, array_ok: bool) -> Ty {
    let Some(schema) = resolve(schema, raw) else {
        return Ty::String;
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(i)) => match &i.format {
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => Ty::I32,
            _ => Ty::I64,
        },
        SchemaKind::Type(Type::Number(_)) => Ty::F64,
        SchemaKind::Type(Type::Boolean(_)) => Ty::Bool,
        SchemaKind::Type(Type::Array(a)) if array_ok => {
            let item = a.items.as_ref().map_or(Ty::String, |items| {
                let items = match items {
                    ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
                    ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                        reference: reference.clone(),
                    },
                };
                scalar_ty(&items, raw, false)
            });
            Ty::Vec(Box::new(item))
        }
        _ => Ty::String,
    }
}

/// Header structs, shared by the responses that document the same headers.
#[derive(Default)]
pub struct HeaderSets {
    sets: Vec<Vec<ResponseHeader>>,
}

impl HeaderSets {
    /// The index of the struct for `headers`.
    fn add(&mut self, headers: Vec<ResponseHeader>) -> usize {
        match self.sets.iter().position(|s| *s == headers) {
            Some(index) => index,
            None => {
                self.sets.push(headers);
                self.sets.len() - 1
            }
        }
    }

    /// The structs, named: `ResponseHeaders` for the set most responses
    /// share (when more than one does), `<Operation><Status>Headers` after
    /// the first response of each other set.
    pub fn named(
        self,
        ops: &[Operation],
        servers: &[ServerOperation],
        names: &mut Scope,
    ) -> Vec<HeaderSet> {
        let uses = |index: usize| {
            servers
                .iter()
                .flat_map(|s| &s.responses)
                .filter(|r| r.headers == Some(index))
                .count()
        };
        let mut most: Option<(usize, usize)> = None;
        for index in 0..self.sets.len() {
            let n = uses(index);
            if n > 1 && most.is_none_or(|(_, m)| n > m) {
                most = Some((index, n));
            }
        }
        let first_use = |index: usize| {
            ops.iter().zip(servers).find_map(|(op, server)| {
                server
                    .responses
                    .iter()
                    .find(|r| r.headers == Some(index))
                    .map(|r| format!("{}{}Headers", op.type_prefix, r.variant))
            })
        };
        self.sets
            .into_iter()
            .enumerate()
            .map(|(index, headers)| {
                let base = if most.is_some_and(|(m, _)| m == index) {
                    "ResponseHeaders".to_owned()
                } else {
                    first_use(index).unwrap_or_else(|| "ResponseHeaders".to_owned())
                };
                HeaderSet {
                    name: names.claim(&base).0,
                    headers,
                }
            })
            .collect()
    }
}
