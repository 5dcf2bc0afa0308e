//! Shared helpers for the end-to-end tests: run the real `customs` binary in an isolated
//! cache directory and read its JSON report.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `../shared/data` relative to the repository.
pub fn shared(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    assert!(p.exists(), "missing shared test data {}", p.display());
    p
}

/// A minimal Python core-metadata file (`*.dist-info/METADATA`), as pip writes its header.
pub fn python_metadata(name: &str, version: &str) -> Vec<u8> {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n").into_bytes()
}

/// An isolated home for one test: the cache dir, HOME and the working directory.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_customs"));
        let work = self.path("work");
        std::fs::create_dir_all(&work).unwrap();
        c.current_dir(work)
            .env("CUSTOMS_CACHE_DIR", self.cache())
            .env("HOME", self.path("home"))
            .env_remove("CUSTOMS_DB")
            .env("NO_COLOR", "1");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run customs")
    }

    /// Runs `db update` with `--feed` specs into the default database; panics on failure.
    pub fn update(&self, feeds: &[(&str, &Path)]) {
        let mut args = vec!["db".to_owned(), "update".to_owned()];
        for (kind, path) in feeds {
            args.push("--feed".into());
            args.push(format!("{kind}={}", path.display()));
        }
        let out = self.cmd().args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "db update failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Scans `image` and returns the parsed JSON report; panics on failure.
    pub fn scan_json(&self, image: &str) -> Value {
        let out = self.run(&["scan", "-q", "--format", "json", image]);
        assert!(
            out.status.success(),
            "scan {image} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("valid JSON report")
    }

    /// Lists every file under the sandbox except the cache and the work dir's expected
    /// outputs, to prove nothing was written elsewhere.
    pub fn files_outside_cache(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![self.dir.path().to_owned()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.starts_with(self.cache()) || p.starts_with(self.path("inputs")) {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}

/// `(name, version)` of every package in a report, sorted.
pub fn packages(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `(vulnerability_id, package)` of every finding, sorted.
pub fn findings(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["vulnerability_id"].as_str().unwrap().to_owned(),
                f["package"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `dpkg --compare-versions A lt B`, the reference implementation.
pub fn dpkg_lt(a: &str, b: &str) -> bool {
    let st = Command::new("dpkg")
        .args(["--compare-versions", a, "lt", b])
        .status()
        .expect("dpkg is installed");
    st.success()
}

/// The first line of stderr, trimmed.
pub fn stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}
