//! What the hand-written part of the crate adds to the generated [`Client`].

use crate::{Client, ClientBuilder, RequestOptions, TokenSource};

impl Client {
    /// Starts configuring a client whose bearer token comes from `source`
    /// before every attempt: an OAuth install that refreshes itself
    /// ([`crate::oauth::OAuthTokens`]) or the app's own [`crate::TokenSource`].
    /// `Client::builder(token)` is the same with a fixed token.
    pub fn builder_with_tokens(source: impl TokenSource) -> ClientBuilder<Self> {
        ClientBuilder::with_token_source(source, Self::DEFAULT_BASE_URL)
    }

    /// A clone of this client whose calls use `options` over the client's
    /// settings. Cheap: it shares the connection pool and the rate limiter.
    #[must_use]
    pub fn with_options(&self, options: RequestOptions) -> Self {
        Self::from(self.core().with_options(&options))
    }
}
