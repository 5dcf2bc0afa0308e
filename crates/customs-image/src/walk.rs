//! The single-pass layer walker.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use customs_analyzer::{Dispatcher, FileEntry, FileFacts, LayerFindings, normalize_path};
use customs_model::Digest;

use crate::ImageError;
use crate::hashing::HashingReader;
use crate::registry::TransferError;

/// Bounds on what one layer may cost.
#[derive(Debug, Clone)]
pub struct WalkLimits {
    /// The most uncompressed bytes one layer may hold (decompression bombs stop here).
    pub max_uncompressed: u64,
    /// The most bytes buffered in memory for one file when several analyzers want it; a
    /// larger file (a big executable both the Go and the Rust analyzers want) is spooled to
    /// an unlinked temporary file instead, up to `max_spooled_file`.
    pub max_shared_file: u64,
    /// The largest file spooled for several analyzers.
    pub max_spooled_file: u64,
    /// Where spooled files go (the cache directory when the scan has one); `None`: the
    /// system temporary directory. Spool files are unlinked at creation, so nothing is left
    /// behind even on a crash.
    pub spool_dir: Option<std::path::PathBuf>,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            max_uncompressed: 64 << 30,
            max_shared_file: 64 << 20,
            max_spooled_file: 4 << 30,
            spool_dir: None,
        }
    }
}

/// A file several analyzers read in turn: in memory when small, spooled when large.
enum Shared {
    Memory(Vec<u8>),
    Spooled(std::fs::File),
}

