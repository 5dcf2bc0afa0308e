//! Fetching a location for an update: conditional HTTP requests, retries, mirrors, checksums,
//! and a cheap "has it changed?" answer for local files.
//!
//! [`fetch`] turns one configured location into either [`Fetched::NotModified`] (the upstream
//! answered `304 Not Modified` to our `If-None-Match` / `If-Modified-Since`, or a local file,
//! directory or archive has the same raw-byte digest as last time) or a [`Source`] ready to be
//! parsed: a local path, or a download spooled to a temporary file.
//!
//! Why spool downloads instead of parsing the response stream directly:
//!
//! * the checksum an upstream publishes (NVD's `.meta` files) is verified *before* a single
//!   record is parsed, so a corrupted or tampered download never reaches the database;
//! * a feed with several locations is only re-ingested when at least one changed, and then
//!   every location is needed again; keeping network time out of the database transaction
//!   keeps write locks short when several feeds are updated at once.
//!
//! HTTP details, each a deliberate choice:
//!
//! * `Accept-Encoding: gzip` (ureq's `gzip` feature; the response is decoded transparently).
//!   Feeds that are themselves `.gz`/`.bz2` files are decompressed later by magic bytes.
//! * Retries with exponential backoff (`retry_base * 2^attempt`, capped at 60 s) on connection
//!   errors, timeouts, `429` and `5xx`; a `Retry-After` header (seconds or an HTTP date) is
//!   honoured, capped at 5 minutes. Retries stop when the per-feed deadline
//!   ([`FetchOptions::timeout`]) is spent.
//! * Proxies: [`FetchOptions::proxy`] when configured, otherwise ureq's
//!   `Proxy::try_from_env()` — `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and their lower-case
//!   forms) with `NO_PROXY` exclusions.
//! * Mirrors are tried in order when the primary location fails (not when it answers 304).
//!
//! An index location (`latest:…`, `rss:…`) is fetched in two steps, see [`crate::index`]: the
//! index conditionally, then, only when it changed, every location it names.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use customs_model::Digest;
use sha2::{Digest as _, Sha256};

use crate::location::{
    Deferred, FetchOptions, Inputs, LocationError, open_plain_location, open_reader,
};

/// What the previous successful fetch of a location left behind: HTTP validators for a URL,
/// the raw-byte digest for both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `sha256:<hex>` of the raw bytes (for a directory: of its files' relative names and
    /// bytes, in sorted order).
    pub digest: Option<String>,
}

/// Where an upstream publishes a checksum for a location, and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumSpec {
    /// The checksum file's location (URL or path).
    pub url: String,
    pub format: ChecksumFormat,
}

/// Checksum file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumFormat {
    /// NVD's `.meta` file: `sha256:HEX` of the *decompressed* JSON (next to `size:`,
    /// `gzSize:`, `lastModifiedDate:` lines).
    NvdMeta,
    /// `sha256sum` output: `HEX  NAME` lines; the line for the location's file name is used,
    /// and the digest is of the raw (compressed) bytes.
    Sha256Sums,
}

/// The checksum well-known upstreams publish for `location`, if any: NVD's yearly feeds
/// (`…/nvdcve-2.0-2024.json.gz`, also the retired 1.1 feeds) have a `….meta` next to them.
/// This is the default of `FeedParser::checksum`.
#[must_use]
pub fn well_known_checksum(location: &str) -> Option<ChecksumSpec> {
    if !(location.starts_with("https://") || location.starts_with("http://")) {
        return None;
    }
    let name = location.rsplit('/').next()?;
    if !name.starts_with("nvdcve-") {
        return None;
    }
    let stem = [".json.gz", ".json.zip", ".json"]
        .iter()
        .find_map(|s| location.strip_suffix(s))?;
    Some(ChecksumSpec {
        url: format!("{stem}.meta"),
        format: ChecksumFormat::NvdMeta,
    })
}

/// The outcome of fetching one location.
#[derive(Debug)]
pub enum Fetched {
    /// Unchanged since the validators given to [`fetch`].
    NotModified,
    /// Ready to parse.
    Ready(Source),
}

/// A fetched location, ready to parse with [`Source::inputs`].
#[derive(Debug)]
pub struct Source {
    /// The configured location.
    pub location: String,
    /// Where it was actually read from (the location, or a mirror; for an index location,
    /// where the index was read from).
    pub fetched_from: String,
    /// What to store for the next conditional fetch (for an index location: the index's).
    pub validators: Validators,
    pub(crate) body: Body,
}

