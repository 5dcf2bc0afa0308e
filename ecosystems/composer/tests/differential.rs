//! Composer versions and constraints against composer/semver itself (PHP).

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use customs_composer::{ComposerConstraint, ComposerScheme, ComposerVersion};
use customs_version::VersionScheme;
use harness::{Oracle, word, word_bool};
use proptest::prelude::*;

const INSTALL: &str =
    "php-cli and php-composer-semver (apt-get install php-cli php-composer-semver)";

fn oracle(satisfies: bool) -> Oracle {
    let mut o = Oracle::script("composer/semver", "php", "composer-oracle.php", INSTALL);
    if satisfies {
        o.args.push("--satisfies".into());
    }
    o
}

/// Our answer in the oracle's words; Composer leaves two different branches unordered (`U`).
fn ours(a: &str, b: &str) -> String {
    if let (Ok(x), Ok(y)) = (ComposerVersion::parse(a), ComposerVersion::parse(b))
        && x.is_branch()
        && y.is_branch()
        && x.normalized() != y.normalized()
    {
        return "U".into();
    }
    word(ComposerScheme.compare(a, b))
}

static TOKENS: &[&str] = &[
    "0",
    "1",
    "1",
    "2",
    "10",
    "01",
    "00",
    "2010",
    "99999999999999999999",
    ".",
    ".",
    ".",
    ".",
    "-",
    "-",
    "_",
    "+",
    "v",
    "V",
    "dev",
    "-dev",
    "dev-",
    "alpha",
    "a",
    "b",
    "beta",
    "RC",
    "rc",
    "pl",
    "p",
    "patch",
    "stable",
    "x",
    "X",
    "*",
    "@dev",
    "@stable",
    "@RC",
    " as ",
    "master",
    "#",
    ":",
    " ",
    "foo",
];

fn structured() -> impl Strategy<Value = String> {
    let sel = |v: &'static [&'static str]| proptest::sample::select(v);
    (
        sel(&["", "", "", "v"]),
        sel(&[
            "0", "1", "1", "2", "10", "01", "00", "123456", "2010", "20100102",
        ]),
        sel(&[
            "", ".0", ".1", ".1", ".2", ".10", ".0.0", ".00", "-01-02", ".x",
        ]),
        sel(&["", "", ".0", ".1", ".3", ".4", ".4.5"]),
        sel(&[
            "",
            "",
            "",
            "-dev",
            ".x-dev",
            "-alpha",
            "-alpha1",
            "a2",
            "-b",
            "-beta.2",
            "beta3",
            "-RC1",
            "RC",
            "-rc.1",
            "pl2",
            "p1",
            "-patch",
            "-stable",
            "stable",
            "-beta1-dev",
            "_a",
            ".rc2",
            "-RC1.2",
            "+build.1",
            "-dev#abc",
            "@dev",
            "@beta",
        ]),
    )
        .prop_map(|(v, a, b, c, m)| format!("{v}{a}{b}{c}{m}"))
}

fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => structured(),
        1 => proptest::sample::select(&[
            "dev-master", "dev-main", "master", "dev-feature/x", "DEV-Foo", "dev-1.0", "trunk",
            "1.0 as 2.0", "foo-dev", "1.x-dev", "v1.2.x-dev", "2.*-dev",
        ][..])
        .prop_map(str::to_owned),
    ]
}

#[test]
fn generated_pairs_agree_with_composer() {
    let n = harness::pairs_wanted(4000);
    let mut pairs = harness::sample(&harness::close_pairs(TOKENS, 10), n / 3);
    pairs.extend(harness::sample(&(version(), version()), n - n / 3));
    let bad = harness::differential("composer generated", &oracle(false), &pairs, ours);
    harness::assert_agree("composer generated", &bad);
}

/// Of four draws, the first that `ok` accepts, or the first when it is a (pseudo-random)
/// quarter of the cases or none is accepted: mostly valid input, some invalid.
fn mostly(
    s: impl Strategy<Value = String>,
    ok: fn(&String) -> bool,
) -> impl Strategy<Value = String> {
    proptest::collection::vec(s, 4).prop_map(move |c| {
        if c[0].len() % 4 == 0 {
            return c[0].clone();
        }
        c.iter().find(|x| ok(x)).unwrap_or(&c[0]).clone()
    })
}

static OPS: &[&str] = &[
    "", "", "=", "==", "!=", "<>", ">", ">=", "<", "<=", "^", "^", "~", "~", "~>", ">= ", "< ",
];

