//! Every dpkg database fixture in ../shared/data/pkgdb/dpkg, read by customs and by dpkg
//! itself (`dpkg-query --admindir`): the installed packages must be the same, name for name
//! and version for version. Distroless `status.d` files, which dpkg cannot read, are
//! compared with an independent line scan.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use customs_dpkg::status::parse_status;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pkgdb/dpkg")
}

fn customs_installed(text: &str) -> BTreeSet<(String, String)> {
    parse_status(text)
        .0
        .into_iter()
        .filter(customs_dpkg::status::StatusEntry::is_installed)
        .map(|e| (e.package, e.version))
        .collect()
}

/// dpkg's own reading of a status file: packages whose files are on disk.
fn dpkg_query(status: &str) -> BTreeSet<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("status"), status).unwrap();
    std::fs::create_dir_all(dir.path().join("info")).unwrap();
    std::fs::create_dir_all(dir.path().join("updates")).unwrap();
    let out = std::process::Command::new("dpkg-query")
        .arg(format!("--admindir={}", dir.path().display()))
        .args([
            "-W",
            "-f",
            "${db:Status-Status}\\t${Package}\\t${Version}\\n",
        ])
        .output()
        .expect("dpkg-query is needed (Debian package dpkg)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split('\t');
            let (state, name, version) = (it.next()?, it.next()?, it.next()?);
            (!matches!(state, "not-installed" | "config-files") && !version.is_empty())
                .then(|| (name.to_owned(), version.to_owned()))
        })
        .collect()
}

/// The `var/lib/dpkg/status` section of a txtar bundle.
fn txtar_status(text: &str) -> Option<String> {
    let start = text.find("-- var/lib/dpkg/status --\n")? + "-- var/lib/dpkg/status --\n".len();
    let rest = &text[start..];
    let end = rest.find("\n-- ").map_or(rest.len(), |i| i + 1);
    Some(rest[..end].to_owned())
}

#[test]
fn status_files_equal_dpkg_query() {
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in ["claircore", "grype", "syft", "trivy"] {
        for e in std::fs::read_dir(data().join(dir)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
            if Path::new(&name)
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("txtar"))
            {
                if let Some(s) = txtar_status(&text) {
                    files.push((format!("{dir}/{name}"), s));
                }
            } else if name.ends_with("status") || name.ends_with(".status") {
                files.push((format!("{dir}/{name}"), text));
            }
        }
    }
    assert!(files.len() >= 10, "found only {} status files", files.len());
    let mut total = 0;
    for (name, text) in &files {
        let ours = customs_installed(text);
        let theirs = dpkg_query(text);
        // dpkg refuses a whole database it cannot parse (the deliberately corrupt fixtures);
        // then there is nothing to compare and customs must still not panic.
        if theirs.is_empty() && !ours.is_empty() {
            let out = std::process::Command::new("dpkg-query")
                .arg("--version")
                .output()
                .unwrap();
            assert!(out.status.success());
            continue;
        }
        // customs keeps packages whose version dpkg rejects (they match as indeterminate, never
        // silently safe, and get a diagnostic); everything else must be identical.
        let extra: Vec<_> = ours.difference(&theirs).collect();
        for (pkg, version) in &extra {
            assert!(
                customs_dpkg::DebVersion::parse(version).is_err(),
                "{name}: customs reports {pkg} {version}, dpkg-query does not"
            );
        }
        let missing: Vec<_> = theirs.difference(&ours).collect();
        assert!(
            missing.is_empty(),
            "{name}: dpkg-query reports {missing:?}, customs does not"
        );
        total += theirs.len();
    }
    assert!(total > 400, "compared only {total} packages");
}

/// Distroless `status.d/NAME` files: one paragraph each.
#[test]
fn status_d_files_equal_a_line_scan() {
    let mut compared = 0;
    for e in std::fs::read_dir(data().join("syft")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.contains("status.d__") || name.ends_with(".md5sums") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        // Independent reading: `Package:` and `Version:` lines at the start of a line,
        // paired per paragraph, skipping paragraphs whose Status says deinstalled.
        let mut expected = BTreeSet::new();
        for para in text.split("\n\n") {
            let field = |f: &str| {
                para.lines()
                    .find_map(|l| l.strip_prefix(f))
                    .map(|v| v.trim().to_owned())
            };
            let removed = field("Status:")
                .is_some_and(|s| s.ends_with("config-files") || s.ends_with("not-installed"));
            if let (Some(p), Some(v), false) = (field("Package:"), field("Version:"), removed) {
                expected.insert((p, v));
            }
        }
        assert_eq!(customs_installed(&text), expected, "{name}");
        compared += 1;
    }
    assert!(compared >= 8, "compared only {compared} status.d files");
}
