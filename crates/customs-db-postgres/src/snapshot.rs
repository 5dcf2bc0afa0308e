//! `customs db export|push` from, and `customs db import|pull` into, a `PostgreSQL` store:
//! through a database file (see `customs_db::SnapshotWriter` for what travels).

use std::io::Write as _;
use std::path::Path;

use customs_db::{
    DbError, DiffSelect, SnapshotWriter, Store, advisory_json, info_json, record_hash,
};
use customs_model::{Advisory, VulnerabilityInfo};
use postgres::fallible_iterator::FallibleIterator as _;

use crate::{
    LOCK_META, LOCK_NAMESPACE, PgStore, backend, copy_row, feeds_in, pg_message, refresh_meta,
    updates_in, validators_in,
};

impl PgStore {
    /// Writes this database's contents into a new database file at `path` (what `db
    /// export` then packs): the same feeds, records, validators and update history, and
    /// so the same database digest.
    ///
    /// # Errors
    /// `path` exists, a server error, or a stored record that does not parse (named).
    pub fn export_snapshot(&self, path: &Path) -> Result<(), DbError> {
        let mut w = SnapshotWriter::create(path)?;
        let mut client = self.lock();
        // One consistent view: an update committing meanwhile is either all in or all out.
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(self.err())?;
        let feeds = feeds_in(&mut tx).map_err(self.err())?;
        for f in &feeds {
            w.feed(f)?;
        }
        for f in &feeds {
            let kind = f.kind.as_str();
            // Grouped as lookups read them; each group in ingest order.
            let mut rows = tx
                .query_raw(
                    "SELECT record FROM advisories WHERE feed = $1
                     ORDER BY namespace COLLATE \"C\", package COLLATE \"C\", seq",
                    [kind],
                )
                .map_err(self.err())?;
            while let Some(r) = rows.next().map_err(self.err())? {
                let adv: Advisory = serde_json::from_str(r.get::<_, &str>(0))
                    .map_err(|e| self.corrupt(format!("a stored {kind} advisory: {e}")))?;
                w.advisory(kind, &adv)?;
            }
            drop(rows);
            let mut rows = tx
                .query_raw(
                    "SELECT record FROM vulnerabilities WHERE feed = $1 ORDER BY seq",
                    [kind],
                )
                .map_err(self.err())?;
            while let Some(r) = rows.next().map_err(self.err())? {
                let info: VulnerabilityInfo = serde_json::from_str(r.get::<_, &str>(0))
                    .map_err(|e| self.corrupt(format!("a stored {kind} record: {e}")))?;
                w.info(kind, &info)?;
            }
        }
        let mut sources: Vec<_> = validators_in(&mut tx)
            .map_err(self.err())?
            .into_iter()
            .collect();
        sources.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for ((feed, location), v) in &sources {
            w.validators(feed, location, v)?;
        }
        for u in &updates_in(&mut tx, None, &DiffSelect::All).map_err(self.err())? {
            w.update(u)?;
        }
        let built_at: Option<String> = tx
            .query_opt("SELECT value FROM meta WHERE key = 'built_at'", &[])
            .map_err(self.err())?
            .map(|r| r.get(0));
        tx.commit().map_err(self.err())?;
        w.finish(&built_at.unwrap_or_else(|| jiff::Timestamp::now().to_string()))
    }

    /// Replaces this database's contents with a database file's (what `db import` verified),
    /// in one transaction: readers see the old contents until it commits, and a failure
    /// leaves them.
    ///
    /// # Errors
    /// A server error, or a corrupt record in `snapshot` (named).
    pub fn import_snapshot(&mut self, snapshot: &Store) -> Result<(), DbError> {
        let feeds = snapshot.feeds()?;
        let meta = snapshot.meta()?;
        let validators = snapshot.validators()?;
        let updates = snapshot.updates(None, &DiffSelect::All)?;
        let location = self.location.clone();
        let err = |e: postgres::Error| backend(&location, pg_message(&e));
        let mut client = self.lock();
        let mut tx = client.transaction().map_err(err)?;
        // Readers (ACCESS SHARE) go on; updates wait for the swap.
        tx.batch_execute(
            "LOCK TABLE feeds, advisories, vulnerabilities, sources, updates, changes, meta IN EXCLUSIVE MODE;
             DELETE FROM changes; DELETE FROM updates; DELETE FROM sources;
             DELETE FROM advisories; DELETE FROM vulnerabilities; DELETE FROM feeds;",
        )
        .map_err(err)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&LOCK_NAMESPACE, &LOCK_META],
        )
        .map_err(err)?;
        let mut line = Vec::with_capacity(4096);
        {
            let mut writer = tx
                .copy_in(
                    "COPY advisories (feed, namespace, package, vulnerability_id, record_id, record_hash, record) FROM STDIN",
                )
                .map_err(err)?;
            for f in &feeds {
                snapshot.for_each_advisory(&f.kind, &mut |adv| {
                    let record = advisory_json(&adv);
                    let keys = [
                        &f.kind,
                        &adv.namespace,
                        &adv.package,
                        &adv.vulnerability_id,
                        &adv.record_id,
                    ];
                    copy_row(&mut line, &keys, record_hash(&record), &record, &location)?;
                    writer
                        .write_all(&line)
                        .map_err(|e| backend(&location, format!("COPY into advisories: {e}")))
                })?;
            }
            writer.finish().map_err(err)?;
        }
        {
            let mut writer = tx
                .copy_in(
                    "COPY vulnerabilities (feed, vulnerability_id, record_hash, record) FROM STDIN",
                )
                .map_err(err)?;
            for f in &feeds {
                snapshot.for_each_info(&f.kind, &mut |info| {
                    let record = info_json(&info);
                    let keys = [&f.kind, &info.id];
                    copy_row(&mut line, &keys, record_hash(&record), &record, &location)?;
                    writer
                        .write_all(&line)
                        .map_err(|e| backend(&location, format!("COPY into vulnerabilities: {e}")))
                })?;
            }
            writer.finish().map_err(err)?;
        }
        for f in &feeds {
            let locations = serde_json::to_string(&f.locations).unwrap_or_default();
            let count = i64::try_from(f.record_count).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO feeds (kind, locations, record_count, fetched_at, content_digest, last_error)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&f.kind, &locations, &count, &f.fetched_at, &f.content_digest, &f.last_error],
            )
            .map_err(err)?;
        }
        for ((feed, loc), v) in &validators {
            tx.execute(
                "INSERT INTO sources (feed, location, etag, last_modified, digest) VALUES ($1, $2, $3, $4, $5)",
                &[feed, loc, &v.etag, &v.last_modified, &v.digest],
            )
            .map_err(err)?;
        }
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        for u in &updates {
            let id: i64 = tx
                .query_one(
                    "INSERT INTO updates (feed, at, records, added, removed, modified, initial)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &[
                        &u.feed,
                        &u.at,
                        &n(u.records),
                        &n(u.added),
                        &n(u.removed),
                        &n(u.modified),
                        &u.initial,
                    ],
                )
                .map_err(err)?
                .get(0);
            for c in &u.changes {
                tx.execute(
                    "INSERT INTO changes (update_id, change, namespace, package, vulnerability_id, record_id)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&id, &c.change, &c.namespace, &c.package, &c.vulnerability_id, &c.record_id],
                )
                .map_err(err)?;
            }
        }
        let built_at = meta
            .built_at
            .unwrap_or_else(|| jiff::Timestamp::now().to_string());
        refresh_meta(&mut tx, &built_at).map_err(err)?;
        tx.commit().map_err(err)
    }
}
