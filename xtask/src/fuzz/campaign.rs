//! The campaign: the `Fuzzer` loop that makes an input from a random seed,
//! runs it in the worker, counts the outcome in `Stats`, saves crashes and
//! findings (a few per signature) with an `info.txt` describing them, and
//! prints progress and a summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fastrand::Rng;

use super::mutate::{mutate, Ctx};
use super::parent::{reason_class, request, Crash, Outcome, Worker};
use super::seeds::{load_seeds, write_file, External, Input, Scratch, Seed};
use super::serialize::{byte_mutations, serialize};
use super::{is_crash, project_root, short, Args, MAX_INPUT_BYTES, SAVED_PER_SIGNATURE, SLOW};

/// A campaign's seeds, the external files beside them, and where findings go.
pub(super) struct Fuzzer {
    seeds: Vec<Seed>,
    externals: Vec<External>,
    out: PathBuf,
}

/// What a campaign has seen so far.
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

impl Fuzzer {
    pub(super) fn new(args: &Args) -> Result<Self, String> {
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

    pub(super) fn campaign(&self, args: &Args) -> Result<(), String> {
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
            let outcome = worker.run(&request(&spec, input.standalone, input.in_crate), timeout)?;
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
                let crash = Crash::new("slow", format!("took {:.1} s", took.as_secs_f64()));
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
