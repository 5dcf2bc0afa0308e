//! Layers: what goes into one layer tar, and how that tar is written and compressed.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use tar::{EntryType, Header};

use crate::hash::HashingWriter;

/// The modification time written on every entry this crate generates (2023-11-14T22:13:20Z),
/// so the same input always gives the same layer digest.
pub const FIXED_MTIME: u64 = 1_700_000_000;

/// How a layer blob is compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// gzip (`application/vnd.oci.image.layer.v1.tar+gzip`), the default, as registries serve.
    #[default]
    Gzip,
    /// zstd (`application/vnd.oci.image.layer.v1.tar+zstd`).
    Zstd,
    /// A plain tar (`application/vnd.oci.image.layer.v1.tar`), as `docker save` writes.
    None,
}

impl Compression {
    /// The OCI layer media type for this compression.
    pub fn oci_media_type(self) -> &'static str {
        match self {
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
        }
    }
}

#[derive(Clone, Debug)]
enum Item {
    Tree(PathBuf),
    File {
        path: PathBuf,
        data: Vec<u8>,
        mode: u32,
        owner: (u64, u64),
    },
    Dir {
        path: PathBuf,
        mode: u32,
        owner: (u64, u64),
    },
    Symlink {
        path: PathBuf,
        target: PathBuf,
        owner: (u64, u64),
    },
    Hardlink {
        path: PathBuf,
        target: PathBuf,
    },
    Raw {
        header: Box<Header>,
        data: Vec<u8>,
    },
}

/// One image layer: a root filesystem directory on disk and/or a list of in-memory entries,
/// written into the layer tar in the order they were added.
///
/// In-memory paths may be given with or without a leading `/`; it is stripped (layer tars hold
/// relative paths). Entries get [`FIXED_MTIME`], the owner set by [`Layer::owner`] (default
/// `0:0`), and the mode passed in. Paths are checked by the `tar` crate (no `..`, not empty);
/// use [`Layer::raw`] or [`Layer::raw_file`] to write entries that break those rules.
///
/// ```
/// use customs_testkit::{Compression, Layer};
/// let layer = Layer::new()
///     .created_by("RUN apt-get install -y openssl")
///     .compression(Compression::Zstd)
///     .dir("etc", 0o755)
///     .file("etc/os-release", b"ID=debian\n", 0o644)
///     .symlink("usr/lib/os-release", "../../etc/os-release")
///     .whiteout("var/cache/apt/pkgcache.bin")
///     .opaque("var/lib/apt/lists");
/// # let _ = layer;
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Layer {
    items: Vec<Item>,
    pub(crate) compression: Compression,
    pub(crate) created_by: String,
    pub(crate) comment: Option<String>,
    owner: (u64, u64),
}

impl Default for Layer {
    fn default() -> Self {
        Self::new()
    }
}

impl Layer {
    /// An empty layer (gzip, `created_by` empty) to add entries to.
    pub fn new() -> Self {
        Self {
            items: Vec::new(),
            compression: Compression::Gzip,
            created_by: String::new(),
            comment: None,
            owner: (0, 0),
        }
    }

    /// A layer holding the directory tree at `root` (the directory itself is not an entry; its
    /// children become `bin/`, `etc/passwd`, ...). See [`Layer::tree`].
    pub fn from_dir(root: impl Into<PathBuf>) -> Self {
        Self::new().tree(root)
    }

    /// Adds every entry under the directory `root`, read when the layer is written.
    ///
    /// Deterministic: entries are sorted by name bytes, mtime is [`FIXED_MTIME`], numeric
    /// uid/gid and permission bits (incl. setuid/setgid/sticky) are kept, user/group names are
    /// left empty. Regular files are streamed from disk. Files with several links become one
    /// regular entry (the first in sorted order) plus hardlink entries. Symlinks are stored
    /// with their target unchanged. Character/block devices and FIFOs are written as such
    /// with their major/minor numbers. Sockets are skipped, as `docker build` does. Extended
    /// attributes (e.g. file capabilities) are not written. Like `tar --one-file-system`,
    /// directories on another filesystem (a mounted `/proc`) are written but not descended.
    pub fn tree(mut self, root: impl Into<PathBuf>) -> Self {
        self.items.push(Item::Tree(root.into()));
        self
    }

