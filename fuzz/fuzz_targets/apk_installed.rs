//! The apk installed-database reader on arbitrary bytes, through its analyzer: packages and
//! diagnostics, never a panic. Every package it keeps has a name and a version.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_apk::ApkInstalledAnalyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new(
        "lib/apk/db/installed",
        data.len() as u64,
        0o644,
        &mut reader,
    );
    let _ = ApkInstalledAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert!(p.files.iter().all(|f| !f.starts_with('/')));
        }
    }
});
