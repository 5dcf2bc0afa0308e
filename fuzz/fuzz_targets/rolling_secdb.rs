//! The `wolfi-secdb` and `chainguard-secdb` feed parsers on arbitrary bytes: errors, never
//! panics; every advisory lands in its rolling namespace with a package name.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsers: [&dyn FeedParser; 2] = [
        &customs_alpine::WolfiSecdbParser,
        &customs_alpine::ChainguardSecdbParser,
    ];
    for parser in parsers {
        let input = FeedInput {
            kind: parser.kind().into(),
            location: "fuzz".into(),
            file_name: "security.json".into(),
        };
        let _ = parser.parse(&input, &mut &data[..], &mut |a| {
            assert!(a.namespace.ends_with(":rolling"));
            assert_eq!(a.scheme, "apk");
        });
    }
});
