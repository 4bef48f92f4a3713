//! What a spec change does: to apps already deployed against the old spec
//! (the wire) and to Rust code written against the crate generated from it
//! (the Rust API).
//!
//! Both sides are loaded and lowered exactly as codegen does, so the diff is
//! of what the generator sees. Rust verdicts are derived from the two IRs
//! (what the emitter will write: field types, constructors, `Default`,
//! method signatures, enum variants). Wire verdicts come from the IRs plus a
//! few facts the IR drops, read from the bundled documents (`raw`): security
//! requirements, media types, `deprecated`, and validation keywords.
//!
//! - [`checks`]: the list of checks, one id each.
//! - `operations` (with `params` and `bodies`), `types` (with `structs`):
//!   the comparisons.
//! - `shape`: Rust type text and structural (wire) comparison of types.
//! - `raw`: wire facts read from the bundled documents.
//! - [`report`]: Markdown and JSON output.

mod bodies;
pub mod checks;
mod operations;
mod params;
mod raw;
pub mod report;
mod shape;
mod structs;
mod types;

use std::fmt;
use std::path::PathBuf;

use crate::diagnostics::Diagnostic;
use crate::ir::Api;
use crate::load::Loaded;

/// One side of a diff: the loaded document and its IR.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// The bundled document, with its source map.
    pub loaded: &'a Loaded,
    /// The IR lowered from it.
    pub api: &'a Api,
}

/// Whether a change breaks something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Keeps working (or keeps compiling).
    Compatible,
    /// Stops working (or stops compiling).
    Breaking,
}

impl Verdict {
    /// `breaking` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compatible => "compatible",
            Self::Breaking => "breaking",
        }
    }

    /// `Breaking` when `breaks`.
    pub fn from_bool(breaks: bool) -> Self {
        if breaks {
            Self::Breaking
        } else {
            Self::Compatible
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of edit a change is, for the semver of a diff without breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Something new (an operation, a type, a field): a `minor` change.
    Added,
    /// Something changed or went away.
    Changed,
}

/// A place in a spec file: its file and 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLine {
    /// The file (the root spec, or a file it references).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// One change between the two sides.
#[derive(Clone, Debug)]
pub struct Change {
    /// The check that found it (see [`checks::CHECKS`]).
    pub id: &'static str,
    /// Does an app deployed against OLD still work against a server of NEW?
    pub wire: Verdict,
    /// Does code written against the OLD crate still compile against NEW?
    pub rust: Verdict,
    /// Addition or other change.
    pub kind: Kind,
    /// The operation concerned (its NEW operationId, or OLD when removed);
    /// for a change to a type, the one operation that uses it, if only one
    /// does.
    pub operation: Option<String>,
    /// The generated type concerned, by Rust name.
    pub type_name: Option<String>,
    /// For a change to a type: the operations whose requests or responses
    /// hold it (in NEW, or in OLD when NEW no longer has it).
    pub used_by: Vec<String>,
    /// JSON pointer into the OLD bundled document.
    pub old_pointer: Option<String>,
    /// JSON pointer into the NEW bundled document.
    pub new_pointer: Option<String>,
    /// Where NEW says it (file and line), when NEW has it.
    pub new_line: Option<SourceLine>,
    /// What changed and why it has the verdicts it has.
    pub message: String,
}

impl Change {
    /// Breaking on the wire or in Rust.
    pub fn is_breaking(&self) -> bool {
        self.wire == Verdict::Breaking || self.rust == Verdict::Breaking
    }

    /// The pointer to show when one is asked for: NEW's, else OLD's.
    pub fn pointer(&self) -> Option<&str> {
        self.new_pointer.as_deref().or(self.old_pointer.as_deref())
    }
}

/// The kind of version bump a set of changes needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Semver {
    /// Nothing added, nothing breaks.
    Patch,
    /// Something added, nothing breaks.
    Minor,
    /// Something breaks, on the wire or in Rust.
    Major,
}

impl Semver {
    /// `major`, `minor` or `patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }

    /// The version after `current` (`0.1.0`) gets this bump. Below 1.0 a
    /// breaking change bumps the minor and anything else the patch (Cargo's
    /// rule: `0.x.y` and `0.x.z` are compatible); `0.0.z` bumps `z` always.
    pub fn next_version(self, current: &str) -> Result<String, String> {
        let core = current.trim().split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<u64> = core
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| format!("`{current}` is not a version (major.minor.patch)"))?;
        let [major, minor, patch] = parts[..] else {
            return Err(format!("`{current}` is not a version (major.minor.patch)"));
        };
        let next = match (major, minor, self) {
            (0, 0, _) => (0, 0, patch + 1),
            (0, _, Self::Major) => (0, minor + 1, 0),
            (0, _, _) => (0, minor, patch + 1),
            (_, _, Self::Major) => (major + 1, 0, 0),
            (_, _, Self::Minor) => (major, minor + 1, 0),
            (_, _, Self::Patch) => (major, minor, patch + 1),
        };
        Ok(format!("{}.{}.{}", next.0, next.1, next.2))
    }
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every change between two sides, breaking ones first.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// The changes: breaking ones first, then in document order of NEW.
    pub changes: Vec<Change>,
}

