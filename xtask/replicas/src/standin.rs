//! Stand-ins for the vendor's servers, strict where the experiments need
//! them to be:
//!
//! - the token endpoint rotates refresh tokens: each works once; using
//!   one again revokes its whole family (every access and refresh token
//!   descended from the same install), as OAuth 2.0 Security BCP 4.14
//!   recommends for reuse detection;
//! - access tokens expire after a set time-to-live;
//! - the contacts API refuses expired, unknown and revoked tokens (401)
//!   and, when told to, enforces a sliding-window rate limit per Location
//!   (429 with `Retry-After`);
//! - `POST /oauth/locationToken` gives Location tokens to a Company token.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use leadconnector::oauth::types::UserType;
use leadconnector::oauth::TokenPair;
use serde_json::json;
use tokio::sync::mpsc;

use crate::http::{self, Request, Response};

/// How the stand-in behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// Access tokens live this long.
    pub ttl: Duration,
    /// A refresh request waits this long before its refresh token is
    /// rotated and the answer sent (a server's work).
    pub processing: Duration,
    /// At most this many API requests per window and Location.
    pub rate_limit: Option<(usize, Duration)>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(3600),
            processing: Duration::ZERO,
            rate_limit: None,
        }
    }
}

/// What the token endpoint saw, as it happens (for the experiments'
/// drivers).
#[derive(Clone, Debug)]
pub enum Event {
    /// A refresh request arrived from replica `replica` (its `x-replica`
    /// header).
    RefreshAsked { replica: Option<u32>, at: Instant },
    /// A refresh token was rotated for `replica`: `spent` no longer works,
    /// `issued` replaces it.
    Rotated {
        replica: Option<u32>,
        spent: String,
        issued: String,
        at: Instant,
    },
    /// A spent refresh token was used again: its family is revoked.
    Reused {
        replica: Option<u32>,
        refresh_token: String,
        at: Instant,
    },
}

/// Counters, read by [`StandIn::stats`].
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub refresh_requests: u64,
    pub rotations: u64,
    pub invalid_grant: u64,
    pub reuse_revocations: u64,
    pub location_tokens: u64,
    pub api_ok: u64,
    pub api_401: u64,
    pub api_429: u64,
    /// From each rotation to the first API request with its new access
    /// token.
    pub rotation_to_first_use: Vec<Duration>,
    /// API requests accepted, with when (for rates).
    pub accepted_at: Vec<Instant>,
    /// API requests accepted per access token.
    pub bearer_uses: HashMap<String, u64>,
}

struct Family {
    location: String,
    company: Option<String>,
    revoked: bool,
}

struct RefreshToken {
    family: usize,
    spent: bool,
}

struct AccessToken {
    family: usize,
    expires: Instant,
    /// When its pair was issued by a rotation (for the first-use delay).
    rotated_at: Option<Instant>,
    used: bool,
}

#[derive(Default)]
struct World {
    families: Vec<Family>,
    refresh: HashMap<String, RefreshToken>,
    access: HashMap<String, AccessToken>,
    windows: HashMap<String, VecDeque<Instant>>,
    stats: Stats,
    serial: u64,
}

/// The stand-in servers (token endpoint and API on one port).
#[derive(Clone)]
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    world: Mutex<World>,
    events: mpsc::UnboundedSender<Event>,
}

impl StandIn {
    /// Starts serving on a loopback port; the receiver gets the token
    /// endpoint's events.
    pub async fn start(config: Config) -> std::io::Result<(Self, mpsc::UnboundedReceiver<Event>)> {
        let (events, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            config,
            world: Mutex::default(),
            events,
        });
        let serving = Arc::clone(&shared);
        let handler: http::Handler = Arc::new(move |request| {
            let shared = Arc::clone(&serving);
            Box::pin(async move { shared.handle(request).await })
        });
        let addr = http::serve(handler).await?;
        Ok((Self { addr, shared }, receiver))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A new install on `location` (a new token family): the pair an app
    /// would get from the code exchange.
    pub fn install(&self, location: &str) -> TokenPair {
        let mut world = self.shared.world();
        world.families.push(Family {
            location: location.to_owned(),
            company: None,
            revoked: false,
        });
        let family = world.families.len() - 1;
        let (access, refresh) = self.shared.issue(&mut world, family, None);
        pair(
            &access,
            &refresh,
            self.shared.config.ttl,
            UserType::Location,
            Some(location),
            None,
        )
    }

