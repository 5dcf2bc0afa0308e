//! `customs db import` on arbitrary bytes: the export file (zstd tar of metadata.json and a
//! SQLite snapshot) is untrusted input. Import must refuse or succeed, never panic, never
//! leave a file other than the target in the target directory, and never touch a path named
//! by the archive.
#![no_main]

use customs_db::{ImportExpectations, import_db, parse_metadata};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_metadata(data, std::path::Path::new("fuzz"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("in.tar.zst");
    std::fs::write(&file, data).expect("write input");
    let target_dir = dir.path().join("db");
    let target = target_dir.join("customs.db");
    let ok = import_db(&file, &target, &ImportExpectations::default()).is_ok();
    let names: Vec<String> = std::fs::read_dir(&target_dir)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if ok {
        assert_eq!(names, ["customs.db"]);
    } else {
        assert!(names.is_empty(), "{names:?}");
    }
    let mut top: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert!(
        top.iter().all(|n| n == "in.tar.zst" || n == "db"),
        "{top:?}"
    );
});
