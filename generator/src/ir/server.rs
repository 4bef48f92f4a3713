//! The server side of an API: what the generated `server` module needs
//! beyond the client's IR, every decision made (names, the rules a request
//! is checked with, how refusals are answered). `lower::server` builds it
//! once the client's IR is complete; `emit::server` renders it as it is.

use super::{Docs, StatusMatch, Ty};

/// The server layer of an API.
#[derive(Clone, Debug, Default)]
pub struct Server {
    /// One per operation, in the order of `Api::operations`.
    pub operations: Vec<ServerOperation>,
    /// Response header structs, each shared by the responses that document
    /// the same headers.
    pub header_sets: Vec<HeaderSet>,
    /// The rules of the named types requests reach, in `Api::types` order.
    pub shapes: Vec<NamedShape>,
    /// The distinct ways operations answer refusals; the first answers
    /// requests no operation takes (404, 405).
    pub refusals: Vec<RefusalSet>,
}

/// What the server module has for one operation.
#[derive(Clone, Debug)]
pub struct ServerOperation {
    /// The struct of its typed input (`GetContactInput`).
    pub input: String,
    /// The enum of its responses (`GetContactResponse`).
    pub response: String,
    /// The fields of the input struct, in order: path, query and header
    /// parameters, then the body (and files).
    pub inputs: Vec<InputField>,
    /// The body must be `{}` (the schema admits nothing else), which the
    /// input does not carry.
    pub empty_body: bool,
    /// Every documented response, one variant each, successes first.
    pub responses: Vec<ServerResponse>,
    /// The OAuth scopes it needs (`x-scopes`, else its requirements').
    pub scopes: Vec<String>,
    /// Its security requirements: one of them must be met, each by all of
    /// its credentials. Empty: no credentials needed.
    pub security: Vec<Vec<Credential>>,
    /// Index into `Server::refusals`.
    pub refusals: usize,
}

/// One field of an operation's input struct.
#[derive(Clone, Debug)]
pub struct InputField {
    /// Rust name.
    pub name: String,
    /// Where it is read from.
    pub source: Source,
    /// Its type (wrapped in `Option` when not required).
    pub ty: Ty,
    /// Must be present.
    pub required: bool,
    /// How its value is checked.
    pub rule: Rule,
    /// Its docs.
    pub docs: Docs,
}

/// Where an input field comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The path parameter of this wire name.
    Path(String),
    /// The query parameter of this wire name.
    Query(String),
    /// The header of this wire name.
    Header(String),
    /// The JSON body.
    JsonBody,
    /// The `application/x-www-form-urlencoded` body.
    FormBody,
    /// The fields of the `multipart/form-data` body.
    MultipartBody,
    /// The files of the `multipart/form-data` body.
    Files,
    /// A text body, UTF-8.
    TextBody,
    /// A body taken as it is (bytes).
    BinaryBody,
}

/// How a value is checked (the runtime's `Check`).
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Anything (free-form JSON; a runtime type decides when decoding).
    Any,
    /// A string.
    String,
    /// A boolean.
    Bool,
    /// A 32-bit integer.
    I32,
    /// A 64-bit integer.
    I64,
    /// Any number.
    Number,
    /// An RFC 3339 date-time.
    DateTime,
    /// A `YYYY-MM-DD` date.
    Date,
    /// An array of values following the rule.
    Array(Box<Rule>),
    /// A map of values following the rule.
    Map(Box<Rule>),
    /// A named shape, by its static's name (in `Server::shapes`).
    Named(String),
}

/// The rule of a named type, as a `static` of the server module.
#[derive(Clone, Debug)]
pub struct NamedShape {
    /// The generated type it checks.
    pub type_name: String,
    /// The static's name (`CREATE_CONTACT_REQUEST`).
    pub static_name: String,
    /// The rule.
    pub shape: Shape,
}

