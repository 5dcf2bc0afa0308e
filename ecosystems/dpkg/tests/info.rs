//! dpkg file ownership: the distroless `status.d/*.md5sums` fixture joined to its package
//! through squashing, and (when the test machine runs dpkg) every `info/*.list` of the host
//! against `dpkg-query -L`.

use std::process::Command;

use customs_analyzer::{Analyzer, FileEntry, LayerFindings, squash};
use customs_dpkg::{DpkgInfoAnalyzer, DpkgStatusAnalyzer};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/pkgdb/dpkg"
);

fn run(a: &dyn Analyzer, path: &str, bytes: &[u8], out: &mut LayerFindings) {
    let mut reader = bytes;
    let mut entry = FileEntry::new(path, bytes.len() as u64, 0o644, &mut reader);
    a.analyze(&mut entry, out).unwrap();
}

#[test]
fn distroless_md5sums_become_the_package_files() {
    let status = std::fs::read(format!(
        "{DATA}/syft/image-distroless-deb__var__lib__dpkg__status.d__libsqlite3-0"
    ))
    .unwrap();
    let md5sums = std::fs::read(format!(
        "{DATA}/syft/image-distroless-deb__var__lib__dpkg__status.d__libsqlite3-0.md5sums"
    ))
    .unwrap();
    let mut layer = LayerFindings::default();
    run(
        &DpkgStatusAnalyzer,
        "var/lib/dpkg/status.d/libsqlite3-0",
        &status,
        &mut layer,
    );
    run(
        &DpkgInfoAnalyzer,
        "var/lib/dpkg/status.d/libsqlite3-0.md5sums",
        &md5sums,
        &mut layer,
    );
    assert!(layer.diagnostics.is_empty(), "{:?}", layer.diagnostics);
    let s = squash(&[(None, &layer)]);
    assert_eq!(s.packages.len(), 1);
    let p = &s.packages[0];
    assert_eq!(p.name, "libsqlite3-0");
    // Independent reading: the second whitespace-separated field of every line.
    let want: Vec<String> = String::from_utf8(md5sums)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect();
    assert!(want.contains(&"usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6".to_owned()));
    assert_eq!(p.files, want);
}

#[test]
fn trivy_info_md5sums_parse() {
    // The txtar holds `-- var/lib/dpkg/info/tar.md5sums --`; read that section.
    let text = std::fs::read_to_string(format!("{DATA}/trivy/md5sums.txtar")).unwrap();
    let section = text
        .split("-- var/lib/dpkg/info/tar.md5sums --\n")
        .nth(1)
        .unwrap();
    let section = section.split("\n-- ").next().unwrap();
    let (files, bad) = customs_dpkg::info::parse_md5sums(section);
    assert_eq!(bad, 0);
    assert_eq!(files.len(), section.lines().count());
    assert_eq!(files[0], "usr/bin/tar");
}

/// Every `.list` of this machine's dpkg database, against `dpkg-query -L` (which reads the
/// same files but also reports diversions; those lines do not start with `/`).
#[test]
fn host_lists_match_dpkg_query() {
    let dir = std::path::Path::new("/var/lib/dpkg/info");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("no dpkg database on this machine; skipped");
        return;
    };
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no dpkg-query on this machine; skipped");
        return;
    }
    let mut lists: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "list"))
        .collect();
    lists.sort();
    let mut checked = 0;
    let mut paths = 0;
    for list in &lists {
        let file = list.file_name().unwrap().to_string_lossy().into_owned();
        let rel = format!("var/lib/dpkg/info/{file}");
        let bytes = std::fs::read(list).unwrap();
        let mut layer = LayerFindings::default();
        run(&DpkgInfoAnalyzer, &rel, &bytes, &mut layer);
        assert!(
            layer.diagnostics.is_empty(),
            "{rel}: {:?}",
            layer.diagnostics
        );
        let (key, mut got) = layer.files[&rel]
            .owned_files
            .iter()
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap();
        let stem = file.strip_suffix(".list").unwrap();
        let out = Command::new("dpkg-query")
            .args(["-L", stem])
            .output()
            .unwrap();
        if !out.status.success() {
            // A .list left behind for a package dpkg no longer knows; nothing to compare.
            continue;
        }
        let mut want: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with('/') && *l != "/.")
            .map(|l| l.trim_start_matches('/').to_owned())
            .collect();
        got.sort();
        want.sort();
        assert_eq!(key, format!("deb:{}", stem.split(':').next().unwrap()));
        assert_eq!(got, want, "{rel}");
        checked += 1;
        paths += got.len();
    }
    eprintln!("{checked} .list files, {paths} paths, all equal to dpkg-query -L");
    assert!(checked > 0 || lists.is_empty());
}
