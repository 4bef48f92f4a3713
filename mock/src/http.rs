//! What the mock does around the generated routers, for every request:
//! records it; finds its operation; checks the token (unknown, expired,
//! missing scope: the vendor's 401s), counts it against its Location's rate
//! limits (429 with `Retry-After`); applies a scripted fault; hands it to
//! the generated router (which checks it against the spec and calls the
//! implementation); and stamps the answer with the `X-RateLimit-*` headers.
//!
//! It also serves `GET /v2/oauth/chooselocation` (and `/oauth/chooselocation`),
//! the mock's stand-in for the
//! vendor's install page: it redirects at once to `redirect_uri` with a
//! `code` for the mock's default Location.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use leadconnector::server_support::{
    bearer_token, empty_response, http, json_response, BoxFuture, Operation, RefusalKind, Response,
    Route,
};
use serde_json::json;

use crate::api::ContactsApi;
use crate::auth::{Grant, Resource};
use crate::choices::messages;
use crate::faults::Fault;
use crate::log::Received;
use crate::oauth_api::OAuthApi;
use crate::ratelimit;
use crate::shared::{Caller, Shared};

/// Largest body the mock reads.
const MAX_BODY: usize = 10 << 20;

/// Why the mock closed a connection without answering.
#[derive(Debug)]
pub struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the mock dropped the connection (a scripted fault)")
    }
}

impl std::error::Error for Dropped {}

/// The mock's HTTP service.
#[derive(Clone, Debug)]
pub struct Middleware {
    shared: Arc<Shared>,
    contacts: leadconnector::server::Router<ContactsApi>,
    oauth: leadconnector::oauth::server::Router<OAuthApi>,
    /// The Location installs from `/oauth/chooselocation` are for.
    default_location: Arc<str>,
}

impl Middleware {
    pub fn new(shared: Arc<Shared>, base_url: &str, default_location: &str) -> Self {
        let contacts = ContactsApi {
            shared: Arc::clone(&shared),
            base_url: base_url.into(),
        };
        let oauth = OAuthApi {
            shared: Arc::clone(&shared),
        };
        Self {
            shared,
            contacts: leadconnector::server::Router::new(contacts),
            oauth: leadconnector::oauth::server::Router::new(oauth),
            default_location: default_location.into(),
        }
    }
}

impl hyper::service::Service<http::Request<Incoming>> for Middleware {
    type Response = Response;
    type Error = Dropped;
    type Future = BoxFuture<Result<Response, Dropped>>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.handle(request).await })
    }
}

/// What happened before the router, and what to do after it.
struct Outcome {
    response: Option<Response>,
    fault: Option<Fault>,
    caller: Option<Caller>,
}

