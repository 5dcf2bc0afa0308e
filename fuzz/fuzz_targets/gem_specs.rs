//! Installed gemspecs and Gemfile.lock on arbitrary bytes, the first byte choosing which:
//! packages or diagnostics, never a panic. Every package has a valid gem name and version.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_gem::{GemfileLockAnalyzer, GemspecAnalyzer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    let (analyzer, path): (&dyn Analyzer, &str) = if sel & 1 == 0 {
        (&GemspecAnalyzer, "usr/local/bundle/specifications/x-1.0.gemspec")
    } else {
        (&GemfileLockAnalyzer, "app/Gemfile.lock")
    };
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new(path, data.len() as u64, 0o644, &mut reader);
    let _ = analyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(customs_gem::is_valid_name(&p.name));
            assert!(customs_gem::is_valid_version(&p.version));
        }
    }
});
