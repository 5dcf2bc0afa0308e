//! apk ordering: vectors, laws, every real Alpine version, and (opt-in) apk-tools itself.
//!
//! apk-tools is not packaged for Debian, so the live oracle is opt-in: point
//! `CUSTOMS_APK_ORACLE` at a program that reads `A B` lines and prints apk-tools' answer
//! (`-1`/`0`/`1`, `E` for a rejected version) — e.g. a driver you link against apk-tools'
//! `src/version.c`; no apk-tools code or build recipe is kept here — and run
//! `CUSTOMS_APK_ORACLE=PROGRAM cargo test -p customs-apk -- --ignored`.

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use std::cmp::Ordering;

use customs_apk::ApkScheme;
use customs_version::VersionScheme;
use harness::{Oracle, word};
use proptest::prelude::*;

/// Mostly well-formed apk versions (digits, letter, suffixes, hash, revision) with some noise.
static WELL_FORMED: &[&str] = &[
    ".0",
    ".1",
    ".1",
    ".2",
    ".10",
    ".01",
    ".00",
    ".007",
    "a",
    "z",
    "_alpha",
    "_beta1",
    "_pre2",
    "_rc1",
    "_rc10",
    "_p",
    "_p1",
    "_git20230101",
    "_cvs",
    "_svn",
    "_hg2",
    "~abc",
    "~0f",
    "-r0",
    "-r1",
    "-r10",
    "_p1-r0",
    "_rc1-r2",
];

static TOKENS: &[&str] = &[
    "0",
    "1",
    "1",
    "2",
    "9",
    "10",
    "01",
    "00",
    "007",
    "18446744073709551617",
    ".",
    ".",
    ".",
    ".",
    "a",
    "b",
    "z",
    "A",
    "_alpha",
    "_beta",
    "_pre",
    "_rc",
    "_cvs",
    "_svn",
    "_git",
    "_hg",
    "_p",
    "_p",
    "_foo",
    "_",
    "~",
    "~abc",
    "~0f",
    "-r",
    "-r0",
    "-r1",
    "-r10",
    "-",
    "+",
];

fn ours(a: &str, b: &str) -> String {
    word(ApkScheme.compare(a, b))
}

fn oracle() -> Oracle {
    let path = std::env::var("CUSTOMS_APK_ORACLE").unwrap_or_else(|_| {
        panic!("set CUSTOMS_APK_ORACLE to a program that reads `A B` lines and prints apk-tools' -1/0/1/E for each (see docs/versions.md)")
    });
    Oracle {
        name: "apk-tools",
        program: path,
        args: vec![],
        install: "an apk-tools based oracle program in CUSTOMS_APK_ORACLE (docs/versions.md)",
    }
}

/// Every version in Alpine's secdb (fixed versions) and in the apk databases we have.
fn real_versions() -> Vec<String> {
    let data = harness::shared_data();
    let mut out = Vec::new();
    let secdb = data.join("feeds/alpine-secdb/json");
    for rel in std::fs::read_dir(&secdb).expect("alpine secdb") {
        let rel = rel.unwrap().path();
        for repo in ["main.json", "community.json"] {
            let Ok(text) = std::fs::read_to_string(rel.join(repo)) else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(&text).expect("secdb json");
            for p in v["packages"].as_array().into_iter().flatten() {
                if let Some(fixes) = p["pkg"]["secfixes"].as_object() {
                    out.extend(fixes.keys().cloned());
                }
            }
        }
    }
    for dir in ["pkgdb/apk/grype", "pkgdb/apk/syft", "pkgdb/apk/trivy"] {
        for f in std::fs::read_dir(data.join(dir)).expect(dir) {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap_or_default();
            out.extend(
                text.lines()
                    .filter_map(|l| l.strip_prefix("V:"))
                    .map(str::to_owned),
            );
        }
    }
    out
}

