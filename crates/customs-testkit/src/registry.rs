//! A real CNCF distribution registry (Debian's `docker-registry`) on 127.0.0.1, with the
//! token issuer it needs for `auth: token`, and a deliberately faulty registry for the
//! failures a real one never produces.
//!
//! * [`Registry`]: `docker-registry serve CONFIG` with its own config and storage in a
//!   temporary directory, on a free port, plain HTTP; stopped (by pid) on drop. Three kinds:
//!   anonymous, `auth: htpasswd` (a bcrypt file made by `htpasswd -B` from apache2-utils) and
//!   `auth: token` (a [`TokenIssuer`]). Images are pushed with `skopeo copy`.
//! * [`TokenIssuer`]: the docker token protocol's issuer. Tokens are real JWTs signed RS256
//!   by `openssl dgst -sha256 -sign` with a throwaway RSA key whose self-signed certificate is
//!   the registry's `rootcertbundle`; the certificate travels in the JWT's `x5c` header,
//!   which distribution 2.8 verifies against that bundle (it would also accept a `kid` in
//!   libtrust's key-id format, which needs more code to compute).
//! * [`FaultRegistry`]: serves one image over the registry API from memory, with a hook that
//!   can replace any answer (429 with Retry-After, truncated blobs, wrong bytes, stalls).
//! * [`write_oci_index`]: an OCI layout holding a multi-platform index of built images.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::hash::{hex_of, sha256_digest};
use crate::http::{Reply, Request, TestServer};
use crate::image::{BuiltImage, OCI_INDEX, OCI_MANIFEST, REF_NAME_ANNOTATION};
use crate::tools::{file_tail, require_tool, run};

/// How long [`Registry`] waits for the registry to answer `/v2/`.
pub const REGISTRY_START_TIMEOUT: Duration = Duration::from_secs(30);

/// How a [`Registry`] authenticates clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryAuth {
    /// Anyone may pull and push.
    Anonymous,
    /// HTTP Basic against an htpasswd (bcrypt) file with one user.
    Htpasswd {
        /// The user.
        user: String,
        /// Their password.
        password: String,
    },
    /// Bearer tokens from a [`TokenIssuer`] that knows one user.
    Token {
        /// The user.
        user: String,
        /// Their password.
        password: String,
    },
}

