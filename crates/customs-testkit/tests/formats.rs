//! The image writers, checked with independent tools: skopeo (containers/image), umoci,
//! GNU tar, gzip/zstd and sha256sum. Nothing here trusts the testkit's own reading.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::process::Command;

use customs_testkit::{
    Compression, ImageBuilder, Layer, require_tool, run, run_output, skopeo_inspect,
};
use serde_json::Value;
use tar::EntryType as T;

/// Three layers (gzip, zstd, plain) and one empty-layer history entry, with a hardlink, a
/// symlink, a whiteout and an opaque directory.
fn sample() -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            Layer::new()
                .created_by("ADD rootfs.tar /")
                .compression(Compression::Gzip)
                .dir("etc", 0o755)
                .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0o644)
                .file("etc/motd", "hello\n", 0o644)
                .dir("usr", 0o755)
                .dir("usr/bin", 0o755)
                .file("usr/bin/tool", "#!/bin/sh\necho tool\n", 0o755)
                .hardlink("usr/bin/tool2", "usr/bin/tool")
                .symlink("bin", "usr/bin")
                .dir("var", 0o755)
                .dir("var/lib", 0o755)
                .dir("var/lib/app", 0o755)
                .owner(1000, 1000)
                .file("var/lib/app/old", "old\n", 0o600),
        )
        .empty_layer("ENV LANG=C.UTF-8")
        .layer(
            Layer::new()
                .created_by("RUN apt-get install -y openssl")
                .compression(Compression::Zstd)
                .dir("usr/lib", 0o755)
                .dir("usr/lib/ssl", 0o755)
                .file("usr/lib/ssl/openssl.cnf", "# config\n", 0o644),
        )
        .layer(
            Layer::new()
                .created_by("RUN rm /etc/motd && reset /var/lib/app")
                .compression(Compression::None)
                .whiteout("etc/motd")
                .opaque("var/lib/app")
                .file("var/lib/app/new", "new\n", 0o644),
        )
        .env("LANG", "C.UTF-8")
        .cmd(["/bin/sh"])
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

/// Decompresses a blob with the command-line tool and hashes it with sha256sum.
fn diff_id_by_cli(blob: &Path, compression: Compression) -> String {
    let decompress = match compression {
        Compression::Gzip => format!("gzip -dc '{}'", blob.display()),
        Compression::Zstd => format!("zstd -dc '{}'", blob.display()),
        Compression::None => format!("cat '{}'", blob.display()),
    };
    let out = run(Command::new("bash")
        .arg("-c")
        .arg(format!("set -o pipefail; {decompress} | sha256sum")))
    .unwrap();
    format!("sha256:{}", out.split_whitespace().next().unwrap())
}

