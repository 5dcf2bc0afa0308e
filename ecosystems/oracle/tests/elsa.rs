//! The ELSA OVAL parser against vunnel's real inputs (trimmed com.oracle.elsa-all.xml) and
//! snapshots, per-arch and Ksplice definitions, the Oracle matcher, and hostile inputs.

mod common;

use std::collections::BTreeSet;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, PackageOrigin, Purl, Severity, Status};
use customs_oracle::{OracleElsaParser, OracleMatcher};

fn parse(bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    parse_with(&OracleElsaParser::default(), bytes)
}

fn parse_with(p: &OracleElsaParser, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: "oracle-elsa".into(),
        location: "com.oracle.elsa-all.xml".into(),
        file_name: "com.oracle.elsa-all.xml".into(),
    };
    let mut out = Vec::new();
    p.parse(&input, &mut &bytes[..], &mut |a| out.push(a))?;
    Ok(out)
}

/// vunnel keeps one record per ELSA with CVEs as metadata; customs one per (CVE, package):
/// compare the products, plus severity and the ELSA id.
#[test]
fn definitions_equal_vunnel_snapshots() {
    let files = common::vunnel("oracle");
    let advisories = parse(&files["mock_data"]).unwrap();
    let mut expected = BTreeSet::new();
    for snapshot in [
        "snapshots/ol:5/elsa-2007-0057.json",
        "snapshots/ol:6/elsa-2018-4250.json",
    ] {
        let snap: serde_json::Value = serde_json::from_slice(&files[snapshot]).unwrap();
        let v = &snap["item"]["Vulnerability"];
        let severity: Severity = v["Severity"].as_str().unwrap().parse().unwrap();
        for cve in v["Metadata"]["CVE"].as_array().unwrap() {
            for f in v["FixedIn"].as_array().unwrap() {
                expected.insert((
                    f["NamespaceName"].as_str().unwrap().to_owned(),
                    v["Name"].as_str().unwrap().to_owned(),
                    cve["Name"].as_str().unwrap().to_owned(),
                    f["Name"].as_str().unwrap().to_owned(),
                    f["Version"].as_str().unwrap().to_owned(),
                    severity,
                ));
            }
        }
    }
    let got: BTreeSet<_> = advisories
        .iter()
        .map(|a| {
            (
                a.namespace.clone(),
                a.advisory_ids[0].clone(),
                a.vulnerability_id.clone(),
                a.package.clone(),
                a.fixed_version.clone().unwrap(),
                a.severity,
            )
        })
        .collect();
    // 8 bind packages × 2 CVEs + 6 kernel-uek packages × 4 CVEs.
    assert_eq!(expected.len(), 16 + 24);
    assert_eq!(got, expected);
    assert_eq!(advisories.len(), expected.len(), "no duplicates");
    assert!(advisories.iter().all(|a| a.status == Status::Fixed
        && a.scheme == "rpm"
        && a.notes.is_none()
        && a.source == "oracle-elsa"));
    let uek = advisories
        .iter()
        .find(|a| a.package == "kernel-uek")
        .unwrap();
    assert_eq!(uek.record_id, "oval:com.oracle.elsa:def:20184250");
}

