//! `OsvMatcher` over advisories parsed from the real databases, with a small in-memory store
//! that does what customs-scan does (look up each query, judge each advisory, any
//! "affected" wins, otherwise an "indeterminate" one, otherwise nothing).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use customs_feed::{FeedInput, FeedParser, FetchOptions, open_location};
use customs_match::{Matcher, Verdict};
use customs_model::{Advisory, Package, PackageOrigin, Purl};
use customs_osv::{OsvFeedParser, OsvMatcher};

type Store = BTreeMap<(String, String), Vec<Advisory>>;

fn load(store: &mut Store, location: &str) {
    let parser = OsvFeedParser::osv();
    for mut opened in open_location(location, &FetchOptions::default()).unwrap() {
        let input = FeedInput {
            kind: "osv".into(),
            location: opened.location.clone(),
            file_name: opened.file_name.clone(),
        };
        parser
            .parse(&input, &mut opened.reader, &mut |a| {
                store
                    .entry((a.namespace.clone(), a.package.clone()))
                    .or_default()
                    .push(a);
            })
            .unwrap();
    }
}

/// The three real databases plus the npm and gem records below.
fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut s = Store::new();
        for a in [
            "feeds/osv/golang-vulndb-osv.tar.zst",
            "feeds/osv/rustsec-osv.tar.zst",
            "feeds/osv/pypa-advisory-database.tar.zst",
        ] {
            let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(a);
            load(&mut s, &p.display().to_string());
        }
        let dir = std::env::temp_dir().join(format!("customs-osv-matcher-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("ghsa.json");
        std::fs::write(&p, GHSA_RECORDS).unwrap();
        load(&mut s, &p.display().to_string());
        std::fs::remove_dir_all(&dir).unwrap();
        s
    })
}

/// GitHub advisories in OSV form, transcribed from grype's matcher fixtures
/// (feeds/grype-matcher-fixtures: javascript/testdata/npm-scope-handling and
/// ruby/testdata/rack, which hold the same advisories in vunnel's normalised form).
const GHSA_RECORDS: &str = r#"[
 {"id":"GHSA-7xfp-9c55-5vqj","aliases":["CVE-2017-16026"],
  "severity":[{"type":"CVSS_V3","score":"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "affected":[
   {"package":{"ecosystem":"npm","name":"request"},"ranges":[{"type":"SEMVER","events":[{"introduced":"2.49.0"},{"fixed":"2.68.0"}]}]},
   {"package":{"ecosystem":"npm","name":"request"},"ranges":[{"type":"SEMVER","events":[{"introduced":"2.2.6"},{"fixed":"2.47.0"}]}]}],
  "database_specific":{"severity":"MODERATE"}},
 {"id":"GHSA-rmvr-2pp2-xj38","aliases":["CVE-2025-25290"],
  "affected":[
   {"package":{"ecosystem":"npm","name":"@octokit/request"},"ranges":[{"type":"SEMVER","events":[{"introduced":"9.0.0-beta.1"},{"fixed":"9.2.1"}]}]},
   {"package":{"ecosystem":"npm","name":"@octokit/request"},"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"8.4.1"}]}]}],
  "database_specific":{"severity":"MODERATE"}},
 {"id":"GHSA-wpv5-97wm-hp9c","aliases":["CVE-2025-61772"],
  "affected":[
   {"package":{"ecosystem":"RubyGems","name":"rack"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.2.19"}]}]},
   {"package":{"ecosystem":"RubyGems","name":"rack"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"3.1"},{"fixed":"3.1.17"}]}]},
   {"package":{"ecosystem":"RubyGems","name":"rack"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"3.2"},{"fixed":"3.2.2"}]}]}],
  "database_specific":{"severity":"HIGH"}}
]"#;

fn pkg(ecosystem: &str, name: &str, version: &str) -> Package {
    Package::new(
        ecosystem,
        name,
        version,
        Purl::new(ecosystem, None, name, Some(version), &[]),
        "app/lockfile",
        PackageOrigin::Lockfile,
    )
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Affected(Option<String>),
    Indeterminate,
}

