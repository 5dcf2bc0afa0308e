//! The HTTP side of the registry transport: requests with authentication, retries and
//! timeouts, capped manifest reads, and resumable blob streams.
//!
//! * Every request goes through [`Client::send`]: transport failures (refused, reset, timed
//!   out) are retried [`TRANSPORT_RETRIES`] times, `429` and `5xx` up to the configured retry
//!   count, waiting what `Retry-After` asks (seconds or an HTTP date; more than
//!   [`MAX_RETRY_AFTER`] is not waited for but reported) or an exponential backoff.
//! * A `401` is answered once per request by authenticating (see `auth.rs`); the token is
//!   shared by all threads of one scan and renewed when a later request gets a `401` again.
//! * Blobs are streams ([`BlobReader`]): when the connection breaks mid-blob, the download
//!   resumes from the byte reached with a `Range` request (or restarts and skips, when the
//!   server ignores ranges). The layer walker hashes what it reads, so a resumed stream is
//!   verified exactly like an unbroken one.

use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use customs_model::Digest;
use ureq::http::Response;

use super::RegistryOptions;
use super::auth::{Challenge, Credentials, parse_challenge};
use super::name::RegistryRef;
use crate::ImageError;

/// Retries after a transport failure (connection refused or reset, timeout).
pub const TRANSPORT_RETRIES: u32 = 2;
/// The longest `Retry-After` customs waits; a registry asking for more gets an error.
pub const MAX_RETRY_AFTER: Duration = Duration::from_mins(1);
/// The largest token response read.
const MAX_TOKEN_BYTES: u64 = 1 << 20;

/// A download broken beyond retrying. Travels inside `io::Error` through the layer walker,
/// which turns it back into [`ImageError::Registry`] (a network failure, not a corrupt layer).
#[derive(Debug)]
pub(crate) struct TransferError {
    pub registry: String,
    pub message: String,
}

impl std::fmt::Display for TransferError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransferError {}

/// A small document: bytes, Content-Type, `Docker-Content-Digest`.
pub(crate) type Small = (Vec<u8>, Option<String>, Option<String>);

