//! Composer versions and constraints, ported from `composer/semver` 3.3
//! (`VersionParser::normalize`, `VersionParser::parseConstraints`, `Constraint::matchSpecific`,
//! `MultiConstraint::create`) and PHP's `version_compare` (see [`crate::php`]).
//!
//! A version is first *normalised* as Composer does: `v1.2` becomes `1.2.0.0`, `1.0-b2`
//! becomes `1.0.0.0-beta2`, `1.x-dev` becomes `1.9999999.9999999.9999999-dev`, date versions
//! `2010-01-02` become `2010.01.02`, build metadata and `@stability` flags are dropped, and
//! `dev-BRANCH` (and `master`, `trunk`, `default`) stay branch names. Two versions are then
//! ordered by `version_compare` on the normalised strings, which is what Composer's
//! `Comparator` does. Composer never orders two *different* branches (`dev-a` is neither
//! below, equal to nor above `dev-b`); to keep [`VersionScheme::compare`] a total order they are
//! ordered by name (`version_compare` is not antisymmetric on arbitrary branch names), and
//! only the same branch is equal. A branch sorts below every numbered version, as in Composer.
//!
//! [`VersionScheme::satisfies`] is `Semver::satisfies`: `^`, `~`, wildcards (`1.2.*`), hyphen
//! ranges (`1.0 - 2.0`), `||` (or `|`) between alternatives, `,` or space between conjuncts,
//! `>=`, `<`, `!=` and friends, `@stability` flags, `as` aliases, `#ref` suffixes. As in
//! Composer, a branch matches only `==` and `!=` constraints.

use std::cmp::Ordering;
use std::sync::LazyLock;

use customs_version::{VersionError, VersionScheme};
use regex::bytes::{Captures, Regex};

use crate::php::version_compare;

const SCHEME: &str = "composer";

/// `VersionParser::$modifierRegex` (groups: stability, its number, `dev`).
const MODIFIER: &str =
    r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?";

fn re(pattern: &str) -> Regex {
    // Byte-oriented and ASCII-only like PCRE without the `u` flag.
    Regex::new(&format!("(?-u){pattern}")).expect("valid regex")
}

static ALIAS: LazyLock<Regex> = LazyLock::new(|| re(r"^([^,\s]+) +as +([^,\s]+)$"));
static FLAG: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)@(?:stable|RC|beta|alpha|dev)$"));
static BUILD: LazyLock<Regex> = LazyLock::new(|| re(r"^([^,\s+]+)\+[^\s]+$"));
static CLASSICAL: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)^v?(\d{{1,5}})(\.\d+)?(\.\d+)?(\.\d+)?{MODIFIER}$"
    ))
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)^v?(\d{{4}}(?:[.:-]?\d{{2}}){{1,6}}(?:[.:-]?\d{{1,3}})?){MODIFIER}$"
    ))
});
static DEV_SUFFIX: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(.*?)[.-]?dev$"));
static BRANCH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$"));
static STABILITY: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i){MODIFIER}(?:\+.*)?$")));
static HASH_REF: LazyLock<Regex> = LazyLock::new(|| re(r"#.+$"));

/// One version of `parseConstraint`'s `$versionRegex` (groups: 4 numbers, 3 of the
/// modifier, `.x-dev`).
fn version_regex() -> String {
    format!(
        r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:{MODIFIER}|\.([xX*][.-]?dev))(?:\+[^\s]+)?"
    )
}

static C_FLAG: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^([^,\s]*?)@(stable|RC|beta|alpha|dev)$"));
static C_REF: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(dev-[^,\s@]+?|[^,\s@]+?\.x-dev)#.+$"));
static C_ANY: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(v)?[xX*](\.[xX*])*$"));
static C_TILDE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)^~>?{}$", version_regex())));
static C_CARET: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)^\^{}($)", version_regex())));
static C_XRANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.[xX*])+$"));
static C_HYPHEN: LazyLock<Regex> = LazyLock::new(|| {
    let v = version_regex();
    re(&format!(r"(?i)^({v}) +- +({v})($)"))
});
static C_BASIC: LazyLock<Regex> = LazyLock::new(|| re(r"^(<>|!=|>=?|<=?|==?)?\s*(.*)"));
static C_DEV_OK: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9a-zA-Z\-./]+$"));
static C_LOW_MODIFIER: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"-{MODIFIER}$")));

