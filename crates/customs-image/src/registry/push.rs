//! OCI artifacts: pushing a manifest of arbitrary blobs to a registry and pulling one back
//! (the customs database travels this way; see docs/db-artifact.md).
//!
//! The push follows the OCI distribution spec with the requests every registry implements:
//! for each blob, `HEAD /v2/NAME/blobs/DIGEST` (already there: skip), else
//! `POST /v2/NAME/blobs/uploads/` (202 and a `Location`) then one monolithic
//! `PUT LOCATION?digest=DIGEST` with the bytes (`Content-Length` from the file, streamed
//! from disk); then `PUT /v2/NAME/manifests/TAG` with the image manifest (media type
//! `application/vnd.oci.image.manifest.v1+json`, with `artifactType`). Registries that do not
//! know `artifactType` (distribution 2.8) store and serve it verbatim, and the config media
//! type carries the same information.
//!
//! Authentication is the registry client's: a `401` is answered by its challenge (Basic
//! credentials, or a Bearer token whose scope the registry names — `pull,push` for uploads),
//! with the same credential sources as pulls. Retries of `429`/`5xx` and transport failures
//! are the client's too; each retry re-reads the blob from the start.
//!
//! The pull fetches the manifest (digest checked against the pinned digest or
//! `Docker-Content-Digest`), refuses indexes and documents that are not OCI image manifests,
//! and returns the descriptors with the config blob (capped, digest checked). Layer blobs are
//! streamed by [`PulledArtifact::download_blob`], which checks size and digest.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use customs_model::Digest;
use serde_json::{Value, json};
use sha2::Digest as _;
use ureq::http::Response;

use super::client::{BlobReader, Client, error_text, header};
use super::{Descriptor, RegistryOptions, RegistryRef, credentials_for};
use crate::{ImageError, MAX_JSON_BYTES};

/// The OCI image manifest media type (artifacts use it too since image-spec 1.1).
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// What a pull asks for: OCI manifests and, to report them clearly, indexes and Docker ones.
const ARTIFACT_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json;q=0.5, \
application/vnd.docker.distribution.manifest.v2+json;q=0.5, \
application/vnd.docker.distribution.manifest.list.v2+json;q=0.5";

/// One blob to push from a file.
#[derive(Debug, Clone)]
pub struct ArtifactBlob {
    pub media_type: String,
    pub path: PathBuf,
    pub digest: Digest,
    pub size: u64,
    pub annotations: BTreeMap<String, String>,
}

/// An artifact to push: a config blob (in memory, small) and layer blobs (files).
#[derive(Debug, Clone)]
pub struct Artifact {
    pub artifact_type: String,
    pub config_media_type: String,
    pub config: Vec<u8>,
    pub layers: Vec<ArtifactBlob>,
    pub annotations: BTreeMap<String, String>,
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `registry/repository:tag`.
    pub reference: String,
    pub manifest_digest: Digest,
    /// Blobs uploaded (the others were already in the registry).
    pub uploaded: usize,
}

fn client_for(
    reference: &str,
    options: &RegistryOptions,
) -> Result<(Client, RegistryRef), ImageError> {
    let parsed = RegistryRef::parse(reference).map_err(|reason| ImageError::BadReference {
        reference: reference.to_owned(),
        reason,
    })?;
    let credentials = credentials_for(&parsed, options)?;
    Ok((Client::new(parsed.clone(), options, credentials), parsed))
}

/// Builds and sends one request, given the `Authorization` header value.
type MakeRequest<'a> = dyn Fn(Option<&str>) -> Result<Response<ureq::Body>, ureq::Error> + 'a;

