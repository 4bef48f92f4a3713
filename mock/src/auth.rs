//! Who may call the mock: fixed tokens (private integration tokens), and
//! the OAuth flow of a Marketplace app: an install gives an authorization
//! code, the code gives a token pair, a refresh gives a new pair and
//! retires the old refresh token (using it again is `invalid_grant`),
//! access tokens expire, and every token carries its scopes.

use std::collections::HashMap;
use std::sync::Arc;

use crate::choices::{messages, ACCESS_TOKEN_SECONDS, CODE_SECONDS, REFRESH_TOKEN_SECONDS};
use crate::ids::Rng;

/// The scopes of the contacts API, which a token gets unless told otherwise.
pub const CONTACT_SCOPES: [&str; 2] = ["contacts.readonly", "contacts.write"];

/// Whom a token acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The Location (for a Location token) or Company (for an Agency token).
    pub resource: Resource,
    /// The scopes it was granted.
    pub scopes: Vec<String>,
    /// The user who installed the app.
    pub user_id: String,
}

/// What a token is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource {
    /// A Location (sub-account).
    Location(String),
    /// A Company (agency).
    Company(String),
}

impl Grant {
    /// Whether the token has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The Location, for a Location token.
    pub fn location_id(&self) -> Option<&str> {
        match &self.resource {
            Resource::Location(id) => Some(id),
            Resource::Company(_) => None,
        }
    }

    /// The key rate limits count under: the Location or Company.
    pub fn rate_key(&self) -> &str {
        match &self.resource {
            Resource::Location(id) | Resource::Company(id) => id,
        }
    }
}

/// Why a token was refused (each a 401 with its message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Unknown.
    Invalid,
    /// Expired.
    Expired,
}

impl TokenRefusal {
    /// The vendor's message.
    pub fn message(self) -> &'static str {
        match self {
            TokenRefusal::Invalid => messages::INVALID_TOKEN,
            TokenRefusal::Expired => messages::EXPIRED_TOKEN,
        }
    }
}

/// A refused token request: an OAuth error code, its description and the
/// status (400 `invalid_grant`, 401 `invalid_client`, 422 `invalid_request`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthRefusal {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl OAuthRefusal {
    fn grant(description: &str) -> Self {
        Self {
            status: 400,
            error: "invalid_grant",
            description: description.to_owned(),
        }
    }
}

/// A token pair as the token endpoint issues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub grant: Grant,
}

#[derive(Clone, Debug)]
struct Expiring {
    grant: Arc<Grant>,
    expires_at: i64,
    client_id: String,
}

#[derive(Clone, Debug)]
struct Code {
    grant: Grant,
    expires_at: i64,
    client_id: String,
    redirect_uri: String,
}

/// Every token, code and app the mock knows.
#[derive(Debug)]
pub struct Auth {
    rng: Rng,
    fixed: HashMap<String, Arc<Grant>>,
    access: HashMap<String, Expiring>,
    refresh: HashMap<String, Expiring>,
    /// Refresh tokens already exchanged (kept to say so in the refusal).
    spent: HashMap<String, String>,
    codes: HashMap<String, Code>,
    apps: HashMap<String, String>,
    /// Lifetime of new access tokens, in seconds.
    pub access_seconds: i64,
}

