//! The `oracle-elsa` OVAL parser on arbitrary bytes: errors, never panics; every advisory
//! has an `ol:` namespace, a package and a fixed version.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = FeedInput {
        kind: "oracle-elsa".into(),
        location: "fuzz".into(),
        file_name: "com.oracle.elsa-all.xml".into(),
    };
    let parser = customs_oracle::OracleElsaParser::default().with_max_bytes(1 << 20);
    let _ = parser.parse(&input, &mut &data[..], &mut |a| {
        assert!(a.namespace.starts_with("ol:"));
        assert!(!a.package.is_empty() && a.fixed_version.is_some());
    });
});
