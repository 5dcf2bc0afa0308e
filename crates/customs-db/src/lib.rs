//! The vulnerability store.
//!
//! One `SQLite` file (the embedded default). Each feed's records are replaced in a single
//! transaction, so a failed or interrupted update leaves the previous data intact; `SQLite`'s
//! journal makes that true even for `kill -9`. The schema version lives in
//! `PRAGMA user_version`; a binary refuses a database written by a newer schema instead of
//! misreading it.
//!
//! Advisories are stored as one compressed *set* per (namespace, package, feed), the unit a
//! lookup reads; enrichment records one compressed row each (see the `records` module for
//! the layout and why). Records stay JSON inside the compression: the matchers need whole
//! records, and JSON keeps the schema stable while record types grow.

use std::path::{Path, PathBuf};

mod codec;
mod diff;
mod ingest;
mod records;
mod snapshot;
mod update;

pub use diff::{Change, DiffSelect, FeedUpdate};
pub use ingest::{CommitSummary, KEPT_UPDATES, StagedFeed, record_hash};
pub use records::{MAX_INFO_BYTES, MAX_SET_BYTES, read_stored_set};
pub use snapshot::SnapshotWriter;
pub use update::{
    FeedChange, FeedJob, FeedReport, UpdateParser, UpdateProgress, finish_feed,
    reports_in_job_order, run_update,
};

mod backend;
mod export;

pub use backend::{
    AdvisoryStore, AnyParser, FeedStore, Row, advisory_json, database_digest, fetch_sources,
    info_json, ingest_inputs, ingest_sources,
};
pub use export::{
    EXPORT_FORMAT, EXPORT_FORMAT_VERSION, ExportError, ExportMetadata, Exported, ExportedFeed,
    ImportExpectations, MAX_METADATA_BYTES, MAX_PAYLOAD_BYTES, METADATA_NAME, PAYLOAD_NAME,
    Payload, export_db, file_sha256, import_db, parse_metadata, read_metadata,
};

use customs_feed::{
    EnrichmentParser, FeedError, FeedInput, FeedParser, FetchOptions, LocationError, Validators,
};
use customs_model::{Advisory, Digest, VulnerabilityInfo};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::Digest as _;

/// Decoded advisory sets, by index into the keys asked for.
type Decoded = Vec<(usize, Vec<Advisory>)>;

/// The schema this binary writes and reads.
pub const SCHEMA_VERSION: i64 = 5;

/// Parses one input, handing each record's keys (namespace, package, vulnerability id,
/// record id) and stored form (see the `records` module) to the row writer.
pub(crate) type ParseInto<'a> = dyn FnMut(
        &FeedInput,
        &mut dyn std::io::Read,
        &mut dyn FnMut([&str; 4], Vec<u8>),
    ) -> Result<(), FeedError>
    + 'a;

/// Where a feed's records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// Per-package advisories, looked up by (namespace, package).
    Advisories,
    /// Per-vulnerability enrichment (CVSS, CWE, KEV, EPSS), looked up by id.
    Vulnerabilities,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{path}: no vulnerability database here; run `customs db update` first (or pass --db)")]
    Missing { path: PathBuf },
    #[error(
        "{path}: database schema {found} is newer than this customs supports ({supported}); upgrade customs or use a database built by this version"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: database schema {found} is older than this customs uses ({supported}); run `customs db update` to migrate it in place"
    )]
    TooOld {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path}: stored record is corrupt: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error(transparent)]
    Location(#[from] LocationError),
    /// A server store (`PostgreSQL`) failed: connecting, a query, a transaction.
    #[error("{location}: {message}")]
    Backend { location: String, message: String },
}

/// A feed's row in `customs db status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    pub kind: String,
    pub locations: Vec<String>,
    pub record_count: u64,
    pub fetched_at: Option<String>,
    pub content_digest: Option<String>,
    pub last_error: Option<String>,
}

/// Summary of the whole database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbMeta {
    pub digest: Option<Digest>,
    pub built_at: Option<String>,
    pub schema_version: i64,
}

