//! `run_update` against a real HTTP server on loopback: conditional requests (`ETag` → 304, the
//! feed is not re-ingested), gzip transfer, retries honouring `Retry-After` on 429/503,
//! mirrors when the primary fails, NVD `.meta` checksum verification (a mismatch fails that
//! feed only and keeps its previous rows), and feeds updated side by side.
//!
//! The server is a few lines of `std::net` that implement exactly the HTTP features under
//! test (Python's `http.server` has no `ETag`s); the feed bodies are real upstream files.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use customs_db::{FeedChange, FeedJob, FeedReport, Store, UpdateParser, run_update};
use customs_feed::FetchOptions;
use sha2::Digest as _;

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

#[derive(Default)]
struct Log {
    hits: HashMap<String, u32>,
    headers: Vec<(String, HashMap<String, String>)>,
}

struct Server {
    base: String,
    log: Arc<Mutex<Log>>,
}

impl Server {
    fn hits(&self, path: &str) -> u32 {
        self.log
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Serves:
/// * `/secdb/v3.19/main.json` — `ETag` `"v1"`, 304 on a matching `If-None-Match`, gzip
///   content-encoding when asked;
/// * `/flaky/v3.19/main.json` — 429 (Retry-After: 1), then 503, then the file;
/// * `/down/…` — always 500; `/mirror/…` — the secdb file;
/// * `/feeds/json/cve/2.0/nvdcve-2.0-2024.json.gz` and its `.meta` (correct sha256);
/// * `/bad/feeds/json/cve/2.0/nvdcve-2.0-2023.json.gz` and a `.meta` with a wrong sha256.
fn serve() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let secdb = std::fs::read(shared("feeds/alpine-secdb/json/v3.19/main.json")).unwrap();
    let nvd = std::fs::read(shared("feeds/nvd/nvd-api2-full-page.json")).unwrap();
    let nvd_sha = hex::encode(sha2::Sha256::digest(&nvd));
    let nvd_gz = gz(&nvd);
    let log = Arc::new(Mutex::new(Log::default()));
    let log2 = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut headers = HashMap::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
            }
            let n = {
                let mut l = log2.lock().unwrap();
                l.headers.push((path.clone(), headers.clone()));
                let n = l.hits.entry(path.clone()).or_default();
                *n += 1;
                *n
            };
            let (status, extra, body): (&str, Vec<String>, Vec<u8>) = match path.as_str() {
                "/secdb/v3.19/main.json" => {
                    if headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
                        ("304 Not Modified", vec!["ETag: \"v1\"".into()], Vec::new())
                    } else if headers
                        .get("accept-encoding")
                        .is_some_and(|a| a.contains("gzip"))
                    {
                        (
                            "200 OK",
                            vec![
                                "ETag: \"v1\"".into(),
                                "Content-Encoding: gzip".into(),
                                "Last-Modified: Tue, 31 Dec 2024 00:00:00 GMT".into(),
                            ],
                            gz(&secdb),
                        )
                    } else {
                        ("200 OK", vec!["ETag: \"v1\"".into()], secdb.clone())
                    }
                }
                "/flaky/v3.19/main.json" => match n {
                    1 => (
                        "429 Too Many Requests",
                        vec!["Retry-After: 1".into()],
                        Vec::new(),
                    ),
                    2 => ("503 Service Unavailable", vec![], Vec::new()),
                    _ => ("200 OK", vec![], secdb.clone()),
                },
                p if p.starts_with("/down/") => ("500 Internal Server Error", vec![], Vec::new()),
                p if p.starts_with("/mirror/") => ("200 OK", vec![], secdb.clone()),
                "/feeds/json/cve/2.0/nvdcve-2.0-2024.json.gz"
                | "/bad/feeds/json/cve/2.0/nvdcve-2.0-2023.json.gz" => {
                    ("200 OK", vec![], nvd_gz.clone())
                }
                "/feeds/json/cve/2.0/nvdcve-2.0-2024.meta" => (
                    "200 OK",
                    vec![],
                    format!(
                        "lastModifiedDate:2024-12-31T00:00:00-05:00\r\nsize:{}\r\ngzSize:{}\r\nsha256:{}\r\n",
                        nvd.len(),
                        nvd_gz.len(),
                        nvd_sha.to_uppercase()
                    )
                    .into_bytes(),
                ),
                "/bad/feeds/json/cve/2.0/nvdcve-2.0-2023.meta" => (
                    "200 OK",
                    vec![],
                    format!("size:{}\r\nsha256:{}\r\n", nvd.len(), "AB".repeat(32)).into_bytes(),
                ),
                _ => ("404 Not Found", vec![], Vec::new()),
            };
            let mut head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for h in extra {
                head.push_str(&h);
                head.push_str("\r\n");
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let _ = stream.flush();
            // Drain anything left so the client sees a clean close.
            let _ = stream.set_read_timeout(Some(Duration::from_millis(10)));
            let _ = reader.read(&mut [0u8; 64]);
        }
    });
    Server { base, log }
}

