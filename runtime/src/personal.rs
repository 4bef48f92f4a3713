//! What `Debug` prints instead of personal data.
//!
//! Fields the spec marks `x-sensitive` (names, e-mail, phone, street
//! address, postal code, birth date, `ssn`, IP address) print as
//! `<redacted>`, and fields the spec does not list print by name only, since
//! they may hold personal data too. Read the fields themselves to see the
//! values.

use std::collections::BTreeMap;
use std::fmt;

/// Stands for a sensitive value in `Debug` output: prints `<redacted>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Prints the keys of a map of unknown fields, not their values.
pub struct FieldNames<'a, V>(pub &'a BTreeMap<String, V>);

impl<V> fmt::Debug for FieldNames<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_no_values() {
        let mut map = BTreeMap::new();
        map.insert("secretField".to_owned(), "123-45-6789".to_owned());
        let text = format!("{:?} {:?}", Some(Redacted), FieldNames(&map));
        assert_eq!(text, "Some(<redacted>) {\"secretField\"}");
    }
}
