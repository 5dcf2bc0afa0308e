//! The debootstrap root filesystem, and a full image round trip of it through umoci.

use std::process::Command;
use std::time::Instant;

use customs_testkit::{
    Compression, ImageBuilder, Layer, debian_rootfs, dpkg_query, require_root, require_tool, run,
    skopeo_inspect,
};

#[test]
fn bookworm_rootfs_is_cached_and_dpkg_query_lists_its_packages() {
    require_root("debootstrap");
    require_tool("debootstrap");
    let started = Instant::now();
    let rootfs = debian_rootfs("bookworm").unwrap();
    eprintln!("debian_rootfs(bookworm) took {:?}", started.elapsed());
    assert!(rootfs.join("etc/debian_version").is_file());
    let os_release = std::fs::read_to_string(rootfs.join("usr/lib/os-release")).unwrap();
    assert!(
        os_release.contains("VERSION_CODENAME=bookworm"),
        "{os_release}"
    );
    assert!(
        customs_testkit::mounts_under(&rootfs).is_empty(),
        "mounts left under {}",
        rootfs.display()
    );

    let started = Instant::now();
    assert_eq!(debian_rootfs("bookworm").unwrap(), rootfs);
    assert!(
        started.elapsed().as_secs() < 2,
        "second call was not served from the cache"
    );

    let packages = dpkg_query(&rootfs);
    let names: Vec<&str> = packages.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in ["base-files", "dpkg", "libc6", "apt", "coreutils"] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
    assert!(packages.len() > 50, "only {} packages", packages.len());
    let base_files = &packages.iter().find(|(n, _)| n == "base-files").unwrap().1;
    assert!(base_files.starts_with("12."), "base-files {base_files}");

    // Another process sees the same cache and does not rebuild.
    let stat = run(Command::new("stat").arg("-c").arg("%i").arg(&rootfs)).unwrap();
    assert_eq!(stat.trim().parse::<u64>().unwrap(), {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(debian_rootfs("bookworm").unwrap())
            .unwrap()
            .ino()
    });
}

#[test]
fn rootfs_image_round_trips_through_umoci_with_the_same_packages() {
    require_root("debootstrap and umoci unpack");
    require_tool("umoci");
    require_tool("skopeo");
    let rootfs = debian_rootfs("bookworm").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let oci = tmp.path().join("oci");
    let started = Instant::now();
    let written = ImageBuilder::new()
        .layer(
            Layer::from_dir(&rootfs)
                .created_by("debootstrap --variant=minbase bookworm")
                .compression(Compression::Gzip),
        )
        .layer(
            Layer::new()
                .created_by("RUN rm -rf /var/cache/apt")
                .compression(Compression::None)
                .opaque("var/cache/apt"),
        )
        .staging_dir(tmp.path())
        .write_oci_layout(&oci, Some("bookworm"))
        .unwrap();
    eprintln!(
        "rootfs layer ({} bytes gzip) written in {:?}",
        written.layers[0].size,
        started.elapsed()
    );
    let inspect = skopeo_inspect(&format!("oci:{}:bookworm", oci.display()), false).unwrap();
    assert_eq!(inspect["Digest"], written.manifest_digest.as_str());

    let bundle = tmp.path().join("bundle");
    run(Command::new("umoci")
        .arg("unpack")
        .arg("--image")
        .arg(format!("{}:bookworm", oci.display()))
        .arg(&bundle))
    .unwrap();
    let unpacked = bundle.join("rootfs");
    assert_eq!(dpkg_query(&unpacked), dpkg_query(&rootfs));
    assert_eq!(
        std::fs::read(unpacked.join("var/lib/dpkg/status")).unwrap(),
        std::fs::read(rootfs.join("var/lib/dpkg/status")).unwrap()
    );
    assert!(
        std::fs::read_dir(unpacked.join("var/cache/apt"))
            .unwrap()
            .next()
            .is_none(),
        "opaque whiteout not applied"
    );
    let null = std::fs::symlink_metadata(unpacked.join("dev/null")).unwrap();
    {
        use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
        assert!(
            null.file_type().is_char_device(),
            "dev/null is not a char device"
        );
        assert_eq!(
            null.rdev(),
            std::fs::metadata(rootfs.join("dev/null")).unwrap().rdev()
        );
    }
    let ls = run(Command::new("ls")
        .arg("-l")
        .arg(unpacked.join("usr/bin/passwd")))
    .unwrap();
    assert!(ls.starts_with("-rwsr-xr-x"), "setuid bit lost: {ls}");
}
