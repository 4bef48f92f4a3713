//! A rate budget shared by every replica of an app through Redis (feature
//! `redis`): a sliding window per key, kept atomically by a Lua script,
//! with a pause every replica honours after a 429, and a documented
//! fallback when Redis cannot be reached.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use tokio::time::Instant;

use crate::limiter::{LimitFuture, RateLimiter, SharedLimiter};

/// Reserves the next start time for one request under the key's limits,
/// on Redis's clock (microseconds), unless it comes after the caller's
/// longest wait. Replies `{code, now, wait}`: code 0 granted (start in
/// `wait` µs), 1 not before the deadline, 2 the daily budget is spent
/// (`wait`: until the next day).
///
/// The sorted set holds the start times of the last `max` requests (some
/// in the future: callers sleep until them). A new request starts no
/// earlier than the `max`-th most recent one plus the window, so no window
/// ever holds more than `max` starts: a sliding window, exact (a GCRA
/// allowing bursts lets up to twice the limit into one window).
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local daily = tonumber(ARGV[3])
local start = now
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > start then start = paused end
if redis.call('ZCARD', KEYS[1]) >= max then
  local edge = redis.call('ZRANGE', KEYS[1], -max, -max, 'WITHSCORES')
  local free = tonumber(edge[2]) + window
  if free > start then start = free end
end
local day = math.floor(start / 86400000000)
local used = 0
if daily > 0 then
  local d = redis.call('HMGET', KEYS[3], 'day', 'count')
  if tonumber(d[1]) == day then used = tonumber(d[2]) end
  if used >= daily then return {2, now, (day + 1) * 86400000000 - now} end
end
if start - now > tonumber(ARGV[4]) then return {1, now, start - now} end
redis.call('ZADD', KEYS[1], start, ARGV[5])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max + 1))
redis.call('PEXPIRE', KEYS[1], math.floor((start - now + window) / 1000) + 1000)
if daily > 0 then
  redis.call('HSET', KEYS[3], 'day', day, 'count', used + 1)
  redis.call('PEXPIRE', KEYS[3], 172800000)
end
return {0, now, start - now}
";

/// Holds every replica back until `now + wait` (µs): a 429's
/// `Retry-After`. A later pause wins over an earlier one.
const PAUSE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + wait > current then
  redis.call('SET', KEYS[1], now + wait, 'PX', math.floor(wait / 1000) + 1000)
end
return now
";

/// After an outage: adds this replica's own recent starts (score, member
/// pairs from ARGV[4]) that Redis does not hold (it restarted empty, or
/// they were made by the fallback), so the window counts them again.
const SEED: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local daily = tonumber(ARGV[3])
local added = 0
for i = 4, #ARGV, 2 do
  added = added + redis.call('ZADD', KEYS[1], 'NX', ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max + 1))
redis.call('PEXPIRE', KEYS[1], math.floor(window / 1000) + 1000)
if daily > 0 and added > 0 then
  local day = math.floor(now / 86400000000)
  local d = redis.call('HMGET', KEYS[3], 'day', 'count')
  local used = 0
  if tonumber(d[1]) == day then used = tonumber(d[2]) end
  redis.call('HSET', KEYS[3], 'day', day, 'count', used + added)
  redis.call('PEXPIRE', KEYS[3], 172800000)
end
return added
";

/// What a replica does while Redis cannot be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fallback {
    /// Each replica limits itself in process, to its share of the budget
    /// (the limit divided by [`RedisBudgetBuilder::replicas`]), and logs a
    /// warning once per outage. The default: calls go on, at a lower
    /// rate when the share is set, with 429s possible when it is not.
    Local,
    /// Calls wait for Redis to come back, until their deadline, and then
    /// fail with a timeout. Nothing is sent that the shared budget did
    /// not grant.
    Wait,
}

/// Why [`RedisLimiter::acquire`] gave no slot (nothing was reserved).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refused {
    /// The next free slot comes after the deadline.
    #[error("no slot of the shared rate budget before the deadline")]
    Deadline,
    /// The daily budget of the key is spent, for this long still.
    #[error("the daily rate budget is spent for {0:?} more")]
    DailySpent(Duration),
}

