//! Image transports: docker-archive (legacy and Docker 25+) and OCI image layouts.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use customs_model::Digest;
use serde::{Deserialize, Serialize};

use crate::hashing::read_capped;
use crate::registry::RegistryOptions;
use crate::{ImageError, ImageRef, MAX_JSON_BYTES};

/// The parts of an image config customs uses (OCI image spec / Docker image JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub config: Option<RuntimeConfig>,
    #[serde(default)]
    pub rootfs: RootFs,
    #[serde(default)]
    pub history: Vec<History>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuntimeConfig {
    #[serde(rename = "User", default)]
    pub user: Option<String>,
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(rename = "ExposedPorts", default)]
    pub exposed_ports: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
    #[serde(default)]
    pub comment: Option<String>,
}

/// One layer of an image, bottom first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The digest of the blob as stored (compressed), when the transport records it.
    pub digest: Option<Digest>,
    /// The digest of the uncompressed tar (from the config's `rootfs.diff_ids`).
    pub diff_id: Digest,
    pub media_type: Option<String>,
    pub size: Option<u64>,
    /// The Dockerfile instruction that made the layer, from the config history.
    pub created_by: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum BlobLocation {
    /// A byte range of a file (an entry of a tar archive).
    Range {
        file: PathBuf,
        offset: u64,
        size: u64,
    },
    /// A whole file (an OCI layout blob).
    File(PathBuf),
    /// A blob in a registry, streamed (and resumed after broken connections) on open.
    Registry {
        client: std::sync::Arc<crate::registry::Client>,
        digest: Digest,
        size: u64,
    },
}

impl BlobLocation {
    fn open(&self) -> Result<Box<dyn Read + Send>, ImageError> {
        match self {
            BlobLocation::Range { file, offset, size } => {
                let mut f = fs_err::File::open(file)?;
                f.seek(SeekFrom::Start(*offset))?;
                Ok(Box::new(f.take(*size)))
            }
            BlobLocation::File(p) => Ok(Box::new(fs_err::File::open(p)?)),
            BlobLocation::Registry {
                client,
                digest,
                size,
            } => Ok(Box::new(crate::registry::BlobReader::new(
                std::sync::Arc::clone(client),
                digest.clone(),
                *size,
            ))),
        }
    }

    fn len(&self) -> Result<u64, ImageError> {
        match self {
            // The stream of a registry blob refuses to run past the descriptor's size.
            BlobLocation::Range { size, .. } | BlobLocation::Registry { size, .. } => Ok(*size),
            BlobLocation::File(p) => Ok(fs_err::metadata(p)?.len()),
        }
    }
}

/// An opened image: verified metadata and access to its layer blobs.
#[derive(Debug, Clone)]
pub struct Image {
    pub reference: ImageRef,
    pub repo_tags: Vec<String>,
    /// `registry/repository@digest` of the manifest (or index) the reference resolved to,
    /// for images pulled from a registry.
    pub repo_digests: Vec<String>,
    pub manifest_digest: Option<Digest>,
    pub config_digest: Digest,
    pub config: ImageConfig,
    pub layers: Vec<LayerInfo>,
    pub(crate) locations: Vec<BlobLocation>,
}

impl Image {
    /// An image whose layers were read as a stream (no random access afterwards).
    pub(crate) fn streamed(
        reference: ImageRef,
        repo_tags: Vec<String>,
        config_digest: Digest,
        config: ImageConfig,
        layers: Vec<LayerInfo>,
    ) -> Self {
        Image {
            reference,
            repo_tags,
            repo_digests: Vec::new(),
            manifest_digest: None,
            config_digest,
            config,
            layers,
            locations: Vec::new(),
        }
    }

    /// Opens layer `index` as a raw (possibly compressed) byte stream.
    pub fn open_layer(&self, index: usize) -> Result<Box<dyn Read + Send>, ImageError> {
        let Some(location) = self.locations.get(index) else {
            return Err(ImageError::Invalid {
                what: self.layer_label(index),
                reason: "this image was streamed; its layers cannot be reopened".into(),
            });
        };
        if let Some(expected) = self.layers[index].size {
            let actual = location.len()?;
            if actual != expected {
                return Err(ImageError::CorruptLayer {
                    layer: self.layer_label(index),
                    reason: format!(
                        "the blob is {actual} bytes but the manifest says {expected} (truncated or replaced)"
                    ),
                });
            }
        }
        location.open()
    }

