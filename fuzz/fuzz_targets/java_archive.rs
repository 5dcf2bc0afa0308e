//! The `java-archive` analyzer on arbitrary bytes (as a top-level `.war`): packages and
//! diagnostics, never a panic. Every package is a Maven package with a name, a version and a
//! `found_in` under the archive's path.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_maven::JavaArchiveAnalyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new("app/app.war", data.len() as u64, 0o644, &mut reader);
    let _ = JavaArchiveAnalyzer::new().analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert_eq!(p.ecosystem, "maven");
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert!(p.found_in.starts_with("app/app.war"));
            assert!(p.purl.as_str().starts_with("pkg:maven/"));
        }
    }
});
