//! The composer analyzers on real fixtures (trivy's integration repo, syft's php cataloger
//! test data), each also checked against a plain `serde_json` walk; plus hostile inputs.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::OnceLock;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, LayerFindings};
use customs_composer::{ComposerInstalledAnalyzer, ComposerLockAnalyzer};
use customs_model::{DependencyScope, Package, PackageOrigin};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn syft(rel: &str) -> &'static [u8] {
    static FILES: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    let files = FILES.get_or_init(|| {
        let f = std::fs::File::open(format!("{DATA}/archives/syft-testdata.tar.zst")).unwrap();
        let mut ar = tar::Archive::new(zstd::Decoder::new(f).unwrap());
        let mut out = BTreeMap::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let p = e.path().unwrap().to_string_lossy().into_owned();
            if let Some(rel) = p.strip_prefix("./syft/pkg/cataloger/php/testdata/") {
                let mut buf = Vec::new();
                e.read_to_end(&mut buf).unwrap();
                out.insert(rel.to_owned(), buf);
            }
        }
        out
    });
    files.get(rel).unwrap_or_else(|| panic!("{rel} missing"))
}

fn trivy(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/pkgdb/lang/trivy-integration-repo/{rel}")).unwrap()
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

type Row = (String, String, Option<DependencyScope>);

fn rows(a: &dyn Analyzer, path: &str, data: &[u8], origin: PackageOrigin) -> Vec<Row> {
    let (res, out) = run(a, path, data);
    res.unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    packages(&out)
        .into_iter()
        .map(|p| {
            assert_eq!(p.ecosystem, "composer");
            assert_eq!(p.origin, origin);
            assert_eq!(p.found_in, path);
            assert_eq!(
                p.purl.as_str(),
                format!("pkg:composer/{}@{}", p.name, p.version)
            );
            (p.name.clone(), p.version.clone(), p.scope)
        })
        .collect()
}

/// The independent reading: `name`/`version` of each object of `key`, with `scope`.
fn walk(data: &[u8], key: Option<&str>, scope: Option<DependencyScope>) -> Vec<Row> {
    let doc: serde_json::Value = serde_json::from_slice(data).unwrap();
    let list = match key {
        Some(k) => doc.get(k).cloned().unwrap_or_default(),
        None => doc,
    };
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_owned(),
                        p["version"].as_str().unwrap().to_owned(),
                        scope,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn r(n: &str, v: &str, s: Option<DependencyScope>) -> Row {
    (n.to_owned(), v.to_owned(), s)
}

const PROD: Option<DependencyScope> = Some(DependencyScope::Prod);
const DEV: Option<DependencyScope> = Some(DependencyScope::Dev);

#[test]
fn composer_lock_trivy() {
    let data = trivy("composer/composer.lock");
    let got = rows(
        &ComposerLockAnalyzer,
        "app/composer.lock",
        &data,
        PackageOrigin::Lockfile,
    );
    assert_eq!(
        got,
        [
            r("guzzlehttp/guzzle", "7.4.4", PROD),
            r("guzzlehttp/psr7", "1.8.3", PROD)
        ]
    );
    assert_eq!(got, walk(&data, Some("packages"), PROD));
    // Licenses come from the `license` array.
    let (_, out) = run(&ComposerLockAnalyzer, "app/composer.lock", &data);
    assert!(packages(&out).iter().all(|p| p.licenses == ["MIT"]));
}

#[test]
fn composer_lock_syft() {
    let data = syft("composer.lock");
    let got = rows(
        &ComposerLockAnalyzer,
        "composer.lock",
        data,
        PackageOrigin::Lockfile,
    );
    assert_eq!(
        got,
        [
            r("adoy/fastcgi-client", "1.0.2", PROD),
            r("alcaeus/mongo-php-adapter", "1.1.11", PROD),
            r("behat/gherkin", "v4.6.2", DEV),
            r("codeception/codeception", "4.1.6", DEV),
        ]
    );
    let mut want = walk(data, Some("packages"), PROD);
    want.extend(walk(data, Some("packages-dev"), DEV));
    assert_eq!(got, want);
}

#[test]
fn installed_json_forms() {
    // Composer 2, trivy: dev = true but no dev packages → all prod.
    let data = trivy("composer-vendor/installed.json");
    let got = rows(
        &ComposerInstalledAnalyzer,
        "var/www/vendor/composer/installed.json",
        &data,
        PackageOrigin::Installed,
    );
    assert_eq!(
        got,
        [
            r("guzzlehttp/psr7", "1.8.3", PROD),
            r("psr/http-message", "1.1", PROD),
            r("ralouphie/getallheaders", "3.0.3", PROD),
        ]
    );
    assert_eq!(got, walk(&data, Some("packages"), PROD));
    // Composer 2, syft: behat/mink is in dev-package-names.
    let got = rows(
        &ComposerInstalledAnalyzer,
        "vendor/composer/installed.json",
        syft("vendor/composer_2/installed.json"),
        PackageOrigin::Installed,
    );
    assert_eq!(
        got,
        [
            r("asm89/stack-cors", "1.3.0", PROD),
            r("behat/mink", "v1.8.1", DEV)
        ]
    );
    // Composer 1: a bare array, no scope.
    let data = syft("vendor/composer_1/installed.json");
    let got = rows(
        &ComposerInstalledAnalyzer,
        "vendor/composer/installed.json",
        data,
        PackageOrigin::Installed,
    );
    assert_eq!(
        got,
        [
            r("asm89/stack-cors", "1.3.0", None),
            r("behat/mink", "v1.8.1", None)
        ]
    );
    assert_eq!(got, walk(data, None, None));
    // syft's glob-paths files are not JSON: Malformed naming the file.
    for (a, name, path) in [
        (
            &ComposerInstalledAnalyzer as &dyn Analyzer,
            "glob-paths/src/installed.json",
            "src/composer/installed.json",
        ),
        (
            &ComposerLockAnalyzer,
            "glob-paths/src/composer.lock",
            "src/composer.lock",
        ),
    ] {
        let (res, _) = run(a, path, syft(name));
        assert!(matches!(res, Err(AnalyzeError::Malformed { path: ref p, .. }) if p == path));
    }
}

#[test]
fn hostile() {
    let malformed = |a: &dyn Analyzer, path: &str, data: &[u8]| {
        let (res, out) = run(a, path, data);
        assert!(
            matches!(res, Err(AnalyzeError::Malformed { path: ref p, .. }) if p == path),
            "{res:?}"
        );
        assert!(packages(&out).is_empty());
    };
    let lock = &ComposerLockAnalyzer;
    let inst = &ComposerInstalledAnalyzer;
    malformed(lock, "composer.lock", b"{\"packages\": [");
    malformed(lock, "composer.lock", b"[]");
    malformed(lock, "composer.lock", b"{\"packages\": {}}");
    malformed(inst, "vendor/composer/installed.json", b"42");
    malformed(inst, "vendor/composer/installed.json", b"{\"packages\": 1}");
    let deep = format!(
        "{{\"packages\": {}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    malformed(lock, "composer.lock", deep.as_bytes());
    malformed(inst, "vendor/composer/installed.json", deep.as_bytes());
    // Bad entries: a diagnostic each, the good one kept.
    let data = br#"{"packages": [{"name": "a/b", "version": "1.0"}, {"name": 3}, {"version": "1"}, {"name": "a b/c", "version": "1"}, 7], "packages-dev": null}"#;
    let (res, out) = run(lock, "composer.lock", data);
    res.unwrap();
    assert_eq!(packages(&out).len(), 1);
    assert_eq!(out.diagnostics.len(), 4);
    assert!(
        out.diagnostics
            .iter()
            .all(|d| d.code == "malformed-lockfile")
    );
    // Oversize.
    let mut rd: &[u8] = b"";
    let mut entry = FileEntry::new("composer.lock", 1 << 40, 0o644, &mut rd);
    assert!(matches!(
        lock.analyze(&mut entry, &mut LayerFindings::default()),
        Err(AnalyzeError::TooLarge { .. })
    ));
    // Paths of the wrong shape are ignored.
    let (res, out) = run(inst, "vendor/mycomposer/installed.json", b"garbage");
    res.unwrap();
    assert!(out.files.is_empty());
}
