//! Request values checked against the spec: the rules a generated server
//! module describes as `static` data ([`Check`], [`Shape`]), and the walk
//! that applies them to a JSON value, collecting every [`Problem`] (the
//! vendor's 422 lists all of them, not the first).
//!
//! Messages follow the wording of the vendor's 422 bodies (NestJS and
//! class-validator: `email must be a string`, `property foo should not
//! exist`, `type must be one of the following values: add, remove`), with the
//! path of nested values joined by dots (`dnd.Call.status`, `tags.2`).

use serde_json::{Map, Value};

/// How one value is checked. Generated code builds these in `static`s, one
/// per named type a request reaches ([`Check::Shape`] refers to them).
#[derive(Clone, Copy, Debug)]
pub enum Check {
    /// Anything: free-form JSON, and types with their own decoding rules
    /// (`x-rust-type`), which serde checks when the value is decoded.
    Any,
    /// A string.
    String,
    /// `true` or `false`.
    Bool,
    /// An integer that fits in 32 bits.
    I32,
    /// An integer that fits in 64 bits.
    I64,
    /// Any JSON number.
    Number,
    /// An RFC 3339 date and time (`format: date-time`).
    DateTime,
    /// A `YYYY-MM-DD` date (`format: date`).
    Date,
    /// An array whose items are checked with the inner rule.
    Array(&'static Check),
    /// An object whose values are checked with the inner rule (a map).
    Map(&'static Check),
    /// A named type of the spec.
    Shape(&'static Shape),
}

/// The rule of a named type.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// An object with listed properties.
    Object(Object),
    /// A string with listed values: the generated enums keep unknown values
    /// when decoding responses, but a request's value must be listed.
    Enum(&'static [&'static str]),
    /// `oneOf`/`anyOf` without a discriminator: the value must pass one of
    /// the alternatives (tried in order, as the generated type decodes).
    OneOf(&'static [Check]),
    /// `oneOf` with a discriminator: the tag property picks the alternative.
    Tagged(Tagged),
}

/// An object's properties and what it allows beside them.
#[derive(Clone, Copy, Debug)]
pub struct Object {
    /// The listed properties.
    pub fields: &'static [Field],
    /// Properties the object does not list.
    pub additional: Additional,
}

impl Object {
    /// An object with these properties, allowing others.
    #[must_use]
    pub const fn new(fields: &'static [Field]) -> Self {
        Self {
            fields,
            additional: Additional::Allowed,
        }
    }

    /// Refuses properties it does not list (`additionalProperties: false`).
    #[must_use]
    pub const fn closed(mut self) -> Self {
        self.additional = Additional::Forbidden;
        self
    }

    /// Checks properties it does not list with `check`
    /// (`additionalProperties` with a schema).
    #[must_use]
    pub const fn additional(mut self, check: Check) -> Self {
        self.additional = Additional::Checked(check);
        self
    }
}

/// What an object allows beside its listed properties.
#[derive(Clone, Copy, Debug)]
pub enum Additional {
    /// Anything (the OpenAPI default); the generated type ignores or keeps them.
    Allowed,
    /// Nothing (`additionalProperties: false`).
    Forbidden,
    /// Values that pass the rule.
    Checked(Check),
}

/// One listed property.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Its name on the wire.
    pub name: &'static str,
    /// Other names it is accepted under (`x-aliases`).
    pub aliases: &'static [&'static str],
    /// Its rule.
    pub check: Check,
    /// Listed in `required`.
    pub required: bool,
    /// May be `null` (`nullable: true`).
    pub nullable: bool,
}

impl Field {
    /// A property that must be present.
    #[must_use]
    pub const fn required(name: &'static str, check: Check) -> Self {
        Self {
            name,
            aliases: &[],
            check,
            required: true,
            nullable: false,
        }
    }

    /// A property that may be left out.
    #[must_use]
    pub const fn optional(name: &'static str, check: Check) -> Self {
        Self {
            name,
            aliases: &[],
            check,
            required: false,
            nullable: false,
        }
    }

    /// Allows `null`.
    #[must_use]
    pub const fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Accepts the property under these names too.
    #[must_use]
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
}

/// A union with a discriminator property.
#[derive(Clone, Copy, Debug)]
pub struct Tagged {
    /// The discriminator property.
    pub tag: &'static str,
    /// Each tag value and the rule of the object it introduces.
    pub variants: &'static [(&'static str, Check)],
}

/// One thing wrong with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where: `email`, `dnd.Call.status`, `tags.2`; empty for the whole body.
    pub path: String,
    /// The message as the vendor words it, path included
    /// (`email must be a string`).
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What [`check`] is called with: where the value sits, to name it in
/// messages.
#[derive(Clone, Debug, Default)]
pub struct Path {
    segments: Vec<String>,
}

impl Path {
    /// The path of a whole request body (messages say `body`).
    #[must_use]
    pub fn body() -> Self {
        Self::default()
    }

    /// The path of a parameter: its wire name.
    #[must_use]
    pub fn param(name: &str) -> Self {
        Self {
            segments: vec![name.to_owned()],
        }
    }

