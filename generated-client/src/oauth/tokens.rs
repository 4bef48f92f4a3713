//! [`OAuthTokens`]: a token source that refreshes itself ahead of expiry
//! and after a 401, sends one refresh however many tasks need it (and,
//! on a shared [`TokenStore`], however many processes), and never lets a
//! request use a pair before it is saved.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::app::OAuthApp;
use super::pair::TokenPair;
use super::renewer::Renewer;
use super::store::{RenewError, Renewed, StoreError, StoredPair, TokenKey, TokenStore};
use crate::auth::{SecretString, TokenContext, TokenError, TokenFuture, TokenSource};

/// How long before expiry a token is refreshed, by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// While a new pair is unsaved and the previous access token still works,
/// saving is tried again at most this often (calls do not wait for it).
pub const SAVE_RETRY_INTERVAL: Duration = Duration::from_secs(1);

type PersistFuture = Pin<Box<dyn Future<Output = Result<(), TokenError>> + Send>>;
type Persist = dyn Fn(TokenPair) -> PersistFuture + Send + Sync;

/// The outcome of one flight (refresh or save), shared with every task
/// waiting for it: the token to use, or why there is none.
type FlightResult = Option<Result<SecretString, TokenError>>;

/// Configures an [`OAuthTokens`] for a pair the app gives; made by
/// [`OAuthApp::tokens`].
pub struct OAuthTokensBuilder {
    app: OAuthApp,
    margin: Duration,
    pair: TokenPair,
    persist: Option<Arc<Persist>>,
}

impl fmt::Debug for OAuthTokensBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthTokensBuilder")
            .field("app", &self.app)
            .field("pair", &self.pair)
            .field("margin", &self.margin)
            .field("persist", &self.persist.is_some())
            .finish()
    }
}

impl OAuthTokensBuilder {
    pub(crate) fn new(app: OAuthApp, pair: TokenPair) -> Self {
        Self {
            app,
            margin: DEFAULT_REFRESH_MARGIN,
            pair,
            persist: None,
        }
    }

    /// Refreshes this long before the access token expires (default 5
    /// minutes), so that no request goes out with a token about to die.
    /// For a token with less than twice the margin left, the refresh comes
    /// at half its remaining life instead.
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Hands every new pair to `persist` before any request uses it. The
    /// old refresh token stops working once the new one is issued, so the
    /// app must store the pair here (its database, a secrets store).
    ///
    /// When it fails, the new pair stays in memory, unsaved, and no
    /// request uses it until a later save succeeds. Until then calls go on
    /// with the previous access token while it is valid (a refresh ahead
    /// of expiry leaves it minutes to live), and saving is tried again at
    /// most every [`SAVE_RETRY_INTERVAL`] without making them wait. A call
    /// fails with [`TokenError::Persist`] only when the previous token
    /// cannot serve it: it has expired, or the server refused it with a
    /// 401 (no second refresh is sent then: the old refresh token is
    /// spent), and the save tried for that call failed too.
    ///
    /// Without a callback nothing is stored anywhere: the pair lives in
    /// memory only. For pairs in a database shared by several replicas,
    /// use [`OAuthApp::stored_tokens`] instead.
    #[must_use]
    pub fn on_refresh<F, Fut, E>(mut self, persist: F) -> Self
    where
        F: Fn(TokenPair) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.persist = Some(Arc::new(move |pair| {
            let saving = persist(pair);
            Box::pin(async move {
                saving.await.map_err(|e| TokenError::Persist {
                    source: Arc::from(e.into()),
                })
            })
        }));
        self
    }

    /// The token source.
    pub fn build(self) -> OAuthTokens {
        OAuthTokens::assemble(
            self.app.clone(),
            self.margin,
            Backing::Given {
                persist: self.persist,
            },
            Renewer::RefreshToken(self.app),
            self.pair,
            None,
        )
    }
}

/// Configures an [`OAuthTokens`] on a pair in a [`TokenStore`]; made by
/// [`OAuthApp::stored_tokens`].
pub struct StoredTokensBuilder {
    app: OAuthApp,
    margin: Duration,
    store: Arc<dyn TokenStore>,
    key: TokenKey,
    renewer: Option<Renewer>,
}

