//! Index locations through the real CLI: `customs db update --feed amazon-alas=rss:URL` and
//! `--feed redhat-csaf=latest:URL` against a loopback HTTP server that serves real upstream
//! files — Amazon's ALAS RSS feeds and advisory pages (vunnel's fixtures; only the host in
//! the links is rewritten to the server's) and a `.tar.zst` of Red Hat's real CSAF VEX
//! documents named by an `archive_latest.txt`, laid out as Red Hat lays out its archive.
//!
//! What is proven:
//! * the records are exactly those of the same documents given as plain local files, and as
//!   local index files (`rss:/path`, `latest:/path`) — the three databases have the same
//!   digest, which covers every input's bytes in order;
//! * the ALAS count equals an independent count from vunnel's snapshots, and specific
//!   records reach scans (SBOM scans of Amazon Linux 2 / 2023 and RHEL 9 packages);
//! * a second update with nothing changed sends the stored validators (the RSS feeds answer
//!   304, `archive_latest.txt` has the same bytes) and downloads no page and no archive;
//! * a changed RSS feed makes the feed re-read (the new page is ingested, counted in the
//!   report's `+N`);
//! * hostile indexes (an HTML page as RSS, an empty `archive_latest.txt`, links to another
//!   host, a `file://` link, an index over the size limit, a link that is not there) fail
//!   their feed with a message naming the index, while the other feeds are updated; and
//!   `rss+anyhost:` lifts the host rule.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::process::Output;
use std::sync::{Arc, Mutex};

use common::{Sandbox, findings, shared};
use customs_testkit::{Reply, Request, TestServer, tar_zst, tar_zst_members};
use serde_json::Value;

/// A published file: its bytes and `ETag`, if the server sends one.
type File = (Vec<u8>, Option<String>);

/// A static site: path → file, and what was asked of it.
#[derive(Default)]
struct Site {
    files: Mutex<HashMap<String, File>>,
    hits: Mutex<HashMap<String, u32>>,
    not_modified: Mutex<u32>,
    /// 304 answers by path.
    revalidated: Mutex<HashMap<String, u32>>,
}

impl Site {
    fn put(&self, path: &str, body: impl Into<Vec<u8>>, etag: Option<&str>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_owned(), (body.into(), etag.map(str::to_owned)));
    }

    fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn not_modified(&self) -> u32 {
        *self.not_modified.lock().unwrap()
    }

    fn revalidated(&self, path: &str) -> u32 {
        self.revalidated
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

/// Serves `site`: 304 when `If-None-Match` names the file's `ETag`, 404 for unknown paths.
fn serve(site: &Arc<Site>) -> TestServer {
    let site = Arc::clone(site);
    TestServer::start(move |req: &Request| {
        *site
            .hits
            .lock()
            .unwrap()
            .entry(req.path.clone())
            .or_default() += 1;
        let files = site.files.lock().unwrap();
        let Some((body, etag)) = files.get(&req.path) else {
            return Reply::new(404, "text/plain", "not found");
        };
        let mut headers = vec![(
            "Content-Type".to_owned(),
            "application/octet-stream".to_owned(),
        )];
        if let Some(etag) = etag {
            if req.header("if-none-match") == Some(etag.as_str()) {
                *site.not_modified.lock().unwrap() += 1;
                *site
                    .revalidated
                    .lock()
                    .unwrap()
                    .entry(req.path.clone())
                    .or_default() += 1;
                return Reply::Full {
                    status: 304,
                    headers: vec![("ETag".into(), etag.clone())],
                    body: Vec::new(),
                };
            }
            headers.push(("ETag".into(), etag.clone()));
        }
        Reply::Full {
            status: 200,
            headers,
            body: body.clone(),
        }
    })
    .expect("test server")
}

/// vunnel's Amazon fixtures (real RSS feeds and ALAS pages), by path below `test-fixtures/`.
fn amazon_fixtures() -> BTreeMap<String, Vec<u8>> {
    tar_zst_members(
        &shared("feeds/vunnel-fixtures/vunnel-provider-fixtures.tar.zst"),
        "tests/unit/providers/amazon/test-fixtures/",
    )
    .unwrap()
}

/// (RSS fixture, page fixture, the release directory on alas.aws.amazon.com, page name).
const RELEASES: [(&str, &str, &str, &str); 3] = [
    (
        "input/2_rss.xml",
        "input/2_html/ALAS-2018-939",
        "AL2",
        "ALAS-2018-939.html",
    ),
    (
        "input/2022_rss.xml",
        "input/2022_html/ALAS-2021-001",
        "AL2022",
        "ALAS-2021-001.html",
    ),
    (
        "input/2023_rss.xml",
        "input/2023_html/ALAS-2023-126",
        "AL2023",
        "ALAS-2023-126.html",
    ),
];

/// The real feed with `https://alas.aws.amazon.com` replaced by `host`.
fn rehost(rss: &[u8], host: &str) -> String {
    String::from_utf8(rss.to_vec())
        .unwrap()
        .replace("https://alas.aws.amazon.com", host)
}

/// Red Hat's real CSAF VEX documents (claircore's samples) as archive members
/// `YEAR/NAME.json`, in the order a directory of them is read (by file name).
fn vex_members() -> Vec<(String, Vec<u8>)> {
    let dir = shared("feeds/redhat/csaf-samples/claircore-vex");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let year: String = name
                .split('-')
                .find(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or_else(|| panic!("no year in {name}"))
                .to_owned();
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            (format!("{year}/{name}"), bytes)
        })
        .collect()
}

