use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Severity, ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 6] = [
        Severity::Unknown,
        Severity::Negligible,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Negligible => "negligible",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown severity {s:?}; expected one of unknown, negligible, low, medium, high, critical"
                )
            })
    }
}

/// What a feed says about a package for a vulnerability, and what a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fixed in a known version; affected below it.
    Fixed,
    /// Affected, no fix available yet.
    Affected,
    /// The vendor decided not to fix (Debian `ignored`, Red Hat "Will not fix").
    WillNotFix,
    /// A fix is planned but postponed (Debian `postponed`, Red Hat "Fix deferred").
    FixDeferred,
    /// The release is out of support.
    EndOfLife,
    /// The vendor states the package is not affected.
    NotAffected,
    /// customs could not decide, e.g. a version it cannot parse. Never read as "safe".
    Indeterminate,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fixed => "fixed",
            Status::Affected => "affected",
            Status::WillNotFix => "will_not_fix",
            Status::FixDeferred => "fix_deferred",
            Status::EndOfLife => "end_of_life",
            Status::NotAffected => "not_affected",
            Status::Indeterminate => "indeterminate",
        }
    }

    pub const ALL: [Status; 7] = [
        Status::Fixed,
        Status::Affected,
        Status::WillNotFix,
        Status::FixDeferred,
        Status::EndOfLife,
        Status::NotAffected,
        Status::Indeterminate,
    ];
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL.into_iter().find(|v| v.as_str() == s.trim()).ok_or_else(|| {
            format!(
                "unknown status {s:?}; expected one of fixed, affected, will_not_fix, fix_deferred, end_of_life, not_affected, indeterminate"
            )
        })
    }
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OsvEvent {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// Which versions of a package an advisory covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum AffectedRange {
    /// Every version (no fix exists, or the vendor will not fix).
    All,
    /// Versions strictly lower than this one (OVAL "less than", a tracker's fixed version).
    LessThan(String),
    /// An OSV `ECOSYSTEM`/`SEMVER` range, events in the record's order.
    Osv(Vec<OsvEvent>),
    /// Exactly these versions.
    Versions(Vec<String>),
    /// No version (the vendor states "not affected").
    Nothing,
}

/// One vulnerability as it applies to one package in one namespace (a distro release or a
/// language ecosystem). This is the unit the store keeps and the matchers judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The vulnerability id: `CVE-2014-0160`, `GHSA-…`, `RUSTSEC-…`.
    pub vulnerability_id: String,
    /// Where the advisory applies: `debian:12`, `alpine:3.19`, `pypi`. (Never empty in a
    /// real advisory; the store leaves it, `package` and `source` out of its stored copy,
    /// whose row keys hold them, hence `default` and the skip when empty.)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// The package name as the feed keys it (the source package for distros).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub package: String,
    /// The version scheme that orders this package's versions: `deb`, `rpm`, `apk`, ...
    pub scheme: String,
    pub status: Status,
    pub affected: AffectedRange,
    pub fixed_version: Option<String>,
    pub severity: Severity,
    /// Vendor advisory ids (DSA-2896-1, DLA-…, RHSA-…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisory_ids: Vec<String>,
    /// Other ids of the same vulnerability (OSV `aliases`: the CVE of a GHSA record, ...);
    /// findings from records sharing an alias are merged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Free-text vendor notes, e.g. Debian's no-dsa reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The feed kind that produced the record, e.g. `debian-oval`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The record's id in its feed (an OVAL definition id, a tracker URL fragment).
    pub record_id: String,
}
