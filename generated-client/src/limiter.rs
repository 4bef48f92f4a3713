//! An optional client-side limiter that keeps a process under the API's
//! burst limit instead of collecting 429s.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The API's documented burst limit: requests per window, per app and
/// location.
pub const BURST_LIMIT: u32 = 100;
/// The window of the documented burst limit.
pub const BURST_WINDOW: Duration = Duration::from_secs(10);

/// Lets at most `max` requests start in any `window` (a sliding window), in
/// the order they asked.
///
/// Cheap to clone: clones share one budget. Every clone of a client built
/// with [`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter)
/// shares it; pass the same limiter to several builders to share it between
/// clients too (the API counts per app *and* location, so share it between
/// clients that call for the same location).
///
/// Each attempt, retries included, takes one slot. A 429 answer with a wait
/// pauses the limiter for that wait, so other tasks hold back too. A request
/// whose slot would come after its deadline fails with
/// [`Error::Timeout`](crate::Error::Timeout) without being sent.
#[derive(Clone)]
pub struct RateLimiter {
    shared: Arc<Shared>,
}

struct Shared {
    max: usize,
    window: Duration,
    state: Mutex<State>,
    /// A limiter shared beyond this process, which decides instead.
    external: Option<Arc<dyn SharedLimiter>>,
}

#[derive(Default)]
struct State {
    /// Start times handed out for the last `max` slots, oldest first (some
    /// may lie in the future: callers are sleeping until them).
    slots: VecDeque<Instant>,
    /// No slot starts before this (set after a 429).
    paused_until: Option<Instant>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("max", &self.shared.max)
            .field("window", &self.shared.window)
            .finish()
    }
}

impl RateLimiter {
    /// At most `max` requests per `window`. A `max` of 0 is taken as 1; a
    /// zero `window` lets everything through.
    pub fn new(max: u32, window: Duration) -> Self {
        let max = usize::try_from(max.max(1)).unwrap_or(usize::MAX);
        Self {
            shared: Arc::new(Shared {
                max,
                window,
                state: Mutex::new(State {
                    slots: VecDeque::with_capacity(max.min(4096)),
                    paused_until: None,
                }),
                external: None,
            }),
        }
    }

    /// A limiter whose slots `shared` hands out (for example one budget
    /// that every replica of an app shares through Redis); `max` and
    /// `window` describe its limit.
    pub fn shared(shared: impl SharedLimiter, max: u32, window: Duration) -> Self {
        let limiter = Self::new(max, window);
        Self {
            shared: Arc::new(Shared {
                max: limiter.shared.max,
                window,
                state: Mutex::new(State::default()),
                external: Some(Arc::new(shared)),
            }),
        }
    }

    /// The API's documented burst limit: 100 requests per 10 seconds.
    pub fn burst_limit() -> Self {
        Self::new(BURST_LIMIT, BURST_WINDOW)
    }

    /// Requests allowed per window.
    pub fn max(&self) -> u32 {
        u32::try_from(self.shared.max).unwrap_or(u32::MAX)
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.shared.window
    }

    /// Reserves the next free slot, unless it starts after `deadline`, and
    /// returns when it starts.
    fn reserve(&self, now: Instant, deadline: Instant) -> Option<Instant> {
        let shared = &*self.shared;
        let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut start = now;
        if let Some(paused) = state.paused_until {
            start = start.max(paused);
        }
        if state.slots.len() >= shared.max {
            if let Some(oldest) = state.slots.front() {
                start = start.max(*oldest + shared.window);
            }
        }
        if start > deadline {
            return None;
        }
        if state.slots.len() >= shared.max {
            state.slots.pop_front();
        }
        state.slots.push_back(start);
        Some(start)
    }

    /// Waits for a slot. `Err` when none is free before `deadline` (nothing
    /// is reserved then).
    pub(crate) async fn acquire(&self, deadline: Instant) -> Result<Duration, ()> {
        if let Some(external) = &self.shared.external {
            return external.acquire(deadline).await;
        }
        let now = Instant::now();
        let start = self.reserve(now, deadline).ok_or(())?;
        let wait = start.saturating_duration_since(now);
        if !wait.is_zero() {
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "waiting for the client-side rate limiter"
            );
            tokio::time::sleep_until(start).await;
        }
        Ok(wait)
    }

    /// Counts `starts` (made elsewhere, by the same process) as slots
    /// taken, keeping the last `max`.
    #[cfg(feature = "redis")]
    pub(crate) fn seed(&self, starts: impl IntoIterator<Item = Instant>) {
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<Instant> = state.slots.drain(..).chain(starts).collect();
        all.sort();
        let keep = all.len().saturating_sub(self.shared.max);
        state.slots = all.into_iter().skip(keep).collect();
    }

    /// Holds every slot back until `until` (the server asked to wait).
    pub(crate) fn pause_until(&self, until: Instant) {
        if let Some(external) = &self.shared.external {
            external.pause(until.saturating_duration_since(Instant::now()));
            return;
        }
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
    }
}

/// The future [`SharedLimiter::acquire`] returns.
pub type LimitFuture<'a> = Pin<Box<dyn Future<Output = Result<Duration, ()>> + Send + 'a>>;

/// A limiter shared beyond this process (several replicas of an app), for
/// [`RateLimiter::shared`].
pub trait SharedLimiter: Send + Sync + 'static {
    /// Waits for a slot and returns how long it waited; `Err` when none
    /// starts before `deadline` (nothing is reserved then, and the call
    /// fails as a timeout without being sent).
    fn acquire(&self, deadline: Instant) -> LimitFuture<'_>;

    /// The server answered 429 and asked to wait this long: hold back
    /// every client sharing the limit. Called from a tokio task; it must
    /// not block (spawn what takes time).
    fn pause(&self, wait: Duration);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_never_exceed_max_in_any_window() {
        let limiter = RateLimiter::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        let far = t0 + Duration::from_secs(3600);
        let starts: Vec<Instant> = (0..7)
            .map(|_| limiter.reserve(t0, far).expect("slot"))
            .collect();
        let offsets: Vec<u64> = starts.iter().map(|s| (*s - t0).as_secs()).collect();
        assert_eq!(offsets, [0, 0, 0, 10, 10, 10, 20]);
    }

    #[test]
    fn a_slot_after_the_deadline_is_refused_and_not_reserved() {
        let limiter = RateLimiter::new(1, Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(limiter.reserve(t0, t0), Some(t0));
        assert_eq!(limiter.reserve(t0, t0 + Duration::from_secs(5)), None);
        let next = limiter.reserve(t0, t0 + Duration::from_secs(60));
        assert_eq!(next, Some(t0 + Duration::from_secs(10)));
    }

    #[test]
    fn a_pause_holds_slots_back() {
        let limiter = RateLimiter::new(100, Duration::from_secs(10));
        let t0 = Instant::now();
        limiter.pause_until(t0 + Duration::from_secs(2));
        let far = t0 + Duration::from_secs(60);
        assert_eq!(limiter.reserve(t0, far), Some(t0 + Duration::from_secs(2)));
    }
}
