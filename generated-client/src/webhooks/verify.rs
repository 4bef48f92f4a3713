//! One call from raw delivery to typed event: signature, then time window,
//! then payload, then replay.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::WebhookError;
use super::keys::PublicKey;
use super::replay::{MemoryReplayStore, ReplayStore, ReplayStoreError};
use super::types::{self, ContactEvent};

/// The header the vendor puts the signature in.
pub const SIGNATURE_HEADER: &str = "x-wh-signature";

/// Default time window: an event is accepted while its `timestamp` is at
/// most this far from now, in either direction (the vendor's guide gives
/// 5 minutes as its example).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Checks webhook deliveries: signature, time window, replays, payload.
///
/// Build one at start-up and share it (`Arc`, or a `static`): the replay
/// store must see every delivery to catch a replay.
///
/// ```
/// use std::time::Duration;
/// use leadconnector::webhooks::{PublicKey, Verifier};
///
/// # fn run(next_key_pem: &str) -> Result<(), Box<dyn std::error::Error>> {
/// // The vendor's current key, a 5-minute window, an in-memory replay store.
/// let verifier = Verifier::new();
/// // During a key rotation: accept both keys, and allow 2 minutes of skew.
/// let verifier = verifier
///     .with_keys([PublicKey::vendor(), PublicKey::from_pem(next_key_pem)?])
///     .with_window(Duration::from_secs(120));
/// # Ok(())
/// # }
/// ```
pub struct Verifier<S = MemoryReplayStore> {
    keys: Vec<PublicKey>,
    window: Duration,
    store: S,
}

impl Verifier {
    /// The vendor's current key, [`DEFAULT_WINDOW`], and a
    /// [`MemoryReplayStore`] of default size.
    pub fn new() -> Self {
        Self {
            keys: vec![PublicKey::vendor()],
            window: DEFAULT_WINDOW,
            store: MemoryReplayStore::default(),
        }
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> fmt::Debug for Verifier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .field("window", &self.window)
            .field("store", &std::any::type_name::<S>())
            .finish()
    }
}

impl<S: ReplayStore> Verifier<S> {
    /// Replaces the keys: a signature by any one of them is accepted. Pass
    /// the old and the new key while the vendor rotates. With no keys every
    /// delivery fails with [`WebhookError::BadSignature`].
    pub fn with_keys(mut self, keys: impl IntoIterator<Item = PublicKey>) -> Self {
        self.keys = keys.into_iter().collect();
        self
    }

    /// Sets how far the `timestamp` may be from now, in either direction.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Uses `store` to remember accepted `webhookId`s (your database, for
    /// an app with several instances).
    pub fn with_replay_store<T: ReplayStore>(self, store: T) -> Verifier<T> {
        Verifier {
            keys: self.keys,
            window: self.window,
            store,
        }
    }

    /// The keys signatures are checked against.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// The time window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The replay store.
    pub fn replay_store(&self) -> &S {
        &self.store
    }

