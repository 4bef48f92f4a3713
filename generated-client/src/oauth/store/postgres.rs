//! `PostgresStore`: token pairs in a PostgreSQL table shared by every
//! replica, renewed under a transaction-scoped advisory lock.

use std::fmt;

use deadpool_postgres::{GenericClient, Object, Pool};
use tokio::time::Instant;
use tokio_postgres::Row;

use super::{
    RenewError, Renewal, Renewed, StoreError, StoreFuture, StoredPair, TokenKey, TokenStore,
};
use crate::oauth::pair::TokenPair;
use crate::oauth::types::UserType;
use crate::SecretString;

/// The table the pairs live in.
pub const TABLE: &str = "leadconnector_tokens";

/// The schema, as numbered migrations (the SQL ships with the crate, in
/// `migrations/postgres/`). [`PostgresStore::migrate`] applies those not
/// applied yet; an app with its own migration tool can apply them itself.
pub const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    include_str!("../../../migrations/postgres/0001_tokens.sql"),
)];

const COLUMNS: &str =
    "version, access_token, refresh_token, expires_at, user_type, location_id, company_id, scope";

/// Token pairs in PostgreSQL, for apps that run several replicas.
///
/// - **One renewal per key, across replicas**: [`renew`](TokenStore::renew)
///   runs in a transaction that first takes an advisory lock on the key
///   (`pg_advisory_xact_lock`), reads the row, calls the token endpoint
///   only if the row's version is the one the caller saw, and commits the
///   new pair before anyone uses it. Other replicas wait on the lock (no
///   longer than their call's deadline, through `lock_timeout`), then read
///   the new pair instead of refreshing.
/// - **A replica that dies mid-refresh** ends its connection; PostgreSQL
///   then ends its transaction and releases the lock, and the next replica
///   takes over with the pair the table still holds. A renewal given up
///   for any other reason (deadline, error) closes its connection too,
///   instead of returning it to the pool.
/// - **Reads**: one query by primary key; the token source caches the
///   pair and reads again only to renew it or after a 401.
///
/// Errors never carry a token: database errors are reduced to their
/// SQLSTATE and message (their `DETAIL` can quote a row).
///
/// Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("table", &TABLE)
            .field("pool_size", &status.size)
            .field("pool_max", &status.max_size)
            .finish()
    }
}

impl PostgresStore {
    /// A store on the app's own pool (TLS, pool size and timeouts as the
    /// app configures them).
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// A store on a new pool of at most `max_connections` connections to
    /// `url` (`postgres://user:password@host:port/database`), without TLS
    /// (for a server on a private network or the same host; build the pool
    /// with a TLS connector and use [`new`](Self::new) otherwise).
    /// Connections open when first needed.
    pub fn connect(url: &str, max_connections: usize) -> Result<Self, StoreError> {
        let mut config = deadpool_postgres::Config::new();
        config.url = Some(url.to_owned());
        config.pool = Some(deadpool_postgres::PoolConfig::new(max_connections.max(1)));
        let pool = config
            .create_pool(
                Some(deadpool_postgres::Runtime::Tokio1),
                tokio_postgres::NoTls,
            )
            .map_err(|e| StoreError::new(format!("cannot build the connection pool: {e}")))?;
        Ok(Self { pool })
    }

    /// The pool (shared by every clone).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Applies the migrations of [`MIGRATIONS`] not applied yet (recorded
    /// in `leadconnector_migrations`), under an advisory lock, so replicas
    /// starting together apply each once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(db_error)?;
        tx.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({});
             CREATE TABLE IF NOT EXISTS leadconnector_migrations (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );",
            lock_id("leadconnector_migrations")
        ))
        .await
        .map_err(db_error)?;
        for (version, sql) in MIGRATIONS {
            let applied = tx
                .query_opt(
                    "SELECT 1 FROM leadconnector_migrations WHERE version = $1",
                    &[version],
                )
                .await
                .map_err(db_error)?;
            if applied.is_none() {
                tx.batch_execute(sql).await.map_err(db_error)?;
                tx.execute(
                    "INSERT INTO leadconnector_migrations (version) VALUES ($1)",
                    &[version],
                )
                .await
                .map_err(db_error)?;
            }
        }
        tx.commit().await.map_err(db_error)
    }

    async fn connection(&self, deadline: Option<Instant>) -> Result<Object, StoreError> {
        let get = self.pool.get();
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, get)
                .await
                .map_err(|_| StoreError::new("no database connection before the deadline"))?
                .map_err(pool_error),
            None => get.await.map_err(pool_error),
        }
    }

    async fn renew_locked<'a>(
        &'a self,
        key: &'a TokenKey,
        seen: Option<u64>,
        deadline: Instant,
        renewal: Renewal<'a>,
    ) -> Result<Renewed, RenewError> {
        let store = |e: StoreError| RenewError::Store(e);
        let held = Held(Some(self.connection(Some(deadline)).await.map_err(store)?));
        let client = held.client();
        // The lock waits no longer than the call that needs the token.
        let wait_ms = deadline
            .saturating_duration_since(Instant::now())
            .as_millis()
            .max(1);
        client
            .batch_execute(&format!(
                "BEGIN; SET LOCAL lock_timeout = {wait_ms}; SELECT pg_advisory_xact_lock({});",
                lock_id(&key.to_string())
            ))
            .await
            .map_err(|e| store(db_error(e)))?;
        let current = select(client, key).await.map_err(store)?;
        if current.as_ref().map(|s| s.version) != seen {
            client
                .batch_execute("COMMIT")
                .await
                .map_err(|e| store(db_error(e)))?;
            held.release();
            return Ok(Renewed::Changed(current));
        }
        // The lock is held while the token endpoint answers; if this
        // future is dropped or the renewal fails, `held` closes the
        // connection, which ends the transaction and frees the lock.
        let pair = as_stored(
            renewal(current.map(|s| s.pair))
                .await
                .map_err(RenewError::Renew)?,
        );
        let client = held.client();
        let committed = async {
            let version = write(client, key, &pair, seen).await?;
            client.batch_execute("COMMIT").await.map_err(db_error)?;
            Ok::<_, StoreError>(version)
        }
        .await;
        match committed {
            Ok(Some(version)) => {
                held.release();
                Ok(Renewed::Renewed(StoredPair::new(pair, version)))
            }
            // Replaced under the lock by a `put` (a reinstall), which does
            // not take it: the stored pair wins.
            Ok(None) => {
                held.release();
                let current = self.load_now(key).await.map_err(store)?;
                Ok(Renewed::Changed(current))
            }
            Err(error) => Err(RenewError::Unsaved { pair, seen, error }),
        }
    }

    async fn load_now(&self, key: &TokenKey) -> Result<Option<StoredPair>, StoreError> {
        let client = self.connection(None).await?;
        select(&client, key).await
    }
}

