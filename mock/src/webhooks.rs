//! Webhooks: after each change, the matching contact event (`ContactCreate`,
//! `ContactUpdate`, `ContactDelete`, `ContactDndUpdate`,
//! `ContactTagUpdate`), signed with the mock's own RSA key as the vendor
//! signs (PKCS#1 v1.5, SHA-256, base64 in `x-wh-signature`), POSTed to
//! every registered URL, retried until answered with 2xx.
//!
//! Each URL has a queue of its own, delivered in order on a task of the
//! runtime the mock runs on; waits between attempts use tokio's clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use leadconnector::types::Contact;
use leadconnector::webhooks::types::{
    ContactDndUpdate, ContactEvent, ContactEventFields, WebhookCustomField,
};
use leadconnector::webhooks::Signer;
use tokio::sync::{mpsc, watch};

use crate::choices::{WEBHOOK_RETRY_SECONDS, WEBHOOK_TIMEOUT_SECONDS};
use crate::clock::Clock;
use crate::ids::Rng;
use crate::store::{Event, EventKind};

/// The public half of the mock's signing key (SubjectPublicKeyInfo PEM):
/// give it to `leadconnector::webhooks::Verifier` with
/// `PublicKey::from_pem`.
pub const PUBLIC_KEY_PEM: &str = include_str!("../keys/webhook_signing.pub.pem");
const PRIVATE_KEY_PEM: &str = include_str!("../keys/webhook_signing.pk8.pem");

/// The header the signature travels in.
pub const SIGNATURE_HEADER: &str = "x-wh-signature";

/// The mock's signing key, as the client's own [`Signer`].
///
/// # Panics
///
/// Never: the key is committed with the crate, and a test signs with it.
pub fn signer() -> Signer {
    Signer::from_pkcs8_pem(PRIVATE_KEY_PEM).expect("the committed key is a PKCS#8 RSA key")
}

/// The body of a contact event.
pub fn payload(
    event: &Event,
    webhook_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ContactEvent {
    let c: &Contact = &event.contact;
    let now = leadconnector::Timestamp::new(crate::clock::format_millis(now.timestamp_millis()));
    let mut f = ContactEventFields::new(now, webhook_id);
    f.location_id.clone_from(&c.location_id);
    f.id = Some(c.id.clone());
    f.address1.clone_from(&c.address1);
    f.city.clone_from(&c.city);
    f.state.clone_from(&c.state);
    f.company_name.clone_from(&c.company_name);
    f.country.clone_from(&c.country);
    f.source.clone_from(&c.source);
    f.date_added.clone_from(&c.date_added);
    f.date_of_birth.clone_from(&c.date_of_birth);
    f.dnd = c.dnd;
    f.email.clone_from(&c.email);
    f.name.clone_from(&c.name);
    f.first_name.clone_from(&c.first_name);
    f.last_name.clone_from(&c.last_name);
    f.phone.clone_from(&c.phone);
    f.postal_code.clone_from(&c.postal_code);
    f.tags.clone_from(&c.tags);
    f.website.clone_from(&c.website);
    f.attachments = c.attachments.iter().map(|a| a.as_str().into()).collect();
    f.assigned_to.clone_from(&c.assigned_to);
    f.custom_fields = c
        .custom_fields
        .iter()
        .map(|cf| {
            let mut w = WebhookCustomField::default();
            w.id.clone_from(&cf.id);
            w.value.clone_from(&cf.value);
            w
        })
        .collect();
    match event.kind {
        EventKind::Create => ContactEvent::Create(f),
        EventKind::Update => ContactEvent::Update(f),
        EventKind::Delete => ContactEvent::Delete(f),
        EventKind::TagUpdate => ContactEvent::TagUpdate(f),
        EventKind::DndUpdate => {
            // The DND event is the same fields plus `dndSettings`, which
            // has the same JSON shape as the contact's.
            let mut value = serde_json::to_value(&f).unwrap_or_default();
            if let (Some(map), Some(settings)) = (value.as_object_mut(), &c.dnd_settings) {
                map.insert(
                    "dndSettings".to_owned(),
                    serde_json::to_value(settings).unwrap_or_default(),
                );
            }
            serde_json::from_value::<ContactDndUpdate>(value)
                .map(ContactEvent::DndUpdate)
                .unwrap_or(ContactEvent::Update(f))
        }
    }
}

/// One delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The receiver's status, or `None` when it did not answer (refused,
    /// dropped, timed out).
    pub status: Option<u16>,
    /// When it was made (the mock's clock).
    pub at: chrono::DateTime<chrono::Utc>,
}

/// An event sent (or being sent) to one URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The URL.
    pub url: String,
    /// The event's `type`.
    pub event_type: String,
    /// Its `webhookId`.
    pub webhook_id: String,
    /// The body, exactly as signed and sent.
    pub body: String,
    /// The `x-wh-signature` header.
    pub signature: String,
    /// Every attempt so far.
    pub attempts: Vec<Attempt>,
    /// Answered with 2xx.
    pub delivered: bool,
    /// No attempt is left.
    pub abandoned: bool,
}

