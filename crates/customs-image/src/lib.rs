//! Container images: where they come from, and how their layers are read.
//!
//! * [`ImageRef`] parses what the user typed (`docker-archive:PATH`, `oci:PATH[:TAG]`,
//!   `registry:REF`, a bare path, auto-detected, or a bare image reference).
//! * [`open`] returns an [`Image`]: verified metadata (manifest, config, layer descriptors)
//!   plus a way to open each layer blob as a stream. Manifests and configs are small and read
//!   whole (with a size cap), their digests checked; layer blobs are never read whole.
//! * [`walk_layer`] reads one layer blob in a single streaming pass: it verifies the blob's
//!   digest while reading, detects the compression from the media type and magic bytes,
//!   walks the tar stream, records whiteouts, and hands each interesting file to the
//!   analyzers. Nothing is ever extracted to disk.

mod docker;
mod error;
mod hashing;
mod reference;
pub mod registry;
mod rootfs;
mod sbom;
mod sources;
mod walk;

pub use docker::{read_archive_stream, stream_docker};
pub use error::ImageError;
pub use reference::ImageRef;
pub use registry::{Platform, RegistryOptions};
pub use rootfs::walk_dir;
pub use sbom::{MAX_SBOM_BYTES, SbomInventory, parse_sbom, read_sbom};
pub use sources::{Image, ImageConfig, LayerInfo, open, open_with};
pub use walk::{WalkLimits, Walked, walk_layer, walk_layer_full};

/// Caps applied to untrusted image metadata.
pub const MAX_JSON_BYTES: u64 = 4 * 1024 * 1024;