impl Diff {
    /// The bump these changes need.
    pub fn semver(&self) -> Semver {
        if self.changes.iter().any(Change::is_breaking) {
            Semver::Major
        } else if self.changes.iter().any(|c| c.kind == Kind::Added) {
            Semver::Minor
        } else {
            Semver::Patch
        }
    }

    /// Whether any change breaks the wire or Rust.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(Change::is_breaking)
    }
}

/// Compares two sides.
pub fn diff(old: Side<'_>, new: Side<'_>) -> Diff {
    let ctx = Ctx::new(old, new);
    let mut changes = Vec::new();
    operations::compare(&ctx, &mut changes);
    types::compare(&ctx, &mut changes);
    let old_users = shape::users(old.api);
    let new_users = shape::users(new.api);
    for change in &mut changes {
        if let Some(name) = &change.type_name {
            change.used_by = new_users
                .get(name)
                .filter(|u| !u.is_empty())
                .or_else(|| old_users.get(name))
                .cloned()
                .unwrap_or_default();
            // A type only one operation uses is that operation's change.
            if let (None, [only]) = (&change.operation, change.used_by.as_slice()) {
                change.operation = Some(only.clone());
            }
        }
        change.new_line = change
            .new_pointer
            .as_deref()
            .and_then(|p| source_line(new.loaded, p));
    }
    // Breaking first; within each group, keep the order the checks found
    // them in (operations in document order, then types).
    changes.sort_by_key(|c| !c.is_breaking());
    Diff { changes }
}

/// Loads and lowers a spec as codegen does; errors stop, warnings do not
/// (the diff is of what the generator would see).
pub fn load(path: &std::path::Path) -> Result<(Loaded, Api), Vec<Diagnostic>> {
    let loaded = crate::load::load(path)?;
    let (api, diagnostics) = crate::lower::lower(&loaded);
    let errors: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| loaded.sources.locate(d))
        .collect();
    if errors.is_empty() {
        Ok((loaded, api))
    } else {
        Err(errors)
    }
}

/// The file and line a pointer into a bundled document comes from.
fn source_line(loaded: &Loaded, pointer: &str) -> Option<SourceLine> {
    // `diagnostics::locate` reads a numeric token as a list index; a status
    // code is a map key, so find it under its parent here.
    if let Some((parent, last)) = pointer.rsplit_once('/') {
        let numeric = !last.is_empty() && last.chars().all(|c| c.is_ascii_digit());
        if numeric
            && loaded
                .raw
                .pointer(parent)
                .is_some_and(serde_json::Value::is_object)
        {
            let at = source_line(loaded, parent)?;
            let text = std::fs::read_to_string(&at.file).ok()?;
            let keys = [
                format!("'{last}':"),
                format!("\"{last}\":"),
                format!("{last}:"),
            ];
            let offset = text
                .lines()
                .skip(at.line)
                .position(|l| keys.iter().any(|k| l.trim_start().starts_with(k.as_str())))?;
            return Some(SourceLine {
                file: at.file,
                line: at.line + offset + 1,
            });
        }
    }
    let located = loaded.sources.locate(Diagnostic::warning(pointer, ""));
    let location = located.location?;
    let (line, _) = location.line_col?;
    Some(SourceLine {
        file: location.file,
        line,
    })
}

/// Both sides, with what the comparisons look up often.
pub(crate) struct Ctx<'a> {
    pub old: Side<'a>,
    pub new: Side<'a>,
    pub old_usage: shape::Usage,
    pub new_usage: shape::Usage,
}

impl<'a> Ctx<'a> {
    fn new(old: Side<'a>, new: Side<'a>) -> Self {
        Self {
            old_usage: shape::Usage::of(old.api),
            new_usage: shape::Usage::of(new.api),
            old,
            new,
        }
    }
}

impl Change {
    /// A change found by check `id`; `wire` and `rust` say whether it breaks.
    pub(crate) fn new(
        id: &'static str,
        wire: bool,
        rust: bool,
        message: impl Into<String>,
    ) -> Self {
        debug_assert!(checks::find(id).is_some(), "unlisted check {id}");
        Self {
            id,
            wire: Verdict::from_bool(wire),
            rust: Verdict::from_bool(rust),
            kind: Kind::Changed,
            operation: None,
            type_name: None,
            used_by: Vec::new(),
            old_pointer: None,
            new_pointer: None,
            new_line: None,
            message: message.into(),
        }
    }

    /// Marks an addition.
    pub(crate) fn added(mut self) -> Self {
        self.kind = Kind::Added;
        self
    }

    /// Names the operation.
    pub(crate) fn operation(mut self, operation_id: &str) -> Self {
        self.operation = Some(operation_id.to_owned());
        self
    }

    /// Names the type.
    pub(crate) fn type_name(mut self, name: &str) -> Self {
        self.type_name = Some(name.to_owned());
        self
    }

    /// Where OLD and NEW say it.
    pub(crate) fn at(mut self, old: Option<String>, new: Option<String>) -> Self {
        self.old_pointer = old;
        self.new_pointer = new;
        self
    }
}