impl Middleware {
    async fn handle(&self, request: http::Request<Incoming>) -> Result<Response, Dropped> {
        let started = tokio::time::Instant::now();
        let seq = self.shared.next_seq();
        let at = self.shared.clock.now();
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return Ok(json_response(
                    413,
                    &json!({"statusCode": 413, "message": "Payload Too Large"}),
                ))
            }
        };
        if parts.uri.path().starts_with(crate::admin::PREFIX) {
            return Ok(crate::admin::handle(
                &self.shared,
                &parts.method,
                parts.uri.path(),
                &body,
            ));
        }
        let mut record = Received {
            seq,
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: redacted(&parts.headers),
            body: body.clone(),
            operation: None,
            status: None,
            response_headers: http::HeaderMap::new(),
            response_body: Bytes::new(),
            refusal: None,
            revision: None,
            fault: None,
            at,
            took: Duration::ZERO,
        };
        let result = match self.answer(parts, body, &mut record).await {
            Ok(response) => {
                let (head, body) = response.into_parts();
                let bytes = body
                    .collect()
                    .await
                    .map(|c| c.to_bytes())
                    .unwrap_or_default();
                record.status = Some(head.status.as_u16());
                record.response_headers = head.headers.clone();
                record.refusal = head
                    .extensions
                    .get::<leadconnector::server_support::Refusal>()
                    .filter(|_| record.fault.is_none())
                    .map(|r| r.messages.clone());
                record.response_body = bytes.clone();
                Ok(http::Response::from_parts(head, Full::new(bytes)))
            }
            Err(dropped) => Err(dropped),
        };
        record.took = started.elapsed();
        self.shared.record(record);
        result
    }

    async fn answer(
        &self,
        mut parts: http::request::Parts,
        body: Bytes,
        record: &mut Received,
    ) -> Result<Response, Dropped> {
        let page = parts.uri.path().trim_end_matches('/');
        if parts.method == http::Method::GET
            && (page == "/v2/oauth/chooselocation" || page == "/oauth/chooselocation")
        {
            return Ok(self.install_page(parts.uri.query().unwrap_or("")));
        }
        let path = parts.uri.path().to_owned();
        let oauth = path.starts_with("/oauth/");
        let route = if oauth {
            leadconnector::oauth::server::Router::<OAuthApi>::route(&parts.method, &path)
        } else {
            leadconnector::server::Router::<ContactsApi>::route(&parts.method, &path)
        };
        let operation = match route {
            Route::Found(found) => Some(found.operation),
            _ => None,
        };
        record.operation = operation.map(|o| o.id);
        let before = match operation {
            Some(op) => self.before(op, &parts),
            None => Outcome {
                response: None,
                fault: None,
                caller: None,
            },
        };
        record.fault.clone_from(&before.fault);
        if let Some(response) = before.response {
            return Ok(response);
        }
        if let Some(caller) = &before.caller {
            parts.extensions.insert(caller.clone());
        }
        match &before.fault {
            Some(Fault::Delay(wait)) => tokio::time::sleep(*wait).await,
            Some(Fault::DropBeforeApply) => return Err(Dropped),
            _ => {}
        }
        let request = http::Request::from_parts(parts, Full::new(body));
        let mut response = if oauth {
            self.oauth.handle(request).await
        } else {
            self.contacts.handle(request).await
        };
        if let Some(caller) = &before.caller {
            let applied = caller.applied.load(Ordering::Relaxed);
            record.revision = (applied > 0).then_some(applied);
            add_rate_headers(&mut response, &caller.rate);
        }
        match before.fault {
            Some(Fault::DropAfterApply) => Err(Dropped),
            Some(Fault::MalformedBody) => Ok(malformed(response).await),
            _ => Ok(response),
        }
    }

    /// The token, its scope, the rate limit and the fault script, before the
    /// router sees the request.
    fn before(&self, op: &'static Operation, parts: &http::request::Parts) -> Outcome {
        let mut outcome = Outcome {
            response: None,
            fault: None,
            caller: None,
        };
        if !op.anonymous() {
            // Without a token the router answers its own 401.
            if let Some(token) = bearer_token(&parts.headers) {
                let now = self.shared.clock.now_millis();
                let grant = match self.shared.auth().authenticate(token, now) {
                    Ok(grant) => grant,
                    Err(refusal) => {
                        outcome.response = Some(own_refusal(
                            op,
                            RefusalKind::Unauthorized,
                            vec![refusal.message().to_owned()],
                        ));
                        return outcome;
                    }
                };
                if !op.scopes.iter().all(|s| grant.has_scope(s)) {
                    outcome.response = Some(own_refusal(
                        op,
                        RefusalKind::Unauthorized,
                        vec![messages::MISSING_SCOPE.to_owned()],
                    ));
                    return outcome;
                }
                let decision = self.shared.limiter().check(grant.rate_key(), now);
                if let Some(seconds) = decision.retry_after {
                    outcome.response = Some(too_many(&decision.headers, seconds));
                    return outcome;
                }
                outcome.caller = Some(Caller {
                    grant,
                    rate: decision.headers,
                    applied: Arc::new(AtomicU64::new(0)),
                });
            }
        }
        outcome.fault = self.shared.faults().take(op.id);
        if let Some(Fault::Status(status)) = outcome.fault {
            let mut response = fault_status(op, status);
            if let Some(caller) = &outcome.caller {
                add_rate_headers(&mut response, &caller.rate);
            }
            outcome.response = Some(response);
        }
        outcome
    }

    /// `GET /oauth/chooselocation?client_id&redirect_uri&scope&state`: an
    /// install on the default Location (or `locationId`), redirected at once.
    fn install_page(&self, query: &str) -> Response {
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let (Some(client_id), Some(redirect_uri)) = (get("client_id"), get("redirect_uri")) else {
            return json_response(
                400,
                &json!({"statusCode": 400, "message": "client_id and redirect_uri are required"}),
            );
        };
        let scopes = get("scope")
            .unwrap_or("")
            .split([' ', '+'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let location = get("locationId")
            .unwrap_or(&self.default_location)
            .to_owned();
        let now = self.shared.clock.now_millis();
        let code = {
            let mut auth = self.shared.auth();
            let user_id = auth.new_user_id();
            let grant = Grant {
                resource: Resource::Location(location),
                scopes,
                user_id,
            };
            auth.authorize(client_id, redirect_uri, grant, now)
        };
        let mut target = format!(
            "{redirect_uri}{}code={code}",
            if redirect_uri.contains('?') { '&' } else { '?' }
        );
        if let Some(state) = get("state") {
            target.push_str("&state=");
            target.extend(form_urlencoded::byte_serialize(state.as_bytes()));
        }
        let mut response = empty_response(302);
        if let Ok(value) = http::HeaderValue::from_str(&target) {
            response.headers_mut().insert(http::header::LOCATION, value);
        }
        response
    }
}

/// A refusal of the mock's own (a token it does not accept), shaped as the
/// router's but without the router's [`Refusal`] mark, which the log keeps
/// for requests that break the spec.
///
/// [`Refusal`]: leadconnector::server_support::Refusal
fn own_refusal(op: &'static Operation, kind: RefusalKind, messages: Vec<String>) -> Response {
    let mut response = op.refuse(kind, messages);
    response
        .extensions_mut()
        .remove::<leadconnector::server_support::Refusal>();
    response
}

/// The request's headers for the log, the token replaced.
fn redacted(headers: &http::HeaderMap) -> http::HeaderMap {
    let mut copy = headers.clone();
    if copy.contains_key(http::header::AUTHORIZATION) {
        copy.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer <redacted>"),
        );
    }
    copy
}