fn opts() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_secs(20),
        retry_base: Duration::from_millis(100),
        ..FetchOptions::default()
    }
}

fn alpine(locations: Vec<String>, mirrors: Vec<String>) -> FeedJob {
    FeedJob {
        parser: UpdateParser::Advisories(Arc::new(customs_alpine::AlpineSecdbParser)),
        locations,
        mirrors,
        opts: opts(),
    }
}

fn nvd(location: String) -> FeedJob {
    FeedJob {
        parser: UpdateParser::Enrichment(Arc::new(customs_nvd::NvdParser)),
        locations: vec![location],
        mirrors: Vec::new(),
        opts: opts(),
    }
}

fn records(r: &FeedReport) -> u64 {
    match &r.result {
        Ok(FeedChange::Updated(s)) => s.records,
        other => panic!("{}: expected an update, got {other:?}", r.kind),
    }
}

/// The independent count of the served secdb file: one record per id token (`CVE-…`,
/// `XSA-…`, …; lines may hold several ids and a comment) in each secfixes list.
fn secdb_entries() -> u64 {
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(shared("feeds/alpine-secdb/json/v3.19/main.json")).unwrap(),
    )
    .unwrap();
    let mut n = 0u64;
    for p in v["packages"].as_array().unwrap() {
        for (_, cves) in p["pkg"]["secfixes"].as_object().unwrap() {
            for line in cves.as_array().unwrap() {
                n += line
                    .as_str()
                    .unwrap()
                    .split([' ', ','])
                    .filter(|t| {
                        t.split_once('-').is_some_and(|(p, r)| {
                            p.len() >= 2
                                && p.bytes().all(|b| b.is_ascii_uppercase())
                                && !r.is_empty()
                                && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        })
                    })
                    .count() as u64;
            }
        }
    }
    n
}

#[test]
fn etag_304_skips_the_feed_and_gzip_transfer_is_decoded() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_for_update(&dir.path().join("c.db")).unwrap();
    let url = format!("{}/secdb/v3.19/main.json", server.base);
    let jobs = [alpine(vec![url.clone()], vec![])];
    let first = run_update(&mut store, &jobs, 2, false, &());
    let n = records(&first[0]);
    assert_eq!(n, secdb_entries());
    {
        let log = server.log.lock().unwrap();
        let (_, h) = log
            .headers
            .iter()
            .find(|(p, _)| *p == "/secdb/v3.19/main.json")
            .unwrap();
        assert!(
            h.get("accept-encoding").is_some_and(|a| a.contains("gzip")),
            "{h:?}"
        );
        assert!(
            !h.contains_key("if-none-match"),
            "first fetch is unconditional"
        );
    }
    let digest = store.meta().unwrap().digest;

    let second = run_update(&mut store, &jobs, 2, false, &());
    assert!(
        matches!(second[0].result, Ok(FeedChange::Unchanged)),
        "{:?}",
        second[0].result
    );
    {
        let log = server.log.lock().unwrap();
        let (_, h) = log
            .headers
            .iter()
            .rfind(|(p, _)| *p == "/secdb/v3.19/main.json")
            .unwrap();
        assert_eq!(h.get("if-none-match").map(String::as_str), Some("\"v1\""));
        assert_eq!(
            h.get("if-modified-since").map(String::as_str),
            Some("Tue, 31 Dec 2024 00:00:00 GMT")
        );
    }
    assert_eq!(store.meta().unwrap().digest, digest, "nothing re-ingested");
    assert_eq!(
        store
            .updates(None, &customs_db::DiffSelect::All)
            .unwrap()
            .len(),
        1
    );

    // --force ignores the validators.
    let forced = run_update(&mut store, &jobs, 2, true, &());
    assert_eq!(records(&forced[0]), n);
    assert_eq!(server.hits("/secdb/v3.19/main.json"), 3);
}

