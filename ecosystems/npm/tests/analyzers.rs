//! The npm analyzers on real fixtures (syft's and trivy's test data, grype's integration
//! image), each compared with an independent reading: a plain `serde_json` walk, line
//! regexes over the lockfile text, a cross-check between two shapes of the same lockfile
//! (v2's `packages` and `dependencies`; a project's yarn classic and berry lockfiles), or an
//! exact list read off the fixture by hand. Plus routing and hostile inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use customs_analyzer::{AnalyzeError, Analyzer, Dispatcher, FileEntry, LayerFindings};
use customs_model::{DependencyScope, Package, PackageOrigin};
use customs_npm::{NpmInstalledAnalyzer, NpmLockfileAnalyzer, PnpmLockAnalyzer, YarnLockAnalyzer};
use regex::Regex;
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

const PROD: Option<DependencyScope> = Some(DependencyScope::Prod);
const DEV: Option<DependencyScope> = Some(DependencyScope::Dev);

type Nvs = Vec<(String, String, Option<DependencyScope>)>;

fn lang(rel: &str) -> PathBuf {
    Path::new(DATA).join("pkgdb/lang").join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(lang(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
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
    let p = format!("syft/pkg/cataloger/javascript/testdata/{rel}");
    archive("syft")
        .get(&p)
        .unwrap_or_else(|| panic!("{p} not in archive"))
}

fn run(a: &dyn Analyzer, path: &str, data: &[u8]) -> (Result<(), AnalyzeError>, LayerFindings) {
    let mut out = LayerFindings::default();
    let mut reader = data;
    let mut entry = FileEntry::new(path, data.len() as u64, 0o644, &mut reader);
    let r = a.analyze(&mut entry, &mut out);
    (r, out)
}

fn packages(out: &LayerFindings) -> Vec<&Package> {
    out.files.values().flat_map(|f| f.packages.iter()).collect()
}

fn nvs(out: &LayerFindings) -> Nvs {
    let mut v: Nvs = packages(out)
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.scope))
        .collect();
    v.sort();
    v
}

/// Runs a lockfile analyzer that must succeed; checks the invariants every lockfile package
/// has, and returns (name, version, scope), sorted.
fn lock(a: &dyn Analyzer, path: &str, data: &[u8]) -> (Nvs, LayerFindings) {
    let (r, out) = run(a, path, data);
    r.unwrap_or_else(|e| panic!("{path}: {e}"));
    for p in packages(&out) {
        assert_eq!(p.ecosystem, "npm");
        assert_eq!(p.origin, PackageOrigin::Lockfile);
        assert_eq!(p.found_in, path);
        assert!(
            p.purl.as_str().starts_with("pkg:npm/"),
            "{}",
            p.purl.as_str()
        );
    }
    (nvs(&out), out)
}

fn t(n: &str, v: &str, s: Option<DependencyScope>) -> (String, String, Option<DependencyScope>) {
    (n.to_owned(), v.to_owned(), s)
}

fn names_versions(v: &Nvs) -> BTreeSet<(String, String)> {
    v.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect()
}

// ---------------------------------------------------------------------------------------
// Installed package.json

