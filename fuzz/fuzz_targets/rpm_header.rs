//! rpm header blobs on arbitrary bytes: errors, never panics; the file list stays capped.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = customs_rpm::Header::parse(data) {
        if let Ok(p) = customs_rpm::RpmPackage::from_header(&h) {
            let _ = p.to_package("var/lib/rpm/rpmdb.sqlite");
        }
    }
});
