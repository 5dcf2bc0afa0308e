//! The OSV parser on the real advisory databases in shared/data (read through customs-feed's
//! archive support exactly as `customs db update` reads them): every record parses, the number
//! of advisories equals an independent count, and chosen records give exactly the expected
//! advisories.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use customs_feed::{FeedError, FeedInput, FeedParser, FetchOptions, open_location};
use customs_model::{Advisory, AffectedRange, OsvEvent, Severity, Status};
use customs_osv::OsvFeedParser;
use serde_json::Value;

fn shared(rel: &str) -> String {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        .join(rel)
        .display()
        .to_string()
}

/// Parses every input of `location` as the store does (then drains each input).
fn parse_location(parser: &OsvFeedParser, location: &str) -> Result<Vec<Advisory>, FeedError> {
    let mut out = Vec::new();
    for mut opened in open_location(location, &FetchOptions::default()).unwrap() {
        let input = FeedInput {
            kind: parser.kind().to_owned(),
            location: opened.location.clone(),
            file_name: opened.file_name.clone(),
        };
        parser.parse(&input, &mut opened.reader, &mut |a| out.push(a))?;
        std::io::copy(&mut opened.reader, &mut std::io::sink())
            .map_err(|e| FeedError::io(&input, e))?;
    }
    Ok(out)
}

fn by_id(advs: &[Advisory]) -> BTreeMap<&str, Vec<&Advisory>> {
    let mut m: BTreeMap<&str, Vec<&Advisory>> = BTreeMap::new();
    for a in advs {
        m.entry(a.vulnerability_id.as_str()).or_default().push(a);
    }
    m
}

fn osv(events: &[(&str, &str)]) -> AffectedRange {
    AffectedRange::Osv(
        events
            .iter()
            .map(|(k, v)| match *k {
                "introduced" => OsvEvent::Introduced((*v).into()),
                "fixed" => OsvEvent::Fixed((*v).into()),
                "last_affected" => OsvEvent::LastAffected((*v).into()),
                _ => OsvEvent::Limit((*v).into()),
            })
            .collect(),
    )
}

#[allow(clippy::too_many_arguments)]
fn adv(
    id: &str,
    ns: &str,
    pkg: &str,
    scheme: &str,
    affected: AffectedRange,
    fixed: Option<&str>,
    severity: Severity,
    aliases: &[&str],
    notes: Option<&str>,
) -> Advisory {
    Advisory {
        vulnerability_id: id.into(),
        namespace: ns.into(),
        package: pkg.into(),
        scheme: scheme.into(),
        status: if fixed.is_some() {
            Status::Fixed
        } else {
            Status::Affected
        },
        affected,
        fixed_version: fixed.map(Into::into),
        severity,
        advisory_ids: Vec::new(),
        aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
        notes: notes.map(Into::into),
        source: "osv".into(),
        record_id: id.into(),
    }
}

/// An independent count from a JSON value: per non-withdrawn record, per affected entry of
/// `ecosystem`, one advisory per non-empty interval of each ECOSYSTEM/SEMVER range (walking
/// the events in record order), or one for a bare version list.
fn expected_count(record: &Value, ecosystem: &str) -> usize {
    if record.get("withdrawn").is_some_and(|w| !w.is_null()) {
        return 0;
    }
    let mut n = 0;
    for a in record["affected"].as_array().into_iter().flatten() {
        if a["package"]["ecosystem"] != ecosystem {
            continue;
        }
        let mut usable = false;
        for r in a["ranges"].as_array().into_iter().flatten() {
            if r["type"] != "ECOSYSTEM" && r["type"] != "SEMVER" {
                continue;
            }
            usable = true;
            let mut open: Option<&Value> = None;
            for e in r["events"].as_array().into_iter().flatten() {
                if let Some(v) = e.get("introduced") {
                    if open.is_none() {
                        n += 1;
                        open = Some(v);
                    }
                } else {
                    // `introduced X, fixed X` is empty (RUSTSEC-2024-0399 has one).
                    let closed_at = e.get("fixed").or_else(|| e.get("limit"));
                    if open.is_some() && closed_at == open {
                        n -= 1;
                    }
                    open = None;
                }
            }
        }
        if !usable && a["versions"].as_array().is_some_and(|v| !v.is_empty()) {
            n += 1;
        }
    }
    n
}

