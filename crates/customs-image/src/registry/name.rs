//! Image references as users type them: `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`.
//!
//! The grammar is the distribution project's reference grammar, applied the way `docker pull`
//! applies it: the first path component is a registry host only when there is a `/` after it
//! and it contains a `.` or a `:` or is `localhost`; otherwise the image is on Docker Hub
//! (`docker.io`, served by `registry-1.docker.io`), where one-component names live under
//! `library/`. Without a tag or digest the tag is `latest`.

use std::fmt;

use customs_model::Digest;

/// The longest repository name accepted (the distribution spec's limit).
pub const MAX_NAME_LEN: usize = 255;

/// A parsed registry reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// The registry as named in references (`docker.io`, `localhost:5000`, `ghcr.io`).
    pub registry: String,
    /// The repository path (`library/alpine`, `org/app`).
    pub repository: String,
    /// The tag, unless pinned by digest only.
    pub tag: Option<String>,
    /// The manifest digest, when pinned.
    pub digest: Option<Digest>,
}

impl RegistryRef {
    /// Parses `input`; the error explains which part is wrong.
    pub fn parse(input: &str) -> Result<Self, String> {
        if input.is_empty() {
            return Err("empty reference".into());
        }
        if input.len() > 2 * MAX_NAME_LEN {
            return Err("reference too long".into());
        }
        let (rest, digest) = match input.split_once('@') {
            Some((r, d)) => (
                r,
                Some(Digest::parse(d).map_err(|e| format!("bad digest {d:?}: {e}"))?),
            ),
            None => (input, None),
        };
        let (host, path) = match rest.split_once('/') {
            Some((first, remainder))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), remainder)
            }
            _ => (None, rest),
        };
        let (path, tag) = match path.rsplit_once(':') {
            Some((p, t)) => (p, Some(t)),
            None => (path, None),
        };
        if let Some(h) = host {
            let valid_host = !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b));
            if !valid_host {
                return Err(format!("bad registry host {h:?}"));
            }
        }
        if let Some(t) = tag {
            let valid_tag = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                && !t.starts_with(['.', '-']);
            if !valid_tag {
                return Err(format!("bad tag {t:?}"));
            }
        }
        if path.is_empty() {
            return Err("no repository name".into());
        }
        for component in path.split('/') {
            let ok = !component.is_empty()
                && component
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && component.starts_with(|c: char| c.is_ascii_alphanumeric())
                && component.ends_with(|c: char| c.is_ascii_alphanumeric());
            if !ok {
                return Err(format!(
                    "bad repository component {component:?} (lowercase letters, digits and . _ - only)"
                ));
            }
        }
        let registry = match host {
            None | Some("index.docker.io" | "registry-1.docker.io") => "docker.io".to_owned(),
            Some(h) => h.to_owned(),
        };
        let repository = if registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_owned()
        };
        if repository.len() > MAX_NAME_LEN {
            return Err(format!("repository name longer than {MAX_NAME_LEN} bytes"));
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_owned()),
            (None, Some(_)) => None,
            (None, None) => Some("latest".to_owned()),
        };
        Ok(RegistryRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host (and port) the API is served from.
    pub fn api_host(&self) -> &str {
        if self.registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }

    /// Whether the registry is on this machine, where plain HTTP is the norm (as Docker does).
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => self.registry.as_str(),
        };
        host == "localhost" || host.starts_with("127.") || host == "[::1]"
    }

    /// What the manifest is asked for: the digest when pinned, else the tag.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_owned(),
        }
    }

    /// `registry/repository` (the name repo tags and repo digests start with).
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = RegistryRef::parse(s).unwrap();
        (
            r.registry,
            r.repository,
            r.tag,
            r.digest.map(|d| d.to_string()),
        )
    }

    #[test]
    fn docker_hub_defaults() {
        assert_eq!(
            p("alpine"),
            (
                "docker.io".into(),
                "library/alpine".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            p("alpine:3.19"),
            (
                "docker.io".into(),
                "library/alpine".into(),
                Some("3.19".into()),
                None
            )
        );
        assert_eq!(
            p("me/app:1"),
            ("docker.io".into(), "me/app".into(), Some("1".into()), None)
        );
        assert_eq!(
            RegistryRef::parse("alpine").unwrap().api_host(),
            "registry-1.docker.io"
        );
    }

    #[test]
    fn hosts_ports_and_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            p(&format!("localhost:5000/x/y@{d}")),
            ("localhost:5000".into(), "x/y".into(), None, Some(d.clone()))
        );
        assert_eq!(
            p(&format!("ghcr.io/o/r:v1@{d}")),
            ("ghcr.io".into(), "o/r".into(), Some("v1".into()), Some(d))
        );
        assert_eq!(
            p("127.0.0.1:5000/app"),
            (
                "127.0.0.1:5000".into(),
                "app".into(),
                Some("latest".into()),
                None
            )
        );
        assert!(
            RegistryRef::parse("127.0.0.1:5000/app")
                .unwrap()
                .is_loopback()
        );
        assert!(!RegistryRef::parse("ghcr.io/a").unwrap().is_loopback());
    }

    #[test]
    fn bad_references() {
        for bad in [
            "",
            "UPPER/case",
            "a//b",
            "a:",
            "a:-x",
            "a@sha256:zz",
            "/a",
            "a/",
            "x:y:z",
        ] {
            assert!(RegistryRef::parse(bad).is_err(), "{bad}");
        }
    }
}
