//! `searchContacts`: the documented filters (`eq`, `not_eq`, `contains`,
//! `not_contains`, `exists`, `not_exists`, `range`) in nested AND/OR
//! groups, free text, sorting, and both kinds of paging (`page` within the
//! first 10,000 records, `searchAfter` beyond), with the documented limits.
//!
//! A request is checked and compiled once ([`Plan::compile`]), then run
//! over the Location's contacts: one pass to filter and count, a linear
//! selection of the page, and a sort of that page only.

pub mod field;

use std::cmp::Ordering;

use leadconnector::types::{
    SearchContactsRequest, SearchContactsResponse, SearchFilter, SearchFilterItem, SearchLogic,
    SearchSortDirection,
};
use serde_json::Value;

use crate::choices::{
    is_plain_search_text, SEARCH_PAGE_LIMIT_MAX, SEARCH_PAGING_LIMIT, SEARCH_TEXT_MAX,
};
use crate::error::ApiError;
use crate::store::{Access, Entry, Record, Store, Text};
use field::{cmp_keys, contains_ignore_case, Field, Key, Limit, Wanted};

/// A compiled filter.
#[derive(Debug)]
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Leaf(Field, Op),
}

#[derive(Debug)]
enum Op {
    Eq(Wanted),
    NotEq(Wanted),
    /// Lower case.
    Contains(String),
    NotContains(String),
    Exists,
    NotExists,
    Range(Vec<(Bound, Limit)>),
}

#[derive(Clone, Copy, Debug)]
enum Bound {
    Gte,
    Gt,
    Lte,
    Lt,
}

impl Node {
    /// Whether it matches a contact.
    pub fn matches(&self, record: &Record) -> bool {
        match self {
            Node::All(nodes) => nodes.iter().all(|n| n.matches(record)),
            Node::Any(nodes) => nodes.iter().any(|n| n.matches(record)),
            Node::Leaf(field, op) => {
                let value = field.read(record);
                match op {
                    Op::Eq(v) => value.equals(v),
                    Op::NotEq(v) => !value.equals(v),
                    Op::Contains(s) => value.contains(s),
                    Op::NotContains(s) => !value.contains(s),
                    Op::Exists => value.exists(),
                    Op::NotExists => !value.exists(),
                    Op::Range(bounds) => bounds.iter().all(|(bound, v)| {
                        value.compare(v).is_some_and(|o| match bound {
                            Bound::Gte => o != Ordering::Less,
                            Bound::Gt => o == Ordering::Greater,
                            Bound::Lte => o != Ordering::Greater,
                            Bound::Lt => o == Ordering::Less,
                        })
                    }),
                }
            }
        }
    }
}

/// One sort key of the plan.
#[derive(Debug)]
struct Sort {
    field: Field,
    descending: bool,
}

/// Where the page starts.
#[derive(Debug)]
enum Start {
    /// Skip this many matches.
    Offset(usize),
    /// After this cursor (sort values, then the id).
    After(Vec<Value>),
}

/// A checked search, ready to run.
#[derive(Debug)]
pub struct Plan {
    filter: Node,
    query: Option<Query>,
    sort: Vec<Sort>,
    start: Start,
    limit: usize,
}

fn check_text(what: &str, text: &str) -> Result<(), ApiError> {
    if text.chars().count() > SEARCH_TEXT_MAX {
        return Err(ApiError::unprocessable(format!(
            "{what} must be shorter than or equal to {SEARCH_TEXT_MAX} characters"
        )));
    }
    Ok(())
}

