//! Ruby gem versions, exactly as `Gem::Version` (rubygems 3.3, Ruby 3.1) orders them, and
//! requirements as `Gem::Requirement#satisfied_by?` reads them.
//!
//! A version is `DIGITS{.ALNUM}[-ALNUM{.ALNUM}]` with surrounding whitespace allowed; `-` is
//! read as `.pre.` (`1.0-1` = `1.0.pre.1`). It is split into numbers and letter runs
//! (`1.0.rc1` = `[1, 0, "rc", 1]`); trailing zeros of the numeric part and of the part after the
//! first letters are dropped. Segments compare pairwise (missing = 0): a string sorts before
//! any number (so `1.0.a` < `1.0` < `1.0.0.1`), strings compare by bytes (case-sensitive),
//! numbers numerically at any size.
//!
//! `RubyGems` reads a blank version as `0`; here it is an error, as data that cannot be meant.
//!
//! [`VersionScheme::satisfies`] reads comma-separated requirements (`>= 1.0, < 1.4`,
//! `~> 2.2`), all of which must hold; `~> 2.2` means `>= 2.2, < 3`, `~> 2.2.0` means
//! `>= 2.2.0, < 2.3`, and for a prerelease version the comparison uses its release.

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "gem";

/// Ruby's `\s`.
fn ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Digits without leading zeros (empty for 0).
    Num(String),
    Str(String),
}

impl Seg {
    fn is_zero(&self) -> bool {
        matches!(self, Seg::Num(d) if d.is_empty())
    }
}

/// A Ruby gem version.
#[derive(Debug, Clone)]
pub struct GemVersion {
    /// The version as `Gem::Version` keeps it: stripped, `-` replaced by `.pre.`.
    version: String,
    segments: Vec<Seg>,
    canonical: Vec<Seg>,
}

/// `Gem::Version.correct?` for the stripped text: `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`.
fn correct(t: &str) -> bool {
    let (main, pre) = match t.find('-') {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    first_ok
        && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        })
}

fn scan_segments(v: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Seg::Num(v[start..i].trim_start_matches('0').to_owned()));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Seg::Str(v[start..i].to_owned()));
        } else {
            i += 1;
        }
    }
    out
}

/// `canonical_segments`: trailing zeros dropped from the numeric part and from the rest.
fn canonical(segments: &[Seg]) -> Vec<Seg> {
    let split = segments
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segments.len());
    let trim = |part: &[Seg]| {
        let keep = part.len() - part.iter().rev().take_while(|s| s.is_zero()).count();
        part[..keep].to_vec()
    };
    let mut out = trim(&segments[..split]);
    out.extend(trim(&segments[split..]));
    out
}

fn cmp_num(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl GemVersion {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let t = s.trim_matches(ruby_space);
        if t.is_empty() {
            return Err(VersionError::invalid(SCHEME, s, "blank version"));
        }
        if !correct(t) {
            return Err(VersionError::invalid(
                SCHEME,
                s,
                "malformed version number string",
            ));
        }
        Ok(Self::from_stripped(t))
    }

    fn from_stripped(t: &str) -> Self {
        let version = t.replace('-', ".pre.");
        let segments = scan_segments(&version);
        let canonical = canonical(&segments);
        GemVersion {
            version,
            segments,
            canonical,
        }
    }

    /// `prerelease?`: any letter.
    pub fn is_prerelease(&self) -> bool {
        self.version.bytes().any(|b| b.is_ascii_alphabetic())
    }

    fn numeric_prefix_string(&self) -> Vec<String> {
        let split = self
            .segments
            .iter()
            .position(|s| matches!(s, Seg::Str(_)))
            .unwrap_or(self.segments.len());
        self.segments[..split]
            .iter()
            .map(|s| match s {
                Seg::Num(d) if d.is_empty() => "0".to_owned(),
                Seg::Num(d) | Seg::Str(d) => d.clone(),
            })
            .collect()
    }

    /// `release`: the version without its prerelease part.
    #[must_use]
    pub fn release(&self) -> GemVersion {
        if self.is_prerelease() {
            Self::from_stripped(&self.numeric_prefix_string().join("."))
        } else {
            self.clone()
        }
    }

    /// `bump`: drop the prerelease part and the last number, then add one to the new last.
    #[must_use]
    pub fn bump(&self) -> GemVersion {
        let mut segs = self.numeric_prefix_string();
        if segs.len() > 1 {
            segs.pop();
        }
        if let Some(last) = segs.last_mut() {
            *last = succ(last);
        }
        Self::from_stripped(&segs.join("."))
    }
}

