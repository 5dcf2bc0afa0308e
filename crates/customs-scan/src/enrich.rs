//! Enrichment: CVSS, CWE, KEV and EPSS from the enrichment feeds, attached to findings, and
//! the choice of which severity a finding shows.

use customs_db::AdvisoryStore;
use customs_model::{Finding, Severity, VulnerabilityInfo};

use crate::ScanError;

/// Where a finding's severity comes from (`--severity-source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeveritySource {
    /// The deciding feed's rating (the distro's urgency or priority for OS packages, the
    /// advisory database's for application packages); CVSS only when the feed gives none.
    #[default]
    Auto,
    /// Only the deciding feed's rating, even when it is unknown.
    Vendor,
    /// The CVSS base score of the preferred scorer (NVD's own first), else the feed's rating.
    Cvss,
}

impl std::str::FromStr for SeveritySource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(SeveritySource::Auto),
            "vendor" => Ok(SeveritySource::Vendor),
            "cvss" | "nvd" => Ok(SeveritySource::Cvss),
            other => Err(format!(
                "unknown severity source {other:?}; expected auto, vendor or cvss"
            )),
        }
    }
}

/// Attaches what the enrichment feeds know about each finding's vulnerability (by its id and
/// aliases) and sets its severity according to `source`.
pub fn enrich(
    findings: &mut [Finding],
    store: &dyn AdvisoryStore,
    source: SeveritySource,
) -> Result<(), ScanError> {
    let mut cache: std::collections::HashMap<String, Option<VulnerabilityInfo>> =
        std::collections::HashMap::new();
    for f in findings.iter_mut() {
        let mut info: Option<VulnerabilityInfo> = None;
        for id in std::iter::once(&f.vulnerability_id).chain(&f.aliases) {
            if !cache.contains_key(id) {
                let found = store.vulnerability_info(id)?;
                cache.insert(id.clone(), found);
            }
            if let Some(found) = cache.get(id).cloned().flatten() {
                match info.as_mut() {
                    Some(i) => i.merge(found),
                    None => info = Some(found),
                }
            }
        }
        let vendor = f.severity;
        f.severity_source = Some("vendor".to_owned());
        let Some(info) = info else { continue };
        let cvss = info.preferred_cvss().cloned();
        f.cvss = info.cvss;
        f.cwes = info.cwes;
        f.kev = info.kev;
        f.epss = info.epss;
        let use_cvss = match source {
            SeveritySource::Vendor => false,
            SeveritySource::Auto => vendor == Severity::Unknown,
            SeveritySource::Cvss => true,
        };
        if use_cvss && let Some(c) = cvss {
            f.severity = c.severity();
            f.severity_source = Some(format!("cvss {} ({})", c.version, c.source));
        }
    }
    Ok(())
}