#[derive(Debug)]
pub(crate) enum Body {
    Local(String),
    Spooled {
        file: std::fs::File,
        name: String,
    },
    /// Spooled to a named file, closed until it is read (the many locations an index names
    /// would otherwise each hold a file descriptor).
    SpooledAt {
        path: PathBuf,
        name: String,
    },
    /// The locations an index named, fetched (each `Local` or `SpooledAt`); `dir` holds the
    /// spooled ones and is removed when the last user is dropped.
    Index {
        links: Vec<Source>,
        dir: Arc<tempfile::TempDir>,
    },
}

impl Source {
    /// The inputs of this location (decompressed, archives expanded), as
    /// [`crate::open_location`] gives them. May be called once per source.
    pub fn inputs(&self, opts: &FetchOptions) -> Result<Inputs, LocationError> {
        let io_err = |source| LocationError::Io {
            location: self.fetched_from.clone(),
            source,
        };
        match &self.body {
            Body::Local(path) => open_plain_location(path, opts),
            Body::Spooled { file, name } => {
                let mut f = file.try_clone().map_err(io_err)?;
                f.seek(SeekFrom::Start(0)).map_err(io_err)?;
                open_reader(&self.fetched_from, name, Box::new(f), opts)
            }
            Body::SpooledAt { path, name } => {
                let f = std::fs::File::open(path).map_err(io_err)?;
                open_reader(&self.fetched_from, name, Box::new(f), opts)
            }
            Body::Index { links, dir } => {
                let deferred = links
                    .iter()
                    .map(|link| {
                        let fetched_from = link.fetched_from.clone();
                        let body = match &link.body {
                            Body::Local(p) => LinkBody::Local(p.clone()),
                            Body::SpooledAt { path, name } => LinkBody::File {
                                path: path.clone(),
                                name: name.clone(),
                            },
                            // The index fetch only makes the two above.
                            Body::Spooled { .. } | Body::Index { .. } => LinkBody::Unusable,
                        };
                        let dir = Arc::clone(dir);
                        Deferred {
                            location: fetched_from.clone(),
                            open: Box::new(move |opts: &FetchOptions| {
                                let _keep = dir;
                                body.open(&fetched_from, opts)
                            }),
                        }
                    })
                    .collect();
                Ok(Inputs::chain(opts, deferred))
            }
        }
    }
}

/// How a location named by an index is read back after the fetch.
enum LinkBody {
    Local(String),
    File { path: PathBuf, name: String },
    Unusable,
}

impl LinkBody {
    fn open(&self, fetched_from: &str, opts: &FetchOptions) -> Result<Inputs, LocationError> {
        match self {
            LinkBody::Local(p) => open_plain_location(p, opts),
            LinkBody::File { path, name } => {
                let f = std::fs::File::open(path).map_err(|source| LocationError::Io {
                    location: fetched_from.to_owned(),
                    source,
                })?;
                open_reader(fetched_from, name, Box::new(f), opts)
            }
            LinkBody::Unusable => Err(LocationError::Unsupported {
                location: fetched_from.to_owned(),
            }),
        }
    }
}

/// Rewrites `location` onto `mirror`: the mirror replaces the scheme and host of a URL (or
/// is prefixed to a path), keeping the rest of the path. `https://secdb.alpinelinux.org/v3.19/main.json`
/// with mirror `https://mirror.internal/secdb` becomes `https://mirror.internal/secdb/v3.19/main.json`;
/// with mirror `/srv/mirror/secdb` it becomes `/srv/mirror/secdb/v3.19/main.json`.
#[must_use]
pub fn mirror_location(location: &str, mirror: &str) -> String {
    let path = match location.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        None => location.trim_start_matches('/'),
    };
    format!("{}/{path}", mirror.trim_end_matches('/'))
}

/// Fetches `location` (falling back to each of `mirrors` in order when it fails), unless the
/// `previous` validators show it is unchanged. `checksum` maps the URL actually fetched to
/// the checksum to verify, if any. An index location (`latest:…`, `rss:…`) is fetched as
/// [`crate::index`] describes.
pub fn fetch(
    location: &str,
    mirrors: &[String],
    previous: Option<&Validators>,
    checksum: &dyn Fn(&str) -> Option<ChecksumSpec>,
    opts: &FetchOptions,
) -> Result<Fetched, LocationError> {
    if let Some(index) = crate::index::IndexLocation::parse(location) {
        return crate::index::fetch_index(&index, location, mirrors, previous, checksum, opts);
    }
    let agent = if is_url(location) || mirrors.iter().any(|m| is_url(m)) {
        Some(agent(opts)?)
    } else {
        None
    };
    fetch_with(
        agent.as_ref(),
        location,
        mirrors,
        previous,
        checksum,
        opts,
        None,
    )
}

