//! The Cargo.lock reader on arbitrary bytes, through its analyzer: packages and diagnostics,
//! never a panic. Every package it keeps has a name, a version and a cargo purl.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_cargo::CargoLockAnalyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new("app/Cargo.lock", data.len() as u64, 0o644, &mut reader);
    let _ = CargoLockAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert!(p.purl.as_str().starts_with("pkg:cargo/"));
        }
    }
});
