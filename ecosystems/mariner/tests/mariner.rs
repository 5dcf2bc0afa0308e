//! The Mariner / Azure Linux OVAL parser against vunnel's real (truncated) inputs and
//! snapshots, the matcher, and hostile inputs.

mod common;

use std::collections::BTreeSet;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_mariner::{MarinerMatcher, MarinerOvalParser};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{
    Advisory, AffectedRange, Distro, OsvEvent, Package, PackageOrigin, Purl, Severity, Status,
};

fn parse(file_name: &str, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    parse_with(&MarinerOvalParser::default(), file_name, bytes)
}

fn parse_with(
    p: &MarinerOvalParser,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: "mariner-oval".into(),
        location: file_name.into(),
        file_name: file_name.into(),
    };
    let mut out = Vec::new();
    p.parse(&input, &mut &bytes[..], &mut |a| out.push(a))?;
    Ok(out)
}

/// vunnel's `VulnerableRange` notation for an advisory's range.
fn vunnel_range(a: &Advisory) -> String {
    match &a.affected {
        AffectedRange::LessThan(v) => format!("< {v}"),
        AffectedRange::Osv(events) => match events.as_slice() {
            [OsvEvent::Introduced(z), OsvEvent::LastAffected(v)] if z == "0" => format!("<= {v}"),
            [OsvEvent::Introduced(a), OsvEvent::Fixed(b)] => format!("> {a}, < {b}"),
            other => panic!("unexpected events {other:?}"),
        },
        other => panic!("unexpected range {other:?}"),
    }
}

