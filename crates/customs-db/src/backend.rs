//! What a store is, independent of where it keeps its rows.
//!
//! The scan only reads: [`AdvisoryStore`] is that read side (advisories by namespace and
//! package, enrichment by vulnerability id, the database digest). `customs db` also updates
//! and reports: [`FeedStore`] adds that. The embedded `SQLite` [`Store`] implements both; so
//! does the `PostgreSQL` store of `customs-db-postgres`, and the CLI picks one by the `--db`
//! value (a path or a `postgres://` URL) and hands the scan a `&dyn AdvisoryStore`.
//!
//! Two things every backend must compute the same way, so that the same feed inputs give the
//! same database digest whichever store ingested them (a report names the digest it was
//! matched against; a server and a laptop agree on it):
//!
//! * a feed's *content digest*: SHA-256 over the `sha256:<hex>` digest of each input's raw
//!   bytes, in the order the inputs are read, each followed by a newline
//!   ([`ingest_inputs`] does the reading and hashing for other backends);
//! * the *database digest*: SHA-256 over `customs-db schema N\n` and then `KIND=DIGEST\n` for
//!   every feed with a content digest, ordered by kind ([`database_digest`]).
//!
//! For `customs db diff`, a backend records per update what changed the way the `ingest`
//! module describes, hashing each record's stored JSON with [`crate::record_hash`], and
//! reads it back through [`FeedStore::updates`]; [`FeedStore::validators`] is what decides
//! that a feed is unchanged.
//!
//! Rows are stored as the JSON of the model records ([`advisory_json`], [`info_json`]) and
//! returned in one order in every backend: by vulnerability id, then feed, then insertion
//! order, comparing strings bytewise.

use std::io::Read;

use std::collections::HashMap;

use customs_feed::{
    DigestingReader, EnrichmentParser, FeedError, FeedInput, FeedParser, FetchOptions, Inputs,
    Source, Validators, open_location,
};
use customs_model::{Advisory, Digest, VulnerabilityInfo};
use sha2::Digest as _;

use crate::{DbError, DbMeta, DiffSelect, FeedStatus, FeedUpdate, SCHEMA_VERSION, Store};

/// The read side of a store: what matching and enrichment need.
pub trait AdvisoryStore {
    /// Every advisory for `package` in `namespace`, ordered by vulnerability id, feed and
    /// insertion order.
    fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>, DbError>;
    /// [`AdvisoryStore::advisories`] for many (namespace, package) pairs at once, in the
    /// order given: a scan asks for hundreds, and a store can answer them in one go.
    fn advisories_of(&self, keys: &[(&str, &str)]) -> Result<Vec<Vec<Advisory>>, DbError> {
        keys.iter()
            .map(|(namespace, package)| self.advisories(namespace, package))
            .collect()
    }
    /// What the enrichment feeds know about `id`, merged in feed order (None when nothing).
    fn vulnerability_info(&self, id: &str) -> Result<Option<VulnerabilityInfo>, DbError>;
    /// The database digest, build time and schema version.
    fn meta(&self) -> Result<DbMeta, DbError>;
}