impl Auth {
    /// No tokens; new ones drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed ^ 0x0A07_0A07_0A07_0A07),
            fixed: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            spent: HashMap::new(),
            codes: HashMap::new(),
            apps: HashMap::new(),
            access_seconds: ACCESS_TOKEN_SECONDS,
        }
    }

    /// A new private integration token for `grant`.
    pub fn new_fixed_token(&mut self, grant: Grant) -> String {
        let token = self.rng.token("pit-", 32);
        self.fixed.insert(token.clone(), Arc::new(grant));
        token
    }

    /// Accepts `token` for `grant`, never expiring.
    pub fn insert_fixed_token(&mut self, token: &str, grant: Grant) {
        self.fixed.insert(token.to_owned(), Arc::new(grant));
    }

    /// Registers an OAuth app.
    pub fn insert_app(&mut self, client_id: &str, client_secret: &str) {
        self.apps
            .insert(client_id.to_owned(), client_secret.to_owned());
    }

    /// Whom `token` acts for at `now` (milliseconds).
    pub fn authenticate(&self, token: &str, now: i64) -> Result<Arc<Grant>, TokenRefusal> {
        if let Some(grant) = self.fixed.get(token) {
            return Ok(Arc::clone(grant));
        }
        match self.access.get(token) {
            Some(t) if t.expires_at > now => Ok(Arc::clone(&t.grant)),
            Some(_) => Err(TokenRefusal::Expired),
            None => Err(TokenRefusal::Invalid),
        }
    }

    /// Makes `token` expire now (as if its day had passed).
    pub fn expire(&mut self, token: &str, now: i64) -> bool {
        match self.access.get_mut(token) {
            Some(t) => {
                t.expires_at = now;
                true
            }
            None => false,
        }
    }

    /// An install: the authorization code the redirect would carry.
    pub fn authorize(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        grant: Grant,
        now: i64,
    ) -> String {
        let code = self.rng.token("", 40);
        self.codes.insert(
            code.clone(),
            Code {
                grant,
                expires_at: now + CODE_SECONDS * 1000,
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
            },
        );
        code
    }

    fn check_client(&self, client_id: &str, client_secret: &str) -> Result<(), OAuthRefusal> {
        match self.apps.get(client_id) {
            Some(secret) if secret == client_secret => Ok(()),
            _ => Err(OAuthRefusal {
                status: 401,
                error: "invalid_client",
                description: "Client authentication failed".to_owned(),
            }),
        }
    }

    fn issue(&mut self, grant: Grant, client_id: &str, now: i64, with_refresh: bool) -> Issued {
        let shared = Arc::new(grant.clone());
        let access_token = self.rng.token("mock-at-", 40);
        self.access.insert(
            access_token.clone(),
            Expiring {
                grant: Arc::clone(&shared),
                expires_at: now + self.access_seconds * 1000,
                client_id: client_id.to_owned(),
            },
        );
        let refresh_token = with_refresh.then(|| {
            let token = self.rng.token("mock-rt-", 40);
            self.refresh.insert(
                token.clone(),
                Expiring {
                    grant: Arc::clone(&shared),
                    expires_at: now + REFRESH_TOKEN_SECONDS * 1000,
                    client_id: client_id.to_owned(),
                },
            );
            token
        });
        Issued {
            access_token,
            refresh_token,
            expires_in: self.access_seconds,
            grant,
        }
    }

    /// `grant_type=authorization_code`.
    pub fn exchange_code(
        &mut self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: Option<&str>,
        now: i64,
    ) -> Result<Issued, OAuthRefusal> {
        self.check_client(client_id, client_secret)?;
        let Some(found) = self.codes.remove(code) else {
            return Err(OAuthRefusal::grant(
                "Invalid grant: authorization code is invalid",
            ));
        };
        if found.client_id != client_id || found.expires_at <= now {
            return Err(OAuthRefusal::grant(
                "Invalid grant: authorization code is invalid",
            ));
        }
        if redirect_uri.is_some_and(|r| r != found.redirect_uri) {
            return Err(OAuthRefusal::grant(
                "Invalid grant: redirect_uri does not match",
            ));
        }
        Ok(self.issue(found.grant, client_id, now, true))
    }

    /// `grant_type=refresh_token`: a new pair; the old refresh token is
    /// spent.
    pub fn refresh(
        &mut self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
        now: i64,
    ) -> Result<Issued, OAuthRefusal> {
        self.check_client(client_id, client_secret)?;
        if self.spent.contains_key(refresh_token) {
            return Err(OAuthRefusal::grant(
                "Invalid grant: refresh token is invalid (it was used already)",
            ));
        }
        let Some(found) = self.refresh.remove(refresh_token) else {
            return Err(OAuthRefusal::grant(
                "Invalid grant: refresh token is invalid",
            ));
        };
        if found.client_id != client_id || found.expires_at <= now {
            self.refresh.insert(refresh_token.to_owned(), found);
            return Err(OAuthRefusal::grant(
                "Invalid grant: refresh token is invalid",
            ));
        }
        self.spent
            .insert(refresh_token.to_owned(), client_id.to_owned());
        Ok(self.issue((*found.grant).clone(), client_id, now, true))
    }

    /// `getLocationAccessToken`: a Location token from a Company token,
    /// without a refresh token.
    pub fn location_token(
        &mut self,
        company: &Grant,
        company_id: &str,
        location_id: &str,
        now: i64,
    ) -> Result<Issued, OAuthRefusal> {
        match &company.resource {
            Resource::Company(id) if id == company_id => {}
            _ => {
                return Err(OAuthRefusal {
                    status: 400,
                    error: "invalid_request",
                    description: "The token is not for this company".to_owned(),
                })
            }
        }
        let grant = Grant {
            resource: Resource::Location(location_id.to_owned()),
            scopes: company
                .scopes
                .iter()
                .filter(|s| !s.starts_with("oauth."))
                .cloned()
                .collect(),
            user_id: company.user_id.clone(),
        };
        let client = self
            .access
            .values()
            .find(|t| *t.grant == *company)
            .map(|t| t.client_id.clone())
            .unwrap_or_default();
        Ok(self.issue(grant, &client, now, false))
    }

    /// A new user id (installs without one).
    pub fn new_user_id(&mut self) -> String {
        self.rng.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            resource: Resource::Location("loc".into()),
            scopes: vec!["contacts.readonly".into()],
            user_id: "u1".into(),
        }
    }

    #[test]
    fn code_then_refresh_rotation_then_invalid_grant() {
        let mut auth = Auth::new(1);
        auth.insert_app("app", "secret");
        let code = auth.authorize("app", "https://app/cb", grant(), 0);
        assert_eq!(
            auth.exchange_code("app", "wrong", &code, None, 1)
                .unwrap_err()
                .error,
            "invalid_client"
        );
        let first = auth
            .exchange_code("app", "secret", &code, Some("https://app/cb"), 1)
            .unwrap();
        // A code works once.
        assert_eq!(
            auth.exchange_code("app", "secret", &code, None, 2)
                .unwrap_err()
                .error,
            "invalid_grant"
        );
        assert_eq!(*auth.authenticate(&first.access_token, 2).unwrap(), grant());
        let old_refresh = first.refresh_token.clone().unwrap();
        let second = auth.refresh("app", "secret", &old_refresh, 3).unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        let reused = auth.refresh("app", "secret", &old_refresh, 4).unwrap_err();
        assert_eq!((reused.status, reused.error), (400, "invalid_grant"));
        assert!(auth
            .refresh("app", "secret", second.refresh_token.as_deref().unwrap(), 5)
            .is_ok());
        // Access tokens expire after their day.
        let expiry = 3 + ACCESS_TOKEN_SECONDS * 1000;
        assert!(auth.authenticate(&second.access_token, expiry - 1).is_ok());
        assert_eq!(
            auth.authenticate(&second.access_token, expiry),
            Err(TokenRefusal::Expired)
        );
        assert_eq!(auth.authenticate("nope", 0), Err(TokenRefusal::Invalid));
    }
}
