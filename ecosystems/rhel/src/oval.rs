//! Red Hat-style OVAL: Red Hat's own (`redhat-oval`), Rocky Linux's (`rocky-oval`) and
//! `AlmaLinux`'s (`alma-oval`). The three vendors generate the same shape.
//!
//! A file is `<oval_definitions>` holding `<definitions>`, `<tests>`, `<objects>` and
//! `<states>`. A definition (`class="patch"`: one RHSA/RLSA/ALSA; `class="vulnerability"`
//! in Red Hat's "unpatched" files) carries metadata and a tree of `<criteria>`:
//!
//! ```text
//! OR
//! ├─ "Red Hat Enterprise Linux must be installed"
//! └─ AND
//!    ├─ "Red Hat Enterprise Linux 9 is installed"        (rpmverifyfile_test, the platform)
//!    └─ OR
//!       ├─ AND
//!       │  ├─ "Module nodejs:18 is enabled"              (textfilecontent54_test)
//!       │  └─ OR
//!       │     └─ AND
//!       │        ├─ "nodejs is earlier than 1:18.14.2-2.module+el9.1.0.z+18…"
//!       │        └─ "nodejs is signed with Red Hat redhatrelease2 key"
//!       └─ AND ("python3-lxml is earlier than 0:4.6.5-3.el9", "… is signed with …")
//! ```
//!
//! Each package criterion refers to an `rpminfo_test`, whose `rpminfo_object` names the
//! **binary** package and whose `rpminfo_state` holds the `evr` ("less than", always with the
//! epoch) and, often, an `arch` pattern (`aarch64|ppc64le|s390x|x86_64`). The signature
//! criterion's state holds a `signature_keyid`. A module criterion applies to every package
//! below the `AND` it sits in. Red Hat writes the meaning of each criterion in its `comment`;
//! Rocky leaves comments out, so the parser resolves tests, objects and states and uses a
//! comment only for module criteria and as a fallback for a test it cannot resolve.
//!
//! What becomes an advisory: one per (vulnerability, binary package [in its module stream],
//! release), merged across definitions (see [`crate::util::Merger`]: a CVE fixed in several
//! minor-release streams keeps every fix). The vulnerability ids are the definition's CVE
//! references (`<reference source="CVE">` and `<advisory><cve>`); Rocky lists CVEs only in
//! the description, so those are read from there; a definition naming no CVE is keyed by its
//! advisory id. The severity is the CVE's own `impact` when the advisory states one, the
//! advisory's `<severity>` otherwise (Low/Moderate/Important/Critical). The advisory id
//! (RHSA-…, RLSA-…, ALSA-…) comes from the non-CVE references; the definition's
//! `affected_cpe_list` (the repositories shipping the fix), the architectures and the
//! signing key go to `notes`.
//!
//! The release (`rhel:9`, `rocky:9`, `almalinux:9`) comes from the definition's
//! `<platform>` (`Red Hat Enterprise Linux 9`, `Rocky Linux 9`, `AlmaLinux 9`), otherwise
//! from the file name (`rhel-9.oval.xml`, `com.redhat.rhsa-RHEL9.xml`,
//! `org.rockylinux.rlsa-9.xml`). The platform wins: Rocky's `rlsa-8.xml` once carried
//! Rocky 9 definitions.
//!
//! Not evaluated: the signature criterion (customs does not record package signatures; the
//! key id is kept in the notes), and criteria with `negate="true"` (skipped).
//!
//! The document is read by `customs-oval`'s shared reader (with descriptions, for Rocky's
//! CVEs); this module rebuilds each definition's criteria tree from the reader's flat
//! criteria and turns it into statements.
//!
//! Security: the document is streamed with quick-xml under a byte limit; DTDs with an
//! internal subset are refused and only the predefined entities and character references
//! are resolved, so entity-expansion attacks fail at once. Element nesting, kept text, the
//! number of definitions, tests, objects and states, and criteria per definition are all
//! bounded (`customs_oval::MAX_*`).

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, Severity, Status};
use customs_oval::ReadOptions;

use crate::util::{Merger, Statement, cves_in, module_stream, package_key, severity_of};

/// The default limit on the decompressed document. Red Hat's largest v2 file (RHEL 8,
/// every RHSA since 8.0) is a few hundred MB.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Descriptions are kept (truncated) only to find CVE ids in them.
const MAX_DESCRIPTION: usize = 64 * 1024;

