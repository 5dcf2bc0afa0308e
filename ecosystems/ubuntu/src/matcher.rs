//! Matching dpkg packages of Ubuntu images against Ubuntu's feeds.
//!
//! # Lookups
//!
//! The namespace is `ubuntu:YY.MM` from the image's `VERSION_ID` (`22.04`), else its code
//! name (`jammy`). A package is looked up twice in it:
//!
//! - by its **source** package (dpkg `Source:`, recorded as `source_name`): the key of
//!   `ubuntu-osv`, compared with the source version (`source_version`, else the binary
//!   version);
//! - by its **binary** name: the key of `ubuntu-oval`, whose tests name binaries and compare
//!   the installed binary version.
//!
//! [`UbuntuMatcher::verdict`] checks that a record was found under the right key for its
//! feed (an OSV record must name the source, an OVAL record the binary), so a binary that
//! happens to share its name with an unrelated source package never matches that source's
//! records. Versions are compared with [`DebScheme`], so Ubuntu's backport suffixes order as
//! apt orders them: `1.20.0-1ubuntu0.1` > `1.20.0-1`, `2.35-0ubuntu3.4` >
//! `2.35-0ubuntu3.1`, and `~esm1` / `~22.04.1` sort below the same version without them.
//!
//! # Precedence
//!
//! `ubuntu-osv` (0) decides over `ubuntu-oval` (1) when both cover a vulnerability for a
//! package: OSV has every affected package per release, fixed or not, keyed by source, while
//! the USN OVAL only lists packages once a notice fixed them. OVAL is the fallback for
//! databases built from OVAL alone, and its USN ids still show on findings decided by OSV.
//!
//! # Kernels
//!
//! Kernel binaries carry the ABI and flavour in their *name* and the source version in
//! their version: `linux-image-5.15.0-91-generic` version `5.15.0-91.101`, source
//! `linux-signed` (or `linux-signed-hwe-6.5`, …); `linux-modules-*`, `linux-headers-*` and
//! `linux-libc-dev` come from `linux` (or `linux-aws`, …) with the same version. Ubuntu's
//! CVE data tracks the `linux*` sources, never `linux-signed*`, so a `linux-signed[-X]`
//! source is also looked up as `linux[-X]` (the signed image is the same build, so the
//! version compares directly). Meta packages (`linux-image-generic`, source `linux-meta*`,
//! version `5.15.0.91.88`) hold no code and their version is not a kernel version: they
//! are not matched. The USN OVAL tests kernels through the running kernel (`uname`), which
//! an image does not have, so kernel findings come from `ubuntu-osv` only.

use customs_dpkg::DebScheme;
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};

use crate::releases;

/// Matches `deb` packages of Ubuntu images, by source (`ubuntu-osv`) and binary
/// (`ubuntu-oval`) package, against the feeds of the image's release.
#[derive(Debug, Default, Clone, Copy)]
pub struct UbuntuMatcher;

/// The source names a package's OSV records may be keyed by.
fn source_keys(pkg: &Package) -> Vec<String> {
    let source = pkg.source_or_name();
    let mut keys = vec![source.to_owned()];
    if let Some(rest) = source.strip_prefix("linux-signed") {
        // `linux-signed` → `linux`, `linux-signed-hwe-6.5` → `linux-hwe-6.5`.
        keys.push(format!("linux{rest}"));
    }
    keys
}

fn is_kernel_meta(pkg: &Package) -> bool {
    pkg.source_or_name().starts_with("linux-meta")
}

