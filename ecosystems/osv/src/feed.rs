//! The `osv` and `ghsa` feed kinds.
//!
//! `osv` reads any OSV data: osv.dev's per-ecosystem `all.zip` (the default locations), an
//! advisory repository checked out or as a tarball (`PyPA`'s YAML, the Go vulnerability
//! database, `RustSec`'s `osv` branch), a directory of records, or a single record or JSON array.
//! `ghsa` is the same reader for the GitHub Advisory Database, whose records are OSV JSON
//! (`advisories/github-reviewed/YYYY/MM/GHSA-…/GHSA-….json`); its default location is the
//! repository tarball. The two kinds differ only in the `source` their advisories carry, so a
//! database may hold both and matching prefers GitHub's own records (see the matcher).
//!
//! Each input is one file (or archive member). Files that are not `.json`, `.yaml` or `.yml`
//! (licences, READMEs, `.id-allocator`) are skipped. An input larger than
//! [`MAX_INPUT_BYTES`], or one that is not valid OSV, fails the update with an error naming it
//! (`ARCHIVE!member` inside archives), and the previous records stay.

use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::Advisory;

use crate::convert;
use crate::record;

/// The largest input read. One record is a few KiB; osv.dev's largest (npm malicious-package
/// reports listing thousands of versions) are a few MiB. A JSON array of many records may be
/// larger, which is what the margin is for.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// osv.dev's per-ecosystem exports, one for each ecosystem customs matches.
const OSV_DEV_ECOSYSTEMS: &[&str] = &[
    "PyPI",
    "npm",
    "crates.io",
    "Go",
    "Maven",
    "RubyGems",
    "Packagist",
    "NuGet",
];

/// Reads OSV records. Construct with [`OsvFeedParser::osv`] or [`OsvFeedParser::ghsa`].
#[derive(Debug, Clone, Copy)]
pub struct OsvFeedParser {
    kind: &'static str,
}

impl OsvFeedParser {
    /// The `osv` feed (osv.dev and any OSV advisory repository).
    pub const fn osv() -> Self {
        OsvFeedParser { kind: "osv" }
    }

    /// The `ghsa` feed (the GitHub Advisory Database).
    pub const fn ghsa() -> Self {
        OsvFeedParser { kind: "ghsa" }
    }
}

impl FeedParser for OsvFeedParser {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn description(&self) -> &'static str {
        if self.kind == "ghsa" {
            "GitHub Advisory Database (OSV JSON): application packages of every language ecosystem"
        } else {
            "OSV records (osv.dev, PyPA, Go vulndb, RustSec, ...): PyPI, npm, crates.io, Go, Maven, RubyGems, Packagist, NuGet"
        }
    }

    fn default_locations(&self) -> Vec<String> {
        if self.kind == "ghsa" {
            return vec![
                "https://github.com/github/advisory-database/archive/refs/heads/main.tar.gz"
                    .to_owned(),
            ];
        }
        OSV_DEV_ECOSYSTEMS
            .iter()
            .map(|e| format!("https://osv-vulnerabilities.storage.googleapis.com/{e}/all.zip"))
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        if !record::is_record_file(&input.file_name) {
            return Ok(());
        }
        let mut bytes = Vec::new();
        body.take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| FeedError::io(input, e))?;
        if bytes.len() as u64 > MAX_INPUT_BYTES {
            return Err(FeedError::Limit {
                kind: input.kind.clone(),
                location: input.location.clone(),
                limit: MAX_INPUT_BYTES,
                what: "bytes in one OSV input".into(),
            });
        }
        let records = record::read_records(&input.file_name, &bytes)
            .map_err(|e| FeedError::malformed(input, e))?;
        for r in &records {
            for adv in convert::advisories(r, self.kind) {
                emit(adv);
            }
        }
        Ok(())
    }
}
