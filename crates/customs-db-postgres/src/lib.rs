//! The `PostgreSQL` vulnerability store: `--db postgres://USER@HOST[:PORT]/DB`.
//!
//! For server deployments where many scanners share one database. It behaves like the
//! embedded `SQLite` store (`customs_db::Store`) in everything a user can observe:
//!
//! * **Same tables, same meaning.** `meta`, `feeds`, `advisories` (looked up by namespace and
//!   package, the record as the model's JSON) and `vulnerabilities` (enrichment per id). Rows
//!   carry an identity column that plays `SQLite`'s `rowid`, so lookups return records in the
//!   same order: vulnerability id, feed, insertion order, with strings compared bytewise
//!   (`COLLATE "C"`, whatever the database's locale).
//! * **Same digests.** A feed's content digest and the database digest are computed by
//!   `customs_db::ingest_sources` and `customs_db::database_digest`, the functions the
//!   `SQLite` store's definition is written down in, so the same inputs give the same digest in
//!   both stores (a test checks it).
//! * **Same change records.** Each row carries its record id and `customs_db::record_hash`
//!   of the JSON stored here (the whole advisory; `SQLite` hashes its set-stored form, so the
//!   hashes differ but change exactly when the record does). In the update's transaction the
//!   new rows are appended after the feed's old ones (the identity only grows), both sides
//!   are grouped by key ((namespace, package, vulnerability id, record id); the vulnerability
//!   id for enrichment) and summarised by (row count, sum of hashes), and the added, removed
//!   and modified keys go into `changes`, as the `SQLite` store does (see `customs_db`'s
//!   `ingest` module): totals only on a feed's first ingest, the last
//!   [`customs_db::KEPT_UPDATES`] updates per feed kept. `customs db diff` reads them back
//!   through [`FeedStore::updates`].
//! * **Same "unchanged".** The validators of each (feed, location) (`ETag`,
//!   `Last-Modified`, raw-byte digest) are stored in `sources` with the feed's rows;
//!   [`PgStore::update_job`] fetches conditionally with them as `customs_db::run_update`
//!   does, and a feed no location of which changed is not touched.
//! * **One transaction per feed update.** The feed's rows are deleted and the new ones
//!   streamed in with `COPY ... FROM STDIN` as the parser emits them; any error rolls the
//!   transaction back and the previous records stay (the failure is recorded in `feeds`).
//!   Concurrent updaters are serialized per feed by a transaction-scoped advisory lock, and
//!   the database digest is recomputed under a second lock so it always covers every
//!   committed feed.
//! * **Versioned schema.** The version is the single row of `customs_schema`; migrations run
//!   in one transaction under an advisory lock. A database whose version is newer than
//!   [`SCHEMA_VERSION`] is refused with a message saying to upgrade customs.
//!
//! The connection uses no TLS: the `postgres` crate's rustls connector would add a second
//! TLS stack configuration for a deployment shape (the database next to the server, or on a
//! private network or a Unix socket) that does not need it. A URL asking for
//! `sslmode=require` fails with the driver's clear "TLS not supported" error rather than
//! silently connecting in plain text.

mod snapshot;
mod update;

pub use update::run_update;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use customs_db::{
    AdvisoryStore, AnyParser, Change, CommitSummary, DbError, DbMeta, DiffSelect, FeedChange,
    FeedJob, FeedStatus, FeedStore, FeedUpdate, KEPT_UPDATES, Row, UpdateParser, database_digest,
    ingest_sources, record_hash,
};
use customs_feed::{
    ChecksumSpec, EnrichmentParser, FeedParser, FetchOptions, Fetched, Source, Validators,
};
use customs_model::{Advisory, Digest, VulnerabilityInfo};
use postgres::{Client, GenericClient, NoTls, Statement};

/// The schema this binary writes and reads.
pub const SCHEMA_VERSION: i64 = 3;
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether `--db` names a `PostgreSQL` database rather than a file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// `url` with any password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = match userinfo.split_once(':') {
        Some((u, _)) => format!("{u}:***"),
        None => userinfo.to_owned(),
    };
    format!("{scheme}://{user}@{host}{tail}")
}

