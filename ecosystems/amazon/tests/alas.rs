//! The ALAS page parser against vunnel's real inputs and snapshots, the Amazon matcher, and
//! hostile inputs.

mod common;

use std::collections::BTreeSet;

use customs_amazon::{AmazonAlasParser, AmazonMatcher};
use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, PackageOrigin, Purl, Severity, Status};

fn parse(bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: "amazon-alas".into(),
        location: "page.html".into(),
        file_name: "page.html".into(),
    };
    let mut out = Vec::new();
    AmazonAlasParser.parse(&input, &mut &bytes[..], &mut |a| out.push(a))?;
    Ok(out)
}

/// Every page vunnel's fixtures hold, compared with vunnel's snapshot of it: the same
/// namespace, id, severity, CVEs, and (package, fixed version) pairs. vunnel keeps one
/// record per ALAS with the CVEs as metadata; customs keeps one per (CVE, package), so the
/// comparison is of the products.
#[test]
fn pages_equal_vunnel_snapshots() {
    let files = common::vunnel("amazon");
    let cases = [
        (
            "input/2_html/ALAS-2018-939",
            "snapshots/amzn:2/alas-2018-939.json",
        ),
        (
            "input/2022_html/ALAS-2021-001",
            "snapshots/amzn:2022/alas-2021-001.json",
        ),
        (
            "input/2023_html/ALAS-2023-126",
            "snapshots/amzn:2023/alas-2023-126.json",
        ),
    ];
    let mut total = 0;
    for (page, snapshot) in cases {
        let advisories = parse(&files[page]).unwrap();
        let snap: serde_json::Value = serde_json::from_slice(&files[snapshot]).unwrap();
        let v = &snap["item"]["Vulnerability"];
        let cves: BTreeSet<String> = v["Metadata"]["CVE"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Name"].as_str().unwrap().to_owned())
            .collect();
        let expected: BTreeSet<(String, String, String, String, String)> = cves
            .iter()
            .flat_map(|cve| {
                v["FixedIn"].as_array().unwrap().iter().map(move |f| {
                    (
                        f["NamespaceName"].as_str().unwrap().to_owned(),
                        v["Name"].as_str().unwrap().to_owned(),
                        cve.clone(),
                        f["Name"].as_str().unwrap().to_owned(),
                        f["Version"].as_str().unwrap().to_owned(),
                    )
                })
            })
            .collect();
        let got: BTreeSet<_> = advisories
            .iter()
            .map(|a| {
                (
                    a.namespace.clone(),
                    a.record_id.clone(),
                    a.vulnerability_id.clone(),
                    a.package.clone(),
                    a.fixed_version.clone().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, expected, "{page}");
        assert_eq!(advisories.len(), expected.len(), "{page}: no duplicates");
        let severity: Severity = v["Severity"].as_str().unwrap().parse().unwrap();
        assert!(
            advisories
                .iter()
                .all(|a| a.severity == severity && a.status == Status::Fixed && a.scheme == "rpm"),
            "{page}"
        );
        total += advisories.len();
    }
    // 13 kernel packages × 2 CVEs, 13 vim packages (the source `vim` included) × 4,
    // 11 multipath packages × 3.
    assert_eq!(total, 26 + 52 + 33);
    let al2022 = parse(&files["input/2022_html/ALAS-2021-001"]).unwrap();
    assert_eq!(al2022[0].advisory_ids, vec!["ALAS2022-2021-001".to_owned()]);
    assert_eq!(al2022[0].record_id, "ALAS-2021-001");
}

#[test]
fn rss_lists_pages_and_is_not_an_advisory() {
    let files = common::vunnel("amazon");
    let rss = std::str::from_utf8(&files["mock_rss"]).unwrap();
    let links = customs_amazon::alas::advisory_links(rss);
    assert_eq!(links.len(), rss.matches("<item>").count());
    assert_eq!(
        links[0],
        "https://alas.aws.amazon.com/AL2/ALAS-2018-1106.html"
    );
    assert!(matches!(
        parse(&files["input/2_rss.xml"]),
        Err(FeedError::Malformed { .. })
    ));
    // The older page layout (mock_html, ALAS2-2018-949) parses too.
    let old = parse(&files["mock_html"]).unwrap();
    assert!(!old.is_empty());
    assert!(old.iter().all(|a| a.namespace == "amzn:2"
        && a.advisory_ids == ["ALAS2-2018-949"]
        && a.severity == Severity::High));
}

fn rpm(name: &str, version: &str, source: Option<(&str, &str)>) -> Package {
    let mut p = Package::new(
        "rpm",
        name,
        version,
        Purl::new("rpm", Some("amazon"), name, Some(version), &[]),
        "var/lib/rpm/Packages",
        PackageOrigin::Installed,
    );
    if let Some((n, v)) = source {
        p.source_name = Some(n.into());
        p.source_version = Some(v.into());
    }
    p
}

fn amzn(version: &str) -> Distro {
    Distro {
        id: "amzn".into(),
        family: "amzn".into(),
        version: version.into(),
        codename: None,
        pretty_name: None,
        source_file: "etc/os-release".into(),
    }
}

#[test]
fn matcher_respects_fixed_versions_and_epochs() {
    let files = common::vunnel("amazon");
    let advisories = parse(&files["input/2023_html/ALAS-2023-126"]).unwrap();
    let kpartx = advisories
        .iter()
        .find(|a| a.package == "kpartx" && a.vulnerability_id == "CVE-2022-41973")
        .unwrap();
    let old = rpm(
        "kpartx",
        "0.8.7-15.amzn2023.0.1",
        Some(("device-mapper-multipath", "0.8.7-15.amzn2023.0.1")),
    );
    assert_eq!(
        AmazonMatcher.queries(&old, Some(&amzn("2023"))),
        vec![
            Query {
                namespace: "amzn:2023".into(),
                package: "kpartx".into()
            },
            Query {
                namespace: "amzn:2023".into(),
                package: "device-mapper-multipath".into()
            }
        ]
    );
    assert!(
        AmazonMatcher
            .queries(&old, Some(&amzn("banana")))
            .is_empty()
    );
    let mut rhel = amzn("9");
    rhel.family = "rhel".into();
    assert!(AmazonMatcher.queries(&old, Some(&rhel)).is_empty());
    assert!(matches!(
        AmazonMatcher.verdict(&old, kpartx),
        Verdict::Affected { .. }
    ));
    for fixed in [
        "0.8.7-16.amzn2023.0.1",
        "0.8.7-16.amzn2023.0.2",
        "0:0.9-1.amzn2023",
    ] {
        assert!(
            matches!(
                AmazonMatcher.verdict(&rpm("kpartx", fixed, None), kpartx),
                Verdict::NotAffected { .. }
            ),
            "{fixed}"
        );
    }
    // An installed epoch is assumed for the epoch-less fixed version: 1:…-15 is still
    // affected, 1:…-16 is fixed. A larger epoch than the fix's explicit one is fixed.
    assert!(matches!(
        AmazonMatcher.verdict(&rpm("kpartx", "1:0.8.7-15.amzn2023.0.1", None), kpartx),
        Verdict::Affected { .. }
    ));
    assert!(matches!(
        AmazonMatcher.verdict(&rpm("kpartx", "1:0.8.7-16.amzn2023.0.1", None), kpartx),
        Verdict::NotAffected { .. }
    ));
    // Found by source name: the source version decides.
    let multipath = advisories
        .iter()
        .find(|a| a.package == "device-mapper-multipath" && a.vulnerability_id == "CVE-2022-41973")
        .unwrap();
    let other = rpm(
        "device-mapper-multipath-extra",
        "9.9-1",
        Some(("device-mapper-multipath", "0.8.7-15.amzn2023.0.1")),
    );
    assert!(matches!(
        AmazonMatcher.verdict(&other, multipath),
        Verdict::Affected { .. }
    ));
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let files = common::vunnel("amazon");
    let page = std::str::from_utf8(&files["input/2_html/ALAS-2018-939"]).unwrap();
    for bad in [
        String::new(),
        "<html>".to_owned(),
        "\u{0}\u{1}".repeat(100),
        page[..page.len() / 3].to_owned(),
        page.replace("Amazon Linux 2 Security", "Fedora 38 Security"),
        page.replace("kernel-doc-4.9.76-38.79.amzn2.noarch", "garbage"),
        page.replace(
            "<b>Amazon Linux 2 Security Advisory:</b> ALAS-2018-939",
            "<b>Amazon Linux 2 Security Advisory:</b> <script>",
        ),
    ] {
        assert!(
            matches!(parse(bad.as_bytes()), Err(FeedError::Malformed { .. })),
            "{:?}",
            &bad[..bad.len().min(80)]
        );
    }
    assert!(matches!(
        parse(b"\xff\xfe\xfd"),
        Err(FeedError::Malformed { .. })
    ));
    let big = vec![b'a'; (4 << 20) + 1];
    assert!(matches!(parse(&big), Err(FeedError::Limit { .. })));
    // A page truncated after the package list still parses what it says.
    let cut = &page[..page.find("</pre>").unwrap() + 6];
    assert_eq!(parse(cut.as_bytes()).unwrap().len(), 26);
}
