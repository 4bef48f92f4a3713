//! The payload of an enum's variant for values the spec does not list.

use std::fmt;

/// A value of a string enum that this version of the spec does not list,
/// kept exactly as the server sent it so it goes back unchanged.
///
/// It cannot be built from outside the crate: parsing an enum
/// (`"cat".parse::<PetKind>()`, `PetKind::from("cat")`) gives the
/// named variant for every listed value, so an `Unknown` never holds a
/// value that has a variant, and `==` between the two cannot be fooled.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(Box<str>);

impl UnknownValue {
    /// For generated enums only, after they have matched every listed
    /// value: not part of the API.
    #[doc(hidden)]
    pub fn __unlisted(value: &str) -> Self {
        Self(value.into())
    }

    /// The value as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UnknownValue {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
