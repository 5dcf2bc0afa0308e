//! The SUSE OVAL parser against vunnel's real (trimmed) `suse.linux.enterprise.server.15`
//! input and its normalised snapshots, the product/branch rules on small documents in
//! SUSE's shape, the matcher, and hostile inputs.

mod common;

use std::collections::BTreeSet;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{
    Advisory, AffectedRange, Distro, Package, PackageOrigin, Purl, Severity, Status,
};
use customs_suse::{SuseMatcher, SuseOvalParser};

fn parse(bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    parse_with(&SuseOvalParser::default(), bytes)
}

fn parse_with(p: &SuseOvalParser, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: "suse-oval".into(),
        location: "suse.linux.enterprise.server.15.xml".into(),
        file_name: "suse.linux.enterprise.server.15.xml".into(),
    };
    let mut out = Vec::new();
    p.parse(&input, &mut &bytes[..], &mut |a| out.push(a))?;
    Ok(out)
}

fn fixture() -> Vec<u8> {
    common::vunnel("sles").remove("suse_truncated.xml").unwrap()
}

/// vunnel writes "not affected" as the fixed version `0`; its severity names are
/// capitalised.
fn as_vunnel_row(a: &Advisory) -> (String, String, String, String, String) {
    let version = match a.status {
        Status::NotAffected => "0".to_owned(),
        Status::Affected => "None".to_owned(),
        _ => a.fixed_version.clone().unwrap(),
    };
    let sev = a.severity.as_str();
    let sev = format!("{}{}", sev[..1].to_ascii_uppercase(), &sev[1..]);
    (
        a.namespace.clone(),
        a.vulnerability_id.clone(),
        a.package.clone(),
        version,
        sev,
    )
}

/// Every advisory the trimmed SUSE 15 OVAL yields equals vunnel's snapshots, row for row:
/// CVE-2010-1323 (8 krb5 packages on sles:15, from two AND branches that both name
/// "SUSE Linux Enterprise Server 15"), CVE-2021-29154 (kernel-default on sles:15 from
/// 15-LTSS and on sles:15.1 from SP1-BCL/SP1-LTSS; the SAP/WE branches' tests are cut from
/// the trimmed file, so they yield nothing, as in vunnel), CVE-2026-34073 ("not affected",
/// vunnel's version `0`). CVE-1999-0524 names only modules, so neither yields a record.
#[test]
fn truncated_fixture_equals_vunnel_snapshots() {
    let files = common::vunnel("sles");
    let advisories = parse(&files["suse_truncated.xml"]).unwrap();
    let mut expected = BTreeSet::new();
    let mut snapshots = 0;
    for (path, bytes) in &files {
        if path.starts_with("snapshots/") {
            snapshots += 1;
            expected.extend(common::snapshot_rows(bytes));
        }
    }
    assert_eq!(snapshots, 4);
    assert_eq!(expected.len(), 8 + 1 + 1 + 1);
    let got: BTreeSet<_> = advisories.iter().map(as_vunnel_row).collect();
    assert_eq!(got, expected);
    assert_eq!(advisories.len(), expected.len(), "no duplicates");
    assert!(
        advisories
            .iter()
            .all(|a| a.scheme == "rpm" && a.source == "suse-oval" && a.advisory_ids.is_empty())
    );

    let kernel_15 = advisories
        .iter()
        .find(|a| a.namespace == "sles:15" && a.package == "kernel-default")
        .unwrap();
    assert_eq!(
        kernel_15.record_id,
        "oval:org.opensuse.security:def:202129154"
    );
    assert_eq!(kernel_15.status, Status::Fixed);
    assert_eq!(
        kernel_15.affected,
        AffectedRange::LessThan("0:4.12.14-150.72.1".into())
    );
    assert_eq!(kernel_15.severity, Severity::High);
    assert_eq!(
        kernel_15.notes.as_deref(),
        Some("fixed in SUSE Linux Enterprise Server 15-LTSS")
    );
    let krb5 = advisories.iter().find(|a| a.package == "krb5").unwrap();
    assert_eq!(krb5.notes, None, "from the plain SLES 15 product");
    assert_eq!(krb5.severity, Severity::Medium);
    let crypto = advisories
        .iter()
        .find(|a| a.package == "python3-cryptography")
        .unwrap();
    assert_eq!(crypto.status, Status::NotAffected);
    assert_eq!(crypto.affected, AffectedRange::Nothing);
    assert_eq!(crypto.fixed_version, None);
}

