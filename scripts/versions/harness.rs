//! Shared differential-test harness for the version-scheme crates under `ecosystems/`.
//!
//! Each crate's `tests/differential.rs` includes this file (and `osv.rs` beside it, which
//! needs `serde_json`) with
//! `#[path = "../../../scripts/versions/harness.rs"] mod harness;` (no extra crate needed).
//!
//! The oracles are the package managers' own code, driven by the scripts beside this file.
//! One oracle process answers a whole batch: the harness writes `A<TAB>B` lines to its stdin
//! and reads one answer per line (`-1`, `0`, `1`, or `E` when the oracle rejects an input;
//! `true`/`false`/`E` for range checks).
//!
//! Environment:
//! - `CUSTOMS_VERSION_PAIRS`: pairs per generated batch (default: the test's own, a few thousand).
//! - `CUSTOMS_VERSION_SEED`: seed of the generators (default fixed, so CI is reproducible).
//! - `CUSTOMS_VERSION_SHOW`: how many disagreements to print (default 40).
//! - `CUSTOMS_PYTHON`: the Python with `packaging` (default `scripts/versions/.venv/bin/python`
//!   when present, else `python3`).
//! - `CUSTOMS_SHARED_DATA`: the shared data folder (default `../shared/data` beside the repo).
#![allow(dead_code, clippy::pedantic)]

use std::cmp::Ordering;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// How many pairs a batch holds: `CUSTOMS_VERSION_PAIRS` or the default.
pub fn pairs_wanted(default: usize) -> usize {
    std::env::var("CUSTOMS_VERSION_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn scripts_dir() -> PathBuf {
    repo_root().join("scripts/versions")
}

/// The shared data folder, which must exist: a missing one fails the test.
pub fn shared_data() -> PathBuf {
    let dir = std::env::var_os("CUSTOMS_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data"));
    assert!(
        dir.is_dir(),
        "shared data folder {} is missing: check out shared/ beside the repo or set CUSTOMS_SHARED_DATA",
        dir.display()
    );
    dir
}

fn seed() -> u64 {
    std::env::var("CUSTOMS_VERSION_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0c05_7035)
}

/// Draws `n` values from a proptest strategy with a seeded runner.
pub fn sample<S: Strategy>(strategy: &S, n: usize) -> Vec<S::Value> {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed().to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).expect("strategy").current())
        .collect()
}

/// A version made of `1..max` tokens drawn from `tokens` (repeat a token to weight it).
pub fn token_version(
    tokens: &'static [&'static str],
    max: usize,
) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(select(tokens), 1..max)
}

/// Pairs that are often close: the second is the first with one token replaced, inserted
/// or removed, or equal to it, or independent.
pub fn close_pairs(
    tokens: &'static [&'static str],
    max: usize,
) -> impl Strategy<Value = (String, String)> {
    (
        token_version(tokens, max),
        token_version(tokens, max),
        0..6u8,
        any::<Index>(),
        select(tokens),
    )
        .prop_map(|(a, b, op, idx, tok)| {
            let mut m = a.clone();
            let i = idx.index(m.len());
            match op {
                0 => m = b,
                1 => m[i] = tok,
                2 => m.insert(i, tok),
                3 if m.len() > 1 => {
                    m.remove(i);
                }
                4 => m.push(tok),
                _ => {}
            }
            (a.concat(), m.concat())
        })
}

/// Triples of close versions for the laws.
pub fn close_triples(
    tokens: &'static [&'static str],
    max: usize,
) -> impl Strategy<Value = (String, String, String)> {
    (
        close_pairs(tokens, max),
        0..3u8,
        any::<Index>(),
        select(tokens),
    )
        .prop_map(|((a, b), op, idx, tok)| {
            let mut c: Vec<char> = b.chars().collect();
            let i = idx.index(c.len().max(1));
            match op {
                0 if !c.is_empty() => {
                    c.truncate(i);
                    c.extend(tok.chars());
                }
                1 => c.extend(tok.chars()),
                _ => return (a.clone(), b, a),
            }
            (a, b, c.into_iter().collect())
        })
}

/// An oracle program: the package manager's own comparison, one process per batch.
#[derive(Debug, Clone)]
pub struct Oracle {
    pub name: &'static str,
    pub program: String,
    pub args: Vec<String>,
    /// What to install when the oracle cannot run; printed in the failure.
    pub install: &'static str,
}

