//! `NuGet` versions and version ranges, ported from `NuGet.Versioning`
//! (`NuGetVersion.TryParse`, `SemanticVersion.ParseSections`, `VersionComparer.Default`,
//! `VersionRange.TryParse`, `FloatRange.TryParse`, `VersionRangeBase.Satisfies`).
//!
//! A version is `N.N[.N[.N]][-LABELS][+METADATA]` after trimming white space; a bare `N` reads
//! as `N.0`. Each number is a non-negative 32-bit integer as `System.Version` parses it
//! (leading zeros and spaces around a number allowed). Labels are dot-separated, non-empty,
//! `[0-9A-Za-z-]`, without leading zeros in numeric labels; metadata parts may have them.
//!
//! Ordering: the four numbers (missing ones are 0, so `1.0` == `1.0.0.0`), then a version with
//! labels sorts before one without, then labels pairwise: two numeric labels (as .NET's
//! `int.TryParse` reads them, so `-1` is numeric) numerically, a numeric label before an
//! alphanumeric one, alphanumeric ones by ordinal comparison ignoring case; fewer labels sort
//! first. Build metadata is ignored.
//!
//! Ranges (`satisfies`): `1.0` (>= 1.0), `[1.0]`, `[1.0,2.0)`, `(,1.0]`, `(1.0,)`, and floating
//! lower bounds (`1.*`, `[1.0.*, 2.0)`, `1.0.0-beta*`, `*`), which, as in
//! `VersionRange.Satisfies`, only set the lower bound (`1.*` is `>= 1.0.0`).

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "nuget";

/// .NET's `int.TryParse(s, NumberStyles.Integer, InvariantCulture)`: optional white space
/// (tab to CR, space), an optional sign, ASCII digits, optional white space; 32-bit.
fn dotnet_int(s: &str) -> Option<i32> {
    let white = |c: char| c == ' ' || ('\t'..='\r').contains(&c);
    let t = s.trim_matches(white);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        n = n * 10 + i64::from(b - b'0');
        if n > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    let n = if neg { -n } else { n };
    i32::try_from(n).ok()
}

/// `System.Version.TryParse`: 2 to 4 components, each a non-negative `int`.
fn system_version(s: &str) -> Option<[i32; 4]> {
    let mut out = [0; 4];
    let mut count = 0;
    for p in s.split('.') {
        if count == 4 {
            return None;
        }
        out[count] = dotnet_int(p).filter(|&n| n >= 0)?;
        count += 1;
    }
    (count >= 2).then_some(out)
}

/// `SemanticVersion.IsValidPart`.
fn valid_part(s: &str, allow_leading_zeros: bool) -> bool {
    if s.is_empty() {
        return false;
    }
    if !allow_leading_zeros
        && s.len() > 1
        && s.starts_with('0')
        && s.bytes().skip(1).all(|b| b.is_ascii_digit())
    {
        return false;
    }
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `SemanticVersion.ParseSections`: version, labels, metadata.
fn parse_sections(value: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let (mut version, mut labels, mut metadata) = (None, None, None);
    let mut dash: Option<usize> = None;
    let mut plus: Option<usize> = None;
    let last = value.char_indices().next_back().map_or(0, |(i, _)| i);
    for (i, c) in value.char_indices() {
        let end = i == last;
        let end_pos = if end { i + c.len_utf8() } else { i };
        match (dash, plus) {
            (None, _) => {
                if end || c == '-' || c == '+' {
                    version = Some(&value[..end_pos]);
                    dash = Some(i);
                    if c == '+' {
                        plus = Some(i);
                    }
                }
            }
            (Some(d), None) => {
                if end || c == '+' {
                    labels = Some(&value[d + 1..end_pos]);
                    plus = Some(i);
                }
            }
            (Some(_), Some(p)) => {
                if end {
                    metadata = Some(&value[p + 1..end_pos]);
                }
            }
        }
    }
    (version, labels, metadata)
}

/// A `NuGet` version (`NuGetVersion`).
#[derive(Debug, Clone)]
pub struct NuGetVersion {
    numbers: [i32; 4],
    labels: Vec<String>,
    metadata: Option<String>,
}

impl NuGetVersion {
    /// `NuGetVersion.TryParse`.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        Self::try_parse(s).ok_or_else(|| VersionError::invalid(SCHEME, s, "not a NuGet version"))
    }

    fn try_parse(s: &str) -> Option<Self> {
        let (version, labels, metadata) = parse_sections(s.trim());
        let version = version.filter(|v| !v.is_empty())?;
        let numbers = if version.contains('.') {
            system_version(version)?
        } else {
            // `System.Version` needs two parts: `N` reads as `N.0`.
            system_version(&format!("{version}.0"))?
        };
        let labels: Vec<String> = match labels {
            Some(l) => {
                let parts: Vec<&str> = l.split('.').collect();
                if !parts.iter().all(|p| valid_part(p, false)) {
                    return None;
                }
                parts.into_iter().map(str::to_owned).collect()
            }
            None => Vec::new(),
        };
        if let Some(m) = metadata
            && !m.split('.').all(|p| valid_part(p, true))
        {
            return None;
        }
        Some(NuGetVersion {
            numbers,
            labels,
            metadata: metadata.map(str::to_owned),
        })
    }

    pub fn is_prerelease(&self) -> bool {
        !self.labels.is_empty()
    }

    /// Major, minor, patch, revision.
    pub fn numbers(&self) -> [i32; 4] {
        self.numbers
    }

    pub fn metadata(&self) -> Option<&str> {
        self.metadata.as_deref()
    }
}