/// Every record of a `.tar.zst` as JSON values, YAML read with yaml-rust2's own loader.
fn records_in(archive: &str) -> Vec<Value> {
    let f = std::fs::File::open(archive).unwrap();
    let mut a = tar::Archive::new(zstd::Decoder::new(f).unwrap());
    let mut out = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut text = String::new();
        if !e.header().entry_type().is_file() {
            continue;
        }
        e.read_to_string(&mut text).unwrap();
        if Path::new(&name).extension().is_some_and(|x| x == "json") {
            out.push(serde_json::from_str(&text).unwrap());
        } else if Path::new(&name).extension().is_some_and(|x| x == "yaml") {
            let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
            out.push(yaml_to_json(&docs[0]));
        }
    }
    out
}

/// Asserts the advisory count per record equals [`expected_count`]; returns the total.
fn assert_counts(archive: &str, ecosystem: &str, advs: &[Advisory]) -> usize {
    let ids = by_id(advs);
    let mut total = 0;
    let mut wrong = Vec::new();
    for r in records_in(archive) {
        let id = r["id"].as_str().unwrap();
        let want = expected_count(&r, ecosystem);
        let got = ids.get(id).map_or(0, Vec::len);
        if got != want {
            wrong.push(format!("{id}: {got} advisories, expected {want}"));
        }
        total += want;
    }
    assert_eq!(wrong, Vec::<String>::new());
    assert_eq!(advs.len(), total);
    total
}

fn yaml_to_json(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), yaml_to_json(v)))
                .collect(),
        ),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect()),
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Value::Null,
        Yaml::String(s) | Yaml::Real(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::String(i.to_string()),
        Yaml::Boolean(b) => Value::Bool(*b),
    }
}

#[test]
fn go_vulndb_every_record_and_chosen_ones() {
    let archive = shared("feeds/osv/golang-vulndb-osv.tar.zst");
    let advs = parse_location(&OsvFeedParser::osv(), &archive).unwrap();
    let expected = assert_counts(&archive, "Go", &advs);
    assert!(expected > 5000, "{expected}");
    assert!(
        advs.iter()
            .all(|a| a.namespace == "golang" && a.scheme == "go")
    );
    let ids = by_id(&advs);
    assert_eq!(
        ids["GO-2021-0067"],
        vec![&adv(
            "GO-2021-0067",
            "golang",
            "stdlib",
            "go",
            osv(&[("introduced", "1.16.0-0"), ("fixed", "1.16.1")]),
            Some("1.16.1"),
            Severity::Unknown,
            &["CVE-2021-27919"],
            None,
        )]
    );
    // Two packages; the first has two intervals.
    let aliases = ["CVE-2023-30844", "GHSA-jmp2-wc4p-wfh2"];
    let want = [
        ("github.com/mutagen-io/mutagen", "0", "0.16.6"),
        ("github.com/mutagen-io/mutagen", "0.17.0", "0.17.1"),
        ("github.com/mutagen-io/mutagen-compose", "0", "0.17.1"),
    ]
    .map(|(p, i, f)| {
        adv(
            "GO-2023-1764",
            "golang",
            p,
            "go",
            osv(&[("introduced", i), ("fixed", f)]),
            Some(f),
            Severity::Unknown,
            &aliases,
            None,
        )
    });
    assert_eq!(ids["GO-2023-1764"], want.iter().collect::<Vec<_>>());
    // Withdrawn records give nothing.
    assert!(!ids.contains_key("GO-2022-0617"));
}

#[test]
fn rustsec_every_record_and_chosen_ones() {
    let archive = shared("feeds/osv/rustsec-osv.tar.zst");
    let advs = parse_location(&OsvFeedParser::osv(), &archive).unwrap();
    let expected = assert_counts(&archive, "crates.io", &advs);
    assert!(expected > 1200, "{expected}");
    let ids = by_id(&advs);
    let lock_api = [
        "CVE-2020-35910",
        "CVE-2020-35911",
        "CVE-2020-35912",
        "CVE-2020-35913",
        "CVE-2020-35914",
        "GHSA-5wg8-7c9q-794v",
        "GHSA-gmv4-vmx3-x9f3",
        "GHSA-hj9h-wrgg-hgmx",
        "GHSA-ppj3-7jw3-8vc4",
        "GHSA-vh4p-6j7g-f4j9",
    ];
    assert_eq!(
        ids["RUSTSEC-2020-0070"],
        vec![&adv(
            "RUSTSEC-2020-0070",
            "cargo",
            "lock_api",
            "semver",
            osv(&[("introduced", "0.0.0-0"), ("fixed", "0.4.2")]),
            Some("0.4.2"),
            Severity::Unknown,
            &lock_api,
            Some("informational advisory: unsound"),
        )]
    );
    // CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N is 5.3: medium. Two intervals.
    let hyper = |i: &str, f: &str| {
        adv(
            "RUSTSEC-2017-0002",
            "cargo",
            "hyper",
            "semver",
            osv(&[("introduced", i), ("fixed", f)]),
            Some(f),
            Severity::Medium,
            &["CVE-2017-18587", "GHSA-q89x-f52w-6hj2"],
            None,
        )
    };
    assert_eq!(
        ids["RUSTSEC-2017-0002"],
        vec![&hyper("0.0.0-0", "0.9.18"), &hyper("0.10.0", "0.10.2")]
    );
}

