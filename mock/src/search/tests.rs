use leadconnector::types::{
    CreateContactRequest, SearchContactsRequest, SearchFilter, SearchFilterGroup, SearchSort,
};
use serde_json::json;

use super::*;
use crate::store::DuplicateSettings;

/// Ten contacts: "Person 0" .. "Person 9", added a second apart, even ones
/// tagged `even`, every third with `dnd`, e-mail only on the first five.
fn store() -> (Store, String) {
    let mut store = Store::new(11);
    let loc = store.add_location(DuplicateSettings {
        allow_duplicates: true,
        ..Default::default()
    });
    for i in 0..10 {
        let mut request = CreateContactRequest::new(&loc)
            .first_name(format!("Person {i}"))
            .last_name(if i < 5 { "Alpha" } else { "Beta" })
            .dnd(i % 3 == 0);
        if i % 2 == 0 {
            request = request.tags(["even"]);
        }
        if i < 5 {
            request = request.email(format!("p{i}@example.com"));
        }
        store
            .create_contact(Access::Any, &request, i * 1000)
            .unwrap();
    }
    (store, loc)
}

fn names(response: &SearchContactsResponse) -> Vec<String> {
    response
        .contacts
        .iter()
        .map(|c| c.first_name.clone().unwrap_or_default())
        .collect()
}

fn filter(field: &str, operator: &str, value: Option<Value>) -> SearchFilterItem {
    let mut f = SearchFilter::new(field, operator);
    f.value = value;
    f.into()
}

fn search(store: &Store, request: &SearchContactsRequest) -> SearchContactsResponse {
    store.search_contacts(Access::Any, request).unwrap()
}

#[test]
fn default_order_is_newest_first_with_the_total() {
    let (store, loc) = store();
    let r = search(&store, &SearchContactsRequest::new(&loc, 3));
    assert_eq!(names(&r), ["Person 9", "Person 8", "Person 7"]);
    assert_eq!(r.total, Some(10));
    assert_eq!(r.contacts[0].search_after[0], json!(9000));
    let page3 = search(&store, &SearchContactsRequest::new(&loc, 3).page(3));
    assert_eq!(names(&page3), ["Person 3", "Person 2", "Person 1"]);
    let page5 = search(&store, &SearchContactsRequest::new(&loc, 3).page(5));
    assert!(page5.contacts.is_empty());
}

#[test]
fn the_documented_operators() {
    let (store, loc) = store();
    let run = |items: Vec<SearchFilterItem>| {
        let mut names = names(&search(
            &store,
            &SearchContactsRequest::new(&loc, 100).filters(items),
        ));
        names.sort();
        names
    };
    assert_eq!(
        run(vec![filter(
            "firstNameLowerCase",
            "eq",
            Some(json!("person 4"))
        )]),
        ["Person 4"]
    );
    assert_eq!(run(vec![filter("dnd", "eq", Some(json!(true)))]).len(), 4);
    assert_eq!(
        run(vec![filter("lastName", "not_eq", Some(json!("alpha")))]).len(),
        5
    );
    assert_eq!(
        run(vec![filter("email", "contains", Some(json!("P3@")))]),
        ["Person 3"]
    );
    assert_eq!(
        run(vec![filter(
            "email",
            "not_contains",
            Some(json!("example"))
        )])
        .len(),
        5
    );
    assert_eq!(run(vec![filter("email", "exists", None)]).len(), 5);
    assert_eq!(run(vec![filter("email", "not_exists", None)]).len(), 5);
    assert_eq!(
        run(vec![filter("tags", "eq", Some(json!("even")))]).len(),
        5
    );
    assert_eq!(
        run(vec![filter(
            "dateAdded",
            "range",
            Some(json!({"gte": "1970-01-01T00:00:02Z", "lt": 5000}))
        )]),
        ["Person 2", "Person 3", "Person 4"]
    );
}

#[test]
fn groups_nest_and_top_level_entries_are_and() {
    let (store, loc) = store();
    // dnd AND (first name "person 9" OR last name "alpha"): 0, 3, 9.
    let items = vec![
        filter("dnd", "eq", Some(json!(true))),
        SearchFilterGroup::new(
            "OR",
            [
                filter("firstNameLowerCase", "eq", Some(json!("person 9"))),
                filter("lastNameLowerCase", "eq", Some(json!("alpha"))),
            ],
        )
        .into(),
    ];
    let r = search(
        &store,
        &SearchContactsRequest::new(&loc, 100).filters(items),
    );
    assert_eq!(names(&r), ["Person 9", "Person 3", "Person 0"]);
    // A nested AND inside an OR.
    let nested = vec![SearchFilterItem::from(SearchFilterGroup::new(
        "OR",
        [
            SearchFilterItem::from(SearchFilterGroup::new(
                "AND",
                [
                    filter("tags", "eq", Some(json!("even"))),
                    filter("lastName", "eq", Some(json!("beta"))),
                ],
            )),
            filter("firstName", "eq", Some(json!("person 1"))),
        ],
    ))];
    let r = search(
        &store,
        &SearchContactsRequest::new(&loc, 100).filters(nested),
    );
    assert_eq!(names(&r), ["Person 8", "Person 6", "Person 1"]);
}

