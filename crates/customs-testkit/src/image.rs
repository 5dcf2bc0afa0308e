//! Image assembly (config, manifest) and the three on-disk formats.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde_json::{Map, Value, json};
use tar::{EntryType, Header};

use crate::hash::{hex_of, sha256_digest};
use crate::layer::{BlobFile, FIXED_MTIME, Layer};

/// OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image config media type.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI image index media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The annotation carrying the tag in an OCI layout's `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

#[derive(Clone, Debug)]
enum Step {
    Layer(Layer),
    Empty {
        created_by: String,
        comment: Option<String>,
    },
}

/// Builds a container image from layers and writes it as an OCI layout, a legacy
/// `docker save` archive, or a Docker 25+ archive.
///
/// Defaults: `amd64`/`linux`, `created` = `2023-11-14T22:13:20Z`, `Env` holds the usual
/// `PATH`. Output is deterministic: the same builder always yields the same digests.
///
/// ```
/// use customs_testkit::{Compression, ImageBuilder, Layer};
/// # fn main() -> anyhow::Result<()> {
/// let out = tempfile::tempdir()?;
/// let image = ImageBuilder::new()
///     .layer(Layer::new().created_by("ADD rootfs /").file("etc/os-release", b"ID=debian\n", 0o644))
///     .empty_layer("ENV LANG=C.UTF-8")
///     .layer(Layer::new().created_by("RUN rm /etc/os-release").whiteout("etc/os-release")
///         .compression(Compression::Zstd))
///     .env("LANG", "C.UTF-8");
/// let written = image.write_oci_layout(out.path().join("oci"), Some("latest"))?;
/// assert_eq!(written.layers.len(), 2);
/// image.write_docker_archive(out.path().join("legacy.tar"), Some("demo:latest"))?;
/// image.write_docker_archive_v25(out.path().join("v25.tar"), Some("demo:latest"))?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ImageBuilder {
    steps: Vec<Step>,
    architecture: String,
    os: String,
    variant: Option<String>,
    created: String,
    env: Vec<String>,
    config_fields: Map<String, Value>,
    top_fields: Map<String, Value>,
    labels: BTreeMap<String, String>,
    staging: Option<PathBuf>,
}

impl Default for ImageBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// One layer as written: digest of the stored blob, diff id (digest of the uncompressed tar).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenLayer {
    /// `sha256:<hex>` of the blob as stored (compressed if the layer is compressed).
    pub digest: String,
    /// `sha256:<hex>` of the uncompressed tar; the config's `rootfs.diff_ids` entry.
    pub diff_id: String,
    /// Size in bytes of the stored blob.
    pub size: u64,
    /// OCI media type of the blob.
    pub media_type: String,
}

/// What a writer produced: the digests tests assert on. All three writers return the same
/// values for the same builder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenImage {
    /// `sha256:<hex>` of the OCI manifest JSON. A docker-archive holds no manifest; there this
    /// is the digest of the OCI manifest describing the same config and blobs.
    pub manifest_digest: String,
    /// The OCI manifest JSON bytes.
    pub manifest: Vec<u8>,
    /// `sha256:<hex>` of the config JSON; Docker's image ID.
    pub config_digest: String,
    /// The config JSON bytes.
    pub config: Vec<u8>,
    /// One per layer, bottom first.
    pub layers: Vec<WrittenLayer>,
}

impl WrittenImage {
    /// The diff ids, bottom first.
    pub fn diff_ids(&self) -> Vec<String> {
        self.layers.iter().map(|l| l.diff_id.clone()).collect()
    }

    /// The layer blob digests, bottom first.
    pub fn layer_digests(&self) -> Vec<String> {
        self.layers.iter().map(|l| l.digest.clone()).collect()
    }
}