/// [`fetch`] for a location that is not an index, with an agent to share (connections are
/// kept alive between requests) and, with `spool_at`, the file the download goes to.
pub(crate) fn fetch_with(
    agent: Option<&ureq::Agent>,
    location: &str,
    mirrors: &[String],
    previous: Option<&Validators>,
    checksum: &dyn Fn(&str) -> Option<ChecksumSpec>,
    opts: &FetchOptions,
    spool_at: Option<&Path>,
) -> Result<Fetched, LocationError> {
    let deadline = Instant::now() + opts.timeout;
    let mut first_err = None;
    let candidates = std::iter::once(location.to_owned())
        .chain(mirrors.iter().map(|m| mirror_location(location, m)));
    for candidate in candidates {
        match fetch_one(
            agent, location, &candidate, previous, checksum, opts, deadline, spool_at,
        ) {
            Ok(f) => {
                if candidate != location {
                    tracing::info!(%location, mirror = %candidate, "fetched from a mirror");
                }
                return Ok(f);
            }
            Err(e) => {
                tracing::warn!(%candidate, error = %e, "fetch failed");
                // A checksum mismatch or a missing file on a mirror is reported, but the
                // primary's error is the one users understand.
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| LocationError::NotFound {
        location: location.to_owned(),
    }))
}

/// How a download over the size limit is reported (the start of an `Http` error's message).
pub(crate) const TOO_LARGE: &str = "response larger than the limit of";

pub(crate) fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

#[allow(clippy::too_many_arguments)]
fn fetch_one(
    agent: Option<&ureq::Agent>,
    location: &str,
    candidate: &str,
    previous: Option<&Validators>,
    checksum: &dyn Fn(&str) -> Option<ChecksumSpec>,
    opts: &FetchOptions,
    deadline: Instant,
    spool_at: Option<&Path>,
) -> Result<Fetched, LocationError> {
    if !is_url(candidate) {
        let path = candidate.strip_prefix("file://").unwrap_or(candidate);
        if candidate.contains("://") && !candidate.starts_with("file://") {
            return Err(LocationError::Unsupported {
                location: candidate.to_owned(),
            });
        }
        let digest = local_digest(Path::new(path)).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => LocationError::NotFound {
                location: candidate.to_owned(),
            },
            _ => LocationError::Io {
                location: candidate.to_owned(),
                source,
            },
        })?;
        if previous.and_then(|p| p.digest.as_deref()) == Some(digest.as_str()) {
            return Ok(Fetched::NotModified);
        }
        return Ok(Fetched::Ready(Source {
            location: location.to_owned(),
            fetched_from: candidate.to_owned(),
            validators: Validators {
                digest: Some(digest),
                ..Validators::default()
            },
            body: Body::Local(path.to_owned()),
        }));
    }
    let owned;
    let agent = if let Some(a) = agent {
        a
    } else {
        owned = self::agent(opts)?;
        &owned
    };
    let mut resp = get_with_retries(agent, candidate, previous, opts, deadline)?;
    if resp.status().as_u16() == 304 {
        return Ok(Fetched::NotModified);
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header("etag");
    let last_modified = header("last-modified");
    let io_err = |source| LocationError::Io {
        location: candidate.to_owned(),
        source,
    };
    let mut file = match spool_at {
        None => tempfile::tempfile().map_err(io_err)?,
        Some(p) => std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(p)
            .map_err(io_err)?,
    };
    let mut hasher = Sha256::new();
    let reader = resp.body_mut().as_reader();
    let copied = copy_hashing(&mut reader.take(opts.max_bytes + 1), &mut file, &mut hasher)
        .map_err(|e| LocationError::Http {
            location: candidate.to_owned(),
            message: format!("reading the response failed: {e}"),
        })?;
    if copied > opts.max_bytes {
        return Err(LocationError::Http {
            location: candidate.to_owned(),
            message: format!("{TOO_LARGE} {} bytes", opts.max_bytes),
        });
    }
    let digest = Digest::from_sha256_output(&hasher.finalize()).to_string();
    if let Some(spec) = checksum(candidate) {
        verify_checksum(candidate, &spec, &mut file, &digest, agent, opts, deadline)?;
    }
    let name = file_name(candidate);
    // A server without validators still lets an unchanged body be skipped by its digest.
    if etag.is_none()
        && last_modified.is_none()
        && previous.and_then(|p| p.digest.as_deref()) == Some(digest.as_str())
    {
        return Ok(Fetched::NotModified);
    }
    let body = match spool_at {
        None => Body::Spooled { file, name },
        Some(p) => Body::SpooledAt {
            path: p.to_owned(),
            name,
        },
    };
    Ok(Fetched::Ready(Source {
        location: location.to_owned(),
        fetched_from: candidate.to_owned(),
        validators: Validators {
            etag,
            last_modified,
            digest: Some(digest),
        },
        body,
    }))
}

