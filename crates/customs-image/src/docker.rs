//! `docker:NAME`: images in the local Docker Engine, read through its API on the unix socket
//! (`DOCKER_HOST=unix:///path`, default `/var/run/docker.sock`). Podman's Docker-compatible
//! socket works the same way.
//!
//! The image is exported with `GET /images/{name}/get` (a `docker save` tar stream) and read
//! in a single pass: each layer goes through the layer walker as it streams by, small JSON
//! documents are kept, and the manifest (which `docker save` writes last) is matched to the
//! walked layers at the end. Nothing is written to disk. Each layer's identity is computed
//! from its content (sha256 of the uncompressed tar) and checked against the config's
//! `diff_ids`, and the config against its digest.
//!
//! The HTTP client is a minimal HTTP/1.1 GET over `UnixStream` (status line, headers,
//! `Content-Length` or chunked bodies): it is all the Engine API needs here, and it avoids an
//! async runtime in the scanner.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use customs_analyzer::{Dispatcher, LayerFindings, normalize_path};
use customs_model::Digest;

use crate::sources::{
    DockerManifestEntry, ImageConfig, LayerInfo, check_digest, created_by, diff_ids,
    digest_from_blob_path, parse_json,
};
use crate::walk::{WalkLimits, walk_layer_full};
use crate::{Image, ImageError, ImageRef, MAX_JSON_BYTES};

const API: &str = "/v1.41";

/// The daemon's socket, from `DOCKER_HOST`.
fn socket_path() -> Result<PathBuf, ImageError> {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => match host.strip_prefix("unix://") {
            Some(p) => Ok(PathBuf::from(p)),
            None => Err(ImageError::Daemon {
                socket: host,
                reason: "only unix:// sockets are supported".into(),
            }),
        },
        _ => Ok(PathBuf::from("/var/run/docker.sock")),
    }
}

fn encode_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"._-/:@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A response body: `Content-Length`, chunked, or until the connection closes.
enum Body {
    Length(io::Take<BufReader<UnixStream>>),
    Chunked(Chunked),
    Close(BufReader<UnixStream>),
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Body::Length(r) => r.read(buf),
            Body::Chunked(r) => r.read(buf),
            Body::Close(r) => r.read(buf),
        }
    }
}

/// `Transfer-Encoding: chunked`.
struct Chunked {
    inner: BufReader<UnixStream>,
    left: u64,
    done: bool,
}

fn read_line(r: &mut impl BufRead, max: usize) -> io::Result<String> {
    let mut line = Vec::new();
    r.by_ref()
        .take(max as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if line.len() > max {
        return Err(io::Error::other("HTTP line too long"));
    }
    if !line.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-response",
        ));
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_owned())
}

impl Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = read_line(&mut self.inner, 128)?;
            let size = line.split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(size, 16)
                .map_err(|_| io::Error::other(format!("bad chunk size {size:?}")))?;
            if self.left == 0 {
                // Trailers, then the end.
                while !read_line(&mut self.inner, 8192)?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed mid-chunk",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 && !read_line(&mut self.inner, 2)?.is_empty() {
            return Err(io::Error::other("missing CRLF after chunk"));
        }
        Ok(n)
    }
}

