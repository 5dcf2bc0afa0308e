//! The interchange formats: snapshots of each writer on the fixed report, and each document
//! checked by its format's own validator (scripts/report-validators: the `CycloneDX` 1.6 strict
//! schema via cyclonedx-python-lib, SPDX 2.3 via spdx-tools, SARIF 2.1.0 against the OASIS
//! schema, plus structural checks for `JUnit` and `GitLab`). CI installs the validators with
//! `scripts/report-validators/setup`.

mod fixture;

use std::path::{Path, PathBuf};
use std::process::Command;

use customs_model::{Report, Severity};
use customs_report::{Format, WriteOptions, write};
use fixture::report;

fn render(format: Format, report: &Report, threshold: Option<Severity>) -> String {
    let mut out = Vec::new();
    write(
        format,
        report,
        &mut out,
        WriteOptions {
            colour: false,
            fail_threshold: threshold,
            list_packages: false,
        },
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

fn json(format: Format) -> serde_json::Value {
    serde_json::from_str(&render(format, &report(), None)).unwrap()
}

fn validators() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/report-validators");
    assert!(
        dir.join(".venv/bin/python").exists()
            && dir.join("node_modules/@microsoft/jest-sarif").exists(),
        "report validators are not installed: run scripts/report-validators/setup (CI does)"
    );
    dir
}

/// Runs the format's validator on `text`; panics with its output when invalid.
fn validate(format: &str, text: &str) {
    let dir = validators();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join(format!(
        "report.{}",
        if format == "junit" { "xml" } else { "json" }
    ));
    std::fs::write(&file, text).unwrap();
    let out = Command::new(dir.join(".venv/bin/python"))
        .arg(dir.join("validate.py"))
        .arg(format)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{format} document is invalid:\n{}{}\n--- document:\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_format_passes_its_validator() {
    let mut r = report();
    // Characters every escaper must handle.
    r.artifact.name = "docker-archive:we<i>rd & \"quoted\".tar".into();
    for (name, format) in [
        ("sarif", Format::Sarif),
        ("cyclonedx", Format::CycloneDx),
        ("spdx-json", Format::SpdxJson),
        ("junit", Format::Junit),
        ("gitlab", Format::Gitlab),
    ] {
        validate(name, &render(format, &r, Some(Severity::High)));
    }
    // An image without findings is still a valid document in every format.
    r.findings.clear();
    for (name, format) in [
        ("sarif", Format::Sarif),
        ("cyclonedx", Format::CycloneDx),
        ("junit", Format::Junit),
        ("gitlab", Format::Gitlab),
    ] {
        validate(name, &render(format, &r, None));
    }
}

#[test]
fn a_validator_rejects_a_broken_document() {
    // The check can fail: a CycloneDX document with a bad severity is refused.
    let mut doc = json(Format::CycloneDx);
    doc["vulnerabilities"][0]["ratings"][0]["severity"] = "catastrophic".into();
    let dir = validators();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = Command::new(dir.join(".venv/bin/python"))
        .arg(dir.join("validate.py"))
        .arg("cyclonedx")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn sarif_has_a_rule_per_vulnerability_and_results_at_the_package_file() {
    let doc = json(Format::Sarif);
    let run = &doc["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["CVE-2014-0160", "CVE-2014-9999"]);
    let heartbleed = &run["results"][0];
    assert_eq!(heartbleed["ruleId"], "CVE-2014-0160");
    assert_eq!(heartbleed["level"], "error");
    assert_eq!(
        heartbleed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "var/lib/dpkg/status"
    );
    assert_eq!(
        run["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
        "8.0"
    );
}

#[test]
fn cyclonedx_carries_purls_and_vex_states() {
    let doc = json(Format::CycloneDx);
    assert_eq!(doc["specVersion"], "1.6");
    let purls: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purl"].as_str().unwrap())
        .collect();
    assert!(
        purls
            .iter()
            .any(|p| p.starts_with("pkg:deb/debian/libssl1.0.0@1.0.1e-2%2Bdeb7u4"))
    );
    let v = &doc["vulnerabilities"][0];
    assert_eq!(v["id"], "CVE-2014-0160");
    assert_eq!(v["analysis"]["state"], "exploitable");
    assert_eq!(v["analysis"]["response"][0], "update");
    assert_eq!(v["ratings"][0]["severity"], "high");
    // Same inputs, same document id.
    assert_eq!(doc["serialNumber"], json(Format::CycloneDx)["serialNumber"]);
}

#[test]
fn spdx_contains_every_package_with_its_purl() {
    let doc = json(Format::SpdxJson);
    let pkgs = doc["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 3, "the image and its two packages");
    let contains = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relationshipType"] == "CONTAINS")
        .count();
    assert_eq!(contains, 2);
    assert_eq!(
        pkgs[1]["externalRefs"][0]["referenceType"], "purl",
        "{}",
        pkgs[1]
    );
}

#[test]
fn junit_fails_only_at_or_above_the_threshold() {
    let xml = render(Format::Junit, &report(), Some(Severity::High));
    assert!(xml.contains(r#"tests="2" failures="1""#), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert!(xml.contains("CVE-2014-0160 [high]"));
    let all = render(Format::Junit, &report(), None);
    assert_eq!(all.matches("<failure ").count(), 2);
}

#[test]
fn html_is_self_contained_with_a_chart_per_layer() {
    let mut r = report();
    r.findings[0].package = "<script>alert(1)</script>".into();
    let html = render(Format::Html, &r, None);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "package names are escaped");
    assert!(html.contains("&lt;script&gt;"));
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    // One bar per layer that has findings (both layers here).
    assert_eq!(html.matches("<svg ").count(), 2);
    assert!(html.contains("<title>1 high</title>"));
}

#[test]
fn snapshots() {
    let r = report();
    insta::assert_snapshot!("sarif", render(Format::Sarif, &r, None));
    insta::assert_snapshot!("junit", render(Format::Junit, &r, Some(Severity::High)));
    insta::assert_snapshot!("html", render(Format::Html, &r, None));
    let mut cdx = json(Format::CycloneDx);
    cdx["metadata"]["timestamp"] = "[timestamp]".into();
    insta::assert_json_snapshot!("cyclonedx", cdx);
    let mut spdx = json(Format::SpdxJson);
    spdx["creationInfo"]["created"] = "[timestamp]".into();
    insta::assert_json_snapshot!("spdx", spdx);
    let mut gl = json(Format::Gitlab);
    gl["scan"]["start_time"] = "[timestamp]".into();
    gl["scan"]["end_time"] = "[timestamp]".into();
    insta::assert_json_snapshot!("gitlab", gl);
}
