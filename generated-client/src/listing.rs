//! The two contact listings that page, as streams over every contact:
//! `getContacts` (deprecated by the vendor; a `startAfterId` / `startAfter`
//! cursor in `meta`) and `getContactsByBusinessId` (`skip` / `limit`).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, BoxStream, Stream};

use crate::types::{Contact, ContactsListResponse, ContactsMeta};
use crate::Error;
use crate::{ErrorBody, GetContactsByBusinessIdParams, GetContactsParams};

/// Page size of `getContacts` when `limit` is not given (the vendor's default).
pub const CONTACTS_DEFAULT_LIMIT: i32 = 20;

/// Page size of `getContactsByBusinessId` when `limit` is not given (the
/// vendor's default).
pub const BUSINESS_CONTACTS_DEFAULT_LIMIT: i32 = 25;

/// A stream of contacts, one page in memory at a time.
pub struct ContactPages<E> {
    inner: BoxStream<'static, Result<Contact, Error<E>>>,
}

/// Every contact of a Location, from the deprecated `getContacts`; see
/// [`Client::contacts_stream`](crate::Client::contacts_stream).
pub type ContactsStream = ContactPages<ErrorBody>;

/// Every contact of a business; see
/// [`Client::contacts_by_business_stream`](crate::Client::contacts_by_business_stream).
pub type BusinessContactsStream = ContactPages<ErrorBody>;

impl<E> fmt::Debug for ContactPages<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContactPages").finish_non_exhaustive()
    }
}

impl<E> Stream for ContactPages<E> {
    type Item = Result<Contact, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// What a pager does once its buffered page is drained.
enum Next<Q> {
    /// Ask for the page `Q` describes.
    Fetch(Q),
    /// Yield this paging error.
    Fail(String),
    Done,
}

/// A page source: how to fetch the page `Q` names, and what follows it.
trait Pages: Send + 'static {
    type Query: Send;
    type Error: Send;
    const OPERATION: &'static str;

    fn fetch(
        &self,
        query: &Self::Query,
    ) -> impl std::future::Future<Output = Result<ContactsListResponse, Error<Self::Error>>> + Send;

    /// The page after `query`, which held `count` contacts; `received`
    /// counts every contact so far.
    fn after(
        &self,
        query: Self::Query,
        body: &ContactsListResponse,
        count: usize,
        received: u64,
    ) -> Next<Self::Query>;
}

struct Pager<P: Pages> {
    pages: P,
    buffer: std::vec::IntoIter<Contact>,
    next: Next<P::Query>,
    received: u64,
}

impl<P: Pages> Pager<P> {
    fn stream(pages: P, first: Next<P::Query>) -> ContactPages<P::Error> {
        let pager = Self {
            pages,
            buffer: Vec::new().into_iter(),
            next: first,
            received: 0,
        };
        ContactPages {
            inner: Box::pin(stream::unfold(pager, Self::step)),
        }
    }

    async fn step(mut self) -> Option<(Result<Contact, Error<P::Error>>, Self)> {
        loop {
            if let Some(contact) = self.buffer.next() {
                return Some((Ok(contact), self));
            }
            let query = match std::mem::replace(&mut self.next, Next::Done) {
                Next::Done => return None,
                Next::Fail(reason) => {
                    let error = Error::Paging {
                        operation: P::OPERATION,
                        reason,
                    };
                    return Some((Err(error), self));
                }
                Next::Fetch(query) => query,
            };
            let mut body = match self.pages.fetch(&query).await {
                Ok(body) => body,
                Err(error) => return Some((Err(error), self)),
            };
            let contacts = std::mem::take(&mut body.contacts);
            let count = contacts.len();
            self.received = self.received.saturating_add(count as u64);
            self.next = if count == 0 {
                Next::Done
            } else {
                self.pages.after(query, &body, count, self.received)
            };
            self.buffer = contacts.into_iter();
        }
    }
}

/// `getContacts` pages: the cursor of each page is in its `meta`.
struct CursorPages {
    client: crate::Client,
    location_id: String,
    limit: i32,
}

impl Pages for CursorPages {
    type Query = GetContactsParams;
    type Error = ErrorBody;
    const OPERATION: &'static str = "getContacts";

    #[allow(
        deprecated,
        reason = "the stream exists for apps still on the deprecated listing"
    )]
    fn fetch(
        &self,
        query: &GetContactsParams,
    ) -> impl std::future::Future<Output = Result<ContactsListResponse, Error<ErrorBody>>> + Send
    {
        let client = self.client.clone();
        let location_id = self.location_id.clone();
        let query = query.clone();
        async move {
            client
                .get_contacts(&location_id, &query)
                .await
                .map(crate::ApiResponse::into_body)
        }
    }

    fn after(
        &self,
        query: GetContactsParams,
        body: &ContactsListResponse,
        count: usize,
        received: u64,
    ) -> Next<GetContactsParams> {
        let meta = body.meta.as_ref();
        let total = meta.and_then(|m| m.total.as_ref()).and_then(whole_number);
        if total.is_some_and(|total| received >= total) || count < self.limit as usize {
            return Next::Done;
        }
        match cursor(meta) {
            Err(reason) => Next::Fail(reason),
            Ok((id, after))
                if query.start_after_id.as_deref() == Some(id.as_str())
                    && query.start_after == Some(after) =>
            {
                Next::Fail(
                    "`meta` names the same cursor as the page it came with; stopping rather than loop"
                        .to_owned(),
                )
            }
            Ok((id, after)) => Next::Fetch(GetContactsParams {
                start_after_id: Some(id),
                start_after: Some(after),
                ..query
            }),
        }
    }
}

