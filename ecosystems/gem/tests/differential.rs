//! Ruby gem versions and requirements against Ruby's own `Gem::Version` and `Gem::Requirement`.

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use customs_gem::GemScheme;
use customs_version::VersionScheme;
use harness::{Oracle, word, word_bool};
use proptest::prelude::*;

const INSTALL: &str = "ruby (apt-get install ruby)";

fn oracle(satisfies: bool) -> Oracle {
    let mut o = Oracle::script("rubygems", "ruby", "gem-oracle.rb", INSTALL);
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
    "99999999999999999999999",
    ".",
    ".",
    ".",
    ".",
    ".",
    "-",
    "-",
    "a",
    "b",
    "A",
    "pre",
    "rc",
    "beta",
    "alpha",
    "RC",
    "z",
    " ",
    "_",
    "+",
    "1a",
    "0a",
];

fn structured() -> impl Strategy<Value = String> {
    let sel = |v: &'static [&'static str]| proptest::sample::select(v);
    (
        sel(&["0", "1", "2", "10", "01"]),
        sel(&["", ".0", ".1", ".2", ".10", ".0.0"]),
        sel(&["", ".0", ".1", ".3", ".a"]),
        sel(&[
            "", "", ".pre", ".pre.1", ".rc1", ".beta.2", "-1", "-rc.1", ".a", ".b", "a", ".0.a",
            ".RC1",
        ]),
    )
        .prop_map(|(a, b, c, pre)| format!("{a}{b}{c}{pre}"))
}

fn ours(a: &str, b: &str) -> String {
    word(GemScheme.compare(a, b))
}

#[test]
fn generated_pairs_agree_with_rubygems() {
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::sample(&harness::close_pairs(TOKENS, 10), n / 3);
    pairs.extend(harness::sample(&(structured(), structured()), n - n / 3));
    let bad = harness::differential("gem generated", &oracle(false), &pairs, ours);
    harness::assert_agree("gem generated", &bad);
}

static OPS: &[&str] = &[
    "", "=", "!=", ">", "<", ">=", "<=", "~>", "~> ", ">= ", " = ", "=>", "~",
];

#[test]
fn requirements_agree_with_rubygems() {
    let n = harness::pairs_wanted(4000);
    let one = (proptest::sample::select(OPS), structured()).prop_map(|(op, v)| format!("{op}{v}"));
    let reqs = proptest::collection::vec(one, 0..3).prop_map(|v| v.join(", "));
    let pairs = harness::sample(&(structured(), reqs), n);
    let bad = harness::differential("gem requirements", &oracle(true), &pairs, |v, r| {
        word_bool(GemScheme.satisfies(v, r))
    });
    harness::assert_agree("gem requirements", &bad);
}

/// Versions and requirements from the Gemfile.lock and gemspecs in syft's test data.
fn real() -> (Vec<String>, Vec<String>) {
    let data = harness::shared_data();
    let archive = data.join("archives/syft-testdata.tar.zst");
    let (mut versions, mut reqs) = (Vec::new(), Vec::new());
    let text = harness::archive_text(&archive, "Gemfile.lock")
        + &harness::archive_text(&archive, ".gemspec");
    for line in text.lines() {
        // Gemfile.lock: "    name (1.2.3)" and "      dep (>= 1.0, < 2)".
        if let Some((_, rest)) = line.trim().split_once(" (")
            && let Some(inner) = rest.strip_suffix(')')
        {
            if inner.starts_with(|c: char| c.is_ascii_digit()) && !inner.contains(' ') {
                versions.push(inner.to_owned());
            } else {
                reqs.push(inner.to_owned());
            }
        }
        if let Some(rest) = line.trim().strip_prefix("s.version = ") {
            versions.push(rest.trim_matches(|c| c == '"' || c == '\'').to_owned());
        }
    }
    (versions, reqs)
}

#[test]
fn real_versions_and_requirements_agree_with_rubygems() {
    let (versions, reqs) = real();
    assert!(
        versions.len() > 50 && reqs.len() > 20,
        "found {} versions, {} requirements",
        versions.len(),
        reqs.len()
    );
    let n = harness::pairs_wanted(4000);
    let pairs = harness::corpus_pairs(versions.clone(), n);
    let bad = harness::differential("gem Gemfile.lock versions", &oracle(false), &pairs, ours);
    harness::assert_agree("gem Gemfile.lock versions", &bad);
    let pairs: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                versions[(i * 7919) % versions.len()].clone(),
                reqs[(i * 31) % reqs.len()].clone(),
            )
        })
        .collect();
    let bad = harness::differential(
        "gem Gemfile.lock requirements",
        &oracle(true),
        &pairs,
        |v, r| word_bool(GemScheme.satisfies(v, r)),
    );
    harness::assert_agree("gem Gemfile.lock requirements", &bad);
}

#[test]
fn laws() {
    let triples = harness::sample(
        &(structured(), structured(), structured()),
        harness::pairs_wanted(4000),
    );
    harness::check_laws("gem", &triples, |a, b| GemScheme.compare(a, b).ok());
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::sample(&(structured(), structured()), 10_000);
    harness::bench("gem", &pairs, |a, b| GemScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = GemScheme.validate(&a);
        let _ = GemScheme.compare(&a, &b);
        let _ = GemScheme.satisfies(&b, &a);
        let _ = GemScheme.satisfies("1.0", &a);
    }
}
