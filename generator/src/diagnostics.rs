//! Errors and warnings about a spec, located by JSON pointer and, where the
//! source text is at hand, by `file:line:col`.

use std::fmt;
use std::path::PathBuf;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation went on; the output may not be what the spec author meant.
    Warning,
    /// Generation could not produce correct code.
    Error,
}

/// A place in a spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file the pointer is resolved in.
    pub file: PathBuf,
    /// JSON pointer (RFC 6901) into that file, `""` for the whole document.
    pub pointer: String,
    /// 1-based line and column, when they could be found.
    pub line_col: Option<(usize, usize)>,
}

/// One message about a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is wrong.
    pub location: Option<Box<Location>>,
    /// What to do about it, when there is something useful to say.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `pointer` (located in a file later, see [`Diagnostic::in_file`]).
    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, pointer.into(), message.into())
    }

    /// A warning at `pointer`.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, pointer.into(), message.into())
    }

    /// A diagnostic about the spec as a whole or its file, with no pointer.
    pub fn file_error(file: PathBuf, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: Some(Box::new(Location {
                file,
                pointer: String::new(),
                line_col: None,
            })),
            hint: None,
        }
    }

    fn new(severity: Severity, pointer: String, message: String) -> Self {
        Self {
            severity,
            message,
            location: Some(Box::new(Location {
                file: PathBuf::new(),
                pointer,
                line_col: None,
            })),
            hint: None,
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this diagnostic stops generation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// Printed like rustc: `error: message`, then `--> file:line:col`, the
    /// pointer, and the hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{label}: {}", self.message)?;
        if let Some(loc) = &self.location {
            let file = loc.file.display();
            match loc.line_col {
                Some((line, col)) => write!(f, "\n  --> {file}:{line}:{col}")?,
                None if !loc.file.as_os_str().is_empty() => write!(f, "\n  --> {file}")?,
                None => {}
            }
            if !loc.pointer.is_empty() {
                write!(f, "\n   = at: #{}", loc.pointer)?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n   = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Escapes one JSON pointer token (`~` -> `~0`, `/` -> `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Joins a pointer and one more token.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

/// Finds the line and column of the value a JSON pointer names, in YAML or
/// JSON source text.
///
/// This walks the text, not a parsed tree (neither parser keeps positions), so
/// it is a best effort: it follows each pointer token in order, looking for
/// the key (`key:` in YAML, `"key"` in JSON) after the previous one. Array
/// indices are not followed; the position of the enclosing key is kept.
pub fn locate(source: &str, pointer: &str) -> Option<(usize, usize)> {
    let mut offset = 0usize;
    let mut found_any = false;
    for raw in pointer.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        if let Ok(index) = token.parse::<usize>() {
            if let Some(item) = source.get(offset..).and_then(|rest| yaml_item(rest, index)) {
                offset += item;
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
    fn locates_json_key() {
        let json = "{\n  \"paths\": {\n    \"/a\": {\"get\": {}}\n  }\n}";
        assert_eq!(locate(json, "/paths/~1a/get"), Some((3, 12)));
    }

    #[test]
    fn display_is_rustc_like() {
        let mut d = Diagnostic::error("/paths", "bad").with_hint("fix it");
        if let Some(loc) = d.location.as_mut() {
            loc.file = PathBuf::from("spec.yaml");
            loc.line_col = Some((3, 1));
        }
        assert_eq!(
            d.to_string(),
            "error: bad\n  --> spec.yaml:3:1\n   = at: #/paths\n   = hint: fix it"
        );
    }
}
