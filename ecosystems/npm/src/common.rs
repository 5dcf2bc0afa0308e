//! What the npm analyzers share: building a [`Package`] from a name and a version, the
//! checks every name and version from untrusted input goes through, license fields, and
//! per-file deduplication.

use std::collections::BTreeMap;

use customs_model::{DependencyScope, Package, PackageOrigin, Purl};

/// The ecosystem, which is also the purl type.
pub const ECOSYSTEM: &str = "npm";

/// npm caps names at 214 characters; older registries were laxer, so accept a little more.
const MAX_NAME: usize = 256;
/// node-semver caps versions at 256 characters.
const MAX_VERSION: usize = 256;

/// Splits `@scope/name` into (`Some("@scope")`, `name`); other names have no namespace.
pub fn split_scope(name: &str) -> (Option<&str>, &str) {
    if name.starts_with('@')
        && let Some((scope, rest)) = name.split_once('/')
    {
        return (Some(scope), rest);
    }
    (None, name)
}

/// A name worth reporting: non-empty, bounded, no whitespace or control characters, and not
/// a path (`/`, other than the one after a scope; `..`).
pub fn valid_name(name: &str) -> bool {
    if name.is_empty() || name.len() > MAX_NAME || name.contains("..") {
        return false;
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let (scope, rest) = split_scope(name);
    if scope.is_some_and(|s| s.len() < 2) {
        return false;
    }
    !rest.is_empty() && !rest.contains('/')
}

/// A version worth reporting: non-empty, bounded, no whitespace or control characters.
pub fn valid_version(version: &str) -> bool {
    !version.is_empty()
        && version.len() <= MAX_VERSION
        && !version.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The package for `name@version` read from `found_in`; the purl puts the scope in the
/// namespace (`pkg:npm/%40babel/core@7.0.0`), as the purl spec asks for npm.
pub fn npm_package(
    name: &str,
    version: &str,
    found_in: &str,
    origin: PackageOrigin,
    scope: Option<DependencyScope>,
) -> Package {
    let (namespace, short) = split_scope(name);
    let purl = Purl::new(ECOSYSTEM, namespace, short, Some(version), &[]);
    let mut p = Package::new(ECOSYSTEM, name, version, purl, found_in, origin);
    p.scope = scope;
    p
}

/// Licenses from a package.json-shaped object: `license` as a string (an SPDX expression),
/// a legacy `{ "type": "MIT" }` object or an array of either (some lockfiles copy that), and
/// the legacy `licenses` array (or string). Empty and non-string values are ignored.
pub fn licenses_of(obj: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    fn push(v: &serde_json::Value, out: &mut Vec<String>, depth: u8) {
        match v {
            serde_json::Value::String(s) => {
                let s = s.trim();
                if !s.is_empty() && s.len() <= 1024 && !out.iter().any(|o| o == s) {
                    out.push(s.to_owned());
                }
            }
            serde_json::Value::Object(o) => {
                if let Some(t @ serde_json::Value::String(_)) = o.get("type") {
                    push(t, out, depth);
                }
            }
            serde_json::Value::Array(a) if depth == 0 => {
                for item in a.iter().take(64) {
                    push(item, out, 1);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(l) = obj.get("license") {
        push(l, &mut out, 0);
    }
    if let Some(l) = obj.get("licenses") {
        push(l, &mut out, 0);
    }
    out
}

/// The scope two records of the same (name, version) in one lockfile agree on: run time if
/// either is needed at run time, development only if both are, otherwise unknown.
fn merge_scope(a: Option<DependencyScope>, b: Option<DependencyScope>) -> Option<DependencyScope> {
    match (a, b) {
        (Some(DependencyScope::Prod), _) | (_, Some(DependencyScope::Prod)) => {
            Some(DependencyScope::Prod)
        }
        (Some(DependencyScope::Dev), Some(DependencyScope::Dev)) => Some(DependencyScope::Dev),
        _ => None,
    }
}

/// Packages of one lockfile, deduplicated by (name, version): a lockfile lists the same
/// package once per place it is installed (nested `node_modules`, peer-dependency variants),
/// but it is one package for a report.
#[derive(Debug, Default)]
pub struct Collector {
    packages: BTreeMap<(String, String), Package>,
    /// Entries skipped because their name or version is unusable, with the first few shown.
    pub skipped: usize,
    pub skipped_examples: Vec<String>,
}

impl Collector {
    /// Adds `name@version` unless name or version is invalid (then counts it as skipped).
    pub fn add(
        &mut self,
        name: &str,
        version: &str,
        found_in: &str,
        scope: Option<DependencyScope>,
        licenses: Vec<String>,
    ) {
        if !valid_name(name) || !valid_version(version) {
            self.skip(&format!("{name}@{version}"));
            return;
        }
        let key = (name.to_owned(), version.to_owned());
        if let Some(existing) = self.packages.get_mut(&key) {
            existing.scope = merge_scope(existing.scope, scope);
            if existing.licenses.is_empty() {
                existing.licenses = licenses;
            }
            return;
        }
        let mut p = npm_package(name, version, found_in, PackageOrigin::Lockfile, scope);
        p.licenses = licenses;
        self.packages.insert(key, p);
    }

    /// Counts an entry that could not be used; `what` is shown (truncated) in the diagnostic.
    pub fn skip(&mut self, what: &str) {
        self.skipped += 1;
        if self.skipped_examples.len() < 3 {
            self.skipped_examples
                .push(what.chars().take(100).collect::<String>());
        }
    }

    pub fn into_packages(self) -> Vec<Package> {
        self.packages.into_values().collect()
    }

    /// Records the packages under `path` (touching it when there are none, so the file still
    /// shadows lower layers), and one `code` diagnostic when entries were skipped.
    pub fn record(self, path: &str, code: &str, out: &mut customs_analyzer::LayerFindings) {
        if self.skipped > 0 {
            out.diagnose(
                code,
                Some(path),
                format!(
                    "{} entries without a usable name and version were skipped (e.g. {})",
                    self.skipped,
                    self.skipped_examples.join(", ")
                ),
            );
        }
        out.touch(path);
        out.add_packages(path, self.into_packages());
    }
}

/// Whether `path` lies inside a `node_modules` directory. Lockfiles there came with a
/// published package (its authors' development setup): npm, yarn and pnpm ignore them when
/// installing, and what did get installed is read from `node_modules/**/package.json`.
pub fn inside_node_modules(path: &str) -> bool {
    path.starts_with("node_modules/") || path.contains("/node_modules/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_purls() {
        assert_eq!(split_scope("@babel/core"), (Some("@babel"), "core"));
        assert_eq!(split_scope("lodash"), (None, "lodash"));
        let p = npm_package("@babel/core", "7.0.0", "x", PackageOrigin::Installed, None);
        assert_eq!(p.purl.as_str(), "pkg:npm/%40babel/core@7.0.0");
        let p = npm_package("lodash", "4.17.21", "x", PackageOrigin::Installed, None);
        assert_eq!(p.purl.as_str(), "pkg:npm/lodash@4.17.21");
    }

    #[test]
    fn names() {
        assert!(valid_name("@babel/core"));
        assert!(valid_name("lodash.merge"));
        assert!(!valid_name(""));
        assert!(!valid_name("@/x"));
        assert!(!valid_name("@babel/"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("../x"));
        assert!(!valid_name("a b"));
        assert!(!valid_version(""));
        assert!(!valid_version("1.0 .0"));
    }

    #[test]
    fn license_shapes() {
        let v: serde_json::Value = serde_json::json!({
            "license": {"type": "MIT", "url": "x"},
            "licenses": [{"type": "Apache-2.0"}, "BSD-3-Clause", 7, {"type": 3}]
        });
        let obj = v.as_object().unwrap();
        assert_eq!(licenses_of(obj), ["MIT", "Apache-2.0", "BSD-3-Clause"]);
    }
}
