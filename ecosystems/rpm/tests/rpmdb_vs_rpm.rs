//! Acceptance: for every rpm database under `shared/data/pkgdb/rpm/`, customs reads exactly
//! the packages Debian's own `rpm` reads (`rpm -qa --dbpath DIR --qf ...`): zero missing,
//! zero extra, epochs, architectures, source rpms, vendors, licenses, modularity labels and
//! file lists included.
//!
//! Debian's rpm 4.18 reads Berkeley DB (through its `bdb_ro` backend) and `SQLite`, but is
//! built without ndb. For ndb the reference is `tests/ndb_oracle.py`: an independent walk of
//! the ndb container written in Python from rpm's `rpmpkg.c`, handing every blob to librpm
//! (python3-rpm's `rpm.hdr`) to verify and format, so the header decoding is still rpm's.
//!
//! Two larger Berkeley DB files, written by Berkeley DB itself (`tests/data/README.md`),
//! are compared the same way.
//!
//! These tests fail (never skip) when `rpm` or `python3-rpm` is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use customs_rpm::{DbFormat, RpmPackage, read_rpmdb};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/pkgdb/rpm"
);
const GENERATED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
const ORACLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ndb_oracle.py");

const QF_IDENTITY: &str =
    "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n";
const QF_DETAILS: &str = "%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\t%{EPOCH}\\t%{VENDOR}\\t%{LICENSE}\\t%{MODULARITYLABEL}\\t[%{FILENAMES}|]\\n";

fn none(s: Option<&str>) -> &str {
    s.unwrap_or("(none)")
}

fn identity(p: &RpmPackage) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\n",
        p.name,
        p.epoch.unwrap_or(0),
        p.version,
        p.release,
        none(p.arch.as_deref()),
        none(p.source_rpm.as_deref())
    )
}

fn details(p: &RpmPackage) -> String {
    let mut files = String::new();
    for f in &p.files {
        files.push_str(f);
        files.push('|');
    }
    format!(
        "{}-{}-{}.{}\t{}\t{}\t{}\t{}\t{}\n",
        p.name,
        p.version,
        p.release,
        none(p.arch.as_deref()),
        p.epoch
            .map_or_else(|| "(none)".to_owned(), |e| e.to_string()),
        none(p.vendor.as_deref()),
        none(p.license.as_deref()),
        none(p.modularity_label.as_deref()),
        files
    )
}

fn databases() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if !["-shm", "-wal", "-journal"]
                .iter()
                .any(|s| p.to_string_lossy().ends_with(s))
            {
                // SQLite's side files are not databases of their own.
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new(DATA), &mut out);
    assert!(out.len() >= 6, "expected the rpm fixtures under {DATA}");
    // Larger Berkeley DB files made with db5.3_load (see tests/data/README.md).
    for generated in ["bdb-le-512.Packages", "bdb-be-32k.Packages"] {
        out.push(Path::new(GENERATED).join(generated));
    }
    out
}

fn rpm_available() {
    let ok = Command::new("rpm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`rpm` is not installed: install the Debian package `rpm` (apt-get install rpm)"
    );
}

fn python() -> String {
    let python = std::env::var("CUSTOMS_RPM_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import rpm"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{python} cannot import rpm: install the Debian package `python3-rpm` (apt-get install python3-rpm)"
    );
    python
}

/// What rpm itself prints for the database at `path`, one line per package.
fn reference(path: &Path, format: DbFormat, qf: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let output = match format {
        DbFormat::BerkeleyDb | DbFormat::Sqlite => {
            rpm_available();
            let (file, backend) = if format == DbFormat::BerkeleyDb {
                ("Packages", "bdb_ro")
            } else {
                ("rpmdb.sqlite", "sqlite")
            };
            std::fs::copy(path, dir.path().join(file)).unwrap();
            Command::new("rpm")
                .arg("--define")
                .arg(format!("_db_backend {backend}"))
                .arg("--dbpath")
                .arg(dir.path())
                .args(["-qa", "--qf", qf])
                .output()
                .expect("run rpm")
        }
        DbFormat::Ndb => {
            let target = dir.path().join("Packages.db");
            std::fs::copy(path, &target).unwrap();
            Command::new(python())
                .arg(ORACLE)
                .arg(&target)
                .arg(qf)
                .output()
                .expect("run the ndb oracle")
        }
    };
    assert!(
        output.status.success(),
        "reference reader failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .split_inclusive('\n')
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

fn compare(path: &Path, what: &str, mut ours: Vec<String>, theirs: &[String]) -> usize {
    ours.sort();
    let missing: Vec<_> = theirs.iter().filter(|l| !ours.contains(l)).collect();
    let extra: Vec<_> = ours.iter().filter(|l| !theirs.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && ours.len() == theirs.len(),
        "{} ({what}): {} missing, {} extra\nmissing: {missing:#?}\nextra: {extra:#?}",
        path.display(),
        missing.len(),
        extra.len()
    );
    ours.len()
}

#[test]
fn every_fixture_database_matches_rpm() {
    let mut summary = Vec::new();
    for path in databases() {
        let bytes = std::fs::read(&path).unwrap();
        let format = DbFormat::detect(&bytes)
            .unwrap_or_else(|| panic!("{}: not recognised as an rpm database", path.display()));
        let db = read_rpmdb(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            db.problems.is_empty(),
            "{}: {:?}",
            path.display(),
            db.problems
        );
        let n = compare(
            &path,
            "name, epoch, version, release, arch, source rpm",
            db.packages.iter().map(identity).collect(),
            &reference(&path, format, QF_IDENTITY),
        );
        compare(
            &path,
            "vendor, license, modularity label, files",
            db.packages.iter().map(details).collect(),
            &reference(&path, format, QF_DETAILS),
        );
        assert!(n > 0, "{}: no packages", path.display());
        summary.push(format!("{} ({format}): {n} packages", path.display()));
    }
    eprintln!("{}", summary.join("\n"));
}

/// A single header blob (as stored in a database) against librpm's `rpm.hdr`.
#[test]
fn header_fixture_matches_librpm() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/claircore-package.header"
    );
    let blob = std::fs::read(path).unwrap();
    let ours = RpmPackage::from_blob(&blob).unwrap();
    let script = format!(
        "import rpm,sys; h=rpm.hdr(open({path:?},'rb').read()); sys.stdout.write(h.format(sys.argv[1]))"
    );
    for (qf, line) in [(QF_IDENTITY, identity(&ours)), (QF_DETAILS, details(&ours))] {
        let out = Command::new(python())
            .args(["-c", &script, qf])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), line);
    }
    assert_eq!(ours.name, "crypto-policies");
    assert_eq!(ours.files.len(), 152);
}
