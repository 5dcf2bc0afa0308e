//! A stored advisory set (a row of a database that may come from `customs db import` or
//! `customs db pull`): as raw bytes; as schema 5's LZ4 block around fuzzed bytes behind the
//! binary form's format byte; and as schema 4's zstd frame around fuzzed bytes (JSON when
//! they start with `[`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = |stored: &[u8]| {
        let _ = customs_db::read_stored_set(stored, "debian:12", "openssl", "debian-oval");
    };
    read(data);
    let mut binary = Vec::with_capacity(data.len() + 1);
    binary.push(1);
    binary.extend_from_slice(data);
    let mut block = vec![4u8];
    block.extend_from_slice(&lz4_flex::block::compress_prepend_size(&binary));
    read(&block);
    if let Ok(frame) = zstd::bulk::compress(data, 1) {
        read(&frame);
    }
});
