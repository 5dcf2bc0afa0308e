//! Vulnerability feeds.
//!
//! A feed is split, as claircore's updaters are, into *fetch* (this crate: locations, HTTP,
//! decompression, size limits) and *parse* (each ecosystem crate implements [`FeedParser`]).
//! A parser sees an already-decompressed byte stream and emits validated [`Advisory`]
//! records one at a time, so a large feed is never held whole in memory.
//!
//! A location may also be an archive (zip, or tar compressed or not); each of its members is
//! then one input, named `ARCHIVE!member` (see the `archive` module for the limits).
//!
//! # Locations
//!
//! What `customs db update --feed KIND=LOCATION` (and a feed's `default_locations`) accept:
//!
//! * a path: a file, a directory (its files, recursively, sorted) or an archive;
//! * `file://PATH`, `http://…`, `https://…` (retries, timeouts, conditional requests: see the
//!   `fetch` module);
//! * an index (see [`index`]): `latest:LOCATION` reads the location named by the first line
//!   of LOCATION (Red Hat's `archive_latest.txt`), `rss:LOCATION` reads every location the
//!   RSS 2.0 feed at LOCATION links from its items (Amazon's ALAS feeds). Named locations
//!   must be on the index's host unless written `latest+anyhost:` / `rss+anyhost:`.

use std::io::Read;

mod archive;
pub mod config;
mod fetch;
pub mod index;
mod link_cache;
mod location;

pub use fetch::{
    ChecksumFormat, ChecksumSpec, Fetched, Source, Validators, fetch, local_digest,
    mirror_location, well_known_checksum,
};

pub use index::{IndexFormat, IndexLocation};
pub use location::{
    DEFAULT_MAX_ARCHIVE_MEMBERS, DEFAULT_MAX_INDEX_BYTES, DEFAULT_MAX_INDEX_LINKS,
    DEFAULT_MAX_MEMBER_BYTES, DigestingReader, FetchOptions, Inputs, LocationError, OpenedInput,
    open_location, open_reader,
};

use customs_model::{Advisory, VulnerabilityInfo};

/// One input of a feed as handed to a parser.
#[derive(Debug, Clone)]
pub struct FeedInput {
    /// The feed kind, e.g. `debian-oval`.
    pub kind: String,
    /// Where it came from: a URL or a path. Shown in errors.
    pub location: String,
    /// The file name (last path segment), compression suffix already removed, e.g.
    /// `oval-definitions-bookworm.xml`. Parsers may read a release from it.
    pub file_name: String,
}

/// A feed could not be parsed. Each variant names the feed input.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{location}: malformed {kind} feed: {message}")]
    Malformed {
        kind: String,
        location: String,
        message: String,
    },
    #[error("{location}: reading {kind} feed failed: {source}")]
    Io {
        kind: String,
        location: String,
        source: std::io::Error,
    },
    #[error("{location}: {kind} feed exceeds the limit of {limit}: {what}")]
    Limit {
        kind: String,
        location: String,
        limit: u64,
        what: String,
    },
}

impl FeedError {
    pub fn malformed(input: &FeedInput, message: impl Into<String>) -> Self {
        FeedError::Malformed {
            kind: input.kind.clone(),
            location: input.location.clone(),
            message: message.into(),
        }
    }

    pub fn io(input: &FeedInput, source: std::io::Error) -> Self {
        FeedError::Io {
            kind: input.kind.clone(),
            location: input.location.clone(),
            source,
        }
    }
}

/// Parses one feed kind.
pub trait FeedParser: Send + Sync {
    /// The feed kind, as given to `customs db update --feed KIND=LOCATION`.
    fn kind(&self) -> &'static str;
    /// A one-line description for `customs db feeds`.
    fn description(&self) -> &'static str;
    /// The real upstream locations fetched when no `--feed` is given.
    fn default_locations(&self) -> Vec<String>;
    /// The checksum the upstream publishes for `location` (the URL actually fetched), if
    /// any; the download is verified against it before it is parsed.
    fn checksum(&self, location: &str) -> Option<ChecksumSpec> {
        well_known_checksum(location)
    }
    /// Parses one decompressed input, emitting every advisory it holds.
    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError>;
}

/// Parses one enrichment feed kind (NVD, CISA KEV, FIRST EPSS): records about vulnerabilities
/// themselves rather than about packages.
pub trait EnrichmentParser: Send + Sync {
    /// The feed kind, as given to `customs db update --feed KIND=LOCATION`.
    fn kind(&self) -> &'static str;
    /// A one-line description for `customs db feeds`.
    fn description(&self) -> &'static str;
    /// The real upstream locations fetched when no `--feed` is given.
    fn default_locations(&self) -> Vec<String>;
    /// The checksum the upstream publishes for `location` (the URL actually fetched), if
    /// any; the download is verified against it before it is parsed.
    fn checksum(&self, location: &str) -> Option<ChecksumSpec> {
        well_known_checksum(location)
    }
    /// Parses one decompressed input, emitting every record it holds.
    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(VulnerabilityInfo),
    ) -> Result<(), FeedError>;
}
