//! npm versions and ranges against node-semver itself (loose, as npm uses it).

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use customs_npm::NpmScheme;
use customs_version::VersionScheme;
use harness::{Oracle, word, word_bool};
use proptest::prelude::*;

const INSTALL: &str =
    "node and node-semver (npm ci in scripts/versions, or scripts/versions/setup)";

fn oracle(satisfies: bool) -> Oracle {
    let mut o = Oracle::script("node-semver", "node", "npm-oracle.js", INSTALL);
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
    "9007199254740991",
    "9007199254740992",
    "99999999999999999999",
    ".",
    ".",
    ".",
    ".",
    ".",
    "-",
    "-",
    "+",
    "v",
    "=",
    " ",
    "alpha",
    "beta",
    "rc",
    "a",
    "B",
    "x",
    "*",
    "1.2.3",
    ".0",
    "-0",
    "+build",
    "_",
    "~",
    "\u{a0}",
];

fn ours(a: &str, b: &str) -> String {
    word(NpmScheme.compare(a, b))
}

/// Well-formed versions with loose spellings.
fn structured() -> impl Strategy<Value = String> {
    let sel = |v: &'static [&'static str]| proptest::sample::select(v);
    (
        sel(&["", "", "", "v", "=", " ", "v=", "=v "]),
        sel(&["0", "1", "2", "10", "01"]),
        sel(&["0", "1", "2", "10", "00"]),
        sel(&["0", "1", "3", "10", "03"]),
        sel(&[
            "",
            "",
            "",
            "-alpha",
            "-alpha.1",
            "-beta.2",
            "-rc.1",
            "-0",
            "-1",
            "-01",
            "alpha",
            "-x.7.z.92",
            "-a-b",
            "-1.a",
        ]),
        sel(&["", "", "", "+build", "+001", "+b.1"]),
    )
        .prop_map(|(p, a, b, c, pre, build)| format!("{p}{a}.{b}.{c}{pre}{build}"))
}

#[test]
fn generated_pairs_agree_with_node_semver() {
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::sample(&harness::close_pairs(TOKENS, 10), n / 3);
    pairs.extend(harness::sample(&(structured(), structured()), n - n / 3));
    let bad = harness::differential("npm generated", &oracle(false), &pairs, ours);
    harness::assert_agree("npm generated", &bad);
}

static RANGE_TOKENS: &[&str] = &[
    "1",
    "1.2",
    "1.2.3",
    "0.2.3",
    "0.0.3",
    "1.x",
    "1.2.x",
    "x",
    "X",
    "*",
    "1.2.3-beta",
    "1.2.3-0",
    "2.0.0-rc.1",
    "2",
    "0",
    "0.0",
    "01.2",
    "v1.2.3",
    "=1.2.3",
    "+b",
    " ",
    " ",
    " ",
    " ",
    ">",
    "<",
    ">=",
    "<=",
    "=",
    "~",
    "^",
    "~>",
    " - ",
    "-",
    "||",
    " || ",
    ".",
    "x.1",
    "1.2.3.4",
    "9007199254740991",
    "a",
    "  ",
];

fn range() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(RANGE_TOKENS), 1..7).prop_map(|v| v.concat())
}

#[test]
fn ranges_agree_with_node_semver() {
    let n = harness::pairs_wanted(4000);
    let versions = prop_oneof![
        structured(),
        proptest::sample::select(
            &[
                "1.2.3",
                "1.2.4-beta",
                "2.0.0",
                "1.9.9",
                "0.2.5",
                "0.0.3",
                "0.0.4",
                "2.0.0-rc.1",
                "1.2.3-0",
                "0.0.0",
                "3.0.0-alpha"
            ][..]
        )
        .prop_map(str::to_owned),
    ];
    let pairs = harness::sample(&(versions, range()), n);
    let bad = harness::differential("npm ranges", &oracle(true), &pairs, |v, r| {
        word_bool(NpmScheme.satisfies(v, r))
    });
    harness::assert_agree("npm ranges", &bad);
}

/// Versions and dependency ranges from the real lockfiles and manifests we have
/// (package-lock.json, yarn.lock, pnpm-lock.yaml, package.json).
fn real() -> (Vec<String>, Vec<String>) {
    let data = harness::shared_data();
    let (mut versions, mut ranges) = (Vec::new(), Vec::new());
    let mut dirs = vec![
        data.join("pkgdb/lang/syft-javascript"),
        data.join("pkgdb/lang/trivy-integration-repo"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("lockfile folder") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for line in text.lines() {
                let t = line.trim().trim_end_matches(',');
                if let Some(v) = t
                    .strip_prefix("\"version\": ")
                    .or_else(|| t.strip_prefix("version "))
                    .or_else(|| t.strip_prefix("version: "))
                {
                    versions.push(v.trim_matches(|c| c == '"' || c == '\'').to_owned());
                } else if let Some((k, v)) = t.split_once("\": \"") {
                    let v = v.trim_end_matches('"');
                    if k.starts_with('"') && v.starts_with(|c: char| "~^<>=*0123456789".contains(c))
                    {
                        ranges.push(v.to_owned());
                    }
                } else if !line.starts_with(' ') && line.ends_with(':') && line.contains('@') {
                    for spec in line.trim_end_matches(':').split(", ") {
                        let spec = spec.trim_matches('"');
                        if let Some(i) = spec.rfind('@').filter(|&i| i > 0) {
                            ranges.push(spec[i + 1..].to_owned());
                        }
                    }
                }
            }
        }
    }
    (versions, ranges)
}

#[test]
fn real_versions_and_ranges_agree_with_node_semver() {
    let (versions, ranges) = real();
    assert!(
        versions.len() > 200 && ranges.len() > 500,
        "found {} versions, {} ranges",
        versions.len(),
        ranges.len()
    );
    let n = harness::pairs_wanted(4000);
    let pairs = harness::corpus_pairs(versions.clone(), n);
    let bad = harness::differential("npm lockfile versions", &oracle(false), &pairs, ours);
    harness::assert_agree("npm lockfile versions", &bad);
    let mut vs = versions;
    vs.sort();
    vs.dedup();
    let mut rs = ranges;
    rs.sort();
    rs.dedup();
    let pairs: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                vs[(i * 7919) % vs.len()].clone(),
                rs[(i * 104_729 / 7) % rs.len()].clone(),
            )
        })
        .collect();
    let bad = harness::differential("npm lockfile ranges", &oracle(true), &pairs, |v, r| {
        word_bool(NpmScheme.satisfies(v, r))
    });
    harness::assert_agree("npm lockfile ranges", &bad);
}

#[test]
fn laws() {
    let triples = harness::sample(
        &(structured(), structured(), structured()),
        harness::pairs_wanted(4000),
    );
    harness::check_laws("npm", &triples, |a, b| NpmScheme.compare(a, b).ok());
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(real().0, 10_000);
    harness::bench("npm", &pairs, |a, b| NpmScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = NpmScheme.validate(&a);
        let _ = NpmScheme.compare(&a, &b);
        let _ = NpmScheme.satisfies(&b, &a);
        let _ = NpmScheme.satisfies("1.2.3", &a);
    }
}
