//! The mock's own endpoints under `/__mock/`, for tests in other languages
//! and for manual runs: what the Rust API does, over HTTP. They need no
//! token and are not part of the vendor's API.
//!
//! | Request | Does |
//! |---|---|
//! | `GET /__mock/state` | Everything the mock holds, in the seed file's shape. |
//! | `POST /__mock/seed` | Adds seed data (a seed file's JSON). |
//! | `GET /__mock/requests` | Every request received (method, path, query, headers, body, operation, status, revision, fault). |
//! | `DELETE /__mock/requests` | Forgets them. |
//! | `POST /__mock/faults` | Adds a fault rule: `{"operation": "createContact", "fault": "dropAfterApply", "times": 1}`; `fault` is `dropBeforeApply`, `dropAfterApply`, `malformedBody`, `{"status": 503}` or `{"delayMs": 2000}`; `after` and `probability` are optional. |
//! | `DELETE /__mock/faults` | Removes every rule. |
//! | `POST /__mock/webhooks` | Registers a webhook URL: `{"url": "http://127.0.0.1:9000/hooks"}`. |
//! | `GET /__mock/webhooks` | The deliveries so far. |
//! | `GET /__mock/webhook-key` | The public key of the webhook signatures (PEM). |
//! | `POST /__mock/oauth/apps` | Registers an OAuth app: `{"clientId": "...", "clientSecret": "..."}`. |
//! | `POST /__mock/oauth/expire` | Expires an access token: `{"accessToken": "..."}`. |

use std::sync::Arc;
use std::time::Duration;

use leadconnector::server_support::{http, json_response, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::faults::{Fault, FaultRule};
use crate::seed::{self, SeedFile};
use crate::shared::Shared;

/// The path prefix of the mock's own endpoints.
pub const PREFIX: &str = "/__mock/";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum FaultSpec {
    DropBeforeApply,
    DropAfterApply,
    MalformedBody,
    Status(u16),
    DelayMs(u64),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleSpec {
    operation: String,
    fault: FaultSpec,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default)]
    after: Option<u32>,
    #[serde(default)]
    probability: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UrlSpec {
    url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppSpec {
    client_id: String,
    client_secret: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExpireSpec {
    access_token: String,
}

/// A request as `GET /__mock/requests` lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestView {
    seq: u64,
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
    operation: Option<&'static str>,
    status: Option<u16>,
    response_body: String,
    refusal: Option<Vec<String>>,
    revision: Option<u64>,
    fault: Option<String>,
    at: String,
}

/// A request the mock's endpoints refuse: its message (a 400).
struct Refused(String);

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Refused> {
    serde_json::from_slice(body).map_err(|e| Refused(e.to_string()))
}

fn ok() -> Response {
    json_response(200, &json!({"ok": true}))
}

/// Answers a request under [`PREFIX`].
pub fn handle(shared: &Arc<Shared>, method: &http::Method, path: &str, body: &[u8]) -> Response {
    let route = path.trim_start_matches(PREFIX).trim_end_matches('/');
    let result = match (method.as_str(), route) {
        ("GET", "state") => Ok(json_response(200, &seed::snapshot(&shared.store()))),
        ("POST", "seed") => parse::<SeedFile>(body).and_then(|data| {
            let now = shared.clock.now_millis();
            seed::apply(&mut shared.store_mut(), &data, now).map_err(Refused)?;
            let mut auth = shared.auth();
            for t in &data.tokens {
                auth.insert_fixed_token(
                    &t.token,
                    crate::server::location_grant(&t.location_id, t.scopes.clone()),
                );
            }
            for app in &data.oauth_apps {
                auth.insert_app(&app.client_id, &app.client_secret);
            }
            Ok(ok())
        }),
        ("GET", "requests") => {
            let mut all: Vec<_> = shared.log().iter().cloned().collect();
            all.sort_by_key(|r| r.seq);
            let views: Vec<RequestView> = all
                .into_iter()
                .map(|r| RequestView {
                    seq: r.seq,
                    body: String::from_utf8_lossy(&r.body).into_owned(),
                    response_body: String::from_utf8_lossy(&r.response_body).into_owned(),
                    method: r.method,
                    path: r.path,
                    query: r.query,
                    headers: r
                        .headers
                        .iter()
                        .map(|(n, v)| {
                            (
                                n.as_str().to_owned(),
                                String::from_utf8_lossy(v.as_bytes()).into_owned(),
                            )
                        })
                        .collect(),
                    operation: r.operation,
                    status: r.status,
                    refusal: r.refusal,
                    revision: r.revision,
                    fault: r.fault.map(|f| format!("{f:?}")),
                    at: r.at.to_rfc3339(),
                })
                .collect();
            Ok(json_response(200, &views))
        }
        ("DELETE", "requests") => {
            shared.log().clear();
            Ok(ok())
        }
        ("POST", "faults") => parse::<RuleSpec>(body).map(|spec| {
            let fault = match spec.fault {
                FaultSpec::DropBeforeApply => Fault::DropBeforeApply,
                FaultSpec::DropAfterApply => Fault::DropAfterApply,
                FaultSpec::MalformedBody => Fault::MalformedBody,
                FaultSpec::Status(status) => Fault::Status(status),
                FaultSpec::DelayMs(ms) => Fault::Delay(Duration::from_millis(ms)),
            };
            let mut rule = FaultRule::new(spec.operation, fault);
            if let Some(n) = spec.times {
                rule = rule.times(n);
            }
            if let Some(n) = spec.after {
                rule = rule.after(n);
            }
            if let Some(p) = spec.probability {
                rule = rule.probability(p);
            }
            shared.faults().add(rule);
            ok()
        }),
        ("DELETE", "faults") => {
            shared.faults().clear();
            Ok(ok())
        }
        ("POST", "webhooks") => parse::<UrlSpec>(body).map(|spec| {
            shared.webhooks.register(&spec.url);
            ok()
        }),
        ("GET", "webhooks") => {
            let deliveries: Vec<Value> = shared
                .webhooks
                .deliveries()
                .into_iter()
                .map(|d| {
                    json!({
                        "url": d.url, "eventType": d.event_type, "webhookId": d.webhook_id,
                        "body": d.body, "signature": d.signature, "delivered": d.delivered,
                        "abandoned": d.abandoned,
                        "attempts": d.attempts.iter().map(|a| json!({"status": a.status, "at": a.at.to_rfc3339()})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Ok(json_response(200, &deliveries))
        }
        ("GET", "webhook-key") => {
            let mut response = json_response(200, &());
            *response.body_mut() = leadconnector::server_support::Full::new(
                leadconnector::server_support::Bytes::from_static(
                    crate::webhooks::PUBLIC_KEY_PEM.as_bytes(),
                ),
            );
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/x-pem-file"),
            );
            Ok(response)
        }
        ("POST", "oauth/apps") => parse::<AppSpec>(body).map(|spec| {
            shared
                .auth()
                .insert_app(&spec.client_id, &spec.client_secret);
            ok()
        }),
        ("POST", "oauth/expire") => parse::<ExpireSpec>(body).map(|spec| {
            let now = shared.clock.now_millis();
            let found = shared.auth().expire(&spec.access_token, now);
            json_response(if found { 200 } else { 404 }, &json!({"ok": found}))
        }),
        _ => Ok(json_response(
            404,
            &json!({"statusCode": 404, "message": format!("no mock endpoint {method} {path}")}),
        )),
    };
    result.unwrap_or_else(|Refused(message)| {
        json_response(400, &json!({"statusCode": 400, "message": message}))
    })
}
