//! rpm-family images through the real `customs` binary against the real rpm-family feeds
//! (issue 7 acceptance): CBL-Mariner 2.0 (`mariner-oval`), SLES 15 (`suse-oval`), RHEL 9,
//! 8 and 7 (`redhat-oval`, `redhat-csaf`) and Rocky Linux 9 (`rocky-oval` with the RHEL
//! fallback).
//!
//! **Inputs.** Release files and feeds are real files from ../shared/data. Package databases
//! are real where the shared data has one that shares packages with the feed (Mariner 2.0);
//! otherwise they are *built* here with the real rpm tools: tiny spec files named and
//! versioned like the distro's real packages (name, epoch, version, release, source rpm,
//! modularity label) go through `rpmbuild -bb`, and `rpm -i --justdb` installs the results
//! into an `SQLite` rpm database (`_db_backend sqlite`), which is what the image carries.
//! Debian's `rpm` package (in .ci/run) provides both `rpm` and `rpmbuild`; a missing tool
//! fails the test with that hint rather than skipping it. Building is fast (a spec with no
//! files takes a few milliseconds), so nothing is cached.
//!
//! **Release files.** The shared data has no CBL-Mariner 2.0, SLES 15 GA/SP1 or Rocky Linux 9
//! os-release (only Mariner 1.0, SLES 15 SP2 and Rocky 8.4, from grype's testdata). Where a
//! scenario needs one of the missing releases, the test *derives* it from the real file of
//! the same distro by replacing only the version fields ([`derive`] checks that every
//! replaced string is present, so the derivation fails loudly if the source changes), and
//! the real file itself is scanned too.
//!
//! Every expectation is reasoned from the feed record and the rpm version order in a
//! comment next to it: findings that must be there and findings that must not.
//!
//! **What the data implies and customs does not do** (not asserted as correct):
//! - Rocky OVAL states nodejs fixes as nodejs:18 module builds without a module criterion;
//!   customs lets them judge the non-modular nodejs — see the ignored
//!   `rocky_9_non_module_nodejs_is_not_judged_by_module_fixes`.
//! - A CVE fixed in several RHEL z-streams is *decided* by the installed stream's fix
//!   (`detail.condition` names `23.el9_2.4`), but the finding's `fixed_version` is the
//!   newest fix of any stream (`26.el9_3.2`); the tests assert the condition only.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Sandbox, findings, shared};
use customs_testkit::{ImageBuilder, Layer};
use serde_json::Value;

/// One rpm to build: binary `name` from source package `source` (the spec's `Name`; the
/// binary is a subpackage when the names differ, so SOURCERPM is `SOURCE-V-R.src.rpm` as
/// on a real system).
#[derive(Clone, Copy)]
struct Rpm {
    name: &'static str,
    source: &'static str,
    epoch: Option<u32>,
    version: &'static str,
    release: &'static str,
    arch: &'static str,
    /// `ModularityLabel` (`NAME:STREAM:VERSION:CONTEXT`) of a module build.
    module: Option<&'static str>,
}

const fn rpm(
    name: &'static str,
    source: &'static str,
    version: &'static str,
    release: &'static str,
) -> Rpm {
    Rpm {
        name,
        source,
        epoch: None,
        version,
        release,
        arch: "x86_64",
        module: None,
    }
}

impl Rpm {
    const fn epoch(mut self, e: u32) -> Self {
        self.epoch = Some(e);
        self
    }
    const fn module(mut self, label: &'static str) -> Self {
        self.module = Some(label);
        self
    }
    const fn noarch(mut self) -> Self {
        self.arch = "noarch";
        self
    }
    /// `[EPOCH:]VERSION-RELEASE`, as customs reports the installed version.
    fn evr(&self) -> String {
        let e = self.epoch.map(|e| format!("{e}:")).unwrap_or_default();
        format!("{e}{}-{}", self.version, self.release)
    }
    fn spec(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!(
            "Name: {}\nVersion: {}\nRelease: {}\nSummary: test package\nLicense: MIT\nBuildArch: {}\n",
            self.source, self.version, self.release, self.arch
        );
        if let Some(e) = self.epoch {
            let _ = writeln!(s, "Epoch: {e}");
        }
        if let Some(m) = self.module {
            let _ = writeln!(s, "ModularityLabel: {m}");
        }
        s.push_str("%description\ntest\n");
        if self.name == self.source {
            s.push_str("%files\n");
        } else {
            // No main %files: only the subpackage is built.
            let _ = write!(
                s,
                "%package -n {0}\nSummary: test\n%description -n {0}\ntest\n%files -n {0}\n",
                self.name
            );
        }
        s
    }
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run ({e}); install Debian's `rpm` package (rpm + rpmbuild)")
    });
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds `pkgs` with `rpmbuild`, installs them with `rpm -i --justdb` into a fresh root's
/// `SQLite` database and returns the database file's bytes. The database is read back with
/// `rpm -qa` and must list exactly `pkgs` (name, EVR, source rpm, modularity label).
fn build_rpmdb(pkgs: &[Rpm]) -> Vec<u8> {
    build_rpmdb_onto(None, pkgs)
}

