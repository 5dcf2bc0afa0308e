//! Debian version ordering against dpkg itself (libdpkg's `parseversion` and
//! `dpkg_version_compare`, built by `scripts/versions/dpkg-oracle`).
//!
//! dpkg only warns about a version that does not start with a digit or holds a character
//! outside `[A-Za-z0-9.+~:-]` (`dpkg --compare-versions` goes on); `DebScheme` rejects such
//! versions, as Debian policy forbids them. The oracle answers `W` for those, and they are
//! expected to be errors here (and counted).
//!
//! Known divergence, left out and counted (`DebScheme` is not changed by this test): dpkg
//! reads the epoch with `strtol`, which takes a sign (`+1:2.0` has epoch 1, `-0:1` epoch 0); `DebScheme`
//! rejects it.

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use customs_dpkg::DebScheme;
use customs_version::VersionScheme;
use harness::{Oracle, word};
use proptest::prelude::*;

const INSTALL: &str = "gcc, pkg-config and libdpkg-dev (apt-get install libdpkg-dev)";

fn oracle() -> Oracle {
    Oracle::script("dpkg (libdpkg)", "sh", "dpkg-oracle", INSTALL)
}

static TOKENS: &[&str] = &[
    "0",
    "1",
    "1",
    "2",
    "9",
    "10",
    "01",
    "00",
    "99999999999999999999",
    ".",
    ".",
    ".",
    "-",
    "-",
    "~",
    "~",
    "+",
    "+",
    ":",
    "1:",
    "0:",
    "a",
    "b",
    "z",
    "A",
    "Z",
    "rc",
    "deb11u1",
    "ubuntu",
    "+b1",
    "~bpo",
    "_",
    " ",
    "é",
];

/// Whether `v` has an epoch written with a sign (`+1:2.0`), which dpkg's `strtol` accepts.
fn signed_epoch(v: &str) -> bool {
    v.trim_start()
        .split_once(':')
        .is_some_and(|(e, _)| e.starts_with(['+', '-']))
}

/// Our answer, with dpkg's warnings read as the errors `DebScheme` makes of them.
fn differential(label: &str, pairs: &[(String, String)]) {
    let before = pairs.len();
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .filter(|(a, b)| !signed_epoch(a) && !signed_epoch(b))
        .cloned()
        .collect();
    eprintln!(
        "{label}: {} pairs with a signed epoch left out (known divergence)",
        before - pairs.len()
    );
    let lines: Vec<String> = pairs.iter().map(|(a, b)| format!("{a}\t{b}")).collect();
    let answers = oracle().ask(&lines);
    let warned = answers.iter().filter(|a| *a == "W").count();
    let mut bad = Vec::new();
    for ((a, b), theirs) in pairs.iter().zip(&answers) {
        let theirs = if theirs == "W" { "E" } else { theirs.as_str() };
        let mine = word(DebScheme.compare(a, b));
        if mine != theirs {
            if bad.len() < 40 {
                eprintln!("DISAGREE {label}: {a:?} ? {b:?}: ours {mine}, oracle {theirs}");
            }
            bad.push((a.clone(), b.clone(), mine, theirs.to_owned()));
        }
    }
    eprintln!(
        "{label}: {} pairs checked against dpkg, {} disagreements ({warned} pairs only warned about by dpkg, rejected by us)",
        pairs.len(),
        bad.len()
    );
    harness::assert_agree(label, &bad);
}

#[test]
fn generated_pairs_agree_with_dpkg() {
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::sample(&harness::close_pairs(TOKENS, 9), n / 2);
    pairs.extend(
        harness::sample(&harness::close_pairs(TOKENS, 7), n - n / 2)
            .into_iter()
            .map(|(a, b)| (format!("1{a}"), format!("1{b}"))),
    );
    differential("deb generated", &pairs);
}

/// Versions from the dpkg status files we have and the fixed versions of Debian's security
/// advisories (DSA, DLA, DTSA lists).
fn real_versions() -> Vec<String> {
    let data = harness::shared_data();
    let mut out = Vec::new();
    let mut dirs = vec![data.join("pkgdb/dpkg")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("pkgdb/dpkg") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("Version: ") {
                    out.push(v.trim().to_owned());
                }
                // Relationship fields: "libc6 (>= 2.34)".
                for piece in line.split('(').skip(1) {
                    if let Some((rel, _)) = piece.split_once(')')
                        && let Some((_, v)) = rel.split_once(' ')
                    {
                        out.push(v.trim().to_owned());
                    }
                }
            }
        }
    }
    for list in ["DSA.list", "DLA.list", "DTSA.list"] {
        let text =
            std::fs::read_to_string(data.join("feeds/debian/tracker").join(list)).expect(list);
        for line in text.lines() {
            // "\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6"
            if let Some((_, rest)) = line.trim().split_once("] - ")
                && let Some(v) = rest.split_whitespace().nth(1)
                && v.starts_with(|c: char| c.is_ascii_digit())
            {
                out.push(v.to_owned());
            }
        }
    }
    out
}

#[test]
fn real_versions_agree_with_dpkg() {
    let versions = real_versions();
    assert!(
        versions.len() > 10_000,
        "expected the status files' and advisories' versions, found {}",
        versions.len()
    );
    let pairs = harness::corpus_pairs(versions, harness::pairs_wanted(4000) * 2);
    differential("deb status + DSA/DLA", &pairs);
}

#[test]
fn laws() {
    let triples: Vec<_> = harness::sample(
        &harness::close_triples(TOKENS, 7),
        harness::pairs_wanted(4000),
    )
    .into_iter()
    .map(|(a, b, c)| (format!("1{a}"), format!("1{b}"), format!("1{c}")))
    .collect();
    harness::check_laws("deb", &triples, |a, b| DebScheme.compare(a, b).ok());
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(real_versions(), 10_000);
    harness::bench("deb", &pairs, |a, b| DebScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = DebScheme.validate(&a);
        let _ = DebScheme.compare(&a, &b);
        let _ = DebScheme.satisfies(&b, &a);
    }
}
