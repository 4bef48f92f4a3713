//! `searchContacts` as a stream over every result: page numbers for the
//! first 10,000 records, then the `searchAfter` cursor.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, BoxStream, Stream};

use crate::types::{Contact, SearchContactsRequest};
use crate::Error;
use crate::ErrorBody;
use crate::RequestOptions;

/// Page-based paging reaches only this many records: a request with
/// `page * pageLimit` above it is refused by the API, so the stream switches
/// to the `searchAfter` cursor there.
pub const SEARCH_PAGING_LIMIT: i64 = 10_000;

const OPERATION: &str = "searchContacts";

/// Every contact a search matches, one at a time; see
/// [`Client::search_contacts_stream`](crate::Client::search_contacts_stream).
pub struct SearchContactsStream {
    inner: BoxStream<'static, Result<Contact, Error<ErrorBody>>>,
}

impl fmt::Debug for SearchContactsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchContactsStream")
            .finish_non_exhaustive()
    }
}

impl Stream for SearchContactsStream {
    type Item = Result<Contact, Error<ErrorBody>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Which page to ask for next.
enum Next {
    Page(i32),
    Cursor(Vec<serde_json::Value>),
    /// Yield this paging error once the buffered page is drained.
    Fail(String),
    Done,
}

struct Pager {
    client: crate::Client,
    request: SearchContactsRequest,
    /// The contacts of the current page not yet yielded.
    buffer: std::vec::IntoIter<Contact>,
    next: Next,
    /// Contacts received so far.
    received: i64,
}

impl crate::Client {
    /// Every contact `request` matches, as a stream that fetches one page at
    /// a time and holds at most one page in memory.
    ///
    /// It asks for `request.page` (default 1) and the pages after it while
    /// `page * pageLimit` stays within [`SEARCH_PAGING_LIMIT`], then
    /// continues with the `searchAfter` cursor of the last contact received
    /// (or starts with `request.searchAfter` when it is set). It stops after
    /// `total` contacts, a short or empty page, or the first error, which it
    /// yields as its last item.
    ///
    /// Searching changes nothing, so page requests are retried like GETs
    /// (after 502/503/504 and lost connections), whatever the client's
    /// options say about idempotency.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use leadconnector::{types, Client};
    ///
    /// # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let request = types::SearchContactsRequest::new("ve9EPM428h8vShlRW1KT", 500);
    /// let mut contacts = client.search_contacts_stream(request);
    /// while let Some(contact) = contacts.try_next().await? {
    ///     println!("{:?}", contact.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn search_contacts_stream(&self, request: SearchContactsRequest) -> SearchContactsStream {
        let next = match (&request.search_after, request.page) {
            (Some(cursor), _) => Next::Cursor(cursor.clone()),
            (None, page) => {
                let page = page.unwrap_or(1);
                if request.page_limit <= 0 {
                    Next::Fail(format!(
                        "pageLimit is {}; it must be at least 1",
                        request.page_limit
                    ))
                } else if page < 1 {
                    Next::Fail(format!("page is {page}; pages start at 1"))
                } else if i64::from(page) * i64::from(request.page_limit) > SEARCH_PAGING_LIMIT {
                    Next::Fail(format!(
                        "page {page} of {} contacts is past the first {SEARCH_PAGING_LIMIT} records, \
                         which page numbers cannot reach: start from `searchAfter` instead",
                        request.page_limit
                    ))
                } else {
                    Next::Page(page)
                }
            }
        };
        let pager = Pager {
            client: self.with_options(RequestOptions::new().idempotent(true)),
            request,
            buffer: Vec::new().into_iter(),
            next,
            received: 0,
        };
        SearchContactsStream {
            inner: Box::pin(stream::unfold(pager, Pager::step)),
        }
    }
}

impl Pager {
    async fn step(mut self) -> Option<(Result<Contact, Error<ErrorBody>>, Self)> {
        loop {
            if let Some(contact) = self.buffer.next() {
                return Some((Ok(contact), self));
            }
            let asked = match std::mem::replace(&mut self.next, Next::Done) {
                Next::Done => return None,
                Next::Fail(reason) => {
                    let error = Error::Paging {
                        operation: OPERATION,
                        reason,
                    };
                    return Some((Err(error), self));
                }
                asked => asked,
            };
            let mut request = self.request.clone();
            match &asked {
                Next::Page(page) => {
                    request.page = Some(*page);
                    request.search_after = None;
                }
                Next::Cursor(cursor) => {
                    request.page = None;
                    request.search_after = Some(cursor.clone());
                }
                Next::Fail(_) | Next::Done => unreachable!("handled above"),
            }
            let body = match self.client.search_contacts(&request).await {
                Ok(response) => response.into_body(),
                Err(error) => return Some((Err(error), self)),
            };
            let contacts = body.contacts;
            let count = i64::try_from(contacts.len()).unwrap_or(i64::MAX);
            self.received = self.received.saturating_add(count);
            let limit = i64::from(self.request.page_limit);
            let finished = count == 0
                || count < limit
                || body.total.is_some_and(|total| self.received >= total);
            self.next = if finished {
                Next::Done
            } else {
                match asked {
                    Next::Page(page)
                        if i64::from(page).saturating_add(1).saturating_mul(limit)
                            <= SEARCH_PAGING_LIMIT =>
                    {
                        Next::Page(page + 1)
                    }
                    previous => cursor_after(&contacts, previous),
                }
            };
            self.buffer = contacts.into_iter();
        }
    }
}

/// The cursor for the page after `contacts`: the `searchAfter` of its last
/// contact, which must move on from the cursor that fetched it.
fn cursor_after(contacts: &[Contact], previous: Next) -> Next {
    // An absent cursor reads as an empty one.
    match contacts.last().map(|c| &c.search_after) {
        Some(cursor) if matches!(&previous, Next::Cursor(p) if p == cursor) => Next::Fail(
            "the `searchAfter` cursor did not move on; stopping rather than loop".to_owned(),
        ),
        Some(cursor) if !cursor.is_empty() => Next::Cursor(cursor.clone()),
        _ => Next::Fail(
            "the last contact of the page has no (or an empty) `searchAfter` cursor, which paging past \
             the first 10,000 records needs"
                .to_owned(),
        ),
    }
}
