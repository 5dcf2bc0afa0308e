//! The gem analyzers on real fixtures (syft's ruby cataloger test data and grype's integration
//! image, read from the shared archives), compared with independent readings; plus hostile
//! inputs.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::OnceLock;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, LayerFindings};
use customs_gem::{GemfileLockAnalyzer, GemspecAnalyzer};
use customs_model::{Package, PackageOrigin};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

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

fn file(archive_name: &str, path: &str) -> &'static [u8] {
    archive(archive_name)
        .get(path)
        .unwrap_or_else(|| panic!("{path} not in {archive_name}"))
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

const SPECS: &str = "usr/local/bundle/specifications";

#[test]
fn installed_gemspecs() {
    let cases = [
        (
            "syft",
            "syft/pkg/cataloger/ruby/testdata/bundler.gemspec",
            "bundler",
            "2.1.4",
        ),
        (
            "syft",
            "syft/pkg/cataloger/ruby/testdata/formatador.gemspec",
            "formatador",
            "1.1.0",
        ),
        (
            "grype",
            "test/integration/testdata/image-debian-match-coverage/ruby/specifications/bundler.gemspec",
            "bundler",
            "2.1.4",
        ),
    ];
    for (ar, src, name, version) in cases {
        let path = format!("{SPECS}/{name}-{version}.gemspec");
        let (res, out) = run(&GemspecAnalyzer, &path, file(ar, src));
        res.unwrap();
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let pkgs = packages(&out);
        assert_eq!(pkgs.len(), 1);
        let p = pkgs[0];
        assert_eq!((p.name.as_str(), p.version.as_str()), (name, version));
        assert_eq!(p.ecosystem, "gem");
        assert_eq!(p.licenses, ["MIT"]);
        assert_eq!(p.origin, PackageOrigin::Installed);
        assert_eq!(p.found_in, path);
        assert_eq!(p.purl.as_str(), format!("pkg:gem/{name}@{version}"));
    }
    // syft's glob-paths gemspecs hold the text "bogus": a diagnostic, no package.
    let (res, out) = run(
        &GemspecAnalyzer,
        &format!("{SPECS}/root.gemspec"),
        file(
            "syft",
            "syft/pkg/cataloger/ruby/testdata/glob-paths/specifications/root.gemspec",
        ),
    );
    res.unwrap();
    assert!(packages(&out).is_empty());
    assert_eq!(out.diagnostics[0].code, "malformed-package-metadata");
    // A gemspec outside a specifications directory is not an installed gem.
    let (res, out) = run(
        &GemspecAnalyzer,
        "src/app/bundler.gemspec",
        file("syft", "syft/pkg/cataloger/ruby/testdata/bundler.gemspec"),
    );
    res.unwrap();
    assert!(out.files.is_empty());
}

#[test]
fn platform_gemspec_and_default_gems() {
    // The shape RubyGems 3.4 writes for a platform gem (no `s.version` literal needed: the
    // stub line names it too).
    let text = "# -*- encoding: utf-8 -*-\n# stub: nokogiri 1.15.4 x86_64-linux lib\n\nGem::Specification.new do |s|\n  s.name = \"nokogiri\".freeze\n  s.version = \"1.15.4\"\n  s.platform = \"x86_64-linux\".freeze\n  s.licenses = [\"MIT\".freeze]\nend\n";
    let path = "usr/lib/ruby/gems/3.1.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec";
    let (res, out) = run(&GemspecAnalyzer, path, text.as_bytes());
    res.unwrap();
    let p = packages(&out)[0];
    assert_eq!(
        p.purl.as_str(),
        "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux"
    );
    let path = "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec";
    let text = "# stub: json 2.6.1 ruby lib\nGem::Specification.new do |s|\n  s.name = \"json\".freeze\n  s.version = \"2.6.1\"\nend\n";
    let (res, out) = run(&GemspecAnalyzer, path, text.as_bytes());
    res.unwrap();
    assert_eq!(packages(&out)[0].purl.as_str(), "pkg:gem/json@2.6.1");
}

/// An independent reading of a Gemfile.lock: every line of exactly four spaces and a
/// `name (version)` under a `specs:` header, found with plain string functions over the
/// whole file, minus the `BAD-SECTION` fixture entry.
const SYFT_LOCK_EXPECTED: &str = "google-cloud-errors 1.3.0,turbolinks 3.0.0,actionmailer 4.1.1,actionpack 4.1.1,actionview 4.1.1,activemodel 4.1.1,activerecord 4.1.1,activesupport 4.1.1,arel 5.0.1.20140414130214,bootstrap-sass 3.1.1.1,builder 3.2.2,coffee-rails 4.0.1,coffee-script 2.2.0,coffee-script-source 1.7.0,erubis 2.7.0,execjs 2.0.2,hike 1.2.3,i18n 0.6.9,jbuilder 2.0.7,jquery-rails 3.1.0,json 1.8.1,kgio 2.9.2,libv8 3.16.14.3,mail 2.5.4,mime-types 1.25.1,minitest 5.3.4,multi_json 1.10.1,mysql2 0.3.16,polyglot 0.3.4,rack 1.5.2,rack-test 0.6.2,rails 4.1.1,railties 4.1.1,raindrops 0.13.0,rake 10.3.2,rdoc 4.1.1,ref 1.0.5,sass 3.2.19,sass-rails 4.0.3,sdoc 0.4.0,spring 1.1.3,sprockets 2.11.0,sprockets-rails 2.1.3,sqlite3 1.3.9,therubyracer 0.12.1,thor 0.19.1,thread_safe 0.3.3,tilt 1.4.1,treetop 1.4.15,tzinfo 1.2.0,uglifier 2.5.0,unicorn 4.8.3";