/// Each version's migration, applied in order; index 0 brings an empty database to 1.
const MIGRATIONS: [&str; 3] = [
    "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE feeds (
  kind TEXT PRIMARY KEY,
  locations TEXT NOT NULL,
  record_count BIGINT NOT NULL DEFAULT 0,
  fetched_at TEXT,
  content_digest TEXT,
  last_error TEXT
);
CREATE TABLE advisories (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed TEXT NOT NULL,
  namespace TEXT NOT NULL,
  package TEXT NOT NULL,
  vulnerability_id TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX advisories_lookup ON advisories (namespace, package);
CREATE INDEX advisories_feed ON advisories (feed);
",
    "
CREATE TABLE vulnerabilities (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed TEXT NOT NULL,
  vulnerability_id TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX vulnerabilities_lookup ON vulnerabilities (vulnerability_id);
CREATE INDEX vulnerabilities_feed ON vulnerabilities (feed);
",
    // Schema 3: change records (`updates`, `changes`), validators per (feed, location)
    // (`sources`), and the record id and hash columns change detection compares; rows of
    // schema 2 get theirs from their stored JSON (see BACKFILL_3).
    "
ALTER TABLE advisories ADD COLUMN record_id TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN record_hash BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vulnerabilities ADD COLUMN record_hash BIGINT NOT NULL DEFAULT 0;
CREATE TABLE sources (
  feed TEXT NOT NULL,
  location TEXT NOT NULL,
  etag TEXT,
  last_modified TEXT,
  digest TEXT,
  PRIMARY KEY (feed, location)
);
CREATE TABLE updates (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed TEXT NOT NULL,
  at TEXT NOT NULL,
  records BIGINT NOT NULL DEFAULT 0,
  added BIGINT NOT NULL DEFAULT 0,
  removed BIGINT NOT NULL DEFAULT 0,
  modified BIGINT NOT NULL DEFAULT 0,
  initial BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX updates_feed ON updates (feed, id);
CREATE TABLE changes (
  update_id BIGINT NOT NULL,
  change TEXT NOT NULL,
  namespace TEXT NOT NULL,
  package TEXT NOT NULL,
  vulnerability_id TEXT NOT NULL,
  record_id TEXT NOT NULL
);
CREATE INDEX changes_update ON changes (update_id);
",
];

/// Fills the schema-3 columns of rows written by schema 2, in SQL: the record id from the
/// advisory's JSON, the hash as [`customs_db::record_hash`] computes it (the first four bytes
/// of the SHA-256 of the stored text, big-endian). Run by the migration to schema 3; public
/// so a test can check it agrees with `record_hash`.
#[doc(hidden)]
pub const BACKFILL_3: &str = "
UPDATE advisories SET record_id = coalesce(record::jsonb ->> 'record_id', ''),
  record_hash = ('x' || lpad(substr(encode(sha256(convert_to(record, 'UTF8')), 'hex'), 1, 8), 16, '0'))::bit(64)::bigint;
UPDATE vulnerabilities SET
  record_hash = ('x' || lpad(substr(encode(sha256(convert_to(record, 'UTF8')), 'hex'), 1, 8), 16, '0'))::bit(64)::bigint;
";

/// Advisory-lock keys (arbitrary constants, namespaced by the first).
const LOCK_NAMESPACE: i32 = 0x6375_7374; // "cust"
const LOCK_SCHEMA: i32 = 1;
const LOCK_META: i32 = 2;

struct Prepared {
    advisories: Statement,
    vulnerabilities: Statement,
}

/// A connection to a customs database in `PostgreSQL`.
pub struct PgStore {
    client: Mutex<Client>,
    prepared: Prepared,
    location: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

fn backend(location: &str, e: impl std::fmt::Display) -> DbError {
    DbError::Backend {
        location: location.to_owned(),
        message: e.to_string(),
    }
}

/// The driver's error with the server's detail, which `Display` alone leaves out.
fn pg_message(e: &postgres::Error) -> String {
    use std::fmt::Write as _;
    if let Some(db) = e.as_db_error() {
        let mut m = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            let _ = write!(m, " ({d})");
        }
        return m;
    }
    let mut m = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let _ = write!(m, ": {s}");
        source = s.source();
    }
    m
}

impl PgStore {
    fn connect(url: &str) -> Result<(Client, String), DbError> {
        let location = redact(url);
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            backend(&location, format!("bad URL: {}", pg_message(&e)))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("customs");
        let client = config
            .connect(NoTls)
            .map_err(|e| backend(&location, format!("cannot connect: {}", pg_message(&e))))?;
        Ok((client, location))
    }

    fn with_client(client: Client, location: String) -> Result<Self, DbError> {
        let mut client = client;
        let prepared = Prepared {
            advisories: client
                .prepare(
                    "SELECT record FROM advisories WHERE namespace = $1 AND package = $2 \
                     ORDER BY vulnerability_id COLLATE \"C\", feed COLLATE \"C\", seq",
                )
                .map_err(|e| backend(&location, pg_message(&e)))?,
            vulnerabilities: client
                .prepare(
                    "SELECT record FROM vulnerabilities WHERE vulnerability_id = $1 \
                     ORDER BY feed COLLATE \"C\", seq",
                )
                .map_err(|e| backend(&location, pg_message(&e)))?,
        };
        Ok(PgStore {
            client: Mutex::new(client),
            prepared,
            location,
        })
    }

    /// The schema version, or None when the database has no customs schema.
    fn schema_version(client: &mut Client, location: &str) -> Result<Option<i64>, DbError> {
        let exists: bool = client
            .query_one("SELECT to_regclass('customs_schema') IS NOT NULL", &[])
            .map_err(|e| backend(location, pg_message(&e)))?
            .get(0);
        if !exists {
            return Ok(None);
        }
        let row = client
            .query_opt("SELECT version FROM customs_schema", &[])
            .map_err(|e| backend(location, pg_message(&e)))?;
        Ok(row.map(|r| i64::from(r.get::<_, i32>(0))))
    }

    fn too_new(location: &str, found: i64) -> DbError {
        DbError::TooNew {
            path: PathBuf::from(location),
            found,
            supported: SCHEMA_VERSION,
        }
    }

    /// Opens an existing customs database for reading and matching.
    pub fn open(url: &str) -> Result<Self, DbError> {
        let (mut client, location) = Self::connect(url)?;
        match Self::schema_version(&mut client, &location)? {
            None | Some(0) => Err(DbError::Missing {
                path: PathBuf::from(&location),
            }),
            Some(v) if v > SCHEMA_VERSION => Err(Self::too_new(&location, v)),
            Some(v) if v < SCHEMA_VERSION => Err(DbError::Corrupt {
                path: PathBuf::from(&location),
                message: format!(
                    "schema version {v} (expected {SCHEMA_VERSION}); run `customs db update` to migrate"
                ),
            }),
            Some(_) => Self::with_client(client, location),
        }
    }

    /// Opens a database for updating, creating or migrating the customs schema.
    pub fn open_for_update(url: &str) -> Result<Self, DbError> {
        let (mut client, location) = Self::connect(url)?;
        let err = |e: postgres::Error| backend(&location, pg_message(&e));
        let mut tx = client.transaction().map_err(err)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&LOCK_NAMESPACE, &LOCK_SCHEMA],
        )
        .map_err(err)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS customs_schema (
               singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
               version INTEGER NOT NULL)",
        )
        .map_err(err)?;
        let current = tx
            .query_opt("SELECT version FROM customs_schema", &[])
            .map_err(err)?
            .map_or(0, |r| i64::from(r.get::<_, i32>(0)));
        if current > SCHEMA_VERSION {
            return Err(Self::too_new(&location, current));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(i).unwrap_or(i64::MAX) + 1;
            if current < version {
                tx.batch_execute(sql).map_err(err)?;
                if version == 3 {
                    tx.batch_execute(BACKFILL_3).map_err(err)?;
                }
                tracing::info!(%location, version, "migrated the PostgreSQL schema");
            }
        }
        let version = i32::try_from(SCHEMA_VERSION).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO customs_schema (singleton, version) VALUES (TRUE, $1)
             ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
            &[&version],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Self::with_client(client, location)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn corrupt(&self, e: impl std::fmt::Display) -> DbError {
        DbError::Corrupt {
            path: PathBuf::from(&self.location),
            message: e.to_string(),
        }
    }

    fn err(&self) -> impl Fn(postgres::Error) -> DbError + '_ {
        move |e| backend(&self.location, pg_message(&e))
    }

    /// The shared update (see the crate docs): replaces `parser`'s rows with what `sources`
    /// hold, records what changed against the previous rows, the feed's status and
    /// validators, and refreshes the database digest, in one transaction.
    fn commit_sources(
        &mut self,
        parser: AnyParser<'_>,
        locations: &[String],
        sources: &[Source],
        opts: &FetchOptions,
        run_at: &str,
    ) -> Result<CommitSummary, DbError> {
        let kind = parser.kind().to_owned();
        let location = self.location.clone();
        let err = |e: postgres::Error| backend(&location, pg_message(&e));
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        let mut tx = client.transaction().map_err(err)?;
        let feed_lock = lock_key(&kind);
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&LOCK_NAMESPACE, &feed_lock],
        )
        .map_err(err)?;
        let advisories = matches!(parser, AnyParser::Advisories(_));
        let (table, copy) = if advisories {
            (
                "advisories",
                "COPY advisories (feed, namespace, package, vulnerability_id, record_id, record_hash, record) FROM STDIN",
            )
        } else {
            (
                "vulnerabilities",
                "COPY vulnerabilities (feed, vulnerability_id, record_hash, record) FROM STDIN",
            )
        };
        let initial = tx
            .query_opt("SELECT content_digest FROM feeds WHERE kind = $1", &[&kind])
            .map_err(err)?
            .and_then(|r| r.get::<_, Option<String>>(0))
            .is_none();
        // The previous rows are the feed's rows up to here; the new ones are appended after
        // them (the identity only grows), compared, and the old ones deleted.
        let old_max: i64 = tx
            .query_one(
                &format!("SELECT coalesce(max(seq), 0) FROM {table} WHERE feed = $1"),
                &[&kind],
            )
            .map_err(err)?
            .get(0);
        let (count, content_digest) = {
            let mut writer = tx.copy_in(copy).map_err(err)?;
            let mut line = Vec::with_capacity(4096);
            let result = ingest_sources(parser, sources, opts, &mut |row| {
                let (fields, hash) = match &row {
                    Row::Advisory {
                        namespace,
                        package,
                        vulnerability_id,
                        record_id,
                        record,
                    } => (
                        vec![&kind, namespace, package, vulnerability_id, record_id],
                        record_hash(record),
                    ),
                    Row::Vulnerability {
                        vulnerability_id,
                        record,
                    } => (vec![&kind, vulnerability_id], record_hash(record)),
                };
                let record = match &row {
                    Row::Advisory { record, .. } | Row::Vulnerability { record, .. } => record,
                };
                copy_row(&mut line, &fields, hash, record, &location)?;
                writer
                    .write_all(&line)
                    .map_err(|e| backend(&location, format!("COPY into {table}: {e}")))
            })?;
            writer.finish().map_err(err)?;
            result
        };
        let records = i64::try_from(count).unwrap_or(i64::MAX);
        let update_id: i64 = tx
            .query_one(
                "INSERT INTO updates (feed, at, records, initial) VALUES ($1, $2, $3, $4) RETURNING id",
                &[&kind, &run_at, &records, &initial],
            )
            .map_err(err)?
            .get(0);
        let mut summary = CommitSummary {
            records: count,
            initial,
            ..CommitSummary::default()
        };
        if initial {
            summary.added = count;
        } else {
            let side = |cmp: &str| {
                if advisories {
                    format!(
                        "SELECT namespace, package, vulnerability_id, record_id, count(*) AS n, sum(record_hash) AS h
                         FROM advisories WHERE feed = $1 AND seq {cmp} $2 GROUP BY 1, 2, 3, 4"
                    )
                } else {
                    format!(
                        "SELECT '' AS namespace, '' AS package, vulnerability_id, '' AS record_id, count(*) AS n, sum(record_hash) AS h
                         FROM vulnerabilities WHERE feed = $1 AND seq {cmp} $2 GROUP BY 3"
                    )
                }
            };
            let sql = format!(
                "INSERT INTO changes (update_id, change, namespace, package, vulnerability_id, record_id)
                 WITH o AS ({old}), s AS ({new})
                 SELECT $3::bigint, 'added', s.namespace, s.package, s.vulnerability_id, s.record_id
                   FROM s LEFT JOIN o USING (namespace, package, vulnerability_id, record_id) WHERE o.n IS NULL
                 UNION ALL
                 SELECT $3::bigint, 'removed', o.namespace, o.package, o.vulnerability_id, o.record_id
                   FROM o LEFT JOIN s USING (namespace, package, vulnerability_id, record_id) WHERE s.n IS NULL
                 UNION ALL
                 SELECT $3::bigint, 'modified', s.namespace, s.package, s.vulnerability_id, s.record_id
                   FROM s JOIN o USING (namespace, package, vulnerability_id, record_id) WHERE s.n <> o.n OR s.h <> o.h",
                old = side("<="),
                new = side(">"),
            );
            tx.execute(&sql, &[&kind, &old_max, &update_id])
                .map_err(err)?;
            let counts = tx
                .query(
                    "SELECT change, count(*) FROM changes WHERE update_id = $1 GROUP BY change",
                    &[&update_id],
                )
                .map_err(err)?;
            for r in &counts {
                let n = u64::try_from(r.get::<_, i64>(1)).unwrap_or(0);
                match r.get::<_, &str>(0) {
                    "added" => summary.added = n,
                    "removed" => summary.removed = n,
                    _ => summary.modified = n,
                }
            }
        }
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        tx.execute(
            "UPDATE updates SET added = $2, removed = $3, modified = $4 WHERE id = $1",
            &[
                &update_id,
                &n(summary.added),
                &n(summary.removed),
                &n(summary.modified),
            ],
        )
        .map_err(err)?;
        tx.execute(
            &format!("DELETE FROM {table} WHERE feed = $1 AND seq <= $2"),
            &[&kind, &old_max],
        )
        .map_err(err)?;
        let locations_json = serde_json::to_string(locations).unwrap_or_default();
        tx.execute(
            "INSERT INTO feeds (kind, locations, record_count, fetched_at, content_digest, last_error)
             VALUES ($1, $2, $3, $4, $5, NULL)
             ON CONFLICT (kind) DO UPDATE SET locations = excluded.locations,
               record_count = excluded.record_count, fetched_at = excluded.fetched_at,
               content_digest = excluded.content_digest, last_error = NULL",
            &[&kind, &locations_json, &records, &run_at, &content_digest.to_string()],
        )
        .map_err(err)?;
        tx.execute("DELETE FROM sources WHERE feed = $1", &[&kind])
            .map_err(err)?;
        for s in sources {
            let v = &s.validators;
            tx.execute(
                "INSERT INTO sources (feed, location, etag, last_modified, digest) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (feed, location) DO UPDATE SET etag = excluded.etag,
                   last_modified = excluded.last_modified, digest = excluded.digest",
                &[&kind, &s.location, &v.etag, &v.last_modified, &v.digest],
            )
            .map_err(err)?;
        }
        // Keep the change records of the last KEPT_UPDATES updates of this feed.
        tx.execute(
            "DELETE FROM changes WHERE update_id IN
               (SELECT id FROM updates WHERE feed = $1 ORDER BY id DESC OFFSET $2)",
            &[&kind, &KEPT_UPDATES],
        )
        .map_err(err)?;
        tx.execute(
            "DELETE FROM updates WHERE id IN
               (SELECT id FROM updates WHERE feed = $1 ORDER BY id DESC OFFSET $2)",
            &[&kind, &KEPT_UPDATES],
        )
        .map_err(err)?;
        refresh_meta(&mut tx, run_at).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(summary)
    }

    /// Fetches every location unconditionally and commits it (the [`FeedStore`] update).
    fn ingest(
        &mut self,
        parser: AnyParser<'_>,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError> {
        let sources = customs_db::fetch_sources(locations, opts)?;
        let now = jiff::Timestamp::now().to_string();
        let summary = self.commit_sources(parser, locations, &sources, opts, &now)?;
        Ok(summary.records)
    }

    /// `customs db update` of one feed, as the `SQLite` updater (`customs_db::run_update`)
    /// does it: unless `force`, a feed whose last update succeeded with the same locations
    /// is fetched conditionally with the stored validators (HTTP `304`, or the same raw-byte
    /// digest), and is [`FeedChange::Unchanged`], untouched, when no location changed. When
    /// some changed, the unchanged ones are fetched again in full and the feed is committed
    /// with its change records. `run_at` identifies the update run (an RFC 3339 time; every
    /// feed of one run gets the same, which `customs db diff` groups by).
    pub fn update_job(
        &mut self,
        job: &FeedJob,
        force: bool,
        run_at: &str,
    ) -> Result<FeedChange, DbError> {
        let kind = job.parser.kind();
        let unchanged_ok = !force
            && self.feeds()?.iter().any(|f| {
                f.kind == kind
                    && f.last_error.is_none()
                    && f.content_digest.is_some()
                    && f.locations == job.locations
            });
        let validators = if unchanged_ok {
            FeedStore::validators(self)?
        } else {
            HashMap::new()
        };
        let checksum = |loc: &str| -> Option<ChecksumSpec> {
            match &job.parser {
                UpdateParser::Advisories(p) => p.checksum(loc),
                UpdateParser::Enrichment(p) => p.checksum(loc),
            }
        };
        let mut fetched: Vec<Option<Source>> = Vec::with_capacity(job.locations.len());
        for location in &job.locations {
            let previous = validators.get(&(kind.to_owned(), location.clone()));
            match customs_feed::fetch(location, &job.mirrors, previous, &checksum, &job.opts)? {
                Fetched::NotModified => fetched.push(None),
                Fetched::Ready(s) => fetched.push(Some(s)),
            }
        }
        if fetched.iter().all(Option::is_none) && !job.locations.is_empty() {
            return Ok(FeedChange::Unchanged);
        }
        let mut sources = Vec::with_capacity(fetched.len());
        for (location, f) in job.locations.iter().zip(fetched) {
            match f {
                Some(s) => sources.push(s),
                None => {
                    if let Fetched::Ready(s) =
                        customs_feed::fetch(location, &job.mirrors, None, &checksum, &job.opts)?
                    {
                        sources.push(s);
                    }
                }
            }
        }
        let parser = match &job.parser {
            UpdateParser::Advisories(p) => AnyParser::Advisories(p.as_ref()),
            UpdateParser::Enrichment(p) => AnyParser::Enrichment(p.as_ref()),
        };
        self.commit_sources(parser, &job.locations, &sources, &job.opts, run_at)
            .map(FeedChange::Updated)
    }
}

