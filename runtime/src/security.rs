//! Security schemes: what a generated client declares about its API
//! ([`ApiClient`]: the spec's `securitySchemes` and `security`), and the
//! credentials a client sends for each, chosen per operation.
//!
//! An operation's `security` lists alternatives; each alternative names the
//! schemes sent together. The client sends the first alternative it has
//! credentials for; an empty alternative (or `security: []`) sends nothing.
//! Credentials never reach `Debug` output, errors or logs: header values
//! are marked sensitive, and a URL carrying a query-string key has it
//! replaced wherever the runtime shows it.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, COOKIE};
use reqwest::Url;

use crate::auth::{SecretString, TokenSource};
use crate::core::Core;

/// Where an API key goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// How a scheme sends credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>`: HTTP bearer, OAuth 2 and OpenID
    /// Connect, from a [`TokenSource`].
    Bearer,
    /// `Authorization: Basic <user:password in base64>`.
    Basic,
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// Where it goes.
        location: KeyLocation,
        /// The header, query parameter or cookie name.
        name: &'static str,
    },
}

/// One scheme of the spec's `securitySchemes`, as generated code declares
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityScheme {
    /// Its name in the spec, which the builder's credential methods take.
    pub name: &'static str,
    /// How it sends credentials.
    pub kind: SchemeKind,
}

impl SecurityScheme {
    /// An HTTP bearer (or OAuth 2, OpenID Connect) scheme.
    pub const fn bearer(name: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Bearer,
        }
    }

    /// An HTTP basic scheme.
    pub const fn basic(name: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Basic,
        }
    }

    /// An API key in the header `header`.
    pub const fn api_key_header(name: &'static str, header: &'static str) -> Self {
        Self::api_key(name, KeyLocation::Header, header)
    }

    /// An API key in the query parameter `parameter`.
    pub const fn api_key_query(name: &'static str, parameter: &'static str) -> Self {
        Self::api_key(name, KeyLocation::Query, parameter)
    }

    /// An API key in the cookie `cookie`.
    pub const fn api_key_cookie(name: &'static str, cookie: &'static str) -> Self {
        Self::api_key(name, KeyLocation::Cookie, cookie)
    }

    const fn api_key(name: &'static str, location: KeyLocation, key: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::ApiKey {
                location,
                name: key,
            },
        }
    }

    /// What the scheme takes and the builder method that gives it, for
    /// messages: ``HTTP basic (`.basic_auth("basic", user, password)`)``.
    pub(crate) fn describe(&self) -> String {
        let name = self.name;
        match self.kind {
            SchemeKind::Bearer => {
                format!("a bearer token (`.bearer_token(\"{name}\", token)` or `.token_source(\"{name}\", source)`)")
            }
            SchemeKind::Basic => {
                format!("HTTP basic (`.basic_auth(\"{name}\", user, password)`)")
            }
            SchemeKind::ApiKey {
                location,
                name: key,
            } => {
                let place = match location {
                    KeyLocation::Header => "header",
                    KeyLocation::Query => "query parameter",
                    KeyLocation::Cookie => "cookie",
                };
                format!("an API key in the {place} `{key}` (`.api_key(\"{name}\", key)`)")
            }
        }
    }
}

/// An operation's `security`: alternatives, each the names of the schemes
/// sent together. `&[]` (like `security: []`) and `&[&[]]` send nothing.
pub type Security = &'static [&'static [&'static str]];

/// What a generated client tells the runtime about its API. Generated code
/// implements it; the builder reads it.
pub trait ApiClient: From<Core> {
    /// The spec's security schemes.
    const SECURITY_SCHEMES: &'static [SecurityScheme];
    /// The document's `security`: what an operation without its own sends.
    const SECURITY: Security;
    /// Each different `security` operations name themselves (for the
    /// builder's check that the client can call every operation).
    const OPERATION_SECURITY: &'static [Security];
    /// The default `User-Agent`.
    const USER_AGENT: &'static str;
}

/// A credential the app gave the builder for one scheme.
#[derive(Clone)]
pub(crate) enum Credential {
    /// A fixed bearer token, checked when the client is built.
    Token(String),
    /// Bearer tokens from a source.
    Source(Arc<dyn TokenSource>),
    /// HTTP basic.
    Basic {
        user: String,
        password: SecretString,
    },
    /// An API key.
    ApiKey(SecretString),
}

impl Credential {
    /// What it is, for messages (never its value).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Token(_) => "a bearer token",
            Self::Source(_) => "a token source",
            Self::Basic { .. } => "HTTP basic credentials",
            Self::ApiKey(_) => "an API key",
        }
    }

    /// Whether it is what `kind` sends.
    pub(crate) fn fits(&self, kind: SchemeKind) -> bool {
        matches!(
            (self, kind),
            (Self::Token(_) | Self::Source(_), SchemeKind::Bearer)
                | (Self::Basic { .. }, SchemeKind::Basic)
                | (Self::ApiKey(_), SchemeKind::ApiKey { .. })
        )
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Token(\"<redacted>\")"),
            Self::Source(_) => f.write_str("TokenSource"),
            Self::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"<redacted>")
                .finish(),
            Self::ApiKey(_) => f.write_str("ApiKey(\"<redacted>\")"),
        }
    }
}

