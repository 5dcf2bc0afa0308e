//! `pnpm-lock.yaml`, lockfile versions 5, 6 and 9 (pnpm 7 to 10).
//!
//! Every version has a `packages` map with one entry per resolved package; the key names it,
//! in a form that changed over time:
//!
//! - **5.x**: `/NAME/VERSION` or `/@SCOPE/NAME/VERSION`, with peer-dependency variants as a
//!   `_SUFFIX` (`/acorn-jsx/5.3.2_acorn@8.8.0`);
//! - **6.x**: `/NAME@VERSION`, peer variants as `(PEER@VERSION)` suffixes
//!   (`/@testing-library/react@13.4.0(react-dom@18.2.0)(react@18.2.0)`);
//! - **9.x**: `NAME@VERSION` without the slash; peer variants moved to a separate `snapshots`
//!   map (same key form, with the `(...)` suffixes). Some writers keep the leading `/`, which
//!   is accepted.
//!
//! Peer suffixes are stripped and the resulting (name, version) pairs deduplicated. Entries for
//! packages not from a registry (git, tarball URLs) carry `name` and `version` fields, which win
//! over the key; entries whose version is still a path or URL (`file:`, `link:`) are local code
//! and skipped.
//!
//! Scope: 5.x and 6.x entries say `dev: true` (only for development) or `dev: false`; no
//! `dev` means both, so run time. 9.x dropped the flag: the scope is computed from the graph —
//! the `importers` (the project and its workspaces) list direct `dependencies`,
//! `optionalDependencies` and `devDependencies`, and `snapshots` list each package's own
//! `dependencies` and `optionalDependencies`; what is reachable from a run-time direct
//! dependency is `Prod`, what is reachable only from dev ones is `Dev`.
//!
//! pnpm 11 may put a first YAML document describing pnpm's own installation (importers with
//! only `packageManagerDependencies` / `configDependencies`) before the project's; such
//! documents are not the project's dependencies and are skipped.
//!
//! YAML is loaded with the bounded loader of [`crate::yaml`] (depth, node and alias limits).

use std::collections::{HashMap, HashSet, VecDeque};

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{DependencyScope, Package};

use crate::common::{Collector, inside_node_modules};
use crate::yaml::{self, Node};

/// The largest `pnpm-lock.yaml` read (YAML is loaded whole into memory).
pub const PNPM_LOCK_LIMIT: u64 = 32 * 1024 * 1024;

const SKIPPED_CODE: &str = "malformed-lockfile-entry";

/// The major lockfile version (`5.4` → 5, `'9.0'` → 9); 5 when absent.
fn major_version(doc: &Node) -> u32 {
    doc.get("lockfileVersion")
        .and_then(Node::as_str)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(5)
}

/// The (name, version) a `packages` / `snapshots` key names.
fn parse_key(key: &str, major: u32) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let key = key.split('(').next().unwrap_or(key);
    if major >= 6 {
        let at = key.get(1..)?.find('@')? + 1;
        return Some((&key[..at], &key[at + 1..]));
    }
    let segments: Vec<&str> = key.split('/').collect();
    let (name_len, version) = match segments.as_slice() {
        [scope, _, v] if scope.starts_with('@') => (scope.len() + 1 + segments[1].len(), *v),
        [_, v] => (segments[0].len(), *v),
        _ => return None,
    };
    let version = version.split('_').next().unwrap_or(version);
    Some((&key[..name_len], version))
}

/// Whether a document describes pnpm's own installation rather than a project.
fn is_env_document(doc: &Node) -> bool {
    let Some(importers) = doc.get("importers").and_then(Node::as_map) else {
        return false;
    };
    let has = |keys: &[&str]| {
        importers
            .iter()
            .any(|(_, imp)| keys.iter().any(|k| imp.get(k).is_some()))
    };
    has(&["packageManagerDependencies", "configDependencies"])
        && !has(&["dependencies", "devDependencies", "optionalDependencies"])
}

/// A `name: version` dependency (or an importer's `name: {version}`) to its snapshot key.
fn resolve<'a>(index: &HashMap<&'a str, &'a Node>, name: &str, dep: &Node) -> Option<&'a str> {
    let v = match dep {
        Node::Scalar(s) => s.as_str(),
        Node::Map(_) => dep.get("version")?.as_str()?,
        Node::Seq(_) => return None,
    };
    let direct = format!("{name}@{v}");
    if let Some((k, _)) = index.get_key_value(direct.as_str()) {
        return Some(k);
    }
    // An alias: the value is itself `real@version`.
    index.get_key_value(v).map(|(k, _)| *k)
}

/// The snapshot keys reachable from `roots` through `dependencies` and
/// `optionalDependencies` (breadth first; each key visited once).
fn reachable<'a>(index: &HashMap<&'a str, &'a Node>, roots: Vec<&'a str>) -> HashSet<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = roots.into_iter().collect();
    while let Some(k) = queue.pop_front() {
        if !seen.insert(k) {
            continue;
        }
        let Some(node) = index.get(k) else { continue };
        for field in ["dependencies", "optionalDependencies"] {
            for (n, d) in node.get(field).and_then(Node::as_map).unwrap_or_default() {
                if let Some(next) = resolve(index, n, d) {
                    queue.push_back(next);
                }
            }
        }
    }
    seen
}

