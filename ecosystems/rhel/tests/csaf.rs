//! The CSAF parser on Red Hat's real VEX documents and RHSA advisories.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{find, fixes, shared};
use customs_model::{Advisory, AffectedRange, Severity, Status};

fn vex(name: &str) -> Vec<Advisory> {
    common::parse_file(
        "redhat-csaf",
        &format!("feeds/redhat/csaf-samples/claircore-vex/{name}"),
    )
}

#[test]
fn curl_cve_2023_38545_per_release() {
    let advs = vex("cve-2023-38545.json");
    // RHEL 9 main line: fixed once for the 9.2 stream and once for 9.3.
    let a = find(&advs, "rhel:9", "curl", "CVE-2023-38545");
    assert_eq!(a.status, Status::Fixed);
    assert_eq!(fixes(a), ["0:7.76.1-23.el9_2.4", "0:7.76.1-26.el9_3.2"]);
    assert_eq!(a.fixed_version.as_deref(), Some("0:7.76.1-26.el9_3.2"));
    assert_eq!(a.advisory_ids, ["RHSA-2023:5763", "RHSA-2023:6745"]);
    assert_eq!(a.severity, Severity::High, "Important");
    assert_eq!(
        a.notes.as_deref(),
        Some(
            "cpe: cpe:/a:redhat:enterprise_linux:9::appstream cpe:/o:redhat:enterprise_linux:9::baseos"
        )
    );
    // 9.0 Extended Update Support.
    let eus = find(&advs, "rhel:9.0+eus", "curl", "CVE-2023-38545");
    assert_eq!(
        eus.affected,
        AffectedRange::LessThan("0:7.76.1-14.el9_0.9".into())
    );
    assert_eq!(eus.advisory_ids, ["RHSA-2023:5700"]);
    // RHEL 6, 7, 8 are not affected.
    for ns in ["rhel:6", "rhel:7", "rhel:8"] {
        let a = find(&advs, ns, "curl", "CVE-2023-38545");
        assert_eq!(a.status, Status::NotAffected);
        assert_eq!(a.affected, AffectedRange::Nothing);
    }
    // Satellite, JBoss Core Services (`jbcs-httpd24-curl`) are other products.
    assert!(advs.iter().all(|a| a.namespace.starts_with("rhel:")));
    assert!(!advs.iter().any(|a| a.package.starts_with("jbcs-")));
}

