//! From OSV records to customs advisories.
//!
//! **Ecosystems.** Each OSV ecosystem customs inventories maps to the customs ecosystem (the
//! purl type, which is the store namespace), a name normalisation, and the version scheme
//! that orders its versions:
//!
//! | OSV         | namespace  | name as stored                          | scheme    |
//! |-------------|------------|-----------------------------------------|-----------|
//! | `PyPI`      | `pypi`     | PEP 503: lowercase, `-_.` runs → `-`    | `pep440`  |
//! | `npm`       | `npm`      | as written (`@scope/name`)              | `npm`     |
//! | `crates.io` | `cargo`    | as written                              | `semver`  |
//! | `Go`        | `golang`   | module path as written; `stdlib`        | `go`      |
//! | `Maven`     | `maven`    | `groupId:artifactId` as written         | `maven`   |
//! | `RubyGems`  | `gem`      | as written                              | `gem`     |
//! | `Packagist` | `composer` | lowercase `vendor/name` (Packagist is)  | `composer`|
//! | `NuGet`     | `nuget`    | lowercase (`NuGet` ids are case-blind)    | `nuget`   |
//!
//! Other ecosystems (Debian, Alpine, Ubuntu, ...) are skipped: their distro feeds are read by
//! their own parsers. The schemes are the ecosystem crates' own types (customs-osv depends on
//! those leaf crates directly rather than on the registry, which depends on this crate).
//!
//! **Ranges.** `ECOSYSTEM` and `SEMVER` ranges are read with the ecosystem's scheme (`SEMVER`
//! ranges appear for npm, crates.io and Go, whose schemes are `SemVer` orderings); `GIT` ranges
//! name commits, which an installed package does not carry, and are ignored. A range is split
//! into its intervals, one advisory each, so that each carries its own fixed version
//! (`introduced 0, fixed 1.5, introduced 2.0, fixed 2.3` gives two advisories, fixed in 1.5
//! and in 2.3):
//! * When the events, as written, are a list of intervals (each `introduced` followed by one
//!   `fixed`, `last_affected` or `limit` above it, the last one possibly open), those are the
//!   intervals; `introduced X, fixed X` is empty and dropped (`RustSec` writes these).
//!   Databases write ranges this way, but not always in version order: the `PyPA` database has `introduced 0, fixed 3.1.1, introduced 3.2.0, fixed 3.2.2, introduced
//!   3.1.1, fixed 3.2.0` (PYSEC-2023-72) and overlapping pairs (PYSEC-2021-114), which the
//!   specification's sort-then-walk evaluation would shrink (dropping 3.2.0 to 3.2.1, or 2.11.6,
//!   from the affected set). Taking the pairs as written keeps every version the record's
//!   author listed; for ranges in version order it is the same thing.
//! * Otherwise the specification's evaluation: events ordered by version (`0` first, a
//!   stable sort as `customs_version::evaluate` does), then walked, each `introduced` opening
//!   an interval up to the next closing event.
//!
//! Evaluating an interval alone (`customs_version::evaluate`) gives the verdict of that
//! interval, so a version is affected when any of a range's advisories says so. If an event
//! version does not parse, the range is stored whole: matching then reports the package as
//! indeterminate rather than guess.
//!
//! An advisory is `fixed` when its interval ends with a `fixed` event (its `fixed_version`),
//! otherwise `affected` (`last_affected`: no fixed version is known; open: no fix).
//!
//! **Version lists.** `versions` enumerates affected versions. When a usable range exists the
//! list is redundant (osv.dev derives it from the ranges) and is not stored; when there is
//! none (only `GIT` ranges, or a bare list such as malicious-package reports) the list becomes
//! one `Versions` advisory.
//!
//! **Severity**: `database_specific.severity` when present (GitHub's `LOW`, `MODERATE`,
//! `HIGH`, `CRITICAL`), else the highest CVSS v3 base score among the `severity[]` vectors of
//! the `affected` entry, else of the record (see [`crate::cvss`]); otherwise unknown.
//!
//! **Ids.** The vulnerability id is the OSV id (`GHSA-…`, `PYSEC-…`, `GO-…`, `RUSTSEC-…`); its
//! `aliases` (CVE ids, the GHSA id of a PYSEC record) are kept so that findings from records
//! of one vulnerability merge. Withdrawn records give nothing.

use std::cmp::Ordering;

use customs_model::{Advisory, AffectedRange, OsvEvent, Severity, Status};
use customs_version::VersionScheme;

