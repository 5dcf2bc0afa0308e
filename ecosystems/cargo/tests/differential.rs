//! Semantic Versioning 2.0 precedence against node-semver in strict mode, with the
//! semver.org grammar as the validity check (an implementation independent of the `semver`
//! crate). Numbers above 2^53-1 are left out of the generators: JavaScript cannot hold them,
//! and node-semver rejects them, while Semantic Versioning (and the `semver` crate) allow any size.

#[path = "../../../scripts/versions/harness.rs"]
mod harness;
#[path = "../../../scripts/versions/osv.rs"]
mod osv;

use customs_cargo::SemverScheme;
use customs_version::VersionScheme;
use harness::{Oracle, word};
use proptest::prelude::*;

const INSTALL: &str =
    "node and node-semver (npm ci in scripts/versions, or scripts/versions/setup)";

fn oracle() -> Oracle {
    let mut o = Oracle::script(
        "node-semver (strict, semver.org grammar)",
        "node",
        "npm-oracle.js",
        INSTALL,
    );
    o.args.push("--strict".into());
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
    "9007199254740990",
    ".",
    ".",
    ".",
    ".",
    ".",
    "-",
    "-",
    "+",
    "v",
    " ",
    "alpha",
    "beta",
    "rc",
    "a",
    "B",
    "x",
    "-0",
    "+build",
    "_",
    "1.2.3",
    "-alpha.1",
    ".0",
];

fn structured() -> impl Strategy<Value = String> {
    let sel = |v: &'static [&'static str]| proptest::sample::select(v);
    (
        sel(&["0", "1", "2", "10"]),
        sel(&["0", "1", "2", "10"]),
        sel(&["0", "1", "3", "10"]),
        sel(&[
            "",
            "",
            "-alpha",
            "-alpha.1",
            "-alpha.beta",
            "-beta.2",
            "-beta.11",
            "-rc.1",
            "-0",
            "-1",
            "-01",
            "-x.7.z.92",
            "-a-b",
            "-1.a",
            "-alpha.1.2",
        ]),
        sel(&["", "", "", "+build", "+001", "+b.1", "+exp.sha.5114f85"]),
    )
        .prop_map(|(a, b, c, pre, build)| format!("{a}.{b}.{c}{pre}{build}"))
}

/// Whether `s` has a number JavaScript cannot represent exactly (16 digits or more).
fn has_big_number(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= 16)
}

fn ours(a: &str, b: &str) -> String {
    word(SemverScheme.compare(a, b))
}

#[test]
fn generated_pairs_agree_with_semver_org_and_node_semver() {
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::sample(&harness::close_pairs(TOKENS, 10), n / 3);
    pairs.extend(harness::sample(&(structured(), structured()), n - n / 3));
    pairs.retain(|(a, b)| !has_big_number(a) && !has_big_number(b));
    let bad = harness::differential("semver generated", &oracle(), &pairs, ours);
    harness::assert_agree("semver generated", &bad);
}

/// Every version in the `RustSec` advisories (OSV) and in the `Cargo.lock` files we have.
fn real_versions() -> Vec<String> {
    let data = harness::shared_data();
    let records = harness::archive_text(&data.join("feeds/osv/rustsec-osv.tar.zst"), ".json");
    let mut out = osv::osv_json_versions(&records, "crates.io");
    for f in ["pkgdb/lang/trivy-integration-repo/cargo/Cargo.lock"] {
        if let Ok(text) = std::fs::read_to_string(data.join(f)) {
            out.extend(
                text.lines()
                    .filter_map(|l| l.strip_prefix("version = "))
                    .map(|v| v.trim_matches('"').to_owned()),
            );
        }
    }
    out
}

#[test]
fn real_versions_agree_with_semver_org_and_node_semver() {
    let versions = real_versions();
    assert!(
        versions.len() > 1000,
        "expected the RustSec versions, found {}",
        versions.len()
    );
    let pairs = harness::corpus_pairs(versions, harness::pairs_wanted(4000) * 2);
    let bad = harness::differential("semver RustSec", &oracle(), &pairs, ours);
    harness::assert_agree("semver RustSec", &bad);
}

#[test]
fn laws() {
    let triples = harness::sample(
        &(structured(), structured(), structured()),
        harness::pairs_wanted(4000),
    );
    harness::check_laws("semver", &triples, |a, b| SemverScheme.compare(a, b).ok());
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(real_versions(), 10_000);
    harness::bench("semver", &pairs, |a, b| SemverScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = SemverScheme.validate(&a);
        let _ = SemverScheme.compare(&a, &b);
        let _ = SemverScheme.satisfies(&b, &a);
        let _ = SemverScheme.satisfies("1.2.3", &a);
    }
}
