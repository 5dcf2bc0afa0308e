//! (Named `differential` so that `scripts/versions/check-all` runs it.)
//! `NuGet` versions and ranges against vectors taken from `NuGet`'s documentation and its own
//! test suite (`tests/vectors.txt`, sources listed there), plus the laws of a total order.
//! .NET is not available to run `NuGet.Versioning` itself, so there is no live oracle.

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use std::cmp::Ordering;

use customs_nuget::NuGetScheme;
use customs_version::VersionScheme;
use harness::{word, word_bool};
use proptest::prelude::*;

#[test]
fn vectors_from_nuget_docs_and_tests() {
    let text = include_str!("vectors.txt");
    let (mut checked, mut bad) = (0, Vec::new());
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            f.len(),
            4,
            "vectors.txt:{}: want 4 TAB-separated fields",
            n + 1
        );
        let ours = match f[0] {
            "compare" => word(NuGetScheme.compare(f[1], f[2])),
            "satisfies" => word_bool(NuGetScheme.satisfies(f[1], f[2])),
            k => panic!("vectors.txt:{}: unknown kind {k}", n + 1),
        };
        checked += 1;
        if ours != f[3] {
            bad.push(format!("vectors.txt:{}: {line:?}: ours {ours}", n + 1));
        }
        // The reverse comparison must agree.
        if f[0] == "compare" && f[3] != "E" {
            let rev = word(NuGetScheme.compare(f[2], f[1]).map(Ordering::reverse));
            if rev != f[3] {
                bad.push(format!("vectors.txt:{}: reversed: ours {rev}", n + 1));
            }
        }
    }
    eprintln!("nuget: {checked} vectors checked, {} wrong", bad.len());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(checked > 120, "only {checked} vectors");
}

static TOKENS: &[&str] = &[
    "0",
    "1",
    "1",
    "2",
    "10",
    "01",
    "2147483647",
    "2147483648",
    ".",
    ".",
    ".",
    ".",
    "-",
    "-",
    "+",
    "a",
    "A",
    "beta",
    "BETA",
    "rc",
    "alpha",
    "z",
    " ",
    "*",
];

fn structured() -> impl Strategy<Value = String> {
    let sel = |v: &'static [&'static str]| proptest::sample::select(v);
    (
        sel(&["0", "1", "2", "10", "01"]),
        sel(&["", ".0", ".1", ".2", ".10", ".00"]),
        sel(&["", ".0", ".1", ".3", ".0.0", ".0.1", ".1.1"]),
        sel(&[
            "",
            "",
            "-alpha",
            "-Alpha",
            "-alpha.1",
            "-alpha.beta",
            "-beta",
            "-beta.2",
            "-beta.11",
            "-rc.1",
            "-RC.1",
            "-0",
            "-1",
            "-10",
            "-a-b",
            "--1",
            "-1a",
            "-x.y.5",
        ]),
        sel(&["", "", "", "+build", "+Build.01", "+a-b"]),
    )
        .prop_map(|(a, b, c, pre, meta)| format!("{a}{b}{c}{pre}{meta}"))
}

#[test]
fn laws() {
    let n = harness::pairs_wanted(4000);
    let triples = harness::sample(&(structured(), structured(), structured()), n);
    harness::check_laws("nuget", &triples, |a, b| NuGetScheme.compare(a, b).ok());
    let close = harness::sample(&harness::close_triples(TOKENS, 10), n);
    let valid: Vec<_> = close
        .into_iter()
        .filter(|(a, b, c)| [a, b, c].iter().all(|v| NuGetScheme.validate(v).is_ok()))
        .collect();
    let mut padded = valid.clone();
    padded.extend(valid.iter().cloned());
    if !valid.is_empty() {
        harness::check_laws("nuget close", &padded, |a, b| {
            NuGetScheme.compare(a, b).ok()
        });
    }
}

/// Package versions of the .NET lock files and deps.json in syft's and grype's test data.
fn real() -> Vec<String> {
    let data = harness::shared_data();
    let mut text = harness::archive_text(
        &data.join("archives/syft-testdata.tar.zst"),
        "packages.lock.json",
    );
    text += &harness::archive_text(&data.join("archives/syft-testdata.tar.zst"), ".deps.json");
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim().trim_end_matches(',');
        // packages.lock.json: "resolved": "1.2.3"; deps.json: "Name/1.2.3": {
        if let Some(v) = t.strip_prefix("\"resolved\": \"") {
            out.push(v.trim_end_matches('"').to_owned());
        } else if let Some((_, v)) = t.strip_suffix("\": {").and_then(|k| k.rsplit_once('/'))
            && v.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push(v.to_owned());
        }
    }
    out
}

#[test]
fn real_versions_parse_and_order() {
    let versions = real();
    assert!(versions.len() > 50, "found {} versions", versions.len());
    let bad: Vec<&String> = versions
        .iter()
        .filter(|v| NuGetScheme.validate(v).is_err())
        .collect();
    assert!(bad.is_empty(), "real NuGet versions rejected: {bad:?}");
    let pairs = harness::corpus_pairs(versions, harness::pairs_wanted(4000));
    let triples: Vec<_> = pairs
        .windows(2)
        .map(|w| (w[0].0.clone(), w[0].1.clone(), w[1].1.clone()))
        .collect();
    harness::check_laws("nuget real", &triples, |a, b| {
        NuGetScheme.compare(a, b).ok()
    });
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let mut pairs = harness::corpus_pairs(real(), 5_000);
    pairs.extend(harness::sample(&(structured(), structured()), 5_000));
    harness::bench("nuget", &pairs, |a, b| NuGetScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = NuGetScheme.validate(&a);
        let _ = NuGetScheme.compare(&a, &b);
        let _ = NuGetScheme.satisfies(&b, &a);
        let _ = NuGetScheme.satisfies("1.0", &a);
    }

    #[test]
    fn total_order(a in structured(), b in structured(), c in structured()) {
        let cmp = |x: &str, y: &str| NuGetScheme.compare(x, y).unwrap();
        prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse());
        if cmp(&a, &b) != Ordering::Greater && cmp(&b, &c) != Ordering::Greater {
            prop_assert_ne!(cmp(&a, &c), Ordering::Greater);
        }
    }
}
