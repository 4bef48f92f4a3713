//! The intermediate representation: everything the emitter needs, with every
//! naming and typing decision already made. Nothing after this layer looks at
//! the OpenAPI document again.

pub mod server;

use serde_json::Value;

/// A whole API, ready to emit.
#[derive(Clone, Debug, Default)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `info.version`.
    pub version: String,
    /// The first server URL, the client's default base URL.
    pub base_url: Option<String>,
    /// What a standalone crate's `[package]` says, from `info`.
    pub package: PackageInfo,
    /// The security schemes and the document's requirement.
    pub security: Security,
    /// Each `x-rust-type` that names a type of the client crate itself
    /// ([`Ty::Crate`]): the path and the pointer to the extension. A
    /// standalone crate has no such types.
    pub crate_types: Vec<(String, String)>,
    /// Named types, in a stable order (components first, in document order,
    /// then inline types in the order they were found).
    pub types: Vec<TypeDef>,
    /// Operations, in document order.
    pub operations: Vec<Operation>,
    /// Error enums, each shared by every operation that documents the same
    /// error responses.
    pub error_types: Vec<ErrorEnum>,
    /// The server layer: the trait, the router's rules, the responses.
    pub server: server::Server,
}

/// The spec's security schemes and the requirement of operations that name
/// none of their own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Security {
    /// `components.securitySchemes` the client can send, in document order
    /// (an implied optional bearer token when the spec declares none).
    pub schemes: Vec<SecuritySchemeDef>,
    /// The document's `security`: alternatives, the first the client has
    /// credentials for is sent. Empty: operations without their own send
    /// nothing.
    pub default: Vec<Requirement>,
}

impl Security {
    /// Whether a scheme takes a bearer token (HTTP bearer, OAuth 2, OpenID
    /// Connect): the client is then built from a token
    /// (`Client::builder(token)`).
    pub fn takes_token(&self) -> bool {
        self.schemes.iter().any(|s| s.kind == SchemeKind::Bearer)
    }
}

/// One alternative of a `security` list: the schemes sent together, by
/// name. Empty: nothing is sent.
pub type Requirement = Vec<String>;

/// A security scheme.
#[derive(Clone, Debug, PartialEq)]
pub struct SecuritySchemeDef {
    /// Its name in `components.securitySchemes`, which apps give
    /// credentials by.
    pub name: String,
    /// How credentials are sent.
    pub kind: SchemeKind,
    /// Its description.
    pub docs: Docs,
}

/// How a scheme sends credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>`: HTTP bearer, OAuth 2, OpenID Connect.
    Bearer,
    /// `Authorization: Basic <user:password in base64>`.
    Basic,
    /// An API key in a header, query parameter or cookie of this name.
    ApiKey {
        /// Where it goes.
        location: KeyLocation,
        /// The header, parameter or cookie name.
        name: String,
    },
}

/// Where an API key goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

impl KeyLocation {
    /// `header`, `query parameter` or `cookie`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Query => "query parameter",
            Self::Cookie => "cookie",
        }
    }
}

/// A standalone crate's package metadata, decided from the spec's `info`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageInfo {
    /// `info.version` when it is a semver version (`1.2` completed to
    /// `1.2.0`), else `0.1.0`.
    pub version: String,
    /// `Generated client for the <title>`, with the API version when it is
    /// not the package's.
    pub description: String,
    /// `info.license.name` when it is an SPDX expression (or a common
    /// spelling of one, `Apache 2.0`); else none.
    pub license: Option<String>,
    /// `info.contact`'s name and e-mail (`Name <e-mail>`).
    pub authors: Vec<String>,
    /// `info.contact.url`, when it is an http(s) URL.
    pub homepage: Option<String>,
}

/// Documentation carried from the spec to rustdoc.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Docs {
    /// Summary or title: the first line of the rustdoc.
    pub summary: Option<String>,
    /// Longer text.
    pub description: Option<String>,
    /// An example value.
    pub example: Option<Value>,
    /// Notes the generator adds (wire names, spec quirks).
    pub notes: Vec<String>,
}

/// One named Rust type.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// Rust name (PascalCase, unique).
    pub name: String,
    /// Where it came from, as a JSON pointer.
    pub pointer: String,
    /// Its docs.
    pub docs: Docs,
    /// What it is.
    pub kind: TypeKind,
}

