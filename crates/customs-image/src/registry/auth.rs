//! Registry credentials and the two HTTP authentication schemes registries use.
//!
//! Where credentials come from, first found wins:
//! 1. explicit ones (`--username` + `--password-stdin`, or `CUSTOMS_REGISTRY_USERNAME` /
//!    `CUSTOMS_REGISTRY_PASSWORD`), handed in by the caller;
//! 2. Docker's client configuration, `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`:
//!    `credHelpers[HOST]`, then `credsStore`, each run as `docker-credential-NAME get` with the
//!    server on stdin (the protocol of docker-credential-helpers), then `auths[HOST]`
//!    (`auth` = base64 `user:password`, or `username`/`password`, or `identitytoken`).
//!
//! Docker Hub appears in config files as `https://index.docker.io/v1/`; other registries as
//! `HOST[:PORT]`, sometimes with a scheme or a path, which are ignored when matching.
//!
//! The schemes: a `401` carries `WWW-Authenticate`. `Basic` means: send the credentials on
//! every request. `Bearer realm=...,service=...,scope=...` means: get a token from the realm
//! (with the credentials as Basic auth when there are any, anonymously otherwise; an identity
//! token is exchanged with the `OAuth2` `refresh_token` grant), then send `Bearer TOKEN`.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// The largest config.json or helper answer read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// How long a credential helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// A user name and password (or token). `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub secret: String,
    /// Where they came from, for messages (`--username`, `config.json auths`, ...).
    pub source: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

impl Credentials {
    /// An identity token (`OAuth2` refresh token) rather than a password.
    pub fn is_identity_token(&self) -> bool {
        self.username == "<token>"
    }

    /// `Basic base64(user:secret)`.
    pub fn basic(&self) -> String {
        let raw = format!("{}:{}", self.username, self.secret);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// The docker client configuration directory: `$DOCKER_CONFIG`, else `~/.docker`.
pub fn docker_config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker"))
}

/// `https://host:5000/v1/` → `host:5000`; Docker Hub's aliases → `docker.io`.
fn normalize_server(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let k = k.split('/').next().unwrap_or(k);
    match k {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".into()
        }
        other => other.to_owned(),
    }
}

/// The server name a credential helper is asked about.
fn helper_server(registry: &str) -> String {
    if registry == "docker.io" {
        "https://index.docker.io/v1/".into()
    } else {
        registry.to_owned()
    }
}

/// Looks up credentials for `registry` (as in references: `docker.io`, `HOST:PORT`) in the
/// docker configuration under `dir`. A missing file is no credentials; a malformed file or a
/// failing helper is an error naming it.
pub fn from_docker_config(dir: &Path, registry: &str) -> Result<Option<Credentials>, String> {
    let path = dir.join("config.json");
    let bytes = match std::fs::File::open(&path) {
        Ok(f) => {
            let mut buf = Vec::new();
            f.take(MAX_CONFIG_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if buf.len() as u64 > MAX_CONFIG_BYTES {
                return Err(format!("{}: larger than 1 MiB", path.display()));
            }
            buf
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let config: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: invalid JSON: {e}", path.display()))?;
    let want = normalize_server(registry);
    let find_key = |obj: &serde_json::Value| -> Option<(String, serde_json::Value)> {
        obj.as_object()?
            .iter()
            .find(|(k, _)| normalize_server(k) == want)
            .map(|(k, v)| (k.clone(), v.clone()))
    };
    let helper = find_key(&config["credHelpers"])
        .and_then(|(_, v)| v.as_str().map(str::to_owned))
        .or_else(|| config["credsStore"].as_str().map(str::to_owned))
        .filter(|h| !h.is_empty());
    if let Some(helper) = helper {
        // A helper that knows nothing about this registry falls through to `auths`.
        if let Some(c) = run_helper(&helper, &helper_server(registry))? {
            return Ok(Some(c));
        }
    }
    let Some((key, entry)) = find_key(&config["auths"]) else {
        return Ok(None);
    };
    let source = format!("{} auths[{key:?}]", path.display());
    if let Some(token) = entry["identitytoken"].as_str().filter(|t| !t.is_empty()) {
        return Ok(Some(Credentials {
            username: "<token>".into(),
            secret: token.to_owned(),
            source,
        }));
    }
    if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| format!("{source}: `auth` is not base64: {e}"))?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| format!("{source}: `auth` is not UTF-8 user:password"))?;
        let (user, pass) = decoded
            .split_once(':')
            .ok_or_else(|| format!("{source}: `auth` is not user:password"))?;
        return Ok(Some(Credentials {
            username: user.to_owned(),
            secret: pass.to_owned(),
            source,
        }));
    }
    match (entry["username"].as_str(), entry["password"].as_str()) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credentials {
            username: u.to_owned(),
            secret: p.to_owned(),
            source,
        })),
        _ => Ok(None),
    }
}