    fn push(&mut self, segment: impl Into<String>) {
        self.segments.push(segment.into());
    }

    fn pop(&mut self) {
        self.segments.pop();
    }

    fn text(&self) -> String {
        self.segments.join(".")
    }

    /// `what` said of the value here (`body` for the whole body).
    fn problem(&self, what: impl std::fmt::Display) -> Problem {
        let path = self.text();
        let subject = if path.is_empty() { "body" } else { &path };
        Problem {
            message: format!("{subject} {what}"),
            path,
        }
    }

    fn unknown_property(&self, name: &str) -> Problem {
        let mut path = self.clone();
        path.push(name);
        let path = path.text();
        Problem {
            message: format!("property {path} should not exist"),
            path,
        }
    }
}

impl std::fmt::Display for Path {
    /// The segments joined by dots (`dnd.Call.status`, `tags.2`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// Checks `value` against `rule`, adding every problem found to `problems`.
/// `null` is a problem here; callers that allow it (nullable fields) skip
/// the call.
pub fn check(value: &Value, rule: &Check, path: &mut Path, problems: &mut Vec<Problem>) {
    match rule {
        Check::Any => {}
        Check::String => {
            if !value.is_string() {
                problems.push(path.problem("must be a string"));
            }
        }
        Check::Bool => {
            if !value.is_boolean() {
                problems.push(path.problem("must be a boolean value"));
            }
        }
        Check::I32 => integer(
            value,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            path,
            problems,
        ),
        Check::I64 => integer(value, i64::MIN, i64::MAX, path, problems),
        Check::Number => {
            if !value.is_number() {
                problems
                    .push(path.problem("must be a number conforming to the specified constraints"));
            }
        }
        Check::DateTime => {
            let valid = value
                .as_str()
                .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok());
            if !valid {
                problems.push(path.problem("must be a valid ISO 8601 date string"));
            }
        }
        Check::Date => {
            let valid = value
                .as_str()
                .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok());
            if !valid {
                problems.push(path.problem("must be a valid ISO 8601 date string"));
            }
        }
        Check::Array(item) => match value.as_array() {
            Some(items) => {
                for (i, value) in items.iter().enumerate() {
                    path.push(i.to_string());
                    check(value, item, path, problems);
                    path.pop();
                }
            }
            None => problems.push(path.problem("must be an array")),
        },
        Check::Map(item) => match value.as_object() {
            Some(map) => {
                for (key, value) in map {
                    path.push(key.as_str());
                    check(value, item, path, problems);
                    path.pop();
                }
            }
            None => problems.push(path.problem("must be an object")),
        },
        Check::Shape(shape) => check_shape(value, shape, None, path, problems),
    }
}

fn integer(value: &Value, min: i64, max: i64, path: &Path, problems: &mut Vec<Problem>) {
    let Some(number) = value.as_number().filter(|n| n.is_i64() || n.is_u64()) else {
        problems.push(path.problem("must be an integer number"));
        return;
    };
    match number.as_i64() {
        Some(n) if n < min => problems.push(path.problem(format!("must not be less than {min}"))),
        Some(n) if n > max => {
            problems.push(path.problem(format!("must not be greater than {max}")));
        }
        Some(_) => {}
        // A u64 beyond i64.
        None => problems.push(path.problem(format!("must not be greater than {max}"))),
    }
}

