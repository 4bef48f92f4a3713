//! A running mock: [`MockServer::start`] binds a loopback port and serves the
//! contacts API and the token endpoints there, on the caller's tokio
//! runtime; the handle seeds, inspects and scripts it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use leadconnector::types::{Appointment, Contact, Note, Task};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{Grant, Resource, CONTACT_SCOPES};
use crate::clock::Clock;
use crate::faults::FaultRule;
use crate::http::Middleware;
use crate::log::Received;
use crate::ratelimit::Limits;
use crate::seed::{self, SeedFile};
use crate::shared::Shared;
use crate::store::{Access, DuplicateSettings, Enrolment};
use crate::webhooks::{Delivery, PUBLIC_KEY_PEM};

/// How to start a mock. `MockServer::builder().seed(7).start().await`.
#[derive(Clone, Debug)]
pub struct MockBuilder {
    seed: u64,
    clock: Option<Clock>,
    start_time: Option<DateTime<Utc>>,
    limits: Limits,
    access_token_lifetime: Option<Duration>,
    addr: SocketAddr,
    data: SeedFile,
    log_limit: usize,
}

impl Default for MockBuilder {
    fn default() -> Self {
        Self {
            seed: 0,
            clock: None,
            start_time: None,
            limits: Limits::default(),
            access_token_lifetime: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data: SeedFile::default(),
            log_limit: 100_000,
        }
    }
}

impl MockBuilder {
    /// The seed every id, token, trace id, webhook id and fault probability
    /// follows from (default 0). The same seed and the same requests in the
    /// same order give the same answers.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The time the mock's clock reads at start (default
    /// `2025-01-01T00:00:00Z`); it advances with tokio's clock.
    #[must_use]
    pub fn start_time(mut self, start: DateTime<Utc>) -> Self {
        self.start_time = Some(start);
        self
    }

    /// A clock that stands still at the start time: every stamp the mock
    /// writes is the same (for snapshot comparisons). Tokens then never
    /// expire and rate-limit windows never close.
    #[must_use]
    pub fn frozen_clock(mut self) -> Self {
        self.clock = Some(Clock::frozen(self.start_time.unwrap_or_else(|| {
            crate::clock::from_millis(crate::clock::DEFAULT_START)
        })));
        self
    }

    /// How many requests the log keeps (default 100,000; the oldest are
    /// dropped first).
    #[must_use]
    pub fn log_limit(mut self, limit: usize) -> Self {
        self.log_limit = limit;
        self
    }

    /// Starts the clock at the system's time (for webhooks checked against
    /// `Utc::now()`, and for manual runs).
    #[must_use]
    pub fn system_clock(mut self) -> Self {
        self.clock = Some(Clock::system());
        self
    }

    /// Rate limits other than the vendor's 100 per 10 s and 200,000 a day.
    #[must_use]
    pub fn rate_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How long OAuth access tokens live (the vendor: 86,399 s).
    #[must_use]
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = Some(lifetime);
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Data to start with (see [the `seed` module](crate::seed)).
    #[must_use]
    pub fn data(mut self, data: SeedFile) -> Self {
        self.data = data;
        self
    }

    /// Binds the address and serves on a task of the current tokio runtime.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound, or the seed data is inconsistent.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let clock = match (self.clock, self.start_time) {
            (Some(clock), _) => clock,
            (None, Some(start)) => Clock::starting_at(start),
            (None, None) => Clock::fixed_start(),
        };
        let shared = Arc::new(Shared::new(self.seed, clock, self.limits, self.log_limit));
        if let Some(lifetime) = self.access_token_lifetime {
            shared.auth().access_seconds = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        }
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        seed::apply(&mut shared.store_mut(), &self.data, clock.now_millis()).map_err(invalid)?;
        let location_id = match self.data.locations.first() {
            Some(first) => first.id.clone(),
            None => shared
                .store_mut()
                .add_location(DuplicateSettings::default()),
        };
        let token = {
            let mut auth = shared.auth();
            for t in &self.data.tokens {
                auth.insert_fixed_token(&t.token, location_grant(&t.location_id, t.scopes.clone()));
            }
            for app in &self.data.oauth_apps {
                auth.insert_app(&app.client_id, &app.client_secret);
            }
            auth.new_fixed_token(location_grant(&location_id, None))
        };
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let service = Middleware::new(Arc::clone(&shared), &base_url, &location_id);
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(leadconnector::server_support::serve(
            listener,
            service,
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            },
        ));
        Ok(MockServer {
            shared,
            base_url,
            addr,
            location_id,
            token,
            stop,
        })
    }
}