/// Runs `docker-credential-NAME get`. "Not found" answers are `Ok(None)`.
fn run_helper(name: &str, server: &str) -> Result<Option<Credentials>, String> {
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(format!("invalid credential helper name {name:?}"));
    }
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("credential helper {program}: {e} (is it on PATH?)"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // The helper may exit without reading; a broken pipe is then its answer.
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.take(MAX_CONFIG_BYTES).read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "credential helper {program} did not answer within {HELPER_TIMEOUT:?}"
                ));
            }
            Err(e) => return Err(format!("credential helper {program}: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = (&mut e).take(4096).read_to_string(&mut err);
    }
    let text = String::from_utf8_lossy(&out);
    if !status.success() {
        let said = format!("{} {}", text.trim(), err.trim());
        if said.to_ascii_lowercase().contains("not found") {
            return Ok(None);
        }
        return Err(format!(
            "credential helper {program} failed ({status}): {}",
            said.trim()
        ));
    }
    let v: serde_json::Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("credential helper {program}: invalid JSON answer: {e}"))?;
    let user = v["Username"].as_str().unwrap_or_default();
    let secret = v["Secret"].as_str().unwrap_or_default();
    if secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials {
        username: user.to_owned(),
        secret: secret.to_owned(),
        source: format!("credential helper {program}"),
    }))
}

/// One `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses `Bearer realm="x",service="y"` / `Basic realm="z"` (RFC 7235 auth-params, quoted
/// or token values). Unknown schemes and malformed headers are `None`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, params) = header.split_once(' ').unwrap_or((header, ""));
    let mut realm = None;
    let mut service = None;
    let mut scope = None;
    let mut rest = params.trim();
    for _ in 0..32 {
        if rest.is_empty() {
            break;
        }
        let (key, after) = rest.split_once('=')?;
        let key = key.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, e)) = chars.next() {
                            value.push(e);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &q[end?..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        match key.as_str() {
            "realm" => realm = Some(value),
            "service" => service = Some(value),
            "scope" => scope = Some(value),
            _ => {}
        }
        rest = next.trim_start().trim_start_matches(',').trim_start();
    }
    if scheme.eq_ignore_ascii_case("basic") {
        Some(Challenge::Basic)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Challenge::Bearer {
            realm: realm.filter(|r| r.starts_with("http://") || r.starts_with("https://"))?,
            service,
            scope,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge(r#"bearer realm=http://x/t, service = "a\"b""#),
            Some(Challenge::Bearer {
                realm: "http://x/t".into(),
                service: Some("a\"b".into()),
                scope: None
            })
        );
        assert_eq!(parse_challenge("Bearer service=x"), None);
        assert_eq!(parse_challenge(r#"Bearer realm="unterminated"#), None);
        assert_eq!(parse_challenge("Negotiate abc"), None);
        assert_eq!(
            parse_challenge(r#"Bearer realm="file:///etc/passwd""#),
            None
        );
    }

    #[test]
    fn docker_config_auths_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret:x");
        std::fs::write(
            dir.path().join("config.json"),
            format!(
                r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}},"http://localhost:5000/v2/":{{"username":"bob","password":"pw"}},"tok.example":{{"identitytoken":"rt"}}}}}}"#
            ),
        )
        .unwrap();
        let hub = from_docker_config(dir.path(), "docker.io")
            .unwrap()
            .unwrap();
        assert_eq!(
            (hub.username.as_str(), hub.secret.as_str()),
            ("alice", "s3cret:x")
        );
        assert!(!format!("{hub:?}").contains("s3cret"));
        let local = from_docker_config(dir.path(), "localhost:5000")
            .unwrap()
            .unwrap();
        assert_eq!(local.username, "bob");
        assert!(
            from_docker_config(dir.path(), "tok.example")
                .unwrap()
                .unwrap()
                .is_identity_token()
        );
        assert_eq!(from_docker_config(dir.path(), "ghcr.io").unwrap(), None);
        std::fs::write(dir.path().join("config.json"), "{").unwrap();
        assert!(from_docker_config(dir.path(), "ghcr.io").is_err());
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(from_docker_config(empty.path(), "ghcr.io").unwrap(), None);
    }
}