/// Vulnerability id → outcome (with the fixed version of the deciding advisory).
fn matches(p: &Package) -> BTreeMap<String, Outcome> {
    let m = OsvMatcher;
    let mut by_vuln: BTreeMap<String, Vec<&Advisory>> = BTreeMap::new();
    for q in m.queries(p, None) {
        for a in store().get(&(q.namespace, q.package)).into_iter().flatten() {
            by_vuln
                .entry(a.vulnerability_id.clone())
                .or_default()
                .push(a);
        }
    }
    let mut out = BTreeMap::new();
    for (id, advs) in by_vuln {
        let mut outcome = None;
        for a in advs {
            match m.verdict(p, a) {
                Verdict::Affected { .. } => {
                    outcome = Some(Outcome::Affected(a.fixed_version.clone()));
                    break;
                }
                Verdict::Indeterminate { .. } => outcome = Some(Outcome::Indeterminate),
                Verdict::NotAffected { .. } => {}
            }
        }
        if let Some(o) = outcome {
            out.insert(id, o);
        }
    }
    out
}

#[allow(clippy::option_option)] // None: not affected; Some(None): affected, no fix.
fn affected(p: &Package, id: &str) -> Option<Option<String>> {
    match matches(p).remove(id) {
        Some(Outcome::Affected(f)) => Some(f),
        _ => None,
    }
}

#[test]
fn pypi_requests_cve_2018_18074() {
    // PYSEC-2018-28 is the PyPA record of CVE-2018-18074.
    let old = pkg("pypi", "requests", "2.19.1");
    assert_eq!(affected(&old, "PYSEC-2018-28"), Some(Some("2.20.0".into())));
    assert_eq!(
        affected(&pkg("pypi", "requests", "2.20.0"), "PYSEC-2018-28"),
        None
    );
    // Names are normalised again: `Requests` finds the same records.
    assert_eq!(
        affected(&pkg("pypi", "Requests", "2.19.1"), "PYSEC-2018-28"),
        Some(Some("2.20.0".into()))
    );
    // Every PyPA record for requests (vulns/requests/ holds five) that affects 2.19.1 and
    // 2.2.0, read off their ECOSYSTEM ranges; none affects 2.32.3 (snapshot of 2024-10-10).
    let fixed = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(id, f)| ((*id).to_owned(), Outcome::Affected(Some((*f).to_owned()))))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        matches(&old),
        fixed(&[("PYSEC-2018-28", "2.20.0"), ("PYSEC-2023-74", "2.31.0")])
    );
    assert_eq!(
        matches(&pkg("pypi", "requests", "2.2.0")),
        fixed(&[
            ("PYSEC-2014-13", "2.3.0"),
            ("PYSEC-2014-14", "2.3.0"),
            ("PYSEC-2015-17", "2.6.0"),
            ("PYSEC-2018-28", "2.20.0"),
        ])
    );
    assert_eq!(matches(&pkg("pypi", "requests", "2.32.3")), BTreeMap::new());
}

#[test]
fn pypi_unsorted_pairs_and_version_lists() {
    // PYSEC-2023-72 lists its intervals out of order; 3.2.1 is inside [3.2.0, 3.2.2).
    assert_eq!(
        affected(&pkg("pypi", "pyspark", "3.2.1"), "PYSEC-2023-72"),
        Some(Some("3.2.2".into()))
    );
    assert_eq!(
        affected(&pkg("pypi", "pyspark", "3.1.2"), "PYSEC-2023-72"),
        Some(Some("3.2.0".into()))
    );
    assert_eq!(
        affected(&pkg("pypi", "pyspark", "3.2.2"), "PYSEC-2023-72"),
        None
    );
    // PYSEC-2024-1 is a bare version list (malicious release 0.5).
    assert_eq!(
        affected(&pkg("pypi", "gratient", "0.5"), "PYSEC-2024-1"),
        Some(None)
    );
    assert_eq!(
        affected(&pkg("pypi", "gratient", "0.5.0"), "PYSEC-2024-1"),
        Some(None)
    );
    assert_eq!(
        affected(&pkg("pypi", "gratient", "0.4"), "PYSEC-2024-1"),
        None
    );
    // An installed version PEP 440 cannot read is indeterminate, never clean.
    assert_eq!(
        matches(&pkg("pypi", "requests", "not-a-version")).get("PYSEC-2018-28"),
        Some(&Outcome::Indeterminate)
    );
}

