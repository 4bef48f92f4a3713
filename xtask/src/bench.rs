//! `cargo xtask bench DIR [--iterations N]`: generation speed per spec.
//!
//! Times `generator::generate` in-process (load, lower, emit, render; no
//! file writes) for every OpenAPI document under DIR, N times each, and
//! prints the minimum and median per spec against spec size. Run it in
//! release mode for figures worth writing down:
//! `cargo run --release -p xtask -- bench ../shared/corpus/apps`.

use std::path::Path;
use std::time::{Duration, Instant};

use generator::{Options, Runtime};

use crate::codegen::absolute;
use crate::corpus::find_specs;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut dir = None;
    let mut iterations = 20usize;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--iterations" => {
                iterations = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--iterations needs a positive number")?;
            }
            other if dir.is_none() => dir = Some(absolute(Path::new(other))),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let dir = dir.ok_or("usage: cargo xtask bench DIR [--iterations N]")?;
    let specs = find_specs(&dir)?;
    let options = Options {
        runtime: Runtime::external("leadconnector").ok_or("bad runtime crate name")?,
        spec_name: "bench".into(),
        standalone: None,
        deny_warnings: false,
    };
    println!(
        "{:<24} {:>8} {:>10} {:>10} {:>8}",
        "spec", "KiB", "min ms", "median ms", "µs/KiB"
    );
    let mut total_min = Duration::ZERO;
    let mut total_kib = 0.0;
    for spec in &specs {
        let kib = std::fs::metadata(spec).map(|m| m.len()).unwrap_or(0) as f64 / 1024.0;
        let mut times = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            let result = generator::generate(spec, &options);
            times.push(started.elapsed());
            if let Err(diagnostics) = result {
                let first = diagnostics
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Err(format!("{} does not generate:\n{first}", spec.display()));
            }
        }
        times.sort();
        let min = times.first().copied().unwrap_or_default();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        total_min += min;
        total_kib += kib;
        let name = spec
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        println!(
            "{:<24} {:>8.1} {:>10.2} {:>10.2} {:>8.1}",
            name,
            kib,
            ms(min),
            ms(median),
            min.as_secs_f64() * 1e6 / kib.max(0.001)
        );
    }
    println!(
        "{:<24} {:>8.1} {:>10.2} {:>10} {:>8.1}",
        "total (sum of minimums)",
        total_kib,
        ms(total_min),
        "",
        total_min.as_secs_f64() * 1e6 / total_kib.max(0.001)
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
