//! Custom field values in one line each.
//!
//! [`CustomFieldValue`] is generated from the spec's union of the shapes a
//! custom field's value takes; its generated `From` impls take exactly
//! those shapes (`String`, `serde_json::Number`, `Vec<String>`, a map of
//! files). The impls here take what an app holds instead: a `&str`, an
//! integer or a float, a list of `&str`, so setting a field of each kind is
//! one line (`crate::guide::requests`, "Custom fields", shows each).

use serde_json::Number;

use crate::types::{CustomFieldFile, CustomFieldValue};

impl From<&str> for CustomFieldValue {
    /// The value of a text, large text, single-select or radio field.
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<&String> for CustomFieldValue {
    /// The value of a text, large text, single-select or radio field.
    fn from(text: &String) -> Self {
        Self::Text(text.clone())
    }
}

macro_rules! from_integer {
    ($($int:ty),*) => {$(
        impl From<$int> for CustomFieldValue {
            /// The value of a numeric or monetary field.
            fn from(number: $int) -> Self {
                Self::Number(Number::from(number))
            }
        }
    )*};
}

from_integer!(i32, i64, u32, u64);

impl From<f64> for CustomFieldValue {
    /// The value of a numeric or monetary field (`100.5`).
    ///
    /// # Panics
    ///
    /// If `number` is NaN or infinite, which JSON cannot carry (as
    /// [`std::time::Duration::from_secs_f64`] panics on what a duration
    /// cannot hold). A value computed at run time that may not be finite
    /// goes through [`CustomFieldValue::number`] instead.
    fn from(number: f64) -> Self {
        match Self::number(number) {
            Some(value) => value,
            None => panic!("a custom field's number must be finite, not {number}"),
        }
    }
}

impl From<f32> for CustomFieldValue {
    /// The value of a numeric or monetary field, as the `f64` that holds
    /// it.
    ///
    /// # Panics
    ///
    /// If `number` is NaN or infinite, as `From<f64>`.
    fn from(number: f32) -> Self {
        Self::from(f64::from(number))
    }
}

impl From<Vec<&str>> for CustomFieldValue {
    /// The selected options of a checkbox or multi-select field.
    fn from(options: Vec<&str>) -> Self {
        Self::options(options)
    }
}

impl From<&[&str]> for CustomFieldValue {
    /// The selected options of a checkbox or multi-select field.
    fn from(options: &[&str]) -> Self {
        Self::options(options.iter().copied())
    }
}

impl<const N: usize> From<[&str; N]> for CustomFieldValue {
    /// The selected options of a checkbox or multi-select field.
    fn from(options: [&str; N]) -> Self {
        Self::options(options)
    }
}

impl<const N: usize> From<[String; N]> for CustomFieldValue {
    /// The selected options of a checkbox or multi-select field.
    fn from(options: [String; N]) -> Self {
        Self::options(options)
    }
}

impl CustomFieldValue {
    /// A number, or `None` when it is NaN or infinite (JSON has no such
    /// numbers): `CustomFieldValue::number(total / count)`.
    pub fn number(number: f64) -> Option<Self> {
        Number::from_f64(number).map(Self::Number)
    }

    /// The selected options of a checkbox or multi-select field, from any
    /// list of texts.
    pub fn options<S: Into<String>>(options: impl IntoIterator<Item = S>) -> Self {
        Self::Options(options.into_iter().map(Into::into).collect())
    }

    /// A file field holding one file, keyed by its UUID.
    pub fn file(uuid: impl Into<String>, file: CustomFieldFile) -> Self {
        Self::files([(uuid, file)])
    }

    /// A file field holding these files, each keyed by its UUID.
    pub fn files<S: Into<String>>(files: impl IntoIterator<Item = (S, CustomFieldFile)>) -> Self {
        Self::Files(
            files
                .into_iter()
                .map(|(uuid, file)| (uuid.into(), file))
                .collect(),
        )
    }
}
