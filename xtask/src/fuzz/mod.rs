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
//!
//! Modules, in the order an input travels:
//!
//! - `seeds`: the seed specs and external files, the scratch directory, `Input`.
//! - `campaign`: the `Fuzzer` loop, its `Stats`, saving crashes.
//! - `mutate`, `mutate_openapi`: the structure-aware mutation operators;
//!   `tree` (paths, picking nodes, predicates), `vocab` (constant tables),
//!   `random` (values, schemas, parameters), `refs` (`$ref` targets).
//! - `serialize`: text from the mutated tree, with chaos; byte-level damage.
//! - `parent`: the parent side of the worker, `Crash` and `Outcome`, gdb.
//! - `worker`: the worker process; `checks`: checks on the Rust it returns.
//! - `reduce`: `--replay` and `--reduce`.

mod campaign;
mod checks;
mod mutate;
mod mutate_openapi;
mod parent;
mod random;
mod reduce;
mod refs;
mod seeds;
mod serialize;
mod tree;
mod vocab;
mod worker;

use std::path::{Path, PathBuf};
use std::time::Duration;

use campaign::Fuzzer;
use reduce::{reduce_command, replay};
use worker::worker;

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

/// `text` on one line, cut to `max` characters.
fn short(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}...")
    }
}
