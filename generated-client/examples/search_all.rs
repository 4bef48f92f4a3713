//! List every contact of a location whose e-mail ends in a domain, page by
//! page, with a stream that follows the API's paging for you.
//!
//! ```sh
//! LEADCONNECTOR_TOKEN=pit-... LOCATION_ID=ve9EPM428h8vShlRW1KT \
//!     cargo run -p leadconnector --example search_all -- deos.com
//! ```

use futures_util::TryStreamExt;
use leadconnector::{types, Client};

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name} (see the comment at the top of this file)"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let domain = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "deos.com".to_owned());
    let mut builder = Client::builder(env("LEADCONNECTOR_TOKEN")?);
    if let Ok(base_url) = std::env::var("LEADCONNECTOR_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    let client = builder.build()?;

    // A filter group: e-mail contains the domain AND the contact is not
    // marked Do Not Disturb. Unions convert from their payloads.
    let by_domain = types::SearchFilter::new("email", "contains").value(domain.as_str());
    let reachable = types::SearchFilter::new("dnd", "eq").value(false);
    let group = types::SearchFilterGroup::new(types::SearchLogic::And, [by_domain, reachable]);
    let sort = types::SearchSort::new("dateAdded", types::SearchSortDirection::Desc);
    let request = types::SearchContactsRequest::new(env("LOCATION_ID")?, 100)
        .filters([types::SearchFilterItem::from(group)])
        .sort([sort]);

    let mut contacts = client.search_contacts_stream(request);
    let mut count = 0_usize;
    while let Some(contact) = contacts.try_next().await? {
        count += 1;
        // Tags are a plain `Vec`: empty when the contact has none.
        println!("{} tags={:?}", contact.id, contact.tags);
    }
    println!("{count} contact(s) with an e-mail at {domain}");
    Ok(())
}
