//! Seeds, the scratch directory and inputs: loading the seed specs (the
//! vendor corpus, the contacts spec, the fixtures) and the external files
//! they reference, and writing each generated `Input` into a scratch
//! directory laid out like the corpus so that relative `$ref`s resolve.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A seed spec, parsed.
pub(super) struct Seed {
    pub(super) name: String,
    pub(super) value: Value,
    pub(super) yaml: bool,
    /// `#/components/<section>/<name>` of every component.
    pub(super) targets: Vec<String>,
}

/// A file the seeds reference, written beside every input.
pub(super) struct External {
    /// Path inside the scratch directory.
    pub(super) rel: &'static str,
    pub(super) text: Vec<u8>,
    pub(super) value: Value,
    pub(super) yaml: bool,
}

/// Scratch layout: `apps/input.{json,yaml}` (the spec under test),
/// `common/common-schemas.json` (what the vendor specs reference as
/// `../common/common-schemas.json`) and `apps/external/common.yaml` (what
/// the fixtures reference as `external/common.yaml`).
pub(super) const COMMON_JSON: &str = "common/common-schemas.json";
const EXTERNAL_YAML: &str = "apps/external/common.yaml";

pub(super) fn parse_spec(path: &Path, text: &str) -> Result<(Value, bool), String> {
    let json_ext = path.extension().is_some_and(|e| e == "json");
    if json_ext || text.trim_start().starts_with('{') {
        serde_json::from_str(text)
            .map(|v| (v, false))
            .map_err(|e| format!("{}: {e}", path.display()))
    } else {
        serde_yaml::from_str(text)
            .map(|v| (v, true))
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn list_specs(dir: &Path) -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
                })
                .collect()
        })
        .unwrap_or_default();
    specs.sort();
    specs
}

pub(super) fn load_seeds(root: &Path) -> Result<(Vec<Seed>, Vec<External>), String> {
    let corpus = root.join("../shared/corpus");
    let mut paths = list_specs(&corpus.join("apps"));
    paths.push(root.join("spec/contacts.yaml"));
    paths.extend(list_specs(&root.join("tests/fixtures")));
    let mut seeds = Vec::new();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let (value, yaml) = parse_spec(&path, &text)?;
        let targets = component_targets(&value);
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        seeds.push(Seed {
            name,
            value,
            yaml,
            targets,
        });
    }
    if seeds.is_empty() {
        return Err("no seed specs found".into());
    }
    let mut externals = Vec::new();
    for (rel, source) in [
        (COMMON_JSON, corpus.join("common/common-schemas.json")),
        (
            EXTERNAL_YAML,
            root.join("tests/fixtures/external/common.yaml"),
        ),
    ] {
        let text =
            std::fs::read(&source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        let (value, yaml) = parse_spec(&source, &String::from_utf8_lossy(&text))?;
        externals.push(External {
            rel,
            text,
            value,
            yaml,
        });
    }
    Ok((seeds, externals))
}

fn component_targets(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(components) = doc.get("components").and_then(Value::as_object) {
        for (section, entries) in components {
            if let Some(entries) = entries.as_object() {
                for name in entries.keys() {
                    out.push(format!("#/components/{section}/{}", escape_token(name)));
                }
            }
        }
    }
    out
}

/// `token` escaped for a JSON pointer (RFC 6901).
pub(super) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// One generated input: the spec's bytes and, when mutated too, the
/// external files'.
pub(super) struct Input {
    pub(super) seed: String,
    pub(super) input_seed: u64,
    pub(super) ext: &'static str,
    pub(super) bytes: Vec<u8>,
    pub(super) externals: Vec<Option<Vec<u8>>>,
    pub(super) log: Vec<String>,
    pub(super) standalone: bool,
    pub(super) in_crate: bool,
}

/// The scratch directory the worker reads inputs from.
pub(super) struct Scratch {
    pub(super) dir: PathBuf,
    /// Whether an external file currently holds mutated contents.
    dirty: Vec<bool>,
}

impl Scratch {
    pub(super) fn new(externals: &[External]) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["apps/external", "common"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        for external in externals {
            write_file(&dir.join(external.rel), &external.text)?;
        }
        Ok(Self {
            dir,
            dirty: vec![false; externals.len()],
        })
    }

    /// Writes `input`; returns the path of its spec.
    pub(super) fn write(
        &mut self,
        input: &Input,
        externals: &[External],
    ) -> Result<PathBuf, String> {
        for (i, external) in externals.iter().enumerate() {
            let path = self.dir.join(external.rel);
            match input.externals.get(i).and_then(Option::as_ref) {
                Some(bytes) => {
                    write_file(&path, bytes)?;
                    self.dirty[i] = true;
                }
                None if self.dirty[i] => {
                    write_file(&path, &external.text)?;
                    self.dirty[i] = false;
                }
                None => {}
            }
        }
        for ext in ["json", "yaml"] {
            let _ = std::fs::remove_file(self.dir.join(format!("apps/input.{ext}")));
        }
        let spec = self.dir.join(format!("apps/input.{}", input.ext));
        write_file(&spec, &input.bytes)?;
        Ok(spec)
    }

    pub(super) fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `bytes` to `path`, creating its directory.
pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
