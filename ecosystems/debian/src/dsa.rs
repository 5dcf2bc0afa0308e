//! The security tracker's advisory lists: `data/DSA/list`, `data/DLA/list`, `data/DTSA/list`.
//!
//! ```text
//! [08 Apr 2014] DSA-2896-1 openssl - security update
//!         {CVE-2014-0160}
//!         [wheezy] - openssl 1.0.1e-2+deb7u5
//!         [squeeze] - openssl <not-affected> (Vulnerable code not present)
//!         NOTE: ...
//! ```
//!
//! Each `[release] - package version` line becomes one advisory per listed CVE (or, for
//! an advisory listing none, one advisory named by the advisory id itself). The id list may
//! come after the release lines, so an entry is emitted when it ends. A version means
//! `Fixed` below it; `<not-affected>` → `NotAffected`, `<unfixed>` → `Affected`,
//! `<end-of-life>` → `EndOfLife`. A trailing `(high)` / `(bug #N; medium)` gives the severity.
//!
//! These lists cover old releases (wheezy and before) the OVAL files do not: this is how
//! Heartbleed (CVE-2014-0160, DSA-2896-1) is known for Debian 7.

use std::io::{BufRead, BufReader, Read};

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};

use crate::releases;
use crate::util::{LimitedReader, limit_error, normalize_version, valid_deb_version};

/// The feed kind.
pub const KIND: &str = "debian-dsa";
/// The default limit on one list (the real DSA list is under 1 MB).
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// The limit on one line.
const MAX_LINE: usize = 64 * 1024;

/// Parses DSA / DLA / DTSA list files (`debian-dsa`).
#[derive(Debug, Clone)]
pub struct DebianDsaParser {
    max_bytes: u64,
}

impl Default for DebianDsaParser {
    fn default() -> Self {
        DebianDsaParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl DebianDsaParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parser with another limit on the input size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for DebianDsaParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Debian security advisory lists (DSA, DLA, DTSA) from the security tracker"
    }

    fn default_locations(&self) -> Vec<String> {
        ["DSA", "DLA", "DTSA"]
            .iter()
            .map(|k| format!("https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/{k}/list"))
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let (limited, tripped) = LimitedReader::new(body, self.max_bytes);
        let mut reader = BufReader::with_capacity(64 * 1024, limited);
        let mut line = Vec::with_capacity(256);
        let mut entry: Option<Entry> = None;
        let mut line_no = 0usize;
        loop {
            line.clear();
            let n = read_line_limited(&mut reader, &mut line).map_err(|e| {
                if tripped.get() {
                    limit_error(input, self.max_bytes, "input size")
                } else if e.kind() == std::io::ErrorKind::InvalidData {
                    limit_error(input, MAX_LINE as u64, format!("line {}", line_no + 1))
                } else {
                    FeedError::io(input, e)
                }
            })?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let text = std::str::from_utf8(&line)
                .map_err(|_| FeedError::malformed(input, format!("line {line_no}: not UTF-8")))?;
            parse_line(text, &mut entry, emit).map_err(|m| {
                FeedError::malformed(
                    input,
                    format!("line {line_no}: {m}: {:?}", truncate(text.trim_end(), 120)),
                )
            })?;
        }
        if let Some(done) = entry {
            done.flush(emit);
        }
        Ok(())
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads one line (with its `\n`), refusing lines longer than [`MAX_LINE`] with `InvalidData`.
fn read_line_limited(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(total);
        }
        let (used, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if line.len() + used > MAX_LINE + 1 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "line too long",
            ));
        }
        line.extend_from_slice(&available[..used]);
        reader.consume(used);
        total += used;
        if done {
            return Ok(total);
        }
    }
}

/// The advisory being read.
#[derive(Debug)]
struct Entry {
    id: String,
    cves: Vec<String>,
    /// Release lines, emitted when the entry ends: the id list may follow them.
    lines: Vec<ReleaseLine>,
}

/// One parsed `[release] - package version` line.
#[derive(Debug)]
struct ReleaseLine {
    namespace: String,
    package: String,
    status: Status,
    affected: AffectedRange,
    fixed_version: Option<String>,
    severity: Severity,
    notes: Option<String>,
}

impl Entry {
    fn flush(self, emit: &mut dyn FnMut(Advisory)) {
        let ids: Vec<&str> = if self.cves.is_empty() {
            vec![self.id.as_str()]
        } else {
            self.cves.iter().map(String::as_str).collect()
        };
        for line in &self.lines {
            for id in &ids {
                emit(Advisory {
                    vulnerability_id: (*id).to_owned(),
                    namespace: line.namespace.clone(),
                    package: line.package.clone(),
                    scheme: "deb".to_owned(),
                    status: line.status,
                    affected: line.affected.clone(),
                    fixed_version: line.fixed_version.clone(),
                    severity: line.severity,
                    advisory_ids: vec![self.id.clone()],
                    notes: line.notes.clone(),
                    source: KIND.to_owned(),
                    record_id: self.id.clone(),
                    aliases: Vec::new(),
                });
            }
        }
    }
}

