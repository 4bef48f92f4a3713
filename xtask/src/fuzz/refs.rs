//! `$ref` targets for the mutations: dangling, self-referencing, pointing
//! up the tree, into other component sections, into the external files, at
//! malformed pointers, or at a random node of the document.

use fastrand::Rng;
use serde_json::Value;

use super::mutate::Ctx;
use super::random::nasty_name;
use super::seeds::{escape_token, COMMON_JSON};
use super::tree::{any_node, pick, pointer, Seg};

/// A `$ref` target: dangling, self, cyclic, into odd places, external.
pub(super) fn ref_target(r: &mut Rng, ctx: &Ctx<'_>, doc: Option<&Value>, here: &[Seg]) -> String {
    let existing = |r: &mut Rng| {
        ctx.targets
            .get(r.usize(..ctx.targets.len().max(1)))
            .cloned()
            .unwrap_or_else(|| "#/components/schemas/Thing".into())
    };
    match r.usize(..16) {
        0 => "#/components/schemas/DoesNotExist".into(),
        1 => format!("#{}", pointer(here)),
        2 => {
            let up = r.usize(..here.len().max(1));
            format!("#{}", pointer(&here[..up.min(here.len())]))
        }
        3 | 4 => existing(r),
        5 => {
            let t = existing(r);
            let other = [
                "responses",
                "parameters",
                "requestBodies",
                "headers",
                "examples",
                "securitySchemes",
                "links",
                "callbacks",
                "Schemas",
                "schema",
            ][r.usize(..10)];
            t.replacen("/schemas/", &format!("/{other}/"), 1).replacen(
                "/responses/",
                "/schemas/",
                1,
            )
        }
        6 => [
            "../common/common-schemas.json#/components/schemas/Missing",
            "missing-file.yaml#/components/schemas/X",
            "external/missing.yaml#/components/schemas/Thing",
            "../common/nothing.json",
        ][r.usize(..4)]
        .into(),
        7 => format!(
            "external/common.yaml#/components/schemas/{}",
            ["Thing", "Error", "Missing", ""][r.usize(..4)]
        ),
        8 => format!(
            "../common/common-schemas.json#/components/schemas/{}",
            [
                "BadRequestDTO",
                "UnauthorizedDTO",
                "UnprocessableDTO",
                "NotFoundDTO"
            ][r.usize(..4)]
        ),
        9 => {
            let t = existing(r);
            format!(
                "{}{t}",
                [
                    "input.json",
                    "input.yaml",
                    "./input.json",
                    "../apps/input.json"
                ][r.usize(..4)]
            )
        }
        10 => [
            "",
            "#",
            "#/",
            "/",
            "##",
            "#/components",
            "#/components/schemas",
            "#/components/schemas/",
            "#components/schemas/A",
            "#/paths",
            "#/paths/~1x",
            "#/components/schemas/~2",
            "#/components/schemas/%7B",
            "http://example.com/s.json#/x",
            "https://x",
            "file:///etc/passwd",
            "../apps",
            ".",
            "..",
            "/dev/null",
            "/etc/hostname#/x",
            "../common/common-schemas.json",
            "../common/common-schemas.json#",
            "../common/common-schemas.json#/",
            "#/info",
            "#/openapi",
            "#/components/schemas/A#B",
            "  #/components/schemas/A",
            "#/components/schemas/a\nb",
            "external",
            "external/",
            "#/components/schemas/~01",
            "#/components/schemas/\u{0}",
            "é#/x",
            "external/common.yaml#",
            "external/common.yaml#/components",
        ][r.usize(..36)]
        .into(),
        11 | 12 => {
            let picked = doc.and_then(|d| pick(d, r, &any_node));
            match picked {
                Some(path) => format!("#{}", pointer(&path)),
                None => existing(r),
            }
        }
        13 => {
            let i = r.usize(..ctx.externals.len().max(1));
            match ctx.externals.get(i) {
                Some(external) => {
                    let path = pick(&external.value, r, &any_node).unwrap_or_default();
                    let file = if external.rel == COMMON_JSON {
                        "../common/common-schemas.json"
                    } else {
                        "external/common.yaml"
                    };
                    format!("{file}#{}", pointer(&path))
                }
                None => existing(r),
            }
        }
        14 => format!(
            "{}/properties/{}",
            existing(r),
            escape_token(&nasty_name(r))
        ),
        _ => format!("#/components/schemas/{}", escape_token(&nasty_name(r))),
    }
}