    /// Sets the layer compression (default gzip).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Sets the `created_by` of this layer's history entry, e.g. `RUN apt-get install -y openssl`.
    pub fn created_by(mut self, created_by: impl Into<String>) -> Self {
        self.created_by = created_by.into();
        self
    }

    /// Sets the `comment` of this layer's history entry.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Numeric owner for the in-memory entries added after this call (default `0:0`).
    pub fn owner(mut self, uid: u64, gid: u64) -> Self {
        self.owner = (uid, gid);
        self
    }

    /// A regular file with `data` and permission bits `mode` (e.g. `0o644`).
    pub fn file(mut self, path: impl AsRef<Path>, data: impl Into<Vec<u8>>, mode: u32) -> Self {
        self.items.push(Item::File {
            path: relative(path.as_ref()),
            data: data.into(),
            mode,
            owner: self.owner,
        });
        self
    }

    /// A directory entry (written as `path/`).
    pub fn dir(mut self, path: impl AsRef<Path>, mode: u32) -> Self {
        self.items.push(Item::Dir {
            path: relative(path.as_ref()),
            mode,
            owner: self.owner,
        });
        self
    }

    /// A symbolic link at `path` pointing to `target` (stored verbatim: absolute and `..`
    /// targets are allowed).
    pub fn symlink(mut self, path: impl AsRef<Path>, target: impl AsRef<Path>) -> Self {
        self.items.push(Item::Symlink {
            path: relative(path.as_ref()),
            target: target.as_ref().to_path_buf(),
            owner: self.owner,
        });
        self
    }

    /// A hard link at `path` to the earlier entry `target` (a path inside the layer).
    pub fn hardlink(mut self, path: impl AsRef<Path>, target: impl AsRef<Path>) -> Self {
        self.items.push(Item::Hardlink {
            path: relative(path.as_ref()),
            target: relative(target.as_ref()),
        });
        self
    }

    /// An AUFS/OCI whiteout deleting `path` from lower layers: writes `DIR/.wh.NAME`.
    pub fn whiteout(self, path: impl AsRef<Path>) -> Self {
        let path = relative(path.as_ref());
        let name = path
            .file_name()
            .map_or_else(OsString::new, ToOwned::to_owned);
        let mut wh = OsString::from(".wh.");
        wh.push(name);
        let wh_path = path.parent().unwrap_or(Path::new("")).join(wh);
        self.file(wh_path, Vec::new(), 0o644)
    }

    /// An opaque-directory marker hiding everything lower layers put in `dir`:
    /// writes `dir/.wh..wh..opq`.
    pub fn opaque(self, dir: impl AsRef<Path>) -> Self {
        let path = relative(dir.as_ref()).join(".wh..wh..opq");
        self.file(path, Vec::new(), 0o644)
    }

    /// Escape hatch: writes `header` exactly as given, followed by `data`. Nothing is checked
    /// or fixed up; call `header.set_size` and `header.set_cksum()` yourself.
    pub fn raw(mut self, header: Header, data: impl Into<Vec<u8>>) -> Self {
        self.items.push(Item::Raw {
            header: Box::new(header),
            data: data.into(),
        });
        self
    }

    /// Escape hatch for hostile names: a regular file whose name field holds `path` bytes
    /// verbatim (at most 100 bytes), e.g. `../../etc/passwd` or `/etc/shadow`.
    pub fn raw_file(self, path: impl AsRef<[u8]>, data: impl Into<Vec<u8>>, mode: u32) -> Self {
        let header = raw_header(
            path.as_ref(),
            EntryType::Regular,
            data.into(),
            mode,
            self.owner,
        );
        self.raw(header.0, header.1)
    }

    /// Escape hatch: a symlink whose name field holds `path` bytes verbatim (at most 100
    /// bytes) pointing to `target` bytes (at most 100 bytes).
    pub fn raw_symlink(self, path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        let (mut header, _) = raw_header(
            path.as_ref(),
            EntryType::Symlink,
            Vec::new(),
            0o777,
            self.owner,
        );
        let target = target.as_ref();
        let slot = &mut header.as_old_mut().linkname;
        let n = target.len().min(slot.len());
        slot[..n].copy_from_slice(&target[..n]);
        header.set_cksum();
        self.raw(header, Vec::new())
    }