/// The next page's `startAfterId` and `startAfter` from a page's `meta`.
fn cursor(meta: Option<&ContactsMeta>) -> Result<(String, i64), String> {
    let meta = meta.ok_or("a full page came without `meta`, which holds the next page's cursor")?;
    let id = meta
        .start_after_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or("`meta` has no `startAfterId` for the next page")?;
    let after = meta
        .start_after
        .as_ref()
        .ok_or("`meta` has no `startAfter` for the next page")?;
    let after = after.as_i64().ok_or_else(|| {
        format!("`meta.startAfter` is {after}, not a whole number of milliseconds")
    })?;
    Ok((id, after))
}

/// A JSON number that is a whole, non-negative count.
fn whole_number(n: &serde_json::Number) -> Option<u64> {
    n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 2f64.powi(53))
            .map(|f| f as u64)
    })
}

/// `getContactsByBusinessId` pages: `skip` moves on by each page's length.
struct OffsetPages {
    client: crate::Client,
    business_id: String,
    location_id: String,
    limit: i32,
}

impl Pages for OffsetPages {
    type Query = GetContactsByBusinessIdParams;
    type Error = ErrorBody;
    const OPERATION: &'static str = "getContactsByBusinessId";

    fn fetch(
        &self,
        query: &GetContactsByBusinessIdParams,
    ) -> impl std::future::Future<Output = Result<ContactsListResponse, Error<ErrorBody>>> + Send
    {
        let client = self.client.clone();
        let business_id = self.business_id.clone();
        let location_id = self.location_id.clone();
        let query = query.clone();
        async move {
            client
                .get_contacts_by_business_id(&business_id, &location_id, &query)
                .await
                .map(crate::ApiResponse::into_body)
        }
    }

    fn after(
        &self,
        query: GetContactsByBusinessIdParams,
        _body: &ContactsListResponse,
        count: usize,
        _received: u64,
    ) -> Next<GetContactsByBusinessIdParams> {
        if count < self.limit as usize {
            return Next::Done;
        }
        let skip = query.skip.unwrap_or(0);
        match i32::try_from(count).ok().and_then(|c| skip.checked_add(c)) {
            Some(skip) => Next::Fetch(GetContactsByBusinessIdParams {
                skip: Some(skip),
                ..query
            }),
            None => Next::Fail(format!(
                "`skip` would pass {} after {skip}; the API takes a 32-bit skip",
                i32::MAX
            )),
        }
    }
}

impl crate::Client {
    /// Every contact of a Location from the deprecated `getContacts`
    /// (`GET /contacts/`), as a stream that fetches one page at a time.
    ///
    /// It asks for the page `params` describes (`limit`, default
    /// [`CONTACTS_DEFAULT_LIMIT`]; `startAfterId`/`startAfter` to resume),
    /// then for the page after each one with the cursor in its `meta`. It
    /// stops at an empty or short page, after `meta.total` contacts, or at
    /// the first error, which it yields as its last item (`Error::Paging`
    /// when a full page lacks a cursor or repeats the one that fetched it).
    ///
    /// ```no_run
    /// # #![allow(deprecated)]
    /// use futures_util::TryStreamExt;
    /// use leadconnector::{Client, GetContactsParams};
    ///
    /// # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let params = GetContactsParams::default().limit(100);
    /// let mut contacts = client.contacts_stream("ve9EPM428h8vShlRW1KT", params);
    /// while let Some(contact) = contacts.try_next().await? {
    ///     println!("{:?}", contact.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[deprecated(
        note = "pages the deprecated `get_contacts`: use `search_contacts_stream` instead"
    )]
    pub fn contacts_stream(
        &self,
        location_id: impl Into<String>,
        params: GetContactsParams,
    ) -> ContactsStream {
        let limit = params.limit.unwrap_or(CONTACTS_DEFAULT_LIMIT);
        let first = if limit < 1 {
            Next::Fail(format!("limit is {limit}; it must be at least 1"))
        } else {
            Next::Fetch(params)
        };
        let pages = CursorPages {
            client: self.clone(),
            location_id: location_id.into(),
            limit,
        };
        Pager::stream(pages, first)
    }

    /// Every contact of a business (`getContactsByBusinessId`), as a stream
    /// that fetches one page at a time.
    ///
    /// It asks for `limit` contacts (default
    /// [`BUSINESS_CONTACTS_DEFAULT_LIMIT`]) from `skip` (default 0), then
    /// moves `skip` on by each page's length. It stops at an empty or short
    /// page, or at the first error, which it yields as its last item. The
    /// response's `count` is not used: the vendor does not say what it
    /// counts.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use leadconnector::{Client, GetContactsByBusinessIdParams};
    ///
    /// # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let params = GetContactsByBusinessIdParams::default().limit(100);
    /// let mut contacts =
    ///     client.contacts_by_business_stream("641c094001436dbc2081e642", "ve9EPM428h8vShlRW1KT", params);
    /// while let Some(contact) = contacts.try_next().await? {
    ///     println!("{:?}", contact.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn contacts_by_business_stream(
        &self,
        business_id: impl Into<String>,
        location_id: impl Into<String>,
        params: GetContactsByBusinessIdParams,
    ) -> BusinessContactsStream {
        let limit = params.limit.unwrap_or(BUSINESS_CONTACTS_DEFAULT_LIMIT);
        let skip = params.skip.unwrap_or(0);
        let first = if limit < 1 {
            Next::Fail(format!("limit is {limit}; it must be at least 1"))
        } else if skip < 0 {
            Next::Fail(format!("skip is {skip}; it cannot be negative"))
        } else {
            Next::Fetch(params)
        };
        let pages = OffsetPages {
            client: self.clone(),
            business_id: business_id.into(),
            location_id: location_id.into(),
            limit,
        };
        Pager::stream(pages, first)
    }
}