fn compile_filter(filter: &SearchFilter) -> Result<Node, ApiError> {
    let field = Field::parse(&filter.field).ok_or_else(|| {
        ApiError::unprocessable(format!(
            "field {} is not a searchable contact field",
            filter.field
        ))
    })?;
    let value = filter.value.as_ref();
    let scalar = |op: &str| -> Result<Value, ApiError> {
        match value {
            Some(v @ (Value::Bool(_) | Value::Number(_))) => Ok(v.clone()),
            Some(Value::String(s)) => {
                check_text("value", s)?;
                Ok(Value::String(s.clone()))
            }
            _ => Err(ApiError::unprocessable(format!(
                "{op} on {} needs a value that is a string, number or boolean",
                filter.field
            ))),
        }
    };
    let text = |op: &str| -> Result<String, ApiError> {
        let Some(Value::String(s)) = value else {
            return Err(ApiError::unprocessable(format!(
                "{op} on {} needs a string value",
                filter.field
            )));
        };
        check_text("value", s)?;
        if !is_plain_search_text(s) {
            return Err(ApiError::unprocessable(format!(
                "{op} values cannot contain special characters: {s}"
            )));
        }
        Ok(s.to_lowercase())
    };
    let op = match filter.operator.as_str() {
        "eq" => Op::Eq(Wanted::new(scalar("eq")?, &field)),
        "not_eq" => Op::NotEq(Wanted::new(scalar("not_eq")?, &field)),
        "contains" => Op::Contains(text("contains")?),
        "not_contains" => Op::NotContains(text("not_contains")?),
        "exists" => Op::Exists,
        "not_exists" => Op::NotExists,
        "range" => {
            let Some(Value::Object(bounds)) = value else {
                return Err(ApiError::unprocessable(format!(
                    "range on {} needs an object with gte, gt, lte or lt",
                    filter.field
                )));
            };
            let mut parsed = Vec::new();
            for (key, bound) in bounds {
                let which = match key.as_str() {
                    "gte" => Bound::Gte,
                    "gt" => Bound::Gt,
                    "lte" => Bound::Lte,
                    "lt" => Bound::Lt,
                    other => {
                        return Err(ApiError::unprocessable(format!(
                            "range bound {other} is not one of gte, gt, lte, lt"
                        )))
                    }
                };
                let Some(limit) = Limit::new(bound, &field) else {
                    let what = if field.is_time() { "a date or a time" } else { "a number or a string" };
                    return Err(ApiError::unprocessable(format!(
                        "range bound {key} of {} must be {what}",
                        filter.field
                    )));
                };
                parsed.push((which, limit));
            }
            if parsed.is_empty() {
                return Err(ApiError::unprocessable(format!(
                    "range on {} needs at least one of gte, gt, lte, lt",
                    filter.field
                )));
            }
            Op::Range(parsed)
        }
        other => {
            return Err(ApiError::unprocessable(format!(
                "operator {other} is not one of eq, not_eq, contains, not_contains, exists, not_exists, range"
            )))
        }
    };
    Ok(Node::Leaf(field, op))
}

fn compile_items(items: &[SearchFilterItem], depth: u32) -> Result<Vec<Node>, ApiError> {
    if depth > 8 {
        return Err(ApiError::unprocessable("filter groups nest at most 8 deep"));
    }
    items
        .iter()
        .map(|item| match item {
            SearchFilterItem::Filter(f) => compile_filter(f),
            SearchFilterItem::Group(g) => {
                let nodes = compile_items(&g.filters, depth + 1)?;
                match &g.group {
                    SearchLogic::And => Ok(Node::All(nodes)),
                    SearchLogic::Or => Ok(Node::Any(nodes)),
                    other => Err(ApiError::unprocessable(format!(
                        "group must be AND or OR, not {other}"
                    ))),
                }
            }
            _ => Err(ApiError::unprocessable(
                "a filter is neither a filter nor a group",
            )),
        })
        .collect()
}