/// The shapes a named type can take.
#[derive(Clone, Debug)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(StructDef),
    /// A string enum that keeps values it does not know.
    Enum(EnumDef),
    /// `oneOf` / `anyOf`.
    Union(UnionDef),
    /// A name for another type (`pub type X = ...`).
    Alias(Ty),
}

/// An object type.
#[derive(Clone, Debug, Default)]
pub struct StructDef {
    /// Properties, in document order.
    pub fields: Vec<Field>,
    /// `additionalProperties` with a schema: kept in a flattened map.
    pub additional: Option<Ty>,
    /// `additionalProperties: false`: a server refuses properties the
    /// struct does not list.
    pub closed: bool,
    /// Reachable from a request body: optional nullable fields become
    /// three-state.
    pub in_request: bool,
    /// Reachable from a response: unknown fields are kept.
    pub in_response: bool,
    /// The map that keeps properties the struct does not list, if any.
    pub extra: Option<ExtraField>,
    /// `new(...)` taking the required fields, in field order; `None` when
    /// the struct has no required field (it derives `Default` then).
    pub constructor: Option<Constructor>,
    /// Whether the struct derives `Default` (no required field).
    pub default: bool,
    /// `#[non_exhaustive]`: built with `new`/`Default` and setters, never
    /// with a literal, so adding a field to the spec breaks no user.
    pub non_exhaustive: bool,
    /// Whether `Debug` is written by hand to redact sensitive fields.
    pub redacted_debug: bool,
    /// Whether `Deserialize` is written out (a map visitor that keeps
    /// unknown fields in `extra`) instead of derived with `#[serde(flatten)]`,
    /// which buffers the whole object first and costs about a fifth more.
    pub visitor_deserialize: bool,
}

/// The map field that keeps properties a struct does not list.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtraField {
    /// Rust name (`extra`, or `extra_2` when a property took `extra`).
    pub name: String,
    /// The map's value type.
    pub ty: Ty,
    /// Whether the map holds typed `additionalProperties` (else: fields the
    /// spec does not list, kept as JSON).
    pub additional: bool,
}

/// A struct's `new` constructor.
#[derive(Clone, Debug, PartialEq)]
pub struct Constructor {
    /// Indices into `fields` of the arguments, in order.
    pub args: Vec<usize>,
    /// More arguments than clippy's `too_many_arguments` allows.
    pub many_args: bool,
}

/// How a field's presence is written in Rust and on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// `T`: always there.
    Required,
    /// `Option<T>`, written as `null` when `None`: always there, may be null.
    RequiredNullable,
    /// `Option<T>`, left out when `None`.
    Optional,
    /// `Nullable<T>`: left out, `null`, or a value (optional nullable fields
    /// of request types).
    ThreeState,
    /// `Vec<T>`, empty when absent or `null` (optional arrays of types only
    /// found in responses: absent and empty mean the same there).
    DefaultEmpty,
}

/// One struct field.
#[derive(Clone, Debug)]
pub struct Field {
    /// Rust name (snake_case, unique in the struct, keyword-safe).
    pub name: String,
    /// JSON name.
    pub wire: String,
    /// Its type, before presence is applied.
    pub ty: Ty,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Other wire names accepted when decoding (`x-aliases`).
    pub aliases: Vec<String>,
    /// Its docs.
    pub docs: Docs,
    /// How presence is written (decided from `required`, `nullable` and
    /// where the struct is used).
    pub presence: Presence,
    /// Personal data (`x-sensitive: true`): `Debug` prints `<redacted>`.
    pub sensitive: bool,
    /// The setter method (`first_name(value)`), for builder structs.
    pub setter: Option<String>,
    /// The method that sends `null` (`clear_phone()`), where the API
    /// accepts null.
    pub clearer: Option<String>,
}

/// A string enum.
#[derive(Clone, Debug)]
pub struct EnumDef {
    /// Known values.
    pub variants: Vec<EnumVariant>,
    /// The variant that keeps a value the spec does not list.
    pub unknown: String,
    /// Whether the enum has a decoder that takes only the listed values
    /// (`deserialize_listed`), for an untagged union that tries it before
    /// another alternative that takes strings.
    pub listed_decoder: bool,
}

/// One known enum value.
#[derive(Clone, Debug)]
pub struct EnumVariant {
    /// Rust name.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
}

/// `oneOf` / `anyOf`.
#[derive(Clone, Debug)]
pub struct UnionDef {
    /// The alternatives, tried in order when untagged: from the most to
    /// the least specific where two take the same JSON (`lower::unions`),
    /// else in document order.
    pub variants: Vec<UnionVariant>,
    /// The discriminator property, when the spec gives one.
    pub tag: Option<String>,
    /// For a tagged union, the variant that a tag value the spec does not
    /// list decodes to.
    pub unknown: Option<String>,
}

