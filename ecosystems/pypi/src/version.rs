//! PEP 440 versions and specifiers (<https://packaging.python.org/en/latest/specifications/version-specifiers/>),
//! via the `pep440_rs` crate, differential-tested against the Python Packaging Authority's `packaging` (what `pip` uses).
//!
//! Parsing is `packaging`'s: case-insensitive, surrounding whitespace and a leading `v`
//! allowed, alternative spellings normalised (`1.0alpha1` = `1.0a1`, `1.0-1` = `1.0.post1`,
//! `1.0c1` = `1.0rc1`). Ordering: epoch, release (trailing zeros ignored: `1.0` == `1.0.0`),
//! then dev < pre (a < b < rc) < final < post, then the local label (`1.0+local` > `1.0`).
//!
//! [`VersionScheme::satisfies`] reads PEP 440 specifiers (`>=1.0,<2`, `~=1.4.2`, `==1.*`,
//! `!=1.3`, `===x`), all of which must hold. Pre-releases are never excluded: the question
//! is "is this installed version in the set", as `SpecifierSet.contains(v, prereleases=True)`.

use std::cmp::Ordering;
use std::str::FromStr;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "pep440";

/// A PEP 440 version (`pep440_rs::Version`: `Ord`, `Eq` and `Hash` follow PEP 440).
pub type Pep440Version = pep440_rs::Version;

/// Parses a version as `packaging.version.Version` does.
pub fn parse(s: &str) -> Result<Pep440Version, VersionError> {
    Pep440Version::from_str(s).map_err(|e| VersionError::invalid(SCHEME, s, e.to_string()))
}

/// A PEP 440 version specifier, parsed as `packaging.specifiers.Specifier` does.
#[derive(Debug, Clone)]
pub enum Pep440Specifier {
    /// `===X`: the version string itself, compared case-insensitively.
    Arbitrary(String),
    /// `==V.*` (or `!=V.*` when `negated`): every version with V's release as a prefix.
    Prefix {
        version: Pep440Version,
        negated: bool,
    },
    /// The other operators.
    Compare {
        op: Op,
        version: Pep440Version,
        has_local: bool,
    },
}

/// A comparison operator of [`Pep440Specifier::Compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equal,
    NotEqual,
    Compatible,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

/// Python's `str.isspace` (what `\s` and `str.strip()` use): Unicode `White_Space` plus the
/// information separators U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn range_error(range: &str, reason: &str) -> VersionError {
    VersionError::InvalidRange {
        scheme: SCHEME,
        range: range.chars().take(200).collect(),
        reason: reason.to_owned(),
    }
}

/// `v?(N!)?N(.N)*`: what may stand before `.*`.
fn is_prefix_base(s: &str) -> bool {
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let s = match s.split_once('!') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => rest,
        Some(_) => return false,
        None => s,
    };
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl Pep440Specifier {
    /// Parses one specifier (`>=1.0`, `== 1.2.*`, `~=2.2`, `===foo`).
    pub fn parse(spec: &str) -> Result<Self, VersionError> {
        let t = spec.trim_matches(py_space);
        if let Some(rest) = t.strip_prefix("===") {
            let arbitrary = rest.trim_start_matches(py_space);
            if arbitrary.is_empty() || arbitrary.contains(|c| py_space(c) || c == ';' || c == ')') {
                return Err(range_error(spec, "invalid arbitrary (===) version"));
            }
            return Ok(Pep440Specifier::Arbitrary(arbitrary.to_owned()));
        }
        let (op, rest) = [
            ("==", Op::Equal),
            ("!=", Op::NotEqual),
            ("~=", Op::Compatible),
            ("<=", Op::LessEqual),
            (">=", Op::GreaterEqual),
            ("<", Op::Less),
            (">", Op::Greater),
        ]
        .iter()
        .find_map(|(p, op)| t.strip_prefix(p).map(|rest| (*op, rest)))
        .ok_or_else(|| range_error(spec, "unknown operator"))?;
        let vstr = rest.trim_start_matches(py_space);
        if vstr.is_empty() || vstr.contains(py_space) {
            return Err(range_error(spec, "missing or malformed version"));
        }
        if let Some(base) = vstr.strip_suffix(".*") {
            if !matches!(op, Op::Equal | Op::NotEqual) || !is_prefix_base(base) {
                return Err(range_error(
                    spec,
                    "a .* prefix needs == or != and a plain release",
                ));
            }
            let version = parse(base).map_err(|_| range_error(spec, "invalid version"))?;
            return Ok(Pep440Specifier::Prefix {
                version,
                negated: op == Op::NotEqual,
            });
        }
        let version = parse(vstr).map_err(|_| range_error(spec, "invalid version"))?;
        let has_local = version.is_local();
        match op {
            Op::Equal | Op::NotEqual => {}
            Op::Compatible if has_local || version.release().len() < 2 => {
                return Err(range_error(
                    spec,
                    "~= needs a release of two or more parts and no local label",
                ));
            }
            _ if has_local => {
                return Err(range_error(
                    spec,
                    "local versions are only allowed with == and !=",
                ));
            }
            _ => {}
        }
        Ok(Pep440Specifier::Compare {
            op,
            version,
            has_local,
        })
    }

    /// Whether `v` (written as `raw`) matches, with pre-releases allowed (packaging's
    /// `contains(v, prereleases=True)`), following packaging 26's interval rules.
    pub fn contains(&self, raw: &str, v: &Pep440Version) -> bool {
        match self {
            Pep440Specifier::Arbitrary(s) => raw.to_lowercase() == s.to_lowercase(),
            Pep440Specifier::Prefix { version, negated } => {
                let inside = *v >= dev0(version.epoch(), version.release())
                    && *v < dev0(version.epoch(), &bump_last(version.release()));
                inside != *negated
            }
            Pep440Specifier::Compare {
                op,
                version,
                has_local,
            } => compare_op(*op, version, *has_local, v),
        }
    }
}

