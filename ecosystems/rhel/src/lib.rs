//! The Red Hat family: distro detection from the legacy release files
//! `etc/redhat-release`, `etc/centos-release`, `etc/oracle-release`, `etc/rocky-release`,
//! `etc/almalinux-release`, `etc/fedora-release` and `etc/system-release`
//! (`usr/lib/system-release` on Amazon Linux 2022+).
//!
//! Each holds one line, `NAME release VERSION [(RELEASE NAME)]`:
//!
//! ```text
//! Red Hat Enterprise Linux Server release 7.4 (Maipo)
//! `CentOS` Linux release 7.6.1810 (Core)
//! Rocky Linux release 8.10 (Green Obsidian)
//! Oracle Linux Server release 7.6
//! Amazon Linux AMI release 2018.03
//! Amazon Linux release 2 (Karoo)
//! Amazon Linux release 2023.5.20240805 (Amazon Linux)
//! ```
//!
//! They are fallbacks for os-release (priority 100) and follow the conventions documented in
//! `customs-os-release`: the `id` is the one the distro's os-release has (`rhel`, `centos`,
//! `rocky`, `almalinux`, `ol`, `fedora`, `amzn`; Scientific Linux is `scientific` in the
//! `rhel` family), `version` is the number as written (`7.6.1810`) except on Amazon Linux 2
//! and later, where os-release's `VERSION_ID` is the major number alone (`2`, `2023`) and we
//! match it; the release name in parentheses is not a code name any feed uses, so
//! `codename` stays `None`.
//!
//! Priorities: the distro's own file beats `redhat-release`, because Oracle Linux ships a
//! `redhat-release` that claims to be Red Hat Enterprise Linux: `oracle-release` 60, other
//! vendor files 55, `redhat-release` 50, `etc/system-release` 45, `usr/lib/system-release` 40.
//!
//! # Vulnerability data and matching
//!
//! - [`oval`]: Red Hat-style OVAL, read by one streaming reader for three vendors:
//!   `redhat-oval` ([`OvalParser::redhat`], namespace `rhel:N`), `rocky-oval`
//!   ([`OvalParser::rocky`], `rocky:N`) and `alma-oval` ([`OvalParser::alma`],
//!   `almalinux:N`).
//! - [`csaf`]: Red Hat CSAF VEX and advisories, `redhat-csaf` ([`CsafParser`]): fixed,
//!   affected, will-not-fix, fix-deferred and not-affected statements per RHEL release
//!   (`rhel:N`, and `rhel:N.M+eus` for Extended Update Support).
//! - [`matcher`]: [`RhelMatcher`] for rpm packages of RHEL/UBI, `CentOS`, Rocky and `AlmaLinux`.
//!
//! Advisory conventions shared by the feeds (see [`util`]): module packages are keyed
//! `MODULE:STREAM/NAME`; a CVE fixed in several minor-release streams keeps every fix in one
//! advisory; `notes` holds `key: value` lines (`module`, `arch`, `remediation`, `signed-by`,
//! `cpe` — the repositories' CPEs), of which the matcher reads `arch`.

pub mod csaf;
pub mod matcher;
pub mod oval;
pub mod util;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, Distro};

pub use csaf::CsafParser;
pub use matcher::RhelMatcher;
pub use oval::OvalParser;

/// Every Red Hat family feed parser, with default limits: `redhat-oval`, `redhat-csaf`,
/// `rocky-oval`, `alma-oval`.
pub fn parsers() -> Vec<Box<dyn FeedParser>> {
    vec![
        Box::new(OvalParser::redhat()),
        Box::new(CsafParser::new()),
        Box::new(OvalParser::rocky()),
        Box::new(OvalParser::alma()),
    ]
}

/// Parses a whole in-memory input of feed `kind` and collects the advisories: a convenience
/// for tests and fuzzing. `file_name` is what [`FeedInput::file_name`] would be (the OVAL
/// parsers may read the release from it).
pub fn parse_bytes(kind: &str, file_name: &str, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: kind.to_owned(),
        location: file_name.to_owned(),
        file_name: file_name.to_owned(),
    };
    let parsers = parsers();
    let Some(parser) = parsers.iter().find(|p| p.kind() == kind) else {
        return Err(FeedError::malformed(
            &input,
            format!("unknown Red Hat family feed kind {kind:?}"),
        ));
    };
    let mut out = Vec::new();
    let mut body = bytes;
    parser.parse(&input, &mut body, &mut |a| out.push(a))?;
    Ok(out)
}

/// The largest file read; the real ones are one line.
pub const MAX_SIZE: u64 = 4 * 1024;