/// One of the vendors publishing Red Hat-style OVAL.
#[derive(Debug)]
pub struct Vendor {
    /// The feed kind.
    pub kind: &'static str,
    pub description: &'static str,
    /// The namespace prefix: `rhel`, `rocky`, `almalinux`.
    pub distro: &'static str,
    /// `<platform>` prefixes naming the product; the major release follows.
    pub platforms: &'static [&'static str],
    /// The upstream URL pattern, `{N}` standing for the major release.
    pub url: &'static str,
    pub releases: &'static [u32],
}

/// Red Hat's OVAL v2 (one file per major release, every RHSA).
pub const REDHAT: Vendor = Vendor {
    kind: "redhat-oval",
    description: "Red Hat Enterprise Linux OVAL v2 (RHSA fixes per major release; binary packages, module streams)",
    distro: "rhel",
    platforms: &["Red Hat Enterprise Linux"],
    url: "https://security.access.redhat.com/data/oval/v2/RHEL{N}/rhel-{N}.oval.xml.bz2",
    releases: &[7, 8, 9],
};

/// Rocky Linux's OVAL (RLSA fixes).
pub const ROCKY: Vendor = Vendor {
    kind: "rocky-oval",
    description: "Rocky Linux OVAL (RLSA fixes per major release)",
    distro: "rocky",
    platforms: &["Rocky Linux"],
    url: "https://dl.rockylinux.org/pub/oval/org.rockylinux.rlsa-{N}.xml.bz2",
    releases: &[8, 9],
};

/// `AlmaLinux`'s OVAL (ALSA fixes).
pub const ALMA: Vendor = Vendor {
    kind: "alma-oval",
    description: "AlmaLinux OVAL (ALSA fixes per major release)",
    distro: "almalinux",
    platforms: &["AlmaLinux", "Alma Linux"],
    url: "https://repo.almalinux.org/security/oval/org.almalinux.alsa-{N}.xml.bz2",
    releases: &[8, 9],
};

/// Parses Red Hat-style OVAL for one vendor.
#[derive(Debug, Clone)]
pub struct OvalParser {
    vendor: &'static Vendor,
    max_bytes: u64,
}

impl OvalParser {
    /// `redhat-oval`.
    pub fn redhat() -> Self {
        Self::for_vendor(&REDHAT)
    }

    /// `rocky-oval`.
    pub fn rocky() -> Self {
        Self::for_vendor(&ROCKY)
    }

    /// `alma-oval`.
    pub fn alma() -> Self {
        Self::for_vendor(&ALMA)
    }

    pub fn for_vendor(vendor: &'static Vendor) -> Self {
        OvalParser {
            vendor,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The same parser with another limit on the decompressed document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for OvalParser {
    fn kind(&self) -> &'static str {
        self.vendor.kind
    }

    fn description(&self) -> &'static str {
        self.vendor.description
    }

    fn default_locations(&self) -> Vec<String> {
        self.vendor
            .releases
            .iter()
            .map(|n| self.vendor.url.replace("{N}", &n.to_string()))
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let doc = customs_oval::read_with(
            input,
            body,
            self.max_bytes,
            ReadOptions {
                description_bytes: MAX_DESCRIPTION,
            },
        )?;
        let doc = Document::from_oval(doc, input)?;
        let mut merger = Merger::default();
        doc.statements(self.vendor, input, &mut merger)?;
        merger.emit(self.vendor.kind, emit);
        Ok(())
    }
}

/// A node of a definition's criteria tree.
#[derive(Debug)]
enum Node {
    Criteria {
        negate: bool,
        children: Vec<Node>,
    },
    Criterion {
        test_ref: String,
        comment: String,
        negate: bool,
    },
}

/// A definition as the statements need it: [`customs_oval::Definition`] with its criteria as
/// a tree.
struct Definition {
    oval: customs_oval::Definition,
    criteria: Option<Node>,
}

struct Document {
    definitions: Vec<Definition>,
    tests: HashMap<String, customs_oval::Test>,
    objects: HashMap<String, String>,
    states: HashMap<String, customs_oval::State>,
}

impl Document {
    /// Rebuilds each definition's criteria tree from the shared reader's flat criteria (each
    /// criterion lists the `<criteria>` around it, outermost first; nodes are numbered in
    /// document order).
    fn from_oval(doc: customs_oval::Document, input: &FeedInput) -> Result<Self, FeedError> {
        let mut definitions = Vec::with_capacity(doc.definitions.len());
        for def in doc.definitions {
            let criteria = criteria_tree(&def).map_err(|m| FeedError::malformed(input, m))?;
            definitions.push(Definition {
                oval: def,
                criteria,
            });
        }
        Ok(Document {
            definitions,
            tests: doc.tests,
            objects: doc.objects,
            states: doc.states,
        })
    }
}

/// The criteria tree of `def`: criteria nodes with their criteria children in document
/// order (criteria without any criterion below them hold nothing and are left out).
fn criteria_tree(def: &customs_oval::Definition) -> Result<Option<Node>, String> {
    let nodes = def.scope_negate.len();
    let mut parent: Vec<Option<u32>> = vec![None; nodes];
    let mut criteria: Vec<Vec<&customs_oval::Criterion>> = vec![Vec::new(); nodes];
    let mut roots: BTreeSet<u32> = BTreeSet::new();
    for c in &def.criteria {
        let Some(&last) = c.scopes.last() else {
            continue; // a criterion outside any <criteria>
        };
        roots.insert(c.scopes[0]);
        if let Some(v) = criteria.get_mut(last as usize) {
            v.push(c);
        }
        for w in c.scopes.windows(2) {
            if let Some(p) = parent.get_mut(w[1] as usize) {
                *p = Some(w[0]);
            }
        }
    }
    if roots.len() > 1 {
        return Err(format!(
            "definition {} has two top-level <criteria>",
            def.id
        ));
    }
    let Some(&root) = roots.iter().next() else {
        return Ok(None);
    };
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); nodes];
    for (node, p) in parent.iter().enumerate() {
        if let (Some(p), Ok(node)) = (p, u32::try_from(node))
            && let Some(c) = children.get_mut(*p as usize)
        {
            c.push(node);
        }
    }
    Ok(Some(build_node(root, def, &criteria, &children)))
}

