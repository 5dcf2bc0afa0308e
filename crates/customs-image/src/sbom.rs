//! `sbom:PATH`: an inventory someone else produced, as `CycloneDX` (1.4–1.6) or SPDX 2.3 JSON.
//!
//! Packages come from their purls (the part of an SBOM that identifies a package
//! unambiguously); the distro from the SBOM's operating-system component when present, else
//! from the purls' `distro` qualifier. The result is shaped exactly like an image scan's
//! inventory so that an SBOM scan and an image scan of the same image agree: ecosystem = purl
//! type, name, version as the package manager prints it (rpm epochs come back from the
//! `epoch` qualifier), architecture, and the source package from `upstream`.

use std::collections::BTreeMap;
use std::path::Path;

use customs_model::{Distro, Package, PackageOrigin, Purl, PurlParts};
use serde::Deserialize;

use crate::ImageError;

/// SBOMs are JSON documents read whole; 256 MiB covers the largest real ones.
pub const MAX_SBOM_BYTES: u64 = 256 << 20;

/// What an SBOM says: packages, the distro if any, and problems met.
#[derive(Debug, Clone, Default)]
pub struct SbomInventory {
    pub format: String,
    pub packages: Vec<Package>,
    pub distro: Option<Distro>,
    pub problems: Vec<String>,
}

