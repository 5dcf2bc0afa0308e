//! `*.deps.json` and packages.lock.json on arbitrary bytes, the first byte choosing which:
//! packages, diagnostics or a `Malformed` error, never a panic; no duplicate packages.
#![no_main]

use std::collections::BTreeSet;

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_nuget::{DepsJsonAnalyzer, PackagesLockAnalyzer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    let (analyzer, path): (&dyn Analyzer, &str) = if sel & 1 == 0 {
        (&DepsJsonAnalyzer, "app/App.deps.json")
    } else {
        (&PackagesLockAnalyzer, "src/packages.lock.json")
    };
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new(path, data.len() as u64, 0o644, &mut reader);
    let _ = analyzer.analyze(&mut entry, &mut out);
    let mut seen = BTreeSet::new();
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert!(seen.insert((p.name.to_ascii_lowercase(), p.version.to_ascii_lowercase())));
        }
    }
});
