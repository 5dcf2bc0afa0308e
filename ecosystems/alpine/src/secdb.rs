//! The Alpine security database (<https://secdb.alpinelinux.org>): one JSON file per branch
//! and repository (`v3.19/main.json`, `edge/community.json`), listing for each source package
//! the versions that fixed which vulnerabilities.
//!
//! Every `secfixes` entry becomes one advisory per vulnerability id: fixed in that version,
//! so versions below it are affected. A fix "in version 0" is Alpine's way of saying the
//! package was never affected: it becomes `not_affected`.

use std::collections::BTreeMap;
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use serde::Deserialize;

/// secdb files are a few hundred KiB; 64 MiB is far beyond any real one.
const MAX_BYTES: u64 = 64 << 20;

/// Branches published on secdb.alpinelinux.org.
const BRANCHES: &[&str] = &[
    "v3.2", "v3.3", "v3.4", "v3.5", "v3.6", "v3.7", "v3.8", "v3.9", "v3.10", "v3.11", "v3.12",
    "v3.13", "v3.14", "v3.15", "v3.16", "v3.17", "v3.18", "v3.19", "v3.20", "v3.21", "edge",
];

#[derive(Deserialize)]
struct SecDb {
    /// Absent from Wolfi's and Chainguard's files (they have one rolling branch).
    #[serde(default)]
    distroversion: String,
    #[serde(default)]
    reponame: String,
    #[serde(default)]
    packages: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    pkg: Pkg,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    #[serde(default)]
    secfixes: BTreeMap<String, Option<Vec<String>>>,
}

/// The `alpine-secdb` feed.
#[derive(Debug, Default, Clone, Copy)]
pub struct AlpineSecdbParser;

