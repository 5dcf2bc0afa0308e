//! Ignore files and VEX documents applied to findings: real `OpenVEX` (grype's fixture) and
//! CSAF VEX (Red Hat, CVE-2023-38545) documents, and a `CycloneDX` VEX with bom-refs.

use std::io::Read as _;

use customs_model::{
    Artifact, Digest, Finding, MatchDetail, Package, PackageOrigin, Purl, Report, ReportDb,
    Severity, Status,
};
use customs_policy::{IgnoreFile, PolicyError, Suppressions, VexDocument, VexFormat, VexStatus};
use jiff::civil::date;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn pkg(
    eco: &str,
    ns: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> Package {
    let mut p = Package::new(
        eco,
        name,
        version,
        Purl::new(eco, ns, name, Some(version), qualifiers),
        "var/lib/x",
        PackageOrigin::Installed,
    );
    p.source_name = Some(format!("{name}-src"));
    p
}

fn finding(vuln: &str, p: &Package) -> Finding {
    Finding {
        vulnerability_id: vuln.into(),
        package_id: p.id.clone(),
        package: p.name.clone(),
        installed_version: p.version.clone(),
        fixed_version: None,
        status: Status::Affected,
        severity: Severity::High,
        layer_diff_id: None,
        data_source: "test".into(),
        advisory_ids: vec!["DSA-1-1".into()],
        aliases: vec!["GHSA-aaaa-bbbb-cccc".into()],
        notes: None,
        detail: MatchDetail {
            record_id: "r".into(),
            matched_by: p.name.clone(),
            condition: "c".into(),
        },
        severity_source: None,
        cvss: Vec::new(),
        cwes: Vec::new(),
        kev: None,
        epss: None,
    }
}

fn report(packages: Vec<Package>, findings: Vec<Finding>) -> Report {
    Report {
        schema_version: 1,
        customs_version: "0".into(),
        artifact: Artifact {
            name: "test".into(),
            digest: Digest::sha256_of(b"image"),
            config_digest: Digest::sha256_of(b"config"),
            repo_tags: vec![],
            repo_digests: vec![],
            architecture: "amd64".into(),
            os_type: "linux".into(),
            created: None,
            user: None,
            exposed_ports: vec![],
            env_names: vec![],
            os: None,
            repositories: vec![],
            layers: vec![],
        },
        packages,
        findings,
        suppressed: vec![],
        diagnostics: vec![],
        db: ReportDb {
            digest: None,
            built_at: None,
        },
        remediation: None,
    }
}

#[test]
fn ignore_rules_scope_by_package_purl_alias_and_expiry() {
    let text = r#"
# team decisions
CVE-2000-0001
CVE-2000-0002 package=openssl-src reason="no TLS server here"
CVE-2000-0003 purl=pkg:npm/lodash@4.17.4 expires=2026-12-31
GHSA-aaaa-bbbb-cccc exp:2020-01-01
DSA-1-1 package=nothing-like-this
"#;
    let file = IgnoreFile::parse(".customsignore", text).unwrap();
    assert_eq!(file.rules.len(), 5);
    assert_eq!(file.rules[1].reason.as_deref(), Some("no TLS server here"));
    let ssl = pkg(
        "deb",
        Some("debian"),
        "openssl",
        "3.0.11-1",
        &[("arch", "amd64")],
    );
    let lodash = pkg("npm", None, "lodash", "4.17.4", &[]);
    let today = date(2026, 11, 29);
    let covered = |vuln: &str, p: &Package, day| {
        file.rules
            .iter()
            .any(|r| r.covers(&finding(vuln, p), Some(p), day))
    };
    assert!(covered("CVE-2000-0001", &ssl, today));
    assert!(covered("CVE-2000-0002", &ssl, today), "by source name");
    assert!(!covered("CVE-2000-0002", &lodash, today));
    assert!(covered("CVE-2000-0003", &lodash, today));
    assert!(!covered("CVE-2000-0003", &ssl, today));
    assert!(
        !covered("CVE-2000-0003", &lodash, date(2027, 1, 1)),
        "expired"
    );
    // The alias rule expired in 2020: it covers nothing (CVE-2099 has that alias).
    assert!(!covered("CVE-2099-9999", &ssl, today));

    let mut r = report(
        vec![ssl.clone(), lodash.clone()],
        vec![
            finding("CVE-2000-0002", &ssl),
            finding("CVE-2000-0003", &lodash),
            finding("CVE-2099-9999", &ssl),
        ],
    );
    let applied = Suppressions {
        ignore: vec![file],
        vex: vec![],
    }
    .apply(&mut r, today);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].vulnerability_id, "CVE-2099-9999");
    assert_eq!(r.suppressed.len(), 2);
    assert_eq!(r.suppressed[0].reason, "no TLS server here");
    assert_eq!(r.suppressed[0].source, ".customsignore:4");
    assert_eq!(
        applied.expired,
        [(
            ".customsignore:6".to_owned(),
            "GHSA-aaaa-bbbb-cccc".to_owned()
        )]
    );
}

