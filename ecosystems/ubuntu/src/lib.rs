//! Ubuntu: the release table, the vulnerability feeds (`ubuntu-oval`: the USN OVAL per
//! release; `ubuntu-osv`: Canonical's OSV records), the [`UbuntuMatcher`], and distro
//! detection from the legacy `etc/lsb-release`.
//!
//! # Feeds and matching
//!
//! - [`oval`]: one advisory per (CVE, **binary** package) fixed by a USN, with the USN ids and
//!   Ubuntu's CVE priority as severity.
//! - [`osv`]: one advisory per (CVE, **source** package) and release, fixed or not, with the
//!   Ubuntu priority; how Ubuntu's statuses and Ubuntu Pro (ESM) fixes are read is documented
//!   there. In short, a fix only Ubuntu Pro subscribers get is reported as `affected` with a
//!   note naming the Pro version, and the range stops at that version, so an image that did
//!   install it is not reported.
//! - [`matcher`]: namespace `ubuntu:YY.MM`, lookups by source and binary, `ubuntu-osv` over
//!   `ubuntu-oval`, kernel packages.
//!
//! Every parser reads untrusted bytes: each has a size limit, reports errors naming its input
//! ([`FeedError`]), and never panics.
//!
//! # `etc/lsb-release`
//!
//!
//! Ubuntu writes the file on every release; before 12.04 it is the only release file:
//!
//! ```text
//! DISTRIB_ID=Ubuntu
//! DISTRIB_RELEASE=10.04
//! DISTRIB_CODENAME=lucid
//! DISTRIB_DESCRIPTION="Ubuntu 10.04 LTS"
//! ```
//!
//! It is a fallback for os-release (priority 55 against 100). It must outrank
//! `etc/debian_version` (50): Ubuntu ships that file too, holding the Debian release it
//! branched from (`squeeze/sid` on 10.04), so an Ubuntu without os-release would otherwise be
//! detected as Debian. Debian itself has no `etc/lsb-release`. The analyzer follows the conventions of `customs-os-release`: `id` is `DISTRIB_ID` lower-cased, the
//! family is `ubuntu` or `debian` for those ids and the id itself otherwise (derivatives
//! such as Linux Mint write their own id here, and their os-release, which wins, names the
//! family through `ID_LIKE`), `version` is `DISTRIB_RELEASE` and `codename`
//! `DISTRIB_CODENAME`.

pub mod matcher;
pub mod osv;
pub mod oval;
pub mod releases;
mod util;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, Distro};

pub use matcher::UbuntuMatcher;
pub use osv::UbuntuOsvParser;
pub use oval::UbuntuOvalParser;

/// Every Ubuntu feed parser, with default limits.
pub fn parsers() -> Vec<Box<dyn FeedParser>> {
    vec![Box::new(UbuntuOvalParser::new()), Box::new(UbuntuOsvParser)]
}

/// Parses a whole in-memory input of feed `kind` (`ubuntu-oval`, `ubuntu-osv`) and collects
/// the advisories: a convenience for tests and fuzzing. `file_name` is what
/// [`FeedInput::file_name`] would be (the OVAL parser reads the release from it, the OSV
/// parser reads only `.json` files).
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
            format!("unknown Ubuntu feed kind {kind:?}"),
        ));
    };
    let mut out = Vec::new();
    let mut body = bytes;
    parser.parse(&input, &mut body, &mut |a| out.push(a))?;
    Ok(out)
}

/// The path this analyzer reads.
pub const PATH: &str = "etc/lsb-release";
/// The priority of the release it records (os-release ranks 100).
pub const PRIORITY: u8 = 55;
/// The largest file read; the real one is four lines.
pub const MAX_SIZE: u64 = 8 * 1024;

/// `KEY=VALUE` lines with optional single or double quotes; other lines are skipped.
fn fields(content: &str) -> Vec<(&str, &str)> {
    content
        .lines()
        .filter_map(|l| {
            let (k, v) = l.trim().split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim(), v.trim()))
        })
        .collect()
}

/// Reads `lsb-release` content into a [`Distro`]; `None` without a usable `DISTRIB_ID`.
pub fn parse_lsb_release(content: &str, source_file: &str) -> Option<Distro> {
    let f = fields(content);
    let get = |k: &str| {
        f.iter()
            .rev()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_empty())
    };
    let id = get("DISTRIB_ID")?.to_ascii_lowercase();
    if id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return None;
    }
    // `Ubuntu` and `Debian` are their own families; a derivative's id is its own family
    // here (its os-release names the real one).
    let family = id.clone();
    let codename = get("DISTRIB_CODENAME")
        .map(str::to_ascii_lowercase)
        .filter(|c| c.bytes().all(|b| b.is_ascii_alphanumeric()));
    Some(Distro {
        id,
        family,
        version: get("DISTRIB_RELEASE").unwrap_or("").to_owned(),
        codename,
        pretty_name: get("DISTRIB_DESCRIPTION").map(str::to_owned),
        source_file: source_file.to_owned(),
    })
}

/// Reads `etc/lsb-release` (`lsb-release`). A unit struct: construct it as
/// `LsbReleaseAnalyzer`.
#[derive(Debug, Default, Clone, Copy)]
pub struct LsbReleaseAnalyzer;

impl Analyzer for LsbReleaseAnalyzer {
    fn id(&self) -> &'static str {
        "lsb-release"
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
            "lsb-release has no usable DISTRIB_ID",
            parse_lsb_release,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lucid_and_garbage() {
        let d = parse_lsb_release(
            "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=10.04\nDISTRIB_CODENAME=lucid\nDISTRIB_DESCRIPTION=\"Ubuntu 10.04 LTS\"\n",
            PATH,
        )
        .unwrap();
        assert_eq!(
            (d.id.as_str(), d.family.as_str(), d.version.as_str()),
            ("ubuntu", "ubuntu", "10.04")
        );
        assert_eq!(d.codename.as_deref(), Some("lucid"));
        assert_eq!(d.pretty_name.as_deref(), Some("Ubuntu 10.04 LTS"));
        for bad in [
            "",
            "DISTRIB_RELEASE=1",
            "DISTRIB_ID=",
            "DISTRIB_ID=a b",
            "\u{0}",
        ] {
            assert!(parse_lsb_release(bad, PATH).is_none(), "{bad:?}");
        }
    }
}
