//! What every database reader returns, and format detection.

use crate::header::RpmPackage;

/// A package database could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpmDbError {
    #[error("empty file")]
    Empty,
    #[error("not an rpm database (unknown format)")]
    UnknownFormat,
    #[error("{format}: {message}")]
    Malformed { format: DbFormat, message: String },
    #[error("{format}: {size} bytes is over the {limit}-byte limit")]
    TooLarge {
        format: DbFormat,
        size: usize,
        limit: usize,
    },
}

impl RpmDbError {
    pub(crate) fn malformed(format: DbFormat, message: impl Into<String>) -> Self {
        RpmDbError::Malformed {
            format,
            message: message.into(),
        }
    }
}

/// The three on-disk formats of the rpm package database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbFormat {
    /// Berkeley DB hash `Packages` (rpm < 4.16 default: RHEL/CentOS <= 8, Amazon Linux 2).
    BerkeleyDb,
    /// `rpmdb.sqlite` (Fedora >= 33, RHEL 9, CBL-Mariner).
    Sqlite,
    /// `Packages.db` (SUSE).
    Ndb,
}

impl std::fmt::Display for DbFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DbFormat::BerkeleyDb => "bdb",
            DbFormat::Sqlite => "sqlite",
            DbFormat::Ndb => "ndb",
        })
    }
}

impl DbFormat {
    /// Recognises a database by its first bytes.
    pub fn detect(bytes: &[u8]) -> Option<DbFormat> {
        if bytes.starts_with(b"SQLite format 3\0") {
            return Some(DbFormat::Sqlite);
        }
        if bytes.starts_with(b"RpmP") {
            return Some(DbFormat::Ndb);
        }
        let magic = bytes.get(12..16)?;
        if magic == [0x61, 0x15, 0x06, 0x00] || magic == [0x00, 0x06, 0x15, 0x61] {
            return Some(DbFormat::BerkeleyDb);
        }
        None
    }
}

/// One record that could not be read; the other records still were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// The record's key: header number (BDB, `SQLite` `hnum`), package index (NDB), or the
    /// page number when the problem is with a page rather than a record.
    pub record: u64,
    pub message: String,
}

impl std::fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {}: {}", self.record, self.message)
    }
}

/// At most this many problems are kept per database; more are summarised.
pub const MAX_PROBLEMS: usize = 256;

/// The packages read from a database, and what went wrong on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmDb {
    pub packages: Vec<RpmPackage>,
    pub problems: Vec<RecordProblem>,
    /// Problems beyond [`MAX_PROBLEMS`], counted but not kept.
    pub problems_dropped: usize,
}

impl RpmDb {
    pub(crate) fn problem(&mut self, record: u64, message: impl Into<String>) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(RecordProblem {
                record,
                message: message.into(),
            });
        } else {
            self.problems_dropped += 1;
        }
    }

    /// Parses one header blob found under `record`, recording the package or the problem.
    pub(crate) fn add_blob(&mut self, record: u64, blob: &[u8]) {
        match RpmPackage::from_blob(blob) {
            Ok(p) => {
                if let Some(e) = &p.files_error {
                    let msg = format!("package {}: {e}", p.name);
                    self.problem(record, msg);
                }
                self.packages.push(p);
            }
            Err(e) => self.problem(record, format!("damaged header: {e}")),
        }
    }
}

/// Reads a database of any of the three formats, recognised by its content.
pub fn read_rpmdb(bytes: &[u8]) -> Result<RpmDb, RpmDbError> {
    if bytes.is_empty() {
        return Err(RpmDbError::Empty);
    }
    match DbFormat::detect(bytes) {
        Some(DbFormat::BerkeleyDb) => crate::bdb::read_bdb(bytes),
        Some(DbFormat::Sqlite) => crate::sqlite::read_sqlite(bytes),
        Some(DbFormat::Ndb) => crate::ndb::read_ndb(bytes),
        None => Err(RpmDbError::UnknownFormat),
    }
}