/// Counters of a [`RedisBudget`], for monitoring and the experiments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetStats {
    /// Slots granted by Redis.
    pub redis_grants: u64,
    /// Slots granted by the in-process fallback.
    pub fallback_grants: u64,
    /// Times Redis became unreachable.
    pub outages: u64,
    /// Own starts added back to Redis after outages.
    pub reseeded: u64,
}

/// Configures a [`RedisBudget`].
#[derive(Clone, Debug)]
pub struct RedisBudgetBuilder {
    url: String,
    prefix: String,
    max: u32,
    window: Duration,
    margin: Duration,
    daily: Option<u64>,
    fallback: Fallback,
    replicas: u32,
    timeout: Duration,
    retry: Duration,
}

impl RedisBudgetBuilder {
    /// At most `max` requests per `window` and key (default 100 per 10 s).
    #[must_use]
    pub fn limit(mut self, max: u32, window: Duration) -> Self {
        self.max = max.max(1);
        self.window = window;
        self
    }

    /// Counts each window this much longer (default 250 ms): a request
    /// reaches the server a little after its slot starts, by a latency
    /// that varies; without a margin two requests a window apart could
    /// arrive less than a window apart. Costs `margin / window` of the
    /// rate (2.4% by default).
    #[must_use]
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// At most `max` requests per day (UTC, on Redis's clock) and key
    /// (default: no daily limit).
    #[must_use]
    pub fn daily_limit(mut self, max: Option<u64>) -> Self {
        self.daily = max;
        self
    }

    /// What happens while Redis cannot be reached (default
    /// [`Fallback::Local`]).
    #[must_use]
    pub fn fallback(mut self, fallback: Fallback) -> Self {
        self.fallback = fallback;
        self
    }

    /// How many replicas share the budget (default 1): under
    /// [`Fallback::Local`], each limits itself to this share of it.
    #[must_use]
    pub fn replicas(mut self, replicas: u32) -> Self {
        self.replicas = replicas.max(1);
        self
    }

    /// The longest wait for a Redis answer before the call counts it as
    /// unreachable (default 250 ms).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// While Redis is unreachable, it is tried again at most this often
    /// (default 1 s); calls in between use the fallback at once.
    #[must_use]
    pub fn retry_interval(mut self, retry: Duration) -> Self {
        self.retry = retry;
        self
    }

    /// Prefixes every key in Redis (default `rate`).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The budget. Connects on first use: a Redis down at start is an
    /// outage like any other.
    pub fn build(self) -> Result<RedisBudget, redis::RedisError> {
        let client = redis::Client::open(self.url.as_str())?;
        Ok(RedisBudget {
            inner: Arc::new(Inner {
                client,
                connection: tokio::sync::Mutex::new(None),
                config: self,
                epoch: Instant::now(),
                offset: AtomicI64::new(0),
                instance: format!("{:016x}", rand::random::<u64>()),
                serial: AtomicU64::new(0),
                health: Mutex::new(Health::default()),
                stats: Mutex::new(BudgetStats::default()),
                reserve: Script::new(RESERVE),
                pause: Script::new(PAUSE),
                seed: Script::new(SEED),
            }),
        })
    }
}

/// A rate budget shared by every replica through Redis: hands out a
/// [`RedisLimiter`] per key (for an API that counts per app and
/// resource, one per resource). Limiters share one multiplexed
/// connection, which reconnects by itself.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct RedisBudget {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<ConnectionManager>>,
    config: RedisBudgetBuilder,
    /// Local times are microseconds since this instant.
    epoch: Instant,
    /// Redis's clock minus the local one (µs), from the last answer.
    offset: AtomicI64,
    /// Names this process's slots in Redis.
    instance: String,
    serial: AtomicU64,
    health: Mutex<Health>,
    stats: Mutex<BudgetStats>,
    reserve: Script,
    pause: Script,
    seed: Script,
}

#[derive(Default)]
struct Health {
    /// Redis failed; not tried again before `retry_at`.
    down: bool,
    retry_at: Option<Instant>,
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.inner.config;
        f.debug_struct("RedisBudget")
            .field("prefix", &config.prefix)
            .field("max", &config.max)
            .field("window", &config.window)
            .field("daily", &config.daily)
            .field("fallback", &config.fallback)
            .field("replicas", &config.replicas)
            .finish_non_exhaustive()
    }
}