/// As [`build_rpmdb`], installing into a copy of the real `SQLite` rpm database `base` (whose
/// packages stay: `rpm -qa` must list them plus `pkgs`).
fn build_rpmdb_onto(base: Option<&Path>, pkgs: &[Rpm]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("rpmbuild");
    std::fs::create_dir_all(top.join("tmp")).unwrap();
    for (i, p) in pkgs.iter().enumerate() {
        let spec = dir.path().join(format!("{i}-{}.spec", p.name));
        std::fs::write(&spec, p.spec()).unwrap();
        run(
            Command::new("rpmbuild")
                .arg("-bb")
                .arg("--quiet")
                .arg("--define")
                .arg(format!("_topdir {}", top.display()))
                .arg("--define")
                .arg(format!("_tmppath {}", top.join("tmp").display()))
                .arg(&spec),
            &format!("rpmbuild {}", p.name),
        );
    }
    let mut built: Vec<PathBuf> = Vec::new();
    for arch in std::fs::read_dir(top.join("RPMS")).unwrap() {
        for f in std::fs::read_dir(arch.unwrap().path()).unwrap() {
            built.push(f.unwrap().path());
        }
    }
    assert_eq!(built.len(), pkgs.len(), "{built:?}");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    if let Some(base) = base {
        std::fs::copy(base, root.join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    }
    let rpm_in_root = |args: &[&str]| {
        let mut c = Command::new("rpm");
        c.arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm", "--define", "_db_backend sqlite"])
            .args(args);
        c
    };
    let query = [
        "-qa",
        "--qf",
        "%{NAME} %{EVR} %{SOURCERPM} %{MODULARITYLABEL}\\n",
    ];
    let before = if base.is_some() {
        run(&mut rpm_in_root(&query), "rpm -qa (base)")
    } else {
        String::new()
    };
    let mut install = rpm_in_root(&["-i", "--nodeps", "--justdb", "--nosignature", "--nodigest"]);
    install.args(&built);
    run(&mut install, "rpm -i --justdb");
    let listed = run(&mut rpm_in_root(&query), "rpm -qa");
    let mut got: Vec<&str> = listed.lines().collect();
    got.sort_unstable();
    let mut want: Vec<String> = pkgs
        .iter()
        .map(|p| {
            format!(
                "{} {} {}-{}-{}.src.rpm {}",
                p.name,
                p.evr(),
                p.source,
                p.version,
                p.release,
                p.module.unwrap_or("(none)")
            )
        })
        .chain(before.lines().map(str::to_owned))
        .collect();
    want.sort_unstable();
    assert_eq!(got, want, "rpm -qa of the built database");
    let db = root.join("var/lib/rpm/rpmdb.sqlite");
    // rpm checkpoints its write-ahead log on exit; a non-empty one would hold rows the copied
    // file lacks.
    let wal = root.join("var/lib/rpm/rpmdb.sqlite-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "rpm left a non-empty WAL"
    );
    std::fs::read(db).unwrap()
}

/// One member of a shared `.tar.zst` archive, read with GNU tar.
fn from_archive(archive: &str, member: &str) -> Vec<u8> {
    let out = Command::new("tar")
        .args(["--zstd", "-xOf"])
        .arg(shared(archive))
        .arg(member)
        .output()
        .expect("GNU tar with zstd");
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "{archive}: {member}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A member of the vunnel fixtures archive written to a file (feeds are given as paths).
fn vunnel_fixture(sb: &Sandbox, member: &str) -> PathBuf {
    let bytes = from_archive(
        "feeds/vunnel-fixtures/vunnel-provider-fixtures.tar.zst",
        member,
    );
    let path = sb.path(&format!(
        "feeds/{}",
        Path::new(member).file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A release file for a release the shared data lacks, made from a real one of the same
/// distro by replacing version fields; every `from` must occur in the real file.
fn derive(real: &[u8], edits: &[(&str, &str)]) -> Vec<u8> {
    let mut text = String::from_utf8(real.to_vec()).unwrap();
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "{from:?} not in the real file:\n{text}"
        );
        text = text.replace(from, to);
    }
    text.into_bytes()
}

/// Writes an OCI layout with one layer (release file + rpm database) and scans it.
fn scan(sb: &Sandbox, name: &str, os_release: &[u8], db_path: &str, db: &[u8]) -> Value {
    let dir = sb.path(&format!("inputs/{name}"));
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", os_release.to_vec(), 0o644)
                .file(db_path, db.to_vec(), 0o644)
                .created_by(format!("{name} base")),
        )
        .write_oci_layout(&dir, None)
        .unwrap();
    let report = sb.scan_json(&format!("oci:{}", dir.display()));
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(diags.is_empty(), "{name}: {diags:#?}");
    report
}

fn finding<'a>(report: &'a Value, cve: &str, pkg: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == cve && f["package"] == pkg)
}