    /// A short label for messages: `sha256:abcdef012345 (2/5)`.
    pub fn layer_label(&self, index: usize) -> String {
        let l = &self.layers[index];
        let d = l.digest.as_ref().unwrap_or(&l.diff_id);
        format!(
            "{}:{} ({}/{})",
            d.algorithm().as_str(),
            d.short(),
            index + 1,
            self.layers.len()
        )
    }
}

/// Opens the image `reference` points at and verifies its metadata (registries with the
/// default [`RegistryOptions`]).
pub fn open(reference: &ImageRef) -> Result<Image, ImageError> {
    open_with(reference, &RegistryOptions::default())
}

/// [`open`], with how to reach registries. A bare name ([`ImageRef::Name`]) is opened in its
/// registry here; trying the Docker daemon first is the caller's choice ([`crate::stream_docker`]).
pub fn open_with(reference: &ImageRef, registry: &RegistryOptions) -> Result<Image, ImageError> {
    match reference {
        ImageRef::Registry(name) | ImageRef::Name(name) => {
            crate::registry::open_registry(reference, name, registry)
        }
        ImageRef::DockerArchive(path) => open_docker_archive(reference, path),
        ImageRef::OciLayout { path, tag } => open_oci_layout(reference, path, tag.as_deref()),
        ImageRef::OciArchive { path, tag } => open_oci_archive(reference, path, tag.as_deref()),
        ImageRef::Dir(path) => open_dir(reference, path),
        ImageRef::Sbom(path) => {
            let bytes_digest = Digest::sha256_of(
                &fs_err::read(path).map_err(|_| ImageError::NotFound(path.clone()))?,
            );
            Ok(Image::streamed(
                reference.clone(),
                Vec::new(),
                bytes_digest,
                ImageConfig::default(),
                Vec::new(),
            ))
        }
        ImageRef::Docker(name) => Err(ImageError::Invalid {
            what: format!("docker:{name}"),
            reason: "images from the Docker daemon are streamed: use customs_image::stream_docker"
                .into(),
        }),
    }
}

/// A root filesystem: no manifest, no config, no layers. Its digest names the canonical path
/// (a tree has no content digest short of hashing every file).
fn open_dir(reference: &ImageRef, path: &Path) -> Result<Image, ImageError> {
    let meta = std::fs::metadata(path).map_err(|_| ImageError::NotFound(path.to_owned()))?;
    if !meta.is_dir() {
        return Err(ImageError::NotAnImage {
            path: path.to_owned(),
            reason: "dir: needs a directory".into(),
        });
    }
    let canonical = std::fs::canonicalize(path)?;
    let host_arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    Ok(Image {
        reference: reference.clone(),
        repo_tags: Vec::new(),
        repo_digests: Vec::new(),
        manifest_digest: None,
        config_digest: Digest::sha256_of(format!("dir:{}", canonical.display()).as_bytes()),
        config: ImageConfig {
            architecture: host_arch.into(),
            os: "linux".into(),
            ..ImageConfig::default()
        },
        layers: Vec::new(),
        locations: Vec::new(),
    })
}

pub(crate) fn parse_json<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    what: &str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|source| ImageError::Json {
        what: what.to_owned(),
        source,
    })
}

