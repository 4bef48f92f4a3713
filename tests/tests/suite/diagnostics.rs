//! A bad spec gets an error that names its place, never a panic.

use std::path::PathBuf;

use generator::{Options, Runtime, Severity};

fn generate(name: &str, text: &str) -> Result<generator::Output, Vec<generator::Diagnostic>> {
    let dir = tests::root().join("target/diagnostics-specs");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        runtime: Runtime::in_crate(),
        spec_name: name.into(),
        standalone: None,
        deny_warnings: false,
    };
    generator::generate(&path, &options)
}

fn only_error(
    result: Result<generator::Output, Vec<generator::Diagnostic>>,
) -> generator::Diagnostic {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(mut diagnostics) => {
            diagnostics.retain(|d| d.severity == Severity::Error);
            assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
            diagnostics.remove(0)
        }
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo:\n  title: T\n  version: '1'\n";

#[test]
fn dangling_ref_names_pointer_and_line() {
    let spec = format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Missing'\n"
    );
    let error = only_error(generate("dangling.yaml", &spec));
    let location = error
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no location"));
    assert_eq!(
        location.pointer,
        "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"
    );
    assert_eq!(location.line_col, Some((15, 17)));
    let text = error.to_string();
    assert!(
        text.starts_with("error: `#/components/schemas/Missing` points at nothing"),
        "{text}"
    );
    assert!(text.contains("--> "), "{text}");
    assert!(text.contains("dangling.yaml:15:17"), "{text}");
}

#[test]
fn invalid_yaml_gives_line_and_column() {
    let error = only_error(generate("broken.yaml", "openapi: 3.0.3\ninfo: [unclosed\n"));
    assert!(
        error.message.starts_with("invalid YAML"),
        "{}",
        error.message
    );
    let location = error
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no location"));
    assert!(
        location.line_col.is_some_and(|(line, _)| line >= 2),
        "{location:?}"
    );
}

#[test]
fn wrong_structure_is_located_at_the_nearest_key() {
    let spec = format!("{HEAD}paths:\n  /a:\n    get:\n      responses: 7\n");
    let error = only_error(generate("shape.yaml", &spec));
    let location = error
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no location"));
    // serde_path_to_error cannot see inside openapiv3's hand-written `Paths`
    // deserializer, so the pointer stops at `/paths`; the line is still right.
    assert_eq!(location.pointer, "/paths", "{location:?}");
    assert_eq!(location.line_col, Some((5, 1)), "{location:?}");
    assert!(
        error.message.starts_with("invalid OpenAPI"),
        "{}",
        error.message
    );
}

#[test]
fn other_versions_and_missing_files_are_errors() {
    let error = only_error(generate(
        "v32.yaml",
        "openapi: 3.2.0\ninfo: {title: T, version: '1'}\npaths: {}\n",
    ));
    assert!(
        error.message.contains("3.2.0 is not supported"),
        "{}",
        error.message
    );
    let error = only_error(generate(
        "swagger.yaml",
        "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths: {}\n",
    ));
    assert!(error.message.contains("Swagger 2.0"), "{}", error.message);
    let options = Options {
        runtime: Runtime::in_crate(),
        spec_name: "x".into(),
        standalone: None,
        deny_warnings: false,
    };
    let missing = generator::generate(&PathBuf::from("/nonexistent/spec.yaml"), &options);
    let error = only_error(missing);
    assert!(
        error.message.starts_with("cannot read spec"),
        "{}",
        error.message
    );
}

#[test]
fn undeclared_path_parameter_is_a_warning_and_deny_warnings_fails() {
    let spec = format!(
        "{HEAD}paths:\n  /items/{{itemId}}:\n    get:\n      operationId: getItem\n      responses:\n        '204':\n          description: ok\n"
    );
    let output = generate("undeclared.yaml", &spec).unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(output.warnings.len(), 1);
    assert!(
        output.warnings[0].message.contains("does not declare it"),
        "{:?}",
        output.warnings
    );
    let ops = output
        .files
        .iter()
        .find(|f| f.path.ends_with("operations.rs"))
        .map(|f| f.contents.clone())
        .unwrap_or_default();
    assert!(
        ops.contains("pub async fn get_item(\n        &self,\n        item_id: &str,\n    )"),
        "{ops}"
    );

    let dir = tests::root().join("target/diagnostics-specs/undeclared.yaml");
    let strict = Options {
        runtime: Runtime::in_crate(),
        spec_name: "x".into(),
        standalone: None,
        deny_warnings: true,
    };
    assert!(generator::generate(&dir, &strict).is_err());
}

#[test]
fn unknown_schema_type_is_mended_with_a_warning() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Thing:\n      type: object\n      example:\n        type: read\n      properties:\n        value:\n          type: any\n"
    );
    let output = generate("any.yaml", &spec).unwrap_or_else(|d| panic!("{d:?}"));
    // One warning: the `type` key inside the example is data, not a schema.
    assert_eq!(output.warnings.len(), 1, "{:?}", output.warnings);
    let warning = &output.warnings[0];
    assert!(
        warning
            .message
            .contains("`type: \"any\"` is not an OpenAPI 3.0 type"),
        "{}",
        warning.message
    );
    let location = warning
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no location"));
    assert_eq!(
        location.pointer,
        "/components/schemas/Thing/properties/value/type"
    );
    let types = output
        .files
        .iter()
        .find(|f| f.path.ends_with("types.rs"))
        .map(|f| f.contents.clone())
        .unwrap_or_default();
    assert!(
        types.contains("pub value: Option<::serde_json::Value>"),
        "{types}"
    );
}