    /// Writes the uncompressed layer tar to `out`.
    pub fn write_tar<W: Write>(&self, out: W) -> Result<W> {
        let mut builder = tar::Builder::new(out);
        for item in &self.items {
            append_item(&mut builder, item)?;
        }
        builder.into_inner().context("finishing layer tar")
    }
}

fn raw_header(
    path: &[u8],
    kind: EntryType,
    data: Vec<u8>,
    mode: u32,
    owner: (u64, u64),
) -> (Header, Vec<u8>) {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(mode);
    header.set_uid(owner.0);
    header.set_gid(owner.1);
    header.set_mtime(FIXED_MTIME);
    let slot = &mut header.as_old_mut().name;
    let n = path.len().min(slot.len());
    slot[..n].copy_from_slice(&path[..n]);
    header.set_cksum();
    (header, data)
}

fn relative(path: &Path) -> PathBuf {
    let mut p = path;
    while let Ok(stripped) = p.strip_prefix("/") {
        p = stripped;
    }
    p.to_path_buf()
}

fn with_slash(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    if !s.as_bytes().ends_with(b"/") {
        s.push("/");
    }
    PathBuf::from(s)
}

fn base_header(kind: EntryType, mode: u32, owner: (u64, u64)) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(0);
    header.set_mode(mode & 0o7777);
    header.set_uid(owner.0);
    header.set_gid(owner.1);
    header.set_mtime(FIXED_MTIME);
    header
}

fn append_item<W: Write>(b: &mut tar::Builder<W>, item: &Item) -> Result<()> {
    match item {
        Item::Tree(root) => append_tree(b, root)?,
        Item::File {
            path,
            data,
            mode,
            owner,
        } => {
            let mut h = base_header(EntryType::Regular, *mode, *owner);
            h.set_size(data.len() as u64);
            b.append_data(&mut h, path, data.as_slice())
                .with_context(|| format!("writing file entry {}", path.display()))?;
        }
        Item::Dir { path, mode, owner } => {
            let mut h = base_header(EntryType::Directory, *mode, *owner);
            b.append_data(&mut h, with_slash(path), io::empty())
                .with_context(|| format!("writing dir entry {}", path.display()))?;
        }
        Item::Symlink {
            path,
            target,
            owner,
        } => {
            let mut h = base_header(EntryType::Symlink, 0o777, *owner);
            b.append_link(&mut h, path, target)
                .with_context(|| format!("writing symlink entry {}", path.display()))?;
        }
        Item::Hardlink { path, target } => {
            let mut h = base_header(EntryType::Link, 0o644, (0, 0));
            b.append_link(&mut h, path, target)
                .with_context(|| format!("writing hardlink entry {}", path.display()))?;
        }
        Item::Raw { header, data } => {
            b.append(header, data.as_slice())
                .context("writing raw entry")?;
        }
    }
    Ok(())
}

/// Linux `major()`/`minor()` of a `dev_t` (glibc encoding).
fn dev_major_minor(rdev: u64) -> (u32, u32) {
    let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
    let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
    (
        u32::try_from(major).unwrap_or(u32::MAX),
        u32::try_from(minor).unwrap_or(u32::MAX),
    )
}

fn append_tree<W: Write>(b: &mut tar::Builder<W>, root: &Path) -> Result<()> {
    let meta = fs_err::symlink_metadata(root)?;
    if !meta.is_dir() {
        bail!("layer tree root {} is not a directory", root.display());
    }
    let mut links = HashMap::new();
    walk(b, root, Path::new(""), meta.dev(), &mut links)
}

