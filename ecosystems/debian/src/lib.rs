//! Debian: the release table, the feed parsers (OVAL, security-tracker JSON, DSA/DLA/DTSA
//! lists) and the `etc/debian_version` analyzer.
//!
//! Every parser reads untrusted bytes: each has a size limit, reports errors naming its
//! input (`FeedError`), and never panics on any input.

pub mod analyzer;
pub mod dsa;
pub mod matcher;
pub mod oval;
pub mod releases;
pub mod tracker;
mod util;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::Advisory;

pub use analyzer::DebianVersionAnalyzer;
pub use dsa::DebianDsaParser;
pub use matcher::DebianMatcher;
pub use oval::DebianOvalParser;
pub use tracker::DebianTrackerParser;

/// Every Debian feed parser, with default limits.
pub fn parsers() -> Vec<Box<dyn FeedParser>> {
    vec![
        Box::new(DebianOvalParser::new()),
        Box::new(DebianTrackerParser::new()),
        Box::new(DebianDsaParser::new()),
    ]
}

/// Parses a whole in-memory input of feed `kind` (`debian-oval`, `debian-tracker`,
/// `debian-dsa`) and collects the advisories: a convenience for tests and fuzzing.
/// `file_name` is what [`FeedInput::file_name`] would be (the OVAL parser may read the
/// release from it).
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
            format!("unknown Debian feed kind {kind:?}"),
        ));
    };
    let mut out = Vec::new();
    let mut body = bytes;
    parser.parse(&input, &mut body, &mut |a| out.push(a))?;
    Ok(out)
}