/// A store `customs db` can update and report on.
pub trait FeedStore: AdvisoryStore + Send {
    /// Where the store is, for messages: a path, or a URL without its password.
    fn location(&self) -> String;
    /// Each feed's status, ordered by kind.
    fn feeds(&self) -> Result<Vec<FeedStatus>, DbError>;
    /// Replaces `parser`'s advisories with what `locations` hold, in one transaction.
    fn update_feed(
        &mut self,
        parser: &dyn FeedParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError>;
    /// Replaces an enrichment feed's records, in one transaction.
    fn update_enrichment(
        &mut self,
        parser: &dyn EnrichmentParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError>;
    /// Records that updating `kind` failed; its previous records stay.
    fn record_failure(&self, kind: &str, locations: &[String], error: &str) -> Result<(), DbError>;
    /// The recorded updates and their changes (oldest first), optionally of one feed
    /// (`customs db diff`; see the `ingest` module for what is recorded).
    fn updates(&self, feed: Option<&str>, select: &DiffSelect) -> Result<Vec<FeedUpdate>, DbError>;
    /// The validators stored by the last successful fetch of each (feed, location), which
    /// decide whether a feed is unchanged.
    fn validators(&self) -> Result<HashMap<(String, String), Validators>, DbError>;
}

impl AdvisoryStore for Store {
    fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>, DbError> {
        Store::advisories(self, namespace, package)
    }
    fn advisories_of(&self, keys: &[(&str, &str)]) -> Result<Vec<Vec<Advisory>>, DbError> {
        Store::advisories_of(self, keys)
    }
    fn vulnerability_info(&self, id: &str) -> Result<Option<VulnerabilityInfo>, DbError> {
        Store::vulnerability_info(self, id)
    }
    fn meta(&self) -> Result<DbMeta, DbError> {
        Store::meta(self)
    }
}

impl FeedStore for Store {
    fn location(&self) -> String {
        self.path().display().to_string()
    }
    fn feeds(&self) -> Result<Vec<FeedStatus>, DbError> {
        Store::feeds(self)
    }
    fn update_feed(
        &mut self,
        parser: &dyn FeedParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError> {
        Store::update_feed(self, parser, locations, opts)
    }
    fn update_enrichment(
        &mut self,
        parser: &dyn EnrichmentParser,
        locations: &[String],
        opts: &FetchOptions,
    ) -> Result<u64, DbError> {
        Store::update_enrichment(self, parser, locations, opts)
    }
    fn record_failure(&self, kind: &str, locations: &[String], error: &str) -> Result<(), DbError> {
        Store::record_failure(self, kind, locations, error)
    }
    fn updates(&self, feed: Option<&str>, select: &DiffSelect) -> Result<Vec<FeedUpdate>, DbError> {
        Store::updates(self, feed, select)
    }
    fn validators(&self) -> Result<HashMap<(String, String), Validators>, DbError> {
        Store::validators(self)
    }
}

/// The database digest over each feed's content digest (see the module docs). `feeds` need
/// not be sorted.
pub fn database_digest<'a>(feeds: impl IntoIterator<Item = (&'a str, &'a str)>) -> Digest {
    let mut sorted: Vec<(&str, &str)> = feeds.into_iter().collect();
    sorted.sort_unstable();
    let mut h = sha2::Sha256::new();
    h.update(format!("customs-db schema {SCHEMA_VERSION}\n").as_bytes());
    for (kind, digest) in sorted {
        h.update(format!("{kind}={digest}\n").as_bytes());
    }
    Digest::from_sha256_output(&h.finalize())
}

/// One row a feed produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A per-package advisory.
    Advisory {
        namespace: String,
        package: String,
        vulnerability_id: String,
        /// The advisory's record id (with the three keys above, what change records compare).
        record_id: String,
        /// [`advisory_json`] of the record.
        record: String,
    },
    /// A per-vulnerability enrichment record.
    Vulnerability {
        vulnerability_id: String,
        /// [`info_json`] of the record.
        record: String,
    },
}

/// The stored form of an advisory.
pub fn advisory_json(adv: &Advisory) -> String {
    serde_json::to_string(adv).expect("advisories serialize")
}

/// The stored form of an enrichment record.
pub fn info_json(info: &VulnerabilityInfo) -> String {
    serde_json::to_string(info).expect("records serialize")
}

/// Which parser a feed has.
#[derive(Clone, Copy)]
pub enum AnyParser<'a> {
    Advisories(&'a dyn FeedParser),
    Enrichment(&'a dyn EnrichmentParser),
}

impl std::fmt::Debug for AnyParser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AnyParser").field(&self.kind()).finish()
    }
}

impl AnyParser<'_> {
    /// The feed kind.
    pub fn kind(&self) -> &str {
        match self {
            AnyParser::Advisories(p) => p.kind(),
            AnyParser::Enrichment(p) => p.kind(),
        }
    }
}