fn constraint() -> impl Strategy<Value = String> {
    let one = prop_oneof![
        6 => (proptest::sample::select(OPS), structured()).prop_map(|(op, v)| format!("{op}{v}")),
        1 => (structured(), structured()).prop_map(|(a, b)| format!("{a} - {b}")),
        1 => proptest::sample::select(&[
            "*", "x", "*.*", "v*", "@dev", "*@dev", "dev-master", "dev-main#abc", "1.x-dev#abc",
            "foo-dev", "1.0 as 2.0",
        ][..])
        .prop_map(str::to_owned),
    ];
    // Mostly constraints that parse (a quarter of the others are kept, to test rejection).
    let one = mostly(one, |c| ComposerConstraint::parse(c).is_ok());
    let and = proptest::collection::vec(one, 1..3).prop_flat_map(|v| {
        proptest::sample::select(&[" ", ",", ", ", " , ", "  "][..]).prop_map(move |s| v.join(s))
    });
    proptest::collection::vec(and, 1..4).prop_flat_map(|v| {
        proptest::sample::select(&[" || ", "||", "|", " | "][..]).prop_map(move |s| v.join(s))
    })
}

#[test]
fn constraints_agree_with_composer() {
    let n = harness::pairs_wanted(4000);
    let valid = mostly(version(), |v| ComposerScheme.validate(v).is_ok());
    let mut pairs = harness::sample(&(valid, constraint()), n - n / 4);
    // Text mutations of constraints: separators and operators in odd places.
    let ctokens: &'static [&'static str] = &[
        "1", "2", "0", ".", ".", "-", " ", " ", ",", "|", "||", "^", "~", ">", "<", "=", "!", "*",
        "x", "dev", "@", "as", "beta", "v",
    ];
    let mutated = harness::sample(&(version(), harness::close_pairs(ctokens, 10)), n / 4);
    pairs.extend(mutated.into_iter().map(|(v, (c, _))| (v, c)));
    let bad = harness::differential("composer constraints", &oracle(true), &pairs, |v, c| {
        word_bool(ComposerScheme.satisfies(v, c))
    });
    harness::assert_agree("composer constraints", &bad);
}

/// Hand-picked edges: numbers past `PHP_INT_MAX` in bumped bounds (PHP floats), branches,
/// aliases, merges of contiguous alternatives.
#[test]
fn edge_cases_agree_with_composer() {
    let c = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let constraints = vec![
        c("1.0", "^99999999999999999999"),
        c("99999999999999999999.0", "^99999999999999999999"),
        c("1.0", "~1.99999999999999999999"),
        c("1.99999999999999999999", "~1.99999999999999999999"),
        c("9223372036854775807.5", "9223372036854775807.x"),
        c("9223372036854775807.5", "^9223372036854775807"),
        c("1.5", "1.0 - 1.9223372036854775807"),
        c("1.9223372036854775807", "~1.9223372036854775806.1"),
        c("2.5", ">=1 <2 || >=2 <3"),
        c("2.5", ">=1 <3 || >=3 <2"),
        c("3.5", ">=1 <2 || >=2 <3 || >=3 <4"),
        c("1.5", ">=1 <=2 || >=2 <3"),
        c("dev-main", "dev-main || ^1.0"),
        c("dev-main", "!=dev-main"),
        c("dev-main", "!=1.0"),
        c("1.0", "!=dev-main"),
        c("1.0.0-beta", "1.0.0@beta"),
        c("1.0.0-beta", ">=1.0@beta"),
        c("1.0.0-beta", "^1.0@stable"),
        c("1.0", "1.0 as 2.0"),
        c("1.0", "dev-master as 1.0"),
        c("1.0", ">=1.0,<2.0"),
        c("1.0", ">=1.0 , <2.0"),
        c("1.0", ">=1.0 ,, <2.0"),
        c("1.0", ">= 1.0 - 2.0"),
        c("1.0", "1.0 -2.0"),
        c("1.0", "1.0- 2.0"),
        c("1.0", "~1.0 |"),
        c("1.0", "| ~1.0"),
        c("1.0", "1.0|||2.0"),
    ];
    let bad = harness::differential("composer edges", &oracle(true), &constraints, |v, r| {
        word_bool(ComposerScheme.satisfies(v, r))
    });
    harness::assert_agree("composer edges", &bad);
    let versions = vec![
        c("1.99999999999999999999", "1.99999999999999999998"),
        c("1.9223372036854775807", "1.9223372036854775808"),
        c("dev-a.", "dev-.a"),
        c("dev-master", "master"),
        c("dev-master", "0.0.0-dev"),
        c("1.0.0-STABLE", "1.0.0"),
        c("1.0-pl1", "1.0-patch1"),
        c("1.0.0.0-alpha", "1.0.0.0-a"),
        c("20100102-beta", "2010.01.02"),
        c("1.0.x-dev", "1.0.9999999.9999999-dev"),
        c("1.0.0+a b", "1.0.0"),
    ];
    let bad = harness::differential("composer version edges", &oracle(false), &versions, ours);
    harness::assert_agree("composer version edges", &bad);
}

