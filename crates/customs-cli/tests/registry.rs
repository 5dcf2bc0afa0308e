//! `registry:` end to end, against real registries: Debian's `docker-registry` (CNCF
//! distribution 2.8) started by the testkit anonymous, with htpasswd and with token auth
//! (tokens are real JWTs from the testkit's issuer, which the registry verifies), images
//! pushed by skopeo. Failures no real registry produces (429, dropped connections, wrong
//! bytes, huge manifests, stalls) come from the testkit's `FaultRegistry`.
//!
//! The test image is small but real: dpkg's status database and os-release of a debootstrap
//! bookworm (the same cached root filesystem the Debian tests use), so the expected packages
//! are what `dpkg-query` prints in that root.

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Sandbox, packages, shared};
use customs_testkit::{
    BuiltImage, Compression, FaultRegistry, ImageBuilder, Layer, Registry, RegistryAuth, Reply,
    debian_rootfs, dpkg_query, strip_manifest_media_type, write_oci_index,
};
use serde_json::Value;

const USER: &str = "tester";
const PASSWORD: &str = "s3cret-pw";

/// The small Debian image: dpkg status + os-release in a gzip layer, a file in an
/// uncompressed one, an empty-layer history entry between.
fn debian_image() -> (BuiltImage, Vec<(String, String)>) {
    let rootfs = debian_rootfs("bookworm").expect("debootstrap bookworm");
    let mut truth = dpkg_query(&rootfs);
    truth.sort();
    let status = std::fs::read(rootfs.join("var/lib/dpkg/status")).unwrap();
    let os_release = std::fs::read(rootfs.join("usr/lib/os-release")).unwrap();
    let built = ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", os_release, 0o644)
                .file("var/lib/dpkg/status", status, 0o644)
                .created_by("COPY dpkg database"),
        )
        .empty_layer("ENV LANG=C.UTF-8")
        .layer(
            Layer::new()
                .file("etc/motd", b"hello\n".to_vec(), 0o644)
                .compression(Compression::None)
                .created_by("RUN echo hello > /etc/motd"),
        )
        .env("API_TOKEN", "never-printed")
        .build()
        .unwrap();
    (built, truth)
}

/// An Alpine image for linux/arm64 (the second platform of the index): the apk database of
/// trivy's fixture, and an os-release written here.
fn alpine_arm64_image() -> BuiltImage {
    let installed = std::fs::read(shared("pkgdb/apk/trivy/installed")).unwrap();
    ImageBuilder::new()
        .architecture("arm64")
        .variant("v8")
        .layer(
            Layer::new()
                .file(
                    "etc/os-release",
                    b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n".to_vec(),
                    0o644,
                )
                .file("lib/apk/db/installed", installed, 0o644),
        )
        .build()
        .unwrap()
}

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    std::fs::create_dir_all(sb.path("inputs")).unwrap();
    sb
}

/// Runs `customs scan -q -f json --no-cache ARGS` with `stdin` and extra environment, no
/// Docker daemon. The layer cache is off so that every scan really downloads its layers.
fn scan(sb: &Sandbox, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    scan_with(sb, &[&["--no-cache"], args].concat(), stdin, env)
}

