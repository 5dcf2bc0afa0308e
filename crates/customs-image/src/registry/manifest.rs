//! Manifests and indexes as registries serve them.
//!
//! Four documents are understood: the OCI image manifest and index, and Docker's schema 2
//! manifest and manifest list (the same shapes under other media types). Docker schema 1
//! (`fsLayers`, signed JWS) is recognised only to be refused with a message saying what to do.
//!
//! What a document is comes, in order, from its own `mediaType` field, the `Content-Type` the
//! registry sent, and the media type of the index entry that pointed at it. Some tools (umoci)
//! write no `mediaType` at all, and some registries answer with a generic Content-Type; only
//! when all three are silent does the shape decide (`manifests` → index, `config` → image).
//!
//! Limits: the document is at most [`crate::MAX_JSON_BYTES`] (4 MiB, checked by the caller
//! before parsing); at most [`MAX_ENTRIES`] layers or index entries; `serde_json`'s recursion
//! limit (128) bounds nesting.

use std::fmt;

use customs_model::Digest;
use serde::Deserialize;

/// The most layers or index entries one document may list.
pub const MAX_ENTRIES: usize = 10_000;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// The `Accept` header for manifest requests: every type understood, schema 1 last (asked
/// for only so that a schema-1-only image gets a clear refusal instead of a 404).
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json;q=0.9, \
application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.1, \
application/vnd.docker.distribution.manifest.v1+json;q=0.1";

/// Config media types of container images (anything else is an artifact: a Helm chart, a
/// signature, an SBOM attestation).
const IMAGE_CONFIGS: [&str; 2] = [
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestError {
    /// Not JSON, or not the shape of any known document.
    Malformed(String),
    /// A Docker schema 1 manifest.
    Schema1,
    /// A well-formed document that is not a container image (an artifact).
    NotAnImage(String),
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::Malformed(m) => write!(f, "malformed manifest: {m}"),
            ManifestError::Schema1 => f.write_str(
                "a Docker schema 1 manifest (deprecated, not supported); re-push the image with a \
                 current Docker or with `skopeo copy --format v2s2`",
            ),
            ManifestError::NotAnImage(m) => write!(f, "not a container image: {m}"),
        }
    }
}

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: Option<String>,
    pub digest: Digest,
    pub size: u64,
    pub platform: Option<Platform>,
}

/// One image: config and layers, bottom first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageManifest {
    pub media_type: String,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

/// A parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    Image(ImageManifest),
    /// An index / manifest list: one entry per platform (or artifact).
    Index(Vec<Descriptor>),
}

/// `os/architecture[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The platform of this machine (`linux/amd64`, `linux/arm64/v8`, ...).
    pub fn host() -> Self {
        let (architecture, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", Some("v8")),
            "x86" => ("386", None),
            "arm" => ("arm", Some("v7")),
            "powerpc64" => ("ppc64le", None),
            other => (other, None),
        };
        Platform {
            os: "linux".into(),
            architecture: architecture.into(),
            variant: variant.map(str::to_owned),
        }
    }

    /// Whether an index entry for `other` serves this platform. A missing variant matches
    /// the architecture's default (`arm64` means `v8`); a requested variant must match.
    pub fn matches(&self, other: &Platform) -> bool {
        let default_variant = |p: &Platform| -> Option<String> {
            p.variant
                .clone()
                .or_else(|| (p.architecture == "arm64").then(|| "v8".to_owned()))
        };
        self.os == other.os
            && self.architecture == other.architecture
            && (self.variant.is_none() || default_variant(self) == default_variant(other))
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok = |p: &str| {
            !p.is_empty()
                && p.len() <= 32
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(Platform {
                os: (*os).to_owned(),
                architecture: (*arch).to_owned(),
                variant: None,
            }),
            [os, arch, variant] if ok(os) && ok(arch) && ok(variant) => Ok(Platform {
                os: (*os).to_owned(),
                architecture: (*arch).to_owned(),
                variant: Some((*variant).to_owned()),
            }),
            _ => Err(format!(
                "bad platform {s:?}: expected OS/ARCH[/VARIANT], e.g. linux/arm64 or linux/arm/v7"
            )),
        }
    }
}

#[derive(Deserialize)]
struct RawDescriptor {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    digest: String,
    size: i64,
    #[serde(default)]
    platform: Option<RawPlatform>,
}

#[derive(Deserialize)]
struct RawPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct RawDocument {
    #[serde(rename = "schemaVersion", default)]
    schema_version: Option<i64>,
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    // Kept as values: the document's kind is decided before its parts are checked, so that
    // a schema 1 manifest is refused as such rather than as a malformed schema 2 one.
    #[serde(default)]
    config: Option<serde_json::Value>,
    #[serde(default)]
    layers: Option<serde_json::Value>,
    #[serde(default)]
    manifests: Option<serde_json::Value>,
    #[serde(rename = "fsLayers", default)]
    fs_layers: Option<serde_json::Value>,
}