#[test]
fn per_arch_definitions() {
    let files = common::vunnel("oracle");
    let advisories = parse(&files["mock_per_arch_data"]).unwrap();
    let rsyslog: BTreeSet<(String, String, Option<String>)> = advisories
        .iter()
        .filter(|a| a.package == "rsyslog")
        .map(|a| {
            (
                a.namespace.clone(),
                a.fixed_version.clone().unwrap(),
                a.notes.clone(),
            )
        })
        .collect();
    assert_eq!(
        rsyslog,
        BTreeSet::from([
            (
                "ol:7".to_owned(),
                "0:8.24.0-57.0.1.el7_9.3".to_owned(),
                Some("arch: x86_64".to_owned())
            ),
            (
                "ol:7".to_owned(),
                "0:8.24.0-57.0.4.el7_9.3".to_owned(),
                Some("arch: aarch64".to_owned())
            ),
        ])
    );
    // firefox: one fix for every arch → arch-less, one record per CVE.
    let firefox: Vec<&Advisory> = advisories
        .iter()
        .filter(|a| a.package == "firefox")
        .collect();
    assert!(!firefox.is_empty());
    assert!(firefox.iter().all(|a| a.namespace == "ol:10"
        && a.notes.is_none()
        && a.fixed_version.as_deref() == Some("0:128.12.0-1.0.1.el10_0")));
    // osbuild: two rebuilds, each on both arches → both versions arch-less.
    let osbuild: BTreeSet<(&str, Option<&str>)> = advisories
        .iter()
        .filter(|a| a.package == "osbuild")
        .map(|a| (a.fixed_version.as_deref().unwrap(), a.notes.as_deref()))
        .collect();
    assert_eq!(
        osbuild,
        BTreeSet::from([("0:110-1.0.1.el8", None), ("0:110-1.el8", None)])
    );

    // The matcher honours the arch split.
    let fix_x86 = advisories
        .iter()
        .find(|a| a.package == "rsyslog" && a.notes.as_deref() == Some("arch: x86_64"))
        .unwrap();
    let fix_arm = advisories
        .iter()
        .find(|a| {
            a.package == "rsyslog"
                && a.vulnerability_id == fix_x86.vulnerability_id
                && a.notes.as_deref() == Some("arch: aarch64")
        })
        .unwrap();
    // x86_64 at .0.1 is fixed; aarch64 at .0.1 is still affected (its fix is .0.4).
    let x86 = rpm("rsyslog", "8.24.0-57.0.1.el7_9.3", "x86_64");
    let arm = rpm("rsyslog", "8.24.0-57.0.1.el7_9.3", "aarch64");
    assert!(matches!(
        OracleMatcher.verdict(&x86, fix_x86),
        Verdict::NotAffected { .. }
    ));
    assert!(matches!(
        OracleMatcher.verdict(&x86, fix_arm),
        Verdict::NotAffected { .. }
    ));
    assert!(matches!(
        OracleMatcher.verdict(&arm, fix_arm),
        Verdict::Affected { .. }
    ));
    assert!(matches!(
        OracleMatcher.verdict(&arm, fix_x86),
        Verdict::NotAffected { .. }
    ));
}

fn rpm(name: &str, version: &str, arch: &str) -> Package {
    let mut p = Package::new(
        "rpm",
        name,
        version,
        Purl::new("rpm", Some("oracle"), name, Some(version), &[]),
        "var/lib/rpm/rpmdb.sqlite",
        PackageOrigin::Installed,
    );
    p.arch = Some(arch.to_owned());
    p
}

#[test]
fn ksplice_fixes_apply_to_ksplice_builds_only() {
    let files = common::vunnel("oracle");
    let advisories = parse(&files["mock_ksplice_data"]).unwrap();
    assert!(!advisories.is_empty());
    assert!(advisories.iter().all(|a| a.namespace == "ol:8"
        && a.advisory_ids == ["ELSA-2021-9151"]
        && a.fixed_version.as_deref().unwrap().contains(".ksplice")));
    let fix = advisories
        .iter()
        .find(|a| a.package == "openssl-libs")
        .unwrap();
    assert_eq!(
        fix.fixed_version.as_deref(),
        Some("2:1.1.1g-15.ksplice1.el8_3")
    );
    // A regular build is outside the Ksplice line, whatever its version.
    assert!(matches!(
        OracleMatcher.verdict(&rpm("openssl-libs", "1:1.1.1g-15.el8_3", "x86_64"), fix),
        Verdict::NotAffected { .. }
    ));
    assert!(matches!(
        OracleMatcher.verdict(
            &rpm("openssl-libs", "2:1.1.1g-14.ksplice1.el8_3", "aarch64"),
            fix
        ),
        Verdict::Affected { .. }
    ));
    assert!(matches!(
        OracleMatcher.verdict(
            &rpm("openssl-libs", "2:1.1.1g-15.ksplice1.el8_3", "aarch64"),
            fix
        ),
        Verdict::NotAffected { .. }
    ));
}