#[test]
fn oci_layout_is_read_by_skopeo_and_umoci() {
    require_tool("skopeo");
    require_tool("umoci");
    require_tool("zstd");
    let tmp = tempfile::tempdir().unwrap();
    let oci = tmp.path().join("oci");
    let written = sample().write_oci_layout(&oci, Some("latest")).unwrap();
    assert_eq!(written.layers.len(), 3);
    assert_eq!(
        written
            .layers
            .iter()
            .map(|l| l.media_type.as_str())
            .collect::<Vec<_>>(),
        [
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.v1.tar+zstd",
            "application/vnd.oci.image.layer.v1.tar",
        ]
    );

    // Digests and diff ids, recomputed by sha256sum / gzip / zstd.
    for (layer, compression) in
        written
            .layers
            .iter()
            .zip([Compression::Gzip, Compression::Zstd, Compression::None])
    {
        let blob = oci
            .join("blobs/sha256")
            .join(&layer.digest["sha256:".len()..]);
        let sum = run(Command::new("sha256sum").arg(&blob)).unwrap();
        assert_eq!(
            &layer.digest["sha256:".len()..],
            sum.split_whitespace().next().unwrap()
        );
        assert_eq!(layer.size, std::fs::metadata(&blob).unwrap().len());
        assert_eq!(layer.diff_id, diff_id_by_cli(&blob, compression));
    }

    let index: Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "latest"
    );

    let inspect = skopeo_inspect(&format!("oci:{}:latest", oci.display()), false).unwrap();
    assert_eq!(inspect["Digest"], written.manifest_digest.as_str());
    assert_eq!(strings(&inspect["Layers"]), written.layer_digests());
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Os"], "linux");
    assert!(strings(&inspect["Env"]).contains(&"LANG=C.UTF-8".to_string()));

    let raw_manifest = run(Command::new("skopeo")
        .args(["inspect", "--raw"])
        .arg(format!("oci:{}:latest", oci.display())))
    .unwrap();
    assert_eq!(raw_manifest.as_bytes(), written.manifest.as_slice());
    let manifest: Value = serde_json::from_str(&raw_manifest).unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(manifest["config"]["digest"], written.config_digest.as_str());

    let config = skopeo_inspect(&format!("oci:{}:latest", oci.display()), true).unwrap();
    assert_eq!(strings(&config["rootfs"]["diff_ids"]), written.diff_ids());
    let history = config["history"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[1]["empty_layer"], true);
    assert_eq!(history[1]["created_by"], "ENV LANG=C.UTF-8");
    assert_eq!(history[2]["created_by"], "RUN apt-get install -y openssl");
    assert!(history[2].get("empty_layer").is_none());

    // skopeo copy re-reads every blob and verifies its digest; recompressing everything to
    // gzip also makes it decompress our zstd and gzip streams (and umoci 0.4.7 reads no zstd).
    let copy = tmp.path().join("copy");
    run(Command::new("skopeo")
        .args(["copy", "--dest-compress-format", "gzip"])
        .arg(format!("oci:{}:latest", oci.display()))
        .arg(format!("oci:{}:copied", copy.display())))
    .unwrap();
    let copied = skopeo_inspect(&format!("oci:{}:copied", copy.display()), true).unwrap();
    assert_eq!(strings(&copied["rootfs"]["diff_ids"]), written.diff_ids());

    // umoci applies the layers, including whiteouts and the opaque directory.
    let bundle = tmp.path().join("bundle");
    run(Command::new("umoci")
        .arg("unpack")
        .arg("--image")
        .arg(format!("{}:copied", copy.display()))
        .arg(&bundle))
    .unwrap();
    check_unpacked_sample(&bundle.join("rootfs"));
}

/// The sample image as applied by umoci: whiteouts, opaque dir, zstd layer, hardlink.
fn check_unpacked_sample(rootfs: &Path) {
    assert_eq!(
        std::fs::read_to_string(rootfs.join("etc/os-release")).unwrap(),
        "ID=debian\nVERSION_ID=\"12\"\n"
    );
    assert!(!rootfs.join("etc/motd").exists(), "whiteout not applied");
    assert!(
        !rootfs.join("var/lib/app/old").exists(),
        "opaque dir not applied"
    );
    assert_eq!(
        std::fs::read_to_string(rootfs.join("var/lib/app/new")).unwrap(),
        "new\n"
    );
    assert!(
        rootfs.join("usr/lib/ssl/openssl.cnf").is_file(),
        "zstd layer not applied"
    );
    let tool = std::fs::metadata(rootfs.join("usr/bin/tool")).unwrap();
    let tool2 = std::fs::metadata(rootfs.join("usr/bin/tool2")).unwrap();
    assert_eq!(tool.ino(), tool2.ino(), "hardlink not kept");
    assert_eq!(tool.mode() & 0o7777, 0o755);
    assert_eq!(
        std::fs::read_link(rootfs.join("bin")).unwrap(),
        Path::new("usr/bin")
    );
}

#[test]
fn legacy_docker_archive_is_read_by_skopeo() {
    require_tool("skopeo");
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("legacy.tar");
    let written = sample()
        .write_docker_archive(&archive, Some("demo:1"))
        .unwrap();

    let listing = run(Command::new("tar").arg("-tf").arg(&archive)).unwrap();
    let names: BTreeSet<&str> = listing.lines().collect();
    let config_name = format!("{}.json", &written.config_digest["sha256:".len()..]);
    for name in ["manifest.json", "repositories", config_name.as_str()] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
    assert_eq!(
        names.iter().filter(|n| n.ends_with("/layer.tar")).count(),
        3
    );

    let out = run(Command::new("tar")
        .arg("-xOf")
        .arg(&archive)
        .arg("manifest.json"))
    .unwrap();
    let manifest: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(manifest[0]["Config"], config_name.as_str());
    assert_eq!(strings(&manifest[0]["RepoTags"]), ["demo:1"]);

    let reference = format!("docker-archive:{}", archive.display());
    let raw_config = run_output(
        Command::new("skopeo")
            .args(["inspect", "--raw", "--config"])
            .arg(&reference),
    )
    .unwrap()
    .stdout;
    assert_eq!(raw_config, written.config);
    let inspect = skopeo_inspect(&reference, false).unwrap();
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Layers"].as_array().unwrap().len(), 3);

    // A full copy decompresses and verifies every layer against the config's diff ids.
    let oci = tmp.path().join("from-legacy");
    run(Command::new("skopeo")
        .arg("copy")
        .arg(&reference)
        .arg(format!("oci:{}:x", oci.display())))
    .unwrap();
    let config = skopeo_inspect(&format!("oci:{}:x", oci.display()), true).unwrap();
    assert_eq!(strings(&config["rootfs"]["diff_ids"]), written.diff_ids());
}