/// Sends a request made by `make` (given the `Authorization` value), answering one `401`
/// per request with the client's authentication.
fn authed(
    client: &Client,
    what: &str,
    make: &MakeRequest<'_>,
) -> Result<Response<ureq::Body>, ImageError> {
    let mut authenticated = false;
    loop {
        let authorization = client
            .authorization
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let sent = authorization.is_some();
        let resp = client.send(what, &|| make(authorization.as_deref()))?;
        let status = resp.status().as_u16();
        if status == 401 && !authenticated {
            authenticated = true;
            client.authenticate(&resp, what)?;
            continue;
        }
        if status == 401 || status == 403 {
            return Err(client.auth_error(status, sent, &resp));
        }
        return Ok(resp);
    }
}

fn body_text(resp: Response<ureq::Body>) -> String {
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let _ = resp
        .into_body()
        .into_reader()
        .take(64 * 1024)
        .read_to_end(&mut body);
    error_text(status, &body)
}

fn url(client: &Client, path: &str) -> String {
    format!("{}/v2/{}/{path}", client.base, client.reference.repository)
}

/// Uploads one blob unless the registry has it. `open` yields its bytes (called again on
/// retries). Returns whether it was uploaded.
fn push_blob(
    client: &Client,
    digest: &Digest,
    size: u64,
    open: &dyn Fn() -> io::Result<ureq::SendBody<'static>>,
) -> Result<bool, ImageError> {
    let what = format!("blob {digest}");
    let head = authed(client, &what, &|auth| {
        let mut req = client.agent.head(url(client, &format!("blobs/{digest}")));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.call()
    })?;
    if head.status().as_u16() == 200 {
        return Ok(false);
    }
    let start = authed(client, &what, &|auth| {
        let mut req = client
            .agent
            .post(url(client, "blobs/uploads/"))
            .header("Content-Length", "0");
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send_empty()
    })?;
    let status = start.status().as_u16();
    if status != 202 {
        return Err(
            client.registry_error(format!("{what}: starting the upload: {}", body_text(start)))
        );
    }
    let location = header(&start, "location")
        .ok_or_else(|| client.registry_error(format!("{what}: no Location in the upload answer")))?
        .to_owned();
    drop(start);
    let mut target = if location.starts_with("http://") || location.starts_with("https://") {
        location
    } else if location.starts_with('/') {
        format!("{}{location}", client.base)
    } else {
        return Err(client.registry_error(format!("{what}: unusable upload location {location:?}")));
    };
    target.push(if target.contains('?') { '&' } else { '?' });
    target.push_str("digest=");
    target.push_str(&digest.to_string());
    let put = authed(client, &what, &|auth| {
        let body = open().map_err(ureq::Error::Io)?;
        let mut req = client
            .agent
            .put(&target)
            .header("Content-Type", "application/octet-stream")
            .header("Content-Length", size.to_string());
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send(body)
    })?;
    let status = put.status().as_u16();
    if status != 201 && status != 204 {
        return Err(client.registry_error(format!("{what}: upload refused: {}", body_text(put))));
    }
    if let Some(d) = header(&put, "docker-content-digest")
        && let Ok(d) = Digest::parse(d.trim())
        && d.algorithm() == digest.algorithm()
        && &d != digest
    {
        return Err(ImageError::DigestMismatch {
            what,
            expected: digest.clone(),
            actual: d,
        });
    }
    Ok(true)
}

fn descriptor(
    media_type: &str,
    digest: &Digest,
    size: u64,
    annotations: &BTreeMap<String, String>,
) -> Value {
    let mut d = json!({ "mediaType": media_type, "digest": digest.to_string(), "size": size });
    if !annotations.is_empty() {
        d["annotations"] = json!(annotations);
    }
    d
}