impl Matcher for UbuntuMatcher {
    fn id(&self) -> &'static str {
        "ubuntu"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(distro) = distro else {
            return Vec::new();
        };
        if pkg.ecosystem != "deb" || distro.family != "ubuntu" || is_kernel_meta(pkg) {
            return Vec::new();
        }
        let namespace = releases::namespace(&distro.version)
            .or_else(|| distro.codename.as_deref().and_then(releases::namespace));
        let Some(namespace) = namespace else {
            return Vec::new();
        };
        let mut names = source_keys(pkg);
        if !names.iter().any(|n| n == &pkg.name) {
            names.push(pkg.name.clone());
        }
        names
            .into_iter()
            .map(|package| Query {
                namespace: namespace.clone(),
                package,
            })
            .collect()
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        if adv.status == Status::NotAffected {
            return Verdict::NotAffected {
                reason: format!("{}: not affected", adv.source),
            };
        }
        let (keyed_right, installed) = if adv.source == crate::oval::KIND {
            // The USN OVAL tests binary packages and their own versions.
            (adv.package == pkg.name, pkg.version.as_str())
        } else {
            (
                source_keys(pkg).contains(&adv.package),
                pkg.source_version_or_version(),
            )
        };
        if !keyed_right {
            return Verdict::NotAffected {
                reason: format!(
                    "{} record for {:?} does not name this package (binary {:?}, source {:?})",
                    adv.source,
                    adv.package,
                    pkg.name,
                    pkg.source_or_name()
                ),
            };
        }
        customs_version::evaluate(&DebScheme, installed, &adv.affected)
    }

    fn feed_precedence(&self, feed: &str) -> u32 {
        match feed {
            crate::osv::KIND => 0,
            crate::oval::KIND => 1,
            _ => 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use customs_model::{AffectedRange, PackageOrigin, Purl, Severity};

    use super::*;

    pub(crate) fn deb(name: &str, version: &str, source: &str, source_version: &str) -> Package {
        Package {
            id: name.into(),
            ecosystem: "deb".into(),
            name: name.into(),
            version: version.into(),
            arch: Some("amd64".into()),
            source_name: Some(source.into()),
            source_version: Some(source_version.into()),
            purl: Purl::new("deb", Some("ubuntu"), name, Some(version), &[]),
            layer_diff_id: None,
            found_in: "var/lib/dpkg/status".into(),
            origin: PackageOrigin::Installed,
            licenses: vec![],
            files: vec![],
            scope: None,
            provides: Vec::new(),
        }
    }

    fn jammy() -> Distro {
        Distro {
            id: "ubuntu".into(),
            family: "ubuntu".into(),
            version: "22.04".into(),
            codename: Some("jammy".into()),
            pretty_name: None,
            source_file: "etc/os-release".into(),
        }
    }

    fn adv(source: &str, package: &str, fixed: &str) -> Advisory {
        Advisory {
            vulnerability_id: "CVE-2021-3782".into(),
            namespace: "ubuntu:22.04".into(),
            package: package.into(),
            scheme: "deb".into(),
            status: Status::Fixed,
            affected: AffectedRange::LessThan(fixed.into()),
            fixed_version: Some(fixed.into()),
            severity: Severity::Medium,
            advisory_ids: vec!["USN-5614-1".into()],
            aliases: vec![],
            notes: None,
            source: source.into(),
            record_id: "x".into(),
        }
    }

    #[test]
    fn queries_source_and_binary_in_the_release() {
        let pkg = deb("libwayland-client0", "1.20.0-1", "wayland", "1.20.0-1");
        let q = UbuntuMatcher.queries(&pkg, Some(&jammy()));
        let names: Vec<_> = q
            .iter()
            .map(|q| (q.namespace.as_str(), q.package.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("ubuntu:22.04", "wayland"),
                ("ubuntu:22.04", "libwayland-client0")
            ]
        );
        // Code name only.
        let d = Distro {
            version: String::new(),
            ..jammy()
        };
        assert_eq!(
            UbuntuMatcher.queries(&pkg, Some(&d))[0].namespace,
            "ubuntu:22.04"
        );
        // Debian images are not ours.
        let d = Distro {
            family: "debian".into(),
            ..jammy()
        };
        assert!(UbuntuMatcher.queries(&pkg, Some(&d)).is_empty());
        assert!(UbuntuMatcher.queries(&pkg, None).is_empty());
    }

    #[test]
    fn backports_are_respected() {
        let osv = adv(crate::osv::KIND, "wayland", "1.20.0-1ubuntu0.1");
        let at = deb(
            "libwayland-client0",
            "1.20.0-1ubuntu0.1",
            "wayland",
            "1.20.0-1ubuntu0.1",
        );
        let below = deb("libwayland-client0", "1.20.0-1", "wayland", "1.20.0-1");
        assert!(matches!(
            UbuntuMatcher.verdict(&at, &osv),
            Verdict::NotAffected { .. }
        ));
        assert!(matches!(
            UbuntuMatcher.verdict(&below, &osv),
            Verdict::Affected { .. }
        ));
        // `ubuntu0.22.04.1` style: one below the fix is affected, the fix is not.
        let a = adv(
            crate::osv::KIND,
            "apparmor",
            "3.0.4-2ubuntu2.3ubuntu0.22.04.1",
        );
        let fixed = deb(
            "apparmor",
            "3.0.4-2ubuntu2.3ubuntu0.22.04.1",
            "apparmor",
            "3.0.4-2ubuntu2.3ubuntu0.22.04.1",
        );
        let prev = deb(
            "apparmor",
            "3.0.4-2ubuntu2.3",
            "apparmor",
            "3.0.4-2ubuntu2.3",
        );
        assert!(matches!(
            UbuntuMatcher.verdict(&fixed, &a),
            Verdict::NotAffected { .. }
        ));
        assert!(matches!(
            UbuntuMatcher.verdict(&prev, &a),
            Verdict::Affected { .. }
        ));
        // OVAL compares the binary name and version.
        let oval = adv(crate::oval::KIND, "libwayland-client0", "1.20.0-1ubuntu0.1");
        assert!(matches!(
            UbuntuMatcher.verdict(&below, &oval),
            Verdict::Affected { .. }
        ));
        assert!(matches!(
            UbuntuMatcher.verdict(&at, &oval),
            Verdict::NotAffected { .. }
        ));
        // An OVAL record of another binary found through the source key is not ours.
        let other = adv(crate::oval::KIND, "wayland", "9");
        assert!(matches!(
            UbuntuMatcher.verdict(&below, &other),
            Verdict::NotAffected { .. }
        ));
        // An OSV record found through the binary name of an unrelated source is not ours.
        let unrelated = adv(crate::osv::KIND, "libwayland-client0", "9");
        assert!(matches!(
            UbuntuMatcher.verdict(&below, &unrelated),
            Verdict::NotAffected { .. }
        ));
        assert!(
            UbuntuMatcher.feed_precedence("ubuntu-osv")
                < UbuntuMatcher.feed_precedence("ubuntu-oval")
        );
    }

    #[test]
    fn kernels() {
        let image = deb(
            "linux-image-5.15.0-91-generic",
            "5.15.0-91.101",
            "linux-signed",
            "5.15.0-91.101",
        );
        let q: Vec<_> = UbuntuMatcher
            .queries(&image, Some(&jammy()))
            .into_iter()
            .map(|q| q.package)
            .collect();
        assert_eq!(
            q,
            ["linux-signed", "linux", "linux-image-5.15.0-91-generic"]
        );
        let fix = adv(crate::osv::KIND, "linux", "5.15.0-92.102");
        assert!(matches!(
            UbuntuMatcher.verdict(&image, &fix),
            Verdict::Affected { .. }
        ));
        let old = adv(crate::osv::KIND, "linux", "5.15.0-91.101");
        assert!(matches!(
            UbuntuMatcher.verdict(&image, &old),
            Verdict::NotAffected { .. }
        ));
        let hwe = deb(
            "linux-image-6.5.0-14-generic",
            "6.5.0-14.14~22.04.1",
            "linux-signed-hwe-6.5",
            "6.5.0-14.14~22.04.1",
        );
        let q = UbuntuMatcher.queries(&hwe, Some(&jammy()));
        assert_eq!(q[1].package, "linux-hwe-6.5");
        let meta = deb(
            "linux-image-generic",
            "5.15.0.91.88",
            "linux-meta",
            "5.15.0.91.88",
        );
        assert!(UbuntuMatcher.queries(&meta, Some(&jammy())).is_empty());
    }
}