impl fmt::Debug for StoredTokensBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredTokensBuilder")
            .field("app", &self.app)
            .field("key", &self.key)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl StoredTokensBuilder {
    pub(crate) fn new(app: OAuthApp, store: Arc<dyn TokenStore>, key: TokenKey) -> Self {
        Self {
            app,
            margin: DEFAULT_REFRESH_MARGIN,
            store,
            key,
            renewer: None,
        }
    }

    /// Renews the pair another way than with its refresh token (an
    /// Agency's Location token).
    pub(crate) fn renewer(mut self, renewer: Renewer) -> Self {
        self.renewer = Some(renewer);
        self
    }

    /// Refreshes this long before the access token expires (see
    /// [`OAuthTokensBuilder::refresh_margin`]).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The token source, after reading its pair from the store. Fails
    /// when the store cannot be read or holds no pair for the key, unless
    /// it renews by an Agency token, which obtains the first pair itself
    /// (on the first call).
    pub async fn load(self) -> Result<OAuthTokens, TokenError> {
        let stored = self
            .store
            .load(&self.key)
            .await
            .map_err(store_unavailable)?;
        let agency = self.renewer.is_some();
        let renewer = self
            .renewer
            .unwrap_or_else(|| Renewer::RefreshToken(self.app.clone()));
        let (pair, version) = match stored {
            Some(stored) => (stored.pair, Some(stored.version)),
            // Nothing yet: an expired placeholder makes the first call
            // obtain the pair under the store's lock.
            None if agency => (
                TokenPair::new("", "", chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
                None,
            ),
            None => return Err(not_stored(&self.key)),
        };
        Ok(OAuthTokens::assemble(
            self.app,
            self.margin,
            Backing::Stored {
                store: self.store,
                key: self.key,
            },
            renewer,
            pair,
            version,
        ))
    }
}

/// A token source for an OAuth install that keeps its access token fresh.
///
/// - **Ahead of expiry**: a token within the refresh margin of its expiry
///   is refreshed before the attempt that would use it.
/// - **After a 401**: a 401 for an expired or invalid token marks the
///   token stale; the client refreshes and sends the request once more.
///   A stored pair is read again first: another replica may have
///   refreshed it already.
/// - **Single flight**: one refresh at a time, whatever the number of
///   tasks and clones: the others wait for its result. The refresh runs in
///   a task of its own, so a caller giving up cannot drop a pair the
///   endpoint has already issued. On a shared [`TokenStore`], one refresh
///   at a time across every process too (the store's lock).
/// - **Never loses a refresh token**: the new pair is kept in memory
///   before anything else, then saved (the persistence callback, or the
///   store's commit), and only then used. While it is unsaved, calls go
///   on with the previous access token until it expires, never with the
///   new one (see [`OAuthTokensBuilder::on_refresh`] for which calls fail).
/// - **`invalid_grant`** (the refresh token was used already or revoked):
///   [`TokenError::ReinstallRequired`], for this call and every later one,
///   without further requests. A stored pair is read again at most every
///   [`SAVE_RETRY_INTERVAL`] meanwhile: once a reinstall (in any replica)
///   puts a new pair in the store, calls go on with it.
///
/// Clones share one state. `Debug` shows no token.
#[derive(Clone)]
pub struct OAuthTokens {
    shared: Arc<Shared>,
}

struct Shared {
    margin: Duration,
    backing: Backing,
    renewer: Renewer,
    state: Mutex<State>,
    /// Only for `Debug`.
    client_id: String,
}

enum Backing {
    Given {
        persist: Option<Arc<Persist>>,
    },
    Stored {
        store: Arc<dyn TokenStore>,
        key: TokenKey,
    },
}

struct State {
    pair: TokenPair,
    /// The store's version of `pair` (for an unsaved pair: the version the
    /// store still holds).
    version: Option<u64>,
    /// When the access token is due for a refresh, on tokio's clock.
    refresh_at: Instant,
    /// When it expires, on tokio's clock.
    expires: Instant,
    /// A 401 refused the current access token.
    rejected: bool,
    /// The current pair has not been saved yet.
    unsaved: Option<Unsaved>,
    /// Set by `invalid_grant`: no refresh is tried again.
    revoked: Option<TokenError>,
    /// While revoked, a stored pair is not read again before this.
    recheck_at: Instant,
    /// The refresh (or save) under way, if any.
    flight: Option<watch::Receiver<FlightResult>>,
}

/// What stands in while a new pair waits to be saved.
struct Unsaved {
    /// The access token of the pair before, while it may still serve.
    previous: Option<Previous>,
    /// Why the last save failed.
    error: TokenError,
    /// No save is tried before this while the previous token serves.
    retry_at: Instant,
}

struct Previous {
    token: SecretString,
    expires: Instant,
    rejected: bool,
}

impl State {
    fn fresh(&self) -> bool {
        !self.rejected && Instant::now() < self.refresh_at
    }

    fn set_pair(&mut self, pair: TokenPair, version: Option<u64>, margin: Duration) {
        let left = (pair.expires_at - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        let now = Instant::now();
        self.expires = now + left;
        self.refresh_at = now + left - margin.min(left / 2);
        self.pair = pair;
        self.version = version;
        self.rejected = false;
    }

    /// Takes a new pair that is not saved yet: the current access token
    /// becomes the previous one, usable until it expires.
    fn set_unsaved(
        &mut self,
        pair: TokenPair,
        version: Option<u64>,
        margin: Duration,
        error: TokenError,
    ) {
        let previous = (!self.pair.access_token.is_empty()).then(|| Previous {
            token: self.pair.access_token.clone(),
            expires: self.expires,
            rejected: self.rejected,
        });
        self.set_pair(pair, version, margin);
        self.unsaved = Some(Unsaved {
            previous,
            error,
            retry_at: Instant::now() + SAVE_RETRY_INTERVAL,
        });
    }

    /// The previous access token, while a new pair is unsaved and it can
    /// still serve (not expired, not refused).
    fn previous_token(&self) -> Option<SecretString> {
        let previous = self.unsaved.as_ref()?.previous.as_ref()?;
        (!previous.rejected && Instant::now() < previous.expires).then(|| previous.token.clone())
    }

    /// The answer after a save failed with `error`.
    fn unsaved_answer(&self, error: TokenError) -> Result<SecretString, TokenError> {
        self.previous_token().ok_or(error)
    }
}

impl fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        let mut out = f.debug_struct("OAuthTokens");
        out.field("client_id", &self.shared.client_id)
            .field("pair", &state.pair)
            .field("margin", &self.shared.margin);
        if let Backing::Stored { key, .. } = &self.shared.backing {
            out.field("stored", key).field("version", &state.version);
        }
        out.field("unsaved", &state.unsaved.is_some())
            .field("revoked", &state.revoked.is_some())
            .field("refreshing", &state.flight.is_some())
            .finish()
    }
}

