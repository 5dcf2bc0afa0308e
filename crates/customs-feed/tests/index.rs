//! Index locations at the library level: `open_location` (the path the `PostgreSQL` store
//! takes: the index read now, each named location opened as iteration reaches it) and
//! `fetch` (the updater's: conditional on the index, named locations spooled), over real
//! files — Amazon's ALAS RSS feeds and pages from vunnel's fixtures, Red Hat's CSAF VEX
//! documents in a `.tar.zst` — locally and from a loopback server; and the limits.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use customs_feed::{FetchOptions, Fetched, LocationError, OpenedInput, fetch, open_location};
use customs_testkit::{Reply, Request, TestServer, tar_zst, tar_zst_members};

fn shared(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

fn amazon(rel: &str) -> Vec<u8> {
    let mut all = tar_zst_members(
        &shared("feeds/vunnel-fixtures/vunnel-provider-fixtures.tar.zst"),
        "tests/unit/providers/amazon/test-fixtures/",
    )
    .unwrap();
    all.remove(rel)
        .unwrap_or_else(|| panic!("no fixture {rel}"))
}

fn read_all(inputs: customs_feed::Inputs) -> Vec<(String, String, Result<Vec<u8>, String>)> {
    inputs
        .map(|mut i: OpenedInput| {
            let mut bytes = Vec::new();
            let r = i.reader.read_to_end(&mut bytes).map(|_| bytes);
            (i.location, i.file_name, r.map_err(|e| e.to_string()))
        })
        .collect()
}

/// A local mirror of the AL2 feed: the real RSS with its item link made relative, the page
/// next to it. Returns (the feed's path, the page's path, the page's bytes).
fn local_al2(dir: &Path) -> (PathBuf, PathBuf, Vec<u8>) {
    let rss = String::from_utf8(amazon("input/2_rss.xml")).unwrap();
    let page = amazon("input/2_html/ALAS-2018-939");
    let link = "https://alas.aws.amazon.com/AL2/ALAS-2018-939.html";
    assert!(rss.contains(link));
    let feed = dir.join("alas.rss");
    std::fs::write(&feed, rss.replace(link, "ALAS-2018-939.html")).unwrap();
    let page_path = dir.join("ALAS-2018-939.html");
    std::fs::write(&page_path, &page).unwrap();
    (feed, page_path, page)
}

#[test]
fn a_local_rss_index_names_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (feed, page_path, page) = local_al2(dir.path());
    let got = read_all(
        open_location(&format!("rss:{}", feed.display()), &FetchOptions::default()).unwrap(),
    );
    assert_eq!(
        got,
        [(
            page_path.display().to_string(),
            "ALAS-2018-939.html".to_owned(),
            Ok(page.clone())
        )]
    );
    // A gzip-compressed index is decompressed like any location.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&feed).unwrap()).unwrap();
    let feed_gz = dir.path().join("alas.rss.gz");
    std::fs::write(&feed_gz, gz.finish().unwrap()).unwrap();
    let got = read_all(
        open_location(
            &format!("rss:file://{}", feed_gz.display()),
            &FetchOptions::default(),
        )
        .unwrap(),
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].2.as_ref().unwrap(), &page);
}

#[test]
fn index_limits_and_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let (feed, _, _) = local_al2(dir.path());
    let loc = format!("rss:{}", feed.display());
    let err = |r: Result<customs_feed::Inputs, LocationError>| match r {
        Err(e) => e.to_string(),
        Ok(_) => panic!("opened"),
    };
    // The mock feed lists 97 pages.
    let mock = dir.path().join("mock.rss");
    std::fs::write(&mock, amazon("mock_rss")).unwrap();
    let small = FetchOptions {
        max_index_links: 96,
        ..FetchOptions::default()
    };
    let e = err(open_location(&format!("rss:{}", mock.display()), &small));
    assert!(
        e.starts_with(&format!("rss:{}: index:", mock.display()))
            && e.contains("more than 96 item links"),
        "{e}"
    );
    let at_limit = FetchOptions {
        max_index_links: 97,
        ..FetchOptions::default()
    };
    assert!(open_location(&format!("rss:{}", mock.display()), &at_limit).is_ok());
    let tiny = FetchOptions {
        max_index_bytes: 100,
        ..FetchOptions::default()
    };
    let e = err(open_location(&loc, &tiny));
    assert!(e.contains("index:") && e.contains("100 bytes"), "{e}");
    // A directory is not an index.
    let e = err(open_location(
        &format!("rss:{}", dir.path().display()),
        &FetchOptions::default(),
    ));
    assert!(e.contains("an index is one file"), "{e}");
    // Nor is an index of an index, or a missing file.
    let e = err(open_location(
        &format!("latest:rss:{}", feed.display()),
        &FetchOptions::default(),
    ));
    assert!(e.contains("an index of an index"), "{e}");
    let e = err(open_location(
        &format!("latest:{}/none.txt", dir.path().display()),
        &FetchOptions::default(),
    ));
    assert!(e.contains("no such file"), "{e}");
}