/// Node `id` of a criteria tree with its criterion children, then its criteria children.
fn build_node(
    id: u32,
    def: &customs_oval::Definition,
    criteria: &[Vec<&customs_oval::Criterion>],
    children: &[Vec<u32>],
) -> Node {
    let i = id as usize;
    let mut kids: Vec<Node> = criteria[i]
        .iter()
        .map(|c| Node::Criterion {
            test_ref: c.test_ref.clone(),
            comment: c.comment.clone(),
            negate: c.negate,
        })
        .collect();
    kids.extend(
        children[i]
            .iter()
            .map(|&k| build_node(k, def, criteria, children)),
    );
    Node::Criteria {
        negate: def.scope_negate.get(i).copied().unwrap_or(false),
        children: kids,
    }
}

/// A package criterion resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PackageTest {
    name: String,
    evr: String,
    arches: Option<BTreeSet<String>>,
    module: Option<String>,
    signed_by: Option<String>,
}

/// What one criterion means.
enum Meaning {
    Package {
        name: String,
        evr: String,
        arches: Option<BTreeSet<String>>,
    },
    Signature {
        name: String,
        key: String,
    },
    Module(String),
    /// An evr test with another operation than "less than": something customs cannot
    /// represent, ignored.
    Unsupported,
    Other,
}

/// Reads `Module nodejs:18 is enabled`.
fn module_comment(comment: &str) -> Option<String> {
    let rest = comment.trim().strip_prefix("Module ")?;
    let m = rest.strip_suffix(" is enabled")?;
    module_stream(m)
}

/// Reads `NAME is earlier than EVR`.
fn earlier_comment(comment: &str) -> Option<(String, String)> {
    let (name, evr) = comment.split_once(" is earlier than ")?;
    let (name, evr) = (name.trim(), evr.trim());
    if name.is_empty() || evr.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name.to_owned(), evr.to_owned()))
}

fn arch_set(arch: Option<&str>, operation: Option<&str>) -> Option<BTreeSet<String>> {
    let arch = arch?.trim();
    if arch.is_empty() {
        return None;
    }
    let parts: BTreeSet<String> = match operation.unwrap_or("equals") {
        "equals" => std::iter::once(arch.to_owned()).collect(),
        // Red Hat writes plain alternations (`aarch64|ppc64le|x86_64`), sometimes anchored.
        "pattern match" => {
            let a = arch.trim_start_matches('^').trim_end_matches('$');
            let a = a
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(a);
            let parts: Vec<&str> = a.split('|').map(str::trim).collect();
            if parts.iter().any(|p| {
                p.is_empty()
                    || !p
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }) {
                // A real regular expression: do not restrict.
                return None;
            }
            parts.into_iter().map(str::to_owned).collect()
        }
        _ => return None,
    };
    Some(parts)
}

