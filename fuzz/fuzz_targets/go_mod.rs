//! The go.mod reader on arbitrary bytes, through its analyzer: packages and diagnostics,
//! never a panic; every package has a name, a version and a golang purl.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_golang::GoModAnalyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new("src/go.mod", data.len() as u64, 0o644, &mut reader);
    let _ = GoModAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert!(p.purl.as_str().starts_with("pkg:golang/"));
        }
    }
});
