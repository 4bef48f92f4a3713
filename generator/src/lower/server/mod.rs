//! The server layer's decisions ([`crate::ir::server`]), made once the
//! client's IR is complete: the names of each operation's input struct and
//! response enum, where each input comes from and the rule it is checked
//! with (`rules`), the responses and their headers (`responses`), the
//! security requirements, and how refusals are answered (`refusals`).

mod refusals;
mod responses;
mod rules;

use openapiv3::{OpenAPI, ReferenceOr, SecurityScheme};
use serde_json::Value;

use crate::diagnostics::{join, Diagnostic};
use crate::ir::server::{
    Credential, CredentialKind, InputField, Rule, Server, ServerOperation, Source,
};
use crate::ir::{Api, BodyEncoding, Docs, Operation, Param, Ty};
use crate::names::Scope;

/// Names the server module defines or uses itself, which no generated item
/// may take.
const RESERVED: &[&str] = &["Api", "Router", "Option", "Result", "String", "Vec", "Box"];

/// Fills `api.server`; warnings for what the server cannot honour.
pub fn lower(doc: &OpenAPI, raw: &Value, api: &mut Api) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if api.operations.is_empty() {
        return diagnostics;
    }
    let mut names = Scope::with_reserved(RESERVED);
    let mut rules = rules::Rules::new(&api.types);
    let mut headers = responses::HeaderSets::default();
    let mut operations = Vec::new();
    for op in &api.operations {
        let pointer = join(
            &join("/paths", &op.path),
            &op.http_method.to_ascii_lowercase(),
        );
        let raw_op = find_operation(doc, op);
        let input = names.claim(&format!("{}Input", op.type_prefix)).0;
        let response = names.claim(&format!("{}Response", op.type_prefix)).0;
        let responses =
            responses::responses(op, raw_op, raw, &pointer, &mut headers, &mut diagnostics);
        let security = match raw_op {
            Some(raw_op) => security(doc, raw_op, &pointer, &mut diagnostics),
            None => Vec::new(),
        };
        operations.push(ServerOperation {
            input,
            response,
            inputs: inputs(op, &mut rules),
            empty_body: op
                .body
                .as_ref()
                .is_some_and(|b| b.encoding == BodyEncoding::EmptyJsonObject),
            responses,
            scopes: raw_op.map(super::operation::scopes).unwrap_or_default(),
            security,
            // Decided below, once every operation's responses are known.
            refusals: 0,
        });
    }
    let header_sets = headers.named(&api.operations, &operations, &mut names);
    let refusals = refusals::decide(api, &mut operations, &mut rules);
    api.server = Server {
        operations,
        header_sets,
        shapes: rules.shapes(api),
        refusals,
    };
    diagnostics
}

/// The spec's operation behind a lowered one.
fn find_operation<'d>(doc: &'d OpenAPI, op: &Operation) -> Option<&'d openapiv3::Operation> {
    let ReferenceOr::Item(item) = doc.paths.paths.get(&op.path)? else {
        return None;
    };
    item.iter()
        .find(|(method, _)| method.eq_ignore_ascii_case(&op.http_method))
        .map(|(_, op)| op)
}

