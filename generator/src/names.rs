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
///
/// Signs are words where nothing else tells the name apart: a name with no
/// letter or digit spells every symbol (`>=` is `gt eq`, `*` is `star`),
/// and a sign before a name of digits only is spelled too (`+1` is
/// `plus 1`, `-1` is `minus 1`), where dropping it would leave `_1` for
/// both.
fn words(raw: &str) -> String {
    let alphanumeric = raw.chars().any(|c| c.is_ascii_alphanumeric());
    let letters = raw.chars().any(|c| c.is_ascii_alphabetic());
    if !alphanumeric {
        return spelled(raw, |_| true);
    }
    if !letters {
        // Leading signs only: `2021-07-28` keeps its dashes as breaks.
        let lead = raw.len() - raw.trim_start_matches(['+', '-']).len();
        return spelled(raw, |i| i < lead);
    }
    plain_words(raw)
}

fn plain_words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Words for symbols in names (see [`words`] and [`snake_spelled`]).
const SYMBOL_WORDS: &[(char, &str)] = &[
    ('+', "plus"),
    ('-', "minus"),
    ('<', "lt"),
    ('>', "gt"),
    ('=', "eq"),
    ('!', "not"),
    ('*', "star"),
    ('/', "slash"),
    ('%', "percent"),
    ('&', "and"),
    ('|', "or"),
    ('^', "caret"),
    ('~', "tilde"),
    ('@', "at"),
    ('#', "hash"),
    ('$', "dollar"),
    ('?', "question"),
    ('.', "dot"),
];

/// `raw` with the symbols at the byte offsets `spell` picks written as
/// words, every other non-alphanumeric character a word break.
fn spelled(raw: &str, spell: impl Fn(usize) -> bool) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for (i, c) in raw.char_indices() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        match SYMBOL_WORDS.iter().find(|(s, _)| *s == c) {
            Some((_, word)) if spell(i) => {
                out.push(' ');
                out.push_str(word);
                out.push(' ');
            }
            _ => out.push(' '),
        }
    }
    out
}

/// The words of `raw` with the symbols before its first and after its last
/// letter or digit spelled: the name two spec names that differ only by
/// such a sign get (`-id` beside `id`), when the plain one is taken.
fn end_words(raw: &str) -> String {
    let first = raw.find(|c: char| c.is_ascii_alphanumeric()).unwrap_or(0);
    let last = raw
        .rfind(|c: char| c.is_ascii_alphanumeric())
        .unwrap_or(raw.len());
    spelled(raw, |i| i < first || i > last)
}

/// `snake_case` identifier text for a field, parameter or method
/// (`r#type` for keywords; `_2fa` for names starting with a digit, `v1`
/// for names of digits only, which clippy reads as placeholders).
pub fn snake(raw: &str) -> String {
    snake_from(&words(raw))
}

/// The [`snake`] name of `raw` with its leading and trailing signs spelled
/// (`-id` -> `minus_id`), when that differs from the plain one: what a name
/// takes before a number when the plain one is taken.
pub fn snake_spelled(raw: &str) -> Option<String> {
    let spelled = snake_from(&end_words(raw));
    (spelled != snake(raw)).then_some(spelled)
}

fn snake_from(words: &str) -> String {
    let mut name = words.to_snake_case();
    if name.is_empty() {
        name = "value".to_owned();
    }
    if name.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        name.insert(0, 'v');
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    escape(name)
}

/// `UpperCamelCase` identifier text for a type or variant.
pub fn camel(raw: &str) -> String {
    camel_from(&words(raw))
}

/// The [`camel`] name of `raw` with its leading and trailing signs spelled
/// (`-id` -> `MinusId`), when that differs from the plain one.
pub fn camel_spelled(raw: &str) -> Option<String> {
    let spelled = camel_from(&end_words(raw));
    (spelled != camel(raw)).then_some(spelled)
}