/// Pushes `artifact` to `reference` (`HOST[:PORT]/REPO:TAG`): its blobs, then the manifest.
pub fn push_artifact(
    reference: &str,
    options: &RegistryOptions,
    artifact: &Artifact,
) -> Result<Pushed, ImageError> {
    let (client, parsed) = client_for(reference, options)?;
    if parsed.digest.is_some() {
        return Err(ImageError::BadReference {
            reference: reference.to_owned(),
            reason: "push needs a tag, not a digest".into(),
        });
    }
    let tag = parsed.tag.clone().unwrap_or_else(|| "latest".to_owned());
    let mut uploaded = 0;
    let config_digest = Digest::sha256_of(&artifact.config);
    let config = artifact.config.clone();
    if push_blob(&client, &config_digest, config.len() as u64, &|| {
        Ok(ureq::SendBody::from_owned_reader(io::Cursor::new(
            config.clone(),
        )))
    })? {
        uploaded += 1;
    }
    for layer in &artifact.layers {
        let path = layer.path.clone();
        if push_blob(&client, &layer.digest, layer.size, &|| {
            let f = std::fs::File::open(&path)?;
            Ok(ureq::SendBody::from_owned_reader(
                io::BufReader::with_capacity(1 << 20, f),
            ))
        })? {
            uploaded += 1;
        }
    }
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact.artifact_type,
        "config": descriptor(&artifact.config_media_type, &config_digest, artifact.config.len() as u64, &BTreeMap::new()),
        "layers": artifact.layers.iter().map(|l| descriptor(&l.media_type, &l.digest, l.size, &l.annotations)).collect::<Vec<_>>(),
    });
    if !artifact.annotations.is_empty() {
        manifest["annotations"] = json!(artifact.annotations);
    }
    let bytes = serde_json::to_vec(&manifest).expect("manifest serializes");
    let manifest_digest = Digest::sha256_of(&bytes);
    let what = format!("manifest {}:{tag}", parsed.name());
    let put = authed(&client, &what, &|auth| {
        let mut req = client
            .agent
            .put(url(&client, &format!("manifests/{tag}")))
            .header("Content-Type", OCI_MANIFEST);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send(&bytes[..])
    })?;
    let status = put.status().as_u16();
    if status != 201 && status != 200 {
        return Err(client.registry_error(format!("{what}: refused: {}", body_text(put))));
    }
    Ok(Pushed {
        reference: format!("{}:{tag}", parsed.name()),
        manifest_digest,
        uploaded,
    })
}

/// A pulled artifact manifest and its config; layers are downloaded on demand.
#[derive(Debug)]
pub struct PulledArtifact {
    /// `registry/repository@digest`.
    pub reference: String,
    pub manifest_digest: Digest,
    /// The manifest's `mediaType` (or the Content-Type when the manifest has none).
    pub media_type: Option<String>,
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    /// The config blob, digest checked.
    pub config_bytes: Vec<u8>,
    pub layers: Vec<Descriptor>,
    client: Arc<Client>,
}

/// Why an artifact document is not usable.
fn not_artifact(what: &str, reason: impl Into<String>) -> ImageError {
    ImageError::Invalid {
        what: what.to_owned(),
        reason: reason.into(),
    }
}

fn parse_descriptor(v: &Value, what: &str) -> Result<Descriptor, ImageError> {
    let digest = v["digest"]
        .as_str()
        .and_then(|d| Digest::parse(d).ok())
        .ok_or_else(|| not_artifact(what, "a descriptor without a valid digest"))?;
    let size = v["size"]
        .as_u64()
        .ok_or_else(|| not_artifact(what, "a descriptor without a size"))?;
    Ok(Descriptor {
        media_type: v["mediaType"].as_str().map(str::to_owned),
        digest,
        size,
        platform: None,
    })
}

