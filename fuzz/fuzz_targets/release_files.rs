//! Every legacy release-file parser (alpine-release, redhat-release and friends,
//! SuSE-release, lsb-release) on the same arbitrary bytes: a distro or nothing, never a
//! panic; what they return always has an id, a family and a usable feed key.
#![no_main]

use customs_model::Distro;
use libfuzzer_sys::fuzz_target;

fn check(d: Option<Distro>) {
    if let Some(d) = d {
        assert!(!d.id.is_empty() && !d.family.is_empty());
        let _ = customs_os_release::feed_release(&d);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(customs_alpine::parse_alpine_release(
        &text,
        "etc/alpine-release",
    ));
    check(customs_rhel::parse_redhat_release(
        &text,
        "etc/redhat-release",
    ));
    check(customs_suse::parse_suse_release(&text, "etc/SuSE-release"));
    check(customs_ubuntu::parse_lsb_release(&text, "etc/lsb-release"));
});
