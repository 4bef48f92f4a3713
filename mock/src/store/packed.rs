//! A contact's text fields and tags in one allocation.
//!
//! A search reads a few fields of every contact; kept as one string per
//! field, each read is a trip to another part of memory, and 100,000
//! contacts make that the search's cost. Here they share one `Box<str>`:
//! an ASCII header (how many entries, then each entry's code and length,
//! seven bits per byte so the header is valid UTF-8), then the values one
//! after another. Reading a field scans the header, in the same cache line.
//! The header's first three bytes count the entries.
//!
//! A contact's packed text is a slice of a shared chunk: [`repack`] copies
//! the texts of many contacts, in the order a scan visits them, into chunks
//! one after another, so a search reads memory in order and the processor's
//! prefetching keeps up. A changed text gets a chunk of its own until the
//! next repack.

use std::sync::Arc;

use super::record::Text;

/// The code of a tag entry (text fields use their [`Text`] index).
const TAG: u8 = 0x7f;
/// Bytes per length: 4 × 7 bits, so a value may be up to 256 MiB (request
/// bodies are limited to 10 MiB).
const LEN_BYTES: usize = 4;
const ENTRY: usize = 1 + LEN_BYTES;
const MAX_LEN: usize = (1 << (7 * LEN_BYTES)) - 1;
/// Bytes of the entry count (up to 2 million entries).
const COUNT_BYTES: usize = 3;

/// Seven bits per byte, lowest first: ASCII, so valid UTF-8.
fn push_number(data: &mut String, mut n: usize, bytes: usize) {
    for _ in 0..bytes {
        data.push(char::from((n & 0x7f) as u8));
        n >>= 7;
    }
}

fn read_number(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .rev()
        .fold(0usize, |acc, b| (acc << 7) | usize::from(*b))
}

fn code(field: Text) -> u8 {
    Text::ALL.iter().position(|f| *f == field).unwrap_or(0) as u8
}

/// Text fields (each at most once) and tags (in order), packed.
#[derive(Clone, Debug)]
pub struct Packed {
    chunk: Arc<str>,
    start: u32,
    len: u32,
}

impl PartialEq for Packed {
    fn eq(&self, other: &Packed) -> bool {
        self.data() == other.data()
    }
}

impl Eq for Packed {}

/// Largest chunk [`repack`] makes.
const CHUNK: usize = 1 << 20;

/// Copies the texts, in this order, into shared chunks (a text larger than a
/// chunk keeps its own).
pub fn repack<'a>(texts: impl Iterator<Item = &'a mut Packed>) {
    let mut pending: Vec<&'a mut Packed> = Vec::new();
    let mut buf = String::new();
    let flush = |buf: &mut String, pending: &mut Vec<&'a mut Packed>| {
        let chunk: Arc<str> = Arc::from(std::mem::take(buf).as_str());
        let mut at = 0u32;
        for text in pending.drain(..) {
            text.chunk = Arc::clone(&chunk);
            text.start = at;
            at += text.len;
        }
    };
    for text in texts {
        if buf.len() + text.data().len() > CHUNK && !buf.is_empty() {
            flush(&mut buf, &mut pending);
        }
        buf.push_str(text.data());
        pending.push(text);
    }
    if !pending.is_empty() {
        flush(&mut buf, &mut pending);
    }
}

impl Default for Packed {
    fn default() -> Self {
        Self::build(&[], std::iter::empty())
    }
}

impl Packed {
    /// Packs `fields` (any order, each once) and `tags`. A value longer than
    /// 256 MiB is left out.
    pub fn build<'a>(
        fields: &[(Text, &'a str)],
        tags: impl IntoIterator<Item = &'a str>,
    ) -> Packed {
        let mut entries: Vec<(u8, &str)> = fields
            .iter()
            .filter(|(_, v)| v.len() <= MAX_LEN)
            .map(|(f, v)| (code(*f), *v))
            .collect();
        entries.sort_by_key(|(c, _)| *c);
        entries.extend(
            tags.into_iter()
                .filter(|t| t.len() <= MAX_LEN)
                .map(|t| (TAG, t)),
        );
        let entries = &entries[..entries.len().min((1 << (7 * COUNT_BYTES)) - 1)];
        let values: usize = entries.iter().map(|(_, v)| v.len()).sum();
        let mut data = String::with_capacity(COUNT_BYTES + entries.len() * ENTRY + values);
        push_number(&mut data, entries.len(), COUNT_BYTES);
        for (c, v) in entries {
            data.push(char::from(*c));
            push_number(&mut data, v.len(), LEN_BYTES);
        }
        for (_, v) in entries {
            data.push_str(v);
        }
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        Packed {
            chunk: Arc::from(data),
            start: 0,
            len,
        }
    }

    /// The packed bytes.
    fn data(&self) -> &str {
        let start = self.start as usize;
        self.chunk
            .get(start..start + self.len as usize)
            .unwrap_or("")
    }

    /// The entries: code and value, fields first (by code), then tags.
    fn header_end(&self) -> usize {
        COUNT_BYTES + read_number(&self.data().as_bytes()[..COUNT_BYTES]) * ENTRY
    }

    fn entries(&self) -> Entries<'_> {
        let end = self.header_end();
        Entries {
            data: self.data(),
            header: COUNT_BYTES,
            end,
            value: end,
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: Text) -> Option<&str> {
        let wanted = code(field);
        for (c, v) in self.entries() {
            if c == wanted {
                return Some(v);
            }
            if c > wanted {
                return None;
            }
        }
        None
    }

    /// Every text field and its value.
    pub fn fields(&self) -> impl Iterator<Item = (Text, &str)> {
        self.entries()
            .take_while(|(c, _)| *c != TAG)
            .filter_map(|(c, v)| Some((*Text::ALL.get(usize::from(c))?, v)))
    }

    /// The tags, in order.
    pub fn tags(&self) -> Tags<'_> {
        Tags {
            entries: self.entries(),
        }
    }

