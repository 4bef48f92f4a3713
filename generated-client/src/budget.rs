//! The API's rate limits as one budget that every replica of an app
//! shares through Redis (feature `redis`).
//!
//! The vendor counts 100 requests per 10 seconds and 200,000 per day for
//! each Marketplace app and each Location or Company. A client-side
//! [`RateLimiter`] per process lets four replicas send 400 per 10 s; a
//! [`RedisBudget`] keeps them together:
//!
//! ```no_run
//! use leadconnector::{budget, Client, Fallback};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let shared = budget::shared_budget("redis://10.0.0.5:6379/", "my-client-id")
//!     // While Redis is away, each of the 4 replicas keeps to a quarter.
//!     .replicas(4)
//!     .fallback(Fallback::Local)
//!     .build()?;
//! let client = Client::builder("location-access-token")
//!     .rate_limiter(budget::location_limiter(&shared, "ve9EPM428h8vShlRW1KT"))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! With [`Locations`](crate::oauth::Locations), set it once with
//! [`LocationsBuilder::rate_budget`](crate::oauth::LocationsBuilder::rate_budget).

use crate::{RateLimiter, RedisBudget, RedisBudgetBuilder, BURST_LIMIT, BURST_WINDOW};

/// The API's documented daily limit per app and Location or Company.
pub const DAILY_LIMIT: u64 = 200_000;

/// A budget on the Redis at `redis_url` with the API's limits for the app
/// `client_id` (100 per 10 s, 200,000 per day; keys `leadconnector:<client
/// id>:{location:<id>}`): configure its fallback and replica count, then
/// build it.
pub fn shared_budget(redis_url: impl Into<String>, client_id: &str) -> RedisBudgetBuilder {
    RedisBudget::builder(redis_url)
        .prefix(format!("leadconnector:{client_id}"))
        .limit(BURST_LIMIT, BURST_WINDOW)
        .daily_limit(Some(DAILY_LIMIT))
}

/// The rate limiter of Location `location_id`'s client.
pub fn location_limiter(budget: &RedisBudget, location_id: &str) -> RateLimiter {
    budget
        .limiter(&format!("location:{location_id}"))
        .into_rate_limiter()
}

/// The rate limiter of Company `company_id`'s client (Agency calls).
pub fn company_limiter(budget: &RedisBudget, company_id: &str) -> RateLimiter {
    budget
        .limiter(&format!("company:{company_id}"))
        .into_rate_limiter()
}
