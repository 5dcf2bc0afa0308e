//! Alpine version ordering, exactly as apk-tools 3 (`src/version.c`, `apk version -t`).
//!
//! A version is `DIGITS{.DIGITS}[letter]{_suffix[DIGITS]}[~hexhash][-rDIGITS]`:
//!
//! - numeric components compare as numbers, except that a dotted component with a leading
//!   zero on either side compares as a string (`1.01` < `1.1`, `1.0` < `1.00`);
//! - one lowercase letter may follow the numbers (`1.2a` > `1.2`, `1.2.1` > `1.2a`);
//! - suffixes `_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` < `_svn` < `_git` < `_hg`
//!   < `_p`, each with an optional number; `1.0_rc1` < `1.0` < `1.0_p1`;
//! - `~hash` (lowercase hex) sorts after the suffixes and is compared as a string;
//! - `-rN` (the package revision) last; `1.0-r1` > `1.0`.
//!
//! When one version runs out first, the other is greater, unless its next part is a
//! pre-release suffix. Anything else (capital letters, two letters, `-` not followed by `r`
//! and digits, unknown suffixes) is invalid for apk, and here an error.
//!
//! apk-tools 2.x (Alpine up to 3.22) orders valid versions the same way except for dotted
//! components with leading zeros (2.x: `1.00` < `1.0`), and accepts a digit after the letter;
//! see docs/versions.md.

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "apk";

/// The token kinds, in apk-tools' order (the order matters for the comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix values; `None` (4) separates pre-release from post-release suffixes.
const SUFFIXES: [(&str, u8); 9] = [
    ("alpha", 0),
    ("beta", 1),
    ("pre", 2),
    ("rc", 3),
    ("cvs", 5),
    ("svn", 6),
    ("git", 7),
    ("hg", 8),
    ("p", 9),
];
const SUFFIX_NONE: u8 = 4;

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    suffix: u8,
    number: u64,
    value: &'a [u8],
}

struct Tokens<'a> {
    rest: &'a [u8],
    tok: Token<'a>,
}

impl<'a> Tokens<'a> {
    fn new(s: &'a [u8]) -> Self {
        let mut t = Tokens {
            rest: s,
            tok: Token {
                kind: Kind::InitialDigit,
                suffix: 0,
                number: 0,
                value: &[],
            },
        };
        t.digits();
        t
    }

    fn digits(&mut self) {
        let n = self.rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let (v, rest) = self.rest.split_at(n);
        self.tok.number = v.iter().fold(0u64, |acc, &c| {
            acc.wrapping_mul(10).wrapping_add(u64::from(c - b'0'))
        });
        self.tok.value = v;
        self.rest = rest;
        if n == 0 {
            self.tok.kind = Kind::Invalid;
        }
    }

    fn invalid(&mut self) {
        self.tok.kind = Kind::Invalid;
    }

    fn next(&mut self) {
        let Some(&c) = self.rest.first() else {
            self.tok.kind = Kind::End;
            return;
        };
        let kind = self.tok.kind;
        match c {
            b'a'..=b'z' => {
                if kind > Kind::Digit {
                    return self.invalid();
                }
                self.tok.value = &self.rest[..1];
                self.tok.kind = Kind::Letter;
                self.rest = &self.rest[1..];
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if kind > Kind::Digit {
                        return self.invalid();
                    }
                    self.rest = &self.rest[1..];
                }
                self.tok.kind = match kind {
                    Kind::InitialDigit | Kind::Digit => Kind::Digit,
                    Kind::Suffix => Kind::SuffixNo,
                    _ => return self.invalid(),
                };
                self.digits();
            }
            b'_' => {
                if kind > Kind::SuffixNo {
                    return self.invalid();
                }
                self.rest = &self.rest[1..];
                let n = self
                    .rest
                    .iter()
                    .take_while(|c| c.is_ascii_lowercase())
                    .count();
                let (name, rest) = self.rest.split_at(n);
                self.rest = rest;
                self.tok.value = name;
                match SUFFIXES.iter().find(|(s, _)| s.as_bytes() == name) {
                    Some(&(_, v)) => {
                        self.tok.suffix = v;
                        self.tok.kind = Kind::Suffix;
                    }
                    None => self.invalid(),
                }
            }
            b'~' => {
                if kind >= Kind::CommitHash {
                    return self.invalid();
                }
                self.rest = &self.rest[1..];
                let n = self
                    .rest
                    .iter()
                    .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                    .count();
                if n == 0 {
                    return self.invalid();
                }
                let (hash, rest) = self.rest.split_at(n);
                self.tok.value = hash;
                self.rest = rest;
                self.tok.kind = Kind::CommitHash;
            }
            b'-' => {
                if kind >= Kind::RevisionNo || !self.rest.starts_with(b"-r") {
                    return self.invalid();
                }
                self.rest = &self.rest[2..];
                self.tok.kind = Kind::RevisionNo;
                self.digits();
            }
            _ => self.invalid(),
        }
    }
}

