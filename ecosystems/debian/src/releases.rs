//! The Debian releases: code name ↔ version, and the store namespace of each.
//!
//! Releases up to sarge were numbered `MAJOR.MINOR` where both parts name the release
//! (woody is 3.0, sarge 3.1); from etch (4.0) on, point releases only change the minor
//! number, so the major alone names the release. [`namespace`] follows that: `debian:3.1`,
//! `debian:7`, `debian:12`, and `debian:unstable` for sid.

/// One Debian release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub codename: &'static str,
    /// The release version that names it: `3.1`, `7`, `12`. Empty for sid (unstable).
    pub version: &'static str,
}

/// Every Debian release, oldest first; sid (unstable) last.
pub const RELEASES: &[Release] = &[
    Release {
        codename: "buzz",
        version: "1.1",
    },
    Release {
        codename: "rex",
        version: "1.2",
    },
    Release {
        codename: "bo",
        version: "1.3",
    },
    Release {
        codename: "hamm",
        version: "2.0",
    },
    Release {
        codename: "slink",
        version: "2.1",
    },
    Release {
        codename: "potato",
        version: "2.2",
    },
    Release {
        codename: "woody",
        version: "3.0",
    },
    Release {
        codename: "sarge",
        version: "3.1",
    },
    Release {
        codename: "etch",
        version: "4",
    },
    Release {
        codename: "lenny",
        version: "5",
    },
    Release {
        codename: "squeeze",
        version: "6",
    },
    Release {
        codename: "wheezy",
        version: "7",
    },
    Release {
        codename: "jessie",
        version: "8",
    },
    Release {
        codename: "stretch",
        version: "9",
    },
    Release {
        codename: "buster",
        version: "10",
    },
    Release {
        codename: "bullseye",
        version: "11",
    },
    Release {
        codename: "bookworm",
        version: "12",
    },
    Release {
        codename: "trixie",
        version: "13",
    },
    Release {
        codename: "forky",
        version: "14",
    },
    Release {
        codename: "sid",
        version: "",
    },
];

/// The code name of the unstable distribution.
pub const UNSTABLE: &str = "sid";

/// The version of a release given its code name (case-insensitive): `bookworm` → `12`,
/// `sarge` → `3.1`. `None` for sid (it has no number) and unknown names.
pub fn version_for_codename(codename: &str) -> Option<&'static str> {
    let c = codename.trim();
    RELEASES
        .iter()
        .find(|r| r.codename.eq_ignore_ascii_case(c))
        .map(|r| r.version)
        .filter(|v| !v.is_empty())
}

/// The code name of the release a version belongs to: `12`, `12.5`, `12.0` → `bookworm`;
/// `3.1`, `3.1r8` → `sarge`; `7.11` → `wheezy`.
pub fn codename_for_version(version: &str) -> Option<&'static str> {
    let key = release_version(version)?;
    RELEASES
        .iter()
        .find(|r| !r.version.is_empty() && r.version == key)
        .map(|r| r.codename)
}

/// The store namespace for a version or a code name: `debian:12` for `12`, `12.5` or
/// `bookworm`; `debian:3.1` for `sarge`; `debian:unstable` for `sid` or `unstable`.
/// A number of a release newer than this table knows (`15`) still maps to `debian:15`.
/// `None` for anything else.
pub fn namespace(version_or_codename: &str) -> Option<String> {
    let s = version_or_codename.trim();
    if s.eq_ignore_ascii_case(UNSTABLE) || s.eq_ignore_ascii_case("unstable") {
        return Some("debian:unstable".to_owned());
    }
    if let Some(v) = version_for_codename(s) {
        return Some(format!("debian:{v}"));
    }
    release_version(s).map(|v| format!("debian:{v}"))
}

/// Reduces a Debian version number to the part that names the release: `12.5` → `12`,
/// `3.1r8` → `3.1`, `2.2r7` → `2.2`. `None` if it does not start with a number, the
/// number is absurd, or it names a pre-1.1 or unknown pre-4 release.
pub fn release_version(version: &str) -> Option<String> {
    let s = version.trim();
    let major_len = s.bytes().take_while(u8::is_ascii_digit).count();
    if major_len == 0 || major_len > 3 {
        return None;
    }
    let major: u32 = s[..major_len].parse().ok()?;
    let rest = &s[major_len..];
    if major >= 4 {
        // Anything after the major must be a point-release suffix: `.5`, `.0.10`, `r1`.
        if !rest.is_empty() && !rest.starts_with(['.', 'r']) {
            return None;
        }
        return Some(major.to_string());
    }
    // Before etch, MAJOR.MINOR names the release.
    let minor = rest.strip_prefix('.')?;
    let minor_len = minor.bytes().take_while(u8::is_ascii_digit).count();
    if minor_len == 0 {
        return None;
    }
    let tail = &minor[minor_len..];
    if !tail.is_empty() && !tail.starts_with(['.', 'r']) {
        return None;
    }
    let key = format!("{major}.{}", &minor[..minor_len]);
    RELEASES.iter().any(|r| r.version == key).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codenames_and_versions() {
        assert_eq!(version_for_codename("bookworm"), Some("12"));
        assert_eq!(version_for_codename("Wheezy"), Some("7"));
        assert_eq!(version_for_codename("sarge"), Some("3.1"));
        assert_eq!(version_for_codename("buzz"), Some("1.1"));
        assert_eq!(version_for_codename("forky"), Some("14"));
        assert_eq!(version_for_codename("sid"), None);
        assert_eq!(version_for_codename("nope"), None);
        assert_eq!(codename_for_version("12.5"), Some("bookworm"));
        assert_eq!(codename_for_version("7.11"), Some("wheezy"));
        assert_eq!(codename_for_version("10"), Some("buster"));
        assert_eq!(codename_for_version("3.1r8"), Some("sarge"));
        assert_eq!(codename_for_version("3.0"), Some("woody"));
        assert_eq!(codename_for_version("6.0.10"), Some("squeeze"));
        assert_eq!(codename_for_version("15"), None);
        assert_eq!(codename_for_version("x"), None);
    }

    #[test]
    fn namespaces() {
        assert_eq!(namespace("7").as_deref(), Some("debian:7"));
        assert_eq!(namespace("wheezy").as_deref(), Some("debian:7"));
        assert_eq!(namespace("12.5").as_deref(), Some("debian:12"));
        assert_eq!(namespace("bookworm").as_deref(), Some("debian:12"));
        assert_eq!(namespace("sid").as_deref(), Some("debian:unstable"));
        assert_eq!(namespace("unstable").as_deref(), Some("debian:unstable"));
        assert_eq!(namespace("sarge").as_deref(), Some("debian:3.1"));
        assert_eq!(namespace("15").as_deref(), Some("debian:15"));
        for bad in ["", "foo", "12x", "3", "3.9", "99999", "-1", "bookworm/sid"] {
            assert_eq!(namespace(bad), None, "{bad:?}");
        }
    }
}