/// Fetches the manifest of `reference` and its config blob (at most `max_config` bytes).
/// Anything but an OCI (or Docker v2) image manifest is refused with a message naming what
/// it is.
pub fn pull_artifact(
    reference: &str,
    options: &RegistryOptions,
    max_config: u64,
) -> Result<PulledArtifact, ImageError> {
    let (client, parsed) = client_for(reference, options)?;
    let client = Arc::new(client);
    let manifest_ref = parsed.manifest_reference();
    let what = format!("{}:{manifest_ref} manifest", parsed.name());
    let shown = format!("{}/{manifest_ref}", parsed.name());
    let (bytes, content_type, header_digest) = client.get_small(
        &format!("manifests/{manifest_ref}"),
        Some(ARTIFACT_ACCEPT),
        MAX_JSON_BYTES,
        &what,
        &|text| ImageError::NotInRegistry {
            reference: shown.clone(),
            reason: text,
        },
    )?;
    let computed = Digest::sha256_of(&bytes);
    let expected = parsed.digest.clone().or_else(|| {
        header_digest
            .as_deref()
            .and_then(|h| Digest::parse(h.trim()).ok())
            .filter(|h| h.algorithm() == computed.algorithm())
    });
    if let Some(e) = expected
        && e != computed
    {
        return Err(ImageError::DigestMismatch {
            what,
            expected: e,
            actual: computed,
        });
    }
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| not_artifact(&what, format!("not JSON: {e}")))?;
    let media_type = v["mediaType"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_owned()));
    if v.get("manifests").is_some() {
        return Err(not_artifact(
            &what,
            format!(
                "an index of {} manifests ({}), not a single artifact manifest",
                v["manifests"].as_array().map_or(0, Vec::len),
                media_type.as_deref().unwrap_or("no media type")
            ),
        ));
    }
    if v["schemaVersion"].as_u64() != Some(2) {
        return Err(not_artifact(&what, "not a schema 2 manifest"));
    }
    let config = parse_descriptor(&v["config"], &what)?;
    let layers = v["layers"]
        .as_array()
        .ok_or_else(|| not_artifact(&what, "no layers"))?
        .iter()
        .take(super::MAX_ENTRIES + 1)
        .map(|l| parse_descriptor(l, &what))
        .collect::<Result<Vec<_>, _>>()?;
    if layers.len() > super::MAX_ENTRIES {
        return Err(not_artifact(&what, "too many layers"));
    }
    let what_config = format!("config {}", config.digest);
    if config.size > max_config {
        return Err(ImageError::TooLarge {
            what: what_config,
            limit: max_config,
        });
    }
    let (config_bytes, _, _) = client.get_small(
        &format!("blobs/{}", config.digest),
        None,
        max_config,
        &what_config,
        &|text| {
            not_artifact(
                &what_config,
                format!("listed in the manifest but not in the registry ({text})"),
            )
        },
    )?;
    let got = Digest::sha256_of(&config_bytes);
    if got != config.digest {
        return Err(ImageError::DigestMismatch {
            what: what_config,
            expected: config.digest.clone(),
            actual: got,
        });
    }
    Ok(PulledArtifact {
        reference: format!("{}@{computed}", parsed.name()),
        manifest_digest: computed,
        media_type,
        artifact_type: v["artifactType"].as_str().map(str::to_owned),
        config,
        config_bytes,
        layers,
        client,
    })
}

impl PulledArtifact {
    /// Streams blob `desc` into `out`, checking its size and digest (resuming broken
    /// downloads like image layers). On a mismatch `out` holds unverified bytes: write to a
    /// temporary file and discard it on error.
    pub fn download_blob(&self, desc: &Descriptor, out: &mut dyn Write) -> Result<u64, ImageError> {
        let what = format!("blob {}", desc.digest);
        let mut reader = BlobReader::new(Arc::clone(&self.client), desc.digest.clone(), desc.size);
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(ImageError::Registry {
                        registry: self.client.reference.registry.clone(),
                        reason: format!("{what}: {e}"),
                    });
                }
            };
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(ImageError::Io)?;
            total += n as u64;
        }
        if total != desc.size {
            return Err(not_artifact(
                &what,
                format!(
                    "the registry sent {total} bytes, the manifest says {}",
                    desc.size
                ),
            ));
        }
        let got = Digest::from_sha256_output(&hasher.finalize());
        if got != desc.digest {
            return Err(ImageError::DigestMismatch {
                what,
                expected: desc.digest.clone(),
                actual: got,
            });
        }
        Ok(total)
    }
}