impl Document {
    fn meaning(&self, test_ref: &str, comment: &str) -> Meaning {
        if let Some(m) = module_comment(comment) {
            return Meaning::Module(m);
        }
        let Some(test) = self.tests.get(test_ref) else {
            return match earlier_comment(comment) {
                Some((name, evr)) => Meaning::Package {
                    name,
                    evr,
                    arches: None,
                },
                None => Meaning::Other,
            };
        };
        if let Some(m) = module_comment(&test.comment) {
            return Meaning::Module(m);
        }
        if test.kind != "rpminfo_test" {
            return Meaning::Other;
        }
        let Some(name) = test.object.as_ref().and_then(|o| self.objects.get(o)) else {
            return Meaning::Other;
        };
        for s in test.states.iter().filter_map(|s| self.states.get(s)) {
            if let Some((evr, op)) = &s.evr {
                if op != "less than" {
                    return Meaning::Unsupported;
                }
                return Meaning::Package {
                    name: name.clone(),
                    evr: evr.clone(),
                    arches: arch_set(s.arch.as_deref(), s.arch_operation.as_deref()),
                };
            }
            if let Some(key) = &s.signature_keyid {
                return Meaning::Signature {
                    name: name.clone(),
                    key: key.clone(),
                };
            }
        }
        Meaning::Other
    }