const ARCHIVE: &str = "csaf_vex_2025-01-05.tar.zst";
const VEX_DIR: &str = "/data/csaf/v2/vex";

/// Publishes the three releases' feeds and pages and the VEX archive on `site`.
fn publish(site: &Site, host: &str) {
    let fx = amazon_fixtures();
    for (rss, page, dir, name) in RELEASES {
        site.put(
            &format!("/{dir}/alas.rss"),
            rehost(&fx[rss], host),
            Some(&format!("\"{dir}-v1\"")),
        );
        // Pages carry an ETag, as Amazon's do: kept copies are revalidated with it.
        site.put(
            &format!("/{dir}/{name}"),
            fx[page].clone(),
            Some(&format!("\"{name}-v1\"")),
        );
    }
    // archive_latest.txt has no validators: the digest of its bytes decides.
    site.put(
        &format!("{VEX_DIR}/archive_latest.txt"),
        format!("{ARCHIVE}\n"),
        None,
    );
    site.put(
        &format!("{VEX_DIR}/{ARCHIVE}"),
        tar_zst(&vex_members()).unwrap(),
        Some("\"vex-1\""),
    );
}

fn update(sb: &Sandbox, feeds: &[(&str, String)]) -> Output {
    let mut cmd = sb.cmd();
    cmd.args(["db", "update"]);
    for (kind, location) in feeds {
        cmd.arg("--feed").arg(format!("{kind}={location}"));
    }
    cmd.output().unwrap()
}

fn update_ok(sb: &Sandbox, feeds: &[(&str, String)]) -> String {
    let out = update(sb, feeds);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "db update failed: {stderr}");
    stderr
}

/// `db status`: the database digest and, per feed, (records, status).
fn status(sb: &Sandbox) -> (String, BTreeMap<String, (u64, String)>) {
    let out = String::from_utf8(sb.run(&["db", "status"]).stdout).unwrap();
    let digest = out
        .lines()
        .find_map(|l| l.strip_prefix("Digest:"))
        .unwrap()
        .trim()
        .to_owned();
    let feeds = out
        .lines()
        .skip_while(|l| !l.starts_with("FEED"))
        .skip(1)
        .map(|l| {
            let mut parts = l.split_whitespace();
            let kind = parts.next().unwrap().to_owned();
            let records = parts.next().unwrap().parse().unwrap();
            let _fetched = parts.next();
            (kind, (records, parts.collect::<Vec<_>>().join(" ")))
        })
        .collect();
    (digest, feeds)
}

