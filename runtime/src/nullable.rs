//! Three-state fields for updates: leave a field alone, clear it, or set it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A request field that can be left out, sent as `null`, or sent with a value.
///
/// The API treats these differently on update: a field left out keeps its
/// stored value, `null` clears it. `Option` cannot say both, so optional
/// nullable request fields use this type. Generated structs skip `Absent`
/// fields when serialising.
///
/// ```
/// use openapi_runtime::Nullable;
///
/// let keep: Nullable<String> = Nullable::Absent;
/// let clear: Nullable<String> = Nullable::Null;
/// let set: Nullable<String> = "Deo".to_owned().into();
/// assert!(keep.is_absent() && clear.is_null() && set.value().is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Nullable<T> {
    /// Not sent: the server keeps what it has.
    #[default]
    Absent,
    /// Sent as `null`: the server clears the field.
    Null,
    /// Sent with this value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is left out.
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// Whether the field is sent as `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Absent | Self::Null => None,
        }
    }

    /// Maps the value, keeping `Absent` and `Null`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(v) => Nullable::Value(f(v)),
        }
    }

    /// Borrows the value.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(v) => Nullable::Value(v),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Self::Value(value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(v) => v.serialize(serializer),
            Self::Absent | Self::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    /// `null` reads as `Null`; a missing field reads as `Absent` (with
    /// `#[serde(default)]`, which generated structs carry).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(v) => Self::Value(v),
            None => Self::Null,
        })
    }
}