impl ImageBuilder {
    /// An image with no layers.
    pub fn new() -> Self {
        Self {
            steps: Vec::new(),
            architecture: "amd64".into(),
            os: "linux".into(),
            variant: None,
            created: "2023-11-14T22:13:20Z".into(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            config_fields: Map::new(),
            top_fields: Map::new(),
            labels: BTreeMap::new(),
            staging: None,
        }
    }

    /// Appends a layer (with its history entry).
    pub fn layer(mut self, layer: Layer) -> Self {
        self.steps.push(Step::Layer(layer));
        self
    }

    /// Appends a history entry with `empty_layer: true` (e.g. `ENV ...`, `CMD ...`).
    pub fn empty_layer(mut self, created_by: impl Into<String>) -> Self {
        self.steps.push(Step::Empty {
            created_by: created_by.into(),
            comment: None,
        });
        self
    }

    /// Sets `architecture` (default `amd64`).
    pub fn architecture(mut self, arch: impl Into<String>) -> Self {
        self.architecture = arch.into();
        self
    }

    /// Sets `os` (default `linux`).
    pub fn os(mut self, os: impl Into<String>) -> Self {
        self.os = os.into();
        self
    }

    /// Sets `variant` (e.g. `v8` for arm64).
    pub fn variant(mut self, variant: impl Into<String>) -> Self {
        self.variant = Some(variant.into());
        self
    }

    /// Sets `created` (RFC 3339) for the config and every history entry.
    pub fn created(mut self, created: impl Into<String>) -> Self {
        self.created = created.into();
        self
    }

    /// Adds `KEY=VALUE` to `config.Env` (replacing an earlier value of `KEY`).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        let prefix = format!("{key}=");
        self.env.retain(|e| !e.starts_with(&prefix));
        self.env.push(format!("{key}={value}"));
        self
    }

    /// Adds a label to `config.Labels`.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Sets `config.Cmd`.
    pub fn cmd<S: Into<String>>(self, cmd: impl IntoIterator<Item = S>) -> Self {
        let cmd: Vec<String> = cmd.into_iter().map(Into::into).collect();
        self.config_field("Cmd", json!(cmd))
    }

    /// Sets any field of the `config` object (e.g. `User`, `WorkingDir`, `Entrypoint`).
    pub fn config_field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.config_fields.insert(name.into(), value);
        self
    }

    /// Sets any top-level field of the config JSON, overriding what the builder generates
    /// (e.g. to write a hostile or malformed `rootfs`).
    pub fn top_level_field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.top_fields.insert(name.into(), value);
        self
    }

    /// Directory for the temporary blob files made while writing (default: the system temp
    /// dir). Use a directory on the same filesystem as the output for large layers.
    pub fn staging_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.staging = Some(dir.into());
        self
    }

    /// Writes every layer blob to a temporary directory and computes config and manifest.
    /// Use it to write several formats without re-compressing the layers.
    pub fn build(&self) -> Result<BuiltImage> {
        let staging = match &self.staging {
            Some(dir) => dir.clone(),
            None => std::env::temp_dir(),
        };
        let dir = tempfile::Builder::new()
            .prefix("customs-testkit-")
            .tempdir_in(&staging)
            .with_context(|| format!("creating staging dir in {}", staging.display()))?;
        let mut blobs = Vec::new();
        let mut history = Vec::new();
        for step in &self.steps {
            match step {
                Step::Layer(layer) => {
                    blobs.push(layer.write_blob(dir.path())?);
                    let mut h = Map::new();
                    h.insert("created".into(), json!(self.created));
                    h.insert("created_by".into(), json!(layer.created_by));
                    if let Some(c) = &layer.comment {
                        h.insert("comment".into(), json!(c));
                    }
                    history.push(Value::Object(h));
                }
                Step::Empty {
                    created_by,
                    comment,
                } => {
                    let mut h = Map::new();
                    h.insert("created".into(), json!(self.created));
                    h.insert("created_by".into(), json!(created_by));
                    if let Some(c) = comment {
                        h.insert("comment".into(), json!(c));
                    }
                    h.insert("empty_layer".into(), json!(true));
                    history.push(Value::Object(h));
                }
            }
        }
        let config = self.config_json(&blobs, history)?;
        let config_digest = sha256_digest(&config);
        let layers: Vec<WrittenLayer> = blobs
            .iter()
            .map(|b| WrittenLayer {
                digest: b.digest.clone(),
                diff_id: b.diff_id.clone(),
                size: b.size,
                media_type: b.compression.oci_media_type().to_string(),
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config.len()},
            "layers": layers.iter().map(|l| json!({
                "mediaType": l.media_type, "digest": l.digest, "size": l.size,
            })).collect::<Vec<_>>(),
        });
        let manifest = serde_json::to_vec(&manifest)?;
        let info = WrittenImage {
            manifest_digest: sha256_digest(&manifest),
            manifest,
            config_digest,
            config,
            layers,
        };
        Ok(BuiltImage {
            dir,
            blobs,
            info,
            created: self.created.clone(),
        })
    }

    fn config_json(&self, blobs: &[BlobFile], history: Vec<Value>) -> Result<Vec<u8>> {
        let mut inner = Map::new();
        inner.insert("Env".into(), json!(self.env));
        if !self.labels.is_empty() {
            inner.insert("Labels".into(), json!(self.labels));
        }
        for (k, v) in &self.config_fields {
            inner.insert(k.clone(), v.clone());
        }
        let mut top = Map::new();
        top.insert("architecture".into(), json!(self.architecture));
        top.insert("os".into(), json!(self.os));
        if let Some(v) = &self.variant {
            top.insert("variant".into(), json!(v));
        }
        top.insert("created".into(), json!(self.created));
        top.insert("config".into(), Value::Object(inner));
        top.insert(
            "rootfs".into(),
            json!({"type": "layers", "diff_ids": blobs.iter().map(|b| &b.diff_id).collect::<Vec<_>>()}),
        );
        top.insert("history".into(), Value::Array(history));
        for (k, v) in &self.top_fields {
            top.insert(k.clone(), v.clone());
        }
        Ok(serde_json::to_vec(&Value::Object(top))?)
    }

    /// Builds and writes an OCI image layout to `dir`; see [`BuiltImage::write_oci_layout`].
    pub fn write_oci_layout(
        &self,
        dir: impl AsRef<Path>,
        tag: Option<&str>,
    ) -> Result<WrittenImage> {
        self.build()?.write_oci_layout(dir, tag)
    }

    /// Builds and writes a legacy `docker save` archive; see [`BuiltImage::write_docker_archive`].
    pub fn write_docker_archive(
        &self,
        path: impl AsRef<Path>,
        repo_tag: Option<&str>,
    ) -> Result<WrittenImage> {
        self.build()?.write_docker_archive(path, repo_tag)
    }

    /// Builds and writes a Docker 25+ archive; see [`BuiltImage::write_docker_archive_v25`].
    pub fn write_docker_archive_v25(
        &self,
        path: impl AsRef<Path>,
        repo_tag: Option<&str>,
    ) -> Result<WrittenImage> {
        self.build()?.write_docker_archive_v25(path, repo_tag)
    }
}

