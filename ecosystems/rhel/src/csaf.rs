//! Red Hat CSAF: the per-CVE VEX documents
//! (`https://security.access.redhat.com/data/csaf/v2/vex/`) and the per-RHSA advisories
//! (`…/csaf/v2/advisories/`), both CSAF 2.0 JSON (`redhat-csaf`).
//!
//! A document has a `product_tree` and `vulnerabilities`. The tree's `product_name` branches
//! are the platforms, each with a CPE (`AppStream-9.3.0.Z.MAIN` →
//! `cpe:/a:redhat:enterprise_linux:9::appstream`, `red_hat_enterprise_linux_9` →
//! `cpe:/o:redhat:enterprise_linux:9`); its `product_version` branches are components
//! (`curl-0:7.76.1-26.el9_3.2.src`, or a bare name such as `curl`, or a module component
//! `nodejs:18/nodejs`, or a module build `ruby-0:3.1.4-142.module+el8.9.0+….src::ruby:3.1`,
//! sometimes with a purl whose `rpmmod` qualifier names the module);
//! its `relationships` join a component to a platform as the product id
//! `PLATFORM:COMPONENT` (`AppStream-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src`).
//!
//! Each vulnerability lists product ids per `product_status`, and `remediations` and
//! `threats` per product id. The mapping to [`Status`]:
//!
//! | `product_status`       | remediation                              | status         |
//! |----------------------|------------------------------------------|----------------|
//! | `fixed`/`first_fixed`| `vendor_fix` (url → RHSA id)             | `fixed`        |
//! | `known_affected`     | `no_fix_planned` "Will not fix" / "Out of support scope" | `will_not_fix` |
//! | `known_affected`     | `none_available` "Fix deferred"          | `fix_deferred` |
//! | `known_affected`     | `none_available` "Affected", or none     | `affected`     |
//! | `known_not_affected` |                                          | `not_affected` |
//! | `under_investigation`|                                          | (skipped)      |
//!
//! Only RHEL platforms are kept: CPEs `cpe:/{a,o}:redhat:enterprise_linux:N[::repo]` become
//! `rhel:N` (the main line, including the `*.Z.MAIN.EUS` products Red Hat publishes on the
//! main-line CPE); `cpe:/{a,o}:redhat:rhel_eus:N.M[::repo]` become `rhel:N.M+eus` (vunnel's
//! namespace for Extended Update Support). Other products (`OpenShift`, Satellite, `JBoss`, AUS,
//! E4S, TUS…) have their own CPEs and are skipped.
//!
//! Package names: a fixed component with a version is keyed by its source rpm when the
//! platform lists the `.src` build for that version (binary subpackages of the same build
//! carry the same EVR, and the matcher also looks up a package's source name); otherwise by
//! each binary name, and the architectures listed become the advisory's `arch` restriction.
//! Unfixed components are bare names (`curl`, sometimes binary names such as
//! `libcurl-devel`) and are keyed as written. A module component is keyed
//! `MODULE:STREAM/NAME` (see [`crate::util::package_key`]). A component whose module label
//! has no stream (`rpmmod=rhel10`) is skipped: it cannot be matched to a stream.
//!
//! The severity is the `impact` threat of the product, else the document's
//! `aggregate_severity`. Statements are merged per (CVE, package, namespace) (see
//! [`crate::util::Merger`]). Documents whose `tracking.status` is `deleted` yield nothing.
//!
//! Limits: the document size ([`DEFAULT_MAX_BYTES`]) and `serde_json`'s nesting limit (128).

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, Purl, Severity, Status};
use serde::Deserialize;

use crate::util::{
    LimitedReader, Merger, Statement, limit_error, module_stream, package_key, severity_of,
};

/// The feed kind.
pub const KIND: &str = "redhat-csaf";
/// The limit on one decompressed CSAF document. The largest VEX documents (CVEs touching
/// hundreds of products) are tens of MB.
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Parses Red Hat CSAF VEX and advisory documents (`redhat-csaf`).
#[derive(Debug, Clone)]
pub struct CsafParser {
    max_bytes: u64,
}

