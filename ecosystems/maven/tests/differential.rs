//! Maven ordering and ranges against maven-artifact's own `ComparableVersion` and `VersionRange`.

#[path = "../../../scripts/versions/harness.rs"]
mod harness;

use std::cmp::Ordering;

use customs_maven::MavenScheme;
use customs_version::VersionScheme;
use harness::{Oracle, word, word_bool};
use proptest::prelude::*;

const INSTALL: &str = "java 17 and Debian's maven (maven-artifact and commons-lang3 in /usr/share/maven/lib; or set CUSTOMS_MAVEN_LIB)";

fn oracle(satisfies: bool) -> Oracle {
    let lib = std::env::var("CUSTOMS_MAVEN_LIB").unwrap_or_else(|_| "/usr/share/maven/lib".into());
    let classpath = format!("{lib}/maven-artifact-3.x.jar:{lib}/commons-lang3.jar");
    for jar in classpath.split(':') {
        assert!(
            std::path::Path::new(jar).exists(),
            "{jar} is missing; install: {INSTALL}"
        );
    }
    let script = harness::scripts_dir()
        .join("MavenOracle.java")
        .display()
        .to_string();
    let mut args = vec!["-cp".to_owned(), classpath, script];
    if satisfies {
        args.push("--satisfies".into());
    }
    Oracle {
        name: "maven-artifact",
        program: "java".into(),
        args,
        install: INSTALL,
    }
}

static TOKENS: &[&str] = &[
    "0",
    "1",
    "1",
    "2",
    "10",
    "01",
    "00",
    "0000000000",
    "1234567890",
    "9999999999999999999",
    ".",
    ".",
    ".",
    ".",
    "-",
    "-",
    "_",
    "+",
    "a",
    "b",
    "m",
    "alpha",
    "beta",
    "milestone",
    "rc",
    "cr",
    "snapshot",
    "SNAPSHOT",
    "ga",
    "final",
    "release",
    "RELEASE",
    "sp",
    "xyz",
    "abc",
    "Final",
    "é",
    " ",
];

fn ours(a: &str, b: &str) -> String {
    word(MavenScheme.compare(a, b))
}

#[test]
fn generated_pairs_agree_with_maven() {
    let n = harness::pairs_wanted(4000);
    let pairs = harness::sample(&harness::close_pairs(TOKENS, 10), n);
    let bad = harness::differential("maven generated", &oracle(false), &pairs, ours);
    harness::assert_agree("maven generated", &bad);
}

static RANGE_TOKENS: &[&str] = &[
    "[",
    "(",
    "]",
    ")",
    ",",
    ",",
    "1.0",
    "2.0",
    "1.5",
    "1",
    "3",
    "1-SNAPSHOT",
    "2.0-rc1",
    " ",
    "[1.0,2.0)",
    "(,1.0]",
    "[1.2]",
    "[3.0,)",
    "1.0",
];

#[test]
fn ranges_agree_with_maven() {
    let n = harness::pairs_wanted(4000);
    let range = proptest::collection::vec(proptest::sample::select(RANGE_TOKENS), 1..8)
        .prop_map(|v| v.concat());
    let version = harness::token_version(TOKENS, 5).prop_map(|v| v.concat());
    let pairs = harness::sample(&(version, range), n);
    let bad = harness::differential("maven ranges", &oracle(true), &pairs, |v, r| {
        word_bool(MavenScheme.satisfies(v, r))
    });
    harness::assert_agree("maven ranges", &bad);
}

