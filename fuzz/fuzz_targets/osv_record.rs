//! The OSV feed parser on arbitrary bytes, read both as a JSON and as a YAML record: an error
//! or advisories, never a panic. Every advisory it emits names a vulnerability, a package of
//! a known ecosystem with its scheme, and a non-empty range.
#![no_main]

use customs_feed::{FeedInput, FeedParser};
use customs_model::AffectedRange;
use customs_osv::OsvFeedParser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["GHSA-fuzz.json", "PYSEC-fuzz.yaml"] {
        let input = FeedInput {
            kind: "osv".into(),
            location: format!("fuzz!{name}"),
            file_name: name.into(),
        };
        let mut advisories = Vec::new();
        let _ = OsvFeedParser::osv().parse(&input, &mut &data[..], &mut |a| advisories.push(a));
        for a in &advisories {
            assert!(!a.vulnerability_id.is_empty() && !a.package.is_empty());
            let eco = customs_osv::convert::by_namespace(&a.namespace).expect("known namespace");
            assert_eq!(a.scheme, eco.scheme.name());
            match &a.affected {
                AffectedRange::Osv(events) => assert!(!events.is_empty()),
                AffectedRange::Versions(v) => assert!(!v.is_empty()),
                other => panic!("unexpected range {other:?}"),
            }
            assert_eq!(a.fixed_version.is_some(), a.status == customs_model::Status::Fixed);
        }
    }
});
