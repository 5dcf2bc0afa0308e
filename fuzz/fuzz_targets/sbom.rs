//! CycloneDX / SPDX JSON SBOMs (the sbom: transport) from arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = customs_image::parse_sbom(data, "fuzz.json");
});
