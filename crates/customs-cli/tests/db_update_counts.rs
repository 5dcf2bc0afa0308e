//! Acceptance: ingesting feeds from ../shared/data, the record count per feed (as `customs db
//! status` reports it) equals an independent count of the source records.
//!
//! Independent counts, per feed:
//! * `alpine-secdb` (all 41 branch files): one record per id token (`CVE-…`, `XSA-…`, …) in
//!   every `secfixes` list — a line may carry several ids and a comment, and "fixed in 0"
//!   entries are kept as not-affected records;
//! * `nvd`: one record per element of the API 2.0 `vulnerabilities` array;
//! * `kev`: one record per element of the catalogue's `vulnerabilities` array;
//! * `epss`: one record per CSV data line (the `#model_version` line and the header are not
//!   records).
//!
//! All four are ingested in one concurrent update.

mod common;

use common::{Sandbox, shared};

fn secdb_ids(v: &serde_json::Value) -> u64 {
    let mut n = 0u64;
    for p in v["packages"].as_array().unwrap() {
        let Some(fixes) = p["pkg"]["secfixes"].as_object() else {
            continue;
        };
        for lines in fixes.values() {
            for line in lines.as_array().into_iter().flatten() {
                n += line
                    .as_str()
                    .unwrap_or("")
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|t| {
                        t.split_once('-').is_some_and(|(p, r)| {
                            p.len() >= 2
                                && p.bytes().all(|b| b.is_ascii_uppercase())
                                && !r.is_empty()
                                && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        })
                    })
                    .count() as u64;
            }
        }
    }
    n
}

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(shared(rel)).unwrap()).unwrap()
}

#[test]
fn record_counts_equal_independent_counts_of_the_sources() {
    let secdb_dir = shared("feeds/alpine-secdb/json");
    let mut alpine = 0u64;
    let mut files = 0;
    for branch in std::fs::read_dir(&secdb_dir).unwrap() {
        for f in std::fs::read_dir(branch.unwrap().path()).unwrap() {
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(f.unwrap().path()).unwrap()).unwrap();
            alpine += secdb_ids(&v);
            files += 1;
        }
    }
    assert_eq!(files, 41);
    let nvd = json("feeds/nvd/nvd-api2-full-page.json")["vulnerabilities"]
        .as_array()
        .unwrap()
        .len() as u64;
    let kev = json("feeds/nvd/cisa-kev-sample.json")["vulnerabilities"]
        .as_array()
        .unwrap()
        .len() as u64;
    let epss = std::fs::read_to_string(shared("feeds/nvd/epss-sample.csv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("cve,") && !l.trim().is_empty())
        .count() as u64;

    let sb = Sandbox::new();
    sb.update(&[
        ("alpine-secdb", &secdb_dir),
        ("nvd", &shared("feeds/nvd/nvd-api2-full-page.json")),
        ("kev", &shared("feeds/nvd/cisa-kev-sample.json")),
        ("epss", &shared("feeds/nvd/epss-sample.csv")),
    ]);
    let status = String::from_utf8(sb.run(&["db", "status"]).stdout).unwrap();
    let count = |kind: &str| -> u64 {
        status
            .lines()
            .find(|l| l.split_whitespace().next() == Some(kind))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{kind} missing: {status}"))
    };
    assert!(alpine > 80_000, "{alpine}");
    assert_eq!(count("alpine-secdb"), alpine);
    assert_eq!(count("nvd"), nvd);
    assert_eq!(count("kev"), kev);
    assert_eq!(count("epss"), epss);
}
