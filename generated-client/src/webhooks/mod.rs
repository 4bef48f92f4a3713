//! Contact webhooks: the five event payloads, typed ([`types`], generated
//! from `spec/webhooks.yaml`), and a [`Verifier`] that turns a delivery
//! (raw body, `x-wh-signature` header, current time) into a
//! [`VerifiedEvent`] or a [`WebhookError`].
//!
//! Signatures are RSA PKCS#1 v1.5 over SHA-256 of the raw body, checked
//! with `ring` (already in the tree through rustls). Any one of several
//! keys may verify (key rotation); the `timestamp` must be within a window
//! of now (5 minutes either way by default); a `webhookId` is accepted once
//! ([`ReplayStore`], in memory by default).
//!
//! ```no_run
//! use leadconnector::webhooks::{types::ContactEvent, Verifier, WebhookError};
//!
//! # async fn handle(verifier: &Verifier, body: &[u8], signature: Option<&[u8]>) -> u16 {
//! match verifier.verify(body, signature, chrono::Utc::now()).await {
//!     Ok(verified) => match verified.event {
//!         ContactEvent::Create(contact) => println!("new contact {:?}", contact.id),
//!         ContactEvent::TagUpdate(contact) => println!("tags now {:?}", contact.tags),
//!         _ => println!("{} event", verified.event_type),
//!     },
//!     Err(WebhookError::Store(_)) => return 503,
//!     Err(rejected) => {
//!         eprintln!("rejected webhook: {rejected}");
//!         return 401;
//!     }
//! }
//! 200
//! # }
//! ```

mod error;
mod keys;
mod replay;
mod signer;
// Generated files are formatted by prettyplease; rustfmt would fight it.
#[rustfmt::skip]
pub mod types;
mod verify;

pub use error::WebhookError;
pub use keys::{KeyError, PublicKey, VENDOR_PUBLIC_KEY_PEM};
pub use replay::{MemoryReplayStore, ReplayStore, ReplayStoreError, DEFAULT_REPLAY_CAPACITY};
pub use signer::Signer;
pub use verify::{VerifiedEvent, Verifier, DEFAULT_WINDOW, SIGNATURE_HEADER};
