//! `cargo xtask vendor-responses`: random bodies from the vendor's response
//! schemas, served over loopback and decoded by the client.

use std::collections::BTreeMap;

use serde_json::{json, Map};

use super::calls::{self, Outcome};
use super::departures::Departures;
use super::schema::{validate, Generator};
use super::server::{Answer, Server};
use super::{client, our_request_examples, report, runtime, setup, snippet, Args, Tally};

pub fn responses(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args)?;
    let setup = setup(&args)?;
    let departures = Departures::new();
    let mut generator = Generator {
        docs: &setup.docs,
        rng: fastrand::Rng::with_seed(args.seed),
        unknown_properties: true,
    };
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    runtime()?.block_on(async {
        let server = Server::start().await?;
        let client = client(&server)?;
        for op in &setup.ops {
            let tally = tallies.entry(op.id).or_default();
            let statuses: Vec<u16> = op.vendor["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(s, _)| s.parse().ok())
                .collect();
            let body = our_request_examples(&setup.docs, op).into_iter().next();
            let params = Map::from_iter([("locationId".to_owned(), json!("loc"))]);
            for case in 0..args.cases {
                tally.cases += 1;
                // Two cases in three are successes, the rest the documented errors.
                let status = if case % 3 < 2 || statuses.len() == 1 {
                    statuses[0]
                } else {
                    statuses[1 + case % (statuses.len() - 1)]
                };
                let (doc, schema) = setup
                    .docs
                    .resolve("contacts", &op.vendor["responses"][status.to_string()]);
                let schema = &schema["content"]["application/json"]["schema"];
                let generated = if schema.is_null() {
                    None
                } else {
                    Some(generator.value(doc, schema, 0))
                };
                // The generator must only produce what the vendor allows,
                // or a pass would prove nothing.
                if let Some(value) = &generated {
                    let mut wrong = Vec::new();
                    validate(&setup.docs, doc, schema, value, "body", &mut wrong);
                    if let Some(v) = wrong.first() {
                        tally.failures.push(format!(
                            "status {status}: the generated body breaks the vendor's schema at {}: {} (a bug of the check)",
                            v.at, v.problem
                        ));
                        continue;
                    }
                }
                let (value, row) = departures.patch_response(op.id, status, generated);
                let Some(value) = value else {
                    *tally.departures.entry(row.unwrap_or(0)).or_default() += 1;
                    tally.departure_cases += 1;
                    continue;
                };
                let bytes = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
                server.answer(Answer {
                    status,
                    body: bytes.clone(),
                });
                let outcome = calls::call(&client, op.id, &params, body.as_ref()).await;
                let good = match outcome {
                    Outcome::Ok(s) => s == status && status < 300,
                    Outcome::Api(s) => s == status && status >= 400,
                    _ => false,
                };
                if good {
                    match row {
                        Some(row) => {
                            *tally.departures.entry(row).or_default() += 1;
                            tally.departure_cases += 1;
                        }
                        None => tally.passed += 1,
                    }
                } else {
                    tally.failures.push(format!(
                        "status {status}: {}\n    body: {}",
                        outcome.describe(),
                        snippet(&bytes)
                    ));
                }
                if args.verbose {
                    println!("{} {status}: {}", op.id, snippet(&bytes));
                }
            }
        }
        Ok::<(), String>(())
    })?;
    report("vendor-responses", &tallies, &departures)
}
