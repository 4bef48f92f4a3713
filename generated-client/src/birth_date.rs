//! The contact's date of birth, in any of the formats the API accepts.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date of birth.
///
/// The API accepts `YYYY/MM/DD`, `MM/DD/YYYY`, `YYYY-MM-DD`, `MM-DD-YYYY`,
/// `YYYY.MM.DD`, `MM.DD.YYYY`, `YYYY_MM_DD` and `MM_DD_YYYY`. This type parses
/// all eight, rejects dates that do not exist, and always sends `YYYY-MM-DD`.
///
/// ```
/// use leadconnector::BirthDate;
///
/// let date: BirthDate = "09/25/1990".parse().unwrap();
/// assert_eq!(date.to_string(), "1990-09-25");
/// assert!("1990-02-30".parse::<BirthDate>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BirthDate(NaiveDate);

/// Why a text is not a [`BirthDate`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a date in one of the formats YYYY-MM-DD, MM-DD-YYYY (separators - / . _)"
)]
pub struct BirthDateError {
    input: String,
}

impl BirthDate {
    /// The date for a year, month (1-12) and day, if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(Self)
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.0.year()
    }

    /// The month, 1-12.
    pub fn month(&self) -> u32 {
        self.0.month()
    }

    /// The day of the month.
    pub fn day(&self) -> u32 {
        self.0.day()
    }
}

impl From<NaiveDate> for BirthDate {
    fn from(date: NaiveDate) -> Self {
        Self(date)
    }
}

impl From<BirthDate> for NaiveDate {
    fn from(date: BirthDate) -> Self {
        date.0
    }
}

impl FromStr for BirthDate {
    type Err = BirthDateError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || BirthDateError {
            input: input.to_owned(),
        };
        let separator = input
            .chars()
            .find(|c| matches!(c, '/' | '-' | '.' | '_'))
            .ok_or_else(error)?;
        let parts: Vec<&str> = input.split(separator).collect();
        let [a, b, c] = parts.as_slice() else {
            return Err(error());
        };
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        let (year, month, day) = if digits(a, 4) && digits(b, 2) && digits(c, 2) {
            (*a, *b, *c)
        } else if digits(a, 2) && digits(b, 2) && digits(c, 4) {
            (*c, *a, *b)
        } else {
            return Err(error());
        };
        let (year, month, day) = (
            year.parse().map_err(|_| error())?,
            month.parse().map_err(|_| error())?,
            day.parse().map_err(|_| error())?,
        );
        Self::from_ymd(year, month, day).ok_or_else(error)
    }
}

impl fmt::Display for BirthDate {
    /// `YYYY-MM-DD`, the format the client sends.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

impl Serialize for BirthDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BirthDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_format() {
        for text in [
            "1990/09/25",
            "09/25/1990",
            "1990-09-25",
            "09-25-1990",
            "1990.09.25",
            "09.25.1990",
            "1990_09_25",
            "09_25_1990",
        ] {
            let date: BirthDate = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(date.to_string(), "1990-09-25", "{text}");
        }
    }

    #[test]
    fn rejects_mixed_separators_and_impossible_dates() {
        for text in [
            "1990-09/25",
            "1990-13-01",
            "1990-02-30",
            "90-09-25",
            "",
            "1990-9-25",
            "+990-09-25",
        ] {
            assert!(text.parse::<BirthDate>().is_err(), "{text}");
        }
    }
}
