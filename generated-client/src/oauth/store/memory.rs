//! [`MemoryStore`]: token pairs in this process's memory.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::time::Instant;

use super::{
    RenewError, Renewal, Renewed, StoreError, StoreFuture, StoredPair, TokenKey, TokenStore,
};
use crate::oauth::pair::TokenPair;

/// Token pairs kept in this process's memory: what one process needs to
/// share pairs between its clients (each Location's pair renewed once,
/// whatever the number of clients and tasks). Nothing survives the
/// process: keep the pairs elsewhere too, or use a database store.
///
/// Cheap to clone: clones share the pairs. `Debug` shows the keys, not the
/// tokens.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    pairs: HashMap<TokenKey, StoredPair>,
    /// One renewal at a time per key.
    locks: HashMap<TokenKey, Arc<tokio::sync::Mutex<()>>>,
    /// The last version given out: versions never repeat, even for a key
    /// removed and stored again, so an old version never matches a newer
    /// pair.
    version: u64,
}

impl State {
    fn write(&mut self, key: &TokenKey, pair: TokenPair) -> StoredPair {
        self.version += 1;
        let stored = StoredPair::new(pair, self.version);
        self.pairs.insert(key.clone(), stored.clone());
        stored
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        let mut keys: Vec<&TokenKey> = state.pairs.keys().collect();
        keys.sort();
        f.debug_struct("MemoryStore").field("keys", &keys).finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn stored(&self, key: &TokenKey) -> Option<StoredPair> {
        self.state().pairs.get(key).cloned()
    }
}

impl TokenStore for MemoryStore {
    fn load<'a>(
        &'a self,
        key: &'a TokenKey,
    ) -> StoreFuture<'a, Result<Option<StoredPair>, StoreError>> {
        let stored = self.stored(key);
        Box::pin(async move { Ok(stored) })
    }

    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<StoredPair, StoreError>> {
        let stored = self.state().write(key, pair);
        Box::pin(async move { Ok(stored) })
    }

    fn compare_and_swap<'a>(
        &'a self,
        key: &'a TokenKey,
        expected: Option<u64>,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<Result<StoredPair, Option<StoredPair>>, StoreError>> {
        let mut state = self.state();
        let current = state.pairs.get(key).cloned();
        let swapped = if current.as_ref().map(|s| s.version) == expected {
            Ok(state.write(key, pair))
        } else {
            Err(current)
        };
        drop(state);
        Box::pin(async move { Ok(swapped) })
    }

    fn renew<'a>(
        &'a self,
        key: &'a TokenKey,
        seen: Option<u64>,
        deadline: Instant,
        renewal: Renewal<'a>,
    ) -> StoreFuture<'a, Result<Renewed, RenewError>> {
        Box::pin(async move {
            let lock = Arc::clone(self.state().locks.entry(key.clone()).or_default());
            let _held = tokio::time::timeout_at(deadline, lock.lock_owned())
                .await
                .map_err(|_| {
                    RenewError::Store(StoreError::new(format!(
                        "the lock on {key} was not free before the deadline"
                    )))
                })?;
            let current = self.stored(key);
            if current.as_ref().map(|s| s.version) != seen {
                return Ok(Renewed::Changed(current));
            }
            let pair = renewal(current.map(|s| s.pair))
                .await
                .map_err(RenewError::Renew)?;
            Ok(Renewed::Renewed(self.state().write(key, pair)))
        })
    }

    fn remove<'a>(&'a self, key: &'a TokenKey) -> StoreFuture<'a, Result<bool, StoreError>> {
        let removed = self.state().pairs.remove(key).is_some();
        Box::pin(async move { Ok(removed) })
    }
}
