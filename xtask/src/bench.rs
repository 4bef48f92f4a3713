//! `cargo xtask bench DIR [--iterations N]`: generation speed.
//!
//! Times `generator::generate` in-process (load, mend, lower, emit, render;
//! no file writes) for every OpenAPI document under DIR. Run it in release
//! mode for figures worth writing down:
//! `cargo run --release -p xtask -- bench ../shared/corpus/apps`.
//!
//! Two measurements, each repeated N times, reporting the minimum and the
//! median (the minimum is the least disturbed by other load on the machine):
//!
//! 1. per spec, one after the other: time, µs per KiB and KiB/s, then their
//!    sum; a spec whose µs/KiB is over twice the median is flagged, since
//!    generation time should grow linearly with spec size;
//! 2. the whole directory in one process, the specs and their pieces shared
//!    out over the generator's pool (a thread per core; `RAYON_NUM_THREADS=1`
//!    runs everything on one), as a maintainer regenerating every spec or CI
//!    checking them would run it: wall-clock time and KiB/s.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use generator::{Options, Runtime};

use crate::codegen::absolute;
use crate::corpus::find_specs;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut dir = None;
    let mut iterations = 20usize;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut positive = |flag: &str| -> Result<usize, String> {
            it.next()
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0)
                .ok_or(format!("{flag} needs a positive number"))
        };
        match arg.as_str() {
            "--iterations" => iterations = positive("--iterations")?,
            other if dir.is_none() => dir = Some(absolute(Path::new(other))),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let dir = dir.ok_or("usage: cargo xtask bench DIR [--iterations N]")?;
    let specs = find_specs(&dir)?;
    if specs.is_empty() {
        return Err(format!("no OpenAPI documents under {}", dir.display()));
    }
    let options = Options {
        runtime: Runtime::default(),
        spec_name: "bench".into(),
        standalone: None,
        deny_warnings: false,
    };
    let sizes: Vec<f64> = specs
        .iter()
        .map(|spec| std::fs::metadata(spec).map_or(0, |m| m.len()) as f64 / 1024.0)
        .collect();
    let total_kib: f64 = sizes.iter().sum();

    println!("per spec, one after the other ({iterations} runs each; µs/KiB and KiB/s from the minimum):");
    println!(
        "{:<24} {:>8} {:>9} {:>10} {:>8} {:>9} {:>8}",
        "spec", "KiB", "min ms", "median ms", "µs/KiB", "KiB/s", "KiB out"
    );
    let mut rows = Vec::with_capacity(specs.len());
    // The Rust written matters as much as the spec read: formatting it is
    // most of the time.
    let mut total_out_kib = 0.0;
    for (spec, kib) in specs.iter().zip(&sizes) {
        let mut times = Vec::with_capacity(iterations);
        let mut written = 0;
        for _ in 0..iterations {
            let started = Instant::now();
            written = generate(spec, &options)?;
            times.push(started.elapsed());
        }
        let out_kib = written as f64 / 1024.0;
        total_out_kib += out_kib;
        let (min, median) = min_median(&mut times);
        println!(
            "{:<24} {:>8.1} {:>9.2} {:>10.2} {:>8.1} {:>9.0} {:>8.1}",
            file_name(spec),
            kib,
            ms(min),
            ms(median),
            micros_per_kib(min, *kib),
            kib / min.as_secs_f64().max(1e-9),
            out_kib
        );
        rows.push((file_name(spec), *kib, min, median));
    }
    let sum_min: Duration = rows.iter().map(|r| r.2).sum();
    let sum_median: Duration = rows.iter().map(|r| r.3).sum();
    println!(
        "{:<24} {:>8.1} {:>9.2} {:>10.2} {:>8.1} {:>9.0} {:>8.1}",
        "total (sum)",
        total_kib,
        ms(sum_min),
        ms(sum_median),
        micros_per_kib(sum_min, total_kib),
        total_kib / sum_min.as_secs_f64().max(1e-9),
        total_out_kib
    );
    println!(
        "written: {:.1} µs per KiB of Rust (sum of minimums)",
        micros_per_kib(sum_min, total_out_kib)
    );
    let mut per_kib: Vec<f64> = rows.iter().map(|r| micros_per_kib(r.2, r.1)).collect();
    per_kib.sort_by(f64::total_cmp);
    let median_per_kib = per_kib.get(per_kib.len() / 2).copied().unwrap_or_default();
    let outliers: Vec<String> = rows
        .iter()
        .filter(|r| micros_per_kib(r.2, r.1) > 2.0 * median_per_kib)
        .map(|r| r.0.clone())
        .collect();
    println!(
        "linearity: median {median_per_kib:.1} µs/KiB, max {:.2}x the median; {}",
        per_kib.last().copied().unwrap_or_default() / median_per_kib.max(1e-9),
        if outliers.is_empty() {
            "no spec over 2x".to_owned()
        } else {
            format!("over 2x: {}", outliers.join(", "))
        }
    );

    let mut walls = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        generate_all(&specs, &options)?;
        walls.push(started.elapsed());
    }
    let (min, median) = min_median(&mut walls);
    let threads = generator::parallel::threads();
    println!(
        "whole directory in one process, {threads} thread(s), {iterations} runs: \
         min {:.2} ms, median {:.2} ms, {:.0} KiB/s, {:.1} µs/KiB",
        ms(min),
        ms(median),
        total_kib / min.as_secs_f64().max(1e-9),
        micros_per_kib(min, total_kib)
    );
    Ok(())
}

/// Generates every spec once, the specs and their pieces sharing the
/// generator's pool of threads.
fn generate_all(specs: &[PathBuf], options: &Options) -> Result<(), String> {
    generator::parallel::map(specs, |spec| generate(spec, options).map(drop))
        .into_iter()
        .collect()
}

/// Generates `spec` and returns how many bytes of Rust it wrote.
fn generate(spec: &Path, options: &Options) -> Result<usize, String> {
    generator::generate(spec, options)
        .map(|output| output.files.iter().map(|f| f.contents.len()).sum())
        .map_err(|diagnostics| {
            let first = diagnostics
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            format!("{} does not generate:\n{first}", spec.display())
        })
}

fn min_median(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    let min = times.first().copied().unwrap_or_default();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    (min, median)
}

fn file_name(spec: &Path) -> String {
    spec.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn micros_per_kib(time: Duration, kib: f64) -> f64 {
    time.as_secs_f64() * 1e6 / kib.max(0.001)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
