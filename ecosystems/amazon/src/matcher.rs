//! Matching rpm packages of Amazon Linux images against `amazon-alas`.
//!
//! ALAS records name binary packages, so a package is looked up by its own name, and also
//! by its source rpm's name (a binary built from a listed source that the page omits, e.g.
//! an arch-specific subpackage). A record found by the source name is compared with the
//! source version.
//!
//! Epochs: ALAS pages write `VERSION-RELEASE` without the epoch, and Amazon's rpms do carry
//! epochs (`bind` has 32). A fixed version without an epoch is read as having the installed
//! package's epoch; otherwise every `32:` package would sort above every fix.

use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, AffectedRange, Distro, Package, Status};
use customs_rpm::{RpmScheme, RpmVersion};

/// Matches `rpm` packages of Amazon Linux (`amzn`) images. A unit struct: construct it as
/// `AmazonMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct AmazonMatcher;

/// The namespace of an Amazon Linux `VERSION_ID`: `2` → `amzn:2`, `2023` or `2023.4.20240319`
/// → `amzn:2023`, `2022` → `amzn:2022`, Amazon Linux 1's `2018.03` → `amzn:1`.
pub fn namespace_of(version: &str) -> Option<String> {
    let major = version.trim().split('.').next().unwrap_or("");
    match major {
        "2" => Some("amzn:2".into()),
        "2022" => Some("amzn:2022".into()),
        "2023" => Some("amzn:2023".into()),
        m if m.len() == 4 && m.starts_with("20") && m.bytes().all(|b| b.is_ascii_digit()) => {
            // Amazon Linux AMI releases are named by date: 2015.09 … 2018.03.
            (m < "2022").then(|| "amzn:1".to_owned())
        }
        _ => None,
    }
}

/// `fixed` with `installed`'s epoch when `fixed` has none.
pub fn with_installed_epoch(installed: &str, fixed: &str) -> String {
    match (RpmVersion::parse(installed), RpmVersion::parse(fixed)) {
        (Ok(i), Ok(f)) if f.epoch.is_none() => match i.epoch {
            Some(e) => format!("{e}:{fixed}"),
            None => fixed.to_owned(),
        },
        _ => fixed.to_owned(),
    }
}

/// Evaluates an rpm range, reading a fixed version without an epoch as carrying the
/// installed epoch.
pub fn evaluate_rpm(installed: &str, affected: &AffectedRange) -> Verdict {
    let range = match affected {
        AffectedRange::LessThan(fixed) => {
            AffectedRange::LessThan(with_installed_epoch(installed, fixed))
        }
        other => other.clone(),
    };
    customs_version::evaluate(&RpmScheme, installed, &range)
}

impl Matcher for AmazonMatcher {
    fn id(&self) -> &'static str {
        "amazon"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(d) = distro else { return Vec::new() };
        if pkg.ecosystem != "rpm" || d.family != "amzn" {
            return Vec::new();
        }
        let Some(namespace) = namespace_of(&d.version) else {
            return Vec::new();
        };
        let mut out = vec![Query {
            namespace: namespace.clone(),
            package: pkg.name.clone(),
        }];
        if let Some(src) = pkg.source_name.as_deref()
            && src != pkg.name
        {
            out.push(Query {
                namespace,
                package: src.to_owned(),
            });
        }
        out
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        if adv.status == Status::NotAffected {
            return Verdict::NotAffected {
                reason: format!("{}: not affected", adv.source),
            };
        }
        let installed = if adv.package == pkg.name {
            pkg.version.as_str()
        } else {
            pkg.source_version_or_version()
        };
        evaluate_rpm(installed, &adv.affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_and_epochs() {
        assert_eq!(namespace_of("2").as_deref(), Some("amzn:2"));
        assert_eq!(namespace_of("2023").as_deref(), Some("amzn:2023"));
        assert_eq!(
            namespace_of("2023.4.20240319").as_deref(),
            Some("amzn:2023")
        );
        assert_eq!(namespace_of("2018.03").as_deref(), Some("amzn:1"));
        assert_eq!(namespace_of("3000"), None);
        assert_eq!(namespace_of("x"), None);
        assert_eq!(with_installed_epoch("32:9.11-1", "9.11-2"), "32:9.11-2");
        assert_eq!(with_installed_epoch("9.11-1", "9.11-2"), "9.11-2");
        assert_eq!(with_installed_epoch("1:9.11-1", "2:9.11-2"), "2:9.11-2");
    }
}
