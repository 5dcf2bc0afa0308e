//! Test support for customs, built on real components only.
//!
//! * [`ImageBuilder`] / [`Layer`]: write container images (OCI layout, legacy `docker save`
//!   archive, Docker 25+ archive) from directory trees or in-memory entries, including hostile
//!   entries, with gzip / zstd / no compression. Deterministic, streamed, hashed while written.
//! * [`debian_rootfs`] / [`dpkg_query`]: a real `debootstrap` root filesystem, cached across
//!   runs, and the package list dpkg itself reports for it (ground truth).
//! * [`Dockerd`]: a private real Docker daemon to `import`, `build`, `save` and `load` with.
//! * [`Registry`]: a real distribution registry (anonymous, htpasswd or token auth, with the
//!   [`TokenIssuer`] it trusts); [`FaultRegistry`] for failures no real registry produces.
//! * [`tar_zst`] / [`tar_zst_members`]: feed archives as upstreams publish them.
//! * [`require_tool`] / [`require_root`]: tests fail with a clear message when the machine
//!   lacks what they need; they never skip silently.
//!
//! Everything returns `anyhow::Result` (this crate is only a dev-dependency) except the
//! `require_*` helpers and [`dpkg_query`], which panic with an explanation.

#![warn(missing_docs)]

mod archive;
mod debian;
mod dockerd;
mod hash;
mod http;
mod image;
mod layer;
mod postgres;
mod registry;
mod tools;
mod vunnel;

pub use archive::{tar_zst, tar_zst_members};
pub use debian::{DEFAULT_DEBIAN_MIRROR, cache_dir, debian_rootfs, debian_rootfs_with, dpkg_query};
pub use dockerd::{Dockerd, START_TIMEOUT};
pub use http::{Reply, Request, TestServer, parse_query};
pub use image::{
    BuiltImage, ImageBuilder, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, REF_NAME_ANNOTATION,
    WrittenImage, WrittenLayer,
};
pub use layer::{Compression, FIXED_MTIME, Layer};
pub use postgres::{POSTGRES_START_TIMEOUT, POSTGRES_USER, Postgres, postgres_bin_dir};
pub use registry::{
    FaultHook, FaultRegistry, REGISTRY_START_TIMEOUT, Registry, RegistryAuth, TokenIssuer,
    strip_manifest_media_type, write_oci_index,
};
pub use tools::{
    file_tail, find_tool, is_root, mounts_under, require_root, require_tool, run, run_output,
    skopeo_inspect, tail, unmount_all_under,
};
pub use vunnel::{VUNNEL_ARCHIVE, vunnel_fixed_in, vunnel_fixtures};

/// Writes the directory tree `dir` as an uncompressed, deterministic tar at `out` (the format
/// of [`Layer::tree`]), e.g. for `docker import`. Returns the `sha256:<hex>` of the tar.
pub fn write_tree_tar(dir: &std::path::Path, out: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Write as _;
    let file = fs_err::File::create(out)?;
    let writer = hash::HashingWriter::new(std::io::BufWriter::with_capacity(1 << 20, file));
    let writer = Layer::from_dir(dir).write_tar(writer)?;
    let (mut buf, digest, _) = writer.finish();
    buf.flush()?;
    Ok(digest)
}
