//! npm versions and ranges, exactly as node-semver 7 with `{ loose: true }` (what npm uses).
//!
//! node-semver desugars a range by rewriting its text with a pipeline of regular expressions
//! (hyphen ranges, `~`, `^`, x-ranges, `*`), then parses what is left as comparators. Its
//! edge cases (whitespace, build metadata, leading zeros, numbers past 2^53) follow from that
//! pipeline, so this module ports it step by step with the same expressions (in their
//! "safe" bounded form, as node-semver compiles them) rather than re-deriving a grammar.
//!
//! Versions: `[v=\s]*MAJOR.MINOR.PATCH[-]PRERELEASE[+BUILD]`, loose: leading zeros allowed,
//! the prerelease hyphen optional; at most 256 characters, numbers at most 2^53-1. Ordering is
//! Semantic Versioning's: build metadata ignored, a prerelease sorts before its release, numeric
//! identifiers numerically and below alphanumeric ones.
//!
//! Ranges (`satisfies`): `||` of space-separated comparators; `1.2.3 - 2.3`, `1.x`, `*`, `~1.2`,
//! `^0.2.3`, `>=1.0.0 <2`. A prerelease version only satisfies a comparator set in which some
//! comparator has a prerelease on the same `MAJOR.MINOR.PATCH` (npm's default, without
//! `includePrerelease`).

use std::cmp::Ordering;
use std::sync::LazyLock;

use customs_version::{VersionError, VersionScheme};
use regex::{Captures, Regex};

const SCHEME: &str = "npm";
const MAX_LENGTH: usize = 256;
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// JavaScript's `\s` (and what `String.prototype.trim` removes).
const WSC: &str = r"\t\n\x0B\x0C\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}";

fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(js_space)
}

/// The expressions of node-semver's `internal/re.js`, loose variants, bounded as its `safeRe`.
struct Res {
    loose: Regex,
    xrange: Regex,
    tilde_trim: Regex,
    tilde: Regex,
    caret_trim: Regex,
    caret: Regex,
    comparator: Regex,
    hyphen: Regex,
    star: Regex,
    gte0: Regex,
    build: Regex,
    build_strip: Regex,
    spaces: Regex,
}

static RE: LazyLock<Res> = LazyLock::new(|| {
    let ws = format!("[{WSC}]");
    let s0 = format!("{ws}{{0,1}}");
    let s1 = format!("{ws}{{1,1}}");
    let d0 = "[0-9]{0,256}";
    let d1 = "[0-9]{1,256}";
    let l0 = "[a-zA-Z0-9-]{0,250}";
    let l1 = "[a-zA-Z0-9-]{1,250}";
    let numl = d1;
    let nonnum = format!("{d0}[a-zA-Z-]{l0}");
    let mainl = format!(r"({numl})\.({numl})\.({numl})");
    let pridl = format!("(?:{nonnum}|{numl})");
    let prel = format!(r"(?:-?({pridl}(?:\.{pridl})*))");
    let build = format!(r"(?:\+({l1}(?:\.{l1})*))");
    let looseplain = format!("[v={WSC}]*{mainl}{prel}?{build}?");
    let gtlt = "((?:<|>)?=?)";
    let xidl = format!(r"{numl}|x|X|\*");
    let xpl = format!(r"[v={WSC}]*({xidl})(?:\.({xidl})(?:\.({xidl})(?:{prel})?{build}?)?)?");
    let re = |s: &str| {
        regex::RegexBuilder::new(s)
            .size_limit(64 << 20)
            .build()
            .unwrap_or_else(|e| panic!("regex {s}: {e}"))
    };
    Res {
        loose: re(&format!("^{looseplain}$")),
        xrange: re(&format!("^{gtlt}{s0}{xpl}$")),
        tilde_trim: re(&format!("({s0})(?:~>?){s1}")),
        tilde: re(&format!("^(?:~>?){xpl}$")),
        caret_trim: re(&format!(r"({s0})(?:\^){s1}")),
        caret: re(&format!(r"^(?:\^){xpl}$")),
        comparator: re(&format!("^{gtlt}{s0}({looseplain})$|^$")),
        hyphen: re(&format!("^{s0}({xpl}){s1}-{s1}({xpl}){s0}$")),
        star: re(&format!(r"(<|>)?=?{s0}\*")),
        gte0: re(&format!(r"^{s0}>={s0}0\.0\.0{s0}$")),
        build: re(&build),
        build_strip: re(r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))"),
        spaces: re(&format!("{ws}+")),
    }
});

