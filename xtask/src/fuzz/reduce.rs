//! `--replay` (run one spec in a worker and print what happened) and
//! `--reduce` (shrink a saved crash while it still crashes the same way):
//! greedy tree reduction for inputs that parse, line- and character-chunk
//! reduction for those that do not.

use std::ops::Range;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::parent::{request, Outcome, Worker};
use super::seeds::{load_seeds, parse_spec, write_file, Input, Scratch};
use super::tree::{node, node_mut, Seg};
use super::{project_root, Args};

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Ok => "ok".into(),
        Outcome::Rejected(reason) => format!("rejected (Err with diagnostics): {reason}"),
        Outcome::Internal(c) | Outcome::Crash(c) => format!(
            "{}\n  message: {}\n  frame: {}\n{}",
            c.signature(),
            c.message,
            c.frame,
            c.backtrace
        ),
    }
}

pub(super) fn replay(args: &Args, file: &Path) -> Result<(), String> {
    let file = std::path::absolute(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut worker = Worker::spawn(dir, args.mem_mb)?;
    let started = Instant::now();
    let outcome = worker.run(
        &request(&file, false, false),
        Duration::from_secs_f64(args.timeout),
    )?;
    worker.stop();
    let _ = std::fs::remove_file(dir.join("worker-stderr.log"));
    println!(
        "{}: {} ({:.0} ms)",
        file.display(),
        describe(&outcome),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// The signature of a crashing outcome, `None` when it did not crash.
fn crash_signature(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Crash(c) | Outcome::Internal(c) => Some(c.signature()),
        _ => None,
    }
}

pub(super) fn reduce_command(args: &Args, target: &Path) -> Result<(), String> {
    let root = project_root();
    let (_, externals) = load_seeds(&root)?;
    // A crash directory holds apps/input.*; a plain file is the spec itself.
    let spec = if target.is_dir() {
        ["json", "yaml"]
            .iter()
            .map(|e| target.join(format!("apps/input.{e}")))
            .find(|p| p.exists())
            .ok_or_else(|| format!("{} holds no apps/input.*", target.display()))?
    } else {
        target.to_path_buf()
    };
    let bytes = std::fs::read(&spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let ext: &'static str = if spec.extension().is_some_and(|e| e == "json") {
        "json"
    } else {
        "yaml"
    };
    // The externals the crash was saved with, else the originals.
    let mut saved_externals: Vec<Option<Vec<u8>>> = Vec::new();
    for external in &externals {
        let saved = if target.is_dir() {
            std::fs::read(target.join(external.rel)).ok()
        } else {
            None
        };
        saved_externals.push(saved.filter(|b| *b != external.text));
    }
    let mut scratch = Scratch::new(&externals)?;
    let mut worker = Worker::spawn(&scratch.dir, args.mem_mb)?;
    let timeout = Duration::from_secs_f64(args.timeout);
    let mut tests = 0u64;
    let mut run = |bytes: &[u8],
                   ext: &'static str,
                   ext_files: &[Option<Vec<u8>>]|
     -> Result<Option<String>, String> {
        tests += 1;
        let input = Input {
            seed: String::new(),
            input_seed: 0,
            ext,
            bytes: bytes.to_vec(),
            externals: ext_files.to_vec(),
            log: Vec::new(),
            standalone: false,
            in_crate: false,
        };
        let spec = scratch.write(&input, &externals)?;
        Ok(crash_signature(&worker.run(
            &request(&spec, input.standalone, input.in_crate),
            timeout,
        )?))
    };
    let Some(signature) = run(&bytes, ext, &saved_externals)? else {
        return Err(format!("{} does not crash the generator", spec.display()));
    };
    println!(
        "reducing {} ({} bytes): {signature}",
        spec.display(),
        bytes.len()
    );
    // Original externals when they suffice.
    if saved_externals.iter().any(Option::is_some) {
        let none = vec![None; externals.len()];
        if run(&bytes, ext, &none)?.as_deref() == Some(signature.as_str()) {
            saved_externals = none;
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let parsed = parse_spec(&spec, &text).ok();
    let (result, result_ext) = match parsed {
        Some((doc, _)) => {
            let mut test = |doc: &Value| -> Result<bool, String> {
                // Test in the crash's own format first, then the other one.
                let yaml = ext == "yaml";
                let text = to_text(doc, yaml);
                Ok(run(text.as_bytes(), ext, &saved_externals)?.as_deref()
                    == Some(signature.as_str()))
            };
            let reduced = reduce_value(doc, &mut test)?;
            // Prefer YAML for fixtures when it still crashes.
            let yaml_text = to_text(&reduced, true);
            if run(yaml_text.as_bytes(), "yaml", &saved_externals)?.as_deref()
                == Some(signature.as_str())
            {
                (yaml_text, "yaml")
            } else {
                (to_text(&reduced, ext == "yaml"), ext)
            }
        }
        None => {
            let mut test = |text: &str| -> Result<bool, String> {
                Ok(run(text.as_bytes(), ext, &saved_externals)?.as_deref()
                    == Some(signature.as_str()))
            };
            (reduce_text(&text, &mut test)?, ext)
        }
    };
    worker.stop();
    scratch.remove();
    let out = args.reduce_out.clone().unwrap_or_else(|| {
        let base = if target.is_dir() {
            target.to_path_buf()
        } else {
            target.parent().unwrap_or(Path::new(".")).to_path_buf()
        };
        base.join(format!("reduced.{result_ext}"))
    });
    write_file(&out, result.as_bytes())?;
    if saved_externals.iter().any(Option::is_some) {
        println!("note: the crash needs the mutated external files saved beside the input");
    }
    println!(
        "reduced to {} bytes in {tests} runs: {}\n{signature}\n---\n{result}",
        result.len(),
        out.display()
    );
    Ok(())
}

fn to_text(doc: &Value, yaml: bool) -> String {
    if yaml {
        if let Ok(text) = serde_yaml::to_string(doc) {
            return text;
        }
    }
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

/// Greedy tree reduction: drops object entries and array elements (in
/// halving chunks), hoists a child over its parent, shortens strings and
/// simplifies scalars, until a whole pass changes nothing.
fn reduce_value(
    mut doc: Value,
    test: &mut dyn FnMut(&Value) -> Result<bool, String>,
) -> Result<Value, String> {
    loop {
        let mut changed = false;
        let mut queue: std::collections::VecDeque<Vec<Seg>> = std::collections::VecDeque::new();
        queue.push_back(Vec::new());
        while let Some(path) = queue.pop_front() {
            let Some(current) = node(&doc, &path) else {
                continue;
            };
            // Hoist: replace the node with one of its children.
            if !path.is_empty() {
                let children: Vec<Value> = match current {
                    Value::Object(m) => m
                        .values()
                        .filter(|v| v.is_object() || v.is_array())
                        .cloned()
                        .collect(),
                    Value::Array(a) => a
                        .iter()
                        .filter(|v| v.is_object() || v.is_array())
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                };
                let mut hoisted = false;
                for child in children.into_iter().take(8) {
                    let mut candidate = doc.clone();
                    if let Some(slot) = node_mut(&mut candidate, &path) {
                        *slot = child;
                    }
                    if test(&candidate)? {
                        doc = candidate;
                        changed = true;
                        hoisted = true;
                        break;
                    }
                }
                if hoisted {
                    queue.push_back(path);
                    continue;
                }
            }
            let Some(current) = node(&doc, &path) else {
                continue;
            };
            match current {
                Value::Object(map) => {
                    let keys: Vec<String> = map.keys().cloned().collect();
                    let kept =
                        reduce_children(&mut doc, &path, keys.len(), test, |node, drop, _| {
                            if let Some(m) = node.as_object_mut() {
                                for i in drop {
                                    if let Some(k) = keys.get(*i) {
                                        m.remove(k);
                                    }
                                }
                            }
                        })?;
                    changed |= kept.len() < keys.len();
                    for i in kept {
                        if let Some(k) = keys.get(i) {
                            let mut child = path.clone();
                            child.push(Seg::Key(k.clone()));
                            queue.push_back(child);
                        }
                    }
                }
                Value::Array(items) => {
                    let len = items.len();
                    let kept = reduce_children(&mut doc, &path, len, test, |node, _, drop| {
                        if let Some(a) = node.as_array_mut() {
                            for i in drop.iter().rev() {
                                if *i < a.len() {
                                    a.remove(*i);
                                }
                            }
                        }
                    })?;
                    changed |= kept.len() < len;
                    for (new_index, _) in kept.iter().enumerate() {
                        let mut child = path.clone();
                        child.push(Seg::Idx(new_index));
                        queue.push_back(child);
                    }
                }
                Value::String(s) if s.chars().count() > 1 => {
                    let chars: Vec<char> = s.chars().collect();
                    for candidate_text in [
                        chars[..chars.len() / 2].iter().collect::<String>(),
                        chars[chars.len() / 2..].iter().collect::<String>(),
                    ] {
                        let mut candidate = doc.clone();
                        if let Some(slot) = node_mut(&mut candidate, &path) {
                            *slot = Value::String(candidate_text);
                        }
                        if test(&candidate)? {
                            doc = candidate;
                            changed = true;
                            queue.push_back(path.clone());
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        if !changed {
            return Ok(doc);
        }
    }
}

/// Removes chunks of the `len` children of the node at `path` (halving the
/// chunk size down to one) while `test` still holds; returns the original
/// indices of the children kept.
fn reduce_children(
    doc: &mut Value,
    path: &[Seg],
    len: usize,
    test: &mut dyn FnMut(&Value) -> Result<bool, String>,
    remove: impl Fn(&mut Value, &[usize], &[usize]),
) -> Result<Vec<usize>, String> {
    let mut kept: Vec<usize> = (0..len).collect();
    drop_chunks(&mut kept, len.max(1), |kept, dropped| {
        let mut candidate = doc.clone();
        if let Some(slot) = node_mut(&mut candidate, path) {
            // Indices are relative to the current node: positions of the
            // dropped children among those still present.
            let positions: Vec<usize> = dropped.clone().collect();
            remove(slot, &kept[dropped], &positions);
        }
        let still = test(&candidate)?;
        if still {
            *doc = candidate;
        }
        Ok(still)
    })?;
    Ok(kept)
}

/// Line-based, then character-chunk reduction for inputs that do not parse.
fn reduce_text(
    text: &str,
    test: &mut dyn FnMut(&str) -> Result<bool, String>,
) -> Result<String, String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let first_chunk = lines.len().max(1);
    drop_chunks(&mut lines, first_chunk, |lines, dropped| {
        test(&(lines[..dropped.start].concat() + &lines[dropped.end..].concat()))
    })?;
    let mut chars: Vec<char> = lines.concat().chars().collect();
    let first_chunk = (chars.len() / 2).max(1);
    drop_chunks(&mut chars, first_chunk, |chars, dropped| {
        let candidate: String = chars[..dropped.start]
            .iter()
            .chain(&chars[dropped.end..])
            .collect();
        test(&candidate)
    })?;
    Ok(chars.into_iter().collect())
}

/// Delta debugging over a list: tries dropping each run of `chunk` items
/// (then of half as many, down to one) and drops it for good when
/// `still_crashes(items, run)` says the input without `items[run]` still
/// crashes the same way.
fn drop_chunks<T, F>(
    items: &mut Vec<T>,
    mut chunk: usize,
    mut still_crashes: F,
) -> Result<(), String>
where
    F: FnMut(&[T], Range<usize>) -> Result<bool, String>,
{
    loop {
        let mut start = 0;
        while start < items.len() {
            let end = (start + chunk).min(items.len());
            if still_crashes(items, start..end)? {
                items.drain(start..end);
            } else {
                start = end;
            }
        }
        if chunk == 1 {
            return Ok(());
        }
        chunk = chunk.div_ceil(2);
    }
}
