//! Render layer: tokens to formatted source with the generated-file header.
//!
//! Formatting (`syn` parsing the emitted tokens, then prettyplease) is most of
//! the time generation takes, so [`client_files`] spreads it over the cores:
//! `operations.rs` is one piece of work, `types.rs` is cut into runs of whole
//! types, and each piece is emitted and formatted on whichever of the pool's
//! threads ([`crate::parallel`]) is free.
//! Tokens cannot cross threads (proc-macro2's types are not `Send`), which is
//! why each piece is emitted where it is formatted.

use std::ops::Range;

use proc_macro2::TokenStream;

use crate::diagnostics::Diagnostic;
use crate::emit::{self, Runtime};
use crate::ir::{Api, TypeDef, TypeKind};

/// Formats `tokens` as a Rust file with prettyplease and prepends the header
/// that marks it generated.
pub fn render(tokens: TokenStream, spec_name: &str) -> Result<String, Diagnostic> {
    Ok(with_header(&unparse(tokens)?, spec_name))
}

/// The `src/server.rs` of a spec with operations (`None` without): the
/// server layer, from the same IR as the client.
pub fn server_file(api: &Api, rt: &Runtime, spec_name: &str) -> Result<Option<String>, Diagnostic> {
    if api.operations.is_empty() {
        return Ok(None);
    }
    render(emit::server_file(api, rt), spec_name).map(Some)
}

/// The client's `src/types.rs` and, when the spec has operations,
/// `src/operations.rs`, emitted and formatted on all cores.
pub fn client_files(
    api: &Api,
    rt: &Runtime,
    spec_name: &str,
) -> Result<(String, Option<String>), Diagnostic> {
    client_files_on(api, rt, spec_name, crate::parallel::threads())
}

/// [`client_files`] cut in pieces for `threads` threads.
fn client_files_on(
    api: &Api,
    rt: &Runtime,
    spec_name: &str,
    threads: usize,
) -> Result<(String, Option<String>), Diagnostic> {
    let pieces = pieces(&api.types, !api.operations.is_empty(), threads);
    let formatted = crate::parallel::map(&pieces, |piece| {
        let tokens = match piece {
            Piece::Operations => emit::operations_file(api, rt),
            Piece::Types(part) => emit::types_file(api, rt, part.clone()),
        };
        unparse(tokens).map(|text| separate_items(&text))
    });
    let mut types = headed("", spec_name);
    let mut operations = None;
    for (piece, text) in pieces.iter().zip(formatted) {
        match piece {
            Piece::Operations => operations = Some(headed(&text?, spec_name)),
            Piece::Types(_) => append_separated(&mut types, &text?),
        }
    }
    Ok((types, operations))
}

/// One piece of formatting work.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    /// All of `operations.rs`.
    Operations,
    /// The types at these indices of `Api::types` (the first piece also
    /// carries the module doc).
    Types(Range<usize>),
}

/// Cuts the work in pieces: `operations.rs` first when there is one (the
/// largest single piece, so it starts first), then `types.rs` in about four runs per thread, of
/// about equal size by the number of fields and variants (a spec's types
/// range from one line to hundreds). One thread gets the whole file.
fn pieces(types: &[TypeDef], operations: bool, threads: usize) -> Vec<Piece> {
    let runs = if threads > 1 { threads * 4 } else { 1 };
    let total: usize = types.iter().map(weight).sum();
    let per_run = total.div_ceil(runs).max(1);
    let mut pieces = Vec::new();
    if operations {
        pieces.push(Piece::Operations);
    }
    let (mut start, mut filled) = (0, 0);
    for (i, def) in types.iter().enumerate() {
        filled += weight(def);
        if filled >= per_run {
            pieces.push(Piece::Types(start..i + 1));
            (start, filled) = (i + 1, 0);
        }
    }
    if start < types.len() || types.is_empty() {
        pieces.push(Piece::Types(start..types.len()));
    }
    pieces
}

/// Roughly how much code a type becomes.
fn weight(def: &TypeDef) -> usize {
    1 + match &def.kind {
        TypeKind::Struct(s) => s.fields.len(),
        TypeKind::Enum(e) => e.variants.len(),
        TypeKind::Union(u) => u.variants.len(),
        TypeKind::Alias(_) => 0,
    }
}