/// A feed's advisory-lock key.
fn lock_key(kind: &str) -> i32 {
    let d = Digest::sha256_of(kind.as_bytes());
    let hex = d.hex();
    i32::from_str_radix(&hex[..7], 16).unwrap_or(0) + 16
}

/// Appends `s` as one field of `COPY`'s text format (backslash escapes).
fn copy_field(out: &mut Vec<u8>, s: &str, location: &str) -> Result<(), DbError> {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0 => {
                return Err(backend(
                    location,
                    format!(
                        "a record key contains a NUL byte, which PostgreSQL text cannot hold: {:?}",
                        s.chars().take(80).collect::<String>()
                    ),
                ));
            }
            other => out.push(other),
        }
    }
    Ok(())
}

/// Appends one `COPY` text row: the key fields, the record's hash and the record.
fn copy_row(
    line: &mut Vec<u8>,
    keys: &[&String],
    hash: i64,
    record: &str,
    location: &str,
) -> Result<(), DbError> {
    line.clear();
    for field in keys {
        copy_field(line, field, location)?;
        line.push(b'\t');
    }
    line.extend_from_slice(hash.to_string().as_bytes());
    line.push(b'\t');
    copy_field(line, record, location)?;
    line.push(b'\n');
    Ok(())
}

/// Recomputes the database digest from every committed feed (under a lock, so concurrent
/// feed updates cannot each miss the other's digest).
fn refresh_meta(tx: &mut postgres::Transaction<'_>, now: &str) -> Result<(), postgres::Error> {
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&LOCK_NAMESPACE, &LOCK_META],
    )?;
    let rows = tx.query(
        "SELECT kind, content_digest FROM feeds WHERE content_digest IS NOT NULL",
        &[],
    )?;
    let feeds: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let digest = database_digest(feeds.iter().map(|(k, d)| (k.as_str(), d.as_str())));
    for (key, value) in [("digest", digest.to_string()), ("built_at", now.to_owned())] {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
    }
    Ok(())
}

