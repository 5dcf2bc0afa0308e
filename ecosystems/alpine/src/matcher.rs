//! Matching apk packages against the Alpine secdb of the image's branch, by origin (the
//! source package secdb is keyed by).

use customs_apk::ApkScheme;
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, Status};

/// Matches `apk` packages of Alpine images.
#[derive(Debug, Default, Clone, Copy)]
pub struct AlpineMatcher;

/// `3.10.3` → `3.10`; development snapshots (`3.19_alpha20231104`, `edge`) → `edge`.
fn branch(version: &str) -> Option<String> {
    if version.is_empty() || version.contains("_alpha") || version == "edge" {
        return Some("edge".into());
    }
    let mut parts = version.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    (major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
        && !minor.is_empty())
    .then(|| format!("{major}.{minor}"))
}

impl Matcher for AlpineMatcher {
    fn id(&self) -> &'static str {
        "alpine"
    }

    fn queries(&self, pkg: &Package, distro: Option<&Distro>) -> Vec<Query> {
        let Some(d) = distro else { return Vec::new() };
        if pkg.ecosystem != "apk" || d.family != "alpine" {
            return Vec::new();
        }
        let Some(b) = branch(&d.version) else {
            return Vec::new();
        };
        vec![Query {
            namespace: format!("alpine:{b}"),
            package: pkg.source_or_name().to_owned(),
        }]
    }

    fn verdict(&self, pkg: &Package, adv: &Advisory) -> Verdict {
        if adv.status == Status::NotAffected {
            return Verdict::NotAffected {
                reason: "alpine-secdb: fixed in 0 (never affected)".into(),
            };
        }
        customs_version::evaluate(&ApkScheme, &pkg.version, &adv.affected)
    }

    fn verdict_key<'p>(&self, pkg: &'p Package) -> Option<&'p str> {
        Some(&pkg.version)
    }
}

#[cfg(test)]
mod tests {
    use super::branch;

    #[test]
    fn branches() {
        assert_eq!(branch("3.10.3").as_deref(), Some("3.10"));
        assert_eq!(branch("3.19_alpha20231104").as_deref(), Some("edge"));
        assert_eq!(branch("garbage"), None);
    }
}
