//! The generated server layer (`leadconnector::server`) on the wire: a
//! recording implementation of the contacts `Api` behind the generated
//! `Router`, served on loopback, driven by the client and by raw HTTP.

mod accepts;
mod breaks;
mod fake;
mod oauth;
mod values;

use fake::Recorder;
use leadconnector::server::{CreateContactInput, GetContactsInput};
use leadconnector::{types, Client};

use serde_json::{json, Value};

use crate::wire::success_answer;

/// A valid request reaches the trait with its values typed as the client
/// sent them, and the trait's response comes back to the client.
#[tokio::test]
async fn a_valid_request_reaches_the_trait_with_typed_values() {
    let server = Recorder::start().await;
    let client = server.client();
    let body = types::CreateContactRequest::new("ve9EPM428h8vShlRW1KT")
        .first_name("Rosan")
        .email("rosan@deos.com")
        .tags(["vip", "newsletter"]);
    let created = client.create_contact(&body).await.expect("201");
    let (_, answer) = success_answer(&crate::common::spec(), "createContact");
    assert_eq!(
        created.contact.id,
        answer["contact"]["id"].as_str().unwrap()
    );
    let call = server.only_call();
    assert_eq!(call.operation, "createContact");
    assert_eq!(call.token.as_deref(), Some(fake::TOKEN));
    assert_eq!(
        call.input::<CreateContactInput>(),
        &CreateContactInput { body }
    );

    #[allow(
        deprecated,
        reason = "getContacts is deprecated by the vendor and served all the same"
    )]
    let listed = {
        let params = leadconnector::GetContactsParams::default()
            .limit(20)
            .start_after(1_603_870_249_758)
            .query("John");
        client.get_contacts("loc-1", &params).await
    };
    listed.expect("200");
    let call = server.only_call();
    assert_eq!(
        call.input::<GetContactsInput>(),
        &GetContactsInput {
            location_id: "loc-1".into(),
            start_after_id: None,
            start_after: Some(1_603_870_249_758),
            query: Some("John".into()),
            limit: Some(20),
        }
    );
    let _: Client = client;
}

/// What a raw request got back.
struct Answer {
    status: u16,
    allow: Option<String>,
    body: Value,
}

