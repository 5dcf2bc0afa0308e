//! Matching rpm packages of CBL-Mariner / Azure Linux images against `mariner-oval`.
//!
//! Microsoft's OVAL names the package its SPEC builds (the source rpm name, which is also
//! the main binary's name), so a package is looked up by its own name and by its source
//! rpm's name; a record found by the source name is compared with the source version.

use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};
use customs_rpm::RpmScheme;

/// Matches `rpm` packages of `mariner` and `azurelinux` images. A unit struct: construct
/// it as `MarinerMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MarinerMatcher;

/// The namespace of a distro: `mariner` `2.0.20240123` → `mariner:2.0`, `azurelinux` `3.0`
/// → `azurelinux:3.0`.
pub fn namespace_of(distro: &Distro) -> Option<String> {
    let family = match distro.family.as_str() {
        "mariner" => "mariner",
        "azurelinux" => "azurelinux",
        _ => return None,
    };
    let mut parts = distro.version.trim().split('.');
    let major = parts
        .next()
        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))?;
    let minor = parts
        .next()
        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("0");
    Some(format!("{family}:{major}.{minor}"))
}

impl Matcher for MarinerMatcher {
    fn id(&self) -> &'static str {
        "mariner"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(d) = distro else { return Vec::new() };
        if pkg.ecosystem != "rpm" {
            return Vec::new();
        }
        let Some(namespace) = namespace_of(d) else {
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
                reason: format!("{}: not applicable", adv.source),
            };
        }
        let installed = if adv.package == pkg.name {
            pkg.version.as_str()
        } else {
            pkg.source_version_or_version()
        };
        customs_version::evaluate(&RpmScheme, installed, &adv.affected)
    }
}