fn must<'a>(report: &'a Value, cve: &str, pkg: &str) -> &'a Value {
    finding(report, cve, pkg)
        .unwrap_or_else(|| panic!("{cve} in {pkg} not reported: {:#?}", findings(report)))
}

fn os_of(report: &Value) -> (String, String) {
    let os = &report["artifact"]["os"];
    (
        os["family"].as_str().unwrap_or_default().to_owned(),
        os["version"].as_str().unwrap_or_default().to_owned(),
    )
}

fn rpm_packages(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "rpm")
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The real CBL-Mariner 2.0 rpm database (go-rpmdb's testdata: 129 packages, among them
/// `mariner-release 2.0-4.cm2` and `glibc 2.34-2.cm2`) against vunnel's truncated real
/// Mariner 2.0 OVAL, which has five definitions: glibc (CVE-2023-0687, "Not Applicable"),
/// golang (CVE-2023-29404), mysql (CVE-2023-21980, CVE-2023-21977) and bind
/// (CVE-2022-3736, unfixed).
///
/// glibc is the only package the two share, and its record says "not applicable", so the
/// real database alone can prove only a non-finding. To prove findings too, the second image
/// carries the same real database with golang, mysql and bind builds added by `rpm -i
/// --justdb` (named and versioned as Mariner 2.0 builds, `.cm2`).
#[test]
fn mariner_2_database_against_the_mariner_oval() {
    let sb = Sandbox::new();
    let oval = vunnel_fixture(
        &sb,
        "./tests/unit/providers/mariner/test-fixtures/mariner-truncated-2.0-oval.xml",
    );
    sb.update(&[("mariner-oval", &oval)]);
    let real_db = shared("pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    let db = std::fs::read(&real_db).unwrap();
    // The shared data has only Mariner 1.0 os-release files (grype's and syft's testdata,
    // identical); the database is 2.0 (`mariner-release 2.0-4.cm2`), so the 2.0 file is
    // derived from the real 1.0 one.
    let real_1_0 = from_archive(
        "archives/grype-testdata.tar.zst",
        "./grype/distro/testdata/os/mariner/etc/os-release",
    );
    let os_2_0 = derive(
        &real_1_0,
        &[
            ("VERSION=\"1.0.20210901\"", "VERSION=\"2.0.20230126\""),
            ("VERSION_ID=1.0", "VERSION_ID=\"2.0\""),
        ],
    );
    let report = scan(&sb, "mariner2", &os_2_0, "var/lib/rpm/rpmdb.sqlite", &db);
    assert_eq!(os_of(&report), ("mariner".into(), "2.0".into()));
    let pkgs = rpm_packages(&report);
    assert_eq!(pkgs.len(), 129);
    assert!(
        pkgs.contains(&("glibc".into(), "2.34-2.cm2".into())),
        "{pkgs:?}"
    );
    // CVE-2023-0687's test is "glibc <= 0:2.35-4.cm2" and 2.34-2.cm2 is below it, but the
    // definition says `<patchable>Not Applicable</patchable>` ("no longer is or was never
    // applicable"): not affected, so not reported. Nothing else in the feed is installed.
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));

    // The real database plus three builds.
    let db = build_rpmdb_onto(
        Some(&real_db),
        &[
            // CVE-2023-21980, CVE-2023-21977: mysql < 0:8.0.33-1.cm2; 8.0.32 < 8.0.33 → affected, both.
            rpm("mysql", "mysql", "8.0.32", "1.cm2"),
            // CVE-2022-3736: bind <= 0:9.16.33-1.cm2, no fix ("affected"); equal → affected.
            rpm("bind", "bind", "9.16.33", "1.cm2"),
            // CVE-2023-29404: golang > 0:1.19.0.cm2 and < 0:1.20.7-1.cm2. 1.18.8 is below the
            // lower bound (1.18 < 1.19): not affected although it is below the fix.
            rpm("golang", "golang", "1.18.8", "1.cm2"),
        ],
    );
    let report = scan(
        &sb,
        "mariner2-more",
        &os_2_0,
        "var/lib/rpm/rpmdb.sqlite",
        &db,
    );
    assert_eq!(rpm_packages(&report).len(), 132);
    for cve in ["CVE-2023-21980", "CVE-2023-21977"] {
        let f = must(&report, cve, "mysql");
        assert_eq!(f["data_source"], "mariner-oval");
        assert_eq!(f["status"], "fixed");
        assert_eq!(f["fixed_version"], "0:8.0.33-1.cm2");
        assert_eq!(f["installed_version"], "8.0.32-1.cm2");
    }
    let bind = must(&report, "CVE-2022-3736", "bind");
    assert_eq!(bind["status"], "affected");
    assert!(bind["fixed_version"].is_null(), "{bind}");
    assert_eq!(
        findings(&report),
        [
            ("CVE-2022-3736".to_owned(), "bind".to_owned()),
            ("CVE-2023-21977".to_owned(), "mysql".to_owned()),
            ("CVE-2023-21980".to_owned(), "mysql".to_owned()),
        ],
        "golang 1.18.8 (below the range) and glibc (not applicable) must not be reported"
    );

    // The same database under the real Mariner 1.0 os-release is looked up in `mariner:1.0`,
    // which this 2.0 feed does not have: nothing is reported.
    let report = scan(&sb, "mariner1", &real_1_0, "var/lib/rpm/rpmdb.sqlite", &db);
    assert_eq!(os_of(&report), ("mariner".into(), "1.0".into()));
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

/// SUSE: the real SLE 15 BCI database (go-rpmdb's NDB `Packages.db`) under the real SLES 15
/// SP2 os-release (grype's testdata), then a built database under SLES 15 GA and SP1,
/// against vunnel's truncated real SUSE OVAL (`sles:15` and `sles:15.1` records only:
/// kernel-default, the krb5 binaries, python3-cryptography).
#[test]
fn sles_15_against_the_suse_oval() {
    let sb = Sandbox::new();
    let oval = vunnel_fixture(
        &sb,
        "./tests/unit/providers/sles/test-fixtures/suse_truncated.xml",
    );
    sb.update(&[("suse-oval", &oval)]);
    let sp2 = from_archive(
        "archives/grype-testdata.tar.zst",
        "./grype/distro/testdata/os/sles/etc/os-release",
    );

    // 1. The real BCI database. It holds 35 packages of a SLE 15 *SP3* base
    // (`sles-release 15.3-55.4.1`) while the only real SLES 15 os-release is SP2's; customs
    // goes by os-release. None of its packages is in the truncated feed (no kernel, no krb5,
    // no python3-cryptography), and the feed has no `sles:15.2` records anyway: no findings.
    let ndb = std::fs::read(shared("pkgdb/rpm/go-rpmdb/sle15-bci/Packages.db")).unwrap();
    let report = scan(
        &sb,
        "sles-bci",
        &sp2,
        "usr/lib/sysimage/rpm/Packages.db",
        &ndb,
    );
    assert_eq!(os_of(&report), ("sles".into(), "15.2".into()));
    let pkgs = rpm_packages(&report);
    assert_eq!(pkgs.len(), 35, "{pkgs:?}");
    assert!(pkgs.contains(&("sles-release".into(), "15.3-55.4.1".into())));
    assert!(pkgs.contains(&("glibc".into(), "2.31-9.3.2".into())));
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));

    // 2. A built database (SQLite, at the SLE 15 path) with the feed's packages.
    let db = build_rpmdb(&[
        rpm("kernel-default", "kernel-default", "4.12.14", "197.86.1"),
        rpm("krb5", "krb5", "1.15.2", "4.20.1"),
        rpm(
            "python3-cryptography",
            "python-cryptography",
            "2.8",
            "3.3.1",
        ),
    ]);
    // SLES 15 GA and SP1 os-release files, derived from the real SP2 one.
    let ga = derive(
        &sp2,
        &[
            ("VERSION=\"15-SP2\"", "VERSION=\"15\""),
            ("VERSION_ID=\"15.2\"", "VERSION_ID=\"15\""),
            ("Server 15 SP2", "Server 15"),
            ("sles:15:sp2", "sles:15"),
        ],
    );
    let sp1 = derive(
        &sp2,
        &[
            ("15-SP2", "15-SP1"),
            ("VERSION_ID=\"15.2\"", "VERSION_ID=\"15.1\""),
            ("15 SP2", "15 SP1"),
            ("sles:15:sp2", "sles:15:sp1"),
        ],
    );
    let path = "usr/lib/sysimage/rpm/rpmdb.sqlite";

    // SLES 15 GA → namespace `sles:15`.
    let report = scan(&sb, "sles15", &ga, path, &db);
    assert_eq!(os_of(&report), ("sles".into(), "15".into()));
    // CVE-2010-1323: krb5 < 0:1.15.2-4.25; release 4.20.1 < 4.25 (20 < 25) → affected.
    let krb5 = must(&report, "CVE-2010-1323", "krb5");
    assert_eq!(krb5["fixed_version"], "0:1.15.2-4.25");
    assert_eq!(krb5["data_source"], "suse-oval");
    // CVE-2021-29154 for GA: kernel-default < 0:4.12.14-150.72.1; the installed SP1 build
    // 4.12.14-197.86.1 is newer (197 > 150) → not reported. CVE-2026-34073 says
    // python3-cryptography is not affected → not reported.
    assert_eq!(
        findings(&report),
        [("CVE-2010-1323".to_owned(), "krb5".to_owned())]
    );

    // SLES 15 SP1 → namespace `sles:15.1`, with no fallback to `sles:15`.
    let report = scan(&sb, "sles15sp1", &sp1, path, &db);
    assert_eq!(os_of(&report), ("sles".into(), "15.1".into()));
    // CVE-2021-29154 for SP1: kernel-default < 0:4.12.14-197.89.2; 197.86.1 < 197.89.2.
    let kernel = must(&report, "CVE-2021-29154", "kernel-default");
    assert_eq!(kernel["fixed_version"], "0:4.12.14-197.89.2");
    assert_eq!(kernel["installed_version"], "4.12.14-197.86.1");
    // krb5's CVE-2010-1323 record exists only for GA (`sles:15`); the SUSE matcher's
    // documented rule is one namespace per service pack, so it is not reported on SP1.
    assert_eq!(
        findings(&report),
        [("CVE-2021-29154".to_owned(), "kernel-default".to_owned())]
    );

    // The real SP2 os-release with the same packages: `sles:15.2` is not in the feed.
    let report = scan(&sb, "sles15sp2", &sp2, path, &db);
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