use crate::cvss::{CvssV3, severity_of_score};
use crate::record::{Affected, Record, SeverityScore};

/// One OSV ecosystem customs matches.
#[derive(Clone, Copy)]
pub struct Ecosystem {
    /// The OSV `package.ecosystem` value.
    pub osv: &'static str,
    /// The customs ecosystem: the purl type and the store namespace.
    pub namespace: &'static str,
    pub scheme: &'static dyn VersionScheme,
}

impl std::fmt::Debug for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ecosystem")
            .field("osv", &self.osv)
            .field("namespace", &self.namespace)
            .field("scheme", &self.scheme.name())
            .finish()
    }
}

/// Every ecosystem OSV advisories are read for.
pub const ECOSYSTEMS: &[Ecosystem] = &[
    Ecosystem {
        osv: "PyPI",
        namespace: "pypi",
        scheme: &customs_pypi::Pep440Scheme,
    },
    Ecosystem {
        osv: "npm",
        namespace: "npm",
        scheme: &customs_npm::NpmScheme,
    },
    Ecosystem {
        osv: "crates.io",
        namespace: "cargo",
        scheme: &customs_cargo::SemverScheme,
    },
    Ecosystem {
        osv: "Go",
        namespace: "golang",
        scheme: &customs_golang::GoScheme,
    },
    Ecosystem {
        osv: "Maven",
        namespace: "maven",
        scheme: &customs_maven::MavenScheme,
    },
    Ecosystem {
        osv: "RubyGems",
        namespace: "gem",
        scheme: &customs_gem::GemScheme,
    },
    Ecosystem {
        osv: "Packagist",
        namespace: "composer",
        scheme: &customs_composer::ComposerScheme,
    },
    Ecosystem {
        osv: "NuGet",
        namespace: "nuget",
        scheme: &customs_nuget::NuGetScheme,
    },
];

/// The ecosystem of an OSV `package.ecosystem` value.
pub fn by_osv_name(osv: &str) -> Option<&'static Ecosystem> {
    ECOSYSTEMS.iter().find(|e| e.osv == osv)
}

/// The ecosystem of a customs namespace (= purl type).
pub fn by_namespace(namespace: &str) -> Option<&'static Ecosystem> {
    ECOSYSTEMS.iter().find(|e| e.namespace == namespace)
}

/// A package name as the store keys it in `namespace` (see the module table).
pub fn normalize_name(namespace: &str, name: &str) -> String {
    let name = name.trim();
    match namespace {
        "pypi" => {
            let mut out = String::with_capacity(name.len());
            let mut in_sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !in_sep {
                        out.push('-');
                    }
                    in_sep = true;
                } else {
                    out.extend(c.to_lowercase());
                    in_sep = false;
                }
            }
            out
        }
        "composer" | "nuget" => name.to_lowercase(),
        _ => name.to_owned(),
    }
}

/// GitHub's qualitative severities (and the plain English ones other databases use).
fn severity_word(s: &str) -> Option<Severity> {
    Some(match s.trim().to_ascii_uppercase().as_str() {
        "LOW" => Severity::Low,
        "MODERATE" | "MEDIUM" => Severity::Medium,
        "HIGH" => Severity::High,
        "CRITICAL" => Severity::Critical,
        _ => return None,
    })
}

/// The highest CVSS v3 base score among `scores`, as a severity.
fn cvss_severity(scores: &[SeverityScore]) -> Option<Severity> {
    scores
        .iter()
        .filter(|s| s.kind == "CVSS_V3")
        .filter_map(|s| CvssV3::parse(&s.score).ok())
        .map(|v| v.base_score())
        .max_by(f64::total_cmp)
        .map(severity_of_score)
}

fn db_severity(v: Option<&serde_json::Value>) -> Option<Severity> {
    v?.get("severity")?.as_str().and_then(severity_word)
}

fn affected_severity(record: &Record, affected: &Affected) -> Severity {
    db_severity(affected.database_specific.as_ref())
        .or_else(|| db_severity(record.database_specific.as_ref()))
        .or_else(|| affected.severity.as_deref().and_then(cvss_severity))
        .or_else(|| record.severity.as_deref().and_then(cvss_severity))
        .unwrap_or_default()
}

fn event_version(e: &OsvEvent) -> &str {
    match e {
        OsvEvent::Introduced(v)
        | OsvEvent::Fixed(v)
        | OsvEvent::LastAffected(v)
        | OsvEvent::Limit(v) => v,
    }
}

