//! Opening feed locations: local files, directories, `file://` and `http(s)://` URLs, with
//! transparent decompression (by magic bytes: gzip, bzip2, zstd), a size cap, and archives
//! (zip, tar) expanded into one input per member; and index locations (`latest:…`,
//! `rss:…`, see [`crate::index`]) expanded into the locations they name.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use customs_model::Digest;
use sha2::{Digest as _, Sha256};

use crate::archive::{
    self, ArchiveMembers, TarMembers, ZipMembers, failed_input, failed_input_message,
};

/// Why a location could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("{location}: no such file or directory")]
    NotFound { location: String },
    #[error("{location}: {source}")]
    Io { location: String, source: io::Error },
    #[error("{location}: HTTP request failed: {message}")]
    Http { location: String, message: String },
    #[error(
        "{location}: unsupported location (expected a path, a file://, http:// or https:// URL, or an index: latest:LOCATION, rss:LOCATION)"
    )]
    Unsupported { location: String },
    /// An index location (`latest:…`, `rss:…`) could not be used: its body is not an index,
    /// is over a limit, or names a location it may not name. `location` is the index
    /// location as configured, prefix included.
    #[error("{location}: index: {message}")]
    Index { location: String, message: String },
    #[error("{location}: checksum verification failed: {message}")]
    Checksum { location: String, message: String },
}

/// One input ready to parse.
pub struct OpenedInput {
    pub location: String,
    /// Last path segment without compression suffix.
    pub file_name: String,
    pub reader: Box<dyn Read + Send>,
}

impl std::fmt::Debug for OpenedInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedInput")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// Settings for fetching.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Each request's timeout, and the deadline for a location's retries.
    pub timeout: Duration,
    /// How many times a request is retried (connection errors, timeouts, 429, 5xx).
    pub retries: u32,
    /// The first retry waits this long, each next one twice as long (unless the server
    /// sends `Retry-After`).
    pub retry_base: Duration,
    /// An explicit proxy URL (`http://host:port`, `socks5://…`); `None` uses the
    /// `ALL_PROXY` / `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` environment.
    pub proxy: Option<String>,
    /// The most decompressed bytes one input may produce; for an archive, the whole archive
    /// after decompression (and a zip download's size).
    pub max_bytes: u64,
    /// The most regular members one archive may hold.
    pub max_archive_members: u64,
    /// The most bytes one archive member may inflate to. Members are held in memory one at a
    /// time, so this bounds memory too.
    pub max_member_bytes: u64,
    /// The most decompressed bytes the body of an index location (`latest:…`, `rss:…`) may
    /// have; it is read whole.
    pub max_index_bytes: u64,
    /// The most locations one index may name.
    pub max_index_links: u64,
    /// Where the locations an index named are kept between updates, so that when the index
    /// changes only the named locations that changed are downloaded (see the `link_cache`
    /// module). `None` downloads them all again.
    pub link_cache: Option<PathBuf>,
}

/// osv.dev's largest per-ecosystem `all.zip` (npm, with its malicious-package reports) holds a
/// few hundred thousand records; a million leaves room without being unbounded.
pub const DEFAULT_MAX_ARCHIVE_MEMBERS: u64 = 1_000_000;
/// Archive members are single advisory records or per-release files, mostly a few MiB; the
/// exception is Red Hat's VEX archive, whose per-CVE documents for the kernel list every
/// affected product and reportedly approach 100 MB. 256 MiB is the CSAF parser's own
/// document limit (`customs_rhel::csaf::DEFAULT_MAX_BYTES`); members are held in memory one
/// at a time, so this is also the memory bound.
pub const DEFAULT_MAX_MEMBER_BYTES: u64 = 256 << 20;
/// Amazon's per-release ALAS RSS feeds list every advisory of the release (a few thousand
/// items, a few MiB); Red Hat's `archive_latest.txt` is one line. 16 MiB leaves room for
/// growth while an index is held in memory.
pub const DEFAULT_MAX_INDEX_BYTES: u64 = 16 << 20;
/// The most locations one index may name: each is a request, so this bounds the work a
/// hostile index can ask for; the largest real index (ALAS for Amazon Linux 2) names a few
/// thousand pages.
pub const DEFAULT_MAX_INDEX_LINKS: u64 = 100_000;

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_mins(5),
            retries: 3,
            retry_base: Duration::from_millis(500),
            proxy: None,
            max_bytes: 4 << 30,
            max_archive_members: DEFAULT_MAX_ARCHIVE_MEMBERS,
            max_member_bytes: DEFAULT_MAX_MEMBER_BYTES,
            max_index_bytes: DEFAULT_MAX_INDEX_BYTES,
            max_index_links: DEFAULT_MAX_INDEX_LINKS,
            link_cache: None,
        }
    }
}

