//! The `suse-oval` parser on arbitrary bytes: errors, never panics; every advisory has a
//! SUSE namespace, a package, and a fixed version exactly when its status is `fixed`.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use customs_model::Status;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = FeedInput {
        kind: "suse-oval".into(),
        location: "fuzz".into(),
        file_name: "suse.linux.enterprise.server.15.xml".into(),
    };
    let parser = customs_suse::SuseOvalParser::default().with_max_bytes(1 << 20);
    let _ = parser.parse(&input, &mut &data[..], &mut |a| {
        assert!(
            a.namespace.starts_with("sles:")
                || a.namespace.starts_with("sle-micro:")
                || a.namespace.starts_with("opensuse-leap:")
        );
        assert!(!a.package.is_empty());
        assert_eq!(a.fixed_version.is_some(), a.status == Status::Fixed);
    });
});
