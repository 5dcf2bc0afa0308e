//! `registry:REF`: images pulled from an OCI distribution / Docker Registry HTTP API v2
//! registry, streamed layer by layer into the walker. Nothing is written to disk.
//!
//! The pull: `GET /v2/NAME/manifests/REF` (index or manifest, at most
//! [`crate::MAX_JSON_BYTES`], its digest checked against the pinned digest or the
//! `Docker-Content-Digest` header); for an index, the entry for the requested platform
//! (`--platform`, default the host's), then its manifest by digest; then the config blob
//! (capped, digest checked). Layers are opened on demand by [`crate::Image::open_layer`]
//! (`GET /v2/NAME/blobs/DIGEST`), so the scanner's parallel layer walk is also a parallel
//! download, and each blob's digest is verified by the walker while it streams.
//!
//! Built on `ureq` (blocking, rustls) rather than the `oci-client` crate: oci-client is
//! async (tokio) and hands out blobs as async streams or whole buffers, while the layer
//! walker is a synchronous `Read` consumer running on scoped threads; bridging the two would
//! add a runtime and a channel per layer. It also has no docker credential helper support and
//! does not honour `Retry-After`. The protocol surface customs needs (five requests and two
//! auth schemes) is small enough to own.

mod auth;
mod client;
mod manifest;
mod name;
mod push;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use customs_model::Digest;

pub use auth::{Challenge, Credentials, docker_config_dir, from_docker_config, parse_challenge};
pub(crate) use client::{BlobReader, Client, TransferError};
pub use manifest::{
    Descriptor, ImageManifest, MAX_ENTRIES, Manifest, ManifestError, Platform, parse_manifest,
    select_platform,
};
pub use name::RegistryRef;
pub use push::{
    Artifact, ArtifactBlob, OCI_MANIFEST, PulledArtifact, Pushed, pull_artifact, push_artifact,
};

use crate::sources::{
    BlobLocation, ImageConfig, LayerInfo, check_digest, created_by, diff_ids, parse_json,
};
use crate::{Image, ImageError, ImageRef, MAX_JSON_BYTES};

/// The default connect and read timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default number of retries of `429` / `5xx` answers.
pub const DEFAULT_RETRIES: u32 = 4;

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// The platform to pick from an index (default: the host's).
    pub platform: Option<Platform>,
    /// HTTPS without certificate verification, or plain HTTP, for any registry.
    pub insecure: bool,
    /// Credentials given explicitly (flags, environment); they win over docker's config.
    pub credentials: Option<Credentials>,
    /// Docker's client config directory (default: `$DOCKER_CONFIG`, else `~/.docker`).
    pub docker_config: Option<PathBuf>,
    /// Connect timeout, and the longest wait for any single read.
    pub timeout: Duration,
    /// Retries of `429` and `5xx` answers.
    pub retries: u32,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            platform: None,
            insecure: false,
            credentials: None,
            docker_config: None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
        }
    }
}

fn bad_manifest(what: &str, e: &ManifestError) -> ImageError {
    ImageError::Invalid {
        what: what.to_owned(),
        reason: e.to_string(),
    }
}

/// Fetches a manifest or index and checks its digest.
fn fetch_manifest(
    client: &Client,
    reference: &str,
    expected: Option<&Digest>,
    hint: Option<&str>,
) -> Result<(Manifest, Digest, u64), ImageError> {
    let what = format!("{}:{reference} manifest", client.reference.name());
    let shown = format!("{}/{}", client.reference.name(), reference);
    let (bytes, content_type, header_digest) = client.get_small(
        &format!("manifests/{reference}"),
        Some(manifest::ACCEPT),
        MAX_JSON_BYTES,
        &what,
        &|text| ImageError::NotInRegistry {
            reference: shown.clone(),
            reason: text,
        },
    )?;
    let digest = if let Some(d) = expected {
        check_digest(&bytes, d, &what)?;
        d.clone()
    } else {
        let computed = Digest::sha256_of(&bytes);
        if let Some(h) = header_digest
            .as_deref()
            .and_then(|h| Digest::parse(h.trim()).ok())
            && h.algorithm() == computed.algorithm()
            && h != computed
        {
            return Err(ImageError::DigestMismatch {
                what,
                expected: h,
                actual: computed,
            });
        }
        computed
    };
    let parsed = parse_manifest(&bytes, content_type.as_deref(), hint)
        .map_err(|e| bad_manifest(&what, &e))?;
    Ok((parsed, digest, bytes.len() as u64))
}

