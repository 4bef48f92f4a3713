//! Why a webhook delivery was rejected.

use std::time::Duration;

use super::replay::ReplayStoreError;

/// Why [`Verifier::verify`](super::Verifier::verify) rejected a delivery.
///
/// Messages and `Debug` output never hold the body, the signature or a
/// value from the payload: only lengths, JSON paths, the `webhookId` and
/// fixed descriptions. Answer every variant but [`WebhookError::Store`]
/// with a 4xx status: the delivery will not become valid by trying again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The `x-wh-signature` header is absent or empty.
    #[error("the webhook has no x-wh-signature header")]
    MissingSignature,
    /// The header is not a base64 signature (bad characters, or longer than
    /// any accepted key's signature).
    #[error("the x-wh-signature header is not a base64 signature ({len} bytes)")]
    MalformedSignature {
        /// Length of the header value in bytes.
        len: usize,
    },
    /// No configured key verifies the signature over the body's bytes: the
    /// body was changed, or not signed by the vendor (or by a key the
    /// verifier was not given).
    #[error("the webhook signature does not match its body for any of the {keys} key(s)")]
    BadSignature {
        /// How many keys were tried.
        keys: usize,
    },
    /// The signed body is not what a webhook holds: not JSON, not an
    /// object, `timestamp` not a date and time, or `timestamp`,
    /// `webhookId` or a payload field missing or of the wrong type.
    #[error("the signed webhook body is malformed at `{}`: {problem}", if path.is_empty() { "." } else { path })]
    Malformed {
        /// JSON path of the problem, as in [`Error::Decode`](crate::Error::Decode):
        /// `timestamp`, `webhookId` or `type` for the fields the checks
        /// read, the payload field that did not decode (`dnd`,
        /// `dndSettings.SMS.message`), empty for the whole body (not JSON,
        /// not an object). Liberal decoding leaves few payload mismatches:
        /// every contact field is optional, times are
        /// [`Timestamp`](crate::Timestamp)s, and loosely documented values
        /// are any JSON.
        path: String,
        /// What is wrong there.
        problem: &'static str,
    },
    /// The `timestamp` is older than the window allows.
    #[error("the webhook is stale: sent {}s ago, more than the {}s allowed", age.as_secs(), window.as_secs())]
    Stale {
        /// How long ago it was sent.
        age: Duration,
        /// The verifier's window.
        window: Duration,
    },
    /// The `timestamp` is further in the future than the window allows
    /// (clock skew, or a forged time).
    #[error("the webhook is from the future: {}s ahead, more than the {}s allowed", ahead.as_secs(), window.as_secs())]
    FromFuture {
        /// How far ahead of now it claims to be.
        ahead: Duration,
        /// The verifier's window.
        window: Duration,
    },
    /// This `webhookId` was accepted before: a replay (or a redelivery of
    /// an event already handled).
    #[error("webhook {webhook_id} was already received (replay)")]
    Replayed {
        /// The repeated id.
        webhook_id: String,
    },
    /// The replay store failed; the event was not accepted. The only
    /// variant worth answering with a 5xx, so the vendor tries again.
    #[error(transparent)]
    Store(#[from] ReplayStoreError),
}
