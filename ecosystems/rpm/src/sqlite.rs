//! `rpmdb.sqlite` (rpm >= 4.16): the `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)` table
//! holds one header blob per package.
//!
//! The file comes from an untrusted image, so it is never opened from disk: the bytes are
//! deserialized into a read-only in-memory database (nothing is written anywhere), with
//! `SQLite`'s defensive mode on, untrusted schemas (no functions from views or triggers),
//! triggers and views disabled, and a cap on the size of any one value. `SQLite` reads
//! corrupt files safely (it is fuzzed continuously); a corrupt page ends the read with an
//! error after the packages read so far.

use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::db::{DbFormat, RpmDb, RpmDbError};

/// The largest database read (the analyzer refuses larger files before reading them).
pub const MAX_SQLITE_BYTES: usize = 1024 * 1024 * 1024;
/// The largest single value `SQLite` will hand back (header blobs are at most ~270 MB).
const MAX_VALUE: i32 = 300 * 1024 * 1024;

fn err(message: impl Into<String>) -> RpmDbError {
    RpmDbError::malformed(DbFormat::Sqlite, message)
}

fn open(bytes: &[u8]) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    // rpm leaves its databases in WAL mode (header bytes 18 and 19 = 2); an in-memory
    // database cannot use a WAL, so present the file as a rollback-journal database. The
    // WAL file itself (rpmdb.sqlite-wal) is not part of what is read.
    let head_len = bytes.len().min(18);
    let mut patched: Vec<u8> = Vec::with_capacity(20);
    patched.extend_from_slice(&bytes[..head_len]);
    let mut rest = &bytes[head_len..];
    if rest.len() >= 2 && rest[0] == 2 && rest[1] == 2 {
        patched.extend_from_slice(&[1, 1]);
        rest = &rest[2..];
    }
    let reader = std::io::Read::chain(&patched[..], rest);
    conn.deserialize_read_exact("main", reader, bytes.len(), true)?;
    conn.pragma_update(None, "cell_size_check", true)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Reads an `rpmdb.sqlite` held in memory.
pub fn read_sqlite(bytes: &[u8]) -> Result<RpmDb, RpmDbError> {
    if bytes.is_empty() {
        return Err(RpmDbError::Empty);
    }
    if bytes.len() > MAX_SQLITE_BYTES {
        return Err(RpmDbError::TooLarge {
            format: DbFormat::Sqlite,
            size: bytes.len(),
            limit: MAX_SQLITE_BYTES,
        });
    }
    if !bytes.starts_with(b"SQLite format 3\0") {
        return Err(err("not an SQLite database"));
    }
    let conn = open(bytes).map_err(|e| err(format!("cannot open: {e}")))?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages")
        .map_err(|e| err(format!("no Packages table: {e}")))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| err(format!("cannot read Packages: {e}")))?;
    let mut out = RpmDb::default();
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                if out.packages.is_empty() && out.problems.is_empty() {
                    return Err(err(format!("cannot read Packages: {e}")));
                }
                out.problem(0, format!("reading stopped: {e}"));
                break;
            }
        };
        let hnum = match row.get_ref(0) {
            Ok(ValueRef::Integer(i)) => u64::try_from(i).unwrap_or(0),
            _ => 0,
        };
        match row.get_ref(1) {
            Ok(ValueRef::Blob(b) | ValueRef::Text(b)) => out.add_blob(hnum, b),
            Ok(other) => out.problem(hnum, format!("blob is {:?}", other.data_type())),
            Err(e) => out.problem(hnum, e.to_string()),
        }
    }
    Ok(out)
}
