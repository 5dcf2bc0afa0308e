//! VEX documents: `OpenVEX`, `CycloneDX` VEX and CSAF VEX, read into one statement model.
//!
//! A statement says what a vulnerability does to some products. customs suppresses a finding
//! when a statement for its vulnerability (by id or alias) says `not_affected` or `fixed`
//! (`CycloneDX`: `not_affected`, `false_positive`, `resolved`; CSAF: `known_not_affected`,
//! `fixed`) for a product that is the finding's package (its purl matches, see
//! [`crate::purl_matches`]), or for this image with the package among the statement's
//! subcomponents. `affected` and `under_investigation` statements never hide anything.
//!
//! Products are identified by purl (`OpenVEX` `@id`/`identifiers.purl`, `CycloneDX` `affects.ref`
//! resolved through the document's components, CSAF `product_identification_helper.purl`,
//! through `relationships` for components of a platform). An image is named by an
//! `pkg:oci/...@sha256:...` purl or its bare digest.

use std::collections::HashMap;
use std::path::Path;

use customs_model::{Finding, Package};
use serde_json::Value;

use crate::{PolicyError, purl_matches, read_limited};

/// The document formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexFormat {
    OpenVex,
    CycloneDx,
    Csaf,
}

impl VexFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            VexFormat::OpenVex => "OpenVEX",
            VexFormat::CycloneDx => "CycloneDX VEX",
            VexFormat::Csaf => "CSAF VEX",
        }
    }
}

/// What a statement says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexStatus {
    NotAffected,
    Fixed,
    Affected,
    UnderInvestigation,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Fixed => "fixed",
            VexStatus::Affected => "affected",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether a finding covered by the statement is suppressed.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// One statement, in any format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    pub vulnerability: String,
    pub aliases: Vec<String>,
    /// Product identifiers (purls, or image digests).
    pub products: Vec<String>,
    /// Components of the products the statement is about (purls).
    pub subcomponents: Vec<String>,
    pub status: VexStatus,
    pub justification: Option<String>,
    pub impact: Option<String>,
}

/// A parsed VEX document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexDocument {
    pub path: String,
    pub format: VexFormat,
    pub statements: Vec<VexStatement>,
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(s).collect())
        .unwrap_or_default()
}

/// An image reference in a product id: `pkg:oci/NAME@sha256:HEX...` or a bare digest.
fn image_digest(product: &str) -> Option<String> {
    let rest = product
        .strip_prefix("pkg:oci/")
        .map_or(product, |r| r.split_once('@').map_or("", |(_, v)| v));
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let rest = rest.replace("%3A", ":").replace("%3a", ":");
    rest.starts_with("sha256:").then_some(rest)
}

impl VexStatement {
    fn names(&self, finding: &Finding) -> bool {
        let ids = std::iter::once(&finding.vulnerability_id)
            .chain(&finding.aliases)
            .chain(&finding.advisory_ids);
        let mine = std::iter::once(&self.vulnerability).chain(&self.aliases);
        let mine: Vec<&String> = mine.collect();
        ids.into_iter()
            .any(|id| mine.iter().any(|m| m.eq_ignore_ascii_case(id)))
    }

    /// Whether the statement is about `package` in the image with `image_digest`.
    pub fn covers(&self, finding: &Finding, package: Option<&Package>, image: &str) -> bool {
        if !self.names(finding) {
            return false;
        }
        let Some(pkg) = package else { return false };
        let purl = pkg.purl.as_str();
        if self
            .products
            .iter()
            .any(|p| p.starts_with("pkg:") && !p.starts_with("pkg:oci/") && purl_matches(p, purl))
        {
            return true;
        }
        let this_image = self.products.is_empty()
            || self
                .products
                .iter()
                .any(|p| image_digest(p).is_some_and(|d| d == image));
        this_image && self.subcomponents.iter().any(|c| purl_matches(c, purl))
    }
}

impl VexDocument {
    /// The first suppressing statement about `finding`, if any.
    pub fn statement_for(
        &self,
        finding: &Finding,
        package: Option<&Package>,
        image: &str,
    ) -> Option<&VexStatement> {
        self.statements
            .iter()
            .find(|st| st.status.suppresses() && st.covers(finding, package, image))
    }

    pub fn read(path: &Path) -> Result<Self, PolicyError> {
        let bytes = read_limited(path)?;
        Self::parse(&path.display().to_string(), &bytes)
    }

