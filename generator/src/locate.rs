//! Finds the line and column of the value a JSON pointer names, in YAML or
//! JSON source text.
//!
//! This walks the text, not a parsed tree (neither parser keeps positions), so
//! it is a best effort: it follows each pointer token in order, looking for
//! the key (`"key"`, `'key':` or `key:` at the start of a YAML line) after
//! the previous one. Array indices are followed in YAML block lists only.
//!
//! Scanning the text for every token made locating cost time proportional
//! to the file for every diagnostic (a JSON file never has the YAML forms, so
//! each token scanned to its end): a spec with hundreds of warnings spent
//! most of its generation time here. [`SourceIndex`] is built once per file
//! (where its quotes are, and a sorted index of the key each line starts
//! with) and finds each token's next occurrence by lookup, or by stepping
//! from quote to quote; the answers are the same as the scan's (the tests
//! compare them).

/// What may precede a YAML key on its line: indentation, list markers, flow
/// openers and separators.
const KEY_PREFIX: &[u8] = b" -{,";

/// The line and column (1-based) of what `pointer` names in `source`.
pub fn locate(source: &str, pointer: &str) -> Option<(usize, usize)> {
    SourceIndex::new(source).locate(source, pointer)
}

/// Where keys and quoted strings start in one source text, and its lines.
#[derive(Debug)]
pub struct SourceIndex {
    /// Offset of every line's first byte.
    line_starts: Vec<usize>,
    /// Offset of every `"`. A JSON key `"k"` is two consecutive ones.
    quotes: Vec<usize>,
    /// (hash of the text from where a line's key starts, after any
    /// [`KEY_PREFIX`] bytes, to the line's first `:` after it; that start),
    /// sorted. A YAML key `k:` or `'k':` is always one.
    keys: Vec<(u64, usize)>,
}

impl SourceIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let quotes = text.match_indices('"').map(|(i, _)| i).collect();
        let mut keys = Vec::with_capacity(line_starts.len());
        let ends = line_starts.iter().skip(1).map(|next| next - 1);
        for (start, end) in line_starts.iter().zip(ends.chain([text.len()])) {
            let Some(line) = text.as_bytes().get(*start..end) else {
                continue;
            };
            let indent = line.iter().take_while(|b| KEY_PREFIX.contains(b)).count();
            let key = line
                .get(indent..)
                .and_then(|rest| rest.iter().position(|b| *b == b':'))
                .and_then(|colon| text.get(start + indent..start + indent + colon));
            if let Some(key) = key {
                keys.push((hash(key), start + indent));
            }
        }
        keys.sort_unstable();
        Self {
            line_starts,
            quotes,
            keys,
        }
    }

    /// The line and column (1-based) of what `pointer` names in `source`,
    /// the text this index was built from.
    pub fn locate(&self, source: &str, pointer: &str) -> Option<(usize, usize)> {
        let mut offset = 0usize;
        let mut found_any = false;
        for raw in pointer.split('/').skip(1) {
            let token = raw.replace("~1", "/").replace("~0", "~");
            if let Ok(index) = token.parse::<usize>() {
                if let Some(item) = source.get(offset..).and_then(|rest| yaml_item(rest, index)) {
                    offset += item;
                } else if let Some(key) = [
                    // Not a list item: a key that is a number (`'404':`
                    // under `responses`), or an array this does not follow.
                    self.quoted_key_after(source, offset, &token),
                    self.key_after(source, offset, &format!("'{token}'")),
                    self.key_after(source, offset, &token),
                ]
                .into_iter()
                .flatten()
                .min()
                {
                    offset = key;
                    found_any = true;
                }
                continue;
            }
            source.get(offset..)?;
            offset = [
                self.quoted_after(source, offset, &token),
                self.key_after(source, offset, &format!("'{token}'")),
                self.key_after(source, offset, &token),
            ]
            .into_iter()
            .flatten()
            .min()?;
            found_any = true;
        }
        if !found_any {
            return None;
        }
        source.get(..offset)?;
        let line = self.line_starts.partition_point(|start| *start <= offset);
        let line_start = self.line_starts.get(line.checked_sub(1)?)?;
        Some((line, offset - line_start + 1))
    }

    /// The first `"token"` at or after `offset`.
    fn quoted_after(&self, source: &str, offset: usize, token: &str) -> Option<usize> {
        if token.contains('"') {
            // Not a pair of consecutive quotes: scan.
            let needle = format!("\"{token}\"");
            return find_key(source.get(offset..)?, &needle).map(|i| offset + i);
        }
        self.quoted_where(source, offset, token, |_| true)
    }

    /// The first `"token":` at or after `offset`, for tokens that are also
    /// common values (numbers): a quoted key has its colon right after it.
    fn quoted_key_after(&self, source: &str, offset: usize, token: &str) -> Option<usize> {
        self.quoted_where(source, offset, token, |close| {
            source.as_bytes().get(close + 1) == Some(&b':')
        })
    }

    /// The first pair of consecutive quotes at or after `offset` around
    /// exactly `token` whose closing quote passes `accept`.
    fn quoted_where(
        &self,
        source: &str,
        offset: usize,
        token: &str,
        accept: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let from = self.quotes.partition_point(|quote| *quote < offset);
        let opening = self.quotes.get(from..)?.iter();
        let closing = self.quotes.get(from + 1..)?.iter();
        opening
            .zip(closing)
            .find(|(open, close)| {
                *close - *open - 1 == token.len()
                    && source.get(*open + 1..**close) == Some(token)
                    && accept(**close)
            })
            .map(|(open, _)| *open)
    }

    /// The first `key:` at or after `offset` that starts a key: at the start
    /// of its line after [`KEY_PREFIX`] bytes, or right at `offset`.
    fn key_after(&self, source: &str, offset: usize, key: &str) -> Option<usize> {
        let needle = format!("{key}:");
        let rest = source.get(offset..)?;
        let indexed = key
            .as_bytes()
            .first()
            .is_some_and(|first| !KEY_PREFIX.contains(first))
            && !key.contains([':', '\n']);
        if !indexed {
            // The key could start inside a line's prefix, or span lines: scan.
            return find_key(rest, &needle).map(|i| offset + i);
        }
        // On the rest of `offset`'s line, the prefix is counted from
        // `offset`; below it, from each line's start, as the index has it.
        let line_end = rest.find('\n').map_or(source.len(), |i| offset + i);
        if let Some(i) = find_key(source.get(offset..line_end)?, &needle) {
            return Some(offset + i);
        }
        let found = following(&self.keys, hash(key), line_end + 1);
        found.map(|(_, start)| *start).find(|start| {
            source
                .get(*start..)
                .is_some_and(|after| after.starts_with(&needle))
        })
    }
}

