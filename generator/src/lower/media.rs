//! Media types: how a request or response body of each `content` entry is
//! written and read, and which entry an operation uses when it lists
//! several.
//!
//! The kind follows from the media type and, where the type alone does not
//! say, from the schema:
//!
//! - JSON: `application/json`, any `…+json` (`application/*+json`
//!   included), and `*/*` unless its schema is `format: binary`;
//! - form: `application/x-www-form-urlencoded`;
//! - multipart: `multipart/form-data`;
//! - binary: a `type: string, format: binary` schema (3.1's
//!   `contentMediaType`) under any other type, and every type not named
//!   here (`application/octet-stream`, `image/*`, `application/pdf`,
//!   `multipart/mixed`, ...), whatever its schema says: `format: byte`
//!   (base64) under `application/octet-stream` is common in real specs for
//!   raw files, and base64 text is bytes too (an `UploadBody` from a
//!   `String`);
//! - text: `text/*` and the textual `application` types (XML, YAML,
//!   JavaScript, GraphQL, SQL, NDJSON, CSV), unless the schema is
//!   `format: binary` (a file upload).
//!
//! An operation that lists several takes the first of its kinds in this
//! order: JSON, form, multipart, text, binary (document order among
//! entries of one kind), the order a user reaches for them.

use indexmap::IndexMap;
use openapiv3::{MediaType, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

use super::Lowerer;

/// What a `content` entry's bodies are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    Json,
    Form,
    Multipart,
    Text,
    Binary,
}

/// `application` subtypes that are text.
const TEXTUAL: &[&str] = &[
    "application/xml",
    "application/yaml",
    "application/x-yaml",
    "application/javascript",
    "application/ecmascript",
    "application/graphql",
    "application/sql",
    "application/x-ndjson",
    "application/jsonl",
    "application/csv",
];

/// A media type without parameters, lower case (`Application/JSON; charset=x`
/// -> `application/json`).
pub(super) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether the media type is a range (`image/*`, `*/*`): the caller names
/// the concrete type.
pub(super) fn is_range(content_type: &str) -> bool {
    essence(content_type).contains('*')
}

/// The string format a schema declares, if any (`binary`, `byte`), with or
/// without `type: string`.
fn string_format(schema: &Schema) -> Option<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => match &s.format {
            VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary) => Some("binary"),
            VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Byte) => Some("byte"),
            VariantOrUnknownOrEmpty::Unknown(other) => Some(other.as_str()),
            _ => None,
        },
        SchemaKind::Any(any) => any.format.as_deref(),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// The kind of one `content` entry.
    pub(super) fn media_kind(&self, content_type: &str, media: &MediaType) -> Kind {
        let essence = essence(content_type);
        let schema = media.schema.as_ref().and_then(|schema| match schema {
            ReferenceOr::Item(s) => Some(s.clone()),
            ReferenceOr::Reference { reference } => self.resolve_schema(reference),
        });
        let format = schema.as_ref().and_then(string_format);
        let json = essence == "application/json" || essence.ends_with("+json");
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Kind::Form,
            "multipart/form-data" => Kind::Multipart,
            _ if json => Kind::Json,
            "*/*" if format != Some("binary") => Kind::Json,
            _ if format == Some("binary") => Kind::Binary,
            _ if essence.starts_with("text/")
                || TEXTUAL.contains(&essence.as_str())
                || essence.ends_with("+xml")
                || essence.ends_with("+yaml") =>
            {
                Kind::Text
            }
            _ => Kind::Binary,
        }
    }

    /// The entry an operation uses: the first of the most preferred kind.
    pub(super) fn choose_media<'c>(
        &self,
        content: &'c IndexMap<String, MediaType>,
    ) -> Option<(&'c String, &'c MediaType, Kind)> {
        content
            .iter()
            .map(|(ct, media)| (ct, media, self.media_kind(ct, media)))
            .enumerate()
            .min_by_key(|(i, (_, _, kind))| (*kind, *i))
            .map(|(_, chosen)| chosen)
    }
}
