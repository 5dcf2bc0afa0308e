use serde::{Deserialize, Serialize};

use crate::{Digest, Severity, Status};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A finding hidden by an ignore rule or a VEX statement, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressedFinding {
    pub finding: Finding,
    /// Why: the ignore rule's reason, or the VEX status and justification.
    pub reason: String,
    /// Where the decision came from: `FILE:LINE` of an ignore rule, or the VEX document.
    pub source: String,
}