    pub fn parse(path: &str, bytes: &[u8]) -> Result<Self, PolicyError> {
        let err = |message: String| PolicyError::Vex {
            path: path.to_owned(),
            message,
        };
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| err(format!("invalid JSON: {e}")))?;
        let (format, statements) = if doc
            .get("@context")
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("openvex"))
        {
            (VexFormat::OpenVex, openvex(&doc).map_err(err)?)
        } else if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            (VexFormat::CycloneDx, cyclonedx(&doc))
        } else if doc.pointer("/document/csaf_version").is_some() {
            (VexFormat::Csaf, csaf(&doc))
        } else {
            return Err(err(
                "expected an OpenVEX document (@context openvex), a CycloneDX BOM with vulnerabilities, or a CSAF document".into(),
            ));
        };
        Ok(VexDocument {
            path: path.to_owned(),
            format,
            statements,
        })
    }
}

fn openvex_status(s: &str) -> Option<VexStatus> {
    Some(match s {
        "not_affected" => VexStatus::NotAffected,
        "fixed" => VexStatus::Fixed,
        "affected" => VexStatus::Affected,
        "under_investigation" => VexStatus::UnderInvestigation,
        _ => return None,
    })
}

/// An `OpenVEX` product or subcomponent: `{"@id": ...}`, `{"identifiers": {"purl": ...}}`, or
/// (v0.0.1) a bare string.
fn openvex_ids(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(id) = s(v) {
        out.push(id);
    }
    if let Some(id) = v.get("@id").and_then(s) {
        out.push(id);
    }
    if let Some(p) = v.pointer("/identifiers/purl").and_then(s) {
        out.push(p);
    }
    out
}

fn openvex(doc: &Value) -> Result<Vec<VexStatement>, String> {
    let mut out = Vec::new();
    let list = doc
        .get("statements")
        .and_then(Value::as_array)
        .ok_or("OpenVEX document without statements")?;
    for (i, st) in list.iter().enumerate() {
        // v0.2 nests the vulnerability; v0.0.1 used a string.
        let vuln = st.get("vulnerability");
        let (name, aliases) = match vuln {
            Some(Value::String(n)) => (n.clone(), Vec::new()),
            Some(v) => (
                v.get("name").and_then(s).unwrap_or_default(),
                strings(v.get("aliases").unwrap_or(&Value::Null)),
            ),
            None => (String::new(), Vec::new()),
        };
        if name.is_empty() {
            return Err(format!("statement {i} names no vulnerability"));
        }
        let status_text = st.get("status").and_then(Value::as_str).unwrap_or("");
        let status = openvex_status(status_text)
            .ok_or_else(|| format!("statement {i}: unknown status {status_text:?}"))?;
        let mut products = Vec::new();
        let mut subcomponents = Vec::new();
        for p in st
            .get("products")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            products.extend(openvex_ids(p));
            for sc in p
                .get("subcomponents")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                subcomponents.extend(openvex_ids(sc));
            }
        }
        for sc in st
            .get("subcomponents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            subcomponents.extend(openvex_ids(sc));
        }
        out.push(VexStatement {
            vulnerability: name,
            aliases,
            products,
            subcomponents,
            status,
            justification: st.get("justification").and_then(s),
            impact: st.get("impact_statement").and_then(s),
        });
    }
    Ok(out)
}

fn cdx_components<'a>(v: &'a Value, map: &mut HashMap<&'a str, &'a str>, depth: usize) {
    if depth > 32 {
        return;
    }
    for c in v.as_array().into_iter().flatten() {
        if let (Some(r), Some(p)) = (
            c.get("bom-ref").and_then(Value::as_str),
            c.get("purl").and_then(Value::as_str),
        ) {
            map.insert(r, p);
        }
        if let Some(children) = c.get("components") {
            cdx_components(children, map, depth + 1);
        }
    }
}

