//! The Cargo.lock and cargo-auditable analyzers against real files: trivy's and syft's
//! Cargo.lock fixtures (checked against an independent line-based reading of each file), a
//! section excerpted from a real `cargo auditable` build, and — when `cargo auditable` is
//! installed — a binary built in the test from a crate with a crates.io dependency.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::process::Command;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, LayerFindings};
use customs_cargo::{CargoAuditableAnalyzer, CargoLockAnalyzer};
use customs_model::{DependencyScope, PackageOrigin};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn run(
    analyzer: &dyn Analyzer,
    path: &str,
    bytes: &[u8],
) -> (LayerFindings, Result<(), AnalyzeError>) {
    let mut out = LayerFindings::default();
    let mut reader = bytes;
    let mut entry = FileEntry::new(path, bytes.len() as u64, 0o755, &mut reader);
    let r = analyzer.analyze(&mut entry, &mut out);
    (out, r)
}

/// (name, version, scope, purl) of every package recorded, sorted.
type Row = (String, String, Option<DependencyScope>, String);

fn rows(out: &LayerFindings, path: &str, origin: PackageOrigin) -> BTreeSet<Row> {
    let facts = out.files.get(path).expect("path recorded");
    facts
        .packages
        .iter()
        .map(|p| {
            assert_eq!(p.ecosystem, "cargo");
            assert_eq!(p.found_in, path);
            assert_eq!(p.origin, origin);
            (
                p.name.clone(),
                p.version.clone(),
                p.scope,
                p.purl.as_str().to_owned(),
            )
        })
        .collect()
}

/// An independent reading of a Cargo.lock: split on `[[package]]` headers and pick the
/// `name`, `version` and `source` lines. Returns (name, version, source) for entries with a
/// source, and the number without.
fn line_reading(text: &str) -> (BTreeSet<(String, String, String)>, usize) {
    let mut with = BTreeSet::new();
    let mut local = 0;
    for block in text.split("[[package]]").skip(1) {
        let block = block.split("\n[").next().unwrap_or(block);
        let field = |key: &str| {
            block.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|r| r.trim().strip_prefix('='))
                    .map(|v| v.trim().trim_matches('"').to_owned())
            })
        };
        let (name, version) = (field("name ").unwrap(), field("version ").unwrap());
        match field("source ") {
            Some(s) => {
                with.insert((name, version, s));
            }
            None => local += 1,
        }
    }
    (with, local)
}

fn syft_file(member: &str) -> Vec<u8> {
    let f = std::fs::File::open(format!("{DATA}/archives/syft-testdata.tar.zst")).unwrap();
    let mut tar = tar::Archive::new(zstd::Decoder::new(f).unwrap());
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some(member) {
            let mut v = Vec::new();
            e.read_to_end(&mut v).unwrap();
            return v;
        }
    }
    panic!("{member} not in the syft archive");
}

fn check_lockfile(bytes: &[u8], expect_crates: usize, expect_local: usize) {
    let text = std::str::from_utf8(bytes).unwrap();
    let path = "app/Cargo.lock";
    let (out, r) = run(&CargoLockAnalyzer, path, bytes);
    r.unwrap();
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let got = rows(&out, path, PackageOrigin::Lockfile);
    let (want, local) = line_reading(text);
    assert_eq!(got.len(), expect_crates);
    assert_eq!(want.len(), expect_crates);
    assert_eq!(local, expect_local);
    let got_nv: BTreeSet<_> = got.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
    let want_nv: BTreeSet<_> = want.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
    assert_eq!(got_nv, want_nv);
    // Each source maps to its purl: crates.io plain, git with a vcs_url; one record per entry
    // (a crate can be locked twice with the same version from crates.io and from git).
    let want_purls: BTreeSet<String> = want
        .iter()
        .map(|(name, version, source)| {
            if source.contains("crates.io") {
                format!("pkg:cargo/{name}@{version}")
            } else {
                let (url, commit) = source["git+".len()..].split_once('#').unwrap();
                let url = url.split('?').next().unwrap();
                let enc = format!("git+{url}@{commit}")
                    .replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace('@', "%40");
                format!("pkg:cargo/{name}@{version}?vcs_url={enc}")
            }
        })
        .collect();
    let got_purls: BTreeSet<String> = got.iter().map(|r| r.3.clone()).collect();
    assert_eq!(got_purls, want_purls);
    assert!(
        got.iter().all(|r| r.2.is_none()),
        "Cargo.lock has no scopes"
    );
}

