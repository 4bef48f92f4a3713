//! The generated server layer (`leadconnector::server`) on the wire: a
//! recording implementation of the contacts `Api` behind the generated
//! `Router`, served on loopback, driven by the client and by raw HTTP.

mod fake;

use fake::Recorder;
use leadconnector::server::{CreateContactInput, GetContactsInput};
use leadconnector::{types, Client};

use crate::wire::success_answer;

/// A valid request reaches the trait with its values typed as the client
/// sent them, and the trait's response comes back to the client.
#[tokio::test]
async fn a_valid_request_reaches_the_trait_with_typed_values() {
    let server = Recorder::start().await;
    let client = server.client();
    let body = types::CreateContactRequest::new("ve9EPM428h8vShlRW1KT")
        .first_name("Rosan")
        .email("rosan@deos.com")
        .tags(["vip", "newsletter"]);
    let created = client.create_contact(&body).await.expect("201");
    let (_, answer) = success_answer(&crate::common::spec(), "createContact");
    assert_eq!(
        created.contact.id,
        answer["contact"]["id"].as_str().unwrap()
    );
    let call = server.only_call();
    assert_eq!(call.operation, "createContact");
    assert_eq!(call.token.as_deref(), Some(fake::TOKEN));
    assert_eq!(
        call.input::<CreateContactInput>(),
        &CreateContactInput { body }
    );

    #[allow(
        deprecated,
        reason = "getContacts is deprecated by the vendor and served all the same"
    )]
    let listed = {
        let params = leadconnector::GetContactsParams::default()
            .limit(20)
            .start_after(1_603_870_249_758)
            .query("John");
        client.get_contacts("loc-1", &params).await
    };
    listed.expect("200");
    let call = server.only_call();
    assert_eq!(
        call.input::<GetContactsInput>(),
        &GetContactsInput {
            location_id: "loc-1".into(),
            start_after_id: None,
            start_after: Some(1_603_870_249_758),
            query: Some("John".into()),
            limit: Some(20),
        }
    );
    let _: Client = client;
}
