//! Matching rpm packages of Photon OS images against `photon`.
//!
//! Photon's document names packages as its spec files do — mostly the source package
//! (`linux`, `openssl`), sometimes a binary subpackage (`curl-libs`) — so each package is
//! looked up under its binary name and, when different, its source rpm's name; both carry
//! the same version-release in Photon's builds, so the installed version is compared
//! directly. The namespace is `photon:{VERSION_ID}` (`4.0`; a bare `4` reads as `4.0`).

use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};
use customs_rpm::RpmScheme;

/// Matches `rpm` packages of Photon OS images. A unit struct: construct it as
/// `PhotonMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct PhotonMatcher;

/// `4.0` → `photon:4.0`, `5` → `photon:5.0`; `None` for anything else.
pub fn namespace_of(version: &str) -> Option<String> {
    let v = version.trim();
    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
    let num = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    (num(major) && num(minor)).then(|| format!("photon:{major}.{minor}"))
}

impl Matcher for PhotonMatcher {
    fn id(&self) -> &'static str {
        "photon"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(d) = distro else { return Vec::new() };
        if pkg.ecosystem != "rpm" || d.family != "photon" {
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
            && !src.is_empty()
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
        customs_version::evaluate(&RpmScheme, &pkg.version, &adv.affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        assert_eq!(namespace_of("4.0").as_deref(), Some("photon:4.0"));
        assert_eq!(namespace_of("5").as_deref(), Some("photon:5.0"));
        assert_eq!(namespace_of("3.0.1"), None);
        assert_eq!(namespace_of(""), None);
        assert_eq!(namespace_of("x.0"), None);
    }
}
