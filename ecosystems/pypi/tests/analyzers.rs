//! The Python analyzers on real fixtures (syft's and trivy's test data, grype's integration
//! image), each compared with an independent reading: Python's own `email` header parser and
//! `tomllib`/`json` for the expected lists written out below, or a plain `toml`/`serde_json`
//! walk in the test itself; plus hostile inputs.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, LayerFindings};
use customs_model::{DependencyScope, Package, PackageOrigin};
use customs_pypi::{PythonInstalledAnalyzer, PythonLockfileAnalyzer};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn lang(rel: &str) -> PathBuf {
    Path::new(DATA).join("pkgdb/lang").join(rel)
}

/// Every file of an archive in `shared/data/archives`, by path (without `./`).
fn archive(name: &str) -> &'static BTreeMap<String, Vec<u8>> {
    static SYFT: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    static GRYPE: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    let cell = match name {
        "syft" => &SYFT,
        "grype" => &GRYPE,
        _ => panic!("unknown archive {name}"),
    };
    cell.get_or_init(|| {
        let f = std::fs::File::open(format!("{DATA}/archives/{name}-testdata.tar.zst")).unwrap();
        let mut ar = tar::Archive::new(zstd::Decoder::new(f).unwrap());
        let mut out = BTreeMap::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            if !e.header().entry_type().is_file() {
                continue;
            }
            let p = e
                .path()
                .unwrap()
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            let mut buf = Vec::new();
            e.read_to_end(&mut buf).unwrap();
            out.insert(p, buf);
        }
        out
    })
}

fn syft(rel: &str) -> &'static [u8] {
    let p = format!("syft/pkg/cataloger/python/testdata/{rel}");
    archive("syft")
        .get(&p)
        .unwrap_or_else(|| panic!("{p} not in archive"))
}

fn run(a: &dyn Analyzer, path: &str, data: &[u8]) -> (Result<(), AnalyzeError>, LayerFindings) {
    let mut out = LayerFindings::default();
    let mut r = data;
    let mut entry = FileEntry::new(path, data.len() as u64, 0o644, &mut r);
    let res = a.analyze(&mut entry, &mut out);
    (res, out)
}

fn packages(out: &LayerFindings) -> Vec<&Package> {
    out.files.values().flat_map(|f| &f.packages).collect()
}

/// (name, version, scope) triples, in file order.
fn nvs(out: &LayerFindings) -> Vec<(String, String, Option<DependencyScope>)> {
    packages(out)
        .into_iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.scope))
        .collect()
}

fn lock(path: &str, data: &[u8]) -> Vec<(String, String, Option<DependencyScope>)> {
    let (res, out) = run(&PythonLockfileAnalyzer, path, data);
    res.unwrap_or_else(|e| panic!("{path}: {e}"));
    for p in packages(&out) {
        assert_eq!(p.origin, PackageOrigin::Lockfile);
        assert_eq!(p.found_in, path);
        // `+` (local versions) is percent-encoded in a purl.
        let v = p.version.replace('+', "%2B");
        assert_eq!(p.purl.as_str(), format!("pkg:pypi/{}@{v}", p.name));
    }
    nvs(&out)
}

fn t(n: &str, v: &str, s: Option<DependencyScope>) -> (String, String, Option<DependencyScope>) {
    (n.to_owned(), v.to_owned(), s)
}

const PROD: Option<DependencyScope> = Some(DependencyScope::Prod);
const DEV: Option<DependencyScope> = Some(DependencyScope::Dev);

// ---------------------------------------------------------------------------------------------
// Installed metadata

type Want = Option<(&'static str, &'static str, &'static [&'static str])>;