/// Every `package.json` under `root` on disk, as (image path relative to `root`, bytes).
fn files_under(root: &Path, name: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn installed_real_node_modules_trees() {
    // syft's pkg-lock project and trivy's npm, yarn and pnpm projects ship real installed
    // package.json files (pnpm's under node_modules/.pnpm/NAME@V/node_modules/NAME).
    let mut checked = 0;
    for project in [
        "syft-javascript/pkg-lock",
        "trivy-integration-repo/npm",
        "trivy-integration-repo/yarn",
        "trivy-integration-repo/pnpm",
    ] {
        for (rel, bytes) in files_under(&lang(project), "package.json") {
            if !rel.contains("node_modules/") {
                continue;
            }
            let path = format!("app/{rel}");
            let (r, out) = run(&NpmInstalledAnalyzer, &path, &bytes);
            r.unwrap();
            // Independent reading: serde_json's name, version and license.
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            let want = (
                v["name"].as_str().unwrap().to_owned(),
                v["version"].as_str().unwrap().to_owned(),
            );
            let got = packages(&out);
            assert_eq!(got.len(), 1, "{path}");
            let p = got[0];
            assert_eq!((p.name.clone(), p.version.clone()), want, "{path}");
            assert_eq!(p.licenses, [v["license"].as_str().unwrap()], "{path}");
            assert_eq!(p.origin, PackageOrigin::Installed);
            assert_eq!(p.found_in, path);
            assert_eq!(p.scope, None);
            // The directory it is installed under is its name (no aliases in these trees).
            assert!(path.ends_with(&format!("node_modules/{}/package.json", p.name)));
            checked += 1;
        }
    }
    // 2 (syft) + 6 (trivy npm) + 1 (trivy yarn) + 2 (trivy pnpm).
    assert_eq!(checked, 11);
}

#[test]
fn installed_exact_trivy_npm_and_scoped_purl() {
    let mut got = Vec::new();
    for (rel, bytes) in files_under(&lang("trivy-integration-repo/npm"), "package.json") {
        let (r, out) = run(&NpmInstalledAnalyzer, &rel, &bytes);
        r.unwrap();
        got.extend(
            packages(&out)
                .iter()
                .map(|p| format!("{}@{}", p.name, p.version)),
        );
    }
    got.sort();
    assert_eq!(
        got,
        [
            "jquery@3.3.9",
            "promise@8.0.3",
            "react-is@16.8.6",
            "react@16.8.6",
            "redux@4.0.1",
            "z-lock@1.0.0"
        ]
    );
    let bytes = read("syft-javascript/pkg-lock/node_modules/@actions/core/package.json");
    let (_, out) = run(
        &NpmInstalledAnalyzer,
        "usr/local/lib/node_modules/@actions/core/package.json",
        &bytes,
    );
    let p = packages(&out)[0];
    assert_eq!(p.purl.as_str(), "pkg:npm/%40actions/core@1.6.0");
}

#[test]
fn installed_global_grype_image() {
    // grype's Alpine integration image: a global install under lib/node_modules.
    let path = "test/integration/testdata/image-alpine-match-coverage/lib/node_modules/npm-apk-subpackage-with-false-positive/package.json";
    let bytes = archive("grype").get(path).unwrap();
    let v: Value = serde_json::from_slice(bytes).unwrap();
    let (r, out) = run(
        &NpmInstalledAnalyzer,
        "lib/node_modules/npm-apk-subpackage-with-false-positive/package.json",
        bytes,
    );
    r.unwrap();
    let got = packages(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name, v["name"].as_str().unwrap());
    assert_eq!(got[0].version, v["version"].as_str().unwrap());
}

#[test]
fn installed_license_shapes_from_syft_pkg_json() {
    let cases: &[(&str, &[&str])] = &[
        ("package.json", &["Artistic-2.0"]),
        ("package-license-object.json", &["ISC"]),
        ("package-license-objects.json", &["MIT", "Apache-2.0"]),
        // `licenses: ["MIT"]`: a plain string array.
        ("package-malformed-license.json", &["MIT"]),
        ("package-no-license.json", &[]),
        ("package-repo-string.json", &["MIT"]),
    ];
    for (file, want) in cases {
        let bytes = read(&format!("syft-javascript/pkg-json/{file}"));
        let (r, out) = run(&NpmInstalledAnalyzer, "node_modules/x/package.json", &bytes);
        r.unwrap();
        let got = packages(&out);
        assert_eq!(got.len(), 1, "{file}");
        assert_eq!(got[0].licenses, *want, "{file}");
    }
    // No name and version: not a package, no diagnostic.
    let bytes = read("syft-javascript/pkg-json/package-partial.json");
    let (r, out) = run(&NpmInstalledAnalyzer, "node_modules/x/package.json", &bytes);
    r.unwrap();
    assert!(packages(&out).is_empty());
    assert!(out.diagnostics.is_empty());
    assert!(out.files.contains_key("node_modules/x/package.json"));
}

#[test]
fn installed_only_package_roots() {
    let bytes = read("syft-javascript/pkg-json/package.json");
    for path in [
        "package.json",
        "app/package.json",
        "app/node_modules/npm/lib/package.json",
        "app/node_modules/npm/test/fixtures/x/package.json",
        "app/node_modules/.pnpm/x/package.json",
    ] {
        let (r, out) = run(&NpmInstalledAnalyzer, path, &bytes);
        r.unwrap();
        assert!(out.files.is_empty(), "{path}");
    }
    for path in [
        "node_modules/npm/package.json",
        "app/node_modules/a/node_modules/npm/package.json",
        "app/node_modules/@s/a/node_modules/@t/npm/package.json",
        "usr/lib/node_modules/npm/package.json",
    ] {
        let (r, out) = run(&NpmInstalledAnalyzer, path, &bytes);
        r.unwrap();
        assert_eq!(packages(&out).len(), 1, "{path}");
    }
}

// ---------------------------------------------------------------------------------------
// package-lock.json

/// Independent reading of a v1 `dependencies` tree: every (name, version) at any depth, with
/// `npm:` aliases resolved.
fn v1_walk(deps: &Value, out: &mut BTreeSet<(String, String)>) {
    for (k, e) in deps.as_object().unwrap() {
        let v = e["version"].as_str().unwrap();
        let nv = match v.strip_prefix("npm:") {
            Some(a) => {
                let at = a[1..].find('@').unwrap() + 1;
                (a[..at].to_owned(), a[at + 1..].to_owned())
            }
            None => (k.clone(), v.to_owned()),
        };
        out.insert(nv);
        if let Some(d) = e.get("dependencies") {
            v1_walk(d, out);
        }
    }
}

#[test]
fn package_lock_v2_packages_agree_with_its_v1_section() {
    // v2 carries both shapes; we read `packages`, and the `dependencies` tree must describe
    // the same packages.
    for file in [
        "package-lock-2.json",
        "alias-package-lock-2.json",
        "array-license-package-lock.json",
    ] {
        let bytes = read(&format!("syft-javascript/pkg-lock/{file}"));
        let (got, _) = lock(&NpmLockfileAnalyzer, "package-lock.json", &bytes);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let mut want = BTreeSet::new();
        v1_walk(&v["dependencies"], &mut want);
        assert_eq!(names_versions(&got), want, "{file}");
    }
}

#[test]
fn package_lock_v2_v3_exact_with_scopes() {
    let bytes = read("syft-javascript/pkg-lock/package-lock-3.json");
    let (got, _) = lock(&NpmLockfileAnalyzer, "package-lock.json", &bytes);
    assert_eq!(
        got,
        [
            t("@types/prop-types", "15.7.5", PROD),
            t("@types/react", "18.0.20", PROD),
            t("@types/scheduler", "0.16.2", PROD),
            t("async", "3.2.4", DEV),
            t("csstype", "3.1.1", PROD),
        ]
    );
    let bytes = read("syft-javascript/pkg-lock/package-lock-2.json");
    let (got, out) = lock(&NpmLockfileAnalyzer, "package-lock.json", &bytes);
    assert_eq!(
        got,
        [
            t("@types/prop-types", "15.7.5", PROD),
            t("@types/react", "18.0.17", PROD),
            t("@types/scheduler", "0.16.2", PROD),
            t("async", "3.2.4", DEV),
            t("csstype", "3.1.0", PROD),
        ]
    );
    let react = packages(&out)
        .into_iter()
        .find(|p| p.name == "@types/react")
        .unwrap();
    assert_eq!(react.purl.as_str(), "pkg:npm/%40types/react@18.0.17");
    assert_eq!(react.licenses, ["MIT"]);

    let bytes = read("syft-javascript/pkg-lock/array-license-package-lock.json");
    let (_, out) = lock(&NpmLockfileAnalyzer, "package-lock.json", &bytes);
    let ps = packages(&out)
        .into_iter()
        .find(|p| p.name == "pause-stream")
        .unwrap();
    assert_eq!(ps.licenses, ["MIT", "Apache2"]);

    // Aliases: the entry's `name` is the real package.
    let bytes = read("syft-javascript/pkg-lock/alias-package-lock-2.json");
    let (got, _) = lock(&NpmLockfileAnalyzer, "package-lock.json", &bytes);
    assert_eq!(
        got,
        [
            t("@bundled-es-modules/chai", "4.2.2", PROD),
            t("case", "1.6.2", PROD),
            t("case", "1.6.3", PROD),
        ]
    );
}

#[test]
fn package_lock_v1_trivy_exact_against_serde_walk() {
    let bytes = read("trivy-integration-repo/npm/package-lock.json");
    let (got, _) = lock(&NpmLockfileAnalyzer, "app/package-lock.json", &bytes);
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let mut want: Nvs = v["dependencies"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| {
            let dev = e.get("dev").and_then(Value::as_bool) == Some(true);
            t(
                k,
                e["version"].as_str().unwrap(),
                if dev { DEV } else { PROD },
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(got.len(), 13);
    assert!(got.contains(&t("z-lock", "1.0.0", DEV)));
}

#[test]
fn package_lock_v1_nested_aliases_and_dev_inheritance() {
    let bytes = read("syft-javascript/pkg-lock/nested-package-lock-1.json");
    let (got, _) = lock(&NpmLockfileAnalyzer, "npm-shrinkwrap.json", &bytes);
    // shared appears at three versions at three depths; duplicate@1.0.0 twice (deduplicated);
    // dev-nested has no `dev` flag but sits below a dev package.
    assert_eq!(
        got,
        [
            t("dev-nested", "1.0.0", DEV),
            t("dev-parent", "1.0.0", DEV),
            t("duplicate", "1.0.0", PROD),
            t("middle", "1.0.0", PROD),
            t("parent", "1.0.0", PROD),
            t("shared", "0.5.0", PROD),
            t("shared", "1.0.0", PROD),
            t("shared", "2.0.0", PROD),
        ]
    );
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let mut want = BTreeSet::new();
    v1_walk(&v["dependencies"], &mut want);
    assert_eq!(names_versions(&got), want);

    let bytes = read("syft-javascript/pkg-lock/alias-package-lock-1.json");
    let (got, _) = lock(&NpmLockfileAnalyzer, "package-lock.json", &bytes);
    assert_eq!(
        got,
        [
            t("@bundled-es-modules/chai", "4.2.2", PROD),
            t("case", "1.6.2", PROD),
            t("case", "1.6.3", PROD),
        ]
    );

    // syft's v1 fixture with a stray `node_modules/async` key (a v2 path in a v1 map): not a
    // package name; skipped with a diagnostic, the 11 real entries kept.
    let bytes = read("syft-javascript/pkg-lock/package-lock.json");
    let (got, out) = lock(&NpmLockfileAnalyzer, "package-lock.json", &bytes);
    assert_eq!(got.len(), 11);
    assert!(got.iter().all(|(_, _, s)| *s == PROD));
    assert!(got.contains(&t("@actions/core", "1.6.0", PROD)));
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.diagnostics[0].message.contains("node_modules/async"));
}

#[test]
fn package_lock_links_and_nested_paths() {
    let text = r#"{
      "lockfileVersion": 3,
      "packages": {
        "": {"name": "root", "version": "1.0.0"},
        "node_modules/a": {"version": "1.0.0"},
        "node_modules/a/node_modules/@s/b": {"version": "2.0.0", "devOptional": true},
        "node_modules/ws-pkg": {"resolved": "packages/ws-pkg", "link": true},
        "packages/ws-pkg": {"name": "ws-pkg", "version": "0.1.0"},
        "packages/ws-pkg/node_modules/c": {"version": "3.0.0", "dev": true},
        "node_modules/dangling": {"resolved": "../elsewhere", "link": true},
        "node_modules/noversion": {}
      }
    }"#;
    let (got, out) = lock(&NpmLockfileAnalyzer, "package-lock.json", text.as_bytes());
    assert_eq!(
        got,
        [
            t("@s/b", "2.0.0", DEV),
            t("a", "1.0.0", PROD),
            t("c", "3.0.0", DEV),
            t("ws-pkg", "0.1.0", PROD),
        ]
    );
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].code, "malformed-lockfile-entry");
    assert!(out.diagnostics[0].message.starts_with("2 entries"));
}

