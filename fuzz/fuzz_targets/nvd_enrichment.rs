//! The enrichment feeds (NVD CVE API 2.0, CISA KEV, FIRST EPSS) on arbitrary bytes: an error
//! naming the input or records, never a panic. Every record is a CVE id; every CVSS base
//! score is in [0, 10], every EPSS score and percentile in [0, 1].
#![no_main]

use customs_feed::{EnrichmentParser, FeedInput};
use customs_nvd::{EpssParser, KevParser, NvdParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsers: [&dyn EnrichmentParser; 3] = [&NvdParser, &KevParser, &EpssParser];
    for p in parsers {
        let input = FeedInput {
            kind: p.kind().into(),
            location: "fuzz-input".into(),
            file_name: "fuzz-input".into(),
        };
        let mut records = Vec::new();
        match p.parse(&input, &mut &data[..], &mut |r| records.push(r)) {
            Err(e) => assert!(e.to_string().starts_with("fuzz-input: "), "{e}"),
            Ok(()) => {
                for r in &records {
                    assert!(r.id.starts_with("CVE-"));
                    assert!(r.cvss.iter().all(|c| (0.0..=10.0).contains(&c.base_score)));
                    if let Some(e) = &r.epss {
                        assert!((0.0..=1.0).contains(&e.score) && (0.0..=1.0).contains(&e.percentile));
                    }
                }
            }
        }
    }
});