pub(crate) fn location_grant(location_id: &str, scopes: Option<Vec<String>>) -> Grant {
    Grant {
        resource: Resource::Location(location_id.to_owned()),
        scopes: scopes.unwrap_or_else(|| CONTACT_SCOPES.iter().map(|s| (*s).to_owned()).collect()),
        user_id: "mock-user".to_owned(),
    }
}

/// A Location added to a running mock, with a token for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockLocation {
    /// Its id.
    pub id: String,
    /// A private integration token with the contacts scopes, for it only.
    pub token: String,
}

/// A running mock. Dropping it stops the server (connections already open
/// finish on their own tasks).
#[derive(Debug)]
pub struct MockServer {
    shared: Arc<Shared>,
    base_url: String,
    addr: SocketAddr,
    location_id: String,
    token: String,
    stop: watch::Sender<bool>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl MockServer {
    /// A mock with the defaults (seed 0, the vendor's limits, the clock at
    /// `2025-01-01T00:00:00Z`), one Location and a token for it.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub async fn start() -> MockServer {
        Self::builder()
            .start()
            .await
            .expect("binding a free loopback port")
    }

    /// Configures a mock.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    // ----- where it is ----------------------------------------------------

    /// `http://127.0.0.1:<port>`: the client's `base_url`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The default Location (the first seeded one, or one the mock made).
    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    /// A private integration token for the default Location, with the
    /// contacts scopes.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// A client for the default Location, pointed at the mock.
    ///
    /// # Panics
    ///
    /// Never for the mock's own token and URL.
    pub fn client(&self) -> leadconnector::Client {
        self.client_builder()
            .build()
            .expect("the mock's token and URL make a client")
    }

    /// A client builder with the mock's URL and token, to change (retries,
    /// timeouts, ...) before `build()`.
    pub fn client_builder(&self) -> leadconnector::ClientBuilder<leadconnector::Client> {
        leadconnector::Client::builder(self.token.as_str()).base_url(self.base_url.as_str())
    }

    /// The mock's clock now: what its `dateAdded`, token expiry and webhook
    /// `timestamp`s follow (it advances with tokio's clock).
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// The mock's clock, to read later (a webhook handler checks timestamps
    /// against it).
    pub fn clock(&self) -> Clock {
        self.shared.clock
    }

    // ----- Locations and tokens -------------------------------------------

    /// A new Location with these duplicate settings, and a token for it.
    pub fn add_location(&self, settings: DuplicateSettings) -> MockLocation {
        let id = self.shared.store_mut().add_location(settings);
        let token = self
            .shared
            .auth()
            .new_fixed_token(location_grant(&id, None));
        MockLocation { id, token }
    }

    /// Changes a Location's "Allow Duplicate Contact" setting (adds the
    /// Location if it is new).
    pub fn set_duplicate_settings(&self, location_id: &str, settings: DuplicateSettings) {
        self.shared
            .store_mut()
            .insert_location(location_id, settings);
    }

