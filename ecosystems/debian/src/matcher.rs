//! Matching dpkg packages against Debian's own feeds.

use customs_dpkg::DebScheme;
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};

/// Matches `deb` packages of Debian-family images by source package, against the feeds of
/// the image's own release, so Debian's backported fixes are respected.
#[derive(Debug, Default)]
pub struct DebianMatcher;

impl Matcher for DebianMatcher {
    fn id(&self) -> &'static str {
        "debian"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(distro) = distro else {
            return Vec::new();
        };
        if pkg.ecosystem != "deb" || distro.family != "debian" {
            return Vec::new();
        }
        let release = if distro.version.is_empty() {
            distro.codename.as_deref().unwrap_or("")
        } else {
            distro.version.as_str()
        };
        let Some(namespace) = crate::releases::namespace(release) else {
            return Vec::new();
        };
        vec![Query {
            namespace,
            package: pkg.source_or_name().to_owned(),
        }]
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        if adv.status == Status::NotAffected {
            return Verdict::NotAffected {
                reason: format!("{}: not affected", adv.source),
            };
        }
        // Feeds give the fixed version of the *source* package; binNMUs (+bN) change only
        // the binary version, so the source version is the one to compare.
        customs_version::evaluate(&DebScheme, pkg.source_version_or_version(), &adv.affected)
    }

    fn verdict_key<'p>(&self, pkg: &'p Package) -> Option<&'p str> {
        Some(pkg.source_version_or_version())
    }

    fn feed_precedence(&self, feed: &str) -> u32 {
        match feed {
            // The tracker has the richest statuses (no-dsa, postponed, ignored, undetermined).
            "debian-tracker" => 0,
            // DSA/DLA lists cover old releases the others no longer carry.
            "debian-dsa" => 1,
            "debian-oval" => 2,
            _ => 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use customs_model::{AffectedRange, PackageOrigin, Purl, Severity};

    use super::*;

    fn openssl(version: &str) -> Package {
        Package {
            id: "x".into(),
            ecosystem: "deb".into(),
            name: "libssl1.0.0".into(),
            version: version.into(),
            arch: Some("amd64".into()),
            source_name: Some("openssl".into()),
            source_version: Some(version.into()),
            purl: Purl::new("deb", Some("debian"), "libssl1.0.0", Some(version), &[]),
            layer_diff_id: None,
            found_in: "var/lib/dpkg/status".into(),
            origin: PackageOrigin::Installed,
            licenses: vec![],
            files: vec![],
            scope: None,
            provides: Vec::new(),
        }
    }

    fn heartbleed() -> Advisory {
        Advisory {
            vulnerability_id: "CVE-2014-0160".into(),
            namespace: "debian:7".into(),
            package: "openssl".into(),
            scheme: "deb".into(),
            status: Status::Fixed,
            affected: AffectedRange::LessThan("1.0.1e-2+deb7u5".into()),
            fixed_version: Some("1.0.1e-2+deb7u5".into()),
            severity: Severity::Unknown,
            advisory_ids: vec!["DSA-2896-1".into()],
            notes: None,
            source: "debian-dsa".into(),
            record_id: "DSA-2896-1".into(),
            aliases: Vec::new(),
        }
    }

    #[test]
    fn queries_by_source_in_the_image_release() {
        let distro = Distro {
            id: "debian".into(),
            family: "debian".into(),
            version: "7".into(),
            codename: Some("wheezy".into()),
            pretty_name: None,
            source_file: "etc/os-release".into(),
        };
        let q = DebianMatcher.queries(&openssl("1.0.1e-2+deb7u4"), Some(&distro));
        assert_eq!(
            q,
            vec![Query {
                namespace: "debian:7".into(),
                package: "openssl".into()
            }]
        );
        let ubuntu = Distro {
            family: "ubuntu".into(),
            ..distro
        };
        assert!(
            DebianMatcher
                .queries(&openssl("1"), Some(&ubuntu))
                .is_empty()
        );
    }

    #[test]
    fn verdicts() {
        assert!(matches!(
            DebianMatcher.verdict(&openssl("1.0.1e-2+deb7u4"), &heartbleed()),
            Verdict::Affected { .. }
        ));
        assert!(matches!(
            DebianMatcher.verdict(&openssl("1.0.1e-2+deb7u5"), &heartbleed()),
            Verdict::NotAffected { .. }
        ));
        assert!(matches!(
            DebianMatcher.verdict(&openssl("garbage!"), &heartbleed()),
            Verdict::Indeterminate { .. }
        ));
    }
}
