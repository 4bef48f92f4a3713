//! The API's documented rate limits, for the runtime's client-side
//! [`RateLimiter`].

use std::time::Duration;

use crate::RateLimiter;

/// The API's documented burst limit: requests per window, per app and
/// location.
pub const BURST_LIMIT: u32 = 100;
/// The window of the documented burst limit.
pub const BURST_WINDOW: Duration = Duration::from_secs(10);

/// [`RateLimiter::burst_limit`]: a limiter set to the API's documented
/// burst limit. (`RateLimiter` is the runtime's, so this constructor comes
/// with a trait: `use leadconnector::BurstLimit`.)
///
/// ```
/// use leadconnector::{BurstLimit, Client, RateLimiter};
///
/// # fn build() -> Result<(), leadconnector::BuildError> {
/// let _client: Client = Client::builder("pit-...")
///     .rate_limiter(RateLimiter::burst_limit())
///     .build()?;
/// # Ok(())
/// # }
/// ```
pub trait BurstLimit {
    /// At most [`BURST_LIMIT`] requests per [`BURST_WINDOW`] (100 per 10 s),
    /// counted per app and location: share one limiter between the clients
    /// that call for the same location.
    fn burst_limit() -> Self;
}

impl BurstLimit for RateLimiter {
    fn burst_limit() -> Self {
        RateLimiter::new(BURST_LIMIT, BURST_WINDOW)
    }
}