/// RHEL 9 packages below their fixes: built as Red Hat names and versions them.
const RHEL9_BELOW: [Rpm; 4] = [
    // OVAL RHSA-2022:8226 "python-lxml security update" (CVE-2022-2309) lists python3-lxml fixed in 0:4.6.5-3.el9.
    rpm("python3-lxml", "python-lxml", "4.6.5", "2.el9"),
    // CSAF CVE-2023-38545 lists curl fixed per minor-release stream: 7.76.1-23.el9_2.4 for
    // 9.2 (RHSA-2023:5763) and 7.76.1-26.el9_3.2 for 9.3 (RHSA-2023:6745). These are 9.2
    // builds before the 9.2 fix.
    rpm("curl", "curl", "7.76.1", "23.el9_2.2"),
    rpm("libcurl", "curl", "7.76.1", "23.el9_2.2"),
    // A nodejs:18 module build older than OVAL's module fix for CVE-2022-3517 and
    // CVE-2022-43548, 1:18.12.1-1.module+el9.1.0.z+17326+318294bb (module nodejs:18).
    rpm(
        "nodejs",
        "nodejs",
        "18.10.0",
        "1.module+el9.1.0+16866+0fab0697",
    )
    .epoch(1)
    .module("nodejs:18:9010020221009220316:rhel9"),
];