fn token_cmp(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.kind {
        Kind::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Kind::Digit | Kind::InitialDigit | Kind::SuffixNo | Kind::RevisionNo => {
            a.number.cmp(&b.number)
        }
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        // Letter, commit hash: byte strings.
        _ => a.value.cmp(b.value),
    }
}

fn is_valid(s: &str) -> bool {
    let mut t = Tokens::new(s.as_bytes());
    while t.tok.kind < Kind::End {
        t.next();
    }
    t.tok.kind == Kind::End
}

/// apk-tools' `apk_version_compare` (on valid versions).
fn compare(a: &str, b: &str) -> Ordering {
    let (mut ta, mut tb) = (Tokens::new(a.as_bytes()), Tokens::new(b.as_bytes()));
    while ta.tok.kind == tb.tok.kind && ta.tok.kind < Kind::End {
        match token_cmp(&ta.tok, &tb.tok) {
            Ordering::Equal => {}
            o => return o,
        }
        ta.next();
        tb.next();
    }
    let (ka, kb) = (ta.tok.kind, tb.tok.kind);
    if ka == kb {
        return Ordering::Equal;
    }
    if ka == Kind::Suffix && ta.tok.suffix < SUFFIX_NONE {
        return Ordering::Less;
    }
    if kb == Kind::Suffix && tb.tok.suffix < SUFFIX_NONE {
        return Ordering::Greater;
    }
    // The version whose next token kind is later in the order is the smaller one.
    kb.cmp(&ka)
}

/// A valid apk version (checked on construction). Equality is apk's (`01` == `1`).
#[derive(Debug, Clone, Copy)]
pub struct ApkVersion<'a>(&'a str);

impl<'a> ApkVersion<'a> {
    pub fn parse(s: &'a str) -> Result<Self, VersionError> {
        if is_valid(s) {
            Ok(ApkVersion(s))
        } else {
            Err(VersionError::invalid(SCHEME, s, "not a valid apk version"))
        }
    }

    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

impl Ord for ApkVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(self.0, other.0)
    }
}

impl PartialOrd for ApkVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion<'_> {}

/// The `apk` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct ApkScheme;

impl VersionScheme for ApkScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        ApkVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(ApkVersion::parse(a)?.cmp(&ApkVersion::parse(b)?))
    }

    /// `compare` parses both versions with the same parser as `validate`.
    fn compare_validates(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        ApkScheme.compare(a, b).unwrap()
    }

    #[test]
    fn apk_rules() {
        use Ordering::{Equal, Greater, Less};
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0_rc1", "1.0", Less),
            ("1.0_alpha", "1.0_beta", Less),
            ("1.0_pre1", "1.0_rc1", Less),
            ("1.0_p1", "1.0", Greater),
            ("1.0_cvs1", "1.0_p1", Less),
            ("1.0_git20200101", "1.0_hg1", Less),
            ("1.0-r1", "1.0", Greater),
            ("1.0-r10", "1.0-r9", Greater),
            ("1.0a", "1.0", Greater),
            ("1.0a", "1.0.1", Less),
            ("1.0a", "1.0b", Less),
            ("1.01", "1.1", Less),
            ("1.0", "1.00", Less),
            ("01.1", "1.1", Equal),
            ("1.0~abc", "1.0", Greater),
            ("1.0~abc-r1", "1.0-r1", Greater),
            ("1.0_alpha1", "1.0_alpha", Greater),
            ("1.0_alpha_beta", "1.0_alpha", Less),
            ("2.34", "0.1.0_alpha", Greater),
            ("23_foo", "4_beta", Greater),
        ];
        for (a, b, want) in cases {
            if a == "23_foo" {
                assert!(ApkScheme.validate(a).is_err());
                continue;
            }
            assert_eq!(c(a, b), want, "{a} vs {b}");
            assert_eq!(c(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "a",
            "1.0-1",
            "1.0-r",
            "1.0_foo",
            "1.0AB",
            "1.0ab",
            "1.0a1",
            "1..0",
            "1.0~",
            "1.0~G",
            "1.0_",
            "1.0-r1-r2",
            "1.0 ",
        ] {
            assert!(
                ApkScheme.validate(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
        for good in ["1", "1.2.3a_rc1_p2~deadbeef-r3", "0_git20230101", "1.0_p"] {
            assert!(ApkScheme.validate(good).is_ok(), "{good:?} should be valid");
        }
    }
}
