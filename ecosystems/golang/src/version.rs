//! Go module versions, ordered exactly as `golang.org/x/mod/semver` (what the `go` command uses).
//!
//! A version is `vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`: `v1` and `v1.2` are shorthands
//! for `v1.0.0` and `v1.2.0`; no leading zeros; build metadata (`+incompatible`) is ignored in
//! comparisons. A version without the leading `v` (OSV writes Go versions that way) gets one.
//! Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.20191109021931-daa7c04131f5`)
//! are prereleases and so order by their timestamp among themselves and before the release
//! they precede, as Go intends; [`GoVersion::is_pseudo`] recognises them.
//!
//! Go has no range syntax of its own: [`VersionScheme::satisfies`] reads the generic one.

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "go";

/// A parsed Go module version, borrowing from the input.
#[derive(Debug, Clone, Copy)]
pub struct GoVersion<'a> {
    pub major: &'a str,
    pub minor: &'a str,
    pub patch: &'a str,
    /// Without its leading `-` (empty when absent).
    pub prerelease: &'a str,
    /// Without its leading `+` (empty when absent).
    pub build: &'a str,
}

fn parse_int(v: &str) -> Option<(&str, &str)> {
    let n = v.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (v.starts_with('0') && n != 1) {
        return None;
    }
    Some(v.split_at(n))
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

fn is_num(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_digit())
}

fn is_bad_num(v: &str) -> bool {
    is_num(v) && v.len() > 1 && v.starts_with('0')
}

/// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`; numeric ones without leading zeros
/// when `numeric_rule` (prereleases).
fn valid_idents(s: &str, numeric_rule: bool) -> bool {
    !s.is_empty()
        && s.split('.').all(|id| {
            !id.is_empty() && id.bytes().all(is_ident_char) && !(numeric_rule && is_bad_num(id))
        })
}

impl<'a> GoVersion<'a> {
    /// Parses like `semver.IsValid`, after adding a missing leading `v`.
    pub fn parse(s: &'a str) -> Result<Self, VersionError> {
        let err = || VersionError::invalid(SCHEME, s, "not a valid Go module version");
        let v = s.strip_prefix('v').unwrap_or(s);
        let (major, rest) = parse_int(v).ok_or_else(err)?;
        let mut out = GoVersion {
            major,
            minor: "0",
            patch: "0",
            prerelease: "",
            build: "",
        };
        if rest.is_empty() {
            return Ok(out);
        }
        let (minor, rest) = rest.strip_prefix('.').and_then(parse_int).ok_or_else(err)?;
        out.minor = minor;
        if rest.is_empty() {
            return Ok(out);
        }
        let (patch, mut rest) = rest.strip_prefix('.').and_then(parse_int).ok_or_else(err)?;
        out.patch = patch;
        if let Some(r) = rest.strip_prefix('-') {
            let end = r.find('+').unwrap_or(r.len());
            if !valid_idents(&r[..end], true) {
                return Err(err());
            }
            out.prerelease = &r[..end];
            rest = &r[end..];
        }
        if let Some(r) = rest.strip_prefix('+') {
            if !valid_idents(r, false) {
                return Err(err());
            }
            out.build = r;
            rest = "";
        }
        if rest.is_empty() { Ok(out) } else { Err(err()) }
    }

    /// Whether this is a pseudo-version (`golang.org/x/mod/module.IsPseudoVersion`): a
    /// prerelease whose last two identifiers are a 14-digit timestamp and a revision, with
    /// the base `vX.0.0-`, `vX.Y.Z-pre.0.` or `vX.Y.Z-0.`.
    pub fn is_pseudo(&self) -> bool {
        let pre = self.prerelease;
        let Some((head, rev)) = pre.rsplit_once('-') else {
            return false;
        };
        if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        let (base, stamp) = match head.rsplit_once('.') {
            Some((b, t)) => (Some(b), t),
            None => (None, head),
        };
        if stamp.len() != 14 || !is_num(stamp) {
            return false;
        }
        match base {
            None => self.minor == "0" && self.patch == "0",
            Some(b) => b == "0" || b.ends_with(".0"),
        }
    }
}

/// `compareInt`: numbers of any length.
fn compare_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Greater;
    }
    if y.is_empty() {
        return Ordering::Less;
    }
    let (mut xs, mut ys) = (x.split('.'), y.split('.'));
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(dx), Some(dy)) if dx == dy => {}
            (Some(dx), Some(dy)) => {
                return match (is_num(dx), is_num(dy)) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (true, true) => compare_int(dx, dy),
                    (false, false) => dx.cmp(dy),
                };
            }
        }
    }
}

impl Ord for GoVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_int(self.major, other.major)
            .then_with(|| compare_int(self.minor, other.minor))
            .then_with(|| compare_int(self.patch, other.patch))
            .then_with(|| compare_prerelease(self.prerelease, other.prerelease))
    }
}

impl PartialOrd for GoVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GoVersion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GoVersion<'_> {}

/// The `go` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct GoScheme;

impl VersionScheme for GoScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        GoVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(GoVersion::parse(a)?.cmp(&GoVersion::parse(b)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_rules() {
        let c = |a, b| GoScheme.compare(a, b).unwrap();
        assert_eq!(c("v1", "v1.0.0"), Ordering::Equal);
        assert_eq!(c("1.2.3", "v1.2.3"), Ordering::Equal);
        assert_eq!(c("v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
        assert_eq!(
            c("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"),
            Ordering::Less
        );
        assert_eq!(
            c("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"),
            Ordering::Greater
        );
        assert_eq!(
            c("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"),
            Ordering::Less
        );
        assert_eq!(c("v1.0.0-beta.11", "v1.0.0-beta.2"), Ordering::Greater);
        assert!(GoScheme.validate("v1.2-pre").is_err());
        assert!(GoScheme.validate("v01.2.3").is_err());
        assert!(
            GoVersion::parse("v0.0.0-20191109021931-daa7c04131f5")
                .unwrap()
                .is_pseudo()
        );
        assert!(
            GoVersion::parse("v1.2.4-0.20191109021931-daa7c04131f5")
                .unwrap()
                .is_pseudo()
        );
        assert!(
            GoVersion::parse("v1.2.4-pre.0.20191109021931-daa7c04131f5")
                .unwrap()
                .is_pseudo()
        );
        assert!(!GoVersion::parse("v1.2.4-pre.1").unwrap().is_pseudo());
    }
}
