//! The `PostgreSQL` store against a real `PostgreSQL` server (the testkit's `Postgres`: Debian's
//! initdb/postgres on a free loopback port), compared with the `SQLite` store on the same real
//! feeds from ../shared/data.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use customs_db::{AdvisoryStore, DbError, FeedStore, Store};
use customs_db_postgres::PgStore;
use customs_feed::FetchOptions;
use customs_testkit::Postgres;

fn shared(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    assert!(p.exists(), "missing shared test data {}", p.display());
    p
}

/// The feeds both stores ingest: every Alpine secdb branch, the `PyPA` OSV database, and two
/// enrichment feeds (NVD, KEV).
fn feeds() -> Vec<(&'static str, PathBuf)> {
    vec![
        ("alpine-secdb", shared("feeds/alpine-secdb/json")),
        ("osv", shared("feeds/osv/pypa-advisory-database.tar.zst")),
        ("nvd", shared("feeds/nvd/nvd-api2-full-page.json")),
        ("kev", shared("feeds/nvd/cisa-kev-sample.json")),
    ]
}

fn update(store: &mut dyn FeedStore, kind: &str, location: &Path) -> Result<u64, DbError> {
    let opts = FetchOptions::default();
    let locations = [location.display().to_string()];
    match customs_ecosystems::feed(kind).expect("known feed") {
        customs_ecosystems::Feed::Advisories(p) => store.update_feed(p.as_ref(), &locations, &opts),
        customs_ecosystems::Feed::Enrichment(p) => {
            store.update_enrichment(p.as_ref(), &locations, &opts)
        }
    }
}

/// Every (namespace, package) and vulnerability id in the `SQLite` database, read directly.
fn keys(db: &Path) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut s = c
        .prepare("SELECT DISTINCT namespace, package FROM advisory_sets")
        .unwrap();
    let pkgs = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut s = c
        .prepare("SELECT DISTINCT vulnerability_id FROM vulnerabilities")
        .unwrap();
    let ids = s
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (pkgs, ids)
}

#[test]
fn same_feeds_give_identical_records_counts_and_digest_in_both_stores() {
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("same").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("customs.db");
    let mut sqlite = Store::open_for_update(&db).unwrap();
    let mut postgres = PgStore::open_for_update(&url).unwrap();
    for (kind, location) in feeds() {
        let a = update(&mut sqlite, kind, &location).unwrap();
        let b = update(&mut postgres, kind, &location).unwrap();
        assert_eq!(a, b, "{kind}: record counts");
        assert!(a > 0, "{kind}: no records");
    }
    drop(sqlite);
    let sqlite = Store::open(&db).unwrap();
    let postgres = PgStore::open(&url).unwrap();

    let (sm, pm) = (sqlite.meta().unwrap(), postgres.meta().unwrap());
    assert!(sm.digest.is_some());
    assert_eq!(sm.digest, pm.digest, "database digests");
    let strip = |f: Vec<customs_db::FeedStatus>| -> Vec<(String, u64, Option<String>)> {
        f.into_iter()
            .map(|f| (f.kind, f.record_count, f.content_digest))
            .collect()
    };
    let sf = strip(sqlite.feeds().unwrap());
    assert_eq!(sf.len(), 4);
    assert_eq!(sf, strip(postgres.feeds().unwrap()));

    // Every lookup key gives the same records in the same order.
    let (pkgs, ids) = keys(&db);
    assert!(pkgs.len() > 1000, "{} packages", pkgs.len());
    let mut compared = 0;
    for (ns, pkg) in &pkgs {
        let a = sqlite.advisories(ns, pkg).unwrap();
        assert_eq!(a, postgres.advisories(ns, pkg).unwrap(), "{ns} {pkg}");
        compared += a.len();
    }
    let advisory_rows: u64 = sf
        .iter()
        .filter(|(k, ..)| k == "alpine-secdb" || k == "osv")
        .map(|(_, n, _)| n)
        .sum();
    assert_eq!(compared as u64, advisory_rows);
    assert!(!ids.is_empty());
    for id in &ids {
        let a = sqlite.vulnerability_info(id).unwrap();
        assert!(a.is_some());
        assert_eq!(a, postgres.vulnerability_info(id).unwrap(), "{id}");
    }
    assert_eq!(
        postgres
            .advisories("alpine:3.19", "no-such-package")
            .unwrap(),
        []
    );
    assert_eq!(postgres.vulnerability_info("CVE-0000-0000").unwrap(), None);

    // A snapshot file of the PostgreSQL database (what `db export` packs) is the same
    // database, and loading it into another PostgreSQL database gives the same again.
    let snap = tmp.path().join("snapshot.db");
    postgres.export_snapshot(&snap).unwrap();
    assert!(postgres.export_snapshot(&snap).is_err(), "overwrote a file");
    let snapshot = Store::open(&snap).unwrap();
    assert_eq!(snapshot.meta().unwrap().digest, sm.digest);
    assert_eq!(strip(snapshot.feeds().unwrap()), sf);
    let copy_url = pg.create_database("copy").unwrap();
    let mut copy = PgStore::open_for_update(&copy_url).unwrap();
    copy.import_snapshot(&snapshot).unwrap();
    assert_eq!(copy.meta().unwrap().digest, sm.digest);
    for (ns, pkg) in &pkgs {
        let a = sqlite.advisories(ns, pkg).unwrap();
        assert_eq!(a, snapshot.advisories(ns, pkg).unwrap(), "{ns} {pkg}");
        assert_eq!(a, copy.advisories(ns, pkg).unwrap(), "{ns} {pkg}");
    }
    for id in &ids {
        let a = sqlite.vulnerability_info(id).unwrap();
        assert_eq!(a, snapshot.vulnerability_info(id).unwrap(), "{id}");
        assert_eq!(a, copy.vulnerability_info(id).unwrap(), "{id}");
    }
    // The validators travelled, so the next update of an unchanged feed is conditional.
    assert_eq!(copy.validators().unwrap(), postgres.validators().unwrap());
    assert!(!copy.validators().unwrap().is_empty());
}