/// The same packages at their fixes.
const RHEL9_FIXED: [Rpm; 4] = [
    rpm("python3-lxml", "python-lxml", "4.6.5", "3.el9"),
    // The 9.2 z-stream fix: below the 9.3 fix 7.76.1-26.el9_3.2 in rpm order, but it is the
    // fix of its own stream.
    rpm("curl", "curl", "7.76.1", "23.el9_2.4"),
    rpm("libcurl", "curl", "7.76.1", "23.el9_2.4"),
    // The non-modular nodejs (RHEL 9's default Node.js 16) at OVAL's non-module fix for
    // CVE-2022-3517 and CVE-2022-43548, 1:16.18.1-3.el9_1. Below the nodejs:18 module's fix
    // 1:18.12.1-1.module…, which must not apply to it.
    rpm("nodejs", "nodejs", "16.18.1", "3.el9_1").epoch(1),
];

fn rhel_feeds(sb: &Sandbox, rocky: bool) {
    let oval = shared("feeds/redhat/oval/com.redhat.rhsa-RHEL9.xml");
    let csaf = shared("feeds/redhat/csaf-samples/claircore-vex");
    let rocky_oval = shared("feeds/rocky/oval");
    let mut feeds = vec![
        ("redhat-oval", oval.as_path()),
        ("redhat-csaf", csaf.as_path()),
    ];
    if rocky {
        feeds.push(("rocky-oval", rocky_oval.as_path()));
    }
    sb.update(&feeds);
}