/// Sends `method path` with `headers` and `body` (JSON unless a
/// `Content-Type` is given) to `base`, without the client.
async fn raw(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    let mut typed = false;
    for (name, value) in headers {
        typed |= name.eq_ignore_ascii_case("content-type");
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        if !typed {
            request = request.header("Content-Type", "application/json");
        }
        request = request.body(body.to_owned());
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    Answer {
        status,
        allow,
        body,
    }
}

const AUTH: (&str, &str) = ("Authorization", "Bearer test-token");
const VERSION: (&str, &str) = ("Version", "2021-07-28");

/// The vendor's 422: every problem, each naming its field.
fn unprocessable(messages: &[&str]) -> Value {
    json!({"statusCode": 422, "message": messages, "error": "Unprocessable Entity"})
}

#[tokio::test]
async fn no_token_is_the_vendors_401_and_reaches_nothing() {
    let server = Recorder::start().await;
    let base = server.base_url();
    for headers in [
        &[VERSION][..],
        &[VERSION, ("Authorization", "Bearer ")],
        &[VERSION, ("Authorization", "Basic dXNlcg==")],
    ] {
        let answer = raw(&base, "GET", "/contacts/abc", headers, None).await;
        assert_eq!(answer.status, 401, "{headers:?}");
        // The body the spec documents for 401, with its documented message.
        assert_eq!(
            answer.body,
            json!({"statusCode": 401, "message": "Invalid token: access token is invalid", "error": "Unauthorized"})
        );
    }
    // Credentials are checked before the body: no validation detail leaks.
    let answer = raw(&base, "POST", "/contacts/", &[VERSION], Some("{}")).await;
    assert_eq!(answer.status, 401);
    assert!(server.calls().is_empty());
}

#[tokio::test]
async fn a_bad_body_is_one_422_naming_every_field() {
    let server = Recorder::start().await;
    let base = server.base_url();
    let body = json!({
        "firstName": 5,
        "tags": ["vip", 7],
        "dnd": "yes",
        "dndSettings": {"SMS": {"status": "sleeping", "message": "x"}},
        "customFields": [{"id": "f1", "key": "k", "field_value": "v"}],
        "source": null
    });
    let answer = raw(
        &base,
        "POST",
        "/contacts/",
        &[AUTH, VERSION],
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body,
        unprocessable(&[
            "firstName must be a string",
            "locationId should not be empty",
            "dnd must be a boolean value",
            "dndSettings.SMS.status must be one of the following values: active, inactive, permanent",
            "tags.1 must be a string",
            "source should not be null",
        ])
    );
    assert!(server.calls().is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400() {
    let server = Recorder::start().await;
    let base = server.base_url();
    let answer = raw(
        &base,
        "POST",
        "/contacts/",
        &[AUTH, VERSION],
        Some("{\"locationId\": "),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["statusCode"], 400);
    assert_eq!(answer.body["error"], "Bad Request");
    let message = answer.body["message"].as_str().unwrap();
    assert!(
        message.starts_with("the body is not valid JSON"),
        "{message}"
    );
    let xml = [AUTH, VERSION, ("Content-Type", "application/xml")];
    let answer = raw(&base, "POST", "/contacts/", &xml, Some("<contact/>")).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body["message"],
        "Content-Type application/xml is not accepted: send application/json"
    );
    assert!(server.calls().is_empty());
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let server = Recorder::start().await;
    let base = server.base_url();
    let answer = raw(
        &base,
        "GET",
        "/contacts/abc/nothing",
        &[AUTH, VERSION],
        None,
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.body,
        json!({"statusCode": 404, "message": "Cannot GET /contacts/abc/nothing", "error": "Not Found"})
    );
    let answer = raw(
        &base,
        "PATCH",
        "/contacts/abc",
        &[AUTH, VERSION],
        Some("{}"),
    )
    .await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.allow.as_deref(), Some("GET, PUT, DELETE"));
    assert_eq!(
        answer.body,
        json!({"statusCode": 405, "message": "Cannot PATCH /contacts/abc", "error": "Method Not Allowed"})
    );
    // Routing comes first: an unknown route needs no token to be unknown.
    assert_eq!(raw(&base, "GET", "/nowhere", &[], None).await.status, 404);
    assert!(server.calls().is_empty());
}

#[tokio::test]
async fn parameters_and_the_version_header_are_checked() {
    let server = Recorder::start().await;
    let base = server.base_url();
    // The fixed `Version` header: missing, then wrong.
    let answer = raw(&base, "GET", "/contacts/abc", &[AUTH], None).await;
    assert_eq!(answer.body, unprocessable(&["Version should not be empty"]));
    let answer = raw(
        &base,
        "GET",
        "/contacts/abc",
        &[AUTH, ("Version", "2021-04-15")],
        None,
    )
    .await;
    assert_eq!(
        answer.body,
        unprocessable(&["Version must be one of the following values: 2021-07-28"])
    );
    // Query parameters: a required one missing, a number that is not one.
    let answer = raw(
        &base,
        "GET",
        "/contacts/?limit=ten&startAfter=1.5",
        &[AUTH, VERSION],
        None,
    )
    .await;
    assert_eq!(
        answer.body,
        unprocessable(&[
            "locationId should not be empty",
            "startAfter must be an integer number",
            "limit must be an integer number",
        ])
    );
    // A path parameter with listed values (`add` or `remove`).
    let body = json!({"locationId": "loc", "contacts": ["c1"], "tags": ["t"]}).to_string();
    let answer = raw(
        &base,
        "POST",
        "/contacts/bulk/tags/update/replace",
        &[AUTH, VERSION],
        Some(&body),
    )
    .await;
    assert_eq!(
        answer.body,
        unprocessable(&["type must be one of the following values: add, remove"])
    );
    assert!(server.calls().is_empty());
    // The same request with `add` is taken.
    let answer = raw(
        &base,
        "POST",
        "/contacts/bulk/tags/update/add",
        &[AUTH, VERSION],
        Some(&body),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(server.only_call().operation, "bulkUpdateTags");
}

#[tokio::test]
async fn request_enums_refuse_values_they_do_not_list() {
    let server = Recorder::start().await;
    let base = server.base_url();
    // The client's `SearchLogic` keeps an unknown value; a request may not
    // carry one, however deep.
    let body = json!({
        "locationId": "loc",
        "pageLimit": 20,
        "filters": [{"group": "XOR", "filters": [{"field": "tags", "operator": "eq", "value": "vip"}]}],
        "sort": [{"field": "dateAdded", "direction": "sideways"}]
    });
    let answer = raw(
        &base,
        "POST",
        "/contacts/search",
        &[AUTH, VERSION],
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(
        answer.body,
        unprocessable(&[
            "filters.0.group must be one of the following values: AND, OR",
            "sort.0.direction must be one of the following values: asc, desc",
        ])
    );
    assert!(server.calls().is_empty());
}

#[tokio::test]
async fn closed_objects_refuse_properties_they_do_not_list() {
    let server = Recorder::start().await;
    let base = server.base_url();
    // `addContactToCampaign` takes `{}` and nothing else
    // (`additionalProperties: false`).
    let path = "/contacts/c1/campaigns/camp1";
    let answer = raw(
        &base,
        "POST",
        path,
        &[AUTH, VERSION],
        Some(r#"{"startAt": "now"}"#),
    )
    .await;
    assert_eq!(
        answer.body,
        unprocessable(&["property startAt should not exist"])
    );
    assert!(server.calls().is_empty());
    let answer = raw(&base, "POST", path, &[AUTH, VERSION], Some("{}")).await;
    assert_eq!(answer.status, 201);
    let call = server.only_call();
    assert_eq!(
        call.input::<leadconnector::server::AddContactToCampaignInput>(),
        &leadconnector::server::AddContactToCampaignInput {
            contact_id: "c1".into(),
            campaign_id: "camp1".into(),
        }
    );
}

/// hyper's features as `leadconnector` resolves them, alone, with `extra`
/// arguments (`cargo tree`, offline: the suite's own build fetched them).
fn hyper_features(extra: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "leadconnector",
            "-e",
            "normal,features",
            "--prefix",
            "none",
        ])
        .args(extra)
        .current_dir(tests::root())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut features: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("hyper feature \""))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    features.sort();
    features.dedup();
    features
}

/// An app that only calls the API compiles no server: without the `server`
/// feature, hyper is built for reqwest's client alone.
#[test]
fn without_the_feature_no_server_is_compiled() {
    let plain = hyper_features(&[]);
    assert!(plain.contains(&"client".to_owned()), "{plain:?}");
    assert!(!plain.contains(&"server".to_owned()), "{plain:?}");
    let served = hyper_features(&["--features", "server"]);
    assert!(served.contains(&"server".to_owned()), "{served:?}");
}
