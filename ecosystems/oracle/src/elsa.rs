//! The Oracle Linux ELSA OVAL feed
//! (`https://linux.oracle.com/security/oval/com.oracle.elsa-all.xml.bz2`).
//!
//! One `<definition class="patch">` per ELSA advisory: the title starts with the ELSA id
//! and ends with the severity in parentheses, `<platform>Oracle Linux 8</platform>` names
//! the release(s), `<reference source="CVE">` the vulnerabilities, and the criteria list,
//! per binary package, `NAME is earlier than EPOCH:VERSION-RELEASE` next to
//! `NAME is signed with the Oracle Linux N key`.
//!
//! Decisions:
//! - Packages and fixed versions are read from the criterion comments, which Oracle
//!   generates from the same rpminfo tests (vunnel reads them the same way). When a comment
//!   is not of that form but its test resolves to an rpminfo object and a `less than` evr
//!   state, the test is used instead.
//! - One advisory per (CVE, namespace, package, fixed version); an ELSA without CVEs is
//!   recorded under its ELSA id. The ELSA id is the advisory id.
//! - **Architectures**: newer definitions branch on `Oracle Linux arch is x86_64` /
//!   `aarch64`. When a package is fixed at the same version on every arch, one arch-less
//!   advisory is kept. When arches were respun at different revisions, one advisory per
//!   version is kept and its `notes` read `arch: x86_64` (several arches space-separated);
//!   the matcher skips it for packages of another arch. A version fixed on every arch the
//!   definition names (two rebuilds, each on both arches) stays arch-less.
//! - **Ksplice**: `NAME is ksplice-based` criteria give fixes such as
//!   `2:1.1.1g-15.ksplice1.el8_3` for Ksplice user-space builds; they apply only to
//!   installed versions that are themselves `.ksplice` builds, and regular fixes only to
//!   regular builds (the matcher enforces both). UEK kernels (`kernel-uek`, `el8uek`) are
//!   separate package names and need nothing special.
//! - Severity from `<severity>` (or the title): CRITICAL, IMPORTANT → high, MODERATE →
//!   medium, LOW.

use std::collections::BTreeMap;
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};

use crate::oval::{self, Definition, Document};

/// The feed kind.
pub const KIND: &str = "oracle-elsa";
/// The decompressed com.oracle.elsa-all.xml is about 400 MB today; 2 GiB leaves room.
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;

/// Parses Oracle's ELSA OVAL. Construct it as `OracleElsaParser::default()`.
#[derive(Debug, Clone)]
pub struct OracleElsaParser {
    max_bytes: u64,
}

impl Default for OracleElsaParser {
    fn default() -> Self {
        OracleElsaParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl OracleElsaParser {
    /// The same parser with another limit on the decompressed document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for OracleElsaParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Oracle Linux ELSA OVAL (fixed binary rpms per advisory, per arch, Ksplice builds)"
    }

    fn default_locations(&self) -> Vec<String> {
        vec!["https://linux.oracle.com/security/oval/com.oracle.elsa-all.xml.bz2".to_owned()]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let doc = oval::read(input, body, self.max_bytes)?;
        for def in &doc.definitions {
            for a in definition_advisories(&doc, def) {
                emit(a);
            }
        }
        Ok(())
    }
}

/// `Oracle Linux 8` → `ol:8`.
pub fn namespace(platform: &str) -> Option<String> {
    let v = platform.trim().strip_prefix("Oracle Linux")?.trim();
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then(|| format!("ol:{v}"))
}

fn severity(s: &str) -> Severity {
    match s.trim().to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "IMPORTANT" | "HIGH" => Severity::High,
        "MODERATE" | "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        _ => Severity::Unknown,
    }
}

/// `NAME is earlier than EVR` → `(NAME, EVR)`.
fn earlier_than(comment: &str) -> Option<(&str, &str)> {
    let (name, evr) = comment.split_once(" is earlier than ")?;
    let (name, evr) = (name.trim(), evr.trim());
    (!name.is_empty()
        && !evr.is_empty()
        && !name.contains(char::is_whitespace)
        && !evr.contains(char::is_whitespace))
    .then_some((name, evr))
}

/// One package fix found in a definition's criteria.
struct Fix {
    name: String,
    evr: String,
    arch: Option<String>,
}