fn parse_line(
    line: &str,
    entry: &mut Option<Entry>,
    emit: &mut dyn FnMut(Advisory),
) -> Result<(), String> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return Ok(());
    }
    let indented = line.starts_with([' ', '\t']);
    if !indented && t.starts_with('[') {
        let next = parse_header(t)?;
        if let Some(done) = entry.replace(next) {
            done.flush(emit);
        }
        return Ok(());
    }
    if !indented {
        return Err("expected an advisory header `[date] ID package - text`".to_owned());
    }
    if t.starts_with("NOTE:") || t.starts_with("TODO:") {
        return Ok(());
    }
    let Some(e) = entry.as_mut() else {
        return Err("advisory detail before any advisory header".to_owned());
    };
    if let Some(inner) = t.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or("unterminated `{…}` id list")?;
        for id in inner.split_whitespace() {
            if !e.cves.iter().any(|c| c == id) {
                e.cves.push(id.to_owned());
            }
        }
        return Ok(());
    }
    if t.starts_with('[') {
        if let Some(line) = parse_release_line(t)? {
            e.lines.push(line);
        }
        return Ok(());
    }
    Err("unrecognised line".to_owned())
}

/// `[08 Apr 2014] DSA-2896-1 openssl - security update`, `[August 26th, 2005] DTSA-1-1 …`.
fn parse_header(t: &str) -> Result<Entry, String> {
    let close = t.find(']').ok_or("header without `]`")?;
    let rest = t[close + 1..].trim_start();
    let id = rest
        .split_whitespace()
        .next()
        .ok_or("header without an advisory id")?;
    let valid = id.split_once('-').is_some_and(|(prefix, num)| {
        !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_uppercase())
            && !num.is_empty()
            && num.bytes().all(|b| b.is_ascii_digit() || b == b'-')
            && num.as_bytes()[0].is_ascii_digit()
    });
    if !valid {
        return Err(format!("{id:?} is not an advisory id like DSA-2896-1"));
    }
    Ok(Entry {
        id: id.to_owned(),
        cves: Vec::new(),
        lines: Vec::new(),
    })
}

/// `[wheezy] - openssl 1.0.1e-2+deb7u5 (high)`, `[woody] - zlib <not-affected> (reason)`.
fn parse_release_line(t: &str) -> Result<Option<ReleaseLine>, String> {
    let close = t.find(']').ok_or("release without `]`")?;
    let release = t[1..close].trim();
    let rest = t[close + 1..].trim_start();
    let rest = rest
        .strip_prefix('-')
        .ok_or("expected `[release] - package version`")?
        .trim_start();
    let (package, rest) = rest
        .split_once(char::is_whitespace)
        .ok_or("release line without a version")?;
    let rest = rest.trim_start();
    let (version, extra) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let extra = extra.trim();
    if package.is_empty() || version.is_empty() {
        return Err("expected `[release] - package version`".to_owned());
    }
    let paren = extra
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .map(str::trim);
    if !extra.is_empty() && paren.is_none() {
        return Err("unexpected text after the version".to_owned());
    }
    let mut severity = Severity::Unknown;
    let mut reason: Vec<&str> = Vec::new();
    for part in paren
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part {
            "unimportant" => severity = Severity::Negligible,
            "low" => severity = Severity::Low,
            "medium" => severity = Severity::Medium,
            "high" => severity = Severity::High,
            other => reason.push(other),
        }
    }
    let reason = (!reason.is_empty()).then(|| reason.join("; "));
    let Some(namespace) = releases::namespace(release) else {
        // A release the table does not know cannot be placed in the store.
        return Ok(None);
    };
    let (status, affected, fixed_version, notes) = classify(version, reason)?;
    Ok(Some(ReleaseLine {
        namespace,
        package: package.to_owned(),
        status,
        affected,
        fixed_version,
        severity,
        notes,
    }))
}

/// What a release line's version field says: a fixed version or a `<tag>`.
type Classified = (Status, AffectedRange, Option<String>, Option<String>);

fn classify(version: &str, reason: Option<String>) -> Result<Classified, String> {
    if let Some(tag) = version.strip_prefix('<') {
        let tag = tag.strip_suffix('>').ok_or("unterminated `<…>` tag")?;
        let (status, label) = match tag {
            "not-affected" => (Status::NotAffected, tag.to_owned()),
            "unfixed" | "no-dsa" => (Status::Affected, tag.to_owned()),
            "end-of-life" => (Status::EndOfLife, tag.to_owned()),
            "ignored" => (Status::WillNotFix, tag.to_owned()),
            "postponed" => (Status::FixDeferred, tag.to_owned()),
            other => (Status::Indeterminate, format!("unknown tag <{other}>")),
        };
        let affected = if status == Status::NotAffected {
            AffectedRange::Nothing
        } else {
            AffectedRange::All
        };
        let note = reason.map_or_else(|| label.clone(), |r| format!("{label}: {r}"));
        return Ok((status, affected, None, Some(note)));
    }
    let v = normalize_version(version);
    if valid_deb_version(&v) {
        Ok((
            Status::Fixed,
            AffectedRange::LessThan(v.clone()),
            Some(v),
            reason,
        ))
    } else {
        let note = format!("unparseable fixed version {v:?}");
        Ok((
            Status::Indeterminate,
            AffectedRange::All,
            Some(v),
            Some(note),
        ))
    }
}
