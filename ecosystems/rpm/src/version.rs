//! rpm version ordering, exactly as rpm 4.18 (`rpmio/rpmvercmp.c` and `lib/rpmver.c`).
//!
//! Input is an EVR string `[EPOCH:]VERSION[-RELEASE]`, parsed like rpm's `rpmverParse`:
//! the epoch is the run of leading digits when a `:` follows it (`:1.0` has epoch "0"); the
//! release is everything after the last `-` that follows the epoch. Nothing else is checked:
//! rpm accepts every non-empty string, and so do we.
//!
//! Ordering (`rpmverCmp`): epoch, then version, then release, each with [`rpmvercmp`].
//!
//! - **A missing epoch is epoch 0**, as in rpm itself (`rpmverCmp` substitutes "0", and so do
//!   `rpm.labelCompare`, dnf and the rpm database). Feeds such as Red Hat's OVAL always write
//!   the epoch (`0:1.2-3.el9`), and installed packages without an Epoch tag have epoch 0, so
//!   `1.2-3` and `0:1.2-3` must be the same version. Epochs are compared with `rpmvercmp` like
//!   the other parts, so `00:1` equals `0:1` and no epoch is too large.
//! - **A missing release sorts before every release**, even an empty one (`1.0` < `1.0-` <
//!   `1.0-0`), as rpm 4.18's `rpmverCmp` and `rpm.labelCompare` do. This keeps the order
//!   total; dnf's "match any release" for a bare version is a matching rule, not an order.
//!
//! `rpmvercmp` splits on any byte that is not an ASCII letter or digit (or `~`, `^`); a digit
//! run beats a letter run; digit runs compare numerically (any length); `~` sorts before
//! everything, even the end of the string (`1.0~rc1` < `1.0`); `^` sorts after the end of
//! the string but before anything else (`1.0` < `1.0^git1` < `1.0.1`).

use std::cmp::Ordering;

use customs_version::{VersionError, VersionScheme};

const SCHEME: &str = "rpm";

/// A parsed rpm EVR, borrowing from the input. Equality is rpm's (`1.01` == `1.1`).
#[derive(Debug, Clone, Copy)]
pub struct RpmVersion<'a> {
    /// The epoch as written (`None` when absent, which compares as "0").
    pub epoch: Option<&'a str>,
    pub version: &'a str,
    /// The release (`None` when there is no `-`).
    pub release: Option<&'a str>,
}

impl<'a> RpmVersion<'a> {
    /// Parses like rpm's `rpmverParse`: only the empty string is invalid.
    pub fn parse(s: &'a str) -> Result<Self, VersionError> {
        if s.is_empty() {
            return Err(VersionError::invalid(SCHEME, s, "empty version"));
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = if s.as_bytes().get(digits) == Some(&b':') {
            let e = &s[..digits];
            (Some(if e.is_empty() { "0" } else { e }), &s[digits + 1..])
        } else {
            (None, s)
        };
        // rpm looks for the last '-' after the epoch digits (even when no ':' follows them).
        let search_from = if epoch.is_some() { 0 } else { digits };
        let (version, release) = match rest[search_from..].rfind('-') {
            Some(i) => (&rest[..search_from + i], Some(&rest[search_from + i + 1..])),
            None => (rest, None),
        };
        Ok(RpmVersion {
            epoch,
            version,
            release,
        })
    }
}

impl std::fmt::Display for RpmVersion<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(e) = self.epoch {
            write!(f, "{e}:")?;
        }
        f.write_str(self.version)?;
        if let Some(r) = self.release {
            write!(f, "-{r}")?;
        }
        Ok(())
    }
}

