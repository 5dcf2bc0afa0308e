//! Ubuntu's OSV records (`ubuntu-osv`): `UBUNTU-CVE-*` (one per CVE, every release) and
//! `USN-*` (one per notice), published in `canonical/ubuntu-security-notices` (`osv/cve/`,
//! `osv/usn/`) and exported by osv.dev as the `Ubuntu` ecosystem
//! (`https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip`, the default).
//!
//! # Fields read
//!
//! - `affected[].package.ecosystem`: `Ubuntu:22.04:LTS`, `Ubuntu:25.10` (interim),
//!   `Ubuntu:Pro:16.04:LTS` (ESM, Ubuntu Pro only) → namespace `ubuntu:22.04`. FIPS and other
//!   special flavours (`Ubuntu:Pro:FIPS…:…`, anything with further suffixes) are skipped:
//!   their packages are separate builds that a plain release image does not carry.
//! - `affected[].package.name`: the **source** package (`wayland`, `glibc`).
//! - `affected[].ranges[]` (`ECOSYSTEM`): `introduced: 0` and, when released, `fixed`.
//! - `severity[]` entries of type `Ubuntu` (the priority `negligible` … `critical`), per
//!   affected entry through `database_specific.cves_map` in USN records.
//! - `upstream` (the CVE ids), `related` (USN ids), `withdrawn`.
//!
//! # Ubuntu's statuses
//!
//! Ubuntu's CVE tracker has per-(release, package) statuses: `needed`, `pending`,
//! `deferred`, `ignored`, `not-affected`, `released`, `DNE`. The OSV records as published
//! (see the samples under `shared/data/feeds/ubuntu/osv-samples`) do **not** carry them as
//! fields: a `released` package has a `fixed` event, `needed`/`pending`/`deferred`/`ignored`
//! packages are all written the same way (`introduced: 0`, no fix, a list of versions), and
//! `not-affected`/`DNE` packages are simply absent. (vunnel recovers `ignored` → "wont-fix"
//! from Canonical's separate VEX documents; that feed is not read here.) So:
//!
//! | OSV record                           | status                      |
//! |--------------------------------------|-----------------------------|
//! | a `fixed` event                      | `fixed` (released)          |
//! | no `fixed` event                     | `affected` (needed/pending) |
//! | package absent                       | no advisory (not affected)  |
//!
//! When a record does carry a status string (`ecosystem_specific.status` or
//! `database_specific.status`, Ubuntu's own vocabulary, as a future format or a converted
//! tracker would write it), it wins: `released` → fixed, `needed`/`pending` → affected,
//! `deferred` → `fix_deferred`, `ignored` → `will_not_fix` (`end_of_life` when the
//! `status_note`/`note` says the release reached its end of life), `not-affected`/`DNE` →
//! `not_affected`.
//!
//! # Ubuntu Pro (ESM)
//!
//! A `Ubuntu:Pro:R:LTS` entry describes packages only Pro subscribers receive (ESM-apps
//! for universe, ESM-infra after standard support ended). An image does not say whether
//! the host has Pro, so Pro entries go into the plain release namespace, and:
//!
//! - a Pro fix becomes `affected` with the range `< fix` (an image that installed the Pro
//!   fix is not reported), no public `fixed_version`, and a note "fix available with Ubuntu
//!   Pro (ESM) in VERSION". Reporting it `fixed` would tell a non-Pro user that an upgrade
//!   from the public archive exists, which it does not.
//! - when a record has both a public and a Pro entry for one (release, package), the public
//!   one wins unless only the Pro one has a fix.
//!
//! # Ids
//!
//! Each advisory is keyed by the CVE (`upstream`, or `UBUNTU-CVE-X` → `CVE-X`), so it
//! merges with the `ubuntu-oval` records and NVD enrichment; the OSV id is an alias and the
//! related USNs are `advisory_ids`. A USN record yields one advisory per CVE it fixes
//! (`database_specific.cves_map`, else `upstream`), with the USN as `advisory_ids`.
//! Withdrawn records yield nothing (OSV: a withdrawn record is no longer valid).
//!
//! # Limits
//!
//! One input is one record (or a JSON array of records) of at most [`MAX_INPUT_BYTES`];
//! `serde_json` bounds nesting at 128. Non-JSON members of an archive are skipped. A value
//! of the wrong type is an error naming the input.

