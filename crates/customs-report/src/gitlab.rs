//! GitLab's container-scanning report (`gl-container-scanning-report.json`, schema 15.x), so
//! findings show in merge requests and the vulnerability report when a job declares
//! `artifacts: reports: container_scanning: gl-container-scanning-report.json`.

use std::io::{self, Write};

use customs_model::{Report, Severity};
use serde_json::{Value, json};

use crate::common::{describe, timestamp, uuid_of, vuln_url};

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Negligible => "Info",
        Severity::Unknown => "Unknown",
    }
}

pub fn write_gitlab(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let a = &report.artifact;
    let os = a.os.as_ref().map_or_else(
        || "unknown".to_owned(),
        |o| format!("{} {}", o.id, o.version),
    );
    // GitLab wants local times without a zone designator.
    let now = timestamp().trim_end_matches('Z').to_owned();
    let vendor = json!({ "name": "customs" });
    let vulns: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let id_type = if f.vulnerability_id.starts_with("CVE-") { "cve" } else { "customs" };
            let mut identifier = json!({ "type": id_type, "name": f.vulnerability_id, "value": f.vulnerability_id });
            let mut links = Vec::new();
            if let Some(url) = vuln_url(&f.vulnerability_id) {
                identifier["url"] = json!(url);
                links.push(json!({ "url": url }));
            }
            let mut v = json!({
                "id": uuid_of(&[&f.vulnerability_id, &f.package_id, &a.digest.to_string()]),
                "name": format!("{} in {}", f.vulnerability_id, f.package),
                "description": describe(f),
                "severity": severity(f.severity),
                "identifiers": [identifier],
                "links": links,
                "location": {
                    "dependency": { "package": { "name": f.package }, "version": f.installed_version },
                    "operating_system": os,
                    "image": a.name,
                },
            });
            if let Some(fixed) = &f.fixed_version {
                v["solution"] = json!(format!("Upgrade {} to {fixed}", f.package));
            }
            v
        })
        .collect();
    let tool = json!({
        "id": "customs",
        "name": "customs",
        "url": "https://github.com/customs-scanner/customs",
        "vendor": vendor,
        "version": report.customs_version,
    });
    let doc = json!({
        "version": "15.0.7",
        "scan": {
            "analyzer": tool,
            "scanner": tool,
            "type": "container_scanning",
            "start_time": now,
            "end_time": now,
            "status": "success",
        },
        "vulnerabilities": vulns,
        "remediations": [],
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