/// PHP's `trim`: space, tab, LF, CR, NUL, VT.
fn php_trim(s: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0 | 0x0b);
    let start = s.iter().position(|c| !ws(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
    &s[start..end]
}

/// PCRE's `\s` without the `u` flag.
fn pcre_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A capture group as PHP sees it: unmatched is empty.
fn group<'a>(c: &Captures<'a>, i: usize) -> &'a [u8] {
    c.get(i).map_or(&[][..], |m| m.as_bytes())
}

fn expand_stability(s: &[u8]) -> Vec<u8> {
    let lower = s.to_ascii_lowercase();
    match lower.as_slice() {
        b"a" => b"alpha".to_vec(),
        b"b" => b"beta".to_vec(),
        b"p" | b"pl" => b"patch".to_vec(),
        b"rc" => b"RC".to_vec(),
        _ => lower,
    }
}

/// `VersionParser::normalizeBranch`.
fn normalize_branch(name: &[u8]) -> Vec<u8> {
    let name = php_trim(name);
    if let Some(c) = BRANCH.captures(name) {
        let mut v = Vec::new();
        for i in 1..5 {
            match c.get(i) {
                Some(m) => v.extend(m.as_bytes().iter().map(|&b| match b {
                    b'*' | b'X' => b'x',
                    b => b,
                })),
                None => v.extend_from_slice(b".x"),
            }
        }
        let mut out = Vec::with_capacity(v.len() * 4);
        for b in v {
            if b == b'x' {
                out.extend_from_slice(b"9999999");
            } else {
                out.push(b);
            }
        }
        out.extend_from_slice(b"-dev");
        return out;
    }
    [b"dev-", name].concat()
}

/// The common case `[v]N[.N[.N[.N]]]` (first number at most 5 digits), which `normalize`
/// pads to four numbers; `None` for anything else.
fn normalize_plain(v: &[u8]) -> Option<Vec<u8>> {
    let digits = v.strip_prefix(b"v").unwrap_or(v);
    let mut parts = 0;
    for (i, part) in digits.split(|&b| b == b'.').enumerate() {
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) || (i == 0 && part.len() > 5) {
            return None;
        }
        parts += 1;
    }
    if parts > 4 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() + 6);
    out.extend_from_slice(digits);
    for _ in parts..4 {
        out.extend_from_slice(b".0");
    }
    Some(out)
}

