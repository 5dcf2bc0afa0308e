//! Debian version ordering, exactly as dpkg's `verrevcmp` (lib/dpkg/version.c).
//!
//! A version is `[EPOCH:]UPSTREAM[-REVISION]`. Epoch is a decimal integer (absent = 0). The
//! revision is everything after the last hyphen (absent = empty, which sorts like "0").
//! Upstream and revision compare piecewise: a run of non-digits compared character by
//! character where `~` sorts before everything (even the end of the string), then letters,
//! then everything else by ASCII; then a run of digits compared numerically.

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "deb";

/// A parsed Debian version, borrowing from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebVersion<'a> {
    pub epoch: u64,
    pub upstream: &'a str,
    pub revision: &'a str,
}

impl<'a> DebVersion<'a> {
    /// Parses with dpkg's `parseversion` rules (the checks dpkg treats as errors).
    pub fn parse(s: &'a str) -> Result<Self, VersionError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(VersionError::invalid(SCHEME, s, "empty version"));
        }
        if t.contains(char::is_whitespace) {
            return Err(VersionError::invalid(SCHEME, s, "contains embedded spaces"));
        }
        let (epoch, rest) = match t.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(VersionError::invalid(SCHEME, s, "epoch is not a number"));
                }
                let epoch: u64 = e
                    .parse()
                    .ok()
                    .filter(|n| i32::try_from(*n).is_ok())
                    .ok_or_else(|| VersionError::invalid(SCHEME, s, "epoch is too big"))?;
                if rest.is_empty() {
                    return Err(VersionError::invalid(SCHEME, s, "nothing after colon"));
                }
                (epoch, rest)
            }
            None => (0, t),
        };
        let (upstream, revision) = match rest.rfind('-') {
            Some(i) => {
                let (u, r) = (&rest[..i], &rest[i + 1..]);
                if r.is_empty() {
                    return Err(VersionError::invalid(SCHEME, s, "revision number is empty"));
                }
                (u, r)
            }
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(VersionError::invalid(SCHEME, s, "version number is empty"));
        }
        if !upstream.as_bytes()[0].is_ascii_digit() {
            return Err(VersionError::invalid(
                SCHEME,
                s,
                "version number does not start with digit",
            ));
        }
        let ok_upstream = |b: u8| b.is_ascii_alphanumeric() || b".-+~:".contains(&b);
        if !upstream.bytes().all(ok_upstream) {
            return Err(VersionError::invalid(
                SCHEME,
                s,
                "invalid character in version number",
            ));
        }
        let ok_rev = |b: u8| b.is_ascii_alphanumeric() || b".+~".contains(&b);
        if !revision.bytes().all(ok_rev) {
            return Err(VersionError::invalid(
                SCHEME,
                s,
                "invalid character in revision number",
            ));
        }
        Ok(DebVersion {
            epoch,
            upstream,
            revision,
        })
    }
}

impl Ord for DebVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl PartialOrd for DebVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// dpkg's character weight: `~` lowest, then end of string (0), letters, then the rest.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = i32::from(a[i]) - i32::from(b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

/// The `deb` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct DebScheme;

impl VersionScheme for DebScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        DebVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(DebVersion::parse(a)?.cmp(&DebVersion::parse(b)?))
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
        DebScheme.compare(a, b).unwrap()
    }

    #[test]
    fn dpkg_rules() {
        assert_eq!(c("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0", "1.0+b1"), Ordering::Less);
        assert_eq!(c("1:0.1", "2.0"), Ordering::Greater);
        assert_eq!(c("1.0-1", "1.0-1"), Ordering::Equal);
        assert_eq!(c("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(
            c("1.0a", "1.0+"),
            Ordering::Less,
            "letters sort before non-letters"
        );
        assert_eq!(c("1.01", "1.1"), Ordering::Equal);
        assert_eq!(c("1.0.1e-2+deb7u4", "1.0.1e-2+deb7u5"), Ordering::Less);
        assert_eq!(c("1.0~~", "1.0~"), Ordering::Less);
        assert_eq!(c("1.0-1~bpo1", "1.0-1"), Ordering::Less);
        assert_eq!(c("2.30-1ubuntu1", "2.30-1"), Ordering::Greater);
    }

    #[test]
    fn invalid_versions_are_errors() {
        for bad in [
            "", "a1.0", "1:", ":1.0", "1.0-", "1.0 2", "x:1.0", "1.0_1", "1.0-a_b",
        ] {
            assert!(
                DebVersion::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
