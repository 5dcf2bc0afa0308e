//! Alpine Linux: distro detection from `etc/alpine-release`.
//!
//! The file holds one line, the release as `VERSION_ID` of os-release has it (`3.18.4`;
//! `3.19_alpha20230901` on edge). It is a fallback for os-release (priority 60 against 100),
//! and follows the conventions documented in `customs-os-release`: `version` is the file's
//! content as written, `codename` is `edge` for `_alpha` snapshots. (Feeds key Alpine by
//! `v3.18`; `customs_os_release::feed_release` derives that.)

mod matcher;
pub mod rolling;
mod secdb;

pub use matcher::AlpineMatcher;
pub use rolling::{ChainguardMatcher, ChainguardSecdbParser, WolfiMatcher, WolfiSecdbParser};
pub use secdb::AlpineSecdbParser;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::Distro;

/// The path this analyzer reads.
pub const PATH: &str = "etc/alpine-release";
/// The priority of the release it records (os-release ranks 100).
pub const PRIORITY: u8 = 60;
/// The largest file read; the real one is a few bytes.
pub const MAX_SIZE: u64 = 4 * 1024;

/// Reads an `alpine-release` file into a [`Distro`]; `None` when the content is not an
/// Alpine version (digits and dots first, then letters, digits, `.` and `_` only).
pub fn parse_alpine_release(content: &str, source_file: &str) -> Option<Distro> {
    let line = content.lines().map(str::trim).find(|l| !l.is_empty())?;
    let ok = line.len() <= 64
        && line.starts_with(|c: char| c.is_ascii_digit())
        && line
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'.' || b == b'_')
        && line.contains('.');
    if !ok {
        return None;
    }
    Some(Distro {
        id: "alpine".to_owned(),
        family: "alpine".to_owned(),
        version: line.to_owned(),
        codename: line.contains("_alpha").then(|| "edge".to_owned()),
        pretty_name: None,
        source_file: source_file.to_owned(),
    })
}

/// Reads `etc/alpine-release` (`alpine-release`). A unit struct: construct it as
/// `AlpineReleaseAnalyzer`.
#[derive(Debug, Default, Clone, Copy)]
pub struct AlpineReleaseAnalyzer;

impl Analyzer for AlpineReleaseAnalyzer {
    fn id(&self) -> &'static str {
        "alpine-release"
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
            "not an Alpine release",
            parse_alpine_release,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_and_edge() {
        let d = parse_alpine_release("3.15.4\n", PATH).unwrap();
        assert_eq!((d.version.as_str(), d.codename), ("3.15.4", None));
        let d = parse_alpine_release("3.22_alpha20250108\n", PATH).unwrap();
        assert_eq!(d.codename.as_deref(), Some("edge"));
        for bad in [
            "",
            "\n\n",
            "edge",
            "Welcome to Alpine",
            "3",
            "3.1 extra",
            "\u{0}3.1",
        ] {
            assert!(parse_alpine_release(bad, PATH).is_none(), "{bad:?}");
        }
    }
}
