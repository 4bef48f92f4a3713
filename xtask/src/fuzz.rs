//! `cargo xtask fuzz`: throws mutated OpenAPI documents at the generator.
//!
//! The seeds are the vendor's specs (`../shared/corpus/apps`), the contacts
//! spec and the snapshot fixtures. Each input is a seed with a few
//! structure-aware mutations applied to its parsed tree (and, for a fraction,
//! byte-level damage to the serialised text), written into a scratch
//! directory laid out like the corpus so that `$ref`s to other files resolve.
//!
//! `generator::generate` runs in a worker process (this binary, `fuzz
//! --worker`) under `catch_unwind` with a silent panic hook; the worker answers
//! one JSON line per input. The parent counts a crash when the generator
//! panics, when it takes longer than the timeout, when the worker dies
//! (stack overflow, abort, out of memory), or when it returns a file that is
//! not valid Rust. Only one of the two processes runs at a time.
//!
//! `--reduce` shrinks a saved crash greedily (subtrees, then array elements
//! and object entries, then strings) while it still crashes the same way.
//!
//! Run it optimised: `cargo run --release -p xtask -- fuzz --seconds 1800`.
//! For overflow checks, debug assertions and file:line in panic backtraces,
//! build it apart from the normal release build:
//!
//! ```text
//! CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
//! CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true \
//! CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true \
//!   cargo run --release -p xtask --target-dir target/fuzz-build -- fuzz ...
//! ```
//!
//! Besides crashes it reports, apart: "internal error" diagnostics, output
//! that parses but cannot compile (a name defined twice, a type containing
//! itself by value), and inputs slower than 2 s.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fastrand::Rng;
use serde_json::{json, Map, Value};

const USAGE: &str = "\
usage: cargo xtask fuzz [--inputs N] [--seconds S] [--seed X] [--out DIR]
                        [--timeout S] [--mem-mb N]
       cargo xtask fuzz --replay FILE
       cargo xtask fuzz --reduce CRASH_DIR|FILE [--reduce-out FILE]

  --inputs N       stop after N inputs
  --seconds S      stop after S seconds (60 when neither limit is given)
  --seed X         RNG seed (default: from the clock); printed at start
  --out DIR        where crashes are saved (default target/fuzz-crashes)
  --timeout S      a generation taking longer is a crash (default 10)
  --mem-mb N       address-space limit of the worker, 0 for none (default 4096)
  --replay FILE    run one spec and print what happened
  --reduce PATH    minimise a saved crash (its directory or a spec file)";

/// Larger inputs are skipped (a mutation that copies subtrees can snowball).
const MAX_INPUT_BYTES: usize = 16 << 20;

/// Inputs slower than this (but within the timeout) are saved too.
const SLOW: Duration = Duration::from_secs(2);

/// Kinds that count as crashes; the others are findings reported apart.
fn is_crash(kind: &str) -> bool {
    !matches!(
        kind,
        "internal-error" | "duplicate-definition" | "infinite-size" | "slow"
    )
}

/// How many inputs are saved per unique crash location.
const SAVED_PER_SIGNATURE: usize = 3;
/// Nodes deeper than this are not picked for mutation (keeps trees sane).
const MAX_WALK_DEPTH: usize = 200;

struct Args {
    inputs: Option<u64>,
    seconds: Option<f64>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    timeout: f64,
    mem_mb: u64,
    replay: Option<PathBuf>,
    reduce: Option<PathBuf>,
    reduce_out: Option<PathBuf>,
    worker: bool,
}

impl Args {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut parsed = Self {
            inputs: None,
            seconds: None,
            seed: None,
            out: None,
            timeout: 10.0,
            mem_mb: 4096,
            replay: None,
            reduce: None,
            reduce_out: None,
            worker: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |what: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{arg} needs {what}\n\n{USAGE}"))
            };
            let number = |text: String| {
                text.parse::<f64>()
                    .map_err(|_| format!("{arg}: `{text}` is not a number"))
            };
            match arg.as_str() {
                "--inputs" => parsed.inputs = Some(number(value("a count")?)? as u64),
                "--seconds" => parsed.seconds = Some(number(value("a duration")?)?),
                "--seed" => {
                    let text = value("a number")?;
                    parsed.seed = Some(
                        text.parse()
                            .map_err(|_| format!("--seed: `{text}` is not a u64"))?,
                    );
                }
                "--out" => parsed.out = Some(value("a directory")?.into()),
                "--timeout" => parsed.timeout = number(value("seconds")?)?,
                "--mem-mb" => parsed.mem_mb = number(value("megabytes")?)? as u64,
                "--replay" => parsed.replay = Some(value("a file")?.into()),
                "--reduce" => parsed.reduce = Some(value("a crash directory or file")?.into()),
                "--reduce-out" => parsed.reduce_out = Some(value("a file")?.into()),
                "--worker" => parsed.worker = true,
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
            }
        }
        if parsed.inputs.is_none() && parsed.seconds.is_none() {
            parsed.seconds = Some(60.0);
        }
        Ok(parsed)
    }
}

/// `cargo xtask fuzz ...`.
pub fn run(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args)?;
    if args.worker {
        return worker();
    }
    // Deeply nested documents are cloned, walked and serialised recursively:
    // give the fuzzer's own thread room for that.
    std::thread::Builder::new()
        .name("fuzz".into())
        .stack_size(512 << 20)
        .spawn(move || {
            if let Some(file) = &args.replay {
                replay(&args, file)
            } else if let Some(target) = &args.reduce {
                reduce_command(&args, target)
            } else {
                Fuzzer::new(&args)?.campaign(&args)
            }
        })
        .map_err(|e| format!("cannot start the fuzzing thread: {e}"))?
        .join()
        .map_err(|_| "the fuzzer itself panicked".to_owned())?
}

/// The workspace root (xtask lives one level below it).
fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

// ---------------------------------------------------------------------------
// The worker: runs the generator, reports one JSON line per request.
// ---------------------------------------------------------------------------

struct PanicRecord {
    message: String,
    location: String,
    backtrace: String,
}

static LAST_PANIC: Mutex<Option<PanicRecord>> = Mutex::new(None);

fn worker() -> Result<(), String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "<non-string panic payload>".to_owned());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::force_capture().to_string();
        *LAST_PANIC.lock().unwrap_or_else(PoisonError::into_inner) = Some(PanicRecord {
            message,
            location,
            backtrace,
        });
    }));
    let result = serve();
    std::panic::set_hook(previous);
    result
}

fn serve() -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("worker: cannot read: {e}"))?;
        let request: Value =
            serde_json::from_str(&line).map_err(|e| format!("worker: bad request: {e}"))?;
        let reply = generate_once(&request);
        writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("worker: cannot reply: {e}"))?;
    }
    Ok(())
}

fn generate_once(request: &Value) -> Value {
    let path = PathBuf::from(request["path"].as_str().unwrap_or_default());
    let runtime = if request["in_crate"].as_bool().unwrap_or(false) {
        generator::Runtime::in_crate()
    } else {
        match generator::Runtime::external("leadconnector") {
            Some(rt) => rt,
            None => return json!({"r": "setup", "msg": "bad runtime name"}),
        }
    };
    let options = generator::Options {
        runtime,
        spec_name: "fuzz/input".into(),
        standalone: request["standalone"].as_bool().unwrap_or(false).then(|| {
            generator::Standalone {
                crate_name: "fuzz_client".into(),
                runtime_path: PathBuf::from("../generated-client"),
                own_workspace: true,
            }
        }),
        deny_warnings: request["deny"].as_bool().unwrap_or(false),
    };
    *LAST_PANIC.lock().unwrap_or_else(PoisonError::into_inner) = None;
    let started = Instant::now();
    let result =
        std::panic::catch_unwind(AssertUnwindSafe(|| generator::generate(&path, &options)));
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(Ok(output)) => {
            for file in &output.files {
                if file.path.extension().is_some_and(|e| e == "rs") {
                    match syn::parse_file(&file.contents) {
                        Err(e) => {
                            return json!({
                                "r": "badcode",
                                "ms": ms,
                                "file": file.path.display().to_string(),
                                "msg": e.to_string(),
                            });
                        }
                        Ok(parsed) => {
                            let finding = duplicates(&parsed.items)
                                .map(|m| ("duplicate-definition", m))
                                .or_else(|| {
                                    infinite_size(&parsed.items).map(|m| ("infinite-size", m))
                                });
                            if let Some((kind, message)) = finding {
                                return json!({
                                    "r": "finding",
                                    "kind": kind,
                                    "ms": ms,
                                    "file": file.path.display().to_string(),
                                    "msg": message,
                                });
                            }
                        }
                    }
                }
            }
            json!({"r": "ok", "ms": ms, "warnings": output.warnings.len()})
        }
        Ok(Err(diagnostics)) => {
            let internal = diagnostics
                .iter()
                .find(|d| d.message.contains("internal error"))
                .map(|d| d.message.clone());
            json!({"r": "err", "ms": ms, "n": diagnostics.len(), "internal": internal,
                   "first": diagnostics.iter().find(|d| d.is_error()).or(diagnostics.first()).map(|d| d.message.clone())})
        }
        Err(_) => {
            let record = LAST_PANIC
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let (message, location, backtrace) = record
                .map(|r| (r.message, r.location, r.backtrace))
                .unwrap_or_default();
            json!({"r": "panic", "ms": ms, "msg": message, "loc": location,
                   "frame": generator_frame(&backtrace), "bt": trim_backtrace(&backtrace)})
        }
    }
}

