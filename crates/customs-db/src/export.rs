//! `customs db export` / `customs db import`: the whole database as one file, for air-gapped
//! sites and for the OCI artifact (`docs/db-artifact.md`).
//!
//! # The file
//!
//! A zstd-compressed tar (frames carry zstd's content checksum) with exactly two regular
//! files, in this order:
//!
//! 1. `metadata.json` ([`ExportMetadata`], at most [`MAX_METADATA_BYTES`]): the format name and
//!    version, the schema version, the database digest, when the database was built, each
//!    feed with its record count and content digest, and the payload's name, size and
//!    SHA-256;
//! 2. `customs.db`: a `SQLite` snapshot made with `VACUUM INTO` (compact, consistent even while
//!    an update runs, rollback-journal mode so it is a single self-contained file).
//!
//! Metadata first means a reader learns the schema version and the expected checksum before
//! it reads the payload, and can refuse a newer schema without decompressing gigabytes. A
//! tar rather than a bespoke container because every site has `tar --zstd -x` to look inside.
//! The file is content-addressed: `export` returns its SHA-256, and `import` can be told the
//! digest to expect (the OCI layer digest is the same number).
//!
//! # Import
//!
//! Nothing is trusted: entry names must be exactly the two above (no other entry, so no path
//! is ever taken from the archive), sizes are capped, the payload's SHA-256 and size must
//! equal the metadata's, the schema version must not be newer than this binary's, and the
//! snapshot must pass `PRAGMA quick_check` and carry the database digest the metadata names.
//! The payload is written to a temporary file next to the target and renamed over it only
//! after all of that, so an interrupted or refused import leaves the previous database (or
//! none) and no partial file.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use customs_model::Digest;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::{DbError, SCHEMA_VERSION, Store};

/// The `format` field of the metadata.
pub const EXPORT_FORMAT: &str = "customs-db-export";
/// The version of the file layout described in the module docs.
pub const EXPORT_FORMAT_VERSION: u32 = 1;
/// The metadata entry's name.
pub const METADATA_NAME: &str = "metadata.json";
/// The payload entry's name.
pub const PAYLOAD_NAME: &str = "customs.db";
/// The largest metadata accepted (a few hundred bytes per feed in practice).
pub const MAX_METADATA_BYTES: u64 = 1 << 20;
/// The largest payload accepted: all feeds of every distribution are a few GiB at most.
pub const MAX_PAYLOAD_BYTES: u64 = 32 << 30;
/// zstd level: level 10 gets within a few percent of 19 on `SQLite` pages at a fraction of
/// the time.
const ZSTD_LEVEL: i32 = 10;

/// What an export file says about its database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportMetadata {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// [`EXPORT_FORMAT_VERSION`] when written by this version.
    pub format_version: u32,
    /// The database schema of the payload.
    pub schema_version: i64,
    /// The database digest (`sha256:...`), equal to `customs db status`'s.
    pub database_digest: String,
    /// When the database was last updated.
    pub built_at: Option<String>,
    /// Every feed, ordered by kind.
    pub feeds: Vec<ExportedFeed>,
    /// The database file inside the archive.
    pub payload: Payload,
}

/// One feed in the metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedFeed {
    pub kind: String,
    pub records: u64,
    pub content_digest: Option<String>,
    pub fetched_at: Option<String>,
}

/// The payload's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub name: String,
    pub size: u64,
    /// `sha256:<hex>` of the uncompressed database file.
    pub sha256: String,
}

/// The result of an export.
#[derive(Debug, Clone)]
pub struct Exported {
    pub metadata: ExportMetadata,
    /// The exact metadata bytes stored in the file (also the OCI config blob).
    pub metadata_json: Vec<u8>,
    /// SHA-256 of the whole export file.
    pub file_digest: Digest,
    /// Its size in bytes.
    pub file_size: u64,
}

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: not a customs database export: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "{path}: the export holds database schema {found}, newer than this customs supports ({supported}); upgrade customs to import it"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "{path}: {what} checksum mismatch: expected {expected}, got {actual} (the file is corrupt or was tampered with)"
    )]
    Checksum {
        path: PathBuf,
        what: String,
        expected: String,
        actual: String,
    },
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

