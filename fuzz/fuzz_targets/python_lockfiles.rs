//! Python lockfiles (requirements.txt, poetry.lock, Pipfile.lock, uv.lock, pdm.lock,
//! pylock.toml) on arbitrary bytes, the first byte choosing the format: packages, diagnostics
//! or a `Malformed` error, never a panic. Every package has a normalised name and a version.
#![no_main]

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_pypi::PythonLockfileAnalyzer;
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 6] = [
    "app/requirements.txt",
    "app/poetry.lock",
    "app/Pipfile.lock",
    "app/uv.lock",
    "app/pdm.lock",
    "app/pylock.toml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, data)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(sel) % PATHS.len()];
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new(path, data.len() as u64, 0o644, &mut reader);
    let _ = PythonLockfileAnalyzer.analyze(&mut entry, &mut out);
    for facts in out.files.values() {
        for p in &facts.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty());
            assert_eq!(p.name, customs_pypi::normalize_name(&p.name));
        }
    }
});
