//! The contact fields a search can name, how to read them from a stored
//! contact, and how their values compare.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use crate::clock::parse_millis;
use crate::store::packed::Tags;
use crate::store::{Record, Text};

/// A field a filter or sort names.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Id,
    LocationId,
    Text(Text),
    FirstNameLower,
    LastNameLower,
    FullNameLower,
    EmailLower,
    Dnd,
    DateAdded,
    DateUpdated,
    Tags,
    Followers,
    /// `customFields.<id>`
    CustomField(String),
}

impl Field {
    /// The field a search names `name`.
    pub fn parse(name: &str) -> Option<Field> {
        if let Some(id) = name
            .strip_prefix("customFields.")
            .or_else(|| name.strip_prefix("customField."))
        {
            return (!id.is_empty()).then(|| Field::CustomField(id.to_owned()));
        }
        Some(match name {
            "id" => Field::Id,
            "locationId" => Field::LocationId,
            "firstNameLowerCase" => Field::FirstNameLower,
            "lastNameLowerCase" => Field::LastNameLower,
            "fullNameLowerCase" => Field::FullNameLower,
            "emailLowerCase" => Field::EmailLower,
            "dnd" => Field::Dnd,
            "dateAdded" => Field::DateAdded,
            "dateUpdated" => Field::DateUpdated,
            "tags" => Field::Tags,
            "followers" => Field::Followers,
            other => Field::Text(Text::from_wire(other)?),
        })
    }

    /// Whether the field holds a time (ranges compare times).
    pub fn is_time(&self) -> bool {
        matches!(
            self,
            Field::DateAdded | Field::DateUpdated | Field::Text(Text::DateOfBirth)
        )
    }

    /// The field's value in `record`.
    pub fn read<'a>(&self, record: &'a Record) -> Read<'a> {
        let text = |t: Option<&'a str>| t.map_or(Read::Missing, |s| Read::Str(Cow::Borrowed(s)));
        let owned = |t: Option<String>| t.map_or(Read::Missing, |s| Read::Str(Cow::Owned(s)));
        match self {
            Field::Id => Read::Str(Cow::Borrowed(&record.id)),
            Field::LocationId => Read::Str(Cow::Borrowed(&record.location_id)),
            Field::Text(Text::DateOfBirth) => record
                .text(Text::DateOfBirth)
                .and_then(parse_millis)
                .map_or(Read::Missing, Read::Time),
            Field::Text(Text::Name) => owned(record.display_name()),
            Field::Text(t) => text(record.text(*t)),
            // Case-insensitive comparisons make the lower-case copies read
            // the same as the originals.
            Field::FirstNameLower => text(record.text(Text::FirstName)),
            Field::LastNameLower => text(record.text(Text::LastName)),
            Field::EmailLower => text(record.text(Text::Email)),
            Field::FullNameLower => owned(record.full_name_lower()),
            Field::Dnd => record.dnd.map_or(Read::Missing, Read::Bool),
            Field::DateAdded => Read::Time(record.date_added),
            Field::DateUpdated => Read::Time(record.date_updated),
            Field::Tags => Read::Tags(record.tags()),
            Field::Followers => Read::List(&record.followers),
            Field::CustomField(id) => record
                .custom_fields
                .iter()
                .find(|(f, _)| **f == **id)
                .map_or(Read::Missing, |(_, v)| Read::Json(v)),
        }
    }
}

