//! Writes the images the benchmark (bench/scan.sh) measures:
//!
//! * `bookworm-oci/`: a Debian bookworm minbase root filesystem (debootstrap, without the
//!   downloaded .debs in var/cache/apt/archives) as one gzip layer in an OCI layout;
//! * `big-oci/`: a ~1 GiB two-layer image (incompressible files plus a dpkg status), to
//!   measure peak memory on large layers;
//! * `mid-oci/`: a ~440 MiB (uncompressed) two-layer image of real files: the bookworm
//!   minbase tree, then a bookworm tree with Python (`debootstrap --include=python3-six`),
//!   the size of a typical application image (issue 3's registry benchmark).
//!
//! Usage: `cargo run --release -p customs-testkit --example bench_images -- OUT_DIR`

use std::path::PathBuf;

use anyhow::{Context, Result};
use customs_testkit::{Compression, ImageBuilder, Layer, debian_rootfs, debian_rootfs_with};

fn main() -> Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: bench_images OUT_DIR")?,
    );
    std::fs::create_dir_all(&out)?;

    let rootfs = debian_rootfs("bookworm")?;
    let trimmed = out.join("bookworm-rootfs");
    if !trimmed.exists() {
        let st = std::process::Command::new("cp")
            .arg("-a")
            .arg(&rootfs)
            .arg(&trimmed)
            .status()?;
        anyhow::ensure!(st.success(), "cp -a failed");
        let archives = trimmed.join("var/cache/apt/archives");
        for e in std::fs::read_dir(&archives)? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "deb") {
                std::fs::remove_file(p)?;
            }
        }
    }
    let oci = out.join("bookworm-oci");
    if !oci.exists() {
        ImageBuilder::new()
            .layer(
                Layer::from_dir(&trimmed)
                    .created_by("debootstrap --variant=minbase bookworm")
                    .compression(Compression::Gzip),
            )
            .staging_dir(&out)
            .write_oci_layout(&oci, Some("bookworm"))?;
    }

    let big = out.join("big-oci");
    if !big.exists() {
        // Pseudo-random (incompressible) content from a fixed seed.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut chunk = |n: usize| -> Vec<u8> {
            let mut v = Vec::with_capacity(n);
            while v.len() < n {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                v.extend_from_slice(&state.to_le_bytes());
            }
            v.truncate(n);
            v
        };
        let status = std::fs::read(trimmed.join("var/lib/dpkg/status"))?;
        let os = std::fs::read(trimmed.join("usr/lib/os-release"))?;
        let mut l1 = Layer::new().file("usr/lib/os-release", os, 0o644).file(
            "var/lib/dpkg/status",
            status,
            0o644,
        );
        let mut l2 = Layer::new();
        for i in 0..8 {
            l1 = l1.file(format!("data/a{i}.bin"), chunk(64 << 20), 0o644);
            l2 = l2.file(format!("data/b{i}.bin"), chunk(64 << 20), 0o644);
        }
        ImageBuilder::new()
            .layer(l1.created_by("ADD data a").compression(Compression::Gzip))
            .layer(l2.created_by("ADD data b").compression(Compression::Gzip))
            .staging_dir(&out)
            .write_oci_layout(&big, Some("big"))?;
    }
    let mid = out.join("mid-oci");
    if !mid.exists() {
        let python = debian_rootfs_with("bookworm", &["python3-six"])?;
        ImageBuilder::new()
            .layer(
                Layer::from_dir(&trimmed)
                    .created_by("debootstrap --variant=minbase bookworm")
                    .compression(Compression::Gzip),
            )
            .layer(
                Layer::from_dir(&python)
                    .created_by("debootstrap --include=python3-six bookworm")
                    .compression(Compression::Gzip),
            )
            .staging_dir(&out)
            .write_oci_layout(&mid, Some("mid"))?;
    }
    println!("{}", out.display());
    Ok(())
}
