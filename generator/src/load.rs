//! Load layer: reads a spec (YAML or JSON), pulls every `$ref` to another file
//! into the document's own `components`, and parses the result as OpenAPI.
//!
//! Bundling external references up front keeps the later layers simple: they
//! only ever see local `#/components/...` references.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::diagnostics::{self, Diagnostic, Location};
use crate::locate::SourceIndex;
use crate::placement::{placement, Placement};

/// A parsed spec plus what is needed to point back into its source files.
pub struct Loaded {
    /// The bundled document, typed.
    pub openapi: openapiv3::OpenAPI,
    /// The bundled document, untyped (for `$ref`s into arbitrary places).
    pub raw: Value,
    /// Source texts and where imported components came from.
    pub sources: SourceMap,
    /// Problems mended while loading (located later with `sources`).
    pub warnings: Vec<Diagnostic>,
}

/// Maps pointers in the bundled document back to files and lines.
#[derive(Default)]
pub struct SourceMap {
    root: PathBuf,
    texts: BTreeMap<PathBuf, Source>,
    /// Bundled pointer prefix (`/components/schemas/Name`) -> (file, pointer).
    imported: BTreeMap<String, (PathBuf, String)>,
}

impl SourceMap {
    /// Fills in the file and line of a diagnostic whose pointer is into the
    /// bundled document.
    pub fn locate(&self, mut diagnostic: Diagnostic) -> Diagnostic {
        if let Some(loc) = diagnostic.location.as_mut() {
            if loc.file.as_os_str().is_empty() {
                let (file, pointer) = self.origin(&loc.pointer);
                loc.file = file;
                loc.pointer = pointer;
            }
            if loc.line_col.is_none() && !loc.pointer.is_empty() {
                if let Some(source) = self.texts.get(&loc.file) {
                    let index = source.index.get_or_init(|| SourceIndex::new(&source.text));
                    loc.line_col = index.locate(&source.text, &loc.pointer);
                }
            }
        }
        diagnostic
    }

    fn origin(&self, pointer: &str) -> (PathBuf, String) {
        for (prefix, (file, target)) in &self.imported {
            if pointer == prefix || pointer.starts_with(&format!("{prefix}/")) {
                let rest = pointer.get(prefix.len()..).unwrap_or_default();
                return (file.clone(), format!("{target}{rest}"));
            }
        }
        (self.root.clone(), pointer.to_owned())
    }
}

/// One source file's text, and its index for locating pointers, built the
/// first time a diagnostic points into the file.
struct Source {
    text: String,
    index: OnceLock<SourceIndex>,
}

/// Reads and bundles the spec at `path`.
pub fn load(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let mut bundler = Bundler {
        sources: SourceMap {
            root: canonical(path),
            ..SourceMap::default()
        },
        docs: BTreeMap::new(),
        imported_names: BTreeMap::new(),
        additions: Vec::new(),
        errors: Vec::new(),
        root_components: Value::Null,
        inlining: Vec::new(),
    };
    let mut root = bundler.read(path).map_err(|d| vec![d])?;
    bundler.root_components = component_names(&root);
    let root_file = canonical(path);
    bundler.rewrite(&mut root, &root_file, &diagnostics::Path::Start(""), true);
    // Imported components may themselves import more; `rewrite` queued them.
    while let Some((section, name, value)) = bundler.additions.pop() {
        let Some(obj) = root.as_object_mut() else {
            break;
        };
        let components = obj
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(components) = components.as_object_mut() {
            let entry = components
                .entry(section)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(section) = entry.as_object_mut() {
                section.insert(name, value);
            }
        }
    }
    let mut sources = bundler.sources;
    if !bundler.errors.is_empty() {
        return Err(bundler
            .errors
            .into_iter()
            .map(|d| sources.locate(d))
            .collect());
    }
    let mut warnings = Vec::new();
    match version(&root) {
        Ok(Version::V30) => {}
        Ok(Version::V31) => {
            // Parts the conversion moved are found where they were written.
            for moved in crate::oas31::convert(&mut root, &mut warnings) {
                let file = sources.root.clone();
                sources.imported.insert(moved.now, (file, moved.was));
            }
        }
        Err(error) => return Err(vec![sources.locate(error)]),
    }
    crate::mend::mend(&mut root, &mut warnings);
    if let Some(error) = crate::mend::misshapen(&root).or_else(|| crate::mend::too_deep(&root)) {
        return Err(vec![sources.locate(error)]);
    }
    let openapi = parse(&root).map_err(|d| vec![sources.locate(d)])?;
    Ok(Loaded {
        openapi,
        raw: root,
        sources,
        warnings,
    })
}

