//! A point in time as the API sends it in a response: parsed when it is
//! RFC 3339, kept as sent either way.
//!
//! APIs often document response timestamps as plain strings and send more
//! than one shape (`2021-07-08T12:02:11.285Z` in one place,
//! `2021-07-16 11:00:00` in another), so a response must not fail because
//! one of them is not RFC 3339. Requests use `chrono` types and stay
//! strict.

use std::fmt;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A timestamp from a response.
///
/// Decoding never fails on a string: [`date_time`](Self::date_time) holds the
/// value when it is RFC 3339, and [`as_str`](Self::as_str) always holds the
/// text exactly as sent (which is also what it encodes back to).
///
/// ```
/// use openapi_runtime::Timestamp;
///
/// let parsed = Timestamp::new("2021-07-08T12:02:11.285Z");
/// assert_eq!(parsed.to_utc().unwrap().timestamp_millis(), 1_625_745_731_285);
///
/// let other = Timestamp::new("2021-07-16 11:00:00");
/// assert!(other.date_time().is_none());
/// assert_eq!(other.as_str(), "2021-07-16 11:00:00");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    raw: String,
    parsed: Option<DateTime<FixedOffset>>,
}

impl Timestamp {
    /// A timestamp from the text the API sent.
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let parsed = DateTime::parse_from_rfc3339(raw.trim()).ok();
        Self { raw, parsed }
    }

    /// The text exactly as the API sent it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The time with the offset it was sent with, if the text is RFC 3339.
    pub fn date_time(&self) -> Option<DateTime<FixedOffset>> {
        self.parsed
    }

    /// The time in UTC, if the text is RFC 3339.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        self.parsed.map(|t| t.with_timezone(&Utc))
    }

    /// Whether the text is RFC 3339 (and [`date_time`](Self::date_time) is set).
    pub fn is_rfc3339(&self) -> bool {
        self.parsed.is_some()
    }

    /// The text, giving up the parsed value.
    pub fn into_string(self) -> String {
        self.raw
    }
}

impl From<DateTime<Utc>> for Timestamp {
    /// The RFC 3339 text of `time` (milliseconds, `Z`), as the API writes it.
    fn from(time: DateTime<Utc>) -> Self {
        Self::new(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }
}

impl From<&str> for Timestamp {
    fn from(raw: &str) -> Self {
        Self::new(raw)
    }
}

impl From<String> for Timestamp {
    fn from(raw: String) -> Self {
        Self::new(raw)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.raw, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_parsed_and_kept_verbatim() {
        let t: Timestamp = serde_json::from_str("\"2023-09-25T16:00:00+05:30\"").unwrap();
        assert_eq!(t.date_time().unwrap().offset().local_minus_utc(), 19_800);
        assert_eq!(
            t.to_utc().unwrap().to_rfc3339(),
            "2023-09-25T10:30:00+00:00"
        );
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2023-09-25T16:00:00+05:30\""
        );
    }

    #[test]
    fn any_other_string_decodes_and_round_trips() {
        for raw in ["2021-07-16 11:00:00", "", "yesterday", "1631087949919"] {
            let t: Timestamp = serde_json::from_value(serde_json::json!(raw)).unwrap();
            assert!(!t.is_rfc3339(), "{raw}");
            assert_eq!(t.as_str(), raw);
            assert_eq!(serde_json::to_value(&t).unwrap(), serde_json::json!(raw));
        }
    }

    #[test]
    fn from_utc_writes_what_the_api_writes() {
        let time = DateTime::parse_from_rfc3339("2021-07-08T12:02:11.285Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Timestamp::from(time).as_str(), "2021-07-08T12:02:11.285Z");
    }

    #[test]
    fn non_strings_are_refused() {
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }
}