#[derive(Debug)]
struct Endpoint {
    url: String,
    queue: mpsc::UnboundedSender<usize>,
}

/// Registered URLs, the deliveries log, and the queues.
#[derive(Debug)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    signer: Signer,
    clock: Clock,
    http: reqwest::Client,
    state: Mutex<State>,
    /// Deliveries not finished; watched by [`Webhooks::idle`].
    pending: watch::Sender<usize>,
}

#[derive(Debug)]
struct State {
    rng: Rng,
    endpoints: Vec<Endpoint>,
    deliveries: Vec<Delivery>,
}

impl Webhooks {
    /// No URLs yet; `webhookId`s drawn from `seed`.
    pub fn new(seed: u64, clock: Clock) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(WEBHOOK_TIMEOUT_SECONDS))
            .build()
            .unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                signer: signer(),
                clock,
                http,
                state: Mutex::new(State {
                    rng: Rng::new(seed ^ 0x00EB_400C_00EB_400C),
                    endpoints: Vec::new(),
                    deliveries: Vec::new(),
                }),
                pending: watch::channel(0).0,
            }),
        }
    }

    /// Sends every later event to `url` too. Must be called on a tokio
    /// runtime (the URL's queue runs on it).
    pub fn register(&self, url: &str) {
        let (queue, mut next) = mpsc::unbounded_channel::<usize>();
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            while let Some(index) = next.recv().await {
                inner.deliver(index).await;
                inner.pending.send_modify(|n| *n = n.saturating_sub(1));
            }
        });
        let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        state.endpoints.push(Endpoint {
            url: url.to_owned(),
            queue,
        });
    }

    /// Queues `events` for every registered URL.
    pub fn publish(&self, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.endpoints.is_empty() {
            return;
        }
        for event in events {
            let webhook_id = state.rng.uuid();
            let body = payload(event, &webhook_id, self.inner.clock.now());
            let body = serde_json::to_string(&body).unwrap_or_default();
            let signature = self.inner.signer.sign(body.as_bytes());
            for e in 0..state.endpoints.len() {
                let index = state.deliveries.len();
                let url = state.endpoints[e].url.clone();
                state.deliveries.push(Delivery {
                    url,
                    event_type: event.kind.type_name().to_owned(),
                    webhook_id: webhook_id.clone(),
                    body: body.clone(),
                    signature: signature.clone(),
                    attempts: Vec::new(),
                    delivered: false,
                    abandoned: false,
                });
                self.inner.pending.send_modify(|n| *n += 1);
                if state.endpoints[e].queue.send(index).is_err() {
                    self.inner.pending.send_modify(|n| *n = n.saturating_sub(1));
                }
            }
        }
    }

    /// Every delivery so far, in the order the events happened.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .deliveries
            .clone()
    }

    /// Waits until every queued delivery is delivered or abandoned.
    pub async fn idle(&self) {
        let mut pending = self.inner.pending.subscribe();
        let _ = pending.wait_for(|n| *n == 0).await;
    }
}

impl Inner {
    async fn deliver(&self, index: usize) {
        let (url, body, signature) = {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let d = &state.deliveries[index];
            (d.url.clone(), d.body.clone(), d.signature.clone())
        };
        let mut waits = WEBHOOK_RETRY_SECONDS.iter();
        loop {
            let at = self.clock.now();
            let status = self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .body(body.clone())
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16());
            let delivered = status.is_some_and(|s| (200..300).contains(&s));
            let wait = (!delivered).then(|| waits.next()).flatten();
            {
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let d = &mut state.deliveries[index];
                d.attempts.push(Attempt { status, at });
                d.delivered = delivered;
                d.abandoned = !delivered && wait.is_none();
            }
            match wait {
                Some(seconds) => tokio::time::sleep(Duration::from_secs(*seconds)).await,
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadconnector::webhooks::{PublicKey, Verifier};

    #[tokio::test]
    async fn the_mock_key_signs_what_the_client_verifies() {
        let signer = signer();
        let contact = {
            let mut c = Contact::new("ocQHyuzHvysMo5N5VsXc");
            c.location_id = Some("loc".into());
            c.tags = vec!["vip".into()];
            c
        };
        let now = chrono::Utc::now();
        let event = payload(
            &Event {
                kind: EventKind::TagUpdate,
                contact,
            },
            "wh-1",
            now,
        );
        let body = serde_json::to_vec(&event).unwrap();
        let signature = signer.sign(&body);
        let verifier = Verifier::new().with_keys([PublicKey::from_pem(PUBLIC_KEY_PEM).unwrap()]);
        let verified = verifier
            .verify(&body, Some(signature.as_bytes()), now)
            .await
            .expect("verifies");
        match verified.event {
            ContactEvent::TagUpdate(f) => assert_eq!(f.tags, ["vip"]),
            other => panic!("{other:?}"),
        }
        // The vendor's key does not verify the mock's signature.
        assert!(Verifier::new()
            .verify(&body, Some(signature.as_bytes()), now)
            .await
            .is_err());
    }
}