impl Ord for RpmVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(self.epoch.unwrap_or("0"), other.epoch.unwrap_or("0"))
            .then_with(|| rpmvercmp(self.version, other.version))
            .then_with(|| match (self.release, other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

impl PartialOrd for RpmVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion<'_> {}

/// rpm's `rpmvercmp`: orders two version (or release) strings.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut pa, mut pb) = (0, 0);
    let at = |s: &[u8], pos: usize| s.get(pos).copied().unwrap_or(0);
    let is_sep = |c: u8| c != 0 && !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while pa < a.len() || pb < b.len() {
        while is_sep(at(a, pa)) {
            pa += 1;
        }
        while is_sep(at(b, pb)) {
            pb += 1;
        }
        let (ca, cb) = (at(a, pa), at(b, pb));
        // Tilde sorts before everything, even the end of the string.
        if ca == b'~' || cb == b'~' {
            if ca != b'~' {
                return Ordering::Greater;
            }
            if cb != b'~' {
                return Ordering::Less;
            }
            pa += 1;
            pb += 1;
            continue;
        }
        // Caret sorts after the end of the string, before anything else.
        if ca == b'^' || cb == b'^' {
            if ca == 0 {
                return Ordering::Less;
            }
            if cb == 0 {
                return Ordering::Greater;
            }
            if ca != b'^' {
                return Ordering::Greater;
            }
            if cb != b'^' {
                return Ordering::Less;
            }
            pa += 1;
            pb += 1;
            continue;
        }
        if ca == 0 || cb == 0 {
            break;
        }
        let numeric = ca.is_ascii_digit();
        let class = |c: u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let ea = pa + a[pa..].iter().take_while(|&&c| class(c)).count();
        let eb = pb + b[pb..].iter().take_while(|&&c| class(c)).count();
        // (rpm: "this cannot happen" for a; b of the other class is an empty segment.)
        if eb == pb {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut sa, mut sb) = (&a[pa..ea], &b[pb..eb]);
        if numeric {
            while sa.first() == Some(&b'0') {
                sa = &sa[1..];
            }
            while sb.first() == Some(&b'0') {
                sb = &sb[1..];
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            o => return o,
        }
        pa = ea;
        pb = eb;
    }
    let (ca, cb) = (at(a, pa), at(b, pb));
    if ca == 0 && cb == 0 {
        Ordering::Equal
    } else if ca != 0 {
        Ordering::Greater
    } else {
        Ordering::Less
    }
}

/// The `rpm` version scheme.
#[derive(Debug, Default, Clone, Copy)]
pub struct RpmScheme;

impl VersionScheme for RpmScheme {
    fn name(&self) -> &'static str {
        SCHEME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        RpmVersion::parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(RpmVersion::parse(a)?.cmp(&RpmVersion::parse(b)?))
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
        RpmScheme.compare(a, b).unwrap()
    }

    #[test]
    fn rpm_rules() {
        assert_eq!(c("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0^git1", "1.0"), Ordering::Greater);
        assert_eq!(c("1.0^git1", "1.0.1"), Ordering::Less);
        assert_eq!(c("1.01", "1.1"), Ordering::Equal);
        assert_eq!(c("1.0", "0:1.0"), Ordering::Equal, "missing epoch is 0");
        assert_eq!(c(":1.0", "0:1.0"), Ordering::Equal);
        assert_eq!(c("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(
            c("1.0", "1.0-1"),
            Ordering::Less,
            "missing release sorts first"
        );
        assert_eq!(c("1.0", "1.0-"), Ordering::Less);
        assert_eq!(c("1.0a", "1.0.1"), Ordering::Less, "digits beat letters");
        assert_eq!(c("1_0", "1.0"), Ordering::Equal);
        assert_eq!(c("2.0.1a", "2.0.1"), Ordering::Greater);
        assert_eq!(c("0:2.0.5-12.fc39", "2.0.5-12.fc39"), Ordering::Equal);
        assert!(RpmScheme.validate("").is_err());
    }

    #[test]
    fn parse_like_rpmverparse() {
        let v = RpmVersion::parse("12:1.2-3-4.el9").unwrap();
        assert_eq!(
            (v.epoch, v.version, v.release),
            (Some("12"), "1.2-3", Some("4.el9"))
        );
        let v = RpmVersion::parse("a:1-2").unwrap();
        assert_eq!((v.epoch, v.version, v.release), (None, "a:1", Some("2")));
        let v = RpmVersion::parse("12-3").unwrap();
        assert_eq!((v.epoch, v.version, v.release), (None, "12", Some("3")));
    }
}
