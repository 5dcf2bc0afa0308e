//! .NET packages: `*.deps.json` next to a built application, and `packages.lock.json`.
//!
//! - **`APP.deps.json`** (`nuget-deps-json`, origin installed) is written by the .NET SDK
//!   next to every built application or library and read by the host at start-up to resolve
//!   assemblies: what is deployed. Its `libraries` object is keyed `NAME/VERSION`; each value
//!   has a `type`: `package` (from a `NuGet` feed: reported), `project` (a project reference,
//!   the application's own code: skipped), `referenceassembly`, `runtimepack` and others (parts
//!   of the .NET runtime or SDK, not `NuGet` packages: skipped).
//! - **`packages.lock.json`** (`nuget-packages-lock`, origin lockfile) is `NuGet`'s lock file:
//!   `dependencies` maps each target framework (`net8.0`, `.NETCoreApp,Version=v5.0`, plus
//!   runtime-specific `net8.0/linux-x64`) to `NAME → {type, resolved, ...}`, where `type` is
//!   `Direct`, `Transitive`, `CentralTransitive` or `Project` (skipped, as above). The same
//!   package usually appears under several frameworks: it is reported once per
//!   (name, resolved version). (JSON object order is not kept: entries come sorted by key.)
//!
//! `NuGet` package IDs are case-insensitive: duplicates are detected ignoring case, and the
//! first spelling is kept, as written (the purl spec keeps the case of `pkg:nuget` names).
//! Neither file says which packages are development-only, so no scope is given.

use std::collections::BTreeSet;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{Package, PackageOrigin, Purl};
use serde_json::Value;

/// `deps.json` of very large applications are around 1 MiB; lock files are smaller. 32 MiB
/// leaves room. JSON nesting is bounded by `serde_json`'s recursion limit (128).
pub const NUGET_JSON_LIMIT: u64 = 32 * 1024 * 1024;

/// The ecosystem (and purl type).
pub const ECOSYSTEM: &str = "nuget";

/// One package read from either file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NuGetEntry {
    pub name: String,
    pub version: String,
}

impl NuGetEntry {
    pub fn to_package(&self, found_in: &str, origin: PackageOrigin) -> Package {
        let purl = Purl::new(ECOSYSTEM, None, &self.name, Some(&self.version), &[]);
        Package::new(ECOSYSTEM, &self.name, &self.version, purl, found_in, origin)
    }
}

/// Entries and per-entry problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub entries: Vec<NuGetEntry>,
    pub problems: Vec<String>,
}

impl Parsed {
    fn push(&mut self, seen: &mut BTreeSet<(String, String)>, name: &str, version: &str) {
        if !valid_id(name) || version.is_empty() || version.chars().any(char::is_whitespace) {
            self.problems
                .push(format!("package {name:?} version {version:?} skipped"));
            return;
        }
        if seen.insert((name.to_ascii_lowercase(), version.to_ascii_lowercase())) {
            self.entries.push(NuGetEntry {
                name: name.to_owned(),
                version: version.to_owned(),
            });
        }
    }
}

/// A `NuGet` package ID: letters, digits, `.`, `-`, `_`, at most 100 characters.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

fn parse_object(bytes: &[u8]) -> Result<Value, String> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    if doc.is_object() {
        Ok(doc)
    } else {
        Err("not a JSON object".to_owned())
    }
}

/// Parses a `*.deps.json`: the `package` entries of `libraries`.
pub fn parse_deps_json(bytes: &[u8]) -> Result<Parsed, String> {
    let doc = parse_object(bytes)?;
    let mut parsed = Parsed::default();
    let mut seen = BTreeSet::new();
    let libraries = match doc.get("libraries") {
        None => return Ok(parsed),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("`libraries` is not an object".to_owned()),
    };
    for (key, lib) in libraries {
        if lib.get("type").and_then(Value::as_str) != Some("package") {
            continue;
        }
        match key.split_once('/') {
            Some((name, version)) => parsed.push(&mut seen, name, version),
            None => parsed
                .problems
                .push(format!("library key {key:?} is not NAME/VERSION")),
        }
    }
    Ok(parsed)
}

/// Parses a `packages.lock.json`: every non-project dependency of every framework, once.
pub fn parse_packages_lock(bytes: &[u8]) -> Result<Parsed, String> {
    let doc = parse_object(bytes)?;
    let mut parsed = Parsed::default();
    let mut seen = BTreeSet::new();
    let frameworks = match doc.get("dependencies") {
        None => return Ok(parsed),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("`dependencies` is not an object".to_owned()),
    };
    for (tfm, deps) in frameworks {
        let Some(deps) = deps.as_object() else {
            parsed
                .problems
                .push(format!("framework {tfm:?}: not an object"));
            continue;
        };
        for (name, dep) in deps {
            if dep.get("type").and_then(Value::as_str) == Some("Project") {
                continue;
            }
            match dep.get("resolved").and_then(Value::as_str) {
                Some(v) => parsed.push(&mut seen, name, v.trim()),
                None => parsed
                    .problems
                    .push(format!("{tfm}: {name:?} has no resolved version")),
            }
        }
    }
    Ok(parsed)
}

fn record(
    file: &mut FileEntry<'_>,
    out: &mut LayerFindings,
    parse: fn(&[u8]) -> Result<Parsed, String>,
    origin: PackageOrigin,
) -> Result<(), AnalyzeError> {
    let path = file.path().to_owned();
    let bytes = file.read_to_end_limited(NUGET_JSON_LIMIT)?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let parsed = parse(bytes).map_err(|message| AnalyzeError::Malformed {
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

/// Reads `*.deps.json` (`nuget-deps-json`).
#[derive(Debug, Default, Clone, Copy)]
pub struct DepsJsonAnalyzer;

impl DepsJsonAnalyzer {
    pub fn new() -> Self {
        DepsJsonAnalyzer
    }
}

impl Analyzer for DepsJsonAnalyzer {
    fn id(&self) -> &'static str {
        "nuget-deps-json"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/*.deps.json"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let name = file.path().rsplit('/').next().unwrap_or("");
        if name.len() <= ".deps.json".len() || !name.ends_with(".deps.json") {
            return Ok(());
        }
        record(file, out, parse_deps_json, PackageOrigin::Installed)
    }
}

/// Reads `packages.lock.json` (`nuget-packages-lock`).
#[derive(Debug, Default, Clone, Copy)]
pub struct PackagesLockAnalyzer;

impl PackagesLockAnalyzer {
    pub fn new() -> Self {
        PackagesLockAnalyzer
    }
}

impl Analyzer for PackagesLockAnalyzer {
    fn id(&self) -> &'static str {
        "nuget-packages-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/packages.lock.json"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        if file.path().rsplit('/').next() != Some("packages.lock.json") {
            return Ok(());
        }
        record(file, out, parse_packages_lock, PackageOrigin::Lockfile)
    }
}
