//! The layer cache: a re-scan of an image whose layers were all seen before does not read
//! the layers again, gives the same report, and `customs cache clean` empties it.

mod common;

use common::{Sandbox, shared};
use customs_testkit::{ImageBuilder, Layer};

#[test]
fn rescan_uses_the_layer_cache() {
    let sb = Sandbox::new();
    sb.update(&[("debian-dsa", &shared("feeds/debian/tracker/DSA.list"))]);
    let dir = sb.path("inputs/oci");
    let os_release =
        std::fs::read(shared("osrelease/claircore/debian/dist/7/etc/os-release")).unwrap();
    let w = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", os_release, 0o644).file(
            "filler",
            vec![1u8; 100_000],
            0o644,
        ))
        .layer(Layer::new().file(
            "var/lib/dpkg/status",
            b"Package: openssl\nVersion: 1.0.1e-2+deb7u4\n\n".to_vec(),
            0o644,
        ))
        .write_oci_layout(&dir, None)
        .unwrap();
    let image = format!("oci:{}", dir.display());

    let first = sb.run(&["scan", "-f", "json", "-vv", &image]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(!String::from_utf8_lossy(&first.stderr).contains("layer cache hit"));
    let second = sb.run(&["scan", "-f", "json", "-vv", &image]);
    let log = String::from_utf8_lossy(&second.stderr);
    assert_eq!(log.matches("layer cache hit").count(), 2, "{log}");
    assert_eq!(
        first.stdout, second.stdout,
        "cached and fresh scans give byte-identical reports"
    );

    // Proof that the layers are not read again: corrupt a blob (same size). The cached scan
    // still answers; with --no-cache the corruption is caught.
    let blob = dir.join("blobs/sha256").join(&w.layers[0].digest[7..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    let cached = sb.run(&["scan", "-q", "-f", "json", &image]);
    assert_eq!(cached.stdout, first.stdout);
    let fresh = sb.run(&["scan", "-q", "--no-cache", &image]);
    assert_eq!(fresh.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&fresh.stderr).contains("digest mismatch"));

    // cache clean empties it; the next scan reads the (corrupt) layer again.
    let clean = sb.run(&["cache", "clean"]);
    assert!(clean.status.success());
    assert!(String::from_utf8_lossy(&clean.stdout).contains("removed"));
    assert_eq!(sb.run(&["scan", "-q", &image]).status.code(), Some(65));
}

#[test]
fn concurrent_scans_share_the_cache_safely() {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    let dir = sb.path("inputs/oci");
    let mut builder = ImageBuilder::new();
    for i in 0..6 {
        builder = builder.layer(
            Layer::new()
                .file(format!("f{i}"), vec![i; 50_000], 0o644)
                .file(
                    "var/lib/dpkg/status",
                    format!("Package: p{i}\nVersion: 1.{i}\n\n").into_bytes(),
                    0o644,
                ),
        );
    }
    builder.write_oci_layout(&dir, None).unwrap();
    let image = format!("oci:{}", dir.display());
    let children: Vec<_> = (0..6)
        .map(|_| {
            sb.cmd()
                .args(["scan", "-q", "-f", "json", &image])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outputs {
        assert!(o.status.success());
        assert_eq!(o.stdout, outputs[0].stdout);
    }
    let again = sb.run(&["scan", "-q", "-f", "json", &image]);
    assert_eq!(again.stdout, outputs[0].stdout);
    // Only whole entries in the cache: every file parses.
    for e in std::fs::read_dir(sb.cache().join("layers"))
        .unwrap()
        .flatten()
    {
        let bytes = std::fs::read(e.path()).unwrap();
        assert!(
            serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
            "{}",
            e.path().display()
        );
    }
}