    /// Collects the package tests under `node`, with the module stream of the enclosing
    /// criteria.
    fn walk(&self, node: &Node, module: Option<&str>, out: &mut Vec<PackageTest>) {
        let Node::Criteria { negate, children } = node else {
            return;
        };
        if *negate {
            return;
        }
        let mut module = module.map(str::to_owned);
        let mut signatures: HashMap<String, String> = HashMap::new();
        let mut packages = Vec::new();
        for child in children {
            if let Node::Criterion {
                test_ref,
                comment,
                negate: false,
            } = child
            {
                match self.meaning(test_ref, comment) {
                    Meaning::Module(m) => module = Some(m),
                    Meaning::Signature { name, key } => {
                        signatures.insert(name, key);
                    }
                    Meaning::Package { name, evr, arches } => packages.push((name, evr, arches)),
                    Meaning::Unsupported | Meaning::Other => {}
                }
            }
        }
        for (name, evr, arches) in packages {
            let p = PackageTest {
                signed_by: signatures.get(&name).cloned(),
                name,
                evr,
                arches,
                module: module.clone(),
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
        for child in children {
            if matches!(child, Node::Criteria { .. }) {
                self.walk(child, module.as_deref(), out);
            }
        }
    }

    fn statements(
        &self,
        vendor: &Vendor,
        input: &FeedInput,
        merger: &mut Merger,
    ) -> Result<(), FeedError> {
        let file_major = major_from_file_name(&input.file_name);
        for Definition {
            oval: def,
            criteria,
        } in &self.definitions
        {
            if !matches!(def.class.as_str(), "patch" | "vulnerability") {
                continue;
            }
            let Some(criteria) = criteria else {
                continue;
            };
            let mut packages = Vec::new();
            self.walk(criteria, None, &mut packages);
            if packages.is_empty() {
                continue;
            }
            let mut majors: Vec<u32> = def
                .platforms
                .iter()
                .filter_map(|p| major_from_platform(p, vendor.platforms))
                .collect();
            majors.dedup();
            if majors.is_empty() {
                match file_major {
                    Some(m) => majors.push(m),
                    None => {
                        return Err(FeedError::malformed(
                            input,
                            format!(
                                "definition {}: no {} <platform> and the file name {:?} names no release",
                                def.id, vendor.platforms[0], input.file_name
                            ),
                        ));
                    }
                }
            }
            let advisory_ids: Vec<String> = def
                .references
                .iter()
                .filter(|(s, r)| !s.eq_ignore_ascii_case("CVE") && !r.is_empty())
                .map(|(_, r)| r.clone())
                .collect();
            let advisory_ids = if advisory_ids.is_empty() {
                // `RHSA-2022:8226: python-lxml security update (Moderate)`
                def.title
                    .split(": ")
                    .next()
                    .filter(|t| t.contains('-') && t.contains(':') && !t.contains(' '))
                    .map(|t| vec![t.to_owned()])
                    .unwrap_or_default()
            } else {
                advisory_ids
            };
            let advisory_severity = severity_of(&def.severity);
            let mut vulns: Vec<(String, Severity)> = Vec::new();
            let push = |vulns: &mut Vec<(String, Severity)>, id: &str, sev: Severity| {
                if !id.is_empty() && !vulns.iter().any(|(v, _)| v == id) {
                    vulns.push((id.to_owned(), sev));
                }
            };
            for customs_oval::Cve { id, impact, .. } in &def.cves {
                let sev = impact
                    .as_deref()
                    .map(severity_of)
                    .filter(|s| *s != Severity::Unknown)
                    .unwrap_or(advisory_severity);
                push(&mut vulns, id.trim(), sev);
            }
            for (source, id) in &def.references {
                if source.eq_ignore_ascii_case("CVE") {
                    push(&mut vulns, id, advisory_severity);
                }
            }
            if vulns.is_empty() {
                for id in cves_in(&def.description) {
                    push(&mut vulns, &id, advisory_severity);
                }
            }
            if vulns.is_empty() {
                match advisory_ids.first() {
                    Some(a) => push(&mut vulns, a, advisory_severity),
                    None => {
                        return Err(FeedError::malformed(
                            input,
                            format!("definition {}: neither a CVE nor an advisory id", def.id),
                        ));
                    }
                }
            }
            let cpes: BTreeSet<String> = def.cpes.iter().cloned().collect();
            for major in &majors {
                let namespace = format!("{}:{major}", vendor.distro);
                for (vuln, severity) in &vulns {
                    for p in &packages {
                        merger.add(Statement {
                            vulnerability_id: vuln.clone(),
                            namespace: namespace.clone(),
                            package: package_key(&p.name, p.module.as_deref()),
                            status: Status::Fixed,
                            fixed: Some(p.evr.clone()),
                            arches: p.arches.clone(),
                            severity: *severity,
                            advisory_ids: advisory_ids.clone(),
                            record_id: def.id.clone(),
                            cpes: cpes.clone(),
                            signed_by: p.signed_by.clone(),
                            remediation: None,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// `Red Hat Enterprise Linux 9` → 9 (for the vendor's product names only).
fn major_from_platform(platform: &str, names: &[&str]) -> Option<u32> {
    let p = platform.trim();
    let rest = names.iter().find_map(|n| p.strip_prefix(n))?.trim();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 3 || rest.len() != digits.len() {
        return None;
    }
    digits.parse().ok()
}

/// The major release in a file name: the first digits after the last `-`
/// (`rhel-9.oval.xml`, `com.redhat.rhsa-RHEL9.xml`, `org.rockylinux.rlsa-9.xml`).
fn major_from_file_name(file_name: &str) -> Option<u32> {
    let base = file_name
        .rsplit(['/', '\\', '!'])
        .next()
        .unwrap_or(file_name);
    let tail = base.rsplit_once('-')?.1;
    let digits: String = tail
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_comments() {
        assert_eq!(major_from_file_name("rhel-9.oval.xml"), Some(9));
        assert_eq!(major_from_file_name("com.redhat.rhsa-RHEL9.xml"), Some(9));
        assert_eq!(major_from_file_name("org.rockylinux.rlsa-8.xml"), Some(8));
        assert_eq!(
            major_from_file_name("x.tar!feeds/org.almalinux.alsa-9.xml"),
            Some(9)
        );
        assert_eq!(major_from_file_name("oval.xml"), None);
        assert_eq!(
            major_from_platform("Red Hat Enterprise Linux 9", REDHAT.platforms),
            Some(9)
        );
        assert_eq!(major_from_platform("Rocky Linux 9", REDHAT.platforms), None);
        assert_eq!(major_from_platform("AlmaLinux 8", ALMA.platforms), Some(8));
        assert_eq!(
            module_comment("Module nodejs:18 is enabled").as_deref(),
            Some("nodejs:18")
        );
        assert_eq!(module_comment("Module nodejs is enabled"), None);
        assert_eq!(
            earlier_comment("python3-lxml is earlier than 0:4.6.5-3.el9"),
            Some(("python3-lxml".into(), "0:4.6.5-3.el9".into()))
        );
        assert_eq!(
            arch_set(Some("aarch64|x86_64"), Some("pattern match")),
            Some(["aarch64".to_owned(), "x86_64".to_owned()].into())
        );
        assert_eq!(
            arch_set(Some("x86_64"), None),
            Some(["x86_64".to_owned()].into())
        );
        assert_eq!(arch_set(Some("x86.*"), Some("pattern match")), None);
    }
}