#[test]
fn a_failing_feed_keeps_the_previous_data() {
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("failing").unwrap();
    let mut store = PgStore::open_for_update(&url).unwrap();
    let good = shared("feeds/alpine-secdb/json/v3.19/main.json");
    let n = update(&mut store, "alpine-secdb", &good).unwrap();
    assert!(n > 100);
    let before_meta = store.meta().unwrap();
    let before = store.advisories("alpine:3.19", "openssl").unwrap();
    assert!(!before.is_empty());

    // The same file cut in the middle: parsing fails after many records were streamed into
    // the transaction.
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cut = tmp.path().join("main.json");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 4]).unwrap();
    let err = update(&mut store, "alpine-secdb", &cut).unwrap_err();
    assert!(matches!(err, DbError::Feed(_)), "{err}");
    store
        .record_failure(
            "alpine-secdb",
            &[cut.display().to_string()],
            &err.to_string(),
        )
        .unwrap();

    assert_eq!(store.meta().unwrap(), before_meta);
    assert_eq!(store.advisories("alpine:3.19", "openssl").unwrap(), before);
    let feeds = store.feeds().unwrap();
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].record_count, n);
    assert!(
        feeds[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("malformed")
    );
    let rows = pg
        .psql("failing", "SELECT count(*) FROM advisories")
        .unwrap();
    assert_eq!(rows.trim(), n.to_string());

    // A missing location fails before anything is touched, too.
    let err = update(&mut store, "alpine-secdb", &tmp.path().join("nope.json")).unwrap_err();
    assert!(matches!(err, DbError::Location(_)), "{err}");
    assert_eq!(store.meta().unwrap(), before_meta);
}

#[test]
fn newer_schemas_and_empty_databases_are_refused_clearly() {
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("versions").unwrap();
    // No customs schema yet: reading says to run an update.
    let err = PgStore::open(&url).unwrap_err();
    assert!(matches!(err, DbError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("customs db update"), "{err}");

    drop(PgStore::open_for_update(&url).unwrap());
    // Migrating again is a no-op.
    drop(PgStore::open_for_update(&url).unwrap());
    assert_eq!(
        pg.psql("versions", "SELECT version FROM customs_schema")
            .unwrap()
            .trim(),
        customs_db_postgres::SCHEMA_VERSION.to_string()
    );
    pg.psql("versions", "UPDATE customs_schema SET version = 99")
        .unwrap();
    for err in [
        PgStore::open(&url).unwrap_err(),
        PgStore::open_for_update(&url).unwrap_err(),
    ] {
        assert!(matches!(err, DbError::TooNew { found: 99, .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("schema 99 is newer than this customs supports"),
            "{msg}"
        );
        assert!(msg.contains("upgrade customs"), "{msg}");
    }

    // A server that is not there: a clear connection error naming the URL without password.
    let dead = format!("postgres://customs:pw@127.0.0.1:{}/versions", pg.port());
    drop(pg);
    let err = PgStore::open(&dead).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DbError::Backend { .. }), "{msg}");
    assert!(msg.contains("cannot connect"), "{msg}");
    assert!(!msg.contains(":pw@"), "{msg}");
}

/// Version A of a feed and version B changed in the test: one record removed, one added and
/// one modified (`edit` gets the parsed JSON of the real file).
fn versions(
    dir: &Path,
    name: &str,
    real: &Path,
    edit: impl Fn(&mut serde_json::Value),
) -> (Vec<u8>, Vec<u8>, PathBuf) {
    let a = std::fs::read(real).unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&a).unwrap();
    edit(&mut doc);
    let b = serde_json::to_vec(&doc).unwrap();
    (a, b, dir.join(name))
}

