//! The CBL-Mariner distroless manifest (`var/lib/rpmmanifest/container-manifest-2`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_rpm::parse_container_manifest(data);
});
