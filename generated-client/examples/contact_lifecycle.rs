//! Create a contact, read it back, clear its phone number, tag it, and
//! delete it: the everyday calls, with the errors a real program meets.
//!
//! ```sh
//! LEADCONNECTOR_TOKEN=pit-... LOCATION_ID=ve9EPM428h8vShlRW1KT \
//!     cargo run -p leadconnector --example contact_lifecycle
//! # against a local stand-in for the API:
//! LEADCONNECTOR_BASE_URL=http://127.0.0.1:8080 ... cargo run ...
//! ```

use std::time::Duration;

use leadconnector::{types, Client, Error, ErrorBody};

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name} (see the comment at the top of this file)"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Client::builder(env("LEADCONNECTOR_TOKEN")?).timeout(Duration::from_secs(20));
    if let Ok(base_url) = std::env::var("LEADCONNECTOR_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    let client = builder.build()?;
    let location = env("LOCATION_ID")?;

    // Required fields are `new`'s arguments; optional ones have setters.
    let request = types::CreateContactRequest::new(location)
        .first_name("Rosan")
        .last_name("Deo")
        .email("rosan@deos.com")
        .phone("+1 888-888-8888")
        .tags(["example"]);
    let created = client.create_contact(&request).await?;
    let id = &created.contact.id;
    println!("created contact {id}");

    // `Debug` keeps personal fields out of the output: the e-mail shows as
    // `<redacted>`. Read the field to use it.
    let fetched = client.get_contact(id).await?;
    println!("fetched: {:?}", fetched.contact);
    println!(
        "e-mail on file: {}",
        fetched.contact.email.as_deref().unwrap_or("(none)")
    );

    // `clear_phone` sends null, which removes the number; nothing else is sent.
    let update = types::UpdateContactRequest::default().clear_phone();
    match client.update_contact(id, &update).await {
        Ok(updated) => println!("phone cleared: {:?}", updated.succeeded),
        Err(Error::Api(api)) => match &api.body {
            ErrorBody::UnprocessableEntity(body) => eprintln!("rejected: {:?}", body.message),
            other => eprintln!("{}: {other:?}", api.status),
        },
        Err(other) => return Err(other.into()),
    }

    let tags = client
        .add_tags(id, &types::TagsRequest::new(["vip"]))
        .await?;
    println!("tags now: {:?}", tags.tags);

    let deleted = client.delete_contact(id).await?;
    println!(
        "deleted: {:?} ({} requests left in this window)",
        deleted.succeeded,
        deleted.rate_limit().remaining.unwrap_or(0)
    );
    Ok(())
}
