//! The `alpine-secdb` feed parser on arbitrary bytes: errors, never panics.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = FeedInput { kind: "alpine-secdb".into(), location: "fuzz".into(), file_name: "main.json".into() };
    let _ = customs_alpine::AlpineSecdbParser.parse(&input, &mut &data[..], &mut |_| {});
});