/// One prerelease identifier: a number below 2^53-1, or a string (numeric strings included
/// when too large, as node-semver keeps them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ident {
    Num(u64),
    Str(String),
}

impl Ident {
    fn numeric(&self) -> Option<f64> {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Ident::Num(n) => Some(*n as f64),
            Ident::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            Ident::Str(_) => None,
        }
    }
}

/// node-semver's `compareIdentifiers`.
fn compare_identifiers(a: &Ident, b: &Ident) -> Ordering {
    if let (Ident::Num(x), Ident::Num(y)) = (a, b) {
        return x.cmp(y);
    }
    match (a.numeric(), b.numeric()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => match (a, b) {
            // JavaScript compares strings by UTF-16 code units; identifiers are ASCII.
            (Ident::Str(x), Ident::Str(y)) => x.cmp(y),
            _ => Ordering::Equal,
        },
    }
}

/// A version as node-semver's `SemVer` class parses it (loose).
#[derive(Debug, Clone)]
pub struct NpmVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub prerelease: Vec<Ident>,
    pub build: Vec<String>,
    /// The normalised form (`1.2.3-beta.1`), what node-semver calls `version`.
    pub version: String,
}

fn main_number(s: &str) -> Option<u64> {
    let t = s.trim_start_matches('0');
    if t.len() > 16 {
        return None;
    }
    let n = if t.is_empty() {
        0
    } else {
        t.parse::<u64>().ok()?
    };
    (n <= MAX_SAFE_INTEGER).then_some(n)
}

impl NpmVersion {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let err = |why: &str| VersionError::invalid(SCHEME, s, why);
        if s.encode_utf16().count() > MAX_LENGTH {
            return Err(err("longer than 256 characters"));
        }
        let c = RE
            .loose
            .captures(js_trim(s))
            .ok_or_else(|| err("not a valid semver version"))?;
        let num = |i: usize| main_number(&c[i]).ok_or_else(|| err("number larger than 2^53-1"));
        let (major, minor, patch) = (num(1)?, num(2)?, num(3)?);
        let prerelease: Vec<Ident> = c
            .get(4)
            .map(|m| {
                m.as_str()
                    .split('.')
                    .map(|id| match main_number(id) {
                        Some(n)
                            if id.bytes().all(|b| b.is_ascii_digit()) && n < MAX_SAFE_INTEGER =>
                        {
                            Ident::Num(n)
                        }
                        _ => Ident::Str(id.to_owned()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let build = c
            .get(5)
            .map(|m| m.as_str().split('.').map(str::to_owned).collect())
            .unwrap_or_default();
        let mut version = format!("{major}.{minor}.{patch}");
        if !prerelease.is_empty() {
            version.push('-');
            let ids: Vec<String> = prerelease
                .iter()
                .map(|i| match i {
                    Ident::Num(n) => n.to_string(),
                    Ident::Str(s) => s.clone(),
                })
                .collect();
            version.push_str(&ids.join("."));
        }
        Ok(NpmVersion {
            major,
            minor,
            patch,
            prerelease,
            build,
            version,
        })
    }

    fn compare_pre(&self, other: &Self) -> Ordering {
        match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => return Ordering::Equal,
            _ => {}
        }
        let mut i = 0;
        loop {
            match (self.prerelease.get(i), other.prerelease.get(i)) {
                (None, None) => return Ordering::Equal,
                (Some(_), None) => return Ordering::Greater,
                (None, Some(_)) => return Ordering::Less,
                (Some(a), Some(b)) if a == b => {}
                // node-semver returns here even when the identifiers compare equal.
                (Some(a), Some(b)) => return compare_identifiers(a, b),
            }
            i += 1;
        }
    }
}

impl Ord for NpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.version == other.version {
            return Ordering::Equal;
        }
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| self.compare_pre(other))
    }
}