    /// Checks a delivery and decodes it: `body` is the request body exactly
    /// as received (not re-serialized JSON), `signature` the
    /// [`SIGNATURE_HEADER`] value (`None` when absent), `now` the current
    /// time (`Utc::now()` outside tests).
    ///
    /// The checks run in this order, each only if the previous passed:
    ///
    /// 1. The header is base64 of a plausible size (no cryptography yet).
    /// 2. The signature verifies over the raw bytes with one of the keys.
    ///    Nothing reads the JSON before this: an unsigned body never
    ///    reaches the parser, the clock check or the replay store, so a
    ///    forger can neither probe them nor fill the store with ids that
    ///    would make real deliveries look like replays.
    /// 3. `timestamp`, `webhookId` and `type` are read, and nothing else.
    ///    The timestamp may be RFC 3339 (any offset; `T`, `t` or a space
    ///    between date and time) or a date and time without offset, taken
    ///    as UTC (`2025-01-28 14:35:00`).
    /// 4. The timestamp is within the window. Before the replay check, so
    ///    the store only ever needs ids younger than the window: an older
    ///    replay is already rejected here as stale.
    /// 5. The payload is decoded into [`ContactEvent`].
    /// 6. The `webhookId` is recorded, atomically failing if it already
    ///    was. Last, so an id is recorded only for an event handed to you.
    pub async fn verify(
        &self,
        body: &[u8],
        signature: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedEvent, WebhookError> {
        self.verify_signature(body, signature)?;
        let envelope = Envelope::read(body)?;
        let expires_at = self.check_window(envelope.timestamp, now)?;
        let event = decode_event(body, &envelope.event_type)?;
        let unknown_body = match event {
            ContactEvent::Unknown => {
                Some(serde_json::from_slice(body).map_err(|_| malformed("", NOT_JSON))?)
            }
            _ => None,
        };
        if !self
            .store
            .insert_if_new(&envelope.webhook_id, expires_at, now)
            .await?
        {
            return Err(WebhookError::Replayed {
                webhook_id: envelope.webhook_id,
            });
        }
        Ok(VerifiedEvent {
            webhook_id: envelope.webhook_id,
            timestamp: envelope.timestamp,
            event_type: envelope.event_type,
            event,
            unknown_body,
        })
    }

    /// Steps 1 and 2 of [`Verifier::verify`] alone: whether one of the keys
    /// signed exactly these bytes.
    pub fn verify_signature(
        &self,
        body: &[u8],
        signature: Option<&[u8]>,
    ) -> Result<(), WebhookError> {
        let header = signature.map(<[u8]>::trim_ascii).unwrap_or_default();
        if header.is_empty() {
            return Err(WebhookError::MissingSignature);
        }
        if self.keys.is_empty() {
            return Err(WebhookError::BadSignature { keys: 0 });
        }
        // A signature is as long as the largest key's modulus; base64 makes
        // 4 characters of every 3 bytes. Anything longer is not decoded.
        let max_bytes = self
            .keys
            .iter()
            .map(|k| k.bits().div_ceil(8))
            .max()
            .unwrap_or(0);
        if header.len() > max_bytes.div_ceil(3) * 4 {
            return Err(WebhookError::MalformedSignature { len: header.len() });
        }
        let signature = BASE64
            .decode(header)
            .map_err(|_| WebhookError::MalformedSignature { len: header.len() })?;
        if self.keys.iter().any(|key| key.verifies(body, &signature)) {
            Ok(())
        } else {
            Err(WebhookError::BadSignature {
                keys: self.keys.len(),
            })
        }
    }

    /// Forgets an accepted `webhookId`, so the vendor's redelivery of it is
    /// accepted: call it when you could not handle a verified event and
    /// answer with an error status.
    pub async fn release(&self, webhook_id: &str) -> Result<(), ReplayStoreError> {
        self.store.remove(webhook_id).await
    }

    /// Step 4: the timestamp within the window; returns when the id may be
    /// forgotten (the last instant the window accepts the event).
    fn check_window(
        &self,
        timestamp: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, WebhookError> {
        let window = TimeDelta::from_std(self.window).unwrap_or(TimeDelta::MAX);
        let age = now.signed_duration_since(timestamp);
        if age > window {
            return Err(WebhookError::Stale {
                age: age.to_std().unwrap_or(Duration::MAX),
                window: self.window,
            });
        }
        if -age > window {
            return Err(WebhookError::FromFuture {
                ahead: (-age).to_std().unwrap_or(Duration::MAX),
                window: self.window,
            });
        }
        Ok(timestamp
            .checked_add_signed(window)
            .unwrap_or(DateTime::<Utc>::MAX_UTC))
    }
}

/// Standard base64, padding optional (the vendor pads; a proxy may not).
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

const NOT_JSON: &str = "not JSON";

fn malformed(path: &str, problem: &'static str) -> WebhookError {
    WebhookError::Malformed {
        path: path.to_owned(),
        problem,
    }
}

/// The three fields the checks need, read without decoding the rest.
struct Envelope {
    event_type: String,
    timestamp: DateTime<Utc>,
    webhook_id: String,
}

/// What the root of a signed body must be.
const NOT_AN_OBJECT: &str =
    "not a JSON object (a webhook body is an object with `type`, `timestamp` and `webhookId`)";

impl Envelope {
    fn read(body: &[u8]) -> Result<Self, WebhookError> {
        let raw: RawEnvelope = serde_json::from_slice(body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => malformed(
                "",
                if e.to_string().starts_with("duplicate field") {
                    "a JSON object with `type`, `timestamp` or `webhookId` twice"
                } else {
                    NOT_AN_OBJECT
                },
            ),
            _ => malformed("", NOT_JSON),
        })?;
        let string = |value: Option<Value>, path: &str| match value {
            None | Some(Value::Null) => Err(malformed(path, "missing")),
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            Some(_) => Err(malformed(path, "not a non-empty string")),
        };
        let timestamp = string(raw.timestamp, "timestamp")?;
        let timestamp = sent_at(&timestamp).ok_or_else(|| {
            malformed(
                "timestamp",
                "not a date and time (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)",
            )
        })?;
        Ok(Self {
            event_type: string(raw.event_type, "type")?,
            timestamp,
            webhook_id: string(raw.webhook_id, "webhookId")?,
        })
    }
}

/// The envelope's fields as raw JSON, so a wrong type is reported with its
/// field, not as a failure of the whole body. Read from an object only: a
/// derived `Deserialize` would also take an array (`["ContactCreate", ...]`)
/// by position.
struct RawEnvelope {
    event_type: Option<Value>,
    timestamp: Option<Value>,
    webhook_id: Option<Value>,
}

impl<'de> Deserialize<'de> for RawEnvelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = RawEnvelope;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a webhook object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEnvelope, A::Error> {
                let mut raw = RawEnvelope {
                    event_type: None,
                    timestamp: None,
                    webhook_id: None,
                };
                while let Some(key) = map.next_key::<crate::de::Key<'de>>()? {
                    let (slot, name) = match key.as_str() {
                        "type" => (&mut raw.event_type, "type"),
                        "timestamp" => (&mut raw.timestamp, "timestamp"),
                        "webhookId" => (&mut raw.webhook_id, "webhookId"),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err(serde::de::Error::duplicate_field(name));
                    }
                    *slot = Some(map.next_value()?);
                }
                Ok(raw)
            }
        }

        deserializer.deserialize_map(Fields)
    }
}

