//! Random values that follow the spec, drawn from the generator's IR: every
//! required property, optional ones sometimes left out (and `null` where
//! nullable), listed enum values only, integers in range, valid dates, and
//! strings with the characters that need escaping on the wire. Types the
//! runtime provides (`x-rust-type`: `BirthDate`, ...) take the spec's
//! example, the one form the test can know is theirs.

use generator::ir::{Api, Ty, TypeKind};
use serde_json::{json, Map, Value};

/// Nesting beyond which optional properties are left out and arrays are
/// empty, so recursive types (filter groups) stay small.
const MAX_DEPTH: usize = 4;

/// Characters strings are made of: plain text, and what a path, a query or
/// JSON must escape.
const ALPHABET: &[&str] = &[
    "a", "b", "Z", "0", "7", " ", "/", "%", "?", "#", "&", "=", "+", "\"", "\\", ".", "é", "日",
    "🦀",
];

/// A small deterministic generator (xorshift), seeded per case.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// Draws values of the API's types.
pub struct Values<'a> {
    pub api: &'a Api,
    pub rng: Rng,
}

impl Values<'_> {
    /// A non-empty string that is not `.` or `..` (which would move a path).
    pub fn text(&mut self) -> String {
        loop {
            let len = 1 + self.rng.below(8);
            let text: String = (0..len)
                .map(|_| ALPHABET[self.rng.below(ALPHABET.len())])
                .collect();
            if text != "." && text != ".." {
                return text;
            }
        }
    }

    /// A value of type `ty`; `example` is the spec's example where the
    /// value sits (used for runtime types).
    pub fn value(&mut self, ty: &Ty, example: Option<&Value>, depth: usize) -> Value {
        match ty {
            Ty::String => Value::from(self.text()),
            Ty::Bool => Value::from(self.rng.one_in(2)),
            Ty::I32 => Value::from(self.rng.next() as i32),
            Ty::I64 => Value::from(self.rng.next() as i64),
            // Values an f32 holds exactly, so both sides read the same.
            Ty::F32 | Ty::F64 | Ty::Number => json!((self.rng.below(2_000_001) as f64 - 1e6) / 4.0),
            Ty::DateTime => {
                let seconds = (self.rng.next() % 4_000_000_000) as i64;
                let time = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
                Value::from(time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            }
            Ty::Date => {
                let days = (self.rng.next() % 40_000) as i64;
                let date = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
                    + chrono::Days::new(days as u64);
                Value::from(date.format("%Y-%m-%d").to_string())
            }
            Ty::Json => self.json(depth),
            Ty::Vec(item) => {
                let n = if depth >= MAX_DEPTH {
                    0
                } else {
                    self.rng.below(4)
                };
                Value::Array((0..n).map(|_| self.value(item, None, depth + 1)).collect())
            }
            Ty::Map(item) => {
                let n = if depth >= MAX_DEPTH {
                    0
                } else {
                    self.rng.below(3)
                };
                let map: Map<String, Value> = (0..n)
                    .map(|_| (self.text(), self.value(item, None, depth + 1)))
                    .collect();
                Value::Object(map)
            }
            Ty::Boxed(inner) => self.value(inner, example, depth),
            Ty::Runtime(name) => example
                .cloned()
                .unwrap_or_else(|| panic!("runtime type {name} without an example to draw")),
            Ty::Named(name) => self.named(name, example, depth),
        }
    }

    fn named(&mut self, name: &str, example: Option<&Value>, depth: usize) -> Value {
        let def = self
            .api
            .types
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no type {name}"));
        match &def.kind {
            TypeKind::Alias(ty) => {
                let example = example.or(def.docs.example.as_ref());
                self.value(ty, example, depth)
            }
            TypeKind::Enum(e) => {
                Value::from(e.variants[self.rng.below(e.variants.len())].wire.clone())
            }
            TypeKind::Struct(s) => {
                let mut object = Map::new();
                for field in &s.fields {
                    let runtime_without_example = is_runtime(self.api, &field.ty)
                        && field.docs.example.is_none()
                        && runtime_example(self.api, &field.ty).is_none();
                    if !field.required
                        && (depth >= MAX_DEPTH || runtime_without_example || self.rng.one_in(3))
                    {
                        continue;
                    }
                    let value = if field.nullable && self.rng.one_in(4) {
                        Value::Null
                    } else {
                        self.value(&field.ty, field.docs.example.as_ref(), depth + 1)
                    };
                    object.insert(field.wire.clone(), value);
                }
                Value::Object(object)
            }
            TypeKind::Union(u) => {
                let variant = &u.variants[self.rng.below(u.variants.len())];
                let mut value = self.value(&variant.ty, None, depth + 1);
                if let (Some(tag), Some(tag_value), Value::Object(map)) =
                    (&u.tag, &variant.tag_value, &mut value)
                {
                    map.insert(tag.clone(), Value::from(tag_value.clone()));
                }
                value
            }
        }
    }

    /// Any JSON, small.
    fn json(&mut self, depth: usize) -> Value {
        let kinds = if depth >= MAX_DEPTH { 4 } else { 6 };
        match self.rng.below(kinds) {
            0 => Value::Null,
            1 => Value::from(self.rng.one_in(2)),
            2 => Value::from(self.rng.below(1000)),
            3 => Value::from(self.text()),
            4 => Value::Array(
                (0..self.rng.below(3))
                    .map(|_| self.json(depth + 1))
                    .collect(),
            ),
            _ => Value::Object(
                (0..self.rng.below(3))
                    .map(|_| (self.text(), self.json(depth + 1)))
                    .collect(),
            ),
        }
    }
}

/// Whether `ty` is (an alias of) a runtime type.
fn is_runtime(api: &Api, ty: &Ty) -> bool {
    match ty {
        Ty::Runtime(_) => true,
        Ty::Named(name) => api.types.iter().any(|t| {
            t.name == *name && matches!(&t.kind, TypeKind::Alias(inner) if is_runtime(api, inner))
        }),
        _ => false,
    }
}

/// The example of the alias that names a runtime type.
fn runtime_example<'a>(api: &'a Api, ty: &Ty) -> Option<&'a Value> {
    let Ty::Named(name) = ty else { return None };
    api.types
        .iter()
        .find(|t| t.name == *name)?
        .docs
        .example
        .as_ref()
}