impl Shared {
    fn read(path: &str, size: u64, reader: &mut dyn Read, limits: &WalkLimits) -> io::Result<Self> {
        if size <= limits.max_shared_file {
            let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            reader.take(limits.max_shared_file).read_to_end(&mut buf)?;
            return Ok(Shared::Memory(buf));
        }
        if size > limits.max_spooled_file {
            return Err(io::Error::other(format!(
                "{path}: {size} bytes is over the {}-byte limit for files several analyzers read",
                limits.max_spooled_file
            )));
        }
        let mut file = match &limits.spool_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                tempfile::tempfile_in(dir)?
            }
            None => tempfile::tempfile()?,
        };
        io::copy(&mut reader.take(limits.max_spooled_file), &mut file)?;
        Ok(Shared::Spooled(file))
    }

    /// A fresh reader over the whole content.
    fn reader(&mut self) -> io::Result<Box<dyn Read + '_>> {
        use std::io::Seek as _;
        match self {
            Shared::Memory(b) => Ok(Box::new(Cursor::new(&b[..]))),
            Shared::Spooled(f) => {
                f.seek(io::SeekFrom::Start(0))?;
                Ok(Box::new(BufReader::with_capacity(256 << 10, &*f)))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

fn detect(magic: &[u8], media_type: Option<&str>) -> Compression {
    // Magic bytes decide; the media type is only a hint (tools get it wrong, e.g. Docker's
    // "tar.gzip" for uncompressed layers in some archives).
    if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else if magic.len() < 4 && media_type.is_some_and(|m| m.ends_with("+gzip")) {
        Compression::Gzip
    } else {
        Compression::None
    }
}

/// Counts decompressed bytes and fails past the limit.
struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(format!(
                "decompressed size exceeds the limit of {} bytes (decompression bomb?)",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads one layer blob once, streaming, and returns what the analyzers found.
///
/// `label` names the layer in errors. The blob's digest (and, when given, the uncompressed
/// `diff_id`) is verified: a mismatch is an error even if the tar read fine.
pub fn walk_layer(
    reader: impl Read,
    label: &str,
    expect_blob: Option<&Digest>,
    expect_diff_id: Option<&Digest>,
    media_type: Option<&str>,
    dispatcher: &Dispatcher,
    limits: &WalkLimits,
) -> Result<LayerFindings, ImageError> {
    walk_layer_full(
        reader,
        label,
        expect_blob,
        expect_diff_id,
        false,
        media_type,
        dispatcher,
        limits,
    )
    .map(|w| w.findings)
}

/// A walked layer with the digests computed on the way.
#[derive(Debug, Clone)]
pub struct Walked {
    pub findings: LayerFindings,
    /// The sha256 of the stored bytes.
    pub blob_digest: Digest,
    /// The sha256 of the uncompressed tar, when it was computed.
    pub diff_id: Option<Digest>,
}

/// [`walk_layer`], also returning the digests; `compute_diff_id` hashes the uncompressed
/// stream even when nothing is expected of it (streamed archives learn a layer's identity
/// only from its content).
#[allow(clippy::too_many_arguments)]
pub fn walk_layer_full(
    reader: impl Read,
    label: &str,
    expect_blob: Option<&Digest>,
    expect_diff_id: Option<&Digest>,
    compute_diff_id: bool,
    media_type: Option<&str>,
    dispatcher: &Dispatcher,
    limits: &WalkLimits,
) -> Result<Walked, ImageError> {
    let mut source = SourceErrors {
        inner: reader,
        transfer: None,
    };
    let result = walk_source(
        &mut source,
        label,
        expect_blob,
        expect_diff_id,
        compute_diff_id,
        media_type,
        dispatcher,
        limits,
    );
    // A download that broke beyond retrying is a network failure, whatever the decompressor
    // or the tar reader made of the missing bytes.
    match (result, source.transfer) {
        (Err(_), Some((registry, reason))) => Err(ImageError::Registry {
            registry,
            reason: format!("layer {label}: {reason}"),
        }),
        (result, _) => result,
    }
}

/// Remembers a [`TransferError`] coming from the blob source.
struct SourceErrors<R> {
    inner: R,
    transfer: Option<(String, String)>,
}

impl<R: Read> Read for SourceErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if let Some(t) = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<TransferError>())
            {
                self.transfer
                    .get_or_insert_with(|| (t.registry.clone(), t.message.clone()));
            }
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn walk_source(
    reader: impl Read,
    label: &str,
    expect_blob: Option<&Digest>,
    expect_diff_id: Option<&Digest>,
    compute_diff_id: bool,
    media_type: Option<&str>,
    dispatcher: &Dispatcher,
    limits: &WalkLimits,
) -> Result<Walked, ImageError> {
    let mut raw = HashingReader::new(reader);
    let mut findings = LayerFindings::default();
    let corrupt = |reason: String| ImageError::CorruptLayer {
        layer: label.to_owned(),
        reason,
    };

    let walked: Result<(Compression, Option<Digest>), ImageError> = (|| {
        let mut buffered = BufReader::with_capacity(256 * 1024, &mut raw);
        let magic = buffered.fill_buf().map_err(|e| corrupt(e.to_string()))?;
        let compression = detect(&magic[..magic.len().min(4)], media_type);
        let decoder: Box<dyn Read> = match compression {
            Compression::None => Box::new(buffered),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
            Compression::Zstd => Box::new(
                zstd::Decoder::with_buffer(buffered).map_err(|e| corrupt(format!("zstd: {e}")))?,
            ),
        };
        let capped = Capped {
            inner: decoder,
            left: limits.max_uncompressed,
            limit: limits.max_uncompressed,
        };
        // Hash the uncompressed stream only when asked and when it differs from the blob.
        let want_plain_hash =
            (expect_diff_id.is_some() || compute_diff_id) && compression != Compression::None;
        let mut plain = HashingReader::maybe(capped, want_plain_hash);
        {
            let mut archive = tar::Archive::new(BufReader::with_capacity(128 * 1024, &mut plain));
            walk_entries(&mut archive, label, dispatcher, limits, &mut findings)?;
        }
        // Read what follows the tar end marker: gzip trailers and CRCs get checked, and the
        // diff_id covers the whole stream.
        let (plain_digest, _) = plain.finish().map_err(|e| corrupt(e.to_string()))?;
        Ok((compression, want_plain_hash.then_some(plain_digest)))
    })();

    let (blob_digest, _size) = raw.finish().map_err(|e| corrupt(e.to_string()))?;
    // A digest mismatch explains any parse error better than the parse error itself.
    if let Some(expected) = expect_blob
        && *expected != blob_digest
    {
        return Err(ImageError::DigestMismatch {
            what: format!("layer {label}"),
            expected: expected.clone(),
            actual: blob_digest,
        });
    }
    let (compression, plain_digest) = walked?;
    let diff_id = if compression == Compression::None {
        Some(blob_digest.clone())
    } else {
        plain_digest
    };
    if let Some(expected) = expect_diff_id
        && let Some(actual) = &diff_id
        && actual != expected
    {
        return Err(ImageError::DigestMismatch {
            what: format!("layer {label} (uncompressed)"),
            expected: expected.clone(),
            actual: actual.clone(),
        });
    }
    findings.whiteouts.sort();
    findings.whiteouts.dedup();
    findings.opaque_dirs.sort();
    findings.opaque_dirs.dedup();
    Ok(Walked {
        findings,
        blob_digest,
        diff_id,
    })
}

fn walk_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    label: &str,
    dispatcher: &Dispatcher,
    limits: &WalkLimits,
    findings: &mut LayerFindings,
) -> Result<(), ImageError> {
    let corrupt = |reason: String| ImageError::CorruptLayer {
        layer: label.to_owned(),
        reason,
    };
    let traversal = |entry: &str| ImageError::PathTraversal {
        layer: label.to_owned(),
        entry: entry.chars().take(300).collect(),
        reason: "it escapes the image root (path traversal)",
    };
    let mut interested = Vec::new();
    let entries = archive.entries().map_err(|e| corrupt(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(e.to_string()))?;
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        // Layer tars hold relative names; an absolute one is how tar attacks reach outside
        // an extraction directory. We never extract, but such a layer is refused outright.
        if raw_path.starts_with('/') {
            return Err(ImageError::PathTraversal {
                layer: label.to_owned(),
                entry: raw_path.chars().take(300).collect(),
                reason: "absolute path names are not allowed in layers",
            });
        }
        let Some(path) = normalize_path(&raw_path) else {
            return Err(traversal(&raw_path));
        };
        if path.is_empty() {
            continue;
        }
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (d, n),
            None => ("", path.as_str()),
        };
        if let Some(hidden) = name.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                findings.opaque_dirs.push(dir.to_owned());
            } else if !hidden.is_empty() {
                findings.whiteouts.push(if dir.is_empty() {
                    hidden.to_owned()
                } else {
                    format!("{dir}/{hidden}")
                });
            }
            continue;
        }
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let link = if kind.is_hard_link() {
                // Hard link targets are archive paths, relative to the root.
                let t = normalize_path(&target)
                    .ok_or_else(|| traversal(&format!("{raw_path} => {target}")))?;
                format!("/{t}")
            } else {
                if !target.starts_with('/') {
                    // Like Docker's extractor: a relative symlink may not climb out of the root.
                    let joined = if dir.is_empty() {
                        target.clone()
                    } else {
                        format!("{dir}/{target}")
                    };
                    if normalize_path(&joined).is_none() {
                        return Err(traversal(&format!("{raw_path} -> {target}")));
                    }
                }
                target
            };
            if dispatcher.wants_path(&path) {
                findings.files.insert(
                    path,
                    FileFacts {
                        link: Some(link),
                        ..FileFacts::default()
                    },
                );
            }
            continue;
        }
        if !kind.is_file() {
            if dispatcher.wants_path(&path) {
                // A directory or device at a watched path hides the file below it.
                findings.touch(&path);
            }
            continue;
        }
        let mode = entry.header().mode().unwrap_or(0);
        dispatcher.interested(&path, mode & 0o111 != 0, &mut interested);
        if interested.is_empty() {
            continue;
        }
        let size = entry.header().size().unwrap_or(0);
        findings.touch(&path);
        if interested.len() == 1 {
            let analyzer = dispatcher.analyzer(interested[0]);
            let mut file = FileEntry::new(&path, size, mode, &mut entry);
            if let Err(e) = analyzer.analyze(&mut file, findings) {
                findings.diagnose(
                    "analyzer-error",
                    Some(&path),
                    format!("{}: {e}", analyzer.id()),
                );
            }
        } else {
            let mut shared = match Shared::read(&path, size, &mut entry, limits) {
                Ok(s) => s,
                Err(e) => {
                    findings.diagnose("file-too-large", Some(&path), e.to_string());
                    continue;
                }
            };
            for &i in &interested {
                let analyzer = dispatcher.analyzer(i);
                let mut reader = match shared.reader() {
                    Ok(r) => r,
                    Err(e) => {
                        findings.diagnose("spool-failed", Some(&path), e.to_string());
                        break;
                    }
                };
                let mut file = FileEntry::new(&path, size, mode, &mut reader);
                if let Err(e) = analyzer.analyze(&mut file, findings) {
                    findings.diagnose(
                        "analyzer-error",
                        Some(&path),
                        format!("{}: {e}", analyzer.id()),
                    );
                }
            }
        }
    }
    Ok(())
}