/// Resolves the credentials for `reference`: explicit ones, else docker's config.
fn credentials_for(
    reference: &RegistryRef,
    options: &RegistryOptions,
) -> Result<Option<Credentials>, ImageError> {
    if let Some(c) = &options.credentials {
        return Ok(Some(c.clone()));
    }
    let Some(dir) = options.docker_config.clone().or_else(docker_config_dir) else {
        return Ok(None);
    };
    from_docker_config(&dir, &reference.registry).map_err(|reason| ImageError::RegistryAuth {
        registry: reference.registry.clone(),
        reason,
    })
}

/// Opens `name` in its registry: manifest (platform picked from an index), config, and
/// layers ready to stream.
pub(crate) fn open_registry(
    reference: &ImageRef,
    name: &str,
    options: &RegistryOptions,
) -> Result<Image, ImageError> {
    let parsed = RegistryRef::parse(name).map_err(|reason| ImageError::BadReference {
        reference: name.to_owned(),
        reason,
    })?;
    let credentials = credentials_for(&parsed, options)?;
    let client = Arc::new(Client::new(parsed.clone(), options, credentials));
    let (mut manifest, top_digest, _) = fetch_manifest(
        &client,
        &parsed.manifest_reference(),
        parsed.digest.as_ref(),
        None,
    )?;
    let mut manifest_digest = top_digest.clone();
    let platform = options.platform.clone().unwrap_or_else(Platform::host);
    let mut depth = 0;
    let image = loop {
        match manifest {
            Manifest::Image(m) => break m,
            Manifest::Index(entries) => {
                depth += 1;
                if depth > 2 {
                    return Err(ImageError::Invalid {
                        what: format!("{parsed}"),
                        reason: "indexes nested too deeply".into(),
                    });
                }
                let entry =
                    select_platform(&entries, &platform).map_err(|reason| ImageError::NoMatch {
                        what: parsed.to_string(),
                        reason,
                    })?;
                if entry.size > MAX_JSON_BYTES {
                    return Err(ImageError::TooLarge {
                        what: format!("manifest {}", entry.digest),
                        limit: MAX_JSON_BYTES,
                    });
                }
                let (m, d, len) = fetch_manifest(
                    &client,
                    &entry.digest.to_string(),
                    Some(&entry.digest),
                    entry.media_type.as_deref(),
                )?;
                if len != entry.size {
                    return Err(ImageError::Invalid {
                        what: format!("manifest {d}"),
                        reason: format!(
                            "the index says {} bytes, the registry sent {len}",
                            entry.size
                        ),
                    });
                }
                manifest = m;
                manifest_digest = d;
            }
        }
    };
    let what_config = format!("config {}", image.config.digest);
    if image.config.size > MAX_JSON_BYTES {
        return Err(ImageError::TooLarge {
            what: what_config,
            limit: MAX_JSON_BYTES,
        });
    }
    let (config_bytes, _, _) = client.get_small(
        &format!("blobs/{}", image.config.digest),
        None,
        MAX_JSON_BYTES,
        &what_config,
        &|text| ImageError::Invalid {
            what: what_config.clone(),
            reason: format!("listed in the manifest but not in the registry ({text})"),
        },
    )?;
    check_digest(&config_bytes, &image.config.digest, &what_config)?;
    let config: ImageConfig = parse_json(&config_bytes, &what_config)?;
    if options.platform.is_some() && !config.architecture.is_empty() {
        let got = Platform {
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
        };
        if !platform.matches(&got) {
            tracing::warn!(requested = %platform, image = %got, "the image is for another platform");
        }
    }
    let ids = diff_ids(&config, &what_config)?;
    if ids.len() != image.layers.len() {
        return Err(ImageError::Invalid {
            what: format!("manifest {manifest_digest}"),
            reason: format!(
                "{} layers but the config has {} diff_ids",
                image.layers.len(),
                ids.len()
            ),
        });
    }
    let created = created_by(&config, ids.len());
    let mut layers = Vec::with_capacity(ids.len());
    let mut locations = Vec::with_capacity(ids.len());
    for ((d, diff_id), created_by) in image.layers.iter().zip(ids).zip(created) {
        layers.push(LayerInfo {
            digest: Some(d.digest.clone()),
            diff_id,
            media_type: d.media_type.clone(),
            size: Some(d.size),
            created_by,
        });
        locations.push(BlobLocation::Registry {
            client: Arc::clone(&client),
            digest: d.digest.clone(),
            size: d.size,
        });
    }
    let repo_tags = parsed
        .tag
        .as_ref()
        .map(|t| vec![format!("{}:{t}", parsed.name())])
        .unwrap_or_default();
    Ok(Image {
        reference: reference.clone(),
        repo_tags,
        repo_digests: vec![format!("{}@{top_digest}", parsed.name())],
        manifest_digest: Some(manifest_digest),
        config_digest: image.config.digest.clone(),
        config,
        layers,
        locations,
    })
}
