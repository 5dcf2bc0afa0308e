//! The Debian security tracker JSON export (`https://security-tracker.debian.org/tracker/data/json`).
//!
//! Shape: `{PACKAGE: {ID: {description, scope, debianbug, releases: {CODENAME: {status,
//! fixed_version, urgency, nodsa, nodsa_reason, repositories}}}}}` where ID is a CVE id or a
//! `TEMP-…` id. The export is about 100 MB, so it is read with serde visitors one package
//! at a time and never built into a whole `serde_json::Value`; the descriptions are skipped.
//! A byte-level guard refuses any single string over [`DEFAULT_MAX_STRING`] before serde
//! buffers it.
//!
//! Mapping per (package, id, release):
//! - `resolved` with `fixed_version` `0`: never affected → `NotAffected` / `Nothing`;
//! - `resolved` with a version: `Fixed` / `LessThan(version)`;
//! - `open`: `Affected` / `All`, or `WillNotFix` for `nodsa_reason` `ignored`, `FixDeferred`
//!   for `postponed`, `EndOfLife` when the urgency is `end-of-life`;
//! - `undetermined`: `Indeterminate` / `All`.
//!
//! Urgency (trailing `*`s removed): `unimportant` → negligible; `low`, `medium`, `high`;
//! anything else (`not yet assigned`, `end-of-life`) → unknown.

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::releases;
use crate::util::{LimitedReader, limit_error, normalize_version, valid_deb_version};

/// The feed kind.
pub const KIND: &str = "debian-tracker";
/// The default limit on the whole document (the real export is about 100 MB).
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The default limit on any single JSON string (key or value).
pub const DEFAULT_MAX_STRING: usize = 1024 * 1024;

/// Parses the security tracker JSON export (`debian-tracker`).
#[derive(Debug, Clone)]
pub struct DebianTrackerParser {
    max_bytes: u64,
    max_string: usize,
}

impl Default for DebianTrackerParser {
    fn default() -> Self {
        DebianTrackerParser {
            max_bytes: DEFAULT_MAX_BYTES,
            max_string: DEFAULT_MAX_STRING,
        }
    }
}

impl DebianTrackerParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parser with another limit on the whole document.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The same parser with another limit on single strings.
    #[must_use]
    pub fn with_max_string(mut self, max_string: usize) -> Self {
        self.max_string = max_string;
        self
    }
}

impl FeedParser for DebianTrackerParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Debian security tracker JSON export (every CVE/TEMP id per source package and release)"
    }

    fn default_locations(&self) -> Vec<String> {
        vec!["https://security-tracker.debian.org/tracker/data/json".to_owned()]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let (limited, total_tripped) = LimitedReader::new(body, self.max_bytes);
        let guard = StringGuard::new(limited, self.max_string);
        let string_tripped = Rc::clone(&guard.tripped);
        let mut de =
            serde_json::Deserializer::from_reader(BufReader::with_capacity(256 * 1024, guard));
        let result = Top { emit }.deserialize(&mut de).and_then(|()| de.end());
        match result {
            Ok(()) => Ok(()),
            Err(_) if total_tripped.get() => {
                Err(limit_error(input, self.max_bytes, "document size"))
            }
            Err(e) if string_tripped.get() => Err(limit_error(
                input,
                self.max_string as u64,
                format!("a single JSON string is longer (near line {})", e.line()),
            )),
            Err(e) => Err(FeedError::malformed(input, e.to_string())),
        }
    }
}

/// Follows the JSON byte stream just enough to know the length of the string being read,
/// and fails the read once a string exceeds the limit, before `serde_json` buffers it whole.
struct StringGuard<R> {
    inner: R,
    max: usize,
    in_string: bool,
    escaped: bool,
    len: usize,
    tripped: Rc<Cell<bool>>,
}

impl<R> StringGuard<R> {
    fn new(inner: R, max: usize) -> Self {
        StringGuard {
            inner,
            max,
            in_string: false,
            escaped: false,
            len: 0,
            tripped: Rc::new(Cell::new(false)),
        }
    }
}

impl<R: Read> Read for StringGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut i = 0;
        while i < n {
            if self.in_string {
                // Skip quickly to the next quote or backslash.
                match memchr::memchr2(b'"', b'\\', &buf[i..n]) {
                    None => {
                        self.len += n - i;
                        self.escaped = false;
                        i = n;
                    }
                    Some(off) => {
                        let b = buf[i + off];
                        if self.escaped {
                            // The first byte after a backslash is escaped, whatever it is.
                            if off == 0 {
                                self.escaped = false;
                                self.len += 1;
                                i += 1;
                                continue;
                            }
                            self.escaped = false;
                        }
                        self.len += off;
                        i += off + 1;
                        if b == b'\\' {
                            self.escaped = true;
                            self.len += 1;
                        } else {
                            self.in_string = false;
                        }
                    }
                }
                if self.len > self.max {
                    self.tripped.set(true);
                    return Err(io::Error::other(format!(
                        "a JSON string is over {} bytes",
                        self.max
                    )));
                }
            } else {
                match memchr::memchr(b'"', &buf[i..n]) {
                    None => i = n,
                    Some(off) => {
                        i += off + 1;
                        self.in_string = true;
                        self.escaped = false;
                        self.len = 0;
                    }
                }
            }
        }
        Ok(n)
    }
}

