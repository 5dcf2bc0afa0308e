//! Matching rpm packages of RHEL (and UBI), `CentOS`, Rocky Linux and `AlmaLinux` images.
//!
//! **Lookups.** Red Hat's OVAL keys advisories by *binary* package (`python3-lxml`), CSAF by
//! *source* package for fixes (`python-lxml`, from the `.src` build) and by component name,
//! source or binary, for unfixed issues. So each package is looked up under both its binary
//! name and its source rpm's name; records of one CVE found under both names are merged by
//! the scan into one finding.
//!
//! **Namespaces.** RHEL and UBI use `rhel:N` (N = the major release of `VERSION_ID`).
//! `CentOS` Linux and `CentOS` Stream use Red Hat's data too (`rhel:N`): `CentOS` had no security
//! feed of its own, rebuilt RHEL's sources, and Stream runs ahead of RHEL, so RHEL's fixed
//! versions are lower bounds it meets. Rocky Linux and `AlmaLinux` look up their own release
//! first (`rocky:N`, `almalinux:N`) **and** `rhel:N`: their feeds list only what they fixed
//! (no "will not fix", "affected" or "not affected" statements) and are incomplete, while
//! their packages are rebuilds of RHEL's with the same EVRs (plus suffixes such as
//! `.rocky.0.2` that sort higher), so RHEL's statements are valid for them. Feed precedence
//! makes their own feed decide whenever it covers a CVE.
//!
//! **Feed precedence** (lower wins, per CVE and package): the distro's own feed
//! (`rocky-oval`, `alma-oval`) 0, `redhat-csaf` 1, `redhat-oval` 2. CSAF wins over OVAL
//! because it says more: it carries "will not fix", "fix deferred", "affected" (no fix yet)
//! and "not affected" per package and release, where OVAL only lists released fixes, so an
//! unfixed CVE is absent from OVAL; and CSAF lists every z-stream fix of a release.
//!
//! **Versions.** The rpm order (`RpmScheme`), an absent epoch being 0. A CVE fixed in
//! several minor-release streams (`7.76.1-23.el9_2.4` for 9.2, `7.76.1-26.el9_3.2` for 9.3)
//! is judged against the fix of the installed build's own z-stream when the vendor released
//! one ([`crate::util::applicable_fix`]), so a backport on an older stream is never reported
//! once installed ≥ its fix; otherwise against the newest fix.
//!
//! **Module streams.** A package built for a module stream (purl qualifier
//! `modularitylabel=NAME:STREAM:VERSION:CONTEXT`) is looked up only under
//! `NAME:STREAM/PACKAGE` keys and so matches only advisories of its stream; a package
//! without the label never matches module advisories.
//!
//! **Architectures.** When the data restricts a fix to architectures (OVAL `arch` states,
//! CSAF fixes listed only for some binary builds), a package of another architecture is not
//! affected by it. `noarch` packages and packages with unknown architecture are not
//! filtered.
//!
//! Not evaluated: OVAL's "signed with Red Hat key" criterion (customs records no signature).

use std::cmp::Ordering;

use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, AffectedRange, Distro, Package, Purl, Status};
use customs_rpm::RpmVersion;

use crate::util::{
    applicable_fix, fixes_of, module_stream, note_value, package_key, split_package_key,
};

/// Matches `rpm` packages of RHEL, UBI, `CentOS`, Rocky Linux and `AlmaLinux` images against the
/// Red Hat, Rocky and `AlmaLinux` feeds. Construct it as `RhelMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RhelMatcher;

/// Whether an rpm EVR is a modular build (`.module+el8.8.0+...`, `AlmaLinux`'s `.module_el8...`).
fn is_module_build(evr: &str) -> bool {
    evr.contains(".module+el") || evr.contains(".module_el")
}

/// The module stream (`NAME:STREAM`) of an rpm package, from its purl's `modularitylabel`.
pub fn package_module(pkg: &Package) -> Option<String> {
    let (_, parts) = Purl::parse(pkg.purl.as_str()).ok()?;
    module_stream(parts.qualifier("modularitylabel")?)
}

