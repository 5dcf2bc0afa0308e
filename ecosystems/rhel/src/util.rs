//! What the Red Hat family feeds share: input limits, severities, the advisory key of module
//! packages, the machine-readable notes, z-stream tags, and the merge of several fixes of one
//! vulnerability into one advisory.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::rc::Rc;

use customs_feed::{FeedError, FeedInput};
use customs_model::{Advisory, AffectedRange, OsvEvent, Severity, Status};
use customs_rpm::RpmVersion;

/// A reader that fails once more than `limit` bytes have been read through it, and records
/// that it did so, so the caller can report a [`FeedError::Limit`] rather than an I/O error.
pub(crate) struct LimitedReader<'a> {
    inner: &'a mut dyn Read,
    remaining: u64,
    tripped: Rc<Cell<bool>>,
}

impl<'a> LimitedReader<'a> {
    pub(crate) fn new(inner: &'a mut dyn Read, limit: u64) -> (Self, Rc<Cell<bool>>) {
        let tripped = Rc::new(Cell::new(false));
        (
            LimitedReader {
                inner,
                remaining: limit,
                tripped: Rc::clone(&tripped),
            },
            tripped,
        )
    }
}

impl Read for LimitedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // Exactly `limit` bytes is fine: probe for one more.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.tripped.set(true);
            return Err(io::Error::other("input size limit exceeded"));
        }
        let max = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..max])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

pub(crate) fn limit_error(input: &FeedInput, limit: u64, what: impl Into<String>) -> FeedError {
    FeedError::Limit {
        kind: input.kind.clone(),
        location: input.location.clone(),
        limit,
        what: what.into(),
    }
}

/// Red Hat's impact ratings (also used by Rocky and `AlmaLinux`).
pub fn severity_of(impact: &str) -> Severity {
    match impact.trim().to_ascii_lowercase().as_str() {
        "low" => Severity::Low,
        "moderate" | "medium" => Severity::Medium,
        "important" | "high" => Severity::High,
        "critical" => Severity::Critical,
        "none" | "negligible" => Severity::Negligible,
        _ => Severity::Unknown,
    }
}

/// The store key of a package: its name, or `MODULE:STREAM/NAME` for a package of a module
/// stream. rpm names never contain `/`, so the two forms cannot collide, and a package that
/// is not in a module can never look up a module's advisories (nor the reverse).
pub fn package_key(name: &str, module: Option<&str>) -> String {
    match module {
        Some(m) => format!("{m}/{name}"),
        None => name.to_owned(),
    }
}

/// Splits a store key back into (module stream, name).
pub fn split_package_key(key: &str) -> (Option<&str>, &str) {
    match key.split_once('/') {
        Some((m, n)) => (Some(m), n),
        None => (None, key),
    }
}

/// A module stream `NAME:STREAM` from a modularity label `NAME:STREAM[:VERSION[:CONTEXT]]`;
/// `None` unless both name and stream are there and plausible.
pub fn module_stream(label: &str) -> Option<String> {
    let mut parts = label.trim().split(':');
    let name = parts.next()?;
    let stream = parts.next()?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._+-~".contains(&b))
    };
    (ok(name) && ok(stream)).then(|| format!("{name}:{stream}"))
}

/// The RHEL minor release a build belongs to, from the `elN_M` (z-stream) or
/// `module+elN.M.0` tag of its release: `7.76.1-23.el9_2.4` → `(9, 2)`,
/// `1.module+el8.8.0+19757+8ca87034` → `(8, 8)`, `46.el9_1.3.rocky.0.2` → `(9, 1)`.
/// Main-line builds (`3.el9`) have none.
pub fn zstream(evr: &str) -> Option<(u32, u32)> {
    let release = evr.rsplit_once('-').map_or(evr, |(_, r)| r);
    let bytes = release.as_bytes();
    let mut i = 0;
    while let Some(pos) = release[i..].find("el") {
        let at = i + pos;
        i = at + 2;
        // `.el9_2`, `module+el8.8.0` (Red Hat), `module_el8.3.0` (AlmaLinux).
        if at > 0 && !matches!(bytes[at - 1], b'.' | b'+' | b'_') {
            continue;
        }
        let rest = &release[at + 2..];
        let major_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if major_len == 0 || major_len > 4 {
            continue;
        }
        let sep = rest.as_bytes().get(major_len);
        if !matches!(sep, Some(b'_' | b'.')) {
            continue;
        }
        let minor = &rest[major_len + 1..];
        let minor_len = minor.bytes().take_while(u8::is_ascii_digit).count();
        if minor_len == 0 || minor_len > 4 {
            continue;
        }
        let major = rest[..major_len].parse().ok()?;
        let minor = minor[..minor_len].parse().ok()?;
        return Some((major, minor));
    }
    None
}