use std::collections::BTreeMap;
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use serde::Deserialize;
use serde_json::Value;

use crate::releases;
use crate::util::{Capped, limit_error, pro_note, severity_of_priority, valid_deb_version};

/// The feed kind.
pub const KIND: &str = "ubuntu-osv";
/// The largest input read. A kernel CVE record (hundreds of kernel sources × releases) is a
/// few MiB.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// Parses Ubuntu's OSV records.
#[derive(Debug, Clone, Copy, Default)]
pub struct UbuntuOsvParser;

impl FeedParser for UbuntuOsvParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Ubuntu OSV records (UBUNTU-CVE-*, USN-*): source packages per release, fixed and unfixed, Ubuntu Pro fixes"
    }

    fn default_locations(&self) -> Vec<String> {
        vec!["https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip".to_owned()]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        if !std::path::Path::new(&input.file_name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            return Ok(());
        }
        let (mut capped, over) = Capped::new(body, MAX_INPUT_BYTES);
        let mut bytes = Vec::new();
        if let Err(e) = capped.read_to_end(&mut bytes) {
            if over.get() {
                return Err(limit_error(input, MAX_INPUT_BYTES, "record file"));
            }
            return Err(FeedError::io(input, e));
        }
        for record in read_records(&bytes).map_err(|e| FeedError::malformed(input, e))? {
            for a in advisories(&record) {
                emit(a);
            }
        }
        Ok(())
    }
}

/// One OSV record, the fields used.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default)]
    pub upstream: Option<Vec<String>>,
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
    #[serde(default)]
    pub related: Option<Vec<String>>,
    #[serde(default)]
    pub severity: Option<Vec<Score>>,
    #[serde(default)]
    pub affected: Option<Vec<Affected>>,
}

/// A `severity[]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct Score {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// An `affected[]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct Affected {
    pub package: Package,
    #[serde(default)]
    pub ranges: Option<Vec<Range>>,
    #[serde(default)]
    pub ecosystem_specific: Option<Value>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
}

/// A range and its events.
#[derive(Debug, Clone, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
}

/// Reads one record or a JSON array of records.
pub fn read_records(bytes: &[u8]) -> Result<Vec<Record>, String> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        _ => serde_json::from_slice::<Record>(bytes)
            .map(|r| vec![r])
            .map_err(|e| e.to_string()),
    }
}

/// What an `affected[].package.ecosystem` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UbuntuEcosystem {
    pub namespace: String,
    pub pro: bool,
}

/// Reads `Ubuntu:22.04:LTS`, `Ubuntu:25.10`, `Ubuntu:Pro:16.04:LTS`; `None` for other
/// ecosystems and for special flavours (FIPS, further suffixes).
pub fn parse_ecosystem(ecosystem: &str) -> Option<UbuntuEcosystem> {
    let mut parts = ecosystem.split(':');
    if parts.next()? != "Ubuntu" {
        return None;
    }
    let mut part = parts.next()?;
    let pro = part == "Pro";
    if pro {
        part = parts.next()?;
    }
    let version = part;
    match parts.next() {
        None | Some("LTS") => {}
        Some(_) => return None,
    }
    if parts.next().is_some() {
        return None;
    }
    // Only `YY.MM` versions: `FIPS` and the like fail here.
    if !version.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Some(UbuntuEcosystem {
        namespace: releases::namespace(version)?,
        pro,
    })
}

/// Maps one of Ubuntu's tracker statuses; `note` may say the release is end of life.
pub fn status_of_ubuntu(status: &str, note: &str) -> Option<Status> {
    Some(match status.trim().to_ascii_lowercase().as_str() {
        "released" => Status::Fixed,
        "needed" | "pending" | "needs-triage" => Status::Affected,
        "deferred" => Status::FixDeferred,
        "ignored" => {
            let note = note.to_ascii_lowercase();
            if note.contains("end of life")
                || note.contains("end-of-life")
                || note.contains("end of standard support")
            {
                Status::EndOfLife
            } else {
                Status::WillNotFix
            }
        }
        "not-affected" | "dne" => Status::NotAffected,
        _ => return None,
    })
}

