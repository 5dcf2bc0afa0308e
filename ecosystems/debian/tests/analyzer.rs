use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_debian::DebianVersionAnalyzer;

fn analyze(content: &[u8]) -> LayerFindings {
    let mut out = LayerFindings::default();
    let mut reader = content;
    let mut entry = FileEntry::new(
        "etc/debian_version",
        content.len() as u64,
        0o644,
        &mut reader,
    );
    DebianVersionAnalyzer.analyze(&mut entry, &mut out).unwrap();
    out
}

#[test]
fn releases_from_debian_version() {
    let a = DebianVersionAnalyzer::new();
    assert_eq!((a.id(), a.version()), ("debian-version", 1));
    assert_eq!(a.interest().paths, vec!["etc/debian_version"]);
    for (content, version, codename) in [
        ("12.5\n", "12", Some("bookworm")),
        ("7.11\n", "7", Some("wheezy")),
        ("bookworm/sid\n", "12", Some("bookworm")),
        ("buster/sid\n", "10", Some("buster")),
        ("11.0", "11", Some("bullseye")),
        ("sid\n", "", Some("sid")),
    ] {
        let out = analyze(content.as_bytes());
        assert!(out.diagnostics.is_empty(), "{content:?}");
        let rel = out.files["etc/debian_version"].release.as_ref().unwrap();
        assert_eq!(rel.priority, 50);
        let d = &rel.distro;
        assert_eq!((d.id.as_str(), d.family.as_str()), ("debian", "debian"));
        assert_eq!(
            (d.version.as_str(), d.codename.as_deref()),
            (version, codename),
            "{content:?}"
        );
        assert_eq!(d.source_file, "etc/debian_version");
    }
}

#[test]
fn real_debian_version_contents() {
    // The two etc/debian_version files of syft's linux test data
    // (shared/data/archives/syft-testdata.tar.zst: os/debian/{from-debian_version,with-point-release}).
    for (content, version, codename) in [("10.8\n", "10", "buster"), ("13.5\n", "13", "trixie")] {
        let out = analyze(content.as_bytes());
        let d = &out.files["etc/debian_version"]
            .release
            .as_ref()
            .unwrap()
            .distro;
        assert_eq!(
            (d.version.as_str(), d.codename.as_deref()),
            (version, Some(codename))
        );
    }
}

#[test]
fn garbage_is_a_diagnostic() {
    for bad in [
        &b"garbage"[..],
        b"",
        b"\xff\xfe\x00",
        b"ubuntu/sid",
        b"12 5",
        &[b'9'; 4000],
    ] {
        let out = analyze(bad);
        assert_eq!(out.diagnostics.len(), 1, "{bad:?}");
        assert_eq!(out.diagnostics[0].code, "malformed-release-file");
        assert!(
            out.files
                .get("etc/debian_version")
                .and_then(|f| f.release.as_ref())
                .is_none()
        );
    }
    // Over the 4 KiB limit: an error the scan turns into a diagnostic.
    let big = vec![b'1'; 5000];
    let mut reader = &big[..];
    let mut entry = FileEntry::new("etc/debian_version", big.len() as u64, 0o644, &mut reader);
    assert!(
        DebianVersionAnalyzer
            .analyze(&mut entry, &mut LayerFindings::default())
            .is_err()
    );
}
