//! The decisions made once every type and operation is known, because they
//! depend on where a type is used or on the other operations: how each
//! field's presence is written, which structs get constructors, setters and
//! a redacting `Debug`, which union variants convert with `From`, and which
//! operations share an error enum. `emit` renders the result as it is.

use crate::ir::{
    Api, Constructor, Docs, ErrorEnum, ExtraField, Media, Presence, StatusMatch, StructDef, Ty,
    TypeKind,
};
use crate::names::{self, Scope};

/// Above this many arguments clippy asks for fewer (`too_many_arguments`);
/// constructors and methods with more get a targeted allowance.
const MAX_ARGS: usize = 7;

/// The name of the error enum shared by the most operations.
const SHARED_ERROR_NAME: &str = "ErrorBody";

/// Makes every decision `emit` needs about types and operations.
pub fn decide(api: &mut Api, type_names: &mut Scope) {
    let aliases: Vec<(String, Ty)> = api
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Alias(ty) => Some((t.name.clone(), ty.clone())),
            _ => None,
        })
        .collect();
    for def in &mut api.types {
        match &mut def.kind {
            TypeKind::Struct(s) => decide_struct(s),
            TypeKind::Union(u) => {
                // Two payloads that are one type under different aliases
                // cannot both convert with `From`.
                let payloads: Vec<Ty> = u
                    .variants
                    .iter()
                    .map(|v| unaliased(&v.ty, &aliases))
                    .collect();
                for (v, ty) in u.variants.iter_mut().zip(&payloads) {
                    v.from = payloads.iter().filter(|t| *t == ty).count() == 1;
                }
                u.unknown = u.tag.is_some().then(|| {
                    ["Unknown", "UnknownTag", "Other", "UnlistedTag"]
                        .into_iter()
                        .find(|n| !u.variants.iter().any(|v| v.name == *n))
                        .unwrap_or("UnlistedTagValue")
                        .to_owned()
                });
            }
            TypeKind::Enum(_) | TypeKind::Alias(_) => {}
        }
    }
    for op in &mut api.operations {
        // `self`, path parameters, required query and header parameters,
        // the `Params` struct, the body and (multipart) the files.
        let args = 1
            + op.path_params.len()
            + op.query_params
                .iter()
                .chain(&op.header_params)
                .filter(|p| p.required)
                .count()
            + usize::from(op.params_type.is_some())
            + op.body.as_ref().map_or(0, |b| match b.encoding {
                crate::ir::BodyEncoding::EmptyJsonObject => 0,
                crate::ir::BodyEncoding::Multipart => 2,
                _ => 1 + usize::from(b.content_type_arg.is_some()),
            });
        op.many_args = args > MAX_ARGS;
    }
    decide_error_types(api, type_names);
}

/// The type behind a chain of aliases (a bounded number of hops: alias
/// cycles are reported elsewhere).
fn unaliased(ty: &Ty, aliases: &[(String, Ty)]) -> Ty {
    let mut ty = ty.clone();
    for _ in 0..32 {
        let Ty::Named(name) = &ty else { break };
        match aliases.iter().find(|(n, _)| n == name) {
            Some((_, target)) => ty = target.clone(),
            None => break,
        }
    }
    ty
}

