//! `vendor-check responses|requests [...]`: the `leadconnector` client
//! against the vendor's own published schemas. Run it as
//! `cargo xtask vendor-responses` / `cargo xtask vendor-requests`, which
//! builds and runs this binary; see `vendor` for what each check does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod vendor;

/// The workspace root (this crate lives at `xtask/vendor-check`).
fn project_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.to_path_buf(), Path::to_path_buf)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("responses") => vendor::responses(rest),
        Some("requests") => vendor::requests(rest),
        _ => Err("usage: vendor-check responses|requests [--cases N | --full] [--seed X] [--corpus DIR] [--verbose]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
