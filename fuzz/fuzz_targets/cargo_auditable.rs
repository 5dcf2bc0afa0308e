//! The cargo-auditable reader on arbitrary bytes: once as a whole "binary" (object parsing,
//! section lookup) and once as the contents of a `.dep-v0` section (zlib + JSON), never a
//! panic, never more than the documented inflate limit.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_cargo::CargoAuditableAnalyzer;
use customs_cargo::auditable::{JSON_LIMIT, inflate, parse_dep_section};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new("usr/bin/x", data.len() as u64, 0o755, &mut reader);
    let _ = CargoAuditableAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
        }
    }
    if let Ok(json) = inflate(data, JSON_LIMIT) {
        assert!(json.len() as u64 <= JSON_LIMIT);
    }
    if let Ok(crates) = parse_dep_section(data) {
        assert!(crates.iter().all(|c| !c.name.is_empty()));
    }
});