/// The namespaces an image's packages are looked up in, own release first.
pub fn namespaces(distro: &Distro) -> Vec<String> {
    let major: String = distro
        .version
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if major.is_empty() {
        return Vec::new();
    }
    let own = match (distro.family.as_str(), distro.id.as_str()) {
        ("rocky", _) | (_, "rocky") => Some("rocky"),
        ("almalinux", _) | (_, "almalinux") => Some("almalinux"),
        ("rhel" | "centos", _) => None,
        _ => return Vec::new(),
    };
    own.map(|o| format!("{o}:{major}"))
        .into_iter()
        .chain(std::iter::once(format!("rhel:{major}")))
        .collect()
}

impl Matcher for RhelMatcher {
    fn id(&self) -> &'static str {
        "rhel"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(distro) = distro else {
            return Vec::new();
        };
        if pkg.ecosystem != "rpm" {
            return Vec::new();
        }
        let module = package_module(pkg);
        let mut names = vec![pkg.name.as_str()];
        if let Some(src) = pkg.source_name.as_deref()
            && src != pkg.name
        {
            names.push(src);
        }
        let mut out = Vec::new();
        for namespace in namespaces(distro) {
            for name in &names {
                out.push(Query {
                    namespace: namespace.clone(),
                    package: package_key(name, module.as_deref()),
                });
            }
        }
        out
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        let (adv_module, adv_name) = split_package_key(&adv.package);
        let pkg_module = package_module(pkg);
        if adv_module != pkg_module.as_deref() {
            return Verdict::NotAffected {
                reason: format!(
                    "module stream {} differs from the package's {}",
                    adv_module.unwrap_or("(none)"),
                    pkg_module.as_deref().unwrap_or("(none)")
                ),
            };
        }
        if adv.status == Status::NotAffected {
            return Verdict::NotAffected {
                reason: format!("{}: not affected", adv.source),
            };
        }
        // Rocky's OVAL lists some module updates without a module criterion, keyed by the
        // plain name; a fix that is a module build (`.module+el9.2.0+...`) says nothing about a
        // package that is not from a module.
        if pkg_module.is_none()
            && let Some(fix) = adv.fixed_version.as_deref()
            && is_module_build(fix)
        {
            return Verdict::NotAffected {
                reason: format!(
                    "{}: the fix {fix} is a module build; the package is not from a module",
                    adv.source
                ),
            };
        }
        if let (Some(arches), Some(arch)) = (note_value(adv.notes.as_deref(), "arch"), &pkg.arch)
            && arch != "noarch"
            && !arches.split('|').any(|a| a == arch)
        {
            return Verdict::NotAffected {
                reason: format!("the advisory covers {arches}, not {arch}"),
            };
        }
        // A record keyed by the binary name compares the binary EVR, one keyed by the source
        // name the source EVR (which carries the binary's epoch); they are normally equal.
        let installed = if adv_name == pkg.name {
            pkg.version.as_str()
        } else {
            pkg.source_version_or_version()
        };
        let Ok(installed_v) = RpmVersion::parse(installed) else {
            return Verdict::Indeterminate {
                reason: format!("unparseable rpm version {installed:?}"),
            };
        };
        match &adv.affected {
            AffectedRange::LessThan(_) | AffectedRange::Osv(_) => {
                let fixes = fixes_of(&adv.affected);
                let Some(fix) = applicable_fix(installed, &fixes) else {
                    return Verdict::Indeterminate {
                        reason: "the advisory lists no fixed version".to_owned(),
                    };
                };
                let Ok(fix_v) = RpmVersion::parse(fix) else {
                    return Verdict::Indeterminate {
                        reason: format!("unparseable fixed version {fix:?}"),
                    };
                };
                if installed_v.cmp(&fix_v) == Ordering::Less {
                    Verdict::Affected {
                        condition: format!("{installed} < {fix} (rpm)"),
                    }
                } else {
                    Verdict::NotAffected {
                        reason: format!("{installed} >= {fix} (rpm)"),
                    }
                }
            }
            other => customs_version::evaluate(&customs_rpm::RpmScheme, installed, other),
        }
    }

    fn feed_precedence(&self, feed: &str) -> u32 {
        match feed {
            "rocky-oval" | "alma-oval" => 0,
            "redhat-csaf" => 1,
            "redhat-oval" => 2,
            _ => 10,
        }
    }
}