/// The feed's line of an update's report (stderr without a terminal).
fn report_line<'a>(stderr: &'a str, kind: &str) -> &'a str {
    stderr
        .lines()
        .find(|l| l.split_whitespace().next() == Some(kind))
        .unwrap_or_else(|| panic!("no report line for {kind}: {stderr}"))
}

/// One record per (CVE, fixed package) of each page, from vunnel's snapshots of them.
fn alas_records_from_snapshots() -> u64 {
    let fx = amazon_fixtures();
    [
        "snapshots/amzn:2/alas-2018-939.json",
        "snapshots/amzn:2022/alas-2021-001.json",
        "snapshots/amzn:2023/alas-2023-126.json",
    ]
    .iter()
    .map(|s| {
        let v: Value = serde_json::from_slice(&fx[*s]).unwrap();
        let v = &v["item"]["Vulnerability"];
        (v["Metadata"]["CVE"].as_array().unwrap().len() * v["FixedIn"].as_array().unwrap().len())
            as u64
    })
    .sum()
}

fn cyclonedx(os: (&str, &str), purls: &[&str]) -> String {
    let mut components = vec![serde_json::json!({
        "type": "operating-system", "name": os.0, "version": os.1
    })];
    for p in purls {
        let name = p.split('/').nth(2).unwrap().split('@').next().unwrap();
        let version = p.split('@').nth(1).unwrap().split('?').next().unwrap();
        components.push(serde_json::json!({
            "type": "library", "name": name, "version": version, "purl": p
        }));
    }
    serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
        .to_string()
}

fn finding<'a>(report: &'a Value, cve: &str, pkg: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == cve && f["package"] == pkg)
        .unwrap_or_else(|| panic!("no finding {cve} {pkg}: {:?}", findings(report)))
}

