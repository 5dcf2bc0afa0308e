//! The Ubuntu USN OVAL feed (`ubuntu-oval`):
//! `https://security-metadata.canonical.com/oval/com.ubuntu.CODENAME.usn.oval.xml.bz2`.
//!
//! # The format
//!
//! One file per release. Each Ubuntu Security Notice (USN, and kernel Livepatch notices
//! `LSN-…`) is one `<definition class="patch">` whose metadata names the notice
//! (`<reference source="USN" ref_id="USN-5402-1"/>`), its CVEs (`<reference source="CVE">`
//! and, with Ubuntu's per-CVE priority, `<advisory><cve priority="medium">CVE-…</cve>`), a
//! notice-level `<severity>`, and a `<platform>` (`Ubuntu 22.04 LTS`, or `Ubuntu 22.04 ESM`
//! for notices only Ubuntu Pro subscribers receive). Its `<criteria>` reference tests:
//!
//! - `linux:dpkginfo_test` → a `dpkginfo_object` whose `<name var_ref=…>` points at a
//!   `constant_variable` listing the **binary** package names built from one source, and a
//!   `dpkginfo_state` with `<evr operation="less than">0:3.0.2-0ubuntu1.5</evr>`: the
//!   fixed version, Ubuntu backport suffixes (`ubuntu0.22.04.1`, `~esm1`) included. The
//!   test's `comment` says which archive ships the fix: `Long Term Support` (the public
//!   archive) or `Available with Ubuntu Pro: https://ubuntu.com/pro` (ESM).
//! - `ind:variable_test` / `unix:uname_test`: kernel notices test the *running* kernel's
//!   `uname -r`, which a container image does not have. They are skipped; kernel packages
//!   installed in an image are matched through the `ubuntu-osv` feed by source package.
//!
//! The USN OVAL file holds only fixes (patch class); unfixed and not-affected packages
//! are absent, which is why the matcher prefers `ubuntu-osv` and keeps this feed as the
//! fallback.
//!
//! # What is emitted
//!
//! One [`Advisory`] per (CVE, binary package) in the namespace `ubuntu:YY.MM` (from the
//! file name, else the definition id `oval:com.ubuntu.CODENAME:def:…`, else the platform).
//! Because Ubuntu's OVAL names binaries, not sources, `package` is the **binary** name and
//! the matcher compares the installed binary version. When several notices fix one CVE in
//! one binary (a regression re-issue `USN-N-2`), the highest fixed version is kept and every
//! notice id is listed in `advisory_ids`. A notice with no CVE is keyed by its own id.
//! `severity` is the CVE's Ubuntu priority, falling back to the notice severity.
//!
//! A fix shipped only through Ubuntu Pro becomes [`Status::Affected`] with the range
//! `< fix` (a Pro system that installed the fix is not reported), no public fixed version,
//! and a note naming the Pro version (see the crate docs for why).
//!
//! # Limits and hostile input
//!
//! The document is streamed with quick-xml; only ids, names, versions and the few metadata
//! fields above are kept (descriptions are skipped). Limits: [`DEFAULT_MAX_BYTES`] of
//! decompressed input, [`MAX_DEPTH`] nesting, [`MAX_TEXT`] per kept text. DTDs with an
//! internal subset are refused and only the predefined entities and character references
//! are resolved, so entity expansion ("billion laughs") cannot happen. Truncated documents,
//! dangling references and a wrong root element are errors naming the input.

use std::collections::BTreeMap;
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use customs_oval::{Definition, Document, State, Test};
use customs_version::VersionScheme;

use crate::releases;
use crate::util::{normalize_version, pro_note, severity_of_priority, valid_deb_version};

/// The feed kind.
pub const KIND: &str = "ubuntu-oval";
/// The limit on the decompressed document. Current files are tens of MB.
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// The limit on element nesting (real files nest about 8 deep).
pub use customs_oval::MAX_DEPTH;
/// The limit on any kept text or attribute (names, versions, titles).
pub use customs_oval::MAX_TEXT;

/// Parses Ubuntu USN OVAL files.
#[derive(Debug, Clone)]
pub struct UbuntuOvalParser {
    max_bytes: u64,
}

impl Default for UbuntuOvalParser {
    fn default() -> Self {
        UbuntuOvalParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl UbuntuOvalParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parser with another limit on the decompressed document.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for UbuntuOvalParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Ubuntu USN OVAL per release (fixed binary packages per CVE, Ubuntu priorities, USN ids)"
    }

