//! Photon OS's CVE metadata (`photon`): one JSON document per release,
//! `https://packages.broadcom.com/photon/photon_cve_metadata/cve_data_photon{VERSION}.json`
//! (formerly under packages.vmware.com), e.g. `cve_data_photon4.0.json`.
//!
//! # Shape
//!
//! A flat array, one object per (vulnerability, package):
//!
//! ```json
//! {"cve_id": "CVE-2023-38545", "pkg": "curl", "cve_score": 9.8,
//!  "aff_ver": "all versions before 7.88.1-4.ph4 are vulnerable",
//!  "res_ver": "7.88.1-4.ph4", "status": "Fixed"}
//! ```
//!
//! # Decisions
//!
//! - **Namespace** `photon:{VERSION}` from the file name (`cve_data_photon4.0.json` →
//!   `photon:4.0`), the way vunnel and grype key Photon and the way os-release writes
//!   `VERSION_ID`. The document itself never names its release, so an input whose name does
//!   not carry it is refused rather than guessed.
//! - **Status**: `Not Affected` → not affected. Otherwise `res_ver` decides: an rpm version
//!   (`7.88.1-4.ph4`) → fixed below it; `NA` or empty → affected, no fix (vunnel reads a
//!   `Fixed` record with `res_ver: NA` the same way, as "no fixed version"); a `res_ver` rpm
//!   cannot read → indeterminate (never "safe"). A status naming "won't fix" → will not fix.
//!   `aff_ver` is prose that restates `res_ver` and is not read.
//! - **Severity** from `cve_score` (a CVSS base score; number or numeric string) in the
//!   CVSS v3 bands: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, > 0 low, 0 negligible, missing →
//!   unknown — vunnel's mapping, so the results agree with its snapshots.
//! - **Package names** are written as Photon's spec files name them: mostly source
//!   packages (`linux`, `linux-esx`), sometimes a binary (`curl-libs`); the matcher looks
//!   both names up.
//! - Ids other than CVEs (`BDSA-2025-0719`, Black Duck's) are kept: they are the vendor's
//!   statement of a fixed version even without a public record. (vunnel drops them.)
//! - The PHSA advisory ids live in the Photon wiki, not in this document, so
//!   `advisory_ids` stays empty.
//! - A record without `cve_id` or `pkg` (or with one that is not a short token) is skipped;
//!   repeated identical records are emitted once.

use std::collections::BTreeSet;
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use customs_rpm::RpmScheme;
use customs_version::VersionScheme;
use serde::Deserialize;

/// The feed kind.
pub const KIND: &str = "photon";
/// The largest document read. `cve_data_photon4.0.json` is a few MB today.
pub const MAX_BYTES: u64 = 256 << 20;
/// The longest id, package name or version kept.
pub const MAX_FIELD: usize = 256;

/// The releases fetched by default (those vunnel follows: 3.0 to 5.0).
pub const DEFAULT_VERSIONS: &[&str] = &["3.0", "4.0", "5.0"];
const URL_BASE: &str = "https://packages.broadcom.com/photon/photon_cve_metadata/";

/// Parses Photon's CVE metadata. Construct it as `PhotonCveParser::default()`.
#[derive(Debug, Clone)]
pub struct PhotonCveParser {
    max_bytes: u64,
}

impl Default for PhotonCveParser {
    fn default() -> Self {
        PhotonCveParser {
            max_bytes: MAX_BYTES,
        }
    }
}