impl TokenStore for PostgresStore {
    fn load<'a>(
        &'a self,
        key: &'a TokenKey,
    ) -> StoreFuture<'a, Result<Option<StoredPair>, StoreError>> {
        Box::pin(self.load_now(key))
    }

    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<StoredPair, StoreError>> {
        let pair = as_stored(pair);
        Box::pin(async move {
            let client = self.connection(None).await?;
            let statement = client
                .prepare_cached(&format!(
                    "INSERT INTO {TABLE} (kind, id, version, access_token, refresh_token, expires_at, user_type, location_id, company_id, scope)
                     VALUES ($1, $2, nextval('leadconnector_token_versions'), $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (kind, id) DO UPDATE SET
                         version = EXCLUDED.version, access_token = EXCLUDED.access_token,
                         refresh_token = EXCLUDED.refresh_token, expires_at = EXCLUDED.expires_at,
                         user_type = EXCLUDED.user_type, location_id = EXCLUDED.location_id,
                         company_id = EXCLUDED.company_id, scope = EXCLUDED.scope, updated_at = now()
                     RETURNING version"
                ))
                .await
                .map_err(db_error)?;
            let user_type = pair.user_type.as_ref().map(UserType::as_str);
            let row = client
                .query_one(
                    &statement,
                    &[
                        &key.kind(),
                        &key.id(),
                        &pair.access_token.expose(),
                        &pair.refresh_token.expose(),
                        &pair.expires_at,
                        &user_type,
                        &pair.location_id,
                        &pair.company_id,
                        &pair.scope,
                    ],
                )
                .await
                .map_err(db_error)?;
            Ok(StoredPair::new(pair, version_of(&row)?))
        })
    }

    fn compare_and_swap<'a>(
        &'a self,
        key: &'a TokenKey,
        expected: Option<u64>,
        pair: TokenPair,
    ) -> StoreFuture<'a, Result<Result<StoredPair, Option<StoredPair>>, StoreError>> {
        let pair = as_stored(pair);
        Box::pin(async move {
            let client = self.connection(None).await?;
            match write(&client, key, &pair, expected).await? {
                Some(version) => Ok(Ok(StoredPair::new(pair, version))),
                None => Ok(Err(select(&client, key).await?)),
            }
        })
    }

    fn renew<'a>(
        &'a self,
        key: &'a TokenKey,
        seen: Option<u64>,
        deadline: Instant,
        renewal: Renewal<'a>,
    ) -> StoreFuture<'a, Result<Renewed, RenewError>> {
        Box::pin(self.renew_locked(key, seen, deadline, renewal))
    }

    fn remove<'a>(&'a self, key: &'a TokenKey) -> StoreFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let client = self.connection(None).await?;
            let removed = client
                .execute(
                    &format!("DELETE FROM {TABLE} WHERE kind = $1 AND id = $2"),
                    &[&key.kind(), &key.id()],
                )
                .await
                .map_err(db_error)?;
            Ok(removed > 0)
        })
    }
}

/// A pooled connection inside a renewal's transaction: closed when dropped
/// (which ends the transaction and frees its lock in the server) unless
/// [`release`](Self::release)d back to the pool after a commit.
struct Held(Option<Object>);

impl Held {
    fn client(&self) -> &Object {
        self.0.as_ref().expect("held until released or dropped")
    }

    fn release(mut self) {
        self.0.take();
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            // Out of the pool, then dropped: the connection closes.
            drop(Object::take(object));
        }
    }
}

