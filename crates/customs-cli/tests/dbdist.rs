//! The database on the move, through the real `customs` binary: `db export` / `db import`
//! (air gaps), `db push` / `db pull` against Debian's real `docker-registry` on loopback
//! (anonymous and htpasswd), and `--db postgres://...` against a real `PostgreSQL` started by
//! the testkit. The feed is the real Alpine secdb (every branch) and the image the real
//! alpine:3.10 `docker save` from trivy's fixtures, so the findings compared are real ones.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{Sandbox, shared};
use customs_testkit::{ImageBuilder, Layer, Postgres, Registry, RegistryAuth};
use serde_json::Value;

const USER: &str = "tester";
const PASSWORD: &str = "s3cret-pw";

/// A sandbox whose default database holds the Alpine secdb, and the alpine:3.10 image.
fn setup() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    sb.update(&[("alpine-secdb", &shared("feeds/alpine-secdb/json"))]);
    let inputs = sb.path("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let tar = inputs.join("alpine-310.tar");
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(shared("images/trivy/alpine-310.tar.gz"))
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&tar, &out.stdout).unwrap();
    (sb, tar)
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn fails(out: &Output, code: i32, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("customs: error: ")),
        "{stderr}"
    );
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    stderr
}

/// `customs scan -q -f json --no-cache IMAGE --db DB`.
fn scan(sb: &Sandbox, image: &Path, db: &str) -> Value {
    let out = sb.run(&[
        "scan",
        "-q",
        "-f",
        "json",
        "--no-cache",
        image.to_str().unwrap(),
        "--db",
        db,
    ]);
    serde_json::from_str(&ok(&out, "scan")).unwrap()
}

/// The `Digest:` line of `customs db status`.
fn status_digest(sb: &Sandbox, db: &str) -> String {
    let out = ok(&sb.run(&["db", "status", "--db", db]), "status");
    out.lines()
        .find_map(|l| l.strip_prefix("Digest:"))
        .map(|d| d.trim().to_owned())
        .expect("a Digest line")
}