fn fixes(doc: &Document, def: &Definition) -> Vec<Fix> {
    // Arch criteria, by the criteria node that holds them.
    let mut arch_of_scope: BTreeMap<u32, String> = BTreeMap::new();
    for c in &def.criteria {
        if let Some(arch) = c.comment.trim().strip_prefix("Oracle Linux arch is ")
            && let Some(&scope) = c.scopes.last()
        {
            arch_of_scope.insert(scope, arch.trim().to_owned());
        }
    }
    let mut out = Vec::new();
    for c in &def.criteria {
        let (name, evr) = if let Some((n, e)) = earlier_than(&c.comment) {
            (n.to_owned(), e.to_owned())
        } else if let Some((n, state)) = doc.resolve(&c.test_ref)
            && let Some((evr, op)) = &state.evr
            && op == "less than"
        {
            (n.to_owned(), evr.clone())
        } else {
            continue;
        };
        let arch = c
            .scopes
            .iter()
            .rev()
            .find_map(|s| arch_of_scope.get(s))
            .cloned();
        out.push(Fix { name, evr, arch });
    }
    out
}

/// The advisories of one definition.
pub fn definition_advisories(doc: &Document, def: &Definition) -> Vec<Advisory> {
    if def.class != "patch" && def.class != "vulnerability" {
        return Vec::new();
    }
    let mut namespaces: Vec<String> = def.platforms.iter().filter_map(|p| namespace(p)).collect();
    namespaces.dedup();
    if namespaces.is_empty() {
        return Vec::new();
    }
    let title = def.title.trim();
    let elsa = def
        .refs("elsa")
        .into_iter()
        .next()
        .or_else(|| {
            title
                .split(|c: char| c == ':' || c.is_whitespace())
                .next()
                .filter(|t| t.starts_with("ELSA-"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| def.id.clone());
    let sev = if def.severity.is_empty() {
        title
            .rsplit_once('(')
            .map(|(_, s)| severity(s.trim_end_matches(')')))
            .unwrap_or_default()
    } else {
        severity(&def.severity)
    };
    // (name, evr) → arches (empty = arch-less).
    let mut by_fix: BTreeMap<(String, String), Vec<Option<String>>> = BTreeMap::new();
    for f in fixes(doc, def) {
        let arches = by_fix.entry((f.name, f.evr)).or_default();
        if !arches.contains(&f.arch) {
            arches.push(f.arch);
        }
    }
    // A package fixed at one version everywhere is arch-less.
    let mut versions_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, _) in by_fix.keys() {
        *versions_of.entry(name.as_str()).or_default() += 1;
    }
    let mut vulns = def.refs("CVE");
    if vulns.is_empty() {
        vulns.push(elsa.clone());
    }
    let all_arches: Vec<&str> = by_fix
        .values()
        .flatten()
        .flatten()
        .map(String::as_str)
        .collect();
    let mut out = Vec::new();
    for ((name, evr), arches) in &by_fix {
        let covers_all = all_arches
            .iter()
            .all(|a| arches.iter().flatten().any(|b| b == a));
        let notes = if versions_of.get(name.as_str()).copied().unwrap_or(0) > 1
            && arches.iter().all(Option::is_some)
            && !covers_all
        {
            let mut a: Vec<&str> = arches.iter().flatten().map(String::as_str).collect();
            a.sort_unstable();
            Some(format!("arch: {}", a.join(" ")))
        } else {
            None
        };
        for ns in &namespaces {
            for vuln in &vulns {
                out.push(Advisory {
                    vulnerability_id: vuln.clone(),
                    namespace: ns.clone(),
                    package: name.clone(),
                    scheme: "rpm".into(),
                    status: Status::Fixed,
                    affected: AffectedRange::LessThan(evr.clone()),
                    fixed_version: Some(evr.clone()),
                    severity: sev,
                    advisory_ids: vec![elsa.clone()],
                    aliases: Vec::new(),
                    notes: notes.clone(),
                    source: KIND.into(),
                    record_id: def.id.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_namespaces() {
        assert_eq!(
            earlier_than("bind-devel is earlier than 30:9.3.3-8.el5"),
            Some(("bind-devel", "30:9.3.3-8.el5"))
        );
        assert_eq!(earlier_than("Oracle Linux 5 is installed"), None);
        assert_eq!(namespace("Oracle Linux 8").as_deref(), Some("ol:8"));
        assert_eq!(namespace("Oracle Linux"), None);
        assert_eq!(namespace("Red Hat 8"), None);
        assert_eq!(severity("IMPORTANT"), Severity::High);
    }
}