impl PartialOrd for NpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NpmVersion {}

/// One comparator: `None` version is node-semver's `ANY` (the empty comparator).
#[derive(Debug, Clone)]
struct Comparator {
    op: String,
    semver: Option<NpmVersion>,
    value: String,
}

impl Comparator {
    fn parse(comp: &str, range: &str) -> Result<Self, VersionError> {
        let comp = RE.spaces.replace_all(js_trim(comp), " ");
        let m = RE
            .comparator
            .captures(&comp)
            .ok_or_else(|| range_error(range, "invalid comparator"))?;
        let mut op = m.get(1).map_or("", |g| g.as_str()).to_owned();
        if op == "=" {
            op.clear();
        }
        match m.get(2) {
            Some(v) if !v.as_str().is_empty() => {
                let semver = NpmVersion::parse(v.as_str())
                    .map_err(|_| range_error(range, "invalid version"))?;
                let value = format!("{op}{}", semver.version);
                Ok(Comparator {
                    op,
                    semver: Some(semver),
                    value,
                })
            }
            _ => Ok(Comparator {
                op,
                semver: None,
                value: String::new(),
            }),
        }
    }

    fn test(&self, v: &NpmVersion) -> bool {
        let Some(s) = &self.semver else { return true };
        let o = v.cmp(s);
        match self.op.as_str() {
            ">" => o == Ordering::Greater,
            ">=" => o != Ordering::Less,
            "<" => o == Ordering::Less,
            "<=" => o != Ordering::Greater,
            _ => o == Ordering::Equal,
        }
    }
}

fn range_error(range: &str, reason: &str) -> VersionError {
    VersionError::InvalidRange {
        scheme: SCHEME,
        range: range.chars().take(200).collect(),
        reason: reason.to_owned(),
    }
}

/// `isX`: absent, `x`, `X` or `*`.
fn is_x(id: Option<&str>) -> bool {
    id.is_none_or(|s| s.is_empty() || s.eq_ignore_ascii_case("x") || s == "*")
}

/// JavaScript's `String(+s + 1)` for a string of digits.
fn plus_one(s: &str) -> String {
    let n: f64 = s.parse::<f64>().unwrap_or(f64::INFINITY) + 1.0;
    js_number(n)
}

/// JavaScript's `Number.prototype.toString()` for a non-negative integer-valued double.
fn js_number(n: f64) -> String {
    if n.is_infinite() {
        return "Infinity".into();
    }
    if n < 1e21 {
        return format!("{n}");
    }
    let e = format!("{n:e}");
    match e.split_once('e') {
        Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
        _ => e,
    }
}

fn group<'a>(c: &'a Captures<'_>, i: usize) -> Option<&'a str> {
    c.get(i).map(|m| m.as_str())
}

fn replace_tilde(comp: &str) -> String {
    RE.tilde
        .replacen(comp, 1, |c: &Captures<'_>| {
            let (mj, mn, pt, pr) = (group(c, 1), group(c, 2), group(c, 3), group(c, 4));
            let (mjs, mns, pts) = (mj.unwrap_or(""), mn.unwrap_or(""), pt.unwrap_or(""));
            if is_x(mj) {
                String::new()
            } else if is_x(mn) {
                format!(">={mjs}.0.0 <{}.0.0-0", plus_one(mjs))
            } else if is_x(pt) {
                format!(">={mjs}.{mns}.0 <{mjs}.{}.0-0", plus_one(mns))
            } else if let Some(pr) = pr.filter(|p| !p.is_empty()) {
                format!(">={mjs}.{mns}.{pts}-{pr} <{mjs}.{}.0-0", plus_one(mns))
            } else {
                format!(">={mjs}.{mns}.{pts} <{mjs}.{}.0-0", plus_one(mns))
            }
        })
        .into_owned()
}