pub(crate) struct Client {
    pub(super) agent: ureq::Agent,
    pub(super) base: String,
    pub(crate) reference: RegistryRef,
    credentials: Option<Credentials>,
    /// The `Authorization` header value in use.
    pub(super) authorization: Mutex<Option<String>>,
    retries: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("repository", &self.reference.repository)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn agent(options: &RegistryOptions, verify_tls: bool) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .disable_verification(!verify_tls)
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(options.timeout))
        .timeout_per_read(Some(options.timeout))
        .timeout_per_write(Some(options.timeout))
        .max_redirects(8)
        .user_agent(concat!("customs/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build()
        .new_agent()
}

pub(super) fn header<'a>(resp: &'a Response<ureq::Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The registry's own error text (`{"errors":[{"code":..,"message":..}]}`), else the status.
pub(super) fn error_text(status: u16, body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let errors: Vec<String> = parsed
        .as_ref()
        .and_then(|v| v["errors"].as_array())
        .map(|a| {
            a.iter()
                .take(3)
                .map(|e| {
                    let code = e["code"].as_str().unwrap_or("");
                    let msg = e["message"].as_str().unwrap_or("");
                    format!("{code}: {msg}").trim_matches([':', ' ']).to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    if errors.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {}", errors.join("; "))
    }
}

fn retry_after(resp: &Response<ureq::Body>) -> Option<Duration> {
    let value = header(resp, "retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.min(5))
}

impl Client {
    /// A client for `reference`'s repository. Plain HTTP for loopback registries; with
    /// `insecure`, HTTPS without certificate checks, falling back to plain HTTP when the
    /// registry does not speak TLS.
    pub(crate) fn new(
        reference: RegistryRef,
        options: &RegistryOptions,
        credentials: Option<Credentials>,
    ) -> Self {
        let host = reference.api_host().to_owned();
        let plain = reference.is_loopback();
        let mut client = Client {
            agent: agent(options, !options.insecure),
            base: format!("{}://{host}", if plain { "http" } else { "https" }),
            reference,
            credentials,
            authorization: Mutex::new(None),
            retries: options.retries,
        };
        if options.insecure && !plain {
            let ping = client.agent.get(format!("{}/v2/", client.base)).call();
            if let Err(e) = ping {
                tracing::info!(%host, error = %e, "no TLS answer; trying plain HTTP (--insecure)");
                client.base = format!("http://{host}");
            }
        }
        client
    }

    pub(super) fn registry_error(&self, reason: impl Into<String>) -> ImageError {
        ImageError::Registry {
            registry: self.reference.registry.clone(),
            reason: reason.into(),
        }
    }

    /// Sends a request made by `make`, retrying transport failures, `429` and `5xx`. Any
    /// other response is returned as is.
    pub(super) fn send(
        &self,
        what: &str,
        make: &dyn Fn() -> Result<Response<ureq::Body>, ureq::Error>,
    ) -> Result<Response<ureq::Body>, ImageError> {
        let mut transport_failures = 0;
        let mut busy = 0;
        loop {
            match make() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retryable = status == 429 || matches!(status, 500 | 502 | 503 | 504);
                    if !retryable {
                        return Ok(resp);
                    }
                    let asked = retry_after(&resp);
                    if let Some(wait) = asked
                        && wait > MAX_RETRY_AFTER
                    {
                        return Err(self.registry_error(format!(
                            "{what}: HTTP {status}; the registry asks to retry after {} s",
                            wait.as_secs()
                        )));
                    }
                    if busy >= self.retries {
                        let mut body = Vec::new();
                        let _ = resp
                            .into_body()
                            .into_reader()
                            .take(64 * 1024)
                            .read_to_end(&mut body);
                        return Err(self.registry_error(format!(
                            "{what}: {} (after {} retries)",
                            error_text(status, &body),
                            self.retries
                        )));
                    }
                    let wait = asked.unwrap_or_else(|| backoff(busy));
                    tracing::warn!(%what, status, ?wait, "registry busy; retrying");
                    busy += 1;
                    std::thread::sleep(wait);
                }
                Err(e) => {
                    let transient = matches!(
                        e,
                        ureq::Error::Io(_)
                            | ureq::Error::Timeout(_)
                            | ureq::Error::ConnectionFailed
                    );
                    if !transient || transport_failures >= TRANSPORT_RETRIES {
                        let e = match e {
                            ureq::Error::Timeout(t) => format!("timed out ({t})"),
                            other => other.to_string(),
                        };
                        return Err(self.registry_error(format!("{what}: {e}")));
                    }
                    let wait = backoff(transport_failures);
                    tracing::warn!(%what, error = %e, ?wait, "transport error; retrying");
                    transport_failures += 1;
                    std::thread::sleep(wait);
                }
            }
        }
    }

    /// `GET /v2/<name>/<path>` with authentication. Statuses other than 2xx and 401 are
    /// returned for the caller to interpret.
    pub(crate) fn get(
        &self,
        path: &str,
        accept: Option<&str>,
        range_from: Option<u64>,
        what: &str,
    ) -> Result<Response<ureq::Body>, ImageError> {
        let url = format!("{}/v2/{}/{path}", self.base, self.reference.repository);
        let mut authenticated = false;
        loop {
            let authorization = self
                .authorization
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let sent_auth = authorization.is_some();
            let make = || {
                let mut req = self.agent.get(&url);
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                if let Some(from) = range_from {
                    req = req.header("Range", format!("bytes={from}-"));
                }
                if let Some(a) = &authorization {
                    req = req.header("Authorization", a);
                }
                req.call()
            };
            let resp = self.send(what, &make)?;
            let status = resp.status().as_u16();
            if status == 401 && !authenticated {
                authenticated = true;
                self.authenticate(&resp, what)?;
                continue;
            }
            if status == 401 || status == 403 {
                return Err(self.auth_error(status, sent_auth, &resp));
            }
            return Ok(resp);
        }
    }

    pub(super) fn auth_error(
        &self,
        status: u16,
        sent: bool,
        resp: &Response<ureq::Body>,
    ) -> ImageError {
        let repo = &self.reference.repository;
        let reason = match (&self.credentials, sent) {
            (Some(c), _) => format!(
                "the credentials for {} (user {:?}, from {}) were rejected for {repo} (HTTP {status})",
                self.reference.registry, c.username, c.source
            ),
            (None, _) if status == 403 => format!("access to {repo} denied (HTTP 403)"),
            (None, _) => format!(
                "authentication required to pull {repo} (HTTP {status}; no credentials found)"
            ),
        };
        let _ = header(resp, "www-authenticate");
        ImageError::RegistryAuth {
            registry: self.reference.registry.clone(),
            reason,
        }
    }

    /// Answers a `401`'s challenge: Basic credentials, or a Bearer token from the realm.
    pub(super) fn authenticate(
        &self,
        resp: &Response<ureq::Body>,
        what: &str,
    ) -> Result<(), ImageError> {
        let challenge = header(resp, "www-authenticate").and_then(parse_challenge);
        let value = match challenge {
            Some(Challenge::Basic) => match &self.credentials {
                Some(c) => c.basic(),
                None => return Err(self.auth_error(401, false, resp)),
            },
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let scope = scope
                    .unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository));
                format!(
                    "Bearer {}",
                    self.token(&realm, service.as_deref(), &scope, what)?
                )
            }
            None => {
                return Err(ImageError::RegistryAuth {
                    registry: self.reference.registry.clone(),
                    reason: format!(
                        "{what}: HTTP 401 without a usable WWW-Authenticate challenge ({:?})",
                        header(resp, "www-authenticate").unwrap_or("none")
                    ),
                });
            }
        };
        *self
            .authorization
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(value);
        Ok(())
    }

    /// Fetches a token from the realm (docker's token protocol; `OAuth2` refresh-token grant
    /// for identity tokens).
    fn token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        what: &str,
    ) -> Result<String, ImageError> {
        let what = format!("{what}: token from {realm}");
        let resp = match &self.credentials {
            Some(c) if c.is_identity_token() => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", c.secret.as_str()),
                    ("scope", scope),
                    ("client_id", "customs"),
                ];
                if let Some(s) = service {
                    form.push(("service", s));
                }
                self.send(&what, &|| self.agent.post(realm).send_form(form.clone()))?
            }
            creds => {
                let make = || {
                    let mut req = self.agent.get(realm).query("scope", scope);
                    if let Some(s) = service {
                        req = req.query("service", s);
                    }
                    if let Some(c) = creds {
                        req = req.header("Authorization", c.basic());
                    }
                    req.call()
                };
                self.send(&what, &make)?
            }
        };
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        resp.into_body()
            .into_reader()
            .take(MAX_TOKEN_BYTES)
            .read_to_end(&mut body)
            .map_err(|e| self.registry_error(format!("{what}: {e}")))?;
        if status == 401 || status == 403 {
            return Err(ImageError::RegistryAuth {
                registry: self.reference.registry.clone(),
                reason: match &self.credentials {
                    Some(c) => format!(
                        "the token service {realm} rejected the credentials for user {:?} (from {}): {}",
                        c.username,
                        c.source,
                        error_text(status, &body)
                    ),
                    None => format!(
                        "the token service {realm} refused anonymous access to {}: {}",
                        self.reference.repository,
                        error_text(status, &body)
                    ),
                },
            });
        }
        if status != 200 {
            return Err(self.registry_error(format!("{what}: {}", error_text(status, &body))));
        }
        let v: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| self.registry_error(format!("{what}: invalid JSON: {e}")))?;
        v["token"]
            .as_str()
            .or_else(|| v["access_token"].as_str())
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_owned)
            .ok_or_else(|| self.registry_error(format!("{what}: no token in the answer")))
    }

    /// Reads a small document (manifest, config) whole, at most `limit` bytes. Returns the
    /// bytes, the Content-Type and the `Docker-Content-Digest` header.
    pub(crate) fn get_small(
        &self,
        path: &str,
        accept: Option<&str>,
        limit: u64,
        what: &str,
        not_found: &dyn Fn(String) -> ImageError,
    ) -> Result<Small, ImageError> {
        let resp = self.get(path, accept, None, what)?;
        let status = resp.status().as_u16();
        let content_type = header(&resp, "content-type").map(str::to_owned);
        let digest = header(&resp, "docker-content-digest").map(str::to_owned);
        if status != 200 {
            let mut body = Vec::new();
            let _ = resp
                .into_body()
                .into_reader()
                .take(64 * 1024)
                .read_to_end(&mut body);
            let text = error_text(status, &body);
            return Err(if status == 404 {
                not_found(text)
            } else {
                self.registry_error(format!("{what}: {text}"))
            });
        }
        if header(&resp, "content-length")
            .and_then(|l| l.trim().parse::<u64>().ok())
            .is_some_and(|l| l > limit)
        {
            return Err(ImageError::TooLarge {
                what: what.to_owned(),
                limit,
            });
        }
        let mut body = Vec::new();
        resp.into_body()
            .into_reader()
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| self.registry_error(format!("{what}: {e}")))?;
        if body.len() as u64 > limit {
            return Err(ImageError::TooLarge {
                what: what.to_owned(),
                limit,
            });
        }
        Ok((body, content_type, digest))
    }

    /// Opens blob `digest` from byte `from` on (`Range`), skipping bytes itself when the
    /// registry answers with the whole blob.
    fn open_blob(&self, digest: &Digest, from: u64) -> Result<Box<dyn Read + Send>, ImageError> {
        let what = format!("blob {digest}");
        let resp = self.get(
            &format!("blobs/{digest}"),
            None,
            (from > 0).then_some(from),
            &what,
        )?;
        let status = resp.status().as_u16();
        match status {
            200 => {
                let mut r = resp.into_body().into_reader();
                if from > 0 {
                    let skipped = io::copy(&mut (&mut r).take(from), &mut io::sink())
                        .map_err(|e| self.registry_error(format!("{what}: {e}")))?;
                    if skipped != from {
                        return Err(self.registry_error(format!("{what}: ended early on resume")));
                    }
                }
                Ok(Box::new(r))
            }
            206 if from > 0 => {
                let starts = header(&resp, "content-range")
                    .and_then(|r| r.strip_prefix("bytes "))
                    .and_then(|r| r.split('-').next())
                    .and_then(|s| s.parse::<u64>().ok());
                if starts != Some(from) {
                    return Err(self.registry_error(format!(
                        "{what}: resumed at the wrong offset ({:?})",
                        header(&resp, "content-range")
                    )));
                }
                Ok(Box::new(resp.into_body().into_reader()))
            }
            _ => {
                let mut body = Vec::new();
                let _ = resp
                    .into_body()
                    .into_reader()
                    .take(64 * 1024)
                    .read_to_end(&mut body);
                let text = error_text(status, &body);
                Err(if status == 404 {
                    ImageError::Invalid {
                        what,
                        reason: format!("listed in the manifest but not in the registry ({text})"),
                    }
                } else {
                    self.registry_error(format!("{what}: {text}"))
                })
            }
        }
    }
}