impl Oracle {
    /// A Python oracle script from `scripts/versions/` run by the Python with `packaging`.
    pub fn python(name: &'static str, script: &str, install: &'static str) -> Self {
        let venv = scripts_dir().join(".venv/bin/python");
        let program = std::env::var("CUSTOMS_PYTHON").ok().unwrap_or_else(|| {
            if venv.exists() {
                venv.display().to_string()
            } else {
                "python3".to_owned()
            }
        });
        Oracle::script(name, &program, script, install)
    }

    /// `program scripts/versions/<script>`.
    pub fn script(name: &'static str, program: &str, script: &str, install: &'static str) -> Self {
        Oracle {
            name,
            program: program.to_owned(),
            args: vec![scripts_dir().join(script).display().to_string()],
            install,
        }
    }

    /// Sends every line in one batch; returns one answer per line. Panics (naming what to
    /// install) when the oracle is missing or fails: a missing oracle never passes silently.
    pub fn ask(&self, lines: &[String]) -> Vec<String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "oracle {} ({} {:?}) could not start: {e}\n  install: {}\n  (scripts/versions/setup installs every oracle)",
                    self.name, self.program, self.args, self.install
                )
            });
        let mut stdin = child.stdin.take().expect("stdin");
        let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut err = String::new();
        let mut stderr = child.stderr.take().expect("stderr");
        let err_reader = std::thread::spawn(move || {
            let _ = stderr.read_to_string(&mut err);
            err
        });
        let mut out = String::new();
        child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut out)
            .expect("read oracle output");
        let status = child.wait().expect("wait for oracle");
        let _ = writer.join();
        let err = err_reader.join().unwrap_or_default();
        assert!(
            status.success(),
            "oracle {} failed ({status}): {}\n  install: {}\n  (scripts/versions/setup installs every oracle)",
            self.name,
            err.trim(),
            self.install
        );
        let answers: Vec<String> = out.lines().map(|l| l.trim().to_owned()).collect();
        assert_eq!(
            answers.len(),
            lines.len(),
            "oracle {} answered {} lines for {} questions; stderr: {}",
            self.name,
            answers.len(),
            lines.len(),
            err.trim()
        );
        answers
    }
}

/// Our answer in the oracle's words.
pub fn word<E>(r: Result<Ordering, E>) -> String {
    match r {
        Ok(Ordering::Less) => "-1".into(),
        Ok(Ordering::Equal) => "0".into(),
        Ok(Ordering::Greater) => "1".into(),
        Err(_) => "E".into(),
    }
}

pub fn word_bool<E>(r: Result<bool, E>) -> String {
    match r {
        Ok(true) => "true".into(),
        Ok(false) => "false".into(),
        Err(_) => "E".into(),
    }
}

