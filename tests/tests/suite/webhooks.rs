//! Webhook verification: signatures over the raw bytes, key rotation, the
//! time window, replays, typed decoding of the five events, and headers and
//! bodies that are wrong in every way.
//!
//! Bodies are signed with the test-only key pairs in
//! `tests/fixtures/webhook-keys/` (the vendor's private key is not ours).
//! The five event bodies are the `example`s of `spec/webhooks.yaml`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use leadconnector::webhooks::types::{ContactEvent, WebhookDndSettingStatus};
use leadconnector::webhooks::{
    KeyError, MemoryReplayStore, PublicKey, ReplayStore, ReplayStoreError, Verifier, WebhookError,
    DEFAULT_WINDOW,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::{json, Value};

/// A test key pair: ring's signing key and the public key as the client
/// parses it.
struct TestKey {
    pair: RsaKeyPair,
    public: PublicKey,
}

fn load_key(name: &str) -> TestKey {
    let dir = tests::root().join("tests/fixtures/webhook-keys");
    let private = std::fs::read_to_string(dir.join(format!("test_key_{name}.pk8.pem"))).unwrap();
    let base64: String = private
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let pair = RsaKeyPair::from_pkcs8(&BASE64.decode(base64).unwrap()).unwrap();
    let public = PublicKey::from_pem(
        &std::fs::read_to_string(dir.join(format!("test_key_{name}.pub.pem"))).unwrap(),
    )
    .unwrap();
    TestKey { pair, public }
}

fn key_a() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| load_key("a"))
}

fn key_b() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| load_key("b"))
}

/// The `x-wh-signature` value for `body` signed with `key`.
fn sign(key: &TestKey, body: &[u8]) -> String {
    let mut signature = vec![0; key.pair.public().modulus_len()];
    key.pair
        .sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            body,
            &mut signature,
        )
        .unwrap();
    BASE64.encode(signature)
}

/// A verifier that trusts key `a` only.
fn verifier() -> Verifier {
    Verifier::new().with_keys([key_a().public.clone()])
}

/// When the spec's examples were sent.
fn sent_at() -> DateTime<Utc> {
    "2025-01-28T14:35:00Z".parse().unwrap()
}

/// Half a minute after the examples were sent.
fn now() -> DateTime<Utc> {
    sent_at() + TimeDelta::seconds(30)
}

/// The `example` of each event schema in `spec/webhooks.yaml`, by name.
fn spec_examples() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(tests::root().join("spec/webhooks.yaml")).unwrap();
    let spec: Value = serde_yaml::from_str(&text).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let events: Vec<(String, Value)> = schemas
        .iter()
        .filter(|(_, schema)| schema.get("x-webhook-event").is_some())
        .map(|(name, schema)| (name.clone(), schema["example"].clone()))
        .collect();
    assert_eq!(events.len(), 5, "the five contact events");
    events
}

/// A signed `ContactCreate` body with the given id and timestamp.
fn create_body(webhook_id: &str, timestamp: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "ContactCreate",
        "timestamp": timestamp,
        "webhookId": webhook_id,
        "id": "nmFmQEsNgz6AVpgLVUJ0",
        "email": "JohnDeo@gmail.comm",
    }))
    .unwrap()
}

async fn verify_with(
    verifier: &Verifier,
    body: &[u8],
    signature: &str,
) -> Result<leadconnector::webhooks::VerifiedEvent, WebhookError> {
    verifier
        .verify(body, Some(signature.as_bytes()), now())
        .await
}

