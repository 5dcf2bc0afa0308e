//! `yarn.lock`, both formats.
//!
//! **Yarn 1 ("classic")** writes its own indentation format, not YAML:
//!
//! ```text
//! # yarn lockfile v1
//!
//! "@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
//!   version "7.10.4"
//!   resolved "https://registry.yarnpkg.com/..."
//!   dependencies:
//!     "@babel/highlight" "^7.10.4"
//! ```
//!
//! An entry starts with an unindented line listing the requested specs (`NAME@RANGE`, quoted
//! when they contain special characters) and ending in `:`; its fields are indented two
//! spaces, `key value` (the value possibly JSON-quoted; `key: value` is accepted too). Deeper
//! lines (the `dependencies` block) are not needed. The package is the `name` field when
//! present, otherwise the name of the first spec; for an alias spec (`alias@npm:real@^1`) the
//! real name. The version is the `version` field.
//!
//! **Yarn 2+ ("berry")** writes YAML with a `__metadata` key. Each entry has
//! `resolution: "NAME@PROTOCOL:REFERENCE"` and `version`. The name comes from `resolution`
//! (so aliases give the real package). For the `npm:` protocol the reference is the version.
//!
//! Skipped, in both formats: entries for local code, which no registry release describes —
//! the `workspace:` protocol (the project and its workspaces, `version: 0.0.0-use.local`),
//! `link:`, `portal:` and `file:` (local folders and tarballs); and berry's `patch:` entries,
//! which are a patched copy of a package that has its own `npm:` entry in the same lockfile
//! (reporting both would count it twice). Other remote protocols (git, https tarballs) are
//! kept with their `version` field.
//!
//! Neither format says which dependencies are for development only (that needs the
//! project's `package.json`), so no [`customs_model::DependencyScope`] is set.

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::Package;

use crate::common::{Collector, inside_node_modules};
use crate::yaml::{self, Node};

/// The largest `yarn.lock` read.
pub const YARN_LOCK_LIMIT: u64 = 64 * 1024 * 1024;

/// Berry lockfiles are YAML, loaded whole into memory; a tighter limit.
pub const YARN_BERRY_LIMIT: u64 = 32 * 1024 * 1024;

const SKIPPED_CODE: &str = "malformed-lockfile-entry";

/// Protocols of local code, which are not registry packages.
const LOCAL_PROTOCOLS: &[&str] = &["workspace:", "link:", "portal:", "file:", "patch:"];

/// Splits a spec `NAME@RANGE` (`@scope/name@range`) into name and range; a spec without
/// a range is all name.
fn split_spec(spec: &str) -> (&str, &str) {
    match spec.get(1..).and_then(|s| s.find('@')) {
        Some(i) => (&spec[..=i], &spec[i + 2..]),
        None => (spec, ""),
    }
}

/// Whether a berry `resolution` or classic range uses a local protocol.
fn is_local(range: &str) -> bool {
    LOCAL_PROTOCOLS.iter().any(|p| range.starts_with(p))
}

/// Whether the text is a berry lockfile (YAML with a `__metadata` key at the top level).
pub fn is_berry(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("__metadata:"))
}

/// Unquotes a classic value: a JSON-style string when quoted, otherwise the bare text.
fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        if let Ok(v) = serde_json::from_str::<String>(s) {
            return v;
        }
        return s[1..s.len() - 1].to_owned();
    }
    s.to_owned()
}

/// Reads a classic (v1) `yarn.lock`.
pub fn parse_classic(text: &str, found_in: &str) -> Collector {
    struct Entry {
        header: String,
        name: Option<String>,
        version: Option<String>,
    }
    fn finish(e: Entry, found_in: &str, c: &mut Collector) {
        let first = e.header.split(',').next().map(unquote).unwrap_or_default();
        let (spec_name, range) = split_spec(&first);
        if is_local(range) {
            return;
        }
        // An alias: `alias@npm:real@^1` installs `real`.
        let spec_name = match range.strip_prefix("npm:") {
            Some(inner) if inner.get(1..).is_some_and(|s| s.contains('@')) => split_spec(inner).0,
            _ => spec_name,
        };
        let name = e.name.as_deref().unwrap_or(spec_name);
        match e.version {
            Some(v) => c.add(name, &v, found_in, None, Vec::new()),
            None => c.skip(&e.header),
        }
    }

    let mut c = Collector::default();
    let mut current: Option<Entry> = None;
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            if let Some(e) = current.take() {
                finish(e, found_in, &mut c);
            }
            match line.trim_end().strip_suffix(':') {
                Some(header) => {
                    current = Some(Entry {
                        header: header.to_owned(),
                        name: None,
                        version: None,
                    });
                }
                None => c.skip(line),
            }
            continue;
        }
        if indent != 2 {
            continue;
        }
        let Some(e) = current.as_mut() else {
            continue;
        };
        let (key, value) = trimmed.split_once([' ', ':']).unwrap_or((trimmed, ""));
        let value = value.trim_start_matches(':');
        match unquote(key).as_str() {
            "version" => e.version = Some(unquote(value)),
            "name" => e.name = Some(unquote(value)),
            _ => {}
        }
    }
    if let Some(e) = current.take() {
        finish(e, found_in, &mut c);
    }
    c
}

