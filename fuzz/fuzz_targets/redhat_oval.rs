//! The Red Hat-style OVAL reader (`redhat-oval`, also Rocky's and AlmaLinux's) on arbitrary
//! bytes: errors, never panics. Every advisory it emits names a package and an rpm release.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in ["redhat-oval", "rocky-oval"] {
        if let Ok(advs) = customs_rhel::parse_bytes(kind, "rhel-9.oval.xml", data) {
            for a in advs {
                assert!(!a.package.is_empty() && !a.vulnerability_id.is_empty());
                assert_eq!(a.scheme, "rpm");
            }
        }
    }
});