/// `tag`: the discriminator a tagged union already read from this object,
/// which the member's own rule does not list.
fn check_shape(
    value: &Value,
    shape: &Shape,
    tag: Option<&str>,
    path: &mut Path,
    problems: &mut Vec<Problem>,
) {
    match shape {
        Shape::Object(object) => match value.as_object() {
            Some(map) => check_object(map, object, tag, path, problems),
            None => problems.push(path.problem("must be an object")),
        },
        Shape::Enum(values) => {
            if !value.as_str().is_some_and(|s| values.contains(&s)) {
                problems.push(path.problem(format!(
                    "must be one of the following values: {}",
                    values.join(", ")
                )));
            }
        }
        Shape::OneOf(alternatives) => {
            // The alternative the value is closest to says best what is
            // wrong: one whose type it has (its problems lie deeper), then
            // the fewest problems; the first of equals, as the type decodes
            // in order.
            let here = path.text();
            let mut best: Option<((bool, usize), Vec<Problem>)> = None;
            for alternative in *alternatives {
                let mut found = Vec::new();
                check(value, alternative, path, &mut found);
                if found.is_empty() {
                    return;
                }
                let score = (found.iter().any(|p| p.path == here), found.len());
                if best.as_ref().is_none_or(|(b, _)| score < *b) {
                    best = Some((score, found));
                }
            }
            problems.extend(best.map(|(_, found)| found).unwrap_or_default());
        }
        Shape::Tagged(tagged) => {
            let Some(map) = value.as_object() else {
                problems.push(path.problem("must be an object"));
                return;
            };
            let listed = || {
                tagged
                    .variants
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let found = map.get(tagged.tag).and_then(Value::as_str);
            match found.and_then(|t| tagged.variants.iter().find(|(name, _)| *name == t)) {
                Some((_, Check::Shape(member))) => {
                    check_shape(value, member, Some(tagged.tag), path, problems);
                }
                Some((_, other)) => check(value, other, path, problems),
                None => {
                    path.push(tagged.tag);
                    problems.push(
                        path.problem(format!("must be one of the following values: {}", listed())),
                    );
                    path.pop();
                }
            }
        }
    }
}

fn check_object(
    map: &Map<String, Value>,
    object: &Object,
    tag: Option<&str>,
    path: &mut Path,
    problems: &mut Vec<Problem>,
) {
    for field in object.fields {
        let found = map
            .get(field.name)
            .or_else(|| field.aliases.iter().find_map(|alias| map.get(*alias)));
        path.push(field.name);
        match found {
            None if field.required => problems.push(path.problem("should not be empty")),
            None => {}
            Some(Value::Null) if field.nullable => {}
            Some(Value::Null) => problems.push(path.problem("should not be null")),
            Some(value) => check(value, &field.check, path, problems),
        }
        path.pop();
    }
    let listed = |name: &str| {
        Some(name) == tag
            || object
                .fields
                .iter()
                .any(|f| f.name == name || f.aliases.contains(&name))
    };
    match &object.additional {
        Additional::Allowed => {}
        Additional::Forbidden => {
            for name in map.keys().filter(|name| !listed(name)) {
                problems.push(path.unknown_property(name));
            }
        }
        Additional::Checked(rule) => {
            for (name, value) in map.iter().filter(|(name, _)| !listed(name)) {
                path.push(name.as_str());
                check(value, rule, path, problems);
                path.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static STATUS: Shape = Shape::Enum(&["active", "inactive"]);
    static SETTING: Shape = Shape::Object(
        Object::new(&[
            Field::required("status", Check::Shape(&STATUS)),
            Field::optional("message", Check::String),
        ])
        .closed(),
    );
    static REQUEST: Shape = Shape::Object(Object::new(&[
        Field::required("locationId", Check::String),
        Field::optional("firstName", Check::String).nullable(),
        Field::optional("tags", Check::Array(&Check::String)),
        Field::optional("count", Check::I32),
        Field::optional("when", Check::DateTime),
        Field::optional("dnd", Check::Map(&Check::Shape(&SETTING))),
    ]));

    fn messages(value: Value) -> Vec<String> {
        let mut problems = Vec::new();
        check(
            &value,
            &Check::Shape(&REQUEST),
            &mut Path::body(),
            &mut problems,
        );
        problems.into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn a_valid_value_has_no_problems() {
        let value = json!({
            "locationId": "x", "firstName": null, "tags": ["a"], "count": 3,
            "when": "2024-01-02T03:04:05Z", "dnd": {"SMS": {"status": "active"}},
            "unlisted": true
        });
        assert_eq!(messages(value), Vec::<String>::new());
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let value = json!({
            "firstName": 5, "tags": ["a", 7], "count": 3_000_000_000_i64,
            "when": "yesterday", "dnd": {"SMS": {"status": "sleeping", "extra": 1}}
        });
        assert_eq!(
            messages(value),
            [
                "locationId should not be empty",
                "firstName must be a string",
                "tags.1 must be a string",
                "count must not be greater than 2147483647",
                "when must be a valid ISO 8601 date string",
                "dnd.SMS.status must be one of the following values: active, inactive",
                "property dnd.SMS.extra should not exist",
            ]
        );
    }

    #[test]
    fn null_only_where_nullable() {
        assert_eq!(
            messages(json!({"locationId": null})),
            ["locationId should not be null"]
        );
        assert_eq!(messages(json!([])), ["body must be an object"]);
    }

    static A: Shape = Shape::Object(Object::new(&[Field::required("a", Check::I64)]).closed());
    static B: Shape = Shape::Object(Object::new(&[Field::required("b", Check::Bool)]).closed());
    static TAGGED: Shape = Shape::Tagged(Tagged {
        tag: "kind",
        variants: &[("a", Check::Shape(&A)), ("b", Check::Shape(&B))],
    });
    static ONE_OF: Shape = Shape::OneOf(&[Check::String, Check::Shape(&A)]);

    fn problems_of(value: Value, shape: &'static Shape) -> Vec<String> {
        let mut problems = Vec::new();
        check(
            &value,
            &Check::Shape(shape),
            &mut Path::param("v"),
            &mut problems,
        );
        problems.into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn unions_pick_their_alternative() {
        assert!(problems_of(json!({"kind": "a", "a": 1}), &TAGGED).is_empty());
        assert_eq!(
            problems_of(json!({"kind": "b", "a": 1}), &TAGGED),
            ["v.b should not be empty", "property v.a should not exist"]
        );
        assert_eq!(
            problems_of(json!({"kind": "c"}), &TAGGED),
            ["v.kind must be one of the following values: a, b"]
        );
        assert!(problems_of(json!("text"), &ONE_OF).is_empty());
        assert!(problems_of(json!({"a": 2}), &ONE_OF).is_empty());
        assert_eq!(
            problems_of(json!({"a": "x"}), &ONE_OF),
            ["v.a must be an integer number"]
        );
    }
}