/// The OpenAPI versions the generator reads.
enum Version {
    V30,
    V31,
}

/// The document's OpenAPI version, or an error naming what it is instead.
fn version(root: &Value) -> Result<Version, Diagnostic> {
    match root.get("openapi") {
        Some(Value::String(v)) if v == "3.0" || v.starts_with("3.0.") => Ok(Version::V30),
        Some(Value::String(v)) if crate::oas31::is_31(v) => Ok(Version::V31),
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            Err(Diagnostic::error(
                "/openapi",
                format!("OpenAPI version {shown} is not supported"),
            )
            .with_hint("this generator reads OpenAPI 3.0.x and 3.1.x documents"))
        }
        None if root.get("swagger").is_some() => Err(Diagnostic::error(
            "/swagger",
            "Swagger 2.0 documents are not supported",
        )
        .with_hint("convert it to OpenAPI 3 first (for example with swagger2openapi)")),
        None => Err(Diagnostic::error(
            "",
            "not an OpenAPI document: no `openapi` version field",
        )),
    }
}

/// Parses a bundled document into the typed model, reporting where it fails.
fn parse(root: &Value) -> Result<openapiv3::OpenAPI, Diagnostic> {
    openapiv3::OpenAPI::deserialize(root).or_else(|_| {
        // Parse again, following the path, only to say where it failed:
        // following it costs a tenth of the parse on every valid document.
        serde_path_to_error::deserialize(root).map_err(|err| {
            let pointer = path_to_pointer(err.path());
            Diagnostic::error(pointer, format!("invalid OpenAPI: {}", err.inner()))
        })
    })
}

/// The root document's `components` down to the name of each entry, values
/// left out: what [`Bundler::free_name`] asks about, without a copy of the
/// whole document.
fn component_names(root: &Value) -> Value {
    fn outline(value: &Value, levels: usize) -> Value {
        match value {
            _ if levels == 0 => Value::Null,
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, child)| (key.clone(), outline(child, levels - 1)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|child| outline(child, levels - 1))
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
    let mut outlined = Map::new();
    if let Some(components) = root.get("components") {
        outlined.insert("components".to_owned(), outline(components, 2));
    }
    Value::Object(outlined)
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer = diagnostics::join(&pointer, &index.to_string()),
            Segment::Map { key } => pointer = diagnostics::join(&pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// Normalises a path lexically (drops `.`, folds `dir/..`), keeping it
/// relative when it was relative so that diagnostics print it as given.
fn canonical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(part),
            },
            _ => out.push(part),
        }
    }
    out.iter().collect()
}

struct Bundler {
    sources: SourceMap,
    docs: BTreeMap<PathBuf, Value>,
    /// (file, pointer) -> component name given to it in the bundled document.
    imported_names: BTreeMap<(PathBuf, String), String>,
    /// Components to add: (section, name, value).
    additions: Vec<(String, String, Value)>,
    errors: Vec<Diagnostic>,
    /// The root document's component names (see [`component_names`]), to
    /// keep imported names from colliding.
    root_components: Value,
    /// The targets being copied in place, innermost last: one that
    /// includes itself would never end.
    inlining: Vec<(PathBuf, String)>,
}

