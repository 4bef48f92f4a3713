//! Remembering the `webhookId`s already accepted, so a captured delivery
//! sent again is rejected.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Where the verifier records the `webhookId`s it has accepted.
///
/// The default, [`MemoryReplayStore`], lives in one process; an app with
/// several instances behind a load balancer implements this trait on its
/// database (for example an `INSERT ... ON CONFLICT DO NOTHING` on a table
/// keyed by the id, with the expiry in a column a periodic job deletes by).
pub trait ReplayStore: Send + Sync {
    /// Records `webhook_id` unless it is already recorded, atomically:
    /// `Ok(true)` when it was new, `Ok(false)` when it was seen before
    /// (a replay). The id must be kept up to and including `expires_at`,
    /// the last instant the time window accepts the event, and need not be
    /// kept after it: from then on the window rejects the event anyway. `now` is the verifier's
    /// current time, for stores that expire entries themselves.
    fn insert_if_new(
        &self,
        webhook_id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, ReplayStoreError>> + Send;

    /// Forgets `webhook_id`, so a redelivery of it is accepted: for an app
    /// that failed to handle a verified event and answers with an error so
    /// the vendor sends it again.
    fn remove(&self, webhook_id: &str)
        -> impl Future<Output = Result<(), ReplayStoreError>> + Send;
}

/// A replay store that could not answer (its database is down, say). The
/// verifier fails closed: the event is not accepted.
#[derive(Debug, thiserror::Error)]
#[error("the replay store failed: {0}")]
pub struct ReplayStoreError(pub Box<dyn std::error::Error + Send + Sync>);

/// Default [`MemoryReplayStore`] capacity.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// A [`ReplayStore`] in this process's memory, bounded in time and size.
///
/// Each id is kept until its `expires_at` (the event's timestamp plus the
/// verifier's window). When `capacity` unexpired ids are held, recording a
/// new one first drops the one that expires soonest; at the default 100,000
/// that takes more than 160 deliveries a second for the whole window.
#[derive(Debug)]
pub struct MemoryReplayStore {
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// Id -> when it may be forgotten.
    expiry: HashMap<String, DateTime<Utc>>,
    /// The same entries ordered by expiry, to drop the oldest first.
    by_expiry: BTreeSet<(DateTime<Utc>, String)>,
}

impl Seen {
    fn remove(&mut self, id: &str) {
        if let Some(at) = self.expiry.remove(id) {
            self.by_expiry.remove(&(at, id.to_owned()));
        }
    }

    fn pop_oldest(&mut self) -> Option<DateTime<Utc>> {
        let (at, id) = self.by_expiry.pop_first()?;
        self.expiry.remove(&id);
        Some(at)
    }
}

impl MemoryReplayStore {
    /// A store holding at most `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// How many ids are held now.
    pub fn len(&self) -> usize {
        self.lock().expiry.len()
    }

    /// Whether no id is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The map stays consistent even if a holder panicked (every update is
    /// a pair of infallible inserts or removes), so a poisoned lock is used.
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn insert_now(&self, id: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let mut seen = self.lock();
        // Strictly before now: at `expires_at` itself the window still
        // accepts the event, so a replay then must still be caught.
        while seen.by_expiry.first().is_some_and(|(at, _)| *at < now) {
            seen.pop_oldest();
        }
        if seen.expiry.contains_key(id) {
            return false;
        }
        while seen.expiry.len() >= self.capacity {
            seen.pop_oldest();
        }
        seen.expiry.insert(id.to_owned(), expires_at);
        seen.by_expiry.insert((expires_at, id.to_owned()));
        true
    }
}

impl Default for MemoryReplayStore {
    fn default() -> Self {
        Self::new(DEFAULT_REPLAY_CAPACITY)
    }
}

impl ReplayStore for MemoryReplayStore {
    async fn insert_if_new(
        &self,
        webhook_id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, ReplayStoreError> {
        Ok(self.insert_now(webhook_id, expires_at, now))
    }

    async fn remove(&self, webhook_id: &str) -> Result<(), ReplayStoreError> {
        self.lock().remove(webhook_id);
        Ok(())
    }
}
