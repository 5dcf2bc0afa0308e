//! The `ubuntu-oval` feed parser on arbitrary bytes: errors, never panics. Every advisory
//! it emits names a release namespace, a package and a vulnerability.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(advs) = customs_ubuntu::parse_bytes("ubuntu-oval", "com.ubuntu.jammy.usn.oval.xml", data) {
        for a in advs {
            assert_eq!(a.namespace, "ubuntu:22.04");
            assert!(!a.package.is_empty() && !a.vulnerability_id.is_empty());
        }
    }
});
