//! The `debian-dsa` feed parser on arbitrary bytes: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_debian::parse_bytes("debian-dsa", "DSA.list", data);
});
