//! `Cargo.lock`: the resolved dependency graph Cargo writes next to a workspace's root manifest.
//!
//! # Format
//!
//! A TOML document. Every lock version (1 to 4) has an array of tables `[[package]]` with
//! `name`, `version`, an optional `source`, an optional `checksum` and `dependencies`.
//! Version 1 files have no top-level `version` key and keep checksums in a `[metadata]` table;
//! versions 2 to 4 say `version = N` (v3 and v4 differ from v2 only in how `dependencies`
//! entries and git URLs are spelled, which we do not read). Only `name`, `version` and `source`
//! matter here.
//!
//! # Which entries are dependencies
//!
//! - `source = "registry+…"` / `"sparse+…"`: a crate from a registry. crates.io (its git index
//!   URL or its sparse URL) gets the plain purl `pkg:cargo/NAME@VERSION`; any other registry
//!   adds the purl qualifier `repository_url` so it is not confused with the crates.io crate of
//!   the same name.
//! - `source = "git+URL[?branch=…]#COMMIT"`: a crate built from a git checkout. It is reported
//!   with the `vcs_url` qualifier `git+URL@COMMIT`; its version is whatever the checked-out
//!   `Cargo.toml` said.
//! - **No `source`**: a workspace member or a `path` dependency. These are *not* reported: they
//!   are the project's own code, have no registry identity, and matching them by name against
//!   crates.io advisories would raise false positives for any local crate that shares a name
//!   with a published one (a workspace crate called `time` is not the `time` crate).
//!
//! `Cargo.lock` does not say which dependencies are dev- or build-only, so `scope` stays unset.
//!
//! # Limits
//!
//! The file is read whole ([`CARGO_LOCK_LIMIT`]); the TOML parser bounds nesting itself. A
//! document that is not TOML is an error; a `[[package]]` entry without a string `name` or
//! `version` is skipped with a problem naming its index.

use customs_model::{Package, PackageOrigin, Purl};

/// The biggest lockfile read. Large workspaces (rustc itself) have ~1 MiB lockfiles.
pub const CARGO_LOCK_LIMIT: u64 = 16 * 1024 * 1024;

/// The crates.io index, as a git URL (Cargo before 1.68's default) and as a sparse URL.
const CRATES_IO_SOURCES: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// Where a crate came from, as the lockfile's `source` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrateSource {
    CratesIo,
    /// Another registry: the index URL without the `registry+`/`sparse+` prefix.
    Registry(String),
    /// A git checkout: the repository URL (without `git+` and query) and the commit.
    Git {
        url: String,
        commit: String,
    },
    /// A source kind this reader does not know, kept verbatim.
    Other(String),
}

impl CrateSource {
    /// Classifies a `source` string.
    pub fn parse(source: &str) -> Self {
        if CRATES_IO_SOURCES.contains(&source) {
            return CrateSource::CratesIo;
        }
        if let Some(rest) = source
            .strip_prefix("registry+")
            .or_else(|| source.strip_prefix("sparse+"))
        {
            return CrateSource::Registry(rest.to_owned());
        }
        if let Some(rest) = source.strip_prefix("git+") {
            let (url, commit) = rest.split_once('#').unwrap_or((rest, ""));
            let url = url.split_once('?').map_or(url, |(u, _)| u);
            return CrateSource::Git {
                url: url.to_owned(),
                commit: commit.to_owned(),
            };
        }
        CrateSource::Other(source.to_owned())
    }
}

/// One `[[package]]` entry that has a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedCrate {
    pub name: String,
    pub version: String,
    pub source: CrateSource,
}

impl LockedCrate {
    /// The purl: `pkg:cargo/NAME@VERSION`, with `repository_url` for other registries and
    /// `vcs_url` for git sources.
    pub fn purl(&self) -> Purl {
        let vcs;
        let qualifiers: Vec<(&str, &str)> = match &self.source {
            CrateSource::CratesIo | CrateSource::Other(_) => Vec::new(),
            CrateSource::Registry(url) => vec![("repository_url", url.as_str())],
            CrateSource::Git { url, commit } => {
                vcs = if commit.is_empty() {
                    format!("git+{url}")
                } else {
                    format!("git+{url}@{commit}")
                };
                vec![("vcs_url", vcs.as_str())]
            }
        };
        Purl::new("cargo", None, &self.name, Some(&self.version), &qualifiers)
    }

    /// The package record, found in `found_in`, with `origin`.
    pub fn to_package(&self, found_in: &str, origin: PackageOrigin) -> Package {
        Package::new(
            "cargo",
            &self.name,
            &self.version,
            self.purl(),
            found_in,
            origin,
        )
    }
}

/// What a lockfile yielded: the crates with a source, how many local (source-less) entries
/// were skipped, the lock version, and per-entry problems.
#[derive(Debug, Default)]
pub struct ParsedLock {
    pub crates: Vec<LockedCrate>,
    pub local_members: usize,
    /// The top-level `version` (1 when absent).
    pub lock_version: i64,
    pub problems: Vec<String>,
}