/// Adds the rate-limit headers to an answer that has none (the generated
/// success responses carry their own).
fn add_rate_headers(response: &mut Response, rate: &ratelimit::Headers) {
    let headers = response.headers_mut();
    for (name, value) in rate.pairs() {
        if !headers.contains_key(name) {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
}

/// 429: the spec documents no body, only the headers.
fn too_many(rate: &ratelimit::Headers, retry_after: u64) -> Response {
    let mut response = empty_response(429);
    add_rate_headers(&mut response, rate);
    response.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from(retry_after),
    );
    response
}

/// The answer of a `Fault::Status`.
fn fault_status(op: &'static Operation, status: u16) -> Response {
    let kind = match status {
        400 => Some(RefusalKind::Malformed),
        401 => Some(RefusalKind::Unauthorized),
        422 => Some(RefusalKind::Invalid),
        _ => None,
    };
    match (kind, status) {
        (Some(kind), _) if op.refusals.rule(kind).status == status => {
            own_refusal(op, kind, Vec::new())
        }
        (_, 429) => {
            let mut response = empty_response(429);
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(1u32));
            response
        }
        _ => {
            let reason = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            json_response(status, &json!({"statusCode": status, "message": reason}))
        }
    }
}

/// The same answer with its body cut in half (never valid JSON).
async fn malformed(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let cut = if bytes.len() >= 2 {
        bytes.slice(..bytes.len() / 2)
    } else {
        Bytes::from_static(b"{")
    };
    http::Response::from_parts(parts, Full::new(cut))
}
