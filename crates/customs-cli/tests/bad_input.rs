//! Hostile and broken inputs: each gives a clear one-line error naming the thing, a non-zero
//! exit code, no panic, and nothing written outside the cache directory.

mod common;

use std::process::Output;

use common::{Sandbox, shared};
use customs_testkit::{Compression, ImageBuilder, Layer};

fn assert_clean_failure(sb: &Sandbox, out: &Output, code: i32, must_name: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("customs: error: "),
        "one-line error expected, got: {stderr}"
    );
    assert!(
        first.contains(must_name),
        "the error should name {must_name:?}: {first}"
    );
    assert!(
        sb.files_outside_cache().is_empty(),
        "files written outside the cache: {:?}",
        sb.files_outside_cache()
    );
}

fn sandbox_with_db() -> Sandbox {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    sb
}

fn small_image() -> ImageBuilder {
    ImageBuilder::new().layer(
        Layer::new()
            .file(
                "etc/os-release",
                b"ID=debian\nVERSION_ID=\"12\"\n".to_vec(),
                0o644,
            )
            .file(
                "var/lib/dpkg/status",
                b"Package: bash\nVersion: 5.2.15-2\n\n".to_vec(),
                0o644,
            )
            .file("usr/share/big", vec![7u8; 200_000], 0o644)
            .compression(Compression::Gzip),
    )
}

#[test]
fn truncated_layer() {
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    let w = small_image().write_oci_layout(&dir, None).unwrap();
    let digest = &w.layers[0].digest;
    let blob = dir.join("blobs/sha256").join(&digest[7..]);
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    let out = sb.run(&["scan", &format!("oci:{}", dir.display())]);
    assert_clean_failure(&sb, &out, 65, &digest[..19]);
    assert!(common::stderr_line(&out).contains("truncated"));
}

