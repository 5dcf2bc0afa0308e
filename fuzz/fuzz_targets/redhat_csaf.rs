//! The Red Hat CSAF VEX/advisory parser (`redhat-csaf`) on arbitrary bytes: errors, never
//! panics. Every advisory it emits is for a RHEL namespace.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(advs) = customs_rhel::parse_bytes("redhat-csaf", "cve.json", data) {
        for a in advs {
            assert!(a.namespace.starts_with("rhel:"));
            assert!(!a.package.is_empty());
        }
    }
});
