//! The os-release parser and analyzer on arbitrary bytes: a distro or a diagnostic, never a
//! panic; the feed key derivation never panics either.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_os_release::{OsReleaseAnalyzer, distro_from_fields, feed_release, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(d) = distro_from_fields(&parse(&text), "etc/os-release") {
        assert!(!d.id.is_empty() && !d.family.is_empty());
        let _ = feed_release(&d);
    }
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new("usr/lib/os-release", data.len() as u64, 0o644, &mut reader);
    let _ = OsReleaseAnalyzer.analyze(&mut entry, &mut out);
    assert!(out.files.len() + out.diagnostics.len() >= 1 || data.len() > 64 * 1024);
});
