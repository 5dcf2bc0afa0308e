//! `customs db diff`'s data: an update with an old copy of a real feed, then the real one,
//! records exactly the records that were added, removed and modified.
//!
//! The feed is 300 real `RustSec` OSV records. The "old" copy is made by removing three records
//! (they are *added* by the newer copy), adding one fabricated record (*removed*), and
//! editing the `fixed` version of two records (*modified*). The expected keys are each
//! touched record's rows as the OSV parser emits them, read one record at a time.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use customs_db::{DiffSelect, FeedChange, FeedJob, Store, UpdateParser, run_update};
use customs_feed::{FeedInput, FeedParser, FetchOptions};

type Key = (String, String, String, String);

fn rustsec_records(n: usize) -> Vec<(String, serde_json::Value)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/feeds/osv/rustsec-osv.tar.zst");
    let mut ar = tar::Archive::new(zstd::Decoder::new(std::fs::File::open(path).unwrap()).unwrap());
    let mut out = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        if !name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        let mut s = String::new();
        e.read_to_string(&mut s).unwrap();
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        let file = name.rsplit('/').next().unwrap().to_owned();
        out.push((file, v));
        if out.len() == n {
            break;
        }
    }
    out
}

fn keys_of(v: &serde_json::Value) -> BTreeSet<Key> {
    let parser = customs_osv::OsvFeedParser::osv();
    let input = FeedInput {
        kind: "osv".into(),
        location: "test".into(),
        file_name: "r.json".into(),
    };
    let bytes = serde_json::to_vec(v).unwrap();
    let mut keys = BTreeSet::new();
    parser
        .parse(&input, &mut bytes.as_slice(), &mut |a| {
            keys.insert((a.namespace, a.package, a.vulnerability_id, a.record_id));
        })
        .unwrap();
    keys
}

fn write_dir(dir: &Path, records: &[(String, serde_json::Value)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, v) in records {
        std::fs::write(dir.join(name), serde_json::to_vec_pretty(v).unwrap()).unwrap();
    }
}

/// Sets the first `fixed` event of the record to another version; false if it has none.
fn edit_fixed(v: &mut serde_json::Value) -> bool {
    for a in v["affected"].as_array_mut().into_iter().flatten() {
        for r in a["ranges"].as_array_mut().into_iter().flatten() {
            for e in r["events"].as_array_mut().into_iter().flatten() {
                if let Some(f) = e.get_mut("fixed") {
                    *f = serde_json::Value::String("0.0.1-edited".into());
                    return true;
                }
            }
        }
    }
    false
}

#[test]
fn the_diff_lists_exactly_the_removed_added_and_edited_records() {
    let new = rustsec_records(300);
    assert_eq!(new.len(), 300);
    let mut old = new.clone();
    let mut expect_added = BTreeSet::new();
    let mut expect_removed = BTreeSet::new();
    let mut expect_modified = BTreeSet::new();
    // Records that give rows (informational advisories without ranges give none).
    let with_rows: Vec<usize> = (0..new.len())
        .filter(|&i| !keys_of(&new[i].1).is_empty())
        .collect();
    assert!(with_rows.len() > 100, "{}", with_rows.len());
    // Three records are missing from the old copy.
    let gone: Vec<&String> = [10, 50, 90].iter().map(|&i| &new[with_rows[i]].0).collect();
    for &i in &[10, 50, 90] {
        expect_added.extend(keys_of(&new[with_rows[i]].1));
    }
    old.retain(|(name, _)| !gone.contains(&name));
    // Two records had another fixed version.
    let mut edited = 0;
    for (_, v) in &mut old {
        if edited == 2 {
            break;
        }
        let before = keys_of(v);
        if !before.is_empty() && edit_fixed(v) {
            assert_eq!(
                keys_of(v),
                before,
                "editing the fixed version keeps the keys"
            );
            expect_modified.extend(before);
            edited += 1;
        }
    }
    assert_eq!(edited, 2);
    // One record the newer copy no longer has.
    let mut fake = new[with_rows[5]].1.clone();
    fake["id"] = serde_json::Value::String("RUSTSEC-2099-0001".into());
    fake["aliases"] = serde_json::json!([]);
    expect_removed.extend(keys_of(&fake));
    old.push(("RUSTSEC-2099-0001.json".into(), fake));
    assert!(!expect_added.is_empty() && !expect_removed.is_empty());

    let tmp = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (tmp.path().join("old"), tmp.path().join("new"));
    write_dir(&old_dir, &old);
    write_dir(&new_dir, &new);
    let mut store = Store::open_for_update(&tmp.path().join("db/c.db")).unwrap();
    // The same location path for both updates: only its content changes.
    let feed = tmp.path().join("feed");
    let job = || FeedJob {
        parser: UpdateParser::Advisories(Arc::new(customs_osv::OsvFeedParser::osv())),
        locations: vec![feed.display().to_string()],
        mirrors: Vec::new(),
        opts: FetchOptions::default(),
    };
    std::fs::rename(&old_dir, &feed).unwrap();
    let first = run_update(&mut store, &[job()], 1, false, &());
    assert!(matches!(first[0].result, Ok(FeedChange::Updated(s)) if s.initial));
    std::fs::rename(&feed, tmp.path().join("old")).unwrap();
    std::fs::rename(&new_dir, &feed).unwrap();
    let second = run_update(&mut store, &[job()], 1, false, &());
    let Ok(FeedChange::Updated(summary)) = second[0].result else {
        panic!("{:?}", second[0].result);
    };
    assert!(!summary.initial);

    let updates = store.updates(Some("osv"), &DiffSelect::Last).unwrap();
    assert_eq!(updates.len(), 1);
    let u = &updates[0];
    let pick = |kind: &str| -> BTreeSet<Key> {
        u.changes
            .iter()
            .filter(|c| c.change == kind)
            .map(|c| {
                (
                    c.namespace.clone(),
                    c.package.clone(),
                    c.vulnerability_id.clone(),
                    c.record_id.clone(),
                )
            })
            .collect()
    };
    assert_eq!(pick("added"), expect_added);
    assert_eq!(pick("removed"), expect_removed);
    assert_eq!(pick("modified"), expect_modified);
    assert_eq!(
        u.changes.len(),
        expect_added.len() + expect_removed.len() + expect_modified.len()
    );
    assert_eq!(
        (u.added, u.removed, u.modified),
        (
            expect_added.len() as u64,
            expect_removed.len() as u64,
            expect_modified.len() as u64
        )
    );
    // All updates: the first ingest (totals only) and this one.
    let all = store.updates(None, &DiffSelect::All).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0].initial && all[0].changes.is_empty());
    // A third update with nothing changed records nothing; --last still shows the second.
    let third = run_update(&mut store, &[job()], 1, false, &());
    assert!(matches!(third[0].result, Ok(FeedChange::Unchanged)));
    assert_eq!(store.updates(None, &DiffSelect::Last).unwrap(), updates);
}