/// One alternative of a union.
#[derive(Clone, Debug)]
pub struct UnionVariant {
    /// Rust name.
    pub name: String,
    /// Payload.
    pub ty: Ty,
    /// Discriminator value, for tagged unions.
    pub tag_value: Option<String>,
    /// Its docs.
    pub docs: Docs,
    /// Whether the union gets `From<payload>` (the payload type is not
    /// shared with another variant).
    pub from: bool,
    /// The payload is a string enum that decodes here only when the value
    /// is one it lists: an alternative tried after it takes strings too
    /// (an unlisted string is that alternative's, not this enum's
    /// `Unknown`).
    pub listed_only: bool,
}

/// A Rust type expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `serde_json::Number`: a JSON number kept exactly as sent.
    Number,
    /// `chrono::DateTime<chrono::Utc>`.
    DateTime,
    /// `chrono::NaiveDate`.
    Date,
    /// `serde_json::Value`: anything.
    Json,
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// A generated type, by Rust name.
    Named(String),
    /// A type of the runtime crate (`x-rust-type` naming one of
    /// [`RUNTIME_TYPES`]): `Timestamp`, `SecretString`.
    Runtime(String),
    /// A hand-written type of the client crate itself, beside the
    /// generated modules (`x-rust-type` naming anything else: `BirthDate`).
    /// A standalone crate has none, so it cannot use one.
    Crate(String),
    /// `Box<T>`, to break a cycle of types that contain each other.
    Boxed(Box<Ty>),
}

/// The types of the runtime crate that a spec may name with `x-rust-type`
/// and generated code then takes from the runtime; any other name is a
/// type of the client crate itself ([`Ty::Crate`]).
pub const RUNTIME_TYPES: &[&str] = &["Timestamp", "SecretString", "Value", "Number"];

/// One API operation.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The spec's `operationId` (or the name synthesised for it).
    pub operation_id: String,
    /// Rust method name.
    pub method_name: String,
    /// Prefix for types named after the operation (`UpdateContact`).
    pub type_prefix: String,
    /// The struct of optional query and header parameters, when there are
    /// any (`GetThingsParams`).
    pub params_type: Option<String>,
    /// The enum of successful responses, when they decode to more than one
    /// type (`GetThingSuccess`).
    pub success_type: Option<String>,
    /// The error enum (in `Api::error_types`), possibly shared.
    pub error_type: String,
    /// The method takes more arguments than clippy's `too_many_arguments`
    /// allows (every required parameter is an argument).
    pub many_args: bool,
    /// HTTP method, upper case.
    pub http_method: String,
    /// The path template as written in the spec.
    pub path: String,
    /// The path split into segments.
    pub segments: Vec<Segment>,
    /// Summary and description.
    pub docs: Docs,
    /// Path parameters, in path order.
    pub path_params: Vec<Param>,
    /// Query parameters.
    pub query_params: Vec<Param>,
    /// Header parameters the caller supplies.
    pub header_params: Vec<Param>,
    /// Headers with one allowed value, sent automatically: name (as the
    /// spec writes it; emitted lowercase) and value, both checked to be
    /// valid in a header, so they can be built at compile time.
    pub fixed_headers: Vec<(String, String)>,
    /// The request body.
    pub body: Option<Body>,
    /// 2xx responses.
    pub success: Vec<Response>,
    /// The method that hands the success body over as a stream, unread
    /// (`download_report_stream`): for an operation whose success bodies
    /// are all binary, beside the method that reads them whole.
    pub stream_method: Option<String>,
    /// Documented non-2xx responses.
    pub errors: Vec<ErrorResponse>,
    /// Safe to send twice (GET, PUT, DELETE, ..., or `x-idempotent: true`).
    pub idempotent: bool,
    /// `Some(note)` when the spec marks the operation `deprecated`: the
    /// method carries `#[deprecated(note)]`. The note is the operation's
    /// `x-deprecated-note`, or a generic one.
    pub deprecated: Option<String>,
    /// `security: []` on the operation: it is called without credentials
    /// (an OAuth token endpoint), so the client sends no `Authorization`.
    pub anonymous: bool,
    /// The operation's own `security`, when it differs from the document's
    /// (`None`: the document's, which the client applies by default).
    pub security: Option<Vec<Requirement>>,
}