#[test]
fn alas_and_vex_through_their_indexes_equal_the_plain_files() {
    let site = Arc::new(Site::default());
    let server = serve(&site);
    let host = format!("http://{}", server.host());
    publish(&site, &host);
    let indexed: Vec<(&str, String)> = RELEASES
        .iter()
        .map(|(_, _, dir, _)| ("amazon-alas", format!("rss:{host}/{dir}/alas.rss")))
        .chain([(
            "redhat-csaf",
            format!("latest:{host}{VEX_DIR}/archive_latest.txt"),
        )])
        .collect();

    let sb = Sandbox::new();
    let stderr = update_ok(&sb, &indexed);
    let (digest, feeds) = status(&sb);
    let alas = alas_records_from_snapshots();
    assert_eq!(alas, 26 + 52 + 33);
    assert_eq!(feeds["amazon-alas"], (alas, "ok".to_owned()), "{stderr}");
    assert_eq!(feeds["redhat-csaf"].1, "ok");
    for (_, _, dir, name) in RELEASES {
        assert_eq!(site.hits(&format!("/{dir}/alas.rss")), 1);
        assert_eq!(site.hits(&format!("/{dir}/{name}")), 1);
    }
    assert_eq!(site.hits(&format!("{VEX_DIR}/{ARCHIVE}")), 1);

    // The same documents as plain local files: the same records, the same digest.
    let fx = amazon_fixtures();
    let plain = Sandbox::new();
    let mirror = plain.path("inputs/mirror");
    let mut plain_feeds = Vec::new();
    for (_, page, dir, name) in RELEASES {
        let p = mirror.join(dir).join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &fx[page]).unwrap();
        plain_feeds.push(("amazon-alas", p.display().to_string()));
    }
    let vex = shared("feeds/redhat/csaf-samples/claircore-vex");
    plain_feeds.push(("redhat-csaf", vex.display().to_string()));
    update_ok(&plain, &plain_feeds);
    let (plain_digest, plain_counts) = status(&plain);
    assert_eq!(plain_counts, feeds);
    assert_eq!(plain_digest, digest, "the indexes gave other inputs");

    // Local indexes (an air-gapped mirror): an RSS feed linking relatively, by file:// URL
    // and by absolute path; a latest file naming the archive next to it.
    let local = Sandbox::new();
    let root = local.path("inputs/mirror");
    let mut local_feeds = Vec::new();
    for (i, (rss, page, dir, name)) in RELEASES.iter().enumerate() {
        let d = root.join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), &fx[*page]).unwrap();
        let text = String::from_utf8(fx[*rss].clone()).unwrap();
        let link = format!("https://alas.aws.amazon.com/{dir}/{name}");
        let named = match i {
            0 => name.to_string(),
            1 => format!("file://{}", d.join(name).display()),
            _ => d.join(name).display().to_string(),
        };
        assert!(text.contains(&link));
        std::fs::write(d.join("alas.rss"), text.replace(&link, &named)).unwrap();
        local_feeds.push((
            "amazon-alas",
            format!("rss:{}", d.join("alas.rss").display()),
        ));
    }
    let vex_dir = root.join("vex");
    std::fs::create_dir_all(&vex_dir).unwrap();
    std::fs::write(vex_dir.join(ARCHIVE), tar_zst(&vex_members()).unwrap()).unwrap();
    std::fs::write(vex_dir.join("archive_latest.txt"), format!("{ARCHIVE}\n")).unwrap();
    local_feeds.push((
        "redhat-csaf",
        format!("latest:{}", vex_dir.join("archive_latest.txt").display()),
    ));
    update_ok(&local, &local_feeds);
    assert_eq!(status(&local).0, digest, "local indexes gave other inputs");

    // Specific records reach scans. Amazon Linux 2, kernel below ALAS-2018-939's fix.
    let sbom = sb.path("inputs/al2.cdx.json");
    std::fs::create_dir_all(sbom.parent().unwrap()).unwrap();
    std::fs::write(
        &sbom,
        cyclonedx(
            ("amzn", "2"),
            &["pkg:rpm/amazon/kernel@4.9.62-10.57.amzn2?arch=x86_64&distro=amzn-2"],
        ),
    )
    .unwrap();
    let report = sb.scan_json(&format!("sbom:{}", sbom.display()));
    assert_eq!(
        findings(&report),
        [
            ("CVE-2017-5715".to_owned(), "kernel".to_owned()),
            ("CVE-2017-5754".to_owned(), "kernel".to_owned()),
        ]
    );
    let f = finding(&report, "CVE-2017-5754", "kernel");
    assert_eq!(f["data_source"], "amazon-alas");
    assert_eq!(f["fixed_version"], "4.9.76-38.79.amzn2");
    assert_eq!(f["severity"], "critical");
    // Amazon Linux 2023, device-mapper-multipath below ALAS-2023-126's fix.
    let sbom = sb.path("inputs/al2023.cdx.json");
    std::fs::write(
        &sbom,
        cyclonedx(
            ("amzn", "2023"),
            &["pkg:rpm/amazon/device-mapper-multipath@0.8.7-12.amzn2023?arch=x86_64"],
        ),
    )
    .unwrap();
    let report = sb.scan_json(&format!("sbom:{}", sbom.display()));
    let ids: Vec<String> = findings(&report).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["CVE-2022-3787", "CVE-2022-41973", "CVE-2022-41974"]);
    // RHEL 9: curl on the 9.2 z-stream, from the VEX archive (cve-2023-38545.json).
    let sbom = sb.path("inputs/rhel9.cdx.json");
    std::fs::write(
        &sbom,
        cyclonedx(
            ("rhel", "9.0"),
            &["pkg:rpm/redhat/curl@7.76.1-23.el9_2.2?arch=x86_64&upstream=curl-7.76.1-23.el9_2.2.src.rpm"],
        ),
    )
    .unwrap();
    let report = sb.scan_json(&format!("sbom:{}", sbom.display()));
    let f = finding(&report, "CVE-2023-38545", "curl");
    assert_eq!(f["data_source"], "redhat-csaf");
    assert_eq!(f["status"], "fixed");
    assert_eq!(
        f["detail"]["condition"],
        "7.76.1-23.el9_2.2 < 0:7.76.1-23.el9_2.4 (rpm)"
    );

    // Nothing changed: the RSS feeds answer 304 to the stored ETags, archive_latest.txt has
    // the same bytes; no page and no archive is downloaded again.
    let stderr = update_ok(&sb, &indexed);
    for kind in ["amazon-alas", "redhat-csaf"] {
        let line = report_line(&stderr, kind);
        assert!(line.contains("unchanged"), "{line}");
    }
    assert_eq!(site.not_modified(), 3, "one 304 per RSS feed");
    for (_, _, dir, name) in RELEASES {
        assert_eq!(site.hits(&format!("/{dir}/alas.rss")), 2);
        assert_eq!(
            site.hits(&format!("/{dir}/{name}")),
            1,
            "{name} fetched again"
        );
    }
    assert_eq!(site.hits(&format!("{VEX_DIR}/archive_latest.txt")), 2);
    assert_eq!(
        site.hits(&format!("{VEX_DIR}/{ARCHIVE}")),
        1,
        "archive fetched again"
    );
    assert_eq!(status(&sb).0, digest);

    // Amazon publishes a new advisory: the AL2 feed gains an item (the real page vunnel
    // keeps as mock_html) and a new ETag. The feed is re-read as a whole.
    let al2 = rehost(&fx["input/2_rss.xml"], &host).replace(
        "<item>",
        &format!(
            "<item><title>ALAS-2018-949</title><link>{host}/AL2/ALAS-2018-949.html</link></item>\n    <item>"
        ),
    );
    site.put("/AL2/alas.rss", al2, Some("\"AL2-v2\""));
    site.put("/AL2/ALAS-2018-949.html", fx["mock_html"].clone(), None);
    let stderr = update_ok(&sb, &indexed);
    let (_, after) = status(&sb);
    let added = after["amazon-alas"].0 - alas;
    assert!(added > 0, "{after:?}");
    let line = report_line(&stderr, "amazon-alas");
    assert!(
        line.contains(&format!("{} records", alas + added))
            && line.contains(&format!("(+{added} -0 ~0)")),
        "{line}"
    );
    assert!(report_line(&stderr, "redhat-csaf").contains("unchanged"));
    assert_eq!(site.hits("/AL2/ALAS-2018-949.html"), 1);
    // The feed is re-read as a whole, but the pages read last time are kept in the cache
    // directory: each is asked for with its ETag and answers 304; only the new page is
    // downloaded.
    for (_, _, dir, name) in RELEASES {
        let page = format!("/{dir}/{name}");
        assert_eq!(site.hits(&page), 2, "{name}");
        assert_eq!(site.revalidated(&page), 1, "{name} downloaded again");
    }
    assert_eq!(site.revalidated("/AL2/ALAS-2018-949.html"), 0);
    // What is kept: per index location a directory; per page (and the small test archive)
    // with an ETag a body and its metadata; not the new page, served without validators.
    let dirs: Vec<std::path::PathBuf> = std::fs::read_dir(sb.cache().join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 4, "three RSS feeds and archive_latest.txt");
    let files: usize = dirs
        .iter()
        .map(|d| std::fs::read_dir(d).unwrap().count())
        .sum();
    assert_eq!(
        files,
        2 * 4,
        "a body and metadata for three pages and the archive"
    );
    assert_eq!(site.hits(&format!("{VEX_DIR}/{ARCHIVE}")), 1);
    // `customs cache clean` removes the kept pages and leaves the database as it was.
    let out = sb.run(&["cache", "clean"]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("kept feed pages"), "{said}");
    assert!(!sb.cache().join("feeds").exists());
    assert_eq!(status(&sb).1, after);
    drop(server);
}

