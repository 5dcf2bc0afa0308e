//! `CycloneDX` 1.6 JSON: the image as the BOM's subject, every package as a component (with its
//! purl, layer and path as properties) and every finding as a vulnerability whose `analysis`
//! carries the VEX state.
//!
//! Status → VEX analysis: `fixed` and `affected` are `exploitable` (with response `update`
//! when a fix exists), `will_not_fix` is `exploitable` with response `will_not_fix`,
//! `fix_deferred` and `end_of_life` are `exploitable` with `can_not_fix`, `not_affected` is
//! `not_affected`, `indeterminate` is `in_triage` (customs could not decide; never "safe").

use std::collections::BTreeSet;
use std::io::{self, Write};

use customs_model::{Finding, Report, Severity, Status};
use serde_json::{Value, json};

use crate::common::{stable_uuid, timestamp, vuln_url};

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Negligible => "info",
        Severity::Unknown => "unknown",
    }
}

fn analysis(f: &Finding) -> Value {
    let (state, response): (&str, &[&str]) = match f.status {
        Status::Fixed => ("exploitable", &["update"]),
        Status::Affected => ("exploitable", &[]),
        Status::WillNotFix => ("exploitable", &["will_not_fix"]),
        Status::FixDeferred | Status::EndOfLife => ("exploitable", &["can_not_fix"]),
        Status::NotAffected => ("not_affected", &[]),
        Status::Indeterminate => ("in_triage", &[]),
    };
    let mut a = json!({ "state": state, "detail": format!("{} ({}: {})", f.status, f.detail.record_id, f.detail.condition) });
    if !response.is_empty() {
        a["response"] = json!(response);
    }
    if f.status == Status::NotAffected {
        a["justification"] = json!("code_not_present");
    }
    a
}

pub fn write_cyclonedx(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let a = &report.artifact;
    let subject_ref = format!("image:{}", a.digest);
    let components: Vec<Value> = report
        .packages
        .iter()
        .map(|p| {
            let mut props = vec![
                json!({"name": "customs:ecosystem", "value": p.ecosystem}),
                json!({"name": "customs:found_in", "value": p.found_in}),
                json!({"name": "customs:origin", "value": format!("{:?}", p.origin).to_lowercase()}),
            ];
            if let Some(l) = &p.layer_diff_id {
                props.push(json!({"name": "customs:layer_diff_id", "value": l.to_string()}));
            }
            if let Some(src) = &p.source_name {
                props.push(json!({"name": "customs:source_name", "value": src}));
            }
            for provided in &p.provides {
                props.push(json!({"name": "customs:provides", "value": provided}));
            }
            let mut c = json!({
                "bom-ref": p.id,
                "type": "library",
                "name": p.name,
                "version": p.version,
                "purl": p.purl.as_str(),
                "properties": props,
            });
            if !p.licenses.is_empty() {
                c["licenses"] = Value::Array(
                    p.licenses
                        .iter()
                        .map(|l| json!({"license": {"name": l}}))
                        .collect(),
                );
            }
            c
        })
        .collect();
    // One vulnerability entry per (id, package): each has its own VEX analysis.
    let mut vulns: Vec<Value> = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for f in &report.findings {
        if !seen.insert((f.vulnerability_id.clone(), f.package_id.clone())) {
            continue;
        }
        let mut v = json!({
            "bom-ref": format!("{}:{}", f.vulnerability_id, f.package_id),
            "id": f.vulnerability_id,
            "source": { "name": f.data_source },
            "ratings": [{ "source": { "name": f.data_source }, "severity": severity(f.severity), "method": "other" }],
            "affects": [{ "ref": f.package_id, "versions": [{ "version": f.installed_version, "status": if f.status == Status::NotAffected { "unaffected" } else if f.status == Status::Indeterminate { "unknown" } else { "affected" } }] }],
            "analysis": analysis(f),
        });
        if let Some(url) = vuln_url(&f.vulnerability_id) {
            v["source"]["url"] = json!(url);
        }
        if let Some(fixed) = &f.fixed_version {
            v["recommendation"] = json!(format!("Upgrade {} to {fixed} or later.", f.package));
        }
        if !f.advisory_ids.is_empty() {
            v["advisories"] = Value::Array(
                f.advisory_ids
                    .iter()
                    .map(|id| {
                        let url =
                            vuln_url(id).unwrap_or_else(|| format!("urn:customs:advisory:{id}"));
                        json!({"title": id, "url": url})
                    })
                    .collect(),
            );
        }
        vulns.push(v);
    }
    let mut subject = json!({
        "bom-ref": subject_ref,
        "type": "container",
        "name": a.name,
        "version": a.digest.to_string(),
        "properties": [
            {"name": "customs:config_digest", "value": a.config_digest.to_string()},
            {"name": "customs:architecture", "value": a.architecture},
            {"name": "customs:os_type", "value": a.os_type},
        ],
    });
    if let Some(os) = &a.os {
        subject["properties"]
            .as_array_mut()
            .expect("array")
            .push(json!({"name": "customs:distro", "value": format!("{} {}", os.id, os.version)}));
    }
    let doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", stable_uuid(report, "cyclonedx")),
        "version": 1,
        "metadata": {
            "timestamp": timestamp(),
            "tools": { "components": [{ "type": "application", "name": "customs", "version": report.customs_version }] },
            "component": subject,
        },
        "components": components,
        "dependencies": [{
            "ref": subject_ref,
            "dependsOn": report.packages.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        }],
        "vulnerabilities": vulns,
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
