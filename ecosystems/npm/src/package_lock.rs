//! npm lockfiles: `package-lock.json` and `npm-shrinkwrap.json` (the same format; a
//! shrinkwrap is the lockfile a package publishes).
//!
//! Three versions exist, told apart by their shape rather than by `lockfileVersion` (v2 carries
//! both shapes, and the `packages` one is authoritative):
//!
//! - **v2 / v3** (npm 7+): `packages`, a map from install path to entry. `""` is the project
//!   itself (not a dependency: skipped). Keys under `node_modules/` are installed packages;
//!   the name is what follows the last `node_modules/` (`node_modules/a/node_modules/@s/b` is
//!   `@s/b`) unless the entry has a `name` (an alias: `"chai": "npm:@bundled-es-modules/chai@4"`
//!   installs `@bundled-es-modules/chai` under `node_modules/chai`). An entry with
//!   `link: true` is a symlink to a workspace folder: its `resolved` is the key of the target
//!   entry (`packages/foo`), whose `name`/`version` are used. Other keys (workspace folders
//!   themselves) are not installed packages and are only read through links. `dev: true`
//!   (only needed for development) and `devOptional: true` (needed for development, optional
//!   otherwise) give [`DependencyScope::Dev`], anything else `Prod`.
//! - **v1** (npm 5 and 6): `dependencies`, a map from name to entry, each possibly with its own
//!   nested `dependencies` (the nested `node_modules`). `version` is the version, or for an
//!   alias `npm:REAL@VERSION`; versions that are URLs or paths (`git+https://...`,
//!   `file:../x`) name no registry release and are skipped. `dev: true` gives `Dev`, and a
//!   package nested below a dev package is dev too. Nesting deeper than [`MAX_V1_DEPTH`] is
//!   refused.
//!
//! Licenses are read from v2/v3 entries when present (`license` string or array).
//! Identical (name, version) pairs are reported once per file ([`crate::common::Collector`]).

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{DependencyScope, Package};
use serde_json::{Map, Value};

use crate::common::{Collector, inside_node_modules, licenses_of};

/// The largest lockfile read. Lockfiles of very large monorepos reach a few tens of MiB.
pub const LOCKFILE_LIMIT: u64 = 64 * 1024 * 1024;

/// v1 nests `dependencies` once per nested `node_modules`; real trees stay far below this.
/// (`serde_json` itself refuses JSON nested deeper than 128 levels, two per v1 level.)
pub const MAX_V1_DEPTH: usize = 48;

/// Diagnostic code for entries that were skipped.
const SKIPPED_CODE: &str = "malformed-lockfile-entry";

