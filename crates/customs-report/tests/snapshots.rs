//! Snapshot tests of the writers on a small, fixed report.

use customs_model::{
    Artifact, Digest, Finding, MatchDetail, Package, PackageOrigin, Purl, Report, ReportDb,
    ReportDiagnostic, ReportLayer, ReportOs, Severity, Status,
};
use customs_report::{Filter, write_json, write_table};

fn d(n: u8) -> Digest {
    Digest::sha256_of(&[n])
}

fn report() -> Report {
    let pkg = |name: &str, version: &str, source: &str, layer: u8| Package {
        id: Package::compute_id("deb", name, version, Some("amd64"), "var/lib/dpkg/status"),
        ecosystem: "deb".into(),
        name: name.into(),
        version: version.into(),
        arch: Some("amd64".into()),
        source_name: Some(source.into()),
        source_version: Some(version.into()),
        purl: Purl::new(
            "deb",
            Some("debian"),
            name,
            Some(version),
            &[("arch", "amd64"), ("distro", "debian-7")],
        ),
        layer_diff_id: Some(d(layer)),
        found_in: "var/lib/dpkg/status".into(),
        origin: PackageOrigin::Installed,
        licenses: vec![],
        files: vec![],
        scope: None,
        provides: Vec::new(),
    };
    let packages = vec![
        pkg("libc6", "2.13-38+deb7u8", "eglibc", 0),
        pkg("libssl1.0.0", "1.0.1e-2+deb7u4", "openssl", 1),
    ];
    let finding =
        |vuln: &str, p: &Package, fixed: Option<&str>, status: Status, severity: Severity| {
            Finding {
                vulnerability_id: vuln.into(),
                package_id: p.id.clone(),
                package: p.name.clone(),
                installed_version: p.version.clone(),
                fixed_version: fixed.map(Into::into),
                status,
                severity,
                layer_diff_id: p.layer_diff_id.clone(),
                data_source: "debian-dsa".into(),
                advisory_ids: vec!["DSA-2896-1".into()],
                notes: None,
                detail: MatchDetail {
                    record_id: "DSA-2896-1".into(),
                    matched_by: p.source_or_name().into(),
                    condition: "x < y (deb)".into(),
                },
            }
        };
    let findings = vec![
        finding(
            "CVE-2014-0160",
            &packages[1],
            Some("1.0.1e-2+deb7u5"),
            Status::Fixed,
            Severity::High,
        ),
        finding(
            "CVE-2014-9999",
            &packages[0],
            None,
            Status::Affected,
            Severity::Low,
        ),
    ];
    Report {
        schema_version: 1,
        customs_version: "0.1.0".into(),
        artifact: Artifact {
            name: "docker-archive:wheezy.tar".into(),
            digest: d(9),
            config_digest: d(9),
            repo_tags: vec!["wheezy:heartbleed".into()],
            architecture: "amd64".into(),
            os_type: "linux".into(),
            created: Some("2014-04-07T00:00:00Z".into()),
            user: None,
            exposed_ports: vec!["443/tcp".into()],
            env_names: vec!["PATH".into()],
            repositories: vec![],
            os: Some(ReportOs {
                family: "debian".into(),
                id: "debian".into(),
                version: "7".into(),
                codename: Some("wheezy".into()),
                pretty_name: None,
            }),
            layers: vec![
                ReportLayer {
                    diff_id: d(0),
                    digest: None,
                    created_by: Some("ADD wheezy rootfs".into()),
                    size: Some(10240),
                },
                ReportLayer {
                    diff_id: d(1),
                    digest: None,
                    created_by: Some("RUN apt-get install -y openssl=1.0.1e-2+deb7u4".into()),
                    size: Some(2048),
                },
            ],
        },
        packages,
        findings,
        diagnostics: vec![ReportDiagnostic {
            code: "malformed-package-db".into(),
            layer_diff_id: Some(d(0)),
            path: Some("var/lib/dpkg/status".into()),
            message: "line 9: paragraph has no Package field".into(),
        }],
        db: ReportDb {
            digest: Some(d(7)),
            built_at: Some("2026-11-29T05:43:04Z".into()),
        },
    }
}

#[test]
fn table() {
    let mut out = Vec::new();
    write_table(&report(), &mut out, false).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn table_with_filters() {
    let mut r = report();
    Filter {
        severities: vec![Severity::High, Severity::Critical],
        ignore_unfixed: false,
    }
    .apply(&mut r);
    assert_eq!(r.findings.len(), 1);
    let mut r2 = report();
    Filter {
        severities: vec![],
        ignore_unfixed: true,
    }
    .apply(&mut r2);
    assert_eq!(r2.findings.len(), 1);
    assert_eq!(r2.findings[0].vulnerability_id, "CVE-2014-0160");
}

#[test]
fn json() {
    let mut out = Vec::new();
    write_json(&report(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    insta::assert_snapshot!(text);
    // It round-trips into the same value.
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report());
}

#[test]
fn table_without_layers() {
    // A root filesystem has no layers: findings are listed all the same.
    let mut r = report();
    r.artifact.layers.clear();
    for f in &mut r.findings {
        f.layer_diff_id = None;
    }
    let mut out = Vec::new();
    write_table(&r, &mut out, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("CVE-2014-0160") && text.contains("CVE-2014-9999"),
        "{text}"
    );
    assert!(!text.contains("LAYER"));
}
