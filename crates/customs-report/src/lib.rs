//! Report writers.
//!
//! * [`write_json`]: the documented, stable schema (docs/json-report.md). Deterministic: the
//!   same report value always gives the same bytes.
//! * [`write_table`]: findings grouped by layer, as `clairctl analyze` shows them, then a
//!   summary by severity. Colour only when asked (the CLI asks when stdout is a terminal).
//! * Interchange formats, each in its own module: SARIF 2.1.0 (GitHub code scanning),
//!   `CycloneDX` 1.6 (components, vulnerabilities, VEX analysis), SPDX 2.3 JSON, `JUnit` XML
//!   (Jenkins), a self-contained HTML page, and GitLab's container-scanning report. The
//!   SBOM-like formats carry a timestamp, taken from `SOURCE_DATE_EPOCH` when set so builds
//!   can reproduce them; their document ids are derived from the image and database digests.
//!
//! Filtering ([`Filter`]) happens before writing, so every format and the exit code see the
//! same findings.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use customs_model::{Finding, Report, Severity, Status};

mod common;
mod cyclonedx;
mod gitlab;
mod html;
mod junit;
mod sarif;
mod spdx;

pub use cyclonedx::write_cyclonedx;
pub use gitlab::write_gitlab;
pub use html::write_html;
pub use junit::write_junit;
pub use sarif::write_sarif;
pub use spdx::write_spdx;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    CycloneDx,
    SpdxJson,
    Junit,
    Html,
    Gitlab,
}

impl Format {
    /// Every format with its command-line name.
    pub const ALL: [(&'static str, Format); 8] = [
        ("table", Format::Table),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("cyclonedx", Format::CycloneDx),
        ("spdx-json", Format::SpdxJson),
        ("junit", Format::Junit),
        ("html", Format::Html),
        ("gitlab", Format::Gitlab),
    ];
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown format {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// How to write a report.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// ANSI colours in the table.
    pub colour: bool,
    /// The gate threshold: `JUnit` marks findings at or above it as failures (all when None).
    pub fail_threshold: Option<Severity>,
    /// The table also lists every package.
    pub list_packages: bool,
}

/// Writes `report` in `format`.
pub fn write(
    format: Format,
    report: &Report,
    out: &mut dyn Write,
    options: WriteOptions,
) -> io::Result<()> {
    match format {
        Format::Table => {
            write_table(report, out, options.colour)?;
            if !report.suppressed.is_empty() {
                write_suppressed(report, out)?;
            }
            if let Some(r) = &report.remediation {
                write_remediation(r, out)?;
            }
            if options.list_packages {
                write_packages(report, out)?;
            }
            Ok(())
        }
        Format::Json => write_json(report, out),
        Format::Sarif => write_sarif(report, out),
        Format::CycloneDx => write_cyclonedx(report, out),
        Format::SpdxJson => write_spdx(report, out),
        Format::Junit => write_junit(report, out, options.fail_threshold),
        Format::Html => write_html(report, out),
        Format::Gitlab => write_gitlab(report, out),
    }
}

/// Which findings to keep.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Keep only these severities (empty: all).
    pub severities: Vec<Severity>,
    /// Drop findings that have no fixed version.
    pub ignore_unfixed: bool,
    /// Drop findings with these statuses.
    pub ignore_statuses: Vec<Status>,
}

impl Filter {
    pub fn keep(&self, f: &Finding) -> bool {
        if !self.severities.is_empty() && !self.severities.contains(&f.severity) {
            return false;
        }
        if self.ignore_unfixed && f.fixed_version.is_none() {
            return false;
        }
        !self.ignore_statuses.contains(&f.status)
    }

    /// Applies the filter to the report's findings.
    pub fn apply(&self, report: &mut Report) {
        report.findings.retain(|f| self.keep(f));
    }
}

/// Writes the JSON report (pretty-printed, newline-terminated).
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[34m",
        Severity::Negligible | Severity::Unknown => "\x1b[2m",
    }
}

