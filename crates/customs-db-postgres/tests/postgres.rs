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