/// The last path segment of a URL (without query or fragment): how inputs are named.
pub(crate) fn file_name(url: &str) -> String {
    url.split(['?', '#'])
        .next()
        .unwrap_or(url)
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned()
}

fn copy_hashing(r: &mut dyn Read, w: &mut dyn Write, h: &mut Sha256) -> io::Result<u64> {
    let mut buf = vec![0u8; 128 * 1024];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        w.write_all(&buf[..n])?;
        total += n as u64;
    }
}

pub(crate) fn agent(opts: &FetchOptions) -> Result<ureq::Agent, LocationError> {
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
    Ok(cfg.build().into())
}

/// A GET with the conditional headers and the retry policy of the module docs. Returns a
/// 2xx or 304 response; anything else is an error.
pub(crate) fn get_with_retries(
    agent: &ureq::Agent,
    url: &str,
    previous: Option<&Validators>,
    opts: &FetchOptions,
    deadline: Instant,
) -> Result<ureq::http::Response<ureq::Body>, LocationError> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let mut req = agent.get(url);
        if let Some(p) = previous {
            if let Some(etag) = &p.etag {
                req = req.header("If-None-Match", etag);
            }
            if let Some(lm) = &p.last_modified {
                req = req.header("If-Modified-Since", lm);
            }
        }
        let (retry_after, message) = match req.call() {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if (200..300).contains(&status) || (status == 304 && previous.is_some()) {
                    return Ok(resp);
                }
                if status == 404 || status == 410 {
                    return Err(LocationError::NotFound {
                        location: url.to_owned(),
                    });
                }
                let message = format!("HTTP status {status}");
                if status != 429 && status < 500 {
                    return Err(LocationError::Http {
                        location: url.to_owned(),
                        message,
                    });
                }
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                (retry_after, message)
            }
            Err(e) => {
                let retryable = matches!(
                    e,
                    ureq::Error::Io(_)
                        | ureq::Error::Timeout(_)
                        | ureq::Error::ConnectionFailed
                        | ureq::Error::HostNotFound
                );
                if !retryable {
                    return Err(LocationError::Http {
                        location: url.to_owned(),
                        message: e.to_string(),
                    });
                }
                (None, e.to_string())
            }
        };
        let backoff = opts
            .retry_base
            .saturating_mul(2u32.saturating_pow(attempt - 1))
            .min(Duration::from_mins(1));
        let wait = retry_after.map_or(backoff, |r| r.min(Duration::from_mins(5)));
        let now = Instant::now();
        if attempt > opts.retries || now + wait >= deadline {
            return Err(LocationError::Http {
                location: url.to_owned(),
                message: if attempt > 1 {
                    format!("{message} (after {attempt} attempts)")
                } else {
                    message
                },
            });
        }
        tracing::warn!(%url, attempt, error = %message, "retrying in {wait:?}");
        std::thread::sleep(wait);
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(v)
        .ok()?;
    let secs = when.as_second() - jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