impl Default for CsafParser {
    fn default() -> Self {
        CsafParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl CsafParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parser with another limit on the document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for CsafParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Red Hat CSAF VEX per CVE and CSAF advisories (fixed, affected, will-not-fix, fix-deferred, not-affected per RHEL release)"
    }

    /// None: Red Hat publishes the VEX corpus as one dated archive
    /// (`https://security.access.redhat.com/data/csaf/v2/vex/csaf_vex_YYYY-MM-DD.tar.zst`,
    /// named in `archive_latest.txt`) or as one file per CVE; pass either with `--feed`.
    fn default_locations(&self) -> Vec<String> {
        Vec::new()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let (mut limited, tripped) = LimitedReader::new(body, self.max_bytes);
        let doc: Doc = match serde_json::from_reader(&mut limited) {
            Ok(d) => d,
            Err(e) if tripped.get() => {
                return Err(limit_error(
                    input,
                    self.max_bytes,
                    format!("document is larger ({e})"),
                ));
            }
            Err(e) => {
                return Err(FeedError::malformed(
                    input,
                    format!("not a CSAF JSON document: {e}"),
                ));
            }
        };
        let mut merger = Merger::default();
        doc.statements(input, &mut merger)?;
        merger.emit(KIND, emit);
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct Doc {
    document: Document,
    #[serde(default)]
    product_tree: ProductTree,
    #[serde(default)]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Default, Deserialize)]
struct Document {
    #[serde(default)]
    tracking: Tracking,
    #[serde(default)]
    aggregate_severity: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
struct Tracking {
    #[serde(default)]
    id: String,
    #[serde(default)]
    status: String,
}

#[derive(Debug, Default, Deserialize)]
struct Text {
    #[serde(default)]
    text: String,
}

#[derive(Debug, Default, Deserialize)]
struct ProductTree {
    #[serde(default)]
    branches: Vec<Branch>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Debug, Deserialize)]
struct Branch {
    #[serde(default)]
    category: String,
    #[serde(default)]
    product: Option<Product>,
    #[serde(default)]
    branches: Vec<Branch>,
}

#[derive(Debug, Deserialize)]
struct Product {
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<Helper>,
}

#[derive(Debug, Default, Deserialize)]
struct Helper {
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Relationship {
    full_product_name: FullName,
    product_reference: String,
    relates_to_product_reference: String,
}

#[derive(Debug, Deserialize)]
struct FullName {
    product_id: String,
}

#[derive(Debug, Deserialize)]
struct Vulnerability {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    product_status: HashMap<String, Vec<String>>,
    #[serde(default)]
    remediations: Vec<Remediation>,
    #[serde(default)]
    threats: Vec<Threat>,
}

#[derive(Debug, Deserialize)]
struct Remediation {
    #[serde(default)]
    category: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    product_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Threat {
    #[serde(default)]
    category: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    product_ids: Vec<String>,
}

/// A component as a product id or purl describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    /// `EPOCH:VERSION-RELEASE` when the component is a build.
    pub evr: Option<String>,
    pub arch: Option<String>,
    /// `NAME:STREAM`.
    pub module: Option<String>,
}

const ARCHES: &[&str] = &[
    "src", "noarch", "x86_64", "i686", "i386", "aarch64", "ppc64le", "ppc64", "ppc", "s390x",
    "s390", "armv7hl", "ia64",
];

/// Parses a component string: `curl-0:7.76.1-26.el9_3.2.src`, `curl`, `curl.src`,
/// `nodejs:18/nodejs`, or `MOD:STREAM:VERSION:CONTEXT:NAME-E:V-R.ARCH`.
pub fn parse_component(s: &str) -> Option<Component> {
    let s = s.trim();
    if s.is_empty() || s.len() > 1024 || s.contains(char::is_whitespace) {
        return None;
    }
    // `MODULE:STREAM/NAME` (unfixed module components).
    if let Some((m, name)) = s.split_once('/') {
        let module = module_stream(m)?;
        if m.split(':').count() != 2 || name.is_empty() || name.contains(['/', ':']) {
            return None;
        }
        return Some(Component {
            name: name.to_owned(),
            evr: None,
            arch: None,
            module: Some(module),
        });
    }
    // `NAME-E:V-R.ARCH::MODULE:STREAM` (fixed module builds in advisories).
    if let Some((nevra, label)) = s.split_once("::") {
        let mut c = parse_component(nevra)?;
        if c.module.is_some() || c.evr.is_none() {
            return None;
        }
        c.module = Some(module_stream(label)?);
        return Some(c);
    }
    let (rest, arch) = match s.rsplit_once('.') {
        Some((r, a)) if ARCHES.contains(&a) => (r, Some(a.to_owned())),
        _ => (s, None),
    };
    // NAME-EPOCH:VERSION-RELEASE: the epoch's ':' tells a build from a bare name.
    if let Some((nv, release)) = rest.rsplit_once('-')
        && let Some((name, ev)) = nv.rsplit_once('-')
        && let Some((epoch, version)) = ev.split_once(':')
        && !epoch.is_empty()
        && epoch.bytes().all(|b| b.is_ascii_digit())
        && !version.is_empty()
        && !release.is_empty()
        && !name.is_empty()
    {
        // A module build's name is prefixed by its label: `nodejs:18:8080…:63b34585:nodejs`.
        let (module, name) = match name.rsplit_once(':') {
            Some((label, n)) => (Some(module_stream(label)?), n),
            None => (None, name),
        };
        if name.is_empty() {
            return None;
        }
        return Some(Component {
            name: name.to_owned(),
            evr: Some(format!("{epoch}:{version}-{release}")),
            arch,
            module,
        });
    }
    if rest.contains(':') {
        return None;
    }
    Some(Component {
        name: rest.to_owned(),
        evr: None,
        arch: None,
        module: None,
    })
}

/// The namespace of a RHEL platform CPE: `rhel:9`, `rhel:9.0+eus`; `None` for other products.
pub fn cpe_namespace(cpe: &str) -> Option<String> {
    let rest = cpe
        .strip_prefix("cpe:/o:redhat:")
        .or_else(|| cpe.strip_prefix("cpe:/a:redhat:"))?;
    let mut parts = rest.split(':');
    let product = parts.next()?;
    let version = parts.next()?;
    let numeric = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !numeric(version) {
        return None;
    }
    match product {
        "enterprise_linux" => {
            let major = version.split('.').next()?;
            Some(format!("rhel:{major}"))
        }
        "rhel_eus" if version.contains('.') => Some(format!("rhel:{version}+eus")),
        _ => None,
    }
}

/// `https://access.redhat.com/errata/RHSA-2023:5763` → `RHSA-2023:5763`.
fn advisory_from_url(url: &str) -> Option<String> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    let ok = ["RHSA-", "RHBA-", "RHEA-"]
        .iter()
        .any(|p| last.starts_with(p));
    ok.then(|| last.to_owned())
}

struct Resolved<'d> {
    namespace: String,
    cpe: &'d str,
    component: Component,
}

impl Doc {
    fn statements(&self, input: &FeedInput, merger: &mut Merger) -> Result<(), FeedError> {
        if self
            .document
            .tracking
            .status
            .eq_ignore_ascii_case("deleted")
        {
            return Ok(());
        }
        let mut cpes: HashMap<&str, &str> = HashMap::new();
        let mut purls: HashMap<&str, &str> = HashMap::new();
        let mut stack: Vec<&Branch> = self.product_tree.branches.iter().collect();
        while let Some(b) = stack.pop() {
            stack.extend(b.branches.iter());
            let Some(p) = &b.product else { continue };
            let Some(h) = &p.product_identification_helper else {
                continue;
            };
            match b.category.as_str() {
                "product_name" => {
                    if let Some(c) = &h.cpe {
                        cpes.insert(&p.product_id, c);
                    }
                }
                "product_version" => {
                    if let Some(u) = &h.purl {
                        purls.insert(&p.product_id, u);
                    }
                }
                _ => {}
            }
        }
        let mut rels: HashMap<&str, (&str, &str)> = HashMap::new();
        for r in &self.product_tree.relationships {
            rels.insert(
                &r.full_product_name.product_id,
                (&r.product_reference, &r.relates_to_product_reference),
            );
        }
        let resolve = |pid: &str| -> Option<Resolved<'_>> {
            let (component, platform) = rels.get(pid)?;
            let cpe = cpes.get(platform)?;
            let namespace = cpe_namespace(cpe)?;
            let mut c = parse_component(component)?;
            if let Some(purl) = purls.get(component) {
                let (_, parts) = Purl::parse(purl).ok()?;
                if let Some(label) = parts.qualifier("rpmmod") {
                    // A label without a stream cannot be matched: skip the component.
                    c.module = Some(module_stream(label)?);
                }
            }
            Some(Resolved {
                namespace,
                cpe,
                component: c,
            })
        };
        let aggregate = self
            .document
            .aggregate_severity
            .as_ref()
            .map_or(Severity::Unknown, |t| severity_of(&t.text));
        let record_id = self.document.tracking.id.clone();
        for vuln in &self.vulnerabilities {
            let Some(cve) = vuln.cve.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
                continue;
            };
            if cve.len() > 64 {
                return Err(FeedError::malformed(input, "a cve id over 64 bytes"));
            }
            let mut remediation: HashMap<&str, &Remediation> = HashMap::new();
            for r in &vuln.remediations {
                for p in &r.product_ids {
                    // vendor_fix first: it names the advisory.
                    let e = remediation.entry(p.as_str()).or_insert(r);
                    if r.category == "vendor_fix" {
                        *e = r;
                    }
                }
            }
            let mut impact: HashMap<&str, Severity> = HashMap::new();
            for t in vuln.threats.iter().filter(|t| t.category == "impact") {
                for p in &t.product_ids {
                    impact.insert(p, severity_of(&t.details));
                }
            }
            let severity_of_product = |pid: &str| impact.get(pid).copied().unwrap_or(aggregate);
            let statement = |r: &Resolved<'_>, pid: &str, status, fixed, arches, remedy| {
                let advisory_ids = remediation
                    .get(pid)
                    .filter(|r| r.category == "vendor_fix")
                    .and_then(|r| r.url.as_deref())
                    .and_then(advisory_from_url)
                    .into_iter()
                    .collect();
                Statement {
                    vulnerability_id: cve.to_owned(),
                    namespace: r.namespace.clone(),
                    package: package_key(&r.component.name, r.component.module.as_deref()),
                    status,
                    fixed,
                    arches,
                    severity: severity_of_product(pid),
                    advisory_ids,
                    record_id: record_id.clone(),
                    cpes: std::iter::once(r.cpe.to_owned()).collect(),
                    signed_by: None,
                    remediation: remedy,
                }
            };

            // Fixed: group the builds per (namespace, module, evr) to prefer source rpms.
            let mut fixed: Vec<(&str, Resolved<'_>)> = Vec::new();
            for status in ["fixed", "first_fixed"] {
                for pid in vuln.product_status.get(status).into_iter().flatten() {
                    if let Some(r) = resolve(pid)
                        && r.component.evr.is_some()
                    {
                        fixed.push((pid, r));
                    }
                }
            }
            let with_src: BTreeSet<(String, Option<String>, String)> = fixed
                .iter()
                .filter(|(_, r)| r.component.arch.as_deref() == Some("src"))
                .map(|(_, r)| {
                    (
                        r.namespace.clone(),
                        r.component.module.clone(),
                        r.component.evr.clone().unwrap_or_default(),
                    )
                })
                .collect();
            for (pid, r) in &fixed {
                let key = (
                    r.namespace.clone(),
                    r.component.module.clone(),
                    r.component.evr.clone().unwrap_or_default(),
                );
                let is_src = r.component.arch.as_deref() == Some("src");
                if with_src.contains(&key) != is_src {
                    continue;
                }
                let arches = match (&r.component.arch, is_src) {
                    (Some(a), false) => Some(std::iter::once(a.clone()).collect()),
                    _ => None,
                };
                merger.add(statement(
                    r,
                    pid,
                    Status::Fixed,
                    r.component.evr.clone(),
                    arches,
                    None,
                ));
            }

            for pid in vuln
                .product_status
                .get("known_affected")
                .into_iter()
                .flatten()
            {
                let Some(r) = resolve(pid) else { continue };
                let (status, remedy) = match remediation.get(pid.as_str()) {
                    Some(rem) => {
                        let details = rem.details.trim();
                        let status = match rem.category.as_str() {
                            "no_fix_planned" => Status::WillNotFix,
                            "none_available" if details.eq_ignore_ascii_case("Fix deferred") => {
                                Status::FixDeferred
                            }
                            _ => Status::Affected,
                        };
                        let remedy = (!details.is_empty() && details.len() <= 200)
                            .then(|| details.to_owned());
                        (status, remedy)
                    }
                    None => (Status::Affected, None),
                };
                merger.add(statement(&r, pid, status, None, None, remedy));
            }

            for pid in vuln
                .product_status
                .get("known_not_affected")
                .into_iter()
                .flatten()
            {
                let Some(r) = resolve(pid) else { continue };
                merger.add(statement(&r, pid, Status::NotAffected, None, None, None));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        assert_eq!(
            parse_component("curl-0:7.76.1-26.el9_3.2.src"),
            Some(Component {
                name: "curl".into(),
                evr: Some("0:7.76.1-26.el9_3.2".into()),
                arch: Some("src".into()),
                module: None
            })
        );
        assert_eq!(
            parse_component("libcurl-minimal-debuginfo-0:7.76.1-26.el9_3.2.x86_64")
                .map(|c| (c.name, c.arch)),
            Some(("libcurl-minimal-debuginfo".into(), Some("x86_64".into())))
        );
        assert_eq!(
            parse_component("curl").map(|c| (c.name, c.evr)),
            Some(("curl".into(), None))
        );
        assert_eq!(
            parse_component("curl.src").map(|c| c.name),
            Some("curl".into())
        );
        assert_eq!(
            parse_component("go-toolset:rhel8/go-toolset"),
            Some(Component {
                name: "go-toolset".into(),
                evr: None,
                arch: None,
                module: Some("go-toolset:rhel8".into())
            })
        );
        assert_eq!(
            parse_component(
                "nodejs:18:8080020230823155029:63b34585:nodejs-1:18.17.1-1.module+el8.8.0+19757+8ca87034.x86_64"
            ),
            Some(Component {
                name: "nodejs".into(),
                evr: Some("1:18.17.1-1.module+el8.8.0+19757+8ca87034".into()),
                arch: Some("x86_64".into()),
                module: Some("nodejs:18".into())
            })
        );
        assert_eq!(
            parse_component("ruby-0:3.1.4-142.module+el8.9.0+21471+7d1e4a35.src::ruby:3.1"),
            Some(Component {
                name: "ruby".into(),
                evr: Some("0:3.1.4-142.module+el8.9.0+21471+7d1e4a35".into()),
                arch: Some("src".into()),
                module: Some("ruby:3.1".into())
            })
        );
        assert_eq!(parse_component("ruby::ruby:3.1"), None);
        assert_eq!(parse_component(""), None);
        assert_eq!(parse_component("a b"), None);
        assert_eq!(parse_component("rhel10/x"), None);
        assert_eq!(
            parse_component("rh-sso-7/sso76-openshift-rhel8@sha256:9079"),
            None
        );
    }

    #[test]
    fn cpes() {
        assert_eq!(
            cpe_namespace("cpe:/a:redhat:enterprise_linux:9::appstream").as_deref(),
            Some("rhel:9")
        );
        assert_eq!(
            cpe_namespace("cpe:/o:redhat:enterprise_linux:8").as_deref(),
            Some("rhel:8")
        );
        assert_eq!(
            cpe_namespace("cpe:/o:redhat:rhel_eus:9.0::baseos").as_deref(),
            Some("rhel:9.0+eus")
        );
        assert_eq!(cpe_namespace("cpe:/a:redhat:openshift:4.16::el9"), None);
        assert_eq!(
            cpe_namespace("cpe:/a:redhat:rhel_satellite_client:6::el9"),
            None
        );
        assert_eq!(cpe_namespace("cpe:/a:redhat:rhel_aus:8.2::appstream"), None);
        assert_eq!(
            advisory_from_url("https://access.redhat.com/errata/RHSA-2023:5763").as_deref(),
            Some("RHSA-2023:5763")
        );
    }
}