/// Serves `files` (path → bytes), counting requests per path.
fn serve(files: Vec<(String, Vec<u8>)>) -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    let server = TestServer::start(move |req: &Request| {
        seen.lock().unwrap().push(req.path.clone());
        match files.iter().find(|(p, _)| *p == req.path) {
            Some((_, body)) => Reply::new(200, "application/octet-stream", body.clone()),
            None => Reply::new(404, "text/plain", "not found"),
        }
    })
    .unwrap();
    (server, log)
}

/// Red Hat's real VEX documents as `YEAR/NAME` members.
fn vex_members() -> Vec<(String, Vec<u8>)> {
    let dir = shared("feeds/redhat/csaf-samples/claircore-vex");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let year = name.split('-').nth(1).unwrap().to_owned();
            (
                format!("{year}/{name}"),
                std::fs::read(dir.join(&name)).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn latest_over_http_streams_the_named_archive() {
    let members = vex_members();
    assert!(members.len() >= 10);
    let (server, log) = serve(vec![
        (
            "/vex/archive_latest.txt".into(),
            b"csaf_vex_2025-01-05.tar.zst\n".to_vec(),
        ),
        (
            "/vex/csaf_vex_2025-01-05.tar.zst".into(),
            tar_zst(&members).unwrap(),
        ),
        (
            "/gone/archive_latest.txt".into(),
            b"missing.tar.zst".to_vec(),
        ),
    ]);
    let base = format!("http://{}", server.host());
    let got = read_all(
        open_location(
            &format!("latest:{base}/vex/archive_latest.txt"),
            &FetchOptions::default(),
        )
        .unwrap(),
    );
    let want: Vec<(String, String, Result<Vec<u8>, String>)> = members
        .iter()
        .map(|(m, b)| {
            (
                format!("{base}/vex/csaf_vex_2025-01-05.tar.zst!{m}"),
                m.rsplit('/').next().unwrap().to_owned(),
                Ok(b.clone()),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "/vex/archive_latest.txt",
            "/vex/csaf_vex_2025-01-05.tar.zst"
        ]
    );
    // A named location that is not there: the input fails, naming it and the index.
    let got = read_all(
        open_location(
            &format!("latest:{base}/gone/archive_latest.txt"),
            &FetchOptions::default(),
        )
        .unwrap(),
    );
    assert_eq!(got.len(), 1);
    let e = got[0].2.as_ref().unwrap_err();
    assert_eq!(
        e,
        &format!(
            "{base}/gone/missing.tar.zst (named by latest:{base}/gone/archive_latest.txt): no such file or directory"
        )
    );
}

#[test]
fn fetch_is_conditional_on_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let (feed, page_path, page) = local_al2(dir.path());
    let loc = format!("rss:{}", feed.display());
    let none = |_: &str| None;
    let opts = FetchOptions::default();
    let Fetched::Ready(first) = fetch(&loc, &[], None, &none, &opts).unwrap() else {
        panic!("not fetched")
    };
    assert_eq!(first.location, loc);
    let got = read_all(first.inputs(&opts).unwrap());
    assert_eq!(got[0].0, page_path.display().to_string());
    assert_eq!(got[0].2.as_ref().unwrap(), &page);
    let validators = first.validators.clone();
    assert!(validators.digest.is_some());
    // The same index: unchanged, whatever its pages (they are named by an unchanged index).
    std::fs::write(&page_path, b"changed").unwrap();
    assert!(matches!(
        fetch(&loc, &[], Some(&validators), &none, &opts).unwrap(),
        Fetched::NotModified
    ));
    // A changed index: fetched again, pages included.
    let mut text = std::fs::read_to_string(&feed).unwrap();
    text.push('\n');
    std::fs::write(&feed, text).unwrap();
    let Fetched::Ready(again) = fetch(&loc, &[], Some(&validators), &none, &opts).unwrap() else {
        panic!("not fetched")
    };
    assert_ne!(again.validators, validators);
    let got = read_all(again.inputs(&opts).unwrap());
    assert_eq!(got[0].2.as_ref().unwrap(), b"changed");
}
