//! End-to-end scans of Debian images built from real packages, against real Debian feeds.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use common::{Sandbox, dpkg_lt, findings, packages, shared};
use customs_testkit::{Compression, Dockerd, ImageBuilder, Layer, debian_rootfs, dpkg_query};

/// The acceptance test: a bookworm root filesystem from debootstrap, written by our own
/// image writer in three formats; customs's packages equal what dpkg-query prints inside it.
#[test]
fn bookworm_packages_equal_dpkg_query_in_every_format() {
    let rootfs = debian_rootfs("bookworm").expect("debootstrap bookworm");
    let truth = {
        let mut t = dpkg_query(&rootfs);
        t.sort();
        t
    };
    assert!(
        truth.len() > 50,
        "debootstrap gave only {} packages",
        truth.len()
    );

    let sb = Sandbox::new();
    // An empty-but-valid database: this test is about the inventory.
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    let inputs = sb.path("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let built = ImageBuilder::new()
        .env("SECRET_TOKEN", "hunter2")
        .layer(Layer::from_dir(&rootfs).created_by("debootstrap --variant=minbase bookworm"))
        .empty_layer("ENV LANG=C.UTF-8")
        .layer(
            Layer::new()
                .file("etc/motd", b"hello\n".to_vec(), 0o644)
                .created_by("RUN echo hello > /etc/motd"),
        )
        .build()
        .unwrap();
    let w = built
        .write_oci_layout(inputs.join("oci"), Some("bookworm"))
        .unwrap();
    built
        .write_docker_archive(inputs.join("legacy.tar"), Some("bookworm:test"))
        .unwrap();
    built
        .write_docker_archive_v25(inputs.join("v25.tar"), Some("bookworm:test"))
        .unwrap();

    let oci = format!("oci:{}:bookworm", inputs.join("oci").display());
    let report = sb.scan_json(&oci);
    assert_eq!(packages(&report), truth, "packages differ from dpkg-query");
    let os = &report["artifact"]["os"];
    assert_eq!(
        (
            os["family"].as_str(),
            os["version"].as_str(),
            os["codename"].as_str()
        ),
        (Some("debian"), Some("12"), Some("bookworm"))
    );
    // Every package came with the debootstrap layer.
    let first = &w.layers[0].diff_id;
    for p in report["packages"].as_array().unwrap() {
        assert_eq!(
            p["layer_diff_id"].as_str(),
            Some(first.as_str()),
            "{}",
            p["name"]
        );
        assert!(p["source_name"].is_string());
        assert!(p["purl"].as_str().unwrap().starts_with("pkg:deb/debian/"));
    }
    let layers = report["artifact"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    let env: Vec<_> = report["artifact"]["env_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(env.contains(&"SECRET_TOKEN"), "{env:?}");
    assert!(
        !report.to_string().contains("hunter2"),
        "environment values are never reported"
    );
    assert_eq!(
        layers[1]["created_by"].as_str(),
        Some("RUN echo hello > /etc/motd"),
        "empty_layer history skipped"
    );

    // The same image through the other transports gives the same inventory.
    for other in [
        format!("docker-archive:{}", inputs.join("legacy.tar").display()),
        inputs.join("v25.tar").display().to_string(),
    ] {
        let r = sb.scan_json(&other);
        assert_eq!(r["packages"], report["packages"], "{other}");
        assert_eq!(r["findings"], report["findings"], "{other}");
    }

    // The root filesystem itself (dir:), no layers: the same packages.
    let dir = sb.scan_json(&format!("dir:{}", rootfs.display()));
    assert_eq!(packages(&dir), truth);
    assert_eq!(
        dir["artifact"]["os"]["codename"].as_str(),
        Some("bookworm"),
        "etc/os-release is a link to ../usr/lib/os-release"
    );
    assert!(dir["packages"][0]["layer_diff_id"].is_null());

    // Byte-identical JSON for the same image and database.
    let a = sb.run(&["scan", "-q", "-f", "json", &oci]);
    let b = sb.run(&["scan", "-q", "-f", "json", &oci]);
    assert_eq!(a.stdout, b.stdout);
    assert!(
        sb.files_outside_cache().is_empty(),
        "{:?}",
        sb.files_outside_cache()
    );
}

/// Images built by a real Docker engine: `docker import` of the debootstrap rootfs, a
/// `docker build` whose later layer purges a package, `docker save`.
#[test]
fn docker_built_image_with_a_package_removed_in_a_later_layer() {
    let rootfs = debian_rootfs("bookworm").expect("debootstrap bookworm");
    let truth: BTreeSet<(String, String)> = dpkg_query(&rootfs)
        .into_iter()
        .filter(|(n, _)| n != "e2fsprogs")
        .collect();
    assert!(
        dpkg_query(&rootfs).iter().any(|(n, _)| n == "e2fsprogs"),
        "test premise: e2fsprogs is in minbase"
    );

    let sb = Sandbox::new();
    sb.update(&[(
        "debian-oval",
        &shared("feeds/debian/oval/oval-definitions-bookworm.xml.bz2"),
    )]);
    let inputs = sb.path("inputs");
    std::fs::create_dir_all(inputs.join("ctx")).unwrap();
    let tar = inputs.join("rootfs.tar");
    customs_testkit::write_tree_tar(&rootfs, &tar).unwrap();

    let docker = Dockerd::start().expect("start dockerd");
    docker
        .import_rootfs(&tar, "customs-test/bookworm:base")
        .unwrap();
    std::fs::write(
        inputs.join("ctx/Dockerfile"),
        "FROM customs-test/bookworm:base\nRUN dpkg --purge --force-all e2fsprogs\nRUN echo built > /built\n",
    )
    .unwrap();
    docker
        .build(&inputs.join("ctx"), "customs-test/bookworm:purged")
        .unwrap();
    let saved = inputs.join("saved.tar");
    docker.save("customs-test/bookworm:purged", &saved).unwrap();
    // The same image straight from the daemon (docker: transport, streamed over its socket).
    let streamed = sb
        .cmd()
        .env("DOCKER_HOST", docker.host())
        .args([
            "scan",
            "-q",
            "-f",
            "json",
            "docker:customs-test/bookworm:purged",
        ])
        .output()
        .unwrap();
    assert!(
        streamed.status.success(),
        "docker: scan failed: {}",
        String::from_utf8_lossy(&streamed.stderr)
    );
    let missing = sb
        .cmd()
        .env("DOCKER_HOST", docker.host())
        // `docker:` explicitly: a bare name the daemon does not have is looked up in its
        // registry next (tests/registry.rs covers that fallback).
        .args(["scan", "-q", "docker:customs-test/bookworm:absent"])
        .output()
        .unwrap();
    assert_eq!(
        missing.status.code(),
        Some(66),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    drop(docker);

    let report = sb.scan_json(&saved.display().to_string());
    let streamed: serde_json::Value = serde_json::from_slice(&streamed.stdout).unwrap();
    assert_eq!(
        streamed["packages"], report["packages"],
        "docker: and docker-archive: agree"
    );
    assert_eq!(streamed["findings"], report["findings"]);
    assert_eq!(streamed["artifact"]["layers"], report["artifact"]["layers"]);
    let got: BTreeSet<(String, String)> = packages(&report).into_iter().collect();
    assert_eq!(
        got, truth,
        "the purged package must be gone, everything else present"
    );
    let layers = report["artifact"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    assert!(
        layers[1]["created_by"]
            .as_str()
            .unwrap()
            .contains("dpkg --purge")
    );
    // dpkg rewrote the status file in layer 2, but no package was introduced there.
    let base = layers[0]["diff_id"].as_str().unwrap();
    for p in report["packages"].as_array().unwrap() {
        assert_eq!(
            p["layer_diff_id"].as_str(),
            Some(base),
            "{} credited to the wrong layer",
            p["name"]
        );
    }
    // Real findings from the bookworm OVAL (glibc has unfixed CVEs in every release).
    let f = findings(&report);
    assert!(
        f.iter().any(|(_, p)| p == "libc6"),
        "expected glibc findings, got {f:?}"
    );
    assert!(!f.iter().any(|(_, p)| p == "e2fsprogs"));
}

fn status_entry(pkg: &str, source: Option<&str>, version: &str) -> String {
    let src = source.map(|s| format!("Source: {s}\n")).unwrap_or_default();
    format!(
        "Package: {pkg}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n{src}Version: {version}\nDescription: {pkg}\n test entry\n\n"
    )
}

/// One OVAL record read independently: the CVEs of a definition and each
/// "PKG DPKG is earlier than VERSION" criterion.
fn independent_oval(path: &Path) -> Vec<(String, String, String)> {
    let mut xml = String::new();
    bzip2_cat(path).read_to_string(&mut xml).unwrap();
    let mut out = Vec::new();
    for def in xml.split("<definition ").skip(1) {
        let def = def.split("</definition>").next().unwrap();
        let cves: Vec<&str> = def
            .split("ref_id=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
            .filter(|s| s.starts_with("CVE-"))
            .collect();
        for crit in def.split("comment=\"").skip(1) {
            let comment = crit.split('"').next().unwrap();
            if let Some((pkg, ver)) = comment.split_once(" DPKG is earlier than ") {
                for cve in &cves {
                    out.push(((*cve).to_owned(), pkg.to_owned(), ver.to_owned()));
                }
            }
        }
    }
    out
}

fn bzip2_cat(path: &Path) -> impl Read {
    let out = std::process::Command::new("bzip2")
        .arg("-dc")
        .arg(path)
        .output()
        .expect("bzip2 installed");
    assert!(out.status.success(), "bzip2 -dc {}", path.display());
    std::io::Cursor::new(out.stdout)
}

/// The acceptance test for matching: a Debian 10 image whose dpkg status holds real buster
/// entries plus older versions of a few packages; the findings equal an independent reading
/// of the buster OVAL compared with `dpkg --compare-versions`.
#[test]
fn buster_findings_equal_an_independent_reading_of_the_oval() {
    let oval = shared("feeds/debian/oval/oval-definitions-buster.xml.bz2");
    // Real entries (postgresql from a buster system), plus old versions whose binary names
    // differ from their source names.
    let mut status =
        std::fs::read_to_string(shared("pkgdb/dpkg/claircore/postgresql.status")).unwrap();
    if !status.ends_with("\n\n") {
        status.push('\n');
    }
    let installed: &[(&str, Option<&str>, &str)] = &[
        ("openssl", None, "1.1.1d-0+deb10u3"),
        // Exactly the fixed version of CVE-2022-0778 (fixed in 1.1.1d-0+deb10u8): not reported.
        (
            "libssl1.1",
            Some("openssl (1.1.1d-0+deb10u8)"),
            "1.1.1d-0+deb10u8",
        ),
        ("libc6", Some("glibc"), "2.28-10"),
        ("libcurl4", Some("curl"), "7.64.0-4+deb10u1"),
        ("zlib1g", Some("zlib"), "1:1.2.11.dfsg-1"),
        ("tar", None, "1.30+dfsg-6"),
        ("bash", None, "5.0-4"),
        ("libxml2", None, "2.9.4+dfsg1-7+b3"),
    ];
    for (p, s, v) in installed {
        status.push_str(&status_entry(p, *s, v));
    }
    let os_release =
        std::fs::read(shared("osrelease/claircore/debian/dist/10/etc/os-release")).unwrap();

    let sb = Sandbox::new();
    sb.update(&[("debian-oval", &oval)]);
    let inputs = sb.path("inputs");
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", os_release, 0o644)
                .file("var/lib/dpkg/status", status.clone().into_bytes(), 0o644)
                .created_by("buster base"),
        )
        .write_oci_layout(&inputs, None)
        .unwrap();
    let report = sb.scan_json(&format!("oci:{}", inputs.display()));

    // The independent reading: by source package, with dpkg --compare-versions.
    let records = independent_oval(&oval);
    assert!(
        records.len() > 20_000,
        "independent reading found only {} records",
        records.len()
    );
    let pkgs = report["packages"].as_array().unwrap();
    let mut expected = BTreeSet::new();
    let mut cache = std::collections::HashMap::new();
    for p in pkgs {
        let name = p["name"].as_str().unwrap();
        let source = p["source_name"].as_str().unwrap();
        let sv = p["source_version"].as_str().unwrap();
        for (cve, pkg, fixed) in records.iter().filter(|(_, pkg, _)| pkg == source) {
            let _ = pkg;
            // "earlier than 0" is how Debian's OVAL says "no fix yet".
            let affected = fixed == "0"
                || *cache
                    .entry((sv.to_owned(), fixed.clone()))
                    .or_insert_with(|| dpkg_lt(sv, fixed));
            if affected {
                expected.insert((cve.clone(), name.to_owned()));
            }
        }
    }
    let got: BTreeSet<(String, String)> = findings(&report).into_iter().collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
    assert!(got.len() > 100, "suspiciously few findings: {}", got.len());
    assert!(got.contains(&("CVE-2022-0778".into(), "openssl".into())));
    assert!(
        !got.contains(&("CVE-2022-0778".into(), "libssl1.1".into())),
        "installed == fixed must not be reported"
    );
    // Source names were used: glibc CVEs land on libc6.
    assert!(got.iter().any(|(_, p)| p == "libc6"));
    // Fixed versions and statuses are carried.
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == "CVE-2022-0778" && f["package"] == "openssl")
        .unwrap();
    assert_eq!(f["fixed_version"].as_str(), Some("1.1.1d-0+deb10u8"));
    assert_eq!(f["status"].as_str(), Some("fixed"));
    assert_eq!(f["data_source"].as_str(), Some("debian-oval"));
    let unfixed = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == "CVE-2005-2541")
        .unwrap();
    assert_eq!(unfixed["status"].as_str(), Some("affected"));
    assert!(unfixed["fixed_version"].is_null());
}

/// The classic case from the field: a later layer installs an old openssl on Debian 7, and
/// Heartbleed is reported in exactly that layer.
#[test]
fn heartbleed_is_reported_in_the_layer_that_installed_openssl() {
    let os_release =
        std::fs::read(shared("osrelease/claircore/debian/dist/7/etc/os-release")).unwrap();
    let base = status_entry("base-files", None, "7.1wheezy8")
        + &status_entry("libc6", Some("eglibc"), "2.13-38+deb7u8");
    let with_openssl = base.clone()
        + &status_entry("openssl", None, "1.0.1e-2+deb7u4")
        + &status_entry("libssl1.0.0", Some("openssl"), "1.0.1e-2+deb7u4");
    let sb = Sandbox::new();
    sb.update(&[("debian-dsa", &shared("feeds/debian/tracker/DSA.list"))]);
    let inputs = sb.path("inputs");
    let w = ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", os_release, 0o644)
                .file("var/lib/dpkg/status", base.into_bytes(), 0o644)
                .created_by("ADD wheezy rootfs"),
        )
        .layer(
            Layer::new()
                .file("var/lib/dpkg/status", with_openssl.into_bytes(), 0o644)
                .compression(Compression::Zstd)
                .created_by("RUN apt-get install -y openssl=1.0.1e-2+deb7u4"),
        )
        .write_docker_archive(inputs.join("wheezy.tar"), Some("wheezy:heartbleed"))
        .unwrap();
    let report = sb.scan_json(&inputs.join("wheezy.tar").display().to_string());
    let hb: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["vulnerability_id"] == "CVE-2014-0160")
        .collect();
    let names: BTreeSet<_> = hb.iter().map(|f| f["package"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["libssl1.0.0", "openssl"]));
    for f in &hb {
        assert_eq!(
            f["layer_diff_id"].as_str(),
            Some(w.layers[1].diff_id.as_str())
        );
        assert_eq!(f["fixed_version"].as_str(), Some("1.0.1e-2+deb7u5"));
        assert_eq!(f["advisory_ids"][0].as_str(), Some("DSA-2896-1"));
    }
    // The table shows the layer and its instruction.
    let out = sb.run(&["scan", inputs.join("wheezy.tar").to_str().unwrap()]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("RUN apt-get install -y openssl=1.0.1e-2+deb7u4"),
        "{table}"
    );
    assert!(table.contains("CVE-2014-0160"));
    assert!(
        table.contains(&w.layers[1].diff_id[7..19]),
        "the layer's short diff_id: {table}"
    );

    // The gate: --exit-code with filters.
    let img = inputs.join("wheezy.tar").display().to_string();
    assert_eq!(
        sb.run(&["scan", "-q", "--exit-code", "3", &img])
            .status
            .code(),
        Some(3)
    );
    let only_crit = sb.run(&[
        "scan",
        "-q",
        "-f",
        "json",
        "--severity",
        "critical",
        "--exit-code",
        "3",
        &img,
    ]);
    // DSA lists carry no severity, so nothing is critical.
    assert_eq!(
        only_crit.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&only_crit.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&only_crit.stdout).unwrap();
    assert!(r["findings"].as_array().unwrap().is_empty());
}

/// Feeds fetched over HTTP from a real web server on loopback, and `db status`.
#[test]
fn feeds_fetched_over_http_and_db_status() {
    let sb = Sandbox::new();
    let dir = sb.path("inputs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        shared("feeds/debian/tracker-json-sample/debian.json"),
        dir.join("json"),
    )
    .unwrap();
    std::fs::copy(
        shared("feeds/debian/oval/oval-definitions-buster.xml.bz2"),
        dir.join("oval-definitions-buster.xml.bz2"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = sb.run(&[
        "db",
        "update",
        "--feed",
        &format!("debian-tracker={base}/json"),
        "--feed",
        &format!("debian-oval={base}/oval-definitions-buster.xml.bz2"),
    ]);
    // A missing file on the server fails that feed only.
    let missing = sb.run(&[
        "db",
        "update",
        "--feed",
        &format!("debian-dsa={base}/nope"),
        "--feed",
        &format!("debian-tracker={base}/json"),
    ]);
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("/nope"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );

    let status = sb.run(&["db", "status"]);
    let text = String::from_utf8(status.stdout).unwrap();
    assert!(
        text.contains("debian-oval") && text.contains("29528"),
        "{text}"
    );
    assert!(text.contains("debian-tracker"), "{text}");
    assert!(text.contains("Digest:   sha256:"), "{text}");
    assert!(
        text.contains("last update failed"),
        "the failed feed is reported: {text}"
    );
}

/// A version customs cannot parse is reported as indeterminate, never silently safe.
#[test]
fn unparseable_installed_version_is_indeterminate() {
    let os_release =
        std::fs::read(shared("osrelease/claircore/debian/dist/7/etc/os-release")).unwrap();
    let status = status_entry("libssl1.0.0", Some("openssl"), "1.0.1e_not!a@version");
    let sb = Sandbox::new();
    sb.update(&[("debian-dsa", &shared("feeds/debian/tracker/DSA.list"))]);
    let inputs = sb.path("inputs");
    ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", os_release, 0o644).file(
            "var/lib/dpkg/status",
            status.into_bytes(),
            0o644,
        ))
        .write_oci_layout(&inputs, None)
        .unwrap();
    let report = sb.scan_json(&format!("oci:{}", inputs.display()));
    let hb = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == "CVE-2014-0160")
        .expect("Heartbleed must not be silently dropped");
    assert_eq!(hb["status"].as_str(), Some("indeterminate"));
    assert!(
        hb["detail"]["condition"]
            .as_str()
            .unwrap()
            .contains("invalid deb version"),
        "{hb}"
    );
}

