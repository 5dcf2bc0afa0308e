use std::fmt;
use std::path::{Path, PathBuf};

use crate::ImageError;

/// What the user asked to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// A `docker save` tarball (legacy layout or Docker 25+ with an OCI index inside).
    DockerArchive(PathBuf),
    /// An OCI image layout directory, optionally with the tag to pick.
    OciLayout { path: PathBuf, tag: Option<String> },
    /// An image in the local Docker daemon (`DOCKER_HOST`, default /var/run/docker.sock).
    Docker(String),
    /// A `CycloneDX` or SPDX JSON SBOM.
    Sbom(PathBuf),
    /// A root filesystem on disk (no layers).
    Dir(PathBuf),
    /// A tar archive of an OCI image layout, optionally with the tag to pick.
    OciArchive { path: PathBuf, tag: Option<String> },
    /// An image in a registry (`registry:REF`), pulled over the distribution API.
    Registry(String),
    /// A bare image reference (`alpine:3.19`): the local Docker daemon when it has it, else
    /// the registry the reference names.
    Name(String),
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageRef::DockerArchive(p) => write!(f, "docker-archive:{}", p.display()),
            ImageRef::OciLayout { path, tag: None } => write!(f, "oci:{}", path.display()),
            ImageRef::OciLayout { path, tag: Some(t) } => write!(f, "oci:{}:{t}", path.display()),
            ImageRef::Dir(p) => write!(f, "dir:{}", p.display()),
            ImageRef::Docker(n) => write!(f, "docker:{n}"),
            ImageRef::Sbom(p) => write!(f, "sbom:{}", p.display()),
            ImageRef::OciArchive { path, tag: None } => write!(f, "oci-archive:{}", path.display()),
            ImageRef::OciArchive { path, tag: Some(t) } => {
                write!(f, "oci-archive:{}:{t}", path.display())
            }
            ImageRef::Registry(n) => write!(f, "registry:{n}"),
            ImageRef::Name(n) => f.write_str(n),
        }
    }
}

impl ImageRef {
    /// Parses `docker-archive:PATH`, `oci:PATH[:TAG]` or a bare path (auto-detected: a
    /// directory with an `oci-layout` file is an OCI layout, a file is a docker archive).
    pub fn parse(input: &str) -> Result<Self, ImageError> {
        if let Some(rest) = input.strip_prefix("docker-archive:") {
            return Ok(ImageRef::DockerArchive(PathBuf::from(rest)));
        }
        if let Some(rest) = input.strip_prefix("oci:") {
            let (path, tag) = split_tag(rest);
            return Ok(ImageRef::OciLayout { path, tag });
        }
        if let Some(rest) = input
            .strip_prefix("docker:")
            .or_else(|| input.strip_prefix("podman:"))
        {
            if rest.is_empty() {
                return Err(ImageError::BadReference {
                    reference: input.to_owned(),
                    reason: "no image name after docker:".into(),
                });
            }
            return Ok(ImageRef::Docker(rest.to_owned()));
        }
        if let Some(rest) = input.strip_prefix("sbom:") {
            return Ok(ImageRef::Sbom(PathBuf::from(rest)));
        }
        if let Some(rest) = input.strip_prefix("dir:") {
            return Ok(ImageRef::Dir(PathBuf::from(rest)));
        }
        if let Some(rest) = input.strip_prefix("oci-archive:") {
            let (path, tag) = split_tag(rest);
            return Ok(ImageRef::OciArchive { path, tag });
        }
        if let Some(rest) = input.strip_prefix("registry:") {
            crate::registry::RegistryRef::parse(rest).map_err(|reason| {
                ImageError::BadReference {
                    reference: input.to_owned(),
                    reason,
                }
            })?;
            return Ok(ImageRef::Registry(rest.to_owned()));
        }
        let path = Path::new(input);
        if path.is_dir() {
            if path.join("oci-layout").is_file() {
                return Ok(ImageRef::OciLayout {
                    path: path.to_owned(),
                    tag: None,
                });
            }
            return Err(ImageError::NotAnImage {
                path: path.to_owned(),
                reason:
                    "a directory without an oci-layout file (for a root filesystem, use dir:PATH)"
                        .into(),
            });
        }
        if path.is_file() {
            return Ok(ImageRef::DockerArchive(path.to_owned()));
        }
        // Not a path: an image reference such as `debian:bookworm` is looked up in the Docker
        // daemon, then in its registry.
        if looks_like_image_name(input) && crate::registry::RegistryRef::parse(input).is_ok() {
            return Ok(ImageRef::Name(input.to_owned()));
        }
        Err(ImageError::NotFound(path.to_owned()))
    }
}

/// `name[:tag][@digest]` without path-like prefixes.
fn looks_like_image_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(['.', '/', '~'])
        && !s.contains("//")
        && s.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || b"._-/:@".contains(&b)
                || b.is_ascii_uppercase()
        })
        && (s.contains(':') || !s.contains('.'))
}

/// `PATH:TAG`: the tag is after the last ':' unless the whole string is an existing path.
fn split_tag(rest: &str) -> (PathBuf, Option<String>) {
    if let Some((p, t)) = rest.rsplit_once(':')
        && !t.contains('/')
        && !Path::new(rest).exists()
    {
        return (PathBuf::from(p), Some(t.to_owned()));
    }
    (PathBuf::from(rest), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_transports() {
        assert_eq!(
            ImageRef::parse("docker-archive:/x.tar").unwrap(),
            ImageRef::DockerArchive("/x.tar".into())
        );
        assert_eq!(
            ImageRef::parse("oci:/no/such/dir:v1").unwrap(),
            ImageRef::OciLayout {
                path: "/no/such/dir".into(),
                tag: Some("v1".into())
            }
        );
        assert!(matches!(
            ImageRef::parse("/definitely/missing"),
            Err(ImageError::NotFound(_))
        ));
        assert!(matches!(
            ImageRef::parse("./missing.tar"),
            Err(ImageError::NotFound(_))
        ));
        assert_eq!(
            ImageRef::parse("debian:bookworm").unwrap(),
            ImageRef::Name("debian:bookworm".into())
        );
        assert_eq!(
            ImageRef::parse("registry:localhost:5000/a/b:1").unwrap(),
            ImageRef::Registry("localhost:5000/a/b:1".into())
        );
        assert_eq!(
            ImageRef::parse("registry:alpine").unwrap().to_string(),
            "registry:alpine"
        );
        assert_eq!(
            ImageRef::parse("docker:alpine").unwrap(),
            ImageRef::Docker("alpine".into())
        );
        for bad in ["registry:", "registry:UPPER", "registry:a/"] {
            assert!(
                matches!(ImageRef::parse(bad), Err(ImageError::BadReference { .. })),
                "{bad}"
            );
        }
    }
}
