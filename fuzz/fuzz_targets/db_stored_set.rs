//! A stored advisory set (a row of a database that may come from `customs db import` or
//! `customs db pull`): as a raw frame, and as a valid zstd frame around fuzzed JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_db::read_stored_set(data, "debian:12", "openssl", "debian-oval");
    if let Ok(frame) = zstd::bulk::compress(data, 1) {
        let _ = customs_db::read_stored_set(&frame, "debian:12", "openssl", "debian-oval");
    }
});
