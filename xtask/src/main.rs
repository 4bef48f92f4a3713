//! Project tasks: `cargo xtask codegen [--check] [--spec FILE --out DIR]`,
//! `snippets [FILE...]`, `corpus DIR`, `bench DIR`, `fuzz`,
//! `spec-diff OLD NEW`, `spec-diff-prove`, `vendor-responses`,
//! `vendor-requests`, `services-test`.

mod bench;
mod cargo;
mod clippy;
mod codegen;
mod corpus;
mod fuzz;
mod services_test;
mod snippets;
mod spec_diff;
mod spec_diff_prove;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: generation makes millions of
/// small allocations (tokens, syntax trees, JSON values), and glibc's
/// malloc and free were 39% of the instructions `bench` counted.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--deny-warnings]
       cargo xtask codegen --spec FILE --out DIR [--deny-warnings]

  codegen            regenerate generated-client/ from spec/contacts.yaml
  --check            write nothing; fail if a generated file is stale
  --spec FILE        generate from another OpenAPI 3.0 or 3.1 document ...
  --out DIR          ... into a standalone client crate in DIR
  --deny-warnings    fail on spec warnings too
       cargo xtask snippets [FILE...]

  snippets           compile every Rust example of README.md and of the guides
                     (generated-client/src/guide/*.md), or of the FILEs given,
                     as a crate with only the dependencies README.md tells an
                     app to add
       cargo xtask corpus DIR

  corpus DIR         generate, compile and clippy a client for every OpenAPI
                     document under DIR; print a table; fail on panics,
                     compile errors or warnings
       cargo xtask bench DIR [--iterations N]

  bench DIR          time generation of every document under DIR (use
                     `cargo run --release -p xtask -- bench DIR`)
       cargo xtask fuzz [--inputs N] [--seconds S] [--seed X] [--replay FILE]

  fuzz               mutate the vendor corpus, the spec and the fixtures and
                     feed them to the generator; crashes go to
                     target/fuzz-crashes (use --release; `fuzz --help`)
       cargo xtask spec-diff OLD NEW [--format markdown|json] [--fail-on breaking]

  spec-diff          what a spec change breaks on the wire and in the Rust
                     crate, and the version bump it needs; OLD and NEW are
                     files or REV:PATH (`origin/main:spec/contacts.yaml`)
       cargo xtask spec-diff-prove

  spec-diff-prove    compile a program written against the crate of each
                     tests/fixtures/spec_diff pair's OLD spec against its NEW
                     crate; fail unless it breaks exactly when the Rust
                     verdict says so
       cargo xtask vendor-responses [--cases N | --full] [--seed X] [--corpus DIR]
       cargo xtask vendor-requests [--cases N | --full] [--seed X] [--corpus DIR]

  vendor-responses   decode random bodies generated from the vendor's response
                     schemas (DIR/apps/contacts.json, default ../shared/corpus)
                     with the client, over loopback; fail on any failure
                     outside the documented departures
  vendor-requests    validate every request the client builds (the spec's
                     examples and random requests) against the vendor's
                     request schemas; same rule
  --cases N          cases per operation (default 200; --full: 10,000)
       cargo xtask services-test [--full] [--tests-only] [--locked]

  services-test      start PostgreSQL and Redis (Debian's postgresql and
                     redis-server packages) in temporary directories, run
                     the replicas crate's tests against them, then the
                     replica experiments (bounded; --full: 50 expiries,
                     a 60 s rate run, the benchmark); fails, never skips,
                     when a server cannot start";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => {
            codegen::Args::parse(args.get(1..).unwrap_or_default()).and_then(codegen::run)
        }
        Some("snippets") => snippets::run(args.get(1..).unwrap_or_default()),
        Some("corpus") => corpus::run(args.get(1..).unwrap_or_default()),
        Some("bench") => bench::run(args.get(1..).unwrap_or_default()),
        Some("fuzz") => fuzz::run(args.get(1..).unwrap_or_default()),
        Some("spec-diff") => spec_diff::run(args.get(1..).unwrap_or_default()),
        Some("spec-diff-prove") => spec_diff_prove::run(args.get(1..).unwrap_or_default()),
        Some("services-test") => services_test::run(args.get(1..).unwrap_or_default()),
        Some("vendor-responses") => vendor_check("responses", args.get(1..).unwrap_or_default()),
        Some("vendor-requests") => vendor_check("requests", args.get(1..).unwrap_or_default()),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the `vendor-check` program (a crate of its own: it links the
/// generated client, which xtask must not, so that `cargo xtask codegen`
/// builds fast and even when the committed client does not compile), as
/// `cargo test --workspace` builds it (see the `cargo` module).
fn vendor_check(check: &str, args: &[String]) -> Result<(), String> {
    let built = cargo::test_build(false)?;
    let program = built.find("bin", "vendor-check")?;
    let status = std::process::Command::new(&program.path)
        .arg(check)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", program.path.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("vendor-{check} failed ({status})"))
    }
}