/// Reads every input of every location with `parser`, handing each row to `sink` as it is
/// parsed (so a backend can stream rows into its transaction). Returns the number of rows and
/// the feed's content digest. The first error (opening, parsing or from `sink`) stops it.
pub fn ingest_inputs(
    parser: AnyParser<'_>,
    locations: &[String],
    opts: &FetchOptions,
    sink: &mut dyn FnMut(Row) -> Result<(), DbError>,
) -> Result<(u64, Digest), DbError> {
    let mut state = (0u64, sha2::Sha256::new());
    for location in locations {
        ingest_opened(parser, open_location(location, opts)?, &mut state, sink)?;
    }
    Ok((state.0, Digest::from_sha256_output(&state.1.finalize())))
}

/// Fetches every location unconditionally (no stored validators, no mirrors), as a direct
/// `update_feed` call does: the sources to ingest, in order.
pub fn fetch_sources(locations: &[String], opts: &FetchOptions) -> Result<Vec<Source>, DbError> {
    let mut sources = Vec::with_capacity(locations.len());
    for location in locations {
        let fetched = customs_feed::fetch(
            location,
            &[],
            None,
            &customs_feed::well_known_checksum,
            opts,
        )?;
        if let customs_feed::Fetched::Ready(s) = fetched {
            sources.push(s);
        }
    }
    Ok(sources)
}

/// [`ingest_inputs`] over locations already fetched (`customs_feed::fetch`), as `customs db
/// update` reads them: the same rows and the same content digest.
pub fn ingest_sources(
    parser: AnyParser<'_>,
    sources: &[Source],
    opts: &FetchOptions,
    sink: &mut dyn FnMut(Row) -> Result<(), DbError>,
) -> Result<(u64, Digest), DbError> {
    let mut state = (0u64, sha2::Sha256::new());
    for source in sources {
        ingest_opened(parser, source.inputs(opts)?, &mut state, sink)?;
    }
    Ok((state.0, Digest::from_sha256_output(&state.1.finalize())))
}

/// Parses each opened input of one location, counting rows and hashing the raw bytes into
/// `state` (row count, feed hasher).
fn ingest_opened(
    parser: AnyParser<'_>,
    inputs: Inputs,
    state: &mut (u64, sha2::Sha256),
    sink: &mut dyn FnMut(Row) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let kind = parser.kind().to_owned();
    let (count, feed_hasher) = state;
    for opened in inputs {
        let input = FeedInput {
            kind: kind.clone(),
            location: opened.location.clone(),
            file_name: opened.file_name.clone(),
        };
        let mut reader = DigestingReader::new(opened.reader);
        let mut sink_err: Option<DbError> = None;
        let mut emit = |row: Row| {
            if sink_err.is_some() {
                return;
            }
            match sink(row) {
                Ok(()) => *count += 1,
                Err(e) => sink_err = Some(e),
            }
        };
        let body: &mut dyn Read = &mut reader;
        let parsed: Result<(), FeedError> = match parser {
            AnyParser::Advisories(p) => p.parse(&input, body, &mut |adv: Advisory| {
                let record = advisory_json(&adv);
                emit(Row::Advisory {
                    namespace: adv.namespace,
                    package: adv.package,
                    vulnerability_id: adv.vulnerability_id,
                    record_id: adv.record_id,
                    record,
                });
            }),
            AnyParser::Enrichment(p) => p.parse(&input, body, &mut |info: VulnerabilityInfo| {
                let record = info_json(&info);
                emit(Row::Vulnerability {
                    vulnerability_id: info.id,
                    record,
                });
            }),
        };
        if let Some(e) = sink_err {
            return Err(e);
        }
        parsed?;
        let digest = reader.finish().map_err(|e| FeedError::io(&input, e))?;
        feed_hasher.update(digest.to_string().as_bytes());
        feed_hasher.update(b"\n");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_digest_is_order_independent_and_schema_bound() {
        let a = database_digest([("osv", "sha256:01"), ("alpine-secdb", "sha256:02")]);
        let b = database_digest([("alpine-secdb", "sha256:02"), ("osv", "sha256:01")]);
        assert_eq!(a, b);
        let mut h = sha2::Sha256::new();
        h.update(
            format!("customs-db schema {SCHEMA_VERSION}\nalpine-secdb=sha256:02\nosv=sha256:01\n")
                .as_bytes(),
        );
        assert_eq!(a, Digest::from_sha256_output(&h.finalize()));
        assert_ne!(a, database_digest([("osv", "sha256:01")]));
    }
}