    fn default_locations(&self) -> Vec<String> {
        releases::RELEASES
            .iter()
            .filter(|r| r.usn_oval)
            .map(|r| {
                format!(
                    "https://security-metadata.canonical.com/oval/com.ubuntu.{}.usn.oval.xml.bz2",
                    r.codename
                )
            })
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

/// Whether a `comment` says the item ships through Ubuntu Pro (ESM): Canonical writes
/// `Available with Ubuntu Pro: https://ubuntu.com/pro`, against `Long Term Support` /
/// `Long Term Release` for the public archive.
fn is_pro_comment(comment: &str) -> bool {
    comment.contains("Ubuntu Pro")
}

/// Reads the release from `com.ubuntu.jammy.usn.oval.xml`.
fn namespace_from_file_name(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let rest = base.strip_prefix("com.ubuntu.")?;
    releases::namespace(rest.split('.').next()?)
}

/// Reads the release from `oval:com.ubuntu.jammy:def:54021000000`.
fn namespace_from_id(id: &str) -> Option<String> {
    let rest = id.strip_prefix("oval:com.ubuntu.")?;
    releases::namespace(rest.split(':').next()?)
}

/// Reads the release from `Ubuntu 22.04 LTS` / `Ubuntu 22.04 ESM`.
fn namespace_from_platform(platform: &str) -> Option<String> {
    releases::namespace(platform.trim().strip_prefix("Ubuntu ")?)
}

/// One fix of one (vulnerability, binary) as read from a definition.
#[derive(Debug, Clone)]
struct Fix {
    /// The `evr` as written, epoch `0:` removed.
    version: String,
    operation: String,
    pro: bool,
    severity: Severity,
    notices: Vec<String>,
    record_id: String,
}

/// A definition's CVE ids (its CVE references and `<cve>` elements, once each), with Ubuntu's
/// priority from the first `<cve>` element that gives one.
fn cves_of(def: &Definition) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let refs = def.refs("CVE").into_iter().map(|id| (id, None));
    let elements = def
        .cves
        .iter()
        .filter(|c| c.id.starts_with("CVE-"))
        .map(|c| (c.id.clone(), c.priority.clone()));
    for (id, priority) in refs.chain(elements) {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        match out.iter_mut().find(|(c, _)| c == id) {
            Some((_, p)) => {
                if p.is_none() {
                    *p = priority;
                }
            }
            None => out.push((id.to_owned(), priority)),
        }
    }
    out
}

/// One advisory per (CVE, binary package) of the document's patch definitions.
fn emit_document(
    doc: &Document,
    input: &FeedInput,
    emit: &mut dyn FnMut(Advisory),
) -> Result<(), FeedError> {
    let file_ns = namespace_from_file_name(&input.file_name);
    // (namespace, vulnerability, binary) → the fix with the highest version.
    let mut fixes: BTreeMap<(String, String, String), Fix> = BTreeMap::new();
    for def in &doc.definitions {
        if !matches!(def.class.as_str(), "patch" | "vulnerability") {
            continue;
        }
        let namespace = file_ns
                .clone()
                .or_else(|| namespace_from_id(&def.id))
                .or_else(|| def.platforms.iter().find_map(|p| namespace_from_platform(p)))
                .ok_or_else(|| {
                    FeedError::malformed(
                        input,
                        format!(
                            "definition {}: no Ubuntu release in the file name {:?}, the id or a <platform>",
                            def.id, input.file_name
                        ),
                    )
                })?;
        let esm_platform = def.platforms.iter().any(|p| p.trim_end().ends_with("ESM"));
        let notices: Vec<String> = def.refs("USN");
        let notices: Vec<String> = if notices.is_empty() {
            def.title
                .split_whitespace()
                .next()
                .filter(|t| t.starts_with("USN-") || t.starts_with("LSN-"))
                .map(str::to_owned)
                .into_iter()
                .collect()
        } else {
            notices
        };
        let notice_severity = severity_of_priority(&def.severity);
        let cves = cves_of(def);
        let vulns: Vec<(String, Severity)> = if cves.is_empty() {
            match notices.first() {
                Some(n) => vec![(n.clone(), notice_severity)],
                None => {
                    return Err(FeedError::malformed(
                        input,
                        format!("definition {}: neither a CVE nor a notice id", def.id),
                    ));
                }
            }
        } else {
            cves.iter()
                .map(|(id, p)| {
                    let s = p.as_deref().map_or(Severity::Unknown, severity_of_priority);
                    (
                        id.clone(),
                        if s == Severity::Unknown {
                            notice_severity
                        } else {
                            s
                        },
                    )
                })
                .collect()
        };
        for criterion in &def.criteria {
            let test_ref = &criterion.test_ref;
            let Some(test) = doc.tests.get(test_ref) else {
                return Err(FeedError::malformed(
                    input,
                    format!(
                        "definition {}: criterion refers to unknown test {test_ref}",
                        def.id
                    ),
                ));
            };
            // Kernel notices test the running kernel (`uname`), files, variables.
            if test.kind != "dpkginfo_test" {
                continue;
            }
            let (names, state, pro_item) = resolve(doc, input, &def.id, test_ref, test)?;
            let Some((evr, operation)) = &state.evr else {
                return Err(FeedError::malformed(
                    input,
                    format!(
                        "definition {}: state of test {test_ref} has no <evr>",
                        def.id
                    ),
                ));
            };
            // Older files mark Pro fixes on the test, newer ones (noble) on the object,
            // state and variable; a definition for the ESM platform is Pro throughout.
            let pro = is_pro_comment(&test.comment)
                || is_pro_comment(&state.comment)
                || pro_item
                || esm_platform;
            for name in names {
                for (vuln, severity) in &vulns {
                    let fix = Fix {
                        version: normalize_version(evr),
                        operation: operation.clone(),
                        pro,
                        severity: *severity,
                        notices: notices.clone(),
                        record_id: def.id.clone(),
                    };
                    merge(
                        &mut fixes,
                        (namespace.clone(), vuln.clone(), name.clone()),
                        fix,
                    );
                }
            }
        }
    }
    for ((namespace, vuln, package), fix) in fixes {
        emit(advisory(namespace, vuln, package, fix));
    }
    Ok(())
}

/// The binary names and the state of a dpkginfo test, and whether its object or variable is
/// marked as an Ubuntu Pro item.
fn resolve<'d>(
    doc: &'d Document,
    input: &FeedInput,
    def: &str,
    test_ref: &str,
    test: &Test,
) -> Result<(Vec<String>, &'d State, bool), FeedError> {
    let dangling = |what: &str| {
        FeedError::malformed(
            input,
            format!("definition {def}: test {test_ref} has no resolvable {what}"),
        )
    };
    let object_id = test
        .object
        .as_deref()
        .filter(|o| doc.objects.contains_key(*o) || doc.object_vars.contains_key(*o))
        .ok_or_else(|| dangling("dpkginfo_object"))?;
    let state = test
        .state
        .as_ref()
        .and_then(|s| doc.states.get(s))
        .ok_or_else(|| dangling("dpkginfo_state"))?;
    let pro_item = |id: &str| doc.comments.get(id).is_some_and(|c| is_pro_comment(c));
    let mut pro = pro_item(object_id);
    let names = match (doc.objects.get(object_id), doc.object_vars.get(object_id)) {
        (_, Some(v)) => {
            pro |= pro_item(v);
            doc.variables
                .get(v)
                .cloned()
                .ok_or_else(|| dangling("constant_variable"))?
        }
        (Some(n), None) => vec![n.clone()],
        (None, None) => return Err(dangling("dpkginfo_object")),
    };
    let names = names
        .into_iter()
        .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace))
        .collect();
    Ok((names, state, pro))
}