fn camel_from(words: &str) -> String {
    let mut name = words.to_upper_camel_case();
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

    /// Claims `plain`, else `spelled` (the name with its signs written as
    /// words, from [`snake_spelled`] or [`camel_spelled`]), else a numbered
    /// `plain`. Returns the claimed name and whether it is not `plain`.
    pub fn claim_spelled(&mut self, plain: &str, spelled: Option<String>) -> (String, bool) {
        if !self.contains(plain) {
            return self.claim(plain);
        }
        match spelled {
            Some(spelled) if !self.contains(&spelled) => (self.claim(&spelled).0, true),
            _ => self.claim(plain),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// Every method name a generated struct (a model, or an operation's
/// `Params`) has of its own or by a trait it implements or derives, which
/// its setters must not take: the constructor, `Default`, `Clone`, `Debug`,
/// `PartialEq`, serde's traits, and the methods of std's operator and
/// conversion traits, which clippy (`should_implement_trait`) refuses on an
/// inherent method of the same shape (a setter `add(self, value) -> Self`
/// reads as `Add::add`). A field whose name is here gets a `with_` setter
/// (`with_new`, `with_add`). Clearers start with `clear_` and are claimed
/// after the setters, from the same scope.
pub const STRUCT_METHODS: &[&str] = &[
    // Own and derived.
    "new",
    "default",
    "clone",
    "clone_from",
    "fmt",
    "eq",
    "ne",
    "serialize",
    "deserialize",
    // std's traits (clippy's `should_implement_trait` list).
    "add",
    "as_mut",
    "as_ref",
    "bitand",
    "bitor",
    "bitxor",
    "borrow",
    "borrow_mut",
    "cmp",
    "deref",
    "deref_mut",
    "div",
    "drop",
    "from_iter",
    "from_str",
    "hash",
    "index",
    "index_mut",
    "into_iter",
    "mul",
    "neg",
    "next",
    "not",
    "rem",
    "shl",
    "shr",
    "sub",
];

/// Method names of the generated `Client`, its own and its traits'
/// (`Clone`, `Debug`, `From<Core>`), which no operation may take.
pub const CLIENT_METHODS: &[&str] = &[
    "new",
    "builder",
    "core",
    "from_core",
    "clone",
    "fmt",
    "from",
];

/// Claims the setters of the fields named `fields` (in order) in a struct's
/// `methods` (a scope made from [`STRUCT_METHODS`]): each field's own name,
/// or `with_<name>` when a method of the struct has it. Fields keep their
/// own names first, so a field named `with_add` keeps its name and `add`
/// gets `with_add_2`.
pub fn claim_setters(methods: &mut Scope, fields: &[&str]) -> Vec<String> {
    let mut setters: Vec<Option<String>> = fields
        .iter()
        .map(|field| (!methods.contains(bare(field))).then(|| methods.claim(field).0))
        .collect();
    for (setter, field) in setters.iter_mut().zip(fields) {
        if setter.is_none() {
            *setter = Some(methods.claim(&format!("with_{}", bare(field))).0);
        }
    }
    setters.into_iter().flatten().collect()
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
    fn signs_and_digits_become_words() {
        assert_eq!(snake("+1"), "plus_1");
        assert_eq!(snake("-1"), "minus_1");
        assert_eq!(camel("+1"), "Plus1");
        assert_eq!(camel("-1"), "Minus1");
        assert_eq!(snake(">="), "gt_eq");
        assert_eq!(camel("!="), "NotEq");
        assert_eq!(camel("*"), "Star");
        assert_eq!(snake("1"), "v1");
        assert_eq!(snake("1.5"), "v1_5");
        // Dashes between digits stay breaks (dates, versions).
        assert_eq!(camel("2021-07-28"), "V20210728");
        assert_eq!(snake("2fa"), "_2fa");
        // Signs beside letters are breaks, spelled only to tell names apart.
        assert_eq!(camel("-id"), "Id");
        assert_eq!(camel_spelled("-id").as_deref(), Some("MinusId"));
        assert_eq!(snake_spelled("-id").as_deref(), Some("minus_id"));
        assert_eq!(camel_spelled("id"), None);
        assert_eq!(camel_spelled("x-rate-limit"), None);
        assert_eq!(camel_spelled("C++").as_deref(), Some("CPlusPlus"));
    }

    #[test]
    fn sign_only_differences_get_words_before_numbers() {
        let mut scope = Scope::default();
        assert_eq!(
            scope.claim_spelled(&camel("id"), camel_spelled("id")).0,
            "Id"
        );
        assert_eq!(
            scope.claim_spelled(&camel("-id"), camel_spelled("-id")),
            ("MinusId".to_owned(), true)
        );
        assert_eq!(
            scope.claim_spelled(&camel("ID"), camel_spelled("ID")).0,
            "Id2"
        );
    }

    #[test]
    fn setters_avoid_the_structs_own_methods() {
        let mut methods = Scope::with_reserved(STRUCT_METHODS);
        let fields = ["name", "new", "add", "with_add", "r#type"];
        assert_eq!(
            claim_setters(&mut methods, &fields),
            ["name", "with_new", "with_add_2", "with_add", "r#type"]
        );
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