#[test]
fn go_stdlib_and_modules() {
    // GO-2021-0067: stdlib 1.16.0 to before 1.16.1. Binaries record `go1.16`.
    for v in ["go1.16", "go1.16.0", "1.16.0", "v1.16.0"] {
        assert_eq!(
            affected(&pkg("golang", "stdlib", v), "GO-2021-0067"),
            Some(Some("1.16.1".into())),
            "{v}"
        );
    }
    assert_eq!(
        affected(&pkg("golang", "stdlib", "go1.16.1"), "GO-2021-0067"),
        None
    );
    assert_eq!(
        affected(&pkg("golang", "stdlib", "go1.15.8"), "GO-2021-0067"),
        None
    );
    // Prereleases of 1.16 are affected too (the range starts at 1.16.0-0).
    assert_eq!(
        affected(&pkg("golang", "stdlib", "go1.16rc1"), "GO-2021-0067"),
        Some(Some("1.16.1".into()))
    );
    // A module with two intervals: the fixed version of the interval the version is in.
    let m = "github.com/mutagen-io/mutagen";
    assert_eq!(
        affected(&pkg("golang", m, "v0.16.5"), "GO-2023-1764"),
        Some(Some("0.16.6".into()))
    );
    assert_eq!(
        affected(&pkg("golang", m, "v0.17.0"), "GO-2023-1764"),
        Some(Some("0.17.1".into()))
    );
    assert_eq!(affected(&pkg("golang", m, "v0.16.6"), "GO-2023-1764"), None);
    // Pseudo-versions are prereleases of the next patch: before the fix here.
    assert_eq!(
        affected(
            &pkg("golang", m, "v0.16.6-0.20230101000000-abcdefabcdef"),
            "GO-2023-1764"
        ),
        Some(Some("0.16.6".into()))
    );
    assert_eq!(
        matches(&pkg("golang", "stdlib", "devel go1.22-abc")).get("GO-2021-0067"),
        Some(&Outcome::Indeterminate)
    );
}

#[test]
fn crates_io() {
    assert_eq!(
        affected(&pkg("cargo", "hyper", "0.9.17"), "RUSTSEC-2017-0002"),
        Some(Some("0.9.18".into()))
    );
    assert_eq!(
        affected(&pkg("cargo", "hyper", "0.10.1"), "RUSTSEC-2017-0002"),
        Some(Some("0.10.2".into()))
    );
    assert_eq!(
        affected(&pkg("cargo", "hyper", "0.9.18"), "RUSTSEC-2017-0002"),
        None
    );
    assert_eq!(
        affected(&pkg("cargo", "hyper", "0.10.2"), "RUSTSEC-2017-0002"),
        None
    );
    assert_eq!(
        affected(&pkg("cargo", "lock_api", "0.4.1"), "RUSTSEC-2020-0070"),
        Some(Some("0.4.2".into()))
    );
    assert_eq!(
        affected(&pkg("cargo", "lock_api", "0.4.2"), "RUSTSEC-2020-0070"),
        None
    );
}

#[test]
fn npm_scopes_and_gems() {
    let request = |v: &str| affected(&pkg("npm", "request", v), "GHSA-7xfp-9c55-5vqj");
    assert_eq!(request("2.67.0"), Some(Some("2.68.0".into())));
    assert_eq!(request("2.46.0"), Some(Some("2.47.0".into())));
    assert_eq!(request("2.47.0"), None);
    assert_eq!(request("2.68.0"), None);
    // The scoped and the unscoped package do not share advisories.
    assert_eq!(
        matches(&pkg("npm", "request", "8.4.0")).get("GHSA-rmvr-2pp2-xj38"),
        None
    );
    assert_eq!(
        affected(
            &pkg("npm", "@octokit/request", "8.4.0"),
            "GHSA-rmvr-2pp2-xj38"
        ),
        Some(Some("8.4.1".into()))
    );
    assert_eq!(
        affected(
            &pkg("npm", "@octokit/request", "9.2.1"),
            "GHSA-rmvr-2pp2-xj38"
        ),
        None
    );
    assert_eq!(
        affected(&pkg("gem", "rack", "3.1.16"), "GHSA-wpv5-97wm-hp9c"),
        Some(Some("3.1.17".into()))
    );
    assert_eq!(
        affected(&pkg("gem", "rack", "2.2.18"), "GHSA-wpv5-97wm-hp9c"),
        Some(Some("2.2.19".into()))
    );
    assert_eq!(
        affected(&pkg("gem", "rack", "3.0.0"), "GHSA-wpv5-97wm-hp9c"),
        None
    );
    // Other ecosystems are not this matcher's.
    assert!(
        OsvMatcher
            .queries(&pkg("deb", "rack", "1"), None)
            .is_empty()
    );
}
