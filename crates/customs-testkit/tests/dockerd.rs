//! The dockerd harness against the real daemon: import a debootstrap rootfs, `docker build`
//! on it, `docker save`; and `docker load` of the testkit's own archives.

use std::process::Command;
use std::time::Instant;

use customs_testkit::{
    Compression, Dockerd, ImageBuilder, Layer, debian_rootfs, require_root, require_tool, run,
    skopeo_inspect, write_tree_tar,
};
use serde_json::Value;

fn start() -> Dockerd {
    require_root("dockerd");
    require_tool("dockerd");
    require_tool("docker");
    let started = Instant::now();
    let daemon = Dockerd::start().unwrap_or_else(|e| panic!("{e:#}"));
    eprintln!("dockerd answered /_ping after {:?}", started.elapsed());
    assert!(daemon.socket().as_os_str().len() < 108);
    daemon
}

#[test]
fn builds_a_dockerfile_on_an_imported_debootstrap_rootfs_and_saves_it() {
    require_tool("skopeo");
    let rootfs = debian_rootfs("bookworm").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let rootfs_tar = tmp.path().join("rootfs.tar");
    write_tree_tar(&rootfs, &rootfs_tar).unwrap();

    let docker = start();
    let pid = docker.pid();
    let base_id = docker
        .import_rootfs(&rootfs_tar, "customs-base:bookworm")
        .unwrap();
    assert!(base_id.starts_with("sha256:"), "{base_id}");

    let context = tmp.path().join("context");
    std::fs::create_dir(&context).unwrap();
    std::fs::write(context.join("hello.txt"), "hello from customs\n").unwrap();
    std::fs::write(
        context.join("Dockerfile"),
        "FROM customs-base:bookworm\n\
         ENV CUSTOMS=1\n\
         COPY hello.txt /opt/hello.txt\n\
         RUN echo built > /opt/built.txt && rm /etc/issue\n",
    )
    .unwrap();
    let started = Instant::now();
    let app_id = docker.build(&context, "customs-app:1").unwrap();
    eprintln!("docker build took {:?}", started.elapsed());
    let out = docker
        .docker([
            "run",
            "--rm",
            "--network=none",
            "customs-app:1",
            "cat",
            "/opt/built.txt",
            "/opt/hello.txt",
        ])
        .unwrap();
    assert_eq!(out, "built\nhello from customs");

    let saved = tmp.path().join("app.tar");
    docker.save("customs-app:1", &saved).unwrap();
    let manifest: Value = serde_json::from_str(
        &run(Command::new("tar")
            .arg("-xOf")
            .arg(&saved)
            .arg("manifest.json"))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest[0]["RepoTags"][0], "customs-app:1");
    assert_eq!(
        manifest[0]["Layers"].as_array().unwrap().len(),
        3,
        "{manifest}"
    );
    assert_eq!(
        manifest[0]["Config"],
        format!("{}.json", &app_id["sha256:".len()..]).as_str()
    );
    let config = skopeo_inspect(&format!("docker-archive:{}", saved.display()), true).unwrap();
    let history: Vec<&str> = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["created_by"].as_str().unwrap_or(""))
        .collect();
    assert!(
        history
            .iter()
            .any(|h| h.contains("echo built > /opt/built.txt")),
        "{history:?}"
    );
    drop(docker);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "dockerd still running after drop"
    );
}

#[test]
fn loads_archives_written_by_the_testkit() {
    let image = ImageBuilder::new()
        .layer(
            Layer::new()
                .created_by("ADD base /")
                .compression(Compression::None)
                .dir("etc", 0o755)
                .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0o644),
        )
        .empty_layer("ENV A=1")
        .layer(
            Layer::new()
                .created_by("RUN touch /etc/extra")
                .compression(Compression::Gzip)
                .file("etc/extra", "", 0o644)
                .whiteout("etc/os-release"),
        );
    let tmp = tempfile::tempdir().unwrap();
    let legacy = tmp.path().join("legacy.tar");
    let v25 = tmp.path().join("v25.tar");
    let written = image
        .write_docker_archive(&legacy, Some("tk-legacy:1"))
        .unwrap();
    image
        .write_docker_archive_v25(&v25, Some("tk-v25:1"))
        .unwrap();

    let docker = start();
    for (archive, tag) in [(&legacy, "tk-legacy:1"), (&v25, "tk-v25:1")] {
        let out = docker.load(archive).unwrap();
        assert!(out.contains(tag), "{out}");
        assert_eq!(docker.image_id(tag).unwrap(), written.config_digest);
        let layers = docker
            .docker(["image", "inspect", "-f", "{{json .RootFS.Layers}}", tag])
            .unwrap();
        let layers: Vec<String> = serde_json::from_str(&layers).unwrap();
        assert_eq!(layers, written.diff_ids());
    }
    // docker's own export of the loaded image has the same diff ids.
    let resaved = tmp.path().join("resaved.tar");
    docker.save("tk-v25:1", &resaved).unwrap();
    let config = skopeo_inspect(&format!("docker-archive:{}", resaved.display()), true).unwrap();
    let diff_ids: Vec<String> =
        serde_json::from_value(config["rootfs"]["diff_ids"].clone()).unwrap();
    assert_eq!(diff_ids, written.diff_ids());
}
