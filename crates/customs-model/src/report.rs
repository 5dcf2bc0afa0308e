use serde::{Deserialize, Serialize};

use crate::{Digest, Finding, Package, SuppressedFinding};

/// The version of the JSON report schema (docs/json-report.md). Bumped on any
/// incompatible change; additions of optional fields do not bump it.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The OS of the artifact, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOs {
    pub family: String,
    pub id: String,
    pub version: String,
    pub codename: Option<String>,
    pub pretty_name: Option<String>,
}

/// One layer of the artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLayer {
    pub diff_id: Digest,
    pub digest: Option<Digest>,
    pub created_by: Option<String>,
    pub size: Option<u64>,
}

/// What was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub name: String,
    /// The manifest digest when the transport has a manifest, else the config digest.
    pub digest: Digest,
    pub config_digest: Digest,
    #[serde(default)]
    pub repo_tags: Vec<String>,
    /// `NAME@DIGEST` references of the image in a registry (when pulled from one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repo_digests: Vec<String>,
    pub architecture: String,
    pub os_type: String,
    /// When the image was built (the config's `created`), as recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The user the container runs as (`config.User`); empty means root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposed_ports: Vec<String>,
    /// Names of the environment variables set in the image. Values are never reported: they
    /// often hold secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_names: Vec<String>,
    pub os: Option<ReportOs>,
    /// Package repositories the image declares (Red Hat content sets), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
    pub layers: Vec<ReportLayer>,
}

/// The vulnerability database the findings came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDb {
    pub digest: Option<Digest>,
    pub built_at: Option<String>,
}

/// A non-fatal problem met during the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDiagnostic {
    pub code: String,
    pub layer_diff_id: Option<Digest>,
    pub path: Option<String>,
    pub message: String,
}

/// One package upgrade and what it would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upgrade {
    pub package: String,
    pub ecosystem: String,
    pub installed_version: String,
    /// The lowest version that fixes every fixable finding of this package.
    pub fixed_version: String,
    /// Findings the upgrade removes, and the worst of them.
    pub removes: usize,
    pub worst: crate::Severity,
    /// The layer that brought the package in (upgrade it there, or in the base image).
    pub layer_diff_id: Option<Digest>,
}

/// Findings a layer brought in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerShare {
    pub diff_id: Digest,
    pub created_by: Option<String>,
    pub findings: usize,
    pub fixable: usize,
}

/// What would remove the most findings: package upgrades, and the layers findings came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Remediation {
    /// Upgrades, most findings removed first.
    pub upgrades: Vec<Upgrade>,
    /// Layers, most findings first (a base image's layers at the top say: rebuild on a newer
    /// base).
    pub layers: Vec<LayerShare>,
}

/// A whole scan result: the JSON report's root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub customs_version: String,
    pub artifact: Artifact,
    pub packages: Vec<Package>,
    pub findings: Vec<Finding>,
    /// Findings hidden by `.customsignore` rules or VEX statements; listed only when the
    /// user asks (`--show-suppressed`), omitted otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<SuppressedFinding>,
    pub diagnostics: Vec<ReportDiagnostic>,
    pub db: ReportDb,
    /// Which upgrades and layers account for the findings (computed after filtering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
}