/// prettyplease's text for `tokens`, with blank lines between items.
fn unparse(tokens: TokenStream) -> Result<String, Diagnostic> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        Diagnostic::error(
            "",
            format!("internal error: the generator produced invalid Rust: {e}"),
        )
        .with_hint("please report this with the spec that caused it")
    })?;
    Ok(prettyplease::unparse(&file))
}

fn with_header(text: &str, spec_name: &str) -> String {
    headed(&separate_items(text), spec_name)
}

/// `text`, already separated, after the header and a blank line.
fn headed(text: &str, spec_name: &str) -> String {
    format!("{}\n{text}", header(spec_name))
}

/// Starts of lines that begin an item (or its docs and attributes).
const ITEM_STARTS: &[&str] = &[
    "///",
    "#[",
    "pub ",
    "impl",
    "fn ",
    "struct ",
    "enum ",
    "type ",
    "const ",
    "static ",
    "mod ",
    "use ",
    "async fn ",
];

/// prettyplease puts items right under each other; a blank line between one
/// item's closing brace (or a one-line item) and the next item's docs reads
/// like hand-written code.
fn separate_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    for line in text.lines() {
        if previous.is_some_and(|previous| blank_between(previous, line)) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

/// Appends a piece that [`separate_items`] has been through to `out`, with
/// the blank line it would have put where they meet: the pieces joined are
/// what separating the whole text gives.
fn append_separated(out: &mut String, piece: &str) {
    let last = out.lines().next_back();
    let first = piece.lines().next();
    if let (Some(last), Some(first)) = (last, first) {
        if blank_between(last, first) {
            out.push('\n');
        }
    }
    out.push_str(piece);
}

/// Whether a blank line goes between these two adjacent lines: the first
/// ends an item and the second, at the same indentation, begins one.
fn blank_between(previous: &str, line: &str) -> bool {
    // Most lines end no item: decide on the previous line's last byte first.
    if !matches!(previous.trim_end().as_bytes().last(), Some(b'}' | b';')) {
        return false;
    }
    let prev = previous.trim();
    let trimmed = line.trim_start();
    // A multi-line `static` ends in `};`, `];` or `);`; a trait's method
    // without a body ends in `;` and the next one starts with its docs.
    let prev_ends_item = matches!(prev, "}" | "};" | "];" | ");")
        || (prev.ends_with(';')
            && ((trimmed.starts_with("///") && !prev.starts_with("//"))
                || ["pub ", "use ", "static "]
                    .iter()
                    .any(|s| prev.starts_with(s))));
    if !prev_ends_item {
        return false;
    }
    let indent = line.len() - trimmed.len();
    let prev_indent = previous.len() - previous.trim_start().len();
    indent == prev_indent && ITEM_STARTS.iter().any(|s| trimmed.starts_with(s))
}

/// The header every generated file starts with.
pub fn header(spec_name: &str) -> String {
    format!(
        "// @generated by `cargo xtask codegen` from {spec_name}.\n\
         // Do not edit: change the spec or the generator, then regenerate.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formatting in pieces on several threads gives what formatting each
    /// file whole on one thread gives.
    #[test]
    fn pieces_joined_are_the_whole_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut specs = vec![root.join("spec/contacts.yaml")];
        let fixtures = std::fs::read_dir(root.join("tests/fixtures")).expect("fixtures");
        specs.extend(
            fixtures
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml")),
        );
        assert!(specs.len() > 5, "{specs:?}");
        let rt = Runtime::in_crate();
        for spec in specs {
            let loaded = crate::load::load(&spec).expect("loads");
            let (api, _) = crate::lower::lower(&loaded);
            let whole = client_files_on(&api, &rt, "spec", 1).expect("renders");
            assert_eq!(pieces(&api.types, true, 1).len(), 2, "{spec:?}");
            for threads in [2, 3, 7] {
                assert!(pieces(&api.types, true, threads).len() > 2 || api.types.len() < 2);
                let split = client_files_on(&api, &rt, "spec", threads).expect("renders");
                assert_eq!(split, whole, "{spec:?} on {threads} threads");
            }
        }
    }
}
