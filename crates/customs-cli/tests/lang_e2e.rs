//! Application packages in an image built from real installs: `pip install --target` of
//! pinned old packages, `npm install` of pinned packages, a Go binary built by `go build`, on
//! a Debian base whose `python3-six` (a dpkg package) owns its own Python metadata. Ground
//! truth is what the test installed, and in which layer.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{Sandbox, shared};
use customs_testkit::{ImageBuilder, Layer, cache_dir, debian_rootfs_with, run};
use serde_json::Value;

/// (ecosystem, name, version, origin, layer index)
type Row = (String, String, String, String, usize);

fn row(eco: &str, name: &str, version: &str, origin: &str, layer: usize) -> Row {
    (
        eco.to_owned(),
        name.to_owned(),
        version.to_owned(),
        origin.to_owned(),
        layer,
    )
}

fn tool(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pip install --target ROOT/opt/py` of pinned packages, from `PyPI` (cached in the testkit
/// cache), no dependency resolution: exactly these four.
fn python_layer(root: &Path) {
    let cache = cache_dir().unwrap().join("pip");
    tool(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-compile",
            ])
            .args(["--disable-pip-version-check", "--cache-dir"])
            .arg(&cache)
            .arg("--target")
            .arg(root.join("opt/py"))
            .args([
                "requests==2.19.1",
                "urllib3==1.23",
                "six==1.11.0",
                "Jinja2==2.10",
            ]),
    );
    // A requirements file as people write them: pins, comments, options, markers, extras.
    std::fs::create_dir_all(root.join("srv/app")).unwrap();
    std::fs::write(
        root.join("srv/app/requirements.txt"),
        "# pinned for production\n--index-url https://pypi.org/simple\nFlask==0.12.2\n\
         itsdangerous==0.24 ; python_version >= \"3\"\nrequests[security]==2.19.1 \\\n    \
         --hash=sha256:63b52e3c866428a224f97cab011de738c36aec0185aa91cfacd418b5d58911d1\n\
         click>=6.0\n",
    )
    .unwrap();
}

/// `npm install --prefix ROOT/srv/web` of pinned packages (`debug` brings `ms`), from the npm
/// registry (cached in the testkit cache). npm also writes package-lock.json (v3).
fn node_layer(root: &Path) {
    let prefix = root.join("srv/web");
    std::fs::create_dir_all(&prefix).unwrap();
    std::fs::write(
        prefix.join("package.json"),
        r#"{"name":"web","version":"1.0.0","private":true}"#,
    )
    .unwrap();
    let cache = cache_dir().unwrap().join("npm");
    tool(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .arg("--cache")
            .arg(&cache)
            .arg("--prefix")
            .arg(&prefix)
            .args(["lodash@4.17.4", "debug@2.6.8", "minimist@0.0.8"]),
    );
    tool(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .arg("--cache")
            .arg(&cache)
            .arg("--prefix")
            .arg(&prefix)
            .args(["--save-dev", "mkdirp@0.5.1"]),
    );
}

/// A Go binary with no dependencies, built offline by `go build`.
fn go_layer(root: &Path, work: &Path) -> String {
    let src = work.join("gosrc");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("go.mod"), "module example.com/hello\n\ngo 1.19\n").unwrap();
    std::fs::write(
        src.join("main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
    )
    .unwrap();
    let cache = cache_dir().unwrap().join("go");
    std::fs::create_dir_all(root.join("usr/local/bin")).unwrap();
    tool(
        Command::new("go")
            .current_dir(&src)
            .env("GOCACHE", cache.join("build"))
            .env("GOPATH", cache.join("path"))
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .args(["build", "-buildvcs=false", "-trimpath", "-o"])
            .arg(root.join("usr/local/bin/hello")),
    );
    let v = run(Command::new("go").args(["env", "GOVERSION"])).unwrap();
    v.trim().trim_start_matches("go").to_owned()
}

fn app_packages(report: &Value) -> BTreeSet<Row> {
    let layers: Vec<&str> = report["artifact"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["diff_id"].as_str().unwrap())
        .collect();
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] != "deb")
        .map(|p| {
            let diff = p["layer_diff_id"].as_str().unwrap();
            row(
                p["ecosystem"].as_str().unwrap(),
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["origin"].as_str().unwrap(),
                layers.iter().position(|l| *l == diff).unwrap(),
            )
        })
        .collect()
}

#[test]
fn installed_application_packages_equal_what_was_installed() {
    let base = debian_rootfs_with("bookworm", &["python3-six"]).expect("debootstrap");
    let sb = Sandbox::new();
    sb.update(&[(
        "debian-dsa",
        &shared("feeds/debian/tracker-json-sample/DSA.list-sample"),
    )]);
    let work = sb.path("work");
    let (py, node, go) = (work.join("py"), work.join("node"), work.join("go"));
    python_layer(&py);
    node_layer(&node);
    let go_version = go_layer(&go, &work);

    let built = ImageBuilder::new()
        .layer(Layer::from_dir(&base).created_by("debootstrap --include=python3-six bookworm"))
        .layer(Layer::from_dir(&py).created_by("RUN pip install --target /opt/py ..."))
        .layer(Layer::from_dir(&node).created_by("RUN npm install ..."))
        .layer(Layer::from_dir(&go).created_by("COPY hello /usr/local/bin/"))
        .layer(
            // A later layer deletes one pip-installed package (files and metadata).
            Layer::new()
                .file("opt/py/.wh.six.py", Vec::new(), 0o644)
                .file("opt/py/.wh.six-1.11.0.dist-info", Vec::new(), 0o644)
                .created_by("RUN rm -rf /opt/py/six*"),
        )
        .build()
        .unwrap();
    let layout = work.join("oci");
    built.write_oci_layout(&layout, Some("apps")).unwrap();
    // scripts/compare-syft.sh keeps the image to run syft on the same bytes.
    if let Some(keep) = std::env::var_os("CUSTOMS_KEEP_LANG_IMAGE") {
        built.write_oci_layout(keep, Some("apps")).unwrap();
    }
    let report = sb.scan_json(&format!("oci:{}:apps", layout.display()));

    let mut want: BTreeSet<Row> = BTreeSet::new();
    for (n, v) in [
        ("requests", "2.19.1"),
        ("urllib3", "1.23"),
        ("jinja2", "2.10"),
    ] {
        want.insert(row("pypi", n, v, "installed", 1));
    }
    for (n, v) in [
        ("flask", "0.12.2"),
        ("itsdangerous", "0.24"),
        ("requests", "2.19.1"),
    ] {
        want.insert(row("pypi", n, v, "lockfile", 1));
    }
    for (n, v) in [
        ("lodash", "4.17.4"),
        ("debug", "2.6.8"),
        ("ms", "2.0.0"),
        ("minimist", "0.0.8"),
        ("mkdirp", "0.5.1"),
    ] {
        want.insert(row("npm", n, v, "installed", 2));
        want.insert(row("npm", n, v, "lockfile", 2));
    }
    want.insert(row("golang", "stdlib", &go_version, "installed", 3));
    want.insert(row(
        "golang",
        "example.com/hello",
        "(devel)",
        "installed",
        3,
    ));

    let got = app_packages(&report);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );

    let pkgs = report["packages"].as_array().unwrap();
    // Scope from the lockfile: mkdirp was installed with --save-dev (and minimist is its
    // dependency as well as a direct one, so it stays a run-time dependency).
    let lock = |name: &str| {
        pkgs.iter()
            .find(|p| p["name"] == name && p["origin"] == "lockfile" && p["ecosystem"] == "npm")
            .unwrap_or_else(|| panic!("{name} lockfile entry"))
    };
    assert_eq!(lock("mkdirp")["scope"], "dev");
    assert_eq!(lock("lodash")["scope"], "prod");
    // Every application package says where it was found and has a purl of its ecosystem.
    for p in pkgs.iter().filter(|p| p["ecosystem"] != "deb") {
        let purl = p["purl"].as_str().unwrap();
        assert!(
            purl.starts_with(&format!("pkg:{}/", p["ecosystem"].as_str().unwrap())),
            "{purl}"
        );
        assert!(!p["found_in"].as_str().unwrap().is_empty());
    }
    let jinja = pkgs.iter().find(|p| p["name"] == "jinja2").unwrap();
    assert_eq!(jinja["purl"], "pkg:pypi/jinja2@2.10");
    assert!(
        jinja["found_in"]
            .as_str()
            .unwrap()
            .starts_with("opt/py/Jinja2-2.10.dist-info/"),
        "{}",
        jinja["found_in"]
    );

    // Debian's python3-six owns its Python metadata: reported once, as the OS package, with
    // the link noted; no pypi "six" survives (the pip-installed one was deleted).
    let six = pkgs
        .iter()
        .find(|p| p["ecosystem"] == "deb" && p["name"] == "python3-six")
        .expect("python3-six");
    let provides: Vec<&str> = six["provides"]
        .as_array()
        .expect("python3-six provides")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(provides.len(), 1, "{provides:?}");
    assert!(provides[0].starts_with("pkg:pypi/six@1.16"), "{provides:?}");
    assert!(
        !pkgs
            .iter()
            .any(|p| p["ecosystem"] == "pypi" && p["name"] == "six")
    );
}