/// An image whose blobs are staged in a temporary directory (removed on drop), ready to be
/// written in any format.
#[derive(Debug)]
pub struct BuiltImage {
    dir: tempfile::TempDir,
    blobs: Vec<BlobFile>,
    info: WrittenImage,
    created: String,
}

impl BuiltImage {
    /// Digests, config and manifest.
    pub fn info(&self) -> &WrittenImage {
        &self.info
    }

    /// Path of the staged blob for layer `index` (bottom = 0).
    pub fn layer_blob_path(&self, index: usize) -> &Path {
        &self.blobs[index].path
    }

    /// Writes an OCI image layout: `oci-layout`, `index.json` (one manifest, annotated with
    /// `org.opencontainers.image.ref.name` = `tag` if given) and `blobs/sha256/*`.
    /// `dir` is created if missing; an existing `index.json` is replaced.
    pub fn write_oci_layout(
        &self,
        dir: impl AsRef<Path>,
        tag: Option<&str>,
    ) -> Result<WrittenImage> {
        let dir = dir.as_ref();
        let blobs = dir.join("blobs").join("sha256");
        fs_err::create_dir_all(&blobs)?;
        fs_err::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        for blob in &self.blobs {
            let dst = blobs.join(hex_of(&blob.digest));
            if dst.exists() {
                continue;
            }
            if std::fs::hard_link(&blob.path, &dst).is_err() {
                fs_err::copy(&blob.path, &dst)?;
            }
        }
        fs_err::write(
            blobs.join(hex_of(&self.info.config_digest)),
            &self.info.config,
        )?;
        fs_err::write(
            blobs.join(hex_of(&self.info.manifest_digest)),
            &self.info.manifest,
        )?;
        let annotations = tag.map(|t| json!({ REF_NAME_ANNOTATION: t }));
        let index = self.index_json(annotations)?;
        fs_err::write(dir.join("index.json"), index)?;
        Ok(self.info.clone())
    }

