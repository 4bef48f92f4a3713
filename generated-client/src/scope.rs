//! What this API's errors say beyond the generic [`Error`]: a 401 for a
//! missing scope, told from one for an expired or invalid token.

use reqwest::StatusCode;

use crate::Error;

/// The API's own reading of an [`Error`]. Import it to call its methods:
/// `use leadconnector::ErrorExt as _;`.
pub trait ErrorExt {
    /// Whether the API answered 401 because the token lacks a scope the
    /// operation needs (each method's docs name its scope:
    /// `contacts.readonly` or `contacts.write`), rather than because the
    /// token is expired or invalid.
    ///
    /// The two 401s have the same status and body shape, and differ in
    /// the `message`: `The token is not authorized for this scope.` for a
    /// missing scope, `Invalid JWT` or `Invalid token: access token is
    /// invalid` for a bad token (the vendor does not document the first;
    /// it is what the API sends). A missing scope is not fixed by a new
    /// token of the same grant, so an OAuth client does not refresh for it
    /// (`oauth::OAuthTokens`); the app needs the scope added (a Private
    /// Integration Token's settings, or the app's scopes and a new
    /// install).
    fn is_missing_scope(&self) -> bool;
}

impl<E> ErrorExt for Error<E> {
    fn is_missing_scope(&self) -> bool {
        match self {
            Error::Api(api) => {
                api.status == StatusCode::UNAUTHORIZED
                    && api.message.as_deref().is_some_and(names_a_scope)
            }
            _ => false,
        }
    }
}

/// Whether a 401's message is the API's missing-scope refusal.
fn names_a_scope(message: &str) -> bool {
    message.to_ascii_lowercase().contains("scope")
}
