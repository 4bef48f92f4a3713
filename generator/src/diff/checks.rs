//! The checks `spec-diff` runs, with the verdicts each gives. Where a verdict
//! depends on the change, the text says on what; the comparison derives it
//! from the two IRs.
//!
//! Wire verdicts assume a tolerant reader, as the generated client is: it
//! ignores fields it does not know and keeps enum values it does not know.

/// One check.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// Stable id, as reports print it.
    pub id: &'static str,
    /// Wire verdict: `breaking`, `compatible`, or what it depends on.
    pub wire: &'static str,
    /// Rust verdict: `breaking`, `compatible`, or what it depends on.
    pub rust: &'static str,
}

const fn check(id: &'static str, wire: &'static str, rust: &'static str) -> Check {
    Check { id, wire, rust }
}

const BREAKING: &str = "breaking";
const COMPATIBLE: &str = "compatible";
const UNLESS_WIDER: &str = "breaking unless NEW accepts every value OLD did";
const UNLESS_NARROWER: &str = "breaking unless every value NEW sends was valid in OLD";
const SAFE_DIRECTION: &str =
    "breaking unless the JSON values widen (in requests) or narrow (in responses)";
const IF_TYPE_CHANGES: &str = "breaking when the Rust type changes";
const IF_NO_BUILDER: &str =
    "compatible when the struct has `Default` or `new` (built with `..`), else breaking";

/// Every check, grouped as the report groups them.
pub const CHECKS: &[Check] = &[
    // Operations.
    check("operation-added", COMPATIBLE, COMPATIBLE),
    check("operation-removed", BREAKING, BREAKING),
    check(
        "operation-id-changed",
        COMPATIBLE,
        "breaking when the method or its `*Params`/`*Error` types are renamed",
    ),
    check(
        "operation-path-changed",
        BREAKING,
        "breaking when the path parameters change in number or type",
    ),
    check("operation-method-changed", BREAKING, COMPATIBLE),
    check("operation-deprecated", COMPATIBLE, COMPATIBLE),
    check("operation-idempotency-changed", COMPATIBLE, COMPATIBLE),
    check(
        "security-changed",
        "breaking unless NEW drops every requirement",
        COMPATIBLE,
    ),
    check("security-scope-added", BREAKING, COMPATIBLE),
    check("security-scope-removed", COMPATIBLE, COMPATIBLE),
    check("server-url-changed", BREAKING, COMPATIBLE),
    // Parameters.
    check(
        "request-parameter-added",
        COMPATIBLE,
        "breaking when the method had no `*Params` argument yet, else compatible",
    ),
    check("request-parameter-added-required", BREAKING, BREAKING),
    check("request-parameter-removed", COMPATIBLE, BREAKING),
    check("request-parameter-became-required", BREAKING, BREAKING),
    check("request-parameter-became-optional", COMPATIBLE, BREAKING),
    check(
        "request-parameter-type-changed",
        UNLESS_WIDER,
        IF_TYPE_CHANGES,
    ),
    check("request-header-value-changed", BREAKING, COMPATIBLE),
    check("request-fixed-header-added", BREAKING, COMPATIBLE),
    check("request-fixed-header-removed", COMPATIBLE, COMPATIBLE),
    // Request bodies.
    check("request-body-added", COMPATIBLE, BREAKING),
    check("request-body-added-required", BREAKING, BREAKING),
    check("request-body-removed", COMPATIBLE, BREAKING),
    check("request-body-became-required", BREAKING, BREAKING),
    check("request-body-became-optional", COMPATIBLE, BREAKING),
    check("request-body-type-changed", UNLESS_WIDER, IF_TYPE_CHANGES),
    check(
        "request-media-type-changed",
        BREAKING,
        "breaking when multipart comes or goes (the `files` argument), else compatible",
    ),
    // Responses.
    check(
        "response-success-status-added",
        BREAKING,
        "breaking when the method's success type changes",
    ),
    check(
        "response-success-status-removed",
        COMPATIBLE,
        "breaking when the method's success type changes",
    ),
    check(
        "response-body-type-changed",
        UNLESS_NARROWER,
        IF_TYPE_CHANGES,
    ),
    check("response-media-type-changed", BREAKING, COMPATIBLE),
    check("response-error-status-added", COMPATIBLE, BREAKING),
    check("response-error-status-removed", COMPATIBLE, BREAKING),
    check(
        "response-error-body-changed",
        UNLESS_NARROWER,
        IF_TYPE_CHANGES,
    ),
    // Types.
    check("type-added", COMPATIBLE, COMPATIBLE),
    check("type-removed", COMPATIBLE, BREAKING),
    check("type-kind-changed", SAFE_DIRECTION, BREAKING),
    // Properties.
    check("request-property-added", COMPATIBLE, IF_NO_BUILDER),
    check("request-property-added-required", BREAKING, BREAKING),
    check("request-property-removed", COMPATIBLE, BREAKING),
    check("request-property-became-required", BREAKING, BREAKING),
    check("request-property-became-optional", COMPATIBLE, BREAKING),
    check(
        "request-property-became-nullable",
        COMPATIBLE,
        IF_TYPE_CHANGES,
    ),
    check(
        "request-property-became-non-nullable",
        BREAKING,
        IF_TYPE_CHANGES,
    ),
    check(
        "request-property-type-changed",
        UNLESS_WIDER,
        IF_TYPE_CHANGES,
    ),
    check("request-constraint-tightened", BREAKING, COMPATIBLE),
    check("response-property-added", COMPATIBLE, IF_NO_BUILDER),
    check("response-property-added-required", COMPATIBLE, BREAKING),
    check("response-property-removed", BREAKING, BREAKING),
    check("response-property-became-optional", BREAKING, BREAKING),
    check("response-property-became-required", COMPATIBLE, BREAKING),
    check(
        "response-property-became-nullable",
        BREAKING,
        IF_TYPE_CHANGES,
    ),
    check(
        "response-property-became-non-nullable",
        COMPATIBLE,
        IF_TYPE_CHANGES,
    ),
    check(
        "response-property-type-changed",
        UNLESS_NARROWER,
        IF_TYPE_CHANGES,
    ),
    check("property-rust-name-changed", COMPATIBLE, BREAKING),
    check("property-rust-type-changed", COMPATIBLE, BREAKING),
    check("property-deprecated", COMPATIBLE, COMPATIBLE),
    // Enums and unions.
    check("request-enum-value-added", COMPATIBLE, BREAKING),
    check("request-enum-value-removed", BREAKING, BREAKING),
    check("response-enum-value-added", COMPATIBLE, BREAKING),
    check("response-enum-value-removed", COMPATIBLE, BREAKING),
    check("enum-value-rust-name-changed", COMPATIBLE, BREAKING),
    check("request-union-variant-added", COMPATIBLE, BREAKING),
    check("request-union-variant-removed", BREAKING, BREAKING),
    check(
        "response-union-variant-added",
        "breaking unless the union is tagged (kept as `Unknown`)",
        BREAKING,
    ),
    check("response-union-variant-removed", COMPATIBLE, BREAKING),
    check(
        "union-variant-type-changed",
        SAFE_DIRECTION,
        IF_TYPE_CHANGES,
    ),
    check(
        "union-tag-changed",
        BREAKING,
        "breaking when the union gains or loses its tag (and with it `Unknown`)",
    ),
    check(
        "additional-properties-changed",
        SAFE_DIRECTION,
        IF_TYPE_CHANGES,
    ),
];

/// The check with this id.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}
