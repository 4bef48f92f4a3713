//! A diff as Markdown (for a pull-request comment) or JSON (for tools).

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{Change, Diff, Verdict};

/// What the report says about the two sides.
#[derive(Clone, Debug)]
pub struct Header {
    /// How OLD was given (`origin/main:spec/contacts.yaml`).
    pub old: String,
    /// How NEW was given.
    pub new: String,
    /// The crate's current version, when known.
    pub current_version: Option<String>,
}

impl Header {
    fn next_version(&self, diff: &Diff) -> Option<String> {
        self.current_version
            .as_deref()
            .and_then(|v| diff.semver().next_version(v).ok())
    }
}

/// The Markdown report: a summary line, then breaking changes, then the
/// others, each with its operation or type, pointers and line in NEW.
pub fn markdown(diff: &Diff, header: &Header) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Spec diff: `{}` → `{}`\n", header.old, header.new);
    out.push_str(&summary(diff, header));
    let (breaking, compatible): (Vec<&Change>, Vec<&Change>) =
        diff.changes.iter().partition(|c| c.is_breaking());
    for (title, list) in [("Breaking", breaking), ("Compatible", compatible)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n#### {title} ({})\n", list.len());
        for change in list {
            item(&mut out, change);
        }
    }
    out
}

/// One line: the semver, the next version and the counts.
pub fn summary(diff: &Diff, header: &Header) -> String {
    let semver = diff.semver();
    let version = match (&header.current_version, header.next_version(diff)) {
        (Some(current), Some(next)) => format!(": `{current}` → `{next}`"),
        _ => String::new(),
    };
    if diff.changes.is_empty() {
        return format!("**{semver}**{version}. No changes the generator can see.\n");
    }
    let breaking = diff.changes.iter().filter(|c| c.is_breaking()).count();
    let wire = diff
        .changes
        .iter()
        .filter(|c| c.wire == Verdict::Breaking)
        .count();
    let rust = diff
        .changes
        .iter()
        .filter(|c| c.rust == Verdict::Breaking)
        .count();
    format!(
        "**{semver}**{version}. {} change(s): {breaking} breaking ({wire} on the wire, {rust} in Rust), {} compatible.\n",
        diff.changes.len(),
        diff.changes.len() - breaking
    )
}

fn item(out: &mut String, change: &Change) {
    let subject: Vec<String> = change
        .operation
        .iter()
        .chain(change.type_name.iter())
        .map(|s| format!("`{s}`"))
        .collect();
    let subject = if subject.is_empty() {
        String::new()
    } else {
        format!(" {}", subject.join(" / "))
    };
    let verdict = |v: Verdict| match v {
        Verdict::Breaking => "**breaking**",
        Verdict::Compatible => "compatible",
    };
    let _ = writeln!(
        out,
        "- `{}`{subject}: wire {}, Rust {}  ",
        change.id,
        verdict(change.wire),
        verdict(change.rust)
    );
    let _ = writeln!(out, "  {}  ", change.message);
    if change.used_by.len() > 1 {
        let list: Vec<String> = change.used_by.iter().map(|o| format!("`{o}`")).collect();
        let _ = writeln!(out, "  used by {}  ", list.join(", "));
    }
    let pointer = |p: &Option<String>| p.as_ref().map_or("—".to_owned(), |p| format!("`#{p}`"));
    let line = change
        .new_line
        .as_ref()
        .map(|l| format!(" ({}:{})", l.file.display(), l.line))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  OLD {} · NEW {}{line}",
        pointer(&change.old_pointer),
        pointer(&change.new_pointer)
    );
}

/// The JSON report.
pub fn json(diff: &Diff, header: &Header) -> Value {
    let changes: Vec<Value> = diff
        .changes
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "pointer": c.pointer().map(|p| format!("#{p}")),
                "operation": c.operation,
                "type": c.type_name,
                "used_by": c.used_by,
                "wire": c.wire.as_str(),
                "rust": c.rust.as_str(),
                "message": c.message,
                "old_pointer": c.old_pointer.as_ref().map(|p| format!("#{p}")),
                "new_pointer": c.new_pointer.as_ref().map(|p| format!("#{p}")),
                "new_file": c.new_line.as_ref().map(|l| l.file.display().to_string()),
                "new_line": c.new_line.as_ref().map(|l| l.line),
            })
        })
        .collect();
    json!({
        "semver": diff.semver().as_str(),
        "next_version": header.next_version(diff),
        "current_version": header.current_version,
        "old": header.old,
        "new": header.new,
        "changes": changes,
    })
}
