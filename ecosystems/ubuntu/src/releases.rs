//! The Ubuntu releases: code name ↔ version, and the store namespace of each.
//!
//! Every Ubuntu release is named by `YY.MM` (`22.04`), which is what os-release's
//! `VERSION_ID` holds; point releases (`22.04.3`) only appear in `VERSION`/`PRETTY_NAME`.
//! The namespace is `ubuntu:YY.MM`. Feeds name releases by code name (the USN OVAL file
//! `com.ubuntu.jammy.usn.oval.xml`) or by version (OSV's `Ubuntu:22.04:LTS`), so both
//! directions are needed.

/// One Ubuntu release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub codename: &'static str,
    pub version: &'static str,
    /// Canonical publishes a USN OVAL file for it today
    /// (`https://security-metadata.canonical.com/oval/com.ubuntu.CODENAME.usn.oval.xml.bz2`):
    /// the LTS releases in standard or ESM support. These are the default `ubuntu-oval`
    /// locations.
    pub usn_oval: bool,
}

const fn r(codename: &'static str, version: &'static str, usn_oval: bool) -> Release {
    Release {
        codename,
        version,
        usn_oval,
    }
}

/// Every Ubuntu release, oldest first.
pub const RELEASES: &[Release] = &[
    r("warty", "4.10", false),
    r("hoary", "5.04", false),
    r("breezy", "5.10", false),
    r("dapper", "6.06", false),
    r("edgy", "6.10", false),
    r("feisty", "7.04", false),
    r("gutsy", "7.10", false),
    r("hardy", "8.04", false),
    r("intrepid", "8.10", false),
    r("jaunty", "9.04", false),
    r("karmic", "9.10", false),
    r("lucid", "10.04", false),
    r("maverick", "10.10", false),
    r("natty", "11.04", false),
    r("oneiric", "11.10", false),
    r("precise", "12.04", false),
    r("quantal", "12.10", false),
    r("raring", "13.04", false),
    r("saucy", "13.10", false),
    r("trusty", "14.04", false),
    r("utopic", "14.10", false),
    r("vivid", "15.04", false),
    r("wily", "15.10", false),
    r("xenial", "16.04", true),
    r("yakkety", "16.10", false),
    r("zesty", "17.04", false),
    r("artful", "17.10", false),
    r("bionic", "18.04", true),
    r("cosmic", "18.10", false),
    r("disco", "19.04", false),
    r("eoan", "19.10", false),
    r("focal", "20.04", true),
    r("groovy", "20.10", false),
    r("hirsute", "21.04", false),
    r("impish", "21.10", false),
    r("jammy", "22.04", true),
    r("kinetic", "22.10", false),
    r("lunar", "23.04", false),
    r("mantic", "23.10", false),
    r("noble", "24.04", true),
    r("oracular", "24.10", false),
    r("plucky", "25.04", false),
    r("questing", "25.10", false),
    r("resolute", "26.04", false),
];

/// The release named by a code name (`jammy`) or a version (`22.04`, `22.04.3`,
/// `22.04 LTS`), case-insensitively.
pub fn find(name: &str) -> Option<&'static Release> {
    let name = name.trim();
    let first = name.split_whitespace().next().unwrap_or("");
    if first.is_empty() {
        return None;
    }
    if let Some(r) = RELEASES
        .iter()
        .find(|r| r.codename.eq_ignore_ascii_case(first))
    {
        return Some(r);
    }
    // `22.04.3` → `22.04`.
    let mut parts = first.splitn(3, '.');
    let major = parts.next()?;
    let minor = parts.next()?;
    let version = format!("{major}.{minor}");
    RELEASES.iter().find(|r| r.version == version)
}

/// The store namespace for a release: `ubuntu:22.04`. Versions missing from the table are
/// accepted when they have the `YY.MM` shape, so a release newer than this table still gets
/// its own namespace.
pub fn namespace(name: &str) -> Option<String> {
    if let Some(r) = find(name) {
        return Some(format!("ubuntu:{}", r.version));
    }
    let first = name.split_whitespace().next()?;
    let mut parts = first.splitn(3, '.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let ok = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    (ok(major) && minor.len() == 2 && ok(minor)).then(|| format!("ubuntu:{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codenames_and_versions() {
        assert_eq!(namespace("jammy").as_deref(), Some("ubuntu:22.04"));
        assert_eq!(namespace("Noble").as_deref(), Some("ubuntu:24.04"));
        assert_eq!(namespace("22.04").as_deref(), Some("ubuntu:22.04"));
        assert_eq!(namespace("22.04.3").as_deref(), Some("ubuntu:22.04"));
        assert_eq!(namespace("20.04 LTS").as_deref(), Some("ubuntu:20.04"));
        assert_eq!(namespace("bionic").as_deref(), Some("ubuntu:18.04"));
        assert_eq!(namespace("focal").as_deref(), Some("ubuntu:20.04"));
        assert_eq!(namespace("xenial").as_deref(), Some("ubuntu:16.04"));
        // Not in the table but shaped like a release.
        assert_eq!(namespace("28.04").as_deref(), Some("ubuntu:28.04"));
        assert_eq!(namespace("sid"), None);
        assert_eq!(namespace("12"), None);
        assert_eq!(namespace(""), None);
        assert_eq!(find("22.10").map(|r| r.codename), Some("kinetic"));
        let defaults: Vec<_> = RELEASES
            .iter()
            .filter(|r| r.usn_oval)
            .map(|r| r.codename)
            .collect();
        assert_eq!(defaults, ["xenial", "bionic", "focal", "jammy", "noble"]);
    }
}
