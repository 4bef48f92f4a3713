//! [`OAuthTokens`]: a token source that refreshes itself ahead of expiry
//! and after a 401, sends one refresh however many tasks need it, and hands
//! every new pair to the app before any request uses it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::app::OAuthApp;
use super::pair::TokenPair;
use crate::{SecretString, TokenContext, TokenError, TokenFuture, TokenSource};

/// How long before expiry a token is refreshed, by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

type PersistFuture = Pin<Box<dyn Future<Output = Result<(), TokenError>> + Send>>;
type Persist = dyn Fn(TokenPair) -> PersistFuture + Send + Sync;

/// The outcome of one refresh, shared with every task waiting for it.
type FlightResult = Option<Result<SecretString, TokenError>>;

/// Configures an [`OAuthTokens`]; made by [`OAuthApp::tokens`].
pub struct OAuthTokensBuilder {
    app: OAuthApp,
    pair: TokenPair,
    margin: Duration,
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
            pair,
            margin: DEFAULT_REFRESH_MARGIN,
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
    /// app must store the pair here (its database, a secrets store). When
    /// it fails, the call that needed the token fails with
    /// [`TokenError::Persist`], the pair stays in memory, and the next call
    /// persists it again before using it. Without a callback nothing is
    /// stored anywhere: the pair lives in memory only.
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
        let refresh_at = refresh_at(&self.pair, self.margin);
        OAuthTokens {
            shared: Arc::new(Shared {
                app: self.app,
                margin: self.margin,
                persist: self.persist,
                state: Mutex::new(State {
                    pair: self.pair,
                    refresh_at,
                    rejected: false,
                    unsaved: false,
                    revoked: None,
                    flight: None,
                }),
            }),
        }
    }
}

/// A token source for an OAuth install that keeps its access token fresh.
///
/// - **Ahead of expiry**: a token within the refresh margin of its expiry
///   is refreshed before the attempt that would use it.
/// - **After a 401**: a 401 for an expired or invalid token marks the
///   token stale; the client refreshes and sends the request once more.
/// - **Single flight**: one refresh at a time, whatever the number of
///   tasks and clones: the others wait for its result. The refresh runs in
///   a task of its own, so a caller giving up cannot drop a pair the
///   endpoint has already issued.
/// - **Never loses a refresh token**: the new pair is kept in memory
///   before anything else, then given to the persistence callback, and only
///   then used.
/// - **`invalid_grant`** (the refresh token was used already or revoked):
///   [`TokenError::ReinstallRequired`], for this call and every later one,
///   without further requests.
///
/// Clones share one state. `Debug` shows no token.
#[derive(Clone)]
pub struct OAuthTokens {
    shared: Arc<Shared>,
}

struct Shared {
    app: OAuthApp,
    margin: Duration,
    persist: Option<Arc<Persist>>,
    state: Mutex<State>,
}

struct State {
    pair: TokenPair,
    /// When the access token is due for a refresh, on tokio's clock.
    refresh_at: Instant,
    /// A 401 refused the current access token.
    rejected: bool,
    /// The current pair has not been persisted yet.
    unsaved: bool,
    /// Set by `invalid_grant`: no refresh is tried again.
    revoked: Option<TokenError>,
    /// The refresh (or persist) under way, if any.
    flight: Option<watch::Receiver<FlightResult>>,
}

impl State {
    fn fresh(&self) -> bool {
        !self.rejected && Instant::now() < self.refresh_at
    }

    fn set_pair(&mut self, pair: TokenPair, margin: Duration) {
        self.refresh_at = refresh_at(&pair, margin);
        self.pair = pair;
        self.rejected = false;
    }
}

/// When `pair` is due for a refresh, on tokio's clock (which tests can
/// pause): `margin` before it expires, but never earlier than half its
/// remaining life, so that a token living less than the margin is not
/// refreshed on every call.
fn refresh_at(pair: &TokenPair, margin: Duration) -> Instant {
    let left = (pair.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO);
    Instant::now() + left - margin.min(left / 2)
}

impl fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("OAuthTokens")
            .field("client_id", &self.shared.app.client_id())
            .field("pair", &state.pair)
            .field("margin", &self.shared.margin)
            .field("unsaved", &state.unsaved)
            .field("revoked", &state.revoked.is_some())
            .field("refreshing", &state.flight.is_some())
            .finish()
    }
}

impl OAuthTokens {
    /// The current pair (tokens redacted in `Debug`): what the app would
    /// store.
    pub fn pair(&self) -> TokenPair {
        self.shared.lock().pair.clone()
    }

    /// Whether the current pair still waits for the persistence callback
    /// to succeed.
    pub fn is_unsaved(&self) -> bool {
        self.shared.lock().unsaved
    }

    /// Replaces the pair (after a reinstall, for example): clears an
    /// `invalid_grant` state. The new pair is taken as stored already.
    pub fn replace(&self, pair: TokenPair) {
        let mut state = self.shared.lock();
        state.set_pair(pair, self.shared.margin);
        state.unsaved = false;
        state.revoked = None;
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refreshes if the token is stale, persists if the pair is unsaved,
    /// and gives the token to use.
    async fn fly(&self, deadline: Instant) -> Result<SecretString, TokenError> {
        let stale = {
            let state = self.lock();
            (!state.fresh()).then(|| {
                (
                    state.pair.refresh_token.clone(),
                    state.pair.user_type.clone(),
                )
            })
        };
        if let Some((refresh_token, user_type)) = stale {
            tracing::debug!("refreshing the access token");
            let pair = self
                .app
                .refresh(&refresh_token, user_type, deadline)
                .await?;
            // Kept first: if saving fails, the pair is still here to save
            // again, and the old refresh token no longer works anyway.
            let mut state = self.lock();
            state.set_pair(pair, self.margin);
            state.unsaved = true;
        }
        let unsaved = {
            let state = self.lock();
            state.unsaved.then(|| state.pair.clone())
        };
        if let Some(pair) = unsaved {
            if let Some(persist) = &self.persist {
                if let Err(error) = persist(pair).await {
                    tracing::debug!(error = %error, "saving the new token pair failed; it stays in memory");
                    return Err(error);
                }
            }
            self.lock().unsaved = false;
        }
        Ok(self.lock().pair.access_token.clone())
    }
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

impl TokenSource for OAuthTokens {
    fn token<'a>(&'a self, cx: &'a TokenContext) -> TokenFuture<'a, SecretString> {
        Box::pin(async move {
            let mut waiting = {
                let mut state = self.shared.lock();
                if let Some(revoked) = &state.revoked {
                    return Err(revoked.clone());
                }
                match &state.flight {
                    Some(flight) => flight.clone(),
                    None if state.fresh() && !state.unsaved => {
                        return Ok(state.pair.access_token.clone());
                    }
                    None => {
                        let (done, waiting) = watch::channel(None);
                        state.flight = Some(waiting.clone());
                        let shared = Arc::clone(&self.shared);
                        let deadline = cx.deadline;
                        // A task of its own: it finishes (and keeps the new
                        // pair) even if every caller gives up.
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
            // Only the token in use is marked: if another task refreshed
            // already, the next `token` call gives the new one.
            if state.pair.access_token == *rejected {
                state.rejected = true;
            }
            Ok(true)
        })
    }
}
