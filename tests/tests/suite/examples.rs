//! Every example decodes into its generated type and round-trips.
//!
//! The examples are read at test time: from `spec/contacts.yaml` (media-type
//! `examples` and schema-level `example`s) and from the vendor page 003 in
//! `shared/seeds/` (its response JSON blocks). Which Rust type an example
//! decodes into follows the spec's `$ref` schema names, through [`codec`].

use std::collections::BTreeSet;

use crate::common::{
    json_differences, json_media, media_examples, operations, request_examples, resolve, response,
    schema_ref_name, spec, without_empty_arrays,
};
use leadconnector::types;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// The vendor pages the spec was written from.
const SEEDS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/seeds");

/// What page 003 shows instead of each e-mail address (an e-mail obfuscator's
/// text, with a no-break space).
const OBFUSCATED_EMAIL: &str = "[email\u{a0}protected]";

/// Decodes a JSON value into a generated type and encodes it back.
type Codec = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(value.clone())
        .map_err(|e| format!("does not decode into {}: {e}", std::any::type_name::<T>()))?;
    serde_json::to_value(&typed)
        .map_err(|e| format!("{} does not encode: {e}", std::any::type_name::<T>()))
}

/// The generated type of each component schema. `None`: no mapping, which
/// the tests report instead of skipping the example.
fn codec(schema: &str) -> Option<Codec> {
    use types::*;
    Some(match schema {
        "AddFollowersResponse" => round_trip::<AddFollowersResponse>,
        "Appointment" => round_trip::<Appointment>,
        "AppointmentsResponse" => round_trip::<AppointmentsResponse>,
        "AttributionSource" => round_trip::<AttributionSource>,
        "BadRequestError" => round_trip::<BadRequestError>,
        "BirthDate" => round_trip::<leadconnector::BirthDate>,
        "BulkTagsAction" => round_trip::<BulkTagsAction>,
        "BulkTagsContactResult" => round_trip::<BulkTagsContactResult>,
        "BulkTagsResult" => round_trip::<BulkTagsResult>,
        "BulkUpdateTagsRequest" => round_trip::<BulkUpdateTagsRequest>,
        "BulkUpdateTagsResponse" => round_trip::<BulkUpdateTagsResponse>,
        "Contact" => round_trip::<Contact>,
        "ContactCustomField" => round_trip::<ContactCustomField>,
        "ContactResponse" => round_trip::<ContactResponse>,
        "ContactsBusinessRequest" => round_trip::<ContactsBusinessRequest>,
        "ContactsBusinessResponse" => round_trip::<ContactsBusinessResponse>,
        "ContactsListResponse" => round_trip::<ContactsListResponse>,
        "ContactsMeta" => round_trip::<ContactsMeta>,
        "CreateContactRequest" => round_trip::<CreateContactRequest>,
        "CreateNoteRequest" => round_trip::<CreateNoteRequest>,
        "CreateTaskRequest" => round_trip::<CreateTaskRequest>,
        "CustomFieldFile" => round_trip::<CustomFieldFile>,
        "CustomFieldFileMeta" => round_trip::<CustomFieldFileMeta>,
        "CustomFieldInput" => round_trip::<CustomFieldInput>,
        "CustomFieldValue" => round_trip::<CustomFieldValue>,
        "DeleteContactResponse" => round_trip::<DeleteContactResponse>,
        "DndSetting" => round_trip::<DndSetting>,
        "DndSettings" => round_trip::<DndSettings>,
        "DuplicateContactResponse" => round_trip::<DuplicateContactResponse>,
        "FollowersRequest" => round_trip::<FollowersRequest>,
        "InboundDndSetting" => round_trip::<InboundDndSetting>,
        "InboundDndSettings" => round_trip::<InboundDndSettings>,
        "Note" => round_trip::<Note>,
        "NoteResponse" => round_trip::<NoteResponse>,
        "NotesResponse" => round_trip::<NotesResponse>,
        "RemoveFollowersResponse" => round_trip::<RemoveFollowersResponse>,
        "SearchContactsRequest" => round_trip::<SearchContactsRequest>,
        "SearchContactsResponse" => round_trip::<SearchContactsResponse>,
        "SearchFilter" => round_trip::<SearchFilter>,
        "SearchFilterGroup" => round_trip::<SearchFilterGroup>,
        "SearchFilterItem" => round_trip::<SearchFilterItem>,
        "SearchLogic" => round_trip::<SearchLogic>,
        "SearchSort" => round_trip::<SearchSort>,
        "SucceededResponse" => round_trip::<SucceededResponse>,
        "TagsRequest" => round_trip::<TagsRequest>,
        "TagsResponse" => round_trip::<TagsResponse>,
        "Task" => round_trip::<Task>,
        "TaskResponse" => round_trip::<TaskResponse>,
        "TasksResponse" => round_trip::<TasksResponse>,
        "Timestamp" => round_trip::<leadconnector::Timestamp>,
        "UnauthorizedError" => round_trip::<UnauthorizedError>,
        "UnprocessableEntityError" => round_trip::<UnprocessableEntityError>,
        "UpdateContactRequest" => round_trip::<UpdateContactRequest>,
        "UpdateContactResponse" => round_trip::<UpdateContactResponse>,
        "UpdateNoteRequest" => round_trip::<UpdateNoteRequest>,
        "UpdateTaskCompletedRequest" => round_trip::<UpdateTaskCompletedRequest>,
        "UpdateTaskRequest" => round_trip::<UpdateTaskRequest>,
        "UpsertContactRequest" => round_trip::<UpsertContactRequest>,
        "UpsertContactResponse" => round_trip::<UpsertContactResponse>,
        "WorkflowRequest" => round_trip::<WorkflowRequest>,
        EMPTY_OBJECT => only_empty_object,
        _ => return None,
    })
}

