//! Everything one running mock holds, shared by its connections, its
//! operations and the Rust API that inspects it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::auth::{Auth, Grant};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::faults::Faults;
use crate::ids::Rng;
use crate::log::Received;
use crate::ratelimit::{self, RateLimiter};
use crate::store::{Access, Event, Store};
use crate::webhooks::Webhooks;

/// The state of one mock.
#[derive(Debug)]
pub struct Shared {
    pub clock: Clock,
    store: RwLock<Store>,
    auth: Mutex<Auth>,
    limiter: Mutex<RateLimiter>,
    faults: Mutex<Faults>,
    log: Mutex<VecDeque<Received>>,
    log_limit: usize,
    traces: Mutex<Rng>,
    seq: AtomicU64,
    pub webhooks: Webhooks,
}

/// Locks even a mutex a panicking test thread poisoned: the data is still
/// what the mock holds.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// An empty mock whose ids, tokens, faults and webhook ids follow from
    /// `seed`.
    pub fn new(seed: u64, clock: Clock, limits: ratelimit::Limits, log_limit: usize) -> Self {
        Self {
            clock,
            store: RwLock::new(Store::new(seed)),
            auth: Mutex::new(Auth::new(seed)),
            limiter: Mutex::new(RateLimiter::new(limits)),
            faults: Mutex::new(Faults::new(seed)),
            log: Mutex::new(VecDeque::new()),
            log_limit,
            traces: Mutex::new(Rng::new(seed ^ 0x7ACE_7ACE_7ACE_7ACE)),
            seq: AtomicU64::new(0),
            webhooks: Webhooks::new(seed, clock),
        }
    }

    /// The store, to read.
    pub fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The store, to change.
    pub fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn auth(&self) -> MutexGuard<'_, Auth> {
        lock(&self.auth)
    }

    pub fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        lock(&self.limiter)
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    pub fn log(&self) -> MutexGuard<'_, VecDeque<Received>> {
        lock(&self.log)
    }

    /// Adds a request to the log, dropping the oldest beyond the limit.
    pub fn record(&self, received: Received) {
        let mut log = lock(&self.log);
        while log.len() >= self.log_limit.max(1) {
            log.pop_front();
        }
        log.push_back(received);
    }

    /// The next request's place in the log.
    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// A trace id for an error body.
    pub fn trace_id(&self) -> String {
        lock(&self.traces).uuid()
    }

    /// Runs a write on the store: stamps it with the mock's clock, notes
    /// the revision it made in `applied`, and queues its webhook events
    /// before another write can run (so events leave in the order the
    /// writes were applied).
    pub fn write<T>(
        &self,
        applied: Option<&AtomicU64>,
        f: impl FnOnce(&mut Store, i64) -> Result<(T, Vec<Event>), ApiError>,
    ) -> Result<T, ApiError> {
        let mut store = self.store_mut();
        let now = self.clock.now_millis();
        let (value, events) = f(&mut store, now)?;
        if let Some(slot) = applied {
            slot.store(store.revision(), Ordering::Relaxed);
        }
        self.webhooks.publish(&events);
        Ok(value)
    }
}

/// Who is calling, as the middleware found it, for the operations to read
/// from the request's extensions.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Whom the token acts for.
    pub grant: Arc<Grant>,
    /// The rate-limit headers of this request's answer.
    pub rate: ratelimit::Headers,
    /// The store's revision after this request's write (0: none).
    pub applied: Arc<AtomicU64>,
}

impl Caller {
    /// The Locations the caller may touch.
    pub fn access(&self) -> Access<'_> {
        match self.grant.location_id() {
            Some(id) => Access::Location(id),
            // A Company token reaches the contacts API only if it holds
            // the contacts scopes; then every Location of the mock.
            None => Access::Any,
        }
    }
}
