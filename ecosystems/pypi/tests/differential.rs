//! PEP 440 ordering and specifiers against `packaging` (the library `pip` vendors).

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use customs_pypi::Pep440Scheme;
use customs_version::VersionScheme;
use harness::{Oracle, word, word_bool};
use proptest::prelude::*;

const INSTALL: &str = "PyPA packaging for python3 (scripts/versions/setup makes scripts/versions/.venv; or pip install packaging)";

fn oracle(satisfies: bool) -> Oracle {
    let mut o = Oracle::python("packaging", "pep440-oracle.py", INSTALL);
    if satisfies {
        o.args.push("--satisfies".into());
    }
    o
}

static TOKENS: &[&str] = &[
    "0",
    "1",
    "1",
    "2",
    "10",
    "01",
    "00",
    ".",
    ".",
    ".",
    ".",
    "a",
    "b",
    "c",
    "rc",
    "RC",
    "alpha",
    "beta",
    "pre",
    "preview",
    "post",
    "rev",
    "r",
    "dev",
    "-",
    "-",
    "_",
    "+",
    "+local",
    "+ubuntu.1",
    "!",
    "1!",
    "v",
    "V",
    " ",
    "*",
    "x",
    "1.0",
    ".post1",
    ".dev0",
    "-1",
];

fn ours(a: &str, b: &str) -> String {
    word(Pep440Scheme.compare(a, b))
}

#[test]
fn generated_pairs_agree_with_packaging() {
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::sample(&harness::close_pairs(TOKENS, 9), n / 4);
    pairs.extend(
        harness::sample(&harness::close_pairs(TOKENS, 6), n / 4)
            .into_iter()
            .map(|(a, b)| (format!("1{a}"), format!("1{b}"))),
    );
    pairs.extend(harness::sample(
        &(structured(), structured()),
        n - pairs.len(),
    ));
    let bad = harness::differential("pep440 generated", &oracle(false), &pairs, ours);
    harness::assert_agree("pep440 generated", &bad);
}

/// Well-formed versions in all their spellings: [N!]R[.R..][pre][post][dev][+local].
fn structured() -> impl Strategy<Value = String> {
    let sel = |v: &'static [&'static str]| proptest::sample::select(v);
    (
        sel(&["", "", "", "", "1!", "0!", "v", "V"]),
        proptest::collection::vec(sel(&["0", "1", "2", "10", "00", "01"]), 1..4),
        sel(&[
            "", "", "a1", "b2", "rc1", "a", "alpha1", "c2", "pre1", "preview", ".b1", "-rc.2",
            "_a_0",
        ]),
        sel(&[
            "", "", "", ".post1", ".post0", "-1", "post", ".r2", "-rev", "_post_3",
        ]),
        sel(&["", "", "", ".dev0", ".dev1", "dev", "-dev_2"]),
        sel(&[
            "",
            "",
            "",
            "",
            "+local",
            "+1",
            "+ubuntu.1",
            "+A-b_2",
            "+0.1",
        ]),
    )
        .prop_map(|(e, r, pre, post, dev, local)| {
            format!("{e}{}{pre}{post}{dev}{local}", r.join("."))
        })
}

static OPS: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "~=", "===", " >= ", "==", "!=", "~=",
];

/// Version pieces for specifiers: mostly valid.
static SPEC_TOKENS: &[&str] = &[
    ".0", ".1", ".2", ".10", ".0", ".1", "a1", "b2", "rc1", ".post1", ".post0", ".dev0", ".dev1",
    "+local", "+1", "-1", "a", ".post", "rc", "1!", ".5",
];

fn specifier() -> impl Strategy<Value = String> {
    let version = prop_oneof![
        structured(),
        harness::token_version(SPEC_TOKENS, 4).prop_map(|v| format!("1{}", v.concat()))
    ];
    let one = (proptest::sample::select(OPS), version, any::<bool>()).prop_map(|(op, v, star)| {
        if star && !v.contains(['+', 'a', 'b', 'r', 'p', 'd', '-']) {
            format!("{op}{v}.*")
        } else {
            format!("{op}{v}")
        }
    });
    proptest::collection::vec(one, 1..3).prop_map(|v| v.join(","))
}

#[test]
fn specifiers_agree_with_packaging() {
    let n = harness::pairs_wanted(4000);
    let pairs: Vec<(String, String)> = harness::sample(&(structured(), specifier()), n);
    let bad = harness::differential("pep440 specifiers", &oracle(true), &pairs, |v, s| {
        word_bool(Pep440Scheme.satisfies(v, s))
    });
    harness::assert_agree("pep440 specifiers", &bad);
}

/// Every version string in the `PyPA` advisory database (OSV YAML).
fn real_versions() -> Vec<String> {
    let archive = harness::shared_data().join("feeds/osv/pypa-advisory-database.tar.zst");
    let mut out = Vec::new();
    let doc = harness::archive_text(&archive, ".yaml");
    {
        let mut in_versions = false;
        for line in doc.lines() {
            let t = line.trim();
            if t == "versions:" {
                in_versions = true;
                continue;
            }
            let item = t.strip_prefix("- ");
            let value = if let Some(rest) = item {
                ["introduced: ", "fixed: ", "last_affected: "]
                    .iter()
                    .find_map(|k| rest.strip_prefix(k))
                    .or(if in_versions && !rest.contains(": ") {
                        Some(rest)
                    } else {
                        None
                    })
            } else {
                in_versions = false;
                None
            };
            if let Some(v) = value {
                let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
                if v != "0" && v.len() < 40 {
                    out.push(v.to_owned());
                }
            }
        }
    }
    out
}

#[test]
fn real_versions_agree_with_packaging() {
    let versions = real_versions();
    assert!(
        versions.len() > 10_000,
        "expected the PyPA advisories' versions, found {}",
        versions.len()
    );
    let pairs = harness::corpus_pairs(versions, harness::pairs_wanted(4000) * 2);
    let bad = harness::differential("pep440 PyPA advisories", &oracle(false), &pairs, ours);
    harness::assert_agree("pep440 PyPA advisories", &bad);
}

#[test]
fn laws() {
    let triples = harness::sample(
        &(structured(), structured(), structured()),
        harness::pairs_wanted(4000),
    );
    harness::check_laws("pep440", &triples, |a, b| Pep440Scheme.compare(a, b).ok());
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(real_versions(), 10_000);
    harness::bench("pep440", &pairs, |a, b| Pep440Scheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,12}") {
        let _ = Pep440Scheme.validate(&a);
        let _ = Pep440Scheme.compare(&a, &b);
        let _ = Pep440Scheme.satisfies(&a, &b);
        let _ = Pep440Scheme.satisfies("1.0", &a);
    }
}
