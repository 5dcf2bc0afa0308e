//! Maven version ordering, exactly as `org.apache.maven.artifact.versioning.ComparableVersion`
//! (maven-artifact 3.8.7 to 3.9.x, which share the same algorithm), and Maven's version ranges
//! (`VersionRange.createFromVersionSpec(..).containsVersion(..)`).
//!
//! A version is lower-cased and split into items: numbers, qualifiers (runs of letters) and
//! sub-lists. `.` separates items, `-` starts a sub-list, and a switch between digits and
//! letters also starts a sub-list (`1.0alpha1` = `1.0-alpha-1`). Trailing "null" items
//! (0, empty qualifier, `ga`/`final`/`release`) are dropped, so `1.0.0` == `1` == `1-ga`.
//!
//! Qualifier order: `alpha` (`a1`) < `beta` (`b1`) < `milestone` (`m1`) < `rc` = `cr` <
//! `snapshot` < release (`""`, `ga`, `final`, `release`) < `sp` < any other qualifier (in
//! alphabetical order). Numbers beat qualifiers and sub-lists: `1.1` > `1-sp` and `1.0.1` >
//! `1-1`. Numbers are arbitrary precision.
//!
//! Maven accepts every string as a version; the empty string is rejected here, as data that
//! cannot be meant. Maven treats any Unicode decimal digit as a digit; here only ASCII digits
//! are (other digits sort as letters).

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "maven";

/// One item of a parsed version.
#[derive(Debug, Clone)]
enum Item {
    /// A number; `class` is Maven's Int (up to 9 digits), Long (up to 18) or `BigInteger`,
    /// which compare by class first; `digits` has no leading zeros (empty for 0).
    Num {
        class: u8,
        digits: String,
    },
    /// A qualifier, with Maven's aliases applied.
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// `StringItem.comparableQualifier`: the qualifier's rank, or `7-<qualifier>`.
fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

/// Java's `String.compareTo`: UTF-16 code units.
fn java_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match value {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        v => v,
    };
    Item::Str(value.to_owned())
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if !is_digit {
        return string_item(buf, false);
    }
    // Maven's stripLeadingZeroes keeps an all-zero string as it is: its length picks the class.
    let stripped = buf.trim_start_matches('0');
    let kept_len = if stripped.is_empty() {
        buf.len().max(1)
    } else {
        stripped.len()
    };
    let class = match kept_len {
        0..=9 => 0,
        10..=18 => 1,
        _ => 2,
    };
    Item::Num {
        class,
        digits: stripped.to_owned(),
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Num { digits, .. } => digits.is_empty(),
            Item::Str(s) => s.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }

    fn cmp_item(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Num { digits, .. }, None) => {
                if digits.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (
                Item::Num {
                    class: ca,
                    digits: da,
                },
                Some(Item::Num {
                    class: cb,
                    digits: db,
                }),
            ) => ca
                .cmp(cb)
                .then_with(|| da.len().cmp(&db.len()))
                .then_with(|| da.cmp(db)),
            // Numbers beat qualifiers and lists; lists beat qualifiers.
            (Item::Num { .. } | Item::List(_), Some(Item::Str(_)))
            | (Item::Num { .. }, Some(Item::List(_))) => Ordering::Greater,
            (Item::Str(s), None) => java_cmp(&comparable_qualifier(s), "5"),
            (Item::Str(_) | Item::List(_), Some(Item::Num { .. }))
            | (Item::Str(_), Some(Item::List(_))) => Ordering::Less,
            (Item::Str(a), Some(Item::Str(b))) => {
                java_cmp(&comparable_qualifier(a), &comparable_qualifier(b))
            }
            (Item::List(l), None) => l
                .iter()
                .map(|i| i.cmp_item(None))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal),
            (Item::List(l), Some(Item::List(r))) => cmp_lists(l, r),
        }
    }
}