/// The entries of the sorted key index with this hash, from `offset` on.
fn following(
    index: &[(u64, usize)],
    hash: u64,
    offset: usize,
) -> impl Iterator<Item = &(u64, usize)> {
    let from = index.partition_point(|entry| *entry < (hash, offset));
    index
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(move |(h, _)| *h == hash)
}

/// FNV-1a: quick for the short keys of a spec. Equal hashes are checked
/// against the text, so collisions cost time, never answers.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The offset of the `index`-th item (`- ...`) of the first YAML block list
/// in `text` (after the key line it starts on). JSON arrays are not followed.
fn yaml_item(text: &str, index: usize) -> Option<usize> {
    let mut offset = 0;
    let mut indent: Option<usize> = None;
    let mut seen = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let width = line.len() - trimmed.len();
        if offset > 0 && !trimmed.is_empty() {
            match indent {
                None if trimmed.starts_with("- ") || trimmed == "-\n" => indent = Some(width),
                None => return None,
                Some(w) if width < w => return None,
                _ => {}
            }
            if Some(width) == indent && trimmed.starts_with('-') {
                if seen == index {
                    return Some(offset + width);
                }
                seen += 1;
            }
        }
        offset += line.len();
    }
    None
}

/// Finds `needle` where it starts a key: at the start of a line (after
/// indentation or a `- ` list marker) in YAML, or anywhere in JSON.
fn find_key(haystack: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = haystack.get(from..)?.find(needle) {
        let at = from + i;
        let line_start = haystack.get(..at)?.rfind('\n').map_or(0, |n| n + 1);
        let prefix = haystack.get(line_start..at)?;
        let starts_key = needle.starts_with('"')
            || prefix
                .chars()
                .all(|c| c == ' ' || c == '-' || c == '{' || c == ',');
        if starts_key {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan the index replaced, kept as the reference it must agree with.
    fn scan(source: &str, pointer: &str) -> Option<(usize, usize)> {
        let mut offset = 0usize;
        let mut found_any = false;
        for raw in pointer.split('/').skip(1) {
            let token = raw.replace("~1", "/").replace("~0", "~");
            if let Ok(index) = token.parse::<usize>() {
                if let Some(item) = source.get(offset..).and_then(|rest| yaml_item(rest, index)) {
                    offset += item;
                } else if let Some(at) = source.get(offset..).and_then(|rest| {
                    [
                        format!("\"{token}\":"),
                        format!("'{token}':"),
                        format!("{token}:"),
                    ]
                    .iter()
                    .filter_map(|needle| find_key(rest, needle))
                    .min()
                }) {
                    offset += at;
                    found_any = true;
                }
                continue;
            }
            let rest = source.get(offset..)?;
            let candidates = [
                format!("\"{token}\""),
                format!("'{token}':"),
                format!("{token}:"),
            ];
            let hit = candidates
                .iter()
                .filter_map(|needle| find_key(rest, needle).map(|i| (i, needle.len())))
                .min_by_key(|(i, _)| *i)?;
            offset += hit.0;
            found_any = true;
        }
        if !found_any {
            return None;
        }
        let before = source.get(..offset)?;
        let line = before.matches('\n').count() + 1;
        let col = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
        Some((line, col))
    }

    /// Every pointer into `value`, plus variants that name nothing.
    fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        out.push(format!("{at}/missing"));
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    pointers(child, format!("{at}/{escaped}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    pointers(child, format!("{at}/{i}"), out);
                }
                out.push(format!("{at}/{}", items.len() + 1));
            }
            _ => {}
        }
    }

    fn agrees_with_scan(source: &str, pointers: &[String]) {
        let index = SourceIndex::new(source);
        for pointer in pointers {
            assert_eq!(
                index.locate(source, pointer),
                scan(source, pointer),
                "{pointer}"
            );
        }
    }

    #[test]
    fn locates_nested_yaml_key() {
        let yaml = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses: {}\n";
        assert_eq!(locate(yaml, "/paths/~1a/get"), Some((4, 5)));
    }

    #[test]
    fn follows_yaml_list_items() {
        let yaml = "params:\n  - name: a\n    schema:\n      type: x\n  - name: b\n    schema:\n      type: y\n";
        assert_eq!(locate(yaml, "/params/1/schema/type"), Some((7, 7)));
        assert_eq!(locate(yaml, "/params/0/schema/type"), Some((4, 7)));
    }

    #[test]
    fn a_number_that_is_not_a_list_item_is_a_key() {
        let yaml = "responses:\n  '200':\n    description: ok\n  '404':\n    description: gone\n";
        assert_eq!(locate(yaml, "/responses/404/description"), Some((5, 5)));
        let bare = "responses:\n  200:\n    description: ok\n  404:\n    description: gone\n";
        assert_eq!(locate(bare, "/responses/404/description"), Some((5, 5)));
        let json = "{\"responses\": {\"200\": {\"description\": \"404\"},\n \"404\": {\"description\": \"x\"}}}";
        assert_eq!(locate(json, "/responses/404/description"), Some((2, 10)));
        // A JSON array is not followed: the pointer stays at its key.
        let array = "{\"parameters\": [{\"name\": \"a\"}]}";
        assert_eq!(locate(array, "/parameters/0"), Some((1, 2)));
    }

    #[test]
    fn locates_json_key() {
        let json = "{\n  \"paths\": {\n    \"/a\": {\"get\": {}}\n  }\n}";
        assert_eq!(locate(json, "/paths/~1a/get"), Some((3, 12)));
    }

    #[test]
    fn index_agrees_with_the_scan_on_every_fixture_and_the_spec() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = vec![root.join("spec/contacts.yaml")];
        let fixtures = std::fs::read_dir(root.join("tests/fixtures")).expect("fixtures");
        files.extend(fixtures.flatten().map(|e| e.path()).filter(|p| {
            p.extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        }));
        assert!(files.len() > 5, "{files:?}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable");
            let Ok(value) = serde_yaml::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let mut all = Vec::new();
            pointers(&value, String::new(), &mut all);
            // The scan is slow in a debug build: a spread of about 200.
            let stride = all.len().div_ceil(200).max(1);
            let all: Vec<String> = all.into_iter().step_by(stride).collect();
            agrees_with_scan(&text, &all);
            // The same document as JSON, pretty and on one line.
            for json in [
                serde_json::to_string_pretty(&value).expect("json"),
                serde_json::to_string(&value).expect("json"),
            ] {
                agrees_with_scan(&json, &all);
            }
        }
    }

    #[test]
    fn index_agrees_with_the_scan_on_awkward_text() {
        let texts = [
            "a: {b: 1, c: {d: 2}}\ne:\n  - {b: 3}\n  - -b: 4\n    'b': 5\n",
            "x: \"b\"\nb: \"\"\n\"b\": 1\n'b': 2\n b:c: 3\n- ,{b: 4\n",
            "{\"a\":{\"a\":{\"a:b\":\"a\",\"\":\"x\\\"y\",\"q\\\"\":1}}}\r\n",
            "a:\n  a:\n    -a: 1\n    - a: 2\n    ' a': 3\n    {a}: 4\n",
            "k: v\n\n\nk:\nk\n:\nkk: 1\n k: 2\n",
        ];
        let pointers: Vec<String> = [
            "", "/a", "/a/a", "/a/a/a", "/a/a:b", "/b", "/b/c", "/c/d", "/e/1/b", "/e/0/b",
            "/e/1/-b", "/-b", "/ a", "/{a}", "/q\"", "/", "/a/", "//a", "/k", "/kk", "/k/k",
            "/b:c", "/x", "/a~1b", "/'b'", "/,{b", "/a/0",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        for text in texts {
            agrees_with_scan(text, &pointers);
        }
    }
}