/// `GET path` on the daemon; returns the status and the body.
fn get(path: &str) -> Result<(u16, Body), ImageError> {
    let socket = socket_path()?;
    let shown = socket.display().to_string();
    let daemon = |reason: String| ImageError::Daemon {
        socket: shown.clone(),
        reason,
    };
    let stream = UnixStream::connect(&socket).map_err(|e| {
        daemon(match e.kind() {
            io::ErrorKind::NotFound => "no such socket (is the daemon running? set DOCKER_HOST=unix:///path/to/docker.sock)".into(),
            _ => e.to_string(),
        })
    })?;
    // Exports of large images take time between bytes when the daemon is busy: generous.
    stream
        .set_read_timeout(Some(Duration::from_mins(5)))
        .map_err(|e| daemon(e.to_string()))?;
    let mut w = &stream;
    write!(w, "GET {API}{path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: customs/{}\r\nConnection: close\r\n\r\n", env!("CARGO_PKG_VERSION"))
        .map_err(|e| daemon(e.to_string()))?;
    let mut r = BufReader::with_capacity(256 * 1024, stream);
    let status_line = read_line(&mut r, 1024).map_err(|e| daemon(e.to_string()))?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| daemon(format!("not an HTTP response: {status_line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    for _ in 0..200 {
        let line = read_line(&mut r, 8192).map_err(|e| daemon(e.to_string()))?;
        if line.is_empty() {
            let body = if chunked {
                Body::Chunked(Chunked {
                    inner: r,
                    left: 0,
                    done: false,
                })
            } else if let Some(n) = length {
                Body::Length(r.take(n))
            } else {
                Body::Close(r)
            };
            return Ok((status, body));
        }
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                length = v.parse().ok();
            } else if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    Err(daemon("too many response headers".into()))
}

/// Exports `name` from the daemon and indexes it in one pass.
pub fn stream_docker(
    reference: &ImageRef,
    name: &str,
    dispatcher: &Dispatcher,
    limits: &WalkLimits,
) -> Result<(Image, Vec<LayerFindings>), ImageError> {
    let (status, mut body) = get(&format!("/images/{}/json", encode_name(name)))?;
    let mut inspect = Vec::new();
    (&mut body).take(MAX_JSON_BYTES).read_to_end(&mut inspect)?;
    match status {
        200 => {}
        404 => {
            return Err(ImageError::NotInDaemon {
                name: name.to_owned(),
            });
        }
        s => {
            return Err(ImageError::Daemon {
                socket: socket_path()?.display().to_string(),
                reason: format!(
                    "GET /images/{name}/json: HTTP {s}: {}",
                    String::from_utf8_lossy(&inspect).trim()
                ),
            });
        }
    }
    let (status, body) = get(&format!("/images/{}/get", encode_name(name)))?;
    if status != 200 {
        return Err(ImageError::Daemon {
            socket: socket_path()?.display().to_string(),
            reason: format!("GET /images/{name}/get: HTTP {status}"),
        });
    }
    read_archive_stream(
        reference,
        body,
        &format!("docker:{name}"),
        dispatcher,
        limits,
    )
}

/// Reads a `docker save` stream (legacy or Docker 25+ layout) in one pass.
pub fn read_archive_stream(
    reference: &ImageRef,
    reader: impl Read,
    what: &str,
    dispatcher: &Dispatcher,
    limits: &WalkLimits,
) -> Result<(Image, Vec<LayerFindings>), ImageError> {
    let bad = |reason: String| ImageError::Invalid {
        what: what.to_owned(),
        reason,
    };
    let mut archive = tar::Archive::new(reader);
    let mut small: HashMap<String, Vec<u8>> = HashMap::new();
    let mut walked: HashMap<String, (crate::Walked, u64)> = HashMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("not a tar stream: {e}")))?;
    for (n, entry) in entries.enumerate() {
        if n >= 100_000 {
            return Err(bad("more than 100000 entries".into()));
        }
        let mut entry = entry.map_err(|e| bad(format!("corrupt tar stream: {e}")))?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = normalize_path(&raw) else {
            continue;
        };
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            if let Ok(Some(t)) = entry.link_name() {
                let t = t.to_string_lossy().into_owned();
                let joined = match (kind.is_symlink(), path.rsplit_once('/')) {
                    (true, Some((dir, _))) => format!("{dir}/{t}"),
                    _ => t,
                };
                if let Some(target) = normalize_path(&joined) {
                    links.push((path, target));
                }
            }
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let size = entry.header().size().unwrap_or(0);
        let is_blob = path.starts_with("blobs/");
        let is_layer_tar = path.ends_with("/layer.tar") || path == "layer.tar";
        if !is_blob && !is_layer_tar {
            if size <= MAX_JSON_BYTES
                && (std::path::Path::new(&path)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                    || path == "repositories"
                    || path == "oci-layout")
            {
                let mut buf = Vec::new();
                (&mut entry).take(MAX_JSON_BYTES).read_to_end(&mut buf)?;
                small.insert(path, buf);
            }
            continue;
        }
        // A blob is either a JSON document (config, manifest, index) or a layer.
        let mut first = [0u8; 1];
        let got = entry.read(&mut first)?;
        if got == 1 && first[0] == b'{' && size <= MAX_JSON_BYTES {
            let mut buf = vec![b'{'];
            (&mut entry).take(MAX_JSON_BYTES).read_to_end(&mut buf)?;
            small.insert(path, buf);
            continue;
        }
        let prefix = &first[..got];
        let label = format!("{what} {path}");
        let w = walk_layer_full(
            prefix.chain(&mut entry),
            &label,
            None,
            None,
            true,
            None,
            dispatcher,
            limits,
        )?;
        if let Some(expected) = digest_from_blob_path(&path)
            && expected != w.blob_digest
        {
            return Err(ImageError::DigestMismatch {
                what: format!("layer {label}"),
                expected,
                actual: w.blob_digest,
            });
        }
        walked.insert(path, (w, size));
    }
    let resolve = |name: &str| -> String {
        let mut current = name.to_owned();
        for _ in 0..8 {
            match links.iter().find(|(l, _)| *l == current) {
                Some((_, t)) => current.clone_from(t),
                None => break,
            }
        }
        current
    };

    let manifest_bytes = small
        .get("manifest.json")
        .ok_or_else(|| bad("no manifest.json in the stream".into()))?;
    let manifests: Option<Vec<DockerManifestEntry>> =
        parse_json(manifest_bytes, &format!("{what}: manifest.json"))?;
    let m = manifests
        .and_then(|v| v.into_iter().next())
        .ok_or_else(|| bad("manifest.json lists no image".into()))?;
    let config_name = normalize_path(&m.config).unwrap_or_default();
    let config_bytes = small
        .get(&resolve(&config_name))
        .ok_or_else(|| bad(format!("config {:?} is not in the stream", m.config)))?;
    let config_digest = digest_from_blob_path(&config_name)
        .or_else(|| {
            config_name
                .strip_suffix(".json")
                .and_then(|h| Digest::parse(&format!("sha256:{h}")).ok())
        })
        .unwrap_or_else(|| Digest::sha256_of(config_bytes));
    check_digest(
        config_bytes,
        &config_digest,
        &format!("{what}: {config_name}"),
    )?;
    let config: ImageConfig = parse_json(config_bytes, &format!("{what}: {config_name}"))?;
    let ids = diff_ids(&config, &format!("{what}: {config_name}"))?;
    if ids.len() != m.layers.len() {
        return Err(bad(format!(
            "{} layers listed but the config has {} diff_ids",
            m.layers.len(),
            ids.len()
        )));
    }
    let created = created_by(&config, ids.len());
    let mut layers = Vec::new();
    let mut findings = Vec::new();
    for ((layer_path, diff_id), created_by) in m.layers.iter().zip(ids).zip(created) {
        let name = resolve(&normalize_path(layer_path).unwrap_or_default());
        let (w, size) = walked
            .get(&name)
            .ok_or_else(|| bad(format!("layer {layer_path:?} is not in the stream")))?;
        if w.diff_id.as_ref() != Some(&diff_id) {
            return Err(ImageError::DigestMismatch {
                what: format!("{what} layer {layer_path} (uncompressed)"),
                expected: diff_id,
                actual: w.diff_id.clone().unwrap_or_else(|| w.blob_digest.clone()),
            });
        }
        layers.push(LayerInfo {
            digest: digest_from_blob_path(&name),
            diff_id,
            media_type: None,
            size: Some(*size),
            created_by,
        });
        findings.push(w.findings.clone());
    }
    Ok((
        Image::streamed(
            reference.clone(),
            m.repo_tags.unwrap_or_default(),
            config_digest,
            config,
            layers,
        ),
        findings,
    ))
}
