//! Python lockfiles: what a project pinned, whichever tool wrote it.
//!
//! | file | format | scope |
//! |---|---|---|
//! | `requirements*.txt` (any name containing `requirements`, ending `.txt`) | pip's requirement lines | none |
//! | `poetry.lock` | TOML, `[[package]]` `name`/`version` | `category = "dev"` (Poetry < 1.2) or `groups` without `main` (Poetry ≥ 1.2) → dev; `main` → prod |
//! | `Pipfile.lock` | JSON, `default` / `develop` maps of `name → {version: "==X"}` | `default` → prod, `develop` → dev (a package in both is prod) |
//! | `uv.lock` | TOML, `[[package]]` `name`/`version`/`source` | reachability from the project (see below) |
//! | `pdm.lock` | TOML, `[[package]]` `name`/`version`/`groups` | `default` group → prod; other groups may be extras or dev groups, which the lock alone cannot tell apart: no scope |
//! | `pylock.toml`, `pylock.*.toml` (PEP 751) | TOML, `[[packages]]` `name`/`version` | none |
//!
//! **requirements.txt** only yields exact pins, `name==version` or `name===version`, since
//! anything else names a range, not what was installed. A line is read after joining `\`
//! continuations; comments (`#` at the start or after whitespace) are dropped, lines starting
//! with `-` are options (`-r`, `-e`, `--index-url`), and options after a requirement
//! (`--hash=...`) are cut off, as is an environment marker after `;`. Extras (`name[extra]`)
//! are dropped. Wildcards (`==2.8.*`) and multiple clauses (`==1.0, !=1.1`) are not pins.
//!
//! **uv.lock** lists the project itself (`source = { virtual = "." }` or `editable`): those
//! entries are skipped. When there is such a root, a package reachable from the roots'
//! `dependencies`/`optional-dependencies` (following every package's `dependencies` and
//! `optional-dependencies`) is prod; one reachable only from the roots' `dev-dependencies`
//! is dev. Without a root, no scope is given.
//!
//! Entries without a version (VCS or path dependencies in Pipfile.lock and pylock.toml) are
//! skipped: no version, nothing to match. A package listed twice with the same version in
//! one file is reported once (prod wins over dev).

// File names are matched case-sensitively on purpose: image file systems are case-sensitive
// and the tools write these exact names.
#![allow(clippy::case_sensitive_file_extension_comparisons)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{DependencyScope, Package, PackageOrigin};

use crate::{is_valid_name, normalize_name, pypi_package};

/// Lockfiles of large projects are a few MiB (hashes of every wheel); 32 MiB leaves room.
pub const LOCKFILE_LIMIT: u64 = 32 * 1024 * 1024;

/// The most logical lines (after joining continuations) read from a requirements file.
const MAX_REQUIREMENT_LINES: usize = 1_000_000;

/// Which lockfile format a file name denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    Requirements,
    Poetry,
    Pipfile,
    Uv,
    Pdm,
    Pylock,
}

impl LockKind {
    /// The format of the file at `path`, judged by its last path segment.
    pub fn of_path(path: &str) -> Option<LockKind> {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name {
            "poetry.lock" => Some(LockKind::Poetry),
            "Pipfile.lock" => Some(LockKind::Pipfile),
            "uv.lock" => Some(LockKind::Uv),
            "pdm.lock" => Some(LockKind::Pdm),
            "pylock.toml" => Some(LockKind::Pylock),
            n if n.starts_with("pylock.") && n.ends_with(".toml") => Some(LockKind::Pylock),
            n if n.ends_with(".txt") && n.contains("requirements") => Some(LockKind::Requirements),
            _ => None,
        }
    }
}

/// One pinned package read from a lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// As written in the file (normalised when it becomes a [`Package`]).
    pub name: String,
    pub version: String,
    pub scope: Option<DependencyScope>,
}

impl LockEntry {
    fn new(name: &str, version: &str, scope: Option<DependencyScope>) -> Self {
        LockEntry {
            name: name.trim().to_owned(),
            version: version.trim().to_owned(),
            scope,
        }
    }
}