#[test]
fn trivy_cargo_lock_v4() {
    let bytes = std::fs::read(format!(
        "{DATA}/pkgdb/lang/trivy-integration-repo/cargo/Cargo.lock"
    ))
    .unwrap();
    // 10 [[package]] entries, one of them the workspace member `app`.
    check_lockfile(&bytes, 9, 1);
}

#[test]
fn syft_cargo_locks() {
    // v1-style file (no `version` key): 14 entries, all from crates.io.
    check_lockfile(
        &syft_file("./syft/pkg/cataloger/rust/testdata/Cargo.lock"),
        14,
        0,
    );
    // v4: 10 entries, one local.
    check_lockfile(
        &syft_file("./syft/pkg/cataloger/rust/testdata/image-audit/Cargo.lock"),
        9,
        1,
    );
    // Path dependencies: `app` and `telemetry` have no source.
    check_lockfile(
        &syft_file("./syft/pkg/cataloger/rust/testdata/path-deps/Cargo.lock"),
        1,
        2,
    );
    // A git dependency (regex from github) next to crates.io ones.
    let git = syft_file("./syft/pkg/cataloger/rust/testdata/Cargo.lock-with-git-deps");
    let (want, local) = line_reading(std::str::from_utf8(&git).unwrap());
    assert!(want.iter().any(|w| w.2.starts_with("git+")));
    check_lockfile(&git, want.len(), local);
    let (out, _) = run(&CargoLockAnalyzer, "app/Cargo.lock", &git);
    let regex = out.files["app/Cargo.lock"]
        .packages
        .iter()
        .find(|p| p.name == "regex" && p.purl.as_str().contains("vcs_url"))
        .unwrap();
    assert!(
        regex.purl.as_str().starts_with(
            "pkg:cargo/regex@1.11.1?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Frust-lang%2Fregex.git%40"
        ),
        "{}",
        regex.purl
    );
}

#[test]
fn malformed_lockfiles() {
    // syft's deliberately bogus lockfile.
    let bogus = syft_file("./syft/pkg/cataloger/rust/testdata/glob-paths/src/Cargo.lock");
    let (_, r) = run(&CargoLockAnalyzer, "src/Cargo.lock", &bogus);
    let e = r.unwrap_err().to_string();
    assert!(e.starts_with("src/Cargo.lock: not a TOML document"), "{e}");
    // Not UTF-8.
    let (_, r) = run(&CargoLockAnalyzer, "Cargo.lock", b"\xff\xfe");
    assert!(r.unwrap_err().to_string().contains("not UTF-8"));
    // Entries without a version: a diagnostic per entry, the rest kept.
    let text = b"version = 3\n[[package]]\nname = \"a\"\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let (out, r) = run(&CargoLockAnalyzer, "Cargo.lock", text);
    r.unwrap();
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].code, "malformed-lockfile");
    assert_eq!(out.files["Cargo.lock"].packages.len(), 1);
    // Oversize: refused before reading.
    let mut reader: &[u8] = b"";
    let mut entry = FileEntry::new("Cargo.lock", 1 << 40, 0o644, &mut reader);
    let e = CargoLockAnalyzer
        .analyze(&mut entry, &mut LayerFindings::default())
        .unwrap_err();
    assert!(matches!(e, AnalyzeError::TooLarge { .. }));
    // Lockfiles inside Cargo's download cache are not the image's.
    let good = std::fs::read(format!(
        "{DATA}/pkgdb/lang/trivy-integration-repo/cargo/Cargo.lock"
    ))
    .unwrap();
    let (out, r) = run(
        &CargoLockAnalyzer,
        "usr/local/cargo/registry/src/index.crates.io-1949cf8c6b5b557f/x-1.0.0/Cargo.lock",
        &good,
    );
    r.unwrap();
    assert!(out.files.is_empty());
    let (out, r) = run(&CargoLockAnalyzer, "app/NotCargo.lock", &good);
    r.unwrap();
    assert!(out.files.is_empty());
}

