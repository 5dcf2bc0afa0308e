//! Java archives (`.jar`, `.war`, `.ear`, Jenkins `.jpi`/`.hpi`) and the Maven packages they
//! carry, nested archives included.
//!
//! # What is read
//! A Java archive is a zip file. Three things in it identify packages, tried in this order:
//!
//! 1. **`META-INF/maven/GROUP/ARTIFACT/pom.properties`** — written by Maven (and the Felix
//!    bundle plugin, Gradle's maven-publish…) with the exact `groupId`, `artifactId` and
//!    `version`. A shaded or fat jar carries one per bundled artifact: each is reported, with
//!    `found_in` = `ARCHIVE!META-INF/maven/GROUP/ARTIFACT/pom.properties`. Values in the file
//!    win; the `GROUP`/`ARTIFACT` directory names fill in a missing key.
//! 2. **`META-INF/MANIFEST.MF`** (see [`crate::manifest`]) — used for the archive itself when
//!    no `pom.properties` names it: either there is none, or none of them has the
//!    artifact id of the file name (a shaded `cassandra-driver-core-3.11.0-shaded.jar` bundles
//!    `jctools-core`'s `pom.properties` but not its own) — and in that second case only when
//!    the file name carries a version, so that `app.jar` holding `com.x:app`'s
//!    `pom.properties` under another artifact id is not reported twice.
//! 3. **The file name** (see [`crate::filename`]), `commons-io-2.11.0.jar`.
//!
//! "Names the archive" means: the same artifact id as the file name, or the file name's
//! artifact id is a prefix of it and the versions agree (`multiple-matching-2.11.5.jar`
//! holding `multiple-matching-1`, `-2`, `-3` at 2.11.5).
//!
//! Steps 2 and 3 combine into one package, chosen field by field (Jenkins plugins, `.hpi`/
//! `.jpi`, write `Group-Id`, `Short-Name` and `Plugin-Version` in their manifest; they are
//! used as exact values):
//! - *version*: `Implementation-Version` or `Plugin-Version`, then the file name's version,
//!   then `Bundle-Version`, then `Specification-Version`. Only the first whitespace-separated
//!   word is kept (`5.6.0 (b0)` → `5.6.0`, `1.3 2244 October 5 2005` → `1.3`). The file name
//!   comes before `Bundle-Version` because `OSGi` rewrites versions (`27.0-jre` becomes
//!   `27.0.0.jre`) while Maven-named files keep the repository's spelling.
//! - *artifactId*: the file name's artifact part when the file name has a version (a Maven
//!   file name); otherwise `Short-Name` or `Implementation-Title` when it is a plain
//!   identifier (no blanks — titles are often prose such as `StringTemplate 4`); otherwise
//!   the file name's stem. When the groupId found below prefixes it (`GROUP.ARTIFACT`, as in
//!   `com.fasterxml.jackson.core.jackson-core-2.15.2.jar`), the prefix is dropped.
//! - *groupId* (a heuristic; `pom.properties` is the only reliable source): `Group-Id`; else
//!   from `Bundle-SymbolicName` when it can be matched against the artifact id the way the
//!   Felix bundle plugin derives it — `GROUP.ARTIFACT` for hyphenated artifact ids
//!   (`com.fasterxml.jackson.core.jackson-core`), or, for an artifact `L-REST`, `GROUP.REST`
//!   where `GROUP` ends in `.L` (`org.apache.commons.lang3` for `commons-lang3`); otherwise
//!   `Implementation-Vendor-Id`, which maven-archiver fills with the project's groupId (some
//!   projects, old Apache Commons among them, put `org.apache` there instead).
//!   `Bundle-SymbolicName` equal to a bare group (`com.google.guava` for `guava`, but also
//!   `com.beust.jcommander` for `com.beust:jcommander`) is ambiguous and not used. Without a
//!   groupId the package name is the artifact id alone and the purl has no namespace.
//!
//! # How a package was identified
//! [`customs_model::Package`] has no field for it, so `found_in` says it:
//! - `…!META-INF/maven/G/A/pom.properties`: from `pom.properties` (exact coordinates);
//! - `…!META-INF/MANIFEST.MF`: the manifest supplied the version or the groupId (heuristic);
//! - the archive path itself (`app.war!WEB-INF/lib/x.jar`, or `opt/x.jar` at top level):
//!   from the file name alone.
//!
//! # Nested archives
//! Every entry whose name ends in one of the archive extensions (`WEB-INF/lib/*.jar`,
//! `BOOT-INF/lib/*.jar`, `lib/*.jar` of an `.ear`, jars in jars) is opened the same way, and
//! its packages are found in `OUTER!ENTRY` (`app.war!WEB-INF/lib/x.jar!META-INF/…`).
//!
//! # Limits (hostile input)
//! Zip needs random access (the central directory is at the end), so each archive is held
//! in memory. Everything is bounded, see [`Limits`]; the defaults:
//! - top-level archive: 256 MiB ([`Limits::archive_size`]; the biggest common jars, such as
//!   the AWS SDK bundle, come close — larger ones get a `file-too-large`-style error);
//! - nested archive: 64 MiB each ([`Limits::nested_archive_size`]); memory at any moment is
//!   at most the top archive plus one buffer per open nesting level;
//! - nesting: 4 levels below the top archive ([`Limits::max_depth`]);
//! - entries per archive: 200 000 ([`Limits::max_entries`]), checked against the end of
//!   central directory record *before* the zip reader allocates for them;
//! - bytes inflated from one top-level archive, all levels together: 512 MiB
//!   ([`Limits::total_inflated`]) — the zip-bomb guard; reading stops there;
//! - per entry: the declared uncompressed size is checked first, but never trusted: every
//!   entry is read through `take(limit + 1)`, so a lying header costs at most the limit.
//!
//! Problems never stop the scan: each becomes a diagnostic (`malformed-archive`,
//! `malformed-manifest`, `malformed-pom-properties`, `archive-limit`) naming the entry with
//! the `!` path; what could be read is still reported. At most [`Limits::max_diagnostics`]
//! diagnostics are kept per top-level archive.

