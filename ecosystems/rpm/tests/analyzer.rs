//! The analyzers on real databases and manifests, as the layer walker would call them.

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_model::Package;
use customs_rpm::{ContentManifestAnalyzer, RpmDbAnalyzer, RpmManifestAnalyzer, RpmPackage};

const PKGDB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/pkgdb/rpm"
);
const LOCAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn run(analyzer: &dyn Analyzer, path: &str, bytes: &[u8]) -> LayerFindings {
    let mut reader = bytes;
    let mut entry = FileEntry::new(path, bytes.len() as u64, 0o644, &mut reader);
    let mut out = LayerFindings::default();
    analyzer.analyze(&mut entry, &mut out).unwrap();
    out
}

fn packages<'a>(out: &'a LayerFindings, path: &str) -> &'a [Package] {
    &out.files[path].packages
}

fn find<'a>(pkgs: &'a [Package], name: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} not found"))
}

#[test]
fn interest_covers_every_rpmdb_location() {
    let i = RpmDbAnalyzer.interest();
    for dir in ["var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"] {
        for file in ["Packages", "rpmdb.sqlite", "Packages.db"] {
            assert!(i.paths.contains(&format!("{dir}/{file}").as_str()));
        }
    }
    assert_eq!(RpmDbAnalyzer.id(), "rpmdb");
    assert_eq!(RpmDbAnalyzer.version(), 1);
}

#[test]
fn mariner_sqlite() {
    let bytes = std::fs::read(format!("{PKGDB}/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")).unwrap();
    let path = "var/lib/rpm/rpmdb.sqlite";
    let out = run(&RpmDbAnalyzer, path, &bytes);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let pkgs = packages(&out, path);
    assert_eq!(pkgs.len(), 129);
    let ssl = find(pkgs, "openssl-libs");
    assert_eq!(ssl.ecosystem, "rpm");
    assert_eq!(ssl.version, "1.1.1k-7.cm2");
    assert_eq!(ssl.arch.as_deref(), Some("x86_64"));
    assert_eq!(ssl.source_name.as_deref(), Some("openssl"));
    assert_eq!(ssl.source_version.as_deref(), Some("1.1.1k-7.cm2"));
    assert_eq!(
        ssl.purl.as_str(),
        "pkg:rpm/microsoft/openssl-libs@1.1.1k-7.cm2?arch=x86_64&upstream=openssl-1.1.1k-7.cm2.src.rpm"
    );
    assert_eq!(ssl.licenses, vec!["OpenSSL".to_owned()]);
    assert!(ssl.files.contains(&"etc/pki/tls/openssl.cnf".to_owned()));
    assert!(ssl.files.iter().all(|f| !f.starts_with('/')));
    assert_eq!(ssl.found_in, path);
}

#[test]
fn centos_berkeley_db() {
    let bytes = std::fs::read(format!("{PKGDB}/go-rpmdb/libuuid/Packages")).unwrap();
    let path = "var/lib/rpm/Packages";
    let out = run(&RpmDbAnalyzer, path, &bytes);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let p = &packages(&out, path)[0];
    assert_eq!(p.name, "libuuid");
    assert_eq!(p.version, "2.32.1-42.el8_8");
    assert_eq!(p.source_name.as_deref(), Some("util-linux"));
    assert_eq!(p.source_version.as_deref(), Some("2.32.1-42.el8_8"));
    assert!(
        p.purl
            .as_str()
            .starts_with("pkg:rpm/redhat/libuuid@2.32.1-42.el8_8?arch=x86_64"),
        "{}",
        p.purl
    );
}

#[test]
fn suse_ndb() {
    let bytes = std::fs::read(format!("{PKGDB}/go-rpmdb/sle15-bci/Packages.db")).unwrap();
    let path = "usr/lib/sysimage/rpm/Packages.db";
    let out = run(&RpmDbAnalyzer, path, &bytes);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let pkgs = packages(&out, path);
    assert_eq!(pkgs.len(), 35);
    let pcre = find(pkgs, "libpcre1");
    assert_eq!(pcre.version, "8.45-20.10.1");
    assert_eq!(pcre.source_name.as_deref(), Some("pcre"));
    assert!(
        pcre.purl
            .as_str()
            .starts_with("pkg:rpm/suse/libpcre1@8.45-20.10.1?")
    );
}

#[test]
fn mariner_distroless_manifest() {
    let bytes = std::fs::read(format!("{LOCAL}/syft-container-manifest-2")).unwrap();
    let path = "var/lib/rpmmanifest/container-manifest-2";
    let out = run(&RpmManifestAnalyzer, path, &bytes);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let pkgs = packages(&out, path);
    assert_eq!(pkgs.len(), 5);
    let vim = find(pkgs, "vim");
    assert_eq!(vim.version, "2:9.0-1.cm2");
    assert_eq!(vim.source_name.as_deref(), Some("vim"));
    assert_eq!(vim.source_version.as_deref(), Some("2:9.0-1.cm2"));
    assert_eq!(
        vim.purl.as_str(),
        "pkg:rpm/microsoft/vim@9.0-1.cm2?arch=x86_64&epoch=2&upstream=vim-9.0-1.cm2.src.rpm"
    );
    let glibc = find(pkgs, "glibc");
    assert_eq!(glibc.version, "2.35-2.cm2");
    assert_eq!(glibc.arch.as_deref(), Some("x86_64"));
}

#[test]
fn content_manifest_records_content_sets() {
    let json = br#"{"metadata":{"icm_version":1,"image_layer_index":2},"content_sets":["rhel-8-for-x86_64-baseos-rpms","rhel-8-for-x86_64-appstream-rpms"],"image_contents":[]}"#;
    let path = "root/buildinfo/content_manifests/ubi8-container-8.5-226.json";
    let out = run(&ContentManifestAnalyzer, path, json);
    assert!(out.diagnostics.is_empty());
    assert_eq!(
        out.files[path].repositories,
        vec![
            "rhel-8-for-x86_64-baseos-rpms",
            "rhel-8-for-x86_64-appstream-rpms"
        ]
    );
}

#[test]
fn modularity_label_goes_into_the_purl() {
    let p = RpmPackage {
        name: "nodejs".into(),
        epoch: Some(1),
        version: "12.22.12".into(),
        release: "1.module+el8.6.0+14780+8f4ba1fe".into(),
        arch: Some("x86_64".into()),
        source_rpm: Some("nodejs-12.22.12-1.module+el8.6.0+14780+8f4ba1fe.src.rpm".into()),
        modularity_label: Some("nodejs:12:8060020220523160029:ad008a3a".into()),
        vendor: Some("Red Hat, Inc.".into()),
        ..RpmPackage::default()
    };
    let pkg = p.to_package("var/lib/rpm/Packages");
    assert_eq!(
        pkg.purl.as_str(),
        "pkg:rpm/redhat/nodejs@12.22.12-1.module%2Bel8.6.0%2B14780%2B8f4ba1fe?arch=x86_64&epoch=1&modularitylabel=nodejs:12:8060020220523160029:ad008a3a&upstream=nodejs-12.22.12-1.module%2Bel8.6.0%2B14780%2B8f4ba1fe.src.rpm"
    );
    assert_eq!(pkg.version, "1:12.22.12-1.module+el8.6.0+14780+8f4ba1fe");
}