fn doc(definitions: &str, tests: &str, objects: &str, states: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
  <definitions>{definitions}</definitions>
  <tests>{tests}</tests>
  <objects>{objects}</objects>
  <states>{states}</states>
</oval_definitions>"#
    )
    .into_bytes()
}

fn test(id: &str, obj: &str, ste: &str) -> String {
    format!(
        r#"<rpminfo_test xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" id="tst:{id}" check="at least one" version="1"><object object_ref="obj:{obj}"/><state state_ref="ste:{ste}"/></rpminfo_test>"#
    )
}

fn object(id: &str, name: &str) -> String {
    format!(
        r#"<rpminfo_object xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" id="obj:{id}" version="1"><name>{name}</name></rpminfo_object>"#
    )
}

fn evr_state(id: &str, evr: &str) -> String {
    format!(
        r#"<rpminfo_state xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" id="ste:{id}" version="1"><arch operation="pattern match">(aarch64|x86_64)</arch><evr datatype="evr_string" operation="less than">{evr}</evr></rpminfo_state>"#
    )
}

fn version_state(id: &str, v: &str) -> String {
    format!(
        r#"<rpminfo_state xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" id="ste:{id}" version="1"><version operation="equals">{v}</version></rpminfo_state>"#
    )
}

fn crit(tst: &str, comment: &str) -> String {
    format!(r#"<criterion test_ref="tst:{tst}" comment="{comment}"/>"#)
}

fn def(id: &str, title: &str, sev: &str, criteria: &str) -> String {
    format!(
        r#"<definition id="oval:org.opensuse.security:def:{id}" version="1" class="vulnerability"><metadata><title>{title}</title><reference ref_id="Mitre {title}" source="CVE"/><advisory><severity>{sev}</severity></advisory></metadata>{criteria}</definition>"#
    )
}

fn rows(advs: &[Advisory]) -> BTreeSet<(String, String, String, Status)> {
    advs.iter()
        .map(|a| {
            (
                a.namespace.clone(),
                a.package.clone(),
                a.fixed_version.clone().unwrap_or_default(),
                a.status,
            )
        })
        .collect()
}

fn r(ns: &str, pkg: &str, v: &str, s: Status) -> (String, String, String, Status) {
    (ns.into(), pkg.into(), v.into(), s)
}

/// Products stay in their AND branch; a release's variants merge per package with the
/// plain product deciding; modules and unknown products add nothing; Leap and SLE Micro get
/// their own namespaces; a negated criterion is not a product.
#[test]
fn branches_variants_and_products() {
    let tests = [
        test("sles155", "sles-release", "v155"),
        test("ltss155", "sles-ltss-release", "v155"),
        test("sap155", "SLES_SAP-release", "v155"),
        test("base155", "basesystem-release", "v155"),
        test("micro55", "SLE-Micro-release", "v55"),
        test("leap156", "Leap-release", "v156"),
        test("openssl_a", "libopenssl3", "e1"),
        test("openssl_b", "libopenssl3", "e2"),
        test("curl", "curl", "e3"),
        test("ltssonly", "openssl-3", "e2"),
        test("sapstuff", "sap-tool", "e3"),
        test("modpkg", "mod-pkg", "e3"),
        test("na", "vim", "zero"),
    ]
    .concat();
    let objects = [
        object("sles-release", "sles-release"),
        object("sles-ltss-release", "sles-ltss-release"),
        object("SLES_SAP-release", "SLES_SAP-release"),
        object("basesystem-release", "sle-module-basesystem-release"),
        object("SLE-Micro-release", "SLE-Micro-release"),
        object("Leap-release", "openSUSE-release"),
        object("libopenssl3", "libopenssl3"),
        object("curl", "curl"),
        object("openssl-3", "openssl-3"),
        object("sap-tool", "sap-tool"),
        object("mod-pkg", "mod-pkg"),
        object("vim", "vim"),
    ]
    .concat();
    let states = [
        version_state("v155", "15.5"),
        version_state("v55", "5.5"),
        version_state("v156", "15.6"),
        version_state("zero", "0"),
        evr_state("e1", "0:3.0.8-150500.5.8.1"),
        evr_state("e2", "0:3.0.8-150500.5.9.1"),
        evr_state("e3", "0:8.0.1-150400.5.32.1"),
    ]
    .concat();
    let criteria = format!(
        r#"<criteria operator="OR">
  <criteria operator="AND">{ltss}<criteria operator="OR">{b}{ltssonly}</criteria></criteria>
  <criteria operator="AND">{sles}<criteria operator="OR">{a}</criteria></criteria>
  <criteria operator="AND">{sap}<criteria operator="OR">{sapstuff}{a}</criteria></criteria>
  <criteria operator="AND">{base}<criteria operator="OR">{modpkg}</criteria></criteria>
  <criteria operator="AND"><criteria operator="OR">{micro}{leap}</criteria><criteria operator="OR">{curl}</criteria></criteria>
  <criteria operator="AND"><criterion negate="true" test_ref="tst:leap156" comment="openSUSE Leap 15.6 is installed"/>{na}</criteria>
  {curl}
</criteria>"#,
        ltss = crit(
            "ltss155",
            "SUSE Linux Enterprise Server 15 SP5-LTSS is installed"
        ),
        sles = crit(
            "sles155",
            "SUSE Linux Enterprise Server 15 SP5 is installed"
        ),
        sap = crit(
            "sap155",
            "SUSE Linux Enterprise Server for SAP Applications 15 SP5 is installed"
        ),
        base = crit(
            "base155",
            "SUSE Linux Enterprise Module for Basesystem 15 SP5 is installed"
        ),
        micro = crit("micro55", "SUSE Linux Enterprise Micro 5.5 is installed"),
        leap = crit("leap156", "openSUSE Leap 15.6 is installed"),
        a = crit("openssl_a", "libopenssl3-3.0.8-150500.5.8.1 is installed"),
        b = crit("openssl_b", "libopenssl3-3.0.8-150500.5.9.1 is installed"),
        ltssonly = crit("ltssonly", "openssl-3-3.0.8-150500.5.9.1 is installed"),
        sapstuff = crit("sapstuff", "sap-tool-8.0.1-150400.5.32.1 is installed"),
        modpkg = crit("modpkg", "mod-pkg-8.0.1-150400.5.32.1 is installed"),
        curl = crit("curl", "curl-8.0.1-150400.5.32.1 is installed"),
        na = crit("na", "vim is not affected"),
    );
    let xml = doc(
        &def("20230001", "CVE-2023-0001", "Critical", &criteria),
        &tests,
        &objects,
        &states,
    );
    let advs = parse(&xml).unwrap();
    let e1 = "0:3.0.8-150500.5.8.1";
    let e2 = "0:3.0.8-150500.5.9.1";
    let e3 = "0:8.0.1-150400.5.32.1";
    let expected: BTreeSet<_> = [
        // The plain 15 SP5 product decides libopenssl3 over LTSS's later rebuild.
        r("sles:15.5", "libopenssl3", e1, Status::Fixed),
        // Only LTSS lists openssl-3; only SAP lists sap-tool: merged in.
        r("sles:15.5", "openssl-3", e2, Status::Fixed),
        r("sles:15.5", "sap-tool", e3, Status::Fixed),
        r("sle-micro:5.5", "curl", e3, Status::Fixed),
        r("opensuse-leap:15.6", "curl", e3, Status::Fixed),
    ]
    .into_iter()
    .collect();
    assert_eq!(rows(&advs), expected);
    assert_eq!(advs.len(), expected.len());
    assert!(
        advs.iter()
            .all(|a| a.severity == Severity::Critical && a.vulnerability_id == "CVE-2023-0001")
    );
    let ltss = advs.iter().find(|a| a.package == "openssl-3").unwrap();
    assert_eq!(
        ltss.notes.as_deref(),
        Some("fixed in SUSE Linux Enterprise Server 15 SP5-LTSS")
    );
}

/// `class="patch"` definitions: the CVE references are the vulnerabilities, the title's
/// SUSE-SU id the advisory; "is affected" statements without a fix; a state operation other
/// than "less than" is not a fix.
#[test]
fn patch_definitions_and_affected() {
    let tests = [
        test("sles", "sles-release", "v15"),
        test("glibc", "glibc", "e"),
        test("ge", "bash", "ge"),
    ]
    .concat();
    let objects = [
        object("sles-release", "sles-release"),
        object("glibc", "glibc"),
        object("bash", "bash"),
    ]
    .concat();
    let states = format!(
        r#"{}{}<rpminfo_state id="ste:ge" version="1"><evr operation="greater than">0:5.0-1</evr></rpminfo_state>"#,
        version_state("v15", "15"),
        evr_state("e", "0:2.26-13.62.1")
    );
    let patch = format!(
        r#"<definition id="oval:org.opensuse.security:def:1" version="1" class="patch"><metadata><title>SUSE-SU-2024:1234-1: glibc</title><reference ref_id="Mitre CVE-2024-2961" source="CVE"/><reference ref_id="Mitre CVE-2024-33599" source="CVE"/><advisory><severity>Important</severity></advisory></metadata><criteria operator="AND">{}<criteria operator="OR">{}{}</criteria></criteria></definition>"#,
        crit("sles", "SUSE Linux Enterprise Server 15 is installed"),
        crit("glibc", "glibc-2.26-13.62.1 is installed"),
        crit("ge", "bash-5.0-1 is installed"),
    );
    let affected = def(
        "2",
        "CVE-2024-9999",
        "Low",
        &format!(
            r#"<criteria operator="AND">{}<criterion test_ref="tst:missing" comment="zlib is affected"/></criteria>"#,
            crit("sles", "SUSE Linux Enterprise Server 15 is installed")
        ),
    );
    let xml = doc(&format!("{patch}{affected}"), &tests, &objects, &states);
    let advs = parse(&xml).unwrap();
    let got: BTreeSet<_> = advs
        .iter()
        .map(|a| {
            (
                a.vulnerability_id.as_str(),
                a.namespace.as_str(),
                a.package.as_str(),
                a.status,
                a.advisory_ids.join(","),
            )
        })
        .collect();
    let expected: BTreeSet<_> = [
        (
            "CVE-2024-2961",
            "sles:15",
            "glibc",
            Status::Fixed,
            "SUSE-SU-2024:1234-1".to_owned(),
        ),
        (
            "CVE-2024-33599",
            "sles:15",
            "glibc",
            Status::Fixed,
            "SUSE-SU-2024:1234-1".to_owned(),
        ),
        (
            "CVE-2024-9999",
            "sles:15",
            "zlib",
            Status::Affected,
            String::new(),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, expected);
    let zlib = advs.iter().find(|a| a.package == "zlib").unwrap();
    assert_eq!(zlib.affected, AffectedRange::All);
    assert_eq!(zlib.severity, Severity::Low);
}

fn rpm(name: &str, version: &str, arch: &str) -> Package {
    let purl = Purl::new("rpm", Some("suse"), name, Some(version), &[]);
    let mut p = Package::new(
        "rpm",
        name,
        version,
        purl,
        "usr/lib/sysimage/rpm/Packages.db",
        PackageOrigin::Installed,
    );
    p.arch = Some(arch.into());
    p
}

fn distro(family: &str, version: &str) -> Distro {
    Distro {
        id: family.into(),
        family: family.into(),
        version: version.into(),
        ..Distro::default()
    }
}

/// The matcher on the advisories of the real fixture: one exact namespace per service
/// pack, binary names, rpm ordering of the fixed EVRs, "not affected" records.
#[test]
fn matcher_on_fixture_advisories() {
    let advs = parse(&fixture()).unwrap();
    let m = SuseMatcher;
    let find = |ns: &str, pkg: &str| {
        advs.iter()
            .find(|a| a.namespace == ns && a.package == pkg)
            .unwrap()
    };

    let kernel = rpm("kernel-default", "4.12.14-197.88.1", "x86_64");
    let sp1 = distro("sles", "15.1");
    assert_eq!(
        m.queries(&kernel, Some(&sp1)),
        vec![Query {
            namespace: "sles:15.1".into(),
            package: "kernel-default".into()
        }]
    );
    let adv = find("sles:15.1", "kernel-default");
    assert!(matches!(m.verdict(&kernel, adv), Verdict::Affected { .. }));
    let fixed = rpm("kernel-default", "4.12.14-197.89.2", "x86_64");
    assert!(matches!(
        m.verdict(&fixed, adv),
        Verdict::NotAffected { .. }
    ));
    // `197.100.1` > `197.89.2` numerically, not lexically.
    let newer = rpm("kernel-default", "4.12.14-197.100.1", "x86_64");
    assert!(matches!(
        m.verdict(&newer, adv),
        Verdict::NotAffected { .. }
    ));

    // SLES 15 GA's kernel list is sles:15 only; a 15.5 image never falls back to it.
    let sp5 = distro("sles", "15.5");
    let q = m.queries(&kernel, Some(&sp5));
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].namespace, "sles:15.5");
    assert!(!advs.iter().any(|a| a.namespace == "sles:15.5"));

    let krb5 = rpm("krb5", "1.15.2-4.24", "x86_64");
    let adv = find("sles:15", "krb5");
    assert_eq!(
        m.queries(&krb5, Some(&distro("sles", "15")))[0].namespace,
        "sles:15"
    );
    assert!(matches!(m.verdict(&krb5, adv), Verdict::Affected { .. }));
    let krb5_ok = rpm("krb5", "0:1.15.2-4.25", "x86_64");
    assert!(matches!(
        m.verdict(&krb5_ok, adv),
        Verdict::NotAffected { .. }
    ));

    let crypto = rpm("python3-cryptography", "3.3.2-150400.23.1", "x86_64");
    let adv = find("sles:15", "python3-cryptography");
    assert!(matches!(
        m.verdict(&crypto, adv),
        Verdict::NotAffected { .. }
    ));

    // A version rpm cannot read is indeterminate, never "safe".
    let bad = rpm("krb5", "", "x86_64");
    assert!(matches!(
        m.verdict(&bad, find("sles:15", "krb5")),
        Verdict::Indeterminate { .. }
    ));

    // Leap and SLE Micro images query their own namespaces; other families and ecosystems
    // nothing.
    assert_eq!(
        m.queries(&krb5, Some(&distro("opensuse-leap", "15.6")))[0].namespace,
        "opensuse-leap:15.6"
    );
    assert_eq!(
        m.queries(&krb5, Some(&distro("sle-micro", "5.5")))[0].namespace,
        "sle-micro:5.5"
    );
    assert!(m.queries(&krb5, Some(&distro("rhel", "9.2"))).is_empty());
    assert!(
        m.queries(&krb5, Some(&distro("opensuse-tumbleweed", "")))
            .is_empty()
    );
    assert!(m.queries(&krb5, None).is_empty());
    let mut npm = krb5.clone();
    npm.ecosystem = "npm".into();
    assert!(m.queries(&npm, Some(&sp1)).is_empty());
}

