//! `JUnit` XML for Jenkins and other CI systems: one test suite per image, one test case per
//! finding. Findings at or above the gate threshold are failures (so the build's test trend
//! shows them); the others pass. An image without findings gets one passing case, so the
//! report is never empty.

use std::io::{self, Write};

use customs_model::{Report, Severity};

use crate::common::{describe, fails, packages_by_id};

/// Escapes text for XML attribute values and character data.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub fn write_junit(
    report: &Report,
    out: &mut dyn Write,
    threshold: Option<Severity>,
) -> io::Result<()> {
    let pkgs = packages_by_id(report);
    let name = xml_escape(&report.artifact.name);
    let failures = report
        .findings
        .iter()
        .filter(|f| fails(f, threshold))
        .count();
    let tests = report.findings.len().max(1);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="customs" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="{name}" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    writeln!(out, "    <properties>")?;
    writeln!(
        out,
        r#"      <property name="image.digest" value="{}"/>"#,
        xml_escape(&report.artifact.digest.to_string())
    )?;
    writeln!(
        out,
        r#"      <property name="customs.version" value="{}"/>"#,
        xml_escape(&report.customs_version)
    )?;
    writeln!(out, "    </properties>")?;
    if report.findings.is_empty() {
        writeln!(
            out,
            r#"    <testcase classname="{name}" name="no known vulnerabilities"/>"#
        )?;
    }
    for f in &report.findings {
        let found_in = pkgs
            .get(f.package_id.as_str())
            .map_or("", |p| p.found_in.as_str());
        let class = xml_escape(&format!("{}@{}", f.package, f.installed_version));
        let case = xml_escape(&format!("{} [{}]", f.vulnerability_id, f.severity));
        if fails(f, threshold) {
            writeln!(
                out,
                r#"    <testcase classname="{class}" name="{case}" file="{}">"#,
                xml_escape(found_in)
            )?;
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                xml_escape(&describe(f)),
                f.severity,
                xml_escape(&format!(
                    "{}\nstatus: {}\nrecord: {} ({})\ncondition: {}\nlayer: {}",
                    describe(f),
                    f.status,
                    f.detail.record_id,
                    f.data_source,
                    f.detail.condition,
                    f.layer_diff_id
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), ToString::to_string)
                ))
            )?;
            writeln!(out, "    </testcase>")?;
        } else {
            writeln!(
                out,
                r#"    <testcase classname="{class}" name="{case}" file="{}"/>"#,
                xml_escape(found_in)
            )?;
        }
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}