/// What `content_examples` calls an inline schema that admits only `{}`
/// (`type: object`, no properties, `additionalProperties: false`): the
/// client sends `{}` itself, so there is no generated type to decode into.
const EMPTY_OBJECT: &str = "(inline: only {})";

fn only_empty_object(value: &Value) -> Result<Value, String> {
    if value == &json!({}) {
        Ok(value.clone())
    } else {
        Err(format!("the schema admits only {{}}, not {value}"))
    }
}

fn is_only_empty_object(schema: &Value) -> bool {
    schema.get("type") == Some(&json!("object"))
        && schema.get("additionalProperties") == Some(&json!(false))
        && schema
            .get("properties")
            .is_none_or(|p| p.as_object().is_some_and(serde_json::Map::is_empty))
}

/// One example found in the spec, with where it is and its schema.
struct Example {
    at: String,
    schema: Option<String>,
    value: Value,
}

/// The examples of every media type of a request body or response object.
fn content_examples(spec: &Value, owner: &Value, at: &str, out: &mut Vec<Example>) {
    for (media_type, media) in owner["content"].as_object().into_iter().flatten() {
        let schema = schema_ref_name(&media["schema"])
            .map(str::to_owned)
            .or_else(|| is_only_empty_object(&media["schema"]).then(|| EMPTY_OBJECT.to_owned()));
        for (name, value) in media_examples(spec, media) {
            out.push(Example {
                at: format!("{at} {media_type} `{name}`"),
                schema: schema.clone(),
                value,
            });
        }
    }
}

/// Every response example: under each response of each operation (`$ref`s to
/// components/responses resolved), and in components/responses themselves.
fn response_examples(spec: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    for op in operations(spec) {
        for (status, response) in op.op["responses"].as_object().expect("responses").iter() {
            let at = format!("{} {status}", op.id);
            content_examples(spec, resolve(spec, response), &at, &mut out);
        }
    }
    for (name, response) in spec["components"]["responses"]
        .as_object()
        .into_iter()
        .flatten()
    {
        content_examples(
            spec,
            resolve(spec, response),
            &format!("components/responses/{name}"),
            &mut out,
        );
    }
    out
}

/// Every media-type example: request bodies and responses.
fn all_media_examples(spec: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    for op in operations(spec) {
        if let Some(body) = op.op.get("requestBody") {
            content_examples(
                spec,
                resolve(spec, body),
                &format!("{} request", op.id),
                &mut out,
            );
        }
    }
    for (name, body) in spec["components"]["requestBodies"]
        .as_object()
        .into_iter()
        .flatten()
    {
        content_examples(
            spec,
            resolve(spec, body),
            &format!("components/requestBodies/{name}"),
            &mut out,
        );
    }
    out.extend(response_examples(spec));
    out
}