fn assert_malformed(r: Result<Vec<Advisory>, FeedError>, needle: &str) {
    match r {
        Err(FeedError::Malformed {
            message, location, ..
        }) => {
            assert_eq!(location, "suse.linux.enterprise.server.15.xml");
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
        other => panic!("expected Malformed containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn hostile_inputs() {
    let real = fixture();
    // Truncated mid-document.
    assert_malformed(parse(&real[..real.len() / 2]), "");
    let cut = parse(&real[..real.len() - 30]);
    assert!(matches!(cut, Err(FeedError::Malformed { .. })), "{cut:?}");
    // Empty, not XML, the wrong root element, two roots.
    assert_malformed(parse(b""), "no root element");
    assert_malformed(parse(b"{\"json\": true}"), "");
    assert_malformed(parse(b"<html><body/></html>"), "not <oval_definitions>");
    assert_malformed(
        parse(b"<oval_definitions/><oval_definitions/>"),
        "second root",
    );
    // Mismatched end tag.
    assert_malformed(
        parse(b"<oval_definitions><definitions></tests></oval_definitions>"),
        "",
    );
    // Entity declarations (billion laughs) are refused outright, undefined entities too.
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<oval_definitions><definitions><definition id="d" class="vulnerability"><metadata><title>&lol2;</title></metadata></definition></definitions></oval_definitions>"#;
    assert_malformed(parse(laughs), "DOCTYPE");
    assert_malformed(
        parse(b"<oval_definitions><definitions><definition id=\"d\" class=\"vulnerability\"><metadata><title>&xxe;</title></metadata></definition></definitions></oval_definitions>"),
        "undefined entity",
    );
    // A definition without an id.
    assert_malformed(
        parse(b"<oval_definitions><definitions><definition class=\"vulnerability\"/></definitions></oval_definitions>"),
        "without an id",
    );
    // Oversize: the real fixture against a 4 KiB limit.
    let small = SuseOvalParser::default().with_max_bytes(4096);
    assert!(matches!(
        parse_with(&small, &real),
        Err(FeedError::Limit { limit: 4096, .. })
    ));
    // Deep nesting.
    let mut deep = String::from("<oval_definitions>");
    deep.push_str(&"<x>".repeat(10_000));
    deep.push_str(&"</x>".repeat(10_000));
    deep.push_str("</oval_definitions>");
    assert!(matches!(
        parse(deep.as_bytes()),
        Err(FeedError::Limit { what, .. }) if what.contains("nesting")
    ));
    // Huge text in a kept element.
    let huge = format!(
        "<oval_definitions><definitions><definition id=\"d\" class=\"vulnerability\"><metadata><title>{}</title></metadata></definition></definitions></oval_definitions>",
        "A".repeat(100_000)
    );
    assert!(matches!(
        parse(huge.as_bytes()),
        Err(FeedError::Limit { what, .. }) if what.contains("element text")
    ));
    // Well-formed but meaningless: no products, unresolved tests, junk comments → nothing.
    let junk = doc(
        &def(
            "3",
            "CVE-2024-1",
            "Low",
            r#"<criteria operator="AND"><criterion test_ref="tst:nope" comment="SUSE Linux Enterprise Server 15 is installed"/><criterion test_ref="tst:nope2" comment="foo-1.0 is installed"/></criteria>"#,
        ),
        "",
        "",
        "",
    );
    assert!(parse(&junk).unwrap().is_empty());
    let no_cve = doc(&def("4", "not a cve", "Low", ""), "", "", "");
    assert!(parse(&no_cve).unwrap().is_empty());
}
