//! Opening feed locations: local files, directories, `file://` and `http(s)://` URLs, with
//! transparent decompression (by magic bytes) and a size cap.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use customs_model::Digest;
use sha2::{Digest as _, Sha256};

/// Why a location could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("{location}: no such file or directory")]
    NotFound { location: String },
    #[error("{location}: {source}")]
    Io { location: String, source: io::Error },
    #[error("{location}: HTTP request failed: {message}")]
    Http { location: String, message: String },
    #[error("{location}: unsupported location (expected a path, file://, http:// or https:// URL)")]
    Unsupported { location: String },
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
    pub timeout: Duration,
    pub retries: u32,
    /// The most decompressed bytes one input may produce.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_mins(5),
            retries: 3,
            max_bytes: 4 << 30,
        }
    }
}

fn strip_compression(name: &str) -> String {
    for suffix in [".bz2", ".gz", ".zst", ".xz"] {
        if let Some(s) = name.strip_suffix(suffix) {
            return s.to_owned();
        }
    }
    name.to_owned()
}

/// Expands a location into the inputs it names (a directory gives its files, sorted).
pub fn open_location(
    location: &str,
    opts: &FetchOptions,
) -> Result<Vec<OpenedInput>, LocationError> {
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
        return Ok(vec![finish(location.to_owned(), &name, reader, opts)?]);
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
    let mut files: Vec<PathBuf> = Vec::new();
    if path.is_dir() {
        // Directories are read recursively (a mirror of secdb keeps `v3.19/main.json`), in a
        // stable order, a few levels deep.
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
    } else {
        files.push(path);
    }
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let reader = fs_err::File::open(&f).map_err(|source| LocationError::Io {
                location: f.display().to_string(),
                source,
            })?;
            let name = file_name(&f);
            finish(f.display().to_string(), &name, Box::new(reader), opts)
        })
        .collect()
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn finish(
    location: String,
    name: &str,
    reader: Box<dyn Read + Send>,
    opts: &FetchOptions,
) -> Result<OpenedInput, LocationError> {
    let mut buffered = BufReader::with_capacity(256 * 1024, reader);
    let magic = buffered.fill_buf().map_err(|source| LocationError::Io {
        location: location.clone(),
        source,
    })?;
    let decoded: Box<dyn Read + Send> = if magic.starts_with(b"BZh") {
        Box::new(bzip2::bufread::MultiBzDecoder::new(buffered))
    } else if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(
            zstd::Decoder::with_buffer(buffered).map_err(|source| LocationError::Io {
                location: location.clone(),
                source,
            })?,
        )
    } else {
        Box::new(buffered)
    };
    let capped = CappedReader {
        inner: decoded,
        left: opts.max_bytes,
        limit: opts.max_bytes,
        location: location.clone(),
    };
    Ok(OpenedInput {
        location,
        file_name: strip_compression(name),
        reader: Box::new(capped),
    })
}

fn http_get(url: &str, opts: &FetchOptions) -> Result<Box<dyn Read + Send>, LocationError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .user_agent(concat!("customs/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match agent.get(url).call() {
            Ok(resp) => return Ok(Box::new(resp.into_body().into_reader())),
            Err(e) => {
                let retryable = match &e {
                    ureq::Error::StatusCode(code) => *code == 429 || *code >= 500,
                    ureq::Error::Io(_)
                    | ureq::Error::Timeout(_)
                    | ureq::Error::ConnectionFailed
                    | ureq::Error::HostNotFound => true,
                    _ => false,
                };
                if !retryable || attempt > opts.retries {
                    return Err(LocationError::Http {
                        location: url.to_owned(),
                        message: e.to_string(),
                    });
                }
                let wait = Duration::from_millis(250 * 2u64.pow(attempt.min(6)));
                tracing::warn!(%url, attempt, error = %e, "retrying in {wait:?}");
                std::thread::sleep(wait);
            }
        }
    }
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