#[test]
fn real_versions_are_valid_and_ordered() {
    let versions = real_versions();
    assert!(
        versions.len() > 10_000,
        "expected the secdb's versions, found {}",
        versions.len()
    );
    let mut invalid: Vec<&String> = versions
        .iter()
        .filter(|v| ApkScheme.validate(v).is_err())
        .collect();
    invalid.sort();
    invalid.dedup();
    // secdb has a handful of typos that apk-tools rejects too (checked with the oracle).
    eprintln!(
        "apk: {} real versions, {} distinct invalid: {:?}",
        versions.len(),
        invalid.len(),
        invalid
    );
    assert!(
        invalid.len() < 30,
        "too many invalid real versions: {invalid:?}"
    );
    let pairs = harness::corpus_pairs(versions, 20_000);
    let triples: Vec<(String, String, String)> = pairs
        .windows(2)
        .map(|w| (w[0].0.clone(), w[0].1.clone(), w[1].1.clone()))
        .collect();
    harness::check_laws("apk real", &triples, |a, b| ApkScheme.compare(a, b).ok());
}

/// Hand-checked vectors (each also checked against apk-tools 3.0 and 2.14 builds).
#[test]
fn vectors() {
    use Ordering::{Equal, Greater, Less};
    let cases = [
        ("2.34", "0.1.0_alpha", Greater),
        ("0.1.0_alpha", "0.1.0_alpha", Equal),
        ("0.1.0_alpha2", "0.1.0_alpha", Greater),
        ("0.1.0_alpha", "2.2.39-r1", Less),
        ("1.0.4-r3", "1.0.4-r4", Less),
        ("1.1", "1.1_alpha1", Greater),
        ("1.3_alpha2", "1.3_alpha3", Less),
        ("3.10.18-r1", "2.3.0b-r1", Greater),
        ("1.2.3_git20230101-r0", "1.2.3-r0", Greater),
        ("1.2.3_rc1-r5", "1.2.3-r0", Less),
        ("6.4_p20230101-r0", "6.4-r9", Greater),
        ("1.36.1-r2", "1.36.1-r15", Less),
        ("2.4.57-r0", "2.4.57_p1-r0", Less),
        ("9.9.1a", "9.9.1-r0", Greater),
        ("1.0_pre1", "1.0_beta9", Greater),
        ("1.0_cvs", "1.0_svn", Less),
        ("1.0_hg", "1.0_p", Less),
    ];
    for (a, b, want) in cases {
        assert_eq!(ApkScheme.compare(a, b).unwrap(), want, "{a} vs {b}");
        assert_eq!(
            ApkScheme.compare(b, a).unwrap(),
            want.reverse(),
            "{b} vs {a}"
        );
    }
}

#[test]
fn laws() {
    let triples = harness::sample(
        &harness::close_triples(WELL_FORMED, 7),
        harness::pairs_wanted(4000),
    );
    let valid: Vec<_> = triples
        .into_iter()
        .map(|(a, b, c)| (format!("1{a}"), format!("1{b}"), format!("1{c}")))
        .collect();
    harness::check_laws("apk", &valid, |a, b| ApkScheme.compare(a, b).ok());
}

#[test]
#[ignore = "needs an apk-tools oracle program in CUSTOMS_APK_ORACLE; run by scripts/versions/check-all when set"]
fn generated_pairs_agree_with_apk_tools() {
    let n = harness::pairs_wanted(4000);
    let mut pairs: Vec<(String, String)> = harness::sample(&harness::close_pairs(TOKENS, 9), n / 4)
        .into_iter()
        .map(|(a, b)| (format!("1{a}"), format!("1{b}")))
        .collect();
    pairs.extend(
        harness::sample(&harness::close_pairs(WELL_FORMED, 7), n - n / 4)
            .into_iter()
            .map(|(a, b)| (format!("1{a}"), format!("1{b}"))),
    );
    let bad = harness::differential("apk generated", &oracle(), &pairs, ours);
    harness::assert_agree("apk generated", &bad);
}

#[test]
#[ignore = "needs an apk-tools oracle program in CUSTOMS_APK_ORACLE; run by scripts/versions/check-all when set"]
fn real_versions_agree_with_apk_tools() {
    let pairs = harness::corpus_pairs(real_versions(), harness::pairs_wanted(4000) * 2);
    let bad = harness::differential("apk secdb", &oracle(), &pairs, ours);
    harness::assert_agree("apk secdb", &bad);
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(real_versions(), 10_000);
    harness::bench("apk", &pairs, |a, b| ApkScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,12}") {
        let _ = ApkScheme.validate(&a);
        let _ = ApkScheme.compare(&a, &b);
        let _ = ApkScheme.satisfies(&a, &b);
    }
}