fn job(kind: &str, location: &Path) -> customs_db::FeedJob {
    let parser = match customs_ecosystems::feed(kind).expect("known feed") {
        customs_ecosystems::Feed::Advisories(p) => customs_db::UpdateParser::Advisories(p),
        customs_ecosystems::Feed::Enrichment(p) => customs_db::UpdateParser::Enrichment(p),
    };
    customs_db::FeedJob {
        parser,
        locations: vec![location.display().to_string()],
        mirrors: Vec::new(),
        opts: FetchOptions::default(),
    }
}

/// `updates` without the run times (each store's own clock).
fn timeless(updates: Vec<customs_db::FeedUpdate>) -> Vec<customs_db::FeedUpdate> {
    updates
        .into_iter()
        .map(|mut u| {
            u.at = String::new();
            u
        })
        .collect()
}

#[test]
fn both_stores_record_the_same_changes_and_skip_unchanged_feeds() {
    use customs_db::{DiffSelect, FeedChange};
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("changes").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("customs.db");
    let mut sqlite = Store::open_for_update(&db).unwrap();
    let mut postgres = PgStore::open_for_update(&url).unwrap();

    // Alpine 3.19 main: drop `aom` (three CVEs), add a package, move one `apache2` CVE to
    // another fixed version (a new record id: removed and added), list another twice (the
    // same key with two rows: modified). KEV: modify the first entry, drop the second, add one.
    let alpine = versions(
        tmp.path(),
        "main.json",
        &shared("feeds/alpine-secdb/json/v3.19/main.json"),
        |doc| {
            let pkgs = doc["packages"].as_array_mut().unwrap();
            assert_eq!(pkgs[0]["pkg"]["name"], "aom");
            pkgs.remove(0);
            let apache = pkgs
                .iter_mut()
                .find(|p| p["pkg"]["name"] == "apache2")
                .unwrap();
            let fixes = apache["pkg"]["secfixes"].as_object_mut().unwrap();
            let cves = fixes.remove("2.4.27-r1").unwrap();
            assert_eq!(cves, serde_json::json!(["CVE-2017-9798"]));
            fixes.insert("2.4.27-r5".into(), cves);
            // The same CVE listed twice for one fixed version: two rows under one key.
            let twice = fixes.get_mut("2.4.35-r0").unwrap().as_array_mut().unwrap();
            assert_eq!(*twice, ["CVE-2018-11763"]);
            twice.push("CVE-2018-11763".into());
            pkgs.push(serde_json::json!({"pkg": {"name": "customs-test",
                "secfixes": {"1.0-r1": ["CVE-2099-0001"]}}}));
        },
    );
    let kev = versions(
        tmp.path(),
        "kev.json",
        &shared("feeds/nvd/cisa-kev-sample.json"),
        |doc| {
            let v = doc["vulnerabilities"].as_array_mut().unwrap();
            assert_eq!(v.len(), 2);
            v.pop();
            v[0]["dueDate"] = "2099-01-01".into();
            let mut added = v[0].clone();
            added["cveID"] = "CVE-2099-0002".into();
            v.push(added);
        },
    );
    let jobs = [job("alpine-secdb", &alpine.2), job("kev", &kev.2)];
    let run = |sqlite: &mut Store, postgres: &mut PgStore, force: bool| {
        let a: Vec<FeedChange> = customs_db::run_update(sqlite, &jobs, 1, force, &())
            .into_iter()
            .map(|r| r.result.unwrap())
            .collect();
        let run_at = jiff::Timestamp::now().to_string();
        let b: Vec<FeedChange> = jobs
            .iter()
            .map(|j| postgres.update_job(j, force, &run_at).unwrap())
            .collect();
        assert_eq!(a, b, "update outcomes");
        a
    };

    for (i, (alpine_bytes, kev_bytes)) in [(&alpine.0, &kev.0), (&alpine.1, &kev.1)]
        .into_iter()
        .enumerate()
    {
        std::fs::write(&alpine.2, alpine_bytes).unwrap();
        std::fs::write(&kev.2, kev_bytes).unwrap();
        let outcome = run(&mut sqlite, &mut postgres, false);
        for o in &outcome {
            let FeedChange::Updated(s) = o else {
                panic!("run {i}: {o:?}");
            };
            assert_eq!(s.initial, i == 0);
        }
    }

    let s = timeless(FeedStore::updates(&sqlite, None, &DiffSelect::All).unwrap());
    let p = timeless(FeedStore::updates(&postgres, None, &DiffSelect::All).unwrap());
    assert_eq!(s, p, "recorded updates");
    assert_eq!(p.len(), 4);
    let last =
        timeless(FeedStore::updates(&postgres, Some("alpine-secdb"), &DiffSelect::Last).unwrap());
    assert_eq!(last.len(), 1);
    let alpine_diff = &last[0];
    assert!(!alpine_diff.initial);
    let listed = |change: &str| {
        alpine_diff
            .changes
            .iter()
            .filter(|c| c.change == change)
            .map(|c| {
                format!(
                    "{}/{}/{} {}",
                    c.namespace, c.package, c.vulnerability_id, c.record_id
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed("removed"),
        [
            "alpine:3.19/aom/CVE-2021-30473 v3.19/main/aom/3.1.1-r0",
            "alpine:3.19/aom/CVE-2021-30474 v3.19/main/aom/3.1.1-r0",
            "alpine:3.19/aom/CVE-2021-30475 v3.19/main/aom/3.1.1-r0",
            "alpine:3.19/apache2/CVE-2017-9798 v3.19/main/apache2/2.4.27-r1"
        ]
    );
    assert_eq!(
        listed("added"),
        [
            "alpine:3.19/apache2/CVE-2017-9798 v3.19/main/apache2/2.4.27-r5",
            "alpine:3.19/customs-test/CVE-2099-0001 v3.19/main/customs-test/1.0-r1"
        ]
    );
    assert_eq!(
        listed("modified"),
        ["alpine:3.19/apache2/CVE-2018-11763 v3.19/main/apache2/2.4.35-r0"]
    );
    assert_eq!(
        (alpine_diff.added, alpine_diff.removed, alpine_diff.modified),
        (2, 4, 1)
    );
    let kev_diff = p.iter().rfind(|u| u.feed == "kev").unwrap();
    let dropped: serde_json::Value = serde_json::from_slice(&kev.0).unwrap();
    let dropped = dropped["vulnerabilities"][1]["cveID"].as_str().unwrap();
    let ids: Vec<(&str, &str)> = kev_diff
        .changes
        .iter()
        .map(|c| (c.change.as_str(), c.vulnerability_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("added", "CVE-2099-0002"),
            ("modified", "CVE-2017-3066"),
            ("removed", dropped)
        ]
    );

    // Nothing changed: both stores report `unchanged` and PostgreSQL re-ingests nothing
    // (no new rows, no new update records, the same digest).
    let rows = |pg: &Postgres| {
        pg.psql(
            "changes",
            "SELECT (SELECT max(seq) FROM advisories), (SELECT max(seq) FROM vulnerabilities), \
             (SELECT count(*) FROM updates), (SELECT value FROM meta WHERE key = 'digest')",
        )
        .unwrap()
    };
    let before = rows(&pg);
    let outcome = run(&mut sqlite, &mut postgres, false);
    assert_eq!(outcome, [FeedChange::Unchanged, FeedChange::Unchanged]);
    assert_eq!(rows(&pg), before);
    // --force re-ingests: no changes, but a recorded update per feed.
    let outcome = run(&mut sqlite, &mut postgres, true);
    for o in outcome {
        assert!(
            matches!(o, FeedChange::Updated(s) if !s.initial && s.added + s.removed + s.modified == 0),
            "{o:?}"
        );
    }
    let s = timeless(FeedStore::updates(&sqlite, None, &DiffSelect::All).unwrap());
    let p = timeless(FeedStore::updates(&postgres, None, &DiffSelect::All).unwrap());
    assert_eq!(s, p);
    assert_eq!(p.len(), 6);
    assert_eq!(
        sqlite.meta().unwrap().digest,
        postgres.meta().unwrap().digest
    );
}

#[test]
fn the_schema_3_backfill_computes_the_same_record_ids_and_hashes() {
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("backfill").unwrap();
    let mut store = PgStore::open_for_update(&url).unwrap();
    for (kind, location) in [
        (
            "alpine-secdb",
            shared("feeds/alpine-secdb/json/v3.19/main.json"),
        ),
        ("kev", shared("feeds/nvd/cisa-kev-sample.json")),
    ] {
        update(&mut store, kind, &location).unwrap();
    }
    let q = "SELECT (SELECT count(*) || ' ' || sum(record_hash) || ' ' || \
               count(*) FILTER (WHERE record_id <> '') FROM advisories), \
             (SELECT count(*) || ' ' || sum(record_hash) FROM vulnerabilities)";
    let computed = pg.psql("backfill", q).unwrap();
    pg.psql(
        "backfill",
        "UPDATE advisories SET record_hash = 0, record_id = ''; UPDATE vulnerabilities SET record_hash = 0",
    )
    .unwrap();
    assert_ne!(pg.psql("backfill", q).unwrap(), computed);
    pg.psql("backfill", customs_db_postgres::BACKFILL_3)
        .unwrap();
    assert_eq!(pg.psql("backfill", q).unwrap(), computed);
}

/// Records when each feed started and finished, to see feeds in flight together.
#[derive(Default)]
struct InFlight {
    now: std::sync::Mutex<(usize, usize)>,
}

impl customs_db::UpdateProgress for InFlight {
    fn started(&self, _kind: &str) {
        let mut n = self.now.lock().unwrap();
        n.0 += 1;
        n.1 = n.1.max(n.0);
    }
    fn finished(&self, _report: &customs_db::FeedReport) {
        self.now.lock().unwrap().0 -= 1;
    }
}

/// `customs db update --db postgres://` runs feeds concurrently, as the `SQLite` updater
/// does: several feeds in flight at once, the same records and digest as `SQLite`, and a
/// failing feed that fails alone.
#[test]
fn feeds_are_updated_concurrently_with_the_sqlite_outcome() {
    let pg = Postgres::start().unwrap();
    let url = pg.create_database("concurrent").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, b"{\"packages\": [").unwrap();
    let mut jobs: Vec<customs_db::FeedJob> = feeds().iter().map(|(k, l)| job(k, l)).collect();
    let good = jobs.len();
    jobs.push(job("wolfi-secdb", &bad));

    let progress = InFlight::default();
    let reports = customs_db_postgres::run_update(&url, &jobs, 4, false, &progress).unwrap();
    assert_eq!(reports.len(), jobs.len());
    for (r, j) in reports.iter().zip(&jobs) {
        assert_eq!(r.kind, j.parser.kind());
    }
    assert!(
        reports[..good].iter().all(|r| r.result.is_ok()),
        "{reports:?}"
    );
    assert!(reports[good].result.is_err());
    assert!(
        progress.now.lock().unwrap().1 >= 2,
        "feeds were not updated concurrently"
    );

    let db = tmp.path().join("customs.db");
    let mut sqlite = Store::open_for_update(&db).unwrap();
    for (kind, location) in feeds() {
        update(&mut sqlite, kind, &location).unwrap();
    }
    let postgres = PgStore::open(&url).unwrap();
    assert_eq!(
        postgres.meta().unwrap().digest,
        sqlite.meta().unwrap().digest
    );
    let failed: Vec<_> = postgres
        .feeds()
        .unwrap()
        .into_iter()
        .filter(|f| f.last_error.is_some())
        .map(|f| f.kind)
        .collect();
    assert_eq!(failed, ["wolfi-secdb"]);
    // A second run: every good feed is unchanged.
    let again = customs_db_postgres::run_update(&url, &jobs[..good], 4, false, &()).unwrap();
    assert!(
        again
            .iter()
            .all(|r| matches!(r.result, Ok(customs_db::FeedChange::Unchanged))),
        "{again:?}"
    );
}