pub(crate) fn check_digest(bytes: &[u8], expected: &Digest, what: &str) -> Result<(), ImageError> {
    let actual = match expected.algorithm() {
        customs_model::DigestAlgorithm::Sha256 => Digest::sha256_of(bytes),
        customs_model::DigestAlgorithm::Sha512 => {
            use sha2::Digest as _;
            Digest::from_sha512_output(&sha2::Sha512::digest(bytes))
        }
    };
    if &actual != expected {
        return Err(ImageError::DigestMismatch {
            what: what.to_owned(),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(())
}

pub(crate) fn diff_ids(config: &ImageConfig, what: &str) -> Result<Vec<Digest>, ImageError> {
    config
        .rootfs
        .diff_ids
        .iter()
        .map(|d| {
            Digest::parse(d).map_err(|e| ImageError::Invalid {
                what: what.to_owned(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Pairs non-empty history entries with layers, in order.
pub(crate) fn created_by(config: &ImageConfig, n_layers: usize) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = config
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by.clone())
        .take(n_layers)
        .collect();
    out.resize(n_layers, None);
    out
}

// ---------------------------------------------------------------- docker-archive

#[derive(Debug, Clone, Copy)]
struct ArchiveEntry {
    offset: u64,
    size: u64,
}

const MAX_ARCHIVE_ENTRIES: usize = 100_000;

/// Indexes a tar archive: path → byte range, with links resolved to their targets.
fn index_tar(path: &Path) -> Result<HashMap<String, ArchiveEntry>, ImageError> {
    let mut file = fs_err::File::open(path)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic)?;
    if magic[..n].starts_with(&[0x1f, 0x8b]) || magic[..n].starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(ImageError::NotAnImage {
            path: path.to_owned(),
            reason: "a compressed archive (gzip or zstd); customs reads archives by random access: decompress it first (gunzip -k / zstd -d)".into(),
        });
    }
    file.seek(SeekFrom::Start(0))?;
    let mut archive = tar::Archive::new(file);
    let mut files = HashMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let not_image = |reason: String| ImageError::NotAnImage {
        path: path.to_owned(),
        reason,
    };
    let entries = archive
        .entries_with_seek()
        .map_err(|e| not_image(format!("not a tar archive: {e}")))?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ARCHIVE_ENTRIES {
            return Err(not_image(format!(
                "more than {MAX_ARCHIVE_ENTRIES} entries"
            )));
        }
        let entry = entry.map_err(|e| not_image(format!("not a valid tar archive: {e}")))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(name) = customs_analyzer::normalize_path(&name) else {
            continue;
        };
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            if let Ok(Some(target)) = entry.link_name() {
                let target = target.to_string_lossy().into_owned();
                let resolved = if kind.is_symlink() {
                    match name.rsplit_once('/') {
                        Some((dir, _)) => format!("{dir}/{target}"),
                        None => target,
                    }
                } else {
                    target
                };
                if let Some(r) = customs_analyzer::normalize_path(&resolved) {
                    links.push((name, r));
                }
            }
        } else if kind.is_file() {
            files.insert(
                name,
                ArchiveEntry {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                },
            );
        }
    }
    // `docker save` links identical layers to one another; resolve (bounded).
    for _ in 0..8 {
        let mut changed = false;
        for (name, target) in &links {
            if !files.contains_key(name)
                && let Some(e) = files.get(target).copied()
            {
                files.insert(name.clone(), e);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(files)
}

#[derive(Debug, Deserialize)]
pub(crate) struct DockerManifestEntry {
    #[serde(rename = "Config")]
    pub(crate) config: String,
    #[serde(rename = "RepoTags", default)]
    pub(crate) repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    pub(crate) layers: Vec<String>,
}

/// `blobs/sha256/HEX` → that digest.
pub(crate) fn digest_from_blob_path(p: &str) -> Option<Digest> {
    let rest = p.strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    Digest::parse(&format!("{alg}:{hex}")).ok()
}

fn read_entry(path: &Path, e: ArchiveEntry, what: &str) -> Result<Vec<u8>, ImageError> {
    if e.size > MAX_JSON_BYTES {
        return Err(ImageError::TooLarge {
            what: what.to_owned(),
            limit: MAX_JSON_BYTES,
        });
    }
    let mut f = fs_err::File::open(path)?;
    f.seek(SeekFrom::Start(e.offset))?;
    read_capped(f.take(e.size), MAX_JSON_BYTES, what)
}

fn open_docker_archive(reference: &ImageRef, path: &Path) -> Result<Image, ImageError> {
    if !path.exists() {
        return Err(ImageError::NotFound(path.to_owned()));
    }
    if path.is_dir() {
        return Err(ImageError::NotAnImage {
            path: path.to_owned(),
            reason: "a directory, not a docker save tarball".into(),
        });
    }
    let entries = index_tar(path)?;
    let what = |s: &str| format!("{}: {s}", path.display());
    let Some(manifest_entry) = entries.get("manifest.json") else {
        if entries.contains_key("index.json") && entries.contains_key("oci-layout") {
            let as_oci = ImageRef::OciArchive {
                path: path.to_owned(),
                tag: None,
            };
            return open_layout(
                &as_oci,
                &Layout::Tar {
                    file: path,
                    entries,
                },
                None,
            );
        }
        let reason = "no manifest.json inside (is this a `docker save` tarball?)";
        return Err(ImageError::NotAnImage {
            path: path.to_owned(),
            reason: reason.into(),
        });
    };
    let manifest_bytes = read_entry(path, *manifest_entry, &what("manifest.json"))?;
    let manifests: Option<Vec<DockerManifestEntry>> =
        parse_json(&manifest_bytes, &what("manifest.json"))?;
    let Some(m) = manifests.and_then(|v| v.into_iter().next()) else {
        return Err(ImageError::NotAnImage {
            path: path.to_owned(),
            reason: "manifest.json lists no image".into(),
        });
    };
    let config_name = customs_analyzer::normalize_path(&m.config).unwrap_or_default();
    let config_entry = entries
        .get(&config_name)
        .ok_or_else(|| ImageError::Invalid {
            what: what("manifest.json"),
            reason: format!("config {:?} is not in the archive", m.config),
        })?;
    let config_bytes = read_entry(path, *config_entry, &what(&config_name))?;
    // The config's file name is its digest (legacy `HEX.json`, or `blobs/sha256/HEX`).
    let config_digest = digest_from_blob_path(&config_name).or_else(|| {
        config_name
            .strip_suffix(".json")
            .and_then(|h| Digest::parse(&format!("sha256:{h}")).ok())
    });
    let config_digest = match config_digest {
        Some(d) => {
            check_digest(&config_bytes, &d, &what(&config_name))?;
            d
        }
        None => Digest::sha256_of(&config_bytes),
    };
    let config: ImageConfig = parse_json(&config_bytes, &what(&config_name))?;
    let diff_ids = diff_ids(&config, &what(&config_name))?;
    if diff_ids.len() != m.layers.len() {
        return Err(ImageError::Invalid {
            what: what("manifest.json"),
            reason: format!(
                "{} layers listed but the config has {} diff_ids",
                m.layers.len(),
                diff_ids.len()
            ),
        });
    }
    let created = created_by(&config, diff_ids.len());
    let mut layers = Vec::new();
    let mut locations = Vec::new();
    for ((layer_path, diff_id), created_by) in m.layers.iter().zip(diff_ids).zip(created) {
        let name = customs_analyzer::normalize_path(layer_path).unwrap_or_default();
        let e = entries.get(&name).ok_or_else(|| ImageError::Invalid {
            what: what("manifest.json"),
            reason: format!("layer {layer_path:?} is not in the archive"),
        })?;
        layers.push(LayerInfo {
            digest: digest_from_blob_path(&name),
            diff_id,
            media_type: None,
            size: Some(e.size),
            created_by,
        });
        locations.push(BlobLocation::Range {
            file: path.to_owned(),
            offset: e.offset,
            size: e.size,
        });
    }
    Ok(Image {
        reference: reference.clone(),
        repo_tags: m.repo_tags.unwrap_or_default(),
        repo_digests: Vec::new(),
        manifest_digest: None,
        config_digest,
        config,
        layers,
        locations,
    })
}

// ---------------------------------------------------------------- OCI layout

#[derive(Debug, Clone, Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    annotations: Option<HashMap<String, String>>,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Debug, Clone, Deserialize)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

const INDEX_TYPES: [&str; 2] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// Where an OCI layout lives: a directory, or a tar archive of one (`oci-archive:`).
enum Layout<'a> {
    Dir(&'a Path),
    Tar {
        file: &'a Path,
        entries: HashMap<String, ArchiveEntry>,
    },
}

impl Layout<'_> {
    fn display(&self) -> String {
        match self {
            Layout::Dir(p) => p.display().to_string(),
            Layout::Tar { file, .. } => file.display().to_string(),
        }
    }

    fn location(&self, rel: &str) -> Option<(BlobLocation, u64)> {
        match self {
            Layout::Dir(root) => {
                let p = root.join(rel);
                let len = std::fs::metadata(&p)
                    .ok()
                    .filter(std::fs::Metadata::is_file)?
                    .len();
                Some((BlobLocation::File(p), len))
            }
            Layout::Tar { file, entries } => {
                let e = entries.get(rel)?;
                Some((
                    BlobLocation::Range {
                        file: file.to_path_buf(),
                        offset: e.offset,
                        size: e.size,
                    },
                    e.size,
                ))
            }
        }
    }

    fn read_small(&self, rel: &str, what: &str) -> Result<Option<Vec<u8>>, ImageError> {
        let Some((loc, len)) = self.location(rel) else {
            return Ok(None);
        };
        if len > MAX_JSON_BYTES {
            return Err(ImageError::TooLarge {
                what: what.to_owned(),
                limit: MAX_JSON_BYTES,
            });
        }
        Ok(Some(read_capped(loc.open()?, MAX_JSON_BYTES, what)?))
    }
}

fn blob_rel(d: &Digest) -> String {
    format!("blobs/{}/{}", d.algorithm().as_str(), d.hex())
}

fn read_blob(
    layout: &Layout<'_>,
    desc: &Descriptor,
    what: &str,
) -> Result<(Digest, Vec<u8>), ImageError> {
    let digest = Digest::parse(&desc.digest).map_err(|e| ImageError::Invalid {
        what: what.to_owned(),
        reason: e.to_string(),
    })?;
    let what = format!("{what} {digest}");
    if desc.size.is_some_and(|s| s > MAX_JSON_BYTES) {
        return Err(ImageError::TooLarge {
            what,
            limit: MAX_JSON_BYTES,
        });
    }
    let bytes = layout
        .read_small(&blob_rel(&digest), &what)?
        .ok_or_else(|| ImageError::Invalid {
            what: what.clone(),
            reason: format!("blob missing from the layout ({})", layout.display()),
        })?;
    check_digest(&bytes, &digest, &what)?;
    if let Some(size) = desc.size
        && size != bytes.len() as u64
    {
        return Err(ImageError::Invalid {
            what,
            reason: format!("descriptor says {size} bytes, blob has {}", bytes.len()),
        });
    }
    Ok((digest, bytes))
}

fn ref_name(d: &Descriptor) -> Option<&str> {
    let a = d.annotations.as_ref()?;
    a.get("org.opencontainers.image.ref.name")
        .map(String::as_str)
}

fn open_oci_layout(
    reference: &ImageRef,
    root: &Path,
    tag: Option<&str>,
) -> Result<Image, ImageError> {
    if !root.exists() {
        return Err(ImageError::NotFound(root.to_owned()));
    }
    if !root.join("oci-layout").is_file() {
        return Err(ImageError::NotAnImage {
            path: root.to_owned(),
            reason: "no oci-layout file (not an OCI image layout)".into(),
        });
    }
    open_layout(reference, &Layout::Dir(root), tag)
}

fn open_oci_archive(
    reference: &ImageRef,
    path: &Path,
    tag: Option<&str>,
) -> Result<Image, ImageError> {
    if !path.exists() {
        return Err(ImageError::NotFound(path.to_owned()));
    }
    let entries = index_tar(path)?;
    if !entries.contains_key("index.json") {
        return Err(ImageError::NotAnImage {
            path: path.to_owned(),
            reason: "no index.json inside (is this an OCI archive?)".into(),
        });
    }
    open_layout(
        reference,
        &Layout::Tar {
            file: path,
            entries,
        },
        tag,
    )
}

fn open_layout(
    reference: &ImageRef,
    layout: &Layout<'_>,
    tag: Option<&str>,
) -> Result<Image, ImageError> {
    let what_index = format!("{}: index.json", layout.display());
    let bytes = layout
        .read_small("index.json", &what_index)?
        .ok_or_else(|| ImageError::NotAnImage {
            path: PathBuf::from(layout.display()),
            reason: "no index.json".into(),
        })?;
    let index: Manifest = parse_json(&bytes, &what_index)?;
    let top = index.manifests.unwrap_or_default();

    // Flatten nested indexes (bounded depth), remembering the top-level ref name.
    let mut candidates: Vec<(Option<String>, Descriptor)> = Vec::new();
    let mut queue: Vec<(usize, Option<String>, Descriptor)> = top
        .into_iter()
        .map(|d| (0, ref_name(&d).map(str::to_owned), d))
        .collect();
    while let Some((depth, name, d)) = queue.pop() {
        if depth > 4 {
            return Err(ImageError::Invalid {
                what: what_index.clone(),
                reason: "indexes nested too deeply".into(),
            });
        }
        let is_index = d
            .media_type
            .as_deref()
            .is_some_and(|m| INDEX_TYPES.contains(&m));
        if is_index {
            let (_, b) = read_blob(layout, &d, "index")?;
            let nested: Manifest = parse_json(&b, &format!("index {}", d.digest))?;
            for n in nested.manifests.unwrap_or_default() {
                let nm = name.clone().or_else(|| ref_name(&n).map(str::to_owned));
                queue.push((depth + 1, nm, n));
            }
        } else {
            candidates.push((name, d));
        }
    }
    candidates.reverse();
    if let Some(t) = tag {
        candidates.retain(|(n, _)| n.as_deref() == Some(t));
        if candidates.is_empty() {
            return Err(ImageError::NoMatch {
                what: layout.display(),
                reason: format!("no manifest is tagged {t:?}"),
            });
        }
    }
    // Several platforms: prefer the host's.
    if candidates.len() > 1 {
        let host_arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        let host: Vec<_> = candidates
            .iter()
            .filter(|(_, d)| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| p.os == "linux" && p.architecture == host_arch)
            })
            .cloned()
            .collect();
        if !host.is_empty() {
            candidates = host;
        }
    }
    let (name, desc) = match candidates.len() {
        0 => {
            return Err(ImageError::NoMatch {
                what: layout.display(),
                reason: "index.json lists no image manifest".into(),
            });
        }
        1 => candidates.remove(0),
        _ => {
            let tags: Vec<_> = candidates.iter().filter_map(|(n, _)| n.clone()).collect();
            return Err(ImageError::NoMatch {
                what: layout.display(),
                reason: format!(
                    "{} manifests; choose one with oci:PATH:TAG (tags: {})",
                    candidates.len(),
                    tags.join(", ")
                ),
            });
        }
    };
    let (manifest_digest, mbytes) = read_blob(layout, &desc, "manifest")?;
    let what_manifest = format!("manifest {manifest_digest}");
    let manifest: Manifest = parse_json(&mbytes, &what_manifest)?;
    if manifest.media_type.as_deref().is_some_and(|m| {
        m.contains("v1+prettyjws") || m.ends_with("manifest.v1+json") && m.contains("docker")
    }) {
        return Err(ImageError::Invalid {
            what: what_manifest,
            reason: "Docker schema 1 manifests are not supported".into(),
        });
    }
    let config_desc = manifest
        .config
        .as_ref()
        .ok_or_else(|| ImageError::Invalid {
            what: what_manifest.clone(),
            reason: "no config descriptor".into(),
        })?;
    let (config_digest, cbytes) = read_blob(layout, config_desc, "config")?;
    let what_config = format!("config {config_digest}");
    let config: ImageConfig = parse_json(&cbytes, &what_config)?;
    let diff_ids = diff_ids(&config, &what_config)?;
    if diff_ids.len() != manifest.layers.len() {
        return Err(ImageError::Invalid {
            what: what_manifest,
            reason: format!(
                "{} layers but the config has {} diff_ids",
                manifest.layers.len(),
                diff_ids.len()
            ),
        });
    }
    let created = created_by(&config, diff_ids.len());
    let mut layers = Vec::new();
    let mut locations = Vec::new();
    for ((d, diff_id), created_by) in manifest.layers.iter().zip(diff_ids).zip(created) {
        let digest = Digest::parse(&d.digest).map_err(|e| ImageError::Invalid {
            what: what_manifest.clone(),
            reason: e.to_string(),
        })?;
        let Some((location, _)) = layout.location(&blob_rel(&digest)) else {
            return Err(ImageError::Invalid {
                what: format!("layer {digest}"),
                reason: format!("blob missing from the layout ({})", layout.display()),
            });
        };
        locations.push(location);
        layers.push(LayerInfo {
            digest: Some(digest),
            diff_id,
            media_type: d.media_type.clone(),
            size: d.size,
            created_by,
        });
    }
    Ok(Image {
        reference: reference.clone(),
        repo_tags: name.into_iter().collect(),
        repo_digests: Vec::new(),
        manifest_digest: Some(manifest_digest),
        config_digest,
        config,
        layers,
        locations,
    })
}
