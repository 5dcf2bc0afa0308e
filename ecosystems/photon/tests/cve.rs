//! The Photon CVE metadata parser against vunnel's real (trimmed) `cve_data_photon1.0.json`
//! and `cve_data_photon4.0.json` and its normalised snapshots, the matcher, and hostile
//! inputs.

mod common;

use std::collections::BTreeSet;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{
    Advisory, AffectedRange, Distro, Package, PackageOrigin, Purl, Severity, Status,
};
use customs_photon::{PhotonCveParser, PhotonMatcher};

fn parse_named(name: &str, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    parse_with(&PhotonCveParser::default(), name, bytes)
}

fn parse_with(p: &PhotonCveParser, name: &str, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: "photon".into(),
        location: format!("https://example.invalid/{name}"),
        file_name: name.into(),
    };
    let mut out = Vec::new();
    p.parse(&input, &mut &bytes[..], &mut |a| out.push(a))?;
    Ok(out)
}

fn parse(bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    parse_named("cve_data_photon4.0.json", bytes)
}

/// vunnel writes "no fixed version" as `None`; severity names are capitalised.
fn as_vunnel_row(a: &Advisory) -> (String, String, String, String, String) {
    let version = a.fixed_version.clone().unwrap_or_else(|| "None".into());
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

/// Both releases' records equal vunnel's snapshots row for row (namespace from the file
/// name, package, fixed version or `None`, severity from the score), except the two kinds
/// vunnel drops: the `Not Affected` httpd record (kept here as `not_affected`) and the
/// Black Duck `BDSA-2025-0719` record (kept here as a fixed advisory).
#[test]
fn inputs_equal_vunnel_snapshots() {
    let files = common::vunnel("photon");
    let mut got = BTreeSet::new();
    let mut all = Vec::new();
    for release in ["1.0", "4.0"] {
        let name = format!("cve_data_photon{release}.json");
        let advs = parse_named(&name, &files[&format!("input/{name}")]).unwrap();
        assert!(
            advs.iter()
                .all(|a| a.namespace == format!("photon:{release}"))
        );
        all.extend(advs);
    }
    let mut extra = Vec::new();
    for a in &all {
        if a.status == Status::NotAffected || a.vulnerability_id.starts_with("BDSA-") {
            extra.push(a.clone());
        } else {
            got.insert(as_vunnel_row(a));
        }
    }
    let mut expected = BTreeSet::new();
    let mut snapshots = 0;
    for (path, bytes) in &files {
        if path.starts_with("snapshots/") {
            snapshots += 1;
            expected.extend(common::snapshot_rows(bytes));
        }
    }
    assert_eq!(snapshots, 6);
    // perl, linux, linux-esx (1.0); curl ×2, curl-libs, nghttp2, python3 (4.0).
    assert_eq!(expected.len(), 3 + 5);
    assert_eq!(got, expected);
    assert_eq!(all.len(), expected.len() + 2, "no duplicates");

    extra.sort_by(|a, b| a.vulnerability_id.cmp(&b.vulnerability_id));
    assert_eq!(extra[0].vulnerability_id, "BDSA-2025-0719");
    assert_eq!(extra[0].package, "krb5-devel");
    assert_eq!(extra[0].fixed_version.as_deref(), Some("1.17-15.ph4"));
    assert_eq!(extra[0].severity, Severity::High);
    assert_eq!(extra[1].vulnerability_id, "CVE-2023-44487");
    assert_eq!(extra[1].package, "httpd");
    assert_eq!(extra[1].status, Status::NotAffected);
    assert_eq!(extra[1].affected, AffectedRange::Nothing);

    let curl = all
        .iter()
        .find(|a| a.vulnerability_id == "CVE-2023-38545")
        .unwrap();
    assert_eq!(curl.status, Status::Fixed);
    assert_eq!(
        curl.affected,
        AffectedRange::LessThan("7.88.1-4.ph4".into())
    );
    assert_eq!(curl.record_id, "CVE-2023-38545/curl");
    assert_eq!(curl.source, "photon");
    assert_eq!(curl.scheme, "rpm");
    let python = all.iter().find(|a| a.package == "python3").unwrap();
    assert_eq!(
        python.status,
        Status::Affected,
        "Fixed with res_ver NA: no fix"
    );
    assert_eq!(python.affected, AffectedRange::All);
    assert_eq!(python.severity, Severity::Unknown);
}

fn rpm(name: &str, version: &str, source: Option<&str>) -> Package {
    let purl = Purl::new("rpm", Some("photon"), name, Some(version), &[]);
    let mut p = Package::new(
        "rpm",
        name,
        version,
        purl,
        "var/lib/rpm/rpmdb.sqlite",
        PackageOrigin::Installed,
    );
    p.source_name = source.map(str::to_owned);
    p.arch = Some("x86_64".into());
    p
}

fn photon(version: &str) -> Distro {
    Distro {
        id: "photon".into(),
        family: "photon".into(),
        version: version.into(),
        ..Distro::default()
    }
}

#[test]
fn matcher_on_real_records() {
    let files = common::vunnel("photon");
    let advs = parse(&files["input/cve_data_photon4.0.json"]).unwrap();
    let find = |id: &str, pkg: &str| {
        advs.iter()
            .find(|a| a.vulnerability_id == id && a.package == pkg)
            .unwrap()
    };
    let m = PhotonMatcher;

    // A binary subpackage is looked up under its own name and its source's.
    let libs = rpm("curl-libs", "7.88.1-3.ph4", Some("curl"));
    assert_eq!(
        m.queries(&libs, Some(&photon("4.0"))),
        vec![
            Query {
                namespace: "photon:4.0".into(),
                package: "curl-libs".into()
            },
            Query {
                namespace: "photon:4.0".into(),
                package: "curl".into()
            },
        ]
    );
    assert!(matches!(
        m.verdict(&libs, find("CVE-2023-38545", "curl")),
        Verdict::Affected { .. }
    ));
    let fixed = rpm("curl", "7.88.1-4.ph4", Some("curl"));
    assert_eq!(m.queries(&fixed, Some(&photon("4.0"))).len(), 1);
    assert!(matches!(
        m.verdict(&fixed, find("CVE-2023-38545", "curl")),
        Verdict::NotAffected { .. }
    ));
    // rpm ordering: release 10 > 4.
    let newer = rpm("curl", "7.88.1-10.ph4", None);
    assert!(matches!(
        m.verdict(&newer, find("CVE-2023-38545", "curl")),
        Verdict::NotAffected { .. }
    ));
    // No fix: every version.
    let py = rpm("python3", "3.10.11-9.ph4", None);
    assert!(matches!(
        m.verdict(&py, find("CVE-2023-50447", "python3")),
        Verdict::Affected { .. }
    ));
    // The vendor says not affected.
    let httpd = rpm("httpd", "2.4.57-1.ph4", None);
    assert!(matches!(
        m.verdict(&httpd, find("CVE-2023-44487", "httpd")),
        Verdict::NotAffected { .. }
    ));
    // An unreadable installed version is indeterminate.
    let bad = rpm("curl", "", None);
    assert!(matches!(
        m.verdict(&bad, find("CVE-2023-38545", "curl")),
        Verdict::Indeterminate { .. }
    ));

    // `VERSION_ID=5` reads as 5.0; other families, ecosystems or no distro: nothing.
    assert_eq!(
        m.queries(&fixed, Some(&photon("5")))[0].namespace,
        "photon:5.0"
    );
    let mut sles = photon("15.5");
    sles.family = "sles".into();
    assert!(m.queries(&fixed, Some(&sles)).is_empty());
    assert!(m.queries(&fixed, None).is_empty());
    let mut npm = fixed.clone();
    npm.ecosystem = "npm".into();
    assert!(m.queries(&npm, Some(&photon("4.0"))).is_empty());
}

/// Status words, unusable fields, duplicates and score types.
#[test]
fn statuses_and_fields() {
    let json = br#"[
      {"cve_id": "CVE-1", "pkg": "a", "cve_score": "9.1", "res_ver": "1.0-1.ph5", "status": "Fixed"},
      {"cve_id": "CVE-1", "pkg": "a", "cve_score": "9.1", "res_ver": "1.0-1.ph5", "status": "Fixed"},
      {"cve_id": "CVE-2", "pkg": "b", "cve_score": 0, "res_ver": "NA", "status": "Vulnerable"},
      {"cve_id": "CVE-3", "pkg": "c", "cve_score": 4.0, "res_ver": "", "status": "Won't Fix"},
      {"cve_id": "CVE-4", "pkg": "d", "cve_score": [1], "res_ver": "1 .0", "status": "Fixed"},
      {"cve_id": "CVE-5", "pkg": "e", "res_ver": "2.0-1.ph5", "status": "not_affected"},
      {"cve_id": "", "pkg": "f", "res_ver": "1", "status": "Fixed"},
      {"cve_id": "CVE-6", "res_ver": "1", "status": "Fixed"},
      {"cve_id": "CVE-7", "pkg": "two words", "res_ver": "1", "status": "Fixed"},
      {"cve_id": "CVE-8", "pkg": "g", "res_ver": "1.0-1.ph5", "extra": {"nested": true}}
    ]"#;
    let advs = parse_named("cve_data_photon5.0.json", json).unwrap();
    let got: Vec<_> = advs
        .iter()
        .map(|a| {
            (
                a.vulnerability_id.as_str(),
                a.package.as_str(),
                a.status,
                a.fixed_version.as_deref(),
                a.severity,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "CVE-1",
                "a",
                Status::Fixed,
                Some("1.0-1.ph5"),
                Severity::Critical
            ),
            ("CVE-2", "b", Status::Affected, None, Severity::Negligible),
            ("CVE-3", "c", Status::WillNotFix, None, Severity::Medium),
            ("CVE-4", "d", Status::Indeterminate, None, Severity::Unknown),
            ("CVE-5", "e", Status::NotAffected, None, Severity::Unknown),
            (
                "CVE-8",
                "g",
                Status::Fixed,
                Some("1.0-1.ph5"),
                Severity::Unknown
            ),
        ]
    );
    assert!(advs.iter().all(|a| a.namespace == "photon:5.0"));
    assert!(
        advs[3]
            .notes
            .as_deref()
            .unwrap()
            .contains("unreadable fixed version")
    );
}