/// Every JSON string under `key` (a string, or an object's values) in concatenated JSON text.
fn json_strings(text: &str, key: &str, out: &mut Vec<String>) {
    fn walk(v: &serde_json::Value, key: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k == key {
                        let strings: Vec<&serde_json::Value> = match x {
                            serde_json::Value::Object(o) => o.values().collect(),
                            _ => vec![x],
                        };
                        out.extend(strings.iter().filter_map(|s| s.as_str().map(str::to_owned)));
                    }
                    walk(x, key, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            _ => {}
        }
    }
    // Files are concatenated and some are not JSON: parse from each `{` that starts a document.
    let mut i = 0;
    while let Some(off) = text[i..].find('{') {
        let start = i + off;
        let mut docs = serde_json::Deserializer::from_str(&text[start..]).into_iter();
        match docs.next() {
            Some(Ok(v)) => {
                walk(&v, key, out);
                i = start + docs.byte_offset();
            }
            _ => i = start + 1,
        }
    }
}

/// Versions and requirements of the composer.lock / installed.json files in the shared data.
fn real() -> (Vec<String>, Vec<String>) {
    let data = harness::shared_data();
    let mut text = std::fs::read_to_string(
        data.join("pkgdb/lang/trivy-integration-repo/composer/composer.lock"),
    )
    .expect("trivy composer.lock");
    let syft = data.join("archives/syft-testdata.tar.zst");
    text += &harness::archive_text(&syft, "composer.lock");
    text += &harness::archive_text(&syft, "installed.json");
    for f in ["composer/composer.json", "composer-vendor/installed.json"] {
        text += &std::fs::read_to_string(data.join("pkgdb/lang/trivy-integration-repo").join(f))
            .unwrap_or_default();
    }
    let (mut versions, mut reqs) = (Vec::new(), Vec::new());
    json_strings(&text, "version", &mut versions);
    json_strings(&text, "version_normalized", &mut versions);
    for key in ["require", "require-dev", "conflict", "provide", "replace"] {
        json_strings(&text, key, &mut reqs);
    }
    (versions, reqs)
}

#[test]
fn real_versions_and_constraints_agree_with_composer() {
    let (versions, reqs) = real();
    assert!(
        versions.len() > 15 && reqs.len() > 50,
        "found {} versions, {} constraints",
        versions.len(),
        reqs.len()
    );
    let n = harness::pairs_wanted(4000);
    let pairs = harness::corpus_pairs(versions.clone(), n);
    let bad = harness::differential("composer lock versions", &oracle(false), &pairs, ours);
    harness::assert_agree("composer lock versions", &bad);
    let pairs: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                versions[(i * 7919) % versions.len()].clone(),
                reqs[(i * 31) % reqs.len()].clone(),
            )
        })
        .collect();
    let bad = harness::differential(
        "composer lock constraints",
        &oracle(true),
        &pairs,
        |v, r| word_bool(ComposerScheme.satisfies(v, r)),
    );
    harness::assert_agree("composer lock constraints", &bad);
}

#[test]
fn laws() {
    let triples = harness::sample(
        &(version(), version(), version()),
        harness::pairs_wanted(4000),
    );
    harness::check_laws("composer", &triples, |a, b| {
        ComposerScheme.compare(a, b).ok()
    });
    let close = harness::sample(
        &harness::close_triples(TOKENS, 8),
        harness::pairs_wanted(4000),
    );
    let valid: Vec<_> = close
        .into_iter()
        .filter(|(a, b, c)| [a, b, c].iter().all(|v| ComposerScheme.validate(v).is_ok()))
        .collect();
    let mut padded = valid.clone();
    padded.extend(valid.iter().cloned());
    if !valid.is_empty() {
        harness::check_laws("composer close", &padded, |a, b| {
            ComposerScheme.compare(a, b).ok()
        });
    }
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let (versions, _) = real();
    let mut pairs = harness::corpus_pairs(versions, 5_000);
    pairs.extend(harness::sample(&(structured(), structured()), 5_000));
    harness::bench("composer", &pairs, |a, b| ComposerScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = ComposerScheme.validate(&a);
        let _ = ComposerScheme.compare(&a, &b);
        let _ = ComposerScheme.satisfies(&b, &a);
        let _ = ComposerScheme.satisfies("1.0", &a);
    }
}