/// For 9.x: each package key (without peer suffix) reachable from the importers, with its
/// scope. `None` when the document lacks importers or snapshots.
fn graph_scopes(doc: &Node) -> Option<HashMap<String, DependencyScope>> {
    let importers = doc.get("importers")?.as_map()?;
    let snapshots = doc.get("snapshots")?.as_map()?;
    let index: HashMap<&str, &Node> = snapshots.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let roots = |fields: &[&str]| -> Vec<&str> {
        let mut out = Vec::new();
        for (_, imp) in importers {
            for f in fields {
                for (n, d) in imp.get(f).and_then(Node::as_map).unwrap_or_default() {
                    if let Some(k) = resolve(&index, n, d) {
                        out.push(k);
                    }
                }
            }
        }
        out
    };
    let prod = reachable(&index, roots(&["dependencies", "optionalDependencies"]));
    let dev = reachable(&index, roots(&["devDependencies"]));
    let base = |k: &str| k.split('(').next().unwrap_or(k).to_owned();
    let mut scopes: HashMap<String, DependencyScope> = HashMap::new();
    for k in &dev {
        scopes.insert(base(k), DependencyScope::Dev);
    }
    for k in &prod {
        scopes.insert(base(k), DependencyScope::Prod);
    }
    Some(scopes)
}

fn read_document(doc: &Node, found_in: &str, c: &mut Collector) {
    if is_env_document(doc) {
        return;
    }
    let major = major_version(doc);
    let graph = if major >= 9 { graph_scopes(doc) } else { None };
    let packages = doc
        .get("packages")
        .or_else(|| doc.get("snapshots"))
        .and_then(Node::as_map)
        .unwrap_or_default();
    for (key, entry) in packages {
        let from_key = parse_key(key, major);
        let name = entry
            .get("name")
            .and_then(Node::as_str)
            .or(from_key.map(|k| k.0));
        let version = entry
            .get("version")
            .and_then(Node::as_str)
            .or(from_key.map(|k| k.1));
        let (Some(name), Some(version)) = (name, version) else {
            c.skip(key);
            continue;
        };
        if version.contains(':') {
            // file:, link:, or a URL with no version field: local or unversioned.
            continue;
        }
        let flag = entry.get("dev");
        let scope = match &graph {
            Some(g) => {
                let base = key.strip_prefix('/').unwrap_or(key);
                g.get(base.split('(').next().unwrap_or(base)).copied()
            }
            None if flag.is_some_and(Node::is_true) => Some(DependencyScope::Dev),
            None if flag.is_some_and(Node::is_false) || major < 9 => Some(DependencyScope::Prod),
            None => None,
        };
        c.add(name, version, found_in, scope, Vec::new());
    }
}

/// Reads a `pnpm-lock.yaml` (every document of it).
pub fn parse_pnpm_lock(text: &str, found_in: &str) -> Result<Collector, String> {
    let docs = yaml::load(text)?;
    let mut c = Collector::default();
    for doc in &docs {
        if doc.as_map().is_none() {
            return Err("pnpm-lock.yaml document is not a YAML mapping".into());
        }
        read_document(doc, found_in, &mut c);
    }
    Ok(c)
}

/// The packages of a `pnpm-lock.yaml` (for tests and tools).
pub fn pnpm_lock_packages(text: &str, found_in: &str) -> Result<Vec<Package>, String> {
    parse_pnpm_lock(text, found_in).map(Collector::into_packages)
}

/// Reads `pnpm-lock.yaml` (`pnpm-lock`).
#[derive(Debug, Default, Clone, Copy)]
pub struct PnpmLockAnalyzer;

impl PnpmLockAnalyzer {
    pub fn new() -> Self {
        PnpmLockAnalyzer
    }
}

impl Analyzer for PnpmLockAnalyzer {
    fn id(&self) -> &'static str {
        "pnpm-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/pnpm-lock.yaml"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if inside_node_modules(&path) {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(PNPM_LOCK_LIMIT)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| AnalyzeError::Malformed {
            path: path.clone(),
            message: format!("pnpm-lock.yaml is not UTF-8: {e}"),
        })?;
        let c = parse_pnpm_lock(text, &path).map_err(|message| AnalyzeError::Malformed {
            path: path.clone(),
            message,
        })?;
        c.record(&path, SKIPPED_CODE, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(parse_key("/acorn/8.8.0", 5), Some(("acorn", "8.8.0")));
        assert_eq!(
            parse_key("/acorn-jsx/5.3.2_acorn@8.8.0", 5),
            Some(("acorn-jsx", "5.3.2"))
        );
        assert_eq!(
            parse_key("/@babel/core/7.0.0_x@1", 5),
            Some(("@babel/core", "7.0.0"))
        );
        assert_eq!(parse_key("github.com/a/b/c", 5), None);
        assert_eq!(
            parse_key("/@t/react@13.4.0(react-dom@18.2.0)(react@18.2.0)", 6),
            Some(("@t/react", "13.4.0"))
        );
        assert_eq!(
            parse_key("is-positive@3.1.0", 9),
            Some(("is-positive", "3.1.0"))
        );
        assert_eq!(parse_key("@s/x", 9), None);
    }
}