/// What a lockfile yielded: entries, and per-entry problems that did not stop the reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub entries: Vec<LockEntry>,
    pub problems: Vec<String>,
}

/// Parses `text` as a lockfile of `kind`. A file that is not valid TOML / JSON is an error.
pub fn parse_lockfile(kind: LockKind, text: &str) -> Result<Parsed, String> {
    let mut parsed = match kind {
        LockKind::Requirements => Ok(parse_requirements(text)),
        LockKind::Pipfile => parse_pipfile_lock(text),
        LockKind::Poetry => parse_toml(text).map(|t| parse_poetry(&t)),
        LockKind::Uv => parse_toml(text).map(|t| parse_uv(&t)),
        LockKind::Pdm => parse_toml(text).map(|t| parse_pdm(&t)),
        LockKind::Pylock => parse_toml(text).map(|t| parse_pylock(&t)),
    }?;
    dedupe(&mut parsed.entries);
    Ok(parsed)
}

/// Keeps the first entry per (normalised name, version); prod wins over dev.
fn dedupe(entries: &mut Vec<LockEntry>) {
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out: Vec<LockEntry> = Vec::with_capacity(entries.len());
    for e in entries.drain(..) {
        let key = (normalize_name(&e.name), e.version.clone());
        if let Some(&i) = seen.get(&key) {
            if e.scope == Some(DependencyScope::Prod) {
                out[i].scope = Some(DependencyScope::Prod);
            }
        } else {
            seen.insert(key, out.len());
            out.push(e);
        }
    }
    *entries = out;
}

fn parse_toml(text: &str) -> Result<toml::Table, String> {
    text.parse::<toml::Table>()
        .map_err(|e| format!("not valid TOML: {}", e.message()))
}

// ---------------------------------------------------------------------------------------------
// requirements.txt

/// Reads the exact pins of a pip requirements file.
pub fn parse_requirements(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut logical = String::new();
    let mut count = 0usize;
    for raw in text.lines() {
        // A comment ends the physical line, continuation backslash included.
        let line = strip_comment(raw);
        if let Some(body) = line.trim_end().strip_suffix('\\') {
            logical.push_str(body);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        count += 1;
        if count > MAX_REQUIREMENT_LINES {
            parsed.problems.push(format!(
                "more than {MAX_REQUIREMENT_LINES} lines; the rest is ignored"
            ));
            return parsed;
        }
        if let Some(e) = parse_requirement_line(&logical) {
            parsed.entries.push(e);
        }
        logical.clear();
    }
    if let Some(e) = parse_requirement_line(&logical) {
        parsed.entries.push(e);
    }
    parsed
}

/// Drops a `#` comment: at the start of the line or after whitespace (pip's rule; a `#` inside
/// a URL fragment such as `#egg=` is not a comment).
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// One logical requirement line → an exact pin, if it is one.
pub fn parse_requirement_line(line: &str) -> Option<LockEntry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('-') {
        return None;
    }
    // Environment markers.
    let line = line.split(';').next().unwrap_or(line);
    // Options after the requirement (`--hash=...`, `--global-option`).
    let line = match line.find(" -") {
        Some(i) => &line[..i],
        None => line,
    };
    let bytes = line.as_bytes();
    let name_end = bytes
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
        .unwrap_or(bytes.len());
    let name = &line[..name_end];
    if !is_valid_name(name) {
        return None;
    }
    let mut rest = line[name_end..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']')?;
        rest = after[close + 1..].trim_start();
    }
    let rest = rest
        .strip_prefix("===")
        .or_else(|| rest.strip_prefix("=="))?
        .trim_start();
    let version_end = rest
        .find(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .unwrap_or(rest.len());
    let version = &rest[..version_end];
    let after = rest[version_end..].trim_start();
    if version.is_empty() || version.contains('*') || after.starts_with(',') {
        return None;
    }
    Some(LockEntry::new(name, version, None))
}

// ---------------------------------------------------------------------------------------------
// Pipfile.lock

