//! Where a reference into another file sits decides what its target
//! becomes in the bundled document.
//!
//! A target at `#/components/<section>/<name>` keeps its section. Any other
//! target (`params.yaml#/limit`, `pets.yaml`) is placed by the position of
//! the `$ref`: an item of a `parameters` list becomes a component
//! parameter, an entry of `responses` a component response, and so on; a
//! path item or an operation (which OpenAPI 3.0 has no components for,
//! though tools that split specs into files use them) is copied in place.
//! Everything else is a schema.

use crate::diagnostics::{Path, Step};

/// What an external target becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// A component of this section of `components`.
    Component(&'static str),
    /// The target itself, where the reference was.
    Inline,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Maps of names to things that have no section in `components`.
const MAPS: [&str; 4] = ["properties", "responses", "content", "paths"];

/// The placement for a `$ref` at `here`.
pub fn placement(here: &Path<'_>) -> Placement {
    let steps = last_steps(here);
    let key = |i: usize| match steps.get(i) {
        Some(Step::Key(key)) => Some(*key),
        _ => None,
    };
    let is_index = |i: usize| matches!(steps.get(i), Some(Step::Index(_)));
    // steps[0] is the position of the `$ref` itself, steps[1] its parent...
    // A property of a schema may be called anything (`parameters`,
    // `responses`, `paths`): under `properties` the position is a schema.
    let under_properties = |i: usize| key(i) == Some("properties");
    if key(2) == Some("components") {
        if let Some(section) = key(1).and_then(section) {
            return Placement::Component(section);
        }
    }
    // A whole map that is no component (`properties: {$ref: ...}`, a
    // `responses` or `content` map): copied in place.
    if key(0).is_some_and(|k| MAPS.contains(&k)) && !under_properties(1) {
        return Placement::Inline;
    }
    if key(1) == Some("paths") && !under_properties(2) {
        return Placement::Inline;
    }
    if key(2) == Some("paths")
        && !under_properties(3)
        && key(0).is_some_and(|m| METHODS.contains(&m))
    {
        return Placement::Inline;
    }
    let section = match (key(1), key(0)) {
        (Some("parameters"), _) if is_index(0) && !under_properties(2) => "parameters",
        (Some("responses"), Some(_)) if !under_properties(2) => "responses",
        (Some("headers"), Some(_)) if !under_properties(2) => "headers",
        (Some("examples"), Some(_)) if !under_properties(2) => "examples",
        (Some("links"), Some(_)) if !under_properties(2) => "links",
        (Some("callbacks"), Some(_)) if !under_properties(2) => "callbacks",
        (_, Some("requestBody")) if !under_properties(1) => "requestBodies",
        _ => "schemas",
    };
    Placement::Component(section)
}

/// The `components` section of this name.
fn section(name: &str) -> Option<&'static str> {
    [
        "schemas",
        "responses",
        "parameters",
        "examples",
        "requestBodies",
        "headers",
        "securitySchemes",
        "links",
        "callbacks",
    ]
    .into_iter()
    .find(|section| *section == name)
}

/// The last four steps to `here`, innermost first.
fn last_steps<'a>(here: &Path<'a>) -> Vec<Step<'a>> {
    let mut steps = Vec::with_capacity(4);
    let mut at = here;
    while steps.len() < 4 {
        match at {
            Path::Below(parent, step) => {
                steps.push(*step);
                at = parent;
            }
            Path::Start(_) => break,
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(steps: &[&str]) -> Placement {
        fn walk(parent: &Path<'_>, steps: &[&str]) -> Placement {
            match steps.split_first() {
                None => placement(parent),
                // `[n]` is an array index; anything else a key.
                Some((step, rest)) => match step
                    .strip_prefix('[')
                    .and_then(|s| s.strip_suffix(']'))
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    Some(index) => walk(&parent.index(index), rest),
                    None => walk(&parent.key(step), rest),
                },
            }
        }
        walk(&Path::Start(""), steps)
    }

    #[test]
    fn places_by_position() {
        use Placement::*;
        assert_eq!(at(&["paths", "/pets"]), Inline);
        assert_eq!(at(&["paths", "/pets", "get"]), Inline);
        assert_eq!(
            at(&["paths", "/pets", "parameters", "[0]"]),
            Component("parameters")
        );
        assert_eq!(
            at(&["paths", "/pets", "get", "parameters", "[1]"]),
            Component("parameters")
        );
        assert_eq!(at(&["parameters", "[0]"]), Component("parameters"));
        assert_eq!(at(&["get", "responses", "200"]), Component("responses"));
        assert_eq!(at(&["post", "requestBody"]), Component("requestBodies"));
        assert_eq!(
            at(&["responses", "200", "headers", "X-Rate"]),
            Component("headers")
        );
        assert_eq!(
            at(&["content", "application/json", "examples", "one"]),
            Component("examples")
        );
        assert_eq!(
            at(&["responses", "200", "content", "application/json", "schema"]),
            Component("schemas")
        );
        // Properties with those names are schemas.
        assert_eq!(at(&["properties", "parameters"]), Component("schemas"));
        assert_eq!(at(&["properties", "responses", "x"]), Component("schemas"));
        assert_eq!(at(&["properties", "requestBody"]), Component("schemas"));
        assert_eq!(at(&["properties", "paths"]), Component("schemas"));
        assert_eq!(
            at(&["properties", "headers", "items"]),
            Component("schemas")
        );
        assert_eq!(at(&["properties", "paths", "items"]), Component("schemas"));
        assert_eq!(
            at(&["components", "parameters", "limit"]),
            Component("parameters")
        );
        assert_eq!(
            at(&["components", "responses", "NotFound"]),
            Component("responses")
        );
        assert_eq!(at(&["components", "schemas", "Pet"]), Component("schemas"));
        assert_eq!(at(&["allOf", "[0]", "properties"]), Inline);
        assert_eq!(at(&["get", "responses"]), Inline);
        assert_eq!(at(&["properties", "properties"]), Component("schemas"));
        assert_eq!(at(&[]), Component("schemas"));
    }
}
