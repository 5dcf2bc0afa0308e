//! A stored advisory set (a row of a database that may come from `customs db import` or
//! `customs db pull`): as a raw frame, and as a valid zstd frame around fuzzed bytes, both
//! as they are (schema 4's JSON when they start with `[`) and behind the binary form's
//! format byte (schema 5).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = |frame: &[u8]| {
        let _ = customs_db::read_stored_set(frame, "debian:12", "openssl", "debian-oval");
    };
    read(data);
    if let Ok(frame) = zstd::bulk::compress(data, 1) {
        read(&frame);
    }
    let mut binary = Vec::with_capacity(data.len() + 1);
    binary.push(1);
    binary.extend_from_slice(data);
    if let Ok(frame) = zstd::bulk::compress(&binary, 1) {
        read(&frame);
    }
});
