//! `cargo xtask vendor-requests`: every request the client builds, checked
//! against the vendor's request schemas and parameters.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::calls::{self, Outcome};
use super::departures::Departures;
use super::schema::{validate, Docs, Generator, Violation};
use super::server::{self, Answer, Server};
use super::{client, our_request_examples, report, runtime, setup, snippet, Args, Op, Tally};

pub fn requests(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args)?;
    let setup = setup(&args)?;
    let departures = Departures::new();
    let mut generator = Generator {
        docs: &setup.docs,
        rng: fastrand::Rng::with_seed(args.seed),
        unknown_properties: false,
    };
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    runtime()?.block_on(async {
        let server = Server::start().await?;
        let client = client(&server)?;
        for op in &setup.ops {
            let tally = tallies.entry(op.id).or_default();
            let ours = op.ours.get("requestBody").map(|b| {
                let (_, b) = setup.docs.resolve("spec", b);
                b["content"]["application/json"]["schema"].clone()
            });
            let our_params: Vec<Value> = op.ours["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| setup.docs.resolve("spec", p).1.clone())
                .filter(|p| p["in"] != "header")
                .collect();
            let examples = our_request_examples(&setup.docs, op);
            let random = if ours.is_some() || our_params.iter().any(|p| p["in"] == "query") {
                args.cases
            } else {
                1
            };
            let success: u16 = op.ours["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(s, _)| s.parse().ok())
                .find(|s: &u16| *s < 300)
                .unwrap_or(200);
            for case in 0..examples.len() + random {
                tally.cases += 1;
                let body = match (examples.get(case), &ours) {
                    (Some(example), _) => Some(example.clone()),
                    (None, Some(schema)) => Some(generator.value("spec", schema, 0)),
                    (None, None) => None,
                };
                let mut params = Map::new();
                for p in &our_params {
                    let required = p["required"].as_bool() == Some(true);
                    if required || generator.rng.bool() {
                        let value = generator.value("spec", &p["schema"], 0);
                        params.insert(p["name"].as_str().unwrap_or_default().to_owned(), value);
                    }
                }
                server.answer(Answer {
                    status: success,
                    body: b"{}".to_vec(),
                });
                match calls::call(&client, op.id, &params, body.as_ref()).await {
                    not_built @ Outcome::NotBuilt(_) => {
                        if args.verbose {
                            println!("{}: {}", op.id, not_built.describe());
                        }
                        tally.not_built += 1;
                        continue;
                    }
                    Outcome::Ok(_) | Outcome::Api(_) | Outcome::Failed(_) => {}
                }
                let sent = server.received();
                let [sent] = sent.as_slice() else {
                    tally.failures.push(format!(
                        "expected one request, the server got {}",
                        sent.len()
                    ));
                    continue;
                };
                let violations = check_request(&setup.docs, op, sent);
                let mut rows = Vec::new();
                let mut unexplained = Vec::new();
                for v in violations {
                    match departures.request(op.id, &v) {
                        Some(row) => rows.push(row),
                        None => unexplained.push(format!("{}: {}", v.at, v.problem)),
                    }
                }
                if !unexplained.is_empty() {
                    tally.failures.push(format!(
                        "{}\n    sent: {} {} {}",
                        unexplained.join("; "),
                        sent.method,
                        sent.target,
                        snippet(&sent.body)
                    ));
                } else if rows.is_empty() {
                    tally.passed += 1;
                } else {
                    rows.sort_unstable();
                    rows.dedup();
                    tally.departure_cases += 1;
                    for row in rows {
                        *tally.departures.entry(row).or_default() += 1;
                    }
                }
            }
        }
        Ok::<(), String>(())
    })?;
    report("vendor-requests", &tallies, &departures)
}

/// What in the request the vendor's operation does not allow: the method,
/// the query parameters (required ones present, numbers that parse, enum
/// values) and the JSON body against the vendor's request schema.
fn check_request(docs: &Docs, op: &Op, sent: &server::Received) -> Vec<Violation> {
    let mut out = Vec::new();
    if sent.method != op.method {
        out.push(Violation {
            at: "method".into(),
            problem: format!("sent {}, the vendor says {}", sent.method, op.method),
        });
    }
    let query: Vec<(String, String)> = sent
        .target
        .split_once('?')
        .map(|(_, q)| q)
        .map(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect()
        })
        .unwrap_or_default();
    let vendor_params: Vec<&Value> = op.vendor["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| docs.resolve("contacts", p).1)
        .filter(|p| p["in"] == "query")
        .collect();
    for p in &vendor_params {
        let name = p["name"].as_str().unwrap_or_default();
        let at = format!("query/{name}");
        let values: Vec<&String> = query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect();
        if values.is_empty() && p["required"].as_bool() == Some(true) {
            out.push(Violation {
                at,
                problem: "required query parameter missing".into(),
            });
            continue;
        }
        for value in values {
            let as_json = match p["schema"]["type"].as_str() {
                Some("number" | "integer") => value
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(value.clone()), Value::Number),
                Some("boolean") => match value.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(value.clone()),
                },
                _ => Value::String(value.clone()),
            };
            validate(docs, "contacts", &p["schema"], &as_json, &at, &mut out);
        }
    }
    for (name, _) in &query {
        if !vendor_params.iter().any(|p| p["name"] == name.as_str()) {
            out.push(Violation {
                at: format!("query/{name}"),
                problem: "query parameter the vendor does not document".into(),
            });
        }
    }
    let vendor_body = op
        .vendor
        .get("requestBody")
        .map(|b| docs.resolve("contacts", b).1);
    match (vendor_body, sent.body.is_empty()) {
        (Some(body), true) if body["required"].as_bool() == Some(true) => out.push(Violation {
            at: "body".into(),
            problem: "no body where the vendor requires one".into(),
        }),
        (Some(body), false) => match serde_json::from_slice::<Value>(&sent.body) {
            Ok(value) => {
                let schema = &body["content"]["application/json"]["schema"];
                validate(docs, "contacts", schema, &value, "body", &mut out);
            }
            Err(e) => out.push(Violation {
                at: "body".into(),
                problem: format!("not JSON: {e}"),
            }),
        },
        (None, false) => out.push(Violation {
            at: "body".into(),
            problem: "a body where the vendor documents none".into(),
        }),
        _ => {}
    }
    out
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_components_are_percent_decoded() {
        assert_eq!(super::decode("a+b%26c%2B1%40x"), "a b&c+1@x");
        assert_eq!(super::decode("100%"), "100%");
    }
}
