//! Random bodies and headers: no panic, and nothing unsigned verifies.

use super::*;

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
