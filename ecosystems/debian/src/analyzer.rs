//! The `etc/debian_version` analyzer.
//!
//! The file holds the point release (`12.5`, `7.11`, `3.1r8`) or, on testing and unstable,
//! `CODENAME/sid` (`bookworm/sid`). It is a fallback for `os-release`, hence its priority.

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::Distro;

use crate::releases;

/// The path this analyzer reads.
pub const PATH: &str = "etc/debian_version";
/// The largest `debian_version` read; the real file is a few bytes.
pub const MAX_SIZE: u64 = 4 * 1024;
/// The priority of the release it records (os-release files rank higher).
pub const PRIORITY: u8 = 50;

/// Reads `etc/debian_version` into a Debian release (`debian-version`).
#[derive(Debug, Default, Clone, Copy)]
pub struct DebianVersionAnalyzer;

impl DebianVersionAnalyzer {
    pub fn new() -> Self {
        DebianVersionAnalyzer
    }
}

/// Reads the content of a `debian_version` file: `(version, codename)`, where `version` is
/// the release number (`12`, `3.1`; empty for sid). `None` when it is not recognisable.
pub fn parse_debian_version(content: &str) -> Option<(String, Option<&'static str>)> {
    let first = content.lines().map(str::trim).find(|l| !l.is_empty())?;
    if first.len() > 64 || first.contains(char::is_whitespace) {
        return None;
    }
    if first.starts_with(|c: char| c.is_ascii_digit()) {
        let version = releases::release_version(first)?;
        return Some((version.clone(), releases::codename_for_version(&version)));
    }
    // `bookworm/sid`, `trixie/sid`, `sid`.
    let codename = first.split('/').next().unwrap_or(first);
    if codename.eq_ignore_ascii_case(releases::UNSTABLE) {
        return Some((String::new(), Some(releases::UNSTABLE)));
    }
    let version = releases::version_for_codename(codename)?;
    let codename = releases::codename_for_version(version)?;
    Some((version.to_owned(), Some(codename)))
}

impl Analyzer for DebianVersionAnalyzer {
    fn id(&self) -> &'static str {
        "debian-version"
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
        let path = file.path().to_owned();
        let bytes = file.read_to_end_limited(MAX_SIZE)?;
        let parsed = std::str::from_utf8(&bytes)
            .ok()
            .and_then(parse_debian_version);
        if let Some((version, codename)) = parsed {
            out.set_release(
                &path,
                PRIORITY,
                Distro {
                    id: "debian".to_owned(),
                    family: "debian".to_owned(),
                    version,
                    codename: codename.map(str::to_owned),
                    pretty_name: None,
                    source_file: path.clone(),
                },
            );
        } else {
            let shown: String = String::from_utf8_lossy(&bytes).chars().take(64).collect();
            out.diagnose(
                "malformed-release-file",
                Some(&path),
                format!("{path}: not a Debian version or code name: {shown:?}"),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents() {
        assert_eq!(
            parse_debian_version("12.5\n"),
            Some(("12".to_owned(), Some("bookworm")))
        );
        assert_eq!(
            parse_debian_version("7.11"),
            Some(("7".to_owned(), Some("wheezy")))
        );
        assert_eq!(
            parse_debian_version("bookworm/sid\n"),
            Some(("12".to_owned(), Some("bookworm")))
        );
        assert_eq!(
            parse_debian_version("buster/sid"),
            Some(("10".to_owned(), Some("buster")))
        );
        assert_eq!(
            parse_debian_version("3.1r8"),
            Some(("3.1".to_owned(), Some("sarge")))
        );
        assert_eq!(
            parse_debian_version("sid"),
            Some((String::new(), Some("sid")))
        );
        assert_eq!(parse_debian_version("15.0"), Some(("15".to_owned(), None)));
        for bad in [
            "",
            "\n\n",
            "garbage",
            "12 5",
            "ubuntu/sid",
            "\u{0}\u{1}",
            "99999.1",
        ] {
            assert_eq!(parse_debian_version(bad), None, "{bad:?}");
        }
    }
}