/// Schema-level examples of component schemas: the schema's own `example`,
/// and the `example` of each inline `oneOf`/`anyOf` alternative (decoded as
/// the component type, which is the union).
fn schema_examples(spec: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    for (name, schema) in spec["components"]["schemas"]
        .as_object()
        .expect("component schemas")
    {
        if let Some(value) = schema.get("example") {
            out.push(Example {
                at: format!("components/schemas/{name} example"),
                schema: Some(name.clone()),
                value: value.clone(),
            });
        }
        for keyword in ["oneOf", "anyOf"] {
            for (i, alternative) in schema[keyword].as_array().into_iter().flatten().enumerate() {
                if let Some(value) = alternative.get("example") {
                    out.push(Example {
                        at: format!("components/schemas/{name} {keyword}[{i}] example"),
                        schema: Some(name.clone()),
                        value: value.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Decodes (and, with `round_trip`, compares the re-encoded value with) each
/// example; returns the failures.
fn check_examples(examples: &[Example], compare: bool) -> Vec<String> {
    let mut failures = Vec::new();
    for example in examples {
        let Some(schema) = &example.schema else {
            failures.push(format!(
                "{}: the schema is not a $ref to a component schema",
                example.at
            ));
            continue;
        };
        let Some(codec) = codec(schema) else {
            failures.push(format!(
                "{}: schema `{schema}` has no generated type in `codec`",
                example.at
            ));
            continue;
        };
        match codec(&example.value) {
            Err(e) => failures.push(format!("{} ({schema}): {e}", example.at)),
            Ok(again) if compare && again != expected(example) => failures.push(format!(
                "{} ({schema}): re-encoded JSON differs at (re-encoded vs example): {}",
                example.at,
                json_differences(&again, &expected(example), "").join(", ")
            )),
            Ok(_) => {}
        }
    }
    failures
}

/// What an example encodes back to: request examples as they are (an empty
/// `tags` array on update removes every tag, so `[]` is kept), others
/// without their empty arrays, which response types read as absent.
fn expected(example: &Example) -> Value {
    if example.at.contains(" request ") {
        example.value.clone()
    } else {
        without_empty_arrays(&example.value)
    }
}

fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The first example of a media type.
fn first_example(spec: &Value, media: &Value) -> Value {
    media_examples(spec, media)
        .into_iter()
        .next()
        .expect("an example")
        .1
}

/// The spec's example of an operation's response.
fn spec_response_example(spec: &Value, id: &str, status: &str) -> Value {
    first_example(
        spec,
        json_media(response(spec, id, status)).expect("JSON response"),
    )
}

/// The spec's example of a components/responses entry.
fn component_response_example(spec: &Value, name: &str) -> Value {
    first_example(
        spec,
        json_media(&spec["components"]["responses"][name]).expect("JSON response"),
    )
}

// ---------------------------------------------------------------------------
// 1. Response examples decode into their types
// ---------------------------------------------------------------------------

#[test]
fn every_component_schema_has_a_generated_type() {
    let spec = spec();
    let missing: Vec<&String> = spec["components"]["schemas"]
        .as_object()
        .expect("component schemas")
        .keys()
        .filter(|name| codec(name).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "component schemas without an entry in `codec`: {missing:?}"
    );
}

#[test]
fn every_response_example_decodes_into_its_type() {
    let spec = spec();
    let examples = response_examples(&spec);
    assert_no_failures("response examples", &check_examples(&examples, false));

    // Each operation's documented error statuses have a typed, exemplified body.
    let found: BTreeSet<&str> = examples.iter().map(|e| e.at.as_str()).collect();
    for op in operations(&spec) {
        for status in ["400", "401", "422"] {
            let prefix = format!("{} {status} application/json", op.id);
            assert!(
                found.iter().any(|at| at.starts_with(&prefix)),
                "no decoded example for {prefix}"
            );
        }
    }
    // The schema each response names is the one the generated method decodes.
    let expected = [
        ("createContact", "201", "ContactResponse"),
        ("getContact", "200", "ContactResponse"),
        ("updateContact", "200", "UpdateContactResponse"),
        ("upsertContact", "200", "UpsertContactResponse"),
        ("deleteContact", "200", "DeleteContactResponse"),
        ("addTags", "201", "TagsResponse"),
        ("removeTags", "200", "TagsResponse"),
        ("searchContacts", "200", "SearchContactsResponse"),
    ];
    for (id, status, schema) in expected {
        let media = json_media(response(&spec, id, status))
            .unwrap_or_else(|| panic!("{id} {status} has no body"));
        assert_eq!(
            schema_ref_name(&media["schema"]),
            Some(schema),
            "{id} {status}"
        );
        for (status, schema) in [
            ("400", "BadRequestError"),
            ("401", "UnauthorizedError"),
            ("422", "UnprocessableEntityError"),
        ] {
            let media = json_media(response(&spec, id, status))
                .unwrap_or_else(|| panic!("{id} {status} has no body"));
            assert_eq!(
                schema_ref_name(&media["schema"]),
                Some(schema),
                "{id} {status}"
            );
        }
    }
}

/// The decoded values of the full Update Contact response (page 003).
fn assert_page_003_update_response(
    response: &types::UpdateContactResponse,
    email: &str,
    date_of_birth: &str,
) {
    use types::DndSettingStatus;
    assert_eq!(response.succeeded, Some(true));
    assert!(
        response.extra.is_empty(),
        "unexpected extra fields: {:?}",
        response.extra
    );
    let contact = &response.contact;
    assert!(
        contact.extra.is_empty(),
        "fields the Contact type does not know: {:?}",
        contact.extra.keys()
    );
    assert_eq!(contact.id, "seD4PfOuKoVMLkEZqohJ");
    assert_eq!(contact.email.as_deref(), Some(email));
    assert_eq!(contact.email_lower_case.as_deref(), Some(email));
    assert_eq!(contact.date_of_birth.as_deref(), Some(date_of_birth));
    assert_eq!(contact.company_name.as_deref(), Some("DGS VolMAX"));
    assert_eq!(contact.r#type.as_deref(), Some("read"));
    assert_eq!(
        contact
            .date_added
            .as_ref()
            .and_then(leadconnector::Timestamp::to_utc)
            .map(|d| d.to_rfc3339()),
        Some("2021-07-02T05:18:26.704+00:00".to_owned())
    );

    let dnd = contact.dnd_settings.as_ref().expect("dndSettings");
    let call = dnd.call.as_ref().expect("dndSettings.Call");
    assert_eq!(call.status, DndSettingStatus::Active);
    assert_eq!(call.message.value().map(String::as_str), Some("string"));
    assert_eq!(call.code.value().map(String::as_str), Some("string"));
    for (channel, setting) in [
        ("Email", &dnd.email),
        ("SMS", &dnd.sms),
        ("WhatsApp", &dnd.whats_app),
        ("GMB", &dnd.gmb),
        ("FB", &dnd.fb),
    ] {
        assert_eq!(
            setting.as_ref().map(|s| &s.status),
            Some(&DndSettingStatus::Active),
            "dndSettings.{channel}"
        );
    }

    let custom = &contact.custom_fields;
    assert_eq!(custom.len(), 1);
    assert_eq!(custom[0].id.as_deref(), Some("MgobCB14YMVKuE4Ka8p1"));
    assert_eq!(custom[0].value, Some(json!("name")));

    for (which, source) in [
        ("attributionSource", &contact.attribution_source),
        ("lastAttributionSource", &contact.last_attribution_source),
    ] {
        let source = source.as_ref().unwrap_or_else(|| panic!("{which}"));
        assert!(
            source.extra.is_empty(),
            "{which}: unknown fields {:?}",
            source.extra.keys()
        );
        assert_eq!(source.url, "Trigger Link", "{which}");
        assert_eq!(
            source.msclikid.as_deref(),
            Some("string"),
            "{which}.msclikid"
        );
        assert_eq!(
            source.referrer.as_deref(),
            Some("https: //www.google.com"),
            "{which}"
        );
        assert_eq!(
            source.gclid.as_deref(),
            Some("CjOKCQjwnNyUBhCZARISAI9AYIFtNnIcWcYGIOQINz_ZoFI5SSLRRugSoPZoiEu27IZBY£1-MAIWmEaAo2VEALW_WCB"),
            "{which}"
        );
        assert_eq!(
            source.fbp.as_deref(),
            Some("fb. 1.1674748390986.1171287961"),
            "{which}"
        );
        assert_eq!(
            source.fb_event_id.as_deref(),
            Some("Mozilla/5.0"),
            "{which}"
        );
        assert_eq!(source.ip.as_deref(), Some("58.111.106.198"), "{which}");
        assert_eq!(source.medium.as_deref(), Some("survey"), "{which}");
        assert_eq!(
            source.medium_id.as_deref(),
            Some("FglfHAn30PRwsZVyQlKp"),
            "{which}"
        );
    }
    assert_eq!(contact.visitor_id.as_deref(), Some("ve9EPM428h8vShlRW1KT"));
}

#[test]
fn update_response_example_of_page_003_decodes_to_its_values() {
    let spec = spec();
    let example = spec_response_example(&spec, "updateContact", "200");
    let response: types::UpdateContactResponse = serde_json::from_value(example).expect("decodes");
    assert_page_003_update_response(&response, "rubika@deos.com", "1990-09-25T00:00:00.000Z");
}

/// The three documented error bodies, checked field by field.
fn assert_error_bodies(bad_request: &Value, unauthorized: &Value, unprocessable: &Value) {
    let body: types::BadRequestError =
        serde_json::from_value(bad_request.clone()).expect("400 body decodes");
    assert_eq!(body.status_code, 400);
    assert_eq!(body.message, "Bad Request");
    assert_eq!(body.error, None);
    assert_eq!(body.trace_id, None);

    let body: types::UnauthorizedError =
        serde_json::from_value(unauthorized.clone()).expect("401 body decodes");
    assert_eq!(body.status_code, 401);
    assert_eq!(body.message, "Invalid token: access token is invalid");
    assert_eq!(body.error.as_deref(), Some("Unauthorized"));

    let body: types::UnprocessableEntityError =
        serde_json::from_value(unprocessable.clone()).expect("422 body decodes");
    assert_eq!(body.status_code, 422);
    assert_eq!(body.message, vec!["Unprocessable Entity"]);
    assert_eq!(body.error, "Unprocessable Entity");
}

#[test]
fn error_response_examples_decode_to_their_values() {
    let spec = spec();
    assert_error_bodies(
        &component_response_example(&spec, "BadRequest"),
        &component_response_example(&spec, "Unauthorized"),
        &component_response_example(&spec, "UnprocessableEntity"),
    );
}

// ---------------------------------------------------------------------------
// 2. The vendor page's own response JSON
//
// These read `../shared/seeds` beside the project, which CI has and a clone
// of the project alone does not: they are `#[ignore]`d, and `.ci/run` runs
// them with `--ignored`, where a missing page fails them.
// ---------------------------------------------------------------------------

/// The text of the seed page whose file name starts with `prefix`.
fn seed_page(prefix: &str) -> String {
    let dir =
        std::fs::read_dir(SEEDS_DIR).unwrap_or_else(|e| panic!("cannot list {SEEDS_DIR}: {e}"));
    let path = dir
        .map(|entry| entry.expect("directory entry").path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no seed page {prefix}* in {SEEDS_DIR}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every JSON value that starts on a line consisting of `{` alone.
fn json_blocks(text: &str) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "{" {
            let mut values =
                serde_json::Deserializer::from_str(&text[offset..]).into_iter::<Value>();
            match values.next() {
                Some(Ok(value)) => blocks.push(value),
                other => panic!("the block at byte {offset} is not JSON: {other:?}"),
            }
        }
        offset += line.len();
    }
    blocks
}

/// The one block of `blocks` that `pick` selects.
fn only_block<'a>(blocks: &'a [Value], what: &str, pick: impl Fn(&Value) -> bool) -> &'a Value {
    let found: Vec<&Value> = blocks.iter().filter(|b| pick(b)).collect();
    assert_eq!(
        found.len(),
        1,
        "page 003 should hold exactly one {what} block, found {}",
        found.len()
    );
    found[0]
}

fn page_003_blocks() -> Vec<Value> {
    json_blocks(&seed_page("003_"))
}

fn is_error_block(status: i64) -> impl Fn(&Value) -> bool {
    move |b: &Value| b.get("statusCode").and_then(Value::as_i64) == Some(status)
}

#[test]
#[ignore = "reads ../shared/seeds, which a clone of the project alone does not have; .ci/run runs it with --ignored"]
fn page_003_response_bodies_decode() {
    let blocks = page_003_blocks();
    let update = only_block(&blocks, "update response", |b| {
        b.get("succeded") == Some(&json!(true))
    });
    let response: types::UpdateContactResponse =
        serde_json::from_value(update.clone()).expect("decodes");
    // The page shows an obfuscated e-mail and a placeholder birth date: both plain strings.
    assert_page_003_update_response(&response, OBFUSCATED_EMAIL, "Date format YYYY-MM-DD");
    assert_no_failures(
        "page 003 update response",
        &check_examples(
            &[Example {
                at: "page 003 response".into(),
                schema: Some("UpdateContactResponse".into()),
                value: update.clone(),
            }],
            true,
        ),
    );

    let bad_request = only_block(&blocks, "400", is_error_block(400));
    let unauthorized = only_block(&blocks, "401", is_error_block(401));
    let unprocessable = only_block(&blocks, "422", is_error_block(422));
    assert_error_bodies(bad_request, unauthorized, unprocessable);
    let errors = [
        ("BadRequestError", bad_request),
        ("UnauthorizedError", unauthorized),
        ("UnprocessableEntityError", unprocessable),
    ]
    .map(|(schema, value)| Example {
        at: format!("page 003 {schema}"),
        schema: Some(schema.into()),
        value: value.clone(),
    });
    assert_no_failures("page 003 error bodies", &check_examples(&errors, true));
}

#[test]
#[ignore = "reads ../shared/seeds, which a clone of the project alone does not have; .ci/run runs it with --ignored"]
fn page_003_request_body_decodes_and_round_trips() {
    let blocks = page_003_blocks();
    let requests: Vec<&Value> = blocks
        .iter()
        .filter(|b| b.get("firstName").is_some())
        .collect();
    assert!(!requests.is_empty(), "page 003 shows its request body");
    let examples: Vec<Example> = requests
        .iter()
        .enumerate()
        .map(|(i, value)| Example {
            at: format!("page 003 request body #{i}"),
            schema: Some("UpdateContactRequest".into()),
            value: (*value).clone(),
        })
        .collect();
    assert_no_failures("page 003 request bodies", &check_examples(&examples, true));
}

#[test]
#[ignore = "reads ../shared/seeds, which a clone of the project alone does not have; .ci/run runs it with --ignored"]
fn spec_examples_are_page_003_with_only_the_documented_corrections() {
    let spec = spec();
    let blocks = page_003_blocks();

    // Response: `email`, `emailLowerCase` and `dateOfBirth` are corrected.
    let mut page = only_block(&blocks, "update response", |b| {
        b.get("succeded") == Some(&json!(true))
    })
    .clone();
    let contact = page["contact"].as_object_mut().expect("contact");
    assert_eq!(contact["email"], json!(OBFUSCATED_EMAIL));
    contact.insert("email".into(), json!("rubika@deos.com"));
    contact.insert("emailLowerCase".into(), json!("rubika@deos.com"));
    contact.insert("dateOfBirth".into(), json!("1990-09-25T00:00:00.000Z"));
    assert_eq!(spec_response_example(&spec, "updateContact", "200"), page);

    // Request: only `email` is corrected.
    let mut page = blocks
        .iter()
        .find(|b| b.get("firstName").is_some())
        .expect("request body")
        .clone();
    page["email"] = json!("rosan@deos.com");
    let spec_example = request_examples(&spec, "updateContact")
        .into_iter()
        .find(|(name, _)| name == "page003")
        .expect("updateContact request example `page003`")
        .1;
    assert_eq!(spec_example, page);

    // Errors: the spec's components/responses examples are the page's bodies.
    assert_eq!(
        &component_response_example(&spec, "BadRequest"),
        only_block(&blocks, "400", is_error_block(400))
    );
    assert_eq!(
        &component_response_example(&spec, "Unauthorized"),
        only_block(&blocks, "401", is_error_block(401))
    );
    assert_eq!(
        &component_response_example(&spec, "UnprocessableEntity"),
        only_block(&blocks, "422", is_error_block(422))
    );
}

// ---------------------------------------------------------------------------
// 3. Round trips
// ---------------------------------------------------------------------------

#[test]
fn every_media_type_example_round_trips() {
    let spec = spec();
    let examples = all_media_examples(&spec);
    assert!(
        examples.iter().any(|e| e.at.contains(" request ")),
        "request examples were found"
    );
    assert!(
        examples
            .iter()
            .any(|e| e.at.starts_with("components/responses/")),
        "component responses were found"
    );
    assert_no_failures("media-type examples", &check_examples(&examples, true));
}

#[test]
fn every_schema_level_example_round_trips() {
    let spec = spec();
    let examples = schema_examples(&spec);
    assert!(!examples.is_empty(), "the spec has schema-level examples");
    assert_no_failures("schema-level examples", &check_examples(&examples, true));
}

// ---------------------------------------------------------------------------
// 4. Unknown values are kept
// ---------------------------------------------------------------------------

#[test]
fn unknown_fields_are_kept_in_extra() {
    let body = json!({
        "contact": {"id": "abc123", "someNewField": {"x": 1}},
        "someTopLevelField": [1, "two"]
    });
    let response: types::ContactResponse = serde_json::from_value(body.clone()).expect("decodes");
    let contact = &response.contact;
    assert_eq!(contact.id, "abc123");
    assert_eq!(contact.extra.get("someNewField"), Some(&json!({"x": 1})));
    assert_eq!(contact.extra.len(), 1);
    assert_eq!(
        response.extra.get("someTopLevelField"),
        Some(&json!([1, "two"]))
    );
    assert_eq!(serde_json::to_value(&response).expect("encodes"), body);
}

#[test]
fn unknown_enum_values_are_kept() {
    use types::{DndSetting, DndSettingStatus, InboundDndSetting, InboundDndSettingStatus};

    let setting: DndSetting =
        serde_json::from_value(json!({"status": "paused", "message": null})).expect("decodes");
    assert!(
        matches!(&setting.status, DndSettingStatus::Unknown(v) if v.as_str() == "paused"),
        "{:?}",
        setting.status
    );
    assert_eq!(setting.status, DndSettingStatus::from("paused"));
    assert_eq!(setting.status.as_str(), "paused");
    assert!(setting.message.is_null(), "null message reads as Null");
    assert!(setting.code.is_absent(), "missing code reads as Absent");
    assert_eq!(
        serde_json::to_value(&setting).expect("encodes"),
        json!({"status": "paused", "message": null})
    );

    let inbound: InboundDndSetting =
        serde_json::from_value(json!({"status": "paused"})).expect("decodes");
    assert_eq!(inbound.status, "paused".parse().expect("infallible"));
    assert!(matches!(
        inbound.status,
        InboundDndSettingStatus::Unknown(_)
    ));
    assert_eq!(
        serde_json::to_value(&inbound).expect("encodes"),
        json!({"status": "paused"})
    );

    // Inside a whole response too.
    let body = json!({"contact": {"id": "abc123", "dndSettings": {"Call": {"status": "paused"}, "SMS": {"status": "permanent"}}}});
    let response: types::ContactResponse = serde_json::from_value(body.clone()).expect("decodes");
    let dnd = response.contact.dnd_settings.as_ref().expect("dndSettings");
    assert_eq!(dnd.call.as_ref().map(|s| s.status.as_str()), Some("paused"));
    assert_eq!(
        dnd.sms.as_ref().map(|s| &s.status),
        Some(&DndSettingStatus::Permanent)
    );
    assert_eq!(serde_json::to_value(&response).expect("encodes"), body);
}

#[test]
fn correctly_spelled_succeeded_is_accepted() {
    let contact = json!({"id": "abc123"});
    for spelling in ["succeeded", "succeded"] {
        let body = json!({spelling: true, "contact": contact});
        let update: types::UpdateContactResponse =
            serde_json::from_value(body.clone()).expect("decodes");
        assert_eq!(update.succeeded, Some(true), "{body}");
        assert!(
            update.extra.is_empty(),
            "{body}: not kept as an unknown field"
        );
        // Sent back under the vendor's (wire) spelling.
        assert_eq!(
            serde_json::to_value(&update).expect("encodes"),
            json!({"succeded": true, "contact": contact})
        );

        let body = json!({spelling: true});
        let delete: types::DeleteContactResponse =
            serde_json::from_value(body.clone()).expect("decodes");
        assert_eq!(delete.succeeded, Some(true), "{body}");
        assert!(
            delete.extra.is_empty(),
            "{body}: not kept as an unknown field"
        );
        assert_eq!(
            serde_json::to_value(&delete).expect("encodes"),
            json!({"succeded": true})
        );
    }
    let delete: types::DeleteContactResponse =
        serde_json::from_value(json!({"succeeded": false})).expect("decodes");
    assert_eq!(delete.succeeded, Some(false));
}