fn strip_compression(name: &str) -> String {
    if let Some(s) = name.strip_suffix(".tgz") {
        return format!("{s}.tar");
    }
    for suffix in [".bz2", ".gz", ".zst", ".xz"] {
        if let Some(s) = name.strip_suffix(suffix) {
            return s.to_owned();
        }
    }
    name.to_owned()
}

/// The inputs a location names, opened one at a time as they are iterated: a file, each file
/// of a directory, each member of an archive (see [`crate::archive`]), or the inputs of each
/// location an index names (see [`crate::index`]), in order.
///
/// A problem found after `open_location` returned (a directory file that cannot be opened, a
/// corrupt archive member, an archive limit, a location named by an index that cannot be
/// opened) becomes an input whose reader fails with that error, and iteration of that file
/// or archive ends there: reading the input reports it.
pub struct Inputs {
    opts: FetchOptions,
    files: std::vec::IntoIter<PathBuf>,
    current: Option<Opened>,
    deferred: std::vec::IntoIter<Deferred>,
}

/// Opens a deferred location.
pub(crate) type OpenLater = Box<dyn FnOnce(&FetchOptions) -> Result<Inputs, LocationError> + Send>;

/// A location opened only when iteration reaches it (one named by an index).
pub(crate) struct Deferred {
    /// Where it is, for the error when it cannot be opened.
    pub(crate) location: String,
    pub(crate) open: OpenLater,
}

impl Inputs {
    /// The inputs of each of `deferred`, opened in turn as iteration reaches them.
    pub(crate) fn chain(opts: &FetchOptions, deferred: Vec<Deferred>) -> Inputs {
        Inputs {
            opts: opts.clone(),
            files: Vec::new().into_iter(),
            current: None,
            deferred: deferred.into_iter(),
        }
    }
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("files_left", &self.files.len())
            .finish_non_exhaustive()
    }
}

enum Opened {
    Single(OpenedInput),
    Archive(ArchiveMembers),
    Nested(Box<Inputs>),
}

impl Iterator for Inputs {
    type Item = OpenedInput;

    fn next(&mut self) -> Option<OpenedInput> {
        loop {
            match self.current.take() {
                Some(Opened::Single(input)) => return Some(input),
                Some(Opened::Archive(mut members)) => {
                    if let Some(input) = members.next_input() {
                        self.current = Some(Opened::Archive(members));
                        return Some(input);
                    }
                }
                Some(Opened::Nested(mut inner)) => {
                    if let Some(input) = inner.next() {
                        self.current = Some(Opened::Nested(inner));
                        return Some(input);
                    }
                }
                None => {}
            }
            if let Some(f) = self.files.next() {
                match open_file(&f, &self.opts) {
                    Ok(opened) => self.current = Some(opened),
                    Err(e) => {
                        let location = f.display().to_string();
                        let err = match e {
                            LocationError::Io { source, .. } => source,
                            other => io::Error::other(other.to_string()),
                        };
                        return Some(failed_input(location, file_name(&f), &err));
                    }
                }
                continue;
            }
            let next = self.deferred.next()?;
            match (next.open)(&self.opts) {
                Ok(inputs) => self.current = Some(Opened::Nested(Box::new(inputs))),
                Err(e) => {
                    let name = next
                        .location
                        .split(['?', '#'])
                        .next()
                        .unwrap_or("")
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .to_owned();
                    return Some(failed_input_message(next.location, name, e.to_string()));
                }
            }
        }
    }
}