/// A running `docker-registry`, stopped on drop.
pub struct Registry {
    child: Child,
    port: u16,
    auth: RegistryAuth,
    dir: tempfile::TempDir,
    _issuer: Option<TokenIssuer>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("pid", &self.child.id())
            .field("port", &self.port)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Registry {
    /// Starts a registry with `auth`; waits until `/v2/` answers.
    pub fn start(auth: RegistryAuth) -> Result<Self> {
        let binary = require_tool("docker-registry");
        let dir = tempfile::Builder::new()
            .prefix("customs-registry-")
            .tempdir()?;
        let storage = dir.path().join("storage");
        fs_err::create_dir_all(&storage)?;
        let mut issuer = None;
        let auth_yaml = match &auth {
            RegistryAuth::Anonymous => String::new(),
            RegistryAuth::Htpasswd { user, password } => {
                let htpasswd = require_tool("htpasswd");
                let line = run(Command::new(htpasswd).args(["-nbB", user, password]))?;
                let file = dir.path().join("htpasswd");
                fs_err::write(&file, line.trim())?;
                format!(
                    "auth:\n  htpasswd:\n    realm: customs-test\n    path: {}\n",
                    file.display()
                )
            }
            RegistryAuth::Token { user, password } => {
                let t = TokenIssuer::start(dir.path(), user, password)?;
                let yaml = format!(
                    "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                    t.realm(),
                    TokenIssuer::SERVICE,
                    TokenIssuer::ISSUER,
                    t.certificate().display()
                );
                issuer = Some(t);
                yaml
            }
        };
        // A port picked then released may be taken by someone else before the registry
        // binds it: retry with another.
        let mut last_error = None;
        for _ in 0..3 {
            let port = free_port()?;
            let config = dir.path().join("config.yml");
            fs_err::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: customs-testkit\n{auth_yaml}",
                    storage.display()
                ),
            )?;
            let log = fs_err::File::create(dir.path().join("registry.log"))?;
            let child = Command::new(&binary)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.file().try_clone()?)
                .stderr(log.file().try_clone()?)
                .spawn()
                .with_context(|| format!("spawning {}", binary.display()))?;
            match wait_ready(child, port, &dir.path().join("registry.log")) {
                Ok(child) => {
                    return Ok(Registry {
                        child,
                        port,
                        auth,
                        dir,
                        _issuer: issuer,
                    });
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("registry did not start")))
    }

    /// `127.0.0.1:PORT`, the registry part of references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last `n` lines of the registry's log.
    pub fn log_tail(&self, n: usize) -> String {
        file_tail(&self.dir.path().join("registry.log"), n)
    }

    /// `skopeo copy [--all] SOURCE docker://HOST/DEST` with this registry's credentials.
    /// `source` is a skopeo reference (`oci:DIR:TAG`, `docker-archive:PATH`, `oci-archive:PATH`).
    pub fn push(&self, source: &str, dest: &str) -> Result<()> {
        let skopeo = require_tool("skopeo");
        let mut cmd = Command::new(skopeo);
        cmd.args(["copy", "--quiet", "--all", "--dest-tls-verify=false"]);
        // OCI layouts keep their manifests byte for byte (skopeo would otherwise compress
        // uncompressed layers, changing digests); docker-archives get a manifest made up by
        // skopeo anyway.
        if source.starts_with("oci:") {
            cmd.arg("--preserve-digests");
        }
        match &self.auth {
            RegistryAuth::Anonymous => {
                cmd.arg("--dest-no-creds");
            }
            RegistryAuth::Htpasswd { user, password } | RegistryAuth::Token { user, password } => {
                cmd.arg(format!("--dest-creds={user}:{password}"));
            }
        }
        cmd.arg(source)
            .arg(format!("docker://{}/{dest}", self.host()));
        // skopeo must not pick up the tester's own registry logins.
        cmd.env(
            "REGISTRY_AUTH_FILE",
            self.dir.path().join("skopeo-auth.json"),
        );
        run(&mut cmd)
            .map(drop)
            .with_context(|| format!("registry log:\n{}", self.log_tail(15)))
    }

    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits until the registry answers `/v2/`; kills it on failure.
fn wait_ready(mut child: Child, port: u16, log: &Path) -> Result<Child> {
    let deadline = Instant::now() + REGISTRY_START_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            bail!(
                "docker-registry exited during startup with {status}; log:\n{}",
                file_tail(log, 30)
            );
        }
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read as _, Write as _};
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            if s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: x\r\n\r\n").is_ok() {
                let mut reply = String::new();
                let _ = s.read_to_string(&mut reply);
                if reply.starts_with("HTTP/1.") {
                    return Ok(child);
                }
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "docker-registry did not answer on port {port} within {REGISTRY_START_TIMEOUT:?}; log:\n{}",
                file_tail(log, 30)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The docker token protocol's issuer: `GET /token?service=S&scope=repository:NAME:ACTIONS`
/// with Basic credentials. The known user gets what they ask for; anonymous requests get a
/// token granting nothing; wrong credentials get `401`.
pub struct TokenIssuer {
    server: TestServer,
    certificate: PathBuf,
    issued: Arc<AtomicUsize>,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("realm", &self.realm())
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    /// The `service` (JWT audience) the registry is configured with.
    pub const SERVICE: &'static str = "customs-test-registry";
    /// The JWT issuer.
    pub const ISSUER: &'static str = "customs-testkit";

