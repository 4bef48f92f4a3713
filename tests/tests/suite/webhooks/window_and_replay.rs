//! The time window and replays: the default in-memory store and an app's.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

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
async fn a_replay_is_caught_up_to_the_last_instant_the_window_accepts() {
    // The store may forget an id once its event is too old for the window,
    // and not a moment before: at the edge both checks must agree.
    let verifier = verifier();
    let body = create_body("wh-edge", "2025-01-28T14:35:00Z");
    let signature = sign(key_a(), &body);
    let edge = sent_at() + TimeDelta::from_std(DEFAULT_WINDOW).unwrap();
    let at = |time| verifier.verify(&body, Some(signature.as_bytes()), time);
    at(sent_at()).await.unwrap();
    let err = at(edge).await.unwrap_err();
    assert!(matches!(err, WebhookError::Replayed { .. }), "{err:?}");
    let err = at(edge + TimeDelta::milliseconds(1)).await.unwrap_err();
    assert!(matches!(err, WebhookError::Stale { .. }), "{err:?}");
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