/// `VersionParser::normalize`, or `None` where it throws.
fn normalize(input: &[u8]) -> Option<Vec<u8>> {
    let mut v = php_trim(input);
    if let Some(out) = normalize_plain(v) {
        return Some(out);
    }
    if let Some(c) = ALIAS.captures(v) {
        v = group(&c, 1);
    }
    if let Some(m) = FLAG.find(v) {
        v = &v[..m.start()];
    }
    let named;
    if matches!(v, b"master" | b"trunk" | b"default") {
        named = [b"dev-", v].concat();
        v = &named;
    }
    if v.len() >= 4 && v[..4].eq_ignore_ascii_case(b"dev-") {
        return Some([b"dev-", &v[4..]].concat());
    }
    if let Some(c) = BUILD.captures(v) {
        v = group(&c, 1);
    }
    let matched = if let Some(c) = CLASSICAL.captures(v) {
        let mut out = group(&c, 1).to_vec();
        for i in 2..5 {
            let g = group(&c, i);
            out.extend_from_slice(if g.is_empty() { b".0" } else { g });
        }
        Some((out, c, 5))
    } else if let Some(c) = DATE.captures(v) {
        let out = group(&c, 1)
            .iter()
            .map(|&b| if b.is_ascii_digit() { b } else { b'.' })
            .collect();
        Some((out, c, 2))
    } else {
        None
    };
    if let Some((mut out, c, index)) = matched {
        let stability = group(&c, index);
        if !stability.is_empty() {
            if stability == b"stable" {
                return Some(out);
            }
            out.push(b'-');
            out.extend(expand_stability(stability));
            let number = group(&c, index + 1);
            let start = number
                .iter()
                .position(|b| !matches!(b, b'.' | b'-'))
                .unwrap_or(number.len());
            out.extend_from_slice(&number[start..]);
        }
        if !group(&c, index + 2).is_empty() {
            out.extend_from_slice(b"-dev");
        }
        return Some(out);
    }
    if let Some(c) = DEV_SUFFIX.captures(v) {
        let normalized = normalize_branch(group(&c, 1));
        if !contains(&normalized, b"dev-") {
            return Some(normalized);
        }
    }
    None
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `VersionParser::parseStability($v) === 'stable'`.
fn is_stable(version: &[u8]) -> bool {
    let v = HASH_REF.replace_all(version, &b""[..]);
    if v.starts_with(b"dev-") || v.ends_with(b"-dev") {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if let Some(c) = STABILITY.captures(&lower) {
        if !group(&c, 3).is_empty() {
            return false;
        }
        if matches!(group(&c, 1), b"beta" | b"b" | b"alpha" | b"a" | b"rc") {
            return false;
        }
    }
    true
}

/// PHP's `(string) ($part + 1)` for a string of digits: an integer, or past `PHP_INT_MAX` a
/// float printed with `precision` 14 (`1.0E+20`).
fn php_increment(digits: &[u8]) -> Vec<u8> {
    let s = std::str::from_utf8(digits).unwrap_or("0");
    if let Ok(n) = s.parse::<i64>()
        && let Some(m) = n.checked_add(1)
    {
        return m.to_string().into_bytes();
    }
    let f = s.parse::<f64>().unwrap_or(0.0) + 1.0;
    // `%.14G`: 14 significant digits, trailing zeros dropped, at least one decimal.
    let e = format!("{f:.13e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let mut mantissa = mantissa.trim_end_matches('0').to_owned();
    if mantissa.ends_with('.') {
        mantissa.push('0');
    }
    let exp: i32 = exp.parse().unwrap_or(0);
    format!("{mantissa}E{}{exp}", if exp < 0 { "" } else { "+" }).into_bytes()
}

fn parts<'a>(m: &Captures<'a>, first: usize) -> [&'a [u8]; 4] {
    [
        group(m, first),
        group(m, first + 1),
        group(m, first + 2),
        group(m, first + 3),
    ]
}

/// `manipulateVersionString` with a zero or positive increment: parts after `position` become
/// `0`, the part at `position` is incremented.
fn manipulate(parts: [&[u8]; 4], position: usize, increment: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let i = i + 1;
        if i > 1 {
            out.push(b'.');
        }
        if i > position {
            out.push(b'0');
        } else if i == position && increment {
            out.extend(php_increment(part));
        } else {
            out.extend_from_slice(part);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    All,
    Cmp(Op, Vec<u8>),
}

fn is_branch(v: &[u8]) -> bool {
    v.starts_with(b"dev-")
}

impl Atom {
    /// `Constraint::matchSpecific` against the provider `== v`, without comparing branches.
    fn matches(&self, v: &[u8]) -> bool {
        let Atom::Cmp(op, c) = self else {
            return true;
        };
        let branch = is_branch(v) || is_branch(c);
        match op {
            Op::Ne if branch => v != c.as_slice(),
            Op::Eq if is_branch(v) && is_branch(c) => v == c.as_slice(),
            _ if branch => false,
            _ => {
                let o = version_compare(v, c);
                match op {
                    Op::Eq => o == Ordering::Equal,
                    Op::Ne => o != Ordering::Equal,
                    Op::Lt => o == Ordering::Less,
                    Op::Le => o != Ordering::Greater,
                    Op::Gt => o == Ordering::Greater,
                    Op::Ge => o != Ordering::Less,
                }
            }
        }
    }
}

/// `VersionParser::parseConstraint`: one conjunct.
fn parse_constraint(input: &[u8]) -> Option<Vec<Atom>> {
    let mut c = input;
    if let Some(m) = ALIAS.captures(c) {
        c = group(&m, 1);
    }
    let mut stability: Option<&[u8]> = None;
    if let Some(m) = C_FLAG.captures(c) {
        c = if group(&m, 1).is_empty() {
            b"*"
        } else {
            group(&m, 1)
        };
        if group(&m, 2) != b"stable" {
            stability = Some(group(&m, 2));
        }
    }
    if let Some(m) = C_REF.captures(c) {
        c = group(&m, 1);
    }
    if let Some(m) = C_ANY.captures(c) {
        if !group(&m, 1).is_empty() || !group(&m, 2).is_empty() {
            return Some(vec![Atom::Cmp(Op::Ge, b"0.0.0.0-dev".to_vec())]);
        }
        return Some(vec![Atom::All]);
    }
    let with_dev = |mut v: Vec<u8>| {
        v.extend_from_slice(b"-dev");
        v
    };
    if let Some(m) = C_TILDE.captures(c) {
        if c.starts_with(b"~>") {
            return None;
        }
        let mut position = (1..=4)
            .rev()
            .find(|&i| !group(&m, i).is_empty())
            .unwrap_or(1);
        if !group(&m, 8).is_empty() {
            position += 1;
        }
        let mut low = c[1..].to_vec();
        if group(&m, 5).is_empty() && group(&m, 7).is_empty() && group(&m, 8).is_empty() {
            low.extend_from_slice(b"-dev");
        }
        let low = normalize(&low)?;
        let high = with_dev(manipulate(
            parts(&m, 1),
            position.saturating_sub(1).max(1),
            true,
        ));
        return Some(vec![Atom::Cmp(Op::Ge, low), Atom::Cmp(Op::Lt, high)]);
    }
    if let Some(m) = C_CARET.captures(c) {
        let position = if group(&m, 1) != b"0" || group(&m, 2).is_empty() {
            1
        } else if group(&m, 2) != b"0" || group(&m, 3).is_empty() {
            2
        } else {
            3
        };
        let mut low = c[1..].to_vec();
        if group(&m, 5).is_empty() && group(&m, 7).is_empty() && group(&m, 8).is_empty() {
            low.extend_from_slice(b"-dev");
        }
        let low = normalize(&low)?;
        let high = with_dev(manipulate(parts(&m, 1), position, true));
        return Some(vec![Atom::Cmp(Op::Ge, low), Atom::Cmp(Op::Lt, high)]);
    }
    if let Some(m) = C_XRANGE.captures(c) {
        let position = (1..=3)
            .rev()
            .find(|&i| !group(&m, i).is_empty())
            .unwrap_or(1);
        let p = [group(&m, 1), group(&m, 2), group(&m, 3), b""];
        let low = with_dev(manipulate(p, position, false));
        let high = with_dev(manipulate(p, position, true));
        if low == b"0.0.0.0-dev" {
            return Some(vec![Atom::Cmp(Op::Lt, high)]);
        }
        return Some(vec![Atom::Cmp(Op::Ge, low), Atom::Cmp(Op::Lt, high)]);
    }
    if let Some(m) = C_HYPHEN.captures(c) {
        let mut low = normalize(group(&m, 1))?;
        if group(&m, 6).is_empty() && group(&m, 8).is_empty() && group(&m, 9).is_empty() {
            low.extend_from_slice(b"-dev");
        }
        let to = group(&m, 10);
        let upper = if (!group(&m, 12).is_empty() && !group(&m, 13).is_empty())
            || !group(&m, 15).is_empty()
            || !group(&m, 17).is_empty()
            || !group(&m, 18).is_empty()
        {
            Atom::Cmp(Op::Le, normalize(to)?)
        } else {
            normalize(to)?;
            let position = if group(&m, 12).is_empty() { 1 } else { 2 };
            Atom::Cmp(Op::Lt, with_dev(manipulate(parts(&m, 11), position, true)))
        };
        return Some(vec![Atom::Cmp(Op::Ge, low), upper]);
    }
    let m = C_BASIC.captures(c)?;
    let text = group(&m, 2);
    let mut version = match normalize(text) {
        Some(v) => v,
        None if text.ends_with(b"-dev") && C_DEV_OK.is_match(text) => {
            normalize(&[b"dev-", &text[..text.len() - 4]].concat())?
        }
        None => return None,
    };
    let op = match group(&m, 1) {
        b"<>" | b"!=" => Op::Ne,
        b">" => Op::Gt,
        b">=" => Op::Ge,
        b"<" => Op::Lt,
        b"<=" => Op::Le,
        _ => Op::Eq,
    };
    if op != Op::Eq
        && let Some(s) = stability
        && is_stable(&version)
    {
        version.push(b'-');
        version.extend_from_slice(s);
    } else if matches!(op, Op::Lt | Op::Ge)
        && !C_LOW_MODIFIER.is_match(&text.to_ascii_lowercase())
        && !text.starts_with(b"dev-")
    {
        version.extend_from_slice(b"-dev");
    }
    Some(vec![Atom::Cmp(op, version)])
}

/// `preg_split('{\s*\|\|?\s*}', $s)`.
fn split_or(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut last = 0;
    let mut from = 0;
    while let Some(j) = s[from..].iter().position(|&c| c == b'|').map(|i| from + i) {
        let mut start = j;
        while start > last && pcre_space(s[start - 1]) {
            start -= 1;
        }
        let mut end = j + 1;
        if s.get(end) == Some(&b'|') {
            end += 1;
        }
        while end < s.len() && pcre_space(s[end]) {
            end += 1;
        }
        out.push(&s[last..start]);
        last = end;
        from = end;
    }
    out.push(&s[last..]);
    out
}

/// Where `(?<!^|as|[=>< ,]) *(?<!-)[, ](?!-) *(?!,|as|$)` matches at `p`, tried in PCRE's
/// backtracking order: its end.
fn and_separator_at(s: &[u8], p: usize) -> Option<usize> {
    if p == 0
        || (p >= 2 && &s[p - 2..p] == b"as")
        || matches!(s[p - 1], b'=' | b'>' | b'<' | b' ' | b',')
    {
        return None;
    }
    let spaces = |from: usize| {
        s[from.min(s.len())..]
            .iter()
            .take_while(|&&c| c == b' ')
            .count()
    };
    let lookahead_ok = |e: usize| {
        let rest = &s[e..];
        !(rest.is_empty() || rest == b"\n" || rest[0] == b',' || rest.starts_with(b"as"))
    };
    let max_lead = spaces(p);
    for lead in (0..=max_lead).rev() {
        let k = p + lead;
        if !matches!(s.get(k), Some(b',' | b' ')) || s[k - 1] == b'-' || s.get(k + 1) == Some(&b'-')
        {
            continue;
        }
        let max_trail = spaces(k + 1);
        let e = k + 1 + max_trail;
        if lookahead_ok(e) {
            return Some(e);
        }
        if max_trail > 0 {
            // One space fewer: the next character is a space, which the lookahead accepts.
            return Some(e - 1);
        }
    }
    None
}

/// `preg_split` with the conjunct separator.
fn split_and(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut last = 0;
    let mut p = 0;
    while p < s.len() {
        if let Some(e) = and_separator_at(s, p) {
            out.push(&s[last..p]);
            last = e;
            p = e;
        } else {
            p += 1;
        }
    }
    out.push(&s[last..]);
    out
}

/// `(string) $constraint` starts with `>=` / `<` and the two bounds meet, as
/// `MultiConstraint::optimizeConstraints` checks.
fn mergeable(left: &[Atom], right: &[Atom]) -> bool {
    match (left, right) {
        (
            [Atom::Cmp(Op::Ge, _), Atom::Cmp(Op::Lt | Op::Le, l1)],
            [Atom::Cmp(Op::Ge, r0), Atom::Cmp(Op::Lt | Op::Le, _)],
        ) => {
            // `substr("< X", 2) === substr(">= Y", 3)`; for `<=` the left side keeps a space.
            matches!(left[1], Atom::Cmp(Op::Lt, _)) && l1 == r0
        }
        _ => false,
    }
}

/// A Composer constraint (`VersionParser::parseConstraints`): alternatives of conjunctions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposerConstraint {
    any_of: Vec<Vec<Atom>>,
}

impl ComposerConstraint {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let err = || VersionError::InvalidRange {
            scheme: SCHEME,
            range: s.chars().take(200).collect(),
            reason: "Composer cannot parse this constraint".to_owned(),
        };
        let mut groups = Vec::new();
        for alternative in split_or(php_trim(s.as_bytes())) {
            let conjuncts = split_and(alternative);
            let mut atoms = Vec::new();
            for c in conjuncts {
                atoms.extend(parse_constraint(c).ok_or_else(err)?);
            }
            groups.push(atoms);
        }
        // MultiConstraint::create(..., false): contiguous `>= a < b || >= b < c` become `>= a < c`.
        let mut any_of = Vec::with_capacity(groups.len());
        if groups.len() > 1 {
            let mut iter = groups.into_iter();
            let mut left = iter.next().unwrap_or_default();
            for right in iter {
                if mergeable(&left, &right) {
                    left = vec![left[0].clone(), right[1].clone()];
                } else {
                    any_of.push(std::mem::replace(&mut left, right));
                }
            }
            any_of.push(left);
        } else {
            any_of = groups;
        }
        Ok(ComposerConstraint { any_of })
    }

    /// `$constraint->matches(new Constraint('==', $version))`.
    pub fn matches(&self, v: &ComposerVersion) -> bool {
        self.any_of
            .iter()
            .any(|all| all.iter().all(|a| a.matches(v.normalized.as_bytes())))
    }
}

/// A Composer version, normalised as `VersionParser::normalize` does.
#[derive(Debug, Clone)]
pub struct ComposerVersion {
    normalized: String,
}

impl ComposerVersion {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let n = normalize(s.as_bytes())
            .ok_or_else(|| VersionError::invalid(SCHEME, s, "Composer cannot normalize it"))?;
        Ok(ComposerVersion {
            normalized: String::from_utf8_lossy(&n).into_owned(),
        })
    }

    /// The normalised form: `1.0.0.0-beta2`, `dev-main`.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// A `dev-` branch, which Composer orders against no other branch.
    pub fn is_branch(&self) -> bool {
        is_branch(self.normalized.as_bytes())
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.normalized.as_bytes(), other.normalized.as_bytes());
        if a == b {
            return Ordering::Equal;
        }
        if self.is_branch() && other.is_branch() {
            // Composer leaves two branches unordered, and `version_compare` on branch names is
            // not even antisymmetric (`dev-a.` and `dev-.a`): order them by name.
            return a.cmp(b);
        }
        // A branch (`dev`) sorts below every numbered version, at the first element.
        version_compare(a, b)
    }
}