    /// Makes a key and certificate under `dir` and starts serving.
    pub fn start(dir: &Path, user: &str, password: &str) -> Result<Self> {
        let openssl = require_tool("openssl");
        let key = dir.join("token.key");
        let certificate = dir.join("token.crt");
        run(Command::new(&openssl)
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=customs-testkit-token-issuer",
                "-keyout",
            ])
            .arg(&key)
            .arg("-out")
            .arg(&certificate))?;
        let der = Command::new(&openssl)
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&certificate)
            .output()?;
        if !der.status.success() {
            bail!("openssl x509 -outform DER failed");
        }
        let header = json!({
            "typ": "JWT",
            "alg": "RS256",
            "x5c": [base64::engine::general_purpose::STANDARD.encode(&der.stdout)],
        });
        let header = b64url(header.to_string().as_bytes());
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        let user = user.to_owned();
        let issued = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&issued);
        let server = TestServer::start(move |req: &Request| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let subject = match req.header("authorization") {
                None => String::new(),
                Some(a) if a == expected => user.clone(),
                Some(_) => {
                    return Reply::new(
                        401,
                        "application/json",
                        r#"{"errors":[{"code":"UNAUTHORIZED","message":"invalid credentials"}]}"#,
                    );
                }
            };
            let access: Vec<Value> = req
                .query
                .iter()
                .filter(|(k, _)| k == "scope")
                .filter(|_| !subject.is_empty())
                .filter_map(|(_, scope)| {
                    let mut parts = scope.splitn(3, ':');
                    let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
                    Some(json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
                })
                .collect();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let claims = json!({
                "iss": TokenIssuer::ISSUER,
                "sub": subject,
                "aud": TokenIssuer::SERVICE,
                "exp": now + 600,
                "nbf": now - 60,
                "iat": now,
                "jti": format!("customs-{now}-{n}"),
                "access": access,
            });
            let signing_input = format!("{header}.{}", b64url(claims.to_string().as_bytes()));
            let signature = sign(&openssl, &key, signing_input.as_bytes());
            match signature {
                Ok(sig) => {
                    let token = format!("{signing_input}.{}", b64url(&sig));
                    Reply::new(
                        200,
                        "application/json",
                        json!({"token": token, "access_token": token, "expires_in": 600})
                            .to_string(),
                    )
                }
                Err(e) => Reply::new(500, "text/plain", format!("signing failed: {e}")),
            }
        })?;
        Ok(TokenIssuer {
            server,
            certificate,
            issued,
        })
    }

    /// The realm URL (`http://127.0.0.1:PORT/token`).
    pub fn realm(&self) -> String {
        format!("http://{}/token", self.server.host())
    }

    /// The certificate (PEM) the registry trusts.
    pub fn certificate(&self) -> &Path {
        &self.certificate
    }

    /// How many token requests were answered.
    pub fn issued(&self) -> usize {
        self.issued.load(Ordering::Relaxed)
    }
}

/// RS256: RSASSA-PKCS1-v1_5 over SHA-256, by the openssl CLI.
fn sign(openssl: &Path, key: &Path, input: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write as _;
    let mut child = Command::new(openssl)
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("openssl stdin")?
        .write_all(input)?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "openssl dgst failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

/// Writes an OCI layout at `dir` whose `index.json` points (tagged `tag`) at one image index
/// listing `images`, each with the platform of its config. Returns the index digest.
pub fn write_oci_index(dir: &Path, images: &[&BuiltImage], tag: &str) -> Result<String> {
    let mut entries = Vec::new();
    for image in images {
        image.write_oci_layout(dir, None)?;
        let info = image.info();
        let config: Value = serde_json::from_slice(&info.config)?;
        let mut platform = json!({"os": config["os"], "architecture": config["architecture"]});
        if let Some(v) = config["variant"].as_str() {
            platform["variant"] = json!(v);
        }
        entries.push(json!({
            "mediaType": OCI_MANIFEST,
            "digest": info.manifest_digest,
            "size": info.manifest.len(),
            "platform": platform,
        }));
    }
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": entries,
    }))?;
    let digest = sha256_digest(&index);
    fs_err::write(dir.join("blobs/sha256").join(hex_of(&digest)), &index)?;
    let top = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{
            "mediaType": OCI_INDEX,
            "digest": digest,
            "size": index.len(),
            "annotations": {REF_NAME_ANNOTATION: tag},
        }],
    });
    fs_err::write(dir.join("index.json"), serde_json::to_vec(&top)?)?;
    Ok(digest)
}