#[derive(Deserialize)]
struct CycloneDx {
    #[serde(rename = "bomFormat")]
    bom_format: String,
    #[serde(rename = "specVersion", default)]
    spec_version: String,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct Spdx {
    #[serde(rename = "spdxVersion")]
    spdx_version: String,
    #[serde(default)]
    packages: Vec<SpdxPackage>,
}

#[derive(Deserialize)]
struct SpdxPackage {
    #[serde(default)]
    name: String,
    #[serde(rename = "versionInfo", default)]
    version_info: Option<String>,
    #[serde(rename = "primaryPackagePurpose", default)]
    purpose: Option<String>,
    #[serde(rename = "externalRefs", default)]
    external_refs: Vec<SpdxRef>,
}

#[derive(Deserialize)]
struct SpdxRef {
    #[serde(rename = "referenceType", default)]
    kind: String,
    #[serde(rename = "referenceLocator", default)]
    locator: String,
}

/// Reads an SBOM file.
pub fn read_sbom(path: &Path) -> Result<SbomInventory, ImageError> {
    let meta = std::fs::metadata(path).map_err(|_| ImageError::NotFound(path.to_owned()))?;
    if meta.len() > MAX_SBOM_BYTES {
        return Err(ImageError::TooLarge {
            what: path.display().to_string(),
            limit: MAX_SBOM_BYTES,
        });
    }
    let bytes = fs_err::read(path)?;
    parse_sbom(&bytes, &path.display().to_string())
}

/// Parses SBOM bytes; `what` names the input in errors.
pub fn parse_sbom(bytes: &[u8], what: &str) -> Result<SbomInventory, ImageError> {
    let not_sbom = |reason: String| ImageError::NotAnImage {
        path: what.into(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|source| ImageError::Json {
            what: what.to_owned(),
            source,
        })?;
    let mut inv = SbomInventory::default();
    // (purl, name, version) per package, and OS candidates (id, version).
    let mut entries: Vec<(String, String, Option<String>)> = Vec::new();
    let mut os: Option<(String, String)> = None;
    if value.get("bomFormat").is_some() {
        let bom: CycloneDx = serde_json::from_value(value).map_err(|source| ImageError::Json {
            what: what.to_owned(),
            source,
        })?;
        if bom.bom_format != "CycloneDX" {
            return Err(not_sbom(format!(
                "bomFormat {:?} is not CycloneDX",
                bom.bom_format
            )));
        }
        inv.format = format!("CycloneDX {}", bom.spec_version);
        let mut stack: Vec<&CdxComponent> = bom.components.iter().collect();
        let mut seen = 0usize;
        while let Some(c) = stack.pop() {
            seen += 1;
            if seen > 1_000_000 {
                return Err(not_sbom("more than a million components".into()));
            }
            stack.extend(c.components.iter());
            if c.kind == "operating-system" {
                os = Some((
                    c.name.to_ascii_lowercase(),
                    c.version.clone().unwrap_or_default(),
                ));
            } else if let Some(p) = &c.purl {
                entries.push((p.clone(), c.name.clone(), c.version.clone()));
            }
        }
    } else if value.get("spdxVersion").is_some() {
        let doc: Spdx = serde_json::from_value(value).map_err(|source| ImageError::Json {
            what: what.to_owned(),
            source,
        })?;
        if !doc.spdx_version.starts_with("SPDX-2.") {
            return Err(not_sbom(format!(
                "{} is not supported (SPDX 2.x JSON is)",
                doc.spdx_version
            )));
        }
        inv.format.clone_from(&doc.spdx_version);
        for p in &doc.packages {
            // The artifact itself (syft: CONTAINER) and files are not packages.
            if matches!(p.purpose.as_deref(), Some("CONTAINER" | "FILE" | "SOURCE")) {
                continue;
            }
            if p.purpose.as_deref() == Some("OPERATING-SYSTEM") {
                os = Some((
                    p.name.to_ascii_lowercase(),
                    p.version_info.clone().unwrap_or_default(),
                ));
                continue;
            }
            if let Some(r) = p.external_refs.iter().find(|r| r.kind == "purl") {
                entries.push((r.locator.clone(), p.name.clone(), p.version_info.clone()));
            }
        }
    } else {
        return Err(not_sbom(
            "neither CycloneDX (bomFormat) nor SPDX (spdxVersion) JSON".into(),
        ));
    }

    let mut distro_qualifier = None;
    for (purl, name, version) in entries {
        match Purl::parse(&purl) {
            Ok((_, parts)) => {
                if distro_qualifier.is_none() {
                    distro_qualifier = parts.qualifier("distro").map(str::to_owned);
                }
                if matches!(parts.ty.as_str(), "oci" | "docker") {
                    continue;
                }
                if let Some(p) = to_package(&parts, what) {
                    inv.packages.push(p);
                } else {
                    inv.problems.push(format!(
                        "{name} {}: purl {purl:?} has no version",
                        version.unwrap_or_default()
                    ));
                }
            }
            Err(e) => inv.problems.push(format!("{name}: {e}")),
        }
    }
    inv.distro = os
        .filter(|(id, _)| !id.is_empty())
        .map(|(id, version)| distro(&id, &version))
        .or_else(|| {
            let q = distro_qualifier?;
            let (id, version) = q.rsplit_once('-')?;
            Some(distro(id, version))
        });
    inv.packages.sort_by(|a, b| {
        (&a.ecosystem, &a.name, &a.version, &a.arch).cmp(&(
            &b.ecosystem,
            &b.name,
            &b.version,
            &b.arch,
        ))
    });
    inv.packages.dedup_by(|a, b| a.id == b.id);
    Ok(inv)
}

fn distro(id: &str, version: &str) -> Distro {
    Distro {
        id: id.to_owned(),
        family: id.to_owned(),
        version: version.to_owned(),
        codename: None,
        pretty_name: None,
        source_file: "sbom".into(),
    }
}

fn to_package(parts: &PurlParts, what: &str) -> Option<Package> {
    let mut version = parts.version.clone()?;
    if matches!(parts.ty.as_str(), "oci" | "docker") {
        // The scanned artifact itself, not a package in it.
        return None;
    }
    let ecosystem = parts.ty.clone();
    // rpm: purls carry the epoch as a qualifier; rpm prints EPOCH:VERSION-RELEASE.
    if ecosystem == "rpm"
        && let Some(epoch) = parts.qualifier("epoch")
        && !version.contains(':')
    {
        version = format!("{epoch}:{version}");
    }
    let arch = parts.qualifier("arch").map(str::to_owned);
    // `upstream` is the source package, optionally `NAME@VERSION` (deb) or an SRPM file (rpm).
    let (source_name, source_version) = match parts.qualifier("upstream") {
        Some(u) if ecosystem == "rpm" => {
            let stem = u.strip_suffix(".src.rpm").unwrap_or(u);
            let mut it = stem.rsplitn(3, '-');
            match (it.next(), it.next(), it.next()) {
                (Some(rel), Some(ver), Some(name)) => {
                    (Some(name.to_owned()), Some(format!("{ver}-{rel}")))
                }
                _ => (Some(stem.to_owned()), None),
            }
        }
        Some(u) => match u.split_once('@') {
            Some((n, v)) => (Some(n.to_owned()), Some(v.to_owned())),
            None => (Some(u.to_owned()), None),
        },
        None => (None, None),
    };
    // OS package managers always have a source; default it as their analyzers do.
    let (source_name, source_version) = if matches!(ecosystem.as_str(), "deb" | "rpm" | "apk") {
        (
            source_name.or_else(|| Some(parts.name.clone())),
            source_version.or_else(|| Some(version.clone())),
        )
    } else {
        (source_name, source_version)
    };
    let name = match (&parts.namespace, ecosystem.as_str()) {
        (Some(ns), "maven") => format!("{ns}:{}", parts.name),
        (Some(ns), "golang" | "npm" | "composer" | "swift") => format!("{ns}/{}", parts.name),
        _ => parts.name.clone(),
    };
    let found_in = format!("sbom:{what}");
    let quals: BTreeMap<&str, &str> = parts
        .qualifiers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let quals: Vec<(&str, &str)> = quals.into_iter().collect();
    Some(Package {
        id: Package::compute_id(&ecosystem, &name, &version, arch.as_deref(), &found_in),
        ecosystem: ecosystem.clone(),
        purl: Purl::new(
            &ecosystem,
            parts.namespace.as_deref(),
            &parts.name,
            parts.version.as_deref(),
            &quals,
        ),
        name,
        version,
        arch,
        source_name,
        source_version,
        layer_diff_id: None,
        found_in,
        origin: PackageOrigin::Installed,
        licenses: Vec::new(),
        files: Vec::new(),
        scope: None,
        provides: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_and_spdx() {
        let cdx = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
            {"type":"operating-system","name":"debian","version":"12"},
            {"type":"library","name":"libssl3","version":"3.0.11-1~deb12u2","purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12"},
            {"type":"library","name":"openssl-libs","version":"1.1.1k-5.el8_5","purl":"pkg:rpm/redhat/openssl-libs@1.1.1k-5.el8_5?arch=x86_64&epoch=1&upstream=openssl-1.1.1k-5.el8_5.src.rpm"}]}"#;
        let inv = parse_sbom(cdx, "t.json").unwrap();
        assert_eq!(
            inv.distro
                .as_ref()
                .map(|d| (d.id.as_str(), d.version.as_str())),
            Some(("debian", "12"))
        );
        let deb = inv.packages.iter().find(|p| p.ecosystem == "deb").unwrap();
        assert_eq!(
            (deb.source_name.as_deref(), deb.arch.as_deref()),
            (Some("openssl"), Some("amd64"))
        );
        let rpm = inv.packages.iter().find(|p| p.ecosystem == "rpm").unwrap();
        assert_eq!(rpm.version, "1:1.1.1k-5.el8_5");
        assert_eq!(
            (rpm.source_name.as_deref(), rpm.source_version.as_deref()),
            (Some("openssl"), Some("1.1.1k-5.el8_5"))
        );

        let spdx = br#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"debian","versionInfo":"11","primaryPackagePurpose":"OPERATING-SYSTEM"},
            {"name":"bash","versionInfo":"5.1-2","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/debian/bash@5.1-2?arch=amd64"}]}]}"#;
        let inv = parse_sbom(spdx, "s.json").unwrap();
        assert_eq!(inv.packages.len(), 1);
        assert_eq!(inv.distro.unwrap().version, "11");
    }

    #[test]
    fn bad_documents() {
        assert!(parse_sbom(b"{}", "x").is_err());
        assert!(parse_sbom(b"not json", "x").is_err());
        assert!(parse_sbom(br#"{"bomFormat":"CycloneDX","components":"nope"}"#, "x").is_err());
        assert!(parse_sbom(br#"{"spdxVersion":"SPDX-3.0"}"#, "x").is_err());
        let inv = parse_sbom(
            br#"{"bomFormat":"CycloneDX","components":[{"name":"x","purl":"garbage"}]}"#,
            "x",
        )
        .unwrap();
        assert_eq!(inv.problems.len(), 1);
    }
}
