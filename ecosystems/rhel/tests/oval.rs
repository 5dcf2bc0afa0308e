//! The OVAL reader on real Red Hat and Rocky Linux files (and an `AlmaLinux` definition in the
//! same layout), checked record by record and against independent readings.

mod common;

use std::collections::BTreeSet;

use common::{find, fixes, parse_file, shared, vunnel_member};
use customs_model::{AffectedRange, Severity, Status};
use customs_rhel::util::split_package_key;

const RHEL9: &str = "feeds/redhat/oval/com.redhat.rhsa-RHEL9.xml";

#[test]
fn rhel9_python_lxml_exactly() {
    let advs = parse_file("redhat-oval", RHEL9);
    let a = find(&advs, "rhel:9", "python3-lxml", "CVE-2022-2309");
    assert_eq!(a.status, Status::Fixed);
    assert_eq!(a.affected, AffectedRange::LessThan("0:4.6.5-3.el9".into()));
    assert_eq!(a.fixed_version.as_deref(), Some("0:4.6.5-3.el9"));
    assert_eq!(a.advisory_ids, ["RHSA-2022:8226"]);
    assert_eq!(a.severity, Severity::Medium);
    assert_eq!(a.scheme, "rpm");
    assert_eq!(a.source, "redhat-oval");
    assert_eq!(a.record_id, "oval:com.redhat.rhsa:def:20228226");
    assert_eq!(
        a.notes.as_deref(),
        Some(
            "arch: aarch64|ppc64le|s390x|x86_64\nsigned-by: 199e2f91fd431d51\n\
             cpe: cpe:/a:redhat:enterprise_linux:9 cpe:/a:redhat:enterprise_linux:9::appstream"
        )
    );
}

/// vunnel's snapshot of the same CVE (built from Red Hat's CVE data, not OVAL) names the
/// source package (`python-lxml`) where OVAL names the binary one (`python3-lxml`); the fixed
/// version, advisory and severity agree.
#[test]
fn rhel9_agrees_with_vunnel_snapshot() {
    let snap: serde_json::Value = serde_json::from_slice(&vunnel_member(
        "tests/unit/providers/rhel/test-fixtures/snapshots/rhel:9/cve-2022-2309.json",
    ))
    .unwrap();
    let vuln = &snap["item"]["Vulnerability"];
    assert_eq!(vuln["Severity"], "Medium");
    let fixed = vuln["FixedIn"].as_array().unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["Name"], "python-lxml");
    assert_eq!(fixed[0]["NamespaceName"], "rhel:9");
    let advs = parse_file("redhat-oval", RHEL9);
    let ours = find(&advs, "rhel:9", "python3-lxml", "CVE-2022-2309");
    assert_eq!(ours.fixed_version.as_deref(), fixed[0]["Version"].as_str());
    assert_eq!(
        ours.advisory_ids[0],
        fixed[0]["VendorAdvisory"]["AdvisorySummary"][0]["ID"]
    );
    assert_eq!(ours.severity, Severity::Medium);
}

#[test]
fn rhel9_module_stream_and_epoch() {
    let advs = parse_file("redhat-oval", RHEL9);
    let a = find(&advs, "rhel:9", "nodejs:18/nodejs", "CVE-2022-3517");
    assert_eq!(
        a.fixed_version.as_deref(),
        Some("1:18.12.1-1.module+el9.1.0.z+17326+318294bb")
    );
    assert_eq!(a.advisory_ids, ["RHSA-2022:8832"]);
    assert!(
        a.notes
            .as_deref()
            .unwrap()
            .starts_with("module: nodejs:18\n")
    );
    // The non-modular nodejs of RHEL 9's AppStream is a different package key.
    assert!(
        advs.iter().filter(|a| a.package == "nodejs").all(|a| !a
            .fixed_version
            .as_deref()
            .unwrap_or("")
            .contains("module+"))
    );
    // Every module build (release `.module+el…`) is keyed by its stream, and only those.
    for a in &advs {
        let modular = fixes(a).iter().any(|f| f.contains(".module+el"));
        assert_eq!(
            modular,
            split_package_key(&a.package).0.is_some(),
            "{}",
            a.package
        );
    }
}

/// A CVE fixed for two minor-release streams keeps both fixes and both RHSAs.
#[test]
fn rhel9_kernel_fixed_in_two_streams() {
    let advs = parse_file("redhat-oval", RHEL9);
    let a = find(&advs, "rhel:9", "kernel", "CVE-2022-30594");
    assert_eq!(
        fixes(a),
        ["0:5.14.0-70.30.1.el9_0", "0:5.14.0-162.12.1.el9_1"]
    );
    assert_eq!(a.fixed_version.as_deref(), Some("0:5.14.0-162.12.1.el9_1"));
    assert_eq!(a.advisory_ids, ["RHSA-2022:7318", "RHSA-2023:0334"]);
}

