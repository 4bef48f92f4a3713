//! The README as a newcomer's first screen, and the guides it points to.

use std::path::PathBuf;

fn read(path: &str) -> String {
    std::fs::read_to_string(tests::root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The README's prose: everything outside fenced blocks.
fn prose(markdown: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The guide files, by file name.
fn guides() -> Vec<String> {
    let dir: PathBuf = tests::root().join("generated-client/src/guide");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the guide directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_readme_is_a_first_screen_that_links_every_guide() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines: what the crate is, the two commands, how to add it, \
         one example and links fit in about 250; the rest goes in a guide"
    );
    for command in ["cargo xtask codegen", "cargo test --workspace"] {
        assert!(readme.contains(command), "the README gives `{command}`");
    }
    assert!(readme.contains("[dependencies]"), "how to add the crate");
    let module = read("generated-client/src/guide/mod.rs");
    let guides = guides();
    assert!(guides.len() >= 8, "{guides:?}");
    for guide in &guides {
        assert!(
            readme.contains(&format!("(generated-client/src/guide/{guide})")),
            "README.md links the {guide} guide"
        );
        assert!(
            module.contains(&format!("include_str!(\"{guide}\")")),
            "guide/mod.rs makes {guide} a rustdoc module"
        );
    }
}

#[test]
fn the_readme_prose_says_what_base_url_is_for() {
    let prose = prose(&read("README.md"));
    let paragraph = prose
        .split("\n\n")
        .find(|p| p.contains("base_url"))
        .expect("the README's prose mentions `base_url`, not only its examples");
    for purpose in ["stand-in", "proxy"] {
        assert!(paragraph.contains(purpose), "{paragraph}");
    }
}