/// Orders two event versions as the OSV evaluation does: `0` is below everything.
fn cmp_versions(scheme: &dyn VersionScheme, a: &str, b: &str) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (a == "0", b == "0") {
        (true, true) => Some(Ordering::Equal),
        (true, false) => Some(Ordering::Less),
        (false, true) => Some(Ordering::Greater),
        (false, false) => scheme.compare(a, b).ok(),
    }
}

/// The intervals of a range (see the module docs), or `None` when an event version does not
/// parse in `scheme`.
pub fn intervals(scheme: &dyn VersionScheme, events: &[OsvEvent]) -> Option<Vec<Vec<OsvEvent>>> {
    if events.iter().any(|e| {
        let v = event_version(e);
        v != "0" && scheme.validate(v).is_err()
    }) {
        return None;
    }
    if let Some(pairs) = written_pairs(scheme, events) {
        return Some(pairs);
    }
    // The specification's evaluation: order by version (a stable sort, as
    // `customs_version::evaluate` does) and walk.
    let mut sorted = events.to_vec();
    let mut ok = true;
    sorted.sort_by(|a, b| {
        cmp_versions(scheme, event_version(a), event_version(b)).unwrap_or_else(|| {
            ok = false;
            Ordering::Equal
        })
    });
    if !ok {
        return None;
    }
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for e in sorted {
        match e {
            OsvEvent::Introduced(v) => {
                if open.is_none() {
                    open = Some(v);
                }
            }
            closing => {
                if let Some(from) = open.take() {
                    let empty = !matches!(closing, OsvEvent::LastAffected(_))
                        && cmp_versions(scheme, &from, event_version(&closing))
                            == Some(Ordering::Equal);
                    if !empty {
                        out.push(vec![OsvEvent::Introduced(from), closing]);
                    }
                }
            }
        }
    }
    if let Some(from) = open {
        out.push(vec![OsvEvent::Introduced(from)]);
    }
    Some(out)
}

/// The events as written, when they are a list of intervals: each `introduced` followed by
/// one closing event at or above it (or, last, by nothing). `introduced X, fixed X` (or
/// `limit X`) is empty and gives no interval.
fn written_pairs(scheme: &dyn VersionScheme, events: &[OsvEvent]) -> Option<Vec<Vec<OsvEvent>>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let OsvEvent::Introduced(from) = &events[i] else {
            return None;
        };
        match events.get(i + 1) {
            None => out.push(vec![events[i].clone()]),
            Some(OsvEvent::Introduced(_)) => return None,
            Some(closing) => {
                let last_affected = matches!(closing, OsvEvent::LastAffected(_));
                match cmp_versions(scheme, from, event_version(closing))? {
                    Ordering::Less => out.push(vec![events[i].clone(), closing.clone()]),
                    Ordering::Equal if last_affected => {
                        out.push(vec![events[i].clone(), closing.clone()]);
                    }
                    // `introduced X, fixed X`: nothing (RustSec writes these).
                    Ordering::Equal => {}
                    Ordering::Greater => return None,
                }
            }
        }
        i += 2;
    }
    Some(out)
}

fn status_of(events: &[OsvEvent]) -> (Status, Option<String>) {
    let fixed = events.iter().find_map(|e| match e {
        OsvEvent::Fixed(v) => Some(v.clone()),
        _ => None,
    });
    match fixed {
        Some(v) => (Status::Fixed, Some(v)),
        None => (Status::Affected, None),
    }
}

