//! `spec/README.md` as reviewers and the vendor checks read it: every
//! numbered table (the departures of each spec) numbers its rows 1, 2, 3...
//! so "row 59" names one row.

/// The `#` column of each table whose header starts with `| # |`, with the
/// heading above it and each row's line number.
fn numbered_tables(text: &str) -> Vec<(String, Vec<(usize, String)>)> {
    let mut tables = Vec::new();
    let mut heading = String::new();
    let mut current: Option<(String, Vec<(usize, String)>)> = None;
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            heading = line.trim_start_matches('#').trim().to_owned();
        }
        if line.starts_with("| # |") {
            current = Some((heading.clone(), Vec::new()));
            continue;
        }
        match (&mut current, line.strip_prefix('|')) {
            (Some(_), Some(rest)) if rest.starts_with("---") => {}
            (Some((_, rows)), Some(rest)) => {
                let first = rest.split('|').next().unwrap_or_default().trim();
                rows.push((index + 1, first.to_owned()));
            }
            (Some(_), None) => tables.extend(current.take()),
            (None, _) => {}
        }
    }
    tables.extend(current);
    tables
}

#[test]
fn departure_rows_are_numbered_one_to_n_without_repeats() {
    let path = tests::root().join("spec/README.md");
    let text = std::fs::read_to_string(&path).expect("spec/README.md");
    let tables = numbered_tables(&text);
    assert!(
        tables.len() >= 3,
        "the contacts, webhooks and OAuth departure tables: {tables:?}"
    );
    let mut problems = Vec::new();
    for (heading, rows) in &tables {
        for (expected, (line, number)) in (1..).zip(rows) {
            if number.parse::<usize>() != Ok(expected) {
                problems.push(format!(
                    "spec/README.md:{line} ({heading}): row numbered `{number}`, expected {expected}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