impl Bundler {
    fn read(&mut self, path: &Path) -> Result<Value, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::file_error(path.to_path_buf(), format!("cannot read spec: {e}"))
        })?;
        let value = parse_text(path, &text)?;
        let index = OnceLock::new();
        self.sources
            .texts
            .insert(canonical(path), Source { text, index });
        Ok(value)
    }

    fn document(&mut self, file: &Path) -> Result<Value, Diagnostic> {
        if let Some(doc) = self.docs.get(file) {
            return Ok(doc.clone());
        }
        let doc = self.read(file)?;
        self.docs.insert(file.to_path_buf(), doc.clone());
        Ok(doc)
    }

    /// Rewrites every `$ref` under `value` (which sits in `file`) so that it
    /// points into the bundled document.
    fn rewrite(
        &mut self,
        value: &mut Value,
        file: &Path,
        here: &diagnostics::Path<'_>,
        is_root: bool,
    ) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let reference = reference.clone();
                    match self.import(&reference, file, here, is_root) {
                        Ok(Some(Import::Component(local))) => {
                            map.insert("$ref".into(), Value::String(local));
                        }
                        Ok(Some(Import::Inline(target))) => {
                            *value = target;
                            return;
                        }
                        Ok(None) => {}
                        Err(message) => {
                            let pointer = here.key("$ref").pointer();
                            self.errors.push(at(file, &pointer, message));
                        }
                    }
                }
                for (key, child) in map.iter_mut() {
                    if key != "$ref" {
                        self.rewrite(child, file, &here.key(key), is_root);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    self.rewrite(child, file, &here.index(i), is_root);
                }
            }
            _ => {}
        }
    }

    /// Returns what replaces `reference`, or `None` when it is already local
    /// to the root document.
    fn import(
        &mut self,
        reference: &str,
        file: &Path,
        here: &diagnostics::Path<'_>,
        is_root: bool,
    ) -> Result<Option<Import>, String> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if file_part.is_empty() && is_root {
            return Ok(None);
        }
        if file_part.starts_with("http://") || file_part.starts_with("https://") {
            return Err(format!("remote reference `{reference}` is not supported"));
        }
        let target_file = if file_part.is_empty() {
            file.to_path_buf()
        } else {
            canonical(&file.parent().unwrap_or(Path::new(".")).join(file_part))
        };
        let key = (target_file.clone(), fragment.to_owned());
        if let Some(name) = self.imported_names.get(&key) {
            return Ok(Some(Import::Component(name.clone())));
        }
        let doc = self
            .document(&target_file)
            .map_err(|d| format!("cannot load `{reference}`: {}", d.message))?;
        let mut target = doc
            .pointer(fragment)
            .cloned()
            .ok_or_else(|| format!("`{reference}` points at nothing"))?;
        let tokens: Vec<&str> = fragment.split('/').skip(1).collect();
        let in_components = matches!(tokens.as_slice(), ["components", _, _]);
        let place = placement(here);
        if !in_components && (place == Placement::Inline || !target.is_object()) {
            // Text or a list kept in another file (some specs keep long
            // descriptions so), a path item or an operation: no component
            // holds it, so it goes where the reference was.
            if self.inlining.contains(&key) {
                return Err(format!("`{reference}` includes itself"));
            }
            self.inlining.push(key);
            self.rewrite(
                &mut target,
                &target_file,
                &diagnostics::Path::Start(fragment),
                false,
            );
            self.inlining.pop();
            if is_root {
                // Diagnostics about what lands here point into its own file.
                self.sources
                    .imported
                    .insert(here.pointer(), (target_file.clone(), fragment.to_owned()));
            }
            return Ok(Some(Import::Inline(target)));
        }
        let section = match place {
            Placement::Component(section) => section,
            // Inline in a position, but the target is a component already.
            Placement::Inline => "schemas",
        };
        let (section, base_name) = match tokens.as_slice() {
            ["components", section, name] => ((*section).to_owned(), (*name).to_owned()),
            _ => (
                section.to_owned(),
                tokens
                    .last()
                    .copied()
                    .filter(|name| !name.is_empty())
                    .or_else(|| target_file.file_stem().and_then(|s| s.to_str()))
                    .unwrap_or("Imported")
                    .to_owned(),
            ),
        };
        let name = self.free_name(&section, &base_name, &target_file);
        let local = format!(
            "#/components/{section}/{}",
            diagnostics::escape_token(&name)
        );
        self.imported_names.insert(key, local.clone());
        let bundled_pointer = format!("/components/{section}/{}", diagnostics::escape_token(&name));
        self.sources
            .imported
            .insert(bundled_pointer, (target_file.clone(), fragment.to_owned()));
        self.rewrite(
            &mut target,
            &target_file,
            &diagnostics::Path::Start(fragment),
            false,
        );
        self.additions.push((section, name, target));
        Ok(Some(Import::Component(local)))
    }

    fn free_name(&self, section: &str, base: &str, file: &Path) -> String {
        let taken = |name: &str| {
            let pointer = format!("/components/{section}/{}", diagnostics::escape_token(name));
            self.sources.imported.contains_key(&pointer)
                || self.root_components.pointer(&pointer).is_some()
        };
        if !taken(base) {
            return base.to_owned();
        }
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("external");
        let mut candidate = format!("{base}_{stem}");
        let mut n = 2;
        while taken(&candidate) {
            candidate = format!("{base}_{stem}{n}");
            n += 1;
        }
        candidate
    }
}