#[test]
fn hostile_indexes_fail_their_feed_and_the_others_proceed() {
    let site = Arc::new(Site::default());
    let server = serve(&site);
    let host = format!("http://{}", server.host());
    // Pages on a second server: another host (same address, another port).
    let pages = Arc::new(Site::default());
    let pages_server = serve(&pages);
    let pages_host = format!("http://{}", pages_server.host());
    let fx = amazon_fixtures();
    let page = fx["input/2_html/ALAS-2018-939"].clone();
    let rss = &fx["input/2_rss.xml"];

    // An ALAS page where an RSS feed should be.
    site.put("/notrss/alas.rss", page.clone(), None);
    // An archive_latest.txt with nothing in it.
    site.put("/empty/archive_latest.txt", "\n  \n", None);
    // The real feed, unmodified: its links are on alas.aws.amazon.com, not this server.
    site.put("/upstream/alas.rss", rss.clone(), None);
    // A feed linking to a local file.
    let text = String::from_utf8(rss.clone()).unwrap();
    site.put(
        "/local/alas.rss",
        text.replace(
            "https://alas.aws.amazon.com/AL2/ALAS-2018-939.html",
            "file:///etc/passwd",
        ),
        None,
    );
    // Over the 16 MiB limit for an index (a real feed, padded with a comment).
    let mut big = rehost(rss, &host).into_bytes();
    let at = big.len() - "</rss>\n".len();
    let padding = format!("<!-- {} -->", "x".repeat(16 << 20));
    big.splice(at..at, padding.into_bytes());
    site.put("/big/alas.rss", big, None);
    // A feed naming a page that is not there.
    site.put(
        "/missing/alas.rss",
        text.replace("https://alas.aws.amazon.com", &host)
            .replace("ALAS-2018-939.html", "ALAS-2018-000.html"),
        None,
    );
    // The real feed with its page on the second server, for rss+anyhost:.
    site.put("/elsewhere/alas.rss", rehost(rss, &pages_host), None);
    pages.put("/AL2/ALAS-2018-939.html", page, None);

    let sb = Sandbox::new();
    let secdb = shared("feeds/alpine-secdb/json/v3.19/main.json");
    let feeds: Vec<(&str, String)> = vec![
        ("amazon-alas", format!("rss:{host}/notrss/alas.rss")),
        (
            "redhat-csaf",
            format!("latest:{host}/empty/archive_latest.txt"),
        ),
        ("oracle-elsa", format!("rss:{host}/upstream/alas.rss")),
        ("mariner-oval", format!("rss:{host}/local/alas.rss")),
        ("suse-oval", format!("rss:{host}/big/alas.rss")),
        ("photon", format!("rss:{host}/missing/alas.rss")),
        ("chainguard-secdb", format!("rss:{host}/elsewhere/alas.rss")),
        ("alpine-secdb", secdb.display().to_string()),
    ];
    let out = update(&sb, &feeds);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("7 of 8 feeds failed"), "{stderr}");
    let expect = [
        (
            "amazon-alas",
            format!("rss:{host}/notrss/alas.rss: index: not a usable RSS 2.0 index:"),
        ),
        (
            "redhat-csaf",
            format!(
                "latest:{host}/empty/archive_latest.txt: index: the file is empty: it names no location"
            ),
        ),
        (
            "oracle-elsa",
            format!(
                "rss:{host}/upstream/alas.rss: index: item link #1 \"https://alas.aws.amazon.com/AL2/ALAS-2018-939.html\": https://alas.aws.amazon.com/AL2/ALAS-2018-939.html is on another host (alas.aws.amazon.com) than the index ({})",
                server.host()
            ),
        ),
        (
            "mariner-oval",
            format!(
                "rss:{host}/local/alas.rss: index: item link #1 \"file:///etc/passwd\": a file: location: an index on the web may name only http:// and https:// URLs"
            ),
        ),
        (
            "suse-oval",
            format!(
                "rss:{host}/big/alas.rss: index: {host}/big/alas.rss is larger than the limit of 16777216 bytes for an index"
            ),
        ),
        (
            "photon",
            format!(
                "{host}/AL2/ALAS-2018-000.html (named by rss:{host}/missing/alas.rss): no such file or directory"
            ),
        ),
        (
            "chainguard-secdb",
            format!(
                "rss:{host}/elsewhere/alas.rss: index: item link #1 \"{pages_host}/AL2/ALAS-2018-939.html\": {pages_host}/AL2/ALAS-2018-939.html is on another host ({}) than the index ({})",
                pages_server.host(),
                server.host()
            ),
        ),
    ];
    for (kind, message) in &expect {
        let line = report_line(&stderr, kind);
        assert!(
            line.contains("FAILED") && line.contains(message.as_str()),
            "{kind}: {line}\nexpected: {message}"
        );
    }
    assert!(
        report_line(&stderr, "chainguard-secdb")
            .contains("(write rss+anyhost: to allow other hosts)")
    );
    // Nothing was asked of the other host.
    assert_eq!(pages.hits("/AL2/ALAS-2018-939.html"), 0);
    let (_, status1) = status(&sb);
    assert_eq!(status1["alpine-secdb"].1, "ok");
    assert!(status1["alpine-secdb"].0 > 1000, "{status1:?}");
    for (kind, message) in &expect {
        let (records, st) = &status1[*kind];
        assert_eq!(*records, 0);
        assert!(
            st.starts_with("last update failed:") && st.contains(message.as_str()),
            "{kind}: {st}"
        );
    }

    // rss+anyhost: lifts the host rule (and only that: the file: link stays refused).
    let out = update(
        &sb,
        &[
            (
                "amazon-alas",
                format!("rss+anyhost:{host}/elsewhere/alas.rss"),
            ),
            ("mariner-oval", format!("rss+anyhost:{host}/local/alas.rss")),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success());
    assert!(stderr.contains("1 of 2 feeds failed"), "{stderr}");
    assert!(
        report_line(&stderr, "mariner-oval").contains("a file: location"),
        "{stderr}"
    );
    assert_eq!(pages.hits("/AL2/ALAS-2018-939.html"), 1);
    let (_, status2) = status(&sb);
    // ALAS-2018-939: 13 kernel packages × 2 CVEs.
    assert_eq!(status2["amazon-alas"], (26, "ok".to_owned()));
    drop((server, pages_server));
}

