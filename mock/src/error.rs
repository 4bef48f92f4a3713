//! The errors the mock answers with, as the vendor shapes them: 400 and 401
//! with one message, 422 with a list of messages.

use std::fmt;

use leadconnector::types::{BadRequestError, UnauthorizedError, UnprocessableEntityError};
use serde_json::Value;

/// A refusal, before it is given its trace id and turned into a body.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// 400, with optional `meta` (the duplicate check sends one).
    BadRequest {
        message: String,
        meta: Option<Value>,
    },
    /// 401.
    Unauthorized { message: String },
    /// 422: one message per problem.
    Unprocessable { messages: Vec<String> },
}

impl ApiError {
    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            meta: None,
        }
    }

    /// 401 with `message`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::Unauthorized {
            message: message.into(),
        }
    }

    /// 422 with one message.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::Unprocessable {
            messages: vec![message.into()],
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized { .. } => 401,
            ApiError::Unprocessable { .. } => 422,
        }
    }

    /// The 400 body.
    pub fn bad_request_body(
        message: &str,
        meta: Option<&Value>,
        trace_id: &str,
    ) -> BadRequestError {
        let mut body = BadRequestError::new(400, message);
        body.error = Some("Bad Request".to_owned());
        body.trace_id = Some(trace_id.to_owned());
        if let Some(meta) = meta {
            body.extra.insert("meta".to_owned(), meta.clone());
        }
        body
    }

    /// The 401 body.
    pub fn unauthorized_body(message: &str, trace_id: &str) -> UnauthorizedError {
        let mut body = UnauthorizedError::new(401, message);
        body.error = Some("Unauthorized".to_owned());
        body.trace_id = Some(trace_id.to_owned());
        body
    }

    /// The 422 body.
    pub fn unprocessable_body(messages: &[String], trace_id: &str) -> UnprocessableEntityError {
        let mut body =
            UnprocessableEntityError::new(422, messages.to_vec(), "Unprocessable Entity");
        body.trace_id = Some(trace_id.to_owned());
        body
    }

    /// The body as JSON.
    pub fn to_json(&self, trace_id: &str) -> Value {
        let value = match self {
            ApiError::BadRequest { message, meta } => {
                serde_json::to_value(Self::bad_request_body(message, meta.as_ref(), trace_id))
            }
            ApiError::Unauthorized { message } => {
                serde_json::to_value(Self::unauthorized_body(message, trace_id))
            }
            ApiError::Unprocessable { messages } => {
                serde_json::to_value(Self::unprocessable_body(messages, trace_id))
            }
        };
        value.unwrap_or(Value::Null)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::BadRequest { message, .. } | ApiError::Unauthorized { message } => {
                write!(f, "{}: {message}", self.status())
            }
            ApiError::Unprocessable { messages } => {
                write!(f, "422: {}", messages.join("; "))
            }
        }
    }
}

impl std::error::Error for ApiError {}
