//! A client generated with `cargo xtask codegen --spec FILE --out DIR` is a
//! crate of its own: it depends on the runtime crate only (a version
//! requirement, and a path for local builds), and builds with nothing but
//! that runtime, as `cargo package` makes it, beside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use generator::{Options, Runtime, Standalone, RUNTIME_PACKAGE, RUNTIME_VERSION};

fn cargo() -> Command {
    tests::cargo()
}

/// The `version` of `runtime/Cargo.toml`.
fn runtime_version() -> String {
    let manifest = std::fs::read_to_string(tests::root().join("runtime/Cargo.toml"))
        .expect("runtime/Cargo.toml");
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .expect("a version line")
}

/// The requirement generated crates put on the runtime accepts the
/// runtime's version (a caret requirement on its first non-zero part).
#[test]
fn the_runtime_requirement_accepts_the_runtime_version() {
    let version = runtime_version();
    let wanted: Vec<&str> = RUNTIME_VERSION.split('.').collect();
    let have: Vec<&str> = version.split('.').collect();
    assert!(
        have.starts_with(&wanted),
        "generated crates require {RUNTIME_PACKAGE} {RUNTIME_VERSION}, the runtime is {version}"
    );
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("lists").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn a_standalone_crate_builds_with_only_the_runtime_beside_it() {
    let root = tests::root();
    // The same target directory as the fixture compile test: reqwest and
    // the rest are checked once for both.
    let target = root.join("target/fixture-check");

    // The runtime as it would be published.
    let packaged = cargo()
        .args([
            "package",
            "--offline",
            "--no-verify",
            "--allow-dirty",
            "--quiet",
        ])
        .args(["-p", RUNTIME_PACKAGE, "--target-dir"])
        .arg(&target)
        .current_dir(&root)
        .output()
        .expect("runs cargo package");
    assert!(
        packaged.status.success(),
        "cargo package -p {RUNTIME_PACKAGE}: {}",
        String::from_utf8_lossy(&packaged.stderr)
    );
    let runtime_dir = format!("{RUNTIME_PACKAGE}-{}", runtime_version());
    let archive = target.join(format!("package/{runtime_dir}.crate"));

    // A directory outside the project, holding the runtime and the client.
    let dir = std::env::temp_dir().join(format!("standalone-client-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creates the directory");
    let unpacked = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&dir)
        .status()
        .expect("runs tar");
    assert!(unpacked.success(), "cannot unpack {}", archive.display());

    let spec = root.join("tests/fixtures/security/api.yaml");
    let options = Options {
        runtime: Runtime::default(),
        spec_name: "tests/fixtures/security/api.yaml".into(),
        standalone: Some(Standalone {
            crate_name: "security_client".into(),
            runtime_path: PathBuf::from("..").join(&runtime_dir),
            own_workspace: true,
        }),
        deny_warnings: true,
    };
    let output = generator::generate(&spec, &options).unwrap_or_else(|d| panic!("{d:?}"));
    let krate = dir.join("security_client");
    for file in &output.files {
        let path = krate.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("creates");
        std::fs::write(&path, &file.contents).expect("writes");
    }
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("manifest");
    for expected in [
        "name = \"security_client\"",
        // From `info`: the version completed to semver, license in SPDX,
        // contact as author and homepage.
        "version = \"1.2.0\"",
        "description = \"Generated client for the Security schemes fixture\"",
        "license = \"Apache-2.0\"",
        "authors = [\"API Team <api@example.com>\"]",
        "homepage = \"https://example.com/support\"",
        &format!("{RUNTIME_PACKAGE} = {{ version = \"{RUNTIME_VERSION}\", path = \"../{runtime_dir}\", default-features = false }}"),
        &format!("default = [\"rustls-tls\"]\nrustls-tls = [\"{RUNTIME_PACKAGE}/rustls-tls\"]\nnative-tls = [\"{RUNTIME_PACKAGE}/native-tls\"]"),
    ] {
        assert!(manifest.contains(expected), "{expected} in:\n{manifest}");
    }
    assert!(!manifest.contains("publish"), "{manifest}");

    // Nothing of the vendor's crate is anywhere in the directory.
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        assert!(
            !text.contains("leadconnector") && !text.contains("generated-client"),
            "{} names the vendor's crate",
            file.display()
        );
    }

    // The versions the workspace builds with, so nothing new is fetched
    // (cargo drops the entries this crate does not use).
    std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).expect("copies the lock");
    let built = cargo()
        .args([
            "clippy",
            "--quiet",
            "--offline",
            "--all-targets",
            "--manifest-path",
        ])
        .arg(krate.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .args(["--", "-D", "warnings"])
        .output()
        .expect("runs cargo clippy");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        built.status.success(),
        "the standalone crate does not build:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

/// `x-rust-type` names either a type of the runtime (taken from it) or one
/// of the client crate itself (`crate::...`); a standalone crate has no
/// hand-written types, so naming one there is an error at its place.
#[test]
fn a_crate_type_is_an_error_in_a_standalone_crate() {
    let dir = tests::root().join("target/standalone-crate-type");
    std::fs::create_dir_all(&dir).expect("creates");
    let spec = dir.join("birth.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Births, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    \
         Born:\n      type: string\n      x-rust-type: BirthDate\n    When:\n      type: string\n      \
         x-rust-type: Timestamp\n",
    )
    .expect("writes");
    let options = |standalone: bool| Options {
        runtime: Runtime::default(),
        spec_name: "birth.yaml".into(),
        standalone: standalone.then(|| Standalone {
            crate_name: "births".into(),
            runtime_path: "../runtime".into(),
            own_workspace: true,
        }),
        deny_warnings: true,
    };
    let inside = generator::generate(&spec, &options(false)).unwrap_or_else(|d| panic!("{d:?}"));
    let types = &inside.files[0].contents;
    assert!(
        types.contains("pub type Born = crate::BirthDate;"),
        "{types}"
    );
    assert!(
        types.contains("pub type When = ::openapi_runtime::Timestamp;"),
        "{types}"
    );
    let errors = generator::generate(&spec, &options(true)).expect_err("no crate types");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let text = errors[0].to_string();
    assert!(
        text.contains("`x-rust-type: BirthDate` names a type of the client crate"),
        "{text}"
    );
    assert!(
        text.contains("/components/schemas/Born/x-rust-type"),
        "{text}"
    );
}