    /// A new install on Company `company` (an Agency token family).
    pub fn install_company(&self, company: &str) -> TokenPair {
        let mut world = self.shared.world();
        world.families.push(Family {
            location: format!("company:{company}"),
            company: Some(company.to_owned()),
            revoked: false,
        });
        let family = world.families.len() - 1;
        let (access, refresh) = self.shared.issue(&mut world, family, None);
        pair(
            &access,
            &refresh,
            self.shared.config.ttl,
            UserType::Company,
            None,
            Some(company),
        )
    }

    /// Whether `refresh_token` is the live refresh token of a family that
    /// is not revoked.
    pub fn is_live(&self, refresh_token: &str) -> bool {
        let world = self.shared.world();
        world
            .refresh
            .get(refresh_token)
            .is_some_and(|t| !t.spent && !world.families[t.family].revoked)
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.shared.world().stats.clone()
    }
}

fn pair(
    access: &str,
    refresh: &str,
    ttl: Duration,
    user_type: UserType,
    location: Option<&str>,
    company: Option<&str>,
) -> TokenPair {
    let mut pair = TokenPair::new(
        access,
        refresh,
        chrono::Utc::now() + chrono::Duration::from_std(ttl).expect("a small ttl"),
    )
    .with_user_type(user_type);
    pair.location_id = location.map(str::to_owned);
    pair.company_id = company.map(str::to_owned);
    pair
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new access and refresh token for `family`.
    fn issue(
        &self,
        world: &mut World,
        family: usize,
        rotated_at: Option<Instant>,
    ) -> (String, String) {
        world.serial += 1;
        let salt = fastrand::u64(..);
        let access = format!("at-{family}-{}-{salt:016x}", world.serial);
        let refresh = format!("rt-{family}-{}-{salt:016x}", world.serial);
        world.access.insert(
            access.clone(),
            AccessToken {
                family,
                expires: Instant::now() + self.config.ttl,
                rotated_at,
                used: false,
            },
        );
        world.refresh.insert(
            refresh.clone(),
            RefreshToken {
                family,
                spent: false,
            },
        );
        (access, refresh)
    }

    async fn handle(&self, request: Request) -> Response {
        match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/oauth/token") => self.token(&request).await,
            ("POST", "/oauth/locationToken") => self.location_token(&request),
            ("GET", path) if path.starts_with("/contacts/") => {
                self.contact(&request, &path["/contacts/".len()..])
            }
            _ => Response::json(404, &json!({"statusCode": 404, "message": "not found"})),
        }
    }

    async fn token(&self, request: &Request) -> Response {
        let replica = request.header("x-replica").and_then(|r| r.parse().ok());
        let asked_at = Instant::now();
        self.world().stats.refresh_requests += 1;
        let _ = self.events.send(Event::RefreshAsked {
            replica,
            at: asked_at,
        });
        if request.field("grant_type").as_deref() != Some("refresh_token") {
            return invalid_request("only refresh_token grants here");
        }
        let Some(spent) = request.field("refresh_token") else {
            return invalid_request("refresh_token is missing");
        };
        if !self.config.processing.is_zero() {
            tokio::time::sleep(self.config.processing).await;
        }
        let mut world = self.world();
        let Some(token) = world.refresh.get(&spent) else {
            world.stats.invalid_grant += 1;
            return invalid_grant("unknown refresh token");
        };
        let (family, was_spent) = (token.family, token.spent);
        if was_spent {
            // Reuse: the whole family goes.
            world.families[family].revoked = true;
            world.stats.invalid_grant += 1;
            world.stats.reuse_revocations += 1;
            let _ = self.events.send(Event::Reused {
                replica,
                refresh_token: spent,
                at: Instant::now(),
            });
            return invalid_grant("refresh token already used; the token family is revoked");
        }
        if world.families[family].revoked {
            world.stats.invalid_grant += 1;
            return invalid_grant("the token family is revoked");
        }
        if let Some(token) = world.refresh.get_mut(&spent) {
            token.spent = true;
        }
        let at = Instant::now();
        let (access, issued) = self.issue(&mut world, family, Some(at));
        world.stats.rotations += 1;
        let (location, company) = (
            world.families[family].location.clone(),
            world.families[family].company.clone(),
        );
        drop(world);
        let _ = self.events.send(Event::Rotated {
            replica,
            spent,
            issued: issued.clone(),
            at,
        });
        let user_type = if company.is_some() {
            "Company"
        } else {
            "Location"
        };
        Response::json(
            200,
            &json!({
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.config.ttl.as_secs(),
                "refresh_token": issued,
                "scope": "contacts.readonly contacts.write",
                "userType": user_type,
                "locationId": if company.is_some() { None } else { Some(location) },
                "companyId": company.unwrap_or_else(|| "co-1".into()),
                "userId": "u-1",
            }),
        )
    }

    fn location_token(&self, request: &Request) -> Response {
        let mut world = self.world();
        let company = request
            .bearer()
            .and_then(|t| world.access.get(t))
            .and_then(|t| {
                let family = &world.families[t.family];
                (t.expires > Instant::now() && !family.revoked)
                    .then(|| family.company.clone())
                    .flatten()
            });
        let Some(company) = company else {
            world.stats.api_401 += 1;
            return Response::json(401, &json!({"statusCode": 401, "message": "Invalid JWT"}));
        };
        if request.field("companyId").as_deref() != Some(company.as_str()) {
            return Response::json(
                400,
                &json!({"error": "invalid_request", "error_description": "another company"}),
            );
        }
        let Some(location) = request.field("locationId") else {
            return invalid_request("locationId is missing");
        };
        world.families.push(Family {
            location: location.clone(),
            company: None,
            revoked: false,
        });
        let family = world.families.len() - 1;
        let (access, _) = self.issue(&mut world, family, None);
        world.stats.location_tokens += 1;
        Response::json(
            200,
            &json!({
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.config.ttl.as_secs(),
                "scope": "contacts.readonly",
                "locationId": location,
                "userId": "u-1",
            }),
        )
    }

    fn contact(&self, request: &Request, id: &str) -> Response {
        let now = Instant::now();
        let mut world = self.world();
        let family = request
            .bearer()
            .and_then(|t| world.access.get(t))
            .and_then(|t| {
                (t.expires > now && !world.families[t.family].revoked).then_some(t.family)
            });
        let Some(family) = family else {
            world.stats.api_401 += 1;
            return Response::json(401, &json!({"statusCode": 401, "message": "Invalid JWT"}));
        };
        if let Some(token) = request.bearer().and_then(|t| world.access.get_mut(t)) {
            if !token.used {
                token.used = true;
                if let Some(rotated) = token.rotated_at {
                    world.stats.rotation_to_first_use.push(now - rotated);
                }
            }
        }
        if let Some((max, window)) = self.config.rate_limit {
            let location = world.families[family].location.clone();
            let recent = world.windows.entry(location).or_default();
            while recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                recent.pop_front();
            }
            if recent.len() >= max {
                let oldest = *recent.front().expect("full");
                let wait = (oldest + window).saturating_duration_since(now);
                world.stats.api_429 += 1;
                return Response::json(
                    429,
                    &json!({"statusCode": 429, "message": "Too many requests"}),
                )
                .with_header(
                    "retry-after",
                    wait.as_secs_f64().ceil().max(1.0).to_string(),
                )
                .with_header("x-ratelimit-max", max.to_string())
                .with_header("x-ratelimit-remaining", "0")
                .with_header(
                    "x-ratelimit-interval-milliseconds",
                    window.as_millis().to_string(),
                );
            }
            recent.push_back(now);
        }
        world.stats.api_ok += 1;
        world.stats.accepted_at.push(now);
        if let Some(token) = request.bearer() {
            *world.stats.bearer_uses.entry(token.to_owned()).or_default() += 1;
        }
        Response::json(200, &json!({"contact": {"id": id}}))
    }
}

fn invalid_grant(description: &str) -> Response {
    Response::json(
        400,
        &json!({"error": "invalid_grant", "error_description": description}),
    )
}

fn invalid_request(description: &str) -> Response {
    Response::json(
        422,
        &json!({"error": "invalid_request", "error_description": description}),
    )
}