fn scan_with(sb: &Sandbox, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = sb.cmd();
    cmd.args(["scan", "-q", "-f", "json"])
        .args(args)
        .env(
            "DOCKER_HOST",
            format!("unix://{}", sb.path("no-docker.sock").display()),
        )
        .env_remove("DOCKER_CONFIG")
        .env_remove("CUSTOMS_REGISTRY_USERNAME")
        .env_remove("CUSTOMS_REGISTRY_PASSWORD")
        .env_remove("CUSTOMS_REGISTRY_TIMEOUT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok_json(out: &Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "{what}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// The failure is one `customs: error:` line (plus an optional hint) with `code`, and the
/// message contains `needle`.
fn assert_fails(out: &Output, code: i32, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with("customs: error: ")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .skip(1)
            .all(|l| l.starts_with("customs: hint: ")),
        "only an error line and a hint: {stderr}"
    );
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
    assert!(out.stdout.is_empty());
    stderr
}

fn oci_report(sb: &Sandbox, built: &BuiltImage) -> Value {
    let dir = sb.path("inputs/oci");
    built.write_oci_layout(&dir, Some("1")).unwrap();
    ok_json(
        &scan(sb, &[&format!("oci:{}:1", dir.display())], "", &[]),
        "oci layout",
    )
}

#[test]
fn anonymous_registry_gives_the_oci_layout_inventory_and_metadata() {
    let sb = sandbox();
    let (built, truth) = debian_image();
    let oci = oci_report(&sb, &built);
    assert_eq!(packages(&oci), truth);
    let registry = Registry::start(RegistryAuth::Anonymous).unwrap();
    registry
        .push(
            &format!("oci:{}:1", sb.path("inputs/oci").display()),
            "team/app:1",
        )
        .unwrap();
    let name = format!("{}/team/app:1", registry.host());
    let r = ok_json(
        &scan(&sb, &[&format!("registry:{name}")], "", &[]),
        "registry scan",
    );
    assert_eq!(r["packages"], oci["packages"]);
    assert_eq!(r["findings"], oci["findings"]);
    let a = &r["artifact"];
    let info = built.info();
    assert_eq!(a["digest"].as_str(), Some(info.manifest_digest.as_str()));
    assert_eq!(
        a["config_digest"].as_str(),
        Some(info.config_digest.as_str())
    );
    assert_eq!(a["repo_tags"], serde_json::json!([name]));
    assert_eq!(
        a["repo_digests"],
        serde_json::json!([format!(
            "{}/team/app@{}",
            registry.host(),
            info.manifest_digest
        )])
    );
    assert_eq!(
        a["name"].as_str(),
        Some(format!("registry:{name}").as_str())
    );
    assert_eq!(a["layers"], oci["artifact"]["layers"]);
    assert_eq!(a["env_names"], oci["artifact"]["env_names"]);
    assert!(!r.to_string().contains("never-printed"));

    // A bare reference with no Docker daemon around is looked up in its registry.
    let bare = ok_json(&scan(&sb, &[&name], "", &[]), "bare reference");
    assert_eq!(bare["packages"], oci["packages"]);
    // Pinned by digest.
    let pinned = format!(
        "registry:{}/team/app@{}",
        registry.host(),
        info.manifest_digest
    );
    let p = ok_json(&scan(&sb, &[&pinned], "", &[]), "by digest");
    assert_eq!(p["packages"], oci["packages"]);

    // A manifest without mediaType (as umoci writes them): the Content-Type decides.
    let bare_dir = sb.path("inputs/no-media-type");
    built.write_oci_layout(&bare_dir, Some("1")).unwrap();
    let stripped = strip_manifest_media_type(&bare_dir).unwrap();
    registry
        .push(&format!("oci:{}:1", bare_dir.display()), "team/umoci:1")
        .unwrap();
    let u = ok_json(
        &scan(
            &sb,
            &[&format!("registry:{}/team/umoci:1", registry.host())],
            "",
            &[],
        ),
        "manifest without mediaType",
    );
    assert_eq!(u["packages"], oci["packages"]);
    assert_eq!(u["artifact"]["digest"].as_str(), Some(stripped.as_str()));

    // 404: no such tag, no such repository.
    for missing in ["team/app:2", "nobody/here:1"] {
        let out = scan(
            &sb,
            &[&format!("registry:{}/{missing}", registry.host())],
            "",
            &[],
        );
        assert_fails(&out, 66, "not found in the registry");
    }
}

/// htpasswd: credentials from the flags, the environment, docker's config.json and a
/// credential helper all work; wrong ones end in exit 77 saying how to log in.
#[test]
fn htpasswd_registry_with_every_credential_source() {
    let sb = sandbox();
    let (built, truth) = debian_image();
    let oci = oci_report(&sb, &built);
    let registry = Registry::start(RegistryAuth::Htpasswd {
        user: USER.into(),
        password: PASSWORD.into(),
    })
    .unwrap();
    registry
        .push(
            &format!("oci:{}:1", sb.path("inputs/oci").display()),
            "app:1",
        )
        .unwrap();
    let image = format!("registry:{}/app:1", registry.host());

    let flags = scan(
        &sb,
        &[&image, "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert_eq!(packages(&ok_json(&flags, "--password-stdin")), truth);

    let env = scan(
        &sb,
        &[&image],
        "",
        &[
            ("CUSTOMS_REGISTRY_USERNAME", USER),
            ("CUSTOMS_REGISTRY_PASSWORD", PASSWORD),
        ],
    );
    assert_eq!(ok_json(&env, "environment")["packages"], oci["packages"]);

    // docker's config.json `auths` (base64 user:password), found through DOCKER_CONFIG.
    let config_dir = sb.path("docker-config");
    std::fs::create_dir_all(&config_dir).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    std::fs::write(
        config_dir.join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#,
            registry.host()
        ),
    )
    .unwrap();
    let config_dir_s = config_dir.display().to_string();
    let from_config = scan(&sb, &[&image], "", &[("DOCKER_CONFIG", &config_dir_s)]);
    assert_eq!(
        ok_json(&from_config, "config.json auths")["packages"],
        oci["packages"]
    );
    // ... and from ~/.docker/config.json (HOME is the sandbox's).
    let home_docker = sb.path("home/.docker");
    std::fs::create_dir_all(&home_docker).unwrap();
    std::fs::copy(
        config_dir.join("config.json"),
        home_docker.join("config.json"),
    )
    .unwrap();
    let from_home = scan(&sb, &[&image], "", &[]);
    assert_eq!(
        ok_json(&from_home, "~/.docker/config.json")["packages"],
        oci["packages"]
    );
    std::fs::remove_file(home_docker.join("config.json")).unwrap();

    // A credential helper (`credsStore: test` runs docker-credential-test from PATH), which
    // records the server it was asked about.
    let bin = sb.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-test");
    let asked = sb.path("helper-asked");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\nprintf '%s' \"$server\" > {}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n",
            asked.display()
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&helper).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let helper_config = sb.path("helper-config");
    std::fs::create_dir_all(&helper_config).unwrap();
    std::fs::write(
        helper_config.join("config.json"),
        r#"{"credsStore":"test"}"#,
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let helper_config_s = helper_config.display().to_string();
    let via_helper = scan(
        &sb,
        &[&image],
        "",
        &[("DOCKER_CONFIG", &helper_config_s), ("PATH", &path)],
    );
    assert_eq!(
        ok_json(&via_helper, "credential helper")["packages"],
        oci["packages"]
    );
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), registry.host());

    // Wrong password; no credentials at all.
    let wrong = scan(
        &sb,
        &[&image, "--username", USER, "--password-stdin"],
        "nope\n",
        &[],
    );
    let stderr = assert_fails(&wrong, 77, "were rejected");
    assert!(stderr.contains("docker login"), "{stderr}");
    assert!(
        !stderr.contains("nope"),
        "the password is never printed: {stderr}"
    );
    let none = scan(&sb, &[&image], "", &[]);
    let stderr = assert_fails(&none, 77, "authentication required");
    assert!(stderr.contains("--password-stdin"), "{stderr}");
    // Usage errors.
    assert_eq!(
        scan(&sb, &[&image, "--password-stdin"], "x\n", &[])
            .status
            .code(),
        Some(64)
    );
    assert_eq!(
        scan(&sb, &[&image, "--username", USER], "", &[])
            .status
            .code(),
        Some(64)
    );
}

