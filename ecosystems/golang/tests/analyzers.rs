//! The Go analyzers against real files and the Go toolchain itself:
//!
//! - build-info sections cut from two real release binaries (go-task 3.54.0, lefthook 2.2.2),
//!   checked against what `go version -m` printed for the whole binaries (recorded next to
//!   them, see fixtures/README.md);
//! - binaries built in the test with `go build` (stdlib only; and a vendored module with a
//!   module replacement and a directory replacement, which builds offline), checked against
//!   `go version -m` and `go env GOVERSION` live;
//! - `go.mod` fixtures of trivy, syft and grype, checked against `go mod edit -json` (Go's own
//!   parser) when `go` is installed and against fixed counts always;
//! - hostile input: non-binaries, a 200 MiB stream, varint overflow, huge lengths, the legacy
//!   format, malformed `go.mod`.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, LayerFindings};
use customs_golang::{GoBinaryAnalyzer, GoModAnalyzer};
use customs_model::PackageOrigin;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn run_reader(
    analyzer: &dyn Analyzer,
    path: &str,
    size: u64,
    reader: &mut dyn Read,
) -> (LayerFindings, Result<(), AnalyzeError>) {
    let mut out = LayerFindings::default();
    let mut entry = FileEntry::new(path, size, 0o755, reader);
    let r = analyzer.analyze(&mut entry, &mut out);
    (out, r)
}

fn run(
    analyzer: &dyn Analyzer,
    path: &str,
    bytes: &[u8],
) -> (LayerFindings, Result<(), AnalyzeError>) {
    let mut reader = bytes;
    run_reader(analyzer, path, bytes.len() as u64, &mut reader)
}

