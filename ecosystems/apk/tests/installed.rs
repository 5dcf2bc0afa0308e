//! The apk installed-database reader against every real database in shared/data, checked
//! against an independent reading: a plain line scan that starts a record at each `P:` line
//! (no paragraph logic at all) and counts `R:` lines.

use std::collections::BTreeMap;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, LayerFindings};
use customs_apk::{ApkInstalledAnalyzer, INSTALLED_PATH};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/pkgdb/apk"
);

/// `name -> (version, arch, origin, number of R: lines)`, by a line scan.
fn line_scan(text: &str) -> BTreeMap<String, (String, String, String, usize)> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String, String, String, usize)> = None;
    let mut flush = |c: Option<(String, String, String, String, usize)>| {
        if let Some((n, v, a, o, r)) = c
            && !v.is_empty()
        {
            out.insert(n, (v, a, o, r));
        }
    };
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("P:") {
            flush(current.take());
            current = Some((
                name.to_owned(),
                String::new(),
                String::new(),
                String::new(),
                0,
            ));
        } else if let Some(c) = current.as_mut() {
            if let Some(v) = line.strip_prefix("V:") {
                v.clone_into(&mut c.1);
            } else if let Some(a) = line.strip_prefix("A:") {
                a.clone_into(&mut c.2);
            } else if let Some(o) = line.strip_prefix("o:") {
                o.clone_into(&mut c.3);
            } else if line.starts_with("R:") {
                c.4 += 1;
            }
        }
    }
    flush(current);
    out
}

fn analyze(bytes: &[u8], limit_check: bool) -> Result<LayerFindings, AnalyzeError> {
    let mut out = LayerFindings::default();
    let mut reader = bytes;
    let size = if limit_check {
        u64::MAX
    } else {
        bytes.len() as u64
    };
    let mut entry = FileEntry::new(INSTALLED_PATH, size, 0o644, &mut reader);
    ApkInstalledAnalyzer.analyze(&mut entry, &mut out)?;
    Ok(out)
}

#[test]
fn every_real_database_matches_a_line_scan() {
    let mut files = Vec::new();
    for dir in ["syft", "grype", "trivy"] {
        for e in std::fs::read_dir(format!("{DATA}/{dir}")).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut total = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let want = line_scan(&text);
        let out = analyze(&bytes, false).unwrap();
        let packages = out
            .files
            .get(INSTALLED_PATH)
            .map(|f| f.packages.clone())
            .unwrap_or_default();
        let got: BTreeMap<_, _> = packages
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    (
                        p.version.clone(),
                        p.arch.clone().unwrap_or_default(),
                        p.source_name.clone().unwrap_or_default(),
                        p.files.len(),
                    ),
                )
            })
            .collect();
        assert_eq!(got, want, "{}", path.display());
        assert_eq!(
            got.len(),
            packages.len(),
            "{}: duplicate names",
            path.display()
        );
        for p in &packages {
            assert_eq!(p.ecosystem, "apk");
            assert!(
                p.purl
                    .as_str()
                    .starts_with(&format!("pkg:apk/alpine/{}@", p.name))
            );
            assert!(p.files.iter().all(|f| !f.starts_with('/') && !f.is_empty()));
        }
        // Fixtures that are broken on purpose: syft's "corrupt" and "glob-paths" databases
        // and trivy's, which holds a package without a version (`invalidPackageWithoutAVersion`).
        let shown = path.display().to_string();
        let corrupt = ["corrupt__", "glob-paths__", "trivy/installed"]
            .iter()
            .any(|c| shown.contains(c));
        assert_eq!(
            !out.diagnostics.is_empty(),
            corrupt,
            "{}: {:?}",
            path.display(),
            out.diagnostics
        );
        eprintln!("{}: {} packages", path.display(), got.len());
        total += got.len();
    }
    assert!(total >= 40, "{total}");
}

#[test]
fn known_values_from_the_syft_fixture() {
    let bytes = std::fs::read(format!("{DATA}/syft/single")).unwrap();
    let out = analyze(&bytes, false).unwrap();
    let p = &out.files[INSTALLED_PATH].packages[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str(), p.arch.as_deref()),
        ("musl-utils", "1.1.24-r2", Some("x86_64"))
    );
    assert_eq!(
        p.purl.as_str(),
        "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&upstream=musl"
    );
    assert_eq!(p.licenses, ["MIT BSD GPL2+"]);
    assert_eq!(
        p.files,
        [
            "sbin/ldconfig",
            "usr/bin/iconv",
            "usr/bin/ldd",
            "usr/bin/getconf",
            "usr/bin/getent"
        ]
    );
}

#[test]
fn oversized_database_is_refused_before_reading() {
    let err = analyze(b"P:a\nV:1\n", true).unwrap_err();
    assert!(matches!(err, AnalyzeError::TooLarge { .. }), "{err}");
}

#[test]
fn binary_garbage_never_panics() {
    let mut junk = vec![0u8, 0xff, b'P', b':', b'\n', b'V', b':', 0x80, b'\n'];
    junk.extend(std::iter::repeat_n(b':', 100));
    let out = analyze(&junk, false).unwrap();
    assert!(!out.diagnostics.is_empty());
}
