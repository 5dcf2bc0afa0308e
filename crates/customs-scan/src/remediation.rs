//! What would remove the most findings: for each package, the lowest version that fixes all
//! of its fixable findings (compared with the package's own version scheme), and for each
//! layer, how many findings it brought in.

use std::collections::BTreeMap;

use customs_model::{LayerShare, Remediation, Report, Status, Upgrade};

/// Computes the remediation summary of the report's (already filtered) findings.
pub fn remediation(report: &Report) -> Remediation {
    let schemes = customs_ecosystems::schemes();
    let packages: BTreeMap<&str, &customs_model::Package> =
        report.packages.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut by_package: BTreeMap<&str, Vec<&customs_model::Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_package.entry(f.package_id.as_str()).or_default().push(f);
    }
    let mut upgrades = Vec::new();
    for (id, findings) in by_package {
        let Some(pkg) = packages.get(id) else {
            continue;
        };
        let fixable: Vec<_> = findings
            .iter()
            .filter(|f| f.status == Status::Fixed && f.fixed_version.is_some())
            .collect();
        if fixable.is_empty() {
            continue;
        }
        let scheme = customs_ecosystems::scheme_of_ecosystem(&pkg.ecosystem)
            .and_then(|n| schemes.get_arc(n));
        // The highest fixed version among the findings fixes all of them.
        let mut best: Option<&str> = None;
        for f in &fixable {
            let v = f.fixed_version.as_deref().unwrap_or_default();
            best = match (best, &scheme) {
                (None, _) => Some(v),
                // Incomparable versions keep the first: say nothing misleading.
                (Some(b), Some(s)) => match s.compare(v, b) {
                    Ok(std::cmp::Ordering::Greater) => Some(v),
                    _ => Some(b),
                },
                (Some(b), None) => Some(b),
            };
        }
        let Some(to) = best else { continue };
        upgrades.push(Upgrade {
            package: pkg.name.clone(),
            ecosystem: pkg.ecosystem.clone(),
            installed_version: pkg.version.clone(),
            fixed_version: to.to_owned(),
            removes: fixable.len(),
            worst: fixable.iter().map(|f| f.severity).max().unwrap_or_default(),
            layer_diff_id: pkg.layer_diff_id.clone(),
        });
    }
    upgrades.sort_by(|a, b| {
        (b.removes, b.worst, &a.package, &a.installed_version).cmp(&(
            a.removes,
            a.worst,
            &b.package,
            &b.installed_version,
        ))
    });
    let mut layers: Vec<LayerShare> = report
        .artifact
        .layers
        .iter()
        .map(|l| {
            let mine = report
                .findings
                .iter()
                .filter(|f| f.layer_diff_id.as_ref() == Some(&l.diff_id));
            let (findings, fixable) = mine.fold((0, 0), |(n, k), f| {
                (n + 1, k + usize::from(f.status == Status::Fixed))
            });
            LayerShare {
                diff_id: l.diff_id.clone(),
                created_by: l.created_by.clone(),
                findings,
                fixable,
            }
        })
        .filter(|l| l.findings > 0)
        .collect();
    layers.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then_with(|| a.diff_id.cmp(&b.diff_id))
    });
    Remediation { upgrades, layers }
}

#[cfg(test)]
mod tests {
    use customs_model::{
        Artifact, Digest, Finding, MatchDetail, Package, PackageOrigin, Purl, ReportDb,
        ReportLayer, Severity,
    };

    use super::*;

    fn finding(p: &Package, id: &str, fixed: Option<&str>, sev: Severity) -> Finding {
        Finding {
            vulnerability_id: id.into(),
            package_id: p.id.clone(),
            package: p.name.clone(),
            installed_version: p.version.clone(),
            fixed_version: fixed.map(Into::into),
            status: if fixed.is_some() {
                Status::Fixed
            } else {
                Status::Affected
            },
            severity: sev,
            layer_diff_id: p.layer_diff_id.clone(),
            data_source: "t".into(),
            advisory_ids: vec![],
            aliases: vec![],
            notes: None,
            detail: MatchDetail {
                record_id: id.into(),
                matched_by: p.name.clone(),
                condition: String::new(),
            },
            severity_source: None,
            cvss: vec![],
            cwes: vec![],
            kev: None,
            epss: None,
        }
    }

    #[test]
    fn the_highest_fix_by_scheme_and_layers_by_count() {
        let layer = Digest::sha256_of(b"l1");
        let mut urllib3 = Package::new(
            "pypi",
            "urllib3",
            "1.23",
            Purl::new("pypi", None, "urllib3", Some("1.23"), &[]),
            "m",
            PackageOrigin::Installed,
        );
        urllib3.layer_diff_id = Some(layer.clone());
        let findings = vec![
            // 1.26.18 > 1.26.5 > 1.24.2 under PEP 440 (a string sort would pick 1.26.5).
            finding(&urllib3, "A", Some("1.24.2"), Severity::Medium),
            finding(&urllib3, "B", Some("1.26.18"), Severity::High),
            finding(&urllib3, "C", Some("1.26.5"), Severity::Low),
            finding(&urllib3, "D", None, Severity::Critical),
        ];
        let report = Report {
            schema_version: 1,
            customs_version: "0".into(),
            artifact: Artifact {
                name: "x".into(),
                digest: Digest::sha256_of(b"x"),
                config_digest: Digest::sha256_of(b"c"),
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
                layers: vec![ReportLayer {
                    diff_id: layer.clone(),
                    digest: None,
                    created_by: Some("RUN pip install".into()),
                    size: None,
                }],
            },
            packages: vec![urllib3],
            findings,
            suppressed: vec![],
            diagnostics: vec![],
            db: ReportDb {
                digest: None,
                built_at: None,
            },
            remediation: None,
        };
        let r = remediation(&report);
        assert_eq!(r.upgrades.len(), 1);
        assert_eq!(r.upgrades[0].fixed_version, "1.26.18");
        assert_eq!(r.upgrades[0].removes, 3);
        assert_eq!(r.upgrades[0].worst, Severity::High);
        assert_eq!((r.layers[0].findings, r.layers[0].fixable), (4, 3));
    }
}