    /// Accepts `token` for `location_id` with `scopes` (`None`: the
    /// contacts scopes). A token with fewer scopes gets the vendor's 401
    /// for the operations that need the others.
    pub fn add_token(&self, token: &str, location_id: &str, scopes: Option<&[&str]>) {
        let scopes = scopes.map(|s| s.iter().map(|s| (*s).to_owned()).collect());
        self.shared
            .auth()
            .insert_fixed_token(token, location_grant(location_id, scopes));
    }

    // ----- data -----------------------------------------------------------

    /// Adds seed data (Locations, contacts with their tasks and notes,
    /// tokens, OAuth apps).
    ///
    /// # Errors
    ///
    /// When a contact has no id.
    pub fn seed(&self, data: &SeedFile) -> Result<(), String> {
        seed::apply(
            &mut self.shared.store_mut(),
            data,
            self.shared.clock.now_millis(),
        )?;
        let mut auth = self.shared.auth();
        for t in &data.tokens {
            auth.insert_fixed_token(&t.token, location_grant(&t.location_id, t.scopes.clone()));
        }
        for app in &data.oauth_apps {
            auth.insert_app(&app.client_id, &app.client_secret);
        }
        Ok(())
    }

    /// Stores `contact` as given in the default Location (an id is drawn
    /// when it has none); returns its id.
    pub fn insert_contact(&self, mut contact: Contact) -> String {
        let mut store = self.shared.store_mut();
        if contact.id.is_empty() {
            contact.id = store.new_id();
        }
        let now = self.shared.clock.now_millis();
        store
            .seed_contact(&self.location_id, &contact, now)
            .expect("the contact has an id");
        contact.id
    }

    /// Adds an appointment to a contact (the mock has no calendar API).
    ///
    /// # Errors
    ///
    /// When there is no such contact.
    pub fn add_appointment(
        &self,
        contact_id: &str,
        appointment: Appointment,
    ) -> Result<(), String> {
        self.shared
            .store_mut()
            .seed_appointment(contact_id, appointment)
            .map_err(|e| e.to_string())
    }

    /// A contact as `getContact` returns it.
    pub fn contact(&self, id: &str) -> Option<Contact> {
        self.shared
            .store()
            .get_contact(Access::Any, id)
            .ok()
            .map(|r| r.contact)
    }

