//! Deserialisation helpers generated code names in `#[serde(...)]`
//! attributes.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default: optional arrays of responses read
/// `null`, a missing field and `[]` all as an empty `Vec`.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The path of a decoding failure up to its last known step, as
/// `serde_path_to_error` writes it (`item.tags[1]`; `.` for the root).
///
/// A failure between an object's entries (the body ends after a comma, a
/// key is not a string) happens before the next key is read, which
/// `serde_path_to_error` writes as a final `?` (`item.?`). The object
/// itself is the place to name.
pub fn known_path(path: &serde_path_to_error::Path) -> String {
    let mut text = path.to_string();
    while let Some(rest) = text.strip_suffix(".?") {
        text.truncate(rest.len());
    }
    if text == "?" {
        text = ".".to_owned();
    }
    text
}

/// An object key, borrowed from the body when it has no escapes (the
/// common case: no allocation), owned otherwise. Generated `Deserialize`
/// impls match it against their fields' wire names and keep the others.
#[doc(hidden)]
pub enum Key<'de> {
    /// Borrowed from the input.
    Borrowed(&'de str),
    /// Unescaped into a new string.
    Owned(String),
}

impl Key<'_> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Borrowed(s) => s,
            Self::Owned(s) => s,
        }
    }

    /// The key as an owned string, for the map of unknown fields.
    pub fn into_owned(self) -> String {
        match self {
            Self::Borrowed(s) => s.to_owned(),
            Self::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_borrow_unless_escaped() {
        let keys: Vec<Key<'_>> =
            serde_json::from_str(r#"["plain", "esc\u0061ped"]"#).expect("keys");
        assert!(matches!(keys[0], Key::Borrowed("plain")));
        assert!(matches!(&keys[1], Key::Owned(s) if s == "escaped"));
        assert_eq!(keys[1].as_str(), "escaped");
    }
}
