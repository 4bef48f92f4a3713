//! The token experiments: 4 worker processes x 64 tasks on one Location,
//! access tokens living 2 s, a token endpoint that revokes the whole
//! family when a refresh token is used twice; then the same with workers
//! killed by SIGKILL at random moments and during refreshes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use leadconnector::oauth::store::PostgresStore;
use leadconnector::oauth::{TokenKey, TokenStore};
use replicas::standin::{Config, Event, StandIn};
use tokio::sync::mpsc;

use crate::fleet::Fleet;
use crate::worker::Options;

pub const PROCESSES: u32 = 4;
pub const TASKS: usize = 64;
/// Access tokens live this long; refreshed at half their life.
const TTL: Duration = Duration::from_secs(3);
/// The token endpoint's work on a refresh.
const PROCESSING: Duration = Duration::from_millis(20);

#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub expiries: u64,
    pub kills: bool,
}

/// One kill.
#[derive(Clone, Debug)]
struct Kill {
    replica: u32,
    at: Instant,
    /// Aimed at a refresh: the refresher itself, or a replica waiting for
    /// the lock meanwhile.
    aim: Aim,
    /// The victim's refresh request had reached the endpoint and was not
    /// answered yet.
    unanswered: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aim {
    Random,
    Refresher,
    Waiter,
}

#[derive(Default)]
struct Book {
    kills: Vec<Kill>,
    /// Per replica: when its last refresh request reached the endpoint,
    /// and when it was answered, if it was.
    asked: HashMap<u32, (Instant, Option<Instant>)>,
    /// Spent refresh token -> who spent it, when it asked, when answered.
    rotations: HashMap<String, (Option<u32>, Option<Instant>, Instant)>,
    /// Refresh tokens used again (their rotated pair never reached the
    /// store).
    losses: Vec<String>,
    last_kill: Option<Instant>,
}

pub async fn run(plan: Plan) -> Result<(), String> {
    let name = if plan.kills { "kill" } else { "tokens" };
    println!(
        "\n== {name}: {PROCESSES} processes x {TASKS} tasks, one Location, tokens living {} s, {} expiries{}",
        TTL.as_secs(),
        plan.expiries,
        if plan.kills {
            ", SIGKILL at random moments and during refreshes"
        } else {
            ""
        }
    );
    let postgres = tokio::task::spawn_blocking(services::Postgres::start)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start PostgreSQL: {e}"))?;
    let store = PostgresStore::connect(&postgres.url(), 2).map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let (standin, mut events) = StandIn::start(Config {
        ttl: TTL,
        processing: PROCESSING,
        rate_limit: None,
    })
    .await
    .map_err(|e| e.to_string())?;
    let location = "loc-experiment".to_owned();
    let key = TokenKey::location(&location);
    store
        .put(&key, standin.install(&location))
        .await
        .map_err(|e| e.to_string())?;

    let options = |replica| Options {
        replica,
        postgres: postgres.url(),
        standin: standin.url(),
        location: location.clone(),
        tasks: TASKS,
        pause: Duration::from_millis(50),
        margin: Duration::from_secs(5),
    };
    let fleet = Fleet::default();
    for replica in 0..PROCESSES {
        fleet.spawn(replica, options(replica).to_args()).await?;
    }
    let started = Instant::now();
    let book = Arc::new(Mutex::new(Book::default()));
    let (respawn_tx, mut respawn_rx) = mpsc::unbounded_channel::<u32>();
    let mut next_random_kill = Instant::now() + random_gap();
    let mut reinstalls = 0u64;
    let mut last_reinstall: Option<Instant> = None;
    let mut killed = 0u64;
    let limit =
        Duration::from_secs(60) + TTL * u32::try_from(plan.expiries * 2).unwrap_or(u32::MAX);
    // From the last expiry on, no more kills: the run stops just
    // after a rotation with every worker alive (all have the new pair
    // within milliseconds: they wait for the same lock; the next refresh
    // is due TTL / 2 later), and after a reinstall only a whole cycle
    // later (replicas that saw `invalid_grant` read the store again
    // within a second), and a whole cycle after the last kill.
    loop {
        let finishing = standin.stats().rotations >= plan.expiries;
        // No kills for the last expiry, so that the run ends on a rotation
        // with every worker alive and settled.
        let killing = plan.kills && standin.stats().rotations + 1 < plan.expiries;
        if started.elapsed() > limit {
            return Err(format!(
                "{name}: only {} expiries in {} s",
                standin.stats().rotations,
                limit.as_secs()
            ));
        }
        let timeout = tokio::time::sleep(Duration::from_millis(10));
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { return Err("the stand-in stopped".into()) };
                match event {
                    Event::RefreshAsked { replica, at } => {
                        if let Some(replica) = replica {
                            lock(&book).asked.insert(replica, (at, None));
                            if killing {
                                aim_at_refresh(&fleet, &book, replica, &respawn_tx);
                            }
                        }
                    }
                    Event::Rotated { replica, spent, at, .. } => {
                        let mut book = lock(&book);
                        let asked = replica.and_then(|r| book.asked.get_mut(&r)).map(|asked| {
                            asked.1 = Some(at);
                            asked.0
                        });
                        book.rotations.insert(spent, (replica, asked, at));
                        // A kill aimed at this refresh may land after its
                        // answer (it waits up to the endpoint's processing
                        // time): end only a whole cycle after the last one.
                        let last_kill = book.last_kill;
                        drop(book);
                        if finishing
                            && fleet.alive().len() == PROCESSES as usize
                            && last_reinstall.is_none_or(|r| at.duration_since(r) > TTL)
                            && last_kill.is_none_or(|k| at.duration_since(k) > TTL)
                        {
                            break;
                        }
                    }
                    Event::Reused { replica, refresh_token, at } => {
                        // A refused request is answered too.
                        if let Some(r) = replica {
                            if let Some(asked) = lock(&book).asked.get_mut(&r) {
                                asked.1 = Some(at);
                            }
                        }
                        // The pair issued for this token never reached the
                        // store: the Location is locked out until a
                        // reinstall, which the driver does at once.
                        let new_loss = {
                            let mut book = lock(&book);
                            let new = !book.losses.contains(&refresh_token);
                            if new {
                                book.losses.push(refresh_token);
                            }
                            new
                        };
                        if new_loss {
                            store
                                .put(&key, standin.install(&location))
                                .await
                                .map_err(|e| e.to_string())?;
                            reinstalls += 1;
                            last_reinstall = Some(Instant::now());
                        }
                    }
                }
            }
            Some(replica) = respawn_rx.recv() => {
                killed += 1;
                let fleet = fleet.clone();
                let args = options(replica).to_args();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    if let Err(e) = fleet.spawn(replica, args).await {
                        eprintln!("respawning worker {replica}: {e}");
                    }
                });
            }
            () = timeout => {}
        }
        if killing && Instant::now() >= next_random_kill {
            next_random_kill = Instant::now() + random_gap();
            let alive = fleet.alive();
            if alive.len() == PROCESSES as usize {
                let victim = alive[fastrand::usize(..alive.len())];
                kill(&fleet, &book, victim, Aim::Random, &respawn_tx);
            }
        }
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(TTL / 10).await;
    let summaries = fleet.stop_all().await?;
    let stats = standin.stats();
    let stored = store
        .load(&key)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the store lost the pair")?;

    let mut failures = Vec::new();
    let mut ok_calls = 0;
    let mut failed_calls: HashMap<String, u64> = HashMap::new();
    for summary in &summaries {
        ok_calls += summary["ok"].as_u64().unwrap_or(0);
        if let Some(errors) = summary["errors"].as_object() {
            for (kind, count) in errors {
                *failed_calls.entry(kind.clone()).or_default() += count.as_u64().unwrap_or(0);
            }
        }
        if summary["refresh_token"].as_str() != Some(stored.pair.refresh_token.expose())
            || summary["version"].as_u64() != Some(stored.version)
        {
            failures.push(format!(
                "replica {} ends with version {} while the store holds {}",
                summary["replica"], summary["version"], stored.version
            ));
        }
    }
    if !standin.is_live(stored.pair.refresh_token.expose()) {
        failures.push("the stored refresh token is not the live one".into());
    }
    let book = lock(&book);
    let losses = book.losses.len() as u64;
    // Every refresh request either rotated a token or reused a lost one.
    if stats.refresh_requests != stats.rotations + stats.invalid_grant {
        failures.push(format!(
            "{} refresh requests for {} rotations and {} refusals",
            stats.refresh_requests, stats.rotations, stats.invalid_grant
        ));
    }
    // Every loss must come from a kill of the replica whose request spent
    // the token, after that request reached the endpoint and before its
    // pair could be committed (within a second of the answer).
    let (mut before_answer, mut after_answer) = (0, 0);
    let mut lost_by: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for token in &book.losses {
        let Some((Some(replica), Some(asked), answered)) = book.rotations.get(token).copied()
        else {
            failures.push(format!("a pair was lost ({token}) from an unknown request"));
            continue;
        };
        let kill = book.kills.iter().find(|k| {
            k.replica == replica && k.at >= asked && k.at <= answered + Duration::from_secs(1)
        });
        if let Some(kill) = kill {
            *lost_by.entry(format!("{:?}", kill.aim)).or_insert(0) += 1;
        }
        match kill {
            Some(kill) if kill.at < answered => before_answer += 1,
            Some(_) => after_answer += 1,
            None => failures.push(format!(
                "a pair was lost ({token}) without a kill of replica {replica} during its refresh"
            )),
        }
    }
    let unexpected: Vec<&String> = failed_calls
        .keys()
        .filter(|kind| !(plan.kills && losses > 0 && *kind == "reinstall_required"))
        .collect();
    if !unexpected.is_empty() {
        failures.push(format!("failed calls: {failed_calls:?}"));
    }
    if !plan.kills && stats.invalid_grant != 0 {
        failures.push(format!("{} invalid_grant", stats.invalid_grant));
    }
    let mut first_use: Vec<Duration> = stats.rotation_to_first_use.clone();
    first_use.sort();
    let median_first_use = first_use
        .get(first_use.len() / 2)
        .copied()
        .unwrap_or_default();

    println!(
        "  duration                      {:.1} s",
        elapsed.as_secs_f64()
    );
    println!("  expiries (rotations)          {}", stats.rotations);
    println!(
        "  refresh requests              {} ({:.3} per expiry; {} refused)",
        stats.refresh_requests,
        stats.refresh_requests as f64 / stats.rotations.max(1) as f64,
        stats.invalid_grant
    );
    println!(
        "  API calls served              {} (401: {})",
        stats.api_ok, stats.api_401
    );
    println!(
        "  calls that succeeded          {ok_calls} (counted by the processes alive at the end)"
    );
    println!("  calls that failed             {failed_calls:?}");
    println!(
        "  rotation -> first use         median {:.1} ms (bounds the commit's delay from above)",
        median_first_use.as_secs_f64() * 1000.0
    );
    println!(
        "  every process ends with       {}",
        if failures.iter().any(|f| f.contains("ends with")) {
            "NOT the stored pair"
        } else {
            "the stored pair"
        }
    );
    if plan.kills {
        let count = |aim: Aim| book.kills.iter().filter(|k| k.aim == aim).count();
        let unanswered = book.kills.iter().filter(|k| k.unanswered).count();
        println!(
            "  SIGKILLs                      {killed}: {} at random moments, {} of the refresher during its refresh, {} of a replica waiting for the lock meanwhile; {unanswered} while the victim's refresh request was at the endpoint",
            count(Aim::Random),
            count(Aim::Refresher),
            count(Aim::Waiter),
        );
        println!(
            "  pairs lost (window hits)      {losses}: {before_answer} killed before the endpoint's answer, {after_answer} after it and before the commit; by kind of kill {lost_by:?}; {reinstalls} reinstalls"
        );
    }
    if failures.is_empty() {
        println!("  {name}: passed");
        Ok(())
    } else {
        Err(format!("{name} failed:\n  {}", failures.join("\n  ")))
    }
}