/// Token auth: the registry's 401 names the realm, customs gets a JWT there (with Basic
/// credentials) and pulls; anonymous tokens grant nothing; wrong credentials are refused by
/// the issuer.
#[test]
fn token_registry() {
    let sb = sandbox();
    let (built, _) = debian_image();
    let oci = oci_report(&sb, &built);
    let registry = Registry::start(RegistryAuth::Token {
        user: USER.into(),
        password: PASSWORD.into(),
    })
    .unwrap();
    registry
        .push(
            &format!("oci:{}:1", sb.path("inputs/oci").display()),
            "org/app:1",
        )
        .unwrap();
    let image = format!("registry:{}/org/app:1", registry.host());
    let out = scan(
        &sb,
        &[&image, "--username", USER, "--password-stdin"],
        PASSWORD,
        &[],
    );
    let r = ok_json(&out, "token registry");
    assert_eq!(r["packages"], oci["packages"]);
    assert_eq!(r["findings"], oci["findings"]);

    let anonymous = scan(&sb, &[&image], "", &[]);
    assert_fails(&anonymous, 77, "authentication required");
    let wrong = scan(
        &sb,
        &[&image, "--username", USER, "--password-stdin"],
        "bad",
        &[],
    );
    let stderr = assert_fails(&wrong, 77, "rejected the credentials");
    assert!(stderr.contains("docker login"), "{stderr}");
}

