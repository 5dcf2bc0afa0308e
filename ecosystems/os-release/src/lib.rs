//! `/etc/os-release` and `/usr/lib/os-release`
//! (<https://www.freedesktop.org/software/systemd/man/os-release.html>), and the distro
//! conventions every release-file analyzer follows.
//!
//! The file is a list of shell-style `KEY=VALUE` assignments. We parse the subset the spec
//! allows (single or double quotes, backslash escapes inside double quotes, comments) and
//! never evaluate anything.
//!
//! # What a [`Distro`] holds
//!
//! os-release is the primary source (priority 100 for `etc/os-release`, 90 for
//! `usr/lib/os-release`); the legacy files of the per-family crates (`customs-alpine`,
//! `customs-rhel`, `customs-suse`, `customs-ubuntu`, `customs-debian`) rank 10–60 and fill
//! what os-release leaves out. All of them follow the same rules:
//!
//! - **`id`** is the os-release `ID`, lower-case (`rhel`, `rocky`, `ol`, `sles`, ...); legacy
//!   files use the id the same distro's os-release would have.
//! - **`family`** is the distro whose feeds apply (see [`family_of`]). Distros with their own
//!   security feeds are their own family: `debian`, `ubuntu`, `alpine`, `rhel`, `centos`,
//!   `rocky`, `almalinux`, `ol`, `fedora`, `amzn`, `sles`, `opensuse-leap`,
//!   `opensuse-tumbleweed`, `sle-micro`, `photon`, `wolfi`, `chainguard`, `mariner`,
//!   `azurelinux`. Notably: Red Hat UBI images are RHEL (`ID=rhel`) and use RHEL's data, so
//!   they are `rhel`; Rocky stays `rocky`, Alma `almalinux`, Oracle `ol` (each publishes its
//!   own advisories); SLES for SAP is `sles`; SUSE Linux Micro 6 (`sl-micro`) and SLE Micro 5
//!   (`sle-micro`) are `sle-micro`; openSUSE Leap 42 (`ID=opensuse`, `NAME="openSUSE Leap"`)
//!   is `opensuse-leap`, and Tumbleweed before 2017 (`ID=opensuse`, `NAME="openSUSE Tumbleweed"`) is
//!   `opensuse-tumbleweed`; openSUSE `MicroOS` is `opensuse-tumbleweed`. Google distroless images
//!   carry a Debian os-release (`ID=debian`, `PRETTY_NAME="Distroless"`, the code name only in
//!   `VERSION="Debian GNU/Linux 12 (bookworm)"`): they are `debian`, and `pretty_name` keeps
//!   `Distroless`. Anything else resolves through `ID_LIKE` to the first known family, and
//!   otherwise is its own family (no feed, reported as such).
//! - **`version`** is `VERSION_ID` exactly as written (`3.18.4`, `9.2`, `15.2`, `2018.03`,
//!   `20240123` for Tumbleweed snapshots), or the equivalent number from a legacy file.
//!   Feeds key releases more coarsely; [`feed_release`] gives that key (Alpine `3.18`, RHEL
//!   family major `9`, SUSE `15.2`, Amazon `1`/`2`/`2023`, ...), so the detection keeps the
//!   full information and the matchers decide.
//! - **`codename`** is set where feeds use code names: Debian (`VERSION_CODENAME`, or the
//!   word in parentheses of `VERSION` on Debian 7/8 and distroless), Ubuntu
//!   (`VERSION_CODENAME`/`UBUNTU_CODENAME`, or `VERSION="14.04.6 LTS, Trusty Tahr"` on old
//!   releases), and Alpine `edge` (a `_alpha` snapshot version). RPM distros' release names
//!   (`Ootpa`, `Green Obsidian`) are not code names any feed uses; they stay `None`.

use std::collections::BTreeMap;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::Distro;

const LIMIT: u64 = 64 * 1024;

/// Priority of `etc/os-release`.
pub const PRIORITY_ETC: u8 = 100;
/// Priority of `usr/lib/os-release`.
pub const PRIORITY_USR_LIB: u8 = 90;

/// Distributions whose feeds customs keys by their own id; anything else is resolved
/// through `ID_LIKE` to the first of these.
pub const KNOWN_FAMILIES: &[&str] = &[
    "debian",
    "ubuntu",
    "alpine",
    "rhel",
    "centos",
    "rocky",
    "almalinux",
    "ol",
    "fedora",
    "amzn",
    "sles",
    "opensuse-leap",
    "opensuse-tumbleweed",
    "sle-micro",
    "photon",
    "wolfi",
    "chainguard",
    "mariner",
    "azurelinux",
];

/// os-release ids that belong to a known family under another name.
const ALIASES: &[(&str, &str)] = &[
    ("sles_sap", "sles"),
    ("sles-sap", "sles"),
    ("sl-micro", "sle-micro"),
    ("opensuse-microos", "opensuse-tumbleweed"),
    ("oracle", "ol"),
    ("redhat", "rhel"),
    ("alma", "almalinux"),
    ("rockylinux", "rocky"),
    ("amazon", "amzn"),
];

