//! Red Hat content manifests (`root/buildinfo/content_manifests/*.json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_rpm::parse_content_manifest(data);
});