/// The files read, with the priority of the release each records.
pub const FILES: &[(&str, u8)] = &[
    ("etc/oracle-release", 60),
    ("etc/centos-release", 55),
    ("etc/rocky-release", 55),
    ("etc/almalinux-release", 55),
    ("etc/fedora-release", 55),
    ("etc/redhat-release", 50),
    ("etc/system-release", 45),
    ("usr/lib/system-release", 40),
];

/// Product-name prefixes (lower-case) and the os-release `ID` and family they stand for.
/// Longer prefixes first.
const PRODUCTS: &[(&str, &str, &str)] = &[
    ("red hat enterprise linux", "rhel", "rhel"),
    ("centos", "centos", "centos"),
    ("rocky linux", "rocky", "rocky"),
    ("almalinux", "almalinux", "almalinux"),
    ("oracle linux", "ol", "ol"),
    ("fedora", "fedora", "fedora"),
    ("amazon linux", "amzn", "amzn"),
    ("scientific linux", "scientific", "rhel"),
];

/// Reads the content of a Red Hat-style release file into a [`Distro`]; `None` when the
/// first line is not `NAME release VERSION` for a known product.
pub fn parse_redhat_release(content: &str, source_file: &str) -> Option<Distro> {
    let line = content.lines().map(str::trim).find(|l| !l.is_empty())?;
    if line.len() > 256 {
        return None;
    }
    let (name, rest) = line.split_once(" release ")?;
    let lower = name.trim().to_ascii_lowercase();
    let &(_, id, family) = PRODUCTS.iter().find(|(p, _, _)| lower.starts_with(p))?;
    let number: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let number = number.trim_end_matches('.');
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let version = if id == "amzn" && !lower.starts_with("amazon linux ami") {
        // Amazon Linux 2 and 2022+: os-release VERSION_ID is `2` / `2023`.
        number.split('.').next().unwrap_or(number).to_owned()
    } else {
        number.to_owned()
    };
    Some(Distro {
        id: id.to_owned(),
        family: family.to_owned(),
        version,
        codename: None,
        pretty_name: Some(line.to_owned()),
        source_file: source_file.to_owned(),
    })
}

/// Reads the Red Hat family's legacy release files (`redhat-release`). A unit struct:
/// construct it as `RedHatReleaseAnalyzer`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RedHatReleaseAnalyzer;

impl Analyzer for RedHatReleaseAnalyzer {
    fn id(&self) -> &'static str {
        "redhat-release"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: FILES.iter().map(|(p, _)| *p).collect(),
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let priority = FILES
            .iter()
            .find(|(p, _)| *p == file.path())
            .map_or(40, |(_, prio)| *prio);
        customs_analyzer::record_release_file(
            file,
            out,
            MAX_SIZE,
            priority,
            "not a known `NAME release VERSION` line",
            parse_redhat_release,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<(String, String, String)> {
        parse_redhat_release(s, "etc/redhat-release").map(|d| (d.id, d.family, d.version))
    }

    #[allow(clippy::unnecessary_wraps)] // compared with parse(), which returns an Option
    fn t(id: &str, family: &str, version: &str) -> Option<(String, String, String)> {
        Some((id.into(), family.into(), version.into()))
    }

    #[test]
    fn products() {
        assert_eq!(
            parse("Red Hat Enterprise Linux Server release 7.4 (Maipo)\n"),
            t("rhel", "rhel", "7.4")
        );
        assert_eq!(
            parse("Red Hat Enterprise Linux Atomic Host release 7.9\n"),
            t("rhel", "rhel", "7.9")
        );
        assert_eq!(
            parse("CentOS Linux release 7.6.1810 (Core) \n"),
            t("centos", "centos", "7.6.1810")
        );
        assert_eq!(
            parse("CentOS release 5 (Final)"),
            t("centos", "centos", "5")
        );
        assert_eq!(parse("CentOS Stream release 9"), t("centos", "centos", "9"));
        assert_eq!(
            parse("Oracle Linux Server release 7.6\n"),
            t("ol", "ol", "7.6")
        );
        assert_eq!(
            parse("Fedora release 36 (Thirty Six)\n"),
            t("fedora", "fedora", "36")
        );
        assert_eq!(
            parse("Amazon Linux AMI release 2018.03"),
            t("amzn", "amzn", "2018.03")
        );
        assert_eq!(
            parse("Amazon Linux release 2 (Karoo)"),
            t("amzn", "amzn", "2")
        );
        assert_eq!(
            parse("Amazon Linux release 2023.5.20240805 (Amazon Linux)\n"),
            t("amzn", "amzn", "2023")
        );
        assert_eq!(
            parse("Scientific Linux release 6.10 (Carbon)"),
            t("scientific", "rhel", "6.10")
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "cpe:/o:centos:6:GA",
            "CentOS release (Final)",
            "Gentoo Base System release 2.17",
            "release 7",
            "Red Hat Enterprise Linux release .",
            "\u{0}\u{ff}",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
