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