/// A name defined twice where Rust allows it once (valid syntax that cannot
/// compile): items of one namespace, fields, variants, methods of one type,
/// parameters of one function, trait impls.
fn duplicates(items: &[syn::Item]) -> Option<String> {
    use quote::ToTokens;
    use std::collections::BTreeSet;
    let mut types = BTreeSet::new();
    let mut values = BTreeSet::new();
    let mut trait_impls = BTreeSet::new();
    let mut methods = BTreeSet::new();
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                if !types.insert(bare_ident(&s.ident)) {
                    return Some(format!("type `{}` defined twice", s.ident));
                }
                if let Some(d) = duplicate_ident(s.fields.iter().filter_map(|f| f.ident.as_ref())) {
                    return Some(format!("field `{d}` twice in struct `{}`", s.ident));
                }
            }
            syn::Item::Enum(e) => {
                if !types.insert(bare_ident(&e.ident)) {
                    return Some(format!("type `{}` defined twice", e.ident));
                }
                if let Some(d) = duplicate_ident(e.variants.iter().map(|v| &v.ident)) {
                    return Some(format!("variant `{d}` twice in enum `{}`", e.ident));
                }
                for v in &e.variants {
                    if let Some(d) =
                        duplicate_ident(v.fields.iter().filter_map(|f| f.ident.as_ref()))
                    {
                        return Some(format!(
                            "field `{d}` twice in variant `{}::{}`",
                            e.ident, v.ident
                        ));
                    }
                }
            }
            syn::Item::Type(t) if !types.insert(bare_ident(&t.ident)) => {
                return Some(format!("type `{}` defined twice", t.ident));
            }
            syn::Item::Trait(t) if !types.insert(bare_ident(&t.ident)) => {
                return Some(format!("type `{}` defined twice", t.ident));
            }
            syn::Item::Const(c) if !values.insert(bare_ident(&c.ident)) => {
                return Some(format!("value `{}` defined twice", c.ident));
            }
            syn::Item::Fn(f) => {
                if !values.insert(bare_ident(&f.sig.ident)) {
                    return Some(format!("function `{}` defined twice", f.sig.ident));
                }
                if let Some(d) = duplicate_arg(&f.sig) {
                    return Some(format!("parameter `{d}` twice in `{}`", f.sig.ident));
                }
            }
            syn::Item::Mod(m) => {
                if !types.insert(bare_ident(&m.ident)) {
                    return Some(format!("module `{}` defined twice", m.ident));
                }
                if let Some((_, content)) = &m.content {
                    if let Some(d) = duplicates(content) {
                        return Some(format!("in module `{}`: {d}", m.ident));
                    }
                }
            }
            syn::Item::Impl(i) => {
                let self_ty = i.self_ty.to_token_stream().to_string();
                let tr = i
                    .trait_
                    .as_ref()
                    .map(|(_, path, _)| path.to_token_stream().to_string());
                if let Some(tr) = &tr {
                    if !trait_impls.insert((self_ty.clone(), tr.clone())) {
                        return Some(format!("`impl {tr} for {self_ty}` twice"));
                    }
                }
                for inner in &i.items {
                    if let syn::ImplItem::Fn(f) = inner {
                        let key = (self_ty.clone(), tr.clone(), bare_ident(&f.sig.ident));
                        if !methods.insert(key) {
                            return Some(format!("method `{}` twice on `{self_ty}`", f.sig.ident));
                        }
                        if let Some(d) = duplicate_arg(&f.sig) {
                            return Some(format!(
                                "parameter `{d}` twice in `{self_ty}::{}`",
                                f.sig.ident
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// A struct or enum that contains itself by value (error E0072): a cycle of
/// types through fields that are not behind a `Box`, `Vec` or map.
fn infinite_size(items: &[syn::Item]) -> Option<String> {
    let mut edges: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let (name, types): (String, Vec<&syn::Type>) = match item {
            syn::Item::Struct(s) => (
                bare_ident(&s.ident),
                s.fields.iter().map(|f| &f.ty).collect(),
            ),
            syn::Item::Enum(e) => (
                bare_ident(&e.ident),
                e.variants
                    .iter()
                    .flat_map(|v| v.fields.iter().map(|f| &f.ty))
                    .collect(),
            ),
            syn::Item::Type(t) => (bare_ident(&t.ident), vec![t.ty.as_ref()]),
            _ => continue,
        };
        let entry = edges.entry(name).or_default();
        for ty in types {
            by_value(ty, entry);
        }
    }
    // Depth-first search for a cycle among the types defined here.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, std::collections::BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if !edges.contains_key(next) {
                continue;
            }
            match state.get(next) {
                Some(1) => {
                    let start = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, edges, state, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if state.contains_key(node) {
            continue;
        }
        if let Some(cycle) = visit(node, &edges, &mut state, &mut Vec::new()) {
            return Some(format!(
                "type `{}` contains itself by value: {}",
                cycle.first().map_or("", String::as_str),
                cycle.join(" -> ")
            ));
        }
    }
    None
}

/// Type names `ty` holds by value (not behind a pointer or a collection).
fn by_value(ty: &syn::Type, out: &mut std::collections::BTreeSet<String>) {
    const INDIRECT: &[&str] = &[
        "Box",
        "Vec",
        "HashMap",
        "BTreeMap",
        "IndexMap",
        "HashSet",
        "BTreeSet",
        "Rc",
        "Arc",
        "VecDeque",
        "PhantomData",
    ];
    match ty {
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return;
            };
            let name = bare_ident(&last.ident);
            if INDIRECT.contains(&name.as_str()) {
                return;
            }
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                for arg in &args.args {
                    if let syn::GenericArgument::Type(t) = arg {
                        by_value(t, out);
                    }
                }
            }
            // Qualified paths (`crate::BirthDate`, `::serde_json::Value`) name
            // types from elsewhere, even when an alias here shares the name.
            if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
                out.insert(name);
            }
        }
        syn::Type::Tuple(t) => t.elems.iter().for_each(|e| by_value(e, out)),
        syn::Type::Array(a) => by_value(&a.elem, out),
        syn::Type::Paren(p) => by_value(&p.elem, out),
        syn::Type::Group(g) => by_value(&g.elem, out),
        _ => {}
    }
}

fn bare_ident(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").unwrap_or(&text).to_owned()
}

fn duplicate_ident<'a>(idents: impl Iterator<Item = &'a syn::Ident>) -> Option<String> {
    let mut seen = std::collections::BTreeSet::new();
    idents
        .map(bare_ident)
        .find(|name| !seen.insert(name.clone()))
}

fn duplicate_arg(sig: &syn::Signature) -> Option<String> {
    duplicate_ident(sig.inputs.iter().filter_map(|arg| match arg {
        syn::FnArg::Typed(t) => match t.pat.as_ref() {
            syn::Pat::Ident(p) => Some(&p.ident),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    }))
}

/// The innermost frame of the backtrace inside `generator/src` (file:line
/// when the binary has line tables, else the function name).
fn generator_frame(backtrace: &str) -> String {
    if let Some(line) = backtrace
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("at ") && l.contains("generator/src/"))
    {
        if let Some(i) = line.find("generator/src/") {
            return line.get(i..).unwrap_or(line).to_owned();
        }
    }
    backtrace
        .lines()
        .map(str::trim)
        .filter_map(|l| l.split_once(": ").map(|(_, f)| f))
        .find(|f| f.starts_with("generator::"))
        .map(|f| strip_hash(f).to_owned())
        .unwrap_or_default()
}

fn strip_hash(symbol: &str) -> &str {
    match symbol.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            head
        }
        _ => symbol,
    }
}

/// The backtrace without the panic machinery on top and the runtime below.
fn trim_backtrace(backtrace: &str) -> String {
    let lines: Vec<&str> = backtrace.lines().collect();
    let start = lines
        .iter()
        .position(|l| {
            let l = l.trim();
            l.contains("generator::") || l.contains("generator/src/")
        })
        .map_or(0, |i| i.saturating_sub(12));
    lines
        .iter()
        .skip(start)
        .take(80)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------
// The parent side of the worker.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Crash {
    kind: String,
    message: String,
    location: String,
    frame: String,
    backtrace: String,
}

impl Crash {
    /// What makes two crashes the same bug: the kind and where it happened
    /// (the panic location, and the generator frame when the panic is in a
    /// dependency).
    fn signature(&self) -> String {
        let mut sig = format!("{} at {}", self.kind, self.location);
        if !self.frame.is_empty() && !self.location.contains("generator/src/") {
            let _ = write!(sig, " via {}", self.frame);
        }
        if self.kind == "invalid-rust" || self.kind == "internal-error" {
            let _ = write!(sig, ": {}", short(&self.message, 120));
        }
        if self.kind == "duplicate-definition" || self.kind == "infinite-size" {
            let _ = write!(sig, ": {}", reason_class(&self.message));
        }
        sig
    }
}

enum Outcome {
    Ok,
    /// Rejected with diagnostics; the first error's message.
    Rejected(String),
    /// Rejected with an "internal error" diagnostic: a generator bug it caught.
    Internal(Crash),
    Crash(Crash),
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: mpsc::Receiver<String>,
    stderr: PathBuf,
    work: PathBuf,
    mem_mb: u64,
}

