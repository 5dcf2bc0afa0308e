//! SUSE: distro detection from the legacy `etc/SuSE-release`, the SUSE OVAL feed
//! (`suse-oval`, module [`feed`]) and the rpm matcher for SLES, SLE Micro and openSUSE Leap
//! ([`matcher`]).
//!
//! SLES 11 and 12 and openSUSE up to Leap 42 ship it (later releases dropped it for
//! os-release):
//!
//! ```text
//! SUSE Linux Enterprise Server 11 (x86_64)
//! VERSION = 11
//! PATCHLEVEL = 3
//! ```
//!
//! ```text
//! openSUSE 42.3 (x86_64)
//! VERSION = 42.3
//! CODENAME = Malachite
//! ```
//!
//! It is a fallback for os-release (priority 50 against 100) and follows the conventions of
//! `customs-os-release`: the id and family are those os-release would give (`sles` for
//! SUSE Linux Enterprise Server, `sled` for Desktop, `opensuse-leap` for openSUSE 42.x,
//! `opensuse` for the older numbered openSUSE releases, which have no feed), and the version
//! is written as os-release's `VERSION_ID` would be: `VERSION.PATCHLEVEL` (`11.3`), or
//! `VERSION` alone when the patch level is 0 or missing. openSUSE's release names
//! (`Malachite`) are not used by any feed, so `codename` stays `None`.

pub mod feed;
pub mod matcher;
/// The OVAL reader shared with the other OVAL-based feeds (crates/customs-oval).
pub use customs_oval as oval;

pub use feed::SuseOvalParser;
pub use matcher::SuseMatcher;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::Distro;

/// The path this analyzer reads.
pub const PATH: &str = "etc/SuSE-release";
/// The priority of the release it records (os-release ranks 100).
pub const PRIORITY: u8 = 50;
/// The largest file read; the real one is a few lines.
pub const MAX_SIZE: u64 = 8 * 1024;

/// Reads `SuSE-release` content into a [`Distro`]; `None` when the first line names no
/// SUSE product or no usable `VERSION` is present.
pub fn parse_suse_release(content: &str, source_file: &str) -> Option<Distro> {
    let mut lines = content.lines().map(str::trim).filter(|l| !l.is_empty());
    let title = lines.next()?;
    if title.len() > 256 {
        return None;
    }
    let lower = title.to_ascii_lowercase();
    let mut version = None;
    let mut patchlevel = None;
    for line in lines {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k.trim() {
            "VERSION" => version = Some(v.trim()),
            "PATCHLEVEL" => patchlevel = Some(v.trim()),
            _ => {}
        }
    }
    // Old files without a VERSION line: the number in the title (`openSUSE 13.2 (x86_64)`).
    let title_number = title
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()));
    let version = version.or(title_number)?;
    let valid = |v: &str| {
        !v.is_empty() && v.len() <= 16 && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    };
    if !valid(version) || !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let version = match patchlevel {
        Some(p) if valid(p) && p != "0" => format!("{version}.{p}"),
        _ => version.to_owned(),
    };
    let (id, family) = if lower.starts_with("suse linux enterprise server") {
        ("sles", "sles")
    } else if lower.starts_with("suse linux enterprise desktop") {
        ("sled", "sled")
    } else if lower.starts_with("opensuse") {
        let major: u32 = version.split('.').next()?.parse().ok()?;
        if major >= 42 || lower.contains("leap") {
            ("opensuse-leap", "opensuse-leap")
        } else {
            ("opensuse", "opensuse")
        }
    } else {
        return None;
    };
    Some(Distro {
        id: id.to_owned(),
        family: family.to_owned(),
        version,
        codename: None,
        pretty_name: Some(title.to_owned()),
        source_file: source_file.to_owned(),
    })
}

/// Reads `etc/SuSE-release` (`suse-release`). A unit struct: construct it as
/// `SuseReleaseAnalyzer`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SuseReleaseAnalyzer;

impl Analyzer for SuseReleaseAnalyzer {
    fn id(&self) -> &'static str {
        "suse-release"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec![PATH],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        customs_analyzer::record_release_file(
            file,
            out,
            MAX_SIZE,
            PRIORITY,
            "not a SUSE release file",
            parse_suse_release,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<(String, String)> {
        parse_suse_release(s, PATH).map(|d| (d.id, d.version))
    }

    #[test]
    fn products() {
        assert_eq!(
            parse("SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3\n"),
            Some(("sles".into(), "11.3".into()))
        );
        assert_eq!(
            parse(
                "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 0\n# This file is deprecated\n"
            ),
            Some(("sles".into(), "12".into()))
        );
        assert_eq!(
            parse("openSUSE 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n"),
            Some(("opensuse-leap".into(), "42.3".into()))
        );
        assert_eq!(
            parse("openSUSE 13.2 (x86_64)\nVERSION = 13.2\nCODENAME = Harlequin\n"),
            Some(("opensuse".into(), "13.2".into()))
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "VERSION = 11",
            "Fedora 30\nVERSION = 30",
            "SUSE Linux Enterprise Server\nVERSION = x",
            "openSUSE\nVERSION = 99999999999999999999",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
