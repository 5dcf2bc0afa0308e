#![allow(dead_code)]

use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::Advisory;

pub const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/feeds/debian"
);

pub fn input(kind: &str, file_name: &str) -> FeedInput {
    FeedInput {
        kind: kind.to_owned(),
        location: format!("test:{file_name}"),
        file_name: file_name.to_owned(),
    }
}

/// Runs a parser over a reader, collecting its advisories.
pub fn run(
    parser: &dyn FeedParser,
    file_name: &str,
    body: &mut dyn Read,
) -> Result<Vec<Advisory>, FeedError> {
    let mut out = Vec::new();
    parser.parse(&input(parser.kind(), file_name), body, &mut |a| out.push(a))?;
    Ok(out)
}

pub fn run_bytes(
    parser: &dyn FeedParser,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<Advisory>, FeedError> {
    let mut body = bytes;
    run(parser, file_name, &mut body)
}

/// The decompressed OVAL document of a release.
pub fn oval_xml(release: &str) -> Vec<u8> {
    let path = format!("{DATA}/oval/oval-definitions-{release}.xml.bz2");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    bzip2::read::MultiBzDecoder::new(std::io::BufReader::new(file))
        .read_to_end(&mut out)
        .unwrap();
    out
}
