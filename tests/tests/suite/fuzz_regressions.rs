//! Inputs that `cargo xtask fuzz` found breaking the generator, minimised and
//! kept in `tests/fixtures/fuzz/` (`crash-*`: a panic or a hang; `finding-*`:
//! output the generator should not produce). Each must come back as `Ok` or
//! `Err` within a time budget, without panicking, without an "internal
//! error" diagnostic (the generator's own admission of a bug), and, when
//! `Ok`, without a name defined twice where Rust allows it once (output that
//! parses but cannot compile).
//!
//! Each fixture runs in a child process, so that a stack overflow (which
//! aborts the process) is reported against its fixture. The directory is not
//! part of the snapshot fixtures: `tests::fixtures()` lists only the top
//! level of `tests/fixtures`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use generator::{Options, Runtime};
use quote::ToTokens;

/// Generous for a debug build; the inputs are small.
const BUDGET: Duration = Duration::from_secs(30);

fn fuzz_fixtures() -> Vec<PathBuf> {
    tests::specs_in(&tests::root().join("tests/fixtures/fuzz"))
}

fn options() -> Options {
    Options {
        runtime: Runtime::default(),
        spec_name: "tests/fixtures/fuzz".into(),
        standalone: None,
        deny_warnings: false,
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".into())
}

/// Generates `spec` on a thread of its own (a main thread's stack size,
/// where `cargo xtask codegen` runs) and checks the result.
fn check(spec: PathBuf) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let result = std::panic::catch_unwind(|| generator::generate(&spec, &options()));
            let _ = tx.send(result.map_err(|p| panic_message(p.as_ref())));
        });
    if let Err(e) = spawned {
        return Err(format!("cannot start a thread: {e}"));
    }
    let output = match rx.recv_timeout(BUDGET) {
        Ok(Ok(output)) => output,
        Ok(Err(message)) => return Err(format!("panicked: {message}")),
        Err(_) => return Err(format!("no answer after {} s", BUDGET.as_secs())),
    };
    match output {
        Ok(output) => {
            for file in &output.files {
                if file.path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let parsed = syn::parse_file(&file.contents)
                    .map_err(|e| format!("{} is not valid Rust: {e}", file.path.display()))?;
                if let Some(dupe) = duplicates(&parsed.items) {
                    return Err(format!("{}: {dupe}", file.path.display()));
                }
            }
            Ok(())
        }
        Err(diagnostics) => match diagnostics
            .iter()
            .find(|d| d.message.contains("internal error"))
        {
            Some(d) => Err(format!("internal error diagnostic: {d}")),
            None => Ok(()),
        },
    }
}

/// A name defined twice in one scope: types, fields, variants, methods of
/// one type, parameters of one function.
fn duplicates(items: &[syn::Item]) -> Option<String> {
    let mut types = BTreeSet::new();
    let mut methods = BTreeSet::new();
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                if !types.insert(bare(&s.ident)) {
                    return Some(format!("type `{}` defined twice", s.ident));
                }
                if let Some(d) = first_duplicate(s.fields.iter().filter_map(|f| f.ident.as_ref())) {
                    return Some(format!("field `{d}` twice in `{}`", s.ident));
                }
            }
            syn::Item::Enum(e) => {
                if !types.insert(bare(&e.ident)) {
                    return Some(format!("type `{}` defined twice", e.ident));
                }
                if let Some(d) = first_duplicate(e.variants.iter().map(|v| &v.ident)) {
                    return Some(format!("variant `{d}` twice in `{}`", e.ident));
                }
            }
            syn::Item::Type(t) if !types.insert(bare(&t.ident)) => {
                return Some(format!("type `{}` defined twice", t.ident));
            }
            syn::Item::Fn(f) => {
                if let Some(d) = duplicate_parameter(&f.sig) {
                    return Some(format!("parameter `{d}` twice in `{}`", f.sig.ident));
                }
            }
            syn::Item::Impl(i) => {
                let self_ty = i.self_ty.to_token_stream().to_string();
                let trait_ = i
                    .trait_
                    .as_ref()
                    .map(|(_, path, _)| path.to_token_stream().to_string());
                for inner in &i.items {
                    if let syn::ImplItem::Fn(f) = inner {
                        let key = (self_ty.clone(), trait_.clone(), bare(&f.sig.ident));
                        if !methods.insert(key) {
                            return Some(format!("method `{}` twice on `{self_ty}`", f.sig.ident));
                        }
                        if let Some(d) = duplicate_parameter(&f.sig) {
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

fn bare(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").unwrap_or(&text).to_owned()
}

fn first_duplicate<'a>(idents: impl Iterator<Item = &'a syn::Ident>) -> Option<String> {
    let mut seen = BTreeSet::new();
    idents.map(bare).find(|name| !seen.insert(name.clone()))
}

fn duplicate_parameter(sig: &syn::Signature) -> Option<String> {
    first_duplicate(sig.inputs.iter().filter_map(|arg| match arg {
        syn::FnArg::Typed(t) => match t.pat.as_ref() {
            syn::Pat::Ident(p) => Some(&p.ident),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    }))
}

/// Set in the child process that checks one fixture.
const ONE: &str = "FUZZ_REGRESSION_ONE";

/// This test's name as the test binary lists it (its path below the
/// crate: the suite is one binary with a module per file).
fn test_name() -> String {
    let module = module_path!();
    let module = module.split_once("::").map_or(module, |(_, rest)| rest);
    format!("{module}::fuzz_regressions_neither_panic_nor_hang")
}

/// Each fixture is checked in a child process (this test binary, running
/// only this test): a stack overflow aborts the process, which
/// `catch_unwind` cannot prevent, and it must not hide the other fixtures.
#[test]
fn fuzz_regressions_neither_panic_nor_hang() {
    if let Some(spec) = std::env::var_os(ONE) {
        if let Err(e) = check(PathBuf::from(spec)) {
            panic!("{e}");
        }
        return;
    }
    let specs = fuzz_fixtures();
    assert!(
        !specs.is_empty(),
        "tests/fixtures/fuzz/ holds the crashes the fuzzer found; it went missing"
    );
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("no test binary: {e}"));
    let failures: Vec<String> = specs
        .into_iter()
        .filter_map(|spec| {
            let name = spec
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let output = std::process::Command::new(&exe)
                .args([&test_name(), "--exact", "--nocapture", "--test-threads=1"])
                .env(ONE, &spec)
                .env("RUST_BACKTRACE", "0")
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
            // A child that ran no test (a wrong name) checked nothing.
            let stdout = String::from_utf8_lossy(&output.stdout);
            if output.status.success() && !stdout.contains("running 1 test") {
                return Some(format!("{name}: the child process ran no test: {stdout}"));
            }
            (!output.status.success()).then(|| {
                let stderr = String::from_utf8_lossy(&output.stderr);
                format!("{name}: {}", failure_reason(&stderr, &output.status))
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the child process said before it failed.
fn failure_reason(stderr: &str, status: &std::process::ExitStatus) -> String {
    if stderr.contains("has overflowed its stack") {
        return format!("stack overflow, the process aborted ({status})");
    }
    let mut lines = stderr.lines().skip_while(|l| !l.contains("panicked at"));
    if lines.next().is_some() {
        let message: Vec<&str> = lines
            .take_while(|l| !l.starts_with("note:") && !l.starts_with("stack backtrace:"))
            .collect();
        return message.join("\n");
    }
    let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
    format!(
        "{status}: {}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    )
}