/// A blob as a stream, resumed after broken connections; never longer than its descriptor.
pub(crate) struct BlobReader {
    client: Arc<Client>,
    digest: Digest,
    size: u64,
    offset: u64,
    body: Option<Box<dyn Read + Send>>,
    failures: u32,
    dead: Option<String>,
}

impl BlobReader {
    pub(crate) fn new(client: Arc<Client>, digest: Digest, size: u64) -> Self {
        BlobReader {
            client,
            digest,
            size,
            offset: 0,
            body: None,
            failures: 0,
            dead: None,
        }
    }

    fn fail(&mut self, message: String) -> io::Error {
        self.dead = Some(message.clone());
        io::Error::other(TransferError {
            registry: self.client.reference.registry.clone(),
            message,
        })
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(m) = &self.dead {
            let m = m.clone();
            return Err(self.fail(m));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.body.is_none() {
                match self.client.open_blob(&self.digest, self.offset) {
                    Ok(b) => self.body = Some(b),
                    Err(e) => {
                        let message = e.to_string();
                        return Err(self.fail(message));
                    }
                }
            }
            let Some(body) = self.body.as_mut() else {
                continue;
            };
            let problem = match body.read(buf) {
                Ok(0) if self.offset >= self.size => return Ok(0),
                Ok(0) => format!(
                    "connection closed after {} of {} bytes",
                    self.offset, self.size
                ),
                Ok(n) => {
                    self.offset += n as u64;
                    if self.offset > self.size {
                        let m = format!(
                            "blob {}: the registry sent more than the {} bytes the manifest lists",
                            self.digest, self.size
                        );
                        return Err(self.fail(m));
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => e.to_string(),
            };
            self.body = None;
            self.failures += 1;
            if self.failures > TRANSPORT_RETRIES {
                let m = format!(
                    "blob {}: download failed {} times, last at byte {} of {}: {problem}",
                    self.digest, self.failures, self.offset, self.size
                );
                return Err(self.fail(m));
            }
            let wait = backoff(self.failures - 1);
            tracing::warn!(digest = %self.digest, offset = self.offset, %problem, ?wait, "blob download broke; resuming");
            std::thread::sleep(wait);
        }
    }
}