/// `pair` as the table gives it back: PostgreSQL keeps times to the
/// microsecond.
fn as_stored(mut pair: TokenPair) -> TokenPair {
    pair.expires_at = chrono::SubsecRound::trunc_subsecs(pair.expires_at, 6);
    pair
}

/// The row of `key`, if any.
async fn select(
    client: &impl GenericClient,
    key: &TokenKey,
) -> Result<Option<StoredPair>, StoreError> {
    let statement = client
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {TABLE} WHERE kind = $1 AND id = $2"
        ))
        .await
        .map_err(db_error)?;
    let row = client
        .query_opt(&statement, &[&key.kind(), &key.id()])
        .await
        .map_err(db_error)?;
    row.map(|row| stored_pair(&row)).transpose()
}

/// Writes `pair` if the stored version is `expected` (`None`: no row).
/// The new version, or `None` when the stored version differed.
async fn write(
    client: &impl GenericClient,
    key: &TokenKey,
    pair: &TokenPair,
    expected: Option<u64>,
) -> Result<Option<u64>, StoreError> {
    let user_type = pair.user_type.as_ref().map(UserType::as_str);
    let row = match expected {
        Some(expected) => {
            let expected = i64::try_from(expected).map_err(|_| StoreError::new("a version beyond 2^63"))?;
            let statement = client
                .prepare_cached(&format!(
                    "UPDATE {TABLE} SET version = nextval('leadconnector_token_versions'),
                         access_token = $4, refresh_token = $5, expires_at = $6, user_type = $7,
                         location_id = $8, company_id = $9, scope = $10, updated_at = now()
                     WHERE kind = $1 AND id = $2 AND version = $3
                     RETURNING version"
                ))
                .await
                .map_err(db_error)?;
            client
                .query_opt(
                    &statement,
                    &[
                        &key.kind(),
                        &key.id(),
                        &expected,
                        &pair.access_token.expose(),
                        &pair.refresh_token.expose(),
                        &pair.expires_at,
                        &user_type,
                        &pair.location_id,
                        &pair.company_id,
                        &pair.scope,
                    ],
                )
                .await
        }
        None => {
            let statement = client
                .prepare_cached(&format!(
                    "INSERT INTO {TABLE} (kind, id, version, access_token, refresh_token, expires_at, user_type, location_id, company_id, scope)
                     VALUES ($1, $2, nextval('leadconnector_token_versions'), $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (kind, id) DO NOTHING
                     RETURNING version"
                ))
                .await
                .map_err(db_error)?;
            client
                .query_opt(
                    &statement,
                    &[
                        &key.kind(),
                        &key.id(),
                        &pair.access_token.expose(),
                        &pair.refresh_token.expose(),
                        &pair.expires_at,
                        &user_type,
                        &pair.location_id,
                        &pair.company_id,
                        &pair.scope,
                    ],
                )
                .await
        }
    }
    .map_err(db_error)?;
    row.map(|row| version_of(&row)).transpose()
}

fn version_of(row: &Row) -> Result<u64, StoreError> {
    let version: i64 = row.try_get("version").map_err(db_error)?;
    u64::try_from(version).map_err(|_| StoreError::new("a negative version in the token table"))
}

fn stored_pair(row: &Row) -> Result<StoredPair, StoreError> {
    let text = |name: &str| row.try_get::<_, Option<String>>(name).map_err(db_error);
    let access: String = row.try_get("access_token").map_err(db_error)?;
    let refresh: String = row.try_get("refresh_token").map_err(db_error)?;
    let mut pair = TokenPair::new(
        SecretString::new(access),
        SecretString::new(refresh),
        row.try_get("expires_at").map_err(db_error)?,
    );
    pair.user_type = text("user_type")?.as_deref().map(UserType::from);
    pair.location_id = text("location_id")?;
    pair.company_id = text("company_id")?;
    pair.scope = text("scope")?;
    Ok(StoredPair::new(pair, version_of(row)?))
}

/// The advisory lock id of `name`: the first 8 bytes of its SHA-256, the
/// same in every process and version. Two names sharing an id (one chance
/// in 2^64 per pair of keys) would only renew one after the other.
fn lock_id(name: &str) -> i64 {
    let digest = ring::digest::digest(&ring::digest::SHA256, format!("{TABLE}/{name}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest.as_ref()[..8]);
    i64::from_be_bytes(bytes)
}

/// A database error without what its `DETAIL` may quote (row values,
/// tokens among them): the SQLSTATE and the primary message only.
fn db_error(error: tokio_postgres::Error) -> StoreError {
    match error.as_db_error() {
        Some(db) => StoreError::new(format!(
            "PostgreSQL: {} ({})",
            db.message(),
            db.code().code()
        )),
        None => StoreError::new(format!("PostgreSQL: {error}")),
    }
}

fn pool_error(error: deadpool_postgres::PoolError) -> StoreError {
    match error {
        deadpool_postgres::PoolError::Backend(e) => db_error(e),
        other => StoreError::new(format!("PostgreSQL connection pool: {other}")),
    }
}