/// Parses a `Cargo.lock` document. Errors only when the text is not TOML at all or has no
/// usable shape; bad entries become `problems`.
pub fn parse_cargo_lock(text: &str) -> Result<ParsedLock, String> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not a TOML document: {}", one_line(&e)))?;
    let mut out = ParsedLock {
        lock_version: 1,
        ..ParsedLock::default()
    };
    match doc.get("version") {
        None => {}
        Some(toml::Value::Integer(v)) => {
            out.lock_version = *v;
            if !(1..=4).contains(v) {
                out.problems
                    .push(format!("unknown lockfile version {v}; read as version 4"));
            }
        }
        Some(other) => {
            out.problems.push(format!(
                "top-level `version` is a {}, not an integer",
                other.type_str()
            ));
        }
    }
    let packages = match doc.get("package") {
        None => return Ok(out),
        Some(toml::Value::Array(a)) => a,
        Some(other) => {
            return Err(format!(
                "`package` is a {}, not an array of tables",
                other.type_str()
            ));
        }
    };
    for (i, entry) in packages.iter().enumerate() {
        let Some(t) = entry.as_table() else {
            out.problems.push(format!(
                "package #{i} is a {}, not a table",
                entry.type_str()
            ));
            continue;
        };
        let name = t.get("name").and_then(toml::Value::as_str);
        let version = t.get("version").and_then(toml::Value::as_str);
        let (Some(name), Some(version)) = (name, version) else {
            out.problems.push(format!(
                "package #{i} has no string `name` and `version`; skipped"
            ));
            continue;
        };
        if name.is_empty() || version.is_empty() {
            out.problems.push(format!(
                "package #{i} has an empty name or version; skipped"
            ));
            continue;
        }
        match t.get("source") {
            None => out.local_members += 1,
            Some(toml::Value::String(s)) => out.crates.push(LockedCrate {
                name: name.to_owned(),
                version: version.to_owned(),
                source: CrateSource::parse(s),
            }),
            Some(other) => out.problems.push(format!(
                "package #{i} ({name} {version}) has a {} `source`; skipped",
                other.type_str()
            )),
        }
    }
    Ok(out)
}

/// A TOML error message on one line (the crate's messages span several, with a caret).
fn one_line(e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_owned();
    match e.span() {
        Some(span) => format!("{msg} (at byte {})", span.start),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_classified() {
        assert_eq!(
            CrateSource::parse("registry+https://github.com/rust-lang/crates.io-index"),
            CrateSource::CratesIo
        );
        assert_eq!(
            CrateSource::parse("sparse+https://index.crates.io/"),
            CrateSource::CratesIo
        );
        assert_eq!(
            CrateSource::parse("sparse+https://my.reg/index/"),
            CrateSource::Registry("https://my.reg/index/".into())
        );
        assert_eq!(
            CrateSource::parse("git+https://github.com/a/b?branch=main#0123abc"),
            CrateSource::Git {
                url: "https://github.com/a/b".into(),
                commit: "0123abc".into()
            }
        );
        assert_eq!(
            CrateSource::parse("path+file:///x"),
            CrateSource::Other("path+file:///x".into())
        );
    }

    #[test]
    fn purls() {
        let c = |source| LockedCrate {
            name: "serde_json".into(),
            version: "1.0.1+x".into(),
            source,
        };
        assert_eq!(
            c(CrateSource::CratesIo).purl().as_str(),
            "pkg:cargo/serde_json@1.0.1%2Bx"
        );
        assert_eq!(
            c(CrateSource::Git {
                url: "https://github.com/a/b".into(),
                commit: "abc".into()
            })
            .purl()
            .as_str(),
            "pkg:cargo/serde_json@1.0.1%2Bx?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fa%2Fb%40abc"
        );
        assert_eq!(
            c(CrateSource::Registry("https://r/".into()))
                .purl()
                .as_str(),
            "pkg:cargo/serde_json@1.0.1%2Bx?repository_url=https:%2F%2Fr%2F"
        );
    }

    #[test]
    fn v1_v3_and_local_members() {
        let v1 = r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "libc"
version = "0.2.40"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)" = "abc"
"#;
        let p = parse_cargo_lock(v1).unwrap();
        assert_eq!(p.lock_version, 1);
        assert_eq!(p.local_members, 1);
        assert_eq!(p.crates.len(), 1);
        assert_eq!(p.crates[0].name, "libc");
        assert!(p.problems.is_empty());

        let v4 = "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"sparse+https://index.crates.io/\"\n";
        let p = parse_cargo_lock(v4).unwrap();
        assert_eq!((p.lock_version, p.crates.len()), (4, 1));
    }

    #[test]
    fn malformed() {
        assert!(
            parse_cargo_lock("[[package]\nname=")
                .unwrap_err()
                .starts_with("not a TOML document")
        );
        assert!(parse_cargo_lock("package = 3").is_err());
        let p = parse_cargo_lock(
            "version = 9\npackage = [1, {name = \"a\"}, {name = \"b\", version = \"1\", source = 5}]",
        )
        .unwrap();
        assert_eq!(p.problems.len(), 4, "{:?}", p.problems);
        assert!(p.crates.is_empty());
        // Deep nesting: the parser refuses or copes; it must not overflow the stack.
        let deep = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_cargo_lock(&deep).is_err());
        let deep_tables = format!("a = {}1{}", "{b=".repeat(100_000), "}".repeat(100_000));
        assert!(parse_cargo_lock(&deep_tables).is_err());
    }
}