// ---------------------------------------------------------------------------------------
// yarn.lock

/// Independent reading of a classic yarn.lock: the first spec's name of each unindented
/// header, and the `  version "..."` line below it.
fn classic_regex(text: &str) -> BTreeSet<(String, String)> {
    let header = Regex::new(r#"^"?((?:@[^/@"]+/)?[^@"]+)@"#).unwrap();
    let version = Regex::new(r#"^  version "([^"]+)""#).unwrap();
    let mut out = BTreeSet::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(c) = header.captures(line) {
            name = Some(c[1].to_owned());
        } else if let Some(c) = version.captures(line) {
            out.insert((name.clone().unwrap(), c[1].to_owned()));
        }
    }
    out
}

#[test]
fn yarn_classic_against_regex_reading() {
    let mut total = 0;
    for (label, bytes) in [
        ("syft yarn", read("syft-javascript/yarn/yarn.lock")),
        ("trivy yarn", read("trivy-integration-repo/yarn/yarn.lock")),
        ("syft yarn-v1-deps", syft("yarn-v1-deps/yarn.lock").to_vec()),
        (
            "syft yarn-dev-deps",
            syft("yarn-dev-deps/yarn.lock").to_vec(),
        ),
        ("syft yarn-remote", syft("yarn-remote/yarn.lock").to_vec()),
    ] {
        let (got, out) = lock(&YarnLockAnalyzer, "yarn.lock", &bytes);
        assert!(out.diagnostics.is_empty(), "{label}");
        assert!(got.iter().all(|(_, _, s)| s.is_none()), "{label}");
        let want = classic_regex(std::str::from_utf8(&bytes).unwrap());
        assert_eq!(names_versions(&got), want, "{label}");
        total += got.len();
    }
    assert_eq!(total, 9 + 3 + 9 + 4 + 1);
}

#[test]
fn yarn_classic_exact_trivy_and_dups() {
    let (got, _) = lock(
        &YarnLockAnalyzer,
        "app/yarn.lock",
        &read("trivy-integration-repo/yarn/yarn.lock"),
    );
    assert_eq!(
        got,
        [
            t("asap", "2.0.6", None),
            t("jquery", "3.2.1", None),
            t("promise", "8.0.3", None)
        ]
    );
    // yarn-dups: two versions of async; a `name` field overriding the spec; a git spec.
    let (got, _) = lock(&YarnLockAnalyzer, "yarn.lock", syft("yarn-dups/yarn.lock"));
    assert_eq!(
        got,
        [
            t("async", "0.9.2", None),
            t("async", "3.2.3", None),
            t("merge-objects", "1.0.5", None),
            t("resize-observer-polyfill", "1.5.2", None),
            t("should-type", "1.3.0", None),
        ]
    );
}

#[test]
fn yarn_berry_matches_the_same_projects_classic_lockfile() {
    // syft's yarn and yarn-berry fixtures lock the same project; berry lists the project itself
    // as `c0n-fab_u.laTION@workspace:.`, which is skipped, and a duplicated key.
    let classic = lock(
        &YarnLockAnalyzer,
        "yarn.lock",
        &read("syft-javascript/yarn/yarn.lock"),
    )
    .0;
    let (berry, out) = lock(
        &YarnLockAnalyzer,
        "yarn.lock",
        &read("syft-javascript/yarn-berry/yarn.lock"),
    );
    assert!(out.diagnostics.is_empty());
    let mut want = names_versions(&classic);
    assert!(want.remove(&("c0n-fab_u.laTION".to_owned(), "7.7.7".to_owned())));
    assert_eq!(names_versions(&berry), want);
    assert_eq!(berry.len(), 8);

    let (got, _) = lock(
        &YarnLockAnalyzer,
        "yarn.lock",
        syft("yarn-berry-dups/yarn.lock"),
    );
    assert_eq!(got, [t("async", "0.9.2", None), t("async", "3.2.6", None)]);
    let (got, _) = lock(
        &YarnLockAnalyzer,
        "yarn.lock",
        syft("yarn-berry-dev-deps/yarn.lock"),
    );
    assert_eq!(
        names_versions(&got),
        classic_regex_berry(syft("yarn-berry-dev-deps/yarn.lock"))
    );
}

/// Independent reading of a berry lockfile: `resolution: "NAME@npm:VERSION"` lines.
fn classic_regex_berry(bytes: &[u8]) -> BTreeSet<(String, String)> {
    let re = Regex::new(r#"(?m)^  resolution: "((?:@[^/]+/)?[^@]+)@npm:([^"]+)"$"#).unwrap();
    re.captures_iter(std::str::from_utf8(bytes).unwrap())
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect()
}

#[test]
fn yarn_berry_protocols() {
    let text = r#"__metadata:
  version: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."

"alias@npm:real@^1":
  version: 1.2.0
  resolution: "real@npm:1.2.0"

"resolve@patch:resolve@^1#~builtin<compat/resolve>":
  version: 1.22.1
  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1"

"resolve@npm:^1":
  version: 1.22.1
  resolution: "resolve@npm:1.22.1"

"gitdep@https://github.com/a/b.git#commit=abc":
  version: 3.0.0
  resolution: "gitdep@https://github.com/a/b.git#commit=abc"

"linked@link:../x::locator=app%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "linked@link:../x::locator=app%40workspace%3A."

"broken@npm:^1":
  version: 1.0.0
"#;
    let (got, out) = lock(&YarnLockAnalyzer, "yarn.lock", text.as_bytes());
    assert_eq!(
        got,
        [
            t("gitdep", "3.0.0", None),
            t("real", "1.2.0", None),
            t("resolve", "1.22.1", None)
        ]
    );
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    assert!(out.diagnostics[0].message.contains("broken@npm:^1"));
}

// ---------------------------------------------------------------------------------------
// pnpm-lock.yaml

/// Independent reading of a pnpm lockfile's `packages:` section: keys indented two spaces,
/// peer suffixes (`(...)` or v5's `_...`) cut, split at the version separator.
fn pnpm_regex(text: &str, v5: bool) -> BTreeSet<(String, String)> {
    let re = if v5 {
        Regex::new(r"^  /((?:@[^/]+/)?[^/]+)/([^_:/]+)(?:_[^:]*)?:$").unwrap()
    } else {
        Regex::new(r"^  '?/?((?:@[^/@]+/)?[^@(]+)@([^(:']+)(?:\(.*\))?'?:$").unwrap()
    };
    let mut in_packages = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_packages = line == "packages:";
            continue;
        }
        if in_packages && let Some(c) = re.captures(line) {
            out.insert((c[1].to_owned(), c[2].to_owned()));
        }
    }
    out
}

