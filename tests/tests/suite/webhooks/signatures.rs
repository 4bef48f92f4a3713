//! The signature: over the raw bytes, by any configured key, and headers
//! that are missing, empty, not base64 or huge.

use super::*;

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
    let ContactEvent::TagUpdate(contact) = verified.event else {
        panic!("{:?}", verified.event);
    };
    assert_eq!(contact.tags, ["a", "b"]);
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

#[tokio::test]
async fn a_receiver_is_tested_locally_with_a_signer_of_its_own() {
    let dir = tests::root().join("tests/fixtures/webhook-keys");
    let pem = std::fs::read_to_string(dir.join("test_key_a.pk8.pem")).unwrap();
    let signer = Signer::from_pkcs8_pem(&pem).unwrap();
    assert_eq!(signer.public_key(), key_a().public);
    assert_eq!(format!("{signer:?}"), "Signer(RSA 2048 bits)");
    let verifier = Verifier::new().with_keys([signer.public_key()]);

    // A vendor page's example as printed: no `timestamp`, no `webhookId`.
    let (_, mut example) = spec_examples().remove(0);
    let fields = example.as_object_mut().unwrap();
    fields.remove("timestamp");
    fields.remove("webhookId");
    let body = serde_json::to_vec(&example).unwrap();
    let signature = signer.sign(&body);
    assert_eq!(
        signature,
        sign(key_a(), &body),
        "deterministic, as the vendor's"
    );
    let err = verify_with(&verifier, &body, &signature).await.unwrap_err();
    assert!(
        matches!(&err, WebhookError::Malformed { path, problem: "missing" } if path == "timestamp"),
        "{err:?}"
    );

    // What a real delivery carries besides: both, then it verifies.
    example["timestamp"] = json!("2025-01-28T14:35:00Z");
    example["webhookId"] = json!("local-test-1");
    let body = serde_json::to_vec(&example).unwrap();
    let verified = verify_with(&verifier, &body, &signer.sign(&body))
        .await
        .unwrap();
    assert_eq!(verified.webhook_id, "local-test-1");

    // Only a PKCS#8 private key signs.
    let public_pem = std::fs::read_to_string(dir.join("test_key_a.pub.pem")).unwrap();
    assert_eq!(
        Signer::from_pkcs8_pem(&public_pem).unwrap_err(),
        KeyError::BadPrivateKey
    );
    assert_eq!(
        Signer::from_pkcs8_pem("not a key").unwrap_err(),
        KeyError::NotPem
    );
}
