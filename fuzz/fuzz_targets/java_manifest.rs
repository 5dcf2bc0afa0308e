//! The JAR manifest parser on arbitrary bytes: never a panic; every header has a valid name;
//! lookups agree with the header list.
#![no_main]

use customs_maven::manifest::parse_manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let m = parse_manifest(data);
    for (k, _) in &m.main {
        assert!(!k.is_empty());
        assert!(k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let _ = m.get(k);
    }
    assert_eq!(m.bad_lines > 0, m.first_bad_line.is_some());
});