fn replace_caret(comp: &str) -> String {
    RE.caret
        .replacen(comp, 1, |c: &Captures<'_>| {
            let (mj, mn, pt, pr) = (group(c, 1), group(c, 2), group(c, 3), group(c, 4));
            let (mjs, mns, pts) = (mj.unwrap_or(""), mn.unwrap_or(""), pt.unwrap_or(""));
            let pr = pr.filter(|p| !p.is_empty());
            if is_x(mj) {
                String::new()
            } else if is_x(mn) {
                format!(">={mjs}.0.0 <{}.0.0-0", plus_one(mjs))
            } else if is_x(pt) {
                if mjs == "0" {
                    format!(">={mjs}.{mns}.0 <{mjs}.{}.0-0", plus_one(mns))
                } else {
                    format!(">={mjs}.{mns}.0 <{}.0.0-0", plus_one(mjs))
                }
            } else {
                let from = match pr {
                    Some(pr) => format!(">={mjs}.{mns}.{pts}-{pr}"),
                    None => format!(">={mjs}.{mns}.{pts}"),
                };
                let to = if mjs == "0" {
                    if mns == "0" {
                        format!("<{mjs}.{mns}.{}-0", plus_one(pts))
                    } else {
                        format!("<{mjs}.{}.0-0", plus_one(mns))
                    }
                } else {
                    format!("<{}.0.0-0", plus_one(mjs))
                };
                format!("{from} {to}")
            }
        })
        .into_owned()
}

fn replace_xrange(comp: &str) -> String {
    let comp = js_trim(comp);
    RE.xrange
        .replacen(comp, 1, |c: &Captures<'_>| {
            let whole = c[0].to_owned();
            let mut gtlt = group(c, 1).unwrap_or("").to_owned();
            let (mj, mn, pt) = (group(c, 2), group(c, 3), group(c, 4));
            if (is_x(mj) && !is_x(mn))
                || (is_x(mn) && pt.is_some_and(|p| !p.is_empty()) && !is_x(pt))
            {
                return comp.to_owned();
            }
            let xm_major = is_x(mj);
            let xm = xm_major || is_x(mn);
            let xp = xm || is_x(pt);
            if gtlt == "=" && xp {
                gtlt.clear();
            }
            let mjs = mj.unwrap_or("").to_owned();
            if xm_major {
                if gtlt == ">" || gtlt == "<" {
                    "<0.0.0-0".to_owned()
                } else {
                    "*".to_owned()
                }
            } else if !gtlt.is_empty() && xp {
                let mut major = mjs.clone();
                let mut minor = if xm {
                    "0".to_owned()
                } else {
                    mn.unwrap_or("").to_owned()
                };
                let mut patch = "0".to_owned();
                if gtlt == ">" {
                    gtlt = ">=".into();
                    if xm {
                        major = plus_one(&major);
                        minor = "0".into();
                        patch = "0".into();
                    } else {
                        minor = plus_one(&minor);
                        patch = "0".into();
                    }
                } else if gtlt == "<=" {
                    gtlt = "<".into();
                    if xm {
                        major = plus_one(&major);
                    } else {
                        minor = plus_one(&minor);
                    }
                }
                let pr = if gtlt == "<" { "-0" } else { "" };
                format!("{gtlt}{major}.{minor}.{patch}{pr}")
            } else if xm {
                format!(">={mjs}.0.0 <{}.0.0-0", plus_one(&mjs))
            } else if xp {
                let mns = mn.unwrap_or("");
                format!(">={mjs}.{mns}.0 <{mjs}.{}.0-0", plus_one(mns))
            } else {
                whole
            }
        })
        .into_owned()
}

fn split_ws(s: &str) -> Vec<&str> {
    // JavaScript's `s.split(/\s+/)`: empty pieces at the ends are kept.
    RE.spaces.split(s).collect()
}