#[test]
fn truncated_docker_archive() {
    let sb = sandbox_with_db();
    let tar = sb.path("inputs/image.tar");
    small_image()
        .layer(Layer::new().file("x", b"x".to_vec(), 0o644))
        .write_docker_archive(&tar, Some("t:1"))
        .unwrap();
    let bytes = std::fs::read(&tar).unwrap();
    std::fs::write(&tar, &bytes[..bytes.len() - 3000]).unwrap();
    let out = sb.run(&["scan", tar.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("customs: error: "), "{stderr}");
    assert!(
        stderr.contains("image.tar") || stderr.contains("layer sha256:"),
        "names the archive or layer: {stderr}"
    );
}

#[test]
fn digest_mismatch() {
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    let w = small_image().write_oci_layout(&dir, None).unwrap();
    let digest = &w.layers[0].digest;
    let blob = dir.join("blobs/sha256").join(&digest[7..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    let out = sb.run(&["scan", &format!("oci:{}", dir.display())]);
    assert_clean_failure(&sb, &out, 65, digest);
    assert!(common::stderr_line(&out).contains("digest mismatch"));
}

#[test]
fn config_digest_mismatch() {
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    let w = small_image().write_oci_layout(&dir, None).unwrap();
    let blob = dir.join("blobs/sha256").join(&w.config_digest[7..]);
    let text = std::fs::read_to_string(&blob)
        .unwrap()
        .replace("amd64", "arm64");
    std::fs::write(&blob, text).unwrap();
    let out = sb.run(&["scan", &format!("oci:{}", dir.display())]);
    assert_clean_failure(&sb, &out, 65, &w.config_digest);
}

#[test]
fn not_an_image() {
    let sb = sandbox_with_db();
    let f = sb.path("inputs/random.bin");
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    let bytes: Vec<u8> = (0..100_000u32)
        .map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[1])
        .collect();
    std::fs::write(&f, bytes).unwrap();
    let out = sb.run(&["scan", f.to_str().unwrap()]);
    assert_clean_failure(&sb, &out, 65, "random.bin");
    let empty_dir = sb.path("inputs/emptydir");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let out = sb.run(&["scan", empty_dir.to_str().unwrap()]);
    assert_clean_failure(&sb, &out, 65, "emptydir");
}

#[test]
fn missing_path() {
    let sb = sandbox_with_db();
    let out = sb.run(&["scan", "/definitely/not/here.tar"]);
    assert_clean_failure(&sb, &out, 66, "/definitely/not/here.tar");
    let out = sb.run(&["scan", "oci:/definitely/not/here"]);
    assert_clean_failure(&sb, &out, 66, "/definitely/not/here");
}

#[test]
fn path_traversal_entry() {
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    small_image()
        .layer(Layer::new().raw_file(
            "../../etc/passwd",
            b"root::0:0::/:/bin/sh\n".to_vec(),
            0o644,
        ))
        .write_oci_layout(&dir, None)
        .unwrap();
    let out = sb.run(&["scan", &format!("oci:{}", dir.display())]);
    assert_clean_failure(&sb, &out, 65, "../../etc/passwd");
    assert!(common::stderr_line(&out).contains("path traversal"));
}

#[test]
fn absolute_symlink_entry() {
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    small_image()
        .layer(Layer::new().raw_symlink("/etc/passwd", "/etc/shadow"))
        .write_oci_layout(&dir, None)
        .unwrap();
    let out = sb.run(&["scan", &format!("oci:{}", dir.display())]);
    assert_clean_failure(&sb, &out, 65, "/etc/passwd");
}

#[test]
fn escaping_relative_symlink() {
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    small_image()
        .layer(Layer::new().symlink("var/lib/dpkg/status", "../../../../../etc/passwd"))
        .write_oci_layout(&dir, None)
        .unwrap();
    let out = sb.run(&["scan", &format!("oci:{}", dir.display())]);
    assert_clean_failure(&sb, &out, 65, "etc/passwd");
}

/// An absolute symlink *target* is normal in images (etc/localtime) and is resolved inside
/// the image, never on the host: the host's files are never read.
#[test]
fn absolute_symlink_target_stays_inside_the_image() {
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    small_image()
        .layer(
            Layer::new()
                .symlink("etc/os-release", "/usr/lib/os-release")
                .file(
                    "usr/lib/os-release",
                    b"ID=debian\nVERSION_ID=\"11\"\n".to_vec(),
                    0o644,
                ),
        )
        .write_oci_layout(&dir, None)
        .unwrap();
    let r = sb.scan_json(&format!("oci:{}", dir.display()));
    assert_eq!(
        r["artifact"]["os"]["version"].as_str(),
        Some("11"),
        "resolved to the image's own usr/lib/os-release"
    );
}

#[test]
fn decompression_bomb_is_bounded() {
    // 1 GiB of zeros compresses to about 1 MiB; the scan must finish (streaming, no
    // memory growth) and the result is an ordinary scan.
    let sb = sandbox_with_db();
    let dir = sb.path("inputs/oci");
    let mut layer = Layer::new();
    for i in 0..8 {
        layer = layer.file(format!("zeros/{i}"), vec![0u8; 128 << 20], 0o644);
    }
    small_image()
        .layer(layer.compression(Compression::Gzip))
        .write_oci_layout(&dir, None)
        .unwrap();
    let r = sb.scan_json(&format!("oci:{}", dir.display()));
    assert_eq!(r["packages"].as_array().unwrap().len(), 1);
}

#[test]
fn malformed_feeds_fail_cleanly_and_keep_previous_data() {
    let sb = sandbox_with_db();
    let inputs = sb.path("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    // Truncated OVAL.
    let xml = "<?xml version='1.0'?><oval_definitions><definitions><definition id=\"x\" class=\"vulnerability\"><metadata><title>CVE-1-1";
    let oval = inputs.join("oval-definitions-buster.xml");
    std::fs::write(&oval, xml).unwrap();
    let out = sb.run(&[
        "db",
        "update",
        "--feed",
        &format!("debian-oval={}", oval.display()),
    ]);
    assert_clean_failure(&sb, &out, 65, "oval-definitions-buster.xml");
    // Wrong JSON types in the tracker export.
    let json = inputs.join("tracker.json");
    std::fs::write(
        &json,
        r#"{"openssl": {"CVE-2014-0160": {"releases": {"wheezy": {"status": 42}}}}}"#,
    )
    .unwrap();
    let out = sb.run(&[
        "db",
        "update",
        "--feed",
        &format!("debian-tracker={}", json.display()),
    ]);
    assert_clean_failure(&sb, &out, 65, "tracker.json");
    // Billion laughs.
    let bomb = inputs.join("bomb.xml");
    std::fs::write(&bomb, r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><oval_definitions>&lol2;</oval_definitions>"#).unwrap();
    let out = sb.run(&[
        "db",
        "update",
        "--feed",
        &format!("debian-oval={}", bomb.display()),
    ]);
    assert_clean_failure(&sb, &out, 65, "bomb.xml");
    // The earlier feed is intact.
    let status = String::from_utf8(sb.run(&["db", "status"]).stdout).unwrap();
    assert!(
        status.contains("debian-dsa") && status.contains("ok"),
        "{status}"
    );
    let dsa_line = status
        .lines()
        .find(|l| l.starts_with("debian-dsa"))
        .unwrap();
    assert!(!dsa_line.contains(" 0 "), "{dsa_line}");
}

#[test]
fn no_database_says_what_to_do() {
    let sb = Sandbox::new();
    let dir = sb.path("inputs/oci");
    small_image().write_oci_layout(&dir, None).unwrap();
    let out = sb.run(&["scan", &format!("oci:{}", dir.display())]);
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("customs db update"), "{stderr}");
}

#[test]
fn usage_errors_exit_64() {
    let sb = Sandbox::new();
    assert_eq!(sb.run(&["scan"]).status.code(), Some(64));
    assert_eq!(
        sb.run(&["scan", "--severity", "bogus", "x"]).status.code(),
        Some(64)
    );
    assert_eq!(
        sb.run(&["db", "update", "--feed", "nokind=/x"])
            .status
            .code(),
        Some(64)
    );
    assert_eq!(sb.run(&["scan", "registry:"]).status.code(), Some(64));
    assert_eq!(
        sb.run(&["scan", "registry:Not/Valid"]).status.code(),
        Some(64)
    );
}

/// A root filesystem whose package database is a symlink to the *host's* database: customs
/// never follows it out of the tree, so the host's packages are not reported.
#[test]
fn rootfs_symlinks_never_reach_the_host() {
    let sb = sandbox_with_db();
    let root = sb.path("inputs/rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/var/lib/dpkg/status", root.join("var/lib/dpkg/status")).unwrap();
    assert!(
        std::path::Path::new("/var/lib/dpkg/status").exists(),
        "test premise: the host has a dpkg database"
    );
    let r = sb.scan_json(&format!("dir:{}", root.display()));
    assert!(
        r["packages"].as_array().unwrap().is_empty(),
        "host packages leaked: {}",
        r["packages"]
    );
    assert_eq!(r["artifact"]["os"]["version"].as_str(), Some("12"));
}

#[test]
fn docker_socket_that_does_not_exist() {
    let sb = sandbox_with_db();
    let out = sb
        .cmd()
        .env(
            "DOCKER_HOST",
            format!("unix://{}", sb.path("no/such.sock").display()),
        )
        .args(["scan", "docker:debian:bookworm"])
        .output()
        .unwrap();
    assert_clean_failure(&sb, &out, 69, "no/such.sock");
}