#[tokio::test]
async fn each_vendor_example_verifies_and_decodes_into_its_event() {
    let verifier = verifier();
    for (name, example) in spec_examples() {
        // Pretty-printed, as a sender might: the signature covers the bytes
        // whatever their layout.
        let body = serde_json::to_vec_pretty(&example).unwrap();
        let signature = sign(key_a(), &body);
        let verified = verify_with(&verifier, &body, &signature)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.event_type, name);
        assert_eq!(verified.webhook_id, example["webhookId"].as_str().unwrap());
        assert_eq!(verified.timestamp, sent_at());
        assert_eq!(verified.unknown_body, None);
        let (id, email, tags, extra) = match &verified.event {
            ContactEvent::ContactCreate(c)
            | ContactEvent::ContactUpdate(c)
            | ContactEvent::ContactDelete(c)
            | ContactEvent::ContactTagUpdate(c) => (&c.id, &c.email, &c.tags, &c.extra),
            ContactEvent::ContactDndUpdate(c) => {
                let sms = c.dnd_settings.as_ref().unwrap().sms.as_ref().unwrap();
                assert_eq!(sms.status, Some(WebhookDndSettingStatus::Inactive));
                assert_eq!(sms.code.as_deref(), Some("101"));
                (&c.id, &c.email, &c.tags, &c.extra)
            }
            ContactEvent::Unknown => panic!("{name} decoded as Unknown"),
        };
        let variant = format!("{:?}", verified.event);
        assert!(
            variant.starts_with(&format!("{name}(")),
            "{name} decoded as {variant}"
        );
        assert_eq!(id.as_deref(), Some("nmFmQEsNgz6AVpgLVUJ0"));
        assert_eq!(email.as_deref(), Some("JohnDeo@gmail.comm"));
        assert_eq!(tags.as_ref().map(Vec::len), Some(2));
        assert!(
            extra.is_empty(),
            "{name}: every field is typed: {:?}",
            extra.keys()
        );
        // Nothing is lost: the typed event encodes back to the example.
        let mut encoded = serde_json::to_value(&verified.event).unwrap();
        encoded["timestamp"] = json!("2025-01-28T14:35:00Z");
        assert_eq!(encoded, example, "{name} round trip");
    }
}

#[tokio::test]
async fn a_signature_made_by_openssl_verifies() {
    // Made once with `openssl dgst -sha256 -sign` (see the keys' README):
    // the same scheme as the vendor's Node code, from another implementation.
    let dir = tests::root().join("tests/fixtures/webhook-keys");
    let body = std::fs::read(dir.join("openssl_signed.json")).unwrap();
    let signature = std::fs::read_to_string(dir.join("openssl_signed.sig")).unwrap();
    let trusts_b = Verifier::new().with_keys([key_b().public.clone()]);
    let verified = verify_with(&trusts_b, &body, &signature).await.unwrap();
    assert_eq!(verified.webhook_id, "openssl-1");
    let ContactEvent::ContactTagUpdate(contact) = verified.event else {
        panic!("{:?}", verified.event);
    };
    assert_eq!(contact.tags, Some(vec!["a".to_owned(), "b".to_owned()]));
    // And key `a` did not sign it.
    let err = verify_with(&verifier(), &body, &signature)
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
}

#[tokio::test]
async fn one_flipped_body_byte_is_a_bad_signature() {
    let verifier = verifier();
    let body = create_body("wh-1", "2025-01-28T14:35:00Z");
    let signature = sign(key_a(), &body);
    for position in [0, body.len() / 2, body.len() - 1] {
        let mut tampered = body.clone();
        tampered[position] ^= 0x01;
        let err = verify_with(&verifier, &tampered, &signature)
            .await
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::BadSignature { keys: 1 }),
            "byte {position}: {err:?}"
        );
    }
    // The untouched body still verifies: the failures above are the flips.
    verify_with(&verifier, &body, &signature).await.unwrap();
}

#[tokio::test]
async fn one_flipped_signature_byte_is_a_bad_signature() {
    let verifier = verifier();
    let body = create_body("wh-1", "2025-01-28T14:35:00Z");
    let mut raw = BASE64.decode(sign(key_a(), &body)).unwrap();
    raw[17] ^= 0x80;
    let err = verify_with(&verifier, &body, &BASE64.encode(&raw))
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
}

