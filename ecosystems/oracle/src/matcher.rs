//! Matching rpm packages of Oracle Linux images against `oracle-elsa`, by binary package
//! name (ELSA lists every binary rpm).
//!
//! - An advisory whose `notes` read `arch: …` applies only to packages of those arches
//!   (`noarch` packages are built once for every arch: the restriction never excludes them).
//! - Ksplice fixes (`.ksplice` in the fixed release) apply only to installed Ksplice builds,
//!   and regular fixes only to regular builds: the two lines are versioned independently.

use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};
use customs_rpm::RpmScheme;

/// Matches `rpm` packages of Oracle Linux (`ol`) images. A unit struct: construct it as
/// `OracleMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct OracleMatcher;

/// `8.9` → `ol:8`.
pub fn namespace_of(version: &str) -> Option<String> {
    let major = version.trim().split('.').next().unwrap_or("");
    (!major.is_empty() && major.len() <= 3 && major.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("ol:{major}"))
}

fn is_ksplice(version: &str) -> bool {
    version.contains(".ksplice")
}

impl Matcher for OracleMatcher {
    fn id(&self) -> &'static str {
        "oracle"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(d) = distro else { return Vec::new() };
        if pkg.ecosystem != "rpm" || d.family != "ol" {
            return Vec::new();
        }
        namespace_of(&d.version)
            .map(|namespace| Query {
                namespace,
                package: pkg.name.clone(),
            })
            .into_iter()
            .collect()
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        if adv.status == Status::NotAffected {
            return Verdict::NotAffected {
                reason: format!("{}: not affected", adv.source),
            };
        }
        if let (Some(arches), Some(arch)) = (
            adv.notes.as_deref().and_then(|n| n.strip_prefix("arch: ")),
            pkg.arch.as_deref(),
        ) && arch != "noarch"
            && !arches.split(' ').any(|a| a == arch)
        {
            return Verdict::NotAffected {
                reason: format!("{}: fix for {arches} only, package is {arch}", adv.source),
            };
        }
        if let Some(fixed) = adv.fixed_version.as_deref()
            && is_ksplice(fixed) != is_ksplice(&pkg.version)
        {
            return Verdict::NotAffected {
                reason: format!(
                    "{}: {} applies to {} builds only",
                    adv.source,
                    fixed,
                    if is_ksplice(fixed) {
                        "Ksplice"
                    } else {
                        "regular (non-Ksplice)"
                    }
                ),
            };
        }
        customs_version::evaluate(&RpmScheme, &pkg.version, &adv.affected)
    }
}