use std::io::{Cursor, Read};

use customs_model::{Package, PackageOrigin, Purl};
use zip::ZipArchive;

use crate::filename::{FileName, is_archive_name, parse_file_name};
use crate::manifest::{MANIFEST_LIMIT, Manifest, parse_manifest};
use crate::properties::{self, PROPERTIES_LIMIT, parse_properties};

const MIB: u64 = 1024 * 1024;

/// Bounds on the work done for one top-level archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest top-level archive read into memory.
    pub archive_size: u64,
    /// Largest nested archive (an entry of another archive) read into memory.
    pub nested_archive_size: u64,
    /// Largest `META-INF/MANIFEST.MF`.
    pub manifest_size: u64,
    /// Largest `pom.properties`.
    pub properties_size: u64,
    /// Bytes inflated from one top-level archive, nested levels included.
    pub total_inflated: u64,
    /// Nesting levels opened below the top-level archive.
    pub max_depth: usize,
    /// Entries in any one archive.
    pub max_entries: u64,
    /// Diagnostics kept per top-level archive (one more says how many were dropped).
    pub max_diagnostics: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            archive_size: 256 * MIB,
            nested_archive_size: 64 * MIB,
            manifest_size: MANIFEST_LIMIT,
            properties_size: PROPERTIES_LIMIT,
            total_inflated: 512 * MIB,
            max_depth: 4,
            max_entries: 200_000,
            max_diagnostics: 100,
        }
    }
}

/// A problem met while reading an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `malformed-archive`, `malformed-manifest`, `malformed-pom-properties` or
    /// `archive-limit`.
    pub code: &'static str,
    /// The `!` path of the archive or entry concerned.
    pub path: String,
    pub message: String,
}

/// What one top-level archive yielded.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub packages: Vec<Package>,
    pub problems: Vec<Problem>,
    /// Problems beyond [`Limits::max_diagnostics`], counted only.
    pub suppressed: usize,
}

/// Reads the archive `bytes`, found at `path` (relative to the image root), and every
/// archive nested in it.
pub fn scan_archive(bytes: &[u8], path: &str, limits: &Limits) -> Outcome {
    let mut walk = Walk {
        limits,
        inflated: 0,
        stopped: false,
        out: Outcome::default(),
    };
    walk.archive(bytes, path, 0);
    walk.out
}

/// The number of entries the end-of-central-directory record declares (zip64 aware), or
/// `None` when no record is found (the zip reader then reports the archive as malformed).
pub fn declared_entries(b: &[u8]) -> Option<u64> {
    let last = b.len().checked_sub(22)?;
    let first = last.saturating_sub(65_535);
    let pos = (first..=last)
        .rev()
        .find(|&i| b.get(i..i + 4) == Some(b"PK\x05\x06"))?;
    let total = u16::from_le_bytes([*b.get(pos + 10)?, *b.get(pos + 11)?]);
    if total != 0xFFFF {
        return Some(total.into());
    }
    let zip64 = || -> Option<u64> {
        let loc = b.get(pos.checked_sub(20)?..pos)?;
        if &loc[..4] != b"PK\x06\x07" {
            return None;
        }
        let off = usize::try_from(u64::from_le_bytes(loc[8..16].try_into().ok()?)).ok()?;
        let rec = b.get(off..off.checked_add(56)?)?;
        if &rec[..4] != b"PK\x06\x06" {
            return None;
        }
        Some(u64::from_le_bytes(rec[32..40].try_into().ok()?))
    };
    Some(zip64().unwrap_or(0xFFFF))
}

