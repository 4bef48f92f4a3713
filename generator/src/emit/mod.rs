//! Emit layer: the intermediate representation to Rust tokens, with `quote!`.
//! `types` emits the models, `operations` the client methods, `server` the
//! server layer; this module
//! holds what both need: type expressions, identifiers and rustdoc.

mod operations;
mod server;
mod types;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{quote, ToTokens, TokenStreamExt};
use serde_json::Value;

use crate::ir::{Docs, Ty};
use crate::names;

pub use operations::operations_file;
pub use server::server_file;
pub use types::types_file;

/// Where generated code finds the runtime (`Nullable`, `Core`, `Error`,
/// ...): the `openapi-runtime` crate ([`Runtime::default`]), the same crate
/// under another name, or the generated crate itself.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// `None` for `crate`, else the runtime crate's name.
    external: Option<String>,
}

/// The runtime crate's name in Rust paths.
pub const RUNTIME_CRATE: &str = "openapi_runtime";
/// The runtime crate's package name.
pub const RUNTIME_PACKAGE: &str = "openapi-runtime";
/// The versions of the runtime the generated code is written for: a
/// standalone crate's requirement on it (`tests` checks it against
/// `runtime/Cargo.toml`).
pub const RUNTIME_VERSION: &str = "0.1";

impl Default for Runtime {
    /// The `openapi-runtime` crate (`::openapi_runtime::...`).
    fn default() -> Self {
        Self {
            external: Some(RUNTIME_CRATE.to_owned()),
        }
    }
}

impl Runtime {
    /// The runtime lives in the same crate (`crate::...`).
    pub fn in_crate() -> Self {
        Self { external: None }
    }

    /// The runtime is the named crate (`::openapi_runtime::...`); `None` if the
    /// name is not an identifier.
    pub fn external(crate_name: &str) -> Option<Self> {
        syn::parse_str::<Ident>(crate_name).ok()?;
        Some(Self {
            external: Some(crate_name.to_owned()),
        })
    }

    fn tokens(&self) -> TokenStream {
        match &self.external {
            None => quote!(crate),
            Some(name) => {
                let name = ident(name);
                quote!(::#name)
            }
        }
    }

    /// The path as text, for serde attributes that take a path string.
    fn text(&self) -> &str {
        self.external.as_deref().unwrap_or("crate")
    }
}

/// Emission context.
pub struct Ctx<'a> {
    /// Runtime location.
    pub rt: &'a Runtime,
    /// Whether code is emitted inside the `types` module (named types need
    /// no prefix there).
    pub in_types: bool,
}