impl OAuthTokens {
    fn assemble(
        app: OAuthApp,
        margin: Duration,
        backing: Backing,
        renewer: Renewer,
        pair: TokenPair,
        version: Option<u64>,
    ) -> Self {
        let now = Instant::now();
        let mut state = State {
            pair: pair.clone(),
            version,
            refresh_at: now,
            expires: now,
            rejected: false,
            unsaved: None,
            revoked: None,
            recheck_at: now,
            flight: None,
        };
        state.set_pair(pair, version, margin);
        Self {
            shared: Arc::new(Shared {
                margin,
                backing,
                renewer,
                state: Mutex::new(state),
                client_id: app.client_id().to_owned(),
            }),
        }
    }

    /// The current pair (tokens redacted in `Debug`): what the app would
    /// store. While it is unsaved, requests still use the previous access
    /// token.
    pub fn pair(&self) -> TokenPair {
        self.shared.lock().pair.clone()
    }

    /// The store's version of the current pair (for a stored pair).
    pub fn version(&self) -> Option<u64> {
        self.shared.lock().version
    }

    /// Whether the current pair still waits to be saved.
    pub fn is_unsaved(&self) -> bool {
        self.shared.lock().unsaved.is_some()
    }

    /// Waits until no refresh or save of this source is under way. Call it
    /// in a graceful shutdown, after the last request: the endpoint spends
    /// the old refresh token when it receives the request, so a process
    /// that exits between that moment and the save loses the new pair
    /// (with a store that other replicas share, they would then send the
    /// spent token).
    pub async fn settle(&self) {
        loop {
            let flight = self.shared.lock().flight.clone();
            match flight {
                Some(mut flight) => {
                    let _ = flight.wait_for(Option::is_some).await;
                }
                None => return,
            }
        }
    }