/// RHEL 9 (the real 9.0 os-release from claircore) against the real RHEL 9 OVAL and Red
/// Hat's CSAF VEX samples: affected below the fix, nothing at the fix, the 9.2 z-stream
/// backport respected, module streams kept apart.
#[test]
fn rhel_9_built_databases_against_redhat_oval_and_csaf() {
    let sb = Sandbox::new();
    rhel_feeds(&sb, false);
    let os = std::fs::read(shared(
        "osrelease/claircore/rhel/releasefiles/9/etc/os-release",
    ))
    .unwrap();
    let path = "var/lib/rpm/rpmdb.sqlite";

    let report = scan(&sb, "rhel9-below", &os, path, &build_rpmdb(&RHEL9_BELOW));
    assert_eq!(os_of(&report), ("rhel".into(), "9.0".into()));
    // python3-lxml 4.6.5-2.el9 < 0:4.6.5-3.el9 (release 2 < 3): OVAL, by binary name.
    let lxml = must(&report, "CVE-2022-2309", "python3-lxml");
    assert_eq!(lxml["data_source"], "redhat-oval");
    assert_eq!(lxml["fixed_version"], "0:4.6.5-3.el9");
    assert!(
        lxml["advisory_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "RHSA-2022:8226"),
        "{lxml}"
    );
    // curl and libcurl (source curl) 7.76.1-23.el9_2.2: judged against the 9.2 stream's
    // fix 23.el9_2.4 (release 23.el9_2.2 < 23.el9_2.4), from CSAF (precedence over OVAL,
    // which in this 2023-04 snapshot has no record of the October 2023 CVE).
    for pkg in ["curl", "libcurl"] {
        let f = must(&report, "CVE-2023-38545", pkg);
        assert_eq!(f["data_source"], "redhat-csaf");
        assert_eq!(f["status"], "fixed");
        assert_eq!(f["detail"]["matched_by"], "curl");
        assert_eq!(
            f["detail"]["condition"], "7.76.1-23.el9_2.2 < 0:7.76.1-23.el9_2.4 (rpm)",
            "the fix of the installed build's own z-stream decides"
        );
        // NOTE: `fixed_version` is the advisory's newest fix (0:7.76.1-26.el9_3.2, the 9.3
        // stream's) although the comparison used the 9.2 fix; see the report.
    }
    // The nodejs:18 module build against the module's own records.
    for cve in ["CVE-2022-3517", "CVE-2022-43548"] {
        let f = must(&report, cve, "nodejs");
        assert_eq!(
            f["fixed_version"],
            "1:18.12.1-1.module+el9.1.0.z+17326+318294bb"
        );
        assert_eq!(f["detail"]["matched_by"], "nodejs:18/nodejs");
    }
    // Non-module nodejs records (all fixed in 1:16.x builds) never apply to the module
    // package: every nodejs finding is one of the module's two CVEs.
    let all = findings(&report);
    assert_eq!(
        all,
        [
            ("CVE-2022-2309".to_owned(), "python3-lxml".to_owned()),
            ("CVE-2022-3517".to_owned(), "nodejs".to_owned()),
            ("CVE-2022-43548".to_owned(), "nodejs".to_owned()),
            ("CVE-2023-38545".to_owned(), "curl".to_owned()),
            ("CVE-2023-38545".to_owned(), "libcurl".to_owned()),
        ]
    );

    // At the fixes: nothing. python3-lxml = 0:4.6.5-3.el9; curl 23.el9_2.4 = its stream's
    // fix (though < 26.el9_3.2); nodejs 1:16.18.1-3.el9_1 = the non-module fix of
    // CVE-2022-3517/43548 (and ≥ every other non-module fix in the feed), and it is
    // not compared with the module's 1:18.12.1 fix.
    let report = scan(&sb, "rhel9-fixed", &os, path, &build_rpmdb(&RHEL9_FIXED));
    assert_eq!(rpm_packages(&report).len(), 4);
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

/// The statuses only CSAF carries, on the real RHEL 7 and RHEL 8 os-release files
/// (claircore's): "will not fix" and "affected" with no fix, the latter for a module stream.
#[test]
fn rhel_csaf_will_not_fix_and_unfixed_module() {
    let sb = Sandbox::new();
    sb.update(&[(
        "redhat-csaf",
        &shared("feeds/redhat/csaf-samples/claircore-vex"),
    )]);
    let path = "var/lib/rpm/rpmdb.sqlite";

    // cve-2022-38752.json: `red_hat_enterprise_linux_7:snakeyaml` is known_affected with a
    // `no_fix_planned` remediation "Out of support scope": every build is affected and none
    // will be fixed, so any RHEL 7 snakeyaml is reported with that status and no fix.
    let os7 = std::fs::read(shared(
        "osrelease/claircore/rhel/releasefiles/7/etc/os-release",
    ))
    .unwrap();
    let db7 = build_rpmdb(&[
        rpm("snakeyaml", "snakeyaml", "1.11", "2.el7").noarch(),
        // Not named by any RHEL 7 record of the samples: never reported.
        rpm("curl", "curl", "7.29.0", "59.el7"),
    ]);
    let report = scan(&sb, "rhel7", &os7, path, &db7);
    assert_eq!(os_of(&report).0, "rhel");
    assert!(os_of(&report).1.starts_with('7'), "{:?}", os_of(&report));
    let f = must(&report, "CVE-2022-38752", "snakeyaml");
    assert_eq!(f["status"], "will_not_fix");
    assert!(f["fixed_version"].is_null(), "{f}");
    assert_eq!(f["data_source"], "redhat-csaf");
    assert!(
        f["notes"]
            .as_str()
            .unwrap()
            .contains("Out of support scope"),
        "{f}"
    );
    assert_eq!(
        findings(&report),
        [("CVE-2022-38752".to_owned(), "snakeyaml".to_owned())]
    );

    // cve-2024-24786-simple.json: the go-toolset:rhel8 module's go-toolset is
    // known_affected on RHEL 8 with no fix. A module build carrying the label is affected;
    // the record is keyed `go-toolset:rhel8/go-toolset`.
    let os8 = std::fs::read(shared(
        "osrelease/claircore/rhel/releasefiles/8/etc/os-release",
    ))
    .unwrap();
    let db8 = build_rpmdb(&[rpm(
        "go-toolset",
        "go-toolset",
        "1.21.7",
        "1.module+el8.10.0+21318+5ea197f8",
    )
    .module("go-toolset:rhel8:8100020240221131514:a97c2f73")]);
    let report = scan(&sb, "rhel8", &os8, path, &db8);
    assert_eq!(os_of(&report).0, "rhel");
    let f = must(&report, "CVE-2024-24786", "go-toolset");
    assert_eq!(f["status"], "affected");
    assert!(f["fixed_version"].is_null(), "{f}");
    assert_eq!(f["detail"]["matched_by"], "go-toolset:rhel8/go-toolset");
    assert_eq!(findings(&report).len(), 1, "{:?}", findings(&report));

    // The same build without a modularity label is not a module package: the module's
    // statement does not apply to it.
    let db8_plain = build_rpmdb(&[rpm(
        "go-toolset",
        "go-toolset",
        "1.21.7",
        "1.module+el8.10.0+21318+5ea197f8",
    )]);
    let report = scan(&sb, "rhel8-plain", &os8, path, &db8_plain);
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

/// Rocky Linux 9, derived from the real Rocky 8.4 os-release (grype's testdata; the shared
/// data has no Rocky 9 one). Both shared Rocky OVAL files are Rocky 9 data (`rocky:9`; see
/// SOURCES.md on `rlsa-8.xml`).
fn rocky_9_os_release() -> (Vec<u8>, Vec<u8>) {
    let real = from_archive(
        "archives/grype-testdata.tar.zst",
        "./grype/distro/testdata/os/rockylinux/etc/os-release",
    );
    let derived = derive(
        &real,
        &[
            ("8.4 (Green Obsidian)", "9.2 (Blue Onyx)"),
            ("VERSION_ID=\"8.4\"", "VERSION_ID=\"9.2\""),
            ("platform:el8", "platform:el9"),
            ("rocky:8.4:GA", "rocky:9.2:GA"),
            ("PRODUCT_VERSION=\"8\"", "PRODUCT_VERSION=\"9\""),
        ],
    );
    (real, derived)
}

/// Rocky Linux 9 images with the RHEL 9 builds (Rocky rebuilds carry RHEL's EVRs) against
/// the real Rocky OVAL plus Red Hat's feeds. `RhelMatcher` documents that Rocky looks up
/// `rocky:9` first and `rhel:9` too, the Rocky feed deciding whenever it covers a CVE
/// (precedence 0, before CSAF 1 and Red Hat OVAL 2).
#[test]
fn rocky_9_against_rocky_oval_with_rhel_fallback() {
    let sb = Sandbox::new();
    rhel_feeds(&sb, true);
    let (rocky_8_4, rocky_9) = rocky_9_os_release();
    let path = "var/lib/rpm/rpmdb.sqlite";

    let report = scan(
        &sb,
        "rocky9-below",
        &rocky_9,
        path,
        &build_rpmdb(&RHEL9_BELOW),
    );
    assert_eq!(os_of(&report), ("rocky".into(), "9.2".into()));
    // CVE-2022-2309 is in both the Rocky OVAL (RLSA-2022:8226, python3-lxml < 0:4.6.5-3.el9)
    // and Red Hat's: Rocky's record decides.
    let lxml = must(&report, "CVE-2022-2309", "python3-lxml");
    assert_eq!(lxml["data_source"], "rocky-oval");
    assert_eq!(lxml["fixed_version"], "0:4.6.5-3.el9");
    // CVE-2023-38545 is in no Rocky record (the Rocky OVAL has other curl CVEs only): the
    // `rhel:9` fallback reports it from Red Hat's CSAF, with the 9.2 stream's fix deciding.
    for pkg in ["curl", "libcurl"] {
        let f = must(&report, "CVE-2023-38545", pkg);
        assert_eq!(f["data_source"], "redhat-csaf");
        assert_eq!(
            f["detail"]["condition"],
            "7.76.1-23.el9_2.2 < 0:7.76.1-23.el9_2.4 (rpm)"
        );
    }
    // The nodejs:18 module build: the Rocky OVAL has no module criteria (its nodejs records
    // are keyed by the plain name), so the module package finds its stream's records only
    // in Red Hat's OVAL (`rhel:9`, `nodejs:18/nodejs`).
    for cve in ["CVE-2022-3517", "CVE-2022-43548"] {
        let f = must(&report, cve, "nodejs");
        assert_eq!(f["data_source"], "redhat-oval");
        assert_eq!(f["detail"]["matched_by"], "nodejs:18/nodejs");
    }
    assert_eq!(findings(&report).len(), 5, "{:?}", findings(&report));

    // At the fixes (python3-lxml 4.6.5-3.el9, curl/libcurl 23.el9_2.4): nothing. (The
    // non-module nodejs is left out: see the test below.)
    let fixed: Vec<Rpm> = RHEL9_FIXED
        .iter()
        .copied()
        .filter(|p| p.name != "nodejs")
        .collect();
    let report = scan(&sb, "rocky9-fixed", &rocky_9, path, &build_rpmdb(&fixed));
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));

    // The real Rocky 8.4 os-release with the el9 builds looks up `rocky:8` and `rhel:8`:
    // no Rocky or Red Hat OVAL record there (both OVAL inputs are Rocky/RHEL 9 data), and
    // CSAF's RHEL 8 statements for these names are "not affected".
    let report = scan(&sb, "rocky84", &rocky_8_4, path, &build_rpmdb(&RHEL9_BELOW));
    assert_eq!(os_of(&report), ("rocky".into(), "8.4".into()));
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

/// Found by this test and fixed in the RHEL matcher: the Rocky OVAL states its nodejs fixes as nodejs:18 *module* builds
/// (`nodejs < 1:18.14.2-3.module+el9.2.0+14843+acebbfea`, RLSA-2022:8832 and RLSA-2023:0321,
/// the latter being the non-modular Node.js 16 update) without any module criterion;
/// `rocky-oval` stores them under the plain name `nodejs`, and, Rocky's feed deciding first,
/// RHEL 9's default non-modular nodejs at Red Hat's fix 1:16.18.1-3.el9_1 is reported with
/// 15 CVEs "fixed in" the 18.14.2 module build — a stream it can never be updated to.
/// Now a record whose fix is a module build (`.module+el`) does not judge a package without
/// a modularity label, so Red Hat's non-module records (fixed at 16.18.1-3.el9_1) apply and
/// nothing is reported.
#[test]
fn rocky_9_non_module_nodejs_is_not_judged_by_module_fixes() {
    let sb = Sandbox::new();
    rhel_feeds(&sb, true);
    let (_, rocky_9) = rocky_9_os_release();
    let db = build_rpmdb(&[rpm("nodejs", "nodejs", "16.18.1", "3.el9_1").epoch(1)]);
    let report = scan(
        &sb,
        "rocky9-node16",
        &rocky_9,
        "var/lib/rpm/rpmdb.sqlite",
        &db,
    );
    assert!(
        finding(&report, "CVE-2022-3517", "nodejs").is_none(),
        "{:#?}",
        finding(&report, "CVE-2022-3517", "nodejs")
    );
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}