fn lock(book: &Mutex<Book>) -> std::sync::MutexGuard<'_, Book> {
    book.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 3 to 6 s between random kills.
fn random_gap() -> Duration {
    Duration::from_millis(3000 + fastrand::u64(..3000))
}

/// On a refresh request from `replica`: now and then, kill it a random
/// moment later within the endpoint's work, or kill another replica
/// (waiting for the lock).
fn aim_at_refresh(
    fleet: &Fleet,
    book: &Arc<Mutex<Book>>,
    replica: u32,
    respawn: &mpsc::UnboundedSender<u32>,
) {
    {
        let book = lock(book);
        if book
            .last_kill
            .is_some_and(|t| t.elapsed() < Duration::from_millis(1500))
        {
            return;
        }
    }
    if fleet.alive().len() < PROCESSES as usize || fastrand::bool() {
        return;
    }
    lock(book).last_kill = Some(Instant::now());
    let (aim, victim) = if fastrand::bool() {
        (Aim::Refresher, replica)
    } else {
        let others: Vec<u32> = fleet
            .alive()
            .into_iter()
            .filter(|r| *r != replica)
            .collect();
        (Aim::Waiter, others[fastrand::usize(..others.len())])
    };
    let delay = Duration::from_micros(fastrand::u64(..(PROCESSING.as_micros() as u64 + 5_000)));
    let (fleet, book, respawn) = (fleet.clone(), Arc::clone(book), respawn.clone());
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        kill(&fleet, &book, victim, aim, &respawn);
    });
}

fn kill(
    fleet: &Fleet,
    book: &Mutex<Book>,
    victim: u32,
    aim: Aim,
    respawn: &mpsc::UnboundedSender<u32>,
) {
    let now = Instant::now();
    let mut book = lock(book);
    if !fleet.kill(victim) {
        return;
    }
    let unanswered = book
        .asked
        .get(&victim)
        .is_some_and(|(_, answered)| answered.is_none());
    book.last_kill = Some(now);
    book.kills.push(Kill {
        replica: victim,
        at: now,
        aim,
        unanswered,
    });
    let _ = respawn.send(victim);
}
