//! The registry manifest/index parser on arbitrary bytes, with each Content-Type and index
//! hint it meets in practice: a manifest, an index, or a clear refusal, never a panic. Kept
//! documents respect the entry limit, and platform selection over any parsed index either
//! picks one of its entries or explains what is available.
#![no_main]

use customs_image::registry::{
    MAX_ENTRIES, Manifest, Platform, parse_manifest, select_platform,
};
use libfuzzer_sys::fuzz_target;

const TYPES: [Option<&str>; 5] = [
    None,
    Some("application/vnd.oci.image.manifest.v1+json"),
    Some("application/vnd.oci.image.index.v1+json"),
    Some("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"),
    Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
];

fuzz_target!(|data: &[u8]| {
    let (selector, doc) = data.split_first().map_or((0, data), |(s, rest)| (*s, rest));
    let content_type = TYPES[usize::from(selector) % TYPES.len()];
    let hint = TYPES[usize::from(selector / 8) % TYPES.len()];
    match parse_manifest(doc, content_type, hint) {
        Ok(Manifest::Image(m)) => assert!(m.layers.len() <= MAX_ENTRIES),
        Ok(Manifest::Index(entries)) => {
            assert!(entries.len() <= MAX_ENTRIES);
            for platform in ["linux/amd64", "linux/arm64/v8", "windows/amd64"] {
                let p: Platform = platform.parse().expect("valid platform");
                match select_platform(&entries, &p) {
                    Ok(d) => assert!(entries.iter().any(|e| e.digest == d.digest)),
                    Err(msg) => assert!(msg.contains(platform)),
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
