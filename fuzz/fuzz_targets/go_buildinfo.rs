//! The Go build-info scanner on arbitrary bytes, through its analyzer (prefixed with an ELF
//! magic so the scan always runs) and directly: never a panic; a found record respects the
//! documented limits; the module-info parser copes with any text.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_golang::GoBinaryAnalyzer;
use customs_golang::buildinfo::{MODINFO_LIMIT, ModInfo, Scan, VERSION_LIMIT, scan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut elf = b"\x7fELF".to_vec();
    elf.extend_from_slice(data);
    let mut out = LayerFindings::default();
    let mut reader = &elf[..];
    let mut entry = FileEntry::new("usr/bin/x", elf.len() as u64, 0o755, &mut reader);
    let _ = GoBinaryAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert!(p.purl.as_str().starts_with("pkg:golang/"));
        }
    }
    if let Ok(Scan::Found(info)) = scan(&mut &data[..]) {
        assert!(info.go_version.len() as u64 <= VERSION_LIMIT);
        assert!(info.modinfo.len() as u64 <= MODINFO_LIMIT);
    }
    let _ = ModInfo::parse(&String::from_utf8_lossy(data));
});
