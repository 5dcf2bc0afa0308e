//! rpm ordering against rpm itself (python3-rpm's `rpm.ver`, i.e. rpmverParse + rpmverCmp).

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use std::cmp::Ordering;

use customs_rpm::{RpmScheme, rpmvercmp};
use customs_version::VersionScheme;
use harness::{Oracle, word};
use proptest::prelude::*;

const INSTALL: &str =
    "rpm and python3-rpm (apt-get install rpm python3-rpm), run by /usr/bin/python3";

fn oracle() -> Oracle {
    let python = std::env::var("CUSTOMS_RPM_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    Oracle::script("rpm (python3-rpm)", &python, "rpm-oracle.py", INSTALL)
}

static TOKENS: &[&str] = &[
    "0",
    "1",
    "1",
    "2",
    "9",
    "10",
    "01",
    "007",
    "99999999999999999999",
    ".",
    ".",
    ".",
    "-",
    "-",
    "~",
    "~",
    "^",
    "^",
    "+",
    "_",
    "a",
    "b",
    "z",
    "A",
    "rc",
    "pre",
    "el9",
    "el9_2",
    "fc39",
    "git",
    "1:",
    "0:",
    ":",
    "é",
];

fn ours(a: &str, b: &str) -> String {
    word(RpmScheme.compare(a, b))
}

#[test]
fn generated_pairs_agree_with_rpm() {
    let n = harness::pairs_wanted(4000);
    let pairs = harness::sample(&harness::close_pairs(TOKENS, 9), n);
    let bad = harness::differential("rpm generated", &oracle(), &pairs, ours);
    harness::assert_agree("rpm generated", &bad);
}

fn oval_evrs() -> Vec<String> {
    let data = harness::shared_data();
    let mut out = Vec::new();
    for f in [
        "feeds/redhat/oval/com.redhat.rhsa-RHEL9.xml",
        "feeds/rocky/oval/org.rockylinux.rlsa-8.xml",
        "feeds/rocky/oval/org.rockylinux.rlsa-9.xml",
    ] {
        let text = std::fs::read_to_string(data.join(f)).expect(f);
        for piece in text.split("datatype=\"evr_string\"").skip(1) {
            if let Some(v) = piece
                .split_once('>')
                .and_then(|(_, rest)| rest.split_once('<'))
                .map(|(v, _)| v)
            {
                out.push(v.trim().to_owned());
            }
        }
    }
    out
}

#[test]
fn real_oval_versions_agree_with_rpm() {
    let evrs = oval_evrs();
    assert!(
        evrs.len() > 1000,
        "expected thousands of OVAL evrs, found {}",
        evrs.len()
    );
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::corpus_pairs(evrs.clone(), n);
    // The same versions without their epoch, and the bare version parts, mixed in.
    let stripped: Vec<String> = evrs
        .iter()
        .map(|v| v.split_once(':').map_or(v.as_str(), |(_, r)| r).to_owned())
        .collect();
    pairs.extend(harness::corpus_pairs(
        stripped.into_iter().chain(evrs).collect(),
        n / 2,
    ));
    let bad = harness::differential("rpm OVAL", &oracle(), &pairs, ours);
    harness::assert_agree("rpm OVAL", &bad);
}

/// claircore's vectors: `a op b` lines for rpmvercmp, and NEVRA lines whose EVR we compare.
#[test]
fn claircore_vectors() {
    let dir = harness::shared_data().join("versions/claircore");
    let text = std::fs::read_to_string(dir.join("rpmvercmp.txt")).unwrap();
    let mut count = 0;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let want = match f[1] {
            "<" => Ordering::Less,
            ">" => Ordering::Greater,
            _ => Ordering::Equal,
        };
        assert_eq!(rpmvercmp(f[0], f[2]), want, "{line}");
        assert_eq!(rpmvercmp(f[2], f[0]), want.reverse(), "{line}");
        count += 1;
    }
    assert!(count > 50);
}

#[test]
fn laws() {
    let triples = harness::sample(
        &harness::close_triples(TOKENS, 8),
        harness::pairs_wanted(4000),
    );
    harness::check_laws("rpm", &triples, |a, b| RpmScheme.compare(a, b).ok());
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(oval_evrs(), 10_000);
    harness::bench("rpm", &pairs, |a, b| RpmScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,12}") {
        let _ = RpmScheme.validate(&a);
        let _ = RpmScheme.compare(&a, &b);
        let _ = RpmScheme.satisfies(&a, &b);
    }
}
