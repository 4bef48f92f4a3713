//! Webhook verification: signatures over the raw bytes, key rotation, the
//! time window, replays, typed decoding of the five events, and headers and
//! bodies that are wrong in every way.
//!
//! Bodies are signed with the test-only key pairs in
//! `tests/fixtures/webhook-keys/` (the vendor's private key is not ours).
//! The five event bodies are the `example`s of `spec/webhooks.yaml`.

use std::sync::OnceLock;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use leadconnector::webhooks::types::{ContactEvent, WebhookDndSettingStatus};
use leadconnector::webhooks::{
    KeyError, MemoryReplayStore, PublicKey, ReplayStore, ReplayStoreError, Signer, Verifier,
    WebhookError, DEFAULT_WINDOW,
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

mod decoding;
mod robustness;
mod signatures;
mod times;
mod window_and_replay;