fn invalid(path: &Path, reason: impl Into<String>) -> ExportError {
    ExportError::Invalid {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> ExportError + '_ {
    move |source| {
        ExportError::Db(DbError::Sqlite {
            path: path.to_owned(),
            source,
        })
    }
}

/// The directory a file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A writer that hashes and counts what passes through.
struct HashingWriter<W> {
    inner: W,
    hasher: sha2::Sha256,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes a whole file: its SHA-256 and size.
pub fn file_sha256(path: &Path) -> Result<(Digest, u64), ExportError> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut w = HashingWriter {
        inner: io::sink(),
        hasher: sha2::Sha256::new(),
        written: 0,
    };
    io::copy(&mut f, &mut w).map_err(io_err(path))?;
    Ok((Digest::from_sha256_output(&w.hasher.finalize()), w.written))
}

/// Reads the metadata of a consistent snapshot.
fn snapshot_metadata(snapshot: &Path) -> Result<ExportMetadata, ExportError> {
    let store = Store::open(snapshot)?;
    let meta = store.meta()?;
    let digest = meta.digest.ok_or_else(|| {
        invalid(
            store.path(),
            "the database has no digest (no feed was ever ingested); run `customs db update` first",
        )
    })?;
    let feeds = store
        .feeds()?
        .into_iter()
        .map(|f| ExportedFeed {
            kind: f.kind,
            records: f.record_count,
            content_digest: f.content_digest,
            fetched_at: f.fetched_at,
        })
        .collect();
    let (sha, size) = file_sha256(snapshot)?;
    Ok(ExportMetadata {
        format: EXPORT_FORMAT.to_owned(),
        format_version: EXPORT_FORMAT_VERSION,
        schema_version: meta.schema_version,
        database_digest: digest.to_string(),
        built_at: meta.built_at,
        feeds,
        payload: Payload {
            name: PAYLOAD_NAME.to_owned(),
            size,
            sha256: sha.to_string(),
        },
    })
}

fn tar_header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

impl Store {
    /// Writes this database as an export file at `out` (atomically: a temporary file next to
    /// it, renamed when complete).
    pub fn export(&self, out: &Path) -> Result<Exported, ExportError> {
        let dir = parent_dir(out);
        let work = tempfile::Builder::new()
            .prefix(".customs-export-")
            .tempdir_in(&dir)
            .map_err(io_err(&dir))?;
        let snapshot = work.path().join(PAYLOAD_NAME);
        let snapshot_str = snapshot
            .to_str()
            .ok_or_else(|| invalid(&snapshot, "the path is not UTF-8"))?;
        self.conn
            .execute("VACUUM INTO ?1", [snapshot_str])
            .map_err(sqlite_err(self.path()))?;
        {
            let c = Connection::open(&snapshot).map_err(sqlite_err(&snapshot))?;
            c.query_row("PRAGMA journal_mode=DELETE", [], |_| Ok(()))
                .map_err(sqlite_err(&snapshot))?;
        }
        let metadata = snapshot_metadata(&snapshot)?;
        let metadata_json = serde_json::to_vec_pretty(&metadata).expect("metadata serializes");

        let tmp = tempfile::Builder::new()
            .prefix(".customs-export-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(io_err(&dir))?;
        let handle = tmp.as_file().try_clone().map_err(io_err(tmp.path()))?;
        let hashing = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, handle),
            hasher: sha2::Sha256::new(),
            written: 0,
        };
        let write = || -> io::Result<HashingWriter<BufWriter<File>>> {
            let mut enc = zstd::Encoder::new(hashing, ZSTD_LEVEL)?;
            enc.include_checksum(true)?;
            let mut tar = tar::Builder::new(enc);
            let mut h = tar_header(metadata_json.len() as u64);
            tar.append_data(&mut h, METADATA_NAME, metadata_json.as_slice())?;
            let mut h = tar_header(metadata.payload.size);
            let db = File::open(&snapshot)?;
            tar.append_data(&mut h, PAYLOAD_NAME, BufReader::new(db))?;
            let enc = tar.into_inner()?;
            let mut hashing = enc.finish()?;
            hashing.flush()?;
            Ok(hashing)
        };
        let hashing = write().map_err(io_err(out))?;
        let file_digest = Digest::from_sha256_output(&hashing.hasher.finalize());
        let file_size = hashing.written;
        tmp.as_file().sync_all().map_err(io_err(out))?;
        tmp.persist(out).map_err(|e| ExportError::Io {
            path: out.to_owned(),
            source: e.error,
        })?;
        Ok(Exported {
            metadata,
            metadata_json,
            file_digest,
            file_size,
        })
    }
}

