//! `cargo xtask vendor-responses` and `cargo xtask vendor-requests`: the
//! client against the vendor's own published schemas (`../shared/corpus`).
//!
//! - responses: random bodies generated from the VENDOR's response schemas
//!   (contacts.json and common-schemas.json) for every operation and every
//!   status the vendor documents, served over loopback HTTP and decoded by
//!   the `leadconnector` client. Every body must decode.
//! - requests: every request the client builds (the spec's request
//!   examples, plus random requests generated from the spec's own request
//!   schemas and parameters) is sent to loopback and what arrives is
//!   validated against the VENDOR's request schemas and parameters.
//!
//! Where the spec departs from the vendor's file on purpose, the departure is
//! listed in `departures.rs` with its row in spec/README.md; those cases are
//! counted and reported, never failures. Anything else fails the command.

mod calls;
mod departures;
mod schema;
mod server;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use calls::{Outcome, OPERATIONS};
use departures::Departures;
use schema::{validate, Docs, Generator, Violation};
use server::{Answer, Server};

/// Cases per operation without `--cases` / `--full`.
const DEFAULT_CASES: usize = 200;
/// Cases per operation with `--full`.
const FULL_CASES: usize = 10_000;

struct Args {
    cases: usize,
    seed: u64,
    corpus: PathBuf,
    verbose: bool,
}

impl Args {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut out = Self {
            cases: DEFAULT_CASES,
            seed: 0x5eed,
            corpus: crate::codegen::project_root().join("../shared/corpus"),
            verbose: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match arg.as_str() {
                "--cases" => {
                    out.cases = value("--cases")?
                        .parse()
                        .map_err(|e| format!("--cases: {e}"))?;
                }
                "--full" => out.cases = FULL_CASES,
                "--seed" => {
                    out.seed = value("--seed")?
                        .parse()
                        .map_err(|e| format!("--seed: {e}"))?;
                }
                "--corpus" => out.corpus = PathBuf::from(value("--corpus")?),
                "--verbose" => out.verbose = true,
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(out)
    }
}

/// One operation as our spec and the vendor's file both describe it.
struct Op {
    id: &'static str,
    method: String,
    /// The vendor's operation object.
    vendor: Value,
    /// Our operation object.
    ours: Value,
}

struct Setup {
    docs: Docs,
    ops: Vec<Op>,
}

fn setup(args: &Args) -> Result<Setup, String> {
    let mut docs = Docs::new();
    docs.load("contacts", &args.corpus.join("apps/contacts.json"))?;
    docs.load("common", &args.corpus.join("common/common-schemas.json"))?;
    docs.load(
        "spec",
        &crate::codegen::project_root().join("spec/contacts.yaml"),
    )?;
    let mut ops = Vec::new();
    for (path, item) in docs.doc("spec")["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let id = OPERATIONS
                .iter()
                .find(|known| **known == id)
                .ok_or_else(|| format!("the client calls have no entry for `{id}`"))?;
            let vendor = docs.doc("contacts")["paths"][path][method].clone();
            if vendor.is_null() {
                return Err(format!(
                    "{method} {path} ({id}) is not in the vendor's contacts.json"
                ));
            }
            ops.push(Op {
                id,
                method: method.to_uppercase(),
                vendor,
                ours: op.clone(),
            });
        }
    }
    if ops.len() != OPERATIONS.len() {
        return Err(format!(
            "the spec has {} operations; the client calls know {}",
            ops.len(),
            OPERATIONS.len()
        ));
    }
    Ok(Setup { docs, ops })
}

fn client(server: &Server) -> Result<leadconnector::Client, String> {
    leadconnector::Client::builder("vendor-check")
        .base_url(&server.base_url)
        .max_retries(0)
        .build()
        .map_err(|e| e.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// The first request-body example of our spec, decoded-ready.
fn our_request_examples(docs: &Docs, op: &Op) -> Vec<Value> {
    let Some(body) = op.ours.get("requestBody") else {
        return Vec::new();
    };
    let (_, body) = docs.resolve("spec", body);
    let media = &body["content"]["application/json"];
    media["examples"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, e)| docs.resolve("spec", e).1["value"].clone())
        .chain(media.get("example").cloned())
        .collect()
}

/// Counts of one operation's cases.
#[derive(Default)]
struct Tally {
    cases: usize,
    passed: usize,
    /// Cases per departure row (a case can fall under several rows).
    departures: BTreeMap<u32, usize>,
    /// Cases that fall under at least one departure row.
    departure_cases: usize,
    not_built: usize,
    failures: Vec<String>,
}

fn report(
    what: &str,
    tallies: &BTreeMap<&str, Tally>,
    departures: &Departures,
) -> Result<(), String> {
    println!(
        "{:<32} {:>7} {:>7} {:>10} {:>9}  departures (row: cases)",
        "operation", "cases", "passed", "not built", "failures"
    );
    let mut total = Tally::default();
    for (id, t) in tallies {
        let rows: Vec<String> = t
            .departures
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect();
        println!(
            "{id:<32} {:>7} {:>7} {:>10} {:>9}  {}",
            t.cases,
            t.passed,
            t.not_built,
            t.failures.len(),
            rows.join(", ")
        );
        total.cases += t.cases;
        total.passed += t.passed;
        total.not_built += t.not_built;
        total.departure_cases += t.departure_cases;
        for (row, n) in &t.departures {
            *total.departures.entry(*row).or_default() += n;
        }
        total
            .failures
            .extend(t.failures.iter().map(|f| format!("{id}: {f}")));
    }
    println!(
        "{what}: {} cases over {} operations: {} passed, {} within documented departures, {} not buildable by the client, {} failures",
        total.cases,
        tallies.len(),
        total.passed,
        total.departure_cases,
        total.not_built,
        total.failures.len()
    );
    for (row, n) in &total.departures {
        println!("  departure {row} ({}): {n} cases", departures.title(*row));
    }
    if total.failures.is_empty() {
        return Ok(());
    }
    for failure in total.failures.iter().take(200) {
        println!("FAIL {failure}");
    }
    Err(format!(
        "{what}: {} failure(s) outside the documented departures",
        total.failures.len()
    ))
}

fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.chars().take(600).collect()
}

// ---------------------------------------------------------------------------
// vendor-responses
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// vendor-requests
// ---------------------------------------------------------------------------

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