/// A scheme's credential as the transport sends it.
pub(crate) enum Sending {
    /// The `Authorization` header from a token source: the header itself
    /// when the source has one fixed token (built once), else asked before
    /// every attempt.
    Bearer {
        source: Arc<dyn TokenSource>,
        fixed: Option<HeaderValue>,
    },
    /// A header set as it is (basic, an API key header), marked sensitive.
    Header(HeaderName, HeaderValue),
    /// A query parameter.
    Query(&'static str, SecretString),
    /// One `name=value` pair of the `Cookie` header.
    Cookie(String),
}

/// `Basic <user:password in base64>`, marked sensitive.
pub(crate) fn basic_header(user: &str, password: &str) -> Option<HeaderValue> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The credentials of a built client, one slot per scheme of the API.
pub(crate) struct Credentials {
    pub(crate) schemes: &'static [SecurityScheme],
    pub(crate) sending: Vec<Option<Sending>>,
    /// The schemes of the document's requirement the client sends (the
    /// first alternative it can), resolved once; `None` when it can send
    /// none of them.
    pub(crate) default: Option<Vec<usize>>,
    /// The document's requirement, for messages.
    pub(crate) default_security: Security,
    /// The `Authorization` header of the document's requirement when that
    /// is one bearer scheme with a fixed token, and nothing else: the
    /// common case, served without looking at the schemes.
    pub(crate) default_bearer: Option<HeaderValue>,
}

impl Credentials {
    /// The schemes to send for `security`: those of its first alternative
    /// the client has every credential of. `None` when there is none.
    pub(crate) fn resolve(&self, security: Security) -> Option<Vec<usize>> {
        if security.is_empty() {
            return Some(Vec::new());
        }
        security.iter().find_map(|alternative| {
            alternative
                .iter()
                .map(|name| {
                    self.schemes
                        .iter()
                        .position(|s| s.name == *name)
                        .filter(|&i| matches!(self.sending.get(i), Some(Some(_))))
                })
                .collect::<Option<Vec<usize>>>()
        })
    }

    /// The names of the schemes this client has credentials for.
    pub(crate) fn configured(&self) -> Vec<&'static str> {
        self.schemes
            .iter()
            .zip(&self.sending)
            .filter(|(_, sending)| sending.is_some())
            .map(|(scheme, _)| scheme.name)
            .collect()
    }

    /// Sets the static credentials of `plan` (all but bearer tokens) on an
    /// attempt's URL and headers.
    pub(crate) fn apply(&self, plan: &[usize], url: &mut Url, headers: &mut HeaderMap) {
        let mut cookies: Vec<&str> = Vec::new();
        for &i in plan {
            match self.sending.get(i) {
                Some(Some(Sending::Header(name, value))) => {
                    headers.insert(name.clone(), value.clone());
                }
                Some(Some(Sending::Query(name, key))) => {
                    url.query_pairs_mut().append_pair(name, key.expose());
                }
                Some(Some(Sending::Cookie(pair))) => cookies.push(pair),
                _ => {}
            }
        }
        if cookies.is_empty() {
            return;
        }
        let mut cookie = headers
            .get(COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default();
        for pair in cookies {
            if !cookie.is_empty() {
                cookie.push_str("; ");
            }
            cookie.push_str(pair);
        }
        if let Ok(mut value) = HeaderValue::from_str(&cookie) {
            value.set_sensitive(true);
            headers.insert(COOKIE, value);
        }
    }

    /// The bearer scheme of `plan`, if it has one: the `Authorization`
    /// header is the token source's.
    pub(crate) fn bearer(
        &self,
        plan: &[usize],
    ) -> Option<(&Arc<dyn TokenSource>, Option<&HeaderValue>)> {
        plan.iter().find_map(|&i| match self.sending.get(i) {
            Some(Some(Sending::Bearer { source, fixed })) => Some((source, fixed.as_ref())),
            _ => None,
        })
    }

    /// The query parameters of `plan` that hold keys.
    pub(crate) fn secret_params(&self, plan: &[usize]) -> Vec<&'static str> {
        plan.iter()
            .filter_map(|&i| match self.sending.get(i) {
                Some(Some(Sending::Query(name, _))) => Some(*name),
                _ => None,
            })
            .collect()
    }

    /// What `security` needs, for the message of a call the client has no
    /// credentials for: ```headerKey` or `basic` ``.
    pub(crate) fn needed(&self, security: Security) -> String {
        security
            .iter()
            .map(|alternative| {
                alternative
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

impl fmt::Debug for Credentials {
    /// The schemes the client has credentials for, by name; the
    /// credentials as `<redacted>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.configured()
                    .into_iter()
                    .map(|name| (name, "<redacted>")),
            )
            .finish()
    }
}

/// Replaces the values of the query parameters `names` in `url` (a key in
/// the query string) with `REDACTED`.
pub(crate) fn redact_query(url: &mut Url, names: &[&str]) {
    if names.is_empty() || url.query().is_none() {
        return;
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if names.contains(&k.as_ref()) {
                "REDACTED".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_are_replaced() {
        let mut url =
            Url::parse("https://api.example.com/x?page=2&api_key=s3cr%26t&q=a").expect("url");
        redact_query(&mut url, &["api_key"]);
        assert_eq!(
            url.as_str(),
            "https://api.example.com/x?page=2&api_key=REDACTED&q=a"
        );
    }

    #[test]
    fn basic_is_base64_of_user_and_password() {
        let value = basic_header("Aladdin", "open sesame").expect("header");
        assert_eq!(
            value.to_str().ok(),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
        assert!(value.is_sensitive());
    }
}