fn explicit_status(a: &Affected) -> Option<Status> {
    [&a.ecosystem_specific, &a.database_specific]
        .into_iter()
        .flatten()
        .find_map(|v| {
            let s = v.get("status")?.as_str()?;
            let note = ["status_note", "note"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str))
                .unwrap_or("");
            status_of_ubuntu(s, note)
        })
}

fn ubuntu_priority(scores: &[Score]) -> Option<Severity> {
    scores
        .iter()
        .find(|s| s.kind.eq_ignore_ascii_case("Ubuntu"))
        .map(|s| severity_of_priority(&s.score))
}

/// The CVEs (with their Ubuntu priority) an affected entry of a USN record fixes.
fn cves_map(a: &Affected) -> Vec<(String, Option<Severity>)> {
    let Some(cves) = a
        .database_specific
        .as_ref()
        .and_then(|d| d.get("cves_map"))
        .and_then(|m| m.get("cves"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    cves.iter()
        .filter_map(|c| {
            let id = c.get("id")?.as_str()?.trim();
            let severity = c
                .get("severity")
                .and_then(|s| serde_json::from_value::<Vec<Score>>(s.clone()).ok())
                .and_then(|s| ubuntu_priority(&s));
            (!id.is_empty()).then(|| (id.to_owned(), severity))
        })
        .collect()
}

/// `UBUNTU-CVE-2021-3782` → `CVE-2021-3782`.
fn strip_ubuntu(id: &str) -> &str {
    id.strip_prefix("UBUNTU-").unwrap_or(id)
}

/// The fixed version of an entry: the first `fixed` event of an `ECOSYSTEM` range.
fn fixed_of(a: &Affected) -> Option<String> {
    a.ranges
        .iter()
        .flatten()
        .filter(|r| r.kind == "ECOSYSTEM")
        .flat_map(|r| &r.events)
        .find_map(|e| e.fixed.clone())
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
}

/// One entry chosen for a (namespace, package).
struct Chosen<'r> {
    entry: &'r Affected,
    pro: bool,
    fixed: Option<String>,
}

/// The advisories of one record.
pub fn advisories(record: &Record) -> Vec<Advisory> {
    if record.withdrawn.is_some() {
        return Vec::new();
    }
    let is_usn = record.id.starts_with("USN-") || record.id.starts_with("LSN-");
    let record_priority = record.severity.as_deref().and_then(ubuntu_priority);
    // The record-level vulnerability ids.
    let mut vulns: Vec<String> = Vec::new();
    for u in record.upstream.iter().flatten() {
        let id = strip_ubuntu(u.trim()).to_owned();
        if !id.is_empty() && !vulns.contains(&id) {
            vulns.push(id);
        }
    }
    if !is_usn && vulns.is_empty() {
        vulns.push(strip_ubuntu(&record.id).to_owned());
    }
    let mut advisory_ids: Vec<String> = if is_usn {
        vec![record.id.clone()]
    } else {
        record
            .related
            .iter()
            .flatten()
            .filter(|r| r.starts_with("USN-") || r.starts_with("LSN-"))
            .cloned()
            .collect()
    };
    advisory_ids.sort();
    advisory_ids.dedup();
    let mut aliases: Vec<String> = if is_usn {
        Vec::new()
    } else {
        vec![record.id.clone()]
    };
    for a in record.aliases.iter().flatten() {
        if !aliases.contains(a) {
            aliases.push(a.clone());
        }
    }

    // Choose one entry per (namespace, package): public over Pro, unless only Pro has a fix.
    let mut chosen: BTreeMap<(String, String), Chosen<'_>> = BTreeMap::new();
    for entry in record.affected.iter().flatten() {
        let Some(eco) = parse_ecosystem(&entry.package.ecosystem) else {
            continue;
        };
        let name = entry.package.name.trim();
        if name.is_empty() {
            continue;
        }
        let candidate = Chosen {
            entry,
            pro: eco.pro,
            fixed: fixed_of(entry),
        };
        let key = (eco.namespace, name.to_owned());
        match chosen.get(&key) {
            None => {
                chosen.insert(key, candidate);
            }
            Some(old) => {
                let better = match (old.pro, candidate.pro) {
                    (true, false) => candidate.fixed.is_some() || old.fixed.is_none(),
                    (false, true) => old.fixed.is_none() && candidate.fixed.is_some(),
                    _ => false,
                };
                if better {
                    chosen.insert(key, candidate);
                }
            }
        }
    }

    let mut out = Vec::new();
    for ((namespace, package), c) in chosen {
        let entry_vulns: Vec<(String, Option<Severity>)> = if is_usn {
            let map = cves_map(c.entry);
            if map.is_empty() {
                vulns.iter().map(|v| (v.clone(), None)).collect()
            } else {
                map
            }
        } else {
            vulns.iter().map(|v| (v.clone(), None)).collect()
        };
        let (status, affected, fixed_version, notes) = judge(&c);
        for (vuln, severity) in entry_vulns {
            out.push(Advisory {
                vulnerability_id: vuln,
                namespace: namespace.clone(),
                package: package.clone(),
                scheme: "deb".to_owned(),
                status,
                affected: affected.clone(),
                fixed_version: fixed_version.clone(),
                severity: severity.or(record_priority).unwrap_or_default(),
                advisory_ids: advisory_ids.clone(),
                aliases: aliases.clone(),
                notes: notes.clone(),
                source: KIND.to_owned(),
                record_id: record.id.clone(),
            });
        }
    }
    out
}

fn judge(c: &Chosen<'_>) -> (Status, AffectedRange, Option<String>, Option<String>) {
    let explicit = explicit_status(c.entry);
    match (&c.fixed, explicit) {
        (_, Some(Status::NotAffected)) => (Status::NotAffected, AffectedRange::Nothing, None, None),
        (Some(v), _) if !valid_deb_version(v) => (
            Status::Indeterminate,
            AffectedRange::All,
            None,
            Some(format!("unparseable fixed version {v:?}")),
        ),
        (Some(v), None | Some(Status::Fixed)) if c.pro => (
            Status::Affected,
            AffectedRange::LessThan(v.clone()),
            None,
            Some(pro_note(v)),
        ),
        (Some(v), None | Some(Status::Fixed)) => (
            Status::Fixed,
            AffectedRange::LessThan(v.clone()),
            Some(v.clone()),
            None,
        ),
        // A status other than released next to a fixed event: trust the fix for the range,
        // the status for what is reported.
        (Some(v), Some(s)) => (s, AffectedRange::LessThan(v.clone()), None, None),
        (None, Some(Status::Fixed) | None) => (Status::Affected, AffectedRange::All, None, None),
        (None, Some(s)) => (s, AffectedRange::All, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems() {
        let e = |s: &str| parse_ecosystem(s).map(|e| (e.namespace, e.pro));
        assert_eq!(e("Ubuntu:22.04:LTS"), Some(("ubuntu:22.04".into(), false)));
        assert_eq!(
            e("Ubuntu:Pro:16.04:LTS"),
            Some(("ubuntu:16.04".into(), true))
        );
        assert_eq!(e("Ubuntu:25.10"), Some(("ubuntu:25.10".into(), false)));
        assert_eq!(e("Ubuntu:Pro:FIPS:22.04:LTS"), None);
        assert_eq!(e("Ubuntu:Pro:FIPS-updates:20.04:LTS"), None);
        assert_eq!(e("Ubuntu:22.04:LTS:Realtime:Kernel"), None);
        assert_eq!(e("Debian:12"), None);
        assert_eq!(e("Ubuntu"), None);
        assert_eq!(e("Ubuntu:"), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(status_of_ubuntu("released", ""), Some(Status::Fixed));
        assert_eq!(status_of_ubuntu("needed", ""), Some(Status::Affected));
        assert_eq!(status_of_ubuntu("pending", ""), Some(Status::Affected));
        assert_eq!(status_of_ubuntu("deferred", ""), Some(Status::FixDeferred));
        assert_eq!(
            status_of_ubuntu("ignored", "code not present"),
            Some(Status::WillNotFix)
        );
        assert_eq!(
            status_of_ubuntu("ignored", "end of standard support"),
            Some(Status::EndOfLife)
        );
        assert_eq!(
            status_of_ubuntu("Ignored", "reached end-of-life"),
            Some(Status::EndOfLife)
        );
        assert_eq!(
            status_of_ubuntu("not-affected", ""),
            Some(Status::NotAffected)
        );
        assert_eq!(status_of_ubuntu("DNE", ""), Some(Status::NotAffected));
        assert_eq!(status_of_ubuntu("whatever", ""), None);
    }
}
