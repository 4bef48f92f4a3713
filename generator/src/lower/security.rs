//! Security: the spec's `securitySchemes` and which of them each operation
//! sends (`security`), decided once here so the emitter only writes them out.
//!
//! A spec that declares no scheme at all gets one: an optional bearer token
//! (`Client::builder(token)` sends it, a client without one sends nothing),
//! which is what most such specs mean.

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityRequirement, SecurityScheme};

use crate::diagnostics::{join, Diagnostic};
use crate::ir::{Docs, KeyLocation, Requirement, SchemeKind, Security, SecuritySchemeDef};

/// The name of the bearer scheme a spec without schemes gets.
const IMPLIED_BEARER: &str = "bearer";

/// The document's schemes and its top-level requirement.
pub fn document_security(doc: &OpenAPI, diagnostics: &mut Vec<Diagnostic>) -> Security {
    let declared = doc
        .components
        .as_ref()
        .map(|c| &c.security_schemes)
        .filter(|schemes| !schemes.is_empty());
    let Some(declared) = declared else {
        return Security {
            schemes: vec![SecuritySchemeDef {
                name: IMPLIED_BEARER.to_owned(),
                kind: SchemeKind::Bearer,
                docs: Docs {
                    summary: Some(
                        "The spec declares no security scheme: a bearer token, sent when the client has one."
                            .to_owned(),
                    ),
                    ..Docs::default()
                },
            }],
            default: vec![vec![IMPLIED_BEARER.to_owned()], Vec::new()],
        };
    };
    let mut schemes = Vec::new();
    for (name, scheme) in declared {
        let pointer = join("/components/securitySchemes", name);
        match scheme {
            ReferenceOr::Item(scheme) => {
                if let Some(def) = scheme_def(name, scheme, &pointer, diagnostics) {
                    schemes.push(def);
                }
            }
            ReferenceOr::Reference { reference } => diagnostics.push(Diagnostic::warning(
                pointer,
                format!("security scheme `{name}` is a reference (`{reference}`) that was not resolved; operations that need it are sent without it"),
            )),
        }
    }
    let mut security = Security {
        schemes,
        default: Vec::new(),
    };
    security.default = match &doc.security {
        Some(list) => security.requirements(list, "/security", diagnostics),
        None => Vec::new(),
    };
    security
}

/// One declared scheme, or `None` (with a warning) for one the client
/// cannot send.
fn scheme_def(
    name: &str,
    scheme: &SecurityScheme,
    pointer: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<SecuritySchemeDef> {
    let (kind, description) = match scheme {
        SecurityScheme::HTTP {
            scheme,
            description,
            ..
        } => match scheme.to_ascii_lowercase().as_str() {
            "bearer" => (SchemeKind::Bearer, description),
            "basic" => (SchemeKind::Basic, description),
            other => {
                diagnostics.push(
                    Diagnostic::warning(
                        join(pointer, "scheme"),
                        format!("HTTP authentication scheme `{other}` is not supported; operations that need `{name}` are sent without it"),
                    )
                    .with_hint("the client sends `bearer` and `basic` HTTP authentication"),
                );
                return None;
            }
        },
        SecurityScheme::OAuth2 { description, .. }
        | SecurityScheme::OpenIDConnect { description, .. } => (SchemeKind::Bearer, description),
        SecurityScheme::APIKey {
            location,
            name: key,
            description,
            ..
        } => {
            let location = match location {
                APIKeyLocation::Header => KeyLocation::Header,
                APIKeyLocation::Query => KeyLocation::Query,
                APIKeyLocation::Cookie => KeyLocation::Cookie,
            };
            if !key_name_ok(key, location) {
                diagnostics.push(Diagnostic::warning(
                    join(pointer, "name"),
                    format!("`{key}` cannot be the name of an API key in a {}; operations that need `{name}` are sent without it", location.as_str()),
                ));
                return None;
            }
            (
                SchemeKind::ApiKey {
                    location,
                    name: key.clone(),
                },
                description,
            )
        }
    };
    Some(SecuritySchemeDef {
        name: name.to_owned(),
        kind,
        docs: Docs {
            description: description.clone(),
            ..Docs::default()
        },
    })
}

/// Whether `name` can be sent where the key goes: a header name (a token
/// of visible ASCII without separators), a cookie name (the same), or a
/// query parameter (anything but empty).
fn key_name_ok(name: &str, location: KeyLocation) -> bool {
    match location {
        KeyLocation::Query => !name.is_empty(),
        KeyLocation::Header | KeyLocation::Cookie => {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        }
    }
}

impl Security {
    /// A `security` list as requirements, in order: each requirement the
    /// schemes sent together (empty: nothing), scopes dropped. A
    /// requirement naming a scheme the document does not declare (or one
    /// the client cannot send) is left out, with a warning.
    pub fn requirements(
        &self,
        list: &[SecurityRequirement],
        pointer: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<Requirement> {
        let mut out = Vec::new();
        for (i, requirement) in list.iter().enumerate() {
            let unknown: Vec<&String> = requirement
                .keys()
                .filter(|name| !self.schemes.iter().any(|s| &s.name == *name))
                .collect();
            if let Some(name) = unknown.first() {
                diagnostics.push(Diagnostic::warning(
                    join(pointer, &i.to_string()),
                    format!("security requirement names `{name}`, which is not a scheme the client can send; this alternative is left out"),
                ));
                continue;
            }
            let requirement: Requirement = requirement.keys().cloned().collect();
            if !out.contains(&requirement) {
                out.push(requirement);
            }
        }
        out
    }
}

/// What an operation sends: `None` for the document's requirement, else
/// its own list (`security: []` is the caller's business: `anonymous`).
pub fn operation_security(
    security: &Security,
    own: Option<&Vec<SecurityRequirement>>,
    pointer: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<Requirement>> {
    let own = own?;
    let requirements = security.requirements(own, &join(pointer, "security"), diagnostics);
    (requirements != security.default).then_some(requirements)
}
