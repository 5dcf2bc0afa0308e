//! Berkeley DB hash `Packages` on arbitrary bytes: errors or problems, never panics or loops.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_rpm::read_bdb(data);
});