    /// Replaces the pair (after a reinstall, for example): clears an
    /// `invalid_grant` state. The new pair is taken as stored already (for
    /// a stored pair: `put` it in the store first; the next refresh reads
    /// the store's version).
    pub fn replace(&self, pair: TokenPair) {
        let mut state = self.shared.lock();
        state.set_pair(pair, None, self.shared.margin);
        state.unsaved = None;
        state.revoked = None;
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Saves an unsaved pair if there is one, otherwise refreshes if the
    /// token is stale, and gives the token to use.
    async fn fly(&self, deadline: Instant) -> Result<SecretString, TokenError> {
        let revoked = self.lock().revoked.clone();
        if let Some(revoked) = revoked {
            return self.recheck(revoked).await;
        }
        let unsaved = {
            let state = self.lock();
            state
                .unsaved
                .is_some()
                .then(|| (state.pair.clone(), state.version))
        };
        if let Some((pair, version)) = unsaved {
            // Never a second refresh while a pair is unsaved: the old
            // refresh token is spent.
            return self.save(pair, version).await;
        }
        let stale = {
            let state = self.lock();
            (!state.fresh()).then(|| (state.pair.clone(), state.version))
        };
        if let Some((pair, version)) = stale {
            tracing::debug!("refreshing the access token");
            match &self.backing {
                Backing::Given { persist } => {
                    let pair = self.renewer.renew(Some(pair), deadline).await?;
                    // Kept first: if saving fails, the pair is still here
                    // to save again, and the old refresh token no longer
                    // works anyway.
                    let error = TokenError::Persist {
                        source: Arc::new(StoreError::new("not saved yet")),
                    };
                    self.lock()
                        .set_unsaved(pair.clone(), None, self.margin, error);
                    if persist.is_some() {
                        return self.save(pair, None).await;
                    }
                    self.lock().unsaved = None;
                }
                Backing::Stored { store, key } => {
                    let renewer = &self.renewer;
                    let renewed = store
                        .renew(
                            key,
                            version,
                            deadline,
                            Box::new(move |current| Box::pin(renewer.renew(current, deadline))),
                        )
                        .await;
                    match renewed {
                        Ok(Renewed::Renewed(stored) | Renewed::Changed(Some(stored))) => {
                            self.adopt(stored)
                        }
                        Ok(Renewed::Changed(None)) => return Err(not_stored(key)),
                        Err(RenewError::Store(error)) => return Err(store_unavailable(error)),
                        Err(RenewError::Renew(error)) => return Err(error),
                        Err(RenewError::Unsaved { pair, seen, error }) => {
                            tracing::debug!(%error, "committing the new token pair failed; it stays in memory");
                            let error = persist_error(error);
                            let mut state = self.lock();
                            state.set_unsaved(pair, seen, self.margin, error.clone());
                            return state.unsaved_answer(error);
                        }
                    }
                }
            }
        }
        Ok(self.lock().pair.access_token.clone())
    }

    /// After `invalid_grant`: the store's pair, if a reinstall replaced
    /// the refused one.
    async fn recheck(&self, revoked: TokenError) -> Result<SecretString, TokenError> {
        let Backing::Stored { store, key } = &self.backing else {
            return Err(revoked);
        };
        let stored = store.load(key).await.map_err(store_unavailable)?;
        let version = self.lock().version;
        match stored {
            Some(stored) if Some(stored.version) != version => {
                tracing::debug!("the store holds a new pair after invalid_grant");
                self.adopt(stored);
                let mut state = self.lock();
                state.revoked = None;
                Ok(state.pair.access_token.clone())
            }
            _ => Err(revoked),
        }
    }

    fn adopt(&self, stored: StoredPair) {
        let mut state = self.lock();
        state.set_pair(stored.pair, Some(stored.version), self.margin);
        state.unsaved = None;
    }

    /// Saves the unsaved `pair` (the store still holding `version`).
    async fn save(
        &self,
        pair: TokenPair,
        version: Option<u64>,
    ) -> Result<SecretString, TokenError> {
        let saved = match &self.backing {
            Backing::Given {
                persist: Some(persist),
            } => persist(pair.clone()).await.map(|()| None),
            Backing::Given { persist: None } => Ok(None),
            Backing::Stored { store, key } => {
                match store.compare_and_swap(key, version, pair.clone()).await {
                    Ok(Ok(stored)) => Ok(Some(stored)),
                    // Stored already (a commit whose answer was lost), or
                    // replaced by a reinstall: either way, the store's pair.
                    Ok(Err(Some(current))) => Ok(Some(current)),
                    Ok(Err(None)) => Err(not_stored(key)),
                    Err(error) => Err(persist_error(error)),
                }
            }
        };
        match saved {
            Ok(stored) => {
                let mut state = self.lock();
                match stored {
                    Some(stored)
                        if stored.pair.refresh_token != pair.refresh_token
                            || stored.pair.access_token != pair.access_token =>
                    {
                        state.set_pair(stored.pair, Some(stored.version), self.margin)
                    }
                    Some(stored) => state.version = Some(stored.version),
                    None => {}
                }
                state.unsaved = None;
                Ok(state.pair.access_token.clone())
            }
            Err(error) => {
                tracing::debug!(error = %error, "saving the new token pair failed; it stays in memory");
                let mut state = self.lock();
                if let Some(unsaved) = &mut state.unsaved {
                    unsaved.error = error.clone();
                    unsaved.retry_at = Instant::now() + SAVE_RETRY_INTERVAL;
                }
                state.unsaved_answer(error)
            }
        }
    }
}

fn store_unavailable(error: StoreError) -> TokenError {
    TokenError::Unavailable {
        reason: format!("the token store is unavailable: {error}"),
    }
}

fn persist_error(error: StoreError) -> TokenError {
    TokenError::Persist {
        source: Arc::new(error),
    }
}

fn not_stored(key: &TokenKey) -> TokenError {
    TokenError::other(StoreError::new(format!(
        "the token store holds no pair for {key} (never installed, or removed at an uninstall); install the app again"
    )))
}

/// Ends a flight in the state when dropped: after it finished, and also if
/// it panicked (a persistence callback that panics), so that the next call
/// starts a new one instead of waiting for a flight that is gone.
struct Landing(Arc<Shared>);

impl Drop for Landing {
    fn drop(&mut self) {
        self.0.lock().flight = None;
    }
}

impl OAuthTokens {
    /// Starts a flight (a task of its own: it finishes, and keeps a new
    /// pair, even if every caller gives up) and returns its receiver.
    fn launch(&self, state: &mut State, deadline: Instant) -> watch::Receiver<FlightResult> {
        let (done, waiting) = watch::channel(None);
        state.flight = Some(waiting.clone());
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            let landing = Landing(Arc::clone(&shared));
            let result = shared.fly(deadline).await;
            if let Err(error @ TokenError::ReinstallRequired { .. }) = &result {
                shared.lock().revoked = Some(error.clone());
            }
            drop(landing);
            done.send_replace(Some(result));
        });
        waiting
    }
}