/// The (name, version, scope) rows the analyzer should produce from a cargo-auditable JSON
/// document, read with a plain `serde_json` walk.
fn expected_from_json(
    json: &serde_json::Value,
) -> BTreeSet<(String, String, Option<DependencyScope>)> {
    json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["source"] != "local")
        .map(|p| {
            let scope = if p["kind"] == "build" {
                DependencyScope::Dev
            } else {
                DependencyScope::Prod
            };
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
                Some(scope),
            )
        })
        .collect()
}

fn section_json(elf: &[u8]) -> serde_json::Value {
    let section = customs_cargo::auditable::find_dep_section(elf)
        .unwrap()
        .unwrap();
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .read_to_end(&mut json)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

#[test]
fn auditable_fixture_excerpt() {
    // `objcopy --only-section=.dep-v0` of a real `cargo auditable build` (see fixtures/README).
    let elf = std::fs::read(format!("{FIXTURES}/auditable-probe.elf")).unwrap();
    let path = "usr/local/bin/customs-audit-probe";
    let (out, r) = run(&CargoAuditableAnalyzer, path, &elf);
    r.unwrap();
    let got: BTreeSet<_> = rows(&out, path, PackageOrigin::Installed)
        .into_iter()
        .map(|r| (r.0, r.1, r.2))
        .collect();
    let want: BTreeSet<_> = [
        ("autocfg", "1.3.0", Some(DependencyScope::Dev)),
        ("itoa", "1.0.11", Some(DependencyScope::Prod)),
    ]
    .into_iter()
    .map(|(n, v, s)| (n.to_owned(), v.to_owned(), s))
    .collect();
    assert_eq!(got, want);
    assert_eq!(got, expected_from_json(&section_json(&elf)));
}

/// Rewrites the `.dep-v0` section header of the fixture: (offset, size) patched in place.
fn patch_dep_header(elf: &mut [u8], offset: Option<u64>, size: Option<u64>) {
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let u16_at = |b: &[u8], o: usize| usize::from(u16::from_le_bytes([b[o], b[o + 1]]));
    let shoff = usize::try_from(u64_at(elf, 0x28)).unwrap();
    // Section 1 is .dep-v0 in the fixture (checked by the readelf listing in the README).
    let sh = shoff + u16_at(elf, 0x3a);
    if let Some(o) = offset {
        elf[sh + 0x18..sh + 0x20].copy_from_slice(&o.to_le_bytes());
    }
    if let Some(s) = size {
        elf[sh + 0x20..sh + 0x28].copy_from_slice(&s.to_le_bytes());
    }
}

#[test]
fn auditable_hostile_binaries() {
    let elf = std::fs::read(format!("{FIXTURES}/auditable-probe.elf")).unwrap();
    let path = "usr/bin/x";
    // Non-binaries (a shell script is an executable too) and empty files: nothing, no error.
    for data in [&b"#!/bin/sh\necho .dep-v0\n"[..], b"", b"\x7fEL"] {
        let (out, r) = run(&CargoAuditableAnalyzer, path, data);
        r.unwrap();
        assert!(out.files.is_empty() && out.diagnostics.is_empty());
    }
    // Truncated ELF: the section header table is gone.
    let (_, r) = run(&CargoAuditableAnalyzer, path, &elf[..elf.len() - 100]);
    let e = r.unwrap_err().to_string();
    assert!(e.contains("unreadable object file"), "{e}");
    // Lying section size / offset.
    for (o, s) in [
        (None, Some(u64::MAX / 2)),
        (None, Some(4096)),
        (Some(1 << 40), None),
    ] {
        let mut bad = elf.clone();
        patch_dep_header(&mut bad, o, s);
        let (_, r) = run(&CargoAuditableAnalyzer, path, &bad);
        let e = r.unwrap_err().to_string();
        assert!(e.contains(".dep-v0 section"), "{e}");
    }
    // Damaged zlib stream: flip bytes in the middle of the section.
    let mut bad = elf.clone();
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let sh = usize::try_from(u64_at(&elf, 0x28)).unwrap() + 64;
    let data_off = usize::try_from(u64_at(&elf, sh + 0x18)).unwrap();
    for b in &mut bad[data_off + 10..data_off + 30] {
        *b ^= 0x5a;
    }
    let (_, r) = run(&CargoAuditableAnalyzer, path, &bad);
    assert!(r.unwrap_err().to_string().contains(".dep-v0"));
    // A file declared bigger than the in-memory limit with the section name in it.
    let mut reader = &elf[..];
    let mut entry = FileEntry::new(path, 1 << 30, 0o755, &mut reader);
    let e = CargoAuditableAnalyzer
        .analyze(&mut entry, &mut LayerFindings::default())
        .unwrap_err();
    assert!(matches!(e, AnalyzeError::TooLarge { .. }));
    // ... and without it: streamed, nothing reported.
    let mut plain = b"\x7fELF".to_vec();
    plain.resize(1 << 20, 0);
    let mut reader = &plain[..];
    let mut entry = FileEntry::new(path, 1 << 30, 0o755, &mut reader);
    CargoAuditableAnalyzer
        .analyze(&mut entry, &mut LayerFindings::default())
        .unwrap();
}

#[test]
fn auditable_zlib_bomb_in_section() {
    use std::io::Write as _;
    let elf = std::fs::read(format!("{FIXTURES}/auditable-probe.elf")).unwrap();
    // Replace the section with a bomb (64 MiB of spaces -> ~64 KiB), appended at the end of
    // the file and pointed to by the section header.
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![b' '; 64 << 20]).unwrap();
    let bomb = e.finish().unwrap();
    let mut bad = elf.clone();
    let at = bad.len() as u64;
    bad.extend_from_slice(&bomb);
    patch_dep_header(&mut bad, Some(at), Some(bomb.len() as u64));
    let (_, r) = run(&CargoAuditableAnalyzer, "bin/bomb", &bad);
    let e = r.unwrap_err().to_string();
    assert!(e.contains("inflates to more than 8388608 bytes"), "{e}");
}