/// Expands a location into the inputs it names (a directory gives its files, recursively and
/// sorted; an archive gives its members; an index location the inputs of each location it
/// names). A single file or URL (an index included) is opened before this returns, so a
/// missing file or a failed download is an `Err` here; the locations an index names are
/// opened as iteration reaches them.
pub fn open_location(location: &str, opts: &FetchOptions) -> Result<Inputs, LocationError> {
    if let Some(index) = crate::index::IndexLocation::parse(location) {
        return crate::index::open_index(&index, location, opts);
    }
    open_plain_location(location, opts)
}

/// [`open_location`] for a location that is not an index.
pub(crate) fn open_plain_location(
    location: &str,
    opts: &FetchOptions,
) -> Result<Inputs, LocationError> {
    let mut inputs = Inputs {
        opts: opts.clone(),
        files: Vec::new().into_iter(),
        current: None,
        deferred: Vec::new().into_iter(),
    };
    if location.starts_with("http://") || location.starts_with("https://") {
        let reader = http_get(location, opts)?;
        let name = location
            .split(['?', '#'])
            .next()
            .unwrap_or(location)
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned();
        inputs.current = Some(open_stream(location.to_owned(), &name, reader, opts)?);
        return Ok(inputs);
    }
    let path = match location.strip_prefix("file://") {
        Some(p) => PathBuf::from(p),
        None if location.contains("://") => {
            return Err(LocationError::Unsupported {
                location: location.to_owned(),
            });
        }
        None => PathBuf::from(location),
    };
    if !path.exists() {
        return Err(LocationError::NotFound {
            location: location.to_owned(),
        });
    }
    let io_err = |source| LocationError::Io {
        location: location.to_owned(),
        source,
    };
    if !path.is_dir() {
        inputs.current = Some(open_file(&path, opts)?);
        return Ok(inputs);
    }
    // Directories are read recursively (a mirror of secdb keeps `v3.19/main.json`; the PyPA
    // advisory database keeps `vulns/PACKAGE/PYSEC-….yaml`), in a stable order, a few levels
    // deep. Files are opened one at a time as the inputs are iterated.
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![(path, 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        for e in fs_err::read_dir(&dir).map_err(io_err)? {
            let e = e.map_err(io_err)?;
            let ft = e.file_type().map_err(io_err)?;
            if ft.is_file() {
                files.push(e.path());
            } else if ft.is_dir() && depth < 4 {
                stack.push((e.path(), depth + 1));
            }
        }
    }
    files.sort();
    inputs.files = files.into_iter();
    Ok(inputs)
}

/// The inputs of an already open stream, as [`open_location`] would give them for a file
/// named `file_name` at `location`: decompressed, and expanded when it is an archive (a zip
/// is spooled to a temporary file first).
pub fn open_reader(
    location: &str,
    file_name: &str,
    reader: Box<dyn Read + Send>,
    opts: &FetchOptions,
) -> Result<Inputs, LocationError> {
    Ok(Inputs {
        opts: opts.clone(),
        files: Vec::new().into_iter(),
        current: Some(open_stream(location.to_owned(), file_name, reader, opts)?),
        deferred: Vec::new().into_iter(),
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Opens a local file: a zip archive is read in place (it needs seeking); anything else is a
/// stream.
fn open_file(f: &Path, opts: &FetchOptions) -> Result<Opened, LocationError> {
    let location = f.display().to_string();
    let io_err = |source| LocationError::Io {
        location: location.clone(),
        source,
    };
    let mut file = fs_err::File::open(f).map_err(io_err)?;
    let mut magic = [0u8; 4];
    let n = read_prefix(&mut file, &mut magic).map_err(io_err)?;
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    if archive::is_zip(&magic[..n]) {
        let zip = ZipMembers::new(location.clone(), Box::new(file.into_parts().0), opts)
            .map_err(io_err)?;
        return Ok(Opened::Archive(ArchiveMembers::Zip(zip)));
    }
    open_stream(location.clone(), &file_name(f), Box::new(file), opts)
}

/// Reads up to `buf.len()` bytes, fewer only at the end of the stream.
fn read_prefix(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Opens a stream: decompresses it by its magic bytes, caps it, and recognises a zip (spooled
/// to a temporary file first) or a tar archive inside.
fn open_stream(
    location: String,
    name: &str,
    reader: Box<dyn Read + Send>,
    opts: &FetchOptions,
) -> Result<Opened, LocationError> {
    let io_err = |source| LocationError::Io {
        location: location.clone(),
        source,
    };
    let mut buffered = BufReader::with_capacity(256 * 1024, reader);
    let magic = buffered.fill_buf().map_err(io_err)?;
    if archive::is_zip(magic) {
        let mut spool = tempfile::tempfile().map_err(io_err)?;
        let copied =
            io::copy(&mut (&mut buffered).take(opts.max_bytes + 1), &mut spool).map_err(io_err)?;
        if copied > opts.max_bytes {
            return Err(io_err(io::Error::other(format!(
                "zip archive larger than the limit of {} bytes",
                opts.max_bytes
            ))));
        }
        spool.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let zip = ZipMembers::new(location.clone(), Box::new(spool), opts).map_err(io_err)?;
        return Ok(Opened::Archive(ArchiveMembers::Zip(zip)));
    }
    let decoded: Box<dyn Read + Send> = if magic.starts_with(b"BZh") {
        Box::new(bzip2::bufread::MultiBzDecoder::new(buffered))
    } else if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::Decoder::with_buffer(buffered).map_err(io_err)?)
    } else {
        Box::new(buffered)
    };
    let mut capped = CappedReader {
        inner: decoded,
        left: opts.max_bytes,
        limit: opts.max_bytes,
        location: location.clone(),
    };
    // Peek at the first block of the decompressed stream for a tar header.
    let mut block = vec![0u8; 512];
    let n = read_prefix(&mut capped, &mut block).map_err(io_err)?;
    block.truncate(n);
    let file_name = strip_compression(name);
    let is_tar = archive::is_tar(&block)
        || (n == 512
            && Path::new(&file_name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tar")));
    let stream: Box<dyn Read + Send> = Box::new(io::Cursor::new(block).chain(capped));
    if is_tar {
        return Ok(Opened::Archive(ArchiveMembers::Tar(TarMembers::new(
            location, stream, opts,
        ))));
    }
    Ok(Opened::Single(OpenedInput {
        location,
        file_name,
        reader: stream,
    }))
}

fn http_get(url: &str, opts: &FetchOptions) -> Result<Box<dyn Read + Send>, LocationError> {
    let mut cfg = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("customs/", env!("CARGO_PKG_VERSION")));
    if let Some(p) = &opts.proxy {
        let proxy = ureq::Proxy::new(p).map_err(|e| LocationError::Http {
            location: p.clone(),
            message: format!("invalid proxy: {e}"),
        })?;
        cfg = cfg.proxy(Some(proxy));
    }
    let agent: ureq::Agent = cfg.build().into();
    let deadline = std::time::Instant::now() + opts.timeout;
    let resp = crate::fetch::get_with_retries(&agent, url, None, opts, deadline)?;
    Ok(Box::new(resp.into_body().into_reader()))
}

struct CappedReader {
    inner: Box<dyn Read + Send>,
    left: u64,
    limit: u64,
    location: String,
}

impl Read for CappedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(format!(
                "{}: more than {} bytes after decompression",
                self.location, self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A reader that hashes what passes through it, to give each feed a content digest.
pub struct DigestingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> DigestingReader<R> {
    pub fn new(inner: R) -> Self {
        DigestingReader {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Reads the rest and returns the digest of everything.
    pub fn finish(mut self) -> io::Result<Digest> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(Digest::from_sha256_output(&self.hasher.finalize()))
    }
}

impl<R: Read> Read for DigestingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
