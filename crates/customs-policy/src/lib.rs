//! Suppression: what a user (or a vendor) has decided about findings.
//!
//! Two sources, one outcome. A `.customsignore` file holds the user's own decisions
//! ([`IgnoreFile`]); VEX documents ([`VexDocument`]: `OpenVEX`, `CycloneDX` VEX, CSAF VEX) hold
//! statements such as "CVE-X does not affect package P". [`Suppressions::apply`] moves every
//! finding they cover out of the report's findings into `report.suppressed`, each with the
//! reason and where it came from, so `--show-suppressed` can list them and nothing is hidden
//! silently. Expired ignore rules no longer suppress; they are reported back so the CLI can
//! warn.
//!
//! Both inputs are untrusted files: each parser has a size limit ([`MAX_POLICY_BYTES`]) and
//! errors name the file.

use std::fmt::Write as _;

mod ignore;
mod purl_match;
mod vex;

pub use ignore::{IgnoreFile, IgnoreRule};
pub use purl_match::purl_matches;
pub use vex::{VexDocument, VexFormat, VexStatement, VexStatus};

use customs_model::{Finding, Package, Report, SuppressedFinding};

/// The largest ignore file or VEX document read.
pub const MAX_POLICY_BYTES: u64 = 32 << 20;

/// A policy file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {size} bytes is over the {limit}-byte limit for policy files")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("{path}: line {line}: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: not a VEX document customs understands: {message}")]
    Vex { path: String, message: String },
}

/// Reads a policy file under the size limit.
pub(crate) fn read_limited(path: &std::path::Path) -> Result<Vec<u8>, PolicyError> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let io = |source| PolicyError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    file.take(MAX_POLICY_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge {
            path: name,
            size: buf.len() as u64,
            limit: MAX_POLICY_BYTES,
        });
    }
    Ok(buf)
}

/// Every ignore file and VEX document given for one scan.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    pub ignore: Vec<IgnoreFile>,
    pub vex: Vec<VexDocument>,
}

/// What applying the suppressions did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Ignore rules past their expiry date (they suppressed nothing): `(file, vulnerability)`.
    pub expired: Vec<(String, String)>,
}

impl Suppressions {
    /// Why `finding` (in `package`) is suppressed, if it is: `(reason, source)`.
    pub fn decide(
        &self,
        finding: &Finding,
        package: Option<&Package>,
        image_digest: &str,
        today: jiff::civil::Date,
    ) -> Option<(String, String)> {
        for file in &self.ignore {
            if let Some(rule) = file
                .rules
                .iter()
                .find(|r| r.covers(finding, package, today))
            {
                let reason = rule
                    .reason
                    .clone()
                    .unwrap_or_else(|| "listed in the ignore file".to_owned());
                return Some((reason, format!("{}:{}", file.path, rule.line)));
            }
        }
        for doc in &self.vex {
            if let Some(st) = doc.statement_for(finding, package, image_digest) {
                let mut reason = format!("VEX: {}", st.status.as_str());
                if let Some(j) = &st.justification {
                    let _ = write!(reason, " ({j})");
                }
                if let Some(i) = &st.impact {
                    let _ = write!(reason, ": {i}");
                }
                return Some((reason, format!("{} ({})", doc.path, doc.format.as_str())));
            }
        }
        None
    }

    /// Moves suppressed findings of `report` to `report.suppressed`.
    pub fn apply(&self, report: &mut Report, today: jiff::civil::Date) -> Applied {
        let digest = report.artifact.digest.to_string();
        let packages: std::collections::HashMap<&str, &Package> =
            report.packages.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut kept = Vec::new();
        let mut suppressed = Vec::new();
        for f in std::mem::take(&mut report.findings) {
            let pkg = packages.get(f.package_id.as_str()).copied();
            match self.decide(&f, pkg, &digest, today) {
                Some((reason, source)) => suppressed.push(SuppressedFinding {
                    finding: f,
                    reason,
                    source,
                }),
                None => kept.push(f),
            }
        }
        drop(packages);
        report.findings = kept;
        report.suppressed.extend(suppressed);
        let mut expired = Vec::new();
        for file in &self.ignore {
            for r in &file.rules {
                if r.expires.is_some_and(|e| e < today) {
                    expired.push((format!("{}:{}", file.path, r.line), r.vulnerability.clone()));
                }
            }
        }
        Applied { expired }
    }
}
