//! Helpers shared by the interchange formats.

use std::collections::HashMap;

use customs_model::{Finding, Package, Report, Severity};
use sha2::{Digest as _, Sha256};

/// Packages by id, for the findings that point at them.
pub(crate) fn packages_by_id(report: &Report) -> HashMap<&str, &Package> {
    report.packages.iter().map(|p| (p.id.as_str(), p)).collect()
}

/// The document timestamp: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now, as
/// RFC 3339 UTC with second precision (what SPDX requires).
pub(crate) fn timestamp() -> String {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A name-based UUID (version 5 layout over a truncated SHA-256) of `parts`: the same parts,
/// the same id.
pub(crate) fn uuid_of(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let b = h.finalize();
    let mut u = [0u8; 16];
    u.copy_from_slice(&b[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    let x = hex::encode(u);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// The document id of a report in a format (`salt`): derived from the image and database
/// digests and the customs version, so the same inputs give the same id.
pub(crate) fn stable_uuid(report: &Report, salt: &str) -> String {
    let db = report
        .db
        .digest
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    uuid_of(&[
        salt,
        &report.artifact.digest.to_string(),
        &db,
        &report.customs_version,
    ])
}

/// A web page for a vulnerability id, when its namespace has a well-known one.
pub(crate) fn vuln_url(id: &str) -> Option<String> {
    if id.starts_with("CVE-") {
        Some(format!("https://nvd.nist.gov/vuln/detail/{id}"))
    } else if id.starts_with("GHSA-") {
        Some(format!("https://github.com/advisories/{id}"))
    } else if id.starts_with("DSA-") || id.starts_with("DLA-") {
        Some(format!("https://security-tracker.debian.org/tracker/{id}"))
    } else if id.starts_with("ALAS") {
        Some(format!("https://alas.aws.amazon.com/{id}.html"))
    } else if id.contains('-')
        && ["PYSEC-", "RUSTSEC-", "GO-", "OSV-"]
            .iter()
            .any(|p| id.starts_with(p))
    {
        Some(format!("https://osv.dev/vulnerability/{id}"))
    } else {
        None
    }
}

/// The numeric score code scanning uses to rank a severity (GitHub's `security-severity`),
/// the middle of each CVSS v3 band.
pub(crate) fn severity_score(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Negligible | Severity::Unknown => "0.0",
    }
}

/// A one-line human description of a finding.
pub(crate) fn describe(f: &Finding) -> String {
    match &f.fixed_version {
        Some(fixed) => format!(
            "{} {} is vulnerable to {} ({} severity); fixed in {fixed}.",
            f.package, f.installed_version, f.vulnerability_id, f.severity
        ),
        None => format!(
            "{} {} is vulnerable to {} ({} severity); status: {}.",
            f.package, f.installed_version, f.vulnerability_id, f.severity, f.status
        ),
    }
}

/// Whether a finding fails the gate at `threshold` (None: every finding fails).
pub(crate) fn fails(f: &Finding, threshold: Option<Severity>) -> bool {
    threshold.is_none_or(|t| f.severity >= t)
}
