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
//! sometimes with a purl whose `rpmmod` qualifier names the module; older advisories write
//! `ruby-2.5.9-111.module+el8.9.0+….i686.rpm-ruby:2.5`, without the epoch, which is read from
//! the purl, see [`component_from_purl`]);
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
//!
//! Upstream location: Red Hat publishes the whole VEX corpus as one dated archive,
//! `…/csaf/v2/vex/csaf_vex_YYYY-MM-DD.tar.zst` (members `YEAR/cve-YEAR-N.json`), and names the
//! current one in `…/csaf/v2/vex/archive_latest.txt`; the default location is that file as a
//! `latest:` index (see `customs_feed::index`), so an update downloads the archive only when
//! Red Hat publishes a new one. Documents changed after the archive's date (Red Hat's
//! `changes.csv` / `deletions.csv`) are not applied: the records are as of the archive.
//! Archive members that are not `.json` files are skipped.

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

/// The default location: Red Hat's current VEX archive, named by `archive_latest.txt`.
pub const LATEST_VEX_ARCHIVE: &str =
    "latest:https://security.access.redhat.com/data/csaf/v2/vex/archive_latest.txt";

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
        "Red Hat CSAF VEX per CVE (the current archive named by archive_latest.txt) and CSAF advisories (fixed, affected, will-not-fix, fix-deferred, not-affected per RHEL release)"
    }

    /// The current VEX archive, through `archive_latest.txt` ([`LATEST_VEX_ARCHIVE`]). A
    /// directory of per-CVE files or an archive works with `--feed` too.
    fn default_locations(&self) -> Vec<String> {
        vec![LATEST_VEX_ARCHIVE.to_owned()]
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        // A member of an archive (`ARCHIVE!member`) that is not a document: nothing to read.
        if input.location.contains('!')
            && !std::path::Path::new(&input.file_name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            return Ok(());
        }
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

/// Whether a product id has the form of Red Hat's older CSAF advisories:
/// `NAME-VERSION-RELEASE.ARCH.rpm`, for a module build followed by `-MODULE:STREAM`
/// (`ruby-2.5.9-111.module+el8.9.0+19193+435404ae.i686.rpm-ruby:2.5`). The epoch is not in
/// the id; the product's purl carries it.
pub fn is_rpm_file_form(id: &str) -> bool {
    id.match_indices(".rpm").any(|(i, m)| {
        let rest = &id[i + m.len()..];
        rest.is_empty() || rest.starts_with('-')
    })
}

/// A component of the older advisory form (see [`is_rpm_file_form`]) read from its purl,
/// `pkg:rpm/redhat/NAME@VERSION-RELEASE?arch=ARCH[&epoch=N][&rpmmod=MODULE:STREAM:…]` (no
/// `epoch` qualifier means epoch 0). `None` unless the purl is an rpm purl with a
/// `VERSION-RELEASE` and the id starts with `NAME-VERSION-RELEASE.`, or when its `rpmmod`
/// label has no stream.
pub fn component_from_purl(id: &str, purl: &str) -> Option<Component> {
    let (_, parts) = Purl::parse(purl).ok()?;
    if parts.ty != "rpm" {
        return None;
    }
    let name = parts.name.as_str();
    let version = parts.version.as_deref()?;
    let plain = |s: &str| {
        !s.is_empty() && s.len() <= 256 && !s.contains(|c: char| c.is_whitespace() || c == ':')
    };
    let (v, r) = version.rsplit_once('-')?;
    if !plain(name) || name.contains('/') || !plain(v) || !plain(r) {
        return None;
    }
    if !id.starts_with(&format!("{name}-{version}.")) {
        return None;
    }
    let epoch = parts.qualifier("epoch").unwrap_or("0");
    if epoch.is_empty() || epoch.len() > 10 || !epoch.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let arch = parts
        .qualifier("arch")
        .filter(|a| ARCHES.contains(a))
        .map(str::to_owned);
    let module = match parts.qualifier("rpmmod") {
        Some(label) => Some(module_stream(label)?),
        None => None,
    };
    Some(Component {
        name: name.to_owned(),
        evr: Some(format!("{epoch}:{version}")),
        arch,
        module,
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
            let mut c = if is_rpm_file_form(component) {
                component_from_purl(component, purls.get(component)?)?
            } else {
                parse_component(component)?
            };
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
    fn older_advisory_form_is_read_from_the_purl() {
        // RHSA-2023:7025 (vunnel's fixture): a module build in the older product id form.
        let id = "ruby-2.5.9-111.module+el8.9.0+19193+435404ae.src.rpm-ruby:2.5";
        let purl = "pkg:rpm/redhat/ruby@2.5.9-111.module%2Bel8.9.0%2B19193%2B435404ae?arch=src&rpmmod=ruby:2.5:8090020230627084142:b46abd14";
        assert!(is_rpm_file_form(id));
        assert!(!is_rpm_file_form("curl-0:7.76.1-26.el9_3.2.src"));
        assert!(!is_rpm_file_form(
            "ruby-0:3.1.4-142.module+el8.9.0+21471+7d1e4a35.src::ruby:3.1"
        ));
        // The parser of the newer forms cannot read it.
        assert_eq!(parse_component(id), None);
        assert_eq!(
            component_from_purl(id, purl),
            Some(Component {
                name: "ruby".into(),
                evr: Some("0:2.5.9-111.module+el8.9.0+19193+435404ae".into()),
                arch: Some("src".into()),
                module: Some("ruby:2.5".into())
            })
        );
        // A non-modular build, with an epoch.
        assert_eq!(
            component_from_purl(
                "bind-9.8.2-0.68.rc1.el6_10.17.x86_64.rpm",
                "pkg:rpm/redhat/bind@9.8.2-0.68.rc1.el6_10.17?arch=x86_64&epoch=32"
            )
            .and_then(|c| c.evr),
            Some("32:9.8.2-0.68.rc1.el6_10.17".into())
        );
        // A purl that does not describe the id, a version without a release, a module
        // label without a stream: nothing.
        assert_eq!(
            component_from_purl(id, "pkg:rpm/redhat/curl@7.61.1-33.el8?arch=src"),
            None
        );
        assert_eq!(
            component_from_purl("ruby-2.5.9.src.rpm", "pkg:rpm/redhat/ruby@2.5.9"),
            None
        );
        assert_eq!(
            component_from_purl(
                id,
                "pkg:rpm/redhat/ruby@2.5.9-111.module%2Bel8.9.0%2B19193%2B435404ae?arch=src&rpmmod=ruby"
            ),
            None
        );
    }

    /// An excerpt of RHSA-2023:7025 as Red Hat publishes it: the `ruby` source and `x86_64`
    /// builds and the `rubygem-bigdecimal` `x86_64` build of the `ruby:2.5` module stream,
    /// fixed on the RHEL 8 `AppStream`. The source build keys `ruby` (its binary build is
    /// folded into it); `rubygem-bigdecimal` has another version than any source build listed,
    /// so it is keyed by its binary name and arch.
    #[test]
    fn older_advisory_form_gives_records() {
        let product = |id: &str, purl: &str| {
            serde_json::json!({"category": "product_version", "name": id,
                "product": {"name": id, "product_id": id,
                    "product_identification_helper": {"purl": purl}}})
        };
        let ruby_src = "ruby-2.5.9-111.module+el8.9.0+19193+435404ae.src.rpm-ruby:2.5";
        let ruby_x86 = "ruby-2.5.9-111.module+el8.9.0+19193+435404ae.x86_64.rpm-ruby:2.5";
        let bigdec =
            "rubygem-bigdecimal-1.3.4-111.module+el8.9.0+19193+435404ae.x86_64.rpm-ruby:2.5";
        let mod_q = "rpmmod=ruby:2.5:8090020230627084142:b46abd14";
        let relationships: Vec<serde_json::Value> = [ruby_src, ruby_x86, bigdec]
            .iter()
            .map(|c| {
                serde_json::json!({
                    "category": "default_component_of",
                    "full_product_name": {"name": c, "product_id": format!("AppStream-8.9.0.GA:{c}")},
                    "product_reference": c,
                    "relates_to_product_reference": "AppStream-8.9.0.GA"})
            })
            .collect();
        let fixed: Vec<String> = [ruby_src, ruby_x86, bigdec]
            .iter()
            .map(|c| format!("AppStream-8.9.0.GA:{c}"))
            .collect();
        let doc = serde_json::json!({
            "document": {"tracking": {"id": "RHSA-2023:7025", "status": "final"},
                         "aggregate_severity": {"text": "Moderate"}},
            "product_tree": {
                "branches": [{"category": "vendor", "branches": [
                    {"category": "product_family", "branches": [
                        {"category": "product_name", "product": {
                            "name": "Red Hat Enterprise Linux AppStream (v. 8)",
                            "product_id": "AppStream-8.9.0.GA",
                            "product_identification_helper": {"cpe": "cpe:/a:redhat:enterprise_linux:8::appstream"}}}]},
                    {"category": "architecture", "branches": [
                        product(ruby_src, &format!("pkg:rpm/redhat/ruby@2.5.9-111.module%2Bel8.9.0%2B19193%2B435404ae?arch=src&{mod_q}")),
                        product(ruby_x86, &format!("pkg:rpm/redhat/ruby@2.5.9-111.module%2Bel8.9.0%2B19193%2B435404ae?arch=x86_64&{mod_q}")),
                        product(bigdec, &format!("pkg:rpm/redhat/rubygem-bigdecimal@1.3.4-111.module%2Bel8.9.0%2B19193%2B435404ae?arch=x86_64&{mod_q}"))]}]}],
                "relationships": relationships
            },
            "vulnerabilities": [{"cve": "CVE-2021-33621",
                "product_status": {"fixed": fixed},
                "remediations": [{"category": "vendor_fix", "details": "x",
                    "url": "https://access.redhat.com/errata/RHSA-2023:7025",
                    "product_ids": [format!("AppStream-8.9.0.GA:{ruby_src}")]}],
                "threats": [{"category": "impact", "details": "Moderate"}]}]
        });
        let input = FeedInput {
            kind: KIND.into(),
            location: "rhsa-2023_7025.json".into(),
            file_name: "rhsa-2023_7025.json".into(),
        };
        let bytes = serde_json::to_vec(&doc).unwrap();
        let mut out = Vec::new();
        CsafParser::new()
            .parse(&input, &mut &bytes[..], &mut |a| out.push(a))
            .unwrap();
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = out
            .iter()
            .map(|a| {
                (
                    a.namespace.as_str(),
                    a.package.as_str(),
                    a.fixed_version.as_deref(),
                    crate::util::note_value(a.notes.as_deref(), "arch"),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "rhel:8",
                    "ruby:2.5/ruby",
                    Some("0:2.5.9-111.module+el8.9.0+19193+435404ae"),
                    None
                ),
                (
                    "rhel:8",
                    "ruby:2.5/rubygem-bigdecimal",
                    Some("0:1.3.4-111.module+el8.9.0+19193+435404ae"),
                    Some("x86_64")
                ),
            ]
        );
        assert!(
            out.iter()
                .all(|a| a.vulnerability_id == "CVE-2021-33621" && a.status == Status::Fixed)
        );
        assert_eq!(out[0].advisory_ids, ["RHSA-2023:7025"]);
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