impl PartialOrd for ComposerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ComposerVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ComposerVersion {}

/// The `composer` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct ComposerScheme;

impl VersionScheme for ComposerScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        ComposerVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(ComposerVersion::parse(a)?.cmp(&ComposerVersion::parse(b)?))
    }

    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let v = ComposerVersion::parse(version)?;
        Ok(ComposerConstraint::parse(range)?.matches(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Option<String> {
        normalize(s.as_bytes()).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn normalize_like_composer() {
        assert_eq!(norm("v1.0").as_deref(), Some("1.0.0.0"));
        assert_eq!(norm("1.0-b2").as_deref(), Some("1.0.0.0-beta2"));
        assert_eq!(norm("1.0.0-RC1-dev").as_deref(), Some("1.0.0.0-RC1-dev"));
        assert_eq!(
            norm("1.0.x-dev").as_deref(),
            Some("1.0.9999999.9999999-dev")
        );
        assert_eq!(norm("2010-01-02").as_deref(), Some("2010.01.02"));
        assert_eq!(norm("1.0.0+foo").as_deref(), Some("1.0.0.0"));
        assert_eq!(norm("master").as_deref(), Some("dev-master"));
        assert_eq!(norm("DEV-Foo").as_deref(), Some("dev-Foo"));
        assert_eq!(norm("1.0pl3").as_deref(), Some("1.0.0.0-patch3"));
        assert_eq!(norm("1.0.0-stable").as_deref(), Some("1.0.0.0"));
        assert_eq!(norm("foo"), None);
        assert_eq!(norm(""), None);
    }

    #[test]
    fn constraints_like_composer() {
        let s = |v, c| ComposerScheme.satisfies(v, c).unwrap();
        assert!(s("1.5", "^1.2"));
        assert!(!s("2.0", "^1.2"));
        assert!(!s("1.3", "~1.2.0"));
        assert!(s("1.2.9", "~1.2.0"));
        assert!(s("1.0", "~1.0 || >=3"));
        assert!(s("1.5.0-beta", ">=1.0 <2.0"));
        assert!(s("3.0", "1.* || 3.*"));
        assert!(s("1.4", "1.0 - 1.4"));
        assert!(!s("1.5", "1.0 - 1.4"));
        assert!(s("1.4.9", "1.0 - 1.4"));
        assert!(!s("dev-main", ">=1.0"));
        assert!(s("dev-main", "dev-main"));
        assert!(ComposerScheme.satisfies("1.0", "~>1.0").is_err());
        assert!(ComposerScheme.satisfies("1.0", "").is_err());
    }

    #[test]
    fn split_and_like_pcre() {
        let s = |x: &str| {
            split_and(x.as_bytes())
                .into_iter()
                .map(|p| String::from_utf8(p.to_vec()).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(s(">=1.0 <2.0"), [">=1.0", "<2.0"]);
        assert_eq!(s(">= 1.0, < 2.0"), [">= 1.0", "< 2.0"]);
        assert_eq!(s("1.0 - 2.0"), ["1.0 - 2.0"]);
        assert_eq!(s("1.0 as 2.0"), ["1.0 as 2.0"]);
    }
}