/// Parses os-release content into key/value pairs. Lines that are not assignments are
/// skipped, so a partly corrupt file still yields what it can.
pub fn parse(content: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in content.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        out.insert(key.to_owned(), unquote(value.trim()));
    }
    out
}

fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        return v[1..v.len() - 1].to_owned();
    }
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        let mut out = String::new();
        let mut chars = v[1..v.len() - 1].chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    v.to_owned()
}

/// The family of a distro from its os-release `ID`, `ID_LIKE` and `NAME` (see the crate
/// documentation for the rules).
pub fn family_of(id: &str, id_like: Option<&str>, name: Option<&str>) -> String {
    let id = id.to_ascii_lowercase();
    if KNOWN_FAMILIES.contains(&id.as_str()) {
        return id;
    }
    if let Some((_, family)) = ALIASES.iter().find(|(alias, _)| *alias == id) {
        return (*family).to_owned();
    }
    // openSUSE Leap 42.x: ID=opensuse, NAME="openSUSE Leap".
    if id == "opensuse" && name.is_some_and(|n| n.contains("Leap")) {
        return "opensuse-leap".to_owned();
    }
    // openSUSE Tumbleweed before 2017 also said ID=opensuse, NAME="openSUSE Tumbleweed".
    if id == "opensuse" && name.is_some_and(|n| n.contains("Tumbleweed")) {
        return "opensuse-tumbleweed".to_owned();
    }
    id_like
        .and_then(|like| {
            like.split_whitespace()
                .map(str::to_ascii_lowercase)
                .find(|l| KNOWN_FAMILIES.contains(&l.as_str()))
        })
        .unwrap_or(id)
}

/// Builds a [`Distro`] from parsed os-release fields; `None` without an `ID`.
pub fn distro_from_fields(fields: &BTreeMap<String, String>, source_file: &str) -> Option<Distro> {
    let id = fields.get("ID")?.trim().to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    let family = family_of(
        &id,
        fields.get("ID_LIKE").map(String::as_str),
        fields.get("NAME").map(String::as_str),
    );
    let version = fields
        .get("VERSION_ID")
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let codename = codename(&family, &version, fields);
    Some(Distro {
        id,
        family,
        version,
        codename,
        pretty_name: fields.get("PRETTY_NAME").cloned(),
        source_file: source_file.to_owned(),
    })
}

fn codename(family: &str, version: &str, fields: &BTreeMap<String, String>) -> Option<String> {
    let field = |k: &str| {
        fields
            .get(k)
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
    };
    match family {
        "debian" | "ubuntu" => {
            let explicit = field("VERSION_CODENAME").or_else(|| {
                if family == "ubuntu" {
                    field("UBUNTU_CODENAME")
                } else {
                    None
                }
            });
            explicit.or_else(|| codename_from_version(fields.get("VERSION")?))
        }
        "alpine" => {
            let edge = version.contains("_alpha")
                || fields
                    .get("PRETTY_NAME")
                    .is_some_and(|p| p.trim_end().ends_with(" edge"));
            edge.then(|| "edge".to_owned())
        }
        _ => None,
    }
}

/// `7 (wheezy)`, `Debian GNU/Linux 12 (bookworm)`, `16.04.7 LTS (Xenial Xerus)` and
/// `14.04.6 LTS, Trusty Tahr`: the first word of the name, lower-case.
fn codename_from_version(v: &str) -> Option<String> {
    let inner = match v.split_once('(') {
        Some((_, rest)) => rest.split_once(')')?.0,
        None => v.split_once(',')?.1,
    };
    let word = inner.split_whitespace().next()?.to_ascii_lowercase();
    (!word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic())).then_some(word)
}