fn cargo_auditable_available() -> bool {
    Command::new("cargo")
        .args(["auditable", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Builds a crate with one crates.io runtime dependency and one build dependency with
/// `cargo auditable` and reads the binary back (needs the crates.io registry).
#[test]
fn auditable_live_build() {
    if !cargo_auditable_available() {
        eprintln!(
            "SKIPPED auditable_live_build: `cargo auditable` is not installed (cargo install cargo-auditable)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"customs-audit-probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"=1.0.11\"\n\n[build-dependencies]\nautocfg = \"=1.3.0\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/main.rs"),
        "fn main() { let mut b = itoa::Buffer::new(); println!(\"{}\", b.format(42)); }\n",
    )
    .unwrap();
    std::fs::write(
        root.join("build.rs"),
        "fn main() { let _ = autocfg::AutoCfg::new(); }\n",
    )
    .unwrap();
    let status = Command::new("cargo")
        .args(["auditable", "build", "--quiet"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env_remove("RUSTFLAGS")
        .status()
        .unwrap();
    assert!(status.success(), "cargo auditable build failed");
    let bin = std::fs::read(root.join("target/debug/customs-audit-probe")).unwrap();
    let path = "usr/local/bin/customs-audit-probe";
    let (out, r) = run(&CargoAuditableAnalyzer, path, &bin);
    r.unwrap();
    let got: BTreeSet<_> = rows(&out, path, PackageOrigin::Installed)
        .into_iter()
        .map(|r| (r.0, r.1, r.2))
        .collect();
    assert_eq!(got, expected_from_json(&section_json(&bin)));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.contains(&("itoa".into(), "1.0.11".into(), Some(DependencyScope::Prod))));
    assert!(got.contains(&("autocfg".into(), "1.3.0".into(), Some(DependencyScope::Dev))));
    // The lockfile of the same build agrees on the crates.io crates.
    let lock = std::fs::read(root.join("Cargo.lock")).unwrap();
    let (out, r) = run(&CargoLockAnalyzer, "src/Cargo.lock", &lock);
    r.unwrap();
    let locked: BTreeSet<_> = out.files["src/Cargo.lock"]
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let audited: BTreeSet<_> = got.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
    assert_eq!(locked, audited);
}
