//! The mock's clock: one place every time in the mock comes from.
//!
//! Times advance with tokio's clock, so a test on a paused runtime
//! (`#[tokio::test(start_paused = true)]`, `tokio::time::advance`) moves
//! token expiry, rate-limit windows, webhook retries and `dateAdded` /
//! `dateUpdated` together, without waiting, and deterministically.

use std::fmt;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use tokio::time::Instant;

/// The time the default clock starts at (`2025-01-01T00:00:00Z`), so that two
/// runs with the same seed stamp the same times.
pub const DEFAULT_START: i64 = 1_735_689_600_000;

/// A UTC clock that starts at a chosen time and advances with tokio's
/// [`Instant`] (or stands still). Cheap to copy.
#[derive(Clone, Copy)]
pub struct Clock {
    start_utc: DateTime<Utc>,
    start: Instant,
    frozen: bool,
}

impl Clock {
    /// A clock that reads `start` now and advances with tokio's clock.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            start_utc: start,
            start: Instant::now(),
            frozen: false,
        }
    }

    /// A clock that always reads `at`: every time the mock stamps is the
    /// same, so runs that apply the same writes in the same order hold
    /// byte-identical data whatever their timing. Tokens then never expire
    /// and rate-limit windows never close.
    pub fn frozen(at: DateTime<Utc>) -> Self {
        Self {
            frozen: true,
            ..Self::starting_at(at)
        }
    }

    /// A clock that reads the system's time now and advances with tokio's
    /// clock: for a mock run by hand, where webhook timestamps must be
    /// close to the receiver's own clock.
    pub fn system() -> Self {
        Self::starting_at(Utc::now())
    }

    /// A clock starting at [`DEFAULT_START`].
    pub fn fixed_start() -> Self {
        Self::starting_at(from_millis(DEFAULT_START))
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        if self.frozen {
            return self.start_utc;
        }
        let elapsed = Instant::now().saturating_duration_since(self.start);
        self.start_utc + chrono::Duration::from_std(elapsed).unwrap_or(chrono::TimeDelta::MAX)
    }

    /// The current time in milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::fixed_start()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock").field("now", &self.now()).finish()
    }
}

/// A time in milliseconds since the Unix epoch as a UTC time (clamped to
/// what chrono can hold).
pub fn from_millis(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A time as the vendor writes it: RFC 3339 in UTC with milliseconds
/// (`2021-07-02T05:18:26.704Z`).
pub fn format_millis(millis: i64) -> String {
    from_millis(millis).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a time a request or a search filter gives: RFC 3339, a date
/// (`YYYY-MM-DD`, midnight UTC), or milliseconds since the epoch.
pub fn parse_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
    }
    text.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn advances_with_tokio_time() {
        let clock = Clock::fixed_start();
        assert_eq!(clock.now_millis(), DEFAULT_START);
        tokio::time::advance(std::time::Duration::from_millis(1500)).await;
        assert_eq!(clock.now_millis(), DEFAULT_START + 1500);
        assert_eq!(
            format_millis(clock.now_millis()),
            "2025-01-01T00:00:01.500Z"
        );
    }

    #[test]
    fn parses_the_forms_filters_use() {
        assert_eq!(
            parse_millis("2025-01-01T00:00:01.500Z"),
            Some(DEFAULT_START + 1500)
        );
        assert_eq!(parse_millis("2025-01-01"), Some(DEFAULT_START));
        assert_eq!(parse_millis("1735689600000"), Some(DEFAULT_START));
        assert_eq!(parse_millis("yesterday"), None);
    }
}