#[test]
fn ignore_file_errors_name_the_line() {
    for (text, want) in [
        ("CVE-1 expires=tomorrow", "line 1: expires=tomorrow"),
        ("\nCVE-1 colour=red", "line 2: unknown field \"colour\""),
        ("CVE-1 reason=\"unterminated", "line 1: unterminated quote"),
        ("package=x", "line 1: a rule starts with a vulnerability id"),
        ("CVE-1 purl=notapurl", "line 1: not a purl"),
        ("CVE-1 justtext", "line 1: expected key=value"),
    ] {
        let err = IgnoreFile::parse("ign", text).unwrap_err();
        assert!(matches!(err, PolicyError::Syntax { .. }));
        assert!(err.to_string().starts_with("ign: "), "{err}");
        assert!(err.to_string().contains(want), "{err} / {want}");
    }
}

fn archive_member(archive: &str, member: &str) -> Vec<u8> {
    let f = std::fs::File::open(format!("{DATA}/archives/{archive}")).unwrap();
    let mut tar = tar::Archive::new(zstd::Decoder::new(f).unwrap());
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_string_lossy() == member {
            let mut buf = Vec::new();
            e.read_to_end(&mut buf).unwrap();
            return buf;
        }
    }
    panic!("{member} not in {archive}");
}

#[test]
fn openvex_from_grype_fixture() {
    let bytes = archive_member(
        "grype-testdata.tar.zst",
        "./grype/db/processors/testdata/openvex.json",
    );
    let doc = VexDocument::parse("openvex.json", &bytes).unwrap();
    assert_eq!(doc.format, VexFormat::OpenVex);
    assert_eq!(doc.statements.len(), 1);
    let st = &doc.statements[0];
    assert_eq!(st.vulnerability, "CVE-2023-45803");
    assert_eq!(st.status, VexStatus::Fixed);
    let fixed = pkg("pypi", None, "urllib3", "1.26.16+cgr.1", &[]);
    let other = pkg("pypi", None, "urllib3", "1.26.15", &[]);
    let image = Digest::sha256_of(b"image").to_string();
    assert!(
        doc.statement_for(&finding("CVE-2023-45803", &fixed), Some(&fixed), &image)
            .is_some()
    );
    assert!(
        doc.statement_for(&finding("CVE-2023-45803", &other), Some(&other), &image)
            .is_none()
    );
    assert!(
        doc.statement_for(&finding("CVE-2023-0000", &fixed), Some(&fixed), &image)
            .is_none()
    );
}

#[test]
fn openvex_subcomponents_of_this_image() {
    let image = Digest::sha256_of(b"image").to_string();
    let doc = format!(
        r#"{{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
        {{"vulnerability":{{"name":"CVE-2024-1"}},"status":"not_affected",
          "justification":"vulnerable_code_not_in_execute_path",
          "products":[{{"@id":"pkg:oci/app@{}","subcomponents":[{{"@id":"pkg:deb/debian/openssl"}}]}}]}},
        {{"vulnerability":{{"name":"CVE-2024-2"}},"status":"affected","products":[{{"@id":"pkg:deb/debian/openssl"}}]}}]}}"#,
        image.replace(':', "%3A")
    );
    let doc = VexDocument::parse("x.openvex.json", doc.as_bytes()).unwrap();
    let ssl = pkg(
        "deb",
        Some("debian"),
        "openssl",
        "3.0.11-1",
        &[("arch", "amd64")],
    );
    let st = doc
        .statement_for(&finding("CVE-2024-1", &ssl), Some(&ssl), &image)
        .unwrap();
    assert_eq!(
        st.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    // Another image: the statement is about a different product.
    let other = Digest::sha256_of(b"other").to_string();
    assert!(
        doc.statement_for(&finding("CVE-2024-1", &ssl), Some(&ssl), &other)
            .is_none()
    );
    // "affected" never suppresses.
    assert!(
        doc.statement_for(&finding("CVE-2024-2", &ssl), Some(&ssl), &image)
            .is_none()
    );
}

