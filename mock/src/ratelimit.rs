//! The vendor's rate limits, per Location: a burst of 100 requests per
//! 10 s and 200,000 per day, reported in the `X-RateLimit-*` headers of
//! every answer and enforced with 429 and `Retry-After`.
//!
//! The burst window is fixed: it opens with the first request after the
//! previous one closed and lasts the interval. The day runs from midnight
//! UTC on the mock's clock. A refused request does not count.

use std::collections::HashMap;

use crate::choices::{BURST_MAX, BURST_WINDOW_MS, DAILY_MAX};

/// The limits a mock enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Requests per burst window (the vendor: 100).
    pub burst_max: u32,
    /// The burst window in milliseconds (the vendor: 10,000).
    pub burst_window_ms: i64,
    /// Requests per day (the vendor: 200,000).
    pub daily_max: u32,
}

impl Default for Limits {
    /// The vendor's limits.
    fn default() -> Self {
        Self {
            burst_max: BURST_MAX,
            burst_window_ms: BURST_WINDOW_MS,
            daily_max: DAILY_MAX,
        }
    }
}

/// The five `X-RateLimit-*` headers of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Headers {
    /// `X-RateLimit-Limit-Daily`
    pub limit_daily: u32,
    /// `X-RateLimit-Daily-Remaining`
    pub daily_remaining: u32,
    /// `X-RateLimit-Interval-Milliseconds`
    pub interval_ms: i64,
    /// `X-RateLimit-Max`
    pub max: u32,
    /// `X-RateLimit-Remaining`
    pub remaining: u32,
}

impl Headers {
    /// Name and value of each header, as the vendor names them.
    pub fn pairs(&self) -> [(&'static str, String); 5] {
        [
            ("x-ratelimit-limit-daily", self.limit_daily.to_string()),
            (
                "x-ratelimit-daily-remaining",
                self.daily_remaining.to_string(),
            ),
            (
                "x-ratelimit-interval-milliseconds",
                self.interval_ms.to_string(),
            ),
            ("x-ratelimit-max", self.max.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
        ]
    }
}

/// What the limiter says about one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The headers to answer with.
    pub headers: Headers,
    /// `Some(seconds)`: refuse with 429 and this `Retry-After`.
    pub retry_after: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Window {
    burst_start: i64,
    burst_count: u32,
    day: i64,
    day_count: u32,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Counters per key (a Location id).
#[derive(Debug, Default)]
pub struct RateLimiter {
    limits: Limits,
    windows: HashMap<String, Window>,
}

impl RateLimiter {
    /// A limiter with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            windows: HashMap::new(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Changes the limits (counters are kept).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Forgets every count.
    pub fn reset(&mut self) {
        self.windows.clear();
    }

    /// Counts a request for `key` at `now` (milliseconds), or refuses it.
    pub fn check(&mut self, key: &str, now: i64) -> Decision {
        let limits = self.limits;
        let window = match self.windows.get_mut(key) {
            Some(w) => w,
            None => self.windows.entry(key.to_owned()).or_default(),
        };
        if now >= window.burst_start + limits.burst_window_ms || window.burst_count == 0 {
            window.burst_start = now;
            window.burst_count = 0;
        }
        let day = now.div_euclid(DAY_MS);
        if day != window.day {
            window.day = day;
            window.day_count = 0;
        }
        let ceil_secs = |ms: i64| (ms.max(1) as u64).div_ceil(1000);
        let retry_after = if window.day_count >= limits.daily_max {
            Some(ceil_secs((day + 1) * DAY_MS - now))
        } else if window.burst_count >= limits.burst_max {
            Some(ceil_secs(window.burst_start + limits.burst_window_ms - now))
        } else {
            window.burst_count += 1;
            window.day_count += 1;
            None
        };
        Decision {
            headers: Headers {
                limit_daily: limits.daily_max,
                daily_remaining: limits.daily_max.saturating_sub(window.day_count),
                interval_ms: limits.burst_window_ms,
                max: limits.burst_max,
                remaining: limits.burst_max.saturating_sub(window.burst_count),
            },
            retry_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_refused_until_its_window_closes() {
        let mut limiter = RateLimiter::default();
        let start = 1_000_000;
        for i in 0..100 {
            let d = limiter.check("loc", start + i);
            assert_eq!(d.retry_after, None);
            assert_eq!(d.headers.remaining, 99 - i as u32);
        }
        let refused = limiter.check("loc", start + 2_500);
        assert_eq!(refused.retry_after, Some(8));
        assert_eq!(refused.headers.remaining, 0);
        // Another Location has its own window.
        assert_eq!(limiter.check("other", start + 2_500).retry_after, None);
        let next = limiter.check("loc", start + 10_000);
        assert_eq!((next.retry_after, next.headers.remaining), (None, 99));
        assert_eq!(next.headers.daily_remaining, 200_000 - 101);
    }

    #[test]
    fn the_day_is_counted_to_midnight_utc() {
        let mut limiter = RateLimiter::new(Limits {
            burst_max: 1000,
            burst_window_ms: 10_000,
            daily_max: 3,
        });
        let noon = 12 * 3600 * 1000;
        for _ in 0..3 {
            assert_eq!(limiter.check("loc", noon).retry_after, None);
        }
        assert_eq!(limiter.check("loc", noon).retry_after, Some(12 * 3600));
        assert_eq!(limiter.check("loc", DAY_MS).retry_after, None);
    }
}
