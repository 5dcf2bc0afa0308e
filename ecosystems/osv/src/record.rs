//! The OSV record fields customs reads (<https://ossf.github.io/osv-schema/>), and reading
//! records from one feed input.
//!
//! Only what matching and reporting need is kept: `id`, `withdrawn`, `aliases`, `severity`,
//! `database_specific.severity`, and per `affected[]` entry the package, its `ranges`, its
//! `versions` and its own `severity`. Everything else (`details`, `references`, `credits`,
//! `ecosystem_specific`, ...) is skipped while parsing, so a JSON input is never held as a
//! generic tree. Optional lists may be absent or `null` (`RustSec` writes `null`s).
//!
//! An input is one record (the layout of every advisory repository and of osv.dev's
//! `all.zip`), or a JSON array of records; YAML inputs may hold several documents, one record
//! each.

use serde::Deserialize;
use serde_json::Value;

use crate::yaml;

/// One OSV record.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
    #[serde(default)]
    pub severity: Option<Vec<SeverityScore>>,
    #[serde(default)]
    pub affected: Option<Vec<Affected>>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// An entry of `severity[]`: `{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/…"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct SeverityScore {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// One `affected[]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<PackageRef>,
    #[serde(default)]
    pub severity: Option<Vec<SeverityScore>>,
    #[serde(default)]
    pub ranges: Option<Vec<Range>>,
    #[serde(default)]
    pub versions: Option<Vec<String>>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Deserialize)]
pub struct PackageRef {
    pub ecosystem: String,
    pub name: String,
}

/// One range: `ECOSYSTEM`, `SEMVER` or `GIT`, and its events.
#[derive(Debug, Clone, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub events: Vec<RangeEvent>,
}

/// One event: an object with exactly one of these keys.
#[derive(Debug, Clone, Deserialize)]
pub struct RangeEvent {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

/// Whether a file name is an OSV record this parser reads (`.json`, `.yaml`, `.yml`);
/// archives and directories also hold licences, READMEs and the like, which are skipped.
pub fn is_record_file(file_name: &str) -> bool {
    extension_is(file_name, &["json", "yaml", "yml"])
}

fn is_yaml(file_name: &str) -> bool {
    extension_is(file_name, &["yaml", "yml"])
}

fn extension_is(file_name: &str, exts: &[&str]) -> bool {
    std::path::Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Reads the records of one input. `file_name` decides the encoding (YAML for `.yaml` and
/// `.yml`, JSON otherwise).
pub fn read_records(file_name: &str, bytes: &[u8]) -> Result<Vec<Record>, String> {
    if is_yaml(file_name) {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
        let docs = yaml::documents(text)?;
        return docs
            .into_iter()
            .filter(|d| !d.is_null())
            .map(|d| serde_json::from_value(d).map_err(|e| e.to_string()))
            .collect();
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        serde_json::from_slice::<Vec<Record>>(bytes).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Record>(bytes)
            .map(|r| vec![r])
            .map_err(|e| e.to_string())
    }
}
