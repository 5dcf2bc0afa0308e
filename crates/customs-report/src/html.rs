//! A single self-contained HTML page: no scripts, no external stylesheets, fonts or images
//! (it is opened from CI artifacts and mail attachments, often offline). A chart per layer —
//! an inline SVG stacked bar of that layer's findings by severity — shows where the risk came
//! in; then the findings table and the package count.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use customs_model::{Finding, Report, Severity};

use crate::junit::xml_escape as esc;

fn fill(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#d32f2f",
        Severity::Medium => "#f57c00",
        Severity::Low => "#fbc02d",
        Severity::Negligible => "#90a4ae",
        Severity::Unknown => "#cfd8dc",
    }
}

/// One stacked horizontal bar: the findings of a layer by severity, highest first.
fn bar(findings: &[&Finding], scale: usize) -> String {
    let width = 480usize;
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.severity).or_default() += 1;
    }
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="18" role="img" aria-label="{} findings">"#,
        width + 60,
        findings.len()
    );
    let mut x = 0usize;
    for s in Severity::ALL.iter().rev() {
        let n = counts.get(s).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        let w = (n * width / scale.max(1)).max(2);
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="1" width="{w}" height="16" fill="{}"><title>{n} {s}</title></rect>"#,
            fill(*s)
        );
        x += w;
    }
    let _ = write!(
        svg,
        r##"<text x="{}" y="14" font-size="12" fill="#333">{}</text></svg>"##,
        x + 6,
        findings.len()
    );
    svg
}

pub fn write_html(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let a = &report.artifact;
    let mut by_layer: BTreeMap<Option<&customs_model::Digest>, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_layer
            .entry(f.layer_diff_id.as_ref())
            .or_default()
            .push(f);
    }
    let scale = by_layer.values().map(Vec::len).max().unwrap_or(1);
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>customs: {name}</title>
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
th{{background:#f5f5f5}}code{{font-size:12px}}.sev{{color:#fff;padding:1px 6px;border-radius:3px;font-size:12px}}
</style></head><body>
<h1>customs report</h1>
<table>
<tr><th>Image</th><td><code>{name}</code></td></tr>
<tr><th>Digest</th><td><code>{digest}</code></td></tr>
<tr><th>OS</th><td>{os} [{ostype}/{arch}]</td></tr>
<tr><th>Packages</th><td>{npkg}</td></tr>
<tr><th>Findings</th><td>{nfind}</td></tr>
</table>
"#,
        name = esc(&a.name),
        digest = esc(&a.digest.to_string()),
        os = esc(&a.os.as_ref().map_or_else(
            || "unknown".to_owned(),
            |o| format!("{} {}", o.id, o.version)
        )),
        ostype = esc(&a.os_type),
        arch = esc(&a.architecture),
        npkg = report.packages.len(),
        nfind = report.findings.len(),
    );
    h.push_str("<h2>Findings by layer</h2>\n<table>\n<tr><th>Layer</th><th>Created by</th><th>Findings by severity</th></tr>\n");
    for l in &a.layers {
        let fs = by_layer
            .get(&Some(&l.diff_id))
            .map_or(&[][..], Vec::as_slice);
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            esc(l.diff_id.short()),
            esc(l.created_by.as_deref().unwrap_or("-")),
            bar(fs, scale)
        );
    }
    if let Some(fs) = by_layer.get(&None) {
        let _ = writeln!(
            h,
            "<tr><td>-</td><td>not attributed to a layer</td><td>{}</td></tr>",
            bar(fs, scale)
        );
    }
    h.push_str("</table>\n<h2>Findings</h2>\n<table>\n<tr><th>Severity</th><th>Vulnerability</th><th>Package</th><th>Installed</th><th>Fixed</th><th>Status</th><th>Layer</th></tr>\n");
    for f in &report.findings {
        let _ = writeln!(
            h,
            r#"<tr><td><span class="sev" style="background:{}">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>"#,
            fill(f.severity),
            f.severity,
            esc(&f.vulnerability_id),
            esc(&f.package),
            esc(&f.installed_version),
            esc(f.fixed_version.as_deref().unwrap_or("-")),
            f.status,
            esc(f.layer_diff_id.as_ref().map_or("-", |d| d.short())),
        );
    }
    let _ = write!(
        h,
        "</table>\n<p>customs {} · database {}</p>\n</body></html>\n",
        esc(&report.customs_version),
        esc(&report
            .db
            .digest
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string))
    );
    out.write_all(h.as_bytes())
}
