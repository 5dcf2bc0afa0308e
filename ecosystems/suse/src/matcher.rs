//! Matching rpm packages of SUSE images against `suse-oval`, by **binary** package name
//! (SUSE's OVAL lists every binary rpm: `kernel-default`, `krb5-32bit`, …).
//!
//! # Namespaces
//!
//! The feed keys each service pack on its own (`sles:15.5`), and `sles:15` is SLES 15 GA
//! (SP0) only — not "all of 15.x" — so the image's `VERSION_ID` picks exactly one namespace
//! and there is **no fallback** from `sles:15.5` to `sles:15`: the GA list has fixes built
//! for GA (`4.12.14-150.72.1`), which a 15.5 package (`5.14.21-150500…`) always passes, and
//! it lacks the CVEs found later, so falling back would only add noise or false comfort.
//!
//! | family          | `VERSION_ID` | namespace            |
//! |-----------------|--------------|----------------------|
//! | `sles`          | `15.5`       | `sles:15.5`          |
//! | `sles`          | `15` / `15.0`| `sles:15`            |
//! | `opensuse-leap` | `15.6`       | `opensuse-leap:15.6` |
//! | `sle-micro`     | `5.5`        | `sle-micro:5.5`      |
//!
//! SLES for SAP Applications images have family `sles` (see `customs-os-release`), which is
//! why the feed folds the SAP product into the `sles:` namespaces (at the lowest rank).

use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};
use customs_rpm::RpmScheme;

/// Matches `rpm` packages of SLES, SLE Micro and openSUSE Leap images. A unit struct:
/// construct it as `SuseMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SuseMatcher;

/// The feed namespace for a distro family and `VERSION_ID`: `("sles", "15.5")` →
/// `sles:15.5`, `("sles", "15.0")` → `sles:15`.
pub fn namespace_of(family: &str, version: &str) -> Option<String> {
    let prefix = match family {
        "sles" => "sles",
        "opensuse-leap" => "opensuse-leap",
        "sle-micro" => "sle-micro",
        _ => return None,
    };
    let v = version.trim();
    let mut parts = v.split('.');
    let major = parts.next().unwrap_or("");
    let minor = parts.next();
    let number = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !number(major) || minor.is_some_and(|m| !number(m)) {
        return None;
    }
    Some(match minor {
        // SLES GA is `sles:15`; Leap and Micro always name their minor (`15.0`, `6.0`).
        Some("0") if prefix == "sles" => format!("sles:{major}"),
        Some(m) => format!("{prefix}:{major}.{m}"),
        None => format!("{prefix}:{major}"),
    })
}

impl Matcher for SuseMatcher {
    fn id(&self) -> &'static str {
        "suse"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(d) = distro else { return Vec::new() };
        if pkg.ecosystem != "rpm" {
            return Vec::new();
        }
        namespace_of(&d.family, &d.version)
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
        customs_version::evaluate(&RpmScheme, &pkg.version, &adv.affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        assert_eq!(namespace_of("sles", "15.5").as_deref(), Some("sles:15.5"));
        assert_eq!(namespace_of("sles", "15").as_deref(), Some("sles:15"));
        assert_eq!(namespace_of("sles", "15.0").as_deref(), Some("sles:15"));
        assert_eq!(namespace_of("sles", "12.5").as_deref(), Some("sles:12.5"));
        assert_eq!(
            namespace_of("opensuse-leap", "15.6").as_deref(),
            Some("opensuse-leap:15.6")
        );
        assert_eq!(
            namespace_of("opensuse-leap", "15.0").as_deref(),
            Some("opensuse-leap:15.0")
        );
        assert_eq!(
            namespace_of("sle-micro", "5.5").as_deref(),
            Some("sle-micro:5.5")
        );
        assert_eq!(namespace_of("opensuse-tumbleweed", ""), None);
        assert_eq!(namespace_of("sles", ""), None);
        assert_eq!(namespace_of("sles", "15.5.1"), None);
        assert_eq!(namespace_of("sles", "15-SP5"), None);
        assert_eq!(namespace_of("rhel", "9.2"), None);
    }
}