impl TokenSource for OAuthTokens {
    fn token<'a>(&'a self, cx: &'a TokenContext) -> TokenFuture<'a, SecretString> {
        Box::pin(async move {
            let mut waiting = {
                let mut state = self.shared.lock();
                if let Some(revoked) = &state.revoked {
                    let stored = matches!(self.shared.backing, Backing::Stored { .. });
                    if !stored || state.flight.is_some() || Instant::now() < state.recheck_at {
                        return Err(revoked.clone());
                    }
                    state.recheck_at = Instant::now() + SAVE_RETRY_INTERVAL;
                    self.launch(&mut state, cx.deadline)
                } else {
                    let previous = state.previous_token();
                    match (&state.flight, previous) {
                        // A save is under way; the previous token still serves.
                        (Some(_), Some(previous)) => return Ok(previous),
                        (Some(flight), None) => flight.clone(),
                        (None, None) if state.unsaved.is_none() && state.fresh() => {
                            return Ok(state.pair.access_token.clone());
                        }
                        (None, Some(previous)) => {
                            // Save again in the background, not on every call.
                            let due = state
                                .unsaved
                                .as_ref()
                                .is_some_and(|u| Instant::now() >= u.retry_at);
                            if due {
                                self.launch(&mut state, cx.deadline);
                            }
                            return Ok(previous);
                        }
                        (None, None) => self.launch(&mut state, cx.deadline),
                    }
                }
            };
            let outcome = waiting.wait_for(Option::is_some).await;
            match outcome.as_deref() {
                Ok(Some(result)) => result.clone(),
                _ => Err(TokenError::Unavailable {
                    reason: "the refresh ended without an answer (the runtime is shutting down)"
                        .into(),
                }),
            }
        })
    }

    fn unauthorized<'a>(
        &'a self,
        rejected: &'a SecretString,
        _cx: &'a TokenContext,
    ) -> TokenFuture<'a, bool> {
        Box::pin(async move {
            let mut state = self.shared.lock();
            if state.revoked.is_some() {
                return Ok(false);
            }
            // The previous token of an unsaved pair: it no longer serves.
            // The next `token` call saves the pair first and fails if it
            // cannot; it never refreshes again.
            if let Some(previous) = state.unsaved.as_mut().and_then(|u| u.previous.as_mut()) {
                if previous.token == *rejected {
                    previous.rejected = true;
                    return Ok(true);
                }
            }
            // Only the token in use is marked: if another task refreshed
            // already, the next `token` call gives the new one.
            if state.pair.access_token == *rejected {
                state.rejected = true;
            }
            Ok(true)
        })
    }
}