/// claircore's Maven vectors (`a op b`). Maven itself is the judge: a vector that Maven
/// 3.9 answers differently is reported, and we must answer as Maven does.
#[test]
fn claircore_vectors() {
    let text = std::fs::read_to_string(
        harness::shared_data().join("versions/claircore/maven-compare.list"),
    )
    .unwrap();
    let mut pairs = Vec::new();
    let mut expected = Vec::new();
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
        pairs.push((f[0].to_owned(), f[2].to_owned()));
        pairs.push((f[2].to_owned(), f[0].to_owned()));
        expected.push(want);
        expected.push(want.reverse());
    }
    assert!(pairs.len() > 160);
    let bad = harness::differential("maven claircore vectors", &oracle(false), &pairs, ours);
    harness::assert_agree("maven claircore vectors", &bad);
    let differ: Vec<_> = pairs
        .iter()
        .zip(&expected)
        .filter(|((a, b), want)| MavenScheme.compare(a, b).ok() != Some(**want))
        .collect();
    eprintln!("claircore vectors that Maven 3.9 (and we) answer differently: {differ:?}");
    assert!(differ.len() <= 2, "{differ:?}");
}

/// Versions from the Maven packages in the grype fixtures and the real pom files we have.
fn real_versions() -> Vec<String> {
    let data = harness::shared_data();
    let mut out = Vec::new();
    let mut dirs = vec![
        data.join("pkgdb/lang/syft-java"),
        data.join("pkgdb/lang/trivy-integration-repo/pom"),
    ];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for piece in text.split("<version>").skip(1) {
                if let Some((v, _)) = piece.split_once("</version>") {
                    out.push(v.trim().to_owned());
                }
            }
        }
    }
    let text = std::fs::read_to_string(data.join("versions/claircore/maven-compare.list")).unwrap();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        out.extend(
            line.split_whitespace()
                .filter(|w| !matches!(*w, "<" | ">" | "=="))
                .map(str::to_owned),
        );
    }
    out
}

#[test]
fn real_versions_agree_with_maven() {
    let versions = real_versions();
    assert!(versions.len() > 100, "found {}", versions.len());
    let pairs = harness::corpus_pairs(versions, harness::pairs_wanted(4000));
    let bad = harness::differential("maven real", &oracle(false), &pairs, ours);
    harness::assert_agree("maven real", &bad);
}

/// Antisymmetry and reflexivity always; transitivity as far as Maven has it: Maven's order is
/// not transitive when nested sub-lists meet qualifiers (`A` > `A-SNAPSHOT` > `Ax` > `A`
/// for some `A`), so every violation we find must be one Maven makes too.
#[test]
fn laws() {
    let triples = harness::sample(
        &harness::close_triples(TOKENS, 8),
        harness::pairs_wanted(4000),
    );
    let cmp = |a: &str, b: &str| MavenScheme.compare(a, b).unwrap();
    let mut violations = Vec::new();
    for (a, b, c) in &triples {
        assert_eq!(cmp(a, b), cmp(b, a).reverse(), "antisymmetry: {a:?} {b:?}");
        assert_eq!(cmp(a, a), Ordering::Equal);
        let (ab, bc, ac) = (cmp(a, b), cmp(b, c), cmp(a, c));
        if (ab != Ordering::Greater && bc != Ordering::Greater && ac == Ordering::Greater)
            || (ab != Ordering::Less && bc != Ordering::Less && ac == Ordering::Less)
        {
            violations.push([
                (a.clone(), b.clone()),
                (b.clone(), c.clone()),
                (a.clone(), c.clone()),
            ]);
        }
    }
    eprintln!(
        "maven: {} of {} triples are not transitive (as in Maven)",
        violations.len(),
        triples.len()
    );
    let pairs: Vec<(String, String)> = violations.iter().flatten().cloned().collect();
    if !pairs.is_empty() {
        let bad = harness::differential("maven intransitive triples", &oracle(false), &pairs, ours);
        harness::assert_agree("maven intransitive triples", &bad);
    }
}

#[test]
#[ignore = "benchmark: run in release by scripts/versions/check-all"]
fn bench() {
    let pairs = harness::corpus_pairs(real_versions(), 10_000);
    harness::bench("maven", &pairs, |a, b| MavenScheme.compare(a, b).ok());
}

proptest! {
    #[test]
    fn never_panics(a in any::<String>(), b in "\\PC{0,16}") {
        let _ = MavenScheme.validate(&a);
        let _ = MavenScheme.compare(&a, &b);
        let _ = MavenScheme.satisfies(&b, &a);
        let _ = MavenScheme.satisfies("1.0", &a);
    }
}
