use serde::{Deserialize, Serialize};

use crate::{CvssScore, Digest, Epss, Kev, Severity, Status};

/// Why a finding was made: which record and which comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchDetail {
    /// The record in the feed, e.g. `oval:org.debian:def:20140160`.
    pub record_id: String,
    /// The name the package was looked up by (source or binary name).
    pub matched_by: String,
    /// The condition that held, e.g. `1.0.1e-2+deb7u4 < 1.0.1e-2+deb7u5 (deb)`.
    pub condition: String,
}

/// A vulnerability found in a package of the scanned artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub vulnerability_id: String,
    pub package_id: String,
    /// The package's name (binary package name for OS packages).
    pub package: String,
    pub installed_version: String,
    pub fixed_version: Option<String>,
    pub status: Status,
    pub severity: Severity,
    pub layer_diff_id: Option<Digest>,
    /// The feed kind the deciding record came from.
    pub data_source: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisory_ids: Vec<String>,
    /// Other ids of the same vulnerability (a GHSA's CVE, an OSV record's aliases).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub detail: MatchDetail,
    /// Where `severity` came from: `vendor` (the deciding feed's record) or the CVSS source
    /// (`nvd@nist.gov`, ...) when `--severity-source` or a missing vendor rating chose CVSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    /// CVSS scores of the vulnerability (NVD and others), kept with their vectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<CvssScore>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<String>,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<Kev>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<Epss>,
}

/// A finding hidden by an ignore rule or a VEX statement, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressedFinding {
    pub finding: Finding,
    /// Why: the ignore rule's reason, or the VEX status and justification.
    pub reason: String,
    /// Where the decision came from: `FILE:LINE` of an ignore rule, or the VEX document.
    pub source: String,
}