/// The advisories of one record; `source` is the feed kind (`osv`, `ghsa`).
pub fn advisories(record: &Record, source: &str) -> Vec<Advisory> {
    let mut out = Vec::new();
    if record
        .withdrawn
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return out;
    }
    let id = record.id.trim();
    if id.is_empty() {
        return out;
    }
    let mut aliases: Vec<String> = record
        .aliases
        .iter()
        .flatten()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty() && a != id)
        .collect();
    aliases.sort();
    aliases.dedup();
    // RustSec marks advisories that are not vulnerabilities (`unmaintained`, `unsound`, ...).
    let informational = |a: &Affected| {
        a.database_specific
            .as_ref()
            .and_then(|d| d.get("informational"))
            .and_then(serde_json::Value::as_str)
            .map(|kind| format!("informational advisory: {kind}"))
    };
    for affected in record.affected.iter().flatten() {
        let Some(pkg) = &affected.package else {
            continue;
        };
        let Some(eco) = by_osv_name(pkg.ecosystem.trim()) else {
            continue;
        };
        let name = normalize_name(eco.namespace, &pkg.name);
        if name.is_empty() {
            continue;
        }
        let severity = affected_severity(record, affected);
        let notes = informational(affected);
        let make =
            |affected_range: AffectedRange, status: Status, fixed: Option<String>| Advisory {
                vulnerability_id: id.to_owned(),
                namespace: eco.namespace.to_owned(),
                package: name.clone(),
                scheme: eco.scheme.name().to_owned(),
                status,
                affected: affected_range,
                fixed_version: fixed,
                severity,
                advisory_ids: Vec::new(),
                aliases: aliases.clone(),
                notes: notes.clone(),
                source: source.to_owned(),
                record_id: id.to_owned(),
            };
        let mut usable_range = false;
        for range in affected.ranges.iter().flatten() {
            if !matches!(range.kind.as_str(), "ECOSYSTEM" | "SEMVER") {
                continue;
            }
            usable_range = true;
            let events: Vec<OsvEvent> = range
                .events
                .iter()
                .flat_map(|e| {
                    let trim = |v: &Option<String>| v.as_deref().map(|s| s.trim().to_owned());
                    [
                        trim(&e.introduced).map(OsvEvent::Introduced),
                        trim(&e.fixed).map(OsvEvent::Fixed),
                        trim(&e.last_affected).map(OsvEvent::LastAffected),
                        trim(&e.limit).map(OsvEvent::Limit),
                    ]
                })
                .flatten()
                .filter(|e| !event_version(e).is_empty())
                .collect();
            if let Some(parts) = intervals(eco.scheme, &events) {
                for part in parts {
                    let (status, fixed) = status_of(&part);
                    out.push(make(AffectedRange::Osv(part), status, fixed));
                }
            } else {
                let (status, fixed) = status_of(&events);
                out.push(make(AffectedRange::Osv(events), status, fixed));
            }
        }
        if !usable_range {
            let versions: Vec<String> = affected
                .versions
                .iter()
                .flatten()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            if !versions.is_empty() {
                out.push(make(
                    AffectedRange::Versions(versions),
                    Status::Affected,
                    None,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            normalize_name("pypi", "Zope.Interface__x"),
            "zope-interface-x"
        );
        assert_eq!(
            normalize_name("composer", "Symfony/HTTP-Kernel"),
            "symfony/http-kernel"
        );
        assert_eq!(
            normalize_name("nuget", "Newtonsoft.Json"),
            "newtonsoft.json"
        );
        assert_eq!(normalize_name("npm", "@Babel/core"), "@Babel/core");
        assert_eq!(normalize_name("maven", " org.a:b "), "org.a:b");
    }

    #[test]
    fn intervals_split_and_unsorted_events() {
        let s = &customs_pypi::Pep440Scheme;
        let ev = |k: &str, v: &str| match k {
            "i" => OsvEvent::Introduced(v.into()),
            "f" => OsvEvent::Fixed(v.into()),
            "l" => OsvEvent::LastAffected(v.into()),
            _ => OsvEvent::Limit(v.into()),
        };
        // Out of order, overlapping introduced, a stray fixed.
        let events = vec![
            ev("f", "2.3"),
            ev("i", "2.0"),
            ev("i", "0"),
            ev("f", "1.5"),
            ev("i", "1.2"),
            ev("l", "3.1"),
            ev("i", "3.0"),
        ];
        let parts = intervals(s, &events).unwrap();
        assert_eq!(
            parts,
            vec![
                vec![ev("i", "0"), ev("f", "1.5")],
                vec![ev("i", "2.0"), ev("f", "2.3")],
                vec![ev("i", "3.0"), ev("l", "3.1")],
            ]
        );
        assert_eq!(
            intervals(s, &[ev("i", "1.0")]).unwrap(),
            vec![vec![ev("i", "1.0")]]
        );
        assert!(intervals(s, &[ev("i", "0"), ev("f", "not a version!")]).is_none());
        // Splitting never changes a verdict.
        for v in [
            "0.1", "1.2", "1.5", "1.9", "2.0", "2.2.9", "2.3", "3.0", "3.1", "3.1.1", "9",
        ] {
            let whole = matches!(
                customs_version::evaluate(s, v, &AffectedRange::Osv(events.clone())),
                customs_version::Verdict::Affected { .. }
            );
            let split = parts.iter().any(|p| {
                matches!(
                    customs_version::evaluate(s, v, &AffectedRange::Osv(p.clone())),
                    customs_version::Verdict::Affected { .. }
                )
            });
            assert_eq!(whole, split, "{v}");
        }
    }
}