/// `VersionComparer.CompareRelease`.
fn compare_label(a: &str, b: &str) -> Ordering {
    match (dotnet_int(a), dotnet_int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        // OrdinalIgnoreCase: both upper-cased; labels are ASCII.
        (None, None) => a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.is_prerelease(), other.is_prerelease()) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => {
                    for (a, b) in self.labels.iter().zip(&other.labels) {
                        let o = compare_label(a, b);
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.labels.len().cmp(&other.labels.len())
                }
            }
        })
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NuGetVersion {}

/// `FloatRange.TryParse(s).MinVersion`, or `None` when it does not parse.
fn float_min(s: &str) -> Option<NuGetVersion> {
    if s.trim().is_empty() {
        return None;
    }
    let first = s.find('*');
    let last = s.rfind('*');
    let has_plus = s.contains('+');
    if s == "*" {
        return NuGetVersion::try_parse("0.0");
    }
    if s == "*-*" {
        return NuGetVersion::try_parse("0.0.0-0");
    }
    if let (Some(f), Some(l)) = (first, last)
        && f != l
        && !has_plus
    {
        // Two stars: `1.*-beta*`, only as `STABLE*-PREFIX*`.
        let dash = s.find('-')?;
        if l != s.len() - 1 || dash == 0 || f != dash - 1 {
            return None;
        }
        let stable = format!("{}0", &s[..dash - 1]);
        let prefix = &s[dash + 1..s.len() - 1];
        let mut release = prefix.to_owned();
        if prefix.is_empty() || prefix.ends_with('.') {
            release.push('0');
        }
        return NuGetVersion::try_parse(&format!("{stable}-{release}"));
    }
    if last == Some(s.len() - 1) && !has_plus {
        let mut actual = s[..s.len() - 1].to_owned();
        if s.contains('-') {
            if s.find('-') == s.rfind('-') {
                let dash = s.rfind('-').unwrap_or(0);
                let prefix = &actual[dash + 1..];
                if prefix.is_empty() || actual.ends_with('.') {
                    actual.push('0');
                } else if actual.ends_with('-') {
                    actual.push('-');
                }
            }
        } else {
            actual.push('0');
        }
        return NuGetVersion::try_parse(&actual);
    }
    NuGetVersion::try_parse(s)
}

/// A `NuGet` version range (`VersionRange`): optional bounds, each inclusive or not.
#[derive(Debug, Clone)]
pub struct NuGetRange {
    min: Option<(NuGetVersion, bool)>,
    max: Option<(NuGetVersion, bool)>,
}

impl NuGetRange {
    /// `VersionRange.TryParse(s, allowFloating: true)`.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        Self::try_parse(s).ok_or_else(|| VersionError::InvalidRange {
            scheme: SCHEME,
            range: s.chars().take(200).collect(),
            reason: "not a NuGet version range".to_owned(),
        })
    }

    fn try_parse(value: &str) -> Option<Self> {
        let t = value.trim();
        if t.is_empty() {
            return None;
        }
        if t == "*" {
            return Some(NuGetRange {
                min: Some((NuGetVersion::try_parse("0.0.0")?, true)),
                max: None,
            });
        }
        let (min_s, max_s, min_incl, max_incl);
        if t.starts_with(['(', '[']) {
            min_incl = t.starts_with('[');
            max_incl = match t.chars().last() {
                Some(']') => true,
                Some(')') => false,
                _ => return None,
            };
            // At least two characters here: the opening bracket and the closing one.
            if t.len() < 2 {
                return None;
            }
            let inner = &t[1..t.len() - 1];
            let parts: Vec<&str> = inner.split(',').collect();
            if parts.len() > 2 || parts.iter().all(|p| p.is_empty()) {
                return None;
            }
            if parts.len() == 1 && !(min_incl && max_incl) {
                return None;
            }
            min_s = parts[0];
            max_s = Some(*parts.last().unwrap_or(&""));
        } else {
            min_incl = true;
            max_incl = false;
            min_s = t;
            max_s = None;
        }
        let mut min = None;
        if !min_s.trim().is_empty() {
            min = Some(if min_s.contains('*') {
                float_min(min_s)?
            } else {
                NuGetVersion::try_parse(min_s)?
            });
        }
        let mut max = None;
        if let Some(m) = max_s
            && !m.trim().is_empty()
        {
            max = Some(NuGetVersion::try_parse(m)?);
        }
        if let (Some(lo), Some(hi)) = (&min, &max) {
            match lo.cmp(hi) {
                Ordering::Greater => return None,
                Ordering::Equal if min_incl != max_incl => return None,
                _ => {}
            }
        }
        Some(NuGetRange {
            min: min.map(|v| (v, min_incl)),
            max: max.map(|v| (v, max_incl)),
        })
    }

    /// `VersionRangeBase.Satisfies(version)` with `VersionComparer.Default`.
    pub fn satisfies(&self, v: &NuGetVersion) -> bool {
        let lower = self
            .min
            .as_ref()
            .is_none_or(|(m, incl)| if *incl { m <= v } else { m < v });
        let upper = self
            .max
            .as_ref()
            .is_none_or(|(m, incl)| if *incl { m >= v } else { m > v });
        lower && upper
    }
}

/// The `nuget` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct NuGetScheme;

impl VersionScheme for NuGetScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        NuGetVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(NuGetVersion::parse(a)?.cmp(&NuGetVersion::parse(b)?))
    }

    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let v = NuGetVersion::parse(version)?;
        Ok(NuGetRange::parse(range)?.satisfies(&v))
    }
}