fn cyclonedx(doc: &Value) -> Vec<VexStatement> {
    let mut refs: HashMap<&str, &str> = HashMap::new();
    if let Some(c) = doc.pointer("/metadata/component")
        && let (Some(r), Some(p)) = (
            c.get("bom-ref").and_then(Value::as_str),
            c.get("purl").and_then(Value::as_str),
        )
    {
        refs.insert(r, p);
    }
    cdx_components(doc.get("components").unwrap_or(&Value::Null), &mut refs, 0);
    let mut out = Vec::new();
    for v in doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = v.get("id").and_then(s) else {
            continue;
        };
        let state = v
            .pointer("/analysis/state")
            .and_then(Value::as_str)
            .unwrap_or("");
        let status = match state {
            "not_affected" | "false_positive" => VexStatus::NotAffected,
            "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
            "exploitable" => VexStatus::Affected,
            _ => VexStatus::UnderInvestigation,
        };
        let aliases = v
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("id").and_then(s))
            .collect();
        let mut products = Vec::new();
        for a in v
            .get("affects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(r) = a.get("ref").and_then(Value::as_str) else {
                continue;
            };
            // A BOM-link (`urn:cdx:SERIAL/VERSION#BOM-REF`) points into another BOM; its
            // fragment is the bom-ref, which tools usually set to the purl.
            let local = r.rsplit_once('#').map_or(r, |(_, frag)| frag);
            let resolved = refs.get(r).or_else(|| refs.get(local)).copied();
            products.push(resolved.unwrap_or(local).to_owned());
        }
        out.push(VexStatement {
            vulnerability: id,
            aliases,
            products,
            subcomponents: Vec::new(),
            status,
            justification: v.pointer("/analysis/justification").and_then(s),
            impact: v.pointer("/analysis/detail").and_then(s),
        });
    }
    out
}

fn csaf_branches<'a>(v: &'a Value, map: &mut HashMap<&'a str, &'a str>, depth: usize) {
    if depth > 32 {
        return;
    }
    for b in v.as_array().into_iter().flatten() {
        if let Some(p) = b.get("product") {
            csaf_product(p, map);
        }
        if let Some(children) = b.get("branches") {
            csaf_branches(children, map, depth + 1);
        }
    }
}

fn csaf_product<'a>(p: &'a Value, map: &mut HashMap<&'a str, &'a str>) {
    if let (Some(id), Some(purl)) = (
        p.get("product_id").and_then(Value::as_str),
        p.pointer("/product_identification_helper/purl")
            .and_then(Value::as_str),
    ) {
        map.insert(id, purl);
    }
}

fn csaf(doc: &Value) -> Vec<VexStatement> {
    let mut purls: HashMap<&str, &str> = HashMap::new();
    let tree = doc.get("product_tree").unwrap_or(&Value::Null);
    csaf_branches(tree.get("branches").unwrap_or(&Value::Null), &mut purls, 0);
    for p in tree
        .get("full_product_names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        csaf_product(p, &mut purls);
    }
    // "component X as part of platform Y": the composed id stands for the component.
    for r in tree
        .get("relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(id), Some(component)) = (
            r.pointer("/full_product_name/product_id")
                .and_then(Value::as_str),
            r.get("product_reference").and_then(Value::as_str),
        ) && let Some(purl) = purls.get(component).copied()
        {
            purls.entry(id).or_insert(purl);
        }
    }
    let mut out = Vec::new();
    for v in doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(cve) = v
            .get("cve")
            .and_then(s)
            .or_else(|| v.pointer("/ids/0/text").and_then(s))
        else {
            continue;
        };
        let aliases: Vec<String> = v
            .get("ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("text").and_then(s))
            .collect();
        // The impact statement for a product: a `threats` entry of category "impact".
        let impact_for = |pid: &str| {
            v.get("threats")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|t| {
                    t.get("category").and_then(Value::as_str) == Some("impact")
                        && strings(t.get("product_ids").unwrap_or(&Value::Null))
                            .iter()
                            .any(|p| p == pid)
                })
                .and_then(|t| t.get("details").and_then(s))
        };
        let flag_for = |pid: &str| {
            v.get("flags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|f| {
                    strings(f.get("product_ids").unwrap_or(&Value::Null))
                        .iter()
                        .any(|p| p == pid)
                })
                .and_then(|f| f.get("label").and_then(s))
        };
        for (key, status) in [
            ("known_not_affected", VexStatus::NotAffected),
            ("fixed", VexStatus::Fixed),
            ("known_affected", VexStatus::Affected),
            ("under_investigation", VexStatus::UnderInvestigation),
        ] {
            let pids = strings(
                v.pointer(&format!("/product_status/{key}"))
                    .unwrap_or(&Value::Null),
            );
            for pid in pids {
                let Some(purl) = purls.get(pid.as_str()) else {
                    continue;
                };
                out.push(VexStatement {
                    vulnerability: cve.clone(),
                    aliases: aliases.clone(),
                    products: vec![(*purl).to_owned()],
                    subcomponents: Vec::new(),
                    status,
                    justification: flag_for(&pid),
                    impact: impact_for(&pid),
                });
            }
        }
    }
    out
}