    /// Reads the first byte, so the memory is on its way to the cache
    /// before it is needed (safe Rust has no prefetch instruction; an
    /// early load the processor need not wait for is the next best thing).
    pub fn touch(&self) -> u8 {
        self.data().as_bytes()[0]
    }

    /// Every value run together (fields, then tags).
    pub fn values(&self) -> &str {
        &self.data()[self.header_end()..]
    }

    /// The same tags with `field` set to `value` (or removed).
    pub fn with_field(&self, field: Text, value: Option<&str>) -> Packed {
        let mut fields: Vec<(Text, &str)> = self.fields().filter(|(f, _)| *f != field).collect();
        if let Some(value) = value {
            fields.push((field, value));
        }
        Packed::build(&fields, self.tags())
    }

    /// The same fields with these tags.
    pub fn with_tags<'a>(&'a self, tags: impl IntoIterator<Item = &'a str>) -> Packed {
        let fields: Vec<(Text, &str)> = self.fields().collect();
        Packed::build(&fields, tags)
    }
}

/// The entries of a [`Packed`].
#[derive(Clone)]
struct Entries<'a> {
    data: &'a str,
    /// The next entry's header.
    header: usize,
    /// Where the header ends.
    end: usize,
    /// Where the next value starts.
    value: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (u8, &'a str);

    fn next(&mut self) -> Option<(u8, &'a str)> {
        if self.header >= self.end {
            return None;
        }
        let bytes = &self.data.as_bytes()[self.header..self.header + ENTRY];
        let len = read_number(&bytes[1..]);
        let value = self.data.get(self.value..self.value + len)?;
        self.header += ENTRY;
        self.value += len;
        Some((bytes[0], value))
    }
}

/// The tags of a [`Packed`], in order.
#[derive(Clone)]
pub struct Tags<'a> {
    entries: Entries<'a>,
}

impl std::fmt::Debug for Tags<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'a> Iterator for Tags<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.entries.find(|(c, _)| *c == TAG).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_tags_read_back() {
        let packed = Packed::build(
            &[
                (Text::Phone, "+1"),
                (Text::Email, "a@b.c"),
                (Text::Name, "Zoë"),
            ],
            ["vip", "new"],
        );
        assert_eq!(packed.get(Text::Email), Some("a@b.c"));
        assert_eq!(packed.get(Text::Name), Some("Zoë"));
        assert_eq!(packed.get(Text::City), None);
        assert_eq!(packed.tags().collect::<Vec<_>>(), ["vip", "new"]);
        assert_eq!(packed.values(), "Zoëa@b.c+1vipnew");
        let changed = packed.with_field(Text::Email, None).with_tags(["x"]);
        assert_eq!(changed.get(Text::Email), None);
        assert_eq!(changed.get(Text::Phone), Some("+1"));
        assert_eq!(changed.tags().collect::<Vec<_>>(), ["x"]);
        assert_eq!(Packed::default().tags().count(), 0);
        let long = "x".repeat(300);
        let many: Vec<String> = (0..300).map(|i| format!("t{i}")).collect();
        let big = Packed::build(&[(Text::Keyword, &long)], many.iter().map(String::as_str));
        assert_eq!(big.get(Text::Keyword), Some(long.as_str()));
        assert_eq!(big.tags().count(), 300);
        assert_eq!(big.tags().last(), Some("t299"));
        // Repacked into one chunk, each reads the same.
        let mut texts = vec![packed.clone(), changed.clone(), big.clone()];
        repack(texts.iter_mut());
        assert_eq!(texts, [packed, changed, big]);
        assert!(Arc::ptr_eq(&texts[0].chunk, &texts[2].chunk));
    }
}
