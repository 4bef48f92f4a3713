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
mod requests;
mod responses;
mod schema;
mod server;

pub use requests::requests;
pub use responses::responses;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use calls::OPERATIONS;
use departures::Departures;
use schema::Docs;
use server::Server;

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
            corpus: crate::project_root().join("../shared/corpus"),
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
    docs.load("spec", &crate::project_root().join("spec/contacts.yaml"))?;
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
