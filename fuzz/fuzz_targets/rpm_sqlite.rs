//! `rpmdb.sqlite` on arbitrary bytes (read from memory, defensively): errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_rpm::read_sqlite(data);
});