/// Reads `default` (prod) and `develop` (dev) of a `Pipfile.lock`.
pub fn parse_pipfile_lock(text: &str) -> Result<Parsed, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = doc
        .as_object()
        .ok_or_else(|| "not a JSON object".to_owned())?;
    let mut parsed = Parsed::default();
    for (section, scope) in [
        ("default", DependencyScope::Prod),
        ("develop", DependencyScope::Dev),
    ] {
        let Some(map) = obj.get(section) else {
            continue;
        };
        let Some(map) = map.as_object() else {
            parsed
                .problems
                .push(format!("`{section}` is not an object"));
            continue;
        };
        for (name, spec) in map {
            // VCS / path entries carry no version: nothing to report.
            let Some(v) = spec.get("version").and_then(serde_json::Value::as_str) else {
                continue;
            };
            let version = v.trim().trim_start_matches("==").trim_start_matches('=');
            if !is_valid_name(name) || version.is_empty() {
                parsed
                    .problems
                    .push(format!("{section}: bad entry {name:?} = {v:?}"));
                continue;
            }
            parsed
                .entries
                .push(LockEntry::new(name, version, Some(scope)));
        }
    }
    Ok(parsed)
}

// ---------------------------------------------------------------------------------------------
// TOML lockfiles

/// The `[[key]]` array of tables, or a problem if it is something else.
fn tables<'a>(doc: &'a toml::Table, key: &str, parsed: &mut Parsed) -> Vec<&'a toml::Table> {
    match doc.get(key) {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_table() {
                    Some(t) => out.push(t),
                    None => parsed.problems.push(format!("{key}[{i}] is not a table")),
                }
            }
            out
        }
        Some(_) => {
            parsed
                .problems
                .push(format!("`{key}` is not an array of tables"));
            Vec::new()
        }
    }
}

/// `name` and `version` of a `[[package]]` table, or a problem.
fn name_version<'a>(t: &'a toml::Table, parsed: &mut Parsed) -> Option<(&'a str, &'a str)> {
    let name = t.get("name").and_then(toml::Value::as_str);
    let version = t.get("version").and_then(toml::Value::as_str);
    match (name, version) {
        (Some(n), Some(v)) if is_valid_name(n.trim()) && !v.trim().is_empty() => Some((n, v)),
        (Some(n), None) if is_valid_name(n.trim()) => None, // unversioned (VCS, path): skipped
        _ => {
            parsed.problems.push(format!(
                "package entry with name {name:?} and version {version:?} skipped"
            ));
            None
        }
    }
}

fn string_list(v: Option<&toml::Value>) -> Vec<&str> {
    v.and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
        .unwrap_or_default()
}

/// `poetry.lock`: `category` (Poetry < 1.2) or `groups` (≥ 1.2) give the scope.
pub fn parse_poetry(doc: &toml::Table) -> Parsed {
    let mut parsed = Parsed::default();
    for t in tables(doc, "package", &mut parsed) {
        let Some((name, version)) = name_version(t, &mut parsed) else {
            continue;
        };
        let scope = if let Some(cat) = t.get("category").and_then(toml::Value::as_str) {
            match cat {
                "dev" => Some(DependencyScope::Dev),
                "main" => Some(DependencyScope::Prod),
                _ => None,
            }
        } else if t.contains_key("groups") {
            let groups = string_list(t.get("groups"));
            if groups.contains(&"main") {
                Some(DependencyScope::Prod)
            } else if groups.is_empty() {
                None
            } else {
                Some(DependencyScope::Dev)
            }
        } else {
            None
        };
        parsed.entries.push(LockEntry::new(name, version, scope));
    }
    parsed
}

/// `pdm.lock`: the `default` group is prod; other groups are left unscoped.
pub fn parse_pdm(doc: &toml::Table) -> Parsed {
    let mut parsed = Parsed::default();
    for t in tables(doc, "package", &mut parsed) {
        let Some((name, version)) = name_version(t, &mut parsed) else {
            continue;
        };
        let scope = string_list(t.get("groups"))
            .contains(&"default")
            .then_some(DependencyScope::Prod);
        parsed.entries.push(LockEntry::new(name, version, scope));
    }
    parsed
}