impl AdvisoryStore for PgStore {
    fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>, DbError> {
        let rows = self
            .lock()
            .query(&self.prepared.advisories, &[&namespace, &package])
            .map_err(self.err())?;
        rows.iter()
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| self.corrupt(e)))
            .collect()
    }

    fn vulnerability_info(&self, id: &str) -> Result<Option<VulnerabilityInfo>, DbError> {
        let rows = self
            .lock()
            .query(&self.prepared.vulnerabilities, &[&id])
            .map_err(self.err())?;
        let mut merged: Option<VulnerabilityInfo> = None;
        for r in &rows {
            let info: VulnerabilityInfo =
                serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| self.corrupt(e))?;
            match merged.as_mut() {
                Some(m) => m.merge(info),
                None => merged = Some(info),
            }
        }
        Ok(merged)
    }

    fn meta(&self) -> Result<DbMeta, DbError> {
        let mut c = self.lock();
        let rows = c
            .query(
                "SELECT key, value FROM meta WHERE key IN ('digest', 'built_at')",
                &[],
            )
            .map_err(self.err())?;
        let get = |k: &str| {
            rows.iter()
                .find(|r| r.get::<_, &str>(0) == k)
                .map(|r| r.get::<_, String>(1))
        };
        let schema_version = Self::schema_version(&mut c, &self.location)?.unwrap_or(0);
        Ok(DbMeta {
            digest: get("digest").and_then(|d| Digest::parse(&d).ok()),
            built_at: get("built_at"),
            schema_version,
        })
    }
}

