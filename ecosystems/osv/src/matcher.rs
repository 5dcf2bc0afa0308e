//! Matching application packages against OSV advisories.
//!
//! A package of a customs ecosystem OSV covers (`pypi`, `npm`, `cargo`, `golang`, `maven`,
//! `gem`, `composer`, `nuget`) is looked up under its ecosystem with its name normalised as
//! the feed stores it (analyzers normalise already; doing it again costs nothing and keeps a
//! differently spelled name from missing its advisories). Versions are compared with the
//! ecosystem's own scheme; a version that scheme cannot read is `indeterminate`, never "not
//! affected".
//!
//! The Go standard library is the package `stdlib` in OSV, versioned without the `go` prefix
//! (`1.21.3`, prereleases as `1.21.0-rc.2`); an inventory may write the toolchain version Go
//! binaries record (`go1.21.3`, `go1.21rc2`), which is rewritten to that form.
//!
//! Version lists (`versions`) match by exact text first, then by the scheme's equality;
//! listed versions the scheme cannot read are skipped rather than making every installed
//! version indeterminate (real lists hold historic versions that predate the scheme's rules).

use std::cmp::Ordering;

use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, AffectedRange, Distro, Package};

use crate::convert::{by_namespace, normalize_name};

/// Matches application packages of every OSV ecosystem. A unit struct: `OsvMatcher`.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsvMatcher;

/// `go1.21.3` → `1.21.3`, `go1.21rc2` → `1.21.0-rc.2`, `go1.9beta1` → `1.9.0-beta.1`,
/// `go1.21` → `1.21.0`; anything else unchanged.
pub fn go_toolchain_version(v: &str) -> String {
    let Some(rest) = v.trim().strip_prefix("go") else {
        return v.trim().to_owned();
    };
    let (release, pre) = match rest.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let mut nums: Vec<&str> = release.split('.').collect();
    while nums.len() < 3 {
        nums.push("0");
    }
    let base = nums.join(".");
    match pre {
        Some(p) => {
            let split = p.find(|c: char| c.is_ascii_digit()).unwrap_or(p.len());
            let (word, n) = p.split_at(split);
            if n.is_empty() {
                format!("{base}-{word}")
            } else {
                format!("{base}-{word}.{n}")
            }
        }
        None => base,
    }
}

impl Matcher for OsvMatcher {
    fn id(&self) -> &'static str {
        "osv"
    }

    fn queries(&self, pkg: &Package, _distro: Option<&Distro>) -> Vec<Query> {
        let Some(eco) = by_namespace(&pkg.ecosystem) else {
            return Vec::new();
        };
        let package = normalize_name(eco.namespace, &pkg.name);
        if package.is_empty() {
            return Vec::new();
        }
        vec![Query {
            namespace: eco.namespace.to_owned(),
            package,
        }]
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        let Some(eco) = by_namespace(&adv.namespace) else {
            return Verdict::Indeterminate {
                reason: format!("osv: no version scheme for namespace {:?}", adv.namespace),
            };
        };
        let scheme = eco.scheme;
        let installed = if eco.namespace == "golang" && adv.package == "stdlib" {
            go_toolchain_version(&pkg.version)
        } else {
            pkg.version.trim().to_owned()
        };
        let AffectedRange::Versions(list) = &adv.affected else {
            return customs_version::evaluate(scheme, &installed, &adv.affected);
        };
        if let Err(e) = scheme.validate(&installed) {
            return Verdict::Indeterminate {
                reason: e.to_string(),
            };
        }
        let name = scheme.name();
        for v in list {
            if *v == installed || scheme.compare(&installed, v).ok() == Some(Ordering::Equal) {
                return Verdict::Affected {
                    condition: format!("{installed} = {v} ({name})"),
                };
            }
        }
        Verdict::NotAffected {
            reason: format!(
                "{installed} is not among the {} listed versions",
                list.len()
            ),
        }
    }

    /// GitHub's own records outrank osv.dev's copies of them.
    fn feed_precedence(&self, feed: &str) -> u32 {
        match feed {
            "ghsa" => 10,
            "osv" => 20,
            _ => 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_versions() {
        assert_eq!(go_toolchain_version("go1.21.3"), "1.21.3");
        assert_eq!(go_toolchain_version("go1.21"), "1.21.0");
        assert_eq!(go_toolchain_version("go1.21rc2"), "1.21.0-rc.2");
        assert_eq!(go_toolchain_version("go1.9beta1"), "1.9.0-beta.1");
        assert_eq!(go_toolchain_version("v1.21.3"), "v1.21.3");
        assert_eq!(go_toolchain_version("1.22.0"), "1.22.0");
    }
}
