//! The `amazon-alas` page parser on arbitrary bytes: errors, never panics; every advisory
//! has an amzn namespace, a package and a fixed version.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = FeedInput {
        kind: "amazon-alas".into(),
        location: "fuzz".into(),
        file_name: "ALAS.html".into(),
    };
    let _ = customs_amazon::AmazonAlasParser.parse(&input, &mut &data[..], &mut |a| {
        assert!(a.namespace.starts_with("amzn:"));
        assert!(!a.package.is_empty() && a.fixed_version.is_some());
    });
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = customs_amazon::alas::advisory_links(s);
    }
});