impl FeedStore for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn feeds(&self) -> Result<Vec<FeedStatus>, DbError> {
        feeds_in(&mut *self.lock()).map_err(self.err())
    }

    fn update_feed(
        &mut self,
        parser: &dyn FeedParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError> {
        self.ingest(AnyParser::Advisories(parser), locations, opts)
    }

    fn update_enrichment(
        &mut self,
        parser: &dyn EnrichmentParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError> {
        self.ingest(AnyParser::Enrichment(parser), locations, opts)
    }

    fn record_failure(&self, kind: &str, locations: &[String], error: &str) -> Result<(), DbError> {
        let locations_json = serde_json::to_string(locations).unwrap_or_default();
        self.lock()
            .execute(
                "INSERT INTO feeds (kind, locations, record_count, last_error) VALUES ($1, $2, 0, $3)
                 ON CONFLICT (kind) DO UPDATE SET last_error = excluded.last_error",
                &[&kind, &locations_json, &error],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn updates(&self, feed: Option<&str>, select: &DiffSelect) -> Result<Vec<FeedUpdate>, DbError> {
        updates_in(&mut *self.lock(), feed, select).map_err(self.err())
    }

    fn validators(&self) -> Result<HashMap<(String, String), Validators>, DbError> {
        validators_in(&mut *self.lock()).map_err(self.err())
    }
}

/// Each feed's status, ordered by kind (on a connection or inside a transaction).
fn feeds_in(c: &mut impl GenericClient) -> Result<Vec<FeedStatus>, postgres::Error> {
    let rows = c.query(
        "SELECT kind, locations, record_count, fetched_at, content_digest, last_error
         FROM feeds ORDER BY kind COLLATE \"C\"",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| FeedStatus {
            kind: r.get(0),
            locations: serde_json::from_str(r.get::<_, &str>(1)).unwrap_or_default(),
            record_count: u64::try_from(r.get::<_, i64>(2)).unwrap_or(0),
            fetched_at: r.get(3),
            content_digest: r.get(4),
            last_error: r.get(5),
        })
        .collect())
}

/// The validators of every (feed, location).
fn validators_in(
    c: &mut impl GenericClient,
) -> Result<HashMap<(String, String), Validators>, postgres::Error> {
    let rows = c.query(
        "SELECT feed, location, etag, last_modified, digest FROM sources",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                (r.get(0), r.get(1)),
                Validators {
                    etag: r.get(2),
                    last_modified: r.get(3),
                    digest: r.get(4),
                },
            )
        })
        .collect())
}