#[test]
fn installed_syft_site_packages() {
    // Expected values from Python's email.parser.HeaderParser over the same files.
    let root = lang("syft-python");
    let cases: &[(&str, Want)] = &[
        (
            "Python-2.7.egg-info",
            Some(("python", "2.7.13", &["PSF license"])),
        ),
        ("empty-1.0.0-py3.8.egg-info", None),
        (
            "site-packages/partial.dist-info/METADATA",
            Some(("pygments", "2.6.1", &["BSD License"])),
        ),
        (
            "site-packages/test/test.egg-info",
            Some(("requests", "2.22.0", &["Apache 2.0"])),
        ),
        ("site-packages/no-version/no-version-py3.8.egg-info", None),
        (
            "site-packages/license/without-license-file-declared.dist-info/METADATA",
            Some(("pygments", "2.6.1", &["BSD License"])),
        ),
        (
            "site-packages/license/with-license-file-declared.dist-info/METADATA",
            Some(("pygments", "2.6.1", &["BSD License"])),
        ),
    ];
    for (rel, want) in cases {
        let data = std::fs::read(root.join(rel)).unwrap();
        let path = format!("usr/lib/python3.8/{rel}");
        let (res, out) = run(&PythonInstalledAnalyzer, &path, &data);
        res.unwrap();
        let pkgs = packages(&out);
        if let Some((name, version, licenses)) = want {
            assert_eq!(pkgs.len(), 1, "{rel}");
            let p = pkgs[0];
            assert_eq!(
                (p.name.as_str(), p.version.as_str()),
                (*name, *version),
                "{rel}"
            );
            assert_eq!(p.licenses, *licenses, "{rel}");
            assert_eq!(p.ecosystem, "pypi");
            assert_eq!(p.origin, PackageOrigin::Installed);
            assert_eq!(p.found_in, path);
            assert_eq!(p.purl.as_str(), format!("pkg:pypi/{name}@{version}"));
            assert!(out.diagnostics.is_empty());
        } else {
            assert!(pkgs.is_empty(), "{rel}");
            assert_eq!(out.diagnostics.len(), 1, "{rel}");
            assert_eq!(out.diagnostics[0].code, "malformed-package-metadata");
            assert_eq!(out.diagnostics[0].path.as_deref(), Some(path.as_str()));
        }
    }
    // Paths that are not metadata files are ignored even if handed over.
    let (res, out) = run(
        &PythonInstalledAnalyzer,
        "x/site-packages/a.dist-info/RECORD",
        b"x",
    );
    res.unwrap();
    assert!(out.files.is_empty() && out.diagnostics.is_empty());
}

#[test]
fn installed_nested_and_egg_dirs_from_syft_archive() {
    // syft's nested fixtures use directories named `dist-info`/`egg-info` (no package
    // name); renamed here to the real layout. Python's header parser reads:
    // nested/dist-name → Pygments 2.6.1, nested/egg-name → requests 2.22.0.
    let cases = [
        (
            "site-packages/nested/dist-name/dist-info/METADATA",
            "usr/lib/python3/site-packages/Pygments-2.6.1.dist-info/METADATA",
            ("pygments", "2.6.1"),
        ),
        (
            "site-packages/nested/egg-name/egg-info/PKG-INFO",
            "usr/lib/python3/site-packages/requests-2.22.0-py3.8.egg-info/PKG-INFO",
            ("requests", "2.22.0"),
        ),
        (
            "site-packages/nested/egg-name/egg-info/PKG-INFO",
            "opt/eggs/requests-2.22.0-py3.8.egg/EGG-INFO/PKG-INFO",
            ("requests", "2.22.0"),
        ),
    ];
    for (rel, path, (name, version)) in cases {
        let (res, out) = run(&PythonInstalledAnalyzer, path, syft(rel));
        res.unwrap();
        let got: Vec<_> = packages(&out)
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        assert_eq!(got, [(name.to_owned(), version.to_owned())], "{rel}");
    }
    // grype's integration image: Pygments 2.6.1, License: BSD License.
    let grype = archive("grype")
        .get("test/integration/testdata/image-debian-match-coverage/python/dist-info/METADATA")
        .unwrap();
    let (res, out) = run(
        &PythonInstalledAnalyzer,
        "usr/local/lib/python3.9/site-packages/Pygments-2.6.1.dist-info/METADATA",
        grype,
    );
    res.unwrap();
    let p = packages(&out)[0];
    assert_eq!((p.name.as_str(), p.version.as_str()), ("pygments", "2.6.1"));
    assert_eq!(p.licenses, ["BSD License"]);
}