#[test]
fn pnpm_against_regex_reading() {
    let cases: Vec<(&str, Vec<u8>, bool, usize)> = vec![
        (
            "syft pnpm v5",
            read("syft-javascript/pnpm/pnpm-lock.yaml"),
            true,
            1,
        ),
        (
            "syft v5 peer suffix",
            syft("pnpm-v5-peer-suffix/pnpm-lock.yaml").to_vec(),
            true,
            3,
        ),
        (
            "syft pnpm-remote v5",
            syft("pnpm-remote/pnpm-lock.yaml").to_vec(),
            true,
            1,
        ),
        (
            "syft pnpm v6",
            read("syft-javascript/pnpm-v6/pnpm-lock.yaml"),
            false,
            10,
        ),
        (
            "trivy pnpm v6",
            read("trivy-integration-repo/pnpm/pnpm-lock.yaml"),
            false,
            2,
        ),
        (
            "syft pnpm v9",
            read("syft-javascript/pnpm-v9/pnpm-lock.yaml"),
            false,
            4,
        ),
        (
            "syft v9 snapshots",
            syft("pnpm-v9-snapshots/pnpm-lock.yaml").to_vec(),
            false,
            6,
        ),
    ];
    for (label, bytes, v5, n) in cases {
        let (got, out) = lock(&PnpmLockAnalyzer, "pnpm-lock.yaml", &bytes);
        assert!(out.diagnostics.is_empty(), "{label}");
        let want = pnpm_regex(std::str::from_utf8(&bytes).unwrap(), v5);
        assert_eq!(names_versions(&got), want, "{label}");
        assert_eq!(got.len(), n, "{label}");
    }
}

