use leadconnector::types;
use leadconnector_mock::MockServer;

#[tokio::test]
async fn create_then_get() {
    let mock = MockServer::start().await;
    let client = mock.client();
    let created = client
        .create_contact(
            &types::CreateContactRequest::new(mock.location_id())
                .first_name("Rosan")
                .email("rosan@deos.com"),
        )
        .await
        .expect("created");
    let got = client.get_contact(&created.contact.id).await.expect("got");
    assert_eq!(got.contact, created.contact);
    assert_eq!(got.rate_limit().remaining, Some(98));
    let missing = client.get_contact("nope").await.unwrap_err();
    println!("{missing}");
    println!(
        "{:#?}",
        mock.requests()
            .iter()
            .map(|r| (r.method.clone(), r.path.clone(), r.status))
            .collect::<Vec<_>>()
    );
}
