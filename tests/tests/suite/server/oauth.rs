//! The OAuth spec's server layer: form bodies (`application/x-www-form-urlencoded`)
//! read into their types and checked like JSON ones, and an operation
//! without credentials (`security: []`) beside one that needs a token.

use std::future::Future;
use std::sync::{Arc, Mutex};

use leadconnector::oauth::server::{self, Api, Router};
use leadconnector::oauth::{self, types};
use leadconnector::server_support::{self as support, RequestContext};
use serde_json::{json, Value};

use super::raw;

#[derive(Default)]
struct TokenEndpoint {
    received: Mutex<Vec<(server::GetAccessTokenInput, Option<String>)>>,
}

impl Api for TokenEndpoint {
    fn get_access_token(
        &self,
        input: server::GetAccessTokenInput,
        context: RequestContext,
    ) -> impl Future<Output = server::GetAccessTokenResponse> + Send {
        let token = context.bearer_token().map(str::to_owned);
        self.received.lock().unwrap().push((input, token));
        let body: types::AccessTokenResponse = serde_json::from_value(json!({
            "access_token": "at-1", "token_type": "Bearer", "expires_in": 86399,
            "refresh_token": "rt-2", "userType": "Location", "locationId": "loc-1"
        }))
        .unwrap();
        async move { server::GetAccessTokenResponse::Ok(body) }
    }

    fn get_location_access_token(
        &self,
        input: server::GetLocationAccessTokenInput,
        _context: RequestContext,
    ) -> impl Future<Output = server::GetLocationAccessTokenResponse> + Send {
        let body: types::LocationTokenResponse =
            serde_json::from_value(json!({"locationId": input.body.location_id})).unwrap();
        async move { server::GetLocationAccessTokenResponse::Ok(body) }
    }
}

#[tokio::test]
async fn form_bodies_are_read_typed_and_checked() {
    let endpoint = Arc::new(TokenEndpoint::default());
    let handle = support::spawn(
        "127.0.0.1:0".parse().unwrap(),
        Router::from_arc(Arc::clone(&endpoint)),
    )
    .await
    .unwrap();
    let base = handle.base_url();

    // The client's own refresh request: no bearer token (`security: []`),
    // every field back as sent, the secret included.
    let client = oauth::Client::builder("unused")
        .base_url(&base)
        .max_retries(0)
        .build()
        .unwrap();
    let request = types::AccessTokenRequest::new("client-1", "s3cr&t=", "refresh_token")
        .refresh_token("rt-1")
        .user_type("Location");
    let pair = client.get_access_token(&request).await.expect("200");
    assert_eq!(pair.expires_in, Some(86399));
    let (input, token) = endpoint.received.lock().unwrap().remove(0);
    assert_eq!(input, server::GetAccessTokenInput { body: request });
    assert_eq!(token, None);

    // A form that misses a required field and has an unlisted grant type.
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let answer = raw(
        &base,
        "POST",
        "/oauth/token",
        &form,
        Some("client_secret=x&grant_type=password"),
    )
    .await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body,
        json!({
            "error": "Unprocessable Entity",
            "error_description": "client_id should not be empty; grant_type must be one of the following values: authorization_code, refresh_token",
            "statusCode": 422
        })
    );
    // JSON where the operation takes a form.
    let answer = raw(&base, "POST", "/oauth/token", &[], Some("{}")).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body["error_description"],
        Value::from(
            "Content-Type application/json is not accepted: send application/x-www-form-urlencoded"
        )
    );

    // The other operation needs a bearer token: without one, the 401 says
    // only that (its documented example belongs to another status too).
    let answer = raw(
        &base,
        "POST",
        "/oauth/locationToken",
        &form,
        Some("companyId=c&locationId=l"),
    )
    .await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.body,
        json!({"error": "Unauthorized", "error_description": "Unauthorized", "statusCode": 401})
    );
    assert!(endpoint.received.lock().unwrap().is_empty());
}
