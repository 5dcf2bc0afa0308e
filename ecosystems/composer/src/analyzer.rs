//! PHP packages: `composer.lock` and `vendor/composer/installed.json`.
//!
//! - **`composer.lock`** (`composer-lock`, origin lockfile) is a JSON object whose `packages`
//!   array lists what `composer install` installs and `packages-dev` what it adds without
//!   `--no-dev`: the first are prod, the second dev.
//! - **`vendor/composer/installed.json`** (`composer-installed`, origin installed) is what
//!   Composer actually installed into the vendor directory (any vendor directory name: the
//!   glob is `**/composer/installed.json`). Composer 1 wrote a bare array of packages;
//!   Composer 2 writes `{"packages": [...], "dev": BOOL, "dev-package-names": [...]}`. In the
//!   Composer 2 form, the packages named in `dev-package-names` are dev and the others prod;
//!   the Composer 1 form says nothing, so no scope.
//!
//! Each package object gives `name` (`vendor/project`, lowercase by Composer's rules; it is
//! lowercased here too), `version` as written (`v1.8.1`, `1.3.0`, `dev-main`), and `license`
//! (an array of SPDX identifiers). The purl is `pkg:composer/VENDOR/PROJECT@VERSION`.
//! Entries without a name or version get a `malformed-lockfile` diagnostic each; a file that
//! is not JSON of the expected shape is a `Malformed` error.

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{DependencyScope, Package, PackageOrigin, Purl};
use serde_json::Value;

/// Lockfiles of large applications are a few MiB (they embed every package's description,
/// autoload rules and metadata); 64 MiB leaves room. JSON nesting is bounded by
/// `serde_json`'s recursion limit (128).
pub const COMPOSER_JSON_LIMIT: u64 = 64 * 1024 * 1024;

/// The ecosystem (and purl type).
pub const ECOSYSTEM: &str = "composer";

/// One package read from either file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposerEntry {
    /// `vendor/project`, lowercased.
    pub name: String,
    pub version: String,
    pub licenses: Vec<String>,
    pub scope: Option<DependencyScope>,
}

impl ComposerEntry {
    /// The package, with its purl.
    pub fn to_package(&self, found_in: &str, origin: PackageOrigin) -> Package {
        let (ns, project) = match self.name.split_once('/') {
            Some((v, p)) => (Some(v), p),
            None => (None, self.name.as_str()),
        };
        let purl = Purl::new(ECOSYSTEM, ns, project, Some(&self.version), &[]);
        let mut p = Package::new(ECOSYSTEM, &self.name, &self.version, purl, found_in, origin);
        p.licenses.clone_from(&self.licenses);
        p.scope = self.scope;
        p
    }
}

/// Entries and per-entry problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub entries: Vec<ComposerEntry>,
    pub problems: Vec<String>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').count() <= 2
        && name.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        })
}

/// Reads one package object; `what` names it in problems.
fn entry(v: &Value, what: &str, scope: Option<DependencyScope>, parsed: &mut Parsed) {
    let name = v.get("name").and_then(Value::as_str).map(str::trim);
    let version = v.get("version").and_then(Value::as_str).map(str::trim);
    match (name, version) {
        (Some(n), Some(ver)) if valid_name(n) && !ver.is_empty() => {
            let licenses = match v.get("license") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
                _ => Vec::new(),
            };
            parsed.entries.push(ComposerEntry {
                name: n.to_ascii_lowercase(),
                version: ver.to_owned(),
                licenses,
                scope,
            });
        }
        _ => parsed.problems.push(format!(
            "{what}: package with name {name:?} and version {version:?} skipped"
        )),
    }
}

fn array<'a>(v: &'a Value, key: &str) -> Result<&'a [Value], String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("`{key}` is not an array")),
    }
}

fn parse_json(text: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(text).map_err(|e| format!("not valid JSON: {e}"))
}

