//! The feed location reader (decompression by magic bytes, zip and tar archives) on arbitrary
//! bytes, with small limits: every input it yields reads to the end or fails with an error,
//! never a panic, and no input exceeds the limits.
#![no_main]

use std::io::Read;

use customs_feed::{FetchOptions, open_reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = FetchOptions {
        max_bytes: 1 << 20,
        max_member_bytes: 64 << 10,
        max_archive_members: 1000,
        ..FetchOptions::default()
    };
    let Ok(inputs) = open_reader("fuzz", "fuzz.tar", Box::new(std::io::Cursor::new(data.to_vec())), &opts) else {
        return;
    };
    let mut count = 0u64;
    for mut input in inputs {
        count += 1;
        assert!(count <= 1001, "more inputs than the member limit allows");
        assert!(input.location.starts_with("fuzz"));
        let mut sink = Vec::new();
        if input.reader.read_to_end(&mut sink).is_ok() {
            assert!(sink.len() as u64 <= opts.max_bytes);
        }
    }
});
