//! The `mariner-oval` parser on arbitrary bytes: errors, never panics; every advisory has a
//! mariner or azurelinux namespace and a package.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = FeedInput {
        kind: "mariner-oval".into(),
        location: "fuzz".into(),
        file_name: "cbl-mariner-2.0-oval.xml".into(),
    };
    let parser = customs_mariner::MarinerOvalParser::default().with_max_bytes(1 << 20);
    let _ = parser.parse(&input, &mut &data[..], &mut |a| {
        assert!(a.namespace.starts_with("mariner:") || a.namespace.starts_with("azurelinux:"));
        assert!(!a.package.is_empty());
    });
});