/// `E!R.dev0`.
fn dev0(epoch: u64, release: &[u64]) -> Pep440Version {
    Pep440Version::new(release.iter().copied())
        .with_epoch(epoch)
        .with_dev(Some(0))
}

/// The release with its last part plus one (`1.2` -> `1.3`).
fn bump_last(release: &[u64]) -> Vec<u64> {
    let mut r = release.to_vec();
    if let Some(last) = r.last_mut() {
        *last = last.saturating_add(1);
    }
    r
}

/// packaging's pre-release rank: dev-only -1, a 0, b 1, rc 2, none 3; then the number.
fn pre_rank(v: &Pep440Version) -> (i8, u64) {
    match v.pre() {
        Some(p) => (
            match p.kind {
                pep440_rs::PrereleaseKind::Alpha => 0,
                pep440_rs::PrereleaseKind::Beta => 1,
                pep440_rs::PrereleaseKind::Rc => 2,
            },
            p.number,
        ),
        None if v.post().is_none() && v.dev().is_some() => (-1, 0),
        None => (3, 0),
    }
}

fn compare_op(op: Op, spec: &Pep440Version, has_local: bool, v: &Pep440Version) -> bool {
    let public = || v.clone().without_local();
    match op {
        Op::GreaterEqual => v >= spec,
        Op::LessEqual => public() <= *spec,
        Op::Equal if has_local => v == spec,
        Op::Equal => public() == *spec,
        Op::NotEqual => !compare_op(Op::Equal, spec, has_local, v),
        Op::Less => {
            // <V excludes V's pre-releases unless V is one: < V.dev0.
            let bound = if spec.any_prerelease() {
                spec.clone()
            } else {
                spec.clone().with_dev(Some(0))
            };
            *v < bound
        }
        Op::Greater => {
            if let Some(dev) = spec.dev() {
                *v >= spec.clone().with_dev(Some(dev.saturating_add(1)))
            } else if let Some(post) = spec.post() {
                *v >= spec
                    .clone()
                    .with_post(Some(post.saturating_add(1)))
                    .with_dev(Some(0))
            } else {
                // Above V, V+local and every V.postN.
                let release = |x: &Pep440Version| {
                    Pep440Version::new(x.release().iter().copied()).with_epoch(x.epoch())
                };
                match release(v).cmp(&release(spec)) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal => pre_rank(v) > pre_rank(spec),
                }
            }
        }
        Op::Compatible => {
            let prefix = &spec.release()[..spec.release().len() - 1];
            v >= spec && *v < dev0(spec.epoch(), &bump_last(prefix))
        }
    }
}

/// A comma-separated set of specifiers, all of which must hold (`>=1.0,!=1.3.*,<2`).
pub fn parse_specifiers(range: &str) -> Result<Vec<Pep440Specifier>, VersionError> {
    range
        .split(',')
        .filter(|s| !s.trim_matches(py_space).is_empty())
        .map(Pep440Specifier::parse)
        .collect()
}

/// The `pep440` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pep440Scheme;

impl VersionScheme for Pep440Scheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(parse(a)?.cmp(&parse(b)?))
    }

    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let v = parse(version)?;
        let specs = parse_specifiers(range)?;
        Ok(specs.iter().all(|s| s.contains(version, &v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_rules() {
        let c = |a, b| Pep440Scheme.compare(a, b).unwrap();
        assert_eq!(c("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(c("1.0.dev1", "1.0a1"), Ordering::Less);
        assert_eq!(c("1.0a1", "1.0b1"), Ordering::Less);
        assert_eq!(c("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0", "1.0.post1"), Ordering::Less);
        assert_eq!(c("1.0+local", "1.0"), Ordering::Greater);
        assert_eq!(c("1!0.1", "2.0"), Ordering::Greater);
        assert_eq!(c("1.0-1", "1.0.post1"), Ordering::Equal);
        assert!(Pep440Scheme.validate("1.0-foo").is_err());
        assert!(Pep440Scheme.satisfies("1.4.5", "~=1.4.2").unwrap());
        assert!(!Pep440Scheme.satisfies("1.5", "~=1.4.2").unwrap());
        assert!(Pep440Scheme.satisfies("2.0rc1", ">=1.0,<2.1").unwrap());
    }
}