/// Decimal string plus one.
fn succ(d: &str) -> String {
    let mut digits: Vec<u8> = d.bytes().collect();
    let mut i = digits.len();
    loop {
        if i == 0 {
            digits.insert(0, b'1');
            break;
        }
        i -= 1;
        if digits[i] == b'9' {
            digits[i] = b'0';
        } else {
            digits[i] += 1;
            break;
        }
    }
    String::from_utf8(digits).unwrap_or_default()
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.version == other.version || self.canonical == other.canonical {
            return Ordering::Equal;
        }
        let zero = Seg::Num(String::new());
        for i in 0..self.canonical.len().max(other.canonical.len()) {
            let l = self.canonical.get(i).unwrap_or(&zero);
            let r = other.canonical.get(i).unwrap_or(&zero);
            match (l, r) {
                _ if l == r => {}
                (Seg::Str(_), Seg::Num(_)) => return Ordering::Less,
                (Seg::Num(_), Seg::Str(_)) => return Ordering::Greater,
                (Seg::Num(a), Seg::Num(b)) => return cmp_num(a, b),
                (Seg::Str(a), Seg::Str(b)) => return a.cmp(b),
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}

fn range_error(range: &str, reason: &str) -> VersionError {
    VersionError::InvalidRange {
        scheme: SCHEME,
        range: range.chars().take(200).collect(),
        reason: reason.to_owned(),
    }
}

/// One requirement, `Gem::Requirement.parse`: `\s*(op)?\s*VERSION\s*`.
fn parse_requirement(r: &str, range: &str) -> Result<(&'static str, GemVersion), VersionError> {
    let t = r.trim_start_matches(ruby_space);
    let (op, rest) = ["!=", ">=", "<=", "~>", "=", ">", "<"]
        .iter()
        .find_map(|op| t.strip_prefix(op).map(|rest| (*op, rest)))
        .unwrap_or(("=", t));
    let v = rest.trim_matches(ruby_space);
    if v.is_empty() || !correct(v) {
        return Err(range_error(range, "ill-formed requirement"));
    }
    Ok((op, GemVersion::from_stripped(v)))
}

fn holds(op: &str, v: &GemVersion, r: &GemVersion) -> bool {
    let o = v.cmp(r);
    match op {
        "=" => o == Ordering::Equal,
        "!=" => o != Ordering::Equal,
        ">" => o == Ordering::Greater,
        "<" => o == Ordering::Less,
        ">=" => o != Ordering::Less,
        "<=" => o != Ordering::Greater,
        _ => o != Ordering::Less && v.release() < r.bump(),
    }
}

/// The `gem` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct GemScheme;

impl VersionScheme for GemScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        GemVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(GemVersion::parse(a)?.cmp(&GemVersion::parse(b)?))
    }

    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let v = GemVersion::parse(version)?;
        // Ruby's `split(",")` drops trailing empty pieces; no pieces means `>= 0`.
        let mut parts: Vec<&str> = range.split(',').collect();
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        let mut reqs = parts
            .iter()
            .map(|p| parse_requirement(p, range))
            .collect::<Result<Vec<_>, _>>()?;
        if reqs.is_empty() {
            reqs.push((">=", GemVersion::from_stripped("0")));
        }
        Ok(reqs.iter().all(|(op, r)| holds(op, &v, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gem_rules() {
        let c = |a, b| GemScheme.compare(a, b).unwrap();
        assert_eq!(c("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(c("1.0.a", "1.0"), Ordering::Less);
        assert_eq!(c("1.0.rc1", "1.0.beta2"), Ordering::Greater);
        assert_eq!(c("1-1", "1.pre.1"), Ordering::Equal);
        assert_eq!(c("1.0.A", "1.0.a"), Ordering::Less);
        assert_eq!(c(" 1.10 ", "1.9"), Ordering::Greater);
        assert!(GemScheme.validate("").is_err());
        assert!(GemScheme.validate("a.1").is_err());
        assert!(GemScheme.satisfies("2.2.9", "~> 2.2.0").unwrap());
        assert!(!GemScheme.satisfies("2.3.0", "~> 2.2.0").unwrap());
        assert!(GemScheme.satisfies("2.9", "~> 2.2").unwrap());
        assert!(GemScheme.satisfies("1.3", ">= 1.0, < 1.4").unwrap());
        assert!(GemScheme.satisfies("1.3", "").unwrap());
    }
}