#[test]
fn pypa_every_record_and_chosen_ones() {
    let archive = shared("feeds/osv/pypa-advisory-database.tar.zst");
    let advs = parse_location(&OsvFeedParser::osv(), &archive).unwrap();
    let expected = assert_counts(&archive, "PyPI", &advs);
    assert!(expected > 2500, "{expected}");
    assert!(
        advs.iter()
            .all(|a| a.namespace == "pypi" && a.scheme == "pep440")
    );
    let ids = by_id(&advs);
    assert_eq!(
        ids["PYSEC-2018-28"],
        vec![&adv(
            "PYSEC-2018-28",
            "pypi",
            "requests",
            "pep440",
            osv(&[("introduced", "0"), ("fixed", "2.20.0")]),
            Some("2.20.0"),
            Severity::Unknown,
            &["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
            None,
        )]
    );
    // No ECOSYSTEM range: the version list.
    assert_eq!(
        ids["PYSEC-2024-1"],
        vec![&adv(
            "PYSEC-2024-1",
            "pypi",
            "gratient",
            "pep440",
            AffectedRange::Versions(vec!["0.5".into()]),
            None,
            Severity::Unknown,
            &[],
            None,
        )]
    );
    // Withdrawn.
    assert!(!ids.contains_key("PYSEC-2022-15"));
    assert!(!ids.contains_key("PYSEC-2023-73"));
    // Names are stored PEP 503-normalised.
    assert!(
        advs.iter()
            .all(|a| a.package == a.package.to_lowercase().replace(['_', '.'], "-"))
    );
}

#[test]
fn osv_dev_testdata_has_no_application_packages() {
    // Distro records (DLA, USN, SUSE, UBUNTU-CVE) and an empty CVE: nothing for this parser,
    // and the README is skipped.
    let advs =
        parse_location(&OsvFeedParser::osv(), &shared("feeds/osv/osv.dev-testdata")).unwrap();
    assert_eq!(advs, Vec::new());
}

#[test]
fn ghsa_kind_marks_its_source() {
    let rec = br#"{"id":"GHSA-jfh8-c2jp-5v3q","aliases":["CVE-2021-44228"],
      "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
      "affected":[{"package":{"ecosystem":"Maven","name":"org.apache.logging.log4j:log4j-core"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.13.0"},{"fixed":"2.15.0"}]},
                  {"type":"ECOSYSTEM","events":[{"introduced":"2.0-beta9"},{"fixed":"2.3.1"}]}]},
        {"package":{"ecosystem":"NuGet","name":"Some.Package"},"versions":["1.0.0"]},
        {"package":{"ecosystem":"Debian:12","name":"x"},"versions":["1"]}],
      "database_specific":{"severity":"CRITICAL","github_reviewed":true}}"#;
    let input = FeedInput {
        kind: "ghsa".into(),
        location: "x/GHSA-jfh8-c2jp-5v3q.json".into(),
        file_name: "GHSA-jfh8-c2jp-5v3q.json".into(),
    };
    let mut out = Vec::new();
    OsvFeedParser::ghsa()
        .parse(&input, &mut &rec[..], &mut |a| out.push(a))
        .unwrap();
    let summary: Vec<(String, String, Option<String>, Severity, String)> = out
        .iter()
        .map(|a| {
            (
                a.namespace.clone(),
                a.package.clone(),
                a.fixed_version.clone(),
                a.severity,
                a.source.clone(),
            )
        })
        .collect();
    let m = |p: &str, f: Option<&str>| {
        (
            if p.contains(':') { "maven" } else { "nuget" }.to_owned(),
            p.to_owned(),
            f.map(Into::into),
            Severity::Critical,
            "ghsa".to_owned(),
        )
    };
    assert_eq!(
        summary,
        vec![
            m("org.apache.logging.log4j:log4j-core", Some("2.15.0")),
            m("org.apache.logging.log4j:log4j-core", Some("2.3.1")),
            m("some.package", None),
        ]
    );
}
