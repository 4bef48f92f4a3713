//! The token endpoints (`leadconnector::oauth::server::Api`): the code
//! exchange, the refresh with rotation, and Location tokens from an Agency
//! token.

use std::sync::Arc;

use leadconnector::oauth::server::{self as gen, Api};
use leadconnector::oauth::types::{
    AccessTokenRequest, AccessTokenResponse, GrantType, LocationTokenResponse, OAuthError, UserType,
};
use leadconnector::server_support::RequestContext;
use leadconnector::SecretString;

use crate::auth::{Issued, OAuthRefusal, Resource};
use crate::shared::{Caller, Shared};

/// The token endpoints over a mock's state.
#[derive(Clone, Debug)]
pub struct OAuthApi {
    pub(crate) shared: Arc<Shared>,
}

fn error_body(refusal: &OAuthRefusal, trace_id: String) -> OAuthError {
    let mut body = OAuthError::default();
    body.error = Some(refusal.error.to_owned());
    body.error_description = Some(refusal.description.clone());
    body.status_code = Some(i32::from(refusal.status));
    body.trace_id = Some(trace_id);
    body
}

fn invalid_request(description: &str) -> OAuthRefusal {
    OAuthRefusal {
        status: 422,
        error: "invalid_request",
        description: description.to_owned(),
    }
}

fn pair(issued: Issued) -> AccessTokenResponse {
    let mut body = AccessTokenResponse::default();
    body.access_token = Some(SecretString::new(issued.access_token));
    body.token_type = Some("Bearer".to_owned());
    body.expires_in = Some(issued.expires_in);
    body.refresh_token = issued.refresh_token.map(SecretString::new);
    body.scope = Some(issued.grant.scopes.join(" "));
    body.user_id = Some(issued.grant.user_id.clone());
    match issued.grant.resource {
        Resource::Location(id) => {
            body.user_type = Some(UserType::Location);
            body.location_id = Some(id);
        }
        Resource::Company(id) => {
            body.user_type = Some(UserType::Company);
            body.company_id = Some(id);
        }
    }
    body
}

impl OAuthApi {
    fn exchange(&self, request: &AccessTokenRequest) -> Result<Issued, OAuthRefusal> {
        let now = self.shared.clock.now_millis();
        let secret = request.client_secret.expose();
        let mut auth = self.shared.auth();
        match &request.grant_type {
            GrantType::AuthorizationCode => {
                let code = request.code.as_ref().ok_or_else(|| {
                    invalid_request("code is required with grant_type=authorization_code")
                })?;
                auth.exchange_code(
                    &request.client_id,
                    secret,
                    code.expose(),
                    request.redirect_uri.as_deref(),
                    now,
                )
            }
            GrantType::RefreshToken => {
                let token = request.refresh_token.as_ref().ok_or_else(|| {
                    invalid_request("refresh_token is required with grant_type=refresh_token")
                })?;
                auth.refresh(&request.client_id, secret, token.expose(), now)
            }
            other => Err(invalid_request(&format!(
                "grant_type {other} is not supported"
            ))),
        }
    }
}

impl Api for OAuthApi {
    async fn get_access_token(
        &self,
        input: gen::GetAccessTokenInput,
        _context: RequestContext,
    ) -> gen::GetAccessTokenResponse {
        let gen::GetAccessTokenInput { body } = input;
        match self.exchange(&body) {
            Ok(issued) => gen::GetAccessTokenResponse::Ok(pair(issued)),
            Err(refusal) => {
                let error = error_body(&refusal, self.shared.trace_id());
                match refusal.status {
                    401 => gen::GetAccessTokenResponse::Unauthorized(error),
                    422 => gen::GetAccessTokenResponse::UnprocessableEntity(error),
                    _ => gen::GetAccessTokenResponse::BadRequest(error),
                }
            }
        }
    }

    async fn get_location_access_token(
        &self,
        input: gen::GetLocationAccessTokenInput,
        context: RequestContext,
    ) -> gen::GetLocationAccessTokenResponse {
        let gen::GetLocationAccessTokenInput { body } = input;
        let Some(caller) = context.extensions().get::<Caller>() else {
            let refusal = OAuthRefusal {
                status: 401,
                error: "Unauthorized",
                description: crate::choices::messages::INVALID_TOKEN.to_owned(),
            };
            return gen::GetLocationAccessTokenResponse::Unauthorized(error_body(
                &refusal,
                self.shared.trace_id(),
            ));
        };
        let now = self.shared.clock.now_millis();
        let issued = {
            let known = self.shared.store().location(&body.location_id).is_some();
            let mut auth = self.shared.auth();
            if known {
                auth.location_token(&caller.grant, &body.company_id, &body.location_id, now)
            } else {
                Err(OAuthRefusal {
                    status: 400,
                    error: "invalid_request",
                    description: "The app is not installed on this location".to_owned(),
                })
            }
        };
        match issued {
            Ok(issued) => {
                let mut response = LocationTokenResponse::default();
                response.access_token = Some(SecretString::new(issued.access_token));
                response.token_type = Some("Bearer".to_owned());
                response.expires_in = Some(issued.expires_in);
                response.scope = Some(issued.grant.scopes.join(" "));
                response.location_id = issued.grant.location_id().map(str::to_owned);
                response.user_id = Some(issued.grant.user_id);
                gen::GetLocationAccessTokenResponse::Ok(response)
            }
            Err(refusal) => {
                let error = error_body(&refusal, self.shared.trace_id());
                match refusal.status {
                    401 => gen::GetLocationAccessTokenResponse::Unauthorized(error),
                    422 => gen::GetLocationAccessTokenResponse::UnprocessableEntity(error),
                    _ => gen::GetLocationAccessTokenResponse::BadRequest(error),
                }
            }
        }
    }
}