/// (name, version, purl) of every package recorded for `path`.
fn packages(
    out: &LayerFindings,
    path: &str,
    origin: PackageOrigin,
) -> BTreeSet<(String, String, String)> {
    out.files
        .get(path)
        .map(|f| {
            f.packages
                .iter()
                .map(|p| {
                    assert_eq!(p.ecosystem, "golang");
                    assert_eq!(p.found_in, path);
                    assert_eq!(p.origin, origin);
                    assert_eq!(p.scope, None);
                    (
                        p.name.clone(),
                        p.version.clone(),
                        p.purl.as_str().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn purl(path: &str, version: &str) -> String {
    let (ns, name) = path
        .rsplit_once('/')
        .map_or((None, path), |(a, b)| (Some(a), b));
    let mut s = "pkg:golang/".to_owned();
    if let Some(ns) = ns {
        s.push_str(ns);
        s.push('/');
    }
    s.push_str(name);
    if version != "(devel)" {
        s.push('@');
        s.push_str(&version.replace('+', "%2B"));
    }
    s
}

/// An independent reading of `go version -m` output: main module, deps (replacement wins,
/// directory replacements dropped) and stdlib from the header's Go version.
fn expected_from_go_version_m(text: &str) -> BTreeSet<(String, String, String)> {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let go = header.split(": ").nth(1).unwrap().trim();
    // (is the main module, path, version)
    let mut rows: Vec<(bool, String, String)> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        match f[0] {
            "mod" | "dep" => rows.push((f[0] == "mod", f[1].to_owned(), f[2].to_owned())),
            "=>" => {
                let last = rows.pop().unwrap();
                if last.0 {
                    // The main module is reported as built, whatever replaces it.
                    rows.push(last);
                } else if !(f[1].starts_with('.') || f[1].starts_with('/')) {
                    // Directory replacements are dropped; module replacements win.
                    rows.push((false, f[1].to_owned(), f[2].to_owned()));
                }
            }
            _ => {}
        }
    }
    let mut set: BTreeSet<_> = rows
        .into_iter()
        .map(|(_, p, v)| {
            let u = purl(&p, &v);
            (p, v, u)
        })
        .collect();
    let v = go.strip_prefix("go").unwrap().to_owned();
    set.insert(("stdlib".into(), v.clone(), format!("pkg:golang/stdlib@{v}")));
    set
}

#[test]
fn real_binary_excerpts() {
    for (name, deps) in [("go-task-3.54.0", 123), ("lefthook-2.2.2", 51)] {
        let bin = std::fs::read(format!("{FIXTURES}/{name}.buildinfo.elf")).unwrap();
        let want = std::fs::read_to_string(format!("{FIXTURES}/{name}.go-version-m.txt")).unwrap();
        let path = format!("usr/local/bin/{name}");
        let (out, r) = run(&GoBinaryAnalyzer, &path, &bin);
        r.unwrap();
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let got = packages(&out, &path, PackageOrigin::Installed);
        let want = expected_from_go_version_m(&want);
        assert_eq!(got, want, "{name}");
        // main + deps + stdlib
        assert_eq!(got.len(), deps + 2, "{name}");
    }
    // Spot checks that do not depend on the oracle reading.
    let bin = std::fs::read(format!("{FIXTURES}/go-task-3.54.0.buildinfo.elf")).unwrap();
    let (out, _) = run(&GoBinaryAnalyzer, "task", &bin);
    let got = packages(&out, "task", PackageOrigin::Installed);
    assert!(got.contains(&(
        "github.com/go-task/task/v3".into(),
        "v3.54.0".into(),
        "pkg:golang/github.com/go-task/task/v3@v3.54.0".into()
    )));
    assert!(got.contains(&(
        "stdlib".into(),
        "1.27.1".into(),
        "pkg:golang/stdlib@1.27.1".into()
    )));
    assert!(got.contains(&(
        "github.com/davecgh/go-spew".into(),
        "v1.1.2-0.20180830191138-d8f796af33cc".into(),
        "pkg:golang/github.com/davecgh/go-spew@v1.1.2-0.20180830191138-d8f796af33cc".into()
    )));
}

/// A reader of `zeros` zero bytes followed by `tail`, without allocating the zeros.
struct Padded<'a> {
    zeros: u64,
    tail: &'a [u8],
}

impl Read for Padded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.zeros > 0 {
            let n = usize::try_from(self.zeros.min(buf.len() as u64)).unwrap();
            buf[..n].fill(0);
            self.zeros -= n as u64;
            return Ok(n);
        }
        self.tail.read(buf)
    }
}

#[test]
fn streams_large_binaries() {
    // 200 MiB of zeros after an ELF magic, then a real build-info section: found by streaming
    // (the reader never holds the file).
    let section = std::fs::read(format!("{FIXTURES}/lefthook-2.2.2.buildinfo.elf")).unwrap();
    let at = memchr::memmem::find(&section, b"\xff Go buildinf:").unwrap();
    let mut data = b"\x7fELF".to_vec();
    data.resize(16, 0);
    let pad = 200u64 << 20;
    let mut reader = Padded {
        zeros: 0,
        tail: &data,
    }
    .chain(Padded {
        zeros: pad,
        tail: &section[at..],
    });
    let size = 16 + pad + (section.len() - at) as u64;
    let (out, r) = run_reader(&GoBinaryAnalyzer, "big", size, &mut reader);
    r.unwrap();
    assert_eq!(packages(&out, "big", PackageOrigin::Installed).len(), 53);
}

#[test]
fn hostile_binaries() {
    // Executables that are not object files: nothing read past 4 bytes, nothing recorded.
    for data in [
        &b"#!/bin/sh\nprintf '\\377 Go buildinf:'\n"[..],
        b"",
        b"\x7fE",
        b"\xca\xfe\xba\xbe",
    ] {
        let (out, r) = run(&GoBinaryAnalyzer, "bin/x", data);
        r.unwrap();
        assert!(out.files.is_empty() && out.diagnostics.is_empty());
    }
    let header = |flags: u8| {
        let mut d = b"\x7fELF".to_vec();
        d.resize(64, 0);
        d.extend_from_slice(b"\xff Go buildinf:");
        d.extend_from_slice(&[8, flags]);
        d.resize(96, 0);
        d
    };
    // varint overflow
    let mut d = header(2);
    d.extend_from_slice(&[0x80; 12]);
    let (_, r) = run(&GoBinaryAnalyzer, "bin/x", &d);
    let e = r.unwrap_err().to_string();
    assert_eq!(e, "bin/x: Go version: build info length overflows 64 bits");
    // huge module info length
    let mut d = header(2);
    d.extend_from_slice(b"\x08go1.21.5\xff\xff\xff\xff\xff\xff\xff\xff\x7f");
    let (_, r) = run(&GoBinaryAnalyzer, "bin/x", &d);
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("module info is 9223372036854775807 bytes long, over the"),
        "{e}"
    );
    // legacy pointer format: a diagnostic, no packages
    let d = header(0);
    let (out, r) = run(&GoBinaryAnalyzer, "bin/old", &d);
    r.unwrap();
    assert!(out.files.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].code, "go-buildinfo-unsupported");
    // Truncated real section.
    let section = std::fs::read(format!("{FIXTURES}/go-task-3.54.0.buildinfo.elf")).unwrap();
    let at = memchr::memmem::find(&section, b"\xff Go buildinf:").unwrap();
    let (_, r) = run(&GoBinaryAnalyzer, "bin/t", &section[..at + 200]);
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("module info runs past the end of the file"),
        "{e}"
    );
}

