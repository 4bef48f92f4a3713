//! What the client costs per request, on loopback: `get_contact` against a
//! hand-written `reqwest` + `serde_json` call that decodes the same 2.9 KB
//! contact into a plain struct with the same fields.
//!
//! ```sh
//! cargo bench -p tests --bench get_contact            # 30,000 requests each
//! BENCH_REQUESTS=6000 cargo bench -p tests --bench get_contact   # quicker, noisier
//! # one client only (after 500 warm-up calls of each), for a profiler
//! # such as `valgrind --tool=callgrind --separate-threads=yes`; prints nothing
//! BENCH_ONLY=leadconnector cargo bench -p tests --bench get_contact
//! BENCH_ONLY=hand-written cargo bench -p tests --bench get_contact
//! # the noise floor: the hand-written call against a second copy of itself
//! BENCH_AA=1 cargo bench -p tests --bench get_contact
//! ```
//!
//! The server runs on its own thread; the clients on this thread, in a
//! current-thread runtime, so this thread's CPU time (from
//! `/proc/thread-self/schedstat`, Linux only) is the client's alone. The two
//! clients alternate in blocks of 100 calls, which one goes first
//! alternating too, so drift in the machine's load hits both. Prints median
//! and p99 latency, CPU per request, and the throughput of 64 concurrent
//! tasks, each with the ratio leadconnector / hand-written. Throughput is
//! measured in 15 short rounds, each running both clients (which one
//! first alternates); its ratio is the median of the rounds' ratios, and
//! all of them are printed (sorted), to show how much that measure moves.

#![recursion_limit = "256"]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CONTACT_ID: &str = "seD4PfOuKoVMLkEZqohJ";
const BLOCK: usize = 100;
const TASKS: usize = 64;
/// Rounds of the throughput measure, each running both clients on a
/// quarter of the requests: short rounds pair each client with the other
/// under nearly the same load from the rest of the machine.
const THROUGHPUT_ROUNDS: usize = 15;

fn main() {
    let requests: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    let body = serde_json::to_vec(&contact_body()).expect("encodes");
    let address = serve(body.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(&address, requests, body.len()));
}