impl Plan {
    /// Checks a request against the documented limits and compiles it.
    pub fn compile(request: &SearchContactsRequest) -> Result<Plan, ApiError> {
        let limit = i64::from(request.page_limit);
        if !(1..=SEARCH_PAGE_LIMIT_MAX).contains(&limit) {
            return Err(ApiError::unprocessable(format!(
                "pageLimit must be between 1 and {SEARCH_PAGE_LIMIT_MAX}"
            )));
        }
        let start = match (&request.page, &request.search_after) {
            (Some(_), Some(_)) => {
                return Err(ApiError::unprocessable(
                    "page and searchAfter cannot be used together",
                ))
            }
            (_, Some(cursor)) => Start::After(cursor.clone()),
            (page, None) => {
                let page = i64::from(page.unwrap_or(1));
                if page < 1 {
                    return Err(ApiError::unprocessable("page must not be less than 1"));
                }
                if page * limit > SEARCH_PAGING_LIMIT {
                    return Err(ApiError::unprocessable(format!(
                        "page * pageLimit must not exceed {SEARCH_PAGING_LIMIT}; use searchAfter to page further"
                    )));
                }
                Start::Offset(((page - 1) * limit) as usize)
            }
        };
        let query = match &request.query {
            Some(q) => {
                check_text("query", q)?;
                Query::new(q)
            }
            None => None,
        };
        let filter = Node::All(compile_items(request.filters.as_deref().unwrap_or(&[]), 0)?);
        let mut sort = Vec::new();
        for s in request.sort.as_deref().unwrap_or(&[]) {
            let field = Field::parse(&s.field).ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "sort field {} is not a sortable contact field",
                    s.field
                ))
            })?;
            let descending = match &s.direction {
                SearchSortDirection::Asc => false,
                SearchSortDirection::Desc => true,
                other => {
                    return Err(ApiError::unprocessable(format!(
                        "direction must be asc or desc, not {other}"
                    )))
                }
            };
            sort.push(Sort { field, descending });
        }
        if sort.is_empty() {
            sort.push(Sort {
                field: Field::DateAdded,
                descending: true,
            });
        }
        Ok(Plan {
            filter,
            query,
            sort,
            start,
            limit: limit as usize,
        })
    }

    /// Whether the search reads contacts' text (free text, a filter other
    /// than on times, or a sort other than by time).
    fn reads_text(&self) -> bool {
        let times_only = |field: &Field| matches!(field, Field::DateAdded | Field::DateUpdated);
        self.query.is_some()
            || !matches!(&self.filter, Node::All(nodes) if nodes.iter().all(|n| matches!(n, Node::Leaf(f, _) if times_only(f))))
            || !self.sort.iter().all(|s| times_only(&s.field))
    }

    /// The contacts of `entries` that match, with their first sort key.
    fn matching<'a>(&self, entries: impl Iterator<Item = &'a Entry>) -> Vec<Match<'a>> {
        entries
            .filter(|e| {
                self.query.as_ref().is_none_or(|q| q.matches(&e.record))
                    && self.filter.matches(&e.record)
            })
            .map(|entry| Match::new(self.first_key(&entry.record), entry))
            .collect()
    }

    /// The first sort key of a contact (the one worth keeping beside it).
    fn first_key<'a>(&self, record: &'a Record) -> Key<'a> {
        self.sort[0].field.read(record).key()
    }

    /// The order of two contacts: the sort keys, then the id.
    fn order(&self, a: &Match<'_>, b: &Match<'_>) -> Ordering {
        let descending = self.sort[0].descending;
        let first = match (&a.key, &b.key) {
            (Key::Text(_), Key::Text(_)) if a.prefix != b.prefix => {
                let by_prefix = a.prefix.cmp(&b.prefix);
                if descending {
                    by_prefix.reverse()
                } else {
                    by_prefix
                }
            }
            // Both texts fit their prefixes, which are equal: so are they.
            (Key::Text(_), Key::Text(_)) if a.complete && b.complete => Ordering::Equal,
            (x, y) => cmp_keys(x, y, descending),
        };
        first
            .then_with(|| {
                for s in &self.sort[1..] {
                    let (x, y) = (
                        s.field.read(&a.entry.record).key(),
                        s.field.read(&b.entry.record).key(),
                    );
                    match cmp_keys(&x, &y, s.descending) {
                        Ordering::Equal => continue,
                        other => return other,
                    }
                }
                Ordering::Equal
            })
            .then_with(|| {
                a.id.cmp(&b.id)
                    .then_with(|| a.entry.record.id.cmp(&b.entry.record.id))
            })
    }

    /// Whether a contact comes after the cursor.
    fn after(&self, m: &Match<'_>, keys: &[Key<'_>], id: &str) -> bool {
        let mut ord = cmp_keys(&m.key, &keys[0], self.sort[0].descending);
        for (i, s) in self.sort.iter().enumerate().skip(1) {
            if ord != Ordering::Equal {
                break;
            }
            ord = cmp_keys(&s.field.read(&m.entry.record).key(), &keys[i], s.descending);
        }
        ord == Ordering::Greater || (ord == Ordering::Equal && *m.entry.record.id > *id)
    }

    /// The cursor as sort keys and an id.
    fn cursor(&self, cursor: &[Value]) -> Result<(Vec<Key<'static>>, String), ApiError> {
        let bad = || {
            ApiError::unprocessable(format!(
                "searchAfter must hold {} values: the searchAfter of the last contact of the previous page",
                self.sort.len() + 1
            ))
        };
        if cursor.len() != self.sort.len() + 1 {
            return Err(bad());
        }
        let id = cursor[self.sort.len()].as_str().ok_or_else(bad)?.to_owned();
        let keys = cursor[..self.sort.len()]
            .iter()
            .zip(&self.sort)
            .map(|(v, s)| Key::from_json(v, s.field.is_time()).ok_or_else(bad))
            .collect::<Result<_, _>>()?;
        Ok((keys, id))
    }
}