enum Kind {
    Manifest,
    PomProperties,
    Archive,
    Other,
}

fn classify(name: &str) -> Kind {
    if name.ends_with('/') {
        return Kind::Other;
    }
    if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
        return Kind::Manifest;
    }
    let segs: Vec<&str> = name.split('/').collect();
    if let [meta, maven, g, a, file] = segs.as_slice()
        && meta.eq_ignore_ascii_case("META-INF")
        && *maven == "maven"
        && !g.is_empty()
        && !a.is_empty()
        && *file == "pom.properties"
    {
        return Kind::PomProperties;
    }
    if is_archive_name(name) {
        return Kind::Archive;
    }
    Kind::Other
}

/// A Maven groupId or artifactId: `[A-Za-z0-9_.-]+`, at most 256 bytes.
fn valid_coordinate(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// A version: no blanks or control characters, no unresolved `${property}`.
fn valid_version(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && !s.contains("${")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn maven_package(group: Option<&str>, artifact: &str, version: &str, found_in: &str) -> Package {
    let name = match group {
        Some(g) => format!("{g}:{artifact}"),
        None => artifact.to_owned(),
    };
    let purl = Purl::new("maven", group, artifact, Some(version), &[]);
    Package::new(
        "maven",
        &name,
        version,
        purl,
        found_in,
        PackageOrigin::Installed,
    )
}

/// The groupId a `Bundle-SymbolicName` implies for `artifact`, when it is unambiguous.
fn group_from_symbolic_name(bsn: &str, artifact: &str) -> Option<String> {
    let bsn = bsn.split(';').next().unwrap_or("").trim();
    // `GROUP.ARTIFACT` is only trusted for hyphenated artifact ids: a one-word artifact id
    // is often the last segment of its group, where the plugin writes the bare group
    // (`com.google.guava`) and the two readings cannot be told apart.
    if let Some(g) = bsn
        .strip_suffix(artifact)
        .filter(|_| artifact.contains('-'))
        .and_then(|p| p.strip_suffix('.'))
        .filter(|g| valid_coordinate(g))
    {
        return Some(g.to_owned());
    }
    let (lead, rest) = artifact.split_once('-')?;
    let group = bsn.strip_suffix(rest)?.strip_suffix('.')?;
    let last = group.rsplit('.').next()?;
    (group.contains('.') && last == lead && valid_coordinate(group)).then(|| group.to_owned())
}

/// Whether a `pom.properties` (artifact `a`, version `v`) describes the archive named `f`
/// itself: same artifact id, or the file's artifact id is a prefix of `a` and the versions
/// agree (`multiple-matching-2.11.5.jar` holding `multiple-matching-1` 2.11.5).
fn names_file(f: &FileName, a: &str, v: &str) -> bool {
    let (fa, a) = (f.artifact.to_ascii_lowercase(), a.to_ascii_lowercase());
    fa == a || (f.version.as_deref() == Some(v) && a.starts_with(&fa))
}

fn first_word(s: &str) -> Option<&str> {
    s.split_whitespace().next()
}

/// The archive's own package from its manifest and file name (steps 2 and 3).
fn identify_from_manifest(
    shown: &str,
    manifest: Option<&Manifest>,
    file: &FileName,
) -> Option<Package> {
    let empty = Manifest::default();
    let m = manifest.unwrap_or(&empty);
    let mut from_manifest = false;
    let version = if let Some(v) = m
        .get("Implementation-Version")
        .or_else(|| m.get("Plugin-Version"))
        .and_then(first_word)
    {
        from_manifest = true;
        v.to_owned()
    } else if let Some(v) = &file.version {
        v.clone()
    } else {
        from_manifest = true;
        m.get("Bundle-Version")
            .or_else(|| m.get("Specification-Version"))
            .and_then(first_word)?
            .to_owned()
    };
    if !valid_version(&version) {
        return None;
    }
    let artifact = if file.version.is_some() {
        file.artifact.clone()
    } else if let Some(t) = m
        .get("Short-Name")
        .or_else(|| m.get("Implementation-Title"))
        .filter(|t| valid_coordinate(t))
    {
        from_manifest = true;
        t.to_owned()
    } else {
        file.artifact.clone()
    };
    if !valid_coordinate(&artifact) {
        return None;
    }
    let group = m
        .get("Group-Id")
        .filter(|g| valid_coordinate(g))
        .map(str::to_owned)
        .or_else(|| {
            m.get("Bundle-SymbolicName")
                .and_then(|b| group_from_symbolic_name(b, &artifact))
        })
        .or_else(|| {
            m.get("Implementation-Vendor-Id")
                .filter(|g| valid_coordinate(g))
                .map(str::to_owned)
        });
    from_manifest |= group.is_some();
    // A file named `GROUP.ARTIFACT-VERSION.jar` (Eclipse/OSGi style): drop the group.
    let artifact = match &group {
        Some(g) => artifact
            .strip_prefix(g.as_str())
            .and_then(|a| a.strip_prefix('.'))
            .filter(|a| valid_coordinate(a))
            .map_or(artifact.clone(), str::to_owned),
        None => artifact,
    };
    let found_in = if from_manifest {
        format!("{shown}!META-INF/MANIFEST.MF")
    } else {
        shown.to_owned()
    };
    Some(maven_package(
        group.as_deref(),
        &artifact,
        &version,
        &found_in,
    ))
}

struct Walk<'l> {
    limits: &'l Limits,
    inflated: u64,
    stopped: bool,
    out: Outcome,
}

impl Walk<'_> {
    fn problem(&mut self, code: &'static str, path: &str, message: String) {
        if self.out.problems.len() < self.limits.max_diagnostics {
            self.out.problems.push(Problem {
                code,
                path: path.to_owned(),
                message,
            });
        } else {
            self.out.suppressed += 1;
        }
    }

    /// Reads entry `i` through `limit`, charging the inflation budget. `None` (with a problem
    /// recorded) when it cannot be read whole.
    fn read_entry(
        &mut self,
        zip: &mut ZipArchive<Cursor<&[u8]>>,
        i: usize,
        shown: &str,
        limit: u64,
    ) -> Option<Vec<u8>> {
        let mut f = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                self.problem("malformed-archive", shown, format!("unreadable entry: {e}"));
                return None;
            }
        };
        let declared = f.size();
        if declared > limit {
            self.problem(
                "archive-limit",
                shown,
                format!("entry declares {declared} bytes, over the {limit}-byte limit; skipped"),
            );
            return None;
        }
        let left = self.limits.total_inflated.saturating_sub(self.inflated);
        let cap = limit.min(left);
        let mut buf = Vec::with_capacity(usize::try_from(declared.min(cap)).unwrap_or(0));
        let read = (&mut f).take(cap + 1).read_to_end(&mut buf);
        self.inflated = self.inflated.saturating_add(buf.len() as u64);
        if let Err(e) = read {
            self.problem("malformed-archive", shown, format!("unreadable entry: {e}"));
            return None;
        }
        if buf.len() as u64 > cap {
            if cap < limit {
                self.stopped = true;
                self.problem(
                    "archive-limit",
                    shown,
                    format!(
                        "more than {} bytes inflated from this archive (zip bomb?); stopped reading it",
                        self.limits.total_inflated
                    ),
                );
            } else {
                self.problem(
                    "archive-limit",
                    shown,
                    format!(
                        "entry inflates past the {limit}-byte limit (it declares {declared}); skipped"
                    ),
                );
            }
            return None;
        }
        Some(buf)
    }

    fn archive(&mut self, bytes: &[u8], shown: &str, depth: usize) {
        if let Some(n) = declared_entries(bytes)
            && n > self.limits.max_entries
        {
            let max = self.limits.max_entries;
            self.problem(
                "archive-limit",
                shown,
                format!("archive declares {n} entries, over the limit of {max}; not read"),
            );
            return;
        }
        let mut zip = match ZipArchive::new(Cursor::new(bytes)) {
            Ok(z) => z,
            Err(e) => {
                self.problem(
                    "malformed-archive",
                    shown,
                    format!("not a readable zip: {e}"),
                );
                return;
            }
        };
        if zip.len() as u64 > self.limits.max_entries {
            let (n, max) = (zip.len(), self.limits.max_entries);
            self.problem(
                "archive-limit",
                shown,
                format!("archive has {n} entries, over the limit of {max}; not read"),
            );
            return;
        }
        let mut manifest: Option<Manifest> = None;
        let mut poms: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for i in 0..zip.len() {
            if self.stopped {
                break;
            }
            let Some(Ok(raw)) = zip.name_for_index(i) else {
                continue;
            };
            let name = raw.trim_start_matches('/').to_owned();
            let entry_shown = format!("{shown}!{name}");
            match classify(&name) {
                Kind::Other => {}
                Kind::Manifest => {
                    if manifest.is_some() {
                        continue;
                    }
                    let limit = self.limits.manifest_size;
                    if let Some(b) = self.read_entry(&mut zip, i, &entry_shown, limit) {
                        let m = parse_manifest(&b);
                        if m.bad_lines > 0 {
                            self.problem(
                                "malformed-manifest",
                                &entry_shown,
                                format!(
                                    "{} line(s) are neither `Name: value` headers nor continuations (first: line {}); skipped",
                                    m.bad_lines,
                                    m.first_bad_line.unwrap_or(0)
                                ),
                            );
                        }
                        manifest = Some(m);
                    }
                }
                Kind::PomProperties => {
                    let limit = self.limits.properties_size;
                    if let Some(b) = self.read_entry(&mut zip, i, &entry_shown, limit) {
                        poms.push((name, parse_properties(&b)));
                    }
                }
                Kind::Archive => {
                    if depth >= self.limits.max_depth {
                        let max = self.limits.max_depth;
                        self.problem(
                            "archive-limit",
                            &entry_shown,
                            format!(
                                "archive nested {} levels deep, past the limit of {max}; not opened",
                                depth + 1
                            ),
                        );
                        continue;
                    }
                    let limit = self.limits.nested_archive_size;
                    if let Some(b) = self.read_entry(&mut zip, i, &entry_shown, limit) {
                        self.archive(&b, &entry_shown, depth + 1);
                    }
                }
            }
        }
        self.identify(shown, manifest.as_ref(), &poms);
    }

    /// Turns what one archive held into packages.
    fn identify(
        &mut self,
        shown: &str,
        manifest: Option<&Manifest>,
        poms: &[(String, Vec<(String, String)>)],
    ) {
        let base = shown.rsplit(['!', '/']).next().unwrap_or(shown);
        let file = parse_file_name(base);
        let mut named_self = false;
        let mut any = false;
        for (entry, props) in poms {
            let found_in = format!("{shown}!{entry}");
            let mut segs = entry.split('/').skip(2);
            let (dir_g, dir_a) = (segs.next(), segs.next());
            let g = properties::get(props, "groupId").or(dir_g);
            let a = properties::get(props, "artifactId").or(dir_a);
            let v = properties::get(props, "version");
            match (g, a, v) {
                (Some(g), Some(a), Some(v))
                    if valid_coordinate(g) && valid_coordinate(a) && valid_version(v) =>
                {
                    any = true;
                    named_self |= file.as_ref().is_some_and(|f| names_file(f, a, v));
                    self.out
                        .packages
                        .push(maven_package(Some(g), a, v, &found_in));
                }
                _ => self.problem(
                    "malformed-pom-properties",
                    &found_in,
                    format!(
                        "no usable groupId/artifactId/version (got {:?}/{:?}/{:?})",
                        g.unwrap_or(""),
                        a.unwrap_or(""),
                        v.unwrap_or("")
                    ),
                ),
            }
        }
        let Some(file) = file else { return };
        if named_self || (any && file.version.is_none()) {
            return;
        }
        if let Some(p) = identify_from_manifest(shown, manifest, &file) {
            self.out.packages.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_name_groups() {
        let g = |b, a| group_from_symbolic_name(b, a);
        assert_eq!(
            g("com.fasterxml.jackson.core.jackson-core", "jackson-core").as_deref(),
            Some("com.fasterxml.jackson.core")
        );
        assert_eq!(
            g("org.apache.commons.lang3", "commons-lang3").as_deref(),
            Some("org.apache.commons")
        );
        assert_eq!(
            g("ch.qos.logback.classic;singleton:=true", "logback-classic").as_deref(),
            Some("ch.qos.logback")
        );
        assert_eq!(g("com.google.guava", "guava"), None);
        assert_eq!(g("jcl.over.slf4j", "jcl-over-slf4j"), None);
        assert_eq!(g("lz4-java", "lz4-java"), None);
    }

    #[test]
    fn eocd_count_without_a_record_is_none() {
        assert_eq!(declared_entries(b"not a zip"), None);
        assert_eq!(declared_entries(b""), None);
    }
}
