//! Ingesting a feed in two steps: *stage* (parse every input into a private scratch `SQLite`
//! file, no lock on the database) and *commit* (one short write transaction that swaps the
//! feed's rows, records what changed and refreshes the digests).
//!
//! Splitting the work this way lets `customs db update` parse several feeds at once while
//! `SQLite` allows one writer: the expensive part (download, decompression, XML/JSON
//! parsing) runs in parallel, and the commit is an `INSERT … SELECT` from the attached
//! scratch file, which takes a fraction of the parse time.
//!
//! ## Change records (`customs db diff`)
//!
//! A record's *key* is (namespace, package, vulnerability id, record id); for enrichment
//! records it is the vulnerability id alone. Each record carries a 32-bit hash of its stored
//! JSON (advisory sets keep it next to each record, see the `records` module). At commit,
//! the old records' keys and hashes are read out of the feed's stored sets into the scratch
//! file, then old and new records are grouped by key and each group summarised by (record
//! count, sum of hashes): a key only in the new rows is *added*, only in the old *removed*, in both
//! with a different summary *modified*. Summing 32-bit values cannot overflow `SQLite`'s 64-bit
//! integers, and a key with several rows (OSV gives one row per affected range) is compared
//! as a whole. The first ingest of a feed records only its totals (every record would be
//! "added"). The change rows of the last [`KEPT_UPDATES`] updates of each feed are kept.
//!
//! ## Crash safety
//!
//! Nothing touches the database until the commit transaction, and `SQLite` (WAL journal)
//! makes that transaction atomic even under `kill -9`; the previous records stay readable
//! throughout. Scratch files live next to the database as `.customs-staging-*` directories;
//! a killed update leaves one behind, which the next update removes once it is an hour old.

use std::path::{Path, PathBuf};
use std::time::Duration;

use customs_feed::{DigestingReader, FeedInput, FetchOptions, Source, Validators};
use customs_model::Digest;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::Digest as _;

use crate::{DbError, ParseInto, Store, Table, records, refresh_meta};

/// How many updates per feed keep their change records.
pub const KEPT_UPDATES: i64 = 20;

