use std::path::PathBuf;

use customs_model::Digest;

/// Everything that can go wrong reading an image. Every variant names what it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    #[error("{path}: not a container image: {reason}")]
    NotAnImage { path: PathBuf, reason: String },
    #[error("invalid image reference {reference:?}: {reason}")]
    BadReference { reference: String, reason: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{what}: invalid JSON: {source}")]
    Json {
        what: String,
        source: serde_json::Error,
    },
    #[error("{what}: {reason}")]
    Invalid { what: String, reason: String },
    #[error("{what}: digest mismatch: expected {expected}, content hashes to {actual}")]
    DigestMismatch {
        what: String,
        expected: Digest,
        actual: Digest,
    },
    #[error("{what}: larger than the {limit}-byte limit")]
    TooLarge { what: String, limit: u64 },
    #[error("layer {layer}: corrupt or truncated: {reason}")]
    CorruptLayer { layer: String, reason: String },
    #[error("layer {layer}: hostile entry {entry:?}: {reason}")]
    PathTraversal {
        layer: String,
        entry: String,
        reason: &'static str,
    },
    #[error("Docker daemon at {socket}: {reason}")]
    Daemon { socket: String, reason: String },
    #[error("{name}: no such image in the Docker daemon")]
    NotInDaemon { name: String },
    #[error("{what}: no image matches: {reason}")]
    NoMatch { what: String, reason: String },
    /// The registry could not be reached or kept failing (network, timeouts, 5xx, 429).
    #[error("registry {registry}: {reason}")]
    Registry { registry: String, reason: String },
    /// The registry wants credentials customs does not have, or rejected them.
    #[error("registry {registry}: {reason}")]
    RegistryAuth { registry: String, reason: String },
    /// No such repository, tag or digest in the registry.
    #[error("{reference}: not found in the registry ({reason})")]
    NotInRegistry { reference: String, reason: String },
}

impl ImageError {
    /// True when the input itself is bad (as opposed to an I/O failure of this machine).
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            ImageError::Io(_)
                | ImageError::NotFound(_)
                | ImageError::Daemon { .. }
                | ImageError::NotInDaemon { .. }
                | ImageError::Registry { .. }
                | ImageError::RegistryAuth { .. }
                | ImageError::NotInRegistry { .. }
        )
    }
}
