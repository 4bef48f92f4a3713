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
    /// How many times generation met it at this place (a schema lowered
    /// once per use reports once per use); see [`dedupe`].
    pub count: usize,
}

impl Diagnostic {
    /// An error at `pointer` (its [`Location`]'s file and line are filled in later).
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
            count: 1,
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
            count: 1,
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
        if self.count > 1 {
            write!(
                f,
                "\n   = note: met {} times here (once for each use)",
                self.count
            )?;
        }
        Ok(())
    }
}

/// Each distinct diagnostic once, in the order first met, with `count`
/// saying how many times it came: a schema with a defect is lowered once
/// for every place that uses it, and twenty copies of one warning hide the
/// others. Distinct means the same severity, place (file and pointer),
/// message and hint.
pub fn dedupe(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    use std::collections::BTreeMap;
    type Key = (Severity, Option<(PathBuf, String)>, String, Option<String>);
    let key = |d: &Diagnostic| -> Key {
        (
            d.severity,
            d.location
                .as_ref()
                .map(|l| (l.file.clone(), l.pointer.clone())),
            d.message.clone(),
            d.hint.clone(),
        )
    };
    let mut seen: BTreeMap<Key, usize> = BTreeMap::new();
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        match seen.get(&key(&diagnostic)).and_then(|&i| out.get_mut(i)) {
            Some(first) => first.count += diagnostic.count,
            None => {
                seen.insert(key(&diagnostic), out.len());
                out.push(diagnostic);
            }
        }
    }
    out
}

/// Escapes one JSON pointer token (`~` -> `~0`, `/` -> `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Joins a pointer and one more token.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

/// Joins a pointer and several more tokens, each escaped on its own
/// (`join_path("/a", &["allOf", "0"])` is `/a/allOf/0`, where
/// `join("/a", "allOf/0")` would escape the slash).
pub fn join_path(pointer: &str, tokens: &[&str]) -> String {
    tokens
        .iter()
        .fold(pointer.to_owned(), |pointer, token| join(&pointer, token))
}

/// One step down a JSON document: an object key or an array index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A key of an object.
    Key(&'a str),
    /// An index into an array.
    Index(usize),
}

impl Step<'_> {
    fn push_to(self, pointer: &mut String) {
        pointer.push('/');
        match self {
            Step::Key(key) => pointer.push_str(&escape_token(key)),
            Step::Index(index) => pointer.push_str(&index.to_string()),
        }
    }
}

/// Where a recursive walk over a document is: the pointer it started from
/// and the steps taken since, on the walk's own stack. Written out as a
/// pointer only when a diagnostic needs one: walks rarely find anything, and
/// formatting a pointer for every node was a tenth of the generator's time.
#[derive(Clone, Copy, Debug)]
pub enum Path<'a> {
    /// The pointer the walk started from.
    Start(&'a str),
    /// One step below another position.
    Below(&'a Path<'a>, Step<'a>),
}

impl<'a> Path<'a> {
    /// The position one key further down.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Below(self, Step::Key(key))
    }

    /// The position one array item further down.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path::Below(self, Step::Index(index))
    }

    /// The last step, if any was taken.
    pub fn last(&self) -> Option<Step<'a>> {
        match self {
            Path::Start(_) => None,
            Path::Below(_, step) => Some(*step),
        }
    }

    /// The JSON pointer, as [`join`] would have built it step by step.
    pub fn pointer(&self) -> String {
        let mut steps = Vec::new();
        let mut at = self;
        loop {
            match at {
                Path::Start(start) => {
                    let mut pointer = (*start).to_owned();
                    for step in steps.into_iter().rev() {
                        Step::push_to(step, &mut pointer);
                    }
                    return pointer;
                }
                Path::Below(parent, step) => {
                    steps.push(*step);
                    at = parent;
                }
            }
        }
    }
}

/// The positions an iterative walk has been to, each a step below an
/// earlier one: what [`Path`] is for walks that keep their own stack. A
/// position is an index into the trail, cheap to copy onto that stack.
#[derive(Debug, Default)]
pub struct Trail<'a> {
    steps: Vec<(usize, Step<'a>)>,
}

impl<'a> Trail<'a> {
    /// The walk's starting point (the document root, pointer `""`).
    pub const ROOT: usize = usize::MAX;

    /// Records the position one step below `parent` and returns it.
    pub fn below(&mut self, parent: usize, step: Step<'a>) -> usize {
        self.steps.push((parent, step));
        self.steps.len() - 1
    }

    /// The steps from the root to `at`, first step first.
    pub fn steps(&self, mut at: usize) -> Vec<Step<'a>> {
        let mut steps = Vec::new();
        while let Some((parent, step)) = self.steps.get(at) {
            steps.push(*step);
            at = *parent;
        }
        steps.reverse();
        steps
    }

    /// The JSON pointer of `at`, as [`join`] would have built it.
    pub fn pointer(&self, at: usize) -> String {
        let mut pointer = String::new();
        for step in self.steps(at) {
            step.push_to(&mut pointer);
        }
        pointer
    }
}

pub use crate::locate::locate;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_trails_write_pointers_like_join() {
        let start = Path::Start("/components/schemas");
        let a = start.key("a/b~c");
        let b = a.index(3);
        let c = b.key("type");
        let joined = join(&join(&join("/components/schemas", "a/b~c"), "3"), "type");
        assert_eq!(c.pointer(), joined);
        assert_eq!(c.last(), Some(Step::Key("type")));
        assert_eq!(start.pointer(), "/components/schemas");

        let mut trail = Trail::default();
        let x = trail.below(Trail::ROOT, Step::Key("paths"));
        let y = trail.below(x, Step::Key("/a/{b}"));
        let z = trail.below(y, Step::Index(0));
        assert_eq!(
            trail.pointer(z),
            join(&join(&join("", "paths"), "/a/{b}"), "0")
        );
        assert_eq!(trail.pointer(Trail::ROOT), "");
        assert_eq!(join_path("/s", &["allOf", "0", "a/b"]), "/s/allOf/0/a~1b");
    }

    #[test]
    fn repeats_are_reported_once_with_a_count() {
        let a = Diagnostic::warning("/a", "bad");
        let b = Diagnostic::warning("/b", "bad");
        let other = Diagnostic::warning("/a", "worse");
        let error = Diagnostic::error("/a", "bad");
        let out = dedupe(vec![
            a.clone(),
            b.clone(),
            a.clone(),
            other.clone(),
            a.clone(),
            error.clone(),
        ]);
        let counts: Vec<(&str, &str, usize)> = out
            .iter()
            .map(|d| {
                let pointer = d.location.as_ref().map_or("", |l| l.pointer.as_str());
                (pointer, d.message.as_str(), d.count)
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("/a", "bad", 3),
                ("/b", "bad", 1),
                ("/a", "worse", 1),
                ("/a", "bad", 1)
            ]
        );
        assert_eq!(out[3].severity, Severity::Error);
        assert!(out[0]
            .to_string()
            .ends_with("= note: met 3 times here (once for each use)"));
        assert!(!out[1].to_string().contains("note"));
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
