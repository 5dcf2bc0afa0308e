//! dpkg file ownership (`info/*.list`, `status.d/*.md5sums`) on arbitrary bytes, through
//! the analyzer: owned paths or diagnostics, never a panic, and never a path that is empty,
//! absolute or escapes the root.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_dpkg::DpkgInfoAnalyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let path = match first % 3 {
        0 => "var/lib/dpkg/info/libc6:amd64.list",
        1 => "var/lib/dpkg/status.d/libsqlite3-0.md5sums",
        _ => "var/lib/dpkg/info/g++-12.list",
    };
    let mut out = LayerFindings::default();
    let mut reader = rest;
    let mut entry = FileEntry::new(path, rest.len() as u64, 0o644, &mut reader);
    let _ = DpkgInfoAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for files in facts.owned_files.values() {
            for f in files {
                assert!(!f.is_empty() && !f.starts_with('/'), "{f:?}");
                assert!(
                    !f.split('/').any(|s| s == ".." || s == "." || s.is_empty()),
                    "{f:?}"
                );
            }
        }
    }
});