#[test]
fn a_schema_2_database_is_migrated_with_its_rows() {
    // Build a schema-2 database by hand (the tables schema 2 had, rows as schema 2 wrote
    // them), then open it for update: it goes through schema 3 (record ids, hashes) to
    // schema 4 (compressed sets), and reads back the same advisories.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.db");
    let record = |id: &str, fixed: &str| {
        format!(
            r#"{{"vulnerability_id":"{id}","namespace":"crates.io","package":"x","scheme":"semver","status":"fixed","affected":{{"kind":"osv","value":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}},"fixed_version":"{fixed}","severity":"high","source":"osv","record_id":"{id}/0"}}"#
        )
    };
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE feeds (kind TEXT PRIMARY KEY, locations TEXT NOT NULL, record_count INTEGER NOT NULL DEFAULT 0,
               fetched_at TEXT, content_digest TEXT, last_error TEXT);
             CREATE TABLE advisories (feed TEXT NOT NULL, namespace TEXT NOT NULL, package TEXT NOT NULL,
               vulnerability_id TEXT NOT NULL, record TEXT NOT NULL);
             CREATE TABLE vulnerabilities (feed TEXT NOT NULL, vulnerability_id TEXT NOT NULL, record TEXT NOT NULL);
             PRAGMA user_version = 2;",
        )
        .unwrap();
        for (id, fixed) in [("RUSTSEC-2", "2.0.0"), ("RUSTSEC-1", "1.0.1")] {
            c.execute(
                "INSERT INTO advisories VALUES ('osv', 'crates.io', 'x', ?1, ?2)",
                [id, &record(id, fixed)],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO vulnerabilities VALUES ('kev', 'CVE-2021-44228', ?1)",
            [r#"{"id":"CVE-2021-44228","kev":{"date_added":"2021-12-10"}}"#],
        )
        .unwrap();
    }
    assert!(
        Store::open(&path)
            .unwrap_err()
            .to_string()
            .contains("migrate")
    );
    drop(Store::open_for_update(&path).unwrap());
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.meta().unwrap().schema_version,
        customs_db::SCHEMA_VERSION
    );
    let advs = store.advisories("crates.io", "x").unwrap();
    let expected: Vec<customs_model::Advisory> = ["RUSTSEC-1", "RUSTSEC-2"]
        .iter()
        .map(|id| {
            let fixed = if *id == "RUSTSEC-1" { "1.0.1" } else { "2.0.0" };
            serde_json::from_str(&record(id, fixed)).unwrap()
        })
        .collect();
    assert_eq!(advs, expected);
    let info = store.vulnerability_info("CVE-2021-44228").unwrap().unwrap();
    assert!(info.kev.is_some());
    // One set row, compressed: no JSON text in the file's advisory rows.
    let c = rusqlite::Connection::open(&path).unwrap();
    let (n, blob): (i64, Vec<u8>) = c
        .query_row("SELECT count(*), records FROM advisory_sets", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(n, 1);
    assert!(!blob.windows(9).any(|w| w == b"RUSTSEC-1"));
}

