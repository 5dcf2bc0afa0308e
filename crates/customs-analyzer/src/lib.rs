//! The analyzer interface.
//!
//! An [`Analyzer`] reads one kind of package database or manifest. It declares the paths it
//! wants ([`Interest`]); the layer walker builds one [`Dispatcher`] (a single `GlobSet` for
//! all analyzers) and hands each matching file of a layer to the interested analyzers, as the
//! tar stream goes by. A layer is therefore read exactly once, whatever the number of
//! analyzers.
//!
//! Analyzers record facts per path into [`LayerFindings`], which is plain data (serde) so it
//! can be cached by layer digest. [`squash`] then replays the layers in order, applying
//! whiteouts, to get what a container would see, and credits each package to the layer that
//! introduced it.

mod dispatch;
mod findings;
mod squash;

use std::io::Read;

pub use dispatch::{DispatchError, Dispatcher};
pub use findings::{Diagnostic, FileFacts, LayerFindings, ReleaseFile};
pub use squash::{Squashed, squash};

/// Normalises an archive path: no leading `/` or `./`, no `.` segments, no trailing `/`.
/// Returns `None` when the path escapes the root with `..`.
pub fn normalize_path(raw: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in raw.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

/// Which files an analyzer wants to see.
#[derive(Debug, Clone, Default)]
pub struct Interest {
    /// Exact paths, relative to the root, without a leading slash: `var/lib/dpkg/status`.
    pub paths: Vec<&'static str>,
    /// Glob patterns over the same paths: `var/lib/dpkg/status.d/*`.
    pub globs: Vec<&'static str>,
    /// Whether the analyzer wants every executable regular file (binaries with embedded
    /// build information). Executables are opened only when some analyzer asks for them.
    pub executables: bool,
}

/// One regular file of a layer, as an analyzer sees it: read-only, streaming, size-capped.
pub struct FileEntry<'a> {
    path: &'a str,
    size: u64,
    mode: u32,
    reader: &'a mut dyn Read,
}

impl std::fmt::Debug for FileEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileEntry")
            .field("path", &self.path)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl<'a> FileEntry<'a> {
    pub fn new(path: &'a str, size: u64, mode: u32, reader: &'a mut dyn Read) -> Self {
        FileEntry {
            path,
            size,
            mode,
            reader,
        }
    }

    /// The path, relative to the image root, without a leading slash.
    pub fn path(&self) -> &str {
        self.path
    }

    /// The size the archive header declares.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn mode(&self) -> u32 {
        self.mode
    }

    /// The content as a stream (for parsers that can stream).
    pub fn reader(&mut self) -> &mut dyn Read {
        self.reader
    }

    /// Reads the whole file, refusing files larger than `limit` bytes before reading them.
    pub fn read_to_end_limited(&mut self, limit: u64) -> Result<Vec<u8>, AnalyzeError> {
        if self.size > limit {
            return Err(AnalyzeError::TooLarge {
                path: self.path.to_owned(),
                size: self.size,
                limit,
            });
        }
        let mut buf = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        self.reader
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|source| AnalyzeError::Io {
                path: self.path.to_owned(),
                source,
            })?;
        if buf.len() as u64 > limit {
            return Err(AnalyzeError::TooLarge {
                path: self.path.to_owned(),
                size: buf.len() as u64,
                limit,
            });
        }
        Ok(buf)
    }
}

/// An analyzer failed on one file. The scan goes on: the error becomes a diagnostic.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{path}: {size} bytes is over the {limit}-byte limit for this kind of file")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("{path}: read failed: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Malformed { path: String, message: String },
}

/// The body shared by release-file analyzers (`alpine-release`, `redhat-release`, ...): reads
/// the file under `limit`, and records the distro `parse` finds at `priority`, or a
/// `malformed-release-file` diagnostic saying it is `not_what` (with the start of the file).
pub fn record_release_file(
    file: &mut FileEntry<'_>,
    out: &mut LayerFindings,
    limit: u64,
    priority: u8,
    not_what: &str,
    parse: impl FnOnce(&str, &str) -> Option<customs_model::Distro>,
) -> Result<(), AnalyzeError> {
    let path = file.path().to_owned();
    let bytes = file.read_to_end_limited(limit)?;
    let text = String::from_utf8_lossy(&bytes);
    if let Some(d) = parse(&text, &path) {
        out.set_release(&path, priority, d);
    } else {
        let shown: String = text.chars().take(80).collect();
        out.diagnose(
            "malformed-release-file",
            Some(&path),
            format!("{not_what}: {shown:?}"),
        );
    }
    Ok(())
}

/// Reads one kind of package database or manifest.
pub trait Analyzer: Send + Sync {
    /// A stable identifier, persisted in cache keys and reports: `dpkg-status`.
    fn id(&self) -> &'static str;
    /// Bump when the output for the same input changes: it invalidates cached layers.
    fn version(&self) -> u32;
    /// The files this analyzer wants.
    fn interest(&self) -> Interest;
    /// Reads one file and records what it found under the file's path.
    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError>;
}
