//! SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One rule per vulnerability id (its help text lists every affected package), one result
//! per finding. A result's location is the file inside the image the package was found in
//! (the dpkg status file, a `METADATA` file, a jar): that is where a fix lands, and it gives
//! code scanning a stable place to track the alert across scans. `security-severity` carries
//! the severity as the number GitHub ranks alerts by.

use std::collections::BTreeMap;
use std::io::{self, Write};

use customs_model::{Finding, Report, Severity};
use serde_json::{Value, json};

use crate::common::{describe, packages_by_id, severity_score, vuln_url};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Negligible | Severity::Unknown => "note",
    }
}

pub fn write_sarif(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let pkgs = packages_by_id(report);
    let mut by_vuln: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_vuln.entry(&f.vulnerability_id).or_default().push(f);
    }
    let index: BTreeMap<&str, usize> = by_vuln.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = by_vuln
        .iter()
        .map(|(id, fs)| {
            let worst = fs.iter().map(|f| f.severity).max().unwrap_or_default();
            // Code scanning ranks by CVSS when the finding has a score.
            let score = fs
                .iter()
                .flat_map(|f| f.cvss.iter())
                .map(|c| c.base_score)
                .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
                .map_or_else(|| severity_score(worst).to_owned(), |s| format!("{s:.1}"));
            let mut lines = vec![format!("**Vulnerability {id}**"), String::new()];
            lines.push("| Package | Installed | Fixed | Status |".into());
            lines.push("| --- | --- | --- | --- |".into());
            for f in fs {
                lines.push(format!(
                    "| {} | {} | {} | {} |",
                    f.package,
                    f.installed_version,
                    f.fixed_version.as_deref().unwrap_or("-"),
                    f.status
                ));
            }
            let markdown = lines.join("\n");
            let text = fs.iter().map(|f| describe(f)).collect::<Vec<_>>().join(" ");
            let mut rule = json!({
                "id": id,
                "name": "OsPackageVulnerability",
                "shortDescription": { "text": format!("{id} ({worst})") },
                "fullDescription": { "text": text },
                "defaultConfiguration": { "level": level(worst) },
                "help": { "text": text, "markdown": markdown },
                "properties": {
                    "precision": "very-high",
                    "security-severity": score,
                    "tags": ["vulnerability", "security", worst.as_str()],
                },
            });
            if let Some(url) = vuln_url(id) {
                rule["helpUri"] = json!(url);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let pkg = pkgs.get(f.package_id.as_str());
            let uri = pkg.map_or("", |p| p.found_in.as_str());
            let purl = pkg.map(|p| p.purl.as_str().to_owned());
            json!({
                "ruleId": f.vulnerability_id,
                "ruleIndex": index[f.vulnerability_id.as_str()],
                "level": level(f.severity),
                "message": { "text": format!("{} Image: {}", describe(f), report.artifact.name) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": { "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1 }
                    },
                    "message": { "text": format!("{}@{}", f.package, f.installed_version) }
                }],
                "partialFingerprints": {
                    "customs/v1": format!("{}:{}:{}", f.vulnerability_id, f.package, uri)
                },
                "properties": {
                    "purl": purl,
                    "installedVersion": f.installed_version,
                    "fixedVersion": f.fixed_version,
                    "status": f.status.as_str(),
                    "layer": f.layer_diff_id.as_ref().map(ToString::to_string),
                    "dataSource": f.data_source,
                }
            })
        })
        .collect();
    let doc = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": { "driver": {
                "name": "customs",
                "version": report.customs_version,
                "informationUri": "https://github.com/customs-scanner/customs",
                "rules": rules,
            }},
            "results": results,
            "columnKind": "utf16CodeUnits",
            "originalUriBaseIds": { "ROOTPATH": { "uri": "file:///" } },
            "properties": {
                "imageName": report.artifact.name,
                "imageDigest": report.artifact.digest.to_string(),
            }
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
