//! Serialisation of a mutated tree back to text, with chaos (shuffled and
//! duplicated JSON object entries), and byte-level damage to the text
//! (flipped bits, stray tokens, truncation, YAML alias bombs).

use std::fmt::Write as _;

use fastrand::Rng;
use serde_json::Value;

use super::vocab::one_of;

pub(super) fn serialize(doc: &Value, yaml: bool, r: &mut Rng) -> String {
    if yaml {
        if let Ok(text) = serde_yaml::to_string(doc) {
            return text;
        }
    }
    match r.usize(..4) {
        0 => serde_json::to_string(doc).unwrap_or_default(),
        1 => {
            // Shuffled and duplicated object entries, on one line.
            let mut out = String::new();
            let mut duplicates = 16;
            chaos_json(doc, r, &mut duplicates, &mut out);
            out
        }
        _ => serde_json::to_string_pretty(doc).unwrap_or_default(),
    }
}

/// JSON with object entries shuffled now and then, and (at most
/// `duplicates` times) a key written twice: with a small value before the
/// real one (the real one wins) or after it (the small one wins).
fn chaos_json(value: &Value, r: &mut Rng, duplicates: &mut u32, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if r.usize(..3) == 0 {
                r.shuffle(&mut entries);
            }
            out.push('{');
            let mut first = true;
            for (key, child) in entries {
                let key_text = Value::String(key.clone()).to_string();
                let twin = (*duplicates > 0 && r.usize(..40) == 0).then(|| {
                    *duplicates -= 1;
                    (
                        r.bool(),
                        ["null", "\"\"", "0", "{}", "[]", "true"][r.usize(..6)],
                    )
                });
                if !first {
                    out.push(',');
                }
                first = false;
                if let Some((true, small)) = twin {
                    let _ = write!(out, "{key_text}:{small},");
                }
                out.push_str(&key_text);
                out.push(':');
                chaos_json(child, r, duplicates, out);
                if let Some((false, small)) = twin {
                    let _ = write!(out, ",{key_text}:{small}");
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, child) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                chaos_json(child, r, duplicates, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    ":",
    ",",
    "- ",
    "\n",
    "\t",
    "\r\n",
    "&a ",
    "*a",
    "!!str ",
    "!!binary ",
    "!!int ",
    "!!map ",
    "!!set ",
    "<<: *a\n",
    "? ",
    "|",
    ">-",
    "%YAML 1.2\n---\n",
    "---\n",
    "...\n",
    "\u{feff}",
    "\\u0000",
    "\\ud800",
    "1e999999",
    "-",
    "~",
    "null",
    "#",
    "\0",
    "\u{2028}",
    "é",
    "🦀",
    "\\",
    "$ref",
    "\"$ref\": \"#\"",
    "0x7f",
    ".inf",
    ".nan",
    "!",
    "@",
    "`",
    "%",
    "{{",
    "}}",
    "\u{85}",
];

pub(super) fn byte_mutations(bytes: &mut Vec<u8>, yaml: bool, r: &mut Rng, log: &mut Vec<String>) {
    if yaml && r.usize(..40) == 0 {
        // Aliases expand to copies: a quadratic blow-up within the parser's
        // repetition limit.
        let n = [10, 100, 1000, 3000][r.usize(..4)];
        let mut bomb = format!(
            "x-bomb-anchor: &bomb [{}]\nx-bomb:\n",
            vec!["lol"; n].join(", ")
        );
        for _ in 0..n {
            bomb.push_str("  - *bomb\n");
        }
        bytes.extend_from_slice(bomb.as_bytes());
        log.push(format!("bytes: appended an alias bomb ({n} x {n})"));
        return;
    }
    for _ in 0..1 + r.usize(..4) {
        let len = bytes.len();
        let at = if len == 0 { 0 } else { r.usize(..=len) };
        match r.usize(..8) {
            0 if len > 0 => {
                let i = r.usize(..len);
                bytes[i] ^= 1 << r.u8(..8);
                log.push(format!("bytes: flipped a bit at {i}"));
            }
            1 if len > 0 => {
                let end = (at + 1 + r.usize(..32)).min(len);
                bytes.drain(at.min(len)..end);
                log.push(format!("bytes: deleted {at}..{end}"));
            }
            2 => {
                let token = one_of(r, TOKENS);
                bytes.splice(at..at, token.bytes());
                log.push(format!("bytes: inserted {token:?} at {at}"));
            }
            3 => {
                let junk: Vec<u8> = (0..1 + r.usize(..8)).map(|_| r.u8(..)).collect();
                bytes.splice(at..at, junk.iter().copied());
                log.push(format!(
                    "bytes: inserted {} random bytes at {at}",
                    junk.len()
                ));
            }
            4 if len > 0 => {
                let start = r.usize(..len);
                let end = (start + 1 + r.usize(..256)).min(len);
                let chunk: Vec<u8> = bytes[start..end].to_vec();
                bytes.splice(at..at, chunk);
                log.push(format!("bytes: copied {start}..{end} to {at}"));
            }
            5 => {
                bytes.truncate(at);
                log.push(format!("bytes: truncated at {at}"));
            }
            6 if len > 0 => {
                // Replace a run of digits with a huge number.
                if let Some(i) = (at..len).find(|&i| bytes[i].is_ascii_digit()) {
                    let big = [
                        "99999999999999999999999",
                        "-1",
                        "1e400",
                        "0.0000001",
                        "18446744073709551616",
                    ][r.usize(..5)];
                    let end = (i..len)
                        .find(|&j| !bytes[j].is_ascii_digit())
                        .unwrap_or(len);
                    bytes.splice(i..end, big.bytes());
                    log.push(format!("bytes: number at {i} -> {big}"));
                }
            }
            _ => {
                // Indentation damage (YAML) or a stray line break.
                if let Some(i) = (at..len).find(|&i| bytes[i] == b'\n') {
                    let what: &[u8] = [&b" "[..], b"  ", b"\t", b""][r.usize(..4)];
                    bytes.splice(i + 1..i + 1, what.iter().copied());
                    log.push(format!("bytes: indentation {what:?} after {i}"));
                }
            }
        }
    }
}