fn parse_comparator(comp: &str) -> String {
    let comp = RE.build.replacen(comp, 1, "");
    let comp: Vec<String> = split_ws(js_trim(&comp))
        .into_iter()
        .map(replace_caret)
        .collect();
    let comp = comp.join(" ");
    let comp: Vec<String> = split_ws(js_trim(&comp))
        .into_iter()
        .map(replace_tilde)
        .collect();
    let comp = comp.join(" ");
    let comp: Vec<String> = split_ws(&comp).into_iter().map(replace_xrange).collect();
    let comp = comp.join(" ");
    RE.star.replacen(js_trim(&comp), 1, "").into_owned()
}

fn hyphen_replace(c: &Captures<'_>) -> String {
    let (fm, fmi, fp, fpr) = (group(c, 2), group(c, 3), group(c, 4), group(c, 5));
    let from_all = group(c, 1).unwrap_or("");
    let (tm, tmi, tp, tpr) = (group(c, 8), group(c, 9), group(c, 10), group(c, 11));
    let to_all = group(c, 7).unwrap_or("");
    let (fms, fmis) = (fm.unwrap_or(""), fmi.unwrap_or(""));
    let from = if is_x(fm) {
        String::new()
    } else if is_x(fmi) {
        format!(">={fms}.0.0")
    } else if is_x(fp) {
        format!(">={fms}.{fmis}.0")
    } else {
        let _ = fpr;
        format!(">={from_all}")
    };
    let (tms, tmis, tps) = (tm.unwrap_or(""), tmi.unwrap_or(""), tp.unwrap_or(""));
    let to = if is_x(tm) {
        String::new()
    } else if is_x(tmi) {
        format!("<{}.0.0-0", plus_one(tms))
    } else if is_x(tp) {
        format!("<{tms}.{}.0-0", plus_one(tmis))
    } else if let Some(tpr) = tpr.filter(|p| !p.is_empty()) {
        format!("<={tms}.{tmis}.{tps}-{tpr}")
    } else {
        format!("<={to_all}")
    };
    js_trim(&format!("{from} {to}")).to_owned()
}