struct Top<'e> {
    emit: &'e mut dyn FnMut(Advisory),
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping source package names to their issues")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(package) = map.next_key::<String>()? {
            map.next_value_seed(Package {
                name: &package,
                emit: &mut *self.emit,
            })?;
        }
        Ok(())
    }
}

struct Package<'a> {
    name: &'a str,
    emit: &'a mut dyn FnMut(Advisory),
}

impl<'de> DeserializeSeed<'de> for Package<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Package<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an object mapping issue ids to issues for package {:?}",
            self.name
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(id) = map.next_key::<String>()? {
            let issue: Issue = map.next_value().map_err(|e| {
                de::Error::custom(format_args!("package {:?}, {id}: {e}", self.name))
            })?;
            emit_issue(self.name, &id, issue, self.emit);
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct Issue {
    #[serde(default)]
    releases: Releases,
    // `description`, `scope`, `debianbug` and anything else are skipped.
}

#[derive(Debug, Default)]
struct Releases(Vec<(String, ReleaseInfo)>);

impl<'de> Deserialize<'de> for Releases {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Releases;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object mapping release code names to statuses (or an empty array)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Releases, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, ReleaseInfo>()? {
                    out.push((k, v));
                }
                Ok(Releases(out))
            }
            // The export writes `[]` for an issue without releases.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Releases, A::Error> {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom(
                        "releases is a non-empty array, expected an object",
                    ));
                }
                Ok(Releases::default())
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
struct ReleaseInfo {
    status: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    nodsa: Option<String>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

/// Maps a tracker urgency to a severity: trailing `*`s (NVD-derived marks) are ignored.
pub fn urgency_severity(urgency: &str) -> Severity {
    match urgency.trim().trim_end_matches('*').trim() {
        "unimportant" => Severity::Negligible,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        _ => Severity::Unknown,
    }
}

fn emit_issue(package: &str, id: &str, issue: Issue, emit: &mut dyn FnMut(Advisory)) {
    let id = id.trim();
    if id.is_empty() {
        return;
    }
    for (codename, info) in issue.releases.0 {
        // Unknown code names (e.g. a future release the table lacks) cannot be placed.
        let Some(namespace) = releases::namespace(&codename) else {
            continue;
        };
        emit(map_release(package, id, namespace, &info));
    }
}

fn map_release(package: &str, id: &str, namespace: String, info: &ReleaseInfo) -> Advisory {
    let urgency = info
        .urgency
        .as_deref()
        .unwrap_or("")
        .trim()
        .trim_end_matches('*')
        .trim();
    let severity = urgency_severity(urgency);
    let nodsa = info
        .nodsa
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let reason = info
        .nodsa_reason
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut notes = match (reason, nodsa) {
        (Some(r), Some(n)) => Some(format!("{r}: {n}")),
        (Some(r), None) => Some(r.to_owned()),
        (None, Some(n)) => Some(format!("no-dsa: {n}")),
        (None, None) => None,
    };
    let (status, affected, fixed_version) = match info.status.as_str() {
        "resolved" => match info.fixed_version.as_deref().map(normalize_version) {
            Some(v) if v == "0" => (Status::NotAffected, AffectedRange::Nothing, None),
            Some(v) if valid_deb_version(&v) => {
                (Status::Fixed, AffectedRange::LessThan(v.clone()), Some(v))
            }
            Some(v) => {
                notes = Some(format!("unparseable fixed version {v:?}"));
                (Status::Indeterminate, AffectedRange::All, Some(v))
            }
            None => {
                notes = Some("resolved without a fixed version".to_owned());
                (Status::Indeterminate, AffectedRange::All, None)
            }
        },
        "open" => {
            let status = if urgency == "end-of-life" {
                Status::EndOfLife
            } else {
                match reason {
                    Some("ignored") => Status::WillNotFix,
                    Some("postponed") => Status::FixDeferred,
                    _ => Status::Affected,
                }
            };
            (status, AffectedRange::All, None)
        }
        "undetermined" => (Status::Indeterminate, AffectedRange::All, None),
        other => {
            notes = Some(format!("unknown tracker status {other:?}"));
            (Status::Indeterminate, AffectedRange::All, None)
        }
    };
    Advisory {
        vulnerability_id: id.to_owned(),
        namespace,
        package: package.to_owned(),
        scheme: "deb".to_owned(),
        status,
        affected,
        fixed_version,
        severity,
        advisory_ids: Vec::new(),
        notes,
        source: KIND.to_owned(),
        record_id: id.to_owned(),
        aliases: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_counts_escapes() {
        let data = br#"{"a":"\"\\\"xyz"}"#;
        let mut g = StringGuard::new(&data[..], 100);
        let mut out = Vec::new();
        g.read_to_end(&mut out).unwrap();
        assert!(!g.in_string);
        let mut g = StringGuard::new(&data[..], 3);
        assert!(g.read_to_end(&mut Vec::new()).is_err());
    }

    #[test]
    fn guard_one_byte_reads() {
        // Escapes split across reads.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let data = br#"{"k\"ey":"v\\","x":"yy"}"#;
        let mut g = StringGuard::new(OneByte(data), 100);
        g.read_to_end(&mut Vec::new()).unwrap();
        assert!(!g.in_string);
    }
}
