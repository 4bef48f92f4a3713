//! Finding the operation a request is for: its method and its path against
//! every operation's path template.

use std::borrow::Cow;

use http::Method;
use percent_encoding::percent_decode_str;

use super::Operation;

/// A piece of a path template: what lies between two slashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Literal text (`contacts`).
    Literal(&'static str),
    /// A path parameter (`{contactId}`), by wire name.
    Param(&'static str),
    /// Text and parameters run together (`{sid}.json`).
    Mixed(&'static [Part]),
}

/// A piece of a [`Segment::Mixed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(&'static str),
    /// A path parameter, by wire name.
    Param(&'static str),
}

/// Where a request goes.
#[derive(Clone, Debug)]
pub enum Route {
    /// An operation takes it.
    Found(Found),
    /// No path template matches: 404.
    NotFound,
    /// Path templates match, but none of them with this method: 405, with
    /// the methods they have (the `Allow` header).
    MethodNotAllowed(Vec<&'static str>),
}

/// The operation a request is for, and its path parameters.
#[derive(Clone, Debug)]
pub struct Found {
    /// Its position in the module's `OPERATIONS`.
    pub index: usize,
    /// The operation.
    pub operation: &'static Operation,
    /// Path parameters, percent-decoded, in path order: wire name and text.
    pub params: Vec<(&'static str, String)>,
}

impl Found {
    /// The text of the path parameter `name`.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Finds the operation for `method` and `path` (the path only, without the
/// query) among `operations`.
///
/// Where several templates match, the most specific wins: segment by
/// segment, literal text before text with parameters before a parameter
/// alone (OpenAPI: concrete paths match before templated ones), so
/// `/contacts/search` is not `/contacts/{contactId}`. A template with the
/// request's method wins over a more specific one without it
/// (`GET /contacts/search` is `getContact` with the id `search` when
/// `/contacts/search` only takes `POST`), as the vendor's routing does. One
/// trailing slash is ignored on both sides, as the vendor's framework
/// ignores it.
#[must_use]
pub fn route(operations: &'static [Operation], method: &Method, path: &str) -> Route {
    let segments = split(path);
    let mut best: Option<(Vec<u8>, Found)> = None;
    let mut allow: Vec<&'static str> = Vec::new();
    for (index, operation) in operations.iter().enumerate() {
        let Some(params) = matches(operation.segments, &segments) else {
            continue;
        };
        if operation.method != method.as_str() {
            if !allow.contains(&operation.method) {
                allow.push(operation.method);
            }
            continue;
        }
        let rank = rank(operation.segments);
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((
                rank,
                Found {
                    index,
                    operation,
                    params,
                },
            ));
        }
    }
    match best {
        Some((_, found)) => Route::Found(found),
        None if allow.is_empty() => Route::NotFound,
        None => Route::MethodNotAllowed(allow),
    }
}

/// The path's segments, percent-decoded, without the leading slash and one
/// trailing slash.
fn split(path: &str) -> Vec<Cow<'_, str>> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() {
        return Vec::new();
    }
    path.split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy())
        .collect()
}

/// The template without one trailing empty segment (a trailing slash).
fn trimmed(template: &'static [Segment]) -> &'static [Segment] {
    match template.split_last() {
        Some((Segment::Literal(""), rest)) => rest,
        _ => template,
    }
}

/// 0 for a literal segment, 1 for a mixed one, 2 for a parameter: lower is
/// more specific, compared segment by segment.
fn rank(template: &'static [Segment]) -> Vec<u8> {
    trimmed(template)
        .iter()
        .map(|s| match s {
            Segment::Literal(_) => 0,
            Segment::Mixed(_) => 1,
            Segment::Param(_) => 2,
        })
        .collect()
}

fn matches(
    template: &'static [Segment],
    segments: &[Cow<'_, str>],
) -> Option<Vec<(&'static str, String)>> {
    let template = trimmed(template);
    if template.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (pattern, text) in template.iter().zip(segments) {
        match pattern {
            Segment::Literal(literal) => {
                if literal != text {
                    return None;
                }
            }
            Segment::Param(name) => {
                if text.is_empty() {
                    return None;
                }
                params.push((*name, text.clone().into_owned()));
            }
            Segment::Mixed(parts) => params.extend(mixed(parts, text)?),
        }
    }
    Some(params)
}

/// Matches a segment of text and parameters: each parameter takes at least
/// one character, up to the next text that follows it.
fn mixed(parts: &'static [Part], mut text: &str) -> Option<Vec<(&'static str, String)>> {
    let mut params = Vec::new();
    let mut iter = parts.iter().peekable();
    while let Some(part) = iter.next() {
        match part {
            Part::Text(literal) => text = text.strip_prefix(literal)?,
            Part::Param(name) => {
                let end = match iter.peek() {
                    Some(Part::Text(next)) => {
                        // At least one character for the parameter.
                        let first = text.chars().next()?.len_utf8();
                        first + text.get(first..)?.find(next)?
                    }
                    // Two parameters side by side: the first takes one
                    // character (the template cannot say more).
                    Some(Part::Param(_)) => text.chars().next()?.len_utf8(),
                    None => text.len(),
                };
                if end == 0 {
                    return None;
                }
                let (value, rest) = text.split_at(end);
                params.push((*name, value.to_owned()));
                text = rest;
            }
        }
    }
    text.is_empty().then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_support::{RefusalRule, Refusals};

    const fn op(method: &'static str, segments: &'static [Segment]) -> Operation {
        Operation {
            id: method,
            method,
            path: "",
            segments,
            scopes: &[],
            security: &[],
            idempotent: true,
            deprecated: false,
            refusals: &REFUSALS,
        }
    }

    const RULE: RefusalRule = RefusalRule {
        status: 400,
        body: &[],
        message: None,
    };
    static REFUSALS: Refusals = Refusals {
        malformed: RULE,
        unauthorized: RULE,
        not_found: RULE,
        method_not_allowed: RULE,
        too_large: RULE,
        invalid: RULE,
    };
    static OPS: [Operation; 6] = [
        op("GET", &[Segment::Literal("contacts"), Segment::Literal("")]),
        op(
            "POST",
            &[Segment::Literal("contacts"), Segment::Literal("search")],
        ),
        op(
            "GET",
            &[Segment::Literal("contacts"), Segment::Param("contactId")],
        ),
        op(
            "GET",
            &[
                Segment::Literal("contacts"),
                Segment::Literal("business"),
                Segment::Param("businessId"),
            ],
        ),
        op(
            "PUT",
            &[
                Segment::Literal("contacts"),
                Segment::Param("contactId"),
                Segment::Literal("tasks"),
            ],
        ),
        op(
            "GET",
            &[
                Segment::Literal("calls"),
                Segment::Mixed(&[
                    Part::Text("v"),
                    Part::Param("major"),
                    Part::Text("."),
                    Part::Param("minor"),
                ]),
            ],
        ),
    ];

    fn found(method: Method, path: &str) -> (usize, Vec<(&'static str, String)>) {
        match route(&OPS, &method, path) {
            Route::Found(found) => (found.index, found.params),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn literal_paths_win_and_trailing_slashes_do_not_count() {
        assert_eq!(found(Method::GET, "/contacts/").0, 0);
        assert_eq!(found(Method::GET, "/contacts").0, 0);
        assert_eq!(found(Method::POST, "/contacts/search").0, 1);
        assert_eq!(
            found(Method::GET, "/contacts/search"),
            (2, vec![("contactId", "search".to_owned())])
        );
        assert_eq!(
            found(Method::GET, "/contacts/business/tasks"),
            (3, vec![("businessId", "tasks".to_owned())])
        );
        assert_eq!(
            found(Method::GET, "/contacts/a%2Fb%20c"),
            (2, vec![("contactId", "a/b c".to_owned())])
        );
    }

    #[test]
    fn mixed_segments_split_at_their_text() {
        assert_eq!(
            found(Method::GET, "/calls/v2.10"),
            (
                5,
                vec![("major", "2".to_owned()), ("minor", "10".to_owned())]
            )
        );
        assert!(matches!(
            route(&OPS, &Method::GET, "/calls/v.1"),
            Route::NotFound
        ));
        assert!(matches!(
            route(&OPS, &Method::GET, "/calls/x2.1"),
            Route::NotFound
        ));
    }

    #[test]
    fn unknown_paths_and_methods() {
        assert!(matches!(
            route(&OPS, &Method::GET, "/nothing"),
            Route::NotFound
        ));
        assert!(matches!(
            route(&OPS, &Method::GET, "/contacts//tasks"),
            Route::NotFound
        ));
        match route(&OPS, &Method::DELETE, "/contacts/abc/tasks") {
            Route::MethodNotAllowed(allow) => assert_eq!(allow, ["PUT"]),
            other => panic!("{other:?}"),
        }
        match route(&OPS, &Method::DELETE, "/contacts/search") {
            Route::MethodNotAllowed(allow) => assert_eq!(allow, ["POST", "GET"]),
            other => panic!("{other:?}"),
        }
    }
}