/// A lockfile that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockError(pub String);

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads an npm lockfile into deduplicated packages, and the collector's skip count.
pub fn parse_package_lock(bytes: &[u8], found_in: &str) -> Result<Collector, LockError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| LockError(format!("not valid JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| LockError("lockfile is not a JSON object".into()))?;
    let mut c = Collector::default();
    match (obj.get("packages"), obj.get("dependencies")) {
        (Some(Value::Object(packages)), _) => read_packages(packages, found_in, &mut c),
        (Some(_), _) => return Err(LockError("`packages` is not an object".into())),
        (None, Some(Value::Object(deps))) => read_v1(deps, found_in, 1, false, &mut c)?,
        (None, Some(_)) => return Err(LockError("`dependencies` is not an object".into())),
        // An empty project: `npm install` with no dependencies writes no map at all.
        (None, None) => {}
    }
    Ok(c)
}

fn flag(entry: &Map<String, Value>, key: &str) -> bool {
    entry.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn str_field<'a>(entry: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    entry.get(key).and_then(Value::as_str)
}

/// v2/v3 `packages`.
fn read_packages(packages: &Map<String, Value>, found_in: &str, c: &mut Collector) {
    for (key, entry) in packages {
        if key.is_empty() {
            continue;
        }
        let Some(idx) = key.rfind("node_modules/") else {
            // A workspace folder (`packages/foo`): read only through a link to it.
            continue;
        };
        if idx > 0 && !key[..idx].ends_with('/') {
            c.skip(key);
            continue;
        }
        let installed_as = &key[idx + "node_modules/".len()..];
        let Value::Object(entry) = entry else {
            c.skip(key);
            continue;
        };
        let scope = if flag(entry, "dev") || flag(entry, "devOptional") {
            DependencyScope::Dev
        } else {
            DependencyScope::Prod
        };
        // A link: the target entry describes the package.
        let target = if flag(entry, "link") {
            if let Some(Value::Object(t)) =
                str_field(entry, "resolved").and_then(|r| packages.get(r))
            {
                t
            } else {
                // A link to a folder the lockfile does not describe (outside the project).
                c.skip(key);
                continue;
            }
        } else {
            entry
        };
        let name = str_field(target, "name")
            .or_else(|| str_field(entry, "name"))
            .unwrap_or(installed_as);
        let Some(version) = str_field(target, "version") else {
            c.skip(key);
            continue;
        };
        c.add(name, version, found_in, Some(scope), licenses_of(target));
    }
}

/// v1 `dependencies`, recursively (depth-limited).
fn read_v1(
    deps: &Map<String, Value>,
    found_in: &str,
    depth: usize,
    parent_dev: bool,
    c: &mut Collector,
) -> Result<(), LockError> {
    if depth > MAX_V1_DEPTH {
        return Err(LockError(format!(
            "`dependencies` nested deeper than {MAX_V1_DEPTH} levels"
        )));
    }
    for (key, entry) in deps {
        let Value::Object(entry) = entry else {
            c.skip(key);
            continue;
        };
        let dev = parent_dev || flag(entry, "dev");
        match str_field(entry, "version") {
            Some(v) => {
                let (name, version) = match v.strip_prefix("npm:") {
                    Some(alias) => match alias.get(1..).and_then(|a| a.find('@')) {
                        Some(at) => (&alias[..=at], &alias[at + 2..]),
                        None => (key.as_str(), ""),
                    },
                    None => (key.as_str(), v),
                };
                if version.contains(':') || version.contains('/') {
                    // git+https://..., file:..., https://...tgz: no registry release.
                    c.skip(&format!("{key}@{v}"));
                } else {
                    let scope = if dev {
                        DependencyScope::Dev
                    } else {
                        DependencyScope::Prod
                    };
                    c.add(name, version, found_in, Some(scope), Vec::new());
                }
            }
            None => c.skip(key),
        }
        match entry.get("dependencies") {
            Some(Value::Object(nested)) => read_v1(nested, found_in, depth + 1, dev, c)?,
            None => {}
            Some(_) => c.skip(&format!("{key} (dependencies is not an object)")),
        }
    }
    Ok(())
}

/// Reads `package-lock.json` and `npm-shrinkwrap.json` (`npm-lockfile`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NpmLockfileAnalyzer;

impl NpmLockfileAnalyzer {
    pub fn new() -> Self {
        NpmLockfileAnalyzer
    }
}

impl Analyzer for NpmLockfileAnalyzer {
    fn id(&self) -> &'static str {
        "npm-lockfile"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/package-lock.json", "**/npm-shrinkwrap.json"],
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
        let bytes = file.read_to_end_limited(LOCKFILE_LIMIT)?;
        let c = parse_package_lock(&bytes, &path).map_err(|e| AnalyzeError::Malformed {
            path: path.clone(),
            message: e.0,
        })?;
        c.record(&path, SKIPPED_CODE, out);
        Ok(())
    }
}

/// The packages of a lockfile (for tests and tools): [`parse_package_lock`] without counts.
pub fn package_lock_packages(bytes: &[u8], found_in: &str) -> Result<Vec<Package>, LockError> {
    parse_package_lock(bytes, found_in).map(Collector::into_packages)
}