/// Orders two EVRs as rpm does (an absent epoch is 0).
pub fn rpm_cmp(a: &str, b: &str) -> Ordering {
    match (RpmVersion::parse(a), RpmVersion::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// The fixed versions an advisory lists: one for `LessThan`, every `fixed` event of the
/// multi-stream form (see [`Merger`]).
pub fn fixes_of(range: &AffectedRange) -> Vec<&str> {
    match range {
        AffectedRange::LessThan(f) => vec![f.as_str()],
        AffectedRange::Osv(events) => events
            .iter()
            .filter_map(|e| match e {
                OsvEvent::Fixed(f) => Some(f.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The fix that applies to an installed version, among the fixes the vendor released for
/// the (several) minor-release streams of one major release: the newest fix of the
/// installed version's own z-stream when there is one, the newest fix overall otherwise.
pub fn applicable_fix<'a>(installed: &str, fixes: &[&'a str]) -> Option<&'a str> {
    let newest = |it: &mut dyn Iterator<Item = &'a str>| it.max_by(|a, b| rpm_cmp(a, b));
    if let Some(stream) = zstream(installed) {
        let mut same = fixes.iter().copied().filter(|f| zstream(f) == Some(stream));
        if let Some(f) = newest(&mut same) {
            return Some(f);
        }
    }
    newest(&mut fixes.iter().copied())
}

/// Machine-readable notes: `key: value` lines. The matcher reads `arch`; the others are for
/// people (`cpe`, `signed-by`, `module`, `remediation`).
pub fn note_value<'a>(notes: Option<&'a str>, key: &str) -> Option<&'a str> {
    notes?.lines().find_map(|l| {
        let (k, v) = l.split_once(": ")?;
        (k == key).then_some(v)
    })
}

/// One statement a feed makes about a package, before merging.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub vulnerability_id: String,
    pub namespace: String,
    /// The store key ([`package_key`]).
    pub package: String,
    pub status: Status,
    /// For [`Status::Fixed`]: the fixed EVR.
    pub fixed: Option<String>,
    /// The architectures the statement is limited to; `None` = all.
    pub arches: Option<BTreeSet<String>>,
    pub severity: Severity,
    pub advisory_ids: Vec<String>,
    pub record_id: String,
    pub cpes: BTreeSet<String>,
    pub signed_by: Option<String>,
    pub remediation: Option<String>,
}

/// The architectures of merged statements.
#[derive(Debug, Default)]
enum Arches {
    /// No statement yet.
    #[default]
    Unset,
    /// Some statement had no restriction.
    All,
    Only(BTreeSet<String>),
}

#[derive(Debug, Default)]
struct Merged {
    statuses: BTreeSet<Status>,
    fixes: Vec<String>,
    arches: Arches,
    severity: Severity,
    advisory_ids: BTreeSet<String>,
    record_ids: BTreeSet<String>,
    cpes: BTreeSet<String>,
    signed_by: BTreeSet<String>,
    remediations: BTreeSet<String>,
}

/// Merges the statements of one vulnerability about one package in one namespace into one
/// advisory.
///
/// A RHEL major release has several minor-release streams, and one CVE is often fixed once
/// per stream: curl for CVE-2023-38545 in `7.76.1-23.el9_2.4` (RHEL 9.2) and in
/// `7.76.1-26.el9_3.2` (RHEL 9.3), both published for `cpe:/o:redhat:enterprise_linux:9`.
/// Reading those as two independent "less than" records would report a patched 9.2 system
/// (`23.el9_2.4` < `26.el9_3.2`). So the fixes are kept together:
///
/// - one fix: `affected = LessThan(fix)`;
/// - several: `affected = Osv([introduced 0, fixed f1, introduced f1, fixed f2, ...])`, sorted
///   by rpm order. Read generically this is "below the newest fix" (conservative); the
///   [`crate::RhelMatcher`] instead compares with [`applicable_fix`]: the fix of the
///   installed build's own z-stream when the vendor released one.
///
/// `fixed_version` is the newest fix. Status: a fix wins over unfixed statuses (some product
/// of the release ships it); among unfixed ones `affected` > `fix_deferred` > `will_not_fix`;
/// `not_affected` only when nothing else was said.
#[derive(Debug, Default)]
pub(crate) struct Merger {
    map: BTreeMap<(String, String, String), Merged>,
}

impl Merger {
    pub(crate) fn add(&mut self, s: Statement) {
        let m = self
            .map
            .entry((s.vulnerability_id, s.namespace, s.package))
            .or_default();
        m.statuses.insert(s.status);
        if let Some(f) = s.fixed
            && !m.fixes.iter().any(|x| rpm_cmp(x, &f) == Ordering::Equal)
        {
            m.fixes.push(f);
        }
        m.arches = match (std::mem::take(&mut m.arches), s.arches) {
            (Arches::Unset, Some(a)) => Arches::Only(a),
            (Arches::Only(mut a), Some(b)) => {
                a.extend(b);
                Arches::Only(a)
            }
            _ => Arches::All,
        };
        m.severity = m.severity.max(s.severity);
        m.advisory_ids.extend(s.advisory_ids);
        m.record_ids.insert(s.record_id);
        m.cpes.extend(s.cpes);
        m.signed_by.extend(s.signed_by);
        m.remediations.extend(s.remediation);
    }

    pub(crate) fn emit(self, source: &str, emit: &mut dyn FnMut(Advisory)) {
        for ((vulnerability_id, namespace, package), mut m) in self.map {
            m.fixes.sort_by(|a, b| rpm_cmp(a, b));
            let status = if !m.fixes.is_empty() {
                Status::Fixed
            } else if m.statuses.contains(&Status::Affected) {
                Status::Affected
            } else if m.statuses.contains(&Status::FixDeferred) {
                Status::FixDeferred
            } else if m.statuses.contains(&Status::WillNotFix) {
                Status::WillNotFix
            } else if m.statuses.contains(&Status::NotAffected) {
                Status::NotAffected
            } else {
                Status::Indeterminate
            };
            let (affected, fixed_version) = match status {
                Status::Fixed if m.fixes.len() == 1 => (
                    AffectedRange::LessThan(m.fixes[0].clone()),
                    Some(m.fixes[0].clone()),
                ),
                Status::Fixed => {
                    let mut events = vec![OsvEvent::Introduced("0".to_owned())];
                    for (i, f) in m.fixes.iter().enumerate() {
                        if i > 0 {
                            events.push(OsvEvent::Introduced(m.fixes[i - 1].clone()));
                        }
                        events.push(OsvEvent::Fixed(f.clone()));
                    }
                    (AffectedRange::Osv(events), m.fixes.last().cloned())
                }
                Status::NotAffected => (AffectedRange::Nothing, None),
                _ => (AffectedRange::All, None),
            };
            let mut notes = Vec::new();
            if let (Some(module), _) = split_package_key(&package) {
                notes.push(format!("module: {module}"));
            }
            if let Arches::Only(arches) = &m.arches
                && !arches.is_empty()
            {
                notes.push(format!(
                    "arch: {}",
                    arches.iter().cloned().collect::<Vec<_>>().join("|")
                ));
            }
            if !m.remediations.is_empty() && status != Status::Fixed {
                notes.push(format!(
                    "remediation: {}",
                    m.remediations
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            if !m.signed_by.is_empty() {
                notes.push(format!(
                    "signed-by: {}",
                    m.signed_by.iter().cloned().collect::<Vec<_>>().join(" ")
                ));
            }
            if !m.cpes.is_empty() {
                notes.push(format!(
                    "cpe: {}",
                    m.cpes.iter().cloned().collect::<Vec<_>>().join(" ")
                ));
            }
            emit(Advisory {
                vulnerability_id,
                namespace,
                package,
                scheme: "rpm".to_owned(),
                status,
                affected,
                fixed_version,
                severity: m.severity,
                advisory_ids: m.advisory_ids.into_iter().collect(),
                aliases: Vec::new(),
                notes: (!notes.is_empty()).then(|| notes.join("\n")),
                source: source.to_owned(),
                record_id: m.record_ids.into_iter().collect::<Vec<_>>().join(" "),
            });
        }
    }
}

/// Every `CVE-YYYY-N…` id in a text, in order of appearance, without duplicates.
pub(crate) fn cves_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("CVE-") {
        let start = i + pos;
        let mut j = start + 4;
        let year = bytes[j..].iter().take_while(|b| b.is_ascii_digit()).count();
        i = start + 4;
        if year != 4 || bytes.get(j + 4) != Some(&b'-') {
            continue;
        }
        j += 5;
        let num = bytes[j..].iter().take_while(|b| b.is_ascii_digit()).count();
        if !(4..=9).contains(&num) {
            continue;
        }
        let id = &text[start..j + num];
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
        i = j + num;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstreams() {
        assert_eq!(zstream("0:7.76.1-23.el9_2.4"), Some((9, 2)));
        assert_eq!(zstream("7.76.1-26.el9_3.2"), Some((9, 3)));
        assert_eq!(zstream("0:4.6.5-3.el9"), None);
        assert_eq!(
            zstream("1:18.17.1-1.module+el8.8.0+19757+8ca87034"),
            Some((8, 8))
        );
        assert_eq!(zstream("1:2.06-46.el9_1.3.rocky.0.2"), Some((9, 1)));
        assert_eq!(zstream("1.0-1.shell9_2"), None);
        assert_eq!(
            zstream("1.0.5-18.module_el8.3.0+2028+5e3224e9"),
            Some((8, 3))
        );
        assert_eq!(zstream("garbage"), None);
    }

    #[test]
    fn applicable_fixes() {
        let fixes = ["0:7.76.1-23.el9_2.4", "0:7.76.1-26.el9_3.2"];
        assert_eq!(
            applicable_fix("7.76.1-23.el9_2.3", &fixes),
            Some("0:7.76.1-23.el9_2.4")
        );
        assert_eq!(
            applicable_fix("7.76.1-26.el9_3.1", &fixes),
            Some("0:7.76.1-26.el9_3.2")
        );
        assert_eq!(
            applicable_fix("7.76.1-21.el9", &fixes),
            Some("0:7.76.1-26.el9_3.2")
        );
        assert_eq!(
            applicable_fix("7.76.1-14.el9_0.1", &fixes),
            Some("0:7.76.1-26.el9_3.2")
        );
        assert_eq!(applicable_fix("1", &[]), None);
    }

    #[test]
    fn keys_modules_and_cves() {
        assert_eq!(package_key("nodejs", Some("nodejs:18")), "nodejs:18/nodejs");
        assert_eq!(
            split_package_key("nodejs:18/nodejs"),
            (Some("nodejs:18"), "nodejs")
        );
        assert_eq!(split_package_key("curl"), (None, "curl"));
        assert_eq!(
            module_stream("nodejs:18:9020020230823155029:rhel9").as_deref(),
            Some("nodejs:18")
        );
        assert_eq!(module_stream("rhel10"), None);
        assert_eq!(module_stream("a b:c"), None);
        assert_eq!(
            cves_in("fix (CVE-2022-1271) and CVE-2022-1271, CVE-2023-38545; CVE-12-1 CVE-2021-"),
            ["CVE-2022-1271", "CVE-2023-38545"]
        );
        assert_eq!(
            note_value(Some("module: a:b\narch: x86_64|aarch64"), "arch"),
            Some("x86_64|aarch64")
        );
    }
}