#[tokio::test]
async fn whitespace_added_to_the_json_is_a_bad_signature() {
    // The mistake this catches: verifying re-serialized JSON. The same
    // document with other whitespace is other bytes.
    let verifier = verifier();
    let body = create_body("wh-1", "2025-01-28T14:35:00Z");
    let signature = sign(key_a(), &body);
    let spaced = String::from_utf8(body.clone())
        .unwrap()
        .replacen(':', ": ", 1);
    let reformatted =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    for other in [
        spaced.into_bytes(),
        reformatted,
        [body.as_slice(), b"\n"].concat(),
    ] {
        let err = verify_with(&verifier, &other, &signature)
            .await
            .unwrap_err();
        assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn stale_and_future_timestamps_are_rejected_and_the_window_is_inclusive() {
    let verifier = verifier();
    let window = TimeDelta::from_std(DEFAULT_WINDOW).unwrap();
    let cases = [
        (now() - window - TimeDelta::seconds(1), "stale"),
        (now() + window + TimeDelta::seconds(1), "future"),
        (now() - window, "edge-old"),
        (now() + window, "edge-new"),
    ];
    for (i, (sent, label)) in cases.into_iter().enumerate() {
        let body = create_body(&format!("wh-{i}"), &sent.to_rfc3339());
        let result = verify_with(&verifier, &body, &sign(key_a(), &body)).await;
        match (label, result) {
            ("stale", Err(WebhookError::Stale { age, window })) => {
                assert_eq!(age, Duration::from_secs(301));
                assert_eq!(window, DEFAULT_WINDOW);
            }
            ("future", Err(WebhookError::FromFuture { ahead, .. })) => {
                assert_eq!(ahead, Duration::from_secs(301));
            }
            ("edge-old" | "edge-new", Ok(_)) => {}
            (label, other) => panic!("{label}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_window_is_configurable() {
    let verifier = verifier().with_window(Duration::from_secs(10));
    let body = create_body("wh-1", "2025-01-28T14:35:00Z"); // 30 s before now()
    let err = verify_with(&verifier, &body, &sign(key_a(), &body))
        .await
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::Stale { age, .. } if age == Duration::from_secs(30)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_replayed_webhook_id_is_rejected_until_released() {
    let verifier = verifier();
    let body = create_body("wh-replayed", "2025-01-28T14:35:00Z");
    let signature = sign(key_a(), &body);
    verify_with(&verifier, &body, &signature).await.unwrap();
    let err = verify_with(&verifier, &body, &signature).await.unwrap_err();
    assert!(
        matches!(&err, WebhookError::Replayed { webhook_id } if webhook_id == "wh-replayed"),
        "{err:?}"
    );
    // Another body with the same id is a replay too.
    let other = create_body("wh-replayed", "2025-01-28T14:35:10Z");
    let err = verify_with(&verifier, &other, &sign(key_a(), &other))
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::Replayed { .. }), "{err:?}");
    // The app could not handle it and releases the id: the redelivery passes.
    verifier.release("wh-replayed").await.unwrap();
    verify_with(&verifier, &body, &signature).await.unwrap();
}

#[tokio::test]
async fn a_bad_signature_or_stale_event_does_not_use_up_its_id() {
    // Ids are recorded only for accepted events, so a forged body with a
    // real id cannot block the real delivery.
    let verifier = verifier();
    let body = create_body("wh-real", "2025-01-28T14:35:00Z");
    let forged = sign(key_b(), &body);
    assert!(matches!(
        verify_with(&verifier, &body, &forged).await,
        Err(WebhookError::BadSignature { .. })
    ));
    assert!(verifier.replay_store().is_empty());
    verify_with(&verifier, &body, &sign(key_a(), &body))
        .await
        .unwrap();
    assert_eq!(verifier.replay_store().len(), 1);
}

#[tokio::test]
async fn any_of_several_keys_verifies_during_a_rotation() {
    let old_only = verifier();
    let both = Verifier::new().with_keys([key_a().public.clone(), key_b().public.clone()]);
    let body_a = create_body("wh-a", "2025-01-28T14:35:00Z");
    let body_b = create_body("wh-b", "2025-01-28T14:35:00Z");
    let (sig_a, sig_b) = (sign(key_a(), &body_a), sign(key_b(), &body_b));
    verify_with(&both, &body_a, &sig_a).await.unwrap();
    verify_with(&both, &body_b, &sig_b).await.unwrap();
    let err = verify_with(&old_only, &body_b, &sig_b).await.unwrap_err();
    assert!(
        matches!(err, WebhookError::BadSignature { keys: 1 }),
        "{err:?}"
    );
    // A signature by one key over another's body is still wrong.
    let err = verify_with(&both, &body_a, &sig_b).await.unwrap_err();
    assert!(
        matches!(err, WebhookError::BadSignature { keys: 2 }),
        "{err:?}"
    );
    // No keys at all: nothing verifies.
    let none = Verifier::new().with_keys([]);
    let err = verify_with(&none, &body_a, &sig_a).await.unwrap_err();
    assert!(
        matches!(err, WebhookError::BadSignature { keys: 0 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_default_verifier_trusts_the_vendor_key_only() {
    let vendor = PublicKey::vendor();
    assert_eq!(vendor.bits(), 4096);
    let verifier = Verifier::new();
    assert_eq!(verifier.keys(), [vendor]);
    assert_eq!(verifier.window(), DEFAULT_WINDOW);
    let body = create_body("wh-1", "2025-01-28T14:35:00Z");
    let err = verify_with(&verifier, &body, &sign(key_a(), &body))
        .await
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::BadSignature { keys: 1 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unknown_event_type_is_kept_not_rejected() {
    let verifier = verifier();
    let body = br#"{"type":"ContactMerged","timestamp":"2025-01-28T14:35:00Z","webhookId":"wh-9","into":"abc"}"#;
    let verified = verify_with(&verifier, body, &sign(key_a(), body))
        .await
        .unwrap();
    assert_eq!(verified.event, ContactEvent::Unknown);
    assert_eq!(verified.event_type, "ContactMerged");
    assert_eq!(verified.unknown_body.as_ref().unwrap()["into"], "abc");
}

#[tokio::test]
async fn unknown_fields_are_kept_and_values_decode_liberally() {
    let verifier = verifier();
    let body = br#"{"type":"ContactUpdate","timestamp":"2025-01-28T14:35:00Z","webhookId":"wh-9",
        "newField":{"a":1},"customFields":[{"id":"x","value":[1,"two"]}],
        "dndSettings":{"SMS":{"status":"snoozed"}}}"#;
    let verified = verify_with(&verifier, body, &sign(key_a(), body))
        .await
        .unwrap();
    let ContactEvent::ContactUpdate(contact) = verified.event else {
        panic!("{:?}", verified.event);
    };
    assert_eq!(contact.extra["newField"], json!({"a": 1}));
    // Not listed for this event: kept as JSON.
    assert_eq!(contact.extra["dndSettings"]["SMS"]["status"], "snoozed");
    let value = contact.custom_fields.unwrap()[0].value.clone();
    assert_eq!(value, Some(json!([1, "two"])));
}

#[tokio::test]
async fn signature_headers_that_are_missing_empty_not_base64_or_huge() {
    let verifier = verifier();
    let body = create_body("wh-1", "2025-01-28T14:35:00Z");
    let huge = "A".repeat(1 << 20);
    let cases: [(Option<&[u8]>, &str); 6] = [
        (None, "missing"),
        (Some(b""), "missing"),
        (Some(b"   "), "missing"),
        (Some(b"not base64!"), "malformed"),
        (Some(&[0xff, 0xfe, 0x00]), "malformed"),
        (Some(huge.as_bytes()), "malformed"),
    ];
    for (header, expected) in cases {
        let result = verifier.verify(&body, header, now()).await;
        match (expected, result) {
            ("missing", Err(WebhookError::MissingSignature)) => {}
            ("malformed", Err(WebhookError::MalformedSignature { len })) => {
                assert_eq!(len, header.unwrap().len());
            }
            (expected, other) => panic!("{expected}: {other:?}"),
        }
    }
    // Base64 of the right alphabet but the wrong length: a bad signature.
    let short = BASE64.encode([7u8; 32]);
    let err = verifier
        .verify(&body, Some(short.as_bytes()), now())
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::BadSignature { .. }), "{err:?}");
}

#[tokio::test]
async fn signed_bodies_that_are_not_webhooks_are_malformed_with_their_path() {
    let verifier = verifier();
    let cases: [(&[u8], &str, &str); 8] = [
        (b"not json", "", "not JSON"),
        (b"[1,2]", "", "not a JSON object with unique keys"),
        (br#"{"type":"ContactCreate","webhookId":"w"}"#, "timestamp", "missing"),
        (br#"{"type":"ContactCreate","timestamp":"yesterday","webhookId":"w"}"#, "timestamp", "not an RFC 3339 date-time"),
        (br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z"}"#, "webhookId", "missing"),
        (br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z","webhookId":7}"#, "webhookId", "not a non-empty string"),
        (br#"{"timestamp":"2025-01-28T14:35:00Z","webhookId":"w"}"#, "type", "missing"),
        (br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z","webhookId":"w","dnd":"yes"}"#, "", "does not match the event's schema"),
    ];
    for (body, path, problem) in cases {
        let err = verify_with(&verifier, body, &sign(key_a(), body))
            .await
            .unwrap_err();
        match &err {
            WebhookError::Malformed {
                path: p,
                problem: q,
            } => {
                assert_eq!(
                    (p.as_str(), *q),
                    (path, problem),
                    "{}",
                    String::from_utf8_lossy(body)
                );
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

#[tokio::test]
async fn errors_and_debug_output_hold_no_body_signature_or_personal_data() {
    let verifier = verifier();
    let body = create_body("wh-secret-check", "2025-01-28T14:35:00Z");
    let signature = sign(key_a(), &body);
    let verified = verify_with(&verifier, &body, &signature).await.unwrap();
    let replayed = verify_with(&verifier, &body, &signature).await.unwrap_err();
    let mut tampered = body.clone();
    tampered[3] ^= 1;
    let bad = verify_with(&verifier, &tampered, &signature)
        .await
        .unwrap_err();
    let malformed_body = br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z","webhookId":"w","dnd":"JohnDeo@gmail.comm"}"#;
    let malformed = verify_with(&verifier, malformed_body, &sign(key_a(), malformed_body))
        .await
        .unwrap_err();
    let outputs = [
        format!("{verified:?}"),
        format!("{replayed} {replayed:?}"),
        format!("{bad} {bad:?}"),
        format!("{malformed} {malformed:?}"),
        format!("{verifier:?}"),
    ];
    for text in &outputs {
        assert!(!text.contains("JohnDeo"), "{text}");
        assert!(!text.contains(&signature[..16]), "{text}");
        assert!(!text.contains("nmFmQEsNgz6AVpgLVUJ0"), "{text}");
    }
    assert!(outputs[0].contains("wh-secret-check") && outputs[0].contains("ContactCreate"));
}

/// A store that records calls and can be told to fail, standing in for an
/// app's database.
#[derive(Default)]
struct CountingStore {
    inner: MemoryReplayStore,
    calls: AtomicUsize,
    down: bool,
}

impl ReplayStore for CountingStore {
    async fn insert_if_new(
        &self,
        id: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, ReplayStoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down {
            return Err(ReplayStoreError("database unreachable".into()));
        }
        self.inner.insert_if_new(id, expires_at, now).await
    }

    async fn remove(&self, id: &str) -> Result<(), ReplayStoreError> {
        self.inner.remove(id).await
    }
}

#[tokio::test]
async fn an_app_store_is_used_and_its_failure_rejects_the_event() {
    let body = create_body("wh-1", "2025-01-28T14:35:00Z");
    let signature = sign(key_a(), &body);
    let counted = verifier().with_replay_store(CountingStore::default());
    counted
        .verify(&body, Some(signature.as_bytes()), now())
        .await
        .unwrap();
    assert!(matches!(
        counted
            .verify(&body, Some(signature.as_bytes()), now())
            .await,
        Err(WebhookError::Replayed { .. })
    ));
    // Not consulted for a delivery that fails an earlier check.
    let _ = counted
        .verify(b"{}", Some(signature.as_bytes()), now())
        .await;
    assert_eq!(counted.replay_store().calls.load(Ordering::SeqCst), 2);

    let down = verifier().with_replay_store(CountingStore {
        down: true,
        ..Default::default()
    });
    let err = down
        .verify(&body, Some(signature.as_bytes()), now())
        .await
        .unwrap_err();
    assert!(matches!(err, WebhookError::Store(_)), "{err:?}");
}

#[tokio::test]
async fn the_memory_store_is_bounded_in_time_and_size() {
    let store = MemoryReplayStore::new(2);
    let t = sent_at();
    let later = |s| t + TimeDelta::seconds(s);
    assert!(store.insert_if_new("a", later(100), t).await.unwrap());
    assert!(store.insert_if_new("b", later(200), t).await.unwrap());
    assert!(!store.insert_if_new("a", later(100), t).await.unwrap());
    // Full: "c" pushes out "a", the one expiring first.
    assert!(store.insert_if_new("c", later(300), t).await.unwrap());
    assert_eq!(store.len(), 2);
    assert!(store.insert_if_new("a", later(100), t).await.unwrap());
    // After their expiry, ids are dropped and accepted again.
    assert!(store
        .insert_if_new("b", later(500), later(250))
        .await
        .unwrap());
    assert_eq!(
        store.len(),
        2,
        "`a` expired at +100 and was dropped; `c` and `b` stay"
    );
}

#[test]
fn public_keys_parse_from_pem_and_der_and_reject_other_things() {
    let a = &key_a().public;
    assert_eq!(a.bits(), 2048);
    assert_eq!(format!("{a:?}"), "PublicKey(RSA 2048 bits)");
    let private = std::fs::read_to_string(
        tests::root().join("tests/fixtures/webhook-keys/test_key_a.pk8.pem"),
    )
    .unwrap();
    assert_eq!(
        PublicKey::from_pem(&private),
        Err(KeyError::UnsupportedPemLabel)
    );
    assert_eq!(PublicKey::from_pem("hello"), Err(KeyError::NotPem));
    assert_eq!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
        Err(KeyError::BadDer)
    );
    // PKCS#1 DER, as the client passes it to ring, makes the same key.
    let pkcs1 = key_a().pair.public().as_ref().to_vec();
    assert_eq!(&PublicKey::from_pkcs1_der(&pkcs1).unwrap(), a);
}

#[test]
fn random_bodies_and_headers_never_panic_and_never_verify() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let verifier = verifier();
    let header = prop_oneof![
        Just(None),
        proptest::collection::vec(any::<u8>(), 0..1500).prop_map(Some),
        "[A-Za-z0-9+/=]{0,700}".prop_map(|s| Some(s.into_bytes())),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 512,
        ..Config::default()
    });
    runner
        .run(
            &(proptest::collection::vec(any::<u8>(), 0..2048), header),
            |(body, header)| {
                let result = runtime.block_on(verifier.verify(&body, header.as_deref(), now()));
                // Nobody but key `a` can sign: random input never passes.
                prop_assert!(result.is_err());
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn random_signed_bodies_never_panic() {
    // Signed, so each gets past the signature to the JSON checks: JSON-ish
    // text from a few tokens, and arbitrary bytes.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let verifier = verifier();
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\"type\":".to_owned()),
        Just("\"ContactDndUpdate\"".to_owned()),
        Just("\"timestamp\":\"2025-01-28T14:35:00Z\"".to_owned()),
        Just("\"webhookId\":".to_owned()),
        Just(",".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("null".to_owned()),
        "\"[a-z]{0,5}\"",
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let body = prop_oneof![
        proptest::collection::vec(token, 0..40).prop_map(|t| t.concat().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..256),
    ];
    // Signing is slow in a debug build: fewer cases than the unsigned test.
    let mut runner = TestRunner::new(Config {
        cases: 96,
        ..Config::default()
    });
    runner
        .run(&body, |body| {
            let signature = sign(key_a(), &body);
            let result =
                runtime.block_on(verifier.verify(&body, Some(signature.as_bytes()), now()));
            let rejected_signature = matches!(
                result,
                Err(WebhookError::BadSignature { .. } | WebhookError::MalformedSignature { .. })
            );
            prop_assert!(!rejected_signature, "a correct signature was rejected");
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_generator_names_the_location_of_a_webhook_event_that_is_not_a_name() {
    let dir = tests::root().join("target/webhook-event-spec");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("bad_event.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Events, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    \
         Created:\n      x-webhook-event: [Created]\n      type: object\n      properties:\n        \
         id: {type: string}\n",
    )
    .unwrap();
    let options = generator::Options {
        runtime: generator::Runtime::in_crate(),
        spec_name: "bad_event.yaml".into(),
        standalone: None,
        deny_warnings: false,
    };
    let diagnostics = generator::generate(&spec, &options).unwrap_err();
    let text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(
        text.contains("`x-webhook-event` must be a string"),
        "{text}"
    );
    assert!(
        text.contains("#/components/schemas/Created/x-webhook-event"),
        "{text}"
    );
}