/// node-semver's `trimComparatorWhitespace`: joins an operator to its version (`> 1.2` -> `>1.2`).
#[allow(clippy::too_many_lines)]
fn trim_comparator_whitespace(range: &str) -> String {
    let r: Vec<char> = range.chars().collect();
    let at = |i: usize| r.get(i).copied();
    let is_digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let is_letter = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    let is_ident = |c: Option<char>| is_digit(c) || is_letter(c) || c == Some('-');
    let is_ws = |c: Option<char>| c.is_some_and(js_space);
    let is_prefix = |c: Option<char>| c == Some('v') || c == Some('=') || is_ws(c);
    let is_start = |c: Option<char>| is_digit(c) || matches!(c, Some('x' | 'X' | '*'));
    let digits_end = |start: usize, limit: usize| {
        if !is_digit(at(start)) {
            return start;
        }
        let mut end = start + 1;
        while is_digit(at(end)) {
            end += 1;
        }
        end.min(start + limit)
    };
    let number_end = |start: usize, loose: bool| {
        if !loose && at(start) == Some('0') {
            return start + 1;
        }
        digits_end(start, if loose { MAX_LENGTH } else { MAX_LENGTH + 1 })
    };
    let pre_ident_end = |start: usize, loose: bool| {
        let de = digits_end(start, MAX_LENGTH);
        if is_letter(at(de)) || at(de) == Some('-') {
            let mut end = de + 1;
            let limit = end + (MAX_LENGTH - 6);
            while end < limit && is_ident(at(end)) {
                end += 1;
            }
            return end;
        }
        number_end(start, loose)
    };
    let pre_end = |start: usize, loose: bool| {
        let hyphen = at(start) == Some('-');
        if !loose && !hyphen {
            return start;
        }
        let id_start = start + usize::from(hyphen);
        let mut end = pre_ident_end(id_start, loose);
        if end == id_start {
            if !loose || !hyphen {
                return start;
            }
            end = pre_ident_end(start, loose);
        }
        while at(end) == Some('.') {
            let next = pre_ident_end(end + 1, loose);
            if next == end + 1 {
                break;
            }
            end = next;
        }
        end
    };
    let build_ident_end = |start: usize| {
        let mut end = start;
        while end - start < MAX_LENGTH - 6 && is_ident(at(end)) {
            end += 1;
        }
        end
    };
    let build_end = |start: usize| {
        if at(start) != Some('+') {
            return start;
        }
        let mut end = build_ident_end(start + 1);
        if end == start + 1 {
            return start;
        }
        while at(end) == Some('.') {
            let next = build_ident_end(end + 1);
            if next == end + 1 {
                break;
            }
            end = next;
        }
        end
    };
    let loose_full_end = |start: usize| {
        let mut end = start;
        for component in 0..3 {
            let next = number_end(end, true);
            if next == end {
                return start;
            }
            end = next;
            if component < 2 {
                if at(end) != Some('.') {
                    return start;
                }
                end += 1;
            }
        }
        build_end(pre_end(end, true))
    };
    let partial_component_end = |start: usize| {
        if is_digit(at(start)) {
            return number_end(start, false);
        }
        if is_start(at(start)) {
            start + 1
        } else {
            start
        }
    };
    let partial_end = |start: usize| {
        let mut end = partial_component_end(start);
        for _ in 0..2 {
            if at(end) != Some('.') {
                return end;
            }
            let next = partial_component_end(end + 1);
            if next == end + 1 {
                return end;
            }
            end = next;
        }
        build_end(pre_end(end, false))
    };
    let version_end = |start: usize| {
        let full = loose_full_end(start);
        if full == start {
            partial_end(start)
        } else {
            full
        }
    };
    let removable_ws = |match_start: usize| {
        let mut p = match_start;
        if is_ws(at(p)) {
            p += 1;
        }
        if matches!(at(p), Some('<' | '>')) {
            p += 1;
        }
        if at(p) == Some('=') {
            p += 1;
        }
        is_ws(at(p)).then_some(p)
    };

    let mut result = String::new();
    let mut copy_from = 0;
    let mut cursor = 0;
    while cursor < r.len() {
        let match_start = cursor;
        if matches!(at(cursor), Some('<' | '>')) {
            cursor += 1;
        } else if !is_prefix(at(cursor)) && !is_start(at(cursor)) {
            cursor += 1;
            continue;
        }
        while cursor < r.len() && is_prefix(at(cursor)) {
            cursor += 1;
        }
        if !is_start(at(cursor)) {
            continue;
        }
        if let Some(p) = removable_ws(match_start) {
            result.extend(&r[copy_from..p]);
            copy_from = p + 1;
        }
        cursor = version_end(cursor);
    }
    result.extend(&r[copy_from.min(r.len())..]);
    result
}

/// A parsed node-semver range: `||` of comparator sets.
#[derive(Debug, Clone)]
pub struct NpmRange {
    set: Vec<Vec<Comparator>>,
}

impl NpmRange {
    pub fn parse(range: &str) -> Result<Self, VersionError> {
        let raw = RE.spaces.replace_all(js_trim(range), " ").into_owned();
        let mut set: Vec<Vec<Comparator>> = Vec::new();
        for part in raw.split("||") {
            let comps = Self::parse_set(js_trim(part), range)?;
            if !comps.is_empty() {
                set.push(comps);
            }
        }
        if set.is_empty() {
            return Err(range_error(range, "invalid semver range"));
        }
        if set.len() > 1 {
            let first = set[0].clone();
            set.retain(|c| c[0].value != "<0.0.0-0");
            if set.is_empty() {
                set = vec![first];
            } else if set.len() > 1
                && let Some(any) = set.iter().find(|c| c.len() == 1 && c[0].value.is_empty())
            {
                set = vec![any.clone()];
            }
        }
        Ok(NpmRange { set })
    }