type Set = (String, String, String, Vec<customs_model::Advisory>);

/// Schema 4 stored each advisory set as a JSON array of `[hash, record]`; schema 5 stores a
/// binary form. A schema-4 database is migrated in place: the same advisories come back, the
/// sets are rewritten, and the hashes are recomputed so the next update records exactly the
/// record that changed, not every record.
#[test]
fn a_schema_4_database_is_migrated_and_the_next_update_compares_like_with_like() {
    let mut records = rustsec_records(300);
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed");
    write_dir(&feed, &records);
    let path = tmp.path().join("c.db");
    let job = || FeedJob {
        parser: UpdateParser::Advisories(Arc::new(customs_osv::OsvFeedParser::osv())),
        locations: vec![feed.display().to_string()],
        mirrors: Vec::new(),
        opts: FetchOptions::default(),
    };
    let mut store = Store::open_for_update(&path).unwrap();
    let first = run_update(&mut store, &[job()], 1, false, &());
    assert!(matches!(first[0].result, Ok(FeedChange::Updated(_))));
    drop(store);

    // Rewrite the database as schema 4 wrote it.
    let c = rusqlite::Connection::open(&path).unwrap();
    let sets: Vec<Set> = {
        let mut stmt = c
            .prepare("SELECT feed, namespace, package, records FROM advisory_sets ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| {
            let (feed, ns, pkg): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let frame: Vec<u8> = r.get(3)?;
            let advs = customs_db::read_stored_set(&frame, &ns, &pkg, &feed).unwrap();
            Ok((feed, ns, pkg, advs))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    assert!(sets.len() > 100, "{}", sets.len());
    for (feed, ns, pkg, advs) in &sets {
        let pairs: Vec<serde_json::Value> = advs
            .iter()
            .map(|a| {
                let mut stored = a.clone();
                (stored.namespace, stored.package) = (String::new(), String::new());
                if stored.source == *feed {
                    stored.source.clear();
                }
                let json = serde_json::to_string(&stored).unwrap();
                serde_json::json!([customs_db::record_hash(&json), stored])
            })
            .collect();
        let raw = serde_json::to_vec(&pairs).unwrap();
        let frame = zstd::bulk::compress(&raw, 3).unwrap();
        c.execute(
            "UPDATE advisory_sets SET records = ?1 WHERE feed = ?2 AND namespace = ?3 AND package = ?4",
            rusqlite::params![frame, feed, ns, pkg],
        )
        .unwrap();
    }
    c.execute_batch("PRAGMA user_version = 4;").unwrap();
    drop(c);
    let err = Store::open(&path).unwrap_err().to_string();
    assert!(err.contains("schema 4") && err.contains("migrate"), "{err}");

    let mut store = Store::open_for_update(&path).unwrap();
    for (_, ns, pkg, advs) in &sets {
        let back = store.advisories(ns, pkg).unwrap();
        assert_eq!(&back, advs, "{ns}/{pkg}");
    }
    assert_eq!(
        store.meta().unwrap().schema_version,
        customs_db::SCHEMA_VERSION
    );
    let c = rusqlite::Connection::open(&path).unwrap();
    let frames: Vec<Vec<u8>> = c
        .prepare("SELECT records FROM advisory_sets")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for f in &frames {
        // Schema 5's LZ4 block (tag 4), not schema 4's zstd frame of JSON.
        assert_eq!(f[0], 4, "a set is still a zstd frame after the migration");
    }

    // One record edited upstream: the diff names its rows as modified, and nothing else.
    let i = records
        .iter()
        .position(|(_, v)| !keys_of(v).is_empty() && edit_fixed(&mut v.clone()))
        .unwrap();
    let expect = keys_of(&records[i].1);
    assert!(edit_fixed(&mut records[i].1));
    write_dir(&feed, &records);
    let second = run_update(&mut store, &[job()], 1, false, &());
    let Ok(FeedChange::Updated(summary)) = &second[0].result else {
        panic!("{:?}", second[0].result);
    };
    assert_eq!(
        (summary.added, summary.removed, summary.modified),
        (0, 0, expect.len() as u64)
    );
    let updates = store.updates(Some("osv"), &DiffSelect::Last).unwrap();
    let modified: BTreeSet<Key> = updates[0]
        .changes
        .iter()
        .map(|c| {
            (
                c.namespace.clone(),
                c.package.clone(),
                c.vulnerability_id.clone(),
                c.record_id.clone(),
            )
        })
        .collect();
    assert_eq!(modified, expect);
}