#[test]
fn mariner_equals_vunnel_snapshots() {
    let files = common::vunnel("mariner");
    let advisories = parse(
        "mariner-truncated-2.0-oval.xml",
        &files["mariner-truncated-2.0-oval.xml"],
    )
    .unwrap();
    let mut expected = BTreeSet::new();
    for (path, bytes) in files.range("snapshots/mariner:2.0/".to_owned()..) {
        if !path.starts_with("snapshots/mariner:2.0/") {
            break;
        }
        let snap: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let v = &snap["item"]["Vulnerability"];
        let severity: Severity = v["Severity"].as_str().unwrap().parse().unwrap();
        for f in v["FixedIn"].as_array().unwrap() {
            expected.insert((
                f["NamespaceName"].as_str().unwrap().to_owned(),
                v["Name"].as_str().unwrap().to_owned(),
                f["Name"].as_str().unwrap().to_owned(),
                f["Version"].as_str().unwrap().to_owned(),
                f["VulnerableRange"].as_str().unwrap().to_owned(),
                severity,
            ));
        }
    }
    assert_eq!(expected.len(), 4);
    // vunnel drops "Not Applicable" definitions; customs keeps them as not_affected.
    let (not_applicable, rest): (Vec<&Advisory>, Vec<&Advisory>) = advisories
        .iter()
        .partition(|a| a.status == Status::NotAffected);
    let got: BTreeSet<_> = rest
        .iter()
        .map(|a| {
            (
                a.namespace.clone(),
                a.vulnerability_id.clone(),
                a.package.clone(),
                a.fixed_version.clone().unwrap_or_else(|| "None".into()),
                vunnel_range(a),
                a.severity,
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(rest.len(), expected.len());
    assert_eq!(not_applicable.len(), 1);
    assert_eq!(
        (
            not_applicable[0].vulnerability_id.as_str(),
            not_applicable[0].package.as_str(),
            &not_applicable[0].affected
        ),
        ("CVE-2023-0687", "glibc", &AffectedRange::Nothing)
    );
    let bind = advisories.iter().find(|a| a.package == "bind").unwrap();
    assert_eq!(bind.status, Status::Affected);
    assert_eq!(bind.advisory_ids, ["13203"]);
}

#[test]
fn azure_linux_3() {
    let files = common::vunnel("mariner");
    let bytes = &files["azure-linux-truncated-3.0-oval.xml"];
    let advisories = parse("azure-linux-truncated-3.0-oval.xml", bytes).unwrap();
    // Independent count: one advisory per definition in this file (one CVE each).
    let text = std::str::from_utf8(bytes).unwrap();
    assert_eq!(advisories.len(), text.matches("<definition ").count());
    assert!(advisories.iter().all(|a| a.namespace == "azurelinux:3.0"));
    let glut: BTreeSet<(&str, Option<&str>)> = advisories
        .iter()
        .filter(|a| a.package == "freeglut")
        .map(|a| (a.vulnerability_id.as_str(), a.fixed_version.as_deref()))
        .collect();
    assert_eq!(
        glut,
        BTreeSet::from([
            ("CVE-2024-24258", Some("0:3.4.0-1.azl3")),
            ("CVE-2024-24259", Some("0:3.4.0-1.azl3")),
        ])
    );
    // Without a release in the file name, the `.azl3` dist tag gives it.
    let advisories = parse("oval.xml", bytes).unwrap();
    assert!(advisories.iter().all(|a| a.namespace == "azurelinux:3.0"));
}

fn rpm(name: &str, version: &str, source: Option<(&str, &str)>) -> Package {
    let mut p = Package::new(
        "rpm",
        name,
        version,
        Purl::new("rpm", Some("mariner"), name, Some(version), &[]),
        "var/lib/rpm/rpmdb.sqlite",
        PackageOrigin::Installed,
    );
    if let Some((n, v)) = source {
        p.source_name = Some(n.into());
        p.source_version = Some(v.into());
    }
    p
}

#[test]
fn matcher_ranges() {
    let files = common::vunnel("mariner");
    let advisories = parse(
        "mariner-truncated-2.0-oval.xml",
        &files["mariner-truncated-2.0-oval.xml"],
    )
    .unwrap();
    let d = Distro {
        id: "mariner".into(),
        family: "mariner".into(),
        version: "2.0.20230607".into(),
        codename: None,
        pretty_name: None,
        source_file: "etc/os-release".into(),
    };
    let client = rpm(
        "mysql-client",
        "8.0.32-1.cm2",
        Some(("mysql", "8.0.32-1.cm2")),
    );
    assert_eq!(
        MarinerMatcher.queries(&client, Some(&d)),
        vec![
            Query {
                namespace: "mariner:2.0".into(),
                package: "mysql-client".into()
            },
            Query {
                namespace: "mariner:2.0".into(),
                package: "mysql".into()
            }
        ]
    );
    let azl = Distro {
        id: "azurelinux".into(),
        family: "azurelinux".into(),
        version: "3.0".into(),
        ..d.clone()
    };
    assert_eq!(
        MarinerMatcher.queries(&client, Some(&azl))[0].namespace,
        "azurelinux:3.0"
    );
    let mysql = advisories
        .iter()
        .find(|a| a.vulnerability_id == "CVE-2023-21977")
        .unwrap();
    assert!(matches!(
        MarinerMatcher.verdict(&client, mysql),
        Verdict::Affected { .. }
    ));
    assert!(matches!(
        MarinerMatcher.verdict(&rpm("mysql", "8.0.33-1.cm2", None), mysql),
        Verdict::NotAffected { .. }
    ));
    // golang: affected only above 1.19.0 and below 1.20.7-1.
    let go = advisories.iter().find(|a| a.package == "golang").unwrap();
    for (v, affected) in [
        ("1.18.5-1.cm2", false),
        ("1.19.5-2.cm2", true),
        ("1.20.7-1.cm2", false),
        ("1.21.0-1.cm2", false),
    ] {
        let verdict = MarinerMatcher.verdict(&rpm("golang", v, None), go);
        assert_eq!(
            matches!(verdict, Verdict::Affected { .. }),
            affected,
            "{v}: {verdict:?}"
        );
    }
    // bind: no fix, every version up to 9.16.33-1 affected.
    let bind = advisories.iter().find(|a| a.package == "bind").unwrap();
    assert!(matches!(
        MarinerMatcher.verdict(&rpm("bind", "9.16.33-1.cm2", None), bind),
        Verdict::Affected { .. }
    ));
    assert!(matches!(
        MarinerMatcher.verdict(&rpm("bind", "9.16.37-1.cm2", None), bind),
        Verdict::NotAffected { .. }
    ));
    let glibc = advisories.iter().find(|a| a.package == "glibc").unwrap();
    assert!(matches!(
        MarinerMatcher.verdict(&rpm("glibc", "2.35-4.cm2", None), glibc),
        Verdict::NotAffected { .. }
    ));
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let files = common::vunnel("mariner");
    let real = &files["mariner-truncated-2.0-oval.xml"];
    let text = std::str::from_utf8(real).unwrap();
    let name = "cbl-mariner-2.0-oval.xml";
    let bad: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"{}".to_vec(),
        real[..real.len() / 2].to_vec(),
        b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><oval_definitions>&a;</oval_definitions>".to_vec(),
        // A criterion whose test does not resolve.
        text.replace("tst:26178000\"/>", "tst:missing\"/>")
            .into_bytes(),
        // An unsupported operation.
        text.replace(
            "operation=\"less than\">0:8.0.33",
            "operation=\"pattern match\">0:8.0.33",
        )
        .into_bytes(),
    ];
    for b in &bad {
        assert!(
            parse(name, b).is_err(),
            "{:?}",
            String::from_utf8_lossy(&b[..b.len().min(80)])
        );
    }
    let deep = format!(
        "<oval_definitions>{}{}</oval_definitions>",
        "<x>".repeat(300),
        "</x>".repeat(300)
    );
    assert!(matches!(
        parse(name, deep.as_bytes()),
        Err(FeedError::Limit { .. })
    ));
    let small = MarinerOvalParser::default().with_max_bytes(100);
    assert!(matches!(
        parse_with(&small, name, real),
        Err(FeedError::Limit { .. })
    ));
}
