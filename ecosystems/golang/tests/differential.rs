//! Go module versions against `golang.org/x/mod/semver` itself.

#[path = "../../../scripts/versions/harness.rs"]
mod harness;
#[path = "../../../scripts/versions/osv.rs"]
mod osv;

use customs_golang::GoScheme;
use customs_version::VersionScheme;
use harness::{Oracle, word};
use proptest::prelude::*;

const INSTALL: &str = "go and golang.org/x/mod (apt-get install golang-go golang-golang-x-mod-dev)";

fn oracle() -> Oracle {
    Oracle::script("golang.org/x/mod/semver", "sh", "go-oracle", INSTALL)
}

static TOKENS: &[&str] = &[
    "v",
    "v",
    "v",
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
    "+",
    "incompatible",
    "+incompatible",
    "alpha",
    "beta",
    "rc",
    "pre",
    "a",
    "B",
    "0.",
    "20191109021931",
    "-daa7c04131f5",
    "_",
];

fn structured() -> impl Strategy<Value = String> {
    let sel = |v: &'static [&'static str]| proptest::sample::select(v);
    (
        sel(&["v", "v", "v", ""]),
        sel(&["0", "1", "2", "10"]),
        sel(&["", ".0", ".1", ".2", ".10"]),
        sel(&["", ".0", ".1", ".3"]),
        sel(&[
            "",
            "",
            "-alpha",
            "-beta.2",
            "-beta.11",
            "-rc.1",
            "-0.20191109021931-daa7c04131f5",
            "-20191109021931-daa7c04131f5",
            "-pre.0.20200101000000-abcdef",
            "-1",
            "-x-y",
        ]),
        sel(&["", "", "+incompatible", "+build.1"]),
    )
        .prop_map(|(v, a, b, c, pre, build)| format!("{v}{a}{b}{c}{pre}{build}"))
}

fn ours(a: &str, b: &str) -> String {
    word(GoScheme.compare(a, b))
}

#[test]
fn generated_pairs_agree_with_x_mod_semver() {
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::sample(&harness::close_pairs(TOKENS, 10), n / 3);
    pairs.extend(harness::sample(&(structured(), structured()), n - n / 3));
    let bad = harness::differential("go generated", &oracle(), &pairs, ours);
    harness::assert_agree("go generated", &bad);
}

/// Every version in the Go vulnerability database (OSV) and in the go.mod files we have.
fn real_versions() -> Vec<String> {
    let data = harness::shared_data();
    let records = harness::archive_text(&data.join("feeds/osv/golang-vulndb-osv.tar.zst"), ".json");
    let mut out = osv::osv_json_versions(&records, "Go");
    if let Ok(text) =
        std::fs::read_to_string(data.join("pkgdb/lang/trivy-integration-repo/gomod/go.mod"))
    {
        out.extend(
            text.split_whitespace()
                .filter(|w| w.starts_with('v') && w.contains('.'))
                .map(str::to_owned),
        );
    }
    out
}

#[test]
fn real_versions_agree_with_x_mod_semver() {
    let versions = real_versions();
    assert!(
        versions.len() > 1000,
        "expected the Go vulndb versions, found {}",
        versions.len()
    );
    let pairs = harness::corpus_pairs(versions, harness::pairs_wanted(4000) * 2);
    let bad = harness::differential("go vulndb", &oracle(), &pairs, ours);
    harness::assert_agree("go vulndb", &bad);
}

#[test]
fn laws() {
    let triples = harness::sample(
        &(structured(), structured(), structured()),
        harness::pairs_wanted(4000),
    );
    harness::check_laws("go", &triples, |a, b| GoScheme.compare(a, b).ok());
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(real_versions(), 10_000);
    harness::bench("go", &pairs, |a, b| GoScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = GoScheme.validate(&a);
        let _ = GoScheme.compare(&a, &b);
        let _ = GoScheme.satisfies(&b, &a);
    }
}