fn cmp_lists(l: &[Item], r: &[Item]) -> Ordering {
    for i in 0..l.len().max(r.len()) {
        let o = match (l.get(i), r.get(i)) {
            (None, None) => Ordering::Equal,
            (None, Some(b)) => b.cmp_item(None).reverse(),
            (Some(a), b) => a.cmp_item(b),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// `ListItem.normalize`: drops null items from the end, looking through sub-lists.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// `ComparableVersion.parseVersion`.
fn parse_items(version: &str) -> Vec<Item> {
    let chars: Vec<char> = version.to_lowercase().chars().collect();
    let sub = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    // The chain of lists being built: each new list is the last item of the one before.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '.' || c == '-' {
            let item = if i == start {
                Item::Num {
                    class: 0,
                    digits: String::new(),
                }
            } else {
                parse_item(is_digit, &sub(start, i))
            };
            stack.last_mut().expect("list").push(item);
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                if !stack.last().expect("list").is_empty() {
                    stack.push(Vec::new());
                }
                stack
                    .last_mut()
                    .expect("list")
                    .push(string_item(&sub(start, i), true));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                stack
                    .last_mut()
                    .expect("list")
                    .push(parse_item(true, &sub(start, i)));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        if !is_digit && !stack.last().expect("list").is_empty() {
            stack.push(Vec::new());
        }
        stack
            .last_mut()
            .expect("list")
            .push(parse_item(is_digit, &sub(start, chars.len())));
    }
    // Normalise from the innermost list outwards, attaching each to its parent.
    let mut inner = stack.pop().expect("list");
    normalize(&mut inner);
    while let Some(mut parent) = stack.pop() {
        parent.push(Item::List(inner));
        normalize(&mut parent);
        inner = parent;
    }
    inner
}

/// A Maven version. Equality is Maven's (`1.0` == `1` == `1-ga`).
#[derive(Debug, Clone)]
pub struct MavenVersion {
    items: Vec<Item>,
}

impl MavenVersion {
    /// Parses any non-empty string, as Maven accepts any string.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        if s.is_empty() {
            return Err(VersionError::invalid(SCHEME, s, "empty version"));
        }
        Ok(Self::parse_any(s))
    }

    fn parse_any(s: &str) -> Self {
        MavenVersion {
            items: parse_items(s),
        }
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

/// Java's `String.trim`: every character up to U+0020.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

#[derive(Debug, Clone)]
struct Restriction {
    lower: Option<MavenVersion>,
    lower_inclusive: bool,
    upper: Option<MavenVersion>,
    upper_inclusive: bool,
}

impl Restriction {
    fn contains(&self, v: &MavenVersion) -> bool {
        if let Some(l) = &self.lower {
            match l.cmp(v) {
                Ordering::Greater => return false,
                Ordering::Equal if !self.lower_inclusive => return false,
                _ => {}
            }
        }
        if let Some(u) = &self.upper {
            match u.cmp(v) {
                Ordering::Less => return false,
                Ordering::Equal if !self.upper_inclusive => return false,
                _ => {}
            }
        }
        true
    }
}

/// A Maven version range: `[1.0,2.0)`, `(,1.0]`, `[1.2]`, `[1,2),[3,)`; a bare version is a
/// soft requirement that every version satisfies, as in Maven.
#[derive(Debug, Clone)]
pub struct MavenRange {
    restrictions: Vec<Restriction>,
}

fn range_error(range: &str, reason: &str) -> VersionError {
    VersionError::InvalidRange {
        scheme: SCHEME,
        range: range.chars().take(200).collect(),
        reason: reason.to_owned(),
    }
}

impl MavenRange {
    /// `VersionRange.createFromVersionSpec`.
    pub fn parse(spec: &str) -> Result<Self, VersionError> {
        let mut restrictions: Vec<Restriction> = Vec::new();
        let mut process = spec;
        let mut upper_bound: Option<MavenVersion> = None;
        while process.starts_with('[') || process.starts_with('(') {
            let index1 = process.find(')');
            let index2 = process.find(']');
            let index = match (index1, index2) {
                (Some(i1), Some(i2)) if i1 < i2 => Some(i1),
                (Some(i1), None) => Some(i1),
                (_, i2) => i2,
            };
            let index = index.ok_or_else(|| range_error(spec, "unbounded range"))?;
            let r = Self::parse_restriction(&process[..=index], spec)?;
            if let Some(ub) = &upper_bound
                && r.lower
                    .as_ref()
                    .is_none_or(|lb| lb.cmp(ub) == Ordering::Less)
            {
                return Err(range_error(spec, "ranges overlap"));
            }
            upper_bound.clone_from(&r.upper);
            restrictions.push(r);
            process = java_trim(&process[index + 1..]);
            if let Some(rest) = process.strip_prefix(',') {
                process = java_trim(rest);
            }
        }
        if !process.is_empty() {
            if !restrictions.is_empty() {
                return Err(range_error(
                    spec,
                    "only fully-qualified sets allowed in multiple set scenario",
                ));
            }
            restrictions.push(Restriction {
                lower: None,
                lower_inclusive: false,
                upper: None,
                upper_inclusive: false,
            });
        }
        Ok(MavenRange { restrictions })
    }

    fn parse_restriction(s: &str, spec: &str) -> Result<Restriction, VersionError> {
        let lower_inclusive = s.starts_with('[');
        let upper_inclusive = s.ends_with(']');
        let process = java_trim(&s[1..s.len() - 1]);
        match process.find(',') {
            None => {
                if !lower_inclusive || !upper_inclusive {
                    return Err(range_error(spec, "single version must be surrounded by []"));
                }
                let v = MavenVersion::parse_any(process);
                Ok(Restriction {
                    lower: Some(v.clone()),
                    lower_inclusive,
                    upper: Some(v),
                    upper_inclusive,
                })
            }
            Some(i) => {
                let (l, u) = (java_trim(&process[..i]), java_trim(&process[i + 1..]));
                let lower = (!l.is_empty()).then(|| MavenVersion::parse_any(l));
                let upper = (!u.is_empty()).then(|| MavenVersion::parse_any(u));
                if let (Some(lv), Some(uv)) = (&lower, &upper) {
                    let o = uv.cmp(lv);
                    if o == Ordering::Less
                        || (o == Ordering::Equal && (!lower_inclusive || !upper_inclusive))
                    {
                        return Err(range_error(spec, "range defies version ordering"));
                    }
                }
                Ok(Restriction {
                    lower,
                    lower_inclusive,
                    upper,
                    upper_inclusive,
                })
            }
        }
    }

    pub fn contains(&self, v: &MavenVersion) -> bool {
        self.restrictions.iter().any(|r| r.contains(v))
    }
}

/// The `maven` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct MavenScheme;

impl VersionScheme for MavenScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        MavenVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(MavenVersion::parse(a)?.cmp(&MavenVersion::parse(b)?))
    }

    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let v = MavenVersion::parse(version)?;
        Ok(MavenRange::parse(range)?.contains(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maven_rules() {
        let c = |a, b| MavenScheme.compare(a, b).unwrap();
        assert_eq!(c("1.0", "1"), Ordering::Equal);
        assert_eq!(c("1-ga", "1"), Ordering::Equal);
        assert_eq!(c("1.0.RELEASE", "1"), Ordering::Equal);
        assert_eq!(c("1-alpha1", "1-a1"), Ordering::Equal);
        assert_eq!(c("1-cr1", "1-rc1"), Ordering::Equal);
        assert_eq!(c("1-SNAPSHOT", "1"), Ordering::Less);
        assert_eq!(c("1-rc1", "1-SNAPSHOT"), Ordering::Less);
        assert_eq!(c("1-sp1", "1"), Ordering::Greater);
        assert_eq!(c("1-foo", "1-sp"), Ordering::Greater);
        assert_eq!(c("1.1", "1-sp"), Ordering::Greater);
        assert_eq!(c("1.0.1", "1-1"), Ordering::Greater);
        assert_eq!(c("1.0-alpha1", "1.0alpha1"), Ordering::Equal);
        assert_eq!(c("1.0.0.10000000000", "1.0.0.999999999"), Ordering::Greater);
        assert!(MavenScheme.satisfies("1.5", "[1.0,2.0)").unwrap());
        assert!(!MavenScheme.satisfies("2.0", "[1.0,2.0)").unwrap());
        assert!(MavenScheme.satisfies("1.0", "(,1.0]").unwrap());
        assert!(MavenScheme.satisfies("3.1", "[1.0,2.0),[3.0,)").unwrap());
        assert!(MavenScheme.satisfies("1.2", "[1.2]").unwrap());
        assert!(MavenScheme.satisfies("1.2", "[1.0,2.0),[1.5,3.0)").is_err());
    }
}