#[test]
fn pnpm_exact_lists_and_scopes() {
    let (got, _) = lock(
        &PnpmLockAnalyzer,
        "pnpm-lock.yaml",
        &read("syft-javascript/pnpm/pnpm-lock.yaml"),
    );
    assert_eq!(got, [t("@bcoe/v8-coverage", "0.2.3", DEV)]);
    let (got, _) = lock(
        &PnpmLockAnalyzer,
        "pnpm-lock.yaml",
        syft("pnpm-v5-peer-suffix/pnpm-lock.yaml"),
    );
    assert_eq!(
        got,
        [
            t("acorn", "8.8.0", PROD),
            t("acorn-jsx", "5.3.2", PROD),
            t("webpack-cli", "4.10.0", PROD)
        ]
    );
    let (got, _) = lock(
        &PnpmLockAnalyzer,
        "pnpm-lock.yaml",
        &read("trivy-integration-repo/pnpm/pnpm-lock.yaml"),
    );
    assert_eq!(
        got,
        [t("jquery", "3.3.9", PROD), t("lodash", "4.17.4", PROD)]
    );
    // v9 with snapshots: everything reachable from the importer's run-time dependency.
    let (got, _) = lock(
        &PnpmLockAnalyzer,
        "pnpm-lock.yaml",
        syft("pnpm-v9-snapshots/pnpm-lock.yaml"),
    );
    assert_eq!(
        got,
        [
            t("cross-spawn", "7.0.6", PROD),
            t("isexe", "2.0.0", PROD),
            t("path-key", "3.1.1", PROD),
            t("shebang-command", "2.0.0", PROD),
            t("shebang-regex", "3.0.0", PROD),
            t("which", "2.0.2", PROD),
        ]
    );
    // Two documents: pnpm's own installation first (skipped), then the project.
    let (got, _) = lock(
        &PnpmLockAnalyzer,
        "pnpm-lock.yaml",
        syft("pnpm-multi-doc/pnpm-lock.yaml"),
    );
    assert_eq!(got, [t("minimist", "1.2.0", PROD)]);
}