/// The recorded updates (oldest first) and their changes, as [`FeedStore::updates`].
fn updates_in(
    c: &mut impl GenericClient,
    feed: Option<&str>,
    select: &DiffSelect,
) -> Result<Vec<FeedUpdate>, postgres::Error> {
    let rows = c.query(
        "SELECT id, feed, at, records, added, removed, modified, initial FROM updates
                 WHERE $1::text IS NULL OR feed = $1 ORDER BY id",
        &[&feed],
    )?;
    let when = |at: &str| at.parse::<jiff::Timestamp>().ok();
    let at = |r: &postgres::Row| r.get::<_, String>(2);
    let keep: Vec<&postgres::Row> = match select {
        DiffSelect::All => rows.iter().collect(),
        DiffSelect::Since(t) => rows
            .iter()
            .filter(|r| when(&at(r)).is_some_and(|w| w >= *t))
            .collect(),
        DiffSelect::Last => {
            let last = rows.iter().filter_map(|r| when(&at(r))).max();
            rows.iter()
                .filter(|r| last.is_some() && when(&at(r)) == last)
                .collect()
        }
    };
    let u = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut out = Vec::with_capacity(keep.len());
    for r in keep {
        let id: i64 = r.get(0);
        let changes = c
                .query(
                    "SELECT change, namespace, package, vulnerability_id, record_id FROM changes
                     WHERE update_id = $1 ORDER BY change COLLATE \"C\", namespace COLLATE \"C\",
                       package COLLATE \"C\", vulnerability_id COLLATE \"C\", record_id COLLATE \"C\"",
                    &[&id],
                )
                ?
                .iter()
                .map(|c| Change {
                    change: c.get(0),
                    namespace: c.get(1),
                    package: c.get(2),
                    vulnerability_id: c.get(3),
                    record_id: c.get(4),
                })
                .collect();
        out.push(FeedUpdate {
            feed: r.get(1),
            at: at(r),
            records: u(r.get(3)),
            added: u(r.get(4)),
            removed: u(r.get(5)),
            modified: u(r.get(6)),
            initial: r.get(7),
            changes,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://alice:s3cret@db.example:5433/customs?sslmode=disable"),
            "postgres://alice:***@db.example:5433/customs?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql://alice@localhost/customs"),
            "postgresql://alice@localhost/customs"
        );
        assert_eq!(redact("postgres://localhost/x"), "postgres://localhost/x");
        assert!(is_postgres_url("postgresql://h/d"));
        assert!(!is_postgres_url("./postgres.db"));
    }

    #[test]
    fn copy_text_escapes() {
        let mut out = Vec::new();
        copy_field(&mut out, "a\\b\tc\nd\re\"", "x").unwrap();
        assert_eq!(out, b"a\\\\b\\tc\\nd\\re\"");
        assert!(copy_field(&mut Vec::new(), "a\0b", "x").is_err());
    }
}