/// A field's value in one contact.
#[derive(Debug)]
pub enum Read<'a> {
    Missing,
    Str(Cow<'a, str>),
    Bool(bool),
    /// Milliseconds since the epoch.
    Time(i64),
    List(&'a [Box<str>]),
    Tags(Tags<'a>),
    Json(&'a Value),
}

/// `needle` (already lower case) within `hay`, ignoring case.
pub fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return true;
    };
    if !needle.is_ascii() {
        return hay.to_lowercase().contains(needle);
    }
    // An ASCII needle: find its first byte in either case (memchr), then
    // compare the rest. Bytes of other characters never equal ASCII ones.
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut from = 0;
    while let Some(i) = memchr::memchr2(lower, upper, &h[from..]) {
        let at = from + i;
        match h.get(at..at + n.len()) {
            None => return false,
            Some(window) if window.eq_ignore_ascii_case(n) => return true,
            Some(_) => from = at + 1,
        }
    }
    false
}

/// The first 8 bytes of `text` in lower case, as a big-endian number
/// (comparing two of them orders most texts without reading them again),
/// and whether that is the whole text.
pub fn prefix(text: &str) -> (u64, bool) {
    let mut bytes = [0u8; 8];
    let complete = if text.is_ascii() {
        for (slot, b) in bytes.iter_mut().zip(text.bytes()) {
            *slot = b.to_ascii_lowercase();
        }
        text.len() <= 8
    } else {
        let mut lower = text.chars().flat_map(char::to_lowercase);
        let mut at = 0;
        let mut buf = [0u8; 4];
        let mut complete = true;
        for c in lower.by_ref() {
            let encoded = c.encode_utf8(&mut buf).as_bytes();
            if at + encoded.len() > 8 {
                // Part of this character still orders it; the text goes on.
                for b in encoded {
                    if at < 8 {
                        bytes[at] = *b;
                        at += 1;
                    }
                }
                complete = false;
                break;
            }
            bytes[at..at + encoded.len()].copy_from_slice(encoded);
            at += encoded.len();
        }
        complete && lower.next().is_none()
    };
    (u64::from_be_bytes(bytes), complete)
}

/// Whether a string equals `wanted`, ignoring case.
fn text_equals_wanted(s: &str, wanted: &Wanted) -> bool {
    match &wanted.text {
        Some(w) if wanted.ascii => s.len() == w.len() && s.eq_ignore_ascii_case(w),
        Some(w) => s.to_lowercase() == *w,
        None => text_equals(s, &wanted.value),
    }
}

/// Whether a string equals `wanted` (a JSON scalar), ignoring case.
fn text_equals(s: &str, wanted: &Value) -> bool {
    match wanted {
        Value::String(w) => {
            s.eq_ignore_ascii_case(w) || (!s.is_ascii() && s.to_lowercase() == w.to_lowercase())
        }
        Value::Number(n) => s == n.to_string(),
        Value::Bool(b) => s.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        _ => false,
    }
}

fn json_equals(v: &Value, wanted: &Value) -> bool {
    match v {
        Value::String(s) => text_equals(s, wanted),
        Value::Number(n) => match wanted {
            Value::Number(w) => n.as_f64() == w.as_f64(),
            Value::String(w) => w.parse::<f64>().ok() == n.as_f64(),
            _ => false,
        },
        Value::Bool(b) => text_equals(if *b { "true" } else { "false" }, wanted),
        Value::Array(items) => items.iter().any(|i| json_equals(i, wanted)),
        Value::Object(_) | Value::Null => false,
    }
}

/// A time a filter value names: RFC 3339, a date, or milliseconds.
pub fn time_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => parse_millis(s),
        _ => None,
    }
}

/// The value of an `eq` / `not_eq`, read once when the search is compiled.
#[derive(Debug)]
pub struct Wanted {
    value: Value,
    /// The value as a time, for a field that holds times.
    time: Option<i64>,
    /// A string value in lower case, and whether it is ASCII.
    text: Option<String>,
    ascii: bool,
}

impl Wanted {
    pub fn new(value: Value, field: &Field) -> Self {
        let time = if field.is_time() {
            time_of(&value)
        } else {
            None
        };
        let text = value.as_str().map(str::to_lowercase);
        let ascii = value.as_str().is_some_and(str::is_ascii);
        Self {
            value,
            time,
            text,
            ascii,
        }
    }
}

/// A bound of a `range`, read once when the search is compiled.
#[derive(Debug)]
pub enum Limit {
    Time(i64),
    Number(f64),
    /// Lower case.
    Text(String),
}

impl Limit {
    /// The bound `value` for `field`, if it can be one.
    pub fn new(value: &Value, field: &Field) -> Option<Limit> {
        if field.is_time() {
            return time_of(value).map(Limit::Time);
        }
        match value {
            Value::Number(n) => n.as_f64().map(Limit::Number),
            Value::String(s) => Some(match s.parse::<f64>() {
                Ok(n) => Limit::Number(n),
                Err(_) => Limit::Text(s.to_lowercase()),
            }),
            _ => None,
        }
    }
}

