//! [`Locations`]: one client per Location of an app installed on many,
//! from pairs in a shared [`TokenStore`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::OnceCell;

use super::app::OAuthApp;
use super::renewer::Renewer;
use super::store::{TokenKey, TokenStore};
use super::tokens::{OAuthTokens, DEFAULT_REFRESH_MARGIN};
use crate::auth::TokenError;
use crate::ClientBuilder;

type Configure =
    dyn Fn(ClientBuilder<crate::Client>, &str) -> ClientBuilder<crate::Client> + Send + Sync;

type ConfigureAgency =
    dyn FnOnce(ClientBuilder<super::Client>) -> ClientBuilder<super::Client> + Send;

/// Configures a [`Locations`]; made by [`Locations::builder`].
pub struct LocationsBuilder {
    app: OAuthApp,
    store: Arc<dyn TokenStore>,
    margin: Duration,
    http: Option<reqwest::Client>,
    configure: Option<Arc<Configure>>,
    #[cfg(feature = "redis")]
    budget: Option<crate::RedisBudget>,
    agency: Option<(String, Box<ConfigureAgency>)>,
}

impl fmt::Debug for LocationsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocationsBuilder")
            .field("app", &self.app)
            .field("margin", &self.margin)
            .field("agency", &self.agency.as_ref().map(|(id, _)| id))
            .finish_non_exhaustive()
    }
}

impl LocationsBuilder {
    /// The refresh margin of every Location's tokens (see
    /// [`OAuthTokensBuilder::refresh_margin`](super::OAuthTokensBuilder::refresh_margin)).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The HTTP client every Location's client sends through (one
    /// connection pool for all). By default one is built for them.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Configures each Location's client (timeouts, retries, a base URL,
    /// the Location's rate limiter) from the builder and the Location id.
    #[must_use]
    pub fn configure(
        mut self,
        configure: impl Fn(ClientBuilder<crate::Client>, &str) -> ClientBuilder<crate::Client>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.configure = Some(Arc::new(configure));
        self
    }

    /// Gives each Location's client its limiter in `budget`, shared with
    /// every replica ([`budget::location_limiter`](crate::budget::location_limiter)),
    /// before [`configure`](Self::configure) runs.
    #[cfg(feature = "redis")]
    #[must_use]
    pub fn rate_budget(mut self, budget: crate::RedisBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Obtains and renews Location tokens with the Agency (Company) token
    /// stored for `company_id` (`POST /oauth/locationToken`), through the
    /// same store: one replica asks for a Location's token, the others
    /// read it. `configure` sets up the client of that endpoint (its base
    /// URL, for a stand-in server). The Company token itself is refreshed
    /// like any stored pair.
    #[must_use]
    pub fn agency(
        mut self,
        company_id: impl Into<String>,
        configure: impl FnOnce(ClientBuilder<super::Client>) -> ClientBuilder<super::Client>
            + Send
            + 'static,
    ) -> Self {
        self.agency = Some((company_id.into(), Box::new(configure)));
        self
    }

    /// The object, after reading the Agency's pair from the store (when
    /// there is an Agency; Locations' pairs are read when first needed).
    pub async fn build(self) -> Result<Locations, TokenError> {
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .build()
                .map_err(|e| TokenError::other(format!("cannot build the HTTP client: {e}")))?,
        };
        let agency = match self.agency {
            Some((company_id, configure)) => {
                let tokens = self
                    .app
                    .stored_tokens(
                        Arc::clone(&self.store),
                        TokenKey::company(company_id.clone()),
                    )
                    .refresh_margin(self.margin)
                    .load()
                    .await?;
                let builder =
                    super::Client::builder_with_tokens(tokens.clone()).http_client(http.clone());
                let client = configure(builder).build().map_err(TokenError::other)?;
                Some(Agency {
                    company_id,
                    client,
                    tokens,
                })
            }
            None => None,
        };
        Ok(Locations {
            inner: Arc::new(Inner {
                app: self.app,
                store: self.store,
                margin: self.margin,
                http,
                configure: self.configure,
                #[cfg(feature = "redis")]
                budget: self.budget,
                agency,
                clients: Mutex::default(),
            }),
        })
    }
}

/// One client per Location, for an app installed on many: each client's
/// tokens come from the shared [`TokenStore`] (read when the Location is
/// first asked for, then cached), all clients send through one HTTP
/// connection pool, and the store's connection pool is shared too.
///
/// ```no_run
/// use std::sync::Arc;
/// use leadconnector::oauth::{Locations, MemoryStore, OAuthApp};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let app = OAuthApp::new("client-id", "client-secret")?;
/// let locations = Locations::builder(app, Arc::new(MemoryStore::new()))
///     .configure(|client, _location| client.timeout(std::time::Duration::from_secs(20)))
///     .build()
///     .await?;
/// let client = locations.client("ve9EPM428h8vShlRW1KT").await?;
/// client.get_contact("contact-id").await?;
/// # Ok(())
/// # }
/// ```
///
/// Cheap to clone: clones share the clients.
#[derive(Clone)]
pub struct Locations {
    inner: Arc<Inner>,
}

