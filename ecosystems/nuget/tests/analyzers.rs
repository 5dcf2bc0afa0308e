//! The .NET analyzers on real fixtures (trivy's integration repo, syft's dotnet cataloger and
//! grype's integration image), compared with expected lists read with Python's `json` and a
//! plain `serde_json` walk in the test; plus hostile inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::OnceLock;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, LayerFindings};
use customs_model::{Package, PackageOrigin};
use customs_nuget::{DepsJsonAnalyzer, PackagesLockAnalyzer};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

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
            let p = e.path().unwrap().to_string_lossy().into_owned();
            if p.contains("dotnet") && e.header().entry_type().is_file() {
                let mut buf = Vec::new();
                e.read_to_end(&mut buf).unwrap();
                out.insert(p.trim_start_matches("./").to_owned(), buf);
            }
        }
        out
    })
}

fn syft(rel: &str) -> &'static [u8] {
    let p = format!("syft/pkg/cataloger/dotnet/testdata/{rel}");
    archive("syft")
        .get(&p)
        .unwrap_or_else(|| panic!("{p} missing"))
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

/// Sorted (name, version) of what the analyzer reports, with the common checks.
fn got(a: &dyn Analyzer, path: &str, data: &[u8], origin: PackageOrigin) -> Vec<(String, String)> {
    let (res, out) = run(a, path, data);
    res.unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let mut v: Vec<_> = packages(&out)
        .into_iter()
        .map(|p| {
            assert_eq!(p.ecosystem, "nuget");
            assert_eq!(p.origin, origin);
            assert_eq!(p.found_in, path);
            assert_eq!(p.scope, None);
            assert_eq!(
                p.purl.as_str(),
                format!("pkg:nuget/{}@{}", p.name, p.version)
            );
            (p.name.clone(), p.version.clone())
        })
        .collect();
    v.sort();
    v
}

fn nv(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    v.sort();
    v
}