async fn run(address: &str, requests: usize, body_len: usize) {
    let only = std::env::var("BENCH_ONLY").ok();
    // A/A: the first column is a second hand-written client (its own
    // reqwest::Client and connection), so the ratios show how far two
    // identical clients drift apart on this machine.
    let aa = std::env::var_os("BENCH_AA").is_some();
    let base = format!("http://{address}");
    let client = leadconnector::Client::builder("bench-token")
        .base_url(&base)
        .build()
        .expect("client");
    let http = reqwest::Client::new();
    let plain = Plain {
        http: http.clone(),
        url: format!("{base}/contacts/{CONTACT_ID}"),
    };
    let twin = Plain {
        http: reqwest::Client::new(),
        url: plain.url.clone(),
    };

    // Both decode the body the server sends, completely.
    let ours = client.get_contact(CONTACT_ID).await.expect("get_contact");
    assert_eq!(ours.contact.id, CONTACT_ID);
    let theirs = plain.get().await;
    assert_eq!(theirs.contact.id, CONTACT_ID);

    // Warm up both connections pools and caches.
    for _ in 0..500 {
        black_box(client.get_contact(CONTACT_ID).await.expect("ok"));
        black_box(plain.get().await);
        black_box(twin.get().await);
    }

    match only.as_deref() {
        Some("leadconnector") => {
            for _ in 0..requests {
                black_box(client.get_contact(CONTACT_ID).await.expect("ok"));
            }
            return;
        }
        Some("hand-written") => {
            for _ in 0..requests {
                black_box(plain.get().await);
            }
            return;
        }
        Some(other) => panic!("BENCH_ONLY is `leadconnector` or `hand-written`, not `{other}`"),
        None => {}
    }

    // Blocks alternate, and which client goes first alternates too, so
    // neither always runs on the caches (or the CPU clock) the other left.
    let mut lc = Samples::new();
    let mut hand = Samples::new();
    for round in 0..requests.div_ceil(BLOCK) {
        let first = async {
            if aa {
                hand_block(&twin, &mut lc).await;
            } else {
                ours_block(&client, &mut lc).await;
            }
        };
        if round % 2 == 0 {
            first.await;
            hand_block(&plain, &mut hand).await;
        } else {
            hand_block(&plain, &mut hand).await;
            first.await;
        }
    }

    // Throughput moves most between runs: several rounds, alternating
    // which client starts, and the ratio taken within each round.
    let mut lc_rates = Vec::new();
    let mut hand_rates = Vec::new();
    let mut ratios = Vec::new();
    for round in 0..THROUGHPUT_ROUNDS {
        let ours = || async {
            if aa {
                let twin = twin.clone();
                return throughput(requests / 4, move || {
                    let twin = twin.clone();
                    async move {
                        black_box(twin.get().await);
                    }
                })
                .await;
            }
            let client = client.clone();
            throughput(requests / 4, move || {
                let client = client.clone();
                async move {
                    black_box(client.get_contact(CONTACT_ID).await.expect("ok"));
                }
            })
            .await
        };
        let theirs = || {
            let plain = plain.clone();
            throughput(requests / 4, move || {
                let plain = plain.clone();
                async move {
                    black_box(plain.get().await);
                }
            })
        };
        let (l, h) = if round % 2 == 0 {
            let l = ours().await;
            (l, theirs().await)
        } else {
            let h = theirs().await;
            (ours().await, h)
        };
        lc_rates.push(l);
        hand_rates.push(h);
        ratios.push(l / h);
    }

    println!(
        "get_contact on loopback, {body_len}-byte contact, {} sequential requests each, {TASKS} tasks for throughput\n",
        lc.latencies.len()
    );
    let first_column = if aa {
        "hand-written twin (A/A)"
    } else {
        "leadconnector"
    };
    println!("| measure | {first_column} | hand-written | ratio |");
    println!("|---|---|---|---|");
    let (lm, hm) = (lc.percentile(50), hand.percentile(50));
    row("median latency (µs)", micros(lm), micros(hm));
    let (lp, hp) = (lc.percentile(99), hand.percentile(99));
    row("p99 latency (µs)", micros(lp), micros(hp));
    match (lc.cpu_per_request(), hand.cpu_per_request()) {
        (Some(l), Some(h)) => row("client CPU per request (µs)", l, h),
        _ => println!("| client CPU per request | n/a (no /proc/thread-self/schedstat) | | |"),
    }
    // The ratio is the median of the rounds' ratios (each round pairs the
    // two clients in time), not the ratio of the median rates.
    let (lr, hr) = (median(&mut lc_rates), median(&mut hand_rates));
    println!(
        "| throughput, {TASKS} tasks (req/s) | {lr:.1} | {hr:.1} | {:.2}x |",
        median(&mut ratios)
    );
    println!(
        "\nthroughput ratio of each round (the table shows their median): {}",
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// One block of sequential `get_contact` calls, timed one by one, and the
/// CPU time of the block.
async fn ours_block(client: &leadconnector::Client, samples: &mut Samples) {
    let cpu = thread_cpu();
    for _ in 0..BLOCK {
        let started = Instant::now();
        black_box(client.get_contact(CONTACT_ID).await.expect("ok"));
        samples.latencies.push(started.elapsed());
    }
    add_cpu(&mut samples.cpu, cpu, thread_cpu());
}

/// The same for the hand-written call.
async fn hand_block(plain: &Plain, samples: &mut Samples) {
    let cpu = thread_cpu();
    for _ in 0..BLOCK {
        let started = Instant::now();
        black_box(plain.get().await);
        samples.latencies.push(started.elapsed());
    }
    add_cpu(&mut samples.cpu, cpu, thread_cpu());
}

fn row(what: &str, ours: f64, theirs: f64) {
    println!(
        "| {what} | {ours:.1} | {theirs:.1} | {:.2}x |",
        ours / theirs
    );
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Requests per second of `TASKS` tasks sharing `requests` calls. Each
/// task makes its calls one after the other, creating each when it starts
/// it, as a server handling requests would (creating them all up front
/// would measure how fast thousands of futures are allocated and touched).
async fn throughput<F, Fut>(requests: usize, make: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let per_task = requests.div_ceil(TASKS);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..TASKS {
        let make = make.clone();
        tasks.spawn(async move {
            for _ in 0..per_task {
                make().await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
    (per_task * TASKS) as f64 / started.elapsed().as_secs_f64()
}

struct Samples {
    latencies: Vec<Duration>,
    cpu: Option<Duration>,
}

impl Samples {
    fn new() -> Self {
        Self {
            latencies: Vec::new(),
            cpu: Some(Duration::ZERO),
        }
    }

    fn percentile(&mut self, p: usize) -> Duration {
        self.latencies.sort_unstable();
        let i = (self.latencies.len() * p / 100).min(self.latencies.len().saturating_sub(1));
        self.latencies.get(i).copied().unwrap_or_default()
    }

    fn cpu_per_request(&self) -> Option<f64> {
        Some(micros(self.cpu?) / self.latencies.len() as f64)
    }
}

/// CPU time of this thread so far (nanoseconds on CPU, the first field of
/// `/proc/thread-self/schedstat`).
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Adds the CPU time between two readings to `total` (`None` when either
/// reading failed).
fn add_cpu(total: &mut Option<Duration>, before: Option<Duration>, after: Option<Duration>) {
    *total = match (*total, before, after) {
        (Some(sum), Some(b), Some(a)) => Some(sum + a.saturating_sub(b)),
        _ => None,
    };
}

/// The hand-written call: one GET with the same headers, the body read
/// whole, decoded with `serde_json::from_slice` into plain structs.
#[derive(Clone)]
struct Plain {
    http: reqwest::Client,
    url: String,
}

impl Plain {
    async fn get(&self) -> PlainResponse {
        let response = self
            .http
            .get(&self.url)
            .header("authorization", "Bearer bench-token")
            .header("version", "2021-07-28")
            .send()
            .await
            .expect("sent");
        let bytes = response.bytes().await.expect("body");
        serde_json::from_slice(&bytes).expect("decodes")
    }
}

#[derive(Deserialize)]
struct PlainResponse {
    contact: PlainContact,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "decoded to measure decoding")]
struct PlainContact {
    id: String,
    name: Option<String>,
    location_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    first_name_lower_case: Option<String>,
    last_name_lower_case: Option<String>,
    full_name_lower_case: Option<String>,
    email: Option<String>,
    email_lower_case: Option<String>,
    bounce_email: Option<bool>,
    unsubscribe_email: Option<bool>,
    timezone: Option<String>,
    company_name: Option<String>,
    phone: Option<String>,
    dnd: Option<bool>,
    dnd_settings: Option<PlainDndSettings>,
    r#type: Option<String>,
    source: Option<String>,
    assigned_to: Option<String>,
    address1: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
    website: Option<String>,
    gender: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    date_of_birth: Option<String>,
    birth_month: Option<i32>,
    birth_day: Option<i32>,
    date_added: Option<DateTime<Utc>>,
    date_updated: Option<DateTime<Utc>>,
    deleted: Option<bool>,
    attachments: Option<String>,
    ssn: Option<String>,
    keyword: Option<String>,
    last_activity: Option<DateTime<Utc>>,
    last_session_activity_at: Option<DateTime<Utc>>,
    #[serde(default)]
    custom_fields: Vec<PlainCustomField>,
    #[serde(default)]
    offers: Vec<String>,
    #[serde(default)]
    products: Vec<String>,
    business_id: Option<String>,
    attribution_source: Option<PlainAttribution>,
    last_attribution_source: Option<PlainAttribution>,
    visitor_id: Option<String>,
    #[serde(default)]
    search_after: Vec<Value>,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "decoded to measure decoding")]
struct PlainDndSettings {
    #[serde(rename = "Call")]
    call: Option<PlainDndSetting>,
    #[serde(rename = "Email")]
    email: Option<PlainDndSetting>,
    #[serde(rename = "SMS")]
    sms: Option<PlainDndSetting>,
    #[serde(rename = "WhatsApp")]
    whats_app: Option<PlainDndSetting>,
    #[serde(rename = "GMB")]
    gmb: Option<PlainDndSetting>,
    #[serde(rename = "FB")]
    fb: Option<PlainDndSetting>,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "decoded to measure decoding")]
struct PlainDndSetting {
    status: String,
    message: Option<String>,
    code: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "decoded to measure decoding")]
struct PlainCustomField {
    id: Option<String>,
    value: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "decoded to measure decoding")]
struct PlainAttribution {
    url: String,
    campaign: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_content: Option<String>,
    referrer: Option<String>,
    campaign_id: Option<String>,
    fbclid: Option<String>,
    gclid: Option<String>,
    msclikid: Option<String>,
    dclid: Option<String>,
    fbc: Option<String>,
    fbp: Option<String>,
    fb_event_id: Option<String>,
    user_agent: Option<String>,
    ip: Option<String>,
    medium: Option<String>,
    medium_id: Option<String>,
}

/// A contact as page 003 shows one, about 2.4 KB encoded.
fn contact_body() -> Value {
    let attribution = json!({
        "url": "https://www.tesla.com/model3/design?utm_source=google&utm_medium=cpc",
        "campaign": "spring-sale", "utmSource": "google", "utmMedium": "cpc",
        "utmContent": "banner-a", "referrer": "https://www.google.com",
        "campaignId": "FglfHAn30PRwsZVyQlKp", "fbclid": "IwAR2Nx0yJ0", "gclid": "EAIaIQobChMIf1",
        "msclikid": "2dd7f1e4c7c8", "dclid": "CJbA4Ln", "fbc": "fb.1.1554763741205",
        "fbp": "fb.1.1700000000000.1234567890", "fbEventId": "evt-1234",
        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15",
        "ip": "58.111.106.198", "medium": "survey", "mediumId": "FglfHAn30PRwsZVyQlKp"
    });
    let dnd = json!({"status": "active", "message": "Opted out", "code": "101"});
    json!({"contact": {
        "id": CONTACT_ID, "name": "rubika deo", "locationId": "ve9EPM428h8vShlRW1KT",
        "firstName": "rubika", "lastName": "Deo", "firstNameLowerCase": "rubika",
        "lastNameLowerCase": "deo", "fullNameLowerCase": "rubika deo",
        "email": "rubika@deos.com", "emailLowerCase": "rubika@deos.com",
        "bounceEmail": false, "unsubscribeEmail": false, "timezone": "Asia/Calcutta",
        "companyName": "DGS VolMAX", "phone": "+18832327657", "dnd": true,
        "dndSettings": {"Call": dnd, "Email": dnd, "SMS": dnd, "WhatsApp": dnd, "GMB": dnd, "FB": dnd},
        "type": "read", "source": "public api", "assignedTo": "y0BeYjuRIlDwsDcOHOJo",
        "address1": "3535 1st St N", "city": "Dolomite", "state": "AL", "country": "US",
        "postalCode": "35061", "website": "https://www.tesla.com", "gender": "male",
        "tags": ["nisi sint commodo amet", "consequat", "vip", "newsletter"],
        "dateOfBirth": "1990-09-25T00:00:00.000Z", "birthMonth": 8, "birthDay": 25,
        "dateAdded": "2021-07-02T05:18:26.704Z", "dateUpdated": "2023-07-02T05:18:26.704Z",
        "deleted": false, "attachments": "", "keyword": "model 3",
        "lastActivity": "2023-07-02T05:18:26.704Z",
        "lastSessionActivityAt": "2023-07-02T05:18:26.704Z",
        "customFields": [
            {"id": "MgobCB14YMVKuE4Ka8p1", "value": "name"},
            {"id": "6dvNaf7VhkQ9snc5vnjJ", "value": 100.5},
            {"id": "Pq2S7sZ8w8KU9sXhS1fz", "value": ["test", "test2"]}
        ],
        "offers": [], "products": [], "businessId": "641c094001436dbc2f3a5bfb",
        "attributionSource": attribution, "lastAttributionSource": attribution,
        "visitorId": "ve9EPM428h8vShlRW1KT",
        "searchAfter": [1700000000000_u64, CONTACT_ID]
    }})
}

/// A keep-alive HTTP/1.1 server on its own thread answering every request
/// with `body`; returns its address.
fn serve(body: Vec<u8>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    listener.set_nonblocking(true).expect("nonblocking");
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-ratelimit-limit-daily: 200000\r\nx-ratelimit-daily-remaining: 199000\r\n\
         x-ratelimit-interval-milliseconds: 10000\r\nx-ratelimit-max: 100\r\n\
         x-ratelimit-remaining: 99\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("listener");
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    continue;
                };
                let answer = answer.clone();
                tokio::spawn(async move {
                    let _ = socket.set_nodelay(true);
                    let mut buffer = vec![0_u8; 8192];
                    let mut filled = 0;
                    loop {
                        let Ok(n) = socket.read(&mut buffer[filled..]).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        filled += n;
                        // GETs carry no body: each request ends at its blank line.
                        while let Some(end) =
                            buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n")
                        {
                            if socket.write_all(&answer).await.is_err() {
                                return;
                            }
                            buffer.copy_within(end + 4..filled, 0);
                            filled -= end + 4;
                        }
                        if filled == buffer.len() {
                            return;
                        }
                    }
                });
            }
        });
    });
    address
}
