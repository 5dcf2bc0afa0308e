//! composer.lock and vendor/composer/installed.json on arbitrary bytes, the first byte
//! choosing which: packages, diagnostics or a `Malformed` error, never a panic.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_composer::{ComposerInstalledAnalyzer, ComposerLockAnalyzer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    let (analyzer, path): (&dyn Analyzer, &str) = if sel & 1 == 0 {
        (&ComposerLockAnalyzer, "app/composer.lock")
    } else {
        (&ComposerInstalledAnalyzer, "app/vendor/composer/installed.json")
    };
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new(path, data.len() as u64, 0o644, &mut reader);
    let _ = analyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert_eq!(p.name, p.name.to_ascii_lowercase());
        }
    }
});
