//! How fast and lean the mock is (issue 20, point 6), measured, not
//! asserted: `cargo bench -p leadconnector-mock`.
//!
//! - **Memory**: the growth of the process's resident set (RSS) while
//!   100,000 contacts of the shape the vendor's pages show are stored, one
//!   at a time (so nothing else grows with them).
//! - **Search**: one page of 100 over those 100,000 contacts, for five kinds
//!   of search: in the engine alone, and through the client over HTTP
//!   (routing, JSON both ways).
//! - **get_contact**: requests per second the mock serves to the client
//!   from 64 tasks, client and mock in this process on the machine's cores.
//!
//! `BENCH_ROUNDS` (default 5) repeats the search and throughput rounds;
//! each is printed, then the median and the spread. `BENCH_ONLY=engine`,
//! `http` or `throughput` runs one part (memory is always measured: the
//! engine's searches run on the store it builds), for a profiler.
//!
//! Measured on the project's 2-core machine, quiet, release profile
//! (2026-12-06, 5 rounds; goals from issue 20):
//!
//! | measure | result | goal |
//! |---|---|---|
//! | memory, 100,000 contacts | 94.0 MiB (985 bytes each) | <= 300 MB |
//! | a search page of 100, in the engine (medians of the five searches) | 3.4-12.8 ms | <= 20 ms |
//! | the same over HTTP through the client | 4.2-14.2 ms (slowest single round 20.4 ms) | <= 20 ms |
//! | `get_contact`, 64 tasks | 21,224 req/s median (19,085-27,116) | >= 10,000 req/s |

use std::sync::Arc;
use std::time::Instant;

use leadconnector::types::{self, Contact, ContactCustomField, SearchFilter, SearchSort};
use leadconnector::Timestamp;
use leadconnector_mock::ratelimit::Limits;
use leadconnector_mock::store::{Access, DuplicateSettings, Store};
use leadconnector_mock::MockServer;
use serde_json::json;

const CONTACTS: usize = 100_000;
const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
const FIRST: &[&str] = &[
    "Rosan", "Alex", "Peter", "Maria", "Zoe", "Li", "Sam", "Kim", "Noor", "Ines",
];
const LAST: &[&str] = &[
    "Deo", "Peter", "Alpha", "Beta", "Smith", "Okafor", "Novak", "Silva",
];
const CITIES: &[&str] = &["Dolomite", "Berlin", "Pune", "Lagos", "Lima"];
const TAGS: &[&str] = &["vip", "newsletter", "lead", "customer", "churned"];

/// The `i`th contact: names, e-mail, phone, street address, city, state,
/// postal code, country, source, two tags, a custom field, dates.
/// The id of the `i`th contact: 20 letters and digits, as the vendor's.
fn id(i: usize) -> String {
    let mut rng = leadconnector_mock::ids::Rng::new(i as u64);
    rng.id()
}

fn contact(i: usize) -> Contact {
    let mut c = Contact::new(id(i));
    c.first_name = Some(FIRST[i % FIRST.len()].to_owned());
    c.last_name = Some(LAST[(i / 7) % LAST.len()].to_owned());
    c.email = Some(format!("person{i}@example.com"));
    c.phone = Some(format!("+1555{i:07}"));
    c.address1 = Some(format!("{} 1st St N", i % 9000));
    c.city = Some(CITIES[i % CITIES.len()].to_owned());
    c.state = Some("AL".to_owned());
    c.postal_code = Some(format!("{:05}", i % 99_999));
    c.country = Some("US".to_owned());
    c.source = Some("public api".to_owned());
    c.dnd = Some(i % 11 == 0);
    c.tags = vec![
        TAGS[i % TAGS.len()].to_owned(),
        TAGS[(i / 5) % TAGS.len()].to_owned(),
    ];
    let mut field = ContactCustomField::default();
    field.id = Some("score".to_owned());
    field.value = Some(json!(i % 100));
    c.custom_fields = vec![field];
    let added = 1_600_000_000_000_i64 + (i as i64) * 60_000;
    c.date_added = Some(Timestamp::new(leadconnector_mock::clock::format_millis(
        added,
    )));
    c.date_updated = c.date_added.clone();
    c
}

/// A store holding the contacts, in a Location of this id.
fn store(location: &str) -> Store {
    let mut store = Store::new(1);
    store.insert_location(location, DuplicateSettings::default());
    for i in 0..CONTACTS {
        store
            .seed_contact(location, &contact(i), 0)
            .expect("stored");
    }
    store
}

/// Resident set size of this process, in bytes (Linux).
fn rss() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// CPU time this thread has run, in nanoseconds (Linux): unlike the time
/// on the wall, it does not count the time other work on the machine took
/// the core.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU time of the whole process (every thread), in seconds (Linux; 10 ms
/// resolution).
fn process_cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces), from field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15: 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.2}-{max:.2}")
}

fn memory() -> Store {
    let before = rss().unwrap_or(0);
    let store = store(LOCATION);
    let after = rss().unwrap_or(0);
    println!(
        "memory: {CONTACTS} contacts stored; RSS {:.1} -> {:.1} MiB: {:.1} MiB for the contacts, {} bytes each (goal <= 300 MB)",
        mib(before),
        mib(after),
        mib(after.saturating_sub(before)),
        after.saturating_sub(before) / CONTACTS
    );
    let one = serde_json::to_vec(
        &store
            .get_contact(Access::Any, &contact(7).id)
            .unwrap()
            .contact,
    )
    .unwrap();
    println!(
        "        (one of them is {} bytes of JSON on the wire)",
        one.len()
    );
    store
}