    fn parse_set(part: &str, range: &str) -> Result<Vec<Comparator>, VersionError> {
        let r = RE.build_strip.replace_all(part, "");
        let r = RE.hyphen.replacen(&r, 1, hyphen_replace);
        let r = trim_comparator_whitespace(&r);
        let r = RE.tilde_trim.replace_all(&r, "${1}~");
        let r = RE.caret_trim.replace_all(&r, "${1}^");
        let joined: Vec<String> = r.split(' ').map(parse_comparator).collect();
        let joined = joined.join(" ");
        let list: Vec<String> = split_ws(&joined)
            .into_iter()
            .map(|c| RE.gte0.replacen(js_trim(c), 1, "").into_owned())
            .filter(|c| RE.comparator.is_match(c))
            .collect();
        // Every comparator is built (and may fail) before the null-set check, as in node-semver.
        let comps = list
            .iter()
            .map(|c| Comparator::parse(c, range))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out: Vec<Comparator> = Vec::new();
        for comp in comps {
            if comp.value == "<0.0.0-0" {
                return Ok(vec![comp]);
            }
            match out.iter_mut().find(|o| o.value == comp.value) {
                Some(existing) => *existing = comp,
                None => out.push(comp),
            }
        }
        if out.len() > 1 {
            out.retain(|c| !c.value.is_empty());
        }
        Ok(out)
    }

    /// node-semver's `Range.test` (without `includePrerelease`).
    pub fn test(&self, v: &NpmVersion) -> bool {
        self.set.iter().any(|set| {
            if !set.iter().all(|c| c.test(v)) {
                return false;
            }
            if v.prerelease.is_empty() {
                return true;
            }
            set.iter().any(|c| {
                c.semver.as_ref().is_some_and(|s| {
                    !s.prerelease.is_empty()
                        && (s.major, s.minor, s.patch) == (v.major, v.minor, v.patch)
                })
            })
        })
    }
}

/// The `npm` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct NpmScheme;

impl VersionScheme for NpmScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        NpmVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(NpmVersion::parse(a)?.cmp(&NpmVersion::parse(b)?))
    }

    fn satisfies(&self, version: &str, range: &str) -> Result<bool, VersionError> {
        let v = NpmVersion::parse(version)?;
        Ok(NpmRange::parse(range)?.test(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sat(v: &str, r: &str) -> bool {
        NpmScheme.satisfies(v, r).unwrap()
    }

    #[test]
    fn node_semver_rules() {
        let c = |a, b| NpmScheme.compare(a, b).unwrap();
        assert_eq!(c("1.2.3", "v1.2.3"), Ordering::Equal);
        assert_eq!(c("1.2.3-alpha", "1.2.3"), Ordering::Less);
        assert_eq!(c("1.2.3-alpha.2", "1.2.3-alpha.10"), Ordering::Less);
        assert_eq!(c("1.2.3-2", "1.2.3-alpha"), Ordering::Less);
        assert_eq!(c("1.2.3+b1", "1.2.3+b2"), Ordering::Equal);
        assert_eq!(c("01.2.3", "1.2.3"), Ordering::Equal);
        assert!(NpmScheme.validate("1.2").is_err());
        assert!(sat("1.2.5", "~1.2.3"));
        assert!(!sat("1.3.0", "~1.2.3"));
        assert!(sat("1.9.0", "^1.2.3"));
        assert!(!sat("0.3.0", "^0.2.3"));
        assert!(sat("2.3.9", "1.2.3 - 2.3"));
        assert!(!sat("2.4.0", "1.2.3 - 2.3"));
        assert!(sat("1.4.0", "1.x || >=2.5.0"));
        assert!(!sat("1.2.4-beta", ">=1.2.3 <2"));
        assert!(sat("1.2.3-beta.2", ">=1.2.3-beta.1 <2"));
        assert!(sat("5.0.0", "*"));
        assert!(sat("1.0.0", ">= 1.0.0"));
    }
}
