//! A database file built from, or read into, another store: how the `PostgreSQL` store takes
//! part in `customs db export|import|push|pull`.
//!
//! The export file carries a `SQLite` database (see the `export` module), whatever store
//! the site runs. A `PostgreSQL` store is exported by writing its contents into a fresh
//! database file with [`SnapshotWriter`] and packing that file; an export is imported into
//! `PostgreSQL` by verifying it into a database file as usual and reading that file back
//! with [`Store::for_each_advisory`], [`Store::for_each_info`] and the status, validator
//! and history readers every store already has.
//!
//! Everything the stores share travels: feeds with their status and content digests (so
//! the database digest is the same on both sides), every advisory and enrichment record,
//! the HTTP validators per location (so the next `db update` is still conditional), and the
//! kept update history (so `db diff` shows the same).

use std::path::Path;

use customs_feed::Validators;
use customs_model::{Advisory, VulnerabilityInfo};
use rusqlite::params;

use crate::{DbError, FeedStatus, FeedUpdate, Store, record_hash, records, refresh_meta};

/// The advisory set being gathered: (feed, namespace, package) and its records' hashes and
/// stored forms.
type PendingSet = ((String, String, String), Vec<(i64, Vec<u8>)>);

/// Writes another store's contents into a new database file, in one transaction.
pub struct SnapshotWriter {
    store: Store,
    set: Option<PendingSet>,
}

impl SnapshotWriter {
    /// Creates the database file at `path`, which must not exist yet.
    ///
    /// # Errors
    /// The file exists or cannot be created.
    pub fn create(path: &Path) -> Result<Self, DbError> {
        if path.exists() {
            return Err(DbError::Io {
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a snapshot is written to a new file",
                ),
            });
        }
        let store = Store::open_for_update(path)?;
        store.sql(|c| c.execute_batch("BEGIN"))?;
        Ok(SnapshotWriter { store, set: None })
    }

    /// Records one feed's status (with its content digest, which the database digest covers).
    ///
    /// # Errors
    /// A database error.
    pub fn feed(&mut self, f: &FeedStatus) -> Result<(), DbError> {
        let locations = serde_json::to_string(&f.locations).unwrap_or_default();
        let count = i64::try_from(f.record_count).unwrap_or(i64::MAX);
        self.store.sql(|c| {
            c.execute(
                "INSERT INTO feeds (kind, locations, record_count, fetched_at, content_digest, last_error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![f.kind, locations, count, f.fetched_at, f.content_digest, f.last_error],
            )
            .map(|_| ())
        })
    }

    /// Adds one advisory of `feed`. Advisories must come grouped by (feed, namespace,
    /// package), each group in the order its feed produced it (the order lookups return).
    ///
    /// # Errors
    /// A database error.
    pub fn advisory(&mut self, feed: &str, adv: &Advisory) -> Result<(), DbError> {
        let same = self
            .set
            .as_ref()
            .is_some_and(|((f, n, p), _)| f == feed && *n == adv.namespace && *p == adv.package);
        if !same {
            self.flush_set()?;
            self.set = Some((
                (feed.to_owned(), adv.namespace.clone(), adv.package.clone()),
                Vec::new(),
            ));
        }
        let (_, records) = self.set.as_mut().expect("set above");
        records::emit_advisory(adv, feed, &mut |_, stored| {
            records.push((record_hash(&stored), stored));
        });
        Ok(())
    }

    fn flush_set(&mut self) -> Result<(), DbError> {
        let Some(((feed, namespace, package), stored)) = self.set.take() else {
            return Ok(());
        };
        let frame = records::encode_set(stored.iter().map(|(h, r)| (*h, r.as_slice())));
        self.store.sql(|c| {
            c.execute(
                "INSERT INTO advisory_sets (namespace, package, feed, records) VALUES (?1, ?2, ?3, ?4)",
                params![namespace, package, feed, frame],
            )
            .map(|_| ())
        })
    }

    /// Adds one enrichment record of `feed`.
    ///
    /// # Errors
    /// A database error.
    pub fn info(&mut self, feed: &str, info: &VulnerabilityInfo) -> Result<(), DbError> {
        let json = serde_json::to_vec(info).expect("records serialize");
        let hash = record_hash(&json);
        self.store.sql(|c| {
            c.execute(
                "INSERT INTO vulnerabilities (feed, vulnerability_id, record_hash, record) VALUES (?1, ?2, ?3, ?4)",
                params![feed, info.id, hash, records::compress(&json)],
            )
            .map(|_| ())
        })
    }

    /// Records the validators of one (feed, location).
    ///
    /// # Errors
    /// A database error.
    pub fn validators(
        &mut self,
        feed: &str,
        location: &str,
        v: &Validators,
    ) -> Result<(), DbError> {
        self.store.sql(|c| {
            c.execute(
                "INSERT INTO sources (feed, location, etag, last_modified, digest) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![feed, location, v.etag, v.last_modified, v.digest],
            )
            .map(|_| ())
        })
    }

    /// Records one past update and its changes (oldest first, as [`Store::updates`] gives
    /// them).
    ///
    /// # Errors
    /// A database error.
    pub fn update(&mut self, u: &FeedUpdate) -> Result<(), DbError> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.store.sql(|c| {
            c.execute(
                "INSERT INTO updates (feed, at, records, added, removed, modified, initial)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    u.feed,
                    u.at,
                    n(u.records),
                    n(u.added),
                    n(u.removed),
                    n(u.modified),
                    u.initial
                ],
            )?;
            let id = c.last_insert_rowid();
            let mut stmt = c.prepare_cached(
                "INSERT INTO changes (update_id, change, namespace, package, vulnerability_id, record_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for ch in &u.changes {
                stmt.execute(params![
                    id,
                    ch.change,
                    ch.namespace,
                    ch.package,
                    ch.vulnerability_id,
                    ch.record_id
                ])?;
            }
            Ok(())
        })
    }

    /// Computes the database digest from the feeds, stamps `built_at` (the source store's
    /// build time, so the snapshot describes the same database) and commits.
    ///
    /// # Errors
    /// Two sets for one (feed, namespace, package) (the input was not grouped), or a
    /// database error.
    pub fn finish(mut self, built_at: &str) -> Result<(), DbError> {
        self.flush_set()?;
        self.store.sql(|c| {
            refresh_meta(c, built_at)?;
            c.execute_batch("COMMIT")
        })
    }
}

