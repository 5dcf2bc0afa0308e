//! Snapshot tests of the writers on a small, fixed report.

mod fixture;

use customs_model::{Report, Severity};
use customs_report::{Filter, write_json, write_table};
use fixture::report;

#[test]
fn table() {
    let mut out = Vec::new();
    write_table(&report(), &mut out, false).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn table_with_filters() {
    let mut r = report();
    Filter {
        severities: vec![Severity::High, Severity::Critical],
        ignore_unfixed: false,
        ignore_statuses: vec![],
    }
    .apply(&mut r);
    assert_eq!(r.findings.len(), 1);
    let mut r2 = report();
    Filter {
        severities: vec![],
        ignore_unfixed: true,
        ignore_statuses: vec![],
    }
    .apply(&mut r2);
    assert_eq!(r2.findings.len(), 1);
    assert_eq!(r2.findings[0].vulnerability_id, "CVE-2014-0160");
}

#[test]
fn json() {
    let mut out = Vec::new();
    write_json(&report(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    insta::assert_snapshot!(text);
    // It round-trips into the same value.
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report());
}

#[test]
fn table_without_layers() {
    // A root filesystem has no layers: findings are listed all the same.
    let mut r = report();
    r.artifact.layers.clear();
    for f in &mut r.findings {
        f.layer_diff_id = None;
    }
    let mut out = Vec::new();
    write_table(&r, &mut out, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("CVE-2014-0160") && text.contains("CVE-2014-9999"),
        "{text}"
    );
    assert!(!text.contains("LAYER"));
}