// ---------------------------------------------------------------------------------------------
// requirements.txt

#[test]
fn requirements_syft() {
    // Read by hand from the fixture: only exact `==`/`===` pins count.
    let got = lock("app/requirements.txt", syft("requires/requirements.txt"));
    let want = [
        t("flask", "4.0.0", None),
        t("urllib3", "1.26.20", None),
        t("foo", "1.0.0", None),
        t("someproject", "5.4", None),
        t("dots-allowed", "1.0.0", None),
        t("argh", "0.26.2", None),
        t("argh", "0.26.3", None),
        t("celery", "4.4.7", None),
        t("githubsampleproject", "3.7.1", None),
        t("friendly-bard", "1.0.0", None),
        t("local-version", "1.2.3+gcr.2", None),
    ];
    assert_eq!(got, want);
}

#[test]
fn requirements_trivy() {
    let data = std::fs::read(lang("trivy-integration-repo/pip/requirements.txt")).unwrap();
    let got = lock("src/requirements.txt", &data);
    // `MarkupSafe>2.0.0` is a range, not a pin.
    let want = [
        t("click", "8.0.0", None),
        t("flask", "2.0.0", None),
        t("itsdangerous", "2.0.0", None),
        t("jinja2", "3.0.0", None),
        t("werkzeug", "0.11", None),
        t("oauth2-client", "4.0.0", None),
        t("python-gitlab", "2.0.0", None),
    ];
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------------
// TOML lockfiles

/// (normalised name, version) of each `[[key]]` table that has both, deduplicated, in order:
/// the independent reading for TOML lockfiles.
fn toml_walk(data: &[u8], key: &str, skip_roots: bool) -> Vec<(String, String)> {
    let doc: toml::Table = std::str::from_utf8(data).unwrap().parse().unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    for p in doc[key].as_array().unwrap() {
        let src = p.get("source").and_then(|s| s.as_table());
        if skip_roots
            && src.is_some_and(|s| s.contains_key("virtual") || s.contains_key("editable"))
        {
            continue;
        }
        let (Some(n), Some(v)) = (p.get("name"), p.get("version")) else {
            continue;
        };
        let n = n.as_str().unwrap().to_lowercase().replace(['_', '.'], "-");
        let e = (n, v.as_str().unwrap().to_owned());
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

fn names_versions(v: &[(String, String, Option<DependencyScope>)]) -> Vec<(String, String)> {
    v.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect()
}

#[test]
fn poetry_trivy_exact() {
    let data = std::fs::read(lang("trivy-integration-repo/poetry/poetry.lock")).unwrap();
    let got = lock("src/poetry.lock", &data);
    assert_eq!(
        got,
        [
            t("click", "8.1.3", PROD),
            t("colorama", "0.4.6", PROD),
            t("werkzeug", "0.14", PROD)
        ]
    );
}

#[test]
fn poetry_syft() {
    // category = "dev" on every entry of dev-deps (Poetry < 1.2).
    let got = lock("a/poetry.lock", syft("poetry/dev-deps/poetry.lock"));
    assert_eq!(
        got,
        [
            t("added-value", "0.14.2", DEV),
            t("alabaster", "0.7.12", DEV),
            t("appnope", "0.1.0", DEV),
            t("asciitree", "0.3.3", DEV),
        ]
    );
    // groups = ["main"] (Poetry ≥ 1.2).
    let got = lock("a/poetry.lock", syft("poetry/case-sensitivity/poetry.lock"));
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|(_, _, s)| *s == PROD));
    assert!(
        got.iter()
            .any(|(n, v, _)| n == "djangorestframework" && v == "3.16.1")
    );
    // The others: exactly the tables with a name and a version.
    let mut total = 0;
    for dir in [
        "conflicting-with-extras",
        "multiple-extras",
        "nested-extras",
        "simple-deps",
    ] {
        let data = syft(&format!("poetry/{dir}/poetry.lock"));
        let got = lock("a/poetry.lock", data);
        assert_eq!(
            names_versions(&got),
            toml_walk(data, "package", false),
            "{dir}"
        );
        total += got.len();
    }
    // 21 + 15 + 39 + 5 entries, per tomllib.
    assert_eq!(total, 80);
}

#[test]
fn uv_trivy_exact_and_syft() {
    let data = std::fs::read(lang("trivy-integration-repo/uv/uv.lock")).unwrap();
    // The project itself (`uv-test`, source virtual) is not a dependency. Every package is
    // reachable from it through `dependencies`: all prod.
    assert_eq!(
        lock("src/uv.lock", &data),
        [
            t("click", "8.1.3", PROD),
            t("colorama", "0.4.6", PROD),
            t("werkzeug", "0.11.1", PROD)
        ]
    );
    let mut total = 0;
    for dir in [
        "conflicting-with-extras",
        "multiple-extras",
        "nested-extras",
        "simple-deps",
    ] {
        let data = syft(&format!("uv/{dir}/uv.lock"));
        let got = lock("a/uv.lock", data);
        assert_eq!(
            names_versions(&got),
            toml_walk(data, "package", true),
            "{dir}"
        );
        total += got.len();
    }
    // 21 + 16 + 41 + 5, per tomllib (minus the virtual project of each).
    assert_eq!(total, 83);
    let simple = lock("a/uv.lock", syft("uv/simple-deps/uv.lock"));
    assert!(simple.iter().all(|(_, _, s)| *s == PROD), "{simple:?}");
}

#[test]
fn pdm_syft() {
    let got = lock("a/pdm.lock", syft("pdm-lock/pdm.lock"));
    let data = syft("pdm-lock/pdm.lock");
    assert_eq!(names_versions(&got), toml_walk(data, "package", false));
    assert_eq!(got.len(), 10);
    // certifi is only in the `security` group: not default, so no scope; chardet is default.
    assert!(got.contains(&t("certifi", "2025.1.31", None)));
    assert!(got.contains(&t("chardet", "3.0.4", PROD)));
    // Extras entries repeat a package: reported once (5 distinct of 6, 57 of 58).
    for (dir, n) in [("pdm-lock-extras", 5), ("pdm-lock-separate-files", 57)] {
        let data = syft(&format!("{dir}/pdm.lock"));
        let got = lock("a/pdm.lock", data);
        assert_eq!(
            names_versions(&got),
            toml_walk(data, "package", false),
            "{dir}"
        );
        assert_eq!(got.len(), n, "{dir}");
    }
}

#[test]
fn pylock_trivy_exact() {
    let data = std::fs::read(lang("trivy-integration-repo/pylock/pylock.toml")).unwrap();
    assert_eq!(
        lock("src/pylock.toml", &data),
        [
            t("click", "8.1.3", None),
            t("colorama", "0.4.6", None),
            t("werkzeug", "0.11.1", None)
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Pipfile.lock

#[test]
fn pipfile_lock() {
    let data = std::fs::read(lang("trivy-integration-repo/pipenv/Pipfile.lock")).unwrap();
    assert_eq!(
        lock("src/Pipfile.lock", &data),
        [t("werkzeug", "0.11.1", PROD)]
    );
    // syft's fixture against a serde_json walk: default → prod, develop → dev.
    let data = syft("pipfile-lock/Pipfile.lock");
    let doc: serde_json::Value = serde_json::from_slice(data).unwrap();
    let mut want = Vec::new();
    for (section, scope) in [("default", PROD), ("develop", DEV)] {
        for (name, spec) in doc[section].as_object().unwrap() {
            let v = spec["version"].as_str().unwrap().trim_start_matches("==");
            want.push(t(&name.to_lowercase(), v, scope));
        }
    }
    assert_eq!(want.len(), 6);
    assert_eq!(lock("a/Pipfile.lock", data), want);
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs

#[test]
fn hostile_lockfiles() {
    let malformed = |path: &str, data: &[u8]| {
        let (res, out) = run(&PythonLockfileAnalyzer, path, data);
        match res {
            Err(AnalyzeError::Malformed { path: p, message }) => {
                assert_eq!(p, path);
                assert!(!message.is_empty());
            }
            other => panic!("{path}: expected Malformed, got {other:?}"),
        }
        assert!(packages(&out).is_empty());
    };
    malformed("a/poetry.lock", b"[[package]\nname = 1");
    malformed("a/uv.lock", b"\xff\xfe\x00garbage");
    malformed("a/Pipfile.lock", b"{\"default\": {");
    malformed("a/Pipfile.lock", b"[1, 2]");
    // Deep nesting: TOML and JSON parsers refuse it instead of overflowing the stack.
    let deep_toml = format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    malformed("a/pdm.lock", deep_toml.as_bytes());
    let deep_json = format!(
        "{{\"default\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    malformed("a/Pipfile.lock", deep_json.as_bytes());
    // Wrong types: entries skipped with a diagnostic, the rest read.
    let (res, out) = run(&PythonLockfileAnalyzer, "a/poetry.lock", b"package = 3\n");
    res.unwrap();
    assert_eq!(out.diagnostics[0].code, "malformed-lockfile");
    let (res, out) = run(
        &PythonLockfileAnalyzer,
        "a/poetry.lock",
        b"[[package]]\nname = 7\nversion = \"1\"\n[[package]]\nname = \"ok\"\nversion = \"2\"\n",
    );
    res.unwrap();
    assert_eq!(nvs(&out), [t("ok", "2", None)]);
    assert_eq!(out.diagnostics.len(), 1);
    // Oversize: refused from the declared size, before reading.
    let mut r: &[u8] = b"";
    let mut entry = FileEntry::new("a/requirements.txt", 1 << 40, 0o644, &mut r);
    let mut out = LayerFindings::default();
    assert!(matches!(
        PythonLockfileAnalyzer.analyze(&mut entry, &mut out),
        Err(AnalyzeError::TooLarge { .. })
    ));
    // Binary junk as requirements: no pins, no panic.
    let junk: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let (res, out) = run(&PythonLockfileAnalyzer, "requirements.txt", &junk);
    assert!(res.is_err() || packages(&out).is_empty());
    // A million continuation backslashes: one long logical line, linear time.
    let cont = "a==1 \\\n".repeat(200_000);
    let (res, out) = run(&PythonLockfileAnalyzer, "requirements.txt", cont.as_bytes());
    res.unwrap();
    assert_eq!(nvs(&out), [t("a", "1", None)]);
}

#[test]
fn hostile_metadata() {
    // A header block without an end, over the 1 MiB limit.
    let mut big = b"Name: x\nVersion: 1\n".to_vec();
    big.extend(std::iter::repeat_n(b"Classifier: y\n".as_slice(), 100_000).flatten());
    let (res, _) = run(&PythonInstalledAnalyzer, "a/x.dist-info/METADATA", &big);
    assert!(
        matches!(res, Err(AnalyzeError::Malformed { ref message, .. }) if message.contains("limit")),
        "{res:?}"
    );
    // A huge body after the headers is fine: it is never read.
    let mut body = b"Name: x\nVersion: 1\n\n".to_vec();
    body.extend(std::iter::repeat_n(b'z', 8 << 20));
    let (res, out) = run(&PythonInstalledAnalyzer, "a/x.dist-info/METADATA", &body);
    res.unwrap();
    assert_eq!(nvs(&out), [t("x", "1", None)]);
    // Binary junk, invalid names, missing fields: diagnostics, no packages.
    for data in [
        &b"\x00\x01\x02\xff\xfe"[..],
        b"Name: a b c\nVersion: 1\n",
        b"Version: 1\n",
        b"Name: ok\nVersion:\n",
    ] {
        let (res, out) = run(&PythonInstalledAnalyzer, "a/b.egg-info", data);
        res.unwrap();
        assert!(packages(&out).is_empty());
        assert_eq!(out.diagnostics[0].code, "malformed-package-metadata");
    }
}
