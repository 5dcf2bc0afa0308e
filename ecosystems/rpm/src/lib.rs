//! rpm: version ordering exactly as rpm does it (`rpmvercmp`, `rpmverCmp`), and the installed
//! package database in all three of its formats (Berkeley DB `Packages`, `rpmdb.sqlite`,
//! ndb `Packages.db`), read natively: no librpm, no external tools.
//!
//! Layers: [`header`] verifies and reads one header blob (the same checks as librpm's
//! `hdrblobInit`); [`bdb`], [`ndb`] and [`sqlite`] find the blobs in each container format;
//! [`read_rpmdb`] recognises the format by content; [`analyzer`] turns it all into
//! [`customs_model::Package`]s. Readers never stop at a bad record: it is reported in
//! [`RpmDb::problems`] and the others are still read.

pub mod analyzer;
pub mod bdb;
pub mod db;
pub mod header;
pub mod manifest;
pub mod ndb;
pub mod package;
pub mod sqlite;
pub mod version;

pub use analyzer::{ContentManifestAnalyzer, RpmDbAnalyzer, RpmManifestAnalyzer};
pub use bdb::read_bdb;
pub use db::{DbFormat, RecordProblem, RpmDb, RpmDbError, read_rpmdb};
pub use header::{Header, HeaderError, RpmPackage};
pub use manifest::{parse_container_manifest, parse_content_manifest};
pub use ndb::read_ndb;
pub use package::{parse_source_rpm, rpm_purl};
pub use sqlite::read_sqlite;
pub use version::{RpmScheme, RpmVersion, rpmvercmp};
