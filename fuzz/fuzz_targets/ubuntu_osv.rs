//! The `ubuntu-osv` feed parser on arbitrary bytes: errors, never panics. Every advisory
//! it emits is in an `ubuntu:` namespace and names a package.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(advs) = customs_ubuntu::parse_bytes("ubuntu-osv", "UBUNTU-CVE-2099-1.json", data) {
        for a in advs {
            assert!(a.namespace.starts_with("ubuntu:"));
            assert!(!a.package.is_empty() && !a.vulnerability_id.is_empty());
        }
    }
});
