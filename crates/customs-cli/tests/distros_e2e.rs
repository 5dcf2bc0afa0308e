//! OS package databases other than dpkg, through the whole scan: the real alpine:3.10
//! `docker save` from ../shared/data/images/trivy, and corrupt databases of every kind.

mod common;

use std::collections::BTreeSet;

use common::{Sandbox, shared};
use customs_testkit::{ImageBuilder, Layer};

/// An independent reading of `lib/apk/db/installed`: `P:`/`V:` pairs by line scan.
fn apk_truth(installed: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut name = None;
    for line in installed.lines() {
        if let Some(p) = line.strip_prefix("P:") {
            name = Some(p.to_owned());
        } else if let Some(v) = line.strip_prefix("V:") {
            out.insert((name.take().expect("P: before V:"), v.to_owned()));
        }
    }
    out
}

#[test]
fn real_alpine_310_image() {
    let sb = Sandbox::new();
    // Every branch of the real secdb (a directory of v3.N/{main,community}.json).
    sb.update(&[("alpine-secdb", &shared("feeds/alpine-secdb/json"))]);
    let inputs = sb.path("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    // The fixture is a gzip-compressed `docker save`: customs asks for it decompressed.
    let tar = inputs.join("alpine-310.tar");
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(shared("images/trivy/alpine-310.tar.gz"))
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&tar, &out.stdout).unwrap();
    // Ground truth straight from the layer with GNU tar.
    let list = String::from_utf8(
        std::process::Command::new("tar")
            .arg("-tf")
            .arg(&tar)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let layer = list
        .lines()
        .find(|l| l.ends_with("layer.tar"))
        .expect("a layer");
    let layer_bytes = std::process::Command::new("tar")
        .arg("-xOf")
        .arg(&tar)
        .arg(layer)
        .output()
        .unwrap()
        .stdout;
    std::fs::write(inputs.join("layer.tar"), layer_bytes).unwrap();
    let installed = std::process::Command::new("tar")
        .arg("-xOf")
        .arg(inputs.join("layer.tar"))
        .arg("lib/apk/db/installed")
        .output()
        .unwrap()
        .stdout;
    let truth = apk_truth(&String::from_utf8(installed).unwrap());
    assert!(truth.len() > 10);

    let report = sb.scan_json(tar.to_str().unwrap());
    let got: BTreeSet<(String, String)> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["ecosystem"], "apk");
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(got, truth);
    let os = &report["artifact"]["os"];
    assert_eq!(os["id"], "alpine");
    assert!(os["version"].as_str().unwrap().starts_with("3.10"), "{os}");
    let musl = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "musl")
        .unwrap();
    assert!(
        musl["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:apk/alpine/musl@"),
        "{}",
        musl["purl"]
    );
    assert!(
        musl["purl"]
            .as_str()
            .unwrap()
            .contains("distro=alpine-3.10"),
        "{}",
        musl["purl"]
    );
    assert!(
        !musl["files"].as_array().unwrap().is_empty(),
        "apk records the files each package owns"
    );
    // Matched against the v3.10 secdb by origin: libssl1.1 (origin openssl) 1.1.1d-r2 is
    // below openssl's 1.1.1g-r0 fix for CVE-2020-1967; musl 1.1.22-r3 below 1.1.22-r4.
    let find = |vuln: &str, pkg: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["vulnerability_id"] == vuln && f["package"] == pkg)
            .cloned()
    };
    let f = find("CVE-2020-1967", "libssl1.1").expect("CVE-2020-1967 in libssl1.1");
    assert_eq!(f["fixed_version"], "1.1.1g-r0");
    assert_eq!(f["data_source"], "alpine-secdb");
    assert!(find("CVE-2020-28928", "musl").is_some());
    // Fixed at or below the installed version: not reported (openssl 1.1.1d-r0 fixed CVE-2019-1547).
    assert!(find("CVE-2019-1547", "libssl1.1").is_none());
}