fn descriptors(value: serde_json::Value, what: &str) -> Result<Vec<Descriptor>, ManifestError> {
    let raw: Vec<RawDescriptor> = serde_json::from_value(value)
        .map_err(|e| ManifestError::Malformed(format!("{what}: {e}")))?;
    if raw.len() > MAX_ENTRIES {
        return Err(ManifestError::Malformed(format!(
            "more than {MAX_ENTRIES} {what}"
        )));
    }
    raw.into_iter().map(|d| descriptor(d, what)).collect()
}

fn descriptor(raw: RawDescriptor, what: &str) -> Result<Descriptor, ManifestError> {
    let digest = Digest::parse(&raw.digest).map_err(|e| {
        ManifestError::Malformed(format!("{what}: bad digest {:?}: {e}", raw.digest))
    })?;
    let size = u64::try_from(raw.size)
        .map_err(|_| ManifestError::Malformed(format!("{what} {digest}: negative size")))?;
    Ok(Descriptor {
        media_type: raw.media_type,
        digest,
        size,
        platform: raw.platform.map(|p| Platform {
            os: p.os,
            architecture: p.architecture,
            variant: p.variant.filter(|v| !v.is_empty()),
        }),
    })
}

fn known(media_type: &str) -> bool {
    [
        OCI_MANIFEST,
        OCI_INDEX,
        DOCKER_MANIFEST,
        DOCKER_LIST,
        DOCKER_SCHEMA1,
        DOCKER_SCHEMA1_SIGNED,
    ]
    .contains(&media_type)
}

/// Parses a manifest or index. `content_type` is the response's Content-Type (parameters
/// allowed); `hint` the media type of the descriptor that pointed here.
pub fn parse_manifest(
    bytes: &[u8],
    content_type: Option<&str>,
    hint: Option<&str>,
) -> Result<Manifest, ManifestError> {
    let doc: RawDocument =
        serde_json::from_slice(bytes).map_err(|e| ManifestError::Malformed(e.to_string()))?;
    let content_type = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim())
        .filter(|c| known(c));
    let hint = hint.filter(|h| known(h));
    let media_type = doc
        .media_type
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| content_type.map(str::to_owned))
        .or_else(|| hint.map(str::to_owned));
    let media_type = match media_type {
        Some(m) => m,
        None if doc.schema_version == Some(1) || doc.fs_layers.is_some() => DOCKER_SCHEMA1.into(),
        None if doc.manifests.is_some() => OCI_INDEX.into(),
        None if doc.config.is_some() => OCI_MANIFEST.into(),
        None => {
            return Err(ManifestError::Malformed(
                "no mediaType and neither `manifests` nor `config`".into(),
            ));
        }
    };
    if media_type == DOCKER_SCHEMA1
        || media_type == DOCKER_SCHEMA1_SIGNED
        || doc.schema_version == Some(1)
    {
        return Err(ManifestError::Schema1);
    }
    match media_type.as_str() {
        OCI_INDEX | DOCKER_LIST => {
            let entries = doc
                .manifests
                .ok_or_else(|| ManifestError::Malformed("an index without `manifests`".into()))?;
            let entries = descriptors(entries, "index entries")?;
            Ok(Manifest::Index(entries))
        }
        OCI_MANIFEST | DOCKER_MANIFEST => {
            let config = doc.config.ok_or_else(|| {
                ManifestError::Malformed("an image manifest without `config`".into())
            })?;
            let config: RawDescriptor = serde_json::from_value(config)
                .map_err(|e| ManifestError::Malformed(format!("config: {e}")))?;
            let config = descriptor(config, "config")?;
            if let Some(m) = &config.media_type
                && !IMAGE_CONFIGS.contains(&m.as_str())
            {
                return Err(ManifestError::NotAnImage(format!("config media type {m}")));
            }
            let layers = descriptors(
                doc.layers.unwrap_or(serde_json::Value::Array(Vec::new())),
                "layers",
            )?;
            Ok(Manifest::Image(ImageManifest {
                media_type,
                config,
                layers,
            }))
        }
        other => Err(ManifestError::NotAnImage(format!("media type {other}"))),
    }
}