fn default_db(sb: &Sandbox) -> String {
    sb.cache().join("db/customs.db").display().to_string()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn export_then_import_elsewhere_gives_the_same_digest_and_findings() {
    let (sb, image) = setup();
    let db = default_db(&sb);
    let before = scan(&sb, &image, &db);
    let findings = before["findings"].as_array().unwrap();
    assert!(findings.len() > 5, "{} findings", findings.len());
    assert!(findings.iter().all(|f| f["data_source"] == "alpine-secdb"));
    let digest = status_digest(&sb, &db);
    assert!(digest.starts_with("sha256:"));
    assert_eq!(before["db"]["digest"].as_str(), Some(digest.as_str()));

    let file = sb.path("out/customs-db.tar.zst");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let printed = ok(
        &sb.run(&["db", "export", file.to_str().unwrap(), "--db", &db]),
        "export",
    );
    // `sha256:HEX  FILE`, the file's own digest (as sha256sum would say).
    let file_digest = printed.split_whitespace().next().unwrap().to_owned();
    let sum = std::process::Command::new("sha256sum")
        .arg(&file)
        .output()
        .unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    assert_eq!(
        file_digest,
        format!("sha256:{}", sum.split_whitespace().next().unwrap())
    );
    // The metadata inside, read with GNU tar and zstd.
    let meta = std::process::Command::new("tar")
        .args(["--zstd", "-xOf"])
        .arg(&file)
        .arg("metadata.json")
        .output()
        .unwrap();
    assert!(meta.status.success());
    let meta: Value = serde_json::from_slice(&meta.stdout).unwrap();
    assert_eq!(meta["database_digest"].as_str(), Some(digest.as_str()));
    assert_eq!(meta["feeds"][0]["kind"], "alpine-secdb");

    let offline = sb.path("offline");
    let other = offline.join("db/customs.db");
    let other_s = other.to_str().unwrap();
    ok(
        &sb.run(&[
            "db",
            "import",
            file.to_str().unwrap(),
            "--db",
            other_s,
            "--digest",
            &file_digest,
        ]),
        "import",
    );
    assert_eq!(status_digest(&sb, other_s), digest);
    let after = scan(&sb, &image, other_s);
    assert_eq!(after["findings"], before["findings"]);
    assert_eq!(after["db"], before["db"]);
    assert_eq!(listing(&offline.join("db")), ["customs.db"]);

    // Damaged copies are refused and leave the imported database alone.
    let bytes = std::fs::read(&file).unwrap();
    let cut = sb.path("out/cut.tar.zst");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = sb.run(&["db", "import", cut.to_str().unwrap(), "--db", other_s]);
    fails(&out, 65, "truncated or corrupt");
    let out = sb.run(&[
        "db",
        "import",
        file.to_str().unwrap(),
        "--db",
        other_s,
        "--digest",
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    ]);
    fails(&out, 65, "checksum mismatch");
    let out = sb.run(&["db", "import", "nope.tar.zst", "--db", other_s]);
    fails(&out, 66, "nope.tar.zst");
    assert_eq!(listing(&offline.join("db")), ["customs.db"]);
    assert_eq!(status_digest(&sb, other_s), digest);
}

/// Runs `customs ARGS` with the registry password on stdin when `password` is given.
fn run_with(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = sb.cmd();
    cmd.args(args)
        .env_remove("DOCKER_CONFIG")
        .env_remove("CUSTOMS_REGISTRY_USERNAME")
        .env_remove("CUSTOMS_REGISTRY_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn push_then_pull_through_real_registries() {
    let (sb, image) = setup();
    let db = default_db(&sb);
    let digest = status_digest(&sb, &db);
    let before = scan(&sb, &image, &db);

    // Anonymous.
    let registry = Registry::start(RegistryAuth::Anonymous).unwrap();
    let reference = format!("{}/security/customs-db:1", registry.host());
    let pushed = ok(
        &run_with(&sb, &["db", "push", &reference, "--db", &db], &[]),
        "push",
    );
    assert!(
        pushed.trim().starts_with(&format!("{reference}@sha256:")),
        "{pushed}"
    );
    // The manifest as a generic OCI client sees it.
    let inspect = std::process::Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let manifest: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.customs.db.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.customs.db.config.v1+json"
    );
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.customs.db.layer.v1.tar+zstd"
    );
    assert_eq!(
        manifest["annotations"]["io.customs.db.digest"],
        digest.as_str()
    );

    let fresh = sb.path("fresh/customs.db");
    let fresh_s = fresh.to_str().unwrap();
    ok(
        &run_with(&sb, &["db", "pull", &reference, "--db", fresh_s], &[]),
        "pull",
    );
    assert_eq!(status_digest(&sb, fresh_s), digest);
    let after = scan(&sb, &image, fresh_s);
    assert_eq!(after["findings"], before["findings"]);
    assert_eq!(listing(&sb.path("fresh")), ["customs.db"]);
    // Pulled into PostgreSQL, then pushed from it under another tag: the same database.
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("pulled").unwrap();
    ok(
        &run_with(&sb, &["db", "pull", &reference, "--db", &url], &[]),
        "pull into postgres",
    );
    assert_eq!(status_digest(&sb, &url), digest);
    assert_eq!(scan(&sb, &image, &url)["findings"], before["findings"]);
    let from_pg = format!("{}/security/customs-db:from-pg", registry.host());
    ok(
        &run_with(&sb, &["db", "push", &from_pg, "--db", &url], &[]),
        "push from postgres",
    );
    let round = sb.path("round/customs.db");
    let round_s = round.to_str().unwrap();
    ok(
        &run_with(&sb, &["db", "pull", &from_pg, "--db", round_s], &[]),
        "pull what postgres pushed",
    );
    assert_eq!(status_digest(&sb, round_s), digest);
    assert_eq!(scan(&sb, &image, round_s)["findings"], before["findings"]);
    // Pushing the same database again uploads nothing new.
    let again = run_with(&sb, &["db", "push", &reference, "--db", &db], &[]);
    ok(&again, "push again");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("0 blobs uploaded"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // An ordinary image is not a customs database.
    let oci = sb.path("inputs/oci");
    ImageBuilder::new()
        .layer(Layer::new().file("etc/motd", b"hello\n".to_vec(), 0o644))
        .build()
        .unwrap()
        .write_oci_layout(&oci, Some("1"))
        .unwrap();
    registry
        .push(&format!("oci:{}:1", oci.display()), "library/app:1")
        .unwrap();
    let other = sb.path("other/customs.db");
    let out = run_with(
        &sb,
        &[
            "db",
            "pull",
            &format!("{}/library/app:1", registry.host()),
            "--db",
            other.to_str().unwrap(),
        ],
        &[],
    );
    fails(&out, 65, "is not a customs database");
    assert!(!other.exists());
    let out = run_with(
        &sb,
        &[
            "db",
            "pull",
            &format!("{}/security/missing:1", registry.host()),
            "--db",
            other.to_str().unwrap(),
        ],
        &[],
    );
    fails(&out, 66, "security/missing");
    drop(registry);

    // htpasswd: push and pull with credentials; without them, a clear authentication error.
    let registry = Registry::start(RegistryAuth::Htpasswd {
        user: USER.into(),
        password: PASSWORD.into(),
    })
    .unwrap();
    let reference = format!("{}/customs-db:latest", registry.host());
    let creds = [
        ("CUSTOMS_REGISTRY_USERNAME", USER),
        ("CUSTOMS_REGISTRY_PASSWORD", PASSWORD),
    ];
    let out = run_with(&sb, &["db", "push", &reference, "--db", &db], &[]);
    fails(&out, 77, "authentication required");
    ok(
        &run_with(&sb, &["db", "push", &reference, "--db", &db], &creds),
        "push with credentials",
    );
    let locked = sb.path("locked/customs.db");
    let out = run_with(
        &sb,
        &["db", "pull", &reference, "--db", locked.to_str().unwrap()],
        &[],
    );
    fails(&out, 77, "authentication required");
    assert!(!locked.exists());
    ok(
        &run_with(
            &sb,
            &["db", "pull", &reference, "--db", locked.to_str().unwrap()],
            &creds,
        ),
        "pull with credentials",
    );
    assert_eq!(status_digest(&sb, locked.to_str().unwrap()), digest);
}

#[test]
fn a_scan_through_postgres_equals_the_scan_through_sqlite() {
    let (sb, image) = setup();
    let db = default_db(&sb);
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("customs").unwrap();
    let feed = format!(
        "alpine-secdb={}",
        shared("feeds/alpine-secdb/json").display()
    );
    let out = sb.run(&["db", "update", "--db", &url, "--feed", &feed]);
    ok(&out, "update into postgres");
    assert_eq!(status_digest(&sb, &url), status_digest(&sb, &db));
    let status = ok(&sb.run(&["db", "status", "--db", &url]), "status");
    assert!(status.contains(&format!("Database: {url}")), "{status}");
    assert!(status.contains("alpine-secdb"), "{status}");

    let sqlite = scan(&sb, &image, &db);
    let postgres = scan(&sb, &image, &url);
    assert!(!sqlite["findings"].as_array().unwrap().is_empty());
    assert_eq!(postgres["findings"], sqlite["findings"]);
    // Same digest (built_at is each store's own update time).
    assert_eq!(postgres["db"]["digest"], sqlite["db"]["digest"]);

    // A failing feed keeps the previous data in PostgreSQL too.
    let bad = sb.path("inputs/bad.json");
    std::fs::write(&bad, b"{\"packages\": [").unwrap();
    let out = sb.run(&[
        "db",
        "update",
        "--db",
        &url,
        "--feed",
        &format!("alpine-secdb={}", bad.display()),
    ]);
    fails(&out, 65, "alpine-secdb");
    assert_eq!(scan(&sb, &image, &url)["findings"], sqlite["findings"]);
    let status = ok(&sb.run(&["db", "status", "--db", &url]), "status");
    assert!(status.contains("last update failed"), "{status}");

    // Export from PostgreSQL, import into a SQLite file: the same database.
    let from_pg = sb.path("inputs/from-pg.tar.zst");
    let from_pg = from_pg.to_str().unwrap();
    ok(
        &sb.run(&["db", "export", from_pg, "--db", &url]),
        "export from postgres",
    );
    let copy = sb.path("copy/customs.db").display().to_string();
    ok(
        &sb.run(&["db", "import", from_pg, "--db", &copy]),
        "import into sqlite",
    );
    assert_eq!(status_digest(&sb, &copy), status_digest(&sb, &db));
    assert_eq!(scan(&sb, &image, &copy)["findings"], sqlite["findings"]);
    // The failed update's status travelled with the feed.
    let status = ok(&sb.run(&["db", "status", "--db", &copy]), "status");
    assert!(status.contains("last update failed"), "{status}");

    // Export from SQLite, import into a fresh PostgreSQL database: the same database, and
    // the same update history for `db diff`.
    let from_sqlite = sb.path("inputs/from-sqlite.tar.zst");
    let from_sqlite = from_sqlite.to_str().unwrap();
    ok(
        &sb.run(&["db", "export", from_sqlite, "--db", &db]),
        "export from sqlite",
    );
    let imported = pg.create_database("imported").unwrap();
    let out = sb.run(&["db", "import", from_sqlite, "--db", &imported]);
    let err = ok(&out, "import into postgres");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        said.contains("imported database") && !said.contains("s3cret"),
        "{err}{said}"
    );
    assert_eq!(status_digest(&sb, &imported), status_digest(&sb, &db));
    assert_eq!(scan(&sb, &image, &imported)["findings"], sqlite["findings"]);
    let history = |d: &str| {
        ok(
            &sb.run(&["db", "diff", "--all", "--format", "json", "--db", d]),
            "diff",
        )
    };
    assert_eq!(history(&imported), history(&db));
    // Importing again replaces the contents (no duplicate records).
    ok(
        &sb.run(&["db", "import", from_pg, "--db", &imported]),
        "re-import into postgres",
    );
    assert_eq!(scan(&sb, &image, &imported)["findings"], sqlite["findings"]);
    let status = ok(&sb.run(&["db", "status", "--db", &imported]), "status");
    assert!(status.contains("last update failed"), "{status}");
    // A damaged file leaves the PostgreSQL database as it was.
    let mut bytes = std::fs::read(from_sqlite).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let damaged = sb.path("inputs/damaged.tar.zst");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = sb.run(&["db", "import", damaged.to_str().unwrap(), "--db", &imported]);
    assert_eq!(
        out.status.code(),
        Some(65),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(scan(&sb, &image, &imported)["findings"], sqlite["findings"]);
    // A newer schema in the server is refused with a clear message.
    pg.psql("customs", "UPDATE customs_schema SET version = 99")
        .unwrap();
    let out = sb.run(&[
        "scan",
        "-q",
        "--no-cache",
        image.to_str().unwrap(),
        "--db",
        &url,
    ]);
    fails(&out, 78, "newer than this customs supports");
}

/// `customs db update` then `customs db diff` with the same inputs into a `SQLite` file and
/// a `PostgreSQL` database: the same outcome lines (`unchanged` for a second run, the same
/// `+added -removed ~modified` counts) and the same `db diff` documents.
#[test]
fn db_diff_through_postgres_equals_db_diff_through_sqlite() {
    let sb = Sandbox::new();
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("diff").unwrap();
    let file = sb.path("diff.db").display().to_string();
    let input = sb.path("inputs/main.json");
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    let real = std::fs::read(shared("feeds/alpine-secdb/json/v3.19/main.json")).unwrap();
    let feed = format!("alpine-secdb={}", input.display());
    let update = |db: &str| {
        let out = sb.run(&["db", "update", "--db", db, "--feed", &feed]);
        ok(&out, "update");
        String::from_utf8(out.stderr).unwrap()
    };
    let diff = |db: &str, extra: &[&str]| {
        let mut args = vec!["db", "diff", "--db", db];
        args.extend_from_slice(extra);
        ok(&sb.run(&args), "diff")
    };
    let diff_json = |db: &str| {
        let mut v: Value = serde_json::from_str(&diff(db, &["--format", "json", "--all"])).unwrap();
        for u in v.as_array_mut().unwrap() {
            u["at"] = Value::Null;
        }
        v
    };

    std::fs::write(&input, &real).unwrap();
    for db in [&file, &url] {
        let err = update(db);
        assert!(
            err.contains("alpine-secdb") && err.contains("records"),
            "{err}"
        );
        let err = update(db);
        assert!(err.contains("unchanged"), "{db}: {err}");
    }
    // Drop the first package (aom, three CVEs).
    let mut doc: Value = serde_json::from_slice(&real).unwrap();
    let gone = doc["packages"].as_array_mut().unwrap().remove(0);
    assert_eq!(gone["pkg"]["name"], "aom");
    std::fs::write(&input, serde_json::to_vec(&doc).unwrap()).unwrap();
    for db in [&file, &url] {
        let err = update(db);
        assert!(err.contains("(+0 -3 ~0)"), "{db}: {err}");
    }

    let (s, p) = (diff_json(&file), diff_json(&url));
    assert_eq!(s, p);
    assert_eq!(p.as_array().unwrap().len(), 2, "{p}");
    assert_eq!(p[0]["initial"], true);
    assert_eq!(p[1]["removed"], 3);
    let changes = p[1]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3);
    assert!(changes.iter().all(|c| c["package"] == "aom"), "{p}");
    // The table of the last run names the removed CVEs.
    let table = diff(&url, &[]);
    assert!(
        table.contains("0 added, 3 removed, 0 modified") && table.contains("CVE-2021-30475"),
        "{table}"
    );
}