impl Worker {
    fn spawn(work: &Path, mem_mb: u64) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
        let stderr_path = work.join("worker-stderr.log");
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
        let mut command = if mem_mb > 0 && Path::new("/bin/sh").exists() {
            let mut c = Command::new("/bin/sh");
            c.arg("-c")
                .arg("ulimit -v \"$1\" 2>/dev/null; exec \"$0\" fuzz --worker")
                .arg(&exe)
                .arg((mem_mb * 1024).to_string());
            c
        } else {
            let mut c = Command::new(&exe);
            c.args(["fuzz", "--worker"]);
            c
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .current_dir(work)
            .spawn()
            .map_err(|e| format!("cannot start the worker: {e}"))?;
        let stdin = child.stdin.take().ok_or("worker without stdin")?;
        let stdout = child.stdout.take().ok_or("worker without stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            child,
            stdin,
            replies: rx,
            stderr: stderr_path,
            work: work.to_path_buf(),
            mem_mb,
        })
    }

    fn respawn(&mut self) -> Result<(), String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        *self = Self::spawn(&self.work.clone(), self.mem_mb)?;
        Ok(())
    }

    /// Runs one request; restarts the worker when it died or hung.
    fn run(&mut self, request: &Value, timeout: Duration) -> Result<Outcome, String> {
        let sent = writeln!(self.stdin, "{request}").and_then(|()| self.stdin.flush());
        let reply = match sent {
            Ok(()) => self.replies.recv_timeout(timeout),
            Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
        };
        match reply {
            Ok(line) => Ok(parse_reply(&line)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Where is it stuck? One stack sample, when gdb is at hand.
                let stack = sample_stack(self.child.id());
                self.respawn()?;
                Ok(Outcome::Crash(Crash {
                    kind: "timeout".into(),
                    message: format!("generation took longer than {:.0} s", timeout.as_secs_f64()),
                    location: gdb_generator_frame(&stack),
                    frame: gdb_innermost_frame(&stack),
                    backtrace: stack,
                }))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
                let stderr = std::fs::read(&self.stderr).unwrap_or_default();
                let stderr = String::from_utf8_lossy(&stderr);
                let tail: String = stderr
                    .lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                let kind = if stderr.contains("has overflowed its stack") {
                    "stack-overflow"
                } else if stderr.contains("memory allocation of") {
                    "out-of-memory"
                } else {
                    "worker-died"
                };
                let message = stderr
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or(&status)
                    .to_owned();
                self.respawn()?;
                Ok(Outcome::Crash(Crash {
                    kind: kind.into(),
                    message,
                    location: String::new(),
                    frame: String::new(),
                    backtrace: format!("worker exit: {status}\n{tail}"),
                }))
            }
        }
    }

    fn stop(mut self) {
        drop(self.stdin);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The main thread's stack of a running process, from `gdb -batch`
/// (empty when gdb is missing or cannot attach).
fn sample_stack(pid: u32) -> String {
    let gdb = ["/usr/bin/gdb", "/usr/local/bin/gdb", "/bin/gdb"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(gdb) = gdb else {
        return String::new();
    };
    Command::new(gdb)
        .args([
            "-nx",
            "-batch",
            "-p",
            &pid.to_string(),
            "-ex",
            "thread 1",
            "-ex",
            "bt 30",
            "-ex",
            "bt -60",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// `generator/src/file.rs:line` of the innermost generator frame in a gdb
/// backtrace.
fn gdb_generator_frame(stack: &str) -> String {
    stack
        .lines()
        .find_map(|l| {
            let i = l.find("generator/src/")?;
            let rest = l.get(i..)?;
            Some(rest.split_whitespace().next().unwrap_or(rest).to_owned())
        })
        .unwrap_or_default()
}

/// The innermost frame outside the standard library, as `crate-x.y/src/file.rs:line`,
/// in a gdb backtrace.
fn gdb_innermost_frame(stack: &str) -> String {
    stack
        .lines()
        .filter_map(|l| l.rsplit_once(" at ").map(|(_, at)| at.trim()))
        .find(|at| at.contains("/registry/src/") || at.contains("generator/src/"))
        .map(|at| {
            let at = at
                .rsplit_once("/registry/src/")
                .map_or(at, |(_, rest)| rest);
            at.split_once('/')
                .filter(|(index, _)| index.starts_with("index."))
                .map_or(at, |(_, rest)| rest)
                .to_owned()
        })
        .unwrap_or_default()
}

fn parse_reply(line: &str) -> Outcome {
    let Ok(reply) = serde_json::from_str::<Value>(line) else {
        return Outcome::Crash(Crash {
            kind: "bad-reply".into(),
            message: short(line, 200),
            location: String::new(),
            frame: String::new(),
            backtrace: String::new(),
        });
    };
    let text = |key: &str| reply[key].as_str().unwrap_or_default().to_owned();
    match reply["r"].as_str() {
        Some("ok") => Outcome::Ok,
        Some("err") => match reply["internal"].as_str() {
            Some(message) => Outcome::Internal(Crash {
                kind: "internal-error".into(),
                message: message.to_owned(),
                location: String::new(),
                frame: String::new(),
                backtrace: String::new(),
            }),
            None => Outcome::Rejected(text("first")),
        },
        Some("panic") => Outcome::Crash(Crash {
            kind: "panic".into(),
            message: text("msg"),
            location: text("loc"),
            frame: text("frame"),
            backtrace: text("bt"),
        }),
        Some("finding") => Outcome::Internal(Crash {
            kind: text("kind"),
            message: text("msg"),
            location: text("file"),
            frame: String::new(),
            backtrace: String::new(),
        }),
        Some("badcode") => Outcome::Crash(Crash {
            kind: "invalid-rust".into(),
            message: text("msg"),
            location: text("file"),
            frame: String::new(),
            backtrace: String::new(),
        }),
        _ => Outcome::Crash(Crash {
            kind: "bad-reply".into(),
            message: short(line, 200),
            location: String::new(),
            frame: String::new(),
            backtrace: String::new(),
        }),
    }
}

fn short(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}...")
    }
}

// ---------------------------------------------------------------------------
// Seeds, the scratch directory, inputs.
// ---------------------------------------------------------------------------

struct Seed {
    name: String,
    value: Value,
    yaml: bool,
    /// `#/components/<section>/<name>` of every component.
    targets: Vec<String>,
}

/// A file the seeds reference, written beside every input.
struct External {
    /// Path inside the scratch directory.
    rel: &'static str,
    text: Vec<u8>,
    value: Value,
    yaml: bool,
}

/// Scratch layout: `apps/input.{json,yaml}` (the spec under test),
/// `common/common-schemas.json` (what the vendor specs reference as
/// `../common/common-schemas.json`) and `apps/external/common.yaml` (what
/// the fixtures reference as `external/common.yaml`).
const COMMON_JSON: &str = "common/common-schemas.json";
const EXTERNAL_YAML: &str = "apps/external/common.yaml";

fn parse_spec(path: &Path, text: &str) -> Result<(Value, bool), String> {
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

fn load_seeds(root: &Path) -> Result<(Vec<Seed>, Vec<External>), String> {
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

fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// One generated input: the spec's bytes and, when mutated too, the
/// external files'.
struct Input {
    seed: String,
    input_seed: u64,
    ext: &'static str,
    bytes: Vec<u8>,
    externals: Vec<Option<Vec<u8>>>,
    log: Vec<String>,
    standalone: bool,
    in_crate: bool,
}

struct Scratch {
    dir: PathBuf,
    /// Whether an external file currently holds mutated contents.
    dirty: Vec<bool>,
}

impl Scratch {
    fn new(externals: &[External]) -> Result<Self, String> {
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
    fn write(&mut self, input: &Input, externals: &[External]) -> Result<PathBuf, String> {
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

    fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn request(spec: &Path, input: &Input) -> Value {
    json!({
        "path": spec.display().to_string(),
        "standalone": input.standalone,
        "in_crate": input.in_crate,
    })
}

// ---------------------------------------------------------------------------
// The campaign.
// ---------------------------------------------------------------------------

struct Fuzzer {
    seeds: Vec<Seed>,
    externals: Vec<External>,
    out: PathBuf,
}

#[derive(Default)]
struct Stats {
    inputs: u64,
    ok: u64,
    rejected: u64,
    crashes: u64,
    /// Internal-error diagnostics and duplicate definitions.
    internal: u64,
    slow: u64,
    /// signature -> (count, first saved directory, example crash)
    unique: BTreeMap<String, (u64, Vec<PathBuf>, Crash)>,
    /// Rejection reasons, normalised, with counts.
    reasons: BTreeMap<String, u64>,
}

/// A rejection message with names and numbers blanked out, for the
/// histogram of what stops inputs.
fn reason_class(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                if quoted {
                    out.push_str("`_`");
                }
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            _ => out.push(c),
        }
    }
    short(&out, 90)
}

impl Fuzzer {
    fn new(args: &Args) -> Result<Self, String> {
        let root = project_root();
        let (seeds, externals) = load_seeds(&root)?;
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| root.join("target/fuzz-crashes"));
        Ok(Self {
            seeds,
            externals,
            out,
        })
    }

    fn campaign(&self, args: &Args) -> Result<(), String> {
        let master_seed = args.seed.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
        let mut rng = Rng::with_seed(master_seed);
        let timeout = Duration::from_secs_f64(args.timeout.max(0.1));
        let limit_inputs = args.inputs.unwrap_or(u64::MAX);
        let limit_time = args.seconds.map(Duration::from_secs_f64);
        std::fs::create_dir_all(&self.out)
            .map_err(|e| format!("cannot create {}: {e}", self.out.display()))?;
        let mut scratch = Scratch::new(&self.externals)?;
        let mut worker = Worker::spawn(&scratch.dir, args.mem_mb)?;
        println!(
            "fuzz: seed {master_seed}, {} seed specs, crashes go to {}",
            self.seeds.len(),
            self.out.display()
        );
        let started = Instant::now();
        let mut last_report = Instant::now();
        let mut stats = Stats::default();
        while stats.inputs < limit_inputs && limit_time.is_none_or(|t| started.elapsed() < t) {
            let input = self.make_input(rng.u64(..));
            if input.bytes.len() > MAX_INPUT_BYTES {
                continue;
            }
            let spec = scratch.write(&input, &self.externals)?;
            let run_started = Instant::now();
            let outcome = worker.run(&request(&spec, &input), timeout)?;
            let took = run_started.elapsed();
            stats.inputs += 1;
            let crashed = matches!(outcome, Outcome::Crash(_));
            match outcome {
                Outcome::Ok => stats.ok += 1,
                Outcome::Rejected(reason) => {
                    stats.rejected += 1;
                    *stats.reasons.entry(reason_class(&reason)).or_default() += 1;
                }
                Outcome::Internal(crash) => {
                    if crash.kind == "internal-error" {
                        stats.rejected += 1;
                    } else {
                        stats.ok += 1;
                    }
                    stats.internal += 1;
                    self.record(&mut stats, &input, crash);
                }
                Outcome::Crash(crash) => {
                    stats.crashes += 1;
                    self.record(&mut stats, &input, crash);
                }
            }
            if !crashed && took >= SLOW {
                stats.slow += 1;
                let crash = Crash {
                    kind: "slow".into(),
                    message: format!("took {:.1} s", took.as_secs_f64()),
                    location: String::new(),
                    frame: String::new(),
                    backtrace: String::new(),
                };
                self.record(&mut stats, &input, crash);
            }
            if last_report.elapsed() >= Duration::from_secs(10) {
                last_report = Instant::now();
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "[{secs:6.0} s] {} inputs ({:.1}/s), crashes {} ({} unique), other findings {}, slow {}, ok {}, rejected {}",
                    stats.inputs,
                    stats.inputs as f64 / secs.max(1e-9),
                    stats.crashes,
                    self.unique_crashes(&stats),
                    stats.internal,
                    stats.slow,
                    stats.ok,
                    stats.rejected
                );
            }
        }
        worker.stop();
        scratch.remove();
        let secs = started.elapsed().as_secs_f64();
        if !stats.unique.is_empty() {
            println!("findings by location:");
            for (signature, (count, saved, crash)) in &stats.unique {
                println!("  {count:>7} x {signature}");
                println!("            message: {}", short(&crash.message, 300));
                if let Some(first) = saved.first() {
                    println!("            saved: {}", first.display());
                }
            }
        }
        let mut reasons: Vec<(&String, &u64)> = stats.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1));
        if !reasons.is_empty() {
            println!("rejections by reason (top 15):");
            for (reason, count) in reasons.iter().take(15) {
                println!("  {count:>7} {reason}");
            }
        }
        if stats.internal > 0 || stats.slow > 0 {
            println!(
                "fuzz: besides crashes: {} internal-error or duplicate-definition findings, {} inputs slower than {} s",
                stats.internal,
                stats.slow,
                SLOW.as_secs()
            );
        }
        println!(
            "fuzz: {} inputs in {:.0} s ({:.1}/s), {} crashes ({} unique by location), ok {}, rejected {}",
            stats.inputs,
            secs,
            stats.inputs as f64 / secs.max(1e-9),
            stats.crashes,
            self.unique_crashes(&stats),
            stats.ok,
            stats.rejected
        );
        Ok(())
    }

    fn unique_crashes(&self, stats: &Stats) -> usize {
        stats
            .unique
            .values()
            .filter(|(_, _, c)| is_crash(&c.kind))
            .count()
    }

    fn record(&self, stats: &mut Stats, input: &Input, crash: Crash) {
        let signature = crash.signature();
        let n = stats.crashes + stats.internal + stats.slow;
        let entry = stats
            .unique
            .entry(signature.clone())
            .or_insert_with(|| (0, Vec::new(), crash.clone()));
        entry.0 += 1;
        if entry.1.len() >= SAVED_PER_SIGNATURE {
            return;
        }
        let dir = self.out.join(format!(
            "{}-{:06}-{}",
            match crash.kind.as_str() {
                "internal-error" => "internal",
                "duplicate-definition" | "infinite-size" => "finding",
                "slow" => "slow",
                _ => "crash",
            },
            n,
            input.input_seed
        ));
        match self.save(&dir, input, &crash, &signature) {
            Ok(()) => {
                if entry.1.is_empty() {
                    println!("NEW {signature}\n    {}", short(&crash.message, 300));
                }
                println!("    saved {}", dir.display());
                entry.1.push(dir);
            }
            Err(e) => eprintln!("cannot save a crash: {e}"),
        }
    }

    fn save(
        &self,
        dir: &Path,
        input: &Input,
        crash: &Crash,
        signature: &str,
    ) -> Result<(), String> {
        write_file(&dir.join(format!("apps/input.{}", input.ext)), &input.bytes)?;
        for (i, external) in self.externals.iter().enumerate() {
            let bytes = input
                .externals
                .get(i)
                .and_then(Option::as_ref)
                .unwrap_or(&external.text);
            write_file(&dir.join(external.rel), bytes)?;
        }
        let mut info = String::new();
        let _ = writeln!(info, "signature: {signature}");
        let _ = writeln!(info, "kind: {}", crash.kind);
        let _ = writeln!(info, "message: {}", crash.message);
        let _ = writeln!(info, "location: {}", crash.location);
        let _ = writeln!(info, "generator frame: {}", crash.frame);
        let _ = writeln!(info, "seed spec: {}", input.seed);
        let _ = writeln!(info, "input seed: {}", input.input_seed);
        let _ = writeln!(
            info,
            "options: standalone={} in_crate={}",
            input.standalone, input.in_crate
        );
        let mutated: Vec<&str> = self
            .externals
            .iter()
            .zip(&input.externals)
            .filter(|(_, m)| m.is_some())
            .map(|(e, _)| e.rel)
            .collect();
        let _ = writeln!(info, "mutated externals: {mutated:?}");
        let _ = writeln!(info, "mutations:");
        for line in &input.log {
            let _ = writeln!(info, "  - {}", short(line, 300));
        }
        let _ = writeln!(
            info,
            "replay: cargo xtask fuzz --replay {}",
            dir.join(format!("apps/input.{}", input.ext)).display()
        );
        let _ = writeln!(info, "\nbacktrace:\n{}", crash.backtrace);
        write_file(&dir.join("info.txt"), info.as_bytes())
    }

    fn make_input(&self, input_seed: u64) -> Input {
        let mut r = Rng::with_seed(input_seed);
        let seed = &self.seeds[r.usize(..self.seeds.len())];
        let mut doc = seed.value.clone();
        let mut log = Vec::new();
        let ctx = Ctx {
            seeds: &self.seeds,
            externals: &self.externals,
            targets: &seed.targets,
        };
        let count = 1 + (0..7).take_while(|_| r.usize(..100) < 60).count();
        for _ in 0..count {
            for _attempt in 0..8 {
                if let Some(desc) = mutate(&mut doc, &mut r, &ctx) {
                    log.push(desc);
                    break;
                }
            }
        }
        let yaml = seed.yaml ^ (r.usize(..10) == 0);
        let mut bytes = serialize(&doc, yaml, &mut r).into_bytes();
        let mut ext = if yaml { "yaml" } else { "json" };
        if r.usize(..50) == 0 {
            ext = if yaml { "json" } else { "yaml" };
            log.push(format!("wrote the spec with the other extension (.{ext})"));
        }
        if r.usize(..100) < 12 {
            byte_mutations(&mut bytes, yaml, &mut r, &mut log);
        }
        let externals = self
            .externals
            .iter()
            .map(|external| {
                (r.usize(..100) < 4).then(|| {
                    let mut value = external.value.clone();
                    let ctx = Ctx {
                        seeds: &self.seeds,
                        externals: &self.externals,
                        targets: &[],
                    };
                    for _ in 0..1 + r.usize(..3) {
                        if let Some(desc) = mutate(&mut value, &mut r, &ctx) {
                            log.push(format!("in {}: {desc}", external.rel));
                        }
                    }
                    serialize(&value, external.yaml, &mut r).into_bytes()
                })
            })
            .collect();
        Input {
            seed: seed.name.clone(),
            input_seed,
            ext,
            bytes,
            externals,
            log,
            standalone: r.usize(..5) == 0,
            in_crate: r.usize(..5) == 0,
        }
    }
}

// ---------------------------------------------------------------------------
// Serialisation (with chaos) and byte-level damage.
// ---------------------------------------------------------------------------

fn serialize(doc: &Value, yaml: bool, r: &mut Rng) -> String {
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

fn byte_mutations(bytes: &mut Vec<u8>, yaml: bool, r: &mut Rng, log: &mut Vec<String>) {
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
                let token = TOKENS[r.usize(..TOKENS.len())];
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

// ---------------------------------------------------------------------------
// Structure-aware mutations.
// ---------------------------------------------------------------------------

struct Ctx<'a> {
    seeds: &'a [Seed],
    externals: &'a [External],
    targets: &'a [String],
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(String),
    Idx(usize),
}

#[derive(Clone, Copy)]
enum SegRef<'a> {
    Key(&'a str),
    Idx(usize),
}

type Pred<'p> = &'p dyn Fn(&Value, &[SegRef<'_>]) -> bool;

fn walk<'a>(
    value: &'a Value,
    path: &mut Vec<SegRef<'a>>,
    f: &mut dyn FnMut(&'a Value, &[SegRef<'a>]),
) {
    f(value, path);
    if path.len() >= MAX_WALK_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(SegRef::Key(key));
                walk(child, path, f);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(SegRef::Idx(i));
                walk(child, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A uniformly random node satisfying `pred` (reservoir sampling).
fn pick(doc: &Value, r: &mut Rng, pred: Pred<'_>) -> Option<Vec<Seg>> {
    let mut chosen = None;
    let mut seen = 0usize;
    let mut stack = Vec::new();
    walk(doc, &mut stack, &mut |value, path| {
        if pred(value, path) {
            seen += 1;
            if r.usize(..seen) == 0 {
                chosen = Some(
                    path.iter()
                        .map(|s| match s {
                            SegRef::Key(k) => Seg::Key((*k).to_owned()),
                            SegRef::Idx(i) => Seg::Idx(*i),
                        })
                        .collect(),
                );
            }
        }
    });
    chosen
}

fn node_mut<'a>(doc: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut node = doc;
    for seg in path {
        node = match seg {
            Seg::Key(k) => node.as_object_mut()?.get_mut(k)?,
            Seg::Idx(i) => node.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(node)
}

fn node<'a>(doc: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut node = doc;
    for seg in path {
        node = match seg {
            Seg::Key(k) => node.as_object()?.get(k)?,
            Seg::Idx(i) => node.as_array()?.get(*i)?,
        };
    }
    Some(node)
}

fn pointer(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&escape_token(k)),
            Seg::Idx(i) => {
                let _ = write!(out, "{i}");
            }
        }
    }
    out
}

fn last_key<'a>(path: &[SegRef<'a>]) -> Option<&'a str> {
    match path.last() {
        Some(SegRef::Key(k)) => Some(k),
        _ => None,
    }
}