#[test]
fn corrupt_databases_give_diagnostics_and_the_rest_still_scans() {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    let bdb = std::fs::read(shared("pkgdb/rpm/grype/centos-match-coverage.Packages")).unwrap();
    let random: Vec<u8> = (0..65_536u32)
        .map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[2])
        .collect();
    let dir = sb.path("inputs/oci");
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n".to_vec(), 0o644)
                .file("var/lib/dpkg/status", b"Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2\n\nPakij: broken\n\n".to_vec(), 0o644)
                // An empty distroless status file.
                .file("var/lib/dpkg/status.d/empty", Vec::new(), 0o644)
                // A bad apk entry between two good ones.
                .file("lib/apk/db/installed", b"P:ok1\nV:1.0-r0\n\nV:no-name\nQ:\n\nP:ok2\nV:2.0-r1\n".to_vec(), 0o644)
                // Truncated BerkeleyDB pages.
                .file("var/lib/rpm/Packages", bdb[..bdb.len() / 3].to_vec(), 0o644)
                // Random bytes in place of an SQLite rpm database.
                .file("usr/lib/sysimage/rpm/rpmdb.sqlite", random, 0o644),
        )
        .write_oci_layout(&dir, None)
        .unwrap();
    let report = sb.scan_json(&format!("oci:{}", dir.display()));
    let names: BTreeSet<&str> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains("bash"), "{names:?}");
    assert!(names.contains("ok1") && names.contains("ok2"), "{names:?}");
    let diags = report["diagnostics"].as_array().unwrap();
    let has = |path: &str| diags.iter().any(|d| d["path"].as_str() == Some(path));
    for path in [
        "var/lib/dpkg/status",
        "lib/apk/db/installed",
        "var/lib/rpm/Packages",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
    ] {
        assert!(has(path), "no diagnostic for {path}: {diags:#?}");
    }
}

#[test]
fn empty_status_file_is_diagnosed() {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    let dir = sb.path("inputs/oci");
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file(
                    "etc/os-release",
                    b"ID=debian\nVERSION_ID=\"12\"\n".to_vec(),
                    0o644,
                )
                .file("var/lib/dpkg/status", Vec::new(), 0o644),
        )
        .write_oci_layout(&dir, None)
        .unwrap();
    let report = sb.scan_json(&format!("oci:{}", dir.display()));
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "empty-package-db" && d["path"] == "var/lib/dpkg/status"),
        "{diags:#?}"
    );
    assert_eq!(
        report["artifact"]["os"]["version"], "12",
        "the rest of the image still scans"
    );
}

/// A vendor's "not affected" statement (Alpine secdb: fixed in version `0`) is kept as a
/// `not_affected` finding, hidden unless `--show-not-affected`, and never fails the gate.
/// The secdb document is written here in Alpine's real format for one made-up CVE id.
#[test]
fn vendor_not_affected_is_hidden_unless_asked() {
    let sb = Sandbox::new();
    let secdb = sb.path("inputs/v3.17-main.json");
    std::fs::create_dir_all(sb.path("inputs")).unwrap();
    std::fs::write(
        &secdb,
        r#"{"apkurl":"{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
        "archs":["x86_64"],"reponame":"main","urlprefix":"https://dl-cdn.alpinelinux.org/alpine",
        "distroversion":"v3.17","packages":[{"pkg":{"name":"musl","secfixes":{"0":["CVE-2099-0001"],
        "1.2.3-r5":["CVE-2099-0002"]}}}]}"#,
    )
    .unwrap();
    sb.update(&[("alpine-secdb", &secdb)]);
    let installed = "P:musl\nV:1.2.3-r4\nA:x86_64\no:musl\n\n";
    let os_release =
        std::fs::read(shared("osrelease/claircore/alpine/3.17/etc/os-release")).unwrap();
    let layout = sb.path("inputs/oci");
    ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", os_release, 0o644).file(
            "lib/apk/db/installed",
            installed.as_bytes().to_vec(),
            0o644,
        ))
        .build()
        .unwrap()
        .write_oci_layout(&layout, Some("a"))
        .unwrap();
    let image = format!("oci:{}:a", layout.display());
    let ids = |args: &[&str]| -> Vec<(String, String)> {
        let mut all = vec!["scan", "-q", "-f", "json", image.as_str()];
        all.extend_from_slice(args);
        let out = sb.run(&all);
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["vulnerability_id"].as_str().unwrap().to_owned(),
                    f["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(ids(&[]), [("CVE-2099-0002".to_owned(), "fixed".to_owned())]);
    let shown = ids(&["--show-not-affected"]);
    assert!(
        shown.contains(&("CVE-2099-0001".to_owned(), "not_affected".to_owned())),
        "{shown:?}"
    );
    // Only the not-affected statement left: the gate does not fail.
    let out = sb.run(&[
        "scan",
        "-q",
        "--show-not-affected",
        "--ignore-status",
        "fixed",
        "--exit-code",
        "4",
        &image,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