/// PEP 751 `pylock.toml`: `[[packages]]`, no scope.
pub fn parse_pylock(doc: &toml::Table) -> Parsed {
    let mut parsed = Parsed::default();
    for t in tables(doc, "packages", &mut parsed) {
        if let Some((name, version)) = name_version(t, &mut parsed) {
            parsed.entries.push(LockEntry::new(name, version, None));
        }
    }
    parsed
}

/// The names listed in a uv dependency array (`[{ name = "x" }, ...]`), normalised.
fn uv_dep_names(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|d| d.get("name").and_then(toml::Value::as_str))
                .map(normalize_name)
                .collect()
        })
        .unwrap_or_default()
}

/// The names in every array of a table of arrays (`optional-dependencies`, `dev-dependencies`).
fn uv_group_dep_names(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(toml::Value::as_table)
        .map(|t| t.values().flat_map(|a| uv_dep_names(Some(a))).collect())
        .unwrap_or_default()
}

/// `uv.lock`: the project entries are skipped; scope by reachability from them.
pub fn parse_uv(doc: &toml::Table) -> Parsed {
    let mut parsed = Parsed::default();
    let packages = tables(doc, "package", &mut parsed);
    let is_root = |t: &toml::Table| {
        t.get("source")
            .and_then(toml::Value::as_table)
            .is_some_and(|s| s.contains_key("virtual") || s.contains_key("editable"))
    };
    // Edges by normalised name (all versions of a name share them: an over-approximation
    // that only matters for forked resolutions).
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut prod_roots: Vec<String> = Vec::new();
    let mut dev_roots: Vec<String> = Vec::new();
    let mut root_names: BTreeSet<String> = BTreeSet::new();
    for t in &packages {
        let Some(name) = t.get("name").and_then(toml::Value::as_str) else {
            continue;
        };
        let name = normalize_name(name);
        let mut deps = uv_dep_names(t.get("dependencies"));
        deps.extend(uv_group_dep_names(t.get("optional-dependencies")));
        if is_root(t) {
            root_names.insert(name.clone());
            prod_roots.extend(deps.iter().cloned());
            dev_roots.extend(uv_group_dep_names(t.get("dev-dependencies")));
        }
        edges.entry(name).or_default().extend(deps);
    }
    let reach = |start: &[String]| {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<&str> = start.iter().map(String::as_str).collect();
        while let Some(n) = queue.pop_front() {
            if seen.insert(n.to_owned())
                && let Some(next) = edges.get(n)
            {
                queue.extend(next.iter().map(String::as_str));
            }
        }
        seen
    };
    let has_root = !root_names.is_empty();
    let prod = reach(&prod_roots);
    let dev = reach(&dev_roots);
    for t in packages {
        if is_root(t) {
            continue;
        }
        let Some((name, version)) = name_version(t, &mut parsed) else {
            continue;
        };
        let n = normalize_name(name);
        let scope = if !has_root {
            None
        } else if prod.contains(&n) {
            Some(DependencyScope::Prod)
        } else if dev.contains(&n) {
            Some(DependencyScope::Dev)
        } else {
            None
        };
        parsed.entries.push(LockEntry::new(name, version, scope));
    }
    parsed
}

// ---------------------------------------------------------------------------------------------
// The analyzer

/// Reads Python lockfiles (`python-lockfiles`).
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonLockfileAnalyzer;

impl PythonLockfileAnalyzer {
    pub fn new() -> Self {
        PythonLockfileAnalyzer
    }
}