/// Independent reading with `serde_json`: the `.src` builds listed `fixed` on a platform whose
/// CPE is `enterprise_linux:9` are exactly the RHEL 9 fixes.
#[test]
fn curl_fixes_equal_an_independent_reading() {
    let doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(shared(
            "feeds/redhat/csaf-samples/claircore-vex/cve-2023-38545.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let mut cpe_of = BTreeMap::new();
    let mut stack = vec![&doc["product_tree"]["branches"]];
    while let Some(b) = stack.pop() {
        for x in b.as_array().into_iter().flatten() {
            if let Some(cpe) = x["product"]["product_identification_helper"]["cpe"].as_str() {
                cpe_of.insert(x["product"]["product_id"].as_str().unwrap(), cpe);
            }
            stack.push(&x["branches"]);
        }
    }
    let mut expected = BTreeSet::new();
    for id in doc["vulnerabilities"][0]["product_status"]["fixed"]
        .as_array()
        .unwrap()
    {
        let id = id.as_str().unwrap();
        let Some((platform, component)) = id.split_once(':') else {
            continue;
        };
        if !cpe_of
            .get(platform)
            .is_some_and(|c| c.contains(":enterprise_linux:9"))
        {
            continue;
        }
        if let Some(nevr) = component.strip_suffix(".src") {
            let (nv, r) = nevr.rsplit_once('-').unwrap();
            let (n, v) = nv.rsplit_once('-').unwrap();
            expected.insert((n.to_owned(), format!("{v}-{r}")));
        }
    }
    let got: BTreeSet<(String, String)> = vex("cve-2023-38545.json")
        .iter()
        .filter(|a| a.namespace == "rhel:9" && a.status == Status::Fixed)
        .flat_map(|a| {
            fixes(a)
                .into_iter()
                .map(|f| (a.package.clone(), f.to_owned()))
        })
        .collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(got, expected);
}

#[test]
fn will_not_fix_out_of_support_scope() {
    let advs = vex("cve-2022-38752.json");
    assert_eq!(advs.len(), 1, "only RHEL 7's snakeyaml is a RHEL product");
    let a = &advs[0];
    assert_eq!(
        (a.namespace.as_str(), a.package.as_str()),
        ("rhel:7", "snakeyaml")
    );
    assert_eq!(a.status, Status::WillNotFix);
    assert_eq!(a.affected, AffectedRange::All);
    assert_eq!(a.fixed_version, None);
    assert_eq!(
        a.notes.as_deref(),
        Some("remediation: Out of support scope\ncpe: cpe:/o:redhat:enterprise_linux:7")
    );
}

#[test]
fn modules_in_product_ids() {
    // `red_hat_enterprise_linux_8:go-toolset:rhel8/go-toolset`: affected, module stream kept.
    let advs = vex("cve-2024-24786-illegal-module.json");
    assert_eq!(advs.len(), 1);
    assert_eq!(advs[0].package, "go-toolset:rhel8/go-toolset");
    assert_eq!(advs[0].namespace, "rhel:8");
    assert_eq!(advs[0].status, Status::Affected);
    // A purl `rpmmod=rhel10` names no stream: that component is skipped, the others stay.
    let advs = vex("cve-2024-24786-bad-rpmmod.json");
    let got: Vec<(&str, &str, Status)> = advs
        .iter()
        .map(|a| (a.namespace.as_str(), a.package.as_str(), a.status))
        .collect();
    assert_eq!(
        got,
        [
            ("rhel:10", "cri-tools", Status::Fixed),
            ("rhel:10", "good-pkg", Status::Affected)
        ]
    );
    // cri-tools is fixed only as an aarch64 build: the fix is restricted to aarch64.
    assert_eq!(
        advs[0].notes.as_deref(),
        Some("arch: aarch64\ncpe: cpe:/a:redhat:enterprise_linux:10::appstream")
    );
    assert_eq!(advs[0].advisory_ids, ["RHSA-2024:0000"]);
}

#[test]
fn not_affected_and_deleted_and_other_products() {
    let advs = vex("cve-2021-0084.json");
    let got: Vec<(&str, &str)> = advs
        .iter()
        .map(|a| {
            assert_eq!(a.status, Status::NotAffected);
            (a.namespace.as_str(), a.package.as_str())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("rhel:5", "kernel"),
            ("rhel:6", "kernel"),
            ("rhel:7", "kernel"),
            ("rhel:7", "kernel-alt"),
            ("rhel:7", "kernel-rt"),
            ("rhel:8", "kernel"),
            ("rhel:8", "kernel-rt"),
            ("rhel:9", "kernel")
        ]
    );
    assert!(vex("cve-1999-0001-deleted.json").is_empty());
    // Satellite only.
    assert!(vex("cve-2024-22047.json").is_empty());
    // AUS/E4S/TUS only.
    assert!(vex("rhsa-2022-0011.json").is_empty());
}

/// An RHSA CSAF advisory with module builds `NAME-E:V-R.ARCH::MODULE:STREAM`.
#[test]
fn rhsa_advisory_with_module_builds() {
    let advs = common::parse_file(
        "redhat-csaf",
        "feeds/redhat/csaf-samples/vunnel-advisories/rhsa-2024_1431.json",
    );
    let a = find(&advs, "rhel:8", "ruby:3.1/ruby", "CVE-2023-36617");
    assert_eq!(
        a.affected,
        AffectedRange::LessThan("0:3.1.4-142.module+el8.9.0+21471+7d1e4a35".into())
    );
    assert_eq!(a.advisory_ids, ["RHSA-2024:1431"]);
    assert_eq!(a.record_id, "RHSA-2024:1431");
    assert!(
        advs.iter()
            .all(|a| a.package.starts_with("ruby:3.1/") && a.status == Status::Fixed)
    );
    let cves: BTreeSet<&str> = advs.iter().map(|a| a.vulnerability_id.as_str()).collect();
    assert_eq!(
        cves,
        BTreeSet::from([
            "CVE-2021-33621",
            "CVE-2023-28755",
            "CVE-2023-28756",
            "CVE-2023-36617"
        ])
    );
    let b = common::parse_file(
        "redhat-csaf",
        "feeds/redhat/csaf-samples/vunnel-advisories/2024/rhsa-2024_6163.json",
    );
    let a = find(&b, "rhel:9", "python3.9", "CVE-2024-8088");
    assert_eq!(a.fixed_version.as_deref(), Some("0:3.9.18-3.el9_4.5"));
}

/// "Fix deferred" (`none_available`) and "Affected": the shape of a real VEX entry
/// (cve-2024-22047's), moved to a RHEL platform, since no sample in the shared data has a
/// deferred RHEL component.
#[test]
fn fix_deferred_and_affected() {
    let doc = |details: &str| {
        format!(
            r#"{{"document":{{"aggregate_severity":{{"text":"Low"}},"tracking":{{"id":"CVE-2024-22047","status":"final"}}}},
            "product_tree":{{"branches":[{{"category":"vendor","name":"Red Hat","branches":[
              {{"category":"product_family","name":"Red Hat Enterprise Linux 9","branches":[
                {{"category":"product_name","name":"Red Hat Enterprise Linux 9","product":{{"name":"Red Hat Enterprise Linux 9","product_id":"red_hat_enterprise_linux_9","product_identification_helper":{{"cpe":"cpe:/o:redhat:enterprise_linux:9"}}}}}}]}},
              {{"category":"product_version","name":"rubygem-audited","product":{{"name":"rubygem-audited","product_id":"rubygem-audited"}}}}]}}],
             "relationships":[{{"category":"default_component_of","full_product_name":{{"name":"x","product_id":"red_hat_enterprise_linux_9:rubygem-audited"}},"product_reference":"rubygem-audited","relates_to_product_reference":"red_hat_enterprise_linux_9"}}]}},
            "vulnerabilities":[{{"cve":"CVE-2024-22047","product_status":{{"known_affected":["red_hat_enterprise_linux_9:rubygem-audited"]}},
              "remediations":[{{"category":"none_available","details":"{details}","product_ids":["red_hat_enterprise_linux_9:rubygem-audited"]}}],
              "threats":[{{"category":"impact","details":"Moderate","product_ids":["red_hat_enterprise_linux_9:rubygem-audited"]}}]}}]}}"#
        )
    };
    for (details, status) in [
        ("Fix deferred", Status::FixDeferred),
        ("Affected", Status::Affected),
        ("Will not fix", Status::Affected),
    ] {
        let advs =
            customs_rhel::parse_bytes("redhat-csaf", "cve.json", doc(details).as_bytes()).unwrap();
        assert_eq!(advs.len(), 1);
        assert_eq!(advs[0].status, status, "{details}");
        assert_eq!(advs[0].severity, Severity::Medium, "the product's impact");
        assert_eq!(
            advs[0].notes.as_deref(),
            Some(format!("remediation: {details}\ncpe: cpe:/o:redhat:enterprise_linux:9").as_str())
        );
    }
}