/// The same image through oci:, docker-archive:, oci-archive:, registry: and docker: gives
/// identical inventories and findings.
#[test]
fn five_transports_agree() {
    let sb = sandbox();
    let (built, truth) = debian_image();
    let oci = oci_report(&sb, &built);
    assert_eq!(packages(&oci), truth);
    let inputs = sb.path("inputs");
    built
        .write_docker_archive(inputs.join("docker.tar"), Some("customs-test/app:1"))
        .unwrap();
    let status = Command::new("tar")
        .arg("-C")
        .arg(inputs.join("oci"))
        .arg("-cf")
        .arg(inputs.join("oci.tar"))
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    let registry = Registry::start(RegistryAuth::Anonymous).unwrap();
    // Pushed from the docker-archive (skopeo stores its layers uncompressed).
    registry
        .push(
            &format!("docker-archive:{}", inputs.join("docker.tar").display()),
            "app:1",
        )
        .unwrap();
    let docker = customs_testkit::Dockerd::start().unwrap();
    docker.load(&inputs.join("docker.tar")).unwrap();

    let mut reports = vec![
        (
            "docker-archive",
            ok_json(
                &scan(
                    &sb,
                    &[&format!(
                        "docker-archive:{}",
                        inputs.join("docker.tar").display()
                    )],
                    "",
                    &[],
                ),
                "docker-archive",
            ),
        ),
        (
            "oci-archive",
            ok_json(
                &scan(
                    &sb,
                    &[&format!(
                        "oci-archive:{}:1",
                        inputs.join("oci.tar").display()
                    )],
                    "",
                    &[],
                ),
                "oci-archive",
            ),
        ),
        (
            "registry",
            ok_json(
                &scan(
                    &sb,
                    &[&format!("registry:{}/app:1", registry.host())],
                    "",
                    &[],
                ),
                "registry",
            ),
        ),
    ];
    let out = sb
        .cmd()
        .env("DOCKER_HOST", docker.host())
        .args([
            "scan",
            "-q",
            "-f",
            "json",
            "--no-cache",
            "docker:customs-test/app:1",
        ])
        .output()
        .unwrap();
    reports.push(("docker", ok_json(&out, "docker:")));
    for (what, r) in &reports {
        assert_eq!(r["packages"], oci["packages"], "{what}");
        assert_eq!(r["findings"], oci["findings"], "{what}");
        assert_eq!(
            r["artifact"]["config_digest"], oci["artifact"]["config_digest"],
            "{what}"
        );
        let diff_ids = |r: &Value| -> Vec<Value> {
            r["artifact"]["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["diff_id"].clone())
                .collect()
        };
        assert_eq!(diff_ids(r), diff_ids(&oci), "{what}");
    }
}

/// A two-platform index: the host's (amd64) by default, `--platform linux/arm64` picks the
/// arm64 manifest, a platform the index lacks is an error listing those it has.
#[test]
fn platform_selection_from_an_index() {
    let sb = sandbox();
    let (amd64, truth) = debian_image();
    let arm64 = alpine_arm64_image();
    let layout = sb.path("inputs/multi");
    let index_digest = write_oci_index(&layout, &[&amd64, &arm64], "1").unwrap();
    let registry = Registry::start(RegistryAuth::Anonymous).unwrap();
    registry
        .push(&format!("oci:{}:1", layout.display()), "multi:1")
        .unwrap();
    let image = format!("registry:{}/multi:1", registry.host());

    let arm = ok_json(
        &scan(&sb, &[&image, "--platform", "linux/arm64"], "", &[]),
        "arm64",
    );
    assert_eq!(arm["artifact"]["architecture"].as_str(), Some("arm64"));
    assert_eq!(arm["artifact"]["os"]["id"].as_str(), Some("alpine"));
    assert_eq!(
        arm["artifact"]["digest"].as_str(),
        Some(arm64.info().manifest_digest.as_str())
    );
    let musl = packages(&arm);
    assert!(
        musl.contains(&("musl".to_owned(), "1.1.14-r10".to_owned())),
        "{musl:?}"
    );
    let v8 = ok_json(
        &scan(&sb, &[&image, "--platform", "linux/arm64/v8"], "", &[]),
        "arm64/v8",
    );
    assert_eq!(v8["packages"], arm["packages"]);

    let amd = ok_json(
        &scan(&sb, &[&image, "--platform", "linux/amd64"], "", &[]),
        "amd64",
    );
    assert_eq!(packages(&amd), truth);
    assert_eq!(
        amd["artifact"]["digest"].as_str(),
        Some(amd64.info().manifest_digest.as_str())
    );
    if std::env::consts::ARCH == "x86_64" {
        let default = ok_json(&scan(&sb, &[&image], "", &[]), "default platform");
        assert_eq!(default["packages"], amd["packages"]);
    }
    let missing = scan(&sb, &[&image, "--platform", "linux/s390x"], "", &[]);
    assert_fails(&missing, 65, "available: linux/amd64, linux/arm64/v8");
    assert_eq!(
        scan(&sb, &[&image, "--platform", "linux"], "", &[])
            .status
            .code(),
        Some(64)
    );
    // The index digest is what the tag resolves to.
    assert!(!index_digest.is_empty());
}

// ---------------------------------------------------------------- faults

fn fault_sandbox() -> (Sandbox, BuiltImage, Value) {
    let sb = sandbox();
    let (built, _) = debian_image();
    let oci = oci_report(&sb, &built);
    (sb, built, oci)
}

/// `429 Too Many Requests` with `Retry-After: 1` twice, then the manifest: the scan waits
/// and succeeds.
#[test]
fn rate_limited_then_success() {
    let (sb, built, oci) = fault_sandbox();
    let server = FaultRegistry::serve_image(&built, "app", "1", |req, n| {
        (req.path.contains("/manifests/") && n < 2).then(|| Reply::Full {
            status: 429,
            headers: vec![("Retry-After".into(), "1".into())],
            body: br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#.to_vec(),
        })
    })
    .unwrap();
    let started = Instant::now();
    let r = ok_json(
        &scan(
            &sb,
            &[&format!("registry:{}/app:1", server.host())],
            "",
            &[],
        ),
        "after 429",
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured"
    );
    assert_eq!(r["packages"], oci["packages"]);
    // Always 429: the scan gives up with exit 69.
    let always = FaultRegistry::serve_image(&built, "app", "1", |req, _| {
        req.path.contains("/manifests/").then(|| Reply::Full {
            status: 429,
            headers: vec![("Retry-After".into(), "0".into())],
            body: Vec::new(),
        })
    })
    .unwrap();
    let out = scan(
        &sb,
        &[&format!("registry:{}/app:1", always.host())],
        "",
        &[],
    );
    assert_fails(&out, 69, "HTTP 429");
}

/// The connection drops halfway through a layer: the download resumes with a Range request
/// and the scan succeeds; when it keeps dropping, exit 69 naming the blob.
#[test]
fn connection_dropped_mid_blob() {
    let (sb, built, oci) = fault_sandbox();
    let layer = built.info().layers[0].digest.clone();
    let blob = std::fs::read(built.layer_blob_path(0)).unwrap();
    let path = format!("/v2/app/blobs/{layer}");
    let (p1, b1) = (path.clone(), blob.clone());
    let server = FaultRegistry::serve_image(&built, "app", "1", move |req, n| {
        (req.path == p1 && n == 0).then(|| Reply::Truncated {
            status: 200,
            headers: Vec::new(),
            body: b1.clone(),
            send: b1.len() / 2,
        })
    })
    .unwrap();
    let r = ok_json(
        &scan(
            &sb,
            &[&format!("registry:{}/app:1", server.host())],
            "",
            &[],
        ),
        "resumed",
    );
    assert_eq!(r["packages"], oci["packages"]);

    let broken = FaultRegistry::serve_image(&built, "app", "1", move |req, _| {
        (req.path == path).then(|| Reply::Truncated {
            status: 200,
            headers: Vec::new(),
            body: blob.clone(),
            send: 100,
        })
    })
    .unwrap();
    let out = scan(
        &sb,
        &[&format!("registry:{}/app:1", broken.host())],
        "",
        &[],
    );
    assert_fails(&out, 69, &layer);
}

/// A blob whose bytes are not its digest: exit 65 naming the digest.
#[test]
fn blob_with_the_wrong_digest() {
    let (sb, built, _) = fault_sandbox();
    let layer = built.info().layers[0].digest.clone();
    let path = format!("/v2/app/blobs/{layer}");
    let mut evil = std::fs::read(built.layer_blob_path(0)).unwrap();
    let last = evil.len() - 10;
    evil[last] ^= 0xff;
    let server = FaultRegistry::serve_image(&built, "app", "1", move |req, _| {
        (req.path == path).then(|| Reply::new(200, "application/octet-stream", evil.clone()))
    })
    .unwrap();
    let out = scan(
        &sb,
        &[&format!("registry:{}/app:1", server.host())],
        "",
        &[],
    );
    assert_fails(&out, 65, &format!("expected {layer}"));
}

/// A manifest over 4 MiB is refused before it is read whole; schema 1 is refused by name.
#[test]
fn oversized_and_schema1_manifests() {
    let (sb, built, _) = fault_sandbox();
    let huge = FaultRegistry::serve_image(&built, "app", "1", |req, _| {
        req.path.contains("/manifests/").then(|| {
            let mut body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"x":""#.to_vec();
            body.resize(5 << 20, b'a');
            body.extend_from_slice(br#""}}"#);
            Reply::new(200, "application/vnd.oci.image.manifest.v1+json", body)
        })
    })
    .unwrap();
    let out = scan(&sb, &[&format!("registry:{}/app:1", huge.host())], "", &[]);
    assert_fails(&out, 65, "larger than the 4194304-byte limit");

    let schema1 = FaultRegistry::serve_image(&built, "app", "1", |req, _| {
        req.path.contains("/manifests/").then(|| {
            Reply::new(
                200,
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
                r#"{"schemaVersion":1,"name":"app","tag":"1","architecture":"amd64","fsLayers":[],"history":[],"signatures":[]}"#,
            )
        })
    })
    .unwrap();
    let out = scan(
        &sb,
        &[&format!("registry:{}/app:1", schema1.host())],
        "",
        &[],
    );
    assert_fails(&out, 65, "schema 1");
}

/// A registry that accepts the connection and never answers: `--timeout 1` ends the scan
/// (after the transport retries) with exit 69 instead of hanging.
#[test]
fn stalled_registry_times_out() {
    let (sb, built, _) = fault_sandbox();
    let server = FaultRegistry::serve_image(&built, "app", "1", |req, _| {
        req.path
            .contains("/manifests/")
            .then_some(Reply::Stall(Duration::from_secs(30)))
    })
    .unwrap();
    let started = Instant::now();
    let out = scan(
        &sb,
        &[
            &format!("registry:{}/app:1", server.host()),
            "--timeout",
            "1",
        ],
        "",
        &[],
    );
    assert_fails(&out, 69, "timed out");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // Nothing listens: connection refused, exit 69.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = scan(&sb, &[&format!("registry:127.0.0.1:{port}/app:1")], "", &[]);
    assert_fails(&out, 69, &format!("127.0.0.1:{port}"));
}

/// With the layer cache on, a re-scan downloads no layer blob at all.
#[test]
fn cached_rescan_downloads_no_layers() {
    let (sb, built, oci) = fault_sandbox();
    let blob_requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&blob_requests);
    let layers: Vec<String> = built
        .info()
        .layers
        .iter()
        .map(|l| l.digest.clone())
        .collect();
    let server = FaultRegistry::serve_image(&built, "app", "1", move |req, _| {
        if layers.iter().any(|l| req.path.ends_with(l.as_str())) {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        None
    })
    .unwrap();
    let image = format!("registry:{}/app:1", server.host());
    let first = ok_json(&scan_with(&sb, &[&image], "", &[]), "first scan");
    assert_eq!(blob_requests.load(std::sync::atomic::Ordering::Relaxed), 2);
    let second = ok_json(&scan_with(&sb, &[&image], "", &[]), "cached scan");
    assert_eq!(
        blob_requests.load(std::sync::atomic::Ordering::Relaxed),
        2,
        "no layer fetched again"
    );
    assert_eq!(first["packages"], oci["packages"]);
    assert_eq!(second["packages"], oci["packages"]);
}

/// `401` with no way to get a token: no `WWW-Authenticate` at all, and a Bearer challenge
/// whose realm (token endpoint) does not answer. Both end in a clear error, not a hang.
#[test]
fn unauthorized_without_a_token_endpoint() {
    let (sb, built, _) = fault_sandbox();
    let bare = FaultRegistry::serve_image(&built, "app", "1", |_, _| {
        Some(Reply::Full {
            status: 401,
            headers: vec![],
            body: br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#
                .to_vec(),
        })
    })
    .unwrap();
    let out = scan(&sb, &[&format!("registry:{}/app:1", bare.host())], "", &[]);
    let err = assert_fails(&out, 77, "");
    assert!(
        err.contains("docker login") || err.contains("--username"),
        "{err}"
    );

    // A realm on a port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let realm = format!(
        "http://127.0.0.1:{}/token",
        dead.local_addr().unwrap().port()
    );
    drop(dead);
    let challenge = format!(r#"Bearer realm="{realm}",service="registry""#);
    let unreachable = FaultRegistry::serve_image(&built, "app", "1", move |_, _| {
        Some(Reply::Full {
            status: 401,
            headers: vec![("WWW-Authenticate".into(), challenge.clone())],
            body: Vec::new(),
        })
    })
    .unwrap();
    let started = Instant::now();
    let out = scan(
        &sb,
        &[
            &format!("registry:{}/app:1", unreachable.host()),
            "--timeout",
            "5",
        ],
        "",
        &[],
    );
    let code = out.status.code().unwrap();
    assert!(
        matches!(code, 69 | 77),
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("customs: error:") && err.contains("/token"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_mins(1), "no hang");
}