/// Parses a `composer.lock`: `packages` → prod, `packages-dev` → dev.
pub fn parse_composer_lock(bytes: &[u8]) -> Result<Parsed, String> {
    let doc = parse_json(bytes)?;
    if !doc.is_object() {
        return Err("not a JSON object".to_owned());
    }
    let mut parsed = Parsed::default();
    for (key, scope) in [
        ("packages", DependencyScope::Prod),
        ("packages-dev", DependencyScope::Dev),
    ] {
        for (i, p) in array(&doc, key)?.iter().enumerate() {
            entry(p, &format!("{key}[{i}]"), Some(scope), &mut parsed);
        }
    }
    Ok(parsed)
}

/// Parses `vendor/composer/installed.json`, Composer 1 (array) or 2 (object) form.
pub fn parse_installed_json(bytes: &[u8]) -> Result<Parsed, String> {
    let doc = parse_json(bytes)?;
    let mut parsed = Parsed::default();
    match &doc {
        Value::Array(items) => {
            for (i, p) in items.iter().enumerate() {
                entry(p, &format!("[{i}]"), None, &mut parsed);
            }
        }
        Value::Object(_) => {
            let dev_names: Vec<String> = array(&doc, "dev-package-names")?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect();
            for (i, p) in array(&doc, "packages")?.iter().enumerate() {
                let is_dev = p
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| dev_names.iter().any(|d| d.eq_ignore_ascii_case(n.trim())));
                let scope = if is_dev {
                    DependencyScope::Dev
                } else {
                    DependencyScope::Prod
                };
                entry(p, &format!("packages[{i}]"), Some(scope), &mut parsed);
            }
        }
        _ => return Err("neither an array nor an object".to_owned()),
    }
    Ok(parsed)
}

/// The shared analyzer body: read, parse, record.
fn record(
    file: &mut FileEntry<'_>,
    out: &mut LayerFindings,
    parse: fn(&[u8]) -> Result<Parsed, String>,
    origin: PackageOrigin,
) -> Result<(), AnalyzeError> {
    let path = file.path().to_owned();
    let bytes = file.read_to_end_limited(COMPOSER_JSON_LIMIT)?;
    let parsed = parse(&bytes).map_err(|message| AnalyzeError::Malformed {
        path: path.clone(),
        message,
    })?;
    for p in parsed.problems {
        out.diagnose("malformed-lockfile", Some(&path), p);
    }
    if parsed.entries.is_empty() {
        out.touch(&path);
    }
    out.add_packages(
        &path,
        parsed.entries.iter().map(|e| e.to_package(&path, origin)),
    );
    Ok(())
}

/// Reads `composer.lock` (`composer-lock`).
#[derive(Debug, Default, Clone, Copy)]
pub struct ComposerLockAnalyzer;

impl ComposerLockAnalyzer {
    pub fn new() -> Self {
        ComposerLockAnalyzer
    }
}

impl Analyzer for ComposerLockAnalyzer {
    fn id(&self) -> &'static str {
        "composer-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/composer.lock"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        if file.path().rsplit('/').next() != Some("composer.lock") {
            return Ok(());
        }
        record(file, out, parse_composer_lock, PackageOrigin::Lockfile)
    }
}

/// Reads `vendor/composer/installed.json` (`composer-installed`).
#[derive(Debug, Default, Clone, Copy)]
pub struct ComposerInstalledAnalyzer;

impl ComposerInstalledAnalyzer {
    pub fn new() -> Self {
        ComposerInstalledAnalyzer
    }
}

impl Analyzer for ComposerInstalledAnalyzer {
    fn id(&self) -> &'static str {
        "composer-installed"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/composer/installed.json"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let p = file.path();
        if !(p == "composer/installed.json" || p.ends_with("/composer/installed.json")) {
            return Ok(());
        }
        record(file, out, parse_installed_json, PackageOrigin::Installed)
    }
}
