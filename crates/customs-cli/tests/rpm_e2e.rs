//! Images carrying real rpm databases: the scan's inventory equals what Debian's own `rpm`
//! prints for the same database (`rpm -qa --dbpath`).

mod common;

use std::collections::BTreeSet;

use common::{Sandbox, shared};
use customs_testkit::{ImageBuilder, Layer};

fn rpm_qa(dbfile: &std::path::Path, name: &str) -> BTreeSet<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(dbfile, dir.path().join(name)).unwrap();
    let out = std::process::Command::new("rpm")
        .args(["-qa", "--dbpath"])
        .arg(dir.path())
        .args(["--qf", "%{NAME} %{EVR}\\n"])
        .output()
        .expect("rpm is needed: apt-get install rpm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn rpm_databases_in_images_match_rpm_qa() {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    let cases = [
        (
            "pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
            "var/lib/rpm/rpmdb.sqlite",
            "rpmdb.sqlite",
            "ID=mariner\nVERSION_ID=\"2.0\"\n",
        ),
        (
            "pkgdb/rpm/grype/centos-match-coverage.Packages",
            "var/lib/rpm/Packages",
            "Packages",
            "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"8\"\n",
        ),
        (
            "pkgdb/rpm/syft/Packages",
            "usr/lib/sysimage/rpm/Packages",
            "Packages",
            "ID=\"rhel\"\nVERSION_ID=\"8.6\"\n",
        ),
    ];
    for (fixture, path_in_image, dbname, os_release) in cases {
        let db = shared(fixture);
        let truth = rpm_qa(&db, dbname);
        assert!(!truth.is_empty(), "{fixture}: rpm read nothing");
        let dir = sb.path(&format!("inputs/{}", dbname.replace('.', "_")));
        let _ = std::fs::remove_dir_all(&dir);
        let manifest = br#"{"metadata":{"icm_version":1,"image_layer_index":1},"content_sets":["rhel-8-for-x86_64-baseos-rpms","rhel-8-for-x86_64-appstream-rpms"],"image_contents":[]}"#;
        let w = ImageBuilder::new()
            .layer(
                Layer::new()
                    .file("etc/os-release", os_release.as_bytes().to_vec(), 0o644)
                    .file(
                        "root/buildinfo/content_manifests/base.json",
                        manifest.to_vec(),
                        0o644,
                    ),
            )
            .layer(
                Layer::new()
                    .file(path_in_image, std::fs::read(&db).unwrap(), 0o644)
                    .created_by("RUN dnf install ..."),
            )
            .write_oci_layout(&dir, None)
            .unwrap();
        let report = sb.scan_json(&format!("oci:{}", dir.display()));
        let got: BTreeSet<(String, String)> = report["packages"]
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
        assert_eq!(got, truth, "{fixture}");
        // Red Hat content manifests become the image's repositories.
        assert_eq!(
            report["artifact"]["repositories"],
            serde_json::json!([
                "rhel-8-for-x86_64-appstream-rpms",
                "rhel-8-for-x86_64-baseos-rpms"
            ])
        );
        for p in report["packages"].as_array().unwrap() {
            assert_eq!(
                p["layer_diff_id"].as_str(),
                Some(w.layers[1].diff_id.as_str())
            );
            assert!(
                p["purl"].as_str().unwrap().contains("distro="),
                "{}",
                p["purl"]
            );
        }
    }
}