/// Rewrites the single manifest of the OCI layout at `dir` without its `mediaType` field
/// (as umoci writes them) and points `index.json` at it (the index entry keeps its media
/// type: skopeo finds manifests by it). Returns the new manifest digest.
pub fn strip_manifest_media_type(dir: &Path) -> Result<String> {
    let index: Value = serde_json::from_slice(&fs_err::read(dir.join("index.json"))?)?;
    let old = index["manifests"][0]["digest"]
        .as_str()
        .context("index.json has no manifest")?
        .to_owned();
    let mut manifest: Value =
        serde_json::from_slice(&fs_err::read(dir.join("blobs/sha256").join(hex_of(&old)))?)?;
    manifest
        .as_object_mut()
        .context("manifest is not an object")?
        .remove("mediaType");
    let bytes = serde_json::to_vec(&manifest)?;
    let digest = sha256_digest(&bytes);
    fs_err::write(dir.join("blobs/sha256").join(hex_of(&digest)), &bytes)?;
    let mut entry = index["manifests"][0].clone();
    entry["digest"] = json!(digest);
    entry["size"] = json!(bytes.len());
    let mut index = index;
    index["manifests"] = json!([entry]);
    fs_err::write(dir.join("index.json"), serde_json::to_vec(&index)?)?;
    Ok(digest)
}

/// What a [`FaultRegistry`] hook sees: the request and how many requests for the same path
/// came before it (0 for the first).
pub type FaultHook = dyn Fn(&Request, usize) -> Option<Reply> + Send + Sync;

/// A registry API server for one repository, serving documents from memory, whose answers
/// a hook may replace. Blobs honour `Range: bytes=N-` (206), as real registries do.
pub struct FaultRegistry {
    server: TestServer,
}

impl std::fmt::Debug for FaultRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultRegistry")
            .field("host", &self.server.host())
            .finish()
    }
}

impl FaultRegistry {
    /// Serves `image` as `REPO:TAG` (and by digest), with `hook` consulted first.
    pub fn serve_image(
        image: &BuiltImage,
        repo: &str,
        tag: &str,
        hook: impl Fn(&Request, usize) -> Option<Reply> + Send + Sync + 'static,
    ) -> Result<Self> {
        let info = image.info();
        let mut docs: HashMap<String, (String, Vec<u8>)> = HashMap::new();
        for r in [tag.to_owned(), info.manifest_digest.clone()] {
            docs.insert(
                format!("/v2/{repo}/manifests/{r}"),
                (OCI_MANIFEST.to_owned(), info.manifest.clone()),
            );
        }
        docs.insert(
            format!("/v2/{repo}/blobs/{}", info.config_digest),
            ("application/octet-stream".into(), info.config.clone()),
        );
        for (i, layer) in info.layers.iter().enumerate() {
            docs.insert(
                format!("/v2/{repo}/blobs/{}", layer.digest),
                (
                    "application/octet-stream".into(),
                    fs_err::read(image.layer_blob_path(i))?,
                ),
            );
        }
        Self::serve(docs, hook)
    }

    /// Serves `docs` (path → Content-Type, bytes) with `hook` consulted first.
    pub fn serve(
        docs: HashMap<String, (String, Vec<u8>)>,
        hook: impl Fn(&Request, usize) -> Option<Reply> + Send + Sync + 'static,
    ) -> Result<Self> {
        let seen: std::sync::Mutex<HashMap<String, usize>> = std::sync::Mutex::default();
        let server = TestServer::start(move |req: &Request| {
            let n = {
                let mut seen = seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let c = seen.entry(req.path.clone()).or_insert(0);
                *c += 1;
                *c - 1
            };
            if let Some(reply) = hook(req, n) {
                return reply;
            }
            if req.path == "/v2/" {
                return Reply::new(200, "application/json", "{}");
            }
            let Some((content_type, body)) = docs.get(&req.path) else {
                return Reply::new(
                    404,
                    "application/json",
                    r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
                );
            };
            let digest = sha256_digest(body);
            let from = req
                .header("range")
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.strip_suffix('-'))
                .and_then(|r| r.parse::<usize>().ok())
                .filter(|&f| f < body.len());
            match from {
                Some(from) => Reply::Full {
                    status: 206,
                    headers: vec![
                        ("Content-Type".into(), content_type.clone()),
                        (
                            "Content-Range".into(),
                            format!("bytes {from}-{}/{}", body.len() - 1, body.len()),
                        ),
                    ],
                    body: body[from..].to_vec(),
                },
                None => Reply::Full {
                    status: 200,
                    headers: vec![
                        ("Content-Type".into(), content_type.clone()),
                        ("Docker-Content-Digest".into(), digest),
                    ],
                    body: body.clone(),
                },
            }
        })?;
        Ok(FaultRegistry { server })
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.server.host()
    }
}