/// A piece of a path template: what lies between two slashes.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    /// Literal text.
    Literal(String),
    /// A path parameter, by index into `path_params`.
    Param(usize),
    /// Text and parameters run together (`{sid}.json`), in order.
    Mixed(Vec<Part>),
}

/// A piece of a [`Segment::Mixed`].
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// A path parameter, by index into `path_params`.
    Param(usize),
}

/// A path, query or header parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Rust name.
    pub name: String,
    /// Name on the wire.
    pub wire: String,
    /// Its type.
    pub ty: Ty,
    /// Must be given.
    pub required: bool,
    /// Its docs.
    pub docs: Docs,
    /// The setter of an optional query or header parameter in the
    /// operation's `Params` struct (its name, or `with_<name>` where the
    /// struct's own methods have it); `None` for arguments.
    pub setter: Option<String>,
}

/// A request body.
#[derive(Clone, Debug)]
pub struct Body {
    /// Its type.
    pub ty: Ty,
    /// Must be given.
    pub required: bool,
    /// How it goes on the wire.
    pub encoding: BodyEncoding,
    /// The media type of the `content` entry chosen (as the spec writes
    /// it, parameters included): sent as `Content-Type` for text and binary
    /// bodies.
    pub media_type: String,
    /// When the media type is a range (`image/*`, `text/*`, `*/*`): the
    /// name of the method's argument that gives the concrete type, checked
    /// against the range before sending.
    pub content_type_arg: Option<String>,
}

/// The media type a request body is sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`: top-level fields as pairs.
    Form,
    /// `multipart/form-data`: top-level fields as parts, plus files.
    Multipart,
    /// `application/json` whose schema admits only `{}` (an object with no
    /// properties and `additionalProperties: false`): the client sends `{}`
    /// itself, and the method takes no body argument.
    EmptyJsonObject,
    /// Text (`text/*`, XML, YAML, `format: byte`): a `&str`, sent as UTF-8.
    Text,
    /// Anything else (`application/octet-stream`, `image/*`, `format:
    /// binary`): an `UploadBody`, bytes or a stream, sent as it is.
    Binary,
}

/// How a response body is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// Decoded from JSON into its type.
    Json,
    /// Text, a `String` (`Ty::String`).
    Text,
    /// Bytes as sent, `Bytes` (`Ty::Runtime("Bytes")`).
    Binary,
}

impl Media {
    /// The type of a body read this way, when it is not JSON.
    pub fn ty(self) -> Option<Ty> {
        match self {
            Self::Json => None,
            Self::Text => Some(Ty::String),
            Self::Binary => Some(Ty::Runtime("Bytes".into())),
        }
    }
}

/// A documented success response.
#[derive(Clone, Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The response stands for every 2xx status not listed on its own (a
    /// `2XX` range, or an operation that documents no response at all);
    /// `status` is then 200. Such responses come last.
    pub any_2xx: bool,
    /// Decoded body, `None` when it has none.
    pub ty: Option<Ty>,
    /// How the body is read.
    pub media: Media,
    /// The media type of the body, as the spec writes it (empty without
    /// a body).
    pub media_type: String,
    /// Variant name if the operation has several success types.
    pub variant: String,
    /// The response's description.
    pub docs: Docs,
}

/// Which statuses an error response covers.
#[derive(Clone, Debug, PartialEq)]
pub enum StatusMatch {
    /// One status.
    Code(u16),
    /// `4XX` or `5XX`: the leading digit.
    Range(u16),
    /// `default`: anything else.
    Default,
}

/// A documented error response.
#[derive(Clone, Debug)]
pub struct ErrorResponse {
    /// Statuses it covers.
    pub status: StatusMatch,
    /// Variant name in the operation's error enum.
    pub variant: String,
    /// Decoded body, `None` when it has none.
    pub ty: Option<Ty>,
    /// How the body is read.
    pub media: Media,
    /// The media type of the body, as the spec writes it (empty without
    /// a body).
    pub media_type: String,
    /// The response's description.
    pub docs: Docs,
}

/// An enum of documented error responses, shared by the operations that
/// document the same statuses with the same bodies.
#[derive(Clone, Debug)]
pub struct ErrorEnum {
    /// Rust name.
    pub name: String,
    /// Its docs.
    pub docs: Docs,
    /// One variant per documented error response.
    pub variants: Vec<ErrorResponse>,
    /// Method names of the operations that return it.
    pub operations: Vec<String>,
}