#[test]
fn pnpm_v9_dev_scope_from_the_graph() {
    let text = "lockfileVersion: '9.0'

importers:
  .:
    dependencies:
      react-dom:
        specifier: ^18
        version: 18.2.0(react@18.2.0)
    devDependencies:
      jest:
        specifier: ^29
        version: 29.0.0
      strip:
        specifier: npm:strip-ansi@6
        version: strip-ansi@6.0.1

packages:
  react-dom@18.2.0:
    resolution: {integrity: x}
  react@18.2.0:
    resolution: {integrity: x}
  jest@29.0.0:
    resolution: {integrity: x}
  loose-envify@1.4.0:
    resolution: {integrity: x}
  strip-ansi@6.0.1:
    resolution: {integrity: x}
  local@file:../local:
    resolution: {directory: ../local, type: directory}

snapshots:
  react-dom@18.2.0(react@18.2.0):
    dependencies:
      react: 18.2.0
      loose-envify: 1.4.0
  react@18.2.0:
    dependencies:
      loose-envify: 1.4.0
  jest@29.0.0:
    dependencies:
      react: 18.2.0
  loose-envify@1.4.0: {}
  strip-ansi@6.0.1: {}
";
    let (got, _) = lock(&PnpmLockAnalyzer, "pnpm-lock.yaml", text.as_bytes());
    assert_eq!(
        got,
        [
            t("jest", "29.0.0", DEV),
            t("loose-envify", "1.4.0", PROD),
            t("react", "18.2.0", PROD),
            t("react-dom", "18.2.0", PROD),
            t("strip-ansi", "6.0.1", DEV),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Routing

#[test]
fn dispatcher_routes_each_file_to_its_analyzer() {
    let d = Dispatcher::new(customs_npm::analyzers()).unwrap();
    let ids = |path: &str| -> Vec<&'static str> {
        let mut v = Vec::new();
        d.interested(path, false, &mut v);
        v.iter().map(|&i| d.analyzer(i).id()).collect()
    };
    assert_eq!(ids("app/node_modules/@s/x/package.json"), ["npm-installed"]);
    assert_eq!(ids("node_modules/x/package.json"), ["npm-installed"]);
    assert_eq!(ids("package-lock.json"), ["npm-lockfile"]);
    assert_eq!(ids("srv/app/npm-shrinkwrap.json"), ["npm-lockfile"]);
    assert_eq!(ids("srv/app/yarn.lock"), ["yarn-lock"]);
    assert_eq!(ids("pnpm-lock.yaml"), ["pnpm-lock"]);
    assert!(ids("app/node_modules/.package-lock.json").is_empty());
    assert!(ids("app/package.json").is_empty());

    // Lockfiles shipped inside an installed package are not read.
    let bytes = read("trivy-integration-repo/npm/package-lock.json");
    let (r, out) = run(
        &NpmLockfileAnalyzer,
        "app/node_modules/x/package-lock.json",
        &bytes,
    );
    r.unwrap();
    assert!(out.files.is_empty());
    let (r, out) = run(
        &YarnLockAnalyzer,
        "node_modules/x/yarn.lock",
        &read("trivy-integration-repo/yarn/yarn.lock"),
    );
    r.unwrap();
    assert!(out.files.is_empty());
    let _: Vec<Arc<dyn Analyzer>> = customs_npm::analyzers();
}

// ---------------------------------------------------------------------------------------
// Hostile inputs

fn malformed(r: Result<(), AnalyzeError>, path: &str, needle: &str) {
    match r {
        Err(AnalyzeError::Malformed { path: p, message }) => {
            assert_eq!(p, path);
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
        other => panic!("{path}: expected Malformed({needle}), got {other:?}"),
    }
}

#[test]
fn hostile_json() {
    // syft's corrupt fixtures.
    let (r, _) = run(
        &NpmLockfileAnalyzer,
        "package-lock.json",
        syft("corrupt/package-lock.json"),
    );
    malformed(r, "package-lock.json", "not valid JSON");
    let p = "node_modules/x/package.json";
    let (r, _) = run(&NpmInstalledAnalyzer, p, syft("corrupt/package.json"));
    malformed(r, p, "not valid JSON");
    // Wrong top-level types.
    let (r, _) = run(&NpmInstalledAnalyzer, p, b"[1, 2]");
    malformed(r, p, "not a JSON object");
    let (r, _) = run(&NpmLockfileAnalyzer, "package-lock.json", b"\"x\"");
    malformed(r, "package-lock.json", "not a JSON object");
    let (r, _) = run(
        &NpmLockfileAnalyzer,
        "package-lock.json",
        br#"{"packages": []}"#,
    );
    malformed(r, "package-lock.json", "`packages` is not an object");
    let (r, _) = run(
        &NpmLockfileAnalyzer,
        "package-lock.json",
        br#"{"dependencies": 7}"#,
    );
    malformed(r, "package-lock.json", "`dependencies` is not an object");
    // Wrong entry types: skipped with one diagnostic, the good entry kept.
    let text = br#"{"dependencies": {"a": 5, "b": {"version": 3}, "c": {"version": "1.0.0"},
        "d": {"version": "1.0.0", "dependencies": []}, "e": {"version": "git+https://x/y#z"}}}"#;
    let (got, out) = lock(&NpmLockfileAnalyzer, "package-lock.json", text);
    assert_eq!(got, [t("c", "1.0.0", PROD), t("d", "1.0.0", PROD)]);
    assert_eq!(out.diagnostics.len(), 1);
    assert!(
        out.diagnostics[0].message.starts_with("4 entries"),
        "{:?}",
        out.diagnostics
    );
    // Name or version of the wrong type in package.json: not a package.
    let (r, out) = run(
        &NpmInstalledAnalyzer,
        p,
        br#"{"name": 1, "version": "1.0.0"}"#,
    );
    r.unwrap();
    assert!(packages(&out).is_empty());
    let (r, out) = run(
        &NpmInstalledAnalyzer,
        p,
        br#"{"name": "x y", "version": "1.0.0"}"#,
    );
    r.unwrap();
    assert!(packages(&out).is_empty());
}

#[test]
fn hostile_deep_nesting() {
    // v1 dependency trees deeper than the limit.
    let mut s = String::from(r#"{"version":"1.0.0"}"#);
    for i in 0..60 {
        s = format!(r#"{{"version":"1.0.0","dependencies":{{"p{i}":{s}}}}}"#);
    }
    let s = format!(r#"{{"lockfileVersion":1,"dependencies":{{"top":{s}}}}}"#);
    let (r, _) = run(&NpmLockfileAnalyzer, "package-lock.json", s.as_bytes());
    malformed(r, "package-lock.json", "nested deeper than 48");
    // Raw JSON nesting: serde_json's recursion limit.
    let s = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (r, _) = run(&NpmLockfileAnalyzer, "package-lock.json", s.as_bytes());
    malformed(r, "package-lock.json", "recursion limit");
    let (r, _) = run(
        &NpmInstalledAnalyzer,
        "node_modules/x/package.json",
        s.as_bytes(),
    );
    malformed(r, "node_modules/x/package.json", "recursion limit");
    // YAML nesting.
    let s = format!("lockfileVersion: '9.0'\npackages: {}", "[".repeat(100_000));
    let (r, _) = run(&PnpmLockAnalyzer, "pnpm-lock.yaml", s.as_bytes());
    malformed(r, "pnpm-lock.yaml", "");
    let mut s = String::from("lockfileVersion: '9.0'\npackages:\n");
    for i in 1..100 {
        s.push_str(&"  ".repeat(i));
        let _ = writeln!(s, "k{i}:");
    }
    let (r, _) = run(&PnpmLockAnalyzer, "pnpm-lock.yaml", s.as_bytes());
    malformed(r, "pnpm-lock.yaml", "nested deeper than 64");
}

fn alias_bomb(prefix: &str) -> String {
    let mut s = String::from(prefix);
    s.push_str("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..40 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        let _ = writeln!(s, "a{i}: &a{i} [{refs}]");
    }
    s
}

#[test]
fn hostile_yaml_alias_bombs() {
    let start = Instant::now();
    let s = alias_bomb("lockfileVersion: '9.0'\n");
    let (r, _) = run(&PnpmLockAnalyzer, "pnpm-lock.yaml", s.as_bytes());
    malformed(r, "pnpm-lock.yaml", "alias bomb");
    let s = alias_bomb("__metadata:\n  version: 8\n");
    let (r, _) = run(&YarnLockAnalyzer, "yarn.lock", s.as_bytes());
    malformed(r, "yarn.lock", "alias bomb");
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn hostile_yaml_and_yarn_text() {
    let (r, _) = run(
        &PnpmLockAnalyzer,
        "pnpm-lock.yaml",
        syft("corrupt/pnpm-lock.yaml"),
    );
    malformed(r, "pnpm-lock.yaml", "not valid YAML");
    let (r, _) = run(&PnpmLockAnalyzer, "pnpm-lock.yaml", b"- a\n- b\n");
    malformed(r, "pnpm-lock.yaml", "not a YAML mapping");
    let (r, _) = run(&PnpmLockAnalyzer, "pnpm-lock.yaml", b"\xff\xfe\x00");
    malformed(r, "pnpm-lock.yaml", "not UTF-8");
    let (r, _) = run(
        &YarnLockAnalyzer,
        "yarn.lock",
        b"a@1:\n  version \"\xff\"\n",
    );
    malformed(r, "yarn.lock", "not UTF-8");
    // Wrong shapes inside a pnpm lockfile: entries skipped, no panic.
    let (got, out) = lock(
        &PnpmLockAnalyzer,
        "pnpm-lock.yaml",
        b"lockfileVersion: '6.0'\npackages:\n  /a@1.0.0: [1]\n  garbage: x\n  /b@2.0.0:\n    dev: true\n",
    );
    assert_eq!(got, [t("a", "1.0.0", PROD), t("b", "2.0.0", DEV)]);
    assert_eq!(out.diagnostics.len(), 1);
    let (got, _) = lock(&PnpmLockAnalyzer, "pnpm-lock.yaml", b"packages: 7\n");
    assert!(got.is_empty());
    // Classic yarn garbage: lines that are not entries are counted, nothing invented.
    let (got, out) = lock(
        &YarnLockAnalyzer,
        "yarn.lock",
        b"what is this\n\"unterminated\n  version 1\n",
    );
    assert!(got.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
}

#[test]
fn hostile_oversize_refused_before_reading() {
    struct Endless;
    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(b' ');
            Ok(buf.len())
        }
    }
    let cases: [(&dyn Analyzer, &str); 4] = [
        (&NpmInstalledAnalyzer, "node_modules/x/package.json"),
        (&NpmLockfileAnalyzer, "package-lock.json"),
        (&YarnLockAnalyzer, "yarn.lock"),
        (&PnpmLockAnalyzer, "pnpm-lock.yaml"),
    ];
    for (a, path) in cases {
        let mut out = LayerFindings::default();
        let mut reader = Endless;
        let mut entry = FileEntry::new(path, 1 << 40, 0o644, &mut reader);
        match a.analyze(&mut entry, &mut out) {
            Err(AnalyzeError::TooLarge { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{path}: {other:?}"),
        }
        // A header that lies (claims small, streams forever): stopped at the limit.
        let mut reader = Endless;
        let mut entry = FileEntry::new(path, 10, 0o644, &mut reader);
        match a.analyze(&mut entry, &mut out) {
            Err(AnalyzeError::TooLarge { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{path}: {other:?}"),
        }
    }
    // A berry lockfile between the classic and the YAML limit is refused by the YAML limit.
    let mut big = String::from("__metadata:\n  version: 8\n");
    big.push_str(&"#".repeat(33 * 1024 * 1024));
    let (r, _) = run(&YarnLockAnalyzer, "yarn.lock", big.as_bytes());
    malformed(r, "yarn.lock", "over the");
}
