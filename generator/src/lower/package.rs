//! What a standalone crate's `[package]` says about itself, decided from the
//! spec's `info`: its version, description, license, authors and homepage.

use openapiv3::Info;

use crate::ir::PackageInfo;

/// The package metadata for `info`.
pub fn package_info(info: &Info) -> PackageInfo {
    let title = info.title.trim();
    let api_version = info.version.trim();
    let version = semver(api_version);
    let mut description = format!("Generated client for the {title}");
    if version.is_none() && !api_version.is_empty() {
        description.push_str(&format!(" (API version {api_version})"));
    }
    let contact = info.contact.as_ref();
    let name = contact
        .and_then(|c| c.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let email = contact
        .and_then(|c| c.email.as_deref())
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let author = match (name, email) {
        (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
        (Some(name), None) => Some(name.to_owned()),
        (None, Some(email)) => Some(format!("<{email}>")),
        (None, None) => None,
    };
    PackageInfo {
        version: version.unwrap_or_else(|| "0.1.0".to_owned()),
        description,
        license: info.license.as_ref().and_then(|l| spdx(&l.name)),
        authors: author.into_iter().collect(),
        homepage: contact
            .and_then(|c| c.url.as_deref())
            .map(str::trim)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_owned),
    }
}

/// `info.version` as a semver version: `1.2.3` (and pre-releases) as they
/// are, `1.2` and `v1` completed with zeros; anything else (`2021-07-28`,
/// `beta`) is not one.
fn semver(version: &str) -> Option<String> {
    let version = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || !p.starts_with('0'))
    };
    if parts.is_empty() || parts.len() > 3 || !parts.iter().all(numeric) {
        return None;
    }
    let pre_ok = |pre: &str| {
        pre.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    // A pre-release only follows a whole `major.minor.patch` (`2021-07-28`
    // is a date, not version 2021 pre-release `07-28`).
    if pre.is_some_and(|pre| parts.len() < 3 || !pre_ok(pre)) {
        return None;
    }
    let mut full: Vec<&str> = parts;
    full.resize(3, "0");
    let mut out = full.join(".");
    if let Some(pre) = pre {
        out.push('-');
        out.push_str(pre);
    }
    Some(out)
}

/// An SPDX license expression for a license name, when the name is one
/// (`MIT`, `Apache-2.0`, `MIT OR Apache-2.0`) or a common spelling of one
/// (`Apache 2.0`); `None` for anything else (`Proprietary`, a sentence),
/// which a package cannot declare as its `license`.
fn spdx(name: &str) -> Option<String> {
    let name = name.trim();
    let known = [
        ("apache 2.0", "Apache-2.0"),
        ("apache-2.0", "Apache-2.0"),
        ("apache 2", "Apache-2.0"),
        ("apache license 2.0", "Apache-2.0"),
        ("apache license, version 2.0", "Apache-2.0"),
        ("apache license version 2.0", "Apache-2.0"),
        ("mit", "MIT"),
        ("mit license", "MIT"),
        ("bsd-3-clause", "BSD-3-Clause"),
        ("bsd 3-clause", "BSD-3-Clause"),
        ("bsd-2-clause", "BSD-2-Clause"),
        ("mpl-2.0", "MPL-2.0"),
        ("mpl 2.0", "MPL-2.0"),
        ("isc", "ISC"),
        ("cc0-1.0", "CC0-1.0"),
        ("cc0", "CC0-1.0"),
        ("unlicense", "Unlicense"),
        ("gpl-3.0", "GPL-3.0"),
        ("lgpl-3.0", "LGPL-3.0"),
    ];
    let lower = name.to_ascii_lowercase();
    if let Some((_, id)) = known.iter().find(|(spelling, _)| *spelling == lower) {
        return Some((*id).to_owned());
    }
    // An expression of license ids joined by OR, AND or WITH: kept as
    // written when every id has SPDX's shape: a version or a dash in it, or
    // one of the ids that are plain words (`Proprietary` is no license id).
    const WORDS: &[&str] = &["MIT", "ISC", "Unlicense", "Zlib", "WTFPL"];
    let words: Vec<&str> = name.split_whitespace().collect();
    let id_shaped = |w: &&str| {
        w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'+'))
            && (w
                .bytes()
                .any(|b| matches!(b, b'-' | b'.') || b.is_ascii_digit())
                || WORDS.contains(w))
    };
    let expression = !words.is_empty()
        && words.iter().enumerate().all(|(i, w)| {
            if i % 2 == 1 {
                matches!(*w, "OR" | "AND" | "WITH")
            } else {
                id_shaped(w)
            }
        })
        && words.len() % 2 == 1;
    expression.then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_become_semver_or_nothing() {
        assert_eq!(semver("1.2.3").as_deref(), Some("1.2.3"));
        assert_eq!(semver("1.2").as_deref(), Some("1.2.0"));
        assert_eq!(semver("v2").as_deref(), Some("2.0.0"));
        assert_eq!(semver("1.0.0-beta.1").as_deref(), Some("1.0.0-beta.1"));
        assert_eq!(semver("2021-07-28"), None);
        assert_eq!(semver("01.2"), None);
        assert_eq!(semver("1.2.3.4"), None);
        assert_eq!(semver("beta"), None);
        assert_eq!(semver(""), None);
    }

    #[test]
    fn licenses_are_spdx_or_nothing() {
        assert_eq!(spdx("MIT").as_deref(), Some("MIT"));
        assert_eq!(spdx("Apache 2.0").as_deref(), Some("Apache-2.0"));
        assert_eq!(
            spdx("Apache License, Version 2.0").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            spdx("MIT OR Apache-2.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(spdx("Proprietary"), None);
        assert_eq!(spdx("All rights reserved"), None);
        assert_eq!(spdx("MIT OR"), None);
    }
}