/// What an external reference becomes in the bundled document.
enum Import {
    /// A reference to the component the target was copied into.
    Component(String),
    /// The target itself, put in place of the reference.
    Inline(Value),
}

fn at(file: &Path, pointer: &str, message: String) -> Diagnostic {
    let mut d = Diagnostic::error(pointer, message);
    d.location = Some(Box::new(Location {
        file: file.to_path_buf(),
        pointer: pointer.to_owned(),
        line_col: None,
    }));
    d
}

/// Upper bound on values in a document after YAML aliases are expanded. The
/// largest vendor spec has about 30,000.
const MAX_VALUES: usize = 1_000_000;

/// Reading YAML into a JSON value with a budget on the number of values.
mod bounded {
    use std::cell::Cell;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};

    /// Deserialises one value, spending one unit of the budget per value.
    #[derive(Clone, Copy)]
    pub struct Seed<'b>(pub &'b Cell<usize>);

    impl Seed<'_> {
        fn spend<E: de::Error>(&self) -> Result<(), E> {
            match self.0.get() {
                0 => Err(E::custom("too many values")),
                left => {
                    self.0.set(left - 1);
                    Ok(())
                }
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = Value;

        fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any YAML value")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            self.spend()?;
            Ok(Value::Bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            self.spend()?;
            Ok(Value::Number(v.into()))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            self.spend()?;
            Ok(Value::Number(v.into()))
        }

        // YAML integers beyond 64 bits (`maximum: 18446744073709552000`)
        // become the nearest float, as JSON's parser makes them.
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
            match i64::try_from(v) {
                Ok(v) => self.visit_i64(v),
                Err(_) => self.visit_f64(v as f64),
            }
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
            match u64::try_from(v) {
                Ok(v) => self.visit_u64(v),
                Err(_) => self.visit_f64(v as f64),
            }
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            self.spend()?;
            // NaN and infinities have no JSON form.
            Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            self.spend()?;
            Ok(Value::String(v.to_owned()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            self.spend()?;
            Ok(Value::String(v))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            self.spend()?;
            Ok(Value::Null)
        }

        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            self.visit_unit()
        }

        fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            self.spend()?;
            let mut items = Vec::new();
            while let Some(item) = seq.next_element_seed(self)? {
                items.push(item);
            }
            Ok(Value::Array(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            self.spend()?;
            let mut out = Map::new();
            while let Some(key) = map.next_key_seed(self)? {
                // JSON keys are strings; YAML allows numbers and booleans too.
                let key = match key {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let value = map.next_value_seed(self)?;
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }
}

/// Parses YAML or JSON text. JSON is tried first when the file looks like it
/// (YAML would accept it too, but JSON errors are clearer for JSON files).
fn parse_text(path: &Path, text: &str) -> Result<Value, Diagnostic> {
    let is_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if is_json {
        return serde_json::from_str(text).map_err(|e| {
            let mut d = Diagnostic::file_error(path.to_path_buf(), format!("invalid JSON: {e}"));
            if let Some(loc) = d.location.as_mut() {
                loc.line_col = Some((e.line(), e.column()));
            }
            d
        });
    }
    // A handful of anchors can expand into millions of values (the "billion
    // laughs"); the bounded reader stops as soon as the document grows past
    // `MAX_VALUES`, before the expansion costs time or memory.
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let budget = std::cell::Cell::new(MAX_VALUES);
    serde::de::DeserializeSeed::deserialize(bounded::Seed(&budget), deserializer).map_err(|e| {
        let message = if budget.get() == 0 {
            format!("the document has more than {MAX_VALUES} values once YAML aliases are expanded; it is refused")
        } else {
            format!("invalid YAML: {e}")
        };
        let mut d = Diagnostic::file_error(path.to_path_buf(), message);
        if let (Some(loc), Some(mark)) = (d.location.as_mut(), e.location()) {
            loc.line_col = Some((mark.line(), mark.column()));
        }
        d
    })
}