fn walk<W: Write>(
    b: &mut tar::Builder<W>,
    abs: &Path,
    rel: &Path,
    root_dev: u64,
    links: &mut HashMap<(u64, u64), PathBuf>,
) -> Result<()> {
    let mut names = Vec::new();
    for entry in fs_err::read_dir(abs)? {
        names.push(
            entry
                .with_context(|| format!("listing {}", abs.display()))?
                .file_name(),
        );
    }
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    for name in names {
        let abs_path = abs.join(&name);
        let rel_path = rel.join(&name);
        let md = fs_err::symlink_metadata(&abs_path)?;
        let ft = md.file_type();
        let owner = (u64::from(md.uid()), u64::from(md.gid()));
        let ctx = || format!("adding {} to layer", abs_path.display());
        if ft.is_dir() {
            let mut h = base_header(EntryType::Directory, md.mode(), owner);
            b.append_data(&mut h, with_slash(&rel_path), io::empty())
                .with_context(ctx)?;
            if md.dev() == root_dev {
                walk(b, &abs_path, &rel_path, root_dev, links)?;
            }
        } else if ft.is_symlink() {
            let target = fs_err::read_link(&abs_path)?;
            let mut h = base_header(EntryType::Symlink, md.mode(), owner);
            b.append_link(&mut h, &rel_path, &target)
                .with_context(ctx)?;
        } else if ft.is_file() {
            if md.nlink() > 1 {
                let key = (md.dev(), md.ino());
                if let Some(first) = links.get(&key) {
                    let mut h = base_header(EntryType::Link, md.mode(), owner);
                    b.append_link(&mut h, &rel_path, first).with_context(ctx)?;
                    continue;
                }
                links.insert(key, rel_path.clone());
            }
            let mut h = base_header(EntryType::Regular, md.mode(), owner);
            h.set_size(md.len());
            let file = fs_err::File::open(&abs_path)?;
            let mut limited = file.take(md.len());
            b.append_data(&mut h, &rel_path, &mut limited)
                .with_context(ctx)?;
            if limited.limit() != 0 {
                bail!("{} shrank while it was being read", abs_path.display());
            }
        } else if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() {
            let kind = if ft.is_char_device() {
                EntryType::Char
            } else if ft.is_block_device() {
                EntryType::Block
            } else {
                EntryType::Fifo
            };
            let mut h = base_header(kind, md.mode(), owner);
            if kind != EntryType::Fifo {
                let (major, minor) = dev_major_minor(md.rdev());
                h.set_device_major(major).with_context(ctx)?;
                h.set_device_minor(minor).with_context(ctx)?;
            }
            b.append_data(&mut h, &rel_path, io::empty())
                .with_context(ctx)?;
        }
        // Sockets (and anything else) are skipped deliberately.
    }
    Ok(())
}

/// A layer blob written to disk, with its digests.
#[derive(Clone, Debug)]
pub(crate) struct BlobFile {
    pub(crate) path: PathBuf,
    pub(crate) digest: String,
    pub(crate) size: u64,
    pub(crate) diff_id: String,
    pub(crate) compression: Compression,
}

enum Encoder<W: Write> {
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
    None(W),
}

impl<W: Write> Encoder<W> {
    fn new(inner: W, compression: Compression) -> Result<Self> {
        Ok(match compression {
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                inner,
                flate2::Compression::default(),
            )),
            Compression::Zstd => Encoder::Zstd(
                zstd::stream::write::Encoder::new(inner, 3).context("starting zstd encoder")?,
            ),
            Compression::None => Encoder::None(inner),
        })
    }

    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
            Encoder::None(w) => Ok(w),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
            Encoder::None(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
            Encoder::None(w) => w.flush(),
        }
    }
}

impl Layer {
    /// Streams this layer into a blob file in `dir`, named by its digest; hashes while writing.
    pub(crate) fn write_blob(&self, dir: &Path) -> Result<BlobFile> {
        let tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("creating temp file in {}", dir.display()))?;
        let file: File = tmp.as_file().try_clone().context("cloning temp file")?;
        let compressed = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        let encoder = Encoder::new(compressed, self.compression)?;
        let uncompressed = HashingWriter::new(encoder);
        let uncompressed = self.write_tar(uncompressed)?;
        let (encoder, diff_id, _) = uncompressed.finish();
        let compressed = encoder.finish().context("finishing layer compression")?;
        let (buf, digest, size) = compressed.finish();
        buf.into_inner()
            .map_err(io::IntoInnerError::into_error)
            .context("flushing layer blob")?;
        let path = dir.join(crate::hash::hex_of(&digest));
        tmp.persist(&path)
            .with_context(|| format!("renaming layer blob to {}", path.display()))?;
        Ok(BlobFile {
            path,
            digest,
            size,
            diff_id,
            compression: self.compression,
        })
    }
}