/// Asks the oracle about every pair and returns the disagreements, printing them
/// (`DISAGREE <label>: <a> ? <b>: ours <x>, oracle <y>`; `scripts/versions/check-all` greps these).
pub fn differential(
    label: &str,
    oracle: &Oracle,
    pairs: &[(String, String)],
    ours: impl Fn(&str, &str) -> String,
) -> Vec<(String, String, String, String)> {
    let lines: Vec<String> = pairs.iter().map(|(a, b)| format!("{a}\t{b}")).collect();
    let answers = oracle.ask(&lines);
    let show = std::env::var("CUSTOMS_VERSION_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40usize);
    let mut bad = Vec::new();
    for ((a, b), theirs) in pairs.iter().zip(answers) {
        let mine = ours(a, b);
        if mine != theirs {
            if bad.len() < show {
                eprintln!("DISAGREE {label}: {a:?} ? {b:?}: ours {mine}, oracle {theirs}");
            }
            bad.push((a.clone(), b.clone(), mine, theirs));
        }
    }
    let errs = pairs.iter().filter(|(a, b)| ours(a, b) == "E").count();
    eprintln!(
        "{label}: {} pairs checked against {}, {} disagreements ({} pairs rejected as invalid by us)",
        pairs.len(),
        oracle.name,
        bad.len(),
        errs
    );
    bad
}

/// Fails the test when there are disagreements.
pub fn assert_agree(label: &str, bad: &[(String, String, String, String)]) {
    assert!(
        bad.is_empty(),
        "{label}: {} disagreements with the oracle (first: {:?})",
        bad.len(),
        bad.first()
    );
}

/// Antisymmetry, transitivity and equality consistency on triples.
pub fn check_laws(
    label: &str,
    triples: &[(String, String, String)],
    cmp: impl Fn(&str, &str) -> Option<Ordering>,
) {
    let mut checked = 0usize;
    for (a, b, c) in triples {
        let (Some(ab), Some(ba), Some(bc), Some(ac)) = (cmp(a, b), cmp(b, a), cmp(b, c), cmp(a, c))
        else {
            continue;
        };
        checked += 1;
        assert_eq!(
            ab,
            ba.reverse(),
            "{label}: antisymmetry fails for {a:?} {b:?}"
        );
        assert_eq!(cmp(a, a), Some(Ordering::Equal), "{label}: {a:?} != itself");
        if ab != Ordering::Greater && bc != Ordering::Greater {
            assert_ne!(
                ac,
                Ordering::Greater,
                "{label}: transitivity fails: {a:?} <= {b:?} <= {c:?} but a > c"
            );
        }
        if ab != Ordering::Less && bc != Ordering::Less {
            assert_ne!(
                ac,
                Ordering::Less,
                "{label}: transitivity fails: {a:?} >= {b:?} >= {c:?} but a < c"
            );
        }
        if ab == Ordering::Equal {
            assert_eq!(
                ac, bc,
                "{label}: {a:?} == {b:?} but they compare differently with {c:?}"
            );
        }
    }
    eprintln!("{label}: laws held on {checked} triples of valid versions");
    assert!(
        checked > triples.len() / 10,
        "{label}: too few valid triples ({checked})"
    );
}

/// Close and random pairs among real versions: neighbours in lexical order, then a
/// deterministic shuffle, `n` pairs at most.
pub fn corpus_pairs(mut versions: Vec<String>, n: usize) -> Vec<(String, String)> {
    versions.retain(|v| !v.is_empty() && !v.contains(['\t', '\n', '\r']));
    versions.sort();
    versions.dedup();
    let mut pairs: Vec<(String, String)> = versions
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect();
    pairs.truncate(n / 2);
    let mut x = seed() | 1;
    let len = versions.len().max(1);
    while pairs.len() < n && versions.len() > 1 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % len as u64) as usize;
        let j = ((x >> 32) % len as u64) as usize;
        pairs.push((versions[i].clone(), versions[j].clone()));
    }
    pairs
}

/// The text of every file in a `.tar.zst` archive whose name ends with `suffix`, concatenated
/// (via the `zstd` and `tar` programs: one process each, whatever the number of files).
pub fn archive_text(archive: &Path, suffix: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "zstd -dc '{}' | tar -x -O --wildcards '*{suffix}'",
            archive.display()
        ))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run zstd | tar on {}: {e} (install zstd and tar)",
                archive.display()
            )
        });
    assert!(
        out.status.success(),
        "zstd | tar failed on {}: {} (install zstd and tar)",
        archive.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Comparisons per second of `cmp` over `pairs` (repeated for at least ~0.3 s), after
/// checking that there are pairs and that each compares the opposite way when swapped.
pub fn bench(
    label: &str,
    pairs: &[(String, String)],
    cmp: impl Fn(&str, &str) -> Option<Ordering>,
) -> f64 {
    // What is timed must be a working comparison: real pairs, each ordered the opposite way
    // when swapped.
    assert!(!pairs.is_empty(), "{label}: no pairs to time");
    for (a, b) in pairs {
        assert_eq!(
            cmp(a, b),
            cmp(b, a).map(Ordering::reverse),
            "{label}: {a:?} vs {b:?} is not antisymmetric"
        );
    }
    let start = Instant::now();
    let mut n = 0u64;
    let mut sink = 0i64;
    while start.elapsed().as_millis() < 300 {
        for (a, b) in pairs {
            sink += cmp(std::hint::black_box(a), std::hint::black_box(b)).map_or(2, |o| o as i64);
            n += 1;
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "BENCH {label}: {:.2} M comparisons/s ({} pairs, checksum {sink})",
        rate / 1e6,
        pairs.len()
    );
    rate
}
