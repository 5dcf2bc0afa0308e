//! The `photon` feed parser on arbitrary bytes: errors, never panics; every advisory has the
//! file's `photon:` namespace, a package, and a fixed version exactly when it is `fixed`.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use customs_model::Status;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = FeedInput {
        kind: "photon".into(),
        location: "fuzz".into(),
        file_name: "cve_data_photon4.0.json".into(),
    };
    let parser = customs_photon::PhotonCveParser::default().with_max_bytes(1 << 20);
    let _ = parser.parse(&input, &mut &data[..], &mut |a| {
        assert_eq!(a.namespace, "photon:4.0");
        assert!(!a.package.is_empty() && !a.vulnerability_id.is_empty());
        assert_eq!(a.fixed_version.is_some(), a.status == Status::Fixed);
    });
});