/// The fields of an operation's input: path, query and header parameters
/// (as the client names them), then the body and, for multipart, the files.
fn inputs(op: &Operation, rules: &mut rules::Rules<'_>) -> Vec<InputField> {
    let mut names = Scope::default();
    let mut fields = Vec::new();
    let mut param = |p: &Param, source: Source, fields: &mut Vec<InputField>| {
        names.claim(&p.name);
        let mut docs = p.docs.clone();
        // Blank text (`description: ""`) is no docs.
        for text in [&mut docs.summary, &mut docs.description] {
            if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
                *text = None;
            }
        }
        let wire = match &source {
            Source::Path(w) => format!("The `{w}` path parameter."),
            Source::Query(w) => format!("The `{w}` query parameter."),
            Source::Header(w) => format!("The `{w}` header."),
            _ => String::new(),
        };
        if docs.summary.is_none() && docs.description.is_none() {
            docs.summary = Some(wire);
        }
        fields.push(InputField {
            name: p.name.clone(),
            source,
            ty: p.ty.clone(),
            required: p.required,
            rule: rules.rule(&p.ty),
            docs,
        });
    };
    for p in &op.path_params {
        param(p, Source::Path(p.wire.clone()), &mut fields);
    }
    for p in &op.query_params {
        param(p, Source::Query(p.wire.clone()), &mut fields);
    }
    for p in &op.header_params {
        param(p, Source::Header(p.wire.clone()), &mut fields);
    }
    let Some(body) = &op.body else {
        return fields;
    };
    let source = match body.encoding {
        BodyEncoding::Json => Source::JsonBody,
        BodyEncoding::Form => Source::FormBody,
        BodyEncoding::Multipart => Source::MultipartBody,
        BodyEncoding::Text => Source::TextBody,
        BodyEncoding::Binary => Source::BinaryBody,
        BodyEncoding::EmptyJsonObject => return fields,
    };
    fields.push(InputField {
        name: names.claim("body").0,
        source,
        ty: body.ty.clone(),
        required: body.required,
        rule: rules.rule(&body.ty),
        docs: Docs {
            summary: Some("The request body.".into()),
            ..Docs::default()
        },
    });
    if body.encoding == BodyEncoding::Multipart {
        fields.push(InputField {
            name: names.claim("files").0,
            source: Source::Files,
            ty: Ty::Vec(Box::new(Ty::Runtime("FilePart".into()))),
            required: true,
            rule: Rule::Any,
            docs: Docs {
                summary: Some("The files of the body: its parts with a file name.".into()),
                ..Docs::default()
            },
        });
    }
    fields
}

/// The operation's security requirements (its own, else the document's),
/// each a list of credentials. A requirement naming a scheme the document
/// does not define cannot be checked: a warning, and the credential counts
/// as present.
fn security(
    doc: &OpenAPI,
    op: &openapiv3::Operation,
    pointer: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Vec<Credential>> {
    let Some(requirements) = op.security.as_ref().or(doc.security.as_ref()) else {
        return Vec::new();
    };
    let schemes = doc.components.as_ref().map(|c| &c.security_schemes);
    requirements
        .iter()
        .map(|requirement| {
            requirement
                .iter()
                .map(|(scheme, scopes)| {
                    let found = schemes.and_then(|s| s.get(scheme));
                    let kind = match found {
                        Some(ReferenceOr::Item(scheme)) => kind_of(scheme),
                        _ => {
                            diagnostics.push(Diagnostic::warning(
                                join(pointer, "security"),
                                format!("security scheme `{scheme}` is not defined (or is a reference); the server does not check it"),
                            ));
                            CredentialKind::Unchecked
                        }
                    };
                    Credential {
                        scheme: scheme.clone(),
                        kind,
                        scopes: scopes.clone(),
                    }
                })
                .collect()
        })
        .collect()
}

fn kind_of(scheme: &SecurityScheme) -> CredentialKind {
    match scheme {
        SecurityScheme::APIKey { location, name, .. } => match location {
            openapiv3::APIKeyLocation::Header => CredentialKind::Header(name.to_ascii_lowercase()),
            openapiv3::APIKeyLocation::Query => CredentialKind::Query(name.clone()),
            openapiv3::APIKeyLocation::Cookie => CredentialKind::Cookie(name.clone()),
        },
        SecurityScheme::HTTP { scheme, .. } => {
            // The scheme's registered spelling (`Bearer`, `Basic`); it is
            // compared without case anyway.
            let mut chars = scheme.chars();
            let spelled = chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase())
                .unwrap_or_default();
            CredentialKind::Authorization(spelled)
        }
        SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
            CredentialKind::Authorization("Bearer".into())
        }
    }
}