#[test]
fn db_feeds_lists_the_index_locations() {
    let sb = Sandbox::new();
    let out = String::from_utf8(sb.run(&["db", "feeds"]).stdout).unwrap();
    let mut current = String::new();
    let mut locations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in out.lines() {
        if line.starts_with(' ') {
            locations
                .entry(current.clone())
                .or_default()
                .push(line.trim().to_owned());
        } else {
            current = line.split_whitespace().next().unwrap().to_owned();
            locations.entry(current.clone()).or_default();
        }
    }
    assert_eq!(
        locations["amazon-alas"],
        [
            "rss:https://alas.aws.amazon.com/alas.rss",
            "rss:https://alas.aws.amazon.com/AL2/alas.rss",
            "rss:https://alas.aws.amazon.com/AL2022/alas.rss",
            "rss:https://alas.aws.amazon.com/AL2023/alas.rss",
        ]
    );
    assert_eq!(
        locations["redhat-csaf"],
        ["latest:https://security.access.redhat.com/data/csaf/v2/vex/archive_latest.txt"]
    );
    let without: Vec<&String> = locations
        .iter()
        .filter(|(_, l)| l.is_empty())
        .map(|(k, _)| k)
        .collect();
    assert!(
        without.is_empty(),
        "feeds without a default location: {without:?}"
    );
}