fn verify_checksum(
    url: &str,
    spec: &ChecksumSpec,
    file: &mut std::fs::File,
    raw_digest: &str,
    agent: &ureq::Agent,
    opts: &FetchOptions,
    deadline: Instant,
) -> Result<(), LocationError> {
    let fail = |message: String| LocationError::Checksum {
        location: url.to_owned(),
        message,
    };
    let text = if is_url(&spec.url) {
        let mut resp = get_with_retries(agent, &spec.url, None, opts, deadline)
            .map_err(|e| fail(format!("cannot fetch the checksum file: {e}")))?;
        resp.body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| fail(format!("{}: {e}", spec.url)))?
    } else {
        let path = spec.url.strip_prefix("file://").unwrap_or(&spec.url);
        let mut s = String::new();
        fs_err::File::open(path)
            .and_then(|f| f.take(64 * 1024).read_to_string(&mut s))
            .map_err(|e| fail(format!("cannot read the checksum file: {e}")))?;
        s
    };
    let name = url.rsplit('/').next().unwrap_or(url);
    let expected = match spec.format {
        ChecksumFormat::NvdMeta => text
            .lines()
            .find_map(|l| l.trim().strip_prefix("sha256:"))
            .map(|h| h.trim().to_ascii_lowercase()),
        ChecksumFormat::Sha256Sums => text.lines().find_map(|l| {
            let mut parts = l.split_whitespace();
            let hex = parts.next()?;
            let file = parts.next()?.trim_start_matches('*');
            (file == name || file.rsplit('/').next() == Some(name))
                .then(|| hex.to_ascii_lowercase())
        }),
    }
    .ok_or_else(|| fail(format!("{} names no sha256 for {name}", spec.url)))?;
    let actual = match spec.format {
        ChecksumFormat::Sha256Sums => raw_digest.trim_start_matches("sha256:").to_owned(),
        ChecksumFormat::NvdMeta => {
            file.seek(SeekFrom::Start(0))
                .map_err(|e| fail(e.to_string()))?;
            let f = file.try_clone().map_err(|e| fail(e.to_string()))?;
            let mut decoded = decompressed(Box::new(f)).map_err(|e| fail(e.to_string()))?;
            let mut h = Sha256::new();
            copy_hashing(&mut decoded, &mut io::sink(), &mut h)
                .map_err(|e| fail(format!("decompressing for the checksum: {e}")))?;
            Digest::from_sha256_output(&h.finalize())
                .to_string()
                .trim_start_matches("sha256:")
                .to_owned()
        }
    };
    if actual != expected {
        return Err(fail(format!(
            "sha256 {actual} does not match {expected} published in {}",
            spec.url
        )));
    }
    tracing::debug!(%url, "checksum verified against {}", spec.url);
    Ok(())
}

/// The stream, gunzipped or bunzipped or unzstd'ed by its magic bytes.
fn decompressed(r: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut b = io::BufReader::new(r);
    let magic = io::BufRead::fill_buf(&mut b)?;
    Ok(if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(b))
    } else if magic.starts_with(b"BZh") {
        Box::new(bzip2::bufread::MultiBzDecoder::new(b))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::Decoder::with_buffer(b)?)
    } else {
        Box::new(b)
    })
}

/// The raw-byte digest of a local file, or of a directory's files (their paths relative to
/// the directory and their bytes, in sorted order, as far down as `open_location` reads).
/// Hashing raw bytes (not decompressed ones) keeps a no-change check of every feed well
/// under a second.
pub fn local_digest(path: &Path) -> io::Result<String> {
    let meta = fs_err::metadata(path)?;
    let mut h = Sha256::new();
    if meta.is_dir() {
        let mut files: Vec<PathBuf> = Vec::new();
        let mut stack = vec![(path.to_owned(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            for e in fs_err::read_dir(&dir)? {
                let e = e?;
                let ft = e.file_type()?;
                if ft.is_file() {
                    files.push(e.path());
                } else if ft.is_dir() && depth < 4 {
                    stack.push((e.path(), depth + 1));
                }
            }
        }
        files.sort();
        for f in files {
            let rel = f.strip_prefix(path).unwrap_or(&f);
            h.update(rel.to_string_lossy().as_bytes());
            h.update([0]);
            copy_hashing(&mut fs_err::File::open(&f)?, &mut io::sink(), &mut h)?;
            h.update([0]);
        }
    } else {
        copy_hashing(&mut fs_err::File::open(path)?, &mut io::sink(), &mut h)?;
    }
    Ok(Digest::from_sha256_output(&h.finalize()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvd_checksum_url() {
        let c =
            well_known_checksum("https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2024.json.gz")
                .unwrap();
        assert_eq!(
            c.url,
            "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2024.meta"
        );
        assert_eq!(c.format, ChecksumFormat::NvdMeta);
        assert!(well_known_checksum("https://secdb.alpinelinux.org/v3.19/main.json").is_none());
        assert!(well_known_checksum("/tmp/nvdcve-2.0-2024.json.gz").is_none());
    }

    #[test]
    fn mirrors_keep_the_path() {
        assert_eq!(
            mirror_location(
                "https://secdb.alpinelinux.org/v3.19/main.json",
                "https://m.internal/secdb/"
            ),
            "https://m.internal/secdb/v3.19/main.json"
        );
        assert_eq!(
            mirror_location(
                "https://secdb.alpinelinux.org/v3.19/main.json",
                "/srv/secdb"
            ),
            "/srv/secdb/v3.19/main.json"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
