//! Every fixture's generated code compiles and is clippy-clean with
//! `-D warnings` and `#![deny(missing_docs)]`.

#[test]
fn fixture_output_compiles_without_warnings() {
    if let Err(output) = tests::compile_fixtures() {
        panic!("generated fixture code does not pass clippy -D warnings:\n{output}");
    }
}
