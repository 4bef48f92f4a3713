//! OAuth 2.0 for Marketplace apps: the install URL, the authorization-code
//! exchange, Location tokens from an Agency token, and [`OAuthTokens`], a
//! token source that refreshes itself without ever losing a refresh token.
//!
//! [`types`] and [`Client`] (the two token operations) are generated from
//! `spec/oauth.yaml`; the rest of this module is written by hand on them.

mod app;
mod install;
mod locations;
// Generated files are formatted by prettyplease; rustfmt would fight it.
#[rustfmt::skip]
mod operations;
mod pair;
mod renewer;
pub mod store;
// The token endpoints' server layer (feature `server`), for mock servers.
#[cfg(feature = "server")]
#[rustfmt::skip]
pub mod server;
mod tokens;
#[rustfmt::skip]
pub mod types;

pub use app::{OAuthApp, OAuthAppBuilder};
pub use install::{AuthorizationUrl, STANDARD_INSTALL_HOST, WHITE_LABEL_INSTALL_HOST};
pub use locations::{Locations, LocationsBuilder};
pub use operations::*;
pub use pair::TokenPair;
pub use store::{MemoryStore, StoredPair, TokenKey, TokenStore};
pub use tokens::{
    OAuthTokens, OAuthTokensBuilder, StoredTokensBuilder, DEFAULT_REFRESH_MARGIN,
    SAVE_RETRY_INTERVAL,
};

impl Client {
    /// Starts configuring an OAuth client whose bearer token comes from
    /// `source`: for [`Client::get_location_access_token`], an Agency
    /// token (an [`OAuthTokens`] for a Company install, or a static token).
    pub fn builder_with_tokens(source: impl crate::TokenSource) -> crate::ClientBuilder<Self> {
        crate::ClientBuilder::with_token_source(source, Self::DEFAULT_BASE_URL)
    }
}