#[test]
fn gemfile_lock_syft() {
    let data = file("syft", "syft/pkg/cataloger/ruby/testdata/Gemfile.lock");
    let path = "app/Gemfile.lock";
    let (res, out) = run(&GemfileLockAnalyzer, path, data);
    res.unwrap();
    let got: Vec<String> = packages(&out)
        .iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    let want: Vec<&str> = SYFT_LOCK_EXPECTED.split(',').collect();
    assert_eq!(got, want);
    assert_eq!(got.len(), 52); // PATH 1 + GIT 1 + GEM 50
    // The plain independent reading: every 4-space spec line of the file but the bad one.
    let text = std::str::from_utf8(data).unwrap();
    let spec_lines = text
        .lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("     ") && l.ends_with(')'))
        .count();
    assert_eq!(spec_lines - 1, got.len());
    for p in packages(&out) {
        assert_eq!(p.origin, PackageOrigin::Lockfile);
        assert_eq!(p.scope, None);
        assert_eq!(p.found_in, path);
        assert_eq!(p.purl.as_str(), format!("pkg:gem/{}@{}", p.name, p.version));
    }
    assert!(out.diagnostics.is_empty());
}

#[test]
fn gemfile_lock_grype_and_bogus() {
    let data = file(
        "grype",
        "test/integration/testdata/image-debian-match-coverage/ruby/Gemfile.lock",
    );
    let (res, out) = run(&GemfileLockAnalyzer, "srv/Gemfile.lock", data);
    res.unwrap();
    let got: Vec<_> = packages(&out)
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    assert_eq!(got, [("rails".to_owned(), "4.1.1".to_owned())]);
    // syft's glob-paths lockfile is the word "bogus": nothing, quietly.
    let data = file(
        "syft",
        "syft/pkg/cataloger/ruby/testdata/glob-paths/src/Gemfile.lock",
    );
    let (res, out) = run(&GemfileLockAnalyzer, "src/Gemfile.lock", data);
    res.unwrap();
    assert!(packages(&out).is_empty());
    assert!(out.files.contains_key("src/Gemfile.lock"));
}

#[test]
fn hostile() {
    // Oversize: refused from the declared size.
    for (a, path) in [
        (
            &GemspecAnalyzer as &dyn Analyzer,
            "specifications/a-1.gemspec",
        ),
        (&GemfileLockAnalyzer, "Gemfile.lock"),
    ] {
        let mut r: &[u8] = b"";
        let mut entry = FileEntry::new(path, 1 << 40, 0o644, &mut r);
        let mut out = LayerFindings::default();
        assert!(matches!(
            a.analyze(&mut entry, &mut out),
            Err(AnalyzeError::TooLarge { .. })
        ));
    }
    // Malformed spec lines: a diagnostic each, the good ones kept.
    let lock = "GEM\n  specs:\n    ok (1.0)\n    broken (1.0\n    bad name (2.0)\n    (3.0)\n    x ()\n    y (not-a-version)\n";
    let (res, out) = run(&GemfileLockAnalyzer, "Gemfile.lock", lock.as_bytes());
    res.unwrap();
    assert_eq!(packages(&out).len(), 1);
    assert_eq!(out.diagnostics.len(), 5);
    assert!(
        out.diagnostics
            .iter()
            .all(|d| d.code == "malformed-lockfile")
    );
    // Gemspecs: interpolated, unterminated, binary, or junk escapes.
    for text in [
        &b"Gem::Specification.new do |s|\n  s.name = \"#{NAME}\"\n  s.version = \"1.0\"\nend\n"[..],
        b"s.name = \"abc\n s.version = \"1\n",
        b"\x00\xff\xfe\x01",
        b"s.name = \"a\\u12\"\ns.version = \"\\uZZZZ\"\n",
        b"s.version = \"1.0\"\n",
        b"# stub: \n",
    ] {
        let (res, out) = run(&GemspecAnalyzer, "specifications/x.gemspec", text);
        res.unwrap();
        assert!(
            packages(&out).is_empty(),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(out.diagnostics[0].code, "malformed-package-metadata");
    }
    // Long lines of quotes and brackets: linear, no panic.
    let long = format!(
        "s.licenses = [{}\ns.name = \"a\"\ns.version = \"1\"\n",
        "\"x\",".repeat(200_000)
    );
    let (res, out) = run(
        &GemspecAnalyzer,
        "specifications/x.gemspec",
        long.as_bytes(),
    );
    res.unwrap();
    assert_eq!(packages(&out).len(), 1);
}