/// Reads a berry (v2+) `yarn.lock`.
pub fn parse_berry(text: &str, found_in: &str) -> Result<Collector, String> {
    let docs = yaml::load(text)?;
    let Some(doc) = docs.first() else {
        return Ok(Collector::default());
    };
    let entries = doc
        .as_map()
        .ok_or_else(|| "yarn.lock is not a YAML mapping".to_owned())?;
    let mut c = Collector::default();
    for (key, entry) in entries {
        if key == "__metadata" {
            continue;
        }
        let Some(resolution) = entry.get("resolution").and_then(Node::as_str) else {
            c.skip(key);
            continue;
        };
        let (name, reference) = split_spec(resolution);
        if is_local(reference) {
            continue;
        }
        let version = match reference.strip_prefix("npm:") {
            Some(v) => Some(v),
            None => entry.get("version").and_then(Node::as_str),
        };
        match version {
            Some(v) => c.add(name, v, found_in, None, Vec::new()),
            None => c.skip(key),
        }
    }
    Ok(c)
}

/// Reads a `yarn.lock` of either format.
pub fn parse_yarn_lock(text: &str, found_in: &str) -> Result<Collector, String> {
    if is_berry(text) {
        if text.len() as u64 > YARN_BERRY_LIMIT {
            return Err(format!(
                "berry lockfile of {} bytes is over the {YARN_BERRY_LIMIT}-byte limit",
                text.len()
            ));
        }
        parse_berry(text, found_in)
    } else {
        Ok(parse_classic(text, found_in))
    }
}

/// The packages of a `yarn.lock` (for tests and tools).
pub fn yarn_lock_packages(text: &str, found_in: &str) -> Result<Vec<Package>, String> {
    parse_yarn_lock(text, found_in).map(Collector::into_packages)
}

/// Reads `yarn.lock` (`yarn-lock`).
#[derive(Debug, Default, Clone, Copy)]
pub struct YarnLockAnalyzer;

impl YarnLockAnalyzer {
    pub fn new() -> Self {
        YarnLockAnalyzer
    }
}

impl Analyzer for YarnLockAnalyzer {
    fn id(&self) -> &'static str {
        "yarn-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/yarn.lock"],
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
        let bytes = file.read_to_end_limited(YARN_LOCK_LIMIT)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| AnalyzeError::Malformed {
            path: path.clone(),
            message: format!("yarn.lock is not UTF-8: {e}"),
        })?;
        let c = parse_yarn_lock(text, &path).map_err(|message| AnalyzeError::Malformed {
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
    fn specs() {
        assert_eq!(split_spec("@babel/core@^7"), ("@babel/core", "^7"));
        assert_eq!(split_spec("a@npm:b@^1"), ("a", "npm:b@^1"));
        assert_eq!(split_spec("a"), ("a", ""));
    }

    #[test]
    fn classic_alias_local_and_name_field() {
        let text = "# yarn lockfile v1\n\n\
            \"case-alias@npm:case@^1.6.3\":\n  version \"1.6.3\"\n\n\
            local@file:../local:\n  version \"1.0.0\"\n\n\
            \"@s/x@^1\", \"@s/x@^1.1\":\n  version: 1.1.0\n  dependencies:\n    version \"9\"\n\n\
            renamed@^1:\n  name \"real-name\"\n  version \"2.0.0\"\n\n\
            noversion@^1:\n  resolved \"x\"\n";
        let c = parse_classic(text, "yarn.lock");
        assert_eq!(c.skipped, 1);
        let got: Vec<_> = c
            .into_packages()
            .into_iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(got, ["@s/x@1.1.0", "case@1.6.3", "real-name@2.0.0"]);
    }
}