fn truncate(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Lays out rows in aligned columns (two spaces apart).
fn columns(rows: &[Vec<String>], indent: &str, colours: Option<&[&str]>) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; n];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for (ri, r) in rows.iter().enumerate() {
        let mut line = String::from(indent);
        for (i, c) in r.iter().enumerate() {
            let pad = if i + 1 == r.len() {
                0
            } else {
                widths[i] - c.chars().count() + 2
            };
            match colours
                .and_then(|cs| cs.get(ri))
                .filter(|c| !c.is_empty() && i == 0)
            {
                Some(code) => {
                    let _ = write!(line, "{code}{c}\x1b[0m{}", " ".repeat(pad));
                }
                None => {
                    let _ = write!(line, "{c}{}", " ".repeat(pad));
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn write_findings(out: &mut dyn Write, findings: &[&Finding], colour_on: bool) -> io::Result<()> {
    // EPSS is a column only when some finding has a score; KEV entries are marked in place.
    let with_epss = findings.iter().any(|f| f.epss.is_some());
    let mut header = vec![
        "SEVERITY",
        "VULNERABILITY",
        "PACKAGE",
        "INSTALLED",
        "FIXED",
        "STATUS",
    ];
    if with_epss {
        header.push("EPSS");
    }
    let mut rows = vec![header.into_iter().map(str::to_owned).collect::<Vec<_>>()];
    let mut cols = vec![""];
    for f in findings {
        let id = if f.kev.is_some() {
            format!("{} [KEV]", f.vulnerability_id)
        } else {
            f.vulnerability_id.clone()
        };
        let mut row = vec![
            f.severity.to_string(),
            id,
            f.package.clone(),
            f.installed_version.clone(),
            f.fixed_version.clone().unwrap_or_else(|| "-".into()),
            f.status.to_string(),
        ];
        if with_epss {
            row.push(
                f.epss
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |e| format!("{:.1}%", e.score * 100.0)),
            );
        }
        rows.push(row);
        cols.push(if colour_on { colour(f.severity) } else { "" });
    }
    out.write_all(columns(&rows, "  ", Some(&cols)).as_bytes())
}

/// Writes the human-readable table.
pub fn write_table(report: &Report, out: &mut dyn Write, colour_on: bool) -> io::Result<()> {
    let a = &report.artifact;
    let os = a.os.as_ref().map_or_else(
        || "unknown OS".to_owned(),
        |o| match &o.codename {
            Some(c) => format!("{} {} ({c})", o.id, o.version),
            None => format!("{} {}", o.id, o.version),
        },
    );
    writeln!(out, "Image:    {}", a.name)?;
    writeln!(out, "Digest:   {}", a.digest)?;
    writeln!(out, "OS:       {os}  [{}/{}]", a.os_type, a.architecture)?;
    writeln!(
        out,
        "Packages: {}   Findings: {}",
        report.packages.len(),
        report.findings.len()
    )?;
    writeln!(out)?;

    let mut by_layer: BTreeMap<Option<&customs_model::Digest>, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_layer
            .entry(f.layer_diff_id.as_ref())
            .or_default()
            .push(f);
    }
    let mut rows = vec![vec![
        "LAYER".to_owned(),
        "FINDINGS".to_owned(),
        "CREATED BY".to_owned(),
    ]];
    if a.layers.is_empty() {
        rows.clear();
    }
    for l in &a.layers {
        let count = by_layer.get(&Some(&l.diff_id)).map_or(0, Vec::len);
        rows.push(vec![
            l.diff_id.short().to_owned(),
            count.to_string(),
            truncate(l.created_by.as_deref().unwrap_or("-"), 70),
        ]);
    }
    out.write_all(columns(&rows, "", None).as_bytes())?;

    for l in &a.layers {
        let Some(findings) = by_layer.get(&Some(&l.diff_id)) else {
            continue;
        };
        writeln!(out)?;
        writeln!(
            out,
            "Layer {}  {}",
            l.diff_id.short(),
            truncate(l.created_by.as_deref().unwrap_or(""), 90)
        )?;
        write_findings(out, findings, colour_on)?;
    }
    if let Some(findings) = by_layer.get(&None) {
        writeln!(out)?;
        if a.layers.is_empty() {
            writeln!(out, "Findings")?;
        } else {
            writeln!(out, "Not attributed to a layer")?;
        }
        write_findings(out, findings, colour_on)?;
    }

    writeln!(out)?;
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in &report.findings {
        *counts.entry(f.severity).or_default() += 1;
    }
    let parts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| format!("{} {s}", counts.get(s).copied().unwrap_or(0)))
        .collect();
    let fixable = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fixed)
        .count();
    writeln!(
        out,
        "Summary: {} findings ({}); {fixable} with a fix available",
        report.findings.len(),
        parts.join(", ")
    )?;
    if !report.diagnostics.is_empty() {
        writeln!(
            out,
            "Diagnostics: {} (see the JSON report for details)",
            report.diagnostics.len()
        )?;
        for d in report.diagnostics.iter().take(5) {
            writeln!(
                out,
                "  {}: {}{}",
                d.code,
                d.path
                    .as_deref()
                    .map(|p| format!("{p}: "))
                    .unwrap_or_default(),
                d.message
            )?;
        }
    }
    Ok(())
}