#[test]
fn schemas_that_only_refer_to_each_other_are_an_error() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      $ref: '#/components/schemas/B'\n    B:\n      $ref: '#/components/schemas/A'\n    C:\n      $ref: '#/components/schemas/C'\n"
    );
    let errors = match generate("ring.yaml", &spec) {
        Ok(_) => panic!("a ring of references must not generate"),
        Err(d) => d,
    };
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "schema `C` only refers to itself",
            "schemas A -> B only refer to each other"
        ],
        "{errors:?}"
    );
    let location = errors[1]
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no location"));
    assert_eq!(location.pointer, "/components/schemas/A");
    assert_eq!(location.line_col, Some((8, 5)));
}

#[test]
fn a_yaml_alias_bomb_is_refused() {
    // 2,000 aliases of a 2,000-item anchor: 4,000,000 values once expanded;
    // the reader stops at its budget instead of expanding them all.
    let mut spec = format!("{HEAD}paths: {{}}\nx-anchor: &bomb\n");
    for _ in 0..2000 {
        spec.push_str("  - lol\n");
    }
    spec.push_str("x-bomb:\n");
    for _ in 0..2000 {
        spec.push_str("  - *bomb\n");
    }
    let error = only_error(generate("bomb.yaml", &spec));
    assert!(
        error.message.contains("once YAML aliases are expanded"),
        "{}",
        error.message
    );
}

#[test]
fn an_x_rust_type_outside_the_runtime_is_an_error() {
    for bad in ["::std::string::String", "crate::Secret", "not a path", "42"] {
        let spec = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Odd:\n      type: string\n      x-rust-type: '{bad}'\n"
        );
        let error = only_error(generate("rust_type.yaml", &spec));
        assert!(
            error
                .message
                .contains("is not the path of a type in the client runtime"),
            "{bad}: {}",
            error.message
        );
        let location = error
            .location
            .as_deref()
            .unwrap_or_else(|| panic!("no location"));
        assert_eq!(location.pointer, "/components/schemas/Odd/x-rust-type");
    }
}

/// A warning about an `allOf` member points at the member (`allOf/1`, not
/// the escaped `allOf~11`), so it has a line.
#[test]
fn an_all_of_member_warning_points_at_the_member_and_its_line() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Named:\n      type: object\n      properties:\n        name: {{type: string}}\n    Odd:\n      allOf:\n        - $ref: '#/components/schemas/Named'\n        - type: string\n"
    );
    let output = generate("all_of_member.yaml", &spec).unwrap_or_else(|d| panic!("{d:?}"));
    let warning = output
        .warnings
        .iter()
        .find(|w| w.message.starts_with("allOf member is not an object"))
        .unwrap_or_else(|| panic!("{:?}", output.warnings));
    let location = warning
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no location"));
    assert_eq!(location.pointer, "/components/schemas/Odd/allOf/1");
    assert_eq!(location.line_col, Some((15, 9)));
}

/// `allOf` of a reference to a string enum and `{type: string}` is the
/// enum, with no warning.
#[test]
fn an_all_of_of_an_enum_and_its_type_is_the_enum() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Status:\n      type: string\n      enum: [a, b]\n    Holder:\n      type: object\n      properties:\n        status:\n          allOf:\n            - $ref: '#/components/schemas/Status'\n            - type: string\n"
    );
    let output = generate("all_of_enum.yaml", &spec).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(output.warnings.is_empty(), "{:?}", output.warnings);
    let types = &output.files[0].contents;
    assert!(types.contains("pub status: Option<Status>,"), "{types}");
}

/// A defect in a schema that three others merge is one warning with a
/// count, not three.
#[test]
fn a_warning_met_once_per_use_is_reported_once_with_its_count() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Named:\n      type: object\n      properties:\n        name: {{type: string}}\n    Base:\n      allOf:\n        - $ref: '#/components/schemas/Named'\n        - type: string\n    A:\n      allOf:\n        - $ref: '#/components/schemas/Base'\n        - properties: {{a: {{type: string}}}}\n    B:\n      allOf:\n        - $ref: '#/components/schemas/Base'\n        - properties: {{b: {{type: string}}}}\n"
    );
    let output = generate("repeated.yaml", &spec).unwrap_or_else(|d| panic!("{d:?}"));
    let texts: Vec<String> = output.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(output.warnings.len(), 1, "{texts:#?}");
    let warning = &output.warnings[0];
    assert_eq!(warning.count, 3, "{texts:#?}");
    assert_eq!(
        warning.location.as_deref().map(|l| l.pointer.as_str()),
        Some("/components/schemas/Base/allOf/1")
    );
    assert!(
        texts[0].contains("= note: met 3 times here"),
        "{}",
        texts[0]
    );
}