fn go_available() -> bool {
    Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn go(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "go {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn live_go_build_stdlib_only() {
    if !go_available() {
        eprintln!("SKIPPED live_go_build_stdlib_only: `go` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("go.mod"), "module example.com/probe\n\ngo 1.19\n").unwrap();
    std::fs::write(
        d.join("main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"probe\") }\n",
    )
    .unwrap();
    go(d, &["build", "-buildvcs=false", "-o", "probe", "."]);
    let bin = std::fs::read(d.join("probe")).unwrap();
    let (out, r) = run(&GoBinaryAnalyzer, "app/probe", &bin);
    r.unwrap();
    let got = packages(&out, "app/probe", PackageOrigin::Installed);
    let goversion = go(d, &["env", "GOVERSION"]);
    let v = goversion.trim().strip_prefix("go").unwrap();
    let want: BTreeSet<_> = [
        (
            "example.com/probe".to_owned(),
            "(devel)".to_owned(),
            "pkg:golang/example.com/probe".to_owned(),
        ),
        (
            "stdlib".to_owned(),
            v.to_owned(),
            format!("pkg:golang/stdlib@{v}"),
        ),
    ]
    .into();
    assert_eq!(got, want);
    let vm = go(d, &["version", "-m", "probe"]);
    assert_eq!(got, expected_from_go_version_m(&vm));
}

#[test]
fn live_go_build_vendored_with_replacements() {
    if !go_available() {
        eprintln!("SKIPPED live_go_build_vendored_with_replacements: `go` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |p: &str, s: &str| {
        let p = d.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    let gomod = "module example.com/probe\n\ngo 1.19\n\nrequire (\n\texample.com/greet v1.2.3\n\texample.com/local v0.0.0\n\texample.com/old v0.1.0 // indirect\n)\n\nreplace example.com/old v0.1.0 => example.com/new v0.2.0\n\nreplace example.com/local => ./local\n";
    write("go.mod", gomod);
    write(
        "vendor/modules.txt",
        "# example.com/greet v1.2.3\n## explicit\nexample.com/greet\n# example.com/local v0.0.0 => ./local\n## explicit\nexample.com/local\n# example.com/old v0.1.0 => example.com/new v0.2.0\n## explicit\nexample.com/old\n# example.com/local => ./local\n# example.com/old v0.1.0 => example.com/new v0.2.0\n",
    );
    write(
        "vendor/example.com/greet/greet.go",
        "package greet\n\nfunc Hello() string { return \"hello\" }\n",
    );
    write(
        "vendor/example.com/old/old.go",
        "package old\n\nfunc Name() string { return \"old\" }\n",
    );
    write(
        "vendor/example.com/local/local.go",
        "package local\n\nfunc X() int { return 1 }\n",
    );
    write("local/go.mod", "module example.com/local\n\ngo 1.19\n");
    write(
        "local/local.go",
        "package local\n\nfunc X() int { return 1 }\n",
    );
    write(
        "main.go",
        "package main\n\nimport (\n\t\"example.com/greet\"\n\t\"example.com/local\"\n\t\"example.com/old\"\n\t\"fmt\"\n)\n\nfunc main() { fmt.Println(greet.Hello(), old.Name(), local.X()) }\n",
    );
    go(
        d,
        &[
            "build",
            "-mod=vendor",
            "-buildvcs=false",
            "-o",
            "probe",
            ".",
        ],
    );
    let bin = std::fs::read(d.join("probe")).unwrap();
    let (out, r) = run(&GoBinaryAnalyzer, "app/probe", &bin);
    r.unwrap();
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let got = packages(&out, "app/probe", PackageOrigin::Installed);
    let vm = go(d, &["version", "-m", "probe"]);
    assert_eq!(got, expected_from_go_version_m(&vm));
    let names: BTreeSet<_> = got.iter().map(|g| (g.0.as_str(), g.1.as_str())).collect();
    let goversion = go(d, &["env", "GOVERSION"]);
    let v = goversion.trim().strip_prefix("go").unwrap();
    let want: BTreeSet<_> = [
        ("example.com/probe", "(devel)"),
        ("example.com/greet", "v1.2.3"),
        ("example.com/new", "v0.2.0"),
        ("stdlib", v),
    ]
    .into();
    assert_eq!(names, want);
    // The go.mod of the same tree gives the same dependencies (no main module, no stdlib).
    let (out, r) = run(&GoModAnalyzer, "src/go.mod", gomod.as_bytes());
    r.unwrap();
    let m = packages(&out, "src/go.mod", PackageOrigin::Lockfile);
    let m: BTreeSet<_> = m.iter().map(|g| (g.0.as_str(), g.1.as_str())).collect();
    assert_eq!(
        m,
        [
            ("example.com/greet", "v1.2.3"),
            ("example.com/new", "v0.2.0")
        ]
        .into()
    );
}

/// What `go mod edit -json` says: requirements with replacements applied (versioned
/// replacement first), directory replacements dropped. Lines that Go 1.19 does not know
/// (`toolchain`, three-part `go` versions) are removed from a temporary copy first; they do not
/// affect requirements.
fn go_mod_oracle(text: &str) -> Option<BTreeSet<(String, String)>> {
    if !go_available() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cleaned = String::new();
    for l in text
        .lines()
        .filter(|l| !l.starts_with("toolchain") && !l.starts_with("go "))
    {
        cleaned.push_str(l);
        cleaned.push('\n');
    }
    std::fs::write(dir.path().join("go.mod"), cleaned).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&go(dir.path(), &["mod", "edit", "-json"])).unwrap();
    let empty = Vec::new();
    let reqs = json["Require"].as_array().unwrap_or(&empty);
    let reps = json["Replace"].as_array().unwrap_or(&empty);
    let mut out = BTreeSet::new();
    for r in reqs {
        let (p, v) = (r["Path"].as_str().unwrap(), r["Version"].as_str().unwrap());
        let rep = reps
            .iter()
            .find(|x| x["Old"]["Path"] == p && x["Old"]["Version"] == v)
            .or_else(|| {
                reps.iter()
                    .find(|x| x["Old"]["Path"] == p && x["Old"]["Version"].is_null())
            });
        match rep {
            None => {
                out.insert((p.to_owned(), v.to_owned()));
            }
            Some(x) => {
                if let Some(nv) = x["New"]["Version"].as_str() {
                    out.insert((x["New"]["Path"].as_str().unwrap().to_owned(), nv.to_owned()));
                }
            }
        }
    }
    Some(out)
}

fn syft_and_grype_go_mods() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for archive in ["syft-testdata.tar.zst", "grype-testdata.tar.zst"] {
        let f = std::fs::File::open(format!("{DATA}/archives/{archive}")).unwrap();
        let mut tar = tar::Archive::new(zstd::Decoder::new(f).unwrap());
        for e in tar.entries().unwrap() {
            let mut e = e.unwrap();
            let p = e.path().unwrap().to_string_lossy().into_owned();
            if p.ends_with("/go.mod") && (p.contains("/golang/")) {
                let mut v = Vec::new();
                e.read_to_end(&mut v).unwrap();
                out.push((p, v));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn go_mod_fixtures() {
    let mut files: Vec<(String, Vec<u8>)> = ["go.mod", "submod/go.mod", "submod2/go.mod"]
        .iter()
        .map(|p| {
            let full = format!("{DATA}/pkgdb/lang/trivy-integration-repo/gomod/{p}");
            (format!("trivy/{p}"), std::fs::read(full).unwrap())
        })
        .collect();
    files.extend(syft_and_grype_go_mods());
    // Each file against Go's own parser; syft's corrupt one (`ruire (`, which Go rejects too)
    // yields nothing and a diagnostic. The total guards against the oracle being absent.
    let mut checked = 0;
    let mut total = 0;
    for (name, bytes) in &files {
        let path = "src/app/go.mod";
        let (out, r) = run(&GoModAnalyzer, path, bytes);
        r.unwrap();
        let got = packages(&out, path, PackageOrigin::Lockfile);
        for (n, v, u) in &got {
            assert_eq!(u, &purl(n, v));
        }
        total += got.len();
        let got: BTreeSet<_> = got.into_iter().map(|g| (g.0, g.1)).collect();
        if name.contains("/corrupt/") {
            assert!(got.is_empty());
            assert!(
                out.diagnostics
                    .iter()
                    .any(|d| d.message.contains("unknown directive \"ruire\""))
            );
            continue;
        }
        assert!(out.diagnostics.is_empty(), "{name}: {:?}", out.diagnostics);
        if let Some(want) = go_mod_oracle(std::str::from_utf8(bytes).unwrap()) {
            assert_eq!(got, want, "{name}");
            checked += 1;
        }
    }
    eprintln!(
        "{} go.mod files, {total} packages, {checked} checked against go mod edit",
        files.len()
    );
    assert_eq!(files.len(), 15);
    assert_eq!(total, EXPECTED_GO_MOD_PACKAGES);
}

/// The sum over all fixture files above (checked against `go mod edit -json` file by file).
const EXPECTED_GO_MOD_PACKAGES: usize = 65;

#[test]
fn malformed_go_mod() {
    let (_, r) = run(&GoModAnalyzer, "go.mod", b"\xff\xfe");
    assert!(r.unwrap_err().to_string().contains("not UTF-8"));
    let (out, r) = run(
        &GoModAnalyzer,
        "go.mod",
        b"module x\nrequire (\n\tgithub.com/a/b\n\tgithub.com/c/d v1.0.0\n",
    );
    r.unwrap();
    let msgs: Vec<_> = out.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "line 3: require needs a module path and a version",
            "line 2: require block is not closed"
        ]
    );
    assert_eq!(out.files["go.mod"].packages.len(), 1);
    // Module cache copies are skipped; so are files merely ending in go.mod.
    for p in [
        "root/go/pkg/mod/github.com/a/b@v1.0.0/go.mod",
        "src/notgo.mod",
    ] {
        let (out, r) = run(&GoModAnalyzer, p, b"module x\nrequire a v1\n");
        r.unwrap();
        assert!(out.files.is_empty(), "{p}");
    }
    let mut reader: &[u8] = b"";
    let mut entry = FileEntry::new("go.mod", 1 << 40, 0o644, &mut reader);
    let e = GoModAnalyzer
        .analyze(&mut entry, &mut LayerFindings::default())
        .unwrap_err();
    assert!(matches!(e, AnalyzeError::TooLarge { .. }));
}