/// The five searches, each a page of 100.
fn searches(location: &str) -> Vec<(&'static str, types::SearchContactsRequest)> {
    let base = || types::SearchContactsRequest::new(location, 100);
    vec![
        ("newest first, page 1", base()),
        (
            "tag AND date range, page 3",
            base().page(3).filters([
                SearchFilter::new("tags", "eq").value("vip"),
                SearchFilter::new("dateAdded", "range")
                    .value(json!({"gte": "2020-10-01T00:00:00Z"})),
            ]),
        ),
        (
            "sorted by last name, page 50",
            base().page(50).sort([SearchSort::new("lastName", "asc")]),
        ),
        ("free text (e-mail part)", base().query("person99")),
        (
            "searchAfter, past 90,000",
            base().search_after(vec![
                json!(1_600_000_000_000_i64 + 9_000 * 60_000),
                json!(id(9000)),
            ]),
        ),
    ]
}

fn search_engine(store: &Store, rounds: usize) {
    println!(
        "\nsearch in the engine ({CONTACTS} contacts, a page of 100; ms per search, {rounds} rounds; CPU: this thread's time on a core):"
    );
    // `BENCH_SEARCH=n` runs only the nth search (from 1), for a profiler.
    let only: Option<usize> = std::env::var("BENCH_SEARCH")
        .ok()
        .and_then(|v| v.parse().ok());
    for (i, (name, request)) in searches(LOCATION).into_iter().enumerate() {
        if only.is_some_and(|n| n != i + 1) {
            continue;
        }
        let mut wall = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..rounds {
            let (started, cpu_started) = (Instant::now(), thread_cpu_ns());
            let page = store
                .search_contacts(Access::Any, &request)
                .expect("searched");
            assert!(!page.contacts.is_empty(), "{name}: a page");
            cpu.push((thread_cpu_ns() - cpu_started) as f64 / 1e6);
            wall.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let (wall_spread, cpu_spread) = (spread(&wall), spread(&cpu));
        println!(
            "  {name:<32} wall median {:>7.2} ms ({wall_spread})   CPU median {:>7.2} ms ({cpu_spread})",
            median(&mut wall),
            median(&mut cpu)
        );
    }
}

async fn unlimited_mock() -> MockServer {
    let mock = MockServer::builder()
        .rate_limits(Limits {
            burst_max: u32::MAX,
            burst_window_ms: 10_000,
            daily_max: u32::MAX,
        })
        .log_limit(1_000)
        .start()
        .await
        .expect("started");
    for i in 0..CONTACTS {
        mock.insert_contact(contact(i));
    }
    mock
}

async fn search_http(mock: &MockServer, rounds: usize) {
    println!(
        "\nsearch through the client over HTTP (same searches; ms per call, {rounds} rounds; CPU: the process's, client and mock, per call):"
    );
    let client = mock.client();
    for (name, request) in searches(mock.location_id()) {
        let mut times = Vec::new();
        let cpu_started = process_cpu_secs();
        for _ in 0..rounds {
            let started = Instant::now();
            let page = client.search_contacts(&request).await.expect("searched");
            assert_eq!(page.contacts.len(), 100, "{name}");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let cpu = (process_cpu_secs() - cpu_started) * 1000.0 / rounds as f64;
        let spread = spread(&times);
        println!(
            "  {name:<32} wall median {:>7.2} ms ({spread})   CPU {cpu:>6.2} ms",
            median(&mut times)
        );
    }
}

async fn throughput(mock: &Arc<MockServer>, rounds: usize) {
    const TASKS: usize = 64;
    const PER_TASK: usize = 500;
    println!("\nget_contact, {TASKS} tasks x {PER_TASK} calls through the client (goal >= 10,000 req/s):");
    let client = mock.client();
    let id = contact(4242).id;
    // Warm the connection pool.
    for _ in 0..200 {
        client.get_contact(&id).await.expect("got");
    }
    let mut rates = Vec::new();
    let mut capacities = Vec::new();
    for round in 0..rounds {
        let (started, cpu_started) = (Instant::now(), process_cpu_secs());
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let client = client.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    for _ in 0..PER_TASK {
                        client.get_contact(&id).await.expect("got");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        let calls = (TASKS * PER_TASK) as f64;
        let rate = calls / started.elapsed().as_secs_f64();
        let cpu_per_call = (process_cpu_secs() - cpu_started) / calls;
        // What the cores this process may use would serve if nothing else ran.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let capacity = cores / cpu_per_call;
        println!(
            "  round {}: {rate:>8.0} req/s on the wall; {:.1} µs CPU per call (client and mock), {capacity:>8.0} req/s for {cores} idle cores",
            round + 1,
            cpu_per_call * 1e6
        );
        rates.push(rate);
        capacities.push(capacity);
    }
    let (spread_rates, spread_capacity) = (spread(&rates), spread(&capacities));
    println!(
        "  median {:.0} req/s on the wall ({spread_rates}); {:.0} req/s from CPU time ({spread_capacity})",
        median(&mut rates),
        median(&mut capacities)
    );
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("leadconnector-mock bench: {cores} cores, {rounds} rounds\n");
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only == part;
    let store = memory();
    if run("engine") {
        search_engine(&store, rounds.max(3) * 4);
    }
    drop(store);
    if !run("http") && !run("throughput") {
        return;
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mock = Arc::new(unlimited_mock().await);
        if run("http") {
            search_http(&mock, rounds.max(3) * 4).await;
        }
        if run("throughput") {
            throughput(&mock, rounds).await;
        }
    });
}