#[test]
fn retries_honour_retry_after_and_mirrors_take_over() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_for_update(&dir.path().join("c.db")).unwrap();
    let started = Instant::now();
    let flaky = run_update(
        &mut store,
        &[alpine(
            vec![format!("{}/flaky/v3.19/main.json", server.base)],
            vec![],
        )],
        1,
        false,
        &(),
    );
    let n = records(&flaky[0]);
    assert_eq!(
        server.hits("/flaky/v3.19/main.json"),
        3,
        "429, 503, then 200"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured ({:?})",
        started.elapsed()
    );

    // The primary always answers 500: after its retries the mirror is used.
    let mirrored = run_update(
        &mut store,
        &[alpine(
            vec![format!("{}/down/v3.19/main.json", server.base)],
            vec![
                format!("{}/nowhere", server.base),
                format!("{}/mirror", server.base),
            ],
        )],
        1,
        false,
        &(),
    );
    assert_eq!(records(&mirrored[0]), n);
    assert_eq!(server.hits("/down/v3.19/main.json"), 4, "1 try + 3 retries");
    assert_eq!(
        server.hits("/nowhere/down/v3.19/main.json"),
        1,
        "404 is not retried"
    );
    assert_eq!(server.hits("/mirror/down/v3.19/main.json"), 1);
}

#[test]
fn nvd_meta_checksum_is_verified_and_a_mismatch_fails_only_that_feed() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_for_update(&dir.path().join("c.db")).unwrap();
    let good = format!("{}/feeds/json/cve/2.0/nvdcve-2.0-2024.json.gz", server.base);
    let bad = format!(
        "{}/bad/feeds/json/cve/2.0/nvdcve-2.0-2023.json.gz",
        server.base
    );
    let secdb = format!("{}/secdb/v3.19/main.json", server.base);
    let reports = run_update(
        &mut store,
        &[nvd(good.clone()), alpine(vec![secdb.clone()], vec![])],
        2,
        false,
        &(),
    );
    let nvd_records = records(&reports[0]);
    assert_eq!(nvd_records, 38, "the page's 38 CVEs");
    records(&reports[1]);
    assert_eq!(server.hits("/feeds/json/cve/2.0/nvdcve-2.0-2024.meta"), 1);

    // Now the same feed from a location whose .meta disagrees: that feed fails, the other
    // feed in the run still updates, the NVD rows stay.
    let reports = run_update(
        &mut store,
        &[nvd(bad), alpine(vec![secdb], vec![])],
        2,
        true,
        &(),
    );
    let err = reports[0].result.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("checksum") && err.contains("does not match"),
        "{err}"
    );
    records(&reports[1]);
    let status = store.feeds().unwrap();
    let nvd_status = status.iter().find(|f| f.kind == "nvd").unwrap();
    assert_eq!(nvd_status.record_count, nvd_records);
    assert!(
        nvd_status
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("checksum"))
    );
    assert!(
        store
            .vulnerability_info("CVE-2023-27314")
            .unwrap()
            .is_some()
    );
}