#[test]
fn docker_25_archive_is_read_by_skopeo_as_docker_and_oci_archive() {
    require_tool("skopeo");
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("v25.tar");
    let written = sample()
        .write_docker_archive_v25(&archive, Some("demo:1"))
        .unwrap();

    let out = run(Command::new("tar")
        .arg("-xOf")
        .arg(&archive)
        .arg("manifest.json"))
    .unwrap();
    let manifest: Value = serde_json::from_str(&out).unwrap();
    let layers = strings(&manifest[0]["Layers"]);
    assert_eq!(
        layers,
        written
            .layers
            .iter()
            .map(|l| format!("blobs/sha256/{}", &l.digest["sha256:".len()..]))
            .collect::<Vec<_>>()
    );
    let out = run(Command::new("tar")
        .arg("-xOf")
        .arg(&archive)
        .arg("index.json"))
    .unwrap();
    let index: Value = serde_json::from_str(&out).unwrap();
    let annotations = &index["manifests"][0]["annotations"];
    assert_eq!(
        annotations["io.containerd.image.name"],
        "docker.io/library/demo:1"
    );
    assert_eq!(annotations["org.opencontainers.image.ref.name"], "1");

    // Read through manifest.json ...
    let reference = format!("docker-archive:{}", archive.display());
    let raw_config = run_output(
        Command::new("skopeo")
            .args(["inspect", "--raw", "--config"])
            .arg(&reference),
    )
    .unwrap()
    .stdout;
    assert_eq!(raw_config, written.config);
    let oci = tmp.path().join("from-v25");
    run(Command::new("skopeo")
        .arg("copy")
        .arg(&reference)
        .arg(format!("oci:{}:x", oci.display())))
    .unwrap();
    let config = skopeo_inspect(&format!("oci:{}:x", oci.display()), true).unwrap();
    assert_eq!(strings(&config["rootfs"]["diff_ids"]), written.diff_ids());

    // ... and through the OCI layout inside the same tar.
    let inspect = skopeo_inspect(&format!("oci-archive:{}", archive.display()), false).unwrap();
    assert_eq!(inspect["Digest"], written.manifest_digest.as_str());
    assert_eq!(strings(&inspect["Layers"]), written.layer_digests());
}

#[test]
fn all_writers_agree_and_output_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sample()
        .write_oci_layout(tmp.path().join("a"), None)
        .unwrap();
    let b = sample()
        .write_docker_archive(tmp.path().join("b.tar"), None)
        .unwrap();
    let built = sample().build().unwrap();
    let c = built
        .write_docker_archive_v25(tmp.path().join("c.tar"), Some("x"))
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(a, *built.info());
    let b2 = sample()
        .write_docker_archive(tmp.path().join("b2.tar"), None)
        .unwrap();
    assert_eq!(b, b2);
    assert_eq!(
        std::fs::read(tmp.path().join("b.tar")).unwrap(),
        std::fs::read(tmp.path().join("b2.tar")).unwrap(),
        "archive bytes differ between two runs"
    );
    let index: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("a/index.json")).unwrap()).unwrap();
    assert!(index["manifests"][0].get("annotations").is_none());
}

