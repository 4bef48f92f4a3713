//! A list of ids from a response that also accepts a single id.
//!
//! The vendor documents a contact's `followers` as an array of user ids, but
//! its own example for the field is one bare id (`"641c094001436dbc2081e642"`),
//! and a server or mock built from that document can send exactly that. A
//! response must not fail over it: one id decodes as a list of one.

use std::fmt;
use std::ops::Deref;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Ids as a response lists them: decodes from an array of strings or from
/// one string (a list of one), and always encodes as an array.
///
/// ```
/// use leadconnector::IdList;
///
/// let many: IdList = serde_json::from_str(r#"["u1", "u2"]"#).unwrap();
/// let one: IdList = serde_json::from_str(r#""u1""#).unwrap();
/// assert_eq!(many.len(), 2);
/// assert_eq!(one.as_slice(), ["u1"]);
/// assert_eq!(serde_json::to_string(&one).unwrap(), r#"["u1"]"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdList(Vec<String>);

impl IdList {
    /// The ids, in the order sent.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The ids, owned.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

impl Deref for IdList {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl From<Vec<String>> for IdList {
    fn from(ids: Vec<String>) -> Self {
        Self(ids)
    }
}

impl IntoIterator for IdList {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a IdList {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for IdList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for IdList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrMany;

        impl<'de> Visitor<'de> for OneOrMany {
            type Value = IdList;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of ids or one id")
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<IdList, E> {
                Ok(IdList(vec![id.to_owned()]))
            }

            fn visit_string<E: de::Error>(self, id: String) -> Result<IdList, E> {
                Ok(IdList(vec![id]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IdList, A::Error> {
                let mut ids = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(id) = seq.next_element::<String>()? {
                    ids.push(id);
                }
                Ok(IdList(ids))
            }
        }

        deserializer.deserialize_any(OneOrMany)
    }
}

#[cfg(test)]
mod tests {
    use super::IdList;

    #[test]
    fn one_id_or_many_decode_and_encode_as_an_array() {
        let one: IdList = serde_json::from_str(r#""641c094001436dbc2081e642""#).expect("one");
        assert_eq!(one.as_slice(), ["641c094001436dbc2081e642"]);
        let many: IdList = serde_json::from_str(r#"["a","b"]"#).expect("many");
        assert_eq!(
            many.iter().map(String::as_str).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            serde_json::to_value(&one).expect("encodes"),
            serde_json::json!(["641c094001436dbc2081e642"])
        );
        assert!(serde_json::from_str::<IdList>("7").is_err());
        assert!(serde_json::from_str::<IdList>("[1]").is_err());
    }
}