impl PhotonCveParser {
    /// The same parser with another limit on the document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

/// One record as the document writes it; unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct Record {
    #[serde(default)]
    cve_id: Option<String>,
    #[serde(default)]
    pkg: Option<String>,
    #[serde(default)]
    cve_score: Option<serde_json::Value>,
    #[serde(default)]
    res_ver: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// `cve_data_photon4.0.json` → `4.0`.
pub fn release_of(file_name: &str) -> Option<&str> {
    let v = file_name
        .rsplit(['/', '!'])
        .next()?
        .strip_prefix("cve_data_photon")?
        .strip_suffix(".json")?;
    let (major, minor) = v.split_once('.')?;
    let num = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    (num(major) && num(minor)).then_some(v)
}

/// A CVSS base score to a severity, in the CVSS v3 bands.
pub fn severity_of_score(score: Option<f64>) -> Severity {
    match score {
        Some(s) if !(0.0..=10.0).contains(&s) => Severity::Unknown,
        Some(s) if s >= 9.0 => Severity::Critical,
        Some(s) if s >= 7.0 => Severity::High,
        Some(s) if s >= 4.0 => Severity::Medium,
        Some(s) if s > 0.0 => Severity::Low,
        Some(_) => Severity::Negligible,
        None => Severity::Unknown,
    }
}

fn score(v: Option<&serde_json::Value>) -> Option<f64> {
    match v? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn token(s: Option<&str>) -> Option<&str> {
    let s = s?.trim();
    (!s.is_empty()
        && s.len() <= MAX_FIELD
        && !s.contains(|c: char| c.is_whitespace() || c.is_control()))
    .then_some(s)
}

fn normalized(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl FeedParser for PhotonCveParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Photon OS CVE metadata (cve_data_photon*.json: fixed rpm versions per release)"
    }

    fn default_locations(&self) -> Vec<String> {
        DEFAULT_VERSIONS
            .iter()
            .map(|v| format!("{URL_BASE}cve_data_photon{v}.json"))
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let release = release_of(&input.file_name).ok_or_else(|| {
            FeedError::malformed(
                input,
                format!(
                    "cannot tell the Photon release from the file name {:?}: expected cve_data_photonX.Y.json",
                    input.file_name.chars().take(128).collect::<String>()
                ),
            )
        })?;
        let namespace = format!("photon:{release}");
        let mut bytes = Vec::new();
        body.take(self.max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| FeedError::io(input, e))?;
        if bytes.len() as u64 > self.max_bytes {
            return Err(FeedError::Limit {
                kind: input.kind.clone(),
                location: input.location.clone(),
                limit: self.max_bytes,
                what: "bytes in the document".into(),
            });
        }
        // serde_json refuses nesting deeper than 128 levels by itself.
        let records: Vec<Record> = serde_json::from_slice(&bytes).map_err(|e| {
            FeedError::malformed(input, format!("not an array of CVE records: {e}"))
        })?;
        let mut seen = BTreeSet::new();
        for r in &records {
            let (Some(id), Some(pkg)) = (token(r.cve_id.as_deref()), token(r.pkg.as_deref()))
            else {
                continue;
            };
            let status_text = normalized(r.status.as_deref().unwrap_or(""));
            let res_ver = r.res_ver.as_deref().map_or("", str::trim);
            let no_fix = res_ver.is_empty()
                || matches!(
                    res_ver.to_ascii_uppercase().as_str(),
                    "NA" | "N/A" | "NONE" | "-"
                );
            let (status, affected, fixed, notes) = if status_text == "notaffected" {
                (Status::NotAffected, AffectedRange::Nothing, None, None)
            } else if status_text.contains("wontfix") || status_text.contains("willnotfix") {
                (Status::WillNotFix, AffectedRange::All, None, None)
            } else if no_fix {
                (Status::Affected, AffectedRange::All, None, None)
            } else if let Some(v) = token(Some(res_ver))
                && RpmScheme.validate(v).is_ok()
            {
                (
                    Status::Fixed,
                    AffectedRange::LessThan(v.to_owned()),
                    Some(v.to_owned()),
                    None,
                )
            } else {
                (
                    Status::Indeterminate,
                    AffectedRange::All,
                    None,
                    Some(format!(
                        "unreadable fixed version {:?}",
                        res_ver.chars().take(64).collect::<String>()
                    )),
                )
            };
            if !seen.insert((id, pkg, status, fixed.clone())) {
                continue;
            }
            emit(Advisory {
                vulnerability_id: id.to_owned(),
                namespace: namespace.clone(),
                package: pkg.to_owned(),
                scheme: "rpm".into(),
                status,
                affected,
                fixed_version: fixed,
                severity: severity_of_score(score(r.cve_score.as_ref())),
                advisory_ids: Vec::new(),
                aliases: Vec::new(),
                notes,
                source: KIND.into(),
                record_id: format!("{id}/{pkg}"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_and_scores() {
        assert_eq!(release_of("cve_data_photon4.0.json"), Some("4.0"));
        assert_eq!(release_of("x.tar!cve_data_photon5.0.json"), Some("5.0"));
        assert_eq!(release_of("cve_data_photon4.json"), None);
        assert_eq!(release_of("cve_data_photon4.0.json.bak"), None);
        assert_eq!(release_of("cve_data_photonX.0.json"), None);
        assert_eq!(severity_of_score(Some(9.8)), Severity::Critical);
        assert_eq!(severity_of_score(Some(9.0)), Severity::Critical);
        assert_eq!(severity_of_score(Some(7.0)), Severity::High);
        assert_eq!(severity_of_score(Some(5.5)), Severity::Medium);
        assert_eq!(severity_of_score(Some(3.7)), Severity::Low);
        assert_eq!(severity_of_score(Some(0.0)), Severity::Negligible);
        assert_eq!(severity_of_score(Some(11.0)), Severity::Unknown);
        assert_eq!(severity_of_score(Some(f64::NAN)), Severity::Unknown);
        assert_eq!(severity_of_score(None), Severity::Unknown);
    }
}