#[test]
fn query_and_sort() {
    let (store, loc) = store();
    let r = search(&store, &SearchContactsRequest::new(&loc, 100).query("beta"));
    assert_eq!(r.total, Some(5));
    let sorted = SearchContactsRequest::new(&loc, 4).sort([
        SearchSort::new("lastName", "desc"),
        SearchSort::new("firstName", "asc"),
    ]);
    let r = search(&store, &sorted);
    assert_eq!(names(&r), ["Person 5", "Person 6", "Person 7", "Person 8"]);
    assert_eq!(
        r.contacts[0].search_after,
        [json!("beta"), json!("person 5"), json!(r.contacts[0].id)]
    );
    // Missing values sort last whichever the direction.
    let by_email = SearchContactsRequest::new(&loc, 6).sort([SearchSort::new("email", "desc")]);
    let r = search(&store, &by_email);
    assert_eq!(
        &names(&r)[..5],
        ["Person 4", "Person 3", "Person 2", "Person 1", "Person 0"]
    );
}

#[test]
fn search_after_walks_past_any_page_without_gaps_or_repeats() {
    let (store, loc) = store();
    let sort = [SearchSort::new("lastName", "asc")];
    let mut seen = Vec::new();
    let mut request = SearchContactsRequest::new(&loc, 3).sort(sort.clone());
    loop {
        let r = search(&store, &request);
        assert_eq!(r.total, Some(10));
        if r.contacts.is_empty() {
            break;
        }
        seen.extend(names(&r));
        request = SearchContactsRequest::new(&loc, 3)
            .sort(sort.clone())
            .search_after(r.contacts.last().unwrap().search_after.clone());
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (10, 10));
}

#[test]
fn the_documented_limits_are_refused_with_422() {
    let (store, loc) = store();
    let refused =
        |request: SearchContactsRequest| match store.search_contacts(Access::Any, &request) {
            Err(ApiError::Unprocessable { messages }) => messages.join(" "),
            other => panic!("{other:?}"),
        };
    assert!(refused(SearchContactsRequest::new(&loc, 501)).contains("pageLimit"));
    assert!(refused(SearchContactsRequest::new(&loc, 0)).contains("pageLimit"));
    assert!(refused(SearchContactsRequest::new(&loc, 500).page(21)).contains("10000"));
    assert!(store
        .search_contacts(Access::Any, &SearchContactsRequest::new(&loc, 500).page(20))
        .is_ok());
    assert!(refused(
        SearchContactsRequest::new(&loc, 10)
            .page(1)
            .search_after(vec![json!(1), json!("x")])
    )
    .contains("together"));
    assert!(refused(SearchContactsRequest::new(&loc, 10).query("x".repeat(76))).contains("75"));
    assert!(
        refused(SearchContactsRequest::new(&loc, 10).filters([filter(
            "email",
            "contains",
            Some(json!("a*b"))
        )]))
        .contains("special")
    );
    assert!(
        refused(SearchContactsRequest::new(&loc, 10).filters([filter(
            "shoeSize",
            "eq",
            Some(json!(1))
        )]))
        .contains("shoeSize")
    );
    assert!(
        refused(SearchContactsRequest::new(&loc, 10).filters([filter(
            "email",
            "like",
            Some(json!("a"))
        )]))
        .contains("like")
    );
    assert!(
        refused(SearchContactsRequest::new(&loc, 10).filters([filter(
            "dateAdded",
            "range",
            Some(json!({"after": 1}))
        )]))
        .contains("after")
    );
    assert!(
        refused(SearchContactsRequest::new(&loc, 10).search_after(vec![json!("x")]))
            .contains("searchAfter")
    );
    assert_eq!(
        store
            .search_contacts(
                Access::Location("elsewhere"),
                &SearchContactsRequest::new(&loc, 10)
            )
            .unwrap_err()
            .status(),
        401
    );
}

#[test]
fn custom_fields_are_searchable_by_id() {
    let mut store = Store::new(2);
    let loc = store.add_location(DuplicateSettings::default());
    for (i, score) in [10, 50, 90].into_iter().enumerate() {
        let field = leadconnector::types::CustomFieldInput::new("score")
            .field_value(leadconnector::types::CustomFieldValue::Number(score.into()));
        let request = CreateContactRequest::new(&loc)
            .email(format!("c{i}@x.io"))
            .custom_fields([field]);
        store
            .create_contact(Access::Any, &request, i as i64)
            .unwrap();
    }
    let request = SearchContactsRequest::new(&loc, 10)
        .filters([filter(
            "customFields.score",
            "range",
            Some(json!({"gt": 20})),
        )])
        .sort([SearchSort::new("customFields.score", "desc")]);
    let r = search(&store, &request);
    let emails: Vec<_> = r
        .contacts
        .iter()
        .map(|c| c.email.clone().unwrap())
        .collect();
    assert_eq!(emails, ["c2@x.io", "c1@x.io"]);
}