#[test]
fn csaf_vex_from_red_hat() {
    let path = format!("{DATA}/feeds/redhat/csaf-samples/claircore-vex/cve-2023-38545.json");
    let doc = VexDocument::read(std::path::Path::new(&path)).unwrap();
    assert_eq!(doc.format, VexFormat::Csaf);
    let not_affected = doc
        .statements
        .iter()
        .filter(|s| s.status == VexStatus::NotAffected)
        .count();
    let fixed = doc
        .statements
        .iter()
        .filter(|s| s.status == VexStatus::Fixed)
        .count();
    assert!(not_affected > 100 && fixed > 100, "{not_affected} {fixed}");
    let image = Digest::sha256_of(b"image").to_string();
    let gem = pkg(
        "rpm",
        Some("redhat"),
        "rubygem-foreman_scap_client",
        "0.5.2-1.el6sat",
        &[("arch", "noarch")],
    );
    let st = doc
        .statement_for(&finding("CVE-2023-38545", &gem), Some(&gem), &image)
        .unwrap();
    assert_eq!(st.status, VexStatus::NotAffected);
    let agent = pkg(
        "rpm",
        Some("redhat"),
        "puppet-agent",
        "7.27.0-1.el6sat",
        &[("arch", "x86_64")],
    );
    assert_eq!(
        doc.statement_for(&finding("CVE-2023-38545", &agent), Some(&agent), &image)
            .unwrap()
            .status,
        VexStatus::Fixed
    );
    let older = pkg(
        "rpm",
        Some("redhat"),
        "puppet-agent",
        "7.26.0-1.el6sat",
        &[("arch", "x86_64")],
    );
    assert!(
        doc.statement_for(&finding("CVE-2023-38545", &older), Some(&older), &image)
            .is_none()
    );
}

#[test]
fn cyclonedx_vex_resolves_bom_refs() {
    let doc = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
      "components":[{"bom-ref":"c1","type":"library","name":"lodash","version":"4.17.4","purl":"pkg:npm/lodash@4.17.4"}],
      "vulnerabilities":[
        {"id":"CVE-2019-10744","analysis":{"state":"not_affected","justification":"code_not_reachable","detail":"only used at build time"},"affects":[{"ref":"c1"}]},
        {"id":"CVE-2020-8203","analysis":{"state":"in_triage"},"affects":[{"ref":"c1"}]}]}"#;
    let doc = VexDocument::parse("vex.cdx.json", doc.as_bytes()).unwrap();
    assert_eq!(doc.format, VexFormat::CycloneDx);
    let lodash = pkg("npm", None, "lodash", "4.17.4", &[]);
    let image = Digest::sha256_of(b"image").to_string();
    let st = doc
        .statement_for(&finding("CVE-2019-10744", &lodash), Some(&lodash), &image)
        .unwrap();
    assert_eq!(st.impact.as_deref(), Some("only used at build time"));
    assert!(
        doc.statement_for(&finding("CVE-2020-8203", &lodash), Some(&lodash), &image)
            .is_none()
    );

    let mut r = report(
        vec![lodash.clone()],
        vec![
            finding("CVE-2019-10744", &lodash),
            finding("CVE-2020-8203", &lodash),
        ],
    );
    Suppressions {
        ignore: vec![],
        vex: vec![doc],
    }
    .apply(&mut r, date(2026, 1, 1));
    assert_eq!(r.findings.len(), 1);
    assert_eq!(
        r.suppressed[0].reason,
        "VEX: not_affected (code_not_reachable): only used at build time"
    );
    assert_eq!(r.suppressed[0].source, "vex.cdx.json (CycloneDX VEX)");
}

#[test]
fn hostile_vex_documents_give_clear_errors() {
    for (bytes, want) in [
        (&b"{not json"[..], "invalid JSON"),
        (br#"{"hello":"world"}"#, "expected an OpenVEX document"),
        (br#"{"@context":"https://openvex.dev/ns/v0.2.0"}"#, "without statements"),
        (br#"{"@context":"https://openvex.dev/ns","statements":[{"status":"fixed"}]}"#, "names no vulnerability"),
        (br#"{"@context":"https://openvex.dev/ns","statements":[{"vulnerability":"CVE-1","status":"maybe"}]}"#, "unknown status"),
    ] {
        let err = VexDocument::parse("evil.json", bytes).unwrap_err().to_string();
        assert!(err.starts_with("evil.json: "), "{err}");
        assert!(err.contains(want), "{err} / {want}");
    }
    // Deep nesting stops at serde_json's recursion limit, not a stack overflow.
    let deep = "[".repeat(100_000);
    assert!(VexDocument::parse("deep.json", deep.as_bytes()).is_err());
    // Oversize files are refused before parsing.
    let dir = std::env::temp_dir().join(format!("customs-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(customs_policy::MAX_POLICY_BYTES + 1).unwrap();
    let err = VexDocument::read(&big).unwrap_err();
    assert!(matches!(err, PolicyError::TooLarge { .. }), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