/// Keeps the highest fixed version per key; the notices of every fix are kept.
fn merge(
    fixes: &mut BTreeMap<(String, String, String), Fix>,
    key: (String, String, String),
    fix: Fix,
) {
    match fixes.get_mut(&key) {
        None => {
            fixes.insert(key, fix);
        }
        Some(old) => {
            let mut notices = std::mem::take(&mut old.notices);
            for n in &fix.notices {
                if !notices.contains(n) {
                    notices.push(n.clone());
                }
            }
            let newer = matches!(
                customs_dpkg::DebScheme.compare(&fix.version, &old.version),
                Ok(std::cmp::Ordering::Greater)
            ) || (fix.version == old.version && old.pro && !fix.pro);
            if newer {
                *old = fix;
            }
            notices.sort();
            old.notices = notices;
        }
    }
}

fn advisory(namespace: String, vuln: String, package: String, fix: Fix) -> Advisory {
    let version = fix.version;
    let (status, affected, fixed_version, notes) = if fix.operation != "less than" {
        (
            Status::Indeterminate,
            AffectedRange::All,
            None,
            Some(format!(
                "unsupported dpkginfo operation {:?} on {version}",
                fix.operation
            )),
        )
    } else if !valid_deb_version(&version) {
        (
            Status::Indeterminate,
            AffectedRange::All,
            None,
            Some(format!("unparseable fixed version {version:?}")),
        )
    } else if fix.pro {
        let note = pro_note(&version);
        (
            Status::Affected,
            AffectedRange::LessThan(version),
            None,
            Some(note),
        )
    } else {
        (
            Status::Fixed,
            AffectedRange::LessThan(version.clone()),
            Some(version),
            None,
        )
    };
    Advisory {
        vulnerability_id: vuln,
        namespace,
        package,
        scheme: "deb".to_owned(),
        status,
        affected,
        fixed_version,
        severity: fix.severity,
        advisory_ids: fix.notices,
        aliases: Vec::new(),
        notes,
        source: KIND.to_owned(),
        record_id: fix.record_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names() {
        assert_eq!(
            namespace_from_file_name("com.ubuntu.jammy.usn.oval.xml").as_deref(),
            Some("ubuntu:22.04")
        );
        assert_eq!(
            namespace_from_file_name("/x/com.ubuntu.noble.usn.oval.xml.bz2").as_deref(),
            Some("ubuntu:24.04")
        );
        assert_eq!(namespace_from_file_name("oval.xml"), None);
        assert_eq!(
            namespace_from_id("oval:com.ubuntu.focal:def:1").as_deref(),
            Some("ubuntu:20.04")
        );
        assert_eq!(
            namespace_from_platform("Ubuntu 22.04 ESM").as_deref(),
            Some("ubuntu:22.04")
        );
        assert_eq!(namespace_from_platform("Debian GNU/Linux 12"), None);
    }
}
