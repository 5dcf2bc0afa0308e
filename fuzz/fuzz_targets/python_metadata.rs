//! Python core metadata (`METADATA` / `PKG-INFO` / `.egg-info` file) on arbitrary bytes,
//! through its analyzer: a package or a diagnostic, never a panic. Every package it keeps has
//! a PEP 503-normalised name and a version.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_pypi::PythonInstalledAnalyzer;
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 3] = [
    "usr/lib/python3/site-packages/x-1.0.dist-info/METADATA",
    "usr/lib/python3/dist-packages/x-1.0.egg-info",
    "opt/x-1.0-py3.8.egg/EGG-INFO/PKG-INFO",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(sel) % PATHS.len()];
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new(path, data.len() as u64, 0o644, &mut reader);
    let _ = PythonInstalledAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert_eq!(p.name, customs_pypi::normalize_name(&p.name));
        }
    }
});