    /// Every contact of every Location, ordered by id.
    pub fn contacts(&self) -> Vec<Contact> {
        let store = self.shared.store();
        let mut all: Vec<Contact> = store.entries().map(|e| e.record.to_contact()).collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// How many contacts the mock holds.
    pub fn contact_count(&self) -> usize {
        self.shared.store().contact_count()
    }

    /// A contact's tasks.
    pub fn tasks(&self, contact_id: &str) -> Vec<Task> {
        self.shared
            .store()
            .entry(Access::Any, contact_id)
            .map(|e| e.tasks.clone())
            .unwrap_or_default()
    }

    /// A contact's notes.
    pub fn notes(&self, contact_id: &str) -> Vec<Note> {
        self.shared
            .store()
            .entry(Access::Any, contact_id)
            .map(|e| e.notes.clone())
            .unwrap_or_default()
    }

    /// The campaigns a contact is in, with how often it was added.
    pub fn campaigns(&self, contact_id: &str) -> BTreeMap<String, u32> {
        self.shared
            .store()
            .entry(Access::Any, contact_id)
            .map(|e| e.campaigns.clone())
            .unwrap_or_default()
    }

    /// The workflows a contact is in.
    pub fn workflows(&self, contact_id: &str) -> BTreeMap<String, Enrolment> {
        self.shared
            .store()
            .entry(Access::Any, contact_id)
            .map(|e| e.workflows.clone())
            .unwrap_or_default()
    }

    /// Everything the mock holds, in the seed file's shape.
    pub fn export(&self) -> SeedFile {
        seed::export(&self.shared.store())
    }

    /// [`export`](Self::export) as JSON: two mocks with equal snapshots
    /// hold the same data.
    pub fn snapshot(&self) -> serde_json::Value {
        seed::snapshot(&self.shared.store())
    }

    /// The number of writes applied so far.
    pub fn revision(&self) -> u64 {
        self.shared.store().revision()
    }

    // ----- faults and limits ----------------------------------------------

    /// Adds a fault rule (see [`FaultRule`]).
    pub fn fault(&self, rule: FaultRule) {
        self.shared.faults().add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Changes the rate limits (counts so far are kept).
    pub fn set_rate_limits(&self, limits: Limits) {
        self.shared.limiter().set_limits(limits);
    }

    /// Forgets every rate-limit count.
    pub fn reset_rate_limits(&self) {
        self.shared.limiter().reset();
    }

    // ----- requests -------------------------------------------------------

    /// Every request received so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Received> {
        let mut all: Vec<Received> = self.shared.log().iter().cloned().collect();
        all.sort_by_key(|r| r.seq);
        all
    }

    /// The requests received for `operation` (an `operationId`).
    pub fn requests_for(&self, operation: &str) -> Vec<Received> {
        let mut all = self.requests();
        all.retain(|r| r.operation == Some(operation));
        all
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.log().clear();
    }

    // ----- OAuth ------------------------------------------------------------

    /// Registers an OAuth app for the token endpoint.
    pub fn add_oauth_app(&self, client_id: &str, client_secret: &str) {
        self.shared.auth().insert_app(client_id, client_secret);
    }

    /// An install of `client_id` on `location_id` with `scopes`: the
    /// authorization code the redirect to `redirect_uri` would carry.
    pub fn install(
        &self,
        client_id: &str,
        redirect_uri: &str,
        location_id: &str,
        scopes: &[&str],
    ) -> String {
        let now = self.shared.clock.now_millis();
        let mut auth = self.shared.auth();
        let user_id = auth.new_user_id();
        let grant = Grant {
            resource: Resource::Location(location_id.to_owned()),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            user_id,
        };
        auth.authorize(client_id, redirect_uri, grant, now)
    }

    /// An install on an Agency (Company) with `scopes` (`oauth.write` to ask
    /// for Location tokens).
    pub fn install_company(
        &self,
        client_id: &str,
        redirect_uri: &str,
        company_id: &str,
        scopes: &[&str],
    ) -> String {
        let now = self.shared.clock.now_millis();
        let mut auth = self.shared.auth();
        let user_id = auth.new_user_id();
        let grant = Grant {
            resource: Resource::Company(company_id.to_owned()),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            user_id,
        };
        auth.authorize(client_id, redirect_uri, grant, now)
    }

    /// Makes an OAuth access token expire now; `false` when the mock did
    /// not issue it.
    pub fn expire_token(&self, access_token: &str) -> bool {
        let now = self.shared.clock.now_millis();
        self.shared.auth().expire(access_token, now)
    }

    // ----- webhooks ---------------------------------------------------------

    /// Sends every later contact event to `url` (POST, signed).
    pub fn register_webhook(&self, url: &str) {
        self.shared.webhooks.register(url);
    }

    /// Every webhook delivery so far.
    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.shared.webhooks.deliveries()
    }

    /// Waits until every webhook queued so far is delivered or abandoned.
    pub async fn webhooks_idle(&self) {
        self.shared.webhooks.idle().await;
    }

    /// The public key of the mock's webhook signatures (PEM).
    pub fn webhook_public_key_pem() -> &'static str {
        PUBLIC_KEY_PEM
    }

    /// The public key of the mock's webhook signatures, for
    /// `leadconnector::webhooks::Verifier::with_keys`.
    ///
    /// # Panics
    ///
    /// Never: the key is committed with the crate and tested.
    pub fn webhook_public_key() -> leadconnector::webhooks::PublicKey {
        leadconnector::webhooks::PublicKey::from_pem(PUBLIC_KEY_PEM).expect("the mock's key parses")
    }

    /// Stops serving and waits a moment for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        tokio::task::yield_now().await;
    }
}