impl RedisBudget {
    /// Starts configuring a budget on the Redis at `url`
    /// (`redis://host:port/db`; with a password, `redis://:pw@host/`).
    pub fn builder(url: impl Into<String>) -> RedisBudgetBuilder {
        RedisBudgetBuilder {
            url: url.into(),
            prefix: "rate".into(),
            max: 100,
            window: Duration::from_secs(10),
            margin: Duration::from_millis(250),
            daily: None,
            fallback: Fallback::Local,
            replicas: 1,
            timeout: Duration::from_millis(250),
            retry: Duration::from_secs(1),
        }
    }

    /// The limiter of `key` (an app and a resource, for example). Every
    /// replica that asks for the same key shares its budget.
    pub fn limiter(&self, key: &str) -> RedisLimiter {
        let config = &self.inner.config;
        // One hash tag: a cluster keeps a key's three entries together.
        let base = format!("{}:{{{key}}}", config.prefix);
        let share = (config.max / config.replicas).max(1);
        RedisLimiter {
            budget: Arc::clone(&self.inner),
            key: key.into(),
            slots: format!("{base}:slots"),
            paused: format!("{base}:pause"),
            day: format!("{base}:day"),
            local: RateLimiter::new(share, config.window + config.margin),
            recent: Arc::default(),
            falling_back: Arc::default(),
            probation_until: Arc::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> BudgetStats {
        *lock(&self.inner.stats)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    fn local_us(&self, at: Instant) -> i64 {
        i64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(i64::MAX)
    }

    /// Whether Redis may be asked now (up, or down long enough).
    fn may_ask(&self) -> bool {
        let health = lock(&self.health);
        !health.down || health.retry_at.is_none_or(|at| Instant::now() >= at)
    }

    fn was_down(&self) -> bool {
        lock(&self.health).down
    }

    fn failed(&self, error: &dyn fmt::Display) {
        let mut health = lock(&self.health);
        if !health.down {
            lock(&self.stats).outages += 1;
            let fallback = match self.config.fallback {
                Fallback::Local => "each replica limits itself in process",
                Fallback::Wait => "calls wait for it",
            };
            tracing::warn!(%error, "Redis is unreachable: the shared rate budget is not enforced; {fallback} until it is back");
        }
        health.down = true;
        health.retry_at = Some(Instant::now() + self.config.retry);
    }

    fn recovered(&self) {
        let mut health = lock(&self.health);
        if health.down {
            tracing::info!("Redis is back: the shared rate budget is enforced again");
        }
        health.down = false;
        health.retry_at = None;
    }

    /// The connection, made on first use (and after it could not be).
    async fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = &*slot {
            return Ok(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.config.timeout)
            .set_response_timeout(self.config.timeout)
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_with_config(self.client.clone(), config).await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }
}

/// Keeps every replica that uses the same key within one budget: made by
/// [`RedisBudget::limiter`]. Cheap to clone.
#[derive(Clone)]
pub struct RedisLimiter {
    budget: Arc<Inner>,
    key: String,
    slots: String,
    paused: String,
    day: String,
    /// The fallback, and where a pause is kept while Redis is away.
    local: RateLimiter,
    /// This process's starts of the last window, on Redis's clock (µs),
    /// with their names: added back to Redis after an outage.
    recent: Arc<Mutex<VecDeque<(i64, String)>>>,
    /// Whether the fallback took over (and was given the recent starts).
    falling_back: Arc<AtomicBool>,
    /// Until then (a window after Redis came back), the in-process share
    /// applies too.
    probation_until: Arc<Mutex<Option<Instant>>>,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("key", &self.key)
            .field(
                "budget",
                &RedisBudget {
                    inner: Arc::clone(&self.budget),
                },
            )
            .finish()
    }
}

/// What Redis answered to a reservation.
enum Reply {
    Granted {
        wait: Duration,
        start_us: i64,
        member: String,
    },
    Deadline,
    DailySpent(Duration),
}

impl RedisLimiter {
    /// The key it limits.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Waits for a slot of the shared budget and returns how long it
    /// waited. A slot that would start after `deadline` is not reserved:
    /// [`Refused::Deadline`] at once. While Redis is unreachable, the
    /// budget's [`Fallback`] decides.
    pub async fn acquire(&self, deadline: Instant) -> Result<Duration, Refused> {
        let asked = Instant::now();
        let local_fallback = self.budget.config.fallback == Fallback::Local;
        loop {
            // Just after an outage, the other replicas may not have added
            // their starts back yet: for a window, the in-process share
            // applies as well as Redis.
            let careful = local_fallback
                && (self.falling_back.load(Ordering::Relaxed)
                    || lock(&self.probation_until).is_some_and(|until| Instant::now() < until));
            let mut local_taken = false;
            if self.budget.may_ask() {
                if careful {
                    self.local
                        .acquire(deadline)
                        .await
                        .map_err(|()| Refused::Deadline)?;
                    local_taken = true;
                }
                match self.reserve(deadline).await {
                    Ok(Reply::Granted {
                        wait,
                        start_us,
                        member,
                    }) => {
                        if self.falling_back.swap(false, Ordering::Relaxed) {
                            let config = &self.budget.config;
                            *lock(&self.probation_until) =
                                Some(Instant::now() + config.window + config.margin);
                        }
                        self.remember(start_us, member);
                        lock(&self.budget.stats).redis_grants += 1;
                        if !wait.is_zero() {
                            tokio::time::sleep(wait).await;
                        }
                        return Ok(asked.elapsed());
                    }
                    Ok(Reply::Deadline) => return Err(Refused::Deadline),
                    Ok(Reply::DailySpent(left)) => return Err(Refused::DailySpent(left)),
                    Err(error) => {
                        self.budget.failed(&error);
                        // A new connection next time: one whose reconnection
                        // failed does not always try again by itself.
                        *self.budget.connection.lock().await = None;
                    }
                }
            }
            match self.budget.config.fallback {
                Fallback::Local => {
                    if !self.falling_back.swap(true, Ordering::Relaxed) {
                        // The share counts this replica's own starts of
                        // the window (some still ahead) already.
                        let budget = &*self.budget;
                        let offset = budget.offset.load(Ordering::Relaxed);
                        let starts: Vec<Instant> = lock(&self.recent)
                            .iter()
                            .map(|(at, _)| {
                                let local = u64::try_from(at - offset).unwrap_or(0);
                                budget.epoch + Duration::from_micros(local)
                            })
                            .collect();
                        self.local.seed(starts);
                    }
                    let now = Instant::now();
                    let wait = if local_taken {
                        Duration::ZERO
                    } else {
                        self.local
                            .acquire(deadline)
                            .await
                            .map_err(|()| Refused::Deadline)?
                    };
                    let start_us = self.budget.local_us(now + wait)
                        + self.budget.offset.load(Ordering::Relaxed);
                    let serial = self.budget.serial.fetch_add(1, Ordering::Relaxed);
                    self.remember(start_us, format!("{}:{serial}", self.budget.instance));
                    lock(&self.budget.stats).fallback_grants += 1;
                    return Ok(asked.elapsed());
                }
                Fallback::Wait => {
                    let retry_at = lock(&self.budget.health)
                        .retry_at
                        .unwrap_or_else(Instant::now);
                    if retry_at >= deadline {
                        return Err(Refused::Deadline);
                    }
                    tokio::time::sleep_until(retry_at).await;
                }
            }
        }
    }

    /// Holds every replica sharing the key back for `wait` (the server
    /// answered 429 with `Retry-After`).
    pub async fn pause(&self, wait: Duration) {
        self.local.pause_until(Instant::now() + wait);
        if !self.budget.may_ask() {
            return;
        }
        let wait_us = i64::try_from(wait.as_micros()).unwrap_or(i64::MAX);
        let asked = async {
            let mut connection = self.budget.connection().await?;
            self.budget
                .pause
                .key(&self.paused)
                .arg(wait_us)
                .invoke_async::<i64>(&mut connection)
                .await
        };
        match tokio::time::timeout(self.budget.config.timeout, asked).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => self.budget.failed(&error),
            Err(_) => self.budget.failed(&"no answer in time"),
        }
    }

    /// Asks Redis for a slot (after adding back what it lost, if it was
    /// away).
    async fn reserve(&self, deadline: Instant) -> Result<Reply, redis::RedisError> {
        let budget = &*self.budget;
        let config = &budget.config;
        let timeout = config.timeout;
        let answer = tokio::time::timeout(timeout, async {
            let mut connection = budget.connection().await?;
            if budget.was_down() {
                self.reseed(&mut connection).await?;
            }
            let serial = budget.serial.fetch_add(1, Ordering::Relaxed);
            let member = format!("{}:{serial}", budget.instance);
            let longest = deadline.saturating_duration_since(Instant::now());
            let answer: (i64, i64, i64) = budget
                .reserve
                .key(&self.slots)
                .key(&self.paused)
                .key(&self.day)
                .arg(config.max)
                .arg(micros(config.window + config.margin))
                .arg(config.daily.unwrap_or(0))
                .arg(micros(longest))
                .arg(&member)
                .invoke_async(&mut connection)
                .await?;
            Ok::<_, redis::RedisError>((answer, member))
        })
        .await
        .map_err(|_| redis::RedisError::from((redis::ErrorKind::IoError, "no answer in time")))?;
        let ((code, now, wait), member) = answer?;
        budget.recovered();
        // Redis's clock against ours, for the fallback's slots.
        budget
            .offset
            .store(now - budget.local_us(Instant::now()), Ordering::Relaxed);
        let wait_for = Duration::from_micros(u64::try_from(wait).unwrap_or(0));
        Ok(match code {
            0 => Reply::Granted {
                wait: wait_for,
                start_us: now + wait,
                member,
            },
            2 => Reply::DailySpent(wait_for),
            _ => Reply::Deadline,
        })
    }

    /// Adds this replica's recent starts back to Redis.
    async fn reseed(&self, connection: &mut ConnectionManager) -> Result<(), redis::RedisError> {
        let recent: Vec<(i64, String)> = lock(&self.recent).iter().cloned().collect();
        if recent.is_empty() {
            return Ok(());
        }
        let config = &self.budget.config;
        let mut invocation = self.budget.seed.key(&self.slots);
        invocation
            .key(&self.paused)
            .key(&self.day)
            .arg(config.max)
            .arg(micros(config.window + config.margin))
            .arg(config.daily.unwrap_or(0));
        for (score, member) in &recent {
            invocation.arg(*score).arg(member);
        }
        let added: u64 = invocation.invoke_async(connection).await?;
        lock(&self.budget.stats).reseeded += added;
        Ok(())
    }

    /// Keeps a start of this replica (Redis's clock) for a later reseed,
    /// under the name Redis knows it by.
    fn remember(&self, start_us: i64, member: String) {
        let budget = &*self.budget;
        let window = micros(budget.config.window + budget.config.margin);
        let mut recent = lock(&self.recent);
        recent.push_back((start_us, member));
        while recent
            .front()
            .is_some_and(|(at, _)| *at < start_us - window)
            || recent.len() > budget.config.max as usize
        {
            recent.pop_front();
        }
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl SharedLimiter for RedisLimiter {
    fn acquire(&self, deadline: Instant) -> LimitFuture<'_> {
        Box::pin(async move {
            RedisLimiter::acquire(self, deadline).await.map_err(|refused| {
                if let Refused::DailySpent(left) = refused {
                    tracing::warn!(key = %self.key, left_s = left.as_secs(), "the daily rate budget is spent; calls fail until it renews");
                }
            })
        })
    }

    fn pause(&self, wait: Duration) {
        let limiter = self.clone();
        tokio::spawn(async move { RedisLimiter::pause(&limiter, wait).await });
    }
}

impl RedisLimiter {
    /// This limiter as the client's rate limiter
    /// ([`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter)).
    pub fn into_rate_limiter(self) -> RateLimiter {
        let config = &self.budget.config;
        let (max, window) = (config.max, config.window);
        RateLimiter::shared(self, max, window)
    }
}