/// The instant a `timestamp` names: RFC 3339 (chrono also takes `t` or a
/// space between date and time, and `z`), or a date and time without an
/// offset, taken as UTC, the shape the vendor's services write elsewhere
/// (`2021-11-26 12:41:02`). The vendor's own example is RFC 3339 in UTC; a
/// wrong guess about a zone-less time can only make the window check
/// refuse the event, never accept one it should not.
fn sent_at(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dt%H:%M:%S%.f",
    ]
    .into_iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|naive| naive.and_utc())
}

const NOT_THE_SCHEMA: &str = "does not match the event's schema";

/// Step 5: the typed payload, with the JSON path of a mismatch.
fn decode_event(body: &[u8], event_type: &str) -> Result<ContactEvent, WebhookError> {
    serde_json::from_slice(body)
        .map_err(|_| malformed(&payload_path(body, event_type), NOT_THE_SCHEMA))
}

/// Where the payload of a `type`-tagged event fails to decode. serde
/// buffers a tagged enum before decoding its variant, which hides the
/// path; so, only for a body that failed, the variant's own type decodes
/// the body again, tracking it. `""` is the whole body.
fn payload_path(body: &[u8], event_type: &str) -> String {
    fn path_of<T: DeserializeOwned>(body: &[u8]) -> String {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Err(e) => crate::de::known_path(e.path()),
            Ok(_) => String::new(),
        }
    }
    // One arm per event of spec/webhooks.yaml (a test decodes a mismatch in
    // each event the spec lists, so a new event cannot be left out).
    let path = match event_type {
        "ContactCreate" => path_of::<types::ContactCreate>(body),
        "ContactUpdate" => path_of::<types::ContactUpdate>(body),
        "ContactDelete" => path_of::<types::ContactDelete>(body),
        "ContactDndUpdate" => path_of::<types::ContactDndUpdate>(body),
        "ContactTagUpdate" => path_of::<types::ContactTagUpdate>(body),
        _ => String::new(),
    };
    // serde_path_to_error writes the root as `.`.
    if path == "." {
        String::new()
    } else {
        path
    }
}

/// A delivery that passed every check.
///
/// `Debug` shows the id, time and type only: the payload holds a contact's
/// personal data, which you print explicitly (`{:?}` of `event`) if at all.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedEvent {
    /// The delivery's `webhookId`.
    pub webhook_id: String,
    /// When the vendor sent it.
    pub timestamp: DateTime<Utc>,
    /// The event's `type` as sent (`ContactCreate`, or a type this version
    /// does not know).
    pub event_type: String,
    /// The typed event; [`ContactEvent::Unknown`] for a type this version
    /// of the spec does not list.
    pub event: ContactEvent,
    /// For [`ContactEvent::Unknown`] only: the whole body, so an event type
    /// added by the vendor is kept rather than lost.
    pub unknown_body: Option<Value>,
}

impl fmt::Debug for VerifiedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedEvent")
            .field("webhook_id", &self.webhook_id)
            .field("timestamp", &self.timestamp)
            .field("event_type", &self.event_type)
            .finish_non_exhaustive()
    }
}