impl Read<'_> {
    /// `eq`.
    pub fn equals(&self, wanted: &Wanted) -> bool {
        match self {
            Read::Missing => false,
            Read::Str(s) => text_equals_wanted(s, wanted),
            Read::Bool(b) => text_equals(if *b { "true" } else { "false" }, &wanted.value),
            Read::Time(t) => wanted.time == Some(*t),
            Read::List(items) => items.iter().any(|i| text_equals_wanted(i, wanted)),
            Read::Tags(tags) => tags.clone().any(|t| text_equals_wanted(t, wanted)),
            Read::Json(v) => json_equals(v, &wanted.value),
        }
    }

    /// `contains`, `needle` in lower case.
    pub fn contains(&self, needle: &str) -> bool {
        match self {
            Read::Str(s) => contains_ignore_case(s, needle),
            Read::List(items) => items.iter().any(|i| contains_ignore_case(i, needle)),
            Read::Tags(tags) => tags.clone().any(|t| contains_ignore_case(t, needle)),
            Read::Json(Value::String(s)) => contains_ignore_case(s, needle),
            Read::Json(Value::Array(items)) => items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| contains_ignore_case(s, needle))),
            Read::Json(Value::Number(n)) => n.to_string().contains(needle),
            _ => false,
        }
    }

    /// `exists`: present and not empty.
    pub fn exists(&self) -> bool {
        match self {
            Read::Missing => false,
            Read::Str(s) => !s.is_empty(),
            Read::List(items) => !items.is_empty(),
            Read::Tags(tags) => tags.clone().next().is_some(),
            Read::Json(v) => {
                !matches!(v, Value::Null)
                    && v.as_str().is_none_or(|s| !s.is_empty())
                    && v.as_array().is_none_or(|a| !a.is_empty())
            }
            Read::Bool(_) | Read::Time(_) => true,
        }
    }

    /// How the value compares with a range bound, if they can be compared.
    pub fn compare(&self, limit: &Limit) -> Option<Ordering> {
        let number = |n: f64| match limit {
            Limit::Number(b) => n.partial_cmp(b),
            _ => None,
        };
        match (self, limit) {
            (Read::Time(t), Limit::Time(b)) => Some(t.cmp(b)),
            (Read::Json(Value::Number(n)), _) => number(n.as_f64()?),
            (Read::Json(Value::String(s)), Limit::Text(b)) => Some(ci_cmp(s, b)),
            (Read::Json(Value::String(s)), Limit::Number(_)) => number(s.parse().ok()?),
            (Read::Str(s), Limit::Text(b)) => Some(ci_cmp(s, b)),
            (Read::Str(s), Limit::Number(_)) => number(s.parse().ok()?),
            _ => None,
        }
    }
}

impl<'a> Read<'a> {
    /// The value as a sort key, borrowing from the contact (text keeps its
    /// case; keys compare without it).
    pub fn key(self) -> Key<'a> {
        match self {
            Read::Missing => Key::Missing,
            Read::Str(s) => Key::Text(s),
            Read::Bool(b) => Key::Bool(b),
            Read::Time(t) => Key::Time(t),
            Read::List(items) => items
                .first()
                .map_or(Key::Missing, |t| Key::Text(Cow::Borrowed(&**t))),
            Read::Tags(mut tags) => tags
                .next()
                .map_or(Key::Missing, |t| Key::Text(Cow::Borrowed(t))),
            Read::Json(Value::Number(n)) => n.as_f64().map_or(Key::Missing, Key::Number),
            Read::Json(Value::String(s)) => Key::Text(Cow::Borrowed(s.as_str())),
            Read::Json(Value::Bool(b)) => Key::Bool(*b),
            Read::Json(_) => Key::Missing,
        }
    }
}

/// Compares text without case (ASCII without allocating).
pub fn ci_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .cmp(b.chars().flat_map(char::to_lowercase))
    }
}

/// One sort value of a contact.
#[derive(Clone, Debug, PartialEq)]
pub enum Key<'a> {
    Missing,
    Bool(bool),
    Number(f64),
    Time(i64),
    Text(Cow<'a, str>),
}

impl Key<'_> {
    /// The key in a `searchAfter` cursor (text in lower case).
    pub fn to_json(&self) -> Value {
        match self {
            Key::Missing => Value::Null,
            Key::Bool(b) => Value::Bool(*b),
            Key::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Key::Time(t) => Value::from(*t),
            Key::Text(s) => Value::String(s.to_lowercase()),
        }
    }

    /// A key from a `searchAfter` cursor, for a field that holds times
    /// (`time`) or not.
    pub fn from_json(value: &Value, time: bool) -> Option<Key<'static>> {
        Some(match value {
            Value::Null => Key::Missing,
            Value::Bool(b) => Key::Bool(*b),
            Value::Number(n) if time => Key::Time(n.as_i64()?),
            Value::Number(n) => Key::Number(n.as_f64()?),
            Value::String(s) if time => Key::Time(parse_millis(s)?),
            Value::String(s) => Key::Text(Cow::Owned(s.clone())),
            _ => return None,
        })
    }

    /// Ascending order of present values; a missing value is not ordered
    /// here (it goes last in either direction).
    fn cmp_present(&self, other: &Key<'_>) -> Ordering {
        match (self, other) {
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            (Key::Number(a), Key::Number(b)) => a.total_cmp(b),
            (Key::Time(a), Key::Time(b)) => a.cmp(b),
            (Key::Text(a), Key::Text(b)) => ci_cmp(a, b),
            // Mixed kinds (a custom field holding numbers and text): by kind.
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Missing => 4,
            Key::Bool(_) => 0,
            Key::Number(_) => 1,
            Key::Time(_) => 2,
            Key::Text(_) => 3,
        }
    }
}

