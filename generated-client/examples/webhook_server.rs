//! A webhook endpoint that verifies each delivery before using it.
//!
//! ```sh
//! cargo run -p leadconnector --example webhook_server -- 127.0.0.1:3000
//! # during a key rotation, also trust the next key:
//! NEXT_WEBHOOK_KEY=next.pem cargo run -p leadconnector --example webhook_server
//! ```
//!
//! Point the app's webhook URL at `http://HOST:PORT/webhooks/leadconnector`.
//! hyper serves it here (a dev-dependency: the library does not depend on
//! any server); the same few lines fit axum or any framework that hands
//! you the body's bytes and the headers.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use leadconnector::webhooks::{
    types::ContactEvent, PublicKey, VerifiedEvent, Verifier, WebhookError, SIGNATURE_HEADER,
};
use tokio::net::TcpListener;

/// Webhook bodies are a contact: far below this. Larger ones are refused
/// before they are read, so a sender cannot make us hash megabytes.
const MAX_BODY_BYTES: usize = 256 * 1024;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let mut keys = vec![PublicKey::vendor()];
    if let Ok(path) = std::env::var("NEXT_WEBHOOK_KEY") {
        keys.push(PublicKey::from_pem(&std::fs::read_to_string(path)?)?);
    }
    // One verifier for the whole server: its replay store must see every
    // delivery.
    let verifier = Arc::new(Verifier::new().with_keys(keys));

    let listener = TcpListener::bind(&addr).await?;
    println!("listening on http://{addr}/webhooks/leadconnector");
    loop {
        let (stream, _) = listener.accept().await?;
        let verifier = Arc::clone(&verifier);
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(Arc::clone(&verifier), request));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection failed: {e}");
            }
        });
    }
}

async fn handle(
    verifier: Arc<Verifier>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != Method::POST || request.uri().path() != "/webhooks/leadconnector" {
        return Ok(reply(StatusCode::NOT_FOUND));
    }
    let signature = request
        .headers()
        .get(SIGNATURE_HEADER)
        .map(|value| value.as_bytes().to_vec());
    // The raw bytes, exactly as sent: the signature covers them, not the
    // JSON they hold.
    let body = match Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(reply(StatusCode::PAYLOAD_TOO_LARGE)),
    };
    let status = match verifier
        .verify(&body, signature.as_deref(), chrono::Utc::now())
        .await
    {
        Ok(verified) => {
            if let Err(e) = use_event(&verified) {
                // Let the vendor deliver it again: forget the id first.
                eprintln!("could not handle {}: {e}", verified.webhook_id);
                let _ = verifier.release(&verified.webhook_id).await;
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            }
        }
        // Already handled: say so, or the vendor keeps retrying.
        Err(WebhookError::Replayed { .. }) => StatusCode::OK,
        // Our store is down: a retry later may succeed.
        Err(e @ WebhookError::Store(_)) => {
            eprintln!("{e}");
            StatusCode::SERVICE_UNAVAILABLE
        }
        // Signed by the vendor but not a webhook we can read.
        Err(e @ WebhookError::Malformed { .. }) => {
            eprintln!("rejected: {e}");
            StatusCode::BAD_REQUEST
        }
        // Not from the vendor, or too old or new: never trust it.
        Err(e) => {
            eprintln!("rejected: {e}");
            StatusCode::UNAUTHORIZED
        }
    };
    Ok(reply(status))
}

/// The app's own work. Prints ids only: the payload is personal data.
fn use_event(verified: &VerifiedEvent) -> Result<(), String> {
    match &verified.event {
        ContactEvent::ContactCreate(contact) => println!("created {:?}", contact.id),
        ContactEvent::ContactUpdate(contact) => println!("updated {:?}", contact.id),
        ContactEvent::ContactDelete(contact) => println!("deleted {:?}", contact.id),
        ContactEvent::ContactDndUpdate(contact) => println!("DND changed for {:?}", contact.id),
        ContactEvent::ContactTagUpdate(contact) => {
            println!(
                "{:?} now has {} tag(s)",
                contact.id,
                contact.tags.as_ref().map_or(0, Vec::len)
            );
        }
        // A type this version does not know: its body is in `unknown_body`.
        _ => println!("{} event {}", verified.event_type, verified.webhook_id),
    }
    Ok(())
}

fn reply(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
