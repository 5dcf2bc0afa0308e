//! An installed package.json on arbitrary bytes, through its analyzer: a package, nothing, or an error; never a panic.
//! Every package it keeps has a valid npm name, a version and an `npm` purl.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_npm::NpmInstalledAnalyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new("app/node_modules/@s/x/package.json", data.len() as u64, 0o644, &mut reader);
    let _ = NpmInstalledAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(customs_npm::common::valid_name(&p.name), "{:?}", p.name);
            assert!(customs_npm::common::valid_version(&p.version), "{:?}", p.version);
            assert!(p.purl.as_str().starts_with("pkg:npm/"));
        }
    }
});
