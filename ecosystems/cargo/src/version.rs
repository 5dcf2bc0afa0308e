//! Semantic Versioning 2.0 (<https://semver.org>) with Cargo's requirement syntax, via the
//! `semver` crate (the one Cargo itself uses, so requirements match exactly as Cargo does).
//!
//! Parsing is strict Semantic Versioning 2.0: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`, no `v` prefix, no
//! leading zeros, no surrounding whitespace; numbers up to `u64::MAX`.
//!
//! Ordering is Semantic Versioning precedence: build metadata is ignored (`1.0.0+a` == `1.0.0+b`), a
//! prerelease sorts before its release, prerelease identifiers compare numerically when both
//! are numeric, numeric below alphanumeric, otherwise in ASCII order, and a shorter list of
//! equal identifiers first. (`semver::Version`'s own `Ord` also orders build metadata, to be a
//! total order on distinct strings; [`compare`](VersionScheme::compare) does not.)
//!
//! [`VersionScheme::satisfies`] reads Cargo requirements: `1.2` (caret, the default),
//! `^1.2.3`, `~1.2`, `=1.2.3`, `>=1.2, <1.5`, `1.*`, `*`. As in Cargo, a prerelease version
//! only matches a comparator that names a prerelease of the same `MAJOR.MINOR.PATCH`.

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "semver";

/// A Semantic Versioning 2.0 version.
pub type SemverVersion = semver::Version;

pub fn parse(s: &str) -> Result<SemverVersion, VersionError> {
    SemverVersion::parse(s).map_err(|e| VersionError::invalid(SCHEME, s, e.to_string()))
}

/// The `semver` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct SemverScheme;

impl VersionScheme for SemverScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(parse(a)?.cmp_precedence(&parse(b)?))
    }

    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let v = parse(version)?;
        let req = semver::VersionReq::parse(range).map_err(|e| VersionError::InvalidRange {
            scheme: SCHEME,
            range: range.chars().take(200).collect(),
            reason: e.to_string(),
        })?;
        Ok(req.matches(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_rules() {
        let c = |a, b| SemverScheme.compare(a, b).unwrap();
        assert_eq!(c("1.0.0-alpha", "1.0.0-alpha.1"), Ordering::Less);
        assert_eq!(c("1.0.0-alpha.1", "1.0.0-alpha.beta"), Ordering::Less);
        assert_eq!(c("1.0.0-beta.2", "1.0.0-beta.11"), Ordering::Less);
        assert_eq!(c("1.0.0-rc.1", "1.0.0"), Ordering::Less);
        assert_eq!(c("1.0.0+a", "1.0.0+b"), Ordering::Equal);
        assert_eq!(c("18446744073709551615.0.0", "1.0.0"), Ordering::Greater);
        assert!(SemverScheme.validate("v1.0.0").is_err());
        assert!(SemverScheme.validate("1.0").is_err());
        assert!(SemverScheme.validate("01.0.0").is_err());
        assert!(SemverScheme.satisfies("1.9.0", "1.2").unwrap());
        assert!(!SemverScheme.satisfies("2.0.0", "^1.2").unwrap());
        assert!(SemverScheme.satisfies("1.2.9", "~1.2.3").unwrap());
        assert!(SemverScheme.satisfies("1.4.0", ">=1.2, <1.5").unwrap());
        assert!(!SemverScheme.satisfies("1.3.0-beta", ">=1.2, <1.5").unwrap());
    }
}