/// Independent reading: every `NAME is earlier than EVR` criterion comment of every
/// definition, paired with the definition's CVE references, equals the (CVE, package, fix)
/// triples of the advisories.
#[test]
fn rhel9_matches_an_independent_reading_of_the_comments() {
    let text = std::fs::read_to_string(shared(RHEL9)).unwrap();
    let mut expected = BTreeSet::new();
    let mut definitions = 0;
    for block in text.split("<definition ").skip(1) {
        let block = block.split("</definition>").next().unwrap();
        definitions += 1;
        let cves: Vec<&str> = block
            .split("<reference ref_id=\"")
            .skip(1)
            .filter_map(|r| r.split('"').next())
            .filter(|r| r.starts_with("CVE-"))
            .collect();
        for c in block.split("comment=\"").skip(1) {
            let c = c.split('"').next().unwrap();
            if let Some((name, evr)) = c.split_once(" is earlier than ") {
                for cve in &cves {
                    expected.insert((cve.to_string(), name.to_owned(), evr.to_owned()));
                }
            }
        }
    }
    assert_eq!(definitions, 222);
    let advs = parse_file("redhat-oval", RHEL9);
    let mut got = BTreeSet::new();
    for a in &advs {
        assert_eq!(a.namespace, "rhel:9");
        assert_eq!(a.status, Status::Fixed);
        let (_, name) = split_package_key(&a.package);
        for f in fixes(a) {
            got.insert((a.vulnerability_id.clone(), name.to_owned(), f.to_owned()));
        }
    }
    assert_eq!(got.len(), expected.len());
    assert_eq!(got, expected);
    assert_eq!(advs.len(), 7188);
}

#[test]
fn rocky9_reads_cves_from_descriptions() {
    let advs = parse_file("rocky-oval", "feeds/rocky/oval/org.rockylinux.rlsa-9.xml");
    let a = find(&advs, "rocky:9", "gzip", "CVE-2022-1271");
    assert_eq!(a.affected, AffectedRange::LessThan("0:1.10-9.el9_0".into()));
    assert_eq!(a.advisory_ids, ["RLSA-2022:4582"]);
    assert_eq!(a.severity, Severity::High, "Important");
    assert_eq!(a.source, "rocky-oval");
    // A Rocky rebuild suffix is kept as written.
    assert!(advs.iter().any(|a| {
        a.package == "grub2-common" && fixes(a).contains(&"1:2.06-46.el9_1.3.rocky.0.2")
    }));
    assert!(advs.iter().all(|a| a.namespace == "rocky:9"));
    assert!(advs.iter().all(|a| a.vulnerability_id.starts_with("CVE-")));
}

/// `rlsa-8.xml` of that snapshot holds Rocky 9 definitions: the platform wins over the name.
#[test]
fn rocky_platform_beats_file_name() {
    let advs = parse_file("rocky-oval", "feeds/rocky/oval/org.rockylinux.rlsa-8.xml");
    assert!(!advs.is_empty());
    assert!(advs.iter().all(|a| a.namespace == "rocky:9"));
}

/// No `AlmaLinux` OVAL file is in the shared data; `tests/data/alma-alsa-2022-8194.xml` is one
/// definition written in the Red Hat/`AlmaLinux` OVAL layout from `AlmaLinux`'s own record of
/// ALSA-2022:8194 (the OSV file in vunnel's fixtures). The advisories must say what that
/// OSV record says.
#[test]
fn alma_definition_agrees_with_almas_osv_record() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/alma-alsa-2022-8194.xml"
    ))
    .unwrap();
    let advs = customs_rhel::parse_bytes("alma-oval", "org.almalinux.alsa-9.xml", &bytes).unwrap();
    let osv: serde_json::Value = serde_json::from_slice(&vunnel_member(
        "tests/unit/providers/alma/test-fixtures/osv-database/advisories/almalinux9/ALSA-2022:8194.json",
    ))
    .unwrap();
    let mut expected = BTreeSet::new();
    for cve in osv["related"].as_array().unwrap() {
        for a in osv["affected"].as_array().unwrap() {
            let fixed = a["ranges"][0]["events"][1]["fixed"].as_str().unwrap();
            expected.insert((
                cve.as_str().unwrap().to_owned(),
                a["package"]["name"].as_str().unwrap().to_owned(),
                format!("0:{fixed}"),
            ));
        }
    }
    let got: BTreeSet<(String, String, String)> = advs
        .iter()
        .map(|a| {
            assert_eq!(a.namespace, "almalinux:9");
            assert_eq!(a.advisory_ids, ["ALSA-2022:8194"]);
            assert_eq!(a.severity, Severity::Medium);
            (
                a.vulnerability_id.clone(),
                a.package.clone(),
                a.fixed_version.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(expected.len(), 30);
    assert_eq!(got, expected);
}
