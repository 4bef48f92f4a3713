//! Path templates: the segments between slashes, and the path parameters
//! they name, in the order they appear.

use super::Lowerer;
use crate::diagnostics::Diagnostic;
use crate::ir::{Docs, Param, Part, Segment, Ty};
use crate::names::{self, Scope};

impl Lowerer<'_> {
    /// Splits the path template; synthesises parameters the template uses
    /// but the operation never declares. Leaves `path_params` in path order.
    pub(super) fn segments(
        &mut self,
        path: &str,
        pointer: &str,
        path_params: &mut Vec<Param>,
        names_in_scope: &mut Scope,
    ) -> Option<Vec<Segment>> {
        let mut segments = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for piece in path.split('/').skip(1) {
            let Some(parts) = split_piece(piece) else {
                self.diagnostics.push(
                    Diagnostic::error(
                        pointer,
                        format!("path segment `{piece}` has an unmatched `{{` or `}}`"),
                    )
                    .with_hint("a parameter is written `{name}`"),
                );
                return None;
            };
            let mut lowered = Vec::with_capacity(parts.len());
            for part in parts {
                match part {
                    Piece::Text(text) => lowered.push(Part::Text(text.to_owned())),
                    Piece::Param(name) => {
                        if seen.contains(&name) {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    pointer,
                                    format!("path `{path}` names `{{{name}}}` twice"),
                                )
                                .with_hint("path template names must be unique"),
                            );
                            return None;
                        }
                        seen.push(name);
                        let index = self.path_param(name, pointer, path_params, names_in_scope);
                        lowered.push(Part::Param(index));
                    }
                }
            }
            segments.push(match lowered.as_slice() {
                [] => Segment::Literal(String::new()),
                [Part::Text(text)] => Segment::Literal(text.clone()),
                [Part::Param(index)] => Segment::Param(*index),
                _ => Segment::Mixed(lowered),
            });
        }
        // Keep path parameters in path order for the method signature.
        let order: Vec<usize> = segments.iter().flat_map(params_of).collect();
        let reordered: Vec<Param> = order
            .iter()
            .filter_map(|i| path_params.get(*i).cloned())
            .collect();
        *path_params = reordered;
        let mut next = 0;
        let mut renumber = |i: &mut usize| {
            *i = next;
            next += 1;
        };
        for segment in &mut segments {
            match segment {
                Segment::Param(i) => renumber(i),
                Segment::Mixed(parts) => {
                    for part in parts {
                        if let Part::Param(i) = part {
                            renumber(i);
                        }
                    }
                }
                Segment::Literal(_) => {}
            }
        }
        Some(segments)
    }

    /// The index in `path_params` of the parameter the template calls
    /// `name`; one the operation never declares is added as a required
    /// string, with a warning.
    fn path_param(
        &mut self,
        name: &str,
        pointer: &str,
        path_params: &mut Vec<Param>,
        names_in_scope: &mut Scope,
    ) -> usize {
        if let Some(i) = path_params.iter().position(|p| p.wire == name) {
            return i;
        }
        self.diagnostics.push(
            Diagnostic::warning(pointer, format!("path uses `{{{name}}}` but the operation does not declare it; it is taken as a required string"))
                .with_hint(format!("declare `{name}` with `in: path`")),
        );
        let (rust, _) =
            names_in_scope.claim_spelled(&names::snake(name), names::snake_spelled(name));
        path_params.push(Param {
            name: rust,
            wire: name.to_owned(),
            ty: Ty::String,
            required: true,
            docs: Docs {
                notes: vec!["Not declared by the spec; taken from the path.".into()],
                ..Docs::default()
            },
            setter: None,
        });
        path_params.len() - 1
    }
}

/// The parameters a segment names, by index, in order.
fn params_of(segment: &Segment) -> Vec<usize> {
    match segment {
        Segment::Literal(_) => Vec::new(),
        Segment::Param(i) => vec![*i],
        Segment::Mixed(parts) => parts
            .iter()
            .filter_map(|part| match part {
                Part::Param(i) => Some(*i),
                Part::Text(_) => None,
            })
            .collect(),
    }
}

/// A piece of a segment, before parameters are looked up.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    Param(&'a str),
}

/// Splits one segment into text and `{name}`s; `None` when a brace is
/// unmatched or a name is empty.
fn split_piece(segment: &str) -> Option<Vec<Piece<'_>>> {
    let mut pieces = Vec::new();
    let mut rest = segment;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                pieces.push(Piece::Text(rest));
                break;
            }
            Some(at) if rest.as_bytes().get(at) == Some(&b'}') => return None,
            Some(at) => {
                if at > 0 {
                    pieces.push(Piece::Text(rest.get(..at)?));
                }
                let after = rest.get(at + 1..)?;
                let close = after.find('}')?;
                let name = after.get(..close)?;
                if name.is_empty() || name.contains('{') {
                    return None;
                }
                pieces.push(Piece::Param(name));
                rest = after.get(close + 1..)?;
            }
        }
    }
    Some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_parameters() {
        use Piece::*;
        assert_eq!(split_piece("things"), Some(vec![Text("things")]));
        assert_eq!(split_piece("{id}"), Some(vec![Param("id")]));
        assert_eq!(
            split_piece("{Sid}.json"),
            Some(vec![Param("Sid"), Text(".json")])
        );
        assert_eq!(
            split_piece("v{major}.{minor}"),
            Some(vec![Text("v"), Param("major"), Text("."), Param("minor")])
        );
        assert_eq!(split_piece("{a}{b}"), Some(vec![Param("a"), Param("b")]));
        assert_eq!(split_piece(""), Some(vec![]));
        for bad in ["{", "}", "{}", "a}", "{a", "{a{b}}", "x{y}z}"] {
            assert_eq!(split_piece(bad), None, "{bad}");
        }
    }
}