    fn index_json(&self, annotations: Option<Value>) -> Result<Vec<u8>> {
        let mut desc = Map::new();
        desc.insert("mediaType".into(), json!(OCI_MANIFEST));
        desc.insert("digest".into(), json!(self.info.manifest_digest));
        desc.insert("size".into(), json!(self.info.manifest.len()));
        if let Some(a) = annotations {
            desc.insert("annotations".into(), a);
        }
        Ok(serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [Value::Object(desc)],
        }))?)
    }

    /// Writes the legacy `docker save` layout (Docker < 25): `<id>/VERSION`, `<id>/json`,
    /// `<id>/layer.tar` per layer, `<config-hex>.json`, `manifest.json` (`Config`,
    /// `RepoTags`, `Layers`) and `repositories` (when tagged). `layer.tar` holds the blob as
    /// built: uncompressed for [`crate::Compression::None`] (what Docker writes), compressed
    /// otherwise (which `docker load` and skopeo also accept).
    pub fn write_docker_archive(
        &self,
        path: impl AsRef<Path>,
        repo_tag: Option<&str>,
    ) -> Result<WrittenImage> {
        let path = path.as_ref();
        let mut ar = ArchiveWriter::create(path)?;
        let config_hex = hex_of(&self.info.config_digest);
        let mut parent: Option<String> = None;
        let mut layer_paths = Vec::new();
        for blob in &self.blobs {
            let id_input = format!("{}\n{}", parent.as_deref().unwrap_or(""), blob.diff_id);
            let id = hex_of(&sha256_digest(id_input.as_bytes())).to_string();
            let mut v1 = Map::new();
            v1.insert("id".into(), json!(id));
            if let Some(p) = &parent {
                v1.insert("parent".into(), json!(p));
            }
            v1.insert("created".into(), json!(self.created));
            ar.dir(&format!("{id}/"))?;
            ar.bytes(&format!("{id}/VERSION"), b"1.0")?;
            ar.bytes(
                &format!("{id}/json"),
                &serde_json::to_vec(&Value::Object(v1))?,
            )?;
            ar.file(&format!("{id}/layer.tar"), &blob.path)?;
            layer_paths.push(format!("{id}/layer.tar"));
            parent = Some(id);
        }
        ar.bytes(&format!("{config_hex}.json"), &self.info.config)?;
        let manifest = json!([{
            "Config": format!("{config_hex}.json"),
            "RepoTags": repo_tag.map(|t| vec![t]),
            "Layers": layer_paths,
        }]);
        ar.bytes("manifest.json", &serde_json::to_vec(&manifest)?)?;
        if let (Some(rt), Some(top)) = (repo_tag, parent) {
            let (repo, tag) = split_repo_tag(rt);
            let repos = json!({ repo: { tag: top } });
            ar.bytes("repositories", &serde_json::to_vec(&repos)?)?;
        }
        ar.finish()?;
        Ok(self.info.clone())
    }

    /// Writes the Docker 25+ `docker save` layout: an OCI layout inside the tar (`oci-layout`,
    /// `index.json`, `blobs/sha256/*`) plus `manifest.json` whose `Config` and `Layers` are
    /// `blobs/sha256/<hex>` paths, and `repositories` when tagged. The index entry carries
    /// `io.containerd.image.name` (normalized, e.g. `docker.io/library/demo:latest`) and
    /// `org.opencontainers.image.ref.name` (the tag), as Docker writes them. Layer blobs are
    /// stored as built (Docker itself writes uncompressed tars: use
    /// [`crate::Compression::None`] to mirror it).
    pub fn write_docker_archive_v25(
        &self,
        path: impl AsRef<Path>,
        repo_tag: Option<&str>,
    ) -> Result<WrittenImage> {
        let path = path.as_ref();
        let mut ar = ArchiveWriter::create(path)?;
        ar.dir("blobs/")?;
        ar.dir("blobs/sha256/")?;
        let mut written = std::collections::HashSet::new();
        for blob in &self.blobs {
            if written.insert(blob.digest.clone()) {
                ar.file(
                    &format!("blobs/sha256/{}", hex_of(&blob.digest)),
                    &blob.path,
                )?;
            }
        }
        let config_path = format!("blobs/sha256/{}", hex_of(&self.info.config_digest));
        ar.bytes(&config_path, &self.info.config)?;
        ar.bytes(
            &format!("blobs/sha256/{}", hex_of(&self.info.manifest_digest)),
            &self.info.manifest,
        )?;
        ar.bytes("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        let annotations = repo_tag.map(|rt| {
            let (_, tag) = split_repo_tag(rt);
            json!({
                "io.containerd.image.name": normalize_reference(rt),
                REF_NAME_ANNOTATION: tag,
            })
        });
        ar.bytes("index.json", &self.index_json(annotations)?)?;
        let layers: Vec<String> = self
            .blobs
            .iter()
            .map(|b| format!("blobs/sha256/{}", hex_of(&b.digest)))
            .collect();
        let manifest = json!([{
            "Config": config_path,
            "RepoTags": repo_tag.map(|t| vec![t]),
            "Layers": layers,
        }]);
        ar.bytes("manifest.json", &serde_json::to_vec(&manifest)?)?;
        if let (Some(rt), Some(top)) = (repo_tag, self.blobs.last()) {
            let (repo, tag) = split_repo_tag(rt);
            let repos = json!({ repo: { tag: hex_of(&top.digest) } });
            ar.bytes("repositories", &serde_json::to_vec(&repos)?)?;
        }
        ar.finish()?;
        Ok(self.info.clone())
    }

    /// The staging directory holding the blobs.
    pub fn staging_path(&self) -> &Path {
        self.dir.path()
    }
}

