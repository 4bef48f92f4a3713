//! Where token pairs live when several clients, tasks or replicas share
//! them: a [`TokenStore`], keyed by Location or Company, with
//! compare-and-swap versions and a per-key lock for renewals.
//!
//! Two stores ship: [`MemoryStore`] (one process) and, with the `postgres`
//! feature, `PostgresStore` (any number of processes; the lock is held in
//! the database). [`OAuthApp::stored_tokens`](super::OAuthApp::stored_tokens)
//! builds a token source on a store, and [`Locations`](super::Locations)
//! hands out one client per Location from it.
//!
//! The rules every store keeps, and that the token source relies on:
//!
//! - every write gives the key a new, larger version; a read returns the
//!   pair with its version;
//! - [`renew`](TokenStore::renew) runs its closure (the request to the token
//!   endpoint) under a lock on the key that no other renewal of the key can
//!   hold at the same time, in any process sharing the store, and only
//!   when the stored version is still the one the caller saw; otherwise it
//!   returns what is stored without running it;
//! - the closure's pair is committed before `renew` returns it, so no
//!   caller can use a pair the store does not hold;
//! - a holder that dies releases the lock (for PostgreSQL: by ending its
//!   connection).

mod memory;
#[cfg(feature = "postgres")]
mod postgres;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::time::Instant;

use super::pair::TokenPair;
use crate::auth::{SharedError, TokenError};

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresStore, MIGRATIONS, TABLE};

/// Whose tokens a pair holds: a Location (Sub-Account) or a Company
/// (Agency), by id. The vendor counts its rate limits per app and per
/// such resource too.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TokenKey {
    /// A Location's tokens.
    Location(String),
    /// A Company's (Agency's) tokens.
    Company(String),
}

impl TokenKey {
    /// The key of a Location.
    pub fn location(id: impl Into<String>) -> Self {
        Self::Location(id.into())
    }

    /// The key of a Company.
    pub fn company(id: impl Into<String>) -> Self {
        Self::Company(id.into())
    }

    /// `"location"` or `"company"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Location(_) => "location",
            Self::Company(_) => "company",
        }
    }

    /// The Location or Company id.
    pub fn id(&self) -> &str {
        match self {
            Self::Location(id) | Self::Company(id) => id,
        }
    }
}

impl fmt::Display for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

/// A pair as a store holds it, with its version. `Debug` shows no token.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StoredPair {
    /// The pair.
    pub pair: TokenPair,
    /// Its version: larger after every write of the key.
    pub version: u64,
}

impl StoredPair {
    /// A pair at `version` (for stores of the app's own).
    pub fn new(pair: TokenPair, version: u64) -> Self {
        Self { pair, version }
    }
}

/// What [`TokenStore::renew`] did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Renewed {
    /// The stored version was not the one the caller saw (another client
    /// renewed, or the pair was replaced or removed): this is what the
    /// store holds now, and nothing was sent.
    Changed(Option<StoredPair>),
    /// The closure ran, and its pair is committed.
    Renewed(StoredPair),
}

/// Why [`TokenStore::renew`] failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenewError {
    /// The store could not be locked or read: nothing was sent to the
    /// token endpoint, and the stored pair is unchanged.
    #[error("the token store is unavailable: {0}")]
    Store(StoreError),
    /// The closure failed (the token endpoint refused or could not be
    /// reached); the stored pair is unchanged.
    #[error(transparent)]
    Renew(TokenError),
    /// The closure gave a new pair, but committing it failed: the store
    /// still holds the pair of version `seen`, whose refresh token the
    /// endpoint no longer takes. The caller holds the only copy of `pair`
    /// and must save it ([`TokenStore::compare_and_swap`] from `seen`).
    #[error("the new token pair could not be committed: {error}")]
    Unsaved {
        /// The pair the closure gave.
        pair: TokenPair,
        /// The version the store still holds.
        seen: Option<u64>,
        /// Why the commit failed.
        error: StoreError,
    },
}

/// A failure of a token store (its database unreachable, a statement
/// refused). Never holds a token: database errors are reduced to their
/// code and message, without the row values some of them quote.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    source: Option<SharedError>,
}

impl StoreError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source` (for stores of the app's own; the
    /// source must not hold a token).
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Arc::from(source.into())),
        }
    }

    /// What caused it, if known.
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync)> {
        self.source.as_deref()
    }
}

/// The future a [`TokenStore`] returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The renewal [`TokenStore::renew`] runs under its lock: given the pair
/// the store holds (`None` if it holds none), the new pair.
pub type Renewal<'a> = Box<
    dyn FnOnce(Option<TokenPair>) -> StoreFuture<'a, Result<TokenPair, TokenError>> + Send + 'a,
>;

/// Token pairs shared by every client, task and process that uses the
/// store (see the [module](self) for the rules an implementation keeps).
pub trait TokenStore: Send + Sync + 'static {
    /// The pair stored for `key`, with its version.
    fn load<'a>(
        &'a self,
        key: &'a TokenKey,
    ) -> StoreFuture<'a, Result<Option<StoredPair>, StoreError>>;

    /// Stores `pair` for `key` whatever is there (an install or a
    /// reinstall), and returns it with its new version.
    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<StoredPair, StoreError>>;

    /// Stores `pair` only if the stored version is `expected` (`None`: no
    /// pair stored). `Ok(Ok(stored))` with the new version, or
    /// `Ok(Err(current))` with what is stored instead.
    #[allow(
        clippy::type_complexity,
        reason = "the nested results are the compare-and-swap's answer"
    )]
    fn compare_and_swap<'a>(
        &'a self,
        key: &'a TokenKey,
        expected: Option<u64>,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<Result<StoredPair, Option<StoredPair>>, StoreError>>;

    /// Takes the key's lock (waiting for another holder, until
    /// `deadline`), and if the stored version is still `seen`, runs
    /// `renewal` and commits its pair before returning it. If it is not,
    /// returns what is stored without running `renewal`.
    fn renew<'a>(
        &'a self,
        key: &'a TokenKey,
        seen: Option<u64>,
        deadline: Instant,
        renewal: Renewal<'a>,
    ) -> StoreFuture<'a, Result<Renewed, RenewError>>;

    /// Removes the key's pair (the app was uninstalled). Whether there was
    /// one.
    fn remove<'a>(&'a self, key: &'a TokenKey) -> StoreFuture<'a, Result<bool, StoreError>>;
}