/// Exports the database at `db` (see [`Store::export`]).
pub fn export_db(db: &Path, out: &Path) -> Result<Exported, ExportError> {
    Store::open(db)?.export(out)
}

/// Parses and checks metadata bytes: our format, a layout version this binary reads, a
/// schema it can use, a sane payload description.
pub fn parse_metadata(bytes: &[u8], path: &Path) -> Result<ExportMetadata, ExportError> {
    if bytes.len() as u64 > MAX_METADATA_BYTES {
        return Err(invalid(path, "metadata larger than 1 MiB"));
    }
    let m: ExportMetadata =
        serde_json::from_slice(bytes).map_err(|e| invalid(path, format!("metadata.json: {e}")))?;
    if m.format != EXPORT_FORMAT {
        return Err(invalid(
            path,
            format!("metadata format is {:?}, not {EXPORT_FORMAT:?}", m.format),
        ));
    }
    if m.format_version > EXPORT_FORMAT_VERSION {
        return Err(invalid(
            path,
            format!(
                "export layout version {} is newer than this customs reads ({EXPORT_FORMAT_VERSION}); upgrade customs",
                m.format_version
            ),
        ));
    }
    if m.schema_version > SCHEMA_VERSION {
        return Err(ExportError::TooNew {
            path: path.to_owned(),
            found: m.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    if m.schema_version < 1 {
        return Err(invalid(
            path,
            format!("schema version {}", m.schema_version),
        ));
    }
    if m.payload.name != PAYLOAD_NAME {
        return Err(invalid(
            path,
            format!(
                "payload is named {:?}, not {PAYLOAD_NAME:?}",
                m.payload.name
            ),
        ));
    }
    if m.payload.size > MAX_PAYLOAD_BYTES {
        return Err(invalid(
            path,
            format!(
                "payload of {} bytes exceeds the limit of {MAX_PAYLOAD_BYTES}",
                m.payload.size
            ),
        ));
    }
    for (what, d) in [
        ("payload sha256", m.payload.sha256.as_str()),
        ("database digest", m.database_digest.as_str()),
    ] {
        Digest::parse(d).map_err(|e| invalid(path, format!("{what}: {e}")))?;
    }
    Ok(m)
}

/// Reads the next tar entry, which must be a regular file named `name` of at most `limit`
/// bytes.
fn expect_entry<'a, R: Read>(
    entries: &mut tar::Entries<'a, R>,
    name: &str,
    limit: u64,
    path: &Path,
) -> Result<tar::Entry<'a, R>, ExportError> {
    let truncated = |e: io::Error| {
        invalid(
            path,
            format!("truncated or corrupt (reading the {name} entry: {e})"),
        )
    };
    let entry = entries
        .next()
        .ok_or_else(|| invalid(path, format!("truncated: no {name} entry")))?
        .map_err(truncated)?;
    let entry_path = entry.path_bytes().into_owned();
    if entry_path != name.as_bytes() {
        return Err(invalid(
            path,
            format!(
                "expected the entry {name:?}, found {:?}",
                String::from_utf8_lossy(&entry_path)
            ),
        ));
    }
    if entry.header().entry_type() != tar::EntryType::Regular {
        return Err(invalid(path, format!("{name} is not a regular file")));
    }
    let size = entry.header().size().map_err(truncated)?;
    if size > limit {
        return Err(invalid(
            path,
            format!("{name} is {size} bytes, more than the limit of {limit}"),
        ));
    }
    Ok(entry)
}

/// Reads just the metadata of an export file (checked as [`parse_metadata`] does).
pub fn read_metadata(file: &Path) -> Result<ExportMetadata, ExportError> {
    let f = File::open(file).map_err(io_err(file))?;
    let dec = zstd::Decoder::new(f).map_err(io_err(file))?;
    let mut archive = tar::Archive::new(dec);
    let mut entries = archive
        .entries()
        .map_err(|e| invalid(file, format!("not a tar: {e}")))?;
    let mut entry = expect_entry(&mut entries, METADATA_NAME, MAX_METADATA_BYTES, file)?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| invalid(file, format!("truncated or corrupt metadata: {e}")))?;
    parse_metadata(&bytes, file)
}

