//! Enrichment through the real binary: NVD CVSS (vunnel's real API 2.0 page), CISA KEV and
//! FIRST EPSS (claircore's real samples) attached to findings, and `--severity-source`.
//!
//! The real `PyPA` database gives a finding whose CVE is in the EPSS sample (nvflare,
//! PYSEC-2022-257 = CVE-2022-34668). No real advisory in ../shared/data names a CVE of the NVD
//! page or the KEV sample, so two OSV records written here (format-exact, ids `DEMO-*`) tie
//! CVE-2023-27314 (in the NVD page) and CVE-2021-44228 (in the KEV sample) to test packages.

mod common;

use common::{Sandbox, python_metadata, shared};
use customs_testkit::{ImageBuilder, Layer};
use serde_json::Value;

fn osv(id: &str, alias: &str, package: &str) -> String {
    format!(
        r#"{{"schema_version":"1.6.0","id":"{id}","modified":"2024-01-01T00:00:00Z","aliases":["{alias}"],
        "affected":[{{"package":{{"ecosystem":"PyPI","name":"{package}"}},
        "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
    )
}

fn finding<'a>(report: &'a Value, package: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"] == package)
        .unwrap_or_else(|| panic!("no finding for {package}: {report:#}"))
}

#[test]
fn cvss_kev_and_epss_reach_the_findings() {
    let sb = Sandbox::new();
    let records = sb.path("inputs/osv");
    std::fs::create_dir_all(&records).unwrap();
    std::fs::write(
        records.join("DEMO-1.json"),
        osv("DEMO-1", "CVE-2023-27314", "demo-nvd"),
    )
    .unwrap();
    std::fs::write(
        records.join("DEMO-2.json"),
        osv("DEMO-2", "CVE-2021-44228", "demo-kev"),
    )
    .unwrap();
    sb.update(&[
        ("osv", &shared("feeds/osv/pypa-advisory-database.tar.zst")),
        ("osv", &records),
        ("nvd", &shared("feeds/nvd/nvd-api2-full-page.json")),
        ("kev", &shared("feeds/nvd/cisa-kev-sample.json")),
        ("epss", &shared("feeds/nvd/epss-sample.csv")),
    ]);
    let site = "opt/app/site-packages";
    let built = ImageBuilder::new()
        .layer(
            Layer::new()
                .file(
                    format!("{site}/nvflare-2.1.0.dist-info/METADATA"),
                    python_metadata("nvflare", "2.1.0"),
                    0o644,
                )
                .file(
                    format!("{site}/demo_nvd-1.0.dist-info/METADATA"),
                    python_metadata("demo-nvd", "1.0"),
                    0o644,
                )
                .file(
                    format!("{site}/demo_kev-1.0.dist-info/METADATA"),
                    python_metadata("demo-kev", "1.0"),
                    0o644,
                ),
        )
        .build()
        .unwrap();
    let layout = sb.path("inputs/oci");
    built.write_oci_layout(&layout, Some("e")).unwrap();
    let image = format!("oci:{}:e", layout.display());
    let report = sb.scan_json(&image);

    // NVD: the record has no severity of its own, so the NVD CVSS v3.1 score decides (auto).
    let nvd = finding(&report, "demo-nvd");
    assert_eq!(nvd["vulnerability_id"], "CVE-2023-27314");
    let cvss = nvd["cvss"].as_array().unwrap();
    assert!(!cvss.is_empty());
    let primary = cvss
        .iter()
        .find(|c| c["primary"] == true)
        .expect("NVD primary score");
    assert!(primary["vector"].as_str().unwrap().starts_with("CVSS:3"));
    let score = primary["base_score"].as_f64().unwrap();
    let want = match score {
        s if s >= 9.0 => "critical",
        s if s >= 7.0 => "high",
        s if s >= 4.0 => "medium",
        _ => "low",
    };
    assert_eq!(nvd["severity"], want);
    assert!(
        nvd["severity_source"]
            .as_str()
            .unwrap()
            .starts_with("cvss 3"),
        "{nvd}"
    );
    assert!(nvd["cwes"].is_array());

    // KEV: marked in JSON and in the table.
    let kev = finding(&report, "demo-kev");
    assert_eq!(kev["kev"]["date_added"], "2021-12-10");
    let out = sb.run(&["scan", "-q", &image]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("CVE-2021-44228 [KEV]"), "{table}");

    // EPSS on a real PyPA finding, shown as a table column.
    let nvflare = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"] == "nvflare" && f["vulnerability_id"] == "CVE-2022-34668")
        .expect("nvflare CVE-2022-34668");
    assert!(nvflare["epss"]["score"].as_f64().unwrap() > 0.0);
    assert!(table.contains("EPSS"), "{table}");

    // --severity-source vendor keeps the feed's (unknown) rating.
    let out = sb.run(&[
        "scan",
        "-q",
        "-f",
        "json",
        "--severity-source",
        "vendor",
        &image,
    ]);
    let vendor: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(finding(&vendor, "demo-nvd")["severity"], "unknown");
    assert_eq!(finding(&vendor, "demo-nvd")["severity_source"], "vendor");
    // `db feeds` lists the enrichment feeds with their upstream URLs.
    let feeds = String::from_utf8(sb.run(&["db", "feeds"]).stdout).unwrap();
    for kind in ["nvd", "kev", "epss"] {
        assert!(feeds.lines().any(|l| l.starts_with(kind)), "{feeds}");
    }
    assert!(feeds.contains("https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2024.json.gz"));
}
