//! ndb `Packages.db` on arbitrary bytes: errors or problems, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_rpm::read_ndb(data);
});