/// A contact that matches, with its first sort key (and, for text, the
/// key's first bytes, which decide most comparisons without a second read).
struct Match<'a> {
    key: Key<'a>,
    prefix: u64,
    /// The prefix is the whole key.
    complete: bool,
    id: u64,
    entry: &'a Entry,
}

impl<'a> Match<'a> {
    fn new(key: Key<'a>, entry: &'a Entry) -> Self {
        let (prefix, complete) = match &key {
            Key::Text(text) => field::prefix(text),
            _ => (0, false),
        };
        Self {
            key,
            prefix,
            complete,
            id: entry.record.id_prefix,
            entry,
        }
    }
}

/// The free text of a search or listing, read once.
#[derive(Debug)]
pub struct Query {
    /// Lower case.
    text: String,
    /// Its digits, when it reads as (part of) a phone number.
    digits: Option<String>,
}

impl Query {
    /// The query `text`; `None` when it is blank.
    pub fn new(text: &str) -> Option<Query> {
        let text = text.trim().to_lowercase();
        if text.is_empty() {
            return None;
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let phone_like = digits.len() >= 3 && digits.len() * 2 >= text.len();
        Some(Query {
            digits: phone_like.then_some(digits),
            text,
        })
    }

    /// Whether it matches a contact.
    pub fn matches(&self, record: &Record) -> bool {
        // Most contacts do not hold the text anywhere: one scan of their
        // text says so, before the field-by-field check.
        let whole_text_only = self.digits.is_none() && !self.text.contains(' ');
        if whole_text_only && !contains_ignore_case(record.all_text(), &self.text) {
            return false;
        }
        query_matches(record, &self.text, self.digits.as_deref())
    }
}

/// Whether the free text `query` (lower case; `digits`: its digits when it
/// reads as a phone number) matches a contact.
pub fn query_matches(record: &Record, query: &str, digits: Option<&str>) -> bool {
    let texts = [
        Text::FirstName,
        Text::LastName,
        Text::Name,
        Text::Email,
        Text::CompanyName,
    ];
    if texts.iter().any(|t| {
        record
            .text(*t)
            .is_some_and(|s| contains_ignore_case(s, query))
    }) {
        return true;
    }
    // "first last" can only match across the space if the query has one.
    if query.contains(' ')
        && record
            .joined_name()
            .is_some_and(|n| contains_ignore_case(&n, query))
    {
        return true;
    }
    let Some(phone) = record.text(Text::Phone) else {
        return false;
    };
    if phone.contains(query) {
        return true;
    }
    let Some(digits) = digits else {
        return false;
    };
    let mut stored = [0u8; 32];
    let mut len = 0;
    for b in phone.bytes().filter(u8::is_ascii_digit).take(stored.len()) {
        stored[len] = b;
        len += 1;
    }
    let stored = &stored[..len];
    stored.len() >= digits.len() && stored.windows(digits.len()).any(|w| w == digits.as_bytes())
}

impl Store {
    /// `searchContacts`.
    pub fn search_contacts(
        &self,
        access: Access<'_>,
        request: &SearchContactsRequest,
    ) -> Result<SearchContactsResponse, ApiError> {
        let plan = Plan::compile(request)?;
        let location = self.existing_location(access, &request.location_id)?;
        // Load each contact's text ahead of its turn only when the search
        // reads text; the default order needs only the times, held inline.
        let mut matches = if plan.reads_text() {
            plan.matching(location.contacts.scan())
        } else {
            plan.matching(location.contacts.values())
        };
        let total = matches.len();
        let offset = match &plan.start {
            Start::Offset(offset) => *offset,
            Start::After(cursor) => {
                let (keys, id) = plan.cursor(cursor)?;
                matches.retain(|m| plan.after(m, &keys, &id));
                0
            }
        };
        let end = (offset + plan.limit).min(matches.len());
        let page: &[Match<'_>] = if offset >= matches.len() {
            &[]
        } else {
            if end < matches.len() {
                matches.select_nth_unstable_by(end, |a, b| plan.order(a, b));
            }
            let head = &mut matches[..end];
            head.sort_unstable_by(|a, b| plan.order(a, b));
            &head[offset..]
        };
        let mut response = SearchContactsResponse::default();
        response.total = Some(total as i64);
        response.contacts = page
            .iter()
            .map(|m| {
                let record = &m.entry.record;
                let mut contact = record.to_contact();
                contact.search_after = plan
                    .sort
                    .iter()
                    .map(|s| s.field.read(record).key().to_json())
                    .chain([Value::String(record.id.to_string())])
                    .collect();
                contact
            })
            .collect();
        Ok(response)
    }
}

#[cfg(test)]
mod tests;