/// `v3.10` → `alpine:3.10`; `edge` → `alpine:edge`.
pub fn namespace(distroversion: &str) -> Option<String> {
    let v = distroversion.trim().trim_start_matches('v');
    let ok = v == "edge"
        || (v.split('.').count() == 2
            && v.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
    ok.then(|| format!("alpine:{v}"))
}

/// Vulnerability ids in a secfixes line: `CVE-2019-1547`, `CVE-2019-1549 CVE-2019-1563`,
/// sometimes followed by prose (`XSA-301 (some text)`). Tokens that look like ids are kept.
fn ids(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| {
            let mut parts = t.splitn(2, '-');
            let (Some(prefix), Some(rest)) = (parts.next(), parts.next()) else {
                return false;
            };
            prefix.len() >= 2
                && prefix.bytes().all(|b| b.is_ascii_uppercase())
                && !rest.is_empty()
                && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl FeedParser for AlpineSecdbParser {
    fn kind(&self) -> &'static str {
        "alpine-secdb"
    }

    fn description(&self) -> &'static str {
        "Alpine secdb: fixed versions per branch (main and community)"
    }

    fn default_locations(&self) -> Vec<String> {
        BRANCHES
            .iter()
            .flat_map(|b| {
                ["main", "community"].map(|r| format!("https://secdb.alpinelinux.org/{b}/{r}.json"))
            })
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        parse_secdb(input, body, "alpine-secdb", None, emit)
    }
}

/// Parses one secdb document for feed `kind`. With `fixed_namespace` (Wolfi, Chainguard:
/// one rolling branch, no `distroversion`) every advisory lands there; without it the
/// namespace is read from `distroversion` (Alpine).
pub(crate) fn parse_secdb(
    input: &FeedInput,
    body: &mut dyn Read,
    kind: &str,
    fixed_namespace: Option<&str>,
    emit: &mut dyn FnMut(Advisory),
) -> Result<(), FeedError> {
    let mut bytes = Vec::new();
    body.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FeedError::io(input, e))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(FeedError::Limit {
            kind: input.kind.clone(),
            location: input.location.clone(),
            limit: MAX_BYTES,
            what: "bytes in one secdb file".into(),
        });
    }
    let db: SecDb =
        serde_json::from_slice(&bytes).map_err(|e| FeedError::malformed(input, e.to_string()))?;
    let ns = match fixed_namespace {
        Some(ns) => ns.to_owned(),
        None => namespace(&db.distroversion).ok_or_else(|| {
            FeedError::malformed(
                input,
                format!(
                    "distroversion {:?} is not a branch such as v3.19 or edge",
                    db.distroversion
                ),
            )
        })?,
    };
    let branch = if db.distroversion.is_empty() {
        ns.as_str()
    } else {
        db.distroversion.as_str()
    };
    for entry in db.packages {
        let name = entry.pkg.name;
        for (version, lines) in entry.pkg.secfixes {
            let version = version.trim().to_owned();
            let never = version == "0";
            for line in lines.unwrap_or_default() {
                for id in ids(&line) {
                    emit(Advisory {
                        vulnerability_id: id.to_owned(),
                        namespace: ns.clone(),
                        package: name.clone(),
                        scheme: "apk".into(),
                        status: if never {
                            Status::NotAffected
                        } else {
                            Status::Fixed
                        },
                        affected: if never {
                            AffectedRange::Nothing
                        } else {
                            AffectedRange::LessThan(version.clone())
                        },
                        fixed_version: (!never).then(|| version.clone()),
                        severity: Severity::Unknown,
                        advisory_ids: Vec::new(),
                        notes: None,
                        source: kind.to_owned(),
                        record_id: format!("{branch}/{}/{name}/{version}", db.reponame),
                        aliases: Vec::new(),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
        let input = FeedInput {
            kind: "alpine-secdb".into(),
            location: "t.json".into(),
            file_name: "t.json".into(),
        };
        let mut out = Vec::new();
        AlpineSecdbParser.parse(&input, &mut &bytes[..], &mut |a| out.push(a))?;
        Ok(out)
    }

    #[test]
    fn real_branch_and_independent_count() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/feeds/alpine-secdb/json/v3.10/main.json"
        );
        let bytes = std::fs::read(path).unwrap();
        let advisories = parse(&bytes).unwrap();
        // Independent count: every id-looking token in every secfixes line.
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let mut expected = 0;
        for p in v["packages"].as_array().unwrap() {
            for (_, lines) in p["pkg"]["secfixes"].as_object().unwrap() {
                for l in lines.as_array().into_iter().flatten() {
                    expected += l
                        .as_str()
                        .unwrap()
                        .split_whitespace()
                        .filter(|t| {
                            t.starts_with("CVE-") || t.starts_with("XSA-") || t.starts_with("GHSA-")
                        })
                        .count();
                }
            }
        }
        assert!(expected > 1000);
        assert!(
            advisories.len() >= expected,
            "{} < {expected}",
            advisories.len()
        );
        let ossl = advisories
            .iter()
            .find(|a| a.package == "openssl" && a.vulnerability_id == "CVE-2019-1547")
            .unwrap();
        assert_eq!(ossl.namespace, "alpine:3.10");
        assert_eq!(ossl.fixed_version.as_deref(), Some("1.1.1d-r0"));
    }

    #[test]
    fn version_zero_means_never_affected_and_bad_input_fails() {
        let a = parse(br#"{"distroversion":"v3.19","reponame":"main","packages":[{"pkg":{"name":"x","secfixes":{"0":["CVE-2020-1"],"1.2-r0":["CVE-2020-2 CVE-2020-3"]}}}]}"#).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(
            a.iter().filter(|a| a.status == Status::NotAffected).count(),
            1
        );
        assert!(parse(b"{").is_err());
        assert!(parse(br#"{"distroversion":"nope","packages":[]}"#).is_err());
        assert!(parse(br#"{"distroversion":"v3.1","packages":[{"pkg":{"name":1}}]}"#).is_err());
    }
}