fn decide_struct(s: &mut StructDef) {
    // Types only found in responses read liberally: an array that is left
    // out reads as empty. Request types keep the difference, because an
    // empty `tags` array on update removes every tag.
    let response_only = s.in_response && !s.in_request;
    for field in &mut s.fields {
        field.presence = match (field.required, field.nullable) {
            (true, false) => Presence::Required,
            (true, true) => Presence::RequiredNullable,
            (false, _) if response_only && matches!(field.ty, Ty::Vec(_)) => Presence::DefaultEmpty,
            (false, true) if s.in_request => Presence::ThreeState,
            (false, _) => Presence::Optional,
        };
    }

    s.extra = match (&s.additional, s.in_response) {
        (Some(ty), _) => Some((ty.clone(), true)),
        (None, true) => Some((Ty::Json, false)),
        (None, false) => None,
    }
    .map(|(ty, additional)| ExtraField {
        name: extra_field_name(s),
        ty,
        additional,
    });

    s.visitor_deserialize = s.extra.is_some();

    let args: Vec<usize> = (0..s.fields.len())
        .filter(|&i| s.fields.get(i).is_some_and(|f| f.required))
        .collect();
    s.default = args.is_empty();
    s.constructor = (!args.is_empty()).then_some(Constructor {
        many_args: args.len() > MAX_ARGS,
        args,
    });
    // Built with `new`/`Default` and setters (or field assignment), never
    // with a literal: a field the spec gains later breaks no caller.
    s.non_exhaustive = true;
    s.redacted_debug = s.fields.iter().any(|f| f.sensitive);

    // Request types get a setter per optional field, and a `clear_` method
    // where the API accepts null; none takes a name the struct's own
    // methods have.
    if s.in_request {
        let mut methods = Scope::with_reserved(names::STRUCT_METHODS);
        let has_setter = |presence: Presence| {
            !matches!(presence, Presence::Required | Presence::RequiredNullable)
        };
        let named: Vec<&str> = s
            .fields
            .iter()
            .filter(|f| has_setter(f.presence))
            .map(|f| f.name.as_str())
            .collect();
        let mut setters = names::claim_setters(&mut methods, &named).into_iter();
        for field in &mut s.fields {
            if has_setter(field.presence) {
                field.setter = setters.next();
            }
        }
        for field in &mut s.fields {
            if field.presence == Presence::ThreeState {
                let clear = format!("clear_{}", names::bare(&field.name));
                field.clearer = Some(methods.claim(&clear).0);
            }
        }
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

/// Operations that document the same error statuses with the same bodies
/// share one enum: `ErrorBody` for the set most operations use (when more
/// than one does), `<Operation>Error` for the others.
fn decide_error_types(api: &mut Api, type_names: &mut Scope) {
    type Key = Vec<(StatusMatch, Option<Ty>, Media)>;
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    for (i, op) in api.operations.iter().enumerate() {
        let key: Key = op
            .errors
            .iter()
            .map(|e| (e.status.clone(), e.ty.clone(), e.media))
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ops)) => ops.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    // The most used shared set, the first of equals.
    let mut most_used: Option<(usize, usize)> = None;
    for (gi, (_, ops)) in groups.iter().enumerate() {
        if ops.len() > 1 && most_used.is_none_or(|(_, n)| ops.len() > n) {
            most_used = Some((gi, ops.len()));
        }
    }
    let mut error_types = Vec::new();
    for (gi, (_, ops)) in groups.iter().enumerate() {
        let Some(first) = ops.first().and_then(|i| api.operations.get(*i)) else {
            continue;
        };
        let base = if most_used.is_some_and(|(m, _)| m == gi) {
            SHARED_ERROR_NAME.to_owned()
        } else {
            format!("{}Error", first.type_prefix)
        };
        let name = type_names.claim(&base).0;
        let methods: Vec<String> = ops
            .iter()
            .filter_map(|i| api.operations.get(*i))
            .map(|op| names::bare(&op.method_name).to_owned())
            .collect();
        let listed: Vec<String> = methods.iter().map(|m| format!("[`Client::{m}`]")).collect();
        let summary = if methods.len() == 1 {
            format!(
                "The documented error responses of {}, each with its decoded body.",
                listed.join("")
            )
        } else {
            format!(
                "The documented error responses shared by {}, each with its decoded body.",
                listed.join(", ")
            )
        };
        error_types.push(ErrorEnum {
            name,
            docs: Docs {
                summary: Some(summary),
                ..Docs::default()
            },
            variants: first.errors.clone(),
            operations: methods,
        });
    }
    for op in &mut api.operations {
        let Some(enum_def) = error_types.iter().find(|e| {
            e.operations
                .iter()
                .any(|m| m == names::bare(&op.method_name))
        }) else {
            continue;
        };
        op.error_type = enum_def.name.clone();
        op.docs.notes.push(errors_section(&enum_def.name, op));
    }
    api.error_types = error_types;
}

/// The `# Errors` section of a method's docs: every documented status,
/// with its variant.
fn errors_section(enum_name: &str, op: &crate::ir::Operation) -> String {
    let mut text = String::from("# Errors\n\n");
    for e in &op.errors {
        let status = match &e.status {
            StatusMatch::Code(c) => c.to_string(),
            StatusMatch::Range(r) => format!("{r}XX"),
            StatusMatch::Default => "Any other status".to_owned(),
        };
        let what = e
            .docs
            .summary
            .as_deref()
            .map(|s| format!(": {}", s.trim().trim_end_matches('.')))
            .unwrap_or_default();
        text.push_str(&format!(
            "- {status}: `Error::Api` with [`{enum_name}::{}`]{what}.\n",
            e.variant
        ));
    }
    text.push_str(
        "- 429 without retries left: `Error::RateLimited`; another status: \
         `Error::UnexpectedStatus`; a body that does not decode: `Error::Decode`.",
    );
    text
}