/// What [`import_db`] checks the file against, besides its own metadata.
#[derive(Debug, Clone, Default)]
pub struct ImportExpectations {
    /// The SHA-256 the whole file must have (the OCI layer digest, or `--digest`).
    pub file_digest: Option<Digest>,
    /// Metadata the file must carry (the OCI config blob): the database digest and payload
    /// checksum must agree.
    pub metadata: Option<ExportMetadata>,
}

/// Imports the export `file` into the database path `target`, replacing it atomically.
/// Returns the metadata of what was imported.
pub fn import_db(
    file: &Path,
    target: &Path,
    expect: &ImportExpectations,
) -> Result<ExportMetadata, ExportError> {
    if let Some(want) = &expect.file_digest {
        let (got, _) = file_sha256(file)?;
        if &got != want {
            return Err(ExportError::Checksum {
                path: file.to_owned(),
                what: "file".into(),
                expected: want.to_string(),
                actual: got.to_string(),
            });
        }
    }
    let f = File::open(file).map_err(io_err(file))?;
    let dec =
        zstd::Decoder::new(f).map_err(|e| invalid(file, format!("not zstd-compressed: {e}")))?;
    let mut archive = tar::Archive::new(dec);
    let mut entries = archive
        .entries()
        .map_err(|e| invalid(file, format!("not a tar: {e}")))?;
    let metadata = {
        let mut entry = expect_entry(&mut entries, METADATA_NAME, MAX_METADATA_BYTES, file)?;
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| invalid(file, format!("truncated or corrupt metadata: {e}")))?;
        parse_metadata(&bytes, file)?
    };
    if let Some(outer) = &expect.metadata
        && (outer.database_digest != metadata.database_digest
            || outer.payload.sha256 != metadata.payload.sha256)
    {
        return Err(ExportError::Checksum {
            path: file.to_owned(),
            what: "database (artifact config vs the file's metadata)".into(),
            expected: outer.database_digest.clone(),
            actual: metadata.database_digest.clone(),
        });
    }

    let dir = parent_dir(target);
    fs_err::create_dir_all(&dir).map_err(|e| ExportError::Io {
        path: dir.clone(),
        source: e,
    })?;
    // The temporary file is removed on every early return (NamedTempFile's drop).
    let tmp = tempfile::Builder::new()
        .prefix(".customs-import-")
        .suffix(".db")
        .tempfile_in(&dir)
        .map_err(io_err(&dir))?;
    {
        let mut entry = expect_entry(&mut entries, PAYLOAD_NAME, MAX_PAYLOAD_BYTES, file)?;
        let declared = entry
            .header()
            .size()
            .map_err(|e| invalid(file, e.to_string()))?;
        if declared != metadata.payload.size {
            return Err(invalid(
                file,
                format!(
                    "the payload entry is {declared} bytes, the metadata says {}",
                    metadata.payload.size
                ),
            ));
        }
        let handle = tmp.as_file().try_clone().map_err(io_err(tmp.path()))?;
        let mut w = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, handle),
            hasher: sha2::Sha256::new(),
            written: 0,
        };
        io::copy(&mut (&mut entry).take(declared), &mut w).map_err(|e| {
            invalid(
                file,
                format!("truncated or corrupt (reading the payload: {e})"),
            )
        })?;
        w.flush().map_err(io_err(tmp.path()))?;
        if w.written != declared {
            return Err(invalid(
                file,
                format!(
                    "truncated: the payload ended after {} of {declared} bytes",
                    w.written
                ),
            ));
        }
        let got = Digest::from_sha256_output(&w.hasher.finalize());
        if got.to_string() != metadata.payload.sha256 {
            return Err(ExportError::Checksum {
                path: file.to_owned(),
                what: "payload".into(),
                expected: metadata.payload.sha256.clone(),
                actual: got.to_string(),
            });
        }
    }
    // Nothing may follow the payload but the tar end (and the zstd frame's checksum, which
    // reading to the end verifies).
    match entries.next() {
        None => {}
        Some(Ok(e)) => {
            return Err(invalid(
                file,
                format!(
                    "unexpected entry {:?} after the payload",
                    String::from_utf8_lossy(&e.path_bytes())
                ),
            ));
        }
        Some(Err(e)) => {
            return Err(invalid(
                file,
                format!("truncated or corrupt after the payload: {e}"),
            ));
        }
    }
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink())
        .map_err(|e| invalid(file, format!("truncated or corrupt (zstd frame: {e})")))?;

    tmp.as_file().sync_all().map_err(io_err(tmp.path()))?;
    verify_snapshot(tmp.path(), &metadata, file)?;
    if metadata.schema_version < SCHEMA_VERSION {
        // An older schema: migrate the copy before it replaces anything.
        drop(Store::open_for_update(tmp.path())?);
        checkpoint(tmp.path())?;
    }
    // A WAL file left by the database being replaced must not be replayed into the new one.
    if target.exists()
        && let Err(e) = checkpoint(target)
    {
        tracing::warn!(target = %target.display(), error = %e, "could not checkpoint the database being replaced");
    }
    tmp.persist(target).map_err(|e| ExportError::Io {
        path: target.to_owned(),
        source: e.error,
    })?;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(metadata)
}