/// The release key the family's vulnerability feeds use for `distro`:
///
/// | family                                                     | key                       |
/// |------------------------------------------------------------|---------------------------|
/// | `alpine`                                                   | `3.18` (major.minor), `edge` |
/// | `debian`                                                   | `12` (major), or the code name when there is no number (sid) |
/// | `ubuntu`                                                   | `22.04`                   |
/// | `rhel`, `centos`, `rocky`, `almalinux`, `ol`, `fedora`     | `9` (major)               |
/// | `amzn`                                                     | `1` for the 2017.09 / 2018.03 AMI, else `2`, `2022`, `2023` |
/// | `sles`, `opensuse-leap`, `sle-micro`                       | `15.2` (major.service-pack), as `VERSION_ID` |
/// | `photon`, `mariner`, `azurelinux`                          | `4.0` (major.minor)       |
/// | `opensuse-tumbleweed`, `wolfi`, `chainguard`               | empty (rolling)           |
///
/// Anything else returns the version unchanged.
pub fn feed_release(distro: &Distro) -> String {
    let v = distro.version.as_str();
    let major = || v.split(['.', '-', '_']).next().unwrap_or("").to_owned();
    let major_minor = || {
        let mut parts = v.split('.');
        match (parts.next(), parts.next()) {
            (Some(a), Some(b)) => {
                let b: String = b.chars().take_while(char::is_ascii_digit).collect();
                if b.is_empty() {
                    a.to_owned()
                } else {
                    format!("{a}.{b}")
                }
            }
            _ => v.to_owned(),
        }
    };
    match distro.family.as_str() {
        "alpine" if distro.codename.as_deref() == Some("edge") => "edge".to_owned(),
        "alpine" | "photon" | "mariner" | "azurelinux" => major_minor(),
        "debian" if v.is_empty() => distro.codename.clone().unwrap_or_default(),
        "debian" | "rhel" | "centos" | "rocky" | "almalinux" | "ol" | "fedora" => major(),
        "amzn" => {
            let m = major();
            if m.len() == 4 && v.contains('.') && m.as_str() < "2022" {
                "1".to_owned()
            } else {
                m
            }
        }
        "opensuse-tumbleweed" | "wolfi" | "chainguard" => String::new(),
        _ => v.to_owned(),
    }
}

/// Reads `etc/os-release` (priority 100) and `usr/lib/os-release` (priority 90).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsReleaseAnalyzer;

impl Analyzer for OsReleaseAnalyzer {
    fn id(&self) -> &'static str {
        "os-release"
    }

    fn version(&self) -> u32 {
        // 2: families for every major distro, codenames only where feeds use them.
        2
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec!["etc/os-release", "usr/lib/os-release"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let bytes = file.read_to_end_limited(LIMIT)?;
        let text = String::from_utf8_lossy(&bytes);
        let path = file.path().to_owned();
        match distro_from_fields(&parse(&text), &path) {
            Some(d) => out.set_release(
                &path,
                if path.starts_with("etc/") {
                    PRIORITY_ETC
                } else {
                    PRIORITY_USR_LIB
                },
                d,
            ),
            None => out.diagnose(
                "malformed-release-file",
                Some(&path),
                "os-release has no ID field",
            ),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(text: &str) -> Distro {
        distro_from_fields(&parse(text), "etc/os-release").unwrap()
    }

    #[test]
    fn debian_7_without_codename_field() {
        let d = distro(
            "PRETTY_NAME=\"Debian GNU/Linux 7 (wheezy)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"7\"\nVERSION=\"7 (wheezy)\"\nID=debian\n",
        );
        assert_eq!(
            (d.id.as_str(), d.family.as_str(), d.version.as_str()),
            ("debian", "debian", "7")
        );
        assert_eq!(d.codename.as_deref(), Some("wheezy"));
    }

    #[test]
    fn derivative_resolves_family_and_garbage_is_skipped() {
        let d = distro(
            "\0\0garbage\nID=raspbian\nID_LIKE=debian\nVERSION_ID='11'\nVERSION_CODENAME=bullseye\n=x\n",
        );
        assert_eq!((d.id.as_str(), d.family.as_str()), ("raspbian", "debian"));
        assert!(distro_from_fields(&parse("NAME=x\n"), "etc/os-release").is_none());
        assert!(distro_from_fields(&parse("ID=\"\"\n"), "etc/os-release").is_none());
    }

    #[test]
    fn rpm_release_names_are_not_codenames() {
        let d = distro("ID=fedora\nVERSION=\"31 (Container Image)\"\nVERSION_ID=31\n");
        assert_eq!(d.codename, None);
        let d = distro("ID=\"rocky\"\nVERSION=\"8.4 (Green Obsidian)\"\nVERSION_ID=\"8.4\"\n");
        assert_eq!((d.family.as_str(), d.codename), ("rocky", None));
    }

    #[test]
    fn feed_release_keys() {
        let key = |family: &str, version: &str, codename: Option<&str>| {
            feed_release(&Distro {
                id: family.into(),
                family: family.into(),
                version: version.into(),
                codename: codename.map(Into::into),
                ..Distro::default()
            })
        };
        assert_eq!(key("alpine", "3.18.4", None), "3.18");
        assert_eq!(key("alpine", "3.19_alpha20230901", Some("edge")), "edge");
        assert_eq!(key("rhel", "9.2", None), "9");
        assert_eq!(key("centos", "7.6.1810", None), "7");
        assert_eq!(key("amzn", "2018.03", None), "1");
        assert_eq!(key("amzn", "2", None), "2");
        assert_eq!(key("amzn", "2023", None), "2023");
        assert_eq!(key("sles", "15.2", None), "15.2");
        assert_eq!(key("ubuntu", "22.04", Some("jammy")), "22.04");
        assert_eq!(key("debian", "", Some("trixie")), "trixie");
        assert_eq!(key("mariner", "2.0", None), "2.0");
        assert_eq!(key("wolfi", "20230201", None), "");
    }
}
