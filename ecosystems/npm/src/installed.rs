//! Installed npm packages: the `package.json` at the root of each package directory in a
//! `node_modules` tree.
//!
//! npm, yarn (v1 and berry's `nodeLinker: node-modules`) and pnpm all install a package as a
//! directory `node_modules/NAME` (or `node_modules/@SCOPE/NAME`) holding the package's own
//! `package.json`; a version conflict nests another `node_modules` below a package
//! (`node_modules/a/node_modules/b`), and pnpm keeps the real copies in
//! `node_modules/.pnpm/NAME@VERSION/node_modules/NAME`. Global installs live in
//! `usr/lib/node_modules` or `usr/local/lib/node_modules`. The same rule covers all of these:
//! the file is a package root when the path ends in `node_modules/NAME/package.json` or
//! `node_modules/@SCOPE/NAME/package.json`. Other `package.json` files inside a package
//! (`node_modules/x/lib/package.json`, test fixtures, `exports` stubs) are not packages and are
//! ignored; the glob (`*` crosses `/` in the dispatcher) cannot say that, so [`package_root`]
//! checks it.
//!
//! Read fields: `name` and `version` (both required, as written: npm has lowercased new names
//! since 2017 but old mixed-case packages exist, so no normalisation), and licenses (`license`
//! string or legacy `{ "type" }` object, legacy `licenses` array), see
//! [`crate::common::licenses_of`]. A `package.json` without name or version (a private
//! workspace placeholder) is not a package and is skipped without a diagnostic.

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{Package, PackageOrigin};

use crate::common::{licenses_of, npm_package, valid_name, valid_version};

/// Installed `package.json` files are small, but npm before v5 copied the README into them;
/// 8 MiB leaves room for that and refuses anything stranger.
pub const PACKAGE_JSON_LIMIT: u64 = 8 * 1024 * 1024;

/// If `path` is a package root (`.../node_modules/NAME/package.json` or
/// `.../node_modules/@SCOPE/NAME/package.json`), the directory name(s) it is installed under
/// (`NAME` or `@SCOPE/NAME`). Directories starting with `.` (`.bin`, `.pnpm`, `.cache`) are
/// npm's own, not packages.
pub fn package_root(path: &str) -> Option<&str> {
    let dir = path.strip_suffix("/package.json")?;
    let (parent, last) = dir.rsplit_once('/')?;
    if last.is_empty() || last.starts_with('.') || last.starts_with('@') {
        return None;
    }
    if parent == "node_modules" || parent.ends_with("/node_modules") {
        return Some(&dir[dir.len() - last.len()..]);
    }
    // Scoped: parent must be `.../node_modules/@SCOPE`.
    let (grand, scope) = parent.rsplit_once('/')?;
    if scope.len() > 1
        && scope.starts_with('@')
        && (grand == "node_modules" || grand.ends_with("/node_modules"))
    {
        return Some(&dir[dir.len() - last.len() - scope.len() - 1..]);
    }
    None
}

/// Why a `package.json` could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageJsonError {
    /// Not JSON, or JSON nested deeper than `serde_json`'s limit (128).
    Json(String),
    /// Valid JSON whose top level is not an object.
    NotAnObject,
}

impl std::fmt::Display for PackageJsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackageJsonError::Json(e) => write!(f, "not valid JSON: {e}"),
            PackageJsonError::NotAnObject => f.write_str("package.json is not a JSON object"),
        }
    }
}

/// Reads a `package.json`: the package it describes, or `None` when it has no usable name and
/// version (string, non-empty, no whitespace).
pub fn parse_package_json(
    bytes: &[u8],
    found_in: &str,
) -> Result<Option<Package>, PackageJsonError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| PackageJsonError::Json(e.to_string()))?;
    let obj = value.as_object().ok_or(PackageJsonError::NotAnObject)?;
    let name = obj.get("name").and_then(serde_json::Value::as_str);
    let version = obj.get("version").and_then(serde_json::Value::as_str);
    let (Some(name), Some(version)) = (name.map(str::trim), version.map(str::trim)) else {
        return Ok(None);
    };
    if !valid_name(name) || !valid_version(version) {
        return Ok(None);
    }
    let mut p = npm_package(name, version, found_in, PackageOrigin::Installed, None);
    p.licenses = licenses_of(obj);
    Ok(Some(p))
}

/// Reads installed packages' `package.json` (`npm-installed`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NpmInstalledAnalyzer;

impl NpmInstalledAnalyzer {
    pub fn new() -> Self {
        NpmInstalledAnalyzer
    }
}

impl Analyzer for NpmInstalledAnalyzer {
    fn id(&self) -> &'static str {
        "npm-installed"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/node_modules/**/package.json"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if package_root(&path).is_none() {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(PACKAGE_JSON_LIMIT)?;
        match parse_package_json(&bytes, &path) {
            Ok(Some(p)) => out.add_packages(&path, [p]),
            Ok(None) => out.touch(&path),
            Err(e) => {
                return Err(AnalyzeError::Malformed {
                    path,
                    message: e.to_string(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_roots() {
        let yes = [
            ("node_modules/a/package.json", "a"),
            ("app/node_modules/a/package.json", "a"),
            ("app/node_modules/@s/a/package.json", "@s/a"),
            ("node_modules/@s/a/package.json", "@s/a"),
            ("app/node_modules/a/node_modules/@s/b/package.json", "@s/b"),
            ("usr/lib/node_modules/npm/package.json", "npm"),
            (
                "usr/local/lib/node_modules/npm/node_modules/abbrev/package.json",
                "abbrev",
            ),
            (
                "app/node_modules/.pnpm/react@18.2.0/node_modules/react/package.json",
                "react",
            ),
        ];
        for (p, want) in yes {
            assert_eq!(package_root(p), Some(want), "{p}");
        }
        let no = [
            "package.json",
            "node_modules/package.json",
            "node_modules/a/lib/package.json",
            "node_modules/@s/package.json",
            "node_modules/@/a/package.json",
            "node_modules/.bin/package.json",
            "node_modules/.pnpm/x/package.json",
            "node_modules/a/test/fixtures/b/package.json",
            "app/mynode_modules/a/package.json",
            "node_modules/@s/a/b/package.json",
            "node_modules/a/package.jsonx",
        ];
        for p in no {
            assert_eq!(package_root(p), None, "{p}");
        }
    }
}