/// Compares two keys for a sort in `descending` order or not; missing
/// values go last either way.
pub fn cmp_keys(a: &Key<'_>, b: &Key<'_>, descending: bool) -> Ordering {
    match (a, b) {
        (Key::Missing, Key::Missing) => Ordering::Equal,
        (Key::Missing, _) => Ordering::Greater,
        (_, Key::Missing) => Ordering::Less,
        _ if descending => b.cmp_present(a),
        _ => a.cmp_present(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_names_follow_the_wire() {
        assert_eq!(
            Field::parse("firstNameLowerCase"),
            Some(Field::FirstNameLower)
        );
        assert_eq!(
            Field::parse("companyName"),
            Some(Field::Text(Text::CompanyName))
        );
        assert_eq!(
            Field::parse("customFields.abc"),
            Some(Field::CustomField("abc".into()))
        );
        assert_eq!(Field::parse("nonsense"), None);
        assert_eq!(Field::parse("customFields."), None);
    }

    #[test]
    fn comparisons_ignore_case_and_read_times() {
        let mut record = Record::new("c1", "loc", 1_000);
        record.set_text(Text::FirstName, Some("Alex"));
        record.set_tags(&["vip".into(), "newsletter".into()]);
        record.custom_fields = vec![("score".into(), json!(42))];
        let eq = |field: &Field, v| Wanted::new(v, field);
        assert!(Field::FirstNameLower
            .read(&record)
            .equals(&eq(&Field::FirstNameLower, json!("alex"))));
        assert!(Field::Tags
            .read(&record)
            .equals(&eq(&Field::Tags, json!("VIP"))));
        assert!(Field::Tags.read(&record).contains("letter"));
        assert!(!Field::Text(Text::Email).read(&record).exists());
        let limit = Limit::new(&json!("1970-01-01T00:00:00.500Z"), &Field::DateAdded).unwrap();
        assert_eq!(
            Field::DateAdded.read(&record).compare(&limit),
            Some(Ordering::Greater)
        );
        let score = Field::CustomField("score".into());
        let limit = Limit::new(&json!(50), &score).unwrap();
        assert_eq!(score.read(&record).compare(&limit), Some(Ordering::Less));
        assert!(contains_ignore_case("Rosan DEO", "an de"));
    }

    #[test]
    fn prefixes_order_texts_as_the_full_comparison_does() {
        let texts = [
            "exactly8",
            "EXACTLY8!",
            "ééééé",
            "éééé",
            "abc",
            "ABD",
            "ab",
            "Zoë",
            "zoe",
            "Émile",
            "emile",
            "Deo",
            "deo peter",
            "Ñandú",
            "nandu",
            "",
            "é",
        ];
        for a in texts {
            for b in texts {
                let ((pa, ca), (pb, cb)) = (prefix(a), prefix(b));
                if pa != pb {
                    assert_eq!(pa.cmp(&pb), ci_cmp(a, b), "{a} vs {b}");
                } else if ca && cb {
                    assert_eq!(ci_cmp(a, b), Ordering::Equal, "{a} vs {b}");
                }
            }
        }
        assert!(contains_ignore_case("Person99@Example.com", "person99"));
        assert!(contains_ignore_case("xxPERSON", "person"));
        assert!(!contains_ignore_case("perso", "person"));
        assert!(contains_ignore_case("Zoë Deo", "zoë"));
    }

    #[test]
    fn missing_values_sort_last_both_ways() {
        let a = Key::Time(1);
        let m = Key::Missing;
        assert_eq!(cmp_keys(&a, &m, false), Ordering::Less);
        assert_eq!(cmp_keys(&a, &m, true), Ordering::Less);
        assert_eq!(
            cmp_keys(&Key::Time(1), &Key::Time(2), true),
            Ordering::Greater
        );
        assert_eq!(ci_cmp("Beta", "alpha"), Ordering::Greater);
        assert_eq!(ci_cmp("Zoë", "zoe"), Ordering::Greater);
    }
}