/// Reads one lockfile's bytes into packages, with per-entry problems.
pub fn read_lockfile(
    path: &str,
    bytes: &[u8],
) -> Result<(Vec<Package>, Vec<String>), AnalyzeError> {
    let Some(kind) = LockKind::of_path(path) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let malformed = |message: String| AnalyzeError::Malformed {
        path: path.to_owned(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| malformed(format!("not UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = parse_lockfile(kind, text).map_err(malformed)?;
    let packages = parsed
        .entries
        .iter()
        .map(|e| {
            let mut p = pypi_package(&e.name, &e.version, path, PackageOrigin::Lockfile);
            p.scope = e.scope;
            p
        })
        .collect();
    Ok((packages, parsed.problems))
}

impl Analyzer for PythonLockfileAnalyzer {
    fn id(&self) -> &'static str {
        "python-lockfiles"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec![
                "**/*requirements*.txt",
                "**/poetry.lock",
                "**/Pipfile.lock",
                "**/uv.lock",
                "**/pdm.lock",
                "**/pylock.toml",
                "**/pylock.*.toml",
            ],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if LockKind::of_path(&path).is_none() {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(LOCKFILE_LIMIT)?;
        let (packages, problems) = read_lockfile(&path, &bytes)?;
        for p in problems {
            out.diagnose("malformed-lockfile", Some(&path), p);
        }
        if packages.is_empty() {
            out.touch(&path);
        }
        out.add_packages(&path, packages);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(line: &str) -> Option<(String, String)> {
        parse_requirement_line(line).map(|e| (e.name, e.version))
    }

    #[test]
    fn requirement_lines() {
        let p = |n: &str, v: &str| Some((n.to_owned(), v.to_owned()));
        assert_eq!(pin("flask==4.0.0"), p("flask", "4.0.0"));
        assert_eq!(pin(" flask == 4.0.0"), p("flask", "4.0.0"));
        assert_eq!(pin("urllib3===1.26.20"), p("urllib3", "1.26.20"));
        assert_eq!(pin("celery[redis, pytest] == 4.4.7"), p("celery", "4.4.7"));
        assert_eq!(
            pin("SomeProject ==5.4 ; python_version < '3.8'"),
            p("SomeProject", "5.4")
        );
        assert_eq!(pin("argh==0.26.3 --hash=sha256:abc"), p("argh", "0.26.3"));
        assert_eq!(pin("requests[security] == 2.8.* ; x"), None);
        assert_eq!(pin("a==1.0,!=1.1"), None);
        assert_eq!(pin("a>=1.0"), None);
        assert_eq!(pin("==2.3.4"), None);
        assert_eq!(pin("-r other.txt"), None);
        assert_eq!(pin("-e git+https://x#egg=y"), None);
        assert_eq!(pin("a"), None);
        assert_eq!(pin("a[x==1"), None);
    }

    #[test]
    fn kinds() {
        assert_eq!(
            LockKind::of_path("a/requirements.txt"),
            Some(LockKind::Requirements)
        );
        assert_eq!(
            LockKind::of_path("requirements-dev.txt"),
            Some(LockKind::Requirements)
        );
        assert_eq!(LockKind::of_path("a/requirements/dev.txt"), None);
        assert_eq!(
            LockKind::of_path("x/pylock.prod.toml"),
            Some(LockKind::Pylock)
        );
        assert_eq!(LockKind::of_path("x/Cargo.lock"), None);
    }

    #[test]
    fn uv_dev_scope() {
        use DependencyScope::{Dev, Prod};
        let doc = parse_toml(
            r#"
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "requests" }]
[package.dev-dependencies]
dev = [{ name = "pytest" }, { name = "requests" }]

[[package]]
name = "requests"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "idna" }]

[[package]]
name = "idna"
version = "3.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "Pluggy" }]

[[package]]
name = "pluggy"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
"#,
        )
        .unwrap();
        let got: Vec<_> = parse_uv(&doc)
            .entries
            .into_iter()
            .map(|e| (e.name, e.scope))
            .collect();
        assert_eq!(
            got,
            [
                ("requests".to_owned(), Some(Prod)),
                ("idna".to_owned(), Some(Prod)),
                ("pytest".to_owned(), Some(Dev)),
                ("pluggy".to_owned(), Some(Dev)),
            ]
        );
    }
}