impl Ctx<'_> {
    /// The tokens for a type.
    pub fn ty(&self, ty: &Ty) -> TokenStream {
        match ty {
            Ty::String => quote!(String),
            Ty::Bool => quote!(bool),
            Ty::I32 => quote!(i32),
            Ty::I64 => quote!(i64),
            Ty::F32 => quote!(f32),
            Ty::F64 => quote!(f64),
            Ty::Number => quote!(::serde_json::Number),
            Ty::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
            Ty::Date => quote!(::chrono::NaiveDate),
            Ty::Json => quote!(::serde_json::Value),
            Ty::Vec(inner) => {
                let inner = self.ty(inner);
                quote!(Vec<#inner>)
            }
            Ty::Map(inner) => {
                let inner = self.ty(inner);
                quote!(::std::collections::BTreeMap<String, #inner>)
            }
            Ty::Named(name) => {
                let name = ident(name);
                if self.in_types {
                    quote!(#name)
                } else {
                    quote!(types::#name)
                }
            }
            Ty::Runtime(path) => {
                let rt = self.rt.tokens();
                match syn::parse_str::<syn::Path>(path) {
                    Ok(path) => quote!(#rt::#path),
                    // Checked when lowering; unreachable in practice, but a
                    // bad path must not panic the generator.
                    Err(_) => quote!(::serde_json::Value),
                }
            }
            Ty::Crate(path) => match syn::parse_str::<syn::Path>(path) {
                Ok(path) => quote!(crate::#path),
                Err(_) => quote!(::serde_json::Value),
            },
            Ty::Boxed(inner) => {
                let inner = self.ty(inner);
                quote!(Box<#inner>)
            }
        }
    }
}

/// An identifier from a name the `names` module produced (`r#type` becomes a
/// raw identifier).
pub fn ident(name: &str) -> Ident {
    if plain_ident(name) {
        return Ident::new(name, Span::call_site());
    }
    if let Some(raw) = name.strip_prefix("r#") {
        if syn::parse_str::<Ident>(raw).is_err() || is_keyword(raw) {
            return Ident::new_raw(raw, Span::call_site());
        }
    }
    match syn::parse_str::<Ident>(name) {
        Ok(id) => id,
        // Names are sanitised before they get here; fall back rather than
        // panic if one slips through.
        Err(_) => Ident::new(&names::snake(name).replace("r#", "r_"), Span::call_site()),
    }
}

/// Every keyword of every edition, reserved and weak ones too: a superset
/// of the words `syn` refuses as an `Ident`.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "auto", "await", "become", "box", "break", "const",
    "continue", "crate", "default", "do", "dyn", "else", "enum", "extern", "false", "final",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "macro_rules", "match", "mod",
    "move", "mut", "override", "priv", "pub", "raw", "ref", "return", "safe", "Self", "self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "union", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

/// An ASCII identifier that is no keyword: most names, which `syn` would
/// accept as they are. Checking this is a hundredth of lexing the name.
fn plain_ident(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !KEYWORDS.contains(&name)
}

fn is_keyword(word: &str) -> bool {
    syn::parse_str::<Ident>(word).is_err()
}

/// `#[doc = "..."]` attributes for `docs`, or `fallback` when the spec says
/// nothing.
pub fn doc_attrs(docs: &Docs, fallback: &str) -> TokenStream {
    let lines = doc_lines(docs, fallback);
    let lines = lines.iter().map(|line| DocLine(line));
    quote! { #( #[doc = #lines] )* }
}

/// One line of rustdoc, as the string literal of its `#[doc = ...]`.
///
/// prettyplease prints a doc attribute by its value (`/// text`) when the
/// value is one line that does not start with `/`; then the literal is raw
/// (`r"text"`), because syn reads a raw string by slicing it, where it
/// unescapes an ordinary one a character at a time (twice: to parse it and
/// when prettyplease asks for the value), and doc lines are most of the
/// text a generated file holds. The printed file is the same. Lines that
/// prettyplease prints as an attribute keep the escaped literal.
struct DocLine<'a>(&'a str);

impl ToTokens for DocLine<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append(doc_line(self.0));
    }
}

/// The literal for one doc line (see [`DocLine`]).
pub fn doc_line(line: &str) -> Literal {
    if line.starts_with('/') || line.contains(['\n', '\r']) {
        return Literal::string(line);
    }
    // Enough `#`s that no `"` in the line closes the literal early.
    let mut hashes = 0;
    let mut rest = line;
    while let Some(quote) = rest.find('"') {
        rest = &rest[quote + 1..];
        let run = rest.len() - rest.trim_start_matches('#').len();
        hashes = hashes.max(run + 1);
    }
    let fence = "#".repeat(hashes);
    // The lexer checks the token; anything it refuses stays escaped.
    format!("r{fence}\"{line}\"{fence}")
        .parse()
        .unwrap_or_else(|_| Literal::string(line))
}

/// The rustdoc lines for `docs`.
pub fn doc_lines(docs: &Docs, fallback: &str) -> Vec<String> {
    let mut paragraphs: Vec<Vec<String>> = Vec::new();
    let summary = docs
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let description = docs
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (summary, description) {
        (Some(s), Some(d)) if s == d => paragraphs.push(sanitize(s)),
        (Some(s), Some(d)) => {
            paragraphs.push(sanitize(s));
            paragraphs.push(sanitize(d));
        }
        (Some(s), None) => paragraphs.push(sanitize(s)),
        (None, Some(d)) => paragraphs.push(sanitize(d)),
        (None, None) => paragraphs.push(vec![fallback.to_owned()]),
    }
    for note in &docs.notes {
        paragraphs.push(sanitize(note));
    }
    if let Some(example) = &docs.example {
        paragraphs.push(example_lines(example));
    }
    let mut out = Vec::new();
    for (i, paragraph) in paragraphs.into_iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        out.extend(paragraph);
    }
    // A leading space after `///` reads like hand-written docs. Tabs
    // (from examples too) become spaces: clippy's `tabs_in_doc_comments`.
    out.into_iter()
        .map(|line| {
            if line.is_empty() {
                line
            } else {
                format!(" {}", line.replace('\t', "    "))
            }
        })
        .collect()
}

/// Makes spec text safe as rustdoc: no indented code blocks or untyped
/// fences (rustdoc would compile them as doctests), and list and quote
/// continuation lines marked as such (a continuation Markdown takes
/// lazily, clippy's `doc_lazy_continuation` refuses): indented to where
/// the item's text starts, or given the quote's `>`.
fn sanitize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // The marker (three backticks or tildes) of the fence the line is in.
    let mut fence: Option<&str> = None;
    let mut continuation: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim();
        let marker = ["```", "~~~"].into_iter().find(|m| line.starts_with(m));
        if let Some(marker) = marker.filter(|m| fence.is_none_or(|open| open == *m)) {
            if fence.is_some() {
                out.push(marker.to_owned());
                fence = None;
            } else {
                let lang = line
                    .trim_start_matches(marker.chars().next().unwrap_or('`'))
                    .trim();
                let lang = if lang.is_empty() || lang == "rust" {
                    "text"
                } else {
                    lang
                };
                out.push(format!("{marker}{lang}"));
                fence = Some(marker);
            }
            continuation = None;
            continue;
        }
        if fence.is_some() {
            out.push(raw.trim_end().to_owned());
            continue;
        }
        if line.is_empty() {
            continuation = None;
            out.push(String::new());
            continue;
        }
        if let Some(width) = list_marker_width(line) {
            continuation = Some(" ".repeat(width));
            out.push(line.to_owned());
        } else if line.starts_with('>') {
            continuation = Some("> ".to_owned());
            out.push(line.to_owned());
        } else if let Some(prefix) = &continuation {
            out.push(format!("{prefix}{line}"));
        } else {
            out.push(line.to_owned());
        }
    }
    if let Some(marker) = fence {
        out.push(marker.to_owned());
    }
    out
}

/// Where the text of a Markdown list item starting `line` begins (`- `,
/// `* `, `+ `, `1. `, `1) ` and the spaces after them: `*   text` is 4),
/// if `line` starts one. Five spaces or more after the marker start an
/// indented code block inside the item; its text then begins one space
/// after the marker, as CommonMark reads it.
fn list_marker_width(line: &str) -> Option<usize> {
    let marker = if line.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        let delimited = line
            .get(digits..)
            .is_some_and(|r| r.starts_with('.') || r.starts_with(')'));
        if digits == 0 || digits > 9 || !delimited {
            return None;
        }
        digits + 1
    };
    let rest = line.get(marker..)?;
    let spaces = rest.len() - rest.trim_start_matches(' ').len();
    if spaces == 0 || spaces == rest.len() {
        // `-1`, `**bold**`, or a marker alone on its line.
        return None;
    }
    Some(marker + if spaces > 4 { 1 } else { spaces })
}