/// The backport acceptance test: Debian fixed Heartbleed in 1.0.1e-2+deb7u5 — still upstream
/// version 1.0.1e, which NVD's range (OpenSSL 1.0.1 before 1.0.1g) calls affected. With an
/// NVD record for the CVE in the database, an image at the distro's fix is not reported:
/// OS packages are matched against the distro's own feed; NVD only enriches.
#[test]
fn a_backported_fix_is_not_reported_whatever_nvd_says() {
    let os_release =
        std::fs::read(shared("osrelease/claircore/debian/dist/7/etc/os-release")).unwrap();
    let status = status_entry("base-files", None, "7.1wheezy8")
        + &status_entry("openssl", None, "1.0.1e-2+deb7u5")
        + &status_entry("libssl1.0.0", Some("openssl"), "1.0.1e-2+deb7u5");
    let sb = Sandbox::new();
    // NVD API 2.0 record for CVE-2014-0160, written here in the API's format with NVD's
    // published CVSS v3.1 vector and its CPE range (versions 1.0.1 up to, excluding, 1.0.1g).
    let nvd = sb.path("inputs/nvd-heartbleed.json");
    std::fs::create_dir_all(sb.path("inputs")).unwrap();
    std::fs::write(
        &nvd,
        r#"{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","version":"2.0",
        "timestamp":"2024-01-01T00:00:00.000","vulnerabilities":[{"cve":{"id":"CVE-2014-0160",
        "published":"2014-04-07T22:55:03.893","vulnStatus":"Analyzed",
        "descriptions":[{"lang":"en","value":"The TLS and DTLS implementations in OpenSSL 1.0.1 before 1.0.1g do not properly handle Heartbeat Extension packets."}],
        "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1",
        "vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","baseScore":7.5,"baseSeverity":"HIGH"}}]},
        "weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"CWE-125"}]}],
        "configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,
        "criteria":"cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*","versionStartIncluding":"1.0.1","versionEndExcluding":"1.0.1g"}]}]}]}}]}"#,
    )
    .unwrap();
    sb.update(&[
        ("debian-dsa", &shared("feeds/debian/tracker/DSA.list")),
        ("nvd", &nvd),
    ]);
    let image = sb.path("inputs/fixed.tar");
    ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", os_release, 0o644).file(
            "var/lib/dpkg/status",
            status.into_bytes(),
            0o644,
        ))
        .write_docker_archive(&image, Some("wheezy:fixed"))
        .unwrap();
    let image = image.display().to_string();
    let report = sb.scan_json(&image);
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["vulnerability_id"] == "CVE-2014-0160"),
        "{report:#}"
    );
    // explain says why: the DSA record's fix is at the installed version.
    let out = sb.run(&["explain", "CVE-2014-0160", &image]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("CVE-2014-0160: not reported"), "{text}");
    assert!(text.contains("record    DSA-2896-1"), "{text}");
    assert!(
        text.contains("1.0.1e-2+deb7u5 >= 1.0.1e-2+deb7u5"),
        "{text}"
    );
}