/// Independent reading of a deps.json: keys of `libraries` whose type is `package`.
fn deps_walk(data: &[u8]) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(data).unwrap();
    let mut v: Vec<_> = doc["libraries"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, l)| l["type"] == "package")
        .map(|(k, _)| {
            let (n, ver) = k.split_once('/').unwrap();
            (n.to_owned(), ver.to_owned())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn deps_json() {
    let path = "app/datacollector.deps.json";
    assert_eq!(
        got(
            &DepsJsonAnalyzer,
            path,
            &trivy("dotnet/datacollector.deps.json"),
            PackageOrigin::Installed
        ),
        nv(&[("Newtonsoft.Json", "9.0.1")])
    );
    // referenceassembly and project entries are not packages.
    assert_eq!(
        got(
            &DepsJsonAnalyzer,
            "app/MyApp.deps.json",
            syft("deps-with-referenceassembly/MyApp.deps.json"),
            PackageOrigin::Installed
        ),
        nv(&[("Newtonsoft.Json", "13.0.3")])
    );
    // 12 packages (2 projects skipped), per Python's json.
    let data = syft("dir-example-1/TestLibrary.deps.json");
    let want = nv(&[
        ("AWSSDK.Core", "3.7.10.6"),
        ("Microsoft.Extensions.DependencyInjection", "6.0.0"),
        (
            "Microsoft.Extensions.DependencyInjection.Abstractions",
            "6.0.0",
        ),
        ("Microsoft.Extensions.Logging", "6.0.0"),
        ("Microsoft.Extensions.Logging.Abstractions", "6.0.0"),
        ("Microsoft.Extensions.Options", "6.0.0"),
        ("Microsoft.Extensions.Primitives", "6.0.0"),
        ("Newtonsoft.Json", "13.0.1"),
        ("Serilog", "2.10.0"),
        ("Serilog.Sinks.Console", "4.0.1"),
        ("System.Diagnostics.DiagnosticSource", "6.0.0"),
        ("System.Runtime.CompilerServices.Unsafe", "6.0.0"),
    ]);
    let g = got(
        &DepsJsonAnalyzer,
        "app/TestLibrary.deps.json",
        data,
        PackageOrigin::Installed,
    );
    assert_eq!(g, want);
    assert_eq!(g, deps_walk(data));
    // grype's copy differs from syft's in its content; same walk.
    let data = archive("grype")
        .get("test/integration/testdata/image-debian-match-coverage/dotnet/TestLibrary.deps.json")
        .unwrap();
    let g = got(
        &DepsJsonAnalyzer,
        "app/TestLibrary.deps.json",
        data,
        PackageOrigin::Installed,
    );
    assert_eq!(g, deps_walk(data));
    assert!(!g.is_empty());
}

#[test]
fn packages_lock() {
    assert_eq!(
        got(
            &PackagesLockAnalyzer,
            "src/packages.lock.json",
            &trivy("nuget/packages.lock.json"),
            PackageOrigin::Lockfile
        ),
        nv(&[("Newtonsoft.Json", "12.0.3"), ("NuGet.Frameworks", "5.7.0")])
    );
    // Two frameworks; log4net resolves to different versions in each: both kept, the rest
    // deduplicated (Python's json: 9 distinct name/version pairs).
    assert_eq!(
        got(
            &PackagesLockAnalyzer,
            "src/packages.lock.json",
            syft("packages.lock.json"),
            PackageOrigin::Lockfile
        ),
        nv(&[
            ("AutoMapper", "13.0.1"),
            (
                "Microsoft.Extensions.DependencyInjection.Abstractions",
                "9.0.0"
            ),
            ("Microsoft.Extensions.Logging", "9.0.0"),
            ("Microsoft.Extensions.Options", "9.0.0"),
            ("Microsoft.Extensions.Primitives", "9.0.0"),
            ("System.Runtime.CompilerServices.Unsafe", "9.0.0"),
            ("bootstrap", "5.0.0"),
            ("log4net", "1.2.15"),
            ("log4net", "2.0.5"),
        ])
    );
    // net8.0 and net8.0/win-x64: 51 distinct packages, against a serde_json walk.
    let data = syft("image-net8-app/src/packages.lock.json");
    let g = got(
        &PackagesLockAnalyzer,
        "src/packages.lock.json",
        data,
        PackageOrigin::Lockfile,
    );
    let doc: serde_json::Value = serde_json::from_slice(data).unwrap();
    let mut want = BTreeSet::new();
    for deps in doc["dependencies"].as_object().unwrap().values() {
        for (n, d) in deps.as_object().unwrap() {
            want.insert((n.clone(), d["resolved"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(g, want.into_iter().collect::<Vec<_>>());
    assert_eq!(g.len(), 51);
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
    let deps = &DepsJsonAnalyzer;
    let lock = &PackagesLockAnalyzer;
    // syft's glob-paths fixtures are not JSON objects.
    malformed(
        deps,
        "a/something.deps.json",
        syft("glob-paths/src/something.deps.json"),
    );
    malformed(
        lock,
        "a/packages.lock.json",
        syft("glob-paths/src/packages.lock.json"),
    );
    malformed(deps, "a/x.deps.json", b"{\"libraries\": [1]}");
    malformed(lock, "a/packages.lock.json", b"{\"dependencies\": 3}");
    let deep = format!(
        "{{\"libraries\": {}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    malformed(deps, "a/x.deps.json", deep.as_bytes());
    malformed(lock, "a/packages.lock.json", deep.as_bytes());
    // Bad entries: a diagnostic each, good ones kept; Project entries skipped silently.
    let data = br#"{"dependencies": {"net8.0": {"Good": {"type": "Direct", "resolved": "1.0.0"}, "good": {"type": "Transitive", "resolved": "1.0.0"}, "NoVersion": {"type": "Direct"}, "bad name": {"resolved": "1"}, "Proj": {"type": "Project"}}, "net6.0": 5}}"#;
    let (res, out) = run(lock, "packages.lock.json", data);
    res.unwrap();
    let names: Vec<_> = packages(&out).iter().map(|p| p.name.clone()).collect();
    assert_eq!(names, ["Good"]); // `good` is the same ID, case-insensitively
    assert_eq!(out.diagnostics.len(), 3, "{:?}", out.diagnostics);
    let data = br#"{"libraries": {"NoSlash": {"type": "package"}, "A/": {"type": "package"}, "B/1.0": {"type": "package"}}}"#;
    let (res, out) = run(deps, "x.deps.json", data);
    res.unwrap();
    assert_eq!(packages(&out).len(), 1);
    assert_eq!(out.diagnostics.len(), 2);
    // A BOM is tolerated.
    let (res, out) = run(
        deps,
        "x.deps.json",
        b"\xef\xbb\xbf{\"libraries\": {\"B/1.0\": {\"type\": \"package\"}}}",
    );
    res.unwrap();
    assert_eq!(packages(&out).len(), 1);
    // Oversize.
    let mut rd: &[u8] = b"";
    let mut entry = FileEntry::new("x.deps.json", 1 << 40, 0o644, &mut rd);
    assert!(matches!(
        deps.analyze(&mut entry, &mut LayerFindings::default()),
        Err(AnalyzeError::TooLarge { .. })
    ));
    // `.deps.json` alone is not an application's file.
    let (res, out) = run(deps, "a/.deps.json", b"junk");
    res.unwrap();
    assert!(out.files.is_empty());
}