fn example_lines(example: &Value) -> Vec<String> {
    match example {
        Value::String(s) if !s.contains('`') && !s.contains('\n') => {
            vec![format!("Example: `{s}`")]
        }
        Value::Number(_) | Value::Bool(_) | Value::Null => vec![format!("Example: `{example}`")],
        other => {
            let pretty = serde_json::to_string_pretty(other).unwrap_or_default();
            let mut lines = vec!["Example:".to_owned(), String::new(), "```json".to_owned()];
            lines.extend(pretty.lines().map(str::to_owned));
            lines.push("```".to_owned());
            lines
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A doc line prints the same from its raw literal as from the escaped
    /// one, whatever it holds.
    #[test]
    fn raw_doc_lines_print_as_escaped_ones_do() {
        let lines = [
            " plain text",
            " quotes \" and \"# and \"## inside",
            " back\\slash \\n and \\u{41}",
            " unicode: café, 日本, emoji 🦀",
            "/ starts with a slash",
            "// two",
            "",
            " tab\there",
            " ends with a quote\"",
            " `code` and <html> & more",
        ];
        for line in lines {
            let raw = doc_line(line);
            let escaped = Literal::string(line);
            let print = |lit: &Literal| {
                let file: syn::File =
                    syn::parse2(quote! { #[doc = #lit] pub struct S; }).expect("parses");
                prettyplease::unparse(&file)
            };
            assert_eq!(print(&raw), print(&escaped), "{line:?} as {raw}");
        }
        assert!(doc_line(" a \"# b").to_string().starts_with("r##\""));
        assert!(doc_line("/ x").to_string().starts_with('"'));
    }

    /// A continuation line is indented to where its list item's text
    /// starts, however many spaces follow the marker, and a quote's
    /// continuation keeps the quote.
    #[test]
    fn continuation_lines_are_indented_under_their_item() {
        let text = "Intro:\n*   first item\nruns on\n-  second\nruns on\n10. tenth\nruns on\n\n> quoted\nruns on\n\nafter";
        assert_eq!(
            sanitize(text),
            [
                "Intro:",
                "*   first item",
                "    runs on",
                "-  second",
                "   runs on",
                "10. tenth",
                "    runs on",
                "",
                "> quoted",
                "> runs on",
                "",
                "after",
            ]
        );
        let docs = Docs {
            description: Some("```\n{\n\t\"a\": 1\n}\n```\na\tb".into()),
            example: Some(Value::String("x\ty".into())),
            ..Docs::default()
        };
        assert_eq!(
            doc_lines(&docs, ""),
            [
                " ```text",
                " {",
                "     \"a\": 1",
                " }",
                " ```",
                " a    b",
                "",
                " Example: `x    y`"
            ]
        );
        assert_eq!(
            sanitize("~~~\nlet x = 1;\n```\n~~~\nafter"),
            ["~~~text", "let x = 1;", "```", "~~~", "after"]
        );
        assert_eq!(list_marker_width("-      code"), Some(2));
        assert_eq!(list_marker_width("-1 is negative"), None);
        assert_eq!(list_marker_width("**bold** text"), None);
        assert_eq!(list_marker_width("2021. A year"), Some(6));
    }

    /// The fast path in `ident` gives what lexing the name with `syn` gives.
    #[test]
    fn plain_idents_are_what_syn_accepts_unchanged() {
        let names = [
            "id",
            "Id",
            "_id",
            "__",
            "x1",
            "r",
            "b",
            "br",
            "c",
            "union",
            "gen",
            "raw",
            "type",
            "Self",
            "self",
            "_",
            "1a",
            "a-b",
            "a b",
            "é",
            "",
            "r#type",
            "async",
            "try",
            "dyn",
            "contact_id",
            "ContactId",
            "Open2",
        ];
        for name in names.iter().chain(KEYWORDS) {
            if plain_ident(name) {
                let by_syn = syn::parse_str::<Ident>(name).map(|i| i.to_string());
                assert_eq!(by_syn.ok().as_deref(), Some(*name), "{name}");
            }
        }
        assert!(plain_ident("contact_id") && !plain_ident("type") && !plain_ident("1a"));
    }
}