/// The table's list of suppressed findings (`--show-suppressed`).
pub fn write_suppressed(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Suppressed: {}", report.suppressed.len())?;
    let mut rows = vec![
        ["VULNERABILITY", "PACKAGE", "INSTALLED", "REASON", "SOURCE"]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>(),
    ];
    for s in &report.suppressed {
        rows.push(vec![
            s.finding.vulnerability_id.clone(),
            s.finding.package.clone(),
            s.finding.installed_version.clone(),
            truncate(&s.reason, 60),
            s.source.clone(),
        ]);
    }
    out.write_all(columns(&rows, "  ", None).as_bytes())
}

/// The table's package list (`--list-all-pkgs`).
pub fn write_packages(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Packages: {}", report.packages.len())?;
    let mut rows = vec![
        ["TYPE", "NAME", "VERSION", "LAYER", "FOUND IN"]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>(),
    ];
    for p in &report.packages {
        rows.push(vec![
            p.ecosystem.clone(),
            p.name.clone(),
            p.version.clone(),
            p.layer_diff_id
                .as_ref()
                .map_or_else(|| "-".to_owned(), |d| d.short().to_owned()),
            p.found_in.clone(),
        ]);
    }
    out.write_all(columns(&rows, "  ", None).as_bytes())
}

/// The table's "what to fix first" section: the upgrades that remove the most findings, and
/// the layers the findings came from.
pub fn write_remediation(r: &customs_model::Remediation, out: &mut dyn Write) -> io::Result<()> {
    if r.upgrades.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Fix first (upgrades that remove the most findings):")?;
    let mut rows = vec![
        [
            "PACKAGE",
            "INSTALLED",
            "UPGRADE TO",
            "REMOVES",
            "WORST",
            "LAYER",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>(),
    ];
    for u in r.upgrades.iter().take(10) {
        rows.push(vec![
            u.package.clone(),
            u.installed_version.clone(),
            u.fixed_version.clone(),
            u.removes.to_string(),
            u.worst.to_string(),
            u.layer_diff_id
                .as_ref()
                .map_or_else(|| "-".to_owned(), |d| d.short().to_owned()),
        ]);
    }
    out.write_all(columns(&rows, "  ", None).as_bytes())?;
    if r.upgrades.len() > 10 {
        writeln!(
            out,
            "  ... and {} more (see the JSON report)",
            r.upgrades.len() - 10
        )?;
    }
    if r.layers.len() > 1 {
        writeln!(out)?;
        writeln!(
            out,
            "Findings by layer (a base layer on top: rebuild on a newer base image):"
        )?;
        for l in &r.layers {
            writeln!(
                out,
                "  {}  {:>4} findings ({} fixable)  {}",
                l.diff_id.short(),
                l.findings,
                l.fixable,
                truncate(l.created_by.as_deref().unwrap_or("-"), 60)
            )?;
        }
    }
    Ok(())
}