#[test]
fn matcher_queries_and_epochs() {
    let files = common::vunnel("oracle");
    let advisories = parse(&files["mock_data"]).unwrap();
    let bind = advisories
        .iter()
        .find(|a| a.package == "bind-libs" && a.vulnerability_id == "CVE-2007-0493")
        .unwrap();
    let d = Distro {
        id: "ol".into(),
        family: "ol".into(),
        version: "5.11".into(),
        codename: None,
        pretty_name: None,
        source_file: "etc/os-release".into(),
    };
    let pkg = rpm("bind-libs", "30:9.3.3-7.el5", "x86_64");
    assert_eq!(
        OracleMatcher.queries(&pkg, Some(&d)),
        vec![Query {
            namespace: "ol:5".into(),
            package: "bind-libs".into()
        }]
    );
    let mut rhel = d.clone();
    rhel.family = "rhel".into();
    assert!(OracleMatcher.queries(&pkg, Some(&rhel)).is_empty());
    assert!(matches!(
        OracleMatcher.verdict(&pkg, bind),
        Verdict::Affected { .. }
    ));
    assert!(matches!(
        OracleMatcher.verdict(&rpm("bind-libs", "30:9.3.3-8.el5", "x86_64"), bind),
        Verdict::NotAffected { .. }
    ));
    // The fix carries epoch 30: a package without the epoch (epoch 0) is older.
    assert!(matches!(
        OracleMatcher.verdict(&rpm("bind-libs", "9.9.9-1.el5", "x86_64"), bind),
        Verdict::Affected { .. }
    ));
    assert!(matches!(
        OracleMatcher.verdict(&rpm("bind-libs", "31:9.0-1.el5", "x86_64"), bind),
        Verdict::NotAffected { .. }
    ));
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let files = common::vunnel("oracle");
    let real = &files["mock_data"];
    let cut = &real[..real.len() / 2];
    let mut bad: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"not xml".to_vec(),
        b"<other/>".to_vec(),
        b"<oval_definitions><definitions><definition class=\"patch\"></definition></definitions></oval_definitions>".to_vec(),
        b"<oval_definitions></oval_definitions><oval_definitions/>".to_vec(),
        b"<oval_definitions><a></b></oval_definitions>".to_vec(),
        b"<oval_definitions>&bogus;</oval_definitions>".to_vec(),
        b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><oval_definitions>&a;</oval_definitions>".to_vec(),
        cut.to_vec(),
    ];
    bad.push(format!("<oval_definitions>{}", "<x>".repeat(1000)).into_bytes());
    for b in &bad {
        assert!(
            parse(b).is_err(),
            "{:?}",
            String::from_utf8_lossy(&b[..b.len().min(80)])
        );
    }
    // Deep nesting is a limit error, not a stack overflow.
    let deep = format!(
        "<oval_definitions>{}{}</oval_definitions>",
        "<x>".repeat(300),
        "</x>".repeat(300)
    );
    assert!(matches!(
        parse(deep.as_bytes()),
        Err(FeedError::Limit { .. })
    ));
    // Oversize against a small configured limit.
    let small = OracleElsaParser::default().with_max_bytes(1000);
    assert!(matches!(
        parse_with(&small, real),
        Err(FeedError::Limit { .. })
    ));
    // Over-long text.
    let long = format!(
        "<oval_definitions><definitions><definition id=\"d\" class=\"patch\"><metadata><title>{}</title></metadata></definition></definitions></oval_definitions>",
        "a".repeat(70_000)
    );
    assert!(matches!(
        parse(long.as_bytes()),
        Err(FeedError::Limit { .. })
    ));
    // A definition with no Oracle platform or no package criteria yields nothing.
    let empty = b"<oval_definitions><definitions><definition id=\"d\" class=\"patch\"><metadata><title>ELSA-1: x (LOW)</title><affected><platform>Other 1</platform></affected></metadata></definition></definitions></oval_definitions>";
    assert!(parse(empty).unwrap().is_empty());
}