#[test]
fn hostile_and_long_entries_are_written_verbatim() {
    let long = format!("usr/share/{}/file.txt", "d".repeat(150));
    let layer = Layer::new()
        .raw_file("../../etc/passwd", "root::0:0::/:/bin/sh\n", 0o644)
        .raw_file("/etc/shadow", "x", 0o600)
        .raw_symlink("evil", "../../../../../../etc")
        .file(&long, "long\n", 0o644)
        .symlink("abs", "/etc/passwd")
        .whiteout("/etc/motd");
    let tar = layer.write_tar(Vec::new()).unwrap();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut seen = Vec::new();
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let path = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8(l.into_owned()).unwrap());
        seen.push((path, link));
    }
    assert_eq!(
        seen,
        [
            ("../../etc/passwd".to_string(), None),
            ("/etc/shadow".to_string(), None),
            (
                "evil".to_string(),
                Some("../../../../../../etc".to_string())
            ),
            (long.clone(), None),
            ("abs".to_string(), Some("/etc/passwd".to_string())),
            ("etc/.wh.motd".to_string(), None),
        ]
    );
    // GNU tar reads it too (and reports the long name in full).
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("layer.tar");
    std::fs::write(&file, &tar).unwrap();
    let listing = run(Command::new("tar").arg("-tf").arg(&file)).unwrap();
    assert!(listing.lines().any(|l| l == long), "{listing}");
    assert!(
        listing.lines().any(|l| l == "../../etc/passwd"),
        "{listing}"
    );
}

#[test]
fn directory_tree_layer_is_sorted_deterministic_and_keeps_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("b/sub")).unwrap();
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::write(root.join("b/sub/z"), "z").unwrap();
    std::fs::write(root.join("b/file"), "content").unwrap();
    std::fs::hard_link(root.join("b/file"), root.join("a/link-to-file")).unwrap();
    std::os::unix::fs::symlink("../b/file", root.join("a/sym")).unwrap();
    run(Command::new("mkfifo").arg(root.join("fifo"))).unwrap();
    run(Command::new("chown")
        .arg("1234:4321")
        .arg(root.join("b/sub/z")))
    .unwrap();
    run(Command::new("chmod").arg("4755").arg(root.join("b/file"))).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();

    let first = Layer::from_dir(&root).write_tar(Vec::new()).unwrap();
    let second = Layer::from_dir(&root).write_tar(Vec::new()).unwrap();
    assert_eq!(first, second);

    let mut archive = tar::Archive::new(first.as_slice());
    let mut seen = Vec::new();
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let h = entry.header();
        assert_eq!(h.mtime().unwrap(), customs_testkit::FIXED_MTIME);
        seen.push((
            String::from_utf8(entry.path_bytes().into_owned()).unwrap(),
            h.entry_type(),
            h.mode().unwrap(),
            h.uid().unwrap(),
            entry
                .link_name_bytes()
                .map(|l| String::from_utf8(l.into_owned()).unwrap()),
        ));
    }
    let names: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "a/",
            "a/link-to-file",
            "a/sym",
            "b/",
            "b/file",
            "b/sub/",
            "b/sub/z",
            "fifo"
        ],
        "sorted, socket skipped"
    );
    // The first name in sorted order holds the data; the other becomes a hardlink to it.
    assert_eq!(seen[1].1, T::Regular);
    assert_eq!(seen[1].2 & 0o7777, 0o4755);
    assert_eq!(seen[4].1, T::Link);
    assert_eq!(seen[4].4.as_deref(), Some("a/link-to-file"));
    assert_eq!(seen[2].1, T::Symlink);
    assert_eq!(seen[2].4.as_deref(), Some("../b/file"));
    assert_eq!(seen[6].3, 1234);
    assert_eq!(seen[7].1, T::Fifo);

    // GNU tar extracts it (hardlink, fifo and all) to an equal tree.
    let tar_file = tmp.path().join("tree.tar");
    customs_testkit::write_tree_tar(&root, &tar_file).unwrap();
    assert_eq!(std::fs::read(&tar_file).unwrap(), first);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    run(Command::new("tar")
        .arg("-xpf")
        .arg(&tar_file)
        .arg("-C")
        .arg(&out)
        .arg("--numeric-owner"))
    .unwrap();
    let a = std::fs::metadata(out.join("a/link-to-file")).unwrap();
    let b = std::fs::metadata(out.join("b/file")).unwrap();
    assert_eq!(a.ino(), b.ino());
    assert_eq!(std::fs::metadata(out.join("b/sub/z")).unwrap().uid(), 1234);
}
