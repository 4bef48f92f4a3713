//! How the router answers what it refuses, read from the error responses
//! the spec documents: the status of each kind of refusal, and which
//! property of the documented body carries the status, the messages and the
//! reason phrase, by the property's name and type (`statusCode`,
//! `message`, `error`, as the vendor's NestJS bodies have them; `status`,
//! `code`, `detail`, `title`, ... as others do).

use crate::ir::server::{RefusalRule, RefusalSet, Role, ServerOperation};
use crate::ir::{Api, StatusMatch, Ty, TypeKind};

use super::rules::Rules;

/// Property names (lower case) that carry the status code, when numbers.
const STATUS_NAMES: &[&str] = &["statuscode", "status_code", "status", "code"];
/// Property names that carry the message(s), when strings or string arrays.
const MESSAGE_NAMES: &[&str] = &[
    "message",
    "messages",
    "detail",
    "details",
    "error_description",
    "errormessage",
    "error_message",
];
/// Property names that carry the reason phrase, when strings.
const REASON_NAMES: &[&str] = &["error", "title", "reason"];

/// An error body as roles, and the documented example of its message.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Body {
    roles: Vec<(String, Role)>,
    example: Option<String>,
}

/// Decides each operation's refusals (setting `ServerOperation::refusals`)
/// and returns the distinct sets, the one most operations use first.
pub fn decide(api: &Api, ops: &mut [ServerOperation], rules: &mut Rules<'_>) -> Vec<RefusalSet> {
    let common = most_common_body(api, ops);
    let mut sets: Vec<(RefusalSet, usize)> = Vec::new();
    let mut chosen = Vec::new();
    for op in ops.iter() {
        let documented = |status: u16| body_at(api, op, status);
        let fallback = |list: bool| match &common {
            Some(body) => body.roles.clone(),
            None => nestjs(list),
        };
        let rule = |status: u16, list: bool| RefusalRule {
            status,
            body: documented(status).map_or_else(|| fallback(list), |b| b.roles),
            message: None,
        };
        let documents = |status: u16| {
            op.responses
                .iter()
                .any(|r| r.status == StatusMatch::Code(status))
        };
        let invalid_status = if documents(422) || !documents(400) {
            422
        } else {
            400
        };
        // The documented example of a 401's message is what the API says
        // without a valid token, when the body type is the 401's own (a
        // type shared with other statuses has an example of any of them).
        let mut unauthorized = rule(401, false);
        let own_type = |status: u16| {
            let ty = op
                .responses
                .iter()
                .find(|r| r.status == StatusMatch::Code(status))
                .and_then(|r| r.ty.as_ref());
            ty.is_some() && op.responses.iter().filter(|r| r.ty.as_ref() == ty).count() == 1
        };
        if own_type(401) {
            unauthorized.message = documented(401).and_then(|b| b.example);
        }
        let set = RefusalSet {
            static_name: String::new(),
            malformed: rule(400, false),
            unauthorized,
            not_found: rule(404, false),
            method_not_allowed: rule(405, false),
            too_large: rule(413, false),
            invalid: rule(invalid_status, true),
        };
        let index = match sets.iter().position(|(s, _)| *s == set) {
            Some(index) => index,
            None => {
                sets.push((set, 0));
                sets.len() - 1
            }
        };
        if let Some((_, uses)) = sets.get_mut(index) {
            *uses += 1;
        }
        chosen.push(index);
    }
    // The set most operations use first: it also answers unrouted requests.
    let mut order: Vec<usize> = (0..sets.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(sets.get(*i).map_or(0, |(_, uses)| *uses)));
    for (op, index) in ops.iter_mut().zip(chosen) {
        op.refusals = order.iter().position(|i| *i == index).unwrap_or(0);
    }
    order
        .into_iter()
        .filter_map(|i| sets.get(i).map(|(set, _)| set.clone()))
        .map(|mut set| {
            set.static_name = rules.claim_static("REFUSALS");
            set
        })
        .collect()
}

/// `statusCode`, `message` (an array for validation problems), `error`:
/// the vendor's bodies, and NestJS's, when the spec documents none.
fn nestjs(list: bool) -> Vec<(String, Role)> {
    vec![
        ("statusCode".to_owned(), Role::Status),
        (
            "message".to_owned(),
            if list { Role::Messages } else { Role::Message },
        ),
        ("error".to_owned(), Role::Reason),
    ]
}

/// The body documented for `status` on `op`, when it has a property that
/// carries messages.
fn body_at(api: &Api, op: &ServerOperation, status: u16) -> Option<Body> {
    let response = op
        .responses
        .iter()
        .find(|r| r.status == StatusMatch::Code(status))?;
    body_of(api, response.ty.as_ref()?)
}

/// The error body the most documented error responses share.
fn most_common_body(api: &Api, ops: &[ServerOperation]) -> Option<Body> {
    let mut counts: Vec<(Body, usize)> = Vec::new();
    for response in ops.iter().flat_map(|o| &o.responses) {
        let is_error = match response.status {
            StatusMatch::Code(c) => c >= 400,
            StatusMatch::Range(r) => r >= 4,
            StatusMatch::Default => true,
        };
        let Some(body) = response
            .ty
            .as_ref()
            .filter(|_| is_error)
            .and_then(|t| body_of(api, t))
        else {
            continue;
        };
        // The example is the 401's own; the shape is what is shared.
        let body = Body {
            example: None,
            ..body
        };
        match counts.iter_mut().find(|(b, _)| *b == body) {
            Some((_, n)) => *n += 1,
            None => counts.push((body, 1)),
        }
    }
    let mut best: Option<(Body, usize)> = None;
    for (body, n) in counts {
        if best.as_ref().is_none_or(|(_, m)| n > *m) {
            best = Some((body, n));
        }
    }
    best.map(|(body, _)| body)
}

/// The roles of a struct's properties, when one carries messages.
fn body_of(api: &Api, ty: &Ty) -> Option<Body> {
    let mut name = match ty {
        Ty::Named(name) => name.as_str(),
        _ => return None,
    };
    for _ in 0..32 {
        let def = api.types.iter().find(|t| t.name == name)?;
        match &def.kind {
            TypeKind::Alias(Ty::Named(next)) => name = next,
            TypeKind::Struct(s) => {
                let mut roles = Vec::new();
                let mut example = None;
                for field in &s.fields {
                    let wire = field.wire.to_ascii_lowercase();
                    let role = match &field.ty {
                        Ty::I32 | Ty::I64 | Ty::Number | Ty::F64 | Ty::F32
                            if STATUS_NAMES.contains(&wire.as_str()) =>
                        {
                            Role::Status
                        }
                        Ty::String if MESSAGE_NAMES.contains(&wire.as_str()) => {
                            example = example.or_else(|| {
                                field.docs.example.as_ref()?.as_str().map(str::to_owned)
                            });
                            Role::Message
                        }
                        Ty::Vec(item)
                            if **item == Ty::String && MESSAGE_NAMES.contains(&wire.as_str()) =>
                        {
                            Role::Messages
                        }
                        Ty::String if REASON_NAMES.contains(&wire.as_str()) => Role::Reason,
                        _ => continue,
                    };
                    roles.push((field.wire.clone(), role));
                }
                let carries_messages = roles
                    .iter()
                    .any(|(_, r)| matches!(r, Role::Message | Role::Messages));
                return carries_messages.then_some(Body { roles, example });
            }
            _ => return None,
        }
    }
    None
}