/// Splits `repo:tag` (tag defaults to `latest`; a `:` inside a registry host is not a tag).
pub(crate) fn split_repo_tag(repo_tag: &str) -> (&str, &str) {
    let slash = repo_tag.rfind('/').map_or(0, |i| i + 1);
    match repo_tag[slash..].rfind(':') {
        Some(i) => (&repo_tag[..slash + i], &repo_tag[slash + i + 1..]),
        None => (repo_tag, "latest"),
    }
}

/// Docker's normalization: `demo:1` → `docker.io/library/demo:1`.
fn normalize_reference(repo_tag: &str) -> String {
    let (repo, tag) = split_repo_tag(repo_tag);
    let first = repo.split('/').next().unwrap_or("");
    let has_domain =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let repo = if has_domain {
        repo.to_string()
    } else if repo.contains('/') {
        format!("docker.io/{repo}")
    } else {
        format!("docker.io/library/{repo}")
    };
    format!("{repo}:{tag}")
}

/// Writes a deterministic uncompressed tar file.
struct ArchiveWriter {
    builder: tar::Builder<BufWriter<fs_err::File>>,
    path: PathBuf,
}

impl ArchiveWriter {
    fn create(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(parent)?;
        }
        let file = fs_err::File::create(path)?;
        Ok(Self {
            builder: tar::Builder::new(BufWriter::with_capacity(1 << 20, file)),
            path: path.to_path_buf(),
        })
    }

    fn header(kind: EntryType, mode: u32, size: u64) -> Header {
        let mut h = Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(size);
        h.set_mtime(FIXED_MTIME);
        h.set_uid(0);
        h.set_gid(0);
        h
    }

    fn dir(&mut self, name: &str) -> Result<()> {
        let mut h = Self::header(EntryType::Directory, 0o755, 0);
        self.builder
            .append_data(&mut h, name, io::empty())
            .with_context(|| format!("writing {name} into {}", self.path.display()))
    }

    fn bytes(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let mut h = Self::header(EntryType::Regular, 0o644, data.len() as u64);
        self.builder
            .append_data(&mut h, name, data)
            .with_context(|| format!("writing {name} into {}", self.path.display()))
    }

    fn file(&mut self, name: &str, src: &Path) -> Result<()> {
        let file = fs_err::File::open(src)?;
        let len = file.metadata()?.len();
        let mut h = Self::header(EntryType::Regular, 0o644, len);
        self.builder
            .append_data(&mut h, name, file)
            .with_context(|| format!("writing {name} into {}", self.path.display()))
    }

    fn finish(self) -> Result<()> {
        let mut out = self
            .builder
            .into_inner()
            .with_context(|| format!("finishing {}", self.path.display()))?;
        out.flush()
            .with_context(|| format!("flushing {}", self.path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_tags_split_and_normalize() {
        assert_eq!(split_repo_tag("demo"), ("demo", "latest"));
        assert_eq!(split_repo_tag("demo:1"), ("demo", "1"));
        assert_eq!(
            split_repo_tag("localhost:5000/x/y"),
            ("localhost:5000/x/y", "latest")
        );
        assert_eq!(
            split_repo_tag("localhost:5000/x:2"),
            ("localhost:5000/x", "2")
        );
        assert_eq!(normalize_reference("demo:1"), "docker.io/library/demo:1");
        assert_eq!(normalize_reference("me/demo"), "docker.io/me/demo:latest");
        assert_eq!(normalize_reference("quay.io/a/b:c"), "quay.io/a/b:c");
    }
}