struct Inner {
    app: OAuthApp,
    store: Arc<dyn TokenStore>,
    margin: Duration,
    http: reqwest::Client,
    configure: Option<Arc<Configure>>,
    #[cfg(feature = "redis")]
    budget: Option<crate::RedisBudget>,
    agency: Option<Agency>,
    clients: Mutex<HashMap<String, Arc<OnceCell<Entry>>>>,
}

struct Agency {
    company_id: String,
    /// The token endpoint's client, with the Agency's token.
    client: super::Client,
    tokens: OAuthTokens,
}

#[derive(Clone)]
struct Entry {
    client: crate::Client,
    tokens: OAuthTokens,
}

impl fmt::Debug for Locations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clients = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Locations")
            .field("app", &self.inner.app)
            .field("agency", &self.inner.agency.as_ref().map(|a| &a.company_id))
            .field("clients", &clients)
            .finish_non_exhaustive()
    }
}

impl Locations {
    /// Starts configuring the object for `app`'s installs, whose pairs are
    /// in `store`.
    pub fn builder(app: OAuthApp, store: Arc<dyn TokenStore>) -> LocationsBuilder {
        LocationsBuilder {
            app,
            store,
            margin: DEFAULT_REFRESH_MARGIN,
            http: None,
            configure: None,
            #[cfg(feature = "redis")]
            budget: None,
            agency: None,
        }
    }

    /// The client of `location_id`, made on first use from the pair the
    /// store holds (with an Agency, from a Location token it obtains if
    /// the store holds none). Fails when the store cannot be read or holds
    /// no pair (the app is not installed there); a later call tries again.
    pub async fn client(&self, location_id: &str) -> Result<crate::Client, TokenError> {
        Ok(self.entry(location_id).await?.client)
    }

    /// The token source behind `location_id`'s client.
    pub async fn tokens(&self, location_id: &str) -> Result<OAuthTokens, TokenError> {
        Ok(self.entry(location_id).await?.tokens)
    }

    /// The Agency's token source, when there is one.
    pub fn agency_tokens(&self) -> Option<&OAuthTokens> {
        self.inner.agency.as_ref().map(|a| &a.tokens)
    }

    /// Forgets `location_id`'s client (after an uninstall, or to read its
    /// pair from the store afresh on next use).
    pub fn forget(&self, location_id: &str) {
        self.inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(location_id);
    }

    /// Waits until no token refresh or save of any Location (or of the
    /// Agency) is under way: call it in a graceful shutdown, after the
    /// last request (see [`OAuthTokens::settle`]).
    pub async fn settle(&self) {
        let cells: Vec<Arc<OnceCell<Entry>>> = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for cell in cells {
            if let Some(entry) = cell.get() {
                entry.tokens.settle().await;
            }
        }
        if let Some(agency) = &self.inner.agency {
            agency.tokens.settle().await;
        }
    }

    /// How many Locations have a client now.
    pub fn len(&self) -> usize {
        self.inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no Location has a client yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    async fn entry(&self, location_id: &str) -> Result<Entry, TokenError> {
        let cell = Arc::clone(
            self.inner
                .clients
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(location_id.to_owned())
                .or_default(),
        );
        // One load per Location, however many tasks ask at once; a failed
        // load leaves the cell empty for the next call.
        cell.get_or_try_init(|| self.make(location_id))
            .await
            .cloned()
    }

    async fn make(&self, location_id: &str) -> Result<Entry, TokenError> {
        let inner = &*self.inner;
        let mut tokens = inner
            .app
            .stored_tokens(Arc::clone(&inner.store), TokenKey::location(location_id))
            .refresh_margin(inner.margin);
        if let Some(agency) = &inner.agency {
            tokens = tokens.renewer(Renewer::Agency {
                client: agency.client.clone(),
                company_id: agency.company_id.clone(),
                location_id: location_id.to_owned(),
            });
        }
        let tokens = tokens.load().await?;
        let mut builder =
            crate::Client::builder_with_tokens(tokens.clone()).http_client(inner.http.clone());
        #[cfg(feature = "redis")]
        if let Some(budget) = &inner.budget {
            builder = builder.rate_limiter(crate::budget::location_limiter(budget, location_id));
        }
        if let Some(configure) = &inner.configure {
            builder = configure(builder, location_id);
        }
        let client = builder.build().map_err(TokenError::other)?;
        Ok(Entry { client, tokens })
    }
}
