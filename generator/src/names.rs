//! Turning spec names into Rust identifiers: case conversion with heck,
//! keyword escaping, and de-duplication.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (all editions) that `r#` can escape.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const RESERVED: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Keeps only characters that can appear in an identifier, turning the rest
/// into word breaks, so `@type` and `x-rate-limit` convert sensibly.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// `snake_case` identifier text for a field, parameter or method
/// (`r#type` for keywords; `_2fa` for names starting with a digit).
pub fn snake(raw: &str) -> String {
    let mut name = words(raw).to_snake_case();
    if name.is_empty() {
        name = "value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    escape(name)
}

/// `UpperCamelCase` identifier text for a type or variant.
pub fn camel(raw: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    escape(name)
}

fn escape(name: String) -> String {
    if RESERVED.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// The identifier without a raw prefix, for building other names from it.
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// A set of names in one scope; hands out unique ones.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Claims `name`, or `name2`, `name3`, ... if taken. Returns the claimed
    /// name and whether it had to change.
    pub fn claim(&mut self, name: &str) -> (String, bool) {
        if self.taken.insert(name.to_owned()) {
            return (name.to_owned(), false);
        }
        let base = bare(name);
        let sep = if base.ends_with(|c: char| c.is_ascii_digit()) || base.contains('_') {
            "_"
        } else {
            ""
        };
        let mut n = 2;
        loop {
            let candidate = format!("{base}{sep}{n}");
            if self.taken.insert(candidate.clone()) {
                return (candidate, true);
            }
            n += 1;
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_escapes() {
        assert_eq!(snake("firstName"), "first_name");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("@id"), "id");
        assert_eq!(snake("X-RateLimit-Max"), "x_rate_limit_max");
        assert_eq!(camel("update-contact"), "UpdateContact");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(camel("1st"), "V1st");
        assert_eq!(camel(""), "Value");
    }

    #[test]
    fn scope_deduplicates() {
        let mut scope = Scope::default();
        assert_eq!(scope.claim("id"), ("id".to_owned(), false));
        assert_eq!(scope.claim("id"), ("id2".to_owned(), true));
        assert_eq!(scope.claim("first_name"), ("first_name".to_owned(), false));
        assert_eq!(scope.claim("first_name"), ("first_name_2".to_owned(), true));
    }
}