impl Store {
    /// Every advisory of `feed`, grouped by (namespace, package) in name order, each group in
    /// its feed's order.
    ///
    /// # Errors
    /// A database error or a corrupt stored set (named).
    pub fn for_each_advisory(
        &self,
        feed: &str,
        each: &mut dyn FnMut(Advisory) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT namespace, package, records FROM advisory_sets WHERE feed = ?1 ORDER BY namespace, package",
            )
            .map_err(|source| self.sqlite_error(source))?;
        let mut rows = stmt
            .query([feed])
            .map_err(|source| self.sqlite_error(source))?;
        while let Some(r) = rows.next().map_err(|source| self.sqlite_error(source))? {
            let (namespace, package, frame): (String, String, Vec<u8>) = (
                r.get(0).map_err(|source| self.sqlite_error(source))?,
                r.get(1).map_err(|source| self.sqlite_error(source))?,
                r.get(2).map_err(|source| self.sqlite_error(source))?,
            );
            let advs =
                records::decode_advisories(&frame, &namespace, &package, feed).map_err(|e| {
                    DbError::Corrupt {
                        path: self.path.clone(),
                        message: format!("the {feed} advisories of {namespace}/{package}: {e}"),
                    }
                })?;
            for adv in advs {
                each(adv)?;
            }
        }
        Ok(())
    }

    /// Every enrichment record of `feed`, in the order it was ingested.
    ///
    /// # Errors
    /// A database error or a corrupt record (named).
    pub fn for_each_info(
        &self,
        feed: &str,
        each: &mut dyn FnMut(VulnerabilityInfo) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut stmt = self
            .conn
            .prepare("SELECT vulnerability_id, record FROM vulnerabilities WHERE feed = ?1 ORDER BY rowid")
            .map_err(|source| self.sqlite_error(source))?;
        let mut rows = stmt
            .query([feed])
            .map_err(|source| self.sqlite_error(source))?;
        while let Some(r) = rows.next().map_err(|source| self.sqlite_error(source))? {
            let id: String = r.get(0).map_err(|source| self.sqlite_error(source))?;
            let frame: Vec<u8> = r.get(1).map_err(|source| self.sqlite_error(source))?;
            let corrupt = |e: String| DbError::Corrupt {
                path: self.path.clone(),
                message: format!("the {feed} record of {id}: {e}"),
            };
            let json = records::decompress(&frame, records::MAX_INFO_BYTES).map_err(corrupt)?;
            let info = serde_json::from_slice(&json).map_err(|e| corrupt(e.to_string()))?;
            each(info)?;
        }
        Ok(())
    }

    fn sqlite_error(&self, source: rusqlite::Error) -> DbError {
        DbError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}
