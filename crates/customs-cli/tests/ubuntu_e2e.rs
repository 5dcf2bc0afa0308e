//! End-to-end scans of Ubuntu images (real os-release files) against Ubuntu's real feeds:
//! the jammy USN OVAL, and Canonical's OSV records with a real bionic dpkg status.

mod common;

use common::{Sandbox, findings, shared};
use customs_testkit::{ImageBuilder, Layer};
use serde_json::Value;

fn status_entry(pkg: &str, source: Option<&str>, version: &str) -> String {
    let src = source.map(|s| format!("Source: {s}\n")).unwrap_or_default();
    format!(
        "Package: {pkg}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n{src}Version: {version}\nDescription: {pkg}\n test entry\n\n"
    )
}

fn finding<'a>(report: &'a Value, cve: &str, pkg: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == cve && f["package"] == pkg)
}

/// Jammy packages at real jammy versions: a known finding (libssl3 below the USN-5488-1
/// fix), a backport non-finding (postgresql-14 at its `ubuntu0.22.04.1` fix), and a
/// Pro-only fix reported as affected with its note.
#[test]
fn jammy_against_the_usn_oval() {
    let mut status = String::new();
    for (p, s, v) in [
        ("libssl3", Some("openssl"), "3.0.2-0ubuntu1.4"),
        ("openssl", None, "3.0.2-0ubuntu1.4"),
        ("postgresql-14", None, "14.3-0ubuntu0.22.04.1"),
        ("libjs-jquery-ui", Some("jqueryui"), "1.13.1+dfsg-1"),
        ("base-files", None, "12ubuntu4"),
    ] {
        status.push_str(&status_entry(p, s, v));
    }
    let os_release = std::fs::read(shared(
        "osrelease/claircore/ubuntu/dist/22.04/etc/os-release",
    ))
    .unwrap();
    let sb = Sandbox::new();
    sb.update(&[(
        "ubuntu-oval",
        &shared("feeds/ubuntu/oval/com.ubuntu.jammy.usn.oval.xml"),
    )]);
    let inputs = sb.path("inputs");
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", os_release, 0o644)
                .file("var/lib/dpkg/status", status.into_bytes(), 0o644)
                .created_by("jammy base"),
        )
        .write_oci_layout(&inputs, None)
        .unwrap();
    let report = sb.scan_json(&format!("oci:{}", inputs.display()));
    let os = &report["artifact"]["os"];
    assert_eq!(
        (os["family"].as_str(), os["version"].as_str()),
        (Some("ubuntu"), Some("22.04"))
    );

    let ssl = finding(&report, "CVE-2022-2068", "libssl3").expect("libssl3 CVE-2022-2068");
    assert_eq!(ssl["fixed_version"], "3.0.2-0ubuntu1.5");
    assert_eq!(ssl["status"], "fixed");
    assert_eq!(ssl["severity"], "medium");
    assert_eq!(ssl["data_source"], "ubuntu-oval");
    assert!(
        ssl["advisory_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "USN-5488-1")
    );
    assert!(finding(&report, "CVE-2022-2068", "openssl").is_some());
    // Fixed before 1.4: not reported.
    assert!(finding(&report, "CVE-2022-1292", "libssl3").is_none());
    // The backport is respected.
    assert!(finding(&report, "CVE-2022-1552", "postgresql-14").is_none());
    // Ubuntu Pro only.
    let jq = finding(&report, "CVE-2021-41184", "libjs-jquery-ui").expect("jquery-ui");
    assert_eq!(jq["status"], "affected");
    assert!(jq["fixed_version"].is_null());
    assert!(jq["notes"].as_str().unwrap().contains("Ubuntu Pro"));
    assert!(!findings(&report).iter().any(|(_, p)| p == "base-files"));
}

/// A real Ubuntu 18.04 dpkg status (claircore's texlive image) against Canonical's OSV
/// records: glibc's CVE-2016-20013 (unfixed, negligible) is reported for every glibc
/// binary through the source package; wayland (not installed) is not.
#[test]
fn bionic_against_ubuntu_osv() {
    let status = std::fs::read(shared("pkgdb/dpkg/claircore/texlive.status")).unwrap();
    let os_release = std::fs::read(shared(
        "osrelease/claircore/ubuntu/dist/18.04/etc/os-release",
    ))
    .unwrap();
    let sb = Sandbox::new();
    sb.update(&[("ubuntu-osv", &shared("feeds/ubuntu/osv-samples"))]);
    let inputs = sb.path("inputs");
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", os_release, 0o644)
                .file("var/lib/dpkg/status", status, 0o644)
                .created_by("bionic texlive"),
        )
        .write_oci_layout(&inputs, None)
        .unwrap();
    let report = sb.scan_json(&format!("oci:{}", inputs.display()));
    let f = findings(&report);
    let glibc: Vec<&str> = f
        .iter()
        .filter(|(v, _)| v == "CVE-2016-20013")
        .map(|(_, p)| p.as_str())
        .collect();
    assert_eq!(
        glibc,
        [
            "libc-bin",
            "libc-dev-bin",
            "libc6",
            "libc6-dev",
            "locales",
            "multiarch-support"
        ]
    );
    let libc6 = finding(&report, "CVE-2016-20013", "libc6").unwrap();
    assert_eq!(libc6["status"], "affected");
    assert_eq!(libc6["severity"], "negligible");
    assert_eq!(libc6["data_source"], "ubuntu-osv");
    // Every finding comes from the sample records and names a bionic source package.
    assert!(f.iter().all(|(v, _)| v == "CVE-2016-20013"), "{f:?}");
}
