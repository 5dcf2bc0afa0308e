//! The Debian OVAL feed (`https://www.debian.org/security/oval/oval-definitions-*.xml.bz2`).
//!
//! Layout of a Debian OVAL file: `<definitions>` first, then `<tests>`, `<objects>` and
//! `<states>`. A definition names its release in `<platform>Debian GNU/Linux 10</platform>`
//! and its package through a criterion whose `test_ref` points at a `dpkginfo_test`; that test
//! points at a `dpkginfo_object` (the source package name) and a `dpkginfo_state` (an `evr`
//! "less than" a version). Unfixed issues have the state `less than 0:0` (the criterion
//! comment reads "PKG DPKG is earlier than 0"); they become [`Status::Affected`] for every
//! version. Not-affected packages are absent from the file.
//!
//! Because the references are resolved at the end, the parser keeps a compact summary of
//! each definition (ids, package references; never the descriptions) while it streams the
//! document with quick-xml, then emits one advisory per (vulnerability, package, release).
//!
//! Security: DTDs declaring entities are refused and only the five predefined entities and
//! character references are resolved, so entity-expansion attacks fail at once.

use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use customs_oval::{Definition, Document};

use crate::releases;
use crate::util::{normalize_version, valid_deb_version};

/// The feed kind.
pub const KIND: &str = "debian-oval";
/// The default limit on the decompressed document (real files are about 52 MB).
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// The releases whose OVAL files are fetched by default.
pub const DEFAULT_RELEASES: [&str; 4] = ["buster", "bullseye", "bookworm", "trixie"];

/// Parses Debian OVAL definitions (`debian-oval`).
#[derive(Debug, Clone)]
pub struct DebianOvalParser {
    max_bytes: u64,
}

impl Default for DebianOvalParser {
    fn default() -> Self {
        DebianOvalParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl DebianOvalParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parser with another limit on the decompressed document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for DebianOvalParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Debian OVAL definitions per release (fixed and unfixed source packages)"
    }

    fn default_locations(&self) -> Vec<String> {
        DEFAULT_RELEASES
            .iter()
            .map(|r| format!("https://www.debian.org/security/oval/oval-definitions-{r}.xml.bz2"))
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let doc = customs_oval::read(input, body, self.max_bytes)?;
        emit_document(&doc, input, emit)
    }
}

/// A package a definition tests, with the state's "less than" version.
struct PackageTest {
    name: String,
    /// The version as written (`0:1.2-3`), `None` when the operation is not supported.
    evr: String,
    operation: String,
}

/// Parses a criterion comment `PKG DPKG is earlier than VERSION`.
fn parse_comment(comment: &str) -> Option<(String, String)> {
    let (name, version) = comment.split_once(" DPKG is earlier than ")?;
    let (name, version) = (name.trim(), version.trim());
    if name.is_empty() || version.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name.to_owned(), version.to_owned()))
}

/// Reads a release from a file name such as `oval-definitions-buster.xml`.
fn release_from_file_name(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.split('.').next().unwrap_or(base);
    let codename = stem.strip_prefix("oval-definitions-").unwrap_or(stem);
    releases::namespace(codename)
}

/// Reads a release from `Debian GNU/Linux 10`.
fn release_from_platform(platform: &str) -> Option<String> {
    let rest = platform.trim().strip_prefix("Debian GNU/Linux")?.trim();
    let rest = rest.strip_prefix("unstable").map_or(rest, |_| "sid");
    releases::namespace(rest)
}

/// One advisory per (vulnerability, package, release) of every vulnerability or patch
/// definition.
fn emit_document(
    doc: &Document,
    input: &FeedInput,
    emit: &mut dyn FnMut(Advisory),
) -> Result<(), FeedError> {
    let file_release = release_from_file_name(&input.file_name);
    for def in &doc.definitions {
        if !matches!(def.class.as_str(), "vulnerability" | "patch") {
            continue;
        }
        let mut namespaces: Vec<String> = Vec::new();
        for p in &def.platforms {
            if let Some(ns) = release_from_platform(p)
                && !namespaces.contains(&ns)
            {
                namespaces.push(ns);
            }
        }
        if namespaces.is_empty() {
            match &file_release {
                Some(ns) => namespaces.push(ns.clone()),
                None => {
                    return Err(FeedError::malformed(
                        input,
                        format!(
                            "definition {}: no Debian <platform> and the file name {:?} names no release",
                            def.id, input.file_name
                        ),
                    ));
                }
            }
        }
        let packages = packages_of(doc, input, def)?;
        if packages.is_empty() {
            continue;
        }
        let title_id = def.title.split_whitespace().next().unwrap_or_default();
        let advisory_ids: Vec<String> = if ["DSA-", "DLA-", "DTSA-"]
            .iter()
            .any(|p| title_id.starts_with(p))
        {
            vec![title_id.to_owned()]
        } else {
            Vec::new()
        };
        let cves = def.refs("CVE");
        let vulns: Vec<&str> = if cves.is_empty() {
            if title_id.is_empty() {
                return Err(FeedError::malformed(
                    input,
                    format!("definition {}: neither a CVE reference nor a title", def.id),
                ));
            }
            vec![title_id]
        } else {
            cves.iter().map(String::as_str).collect()
        };
        for ns in &namespaces {
            for pkg in &packages {
                for vuln in &vulns {
                    emit(advisory(def, ns, pkg, vuln, &advisory_ids));
                }
            }
        }
    }
    Ok(())
}