/// The outcome of updating one feed.
#[derive(Debug)]
pub struct FeedOutcome {
    pub kind: String,
    pub result: Result<u64, DbError>,
}

/// A handle on the store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens an existing database for reading and matching.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        if !path.is_file() {
            return Err(DbError::Missing {
                path: path.to_owned(),
            });
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| DbError::Sqlite {
                path: path.to_owned(),
                source,
            })?;
        let store = Store {
            conn,
            path: path.to_owned(),
        };
        let v = store.user_version()?;
        if v > SCHEMA_VERSION {
            return Err(DbError::TooNew {
                path: path.to_owned(),
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        if v < SCHEMA_VERSION {
            return Err(DbError::TooOld {
                path: path.to_owned(),
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(store)
    }

    /// Opens or creates a database for writing, migrating it to the current schema.
    pub fn open_for_update(path: &Path) -> Result<Self, DbError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(parent).map_err(|source| DbError::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| DbError::Sqlite {
            path: path.to_owned(),
            source,
        })?;
        let store = Store {
            conn,
            path: path.to_owned(),
        };
        store.sql(|c| {
            c.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
            )
        })?;
        let v = store.user_version()?;
        if v > SCHEMA_VERSION {
            return Err(DbError::TooNew {
                path: path.to_owned(),
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        if v < 1 {
            store.sql(|c| c.execute_batch(MIGRATION_1))?;
        }
        if v < 2 {
            store.sql(|c| c.execute_batch(MIGRATION_2))?;
        }
        if v < 3 {
            store.sql(|c| {
                let tx = c.unchecked_transaction()?;
                tx.execute_batch(MIGRATION_3)?;
                ingest::backfill_schema_3(&tx)?;
                tx.execute_batch("PRAGMA user_version = 3;")?;
                tx.commit()
            })?;
        }
        if v < 4 {
            store.sql(|c| {
                let tx = c.unchecked_transaction()?;
                tx.execute_batch(MIGRATION_4)?;
                ingest::migrate_schema_4(&tx)?;
                tx.execute_batch(MIGRATION_4_DROP)?;
                tx.commit()
            })?;
        }
        if v < 5 {
            store.sql(|c| {
                let tx = c.unchecked_transaction()?;
                ingest::migrate_schema_5(&tx)?;
                tx.execute_batch("PRAGMA user_version = 5;")?;
                tx.commit()
            })?;
        }
        Ok(store)
    }

    fn sql<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, DbError> {
        f(&self.conn).map_err(|source| DbError::Sqlite {
            path: self.path.clone(),
            source,
        })
    }

    fn user_version(&self) -> Result<i64, DbError> {
        self.sql(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fetches and parses one feed from `locations`, replacing its previous records in one
    /// transaction. On any error the previous records stay and the error is recorded.
    pub fn update_feed(
        &mut self,
        parser: &dyn FeedParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError> {
        self.ingest(
            parser.kind(),
            Table::Advisories,
            locations,
            opts,
            &mut |input, body, emit| {
                parser.parse(input, body, &mut |adv: Advisory| {
                    records::emit_advisory(&adv, parser.kind(), emit);
                })
            },
        )
    }

    /// Like [`Store::update_feed`], for an enrichment feed (NVD, KEV, EPSS): its records are
    /// kept per vulnerability id.
    pub fn update_enrichment(
        &mut self,
        parser: &dyn EnrichmentParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError> {
        self.ingest(
            parser.kind(),
            Table::Vulnerabilities,
            locations,
            opts,
            &mut |input, body, emit| {
                parser.parse(input, body, &mut |info: VulnerabilityInfo| {
                    let json = serde_json::to_vec(&info).expect("records serialize");
                    emit(["", "", &info.id, ""], json);
                })
            },
        )
    }

    /// The shared update: fetches every location, stages the parsed records and commits
    /// them in one transaction that replaces `kind`'s rows of `table`, records the changes,
    /// the feed's content digest and the database digest (see the `ingest` module).
    fn ingest(
        &mut self,
        kind: &str,
        table: Table,
        locations: &[String],
        opts: &FetchOptions,
        parse: &mut ParseInto<'_>,
    ) -> Result<u64, DbError> {
        let sources = backend::fetch_sources(locations, opts)?;
        let staged = ingest::stage(
            kind,
            table,
            locations,
            &sources,
            &self.staging_dir(),
            opts,
            parse,
        )?;
        let now = jiff::Timestamp::now().to_string();
        self.commit_staged(&staged, &now)?;
        Ok(staged.count())
    }

    /// Where scratch files of an update go: next to the database.
    pub(crate) fn staging_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    /// The validators stored by the last successful fetch of each (feed, location).
    pub fn validators(
        &self,
    ) -> Result<std::collections::HashMap<(String, String), Validators>, DbError> {
        self.sql(|c| {
            let mut stmt =
                c.prepare("SELECT feed, location, etag, last_modified, digest FROM sources")?;
            stmt.query_map([], |r| {
                Ok((
                    (r.get(0)?, r.get(1)?),
                    Validators {
                        etag: r.get(2)?,
                        last_modified: r.get(3)?,
                        digest: r.get(4)?,
                    },
                ))
            })?
            .collect()
        })
    }

    /// What the enrichment feeds know about `id`, merged (None when nothing).
    pub fn vulnerability_info(&self, id: &str) -> Result<Option<VulnerabilityInfo>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT feed, record FROM vulnerabilities WHERE vulnerability_id = ?1 ORDER BY feed, rowid")
            .map_err(|source| DbError::Sqlite { path: self.path.clone(), source })?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|source| DbError::Sqlite {
                path: self.path.clone(),
                source,
            })?;
        let mut merged: Option<VulnerabilityInfo> = None;
        for (feed, frame) in rows {
            let info: VulnerabilityInfo = records::decompress(&frame, MAX_INFO_BYTES)
                .and_then(|raw| serde_json::from_slice(&raw).map_err(|e| e.to_string()))
                .map_err(|e| DbError::Corrupt {
                    path: self.path.clone(),
                    message: format!("the {feed} record of {id}: {e}"),
                })?;
            match merged.as_mut() {
                Some(m) => m.merge(info),
                None => merged = Some(info),
            }
        }
        Ok(merged)
    }

    /// Records that updating `kind` failed (the previous records are kept).
    pub fn record_failure(
        &self,
        kind: &str,
        locations: &[String],
        error: &str,
    ) -> Result<(), DbError> {
        self.sql(|c| {
            c.execute(
                "INSERT INTO feeds (kind, locations, record_count, last_error) VALUES (?1, ?2, 0, ?3)
                 ON CONFLICT(kind) DO UPDATE SET last_error = excluded.last_error",
                params![kind, serde_json::to_string(locations).unwrap_or_default(), error],
            )
            .map(|_| ())
        })
    }

    /// Every advisory for `package` in `namespace`, in a stable order.
    pub fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>, DbError> {
        Ok(self
            .advisories_of(&[(namespace, package)])?
            .pop()
            .unwrap_or_default())
    }

    /// [`Store::advisories`] for each (namespace, package), in order, with one prepared
    /// statement in one read transaction (a scan's few hundred lookups then cost a few
    /// microseconds each instead of a statement preparation each). The stored frames are
    /// read first, then decompressed and decoded on every core.
    pub fn advisories_of(&self, keys: &[(&str, &str)]) -> Result<Vec<Vec<Advisory>>, DbError> {
        let sqlite = |source| DbError::Sqlite {
            path: self.path.clone(),
            source,
        };
        // (key index, feed, frame) in key order, feeds in name order.
        let mut frames: Vec<(usize, String, Vec<u8>)> = Vec::new();
        {
            let tx = self.conn.unchecked_transaction().map_err(sqlite)?;
            let mut stmt = tx
                .prepare("SELECT feed, records FROM advisory_sets WHERE namespace = ?1 AND package = ?2 ORDER BY feed")
                .map_err(sqlite)?;
            for (i, &(namespace, package)) in keys.iter().enumerate() {
                let mut rows = stmt.query(params![namespace, package]).map_err(sqlite)?;
                while let Some(r) = rows.next().map_err(sqlite)? {
                    frames.push((i, r.get(0).map_err(sqlite)?, r.get(1).map_err(sqlite)?));
                }
            }
            drop(stmt);
            tx.finish().map_err(sqlite)?;
        }
        let path = &self.path;
        let decode =
            |part: &[(usize, String, Vec<u8>)]| -> Result<Vec<(usize, Vec<Advisory>)>, DbError> {
                part.iter()
                    .map(|(i, feed, frame)| {
                        let (namespace, package) = keys[*i];
                        records::decode_advisories(frame, namespace, package, feed)
                            .map(|set| (*i, set))
                            .map_err(|e| DbError::Corrupt {
                                path: path.clone(),
                                message: format!(
                                    "the {feed} advisories of {namespace}/{package}: {e}"
                                ),
                            })
                    })
                    .collect()
            };
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(8);
        let chunk = frames.len().div_ceil(threads).max(32);
        let decoded: Vec<Result<Decoded, DbError>> = std::thread::scope(|s| {
            let parts: Vec<_> = frames
                .chunks(chunk)
                .map(|part| s.spawn(move || decode(part)))
                .collect();
            parts
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut all: Vec<Vec<Advisory>> = vec![Vec::new(); keys.len()];
        for part in decoded {
            for (i, advs) in part? {
                if all[i].is_empty() {
                    all[i] = advs;
                } else {
                    all[i].extend(advs);
                }
            }
        }
        // Feeds in name order, each in its own order, then by vulnerability (a stable sort;
        // many sets are stored in that order already).
        for out in &mut all {
            if !out.is_sorted_by(|a, b| a.vulnerability_id <= b.vulnerability_id) {
                out.sort_by(|a, b| a.vulnerability_id.cmp(&b.vulnerability_id));
            }
        }
        Ok(all)
    }

    pub fn feeds(&self) -> Result<Vec<FeedStatus>, DbError> {
        self.sql(|c| {
            let mut stmt = c.prepare("SELECT kind, locations, record_count, fetched_at, content_digest, last_error FROM feeds ORDER BY kind")?;
            stmt.query_map([], |r| {
                let locations: String = r.get(1)?;
                Ok(FeedStatus {
                    kind: r.get(0)?,
                    locations: serde_json::from_str(&locations).unwrap_or_default(),
                    record_count: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    fetched_at: r.get(3)?,
                    content_digest: r.get(4)?,
                    last_error: r.get(5)?,
                })
            })?
            .collect()
        })
    }

    pub fn meta(&self) -> Result<DbMeta, DbError> {
        let get = |k: &str| {
            self.sql(|c| {
                c.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| {
                    r.get::<_, String>(0)
                })
                .optional()
            })
        };
        Ok(DbMeta {
            digest: get("digest")?.and_then(|d| Digest::parse(&d).ok()),
            built_at: get("built_at")?,
            schema_version: self.user_version()?,
        })
    }
}

/// The database digest covers the schema version and each feed's content digest, so the
/// same feed inputs give the same digest whenever and wherever they are ingested.
pub(crate) fn refresh_meta(c: &Connection, now: &str) -> rusqlite::Result<()> {
    let mut stmt = c.prepare(
        "SELECT kind, content_digest FROM feeds WHERE content_digest IS NOT NULL ORDER BY kind",
    )?;
    let mut h = sha2::Sha256::new();
    h.update(format!("customs-db schema {SCHEMA_VERSION}\n").as_bytes());
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (k, d) = row?;
        h.update(format!("{k}={d}\n").as_bytes());
    }
    let digest = Digest::from_sha256_output(&h.finalize());
    c.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('digest', ?1)",
        [digest.to_string()],
    )?;
    c.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('built_at', ?1)",
        [now],
    )?;
    Ok(())
}

const MIGRATION_1: &str = "
BEGIN;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
  kind TEXT PRIMARY KEY,
  locations TEXT NOT NULL,
  record_count INTEGER NOT NULL DEFAULT 0,
  fetched_at TEXT,
  content_digest TEXT,
  last_error TEXT
);
CREATE TABLE IF NOT EXISTS advisories (
  feed TEXT NOT NULL,
  namespace TEXT NOT NULL,
  package TEXT NOT NULL,
  vulnerability_id TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS advisories_lookup ON advisories (namespace, package);
CREATE INDEX IF NOT EXISTS advisories_feed ON advisories (feed);
PRAGMA user_version = 1;
COMMIT;
";

/// Schema 2: enrichment records per vulnerability id.
const MIGRATION_2: &str = "
BEGIN;
CREATE TABLE IF NOT EXISTS vulnerabilities (
  feed TEXT NOT NULL,
  vulnerability_id TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS vulnerabilities_lookup ON vulnerabilities (vulnerability_id);
CREATE INDEX IF NOT EXISTS vulnerabilities_feed ON vulnerabilities (feed);
PRAGMA user_version = 2;
COMMIT;
";

/// Schema 4: advisories as compressed sets per (namespace, package, feed), enrichment
/// records compressed (see the `records` module). The rows of schema 3 are converted in the
/// same transaction by `ingest::migrate_schema_4`, between this and [`MIGRATION_4_DROP`].
const MIGRATION_4: &str = "
CREATE TABLE advisory_sets (
  namespace TEXT NOT NULL,
  package TEXT NOT NULL,
  feed TEXT NOT NULL,
  records BLOB NOT NULL
);
CREATE UNIQUE INDEX advisory_sets_lookup ON advisory_sets (namespace, package, feed);
CREATE TABLE vulnerabilities_4 (
  feed TEXT NOT NULL,
  vulnerability_id TEXT NOT NULL,
  record_hash INTEGER NOT NULL DEFAULT 0,
  record BLOB NOT NULL
);
";

const MIGRATION_4_DROP: &str = "
DROP TABLE advisories;
DROP TABLE vulnerabilities;
ALTER TABLE vulnerabilities_4 RENAME TO vulnerabilities;
CREATE INDEX vulnerabilities_lookup ON vulnerabilities (vulnerability_id);
CREATE INDEX vulnerabilities_feed ON vulnerabilities (feed);
PRAGMA user_version = 4;
";

/// Schema 3: what each update changed (`updates`, `changes`), HTTP validators and raw digests
/// per location (`sources`), and the record id and hash columns change detection compares.
/// Rows written by schema 2 are backfilled in the same transaction.
const MIGRATION_3: &str = "
ALTER TABLE advisories ADD COLUMN record_id TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN record_hash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE vulnerabilities ADD COLUMN record_hash INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS sources (
  feed TEXT NOT NULL,
  location TEXT NOT NULL,
  etag TEXT,
  last_modified TEXT,
  digest TEXT,
  PRIMARY KEY (feed, location)
);
CREATE TABLE IF NOT EXISTS updates (
  id INTEGER PRIMARY KEY,
  feed TEXT NOT NULL,
  at TEXT NOT NULL,
  records INTEGER NOT NULL DEFAULT 0,
  added INTEGER NOT NULL DEFAULT 0,
  removed INTEGER NOT NULL DEFAULT 0,
  modified INTEGER NOT NULL DEFAULT 0,
  initial INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS updates_feed ON updates (feed, id);
CREATE TABLE IF NOT EXISTS changes (
  update_id INTEGER NOT NULL,
  change TEXT NOT NULL,
  namespace TEXT NOT NULL,
  package TEXT NOT NULL,
  vulnerability_id TEXT NOT NULL,
  record_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_update ON changes (update_id);
";