/// The runtime's `Shape`.
#[derive(Clone, Debug)]
pub enum Shape {
    /// An object.
    Object {
        /// Its listed properties.
        fields: Vec<FieldRule>,
        /// What it allows beside them.
        additional: AdditionalRule,
    },
    /// Listed string values.
    Enum(Vec<String>),
    /// Untagged alternatives.
    OneOf(Vec<Rule>),
    /// Alternatives picked by a discriminator property.
    Tagged {
        /// The discriminator.
        tag: String,
        /// Tag values and their rules.
        variants: Vec<(String, Rule)>,
    },
}

/// One property of an object rule.
#[derive(Clone, Debug)]
pub struct FieldRule {
    /// Wire name.
    pub wire: String,
    /// Other accepted names.
    pub aliases: Vec<String>,
    /// Its rule.
    pub rule: Rule,
    /// Must be present.
    pub required: bool,
    /// May be null.
    pub nullable: bool,
}

/// What an object allows beside its listed properties.
#[derive(Clone, Debug)]
pub enum AdditionalRule {
    /// Anything.
    Allowed,
    /// Nothing (`additionalProperties: false`).
    Forbidden,
    /// Values following the rule.
    Checked(Rule),
}

/// One credential of a security requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The scheme's name.
    pub scheme: String,
    /// Where it travels.
    pub kind: CredentialKind,
    /// The scopes the requirement lists.
    pub scopes: Vec<String>,
}

/// Where a credential travels (the runtime's `CredentialKind`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    /// `Authorization: <scheme> ...`.
    Authorization(String),
    /// An API key header.
    Header(String),
    /// An API key query parameter.
    Query(String),
    /// An API key cookie.
    Cookie(String),
    /// Not visible to the router (mutual TLS).
    Unchecked,
}

/// One documented response of an operation, a variant of its response enum.
#[derive(Clone, Debug)]
pub struct ServerResponse {
    /// Statuses it covers.
    pub status: StatusMatch,
    /// Variant name.
    pub variant: String,
    /// The body's type, `None` without a body.
    pub ty: Option<Ty>,
    /// How the body is written: JSON, or (text and bytes) as it is with
    /// this content type (the spec's, or for a range such as `image/*`
    /// `application/octet-stream`, `text/plain` for `text/*`).
    pub raw_content_type: Option<String>,
    /// The header struct (index into `Server::header_sets`), when the
    /// response documents headers.
    pub headers: Option<usize>,
    /// The response's description.
    pub docs: Docs,
}

/// A struct of documented response headers.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderSet {
    /// Rust name.
    pub name: String,
    /// The headers, in document order.
    pub headers: Vec<ResponseHeader>,
}

/// One documented response header.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseHeader {
    /// Rust field name.
    pub name: String,
    /// Header name, lower case.
    pub wire: String,
    /// Its type.
    pub ty: Ty,
    /// `required: true`: the field is a plain value, and the struct has no
    /// `Default`.
    pub required: bool,
    /// Its docs.
    pub docs: Docs,
}

/// How each kind of refusal is answered (the runtime's `Refusals`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalSet {
    /// The static's name.
    pub static_name: String,
    /// A body that cannot be read: 400.
    pub malformed: RefusalRule,
    /// Credentials missing: 401.
    pub unauthorized: RefusalRule,
    /// No such path: 404.
    pub not_found: RefusalRule,
    /// No such method for the path: 405.
    pub method_not_allowed: RefusalRule,
    /// A body too large: 413.
    pub too_large: RefusalRule,
    /// Parameters or body against the spec: 422 where documented, else 400.
    pub invalid: RefusalRule,
}

/// The status and body of one kind of refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalRule {
    /// The status.
    pub status: u16,
    /// The body's properties and what each carries.
    pub body: Vec<(String, Role)>,
    /// The text when the refusal has no message of its own (the documented
    /// example of a 401's message).
    pub message: Option<String>,
}

/// What a property of an error body carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The status code.
    Status,
    /// The messages, joined.
    Message,
    /// The messages, as an array.
    Messages,
    /// The reason phrase.
    Reason,
}
