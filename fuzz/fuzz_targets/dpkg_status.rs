//! The dpkg status parser on arbitrary bytes: entries and problems, never a panic; every
//! entry converts into a package.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (entries, _problems) = customs_dpkg::status::parse_status(&text);
    for e in &entries {
        let p = e.to_package("var/lib/dpkg/status");
        assert!(!p.name.is_empty() && !p.version.is_empty());
    }
});