/// Picks the entry of an index for `platform`. Entries for `unknown/unknown` (build
/// attestations) are never candidates. The error lists the platforms the index has.
pub fn select_platform<'a>(
    entries: &'a [Descriptor],
    platform: &Platform,
) -> Result<&'a Descriptor, String> {
    let candidates: Vec<&Descriptor> = entries
        .iter()
        .filter(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| p.os != "unknown" && p.architecture != "unknown")
        })
        .collect();
    if let Some(found) = candidates
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)))
    {
        return Ok(found);
    }
    // Entries with no platform at all: a single one is the image.
    let unlabelled: Vec<&Descriptor> = entries.iter().filter(|d| d.platform.is_none()).collect();
    if candidates.is_empty() && unlabelled.len() == 1 {
        return Ok(unlabelled[0]);
    }
    let mut available: Vec<String> = candidates
        .iter()
        .filter_map(|d| d.platform.as_ref().map(ToString::to_string))
        .collect();
    available.sort();
    available.dedup();
    Err(if available.is_empty() {
        format!("no manifest for {platform}: the index names no platforms")
    } else {
        format!(
            "no manifest for {platform}; available: {} (choose with --platform)",
            available.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: char) -> String {
        format!("sha256:{}", n.to_string().repeat(64))
    }

    #[test]
    fn the_media_type_comes_from_the_document_then_the_header_then_the_index() {
        let image = format!(
            r#"{{"schemaVersion":2,"config":{{"digest":"{}","size":2}},"layers":[{{"digest":"{}","size":3}}]}}"#,
            d('a'),
            d('b')
        );
        let Manifest::Image(m) = parse_manifest(image.as_bytes(), None, None).unwrap() else {
            panic!("an image");
        };
        assert_eq!(m.media_type, OCI_MANIFEST);
        assert_eq!(m.layers.len(), 1);
        let Manifest::Image(m) = parse_manifest(
            image.as_bytes(),
            Some(&format!("{DOCKER_MANIFEST}; charset=utf-8")),
            None,
        )
        .unwrap() else {
            panic!("an image");
        };
        assert_eq!(m.media_type, DOCKER_MANIFEST);
        let Manifest::Image(m) = parse_manifest(
            image.as_bytes(),
            Some("application/json"),
            Some(DOCKER_MANIFEST),
        )
        .unwrap() else {
            panic!("an image");
        };
        assert_eq!(m.media_type, DOCKER_MANIFEST);
    }

    #[test]
    fn schema1_and_artifacts_are_refused() {
        let s1 = br#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}"#;
        assert_eq!(parse_manifest(s1, None, None), Err(ManifestError::Schema1));
        assert_eq!(
            parse_manifest(br#"{"config":{}}"#, Some(DOCKER_SCHEMA1_SIGNED), None),
            Err(ManifestError::Schema1)
        );
        let helm = format!(
            r#"{{"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"{}","size":1}},"layers":[]}}"#,
            d('c')
        );
        assert!(matches!(
            parse_manifest(helm.as_bytes(), None, None),
            Err(ManifestError::NotAnImage(_))
        ));
        for bad in [
            &b"[]"[..],
            b"{",
            b"{}",
            br#"{"manifests":[{"digest":"x","size":1}]}"#,
        ] {
            assert!(matches!(
                parse_manifest(bad, None, None),
                Err(ManifestError::Malformed(_))
            ));
        }
        let negative = format!(r#"{{"config":{{"digest":"{}","size":-1}}}}"#, d('a'));
        assert!(parse_manifest(negative.as_bytes(), None, None).is_err());
    }

    #[test]
    fn platforms_are_selected_or_listed() {
        let entry = |c, os: &str, arch: &str, v: Option<&str>| Descriptor {
            media_type: Some(OCI_MANIFEST.into()),
            digest: Digest::parse(&d(c)).unwrap(),
            size: 1,
            platform: Some(Platform {
                os: os.into(),
                architecture: arch.into(),
                variant: v.map(Into::into),
            }),
        };
        let entries = vec![
            entry('a', "linux", "amd64", None),
            entry('b', "linux", "arm64", Some("v8")),
            entry('c', "unknown", "unknown", None),
        ];
        let pick =
            |s: &str| select_platform(&entries, &s.parse().unwrap()).map(|d| d.digest.to_string());
        assert_eq!(pick("linux/amd64").unwrap(), d('a'));
        assert_eq!(pick("linux/arm64").unwrap(), d('b'));
        assert_eq!(pick("linux/arm64/v8").unwrap(), d('b'));
        let err = pick("linux/s390x").unwrap_err();
        assert!(
            err.contains("available: linux/amd64, linux/arm64/v8"),
            "{err}"
        );
        assert!(pick("linux/arm64/v9").is_err());
        assert!("linux".parse::<Platform>().is_err());
        assert!("linux/arm/v7/x".parse::<Platform>().is_err());
    }
}