fn assert_malformed(r: Result<Vec<Advisory>, FeedError>, needle: &str) {
    match r {
        Err(FeedError::Malformed {
            message, location, ..
        }) => {
            assert!(
                location.starts_with("https://example.invalid/"),
                "{location}"
            );
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
        other => panic!("expected Malformed containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn hostile_inputs() {
    let files = common::vunnel("photon");
    let real = &files["input/cve_data_photon4.0.json"];
    // Truncated, empty, not JSON, the wrong top-level type, wrong field types.
    assert_malformed(parse(&real[..real.len() / 2]), "not an array");
    assert_malformed(parse(b""), "not an array");
    assert_malformed(parse(b"<?xml version=\"1.0\"?><x/>"), "not an array");
    assert_malformed(parse(b"{\"cve_id\": \"CVE-1\"}"), "not an array");
    assert_malformed(parse(b"[1, 2]"), "not an array");
    assert_malformed(parse(b"[{\"cve_id\": 5, \"pkg\": \"a\"}]"), "not an array");
    assert_malformed(
        parse(b"[{\"cve_id\": \"CVE-1\", \"pkg\": \"a\"}] trailing"),
        "",
    );
    // An entity-like payload is just a string in JSON: never expanded, kept verbatim.
    let advs = parse(br#"[{"cve_id": "&lol;", "pkg": "<!ENTITY>", "res_ver": "1"}]"#).unwrap();
    assert_eq!(advs.len(), 1, "kept verbatim as tokens");
    assert_eq!(advs[0].vulnerability_id, "&lol;");
    // Deep nesting is refused by serde_json's recursion limit.
    let deep = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    assert_malformed(parse(deep.as_bytes()), "not an array");
    // Oversize.
    let small = PhotonCveParser::default().with_max_bytes(100);
    assert!(matches!(
        parse_with(&small, "cve_data_photon4.0.json", real),
        Err(FeedError::Limit { limit: 100, .. })
    ));
    // A file name without the release is refused rather than guessed.
    assert_malformed(
        parse_named("photon.json", real),
        "cannot tell the Photon release",
    );
    // Over-long fields are skipped, not kept.
    let long = format!(
        r#"[{{"cve_id": "CVE-{}", "pkg": "a", "res_ver": "1", "status": "Fixed"}}]"#,
        "9".repeat(10_000)
    );
    assert!(parse(long.as_bytes()).unwrap().is_empty());
}