/// A feed parsed into a scratch file, ready for [`Store::commit_staged`].
#[derive(Debug)]
pub struct StagedFeed {
    pub(crate) kind: String,
    pub(crate) table: Table,
    pub(crate) locations: Vec<String>,
    pub(crate) sources: Vec<(String, Validators)>,
    pub(crate) count: u64,
    pub(crate) content_digest: Digest,
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl StagedFeed {
    /// How many records were parsed.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// What committing a feed changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitSummary {
    pub records: u64,
    pub added: u64,
    pub removed: u64,
    pub modified: u64,
    /// The feed had never been ingested: no per-record changes were recorded.
    pub initial: bool,
}

/// The 32-bit hash of a record's stored form that change detection compares: the first four
/// bytes of its SHA-256, big-endian, as a non-negative integer. Each backend hashes the form
/// it stores (this one the binary form of the `codec` module, `PostgreSQL` the JSON); both are
/// a function of the whole record, so they agree on which records were modified.
#[must_use]
pub fn record_hash(stored: impl AsRef<[u8]>) -> i64 {
    let d = sha2::Sha256::digest(stored.as_ref());
    i64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}

fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> DbError + '_ {
    move |source| DbError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// Removes scratch directories a killed update left next to the database.
pub(crate) fn clean_stale_staging(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().starts_with(".customs-staging-") {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_hours(1));
        if old {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Parses every input of `sources` into a scratch database under `staging_dir`.
pub(crate) fn stage(
    kind: &str,
    table: Table,
    locations: &[String],
    sources: &[Source],
    staging_dir: &Path,
    opts: &FetchOptions,
    parse: &mut ParseInto<'_>,
) -> Result<StagedFeed, DbError> {
    let io = |source| DbError::Io {
        path: staging_dir.to_owned(),
        source,
    };
    fs_err::create_dir_all(staging_dir).map_err(io)?;
    let dir = tempfile::Builder::new()
        .prefix(".customs-staging-")
        .tempdir_in(staging_dir)
        .map_err(io)?;
    let file = dir.path().join("staged.db");
    let sqlite = sqlite_err(&file);
    let mut conn = Connection::open(&file).map_err(&sqlite)?;
    conn.execute_batch(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
         CREATE TABLE rows (namespace TEXT NOT NULL, package TEXT NOT NULL,
           vulnerability_id TEXT NOT NULL, record_id TEXT NOT NULL,
           record_hash INTEGER NOT NULL, record BLOB NOT NULL);
         CREATE TABLE sets (namespace TEXT NOT NULL, package TEXT NOT NULL, records BLOB NOT NULL);
         CREATE TABLE old_rows (namespace TEXT NOT NULL, package TEXT NOT NULL,
           vulnerability_id TEXT NOT NULL, record_id TEXT NOT NULL, record_hash INTEGER NOT NULL);",
    )
    .map_err(&sqlite)?;
    let tx = conn.transaction().map_err(&sqlite)?;
    let mut count = 0u64;
    let mut feed_hasher = sha2::Sha256::new();
    {
        let mut insert = tx
            .prepare("INSERT INTO rows VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .map_err(&sqlite)?;
        for source in sources {
            for opened in source.inputs(opts)? {
                let input = FeedInput {
                    kind: kind.to_owned(),
                    location: opened.location.clone(),
                    file_name: opened.file_name.clone(),
                };
                let mut reader = DigestingReader::new(opened.reader);
                let mut insert_err = None;
                parse(&input, &mut reader, &mut |keys, record| {
                    if insert_err.is_some() {
                        return;
                    }
                    let h = record_hash(&record);
                    // Advisories are compressed per set below; enrichment records one by one.
                    let stored = match table {
                        Table::Advisories => record,
                        Table::Vulnerabilities => records::compress(&record),
                    };
                    match insert.execute(params![keys[0], keys[1], keys[2], keys[3], h, stored]) {
                        Ok(_) => count += 1,
                        Err(e) => insert_err = Some(e),
                    }
                })?;
                if let Some(e) = insert_err {
                    return Err(sqlite(e));
                }
                let digest = reader
                    .finish()
                    .map_err(|e| customs_feed::FeedError::io(&input, e))?;
                feed_hasher.update(digest.to_string().as_bytes());
                feed_hasher.update(b"\n");
            }
        }
    }
    if table == Table::Advisories {
        build_sets(&tx).map_err(&sqlite)?;
    }
    tx.commit().map_err(&sqlite)?;
    drop(conn);
    drop(sqlite);
    Ok(StagedFeed {
        kind: kind.to_owned(),
        table,
        locations: locations.to_vec(),
        sources: sources
            .iter()
            .map(|s| (s.location.clone(), s.validators.clone()))
            .collect(),
        count,
        content_digest: Digest::from_sha256_output(&feed_hasher.finalize()),
        _dir: dir,
        file,
    })
}

/// Groups the staged advisories into the sets the database stores (see the `records`
/// module), in the scratch file, so the commit only copies them.
fn build_sets(tx: &Connection) -> rusqlite::Result<()> {
    let mut read = tx.prepare(
        "SELECT namespace, package, record_hash, record FROM rows ORDER BY namespace, package, rowid",
    )?;
    let mut write = tx.prepare("INSERT INTO sets VALUES (?1, ?2, ?3)")?;
    let mut current: Option<(String, String)> = None;
    let mut records: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut rows = read.query([])?;
    loop {
        let next = rows.next()?;
        let key = match next {
            Some(r) => Some((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            None => None,
        };
        if let Some((namespace, package)) = &current
            && key.as_ref() != current.as_ref()
        {
            let frame = records::encode_set(records.iter().map(|(h, r)| (*h, r.as_slice())));
            write.execute(params![namespace, package, frame])?;
            records.clear();
        }
        let (Some(r), Some(key)) = (next, key) else {
            break;
        };
        records.push((r.get(2)?, r.get(3)?));
        current = Some(key);
    }
    Ok(())
}

/// Reads the keys and hashes of `kind`'s stored advisory sets into the scratch file's
/// `old_rows`, for the change query.
fn stage_old_keys(tx: &Connection, kind: &str) -> rusqlite::Result<()> {
    let mut read =
        tx.prepare("SELECT namespace, package, records FROM main.advisory_sets WHERE feed = ?1")?;
    let mut write = tx.prepare("INSERT INTO staged.old_rows VALUES (?1, ?2, ?3, ?4, ?5)")?;
    let mut rows = read.query([kind])?;
    while let Some(r) = rows.next()? {
        let namespace: String = r.get(0)?;
        let package: String = r.get(1)?;
        let frame: Vec<u8> = r.get(2)?;
        let keys = records::set_keys(&frame).map_err(|e| {
            corrupt(&format!(
                "the stored {kind} advisories of {namespace}/{package}: {e}"
            ))
        })?;
        for (vulnerability_id, record_id, hash) in keys {
            write.execute(params![
                namespace,
                package,
                vulnerability_id,
                record_id,
                hash
            ])?;
        }
    }
    Ok(())
}

/// A corrupt stored row, as a `SQLite` error so it aborts the transaction like one.
fn corrupt(message: &str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(message.to_owned().into())
}

impl Store {
    /// Swaps a staged feed into the database in one transaction, recording what changed
    /// (see the module docs). `run_at` identifies the update run (an RFC 3339 time).
    pub fn commit_staged(
        &mut self,
        staged: &StagedFeed,
        run_at: &str,
    ) -> Result<CommitSummary, DbError> {
        let path = self.path.clone();
        let sqlite = sqlite_err(&path);
        self.conn
            .execute(
                "ATTACH DATABASE ?1 AS staged",
                [staged.file.to_string_lossy()],
            )
            .map_err(&sqlite)?;
        let result = commit_attached(&mut self.conn, staged, run_at).map_err(&sqlite);
        let detached = self.conn.execute("DETACH DATABASE staged", []);
        let summary = result?;
        detached.map_err(&sqlite)?;
        Ok(summary)
    }
}

fn commit_attached(
    conn: &mut Connection,
    staged: &StagedFeed,
    run_at: &str,
) -> rusqlite::Result<CommitSummary> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let kind = staged.kind.as_str();
    let initial = tx
        .query_row(
            "SELECT content_digest FROM feeds WHERE kind = ?1",
            [kind],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten()
        .is_none();
    let records = i64::try_from(staged.count).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO updates (feed, at, records, initial) VALUES (?1, ?2, ?3, ?4)",
        params![kind, run_at, records, initial],
    )?;
    let update_id = tx.last_insert_rowid();
    let mut summary = CommitSummary {
        records: staged.count,
        initial,
        ..CommitSummary::default()
    };
    let (old_rows, insert) = match staged.table {
        Table::Advisories => (
            "SELECT namespace, package, vulnerability_id, record_id, count(*) AS n, sum(record_hash) AS h
             FROM staged.old_rows GROUP BY 1, 2, 3, 4",
            "INSERT INTO main.advisory_sets (namespace, package, feed, records)
             SELECT namespace, package, ?1, records FROM staged.sets ORDER BY rowid",
        ),
        Table::Vulnerabilities => (
            "SELECT '' AS namespace, '' AS package, vulnerability_id, '' AS record_id, count(*) AS n, sum(record_hash) AS h
             FROM main.vulnerabilities WHERE feed = ?1 GROUP BY 3",
            "INSERT INTO main.vulnerabilities (feed, vulnerability_id, record_hash, record)
             SELECT ?1, vulnerability_id, record_hash, record FROM staged.rows ORDER BY rowid",
        ),
    };
    if initial {
        summary.added = staged.count;
    } else {
        if staged.table == Table::Advisories {
            stage_old_keys(&tx, kind)?;
        }
        let new_rows = "SELECT namespace, package, vulnerability_id, record_id, count(*) AS n, sum(record_hash) AS h
             FROM staged.rows GROUP BY 1, 2, 3, 4";
        let sql = format!(
            "INSERT INTO changes (update_id, change, namespace, package, vulnerability_id, record_id)
             WITH o AS ({old_rows}), s AS ({new_rows})
             SELECT ?2, 'added', s.namespace, s.package, s.vulnerability_id, s.record_id
               FROM s LEFT JOIN o USING (namespace, package, vulnerability_id, record_id) WHERE o.n IS NULL
             UNION ALL
             SELECT ?2, 'removed', o.namespace, o.package, o.vulnerability_id, o.record_id
               FROM o LEFT JOIN s USING (namespace, package, vulnerability_id, record_id) WHERE s.n IS NULL
             UNION ALL
             SELECT ?2, 'modified', s.namespace, s.package, s.vulnerability_id, s.record_id
               FROM s JOIN o USING (namespace, package, vulnerability_id, record_id) WHERE s.n != o.n OR s.h != o.h"
        );
        tx.execute(&sql, params![kind, update_id])?;
        let mut stmt = tx
            .prepare("SELECT change, count(*) FROM changes WHERE update_id = ?1 GROUP BY change")?;
        let counts = stmt
            .query_map([update_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        for (change, n) in counts {
            let n = u64::try_from(n).unwrap_or(0);
            match change.as_str() {
                "added" => summary.added = n,
                "removed" => summary.removed = n,
                _ => summary.modified = n,
            }
        }
    }
    tx.execute(
        "UPDATE updates SET added = ?2, removed = ?3, modified = ?4 WHERE id = ?1",
        params![
            update_id,
            i64::try_from(summary.added).unwrap_or(i64::MAX),
            i64::try_from(summary.removed).unwrap_or(i64::MAX),
            i64::try_from(summary.modified).unwrap_or(i64::MAX)
        ],
    )?;
    let clear = match staged.table {
        Table::Advisories => "DELETE FROM main.advisory_sets WHERE feed = ?1",
        Table::Vulnerabilities => "DELETE FROM main.vulnerabilities WHERE feed = ?1",
    };
    tx.execute(clear, [kind])?;
    tx.execute(insert, [kind])?;
    tx.execute(
        "INSERT INTO feeds (kind, locations, record_count, fetched_at, content_digest, last_error) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT(kind) DO UPDATE SET locations = excluded.locations, record_count = excluded.record_count,
           fetched_at = excluded.fetched_at, content_digest = excluded.content_digest, last_error = NULL",
        params![kind, serde_json::to_string(&staged.locations).unwrap_or_default(), records, run_at, staged.content_digest.to_string()],
    )?;
    tx.execute("DELETE FROM sources WHERE feed = ?1", [kind])?;
    for (location, v) in &staged.sources {
        tx.execute(
            "INSERT OR REPLACE INTO sources (feed, location, etag, last_modified, digest) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![kind, location, v.etag, v.last_modified, v.digest],
        )?;
    }
    // Keep the change records of the last KEPT_UPDATES updates of this feed.
    tx.execute(
        "DELETE FROM changes WHERE update_id IN (SELECT id FROM updates WHERE feed = ?1 ORDER BY id DESC LIMIT -1 OFFSET ?2)",
        params![kind, KEPT_UPDATES],
    )?;
    tx.execute(
        "DELETE FROM updates WHERE id IN (SELECT id FROM updates WHERE feed = ?1 ORDER BY id DESC LIMIT -1 OFFSET ?2)",
        params![kind, KEPT_UPDATES],
    )?;
    refresh_meta(&tx, run_at)?;
    tx.commit()?;
    Ok(summary)
}

/// Fills the schema-3 columns (`record_id`, `record_hash`) of rows written by schema 2.
pub(crate) fn backfill_schema_3(c: &Connection) -> rusqlite::Result<()> {
    let mut rows: Vec<(i64, String)> = Vec::new();
    {
        let mut stmt = c.prepare("SELECT rowid, record FROM advisories")?;
        for r in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
            rows.push(r?);
        }
    }
    let mut update =
        c.prepare("UPDATE advisories SET record_id = ?2, record_hash = ?3 WHERE rowid = ?1")?;
    for (rowid, json) in rows {
        let record_id = serde_json::from_str::<serde_json::Value>(&json)
            .ok()
            .and_then(|v| {
                v.get("record_id")
                    .and_then(|r| r.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        update.execute(params![rowid, record_id, record_hash(&json)])?;
    }
    let mut rows: Vec<(i64, String)> = Vec::new();
    {
        let mut stmt = c.prepare("SELECT rowid, record FROM vulnerabilities")?;
        for r in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
            rows.push(r?);
        }
    }
    let mut update = c.prepare("UPDATE vulnerabilities SET record_hash = ?2 WHERE rowid = ?1")?;
    for (rowid, json) in rows {
        update.execute(params![rowid, record_hash(&json)])?;
    }
    Ok(())
}

/// Converts schema-3 rows (one per record, JSON text) into schema 4's advisory sets and
/// compressed enrichment records. Hashes are recomputed over the stored form, so the next
/// update compares like with like.
pub(crate) fn migrate_schema_4(c: &Connection) -> rusqlite::Result<()> {
    let mut read = c.prepare(
        "SELECT feed, namespace, package, record FROM advisories ORDER BY feed, namespace, package, rowid",
    )?;
    let mut write = c.prepare("INSERT INTO advisory_sets VALUES (?1, ?2, ?3, ?4)")?;
    let mut current: Option<(String, String, String)> = None;
    let mut records: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut rows = read.query([])?;
    loop {
        let next = rows.next()?;
        let key = match next {
            Some(r) => Some((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            )),
            None => None,
        };
        if let Some(cur) = &current
            && key.as_ref() != Some(cur)
        {
            let (feed, namespace, package) = cur;
            let frame = records::encode_set(records.iter().map(|(h, r)| (*h, r.as_slice())));
            write.execute(params![namespace, package, feed, frame])?;
            records.clear();
        }
        let (Some(r), Some(key)) = (next, key) else {
            break;
        };
        let json: String = r.get(3)?;
        let adv: customs_model::Advisory = serde_json::from_str(&json).map_err(|e| {
            corrupt(&format!(
                "a stored {} advisory of {}/{}: {e}",
                key.0, key.1, key.2
            ))
        })?;
        records::emit_advisory(&adv, &key.0, &mut |_, stored| {
            records.push((record_hash(&stored), stored));
        });
        current = Some(key);
    }
    drop(rows);
    let mut read = c.prepare(
        "SELECT feed, vulnerability_id, record_hash, record FROM vulnerabilities ORDER BY rowid",
    )?;
    let mut write = c.prepare("INSERT INTO vulnerabilities_4 VALUES (?1, ?2, ?3, ?4)")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let json: String = r.get(3)?;
        write.execute(params![
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            records::compress(json.as_bytes())
        ])?;
    }
    Ok(())
}

/// Rewrites schema 4's JSON advisory sets in the binary form of schema 5 (see the `records`
/// module), recomputing each record's hash over its new stored form so the next update
/// compares like with like.
pub(crate) fn migrate_schema_5(c: &Connection) -> rusqlite::Result<()> {
    let mut read =
        c.prepare("SELECT rowid, feed, namespace, package, records FROM advisory_sets")?;
    let mut write = c.prepare("UPDATE advisory_sets SET records = ?2 WHERE rowid = ?1")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let (rowid, feed, namespace, package): (i64, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let frame: Vec<u8> = r.get(4)?;
        let advisories = records::decode_set(&frame, &namespace, &package, &feed).map_err(|e| {
            corrupt(&format!(
                "the stored {feed} advisories of {namespace}/{package}: {e}"
            ))
        })?;
        let mut stored: Vec<(i64, Vec<u8>)> = Vec::with_capacity(advisories.len());
        for (_, adv) in &advisories {
            records::emit_advisory(adv, &feed, &mut |_, record| {
                stored.push((record_hash(&record), record));
            });
        }
        let frame = records::encode_set(stored.iter().map(|(h, r)| (*h, r.as_slice())));
        write.execute(params![rowid, frame])?;
    }
    Ok(())
}