/// The packages a definition tests: through its `dpkginfo_test`s, or, for a criterion whose
/// test is missing, its comment (`PKG DPKG is earlier than VERSION`).
fn packages_of(
    doc: &Document,
    input: &FeedInput,
    def: &Definition,
) -> Result<Vec<PackageTest>, FeedError> {
    let mut out: Vec<PackageTest> = Vec::new();
    for c in &def.criteria {
        let (test_ref, comment) = (&c.test_ref, &c.comment);
        let found = match doc.tests.get(test_ref) {
            Some(t) if t.kind != "dpkginfo_test" => None,
            Some(t) => {
                let object = t.object.as_ref().and_then(|o| doc.objects.get(o));
                let state = t.state.as_ref().and_then(|s| doc.states.get(s));
                match (object, state.and_then(|s| s.evr.as_ref())) {
                    (Some(name), Some((evr, operation))) => Some(PackageTest {
                        name: name.clone(),
                        evr: evr.clone(),
                        operation: operation.clone(),
                    }),
                    _ => {
                        return Err(FeedError::malformed(
                            input,
                            format!(
                                "definition {}: dpkginfo test {test_ref} lacks a resolvable object name or state evr",
                                def.id
                            ),
                        ));
                    }
                }
            }
            None => match parse_comment(comment) {
                Some((name, evr)) => Some(PackageTest {
                    name,
                    evr,
                    operation: "less than".to_owned(),
                }),
                None => {
                    return Err(FeedError::malformed(
                        input,
                        format!(
                            "definition {}: criterion refers to unknown test {test_ref}",
                            def.id
                        ),
                    ));
                }
            },
        };
        if let Some(p) = found
            && !out.iter().any(|o| o.name == p.name && o.evr == p.evr)
        {
            out.push(p);
        }
    }
    Ok(out)
}

fn advisory(
    def: &Definition,
    namespace: &str,
    pkg: &PackageTest,
    vuln: &str,
    advisory_ids: &[String],
) -> Advisory {
    let version = normalize_version(&pkg.evr);
    let (status, affected, fixed_version, notes) = if pkg.operation != "less than" {
        (
            Status::Indeterminate,
            AffectedRange::All,
            None,
            Some(format!(
                "unsupported dpkginfo operation {:?} on {}",
                pkg.operation, pkg.evr
            )),
        )
    } else if version == "0" {
        // `less than 0:0`: no fixed version exists.
        (Status::Affected, AffectedRange::All, None, None)
    } else if valid_deb_version(&version) {
        (
            Status::Fixed,
            AffectedRange::LessThan(version.clone()),
            Some(version),
            None,
        )
    } else {
        (
            Status::Indeterminate,
            AffectedRange::All,
            Some(version.clone()),
            Some(format!("unparseable fixed version {version:?}")),
        )
    };
    Advisory {
        vulnerability_id: vuln.to_owned(),
        namespace: namespace.to_owned(),
        package: pkg.name.clone(),
        scheme: "deb".to_owned(),
        status,
        affected,
        fixed_version,
        severity: Severity::Unknown,
        advisory_ids: advisory_ids.to_vec(),
        notes,
        source: KIND.to_owned(),
        record_id: def.id.clone(),
        aliases: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_names() {
        assert_eq!(
            parse_comment("glibc DPKG is earlier than 2.2-1"),
            Some(("glibc".to_owned(), "2.2-1".to_owned()))
        );
        assert_eq!(parse_comment("Debian 10 is installed"), None);
        assert_eq!(
            release_from_file_name("oval-definitions-buster.xml").as_deref(),
            Some("debian:10")
        );
        assert_eq!(
            release_from_file_name("oval-definitions-bookworm.xml.bz2").as_deref(),
            Some("debian:12")
        );
        assert_eq!(release_from_file_name("whatever.xml"), None);
        assert_eq!(
            release_from_platform("Debian GNU/Linux 10").as_deref(),
            Some("debian:10")
        );
        assert_eq!(
            release_from_platform("Debian GNU/Linux 7.0").as_deref(),
            Some("debian:7")
        );
        assert_eq!(release_from_platform("Ubuntu 22.04"), None);
    }
}