fn any_node(_: &Value, path: &[SegRef<'_>]) -> bool {
    !path.is_empty()
}

fn object_node(v: &Value, _: &[SegRef<'_>]) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty())
}

const SCHEMA_KEYS: &[&str] = &[
    "type",
    "properties",
    "$ref",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "additionalProperties",
    "nullable",
    "required",
    "format",
];

fn schema_like(v: &Value, path: &[SegRef<'_>]) -> bool {
    let Some(map) = v.as_object() else {
        return false;
    };
    let parent = path.len().checked_sub(2).and_then(|i| match path.get(i) {
        Some(SegRef::Key(k)) => Some(*k),
        _ => None,
    });
    SCHEMA_KEYS.iter().any(|k| map.contains_key(*k))
        || last_key(path) == Some("schema")
        || matches!(parent, Some("schemas" | "properties"))
}

const NAMED_MAPS: &[&str] = &[
    "properties",
    "schemas",
    "paths",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "content",
    "mapping",
    "securitySchemes",
];

fn named_map(v: &Value, path: &[SegRef<'_>]) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty())
        && last_key(path).is_some_and(|k| NAMED_MAPS.contains(&k))
}

fn operation_node(v: &Value, path: &[SegRef<'_>]) -> bool {
    v.is_object()
        && path.len() == 3
        && matches!(path.first(), Some(SegRef::Key("paths")))
        && last_key(path).is_some_and(|k| METHODS.contains(&k))
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Structural keys a rename or insertion may produce.
const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "oneOf",
    "allOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "discriminator",
    "nullable",
    "required",
    "x-rust-type",
    "x-rust-name",
    "x-aliases",
    "x-idempotent",
    "x-scopes",
    "operationId",
    "parameters",
    "in",
    "name",
    "schema",
    "content",
    "responses",
    "requestBody",
    "format",
    "default",
    "readOnly",
    "writeOnly",
    "mapping",
    "propertyName",
    "deprecated",
    "description",
    "title",
    "example",
    "headers",
    "style",
    "explode",
    "security",
    "components",
    "schemas",
    "paths",
    "application/json",
    "text/plain",
    "*/*",
    "200",
    "204",
    "2XX",
    "default",
    "get",
    "post",
    "delete",
    "x-",
];

/// Names that are not identifiers, are keywords, or collide.
const NASTY: &[&str] = &[
    "self",
    "Self",
    "crate",
    "super",
    "_",
    "__",
    "r#x",
    "r#",
    "r#self",
    "r#_",
    "1",
    "1abc",
    "0",
    "",
    " ",
    "::",
    "a::b",
    "é",
    "名前",
    "🦀",
    "type",
    "Type",
    "TYPE",
    "fn",
    "async",
    "await",
    "gen",
    "try",
    "yield",
    "dyn",
    "abstract",
    "union",
    "macro_rules",
    "static",
    "Value",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Nullable",
    "Error",
    "Client",
    "ApiResponse",
    "serde",
    "std",
    "core",
    "foo-bar",
    "foo_bar",
    "FooBar",
    "fooBar",
    "FOO_BAR",
    "foo bar",
    "foo.bar",
    "foo/bar",
    "~",
    "~0",
    "~1",
    "/",
    "{",
    "}",
    "{id}",
    "#",
    "%",
    "\\",
    "\"",
    "'",
    "\n",
    "a\u{0}b",
    "*/",
    "/*",
    "\"#",
    "@type",
    "$",
    "-",
    "--",
    "...",
    "Params",
    "Success",
    "Other",
    "Unknown",
    "ClientError",
    "ServerError",
    "Status2xx",
    "_1",
    "1_",
    "a__b",
    "A",
    "a",
    "AA",
    "aA",
    "Aa",
    "self_",
    "r_self",
    "value",
    "new",
    "builder",
    "client",
    "body",
    "query",
    "path",
    "header",
    "params",
    "request",
    "response",
    "serialize",
    "deserialize",
    "from_str",
    "as_str",
    "raw",
    "fmt",
    "u8",
    "i64",
    "str",
    "bool",
    "f64",
];

fn nasty_name(r: &mut Rng) -> String {
    match r.usize(..20) {
        0 => "a".repeat(1 + r.usize(..400)),
        1 => format!(
            "{}{}",
            NASTY[r.usize(..NASTY.len())],
            NASTY[r.usize(..NASTY.len())]
        ),
        2 => (0..1 + r.usize(..6))
            .map(|_| char::from_u32(r.u32(0x80..0x3000)).unwrap_or('x'))
            .collect(),
        _ => NASTY[r.usize(..NASTY.len())].to_owned(),
    }
}

/// Sets of names that differ on the wire but meet after case conversion.
fn colliding_names(r: &mut Rng) -> Vec<Value> {
    let groups: &[&[&str]] = &[
        &[
            "foo-bar", "foo_bar", "FooBar", "fooBar", "FOO_BAR", "foo bar", "foo.bar", "Foo Bar",
        ],
        &[
            "active", "ACTIVE", "Active", "active_", "-active", "active-",
        ],
        &["", " ", "_", "-", "!", "@", "$"],
        &["1", "2", "_1", "V1", "v1", "1.0", "01"],
        &["Self", "self", "SELF", "self_", "Self_"],
        &["Other", "other", "Unknown", "unknown", "Value", "value"],
        &["a", "A", "a_", "_a", "a__", "__a"],
        &["type", "Type", "r#type", "r_type", "type_"],
        &["é", "ü", "名前", "🦀", "\u{0301}"],
        &["in", "In", "IN", "fn", "Fn", "FN"],
    ];
    let mut out: Vec<Value> = match r.usize(..6) {
        0 => vec![
            json!(1),
            json!(2),
            json!(2),
            json!(1.5),
            json!(-1),
            json!(null),
            json!(true),
            json!("1"),
            json!([]),
            json!({}),
        ],
        1 => {
            let g1 = groups[r.usize(..groups.len())];
            let g2 = groups[r.usize(..groups.len())];
            g1.iter().chain(g2.iter()).map(|s| json!(s)).collect()
        }
        _ => groups[r.usize(..groups.len())]
            .iter()
            .map(|s| json!(s))
            .collect(),
    };
    if r.usize(..4) == 0 {
        let dup = out.first().cloned().unwrap_or(Value::Null);
        out.push(dup);
    }
    if r.usize(..4) != 0 {
        r.shuffle(&mut out);
        let keep = 2 + r.usize(..out.len().max(2));
        out.truncate(keep);
    }
    out
}

const RUST_TYPES: &[&str] = &[
    "String",
    "::std::string::String",
    "std::collections::HashMap<String, i64>",
    "Vec<u8>",
    "",
    " ",
    "a b",
    "1",
    "self",
    "Self",
    "crate",
    "crate::Foo",
    "super::X",
    "r#type",
    "r#self",
    "<>",
    "Option<",
    "::",
    "Foo::<Bar>",
    "fn()",
    "dyn Trait",
    "&'static str",
    "[u8; 4]",
    "(i32, i32)",
    "!",
    "BirthDate",
    "Nullable<String>",
    "a::b::c::d::e::f::g",
    "é",
    "_",
    "foo-bar",
];

const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "binary",
    "byte",
    "uuid",
    "int32",
    "int64",
    "float",
    "double",
    "email",
    "uri",
    "",
    "weird",
    "password",
    "time",
];

const TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "object", "array", "null", "any", "file", "String",
    "", "apiKey",
];

const STATUSES: &[&str] = &[
    "200", "201", "204", "2XX", "2xx", "4XX", "5XX", "default", "DEFAULT", "0", "99", "600", "1XX",
    "20X", "abc", "200.0", "-200", " 200", "2000", "200 OK", "3XX", "1", "6XX", "X", "",
];

const PATHS: &[&str] = &[
    "/{a}{b}",
    "/{",
    "/}}",
    "/{}",
    "/{{id}}",
    "/x{id}y/{id}",
    "/{id}/{id}",
    "/{ id }",
    "/{id",
    "/id}",
    "",
    "no-slash",
    "//",
    "/a//b",
    "/{contactId}{contactId}",
    "/{ünï}",
    "/{self}",
    "/{type}",
    "/{1}",
    "/{a-b}/{a_b}",
    "/%7Bid%7D",
    "/?q={x}",
    "/#frag",
    "/{id}#x",
    "/a/../b",
    "/\u{0}",
    "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
    "/{}{}{}",
    "/{{}}",
    "/}{",
    "/{a}}",
    "/{{a}",
    "/{/}",
    "/\"{x}\"",
];

fn random_scalar(r: &mut Rng) -> Value {
    match r.usize(..8) {
        0 => Value::Null,
        1 => Value::Bool(r.bool()),
        2 => [
            json!(0),
            json!(-1),
            json!(1.5),
            json!(1e300),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(-0.0),
        ][r.usize(..8)]
        .clone(),
        3 => json!(TYPES[r.usize(..TYPES.len())]),
        4 => json!(FORMATS[r.usize(..FORMATS.len())]),
        5 => json!(huge_string(r)),
        _ => json!(nasty_name(r)),
    }
}

fn huge_string(r: &mut Rng) -> String {
    let unit = [
        "a",
        "a: ",
        "\"a\": ",
        "é",
        "🦀",
        "\n",
        "*/",
        "{",
        "x-",
        "\\",
        "\"#",
        "#/components/",
    ][r.usize(..12)];
    unit.repeat([100, 10_000, 100_000, 400_000][r.usize(..4)] / unit.len().max(1))
}

fn random_type_value(r: &mut Rng) -> Value {
    match r.usize(..10) {
        0 => json!(["string", "null"]),
        1 => json!(null),
        2 => json!(1),
        3 => json!({"type": "string"}),
        _ => json!(TYPES[r.usize(..TYPES.len())]),
    }
}

fn random_schema(r: &mut Rng, ctx: &Ctx<'_>, depth: usize) -> Value {
    let deeper = depth < 3;
    match r.usize(..16) {
        0 => json!({"type": TYPES[r.usize(..TYPES.len())]}),
        1 => json!({"type": "string", "format": FORMATS[r.usize(..FORMATS.len())]}),
        2 => json!({"type": "string", "enum": colliding_names(r)}),
        3 => json!({"$ref": ref_target(r, ctx, None, &[])}),
        4 => json!({"type": "array"}),
        5 if deeper => json!({"type": "array", "items": random_schema(r, ctx, depth + 1)}),
        6 if deeper => {
            let mut props = Map::new();
            let mut required = Vec::new();
            for _ in 0..r.usize(..5) {
                let name = nasty_name(r);
                if r.bool() {
                    required.push(json!(name.clone()));
                }
                props.insert(name, random_schema(r, ctx, depth + 1));
            }
            json!({"type": "object", "properties": props, "required": required})
        }
        7 if deeper => {
            let key = ["oneOf", "anyOf", "allOf"][r.usize(..3)];
            let items: Vec<Value> = (0..r.usize(..4))
                .map(|_| random_schema(r, ctx, depth + 1))
                .collect();
            json!({ key: items })
        }
        8 => {
            let extra = [
                json!(true),
                json!(false),
                json!({}),
                json!({"type": "integer"}),
            ][r.usize(..4)]
            .clone();
            json!({"type": "object", "additionalProperties": extra})
        }
        9 => json!({"nullable": true}),
        10 => json!({}),
        11 => json!({"x-rust-type": RUST_TYPES[r.usize(..RUST_TYPES.len())]}),
        12 if deeper => json!({"not": random_schema(r, ctx, depth + 1)}),
        13 => json!({"type": "integer", "enum": [1, 2, 3, -1, 1.5, "1"], "format": "int32"}),
        14 => {
            let prop = nasty_name(r);
            json!({
                "type": "object",
                "discriminator": {"propertyName": prop, "mapping": {nasty_name(r): ref_target(r, ctx, None, &[])}},
                "oneOf": [{"$ref": ref_target(r, ctx, None, &[])}, {"type": "object"}],
                "properties": {prop: {"type": "string"}},
            })
        }
        _ => random_scalar(r),
    }
}

fn random_value(r: &mut Rng, ctx: &Ctx<'_>, depth: usize) -> Value {
    match r.usize(..12) {
        0..=3 => random_scalar(r),
        4 if depth < 3 => Value::Array(
            (0..r.usize(..4))
                .map(|_| random_value(r, ctx, depth + 1))
                .collect(),
        ),
        5 if depth < 3 => {
            let mut map = Map::new();
            for _ in 0..r.usize(..4) {
                let key = KEYWORDS[r.usize(..KEYWORDS.len())].to_owned();
                map.insert(key, random_value(r, ctx, depth + 1));
            }
            Value::Object(map)
        }
        6 if r.usize(..8) == 0 => deep(r),
        7 => json!([]),
        8 => json!({}),
        _ => random_schema(r, ctx, depth),
    }
}

fn deep(r: &mut Rng) -> Value {
    // Mostly shallow: a deep tree whose innermost node does not parse takes
    // time exponential in its depth (see the fuzz fixtures), and every
    // timeout costs the campaign its full length.
    let depth = if r.usize(..4) == 0 {
        [30, 63, 64, 65, 127, 128, 129, 300][r.usize(..8)]
    } else {
        2 + r.usize(..12)
    };
    let style = r.usize(..7);
    let mut v = json!({"type": "string"});
    for i in 0..depth {
        v = match style {
            0 => json!({"type": "array", "items": v}),
            1 => json!({"allOf": [v]}),
            2 => {
                json!({"type": "object", "properties": {format!("p{i}"): v}, "required": [format!("p{i}")]})
            }
            3 => json!([v]),
            4 => json!({"oneOf": [v, {"type": "integer"}]}),
            5 => json!({"additionalProperties": v}),
            _ => json!({"not": v}),
        };
    }
    v
}

/// A `$ref` target: dangling, self, cyclic, into odd places, external.
fn ref_target(r: &mut Rng, ctx: &Ctx<'_>, doc: Option<&Value>, here: &[Seg]) -> String {
    let existing = |r: &mut Rng| {
        ctx.targets
            .get(r.usize(..ctx.targets.len().max(1)))
            .cloned()
            .unwrap_or_else(|| "#/components/schemas/Thing".into())
    };
    match r.usize(..16) {
        0 => "#/components/schemas/DoesNotExist".into(),
        1 => format!("#{}", pointer(here)),
        2 => {
            let up = r.usize(..here.len().max(1));
            format!("#{}", pointer(&here[..up.min(here.len())]))
        }
        3 | 4 => existing(r),
        5 => {
            let t = existing(r);
            let other = [
                "responses",
                "parameters",
                "requestBodies",
                "headers",
                "examples",
                "securitySchemes",
                "links",
                "callbacks",
                "Schemas",
                "schema",
            ][r.usize(..10)];
            t.replacen("/schemas/", &format!("/{other}/"), 1).replacen(
                "/responses/",
                "/schemas/",
                1,
            )
        }
        6 => [
            "../common/common-schemas.json#/components/schemas/Missing",
            "missing-file.yaml#/components/schemas/X",
            "external/missing.yaml#/components/schemas/Thing",
            "../common/nothing.json",
        ][r.usize(..4)]
        .into(),
        7 => format!(
            "external/common.yaml#/components/schemas/{}",
            ["Thing", "Error", "Missing", ""][r.usize(..4)]
        ),
        8 => format!(
            "../common/common-schemas.json#/components/schemas/{}",
            [
                "BadRequestDTO",
                "UnauthorizedDTO",
                "UnprocessableDTO",
                "NotFoundDTO"
            ][r.usize(..4)]
        ),
        9 => {
            let t = existing(r);
            format!(
                "{}{t}",
                [
                    "input.json",
                    "input.yaml",
                    "./input.json",
                    "../apps/input.json"
                ][r.usize(..4)]
            )
        }
        10 => [
            "",
            "#",
            "#/",
            "/",
            "##",
            "#/components",
            "#/components/schemas",
            "#/components/schemas/",
            "#components/schemas/A",
            "#/paths",
            "#/paths/~1x",
            "#/components/schemas/~2",
            "#/components/schemas/%7B",
            "http://example.com/s.json#/x",
            "https://x",
            "file:///etc/passwd",
            "../apps",
            ".",
            "..",
            "/dev/null",
            "/etc/hostname#/x",
            "../common/common-schemas.json",
            "../common/common-schemas.json#",
            "../common/common-schemas.json#/",
            "#/info",
            "#/openapi",
            "#/components/schemas/A#B",
            "  #/components/schemas/A",
            "#/components/schemas/a\nb",
            "external",
            "external/",
            "#/components/schemas/~01",
            "#/components/schemas/\u{0}",
            "é#/x",
            "external/common.yaml#",
            "external/common.yaml#/components",
        ][r.usize(..36)]
        .into(),
        11 | 12 => {
            let picked = doc.and_then(|d| pick(d, r, &any_node));
            match picked {
                Some(path) => format!("#{}", pointer(&path)),
                None => existing(r),
            }
        }
        13 => {
            let i = r.usize(..ctx.externals.len().max(1));
            match ctx.externals.get(i) {
                Some(external) => {
                    let path = pick(&external.value, r, &any_node).unwrap_or_default();
                    let file = if external.rel == COMMON_JSON {
                        "../common/common-schemas.json"
                    } else {
                        "external/common.yaml"
                    };
                    format!("{file}#{}", pointer(&path))
                }
                None => existing(r),
            }
        }
        14 => format!(
            "{}/properties/{}",
            existing(r),
            escape_token(&nasty_name(r))
        ),
        _ => format!("#/components/schemas/{}", escape_token(&nasty_name(r))),
    }
}

fn value_for_key(key: &str, r: &mut Rng, ctx: &Ctx<'_>, doc: &Value, here: &[Seg]) -> Value {
    match key {
        "$ref" => match r.usize(..10) {
            0 => random_scalar(r),
            1 => json!({"$ref": "#"}),
            _ => json!(ref_target(r, ctx, Some(doc), here)),
        },
        "type" => random_type_value(r),
        "nullable" | "readOnly" | "writeOnly" | "deprecated" | "x-idempotent" | "explode" => {
            match r.usize(..6) {
                0 => json!("yes"),
                1 => Value::Null,
                _ => Value::Bool(r.bool()),
            }
        }
        "required" => {
            let existing: Vec<Value> = node(doc, here)
                .and_then(|n| n.get("properties"))
                .and_then(Value::as_object)
                .map(|m| m.keys().map(|k| json!(k)).collect())
                .unwrap_or_default();
            match r.usize(..5) {
                0 => json!(true),
                1 => json!([nasty_name(r), nasty_name(r)]),
                2 => {
                    let mut v = existing.clone();
                    v.extend(existing);
                    Value::Array(v)
                }
                _ => {
                    let mut v = existing;
                    v.push(json!(nasty_name(r)));
                    Value::Array(v)
                }
            }
        }
        "enum" => Value::Array(colliding_names(r)),
        "items" | "not" | "schema" => random_schema(r, ctx, 0),
        "properties" => {
            let mut props = Map::new();
            for _ in 0..1 + r.usize(..5) {
                props.insert(nasty_name(r), random_schema(r, ctx, 1));
            }
            Value::Object(props)
        }
        "additionalProperties" => match r.usize(..4) {
            0 => json!(true),
            1 => json!(false),
            _ => random_schema(r, ctx, 1),
        },
        "discriminator" => {
            let prop = node(doc, here)
                .and_then(|n| n.get("properties"))
                .and_then(Value::as_object)
                .and_then(|m| m.keys().next().cloned())
                .unwrap_or_else(|| nasty_name(r));
            let mut mapping = Map::new();
            for _ in 0..r.usize(..4) {
                mapping.insert(nasty_name(r), json!(ref_target(r, ctx, Some(doc), here)));
            }
            match r.usize(..4) {
                0 => json!({"propertyName": nasty_name(r)}),
                1 => json!({"mapping": mapping}),
                _ => json!({"propertyName": prop, "mapping": mapping}),
            }
        }
        "x-rust-type" => json!(RUST_TYPES[r.usize(..RUST_TYPES.len())]),
        "x-rust-name" | "operationId" | "name" | "propertyName" | "title" => {
            if r.usize(..8) == 0 {
                random_scalar(r)
            } else {
                json!(nasty_name(r))
            }
        }
        "x-aliases" | "x-scopes" => {
            json!([nasty_name(r), nasty_name(r), "same", "same"])
        }
        "oneOf" | "anyOf" | "allOf" => Value::Array(
            (0..r.usize(..4))
                .map(|_| random_schema(r, ctx, 1))
                .collect(),
        ),
        "format" => json!(FORMATS[r.usize(..FORMATS.len())]),
        "in" => json!(
            ["path", "query", "header", "cookie", "body", "formData", "bogus", "Path"]
                [r.usize(..8)]
        ),
        "parameters" => Value::Array(
            (0..1 + r.usize(..4))
                .map(|_| random_parameter(r, ctx))
                .collect(),
        ),
        "content" => {
            let mime = [
                "application/json",
                "text/plain",
                "*/*",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "application/octet-stream",
                "application/vnd.x+json",
                "",
                "json",
                "application/json; charset=utf-8",
            ][r.usize(..10)];
            json!({ mime: {"schema": random_schema(r, ctx, 0)} })
        }
        "responses" => {
            let mut map = Map::new();
            for _ in 0..r.usize(..4) {
                map.insert(
                    STATUSES[r.usize(..STATUSES.len())].to_owned(),
                    random_response(r, ctx),
                );
            }
            Value::Object(map)
        }
        "requestBody" => {
            json!({"required": r.bool(), "content": {"application/json": {"schema": random_schema(r, ctx, 0)}}})
        }
        "style" => json!(
            [
                "form",
                "simple",
                "deepObject",
                "matrix",
                "label",
                "spaceDelimited",
                "pipeDelimited",
                "bogus"
            ][r.usize(..8)]
        ),
        _ => random_value(r, ctx, 0),
    }
}

fn random_parameter(r: &mut Rng, ctx: &Ctx<'_>) -> Value {
    if r.usize(..6) == 0 {
        return json!({"$ref": ref_target(r, ctx, None, &[])});
    }
    let names = [
        "id",
        "Id",
        "ID",
        "i-d",
        "i_d",
        "i d",
        "",
        "self",
        "type",
        "body",
        "query",
        "params",
        "client",
        "Version",
        "Authorization",
        "locationId",
    ];
    let name = if r.bool() {
        names[r.usize(..names.len())].to_owned()
    } else {
        nasty_name(r)
    };
    let location = ["path", "query", "header", "cookie", "body", "bogus"][r.usize(..6)];
    let mut param = json!({"name": name, "in": location, "required": r.bool()});
    if let Some(map) = param.as_object_mut() {
        match r.usize(..4) {
            0 => {}
            1 => {
                map.insert(
                    "content".into(),
                    json!({"application/json": {"schema": random_schema(r, ctx, 1)}}),
                );
            }
            _ => {
                map.insert("schema".into(), random_schema(r, ctx, 1));
            }
        }
        if r.usize(..4) == 0 {
            map.insert(
                "style".into(),
                json!(["form", "deepObject", "simple", "bogus"][r.usize(..4)]),
            );
        }
    }
    param
}

fn random_response(r: &mut Rng, ctx: &Ctx<'_>) -> Value {
    match r.usize(..6) {
        0 => json!({"description": "x"}),
        1 => json!({"$ref": ref_target(r, ctx, None, &[])}),
        2 => json!({"content": {"application/json": {"schema": random_schema(r, ctx, 0)}}}),
        3 => {
            json!({"description": "h", "headers": {nasty_name(r): {"schema": random_schema(r, ctx, 1)}}})
        }
        _ => {
            json!({"description": "x", "content": {"application/json": {"schema": random_schema(r, ctx, 0)}}})
        }
    }
}

/// Applies one random mutation; returns what it did, or `None` when the
/// chosen mutation did not apply to this document.
fn mutate(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    match r.usize(..100) {
        0..=8 => delete_key(doc, r),
        9..=19 => replace_value(doc, r, ctx),
        20..=28 => rename_key(doc, r),
        29..=39 => insert_key(doc, r, ctx),
        40..=48 => set_ref(doc, r, ctx),
        49..=53 => ref_cycle(doc, r),
        54..=58 => enum_collide(doc, r),
        59..=66 => nasty_rename(doc, r),
        67..=70 => path_template(doc, r),
        71..=77 => splice(doc, r, ctx),
        78..=82 => duplicate_entry(doc, r),
        83..=85 => swap_subtrees(doc, r),
        86..=89 => param_collide(doc, r, ctx),
        90..=92 => operation_ids(doc, r),
        93..=95 => deep_nest(doc, r),
        _ => status_codes(doc, r, ctx),
    }
}

fn pick_key(doc: &Value, r: &mut Rng, pred: Pred<'_>) -> Option<(Vec<Seg>, String)> {
    let path = pick(doc, r, pred)?;
    let map = node(doc, &path)?.as_object()?;
    let key = map.keys().nth(r.usize(..map.len().max(1)))?.clone();
    Some((path, key))
}

fn delete_key(doc: &mut Value, r: &mut Rng) -> Option<String> {
    if r.usize(..4) == 0 {
        // Delete an array element instead.
        let path = pick(doc, r, &|v, _| v.as_array().is_some_and(|a| !a.is_empty()))?;
        let items = node_mut(doc, &path)?.as_array_mut()?;
        let i = r.usize(..items.len());
        items.remove(i);
        return Some(format!("deleted {}/{i}", pointer(&path)));
    }
    let (path, key) = pick_key(doc, r, &object_node)?;
    node_mut(doc, &path)?.as_object_mut()?.remove(&key);
    Some(format!("deleted {}/{}", pointer(&path), escape_token(&key)))
}

fn type_index(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn replace_value(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let path = if r.usize(..200) == 0 {
        Vec::new()
    } else {
        pick(doc, r, &any_node)?
    };
    let old = type_index(node(doc, &path)?);
    let mut new = random_value(r, ctx, 0);
    for _ in 0..4 {
        if type_index(&new) != old {
            break;
        }
        new = random_value(r, ctx, 0);
    }
    let shown = short(&new.to_string(), 80);
    *node_mut(doc, &path)? = new;
    Some(format!("replaced {} with {shown}", pointer(&path)))
}

fn rename_key(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let (path, key) = pick_key(doc, r, &object_node)?;
    let map = node_mut(doc, &path)?.as_object_mut()?;
    let new = if r.usize(..5) == 0 {
        // Onto a sibling: the sibling is overwritten.
        map.keys().nth(r.usize(..map.len()))?.clone()
    } else {
        KEYWORDS[r.usize(..KEYWORDS.len())].to_owned()
    };
    let value = map.remove(&key)?;
    map.insert(new.clone(), value);
    Some(format!(
        "renamed {}/{} to {new:?}",
        pointer(&path),
        escape_token(&key)
    ))
}

fn insert_key(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let path = if r.usize(..3) == 0 {
        pick(doc, r, &|v, _| v.is_object())?
    } else {
        pick(doc, r, &schema_like)?
    };
    let key = KEYWORDS[r.usize(..KEYWORDS.len())];
    let value = value_for_key(key, r, ctx, doc, &path);
    let shown = short(&value.to_string(), 80);
    node_mut(doc, &path)?
        .as_object_mut()?
        .insert(key.to_owned(), value);
    Some(format!(
        "set {}/{} = {shown}",
        pointer(&path),
        escape_token(key)
    ))
}

fn set_ref(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    // Either retarget an existing `$ref` or turn a node into one.
    let existing = pick(doc, r, &|v, _| v.get("$ref").is_some());
    let path = match existing {
        Some(p) if r.bool() => p,
        _ => pick(doc, r, &schema_like).or_else(|| pick(doc, r, &any_node))?,
    };
    let target = ref_target(r, ctx, Some(doc), &path);
    let node = node_mut(doc, &path)?;
    let keep_siblings = r.usize(..4) == 0 && node.is_object();
    if keep_siblings {
        node.as_object_mut()?
            .insert("$ref".into(), Value::String(target.clone()));
    } else {
        *node = json!({ "$ref": target });
    }
    Some(format!(
        "$ref at {} -> {target:?}{}",
        pointer(&path),
        if keep_siblings {
            " (siblings kept)"
        } else {
            ""
        }
    ))
}

fn ensure_object<'a>(doc: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut node = doc;
    for key in path {
        let map = node.as_object_mut()?;
        node = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
    }
    node.as_object_mut()
}

fn ref_cycle(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let section = if r.usize(..4) == 0 {
        ["parameters", "responses", "requestBodies", "headers"][r.usize(..4)]
    } else {
        "schemas"
    };
    let names: Vec<String> = {
        let map = ensure_object(doc, &["components", section])?;
        let mut existing: Vec<String> = map.keys().cloned().collect();
        r.shuffle(&mut existing);
        let mut names: Vec<String> = existing.into_iter().take(3).collect();
        for fresh in ["CycA", "CycB", "CycC"] {
            if names.len() < 3 {
                names.push(fresh.to_owned());
            }
        }
        names
    };
    let at = |name: &str| format!("#/components/{section}/{}", escape_token(name));
    let (a, b, c) = (&names[0], &names[1], &names[2]);
    let shape = r.usize(..9);
    let entries: Vec<(String, Value)> = match shape {
        0 => vec![(a.clone(), json!({"$ref": at(a)}))],
        1 => vec![
            (a.clone(), json!({"$ref": at(b)})),
            (b.clone(), json!({"$ref": at(a)})),
        ],
        2 => vec![
            (a.clone(), json!({"$ref": at(b)})),
            (b.clone(), json!({"$ref": at(c)})),
            (c.clone(), json!({"$ref": at(a)})),
        ],
        3 => vec![(a.clone(), json!({"allOf": [{"$ref": at(a)}]}))],
        4 => vec![
            (
                a.clone(),
                json!({"type": "object", "properties": {"x": {"$ref": at(b)}}, "required": ["x"]}),
            ),
            (
                b.clone(),
                json!({"type": "object", "properties": {"y": {"$ref": at(a)}}, "required": ["y"]}),
            ),
        ],
        5 => vec![
            (a.clone(), json!({"oneOf": [{"$ref": at(b)}]})),
            (b.clone(), json!({"anyOf": [{"$ref": at(a)}]})),
        ],
        6 => vec![(
            a.clone(),
            json!({"type": "array", "items": {"$ref": at(a)}}),
        )],
        7 => vec![(
            a.clone(),
            json!({"type": "object", "additionalProperties": {"$ref": at(a)}}),
        )],
        _ => vec![
            (
                a.clone(),
                json!({"allOf": [{"$ref": at(b)}], "properties": {"z": {"type": "string"}}}),
            ),
            (b.clone(), json!({"allOf": [{"$ref": at(a)}]})),
        ],
    };
    let map = ensure_object(doc, &["components", section])?;
    for (name, value) in &entries {
        map.insert(name.clone(), value.clone());
    }
    // Make the cycle reachable from an operation now and then.
    if r.bool() {
        if let Some(op_path) = pick(doc, r, &operation_node) {
            let op = node_mut(doc, &op_path)?.as_object_mut()?;
            let target = at(a);
            match section {
                "parameters" => {
                    op.insert("parameters".into(), json!([{"$ref": target}]));
                }
                "responses" => {
                    op.insert("responses".into(), json!({"200": {"$ref": target}}));
                }
                "requestBodies" => {
                    op.insert("requestBody".into(), json!({"$ref": target}));
                }
                "headers" => {
                    op.insert(
                        "responses".into(),
                        json!({"200": {"description": "x", "headers": {"X-H": {"$ref": target}}}}),
                    );
                }
                _ => {
                    op.insert("responses".into(), json!({"200": {"description": "x", "content": {"application/json": {"schema": {"$ref": target}}}}}));
                }
            }
        }
    }
    Some(format!(
        "ref cycle shape {shape} in {section} over {names:?}"
    ))
}

fn enum_collide(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let path = pick(doc, r, &|v, p| schema_like(v, p) || v.get("enum").is_some())?;
    let values = colliding_names(r);
    let shown = short(&Value::Array(values.clone()).to_string(), 80);
    let map = node_mut(doc, &path)?.as_object_mut()?;
    if r.usize(..4) != 0 {
        map.insert(
            "type".into(),
            json!(["string", "integer", "number", "boolean"][r.usize(..4).min(r.usize(..4))]),
        );
    }
    if r.usize(..4) == 0 {
        map.insert("nullable".into(), json!(true));
    }
    map.insert("enum".into(), Value::Array(values));
    Some(format!("enum at {} = {shown}", pointer(&path)))
}

fn nasty_rename(doc: &mut Value, r: &mut Rng) -> Option<String> {
    if r.usize(..3) == 0 {
        // A name-bearing string value.
        let path = pick(doc, r, &|v, p| {
            v.is_string()
                && matches!(
                    last_key(p),
                    Some("operationId" | "name" | "propertyName" | "x-rust-name" | "title")
                )
        })?;
        let name = nasty_name(r);
        *node_mut(doc, &path)? = json!(name.clone());
        return Some(format!("{} = {name:?}", pointer(&path)));
    }
    let (path, key) = pick_key(doc, r, &named_map)?;
    let name = nasty_name(r);
    let map = node_mut(doc, &path)?.as_object_mut()?;
    let value = map.remove(&key)?;
    map.insert(name.clone(), value);
    Some(format!(
        "renamed {}/{} to {name:?}",
        pointer(&path),
        escape_token(&key)
    ))
}

fn path_template(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let template = if r.usize(..4) == 0 {
        format!("/{{{}}}{{{}}}", nasty_name(r), nasty_name(r))
    } else {
        PATHS[r.usize(..PATHS.len())].to_owned()
    };
    let paths = ensure_object(doc, &["paths"])?;
    let old = paths.keys().nth(r.usize(..paths.len().max(1))).cloned();
    let item = match &old {
        Some(old) if r.usize(..3) != 0 => paths.remove(old),
        Some(old) => paths.get(old).cloned(),
        None => None,
    }
    .unwrap_or_else(
        || json!({"get": {"operationId": "fuzzOp", "responses": {"200": {"description": "ok"}}}}),
    );
    let mut item = item;
    if r.bool() {
        // Declare the template's parameters (some of them) on every operation.
        let names: Vec<String> = template
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(str::to_owned)
            .collect();
        if let Some(ops) = item.as_object_mut() {
            for (method, op) in ops.iter_mut() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                if let Some(op) = op.as_object_mut() {
                    let params: Vec<Value> = names
                        .iter()
                        .filter(|_| r.usize(..5) != 0)
                        .map(|n| json!({"name": n, "in": "path", "required": true, "schema": {"type": "string"}}))
                        .collect();
                    op.insert("parameters".into(), Value::Array(params));
                }
            }
        }
    }
    paths.insert(template.clone(), item);
    Some(format!("path {old:?} -> {template:?}"))
}

fn splice(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let donor = ctx.seeds.get(r.usize(..ctx.seeds.len().max(1)))?;
    let from = if r.bool() {
        pick(&donor.value, r, &schema_like)?
    } else {
        pick(&donor.value, r, &any_node)?
    };
    let graft = node(&donor.value, &from)?.clone();
    if r.usize(..3) == 0 {
        // As a new component schema, possibly over an existing one.
        let name = match from.last() {
            Some(Seg::Key(k)) if r.bool() => k.clone(),
            _ => nasty_name(r),
        };
        ensure_object(doc, &["components", "schemas"])?.insert(name.clone(), graft);
        return Some(format!(
            "spliced {}#{} as schema {name:?}",
            donor.name,
            pointer(&from)
        ));
    }
    let to = pick(doc, r, &any_node)?;
    *node_mut(doc, &to)? = graft;
    Some(format!(
        "spliced {}#{} over {}",
        donor.name,
        pointer(&from),
        pointer(&to)
    ))
}

fn case_variant(key: &str, r: &mut Rng) -> String {
    match r.usize(..8) {
        0 => key.to_uppercase(),
        1 => key.to_lowercase(),
        2 => format!("{key}_"),
        3 => format!("_{key}"),
        4 => key.replace(['_', '-'], " "),
        5 => key
            .chars()
            .flat_map(|c| {
                if c.is_uppercase() {
                    vec!['-', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect(),
        6 => format!("{key}-"),
        _ => {
            let mut chars = key.chars();
            match chars.next() {
                Some(c) if c.is_lowercase() => c.to_uppercase().chain(chars).collect(),
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => "_".into(),
            }
        }
    }
}

fn duplicate_entry(doc: &mut Value, r: &mut Rng) -> Option<String> {
    if r.usize(..3) == 0 {
        let path = pick(doc, r, &|v, _| v.as_array().is_some_and(|a| !a.is_empty()))?;
        let items = node_mut(doc, &path)?.as_array_mut()?;
        let i = r.usize(..items.len());
        let copy = items[i].clone();
        let at = r.usize(..=items.len());
        items.insert(at, copy);
        return Some(format!("duplicated {}/{i} to {at}", pointer(&path)));
    }
    let (path, key) = pick_key(doc, r, &|v, p| named_map(v, p) || object_node(v, p))?;
    let map = node_mut(doc, &path)?.as_object_mut()?;
    let value = map.get(&key)?.clone();
    let mut names = vec![];
    for _ in 0..1 + r.usize(..5) {
        let variant = case_variant(&key, r);
        map.insert(variant.clone(), value.clone());
        names.push(variant);
    }
    Some(format!(
        "copied {}/{} as {names:?}",
        pointer(&path),
        escape_token(&key)
    ))
}

fn swap_subtrees(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let a = pick(doc, r, &any_node)?;
    let b = pick(doc, r, &any_node)?;
    if a.starts_with(&b) || b.starts_with(&a) {
        return None;
    }
    let va = node(doc, &a)?.clone();
    let vb = node(doc, &b)?.clone();
    *node_mut(doc, &a)? = vb;
    *node_mut(doc, &b)? = va;
    Some(format!("swapped {} and {}", pointer(&a), pointer(&b)))
}

fn param_collide(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let op_path = pick(doc, r, &operation_node)?;
    let added: Vec<Value> = (0..1 + r.usize(..4))
        .map(|_| random_parameter(r, ctx))
        .collect();
    let op = node_mut(doc, &op_path)?.as_object_mut()?;
    let params = op
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !params.is_array() {
        *params = Value::Array(Vec::new());
    }
    let list = params.as_array_mut()?;
    if r.bool() && !list.is_empty() {
        // Same name, different case or location.
        let first = list[r.usize(..list.len())].clone();
        let mut twin = first.clone();
        if let Some(name) = first.get("name").and_then(Value::as_str) {
            let variant = case_variant(name, r);
            if let Some(m) = twin.as_object_mut() {
                m.insert("name".into(), json!(variant));
                if r.bool() {
                    m.insert(
                        "in".into(),
                        json!(["path", "query", "header", "cookie"][r.usize(..4)]),
                    );
                }
            }
        }
        list.push(twin);
    }
    let shown = short(&Value::Array(added.clone()).to_string(), 120);
    list.extend(added);
    Some(format!("parameters of {} += {shown}", pointer(&op_path)))
}

fn operation_ids(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let a = pick(doc, r, &operation_node)?;
    let b = pick(doc, r, &operation_node)?;
    let id = match r.usize(..4) {
        0 => node(doc, &b)?
            .get("operationId")
            .cloned()
            .unwrap_or_else(|| json!("same")),
        1 => json!(nasty_name(r)),
        2 => random_scalar(r),
        _ => {
            let other = node(doc, &b)?
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("someOperation")
                .to_owned();
            json!(case_variant(&other, r))
        }
    };
    let op = node_mut(doc, &a)?.as_object_mut()?;
    if r.usize(..6) == 0 {
        op.remove("operationId");
        return Some(format!("removed operationId of {}", pointer(&a)));
    }
    op.insert("operationId".into(), id.clone());
    Some(format!(
        "operationId of {} = {}",
        pointer(&a),
        short(&id.to_string(), 80)
    ))
}

fn deep_nest(doc: &mut Value, r: &mut Rng) -> Option<String> {
    let path = pick(doc, r, &schema_like)?;
    let value = deep(r);
    *node_mut(doc, &path)? = value;
    Some(format!("deeply nested schema at {}", pointer(&path)))
}

fn status_codes(doc: &mut Value, r: &mut Rng, ctx: &Ctx<'_>) -> Option<String> {
    let path = pick(doc, r, &|v, p| {
        v.is_object() && last_key(p) == Some("responses")
    })?;
    let status = STATUSES[r.usize(..STATUSES.len())].to_owned();
    let response = random_response(r, ctx);
    let map = node_mut(doc, &path)?.as_object_mut()?;
    if !map.is_empty() && r.bool() {
        let key = map.keys().nth(r.usize(..map.len()))?.clone();
        let value = map.remove(&key)?;
        map.insert(status.clone(), value);
        return Some(format!(
            "status {key:?} -> {status:?} at {}",
            pointer(&path)
        ));
    }
    map.insert(status.clone(), response);
    Some(format!("added status {status:?} at {}", pointer(&path)))
}

// ---------------------------------------------------------------------------
// Replay and reduction.
// ---------------------------------------------------------------------------

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

fn plain_request(spec: &Path) -> Value {
    json!({"path": spec.display().to_string(), "standalone": false, "in_crate": false})
}

fn replay(args: &Args, file: &Path) -> Result<(), String> {
    let file = std::path::absolute(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut worker = Worker::spawn(dir, args.mem_mb)?;
    let started = Instant::now();
    let outcome = worker.run(&plain_request(&file), Duration::from_secs_f64(args.timeout))?;
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

fn reduce_command(args: &Args, target: &Path) -> Result<(), String> {
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
        Ok(crash_signature(
            &worker.run(&request(&spec, &input), timeout)?,
        ))
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
    let mut chunk = len.max(1);
    loop {
        let mut start = 0;
        while start < kept.len() {
            let end = (start + chunk).min(kept.len());
            let dropped: Vec<usize> = kept[start..end].to_vec();
            let mut candidate = doc.clone();
            if let Some(slot) = node_mut(&mut candidate, path) {
                // Indices are relative to the current node: positions of the
                // dropped children among those still present.
                let positions: Vec<usize> = dropped
                    .iter()
                    .filter_map(|d| kept.iter().position(|k| k == d))
                    .collect();
                remove(slot, &dropped, &positions);
            }
            if test(&candidate)? {
                *doc = candidate;
                kept.drain(start..end);
            } else {
                start = end;
            }
        }
        if chunk == 1 {
            return Ok(kept);
        }
        chunk = chunk.div_ceil(2);
    }
}

/// Line-based, then character-chunk reduction for inputs that do not parse.
fn reduce_text(
    text: &str,
    test: &mut dyn FnMut(&str) -> Result<bool, String>,
) -> Result<String, String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let mut chunk = lines.len().max(1);
    loop {
        let mut start = 0;
        while start < lines.len() {
            let end = (start + chunk).min(lines.len());
            let candidate: String = lines[..start].concat() + &lines[end..].concat();
            if test(&candidate)? {
                lines.drain(start..end);
            } else {
                start = end;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    let mut chars: Vec<char> = lines.concat().chars().collect();
    let mut chunk = (chars.len() / 2).max(1);
    loop {
        let mut start = 0;
        while start < chars.len() {
            let end = (start + chunk).min(chars.len());
            let candidate: String = chars[..start].iter().chain(&chars[end..]).collect();
            if test(&candidate)? {
                chars.drain(start..end);
            } else {
                start = end;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    Ok(chars.into_iter().collect())
}