/// Checkpoints and truncates the WAL of the database at `path`, if it has one.
fn checkpoint(path: &Path) -> Result<(), ExportError> {
    let c = Connection::open(path).map_err(sqlite_err(path))?;
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(sqlite_err(path))?;
    Ok(())
}

/// The snapshot must be an intact `SQLite` database with the schema and digest the metadata
/// names.
fn verify_snapshot(db: &Path, m: &ExportMetadata, file: &Path) -> Result<(), ExportError> {
    let c = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite_err(db))?;
    let bad = |reason: String| invalid(file, format!("the database inside is unusable: {reason}"));
    let check: String = c
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if check != "ok" {
        return Err(bad(format!("quick_check: {check}")));
    }
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if version != m.schema_version {
        return Err(bad(format!(
            "schema {version}, the metadata says {}",
            m.schema_version
        )));
    }
    let digest: Option<String> = c
        .query_row("SELECT value FROM meta WHERE key = 'digest'", [], |r| {
            r.get(0)
        })
        .map_err(|e| bad(e.to_string()))
        .ok();
    if digest.as_deref() != Some(m.database_digest.as_str()) {
        return Err(ExportError::Checksum {
            path: file.to_owned(),
            what: "database digest".into(),
            expected: m.database_digest.clone(),
            actual: digest.unwrap_or_else(|| "none".into()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use customs_feed::{FeedError, FeedInput, FeedParser, FetchOptions};
    use customs_model::{Advisory, AffectedRange, Severity, Status};

    use super::*;

    /// A test feed: one JSON advisory per line.
    struct Lines;
    impl FeedParser for Lines {
        fn kind(&self) -> &'static str {
            "test-lines"
        }
        fn description(&self) -> &'static str {
            "test"
        }
        fn default_locations(&self) -> Vec<String> {
            Vec::new()
        }
        fn parse(
            &self,
            input: &FeedInput,
            body: &mut dyn Read,
            emit: &mut dyn FnMut(Advisory),
        ) -> Result<(), FeedError> {
            let mut s = String::new();
            body.read_to_string(&mut s)
                .map_err(|e| FeedError::io(input, e))?;
            for line in s.lines() {
                emit(
                    serde_json::from_str(line)
                        .map_err(|e| FeedError::malformed(input, e.to_string()))?,
                );
            }
            Ok(())
        }
    }

    fn adv(id: &str, package: &str) -> Advisory {
        Advisory {
            vulnerability_id: id.into(),
            namespace: "alpine:3.19".into(),
            package: package.into(),
            scheme: "apk".into(),
            status: Status::Fixed,
            affected: AffectedRange::LessThan("1.2.3-r0".into()),
            fixed_version: Some("1.2.3-r0".into()),
            severity: Severity::High,
            advisory_ids: vec![],
            aliases: vec![],
            notes: Some("tab\there \\ and \"quotes\"".into()),
            source: "test-lines".into(),
            record_id: id.into(),
        }
    }

    /// A database with three advisories in `dir/src/customs.db`.
    fn source_db(dir: &Path) -> PathBuf {
        let feed = dir.join("feed.jsonl");
        let lines: Vec<String> = [
            adv("CVE-2024-0001", "openssl"),
            adv("CVE-2024-0002", "openssl"),
            adv("CVE-2024-0003", "zlib"),
        ]
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
        std::fs::write(&feed, lines.join("\n")).unwrap();
        let db = dir.join("src").join("customs.db");
        let mut store = Store::open_for_update(&db).unwrap();
        store
            .update_feed(
                &Lines,
                &[feed.display().to_string()],
                &FetchOptions::default(),
            )
            .unwrap();
        db
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|r| {
                r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Writes a zstd tar of `entries` (name, bytes), names taken verbatim.
    fn craft(path: &Path, entries: &[(&str, &[u8])]) {
        let f = File::create(path).unwrap();
        let enc = zstd::Encoder::new(f, 3).unwrap();
        let mut tar = tar::Builder::new(enc);
        for (name, bytes) in entries {
            let mut h = tar_header(bytes.len() as u64);
            // `set_path` refuses `..`; write the raw name like a hostile tool would.
            let raw = &mut h.as_old_mut().name;
            raw.fill(0);
            raw[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            tar.append(&h, *bytes).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }

    /// The two entries of a real export, for crafting variants.
    fn entries_of(file: &Path) -> (Vec<u8>, Vec<u8>) {
        let dec = zstd::Decoder::new(File::open(file).unwrap()).unwrap();
        let mut a = tar::Archive::new(dec);
        let mut out = Vec::new();
        for e in a.entries().unwrap() {
            let mut e = e.unwrap();
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            out.push(b);
        }
        assert_eq!(out.len(), 2);
        let payload = out.pop().unwrap();
        (out.pop().unwrap(), payload)
    }

    #[test]
    fn export_then_import_elsewhere_keeps_digest_and_records() {
        let tmp = tempfile::tempdir().unwrap();
        let db = source_db(tmp.path());
        let out = tmp.path().join("out").join("customs-db.tar.zst");
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        let exported = export_db(&db, &out).unwrap();
        assert_eq!(listing(out.parent().unwrap()), ["customs-db.tar.zst"]);
        let (file_digest, size) = file_sha256(&out).unwrap();
        assert_eq!(
            (file_digest.clone(), size),
            (exported.file_digest.clone(), exported.file_size)
        );
        let src = Store::open(&db).unwrap();
        let src_meta = src.meta().unwrap();
        assert_eq!(
            exported.metadata.database_digest,
            src_meta.digest.clone().unwrap().to_string()
        );
        assert_eq!(exported.metadata.feeds.len(), 1);
        assert_eq!(exported.metadata.feeds[0].records, 3);
        assert_eq!(read_metadata(&out).unwrap(), exported.metadata);
        assert_eq!(
            parse_metadata(&exported.metadata_json, &out).unwrap(),
            exported.metadata
        );

        let target = tmp.path().join("dst").join("customs.db");
        let expect = ImportExpectations {
            file_digest: Some(file_digest),
            metadata: Some(exported.metadata.clone()),
        };
        let imported = import_db(&out, &target, &expect).unwrap();
        assert_eq!(imported, exported.metadata);
        assert_eq!(listing(target.parent().unwrap()), ["customs.db"]);
        let dst = Store::open(&target).unwrap();
        assert_eq!(dst.meta().unwrap(), src_meta);
        assert_eq!(dst.feeds().unwrap(), src.feeds().unwrap());
        for pkg in ["openssl", "zlib", "musl"] {
            assert_eq!(
                dst.advisories("alpine:3.19", pkg).unwrap(),
                src.advisories("alpine:3.19", pkg).unwrap()
            );
        }
        assert_eq!(dst.advisories("alpine:3.19", "openssl").unwrap().len(), 2);
        // Importing again over the existing database replaces it in place.
        drop(dst);
        import_db(&out, &target, &ImportExpectations::default()).unwrap();
        assert_eq!(Store::open(&target).unwrap().meta().unwrap(), src_meta);
    }

    /// Every refused import leaves the target as it was and no stray file.
    fn refused(file: &Path, expect: &ImportExpectations) -> ExportError {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("customs.db");
        let err = import_db(file, &target, expect).unwrap_err();
        assert_eq!(listing(dir.path()), Vec::<String>::new(), "{err}");
        err
    }

    #[test]
    fn damaged_files_are_refused_with_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let db = source_db(tmp.path());
        let good = tmp.path().join("good.tar.zst");
        let exported = export_db(&db, &good).unwrap();
        let bytes = std::fs::read(&good).unwrap();

        // Truncated.
        let cut = tmp.path().join("cut.tar.zst");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let e = refused(&cut, &ImportExpectations::default()).to_string();
        assert!(e.contains("truncated or corrupt"), "{e}");

        // A flipped byte inside the compressed payload.
        let flipped = tmp.path().join("flipped.tar.zst");
        let mut b = bytes.clone();
        let at = b.len() * 2 / 3;
        b[at] ^= 0x55;
        std::fs::write(&flipped, &b).unwrap();
        let e = refused(&flipped, &ImportExpectations::default()).to_string();
        assert!(
            e.contains("corrupt") || e.contains("checksum mismatch"),
            "{e}"
        );

        // Not zstd at all.
        let junk = tmp.path().join("junk");
        std::fs::write(&junk, b"hello, not an export").unwrap();
        let e = refused(&junk, &ImportExpectations::default()).to_string();
        assert!(e.contains("not a customs database export"), "{e}");

        // A whole-file digest that does not match.
        let other = Digest::sha256_of(b"something else");
        let e = refused(
            &good,
            &ImportExpectations {
                file_digest: Some(other),
                metadata: None,
            },
        );
        assert!(matches!(e, ExportError::Checksum { .. }), "{e}");

        let (metadata, payload) = entries_of(&good);
        let mut m: ExportMetadata = serde_json::from_slice(&metadata).unwrap();

        // The metadata names another payload checksum.
        let wrong = tmp.path().join("wrong.tar.zst");
        let mut w = m.clone();
        w.payload.sha256 = Digest::sha256_of(b"x").to_string();
        craft(
            &wrong,
            &[
                (METADATA_NAME, &serde_json::to_vec(&w).unwrap()),
                (PAYLOAD_NAME, &payload),
            ],
        );
        let e = refused(&wrong, &ImportExpectations::default());
        assert!(
            matches!(&e, ExportError::Checksum { what, .. } if what == "payload"),
            "{e}"
        );

        // The metadata names another database digest than the database holds.
        let mut w = m.clone();
        w.database_digest = Digest::sha256_of(b"y").to_string();
        craft(
            &wrong,
            &[
                (METADATA_NAME, &serde_json::to_vec(&w).unwrap()),
                (PAYLOAD_NAME, &payload),
            ],
        );
        let e = refused(&wrong, &ImportExpectations::default());
        assert!(
            matches!(&e, ExportError::Checksum { what, .. } if what == "database digest"),
            "{e}"
        );

        // A newer schema is refused before the payload is read.
        m.schema_version = SCHEMA_VERSION + 1;
        let newer = tmp.path().join("newer.tar.zst");
        craft(
            &newer,
            &[
                (METADATA_NAME, &serde_json::to_vec(&m).unwrap()),
                (PAYLOAD_NAME, &payload),
            ],
        );
        let e = refused(&newer, &ImportExpectations::default());
        assert!(matches!(e, ExportError::TooNew { .. }), "{e}");
        assert!(e.to_string().contains("upgrade customs"), "{e}");
        assert!(matches!(
            read_metadata(&newer),
            Err(ExportError::TooNew { .. })
        ));

        // Entry names are never used as paths: `../` entries are refused, nothing is written
        // outside (or inside) the target directory.
        let evil = tmp.path().join("evil.tar.zst");
        craft(
            &evil,
            &[("../evil.db", &payload), (METADATA_NAME, &metadata)],
        );
        let e = refused(&evil, &ImportExpectations::default()).to_string();
        assert!(e.contains("expected the entry \"metadata.json\""), "{e}");
        assert!(!tmp.path().join("evil.db").exists());

        // An extra entry after the payload.
        let extra = tmp.path().join("extra.tar.zst");
        craft(
            &extra,
            &[
                (METADATA_NAME, &metadata),
                (PAYLOAD_NAME, &payload),
                ("other", b"x"),
            ],
        );
        let e = refused(&extra, &ImportExpectations::default()).to_string();
        assert!(e.contains("unexpected entry \"other\""), "{e}");

        // The artifact config (outer metadata) disagrees with the file.
        let mut outer = exported.metadata.clone();
        outer.database_digest = Digest::sha256_of(b"z").to_string();
        let e = refused(
            &good,
            &ImportExpectations {
                file_digest: None,
                metadata: Some(outer),
            },
        );
        assert!(matches!(e, ExportError::Checksum { .. }), "{e}");
    }

    #[test]
    fn a_refused_import_keeps_the_previous_database() {
        let tmp = tempfile::tempdir().unwrap();
        let db = source_db(tmp.path());
        let good = tmp.path().join("good.tar.zst");
        export_db(&db, &good).unwrap();
        let target = tmp.path().join("dst").join("customs.db");
        import_db(&good, &target, &ImportExpectations::default()).unwrap();
        let before = Store::open(&target).unwrap().meta().unwrap();
        let bytes = std::fs::read(&good).unwrap();
        let cut = tmp.path().join("cut.tar.zst");
        std::fs::write(&cut, &bytes[..bytes.len() - 40]).unwrap();
        import_db(&cut, &target, &ImportExpectations::default()).unwrap_err();
        assert_eq!(Store::open(&target).unwrap().meta().unwrap(), before);
        assert_eq!(listing(target.parent().unwrap()), ["customs.db"]);
    }
}
