//! Reading back what updates changed (`customs db diff`); the `ingest` module writes it.

use rusqlite::params;

use crate::{DbError, Store};

/// Which updates to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffSelect {
    /// The updates of the most recent update run that changed something.
    Last,
    /// Every kept update at or after this time.
    Since(jiff::Timestamp),
    /// Every kept update.
    All,
}

/// One kind of change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `added`, `removed` or `modified`.
    pub change: String,
    pub namespace: String,
    pub package: String,
    pub vulnerability_id: String,
    pub record_id: String,
}

/// One feed's update and its changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedUpdate {
    pub feed: String,
    /// When the update run started (RFC 3339).
    pub at: String,
    pub records: u64,
    pub added: u64,
    pub removed: u64,
    pub modified: u64,
    /// The feed's first ingest: only totals were recorded.
    pub initial: bool,
    /// Ordered by change, namespace, package, vulnerability id, record id.
    pub changes: Vec<Change>,
}

impl Store {
    /// The recorded updates (oldest first), optionally of one feed.
    pub fn updates(
        &self,
        feed: Option<&str>,
        select: &DiffSelect,
    ) -> Result<Vec<FeedUpdate>, DbError> {
        type Row = (i64, String, String, i64, i64, i64, i64, bool);
        let rows: Vec<Row> = self.sql(|c| {
            let mut stmt = c.prepare(
                "SELECT id, feed, at, records, added, removed, modified, initial FROM updates
                 WHERE ?1 IS NULL OR feed = ?1 ORDER BY id",
            )?;
            stmt.query_map(params![feed], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?
            .collect()
        })?;
        let when = |at: &str| at.parse::<jiff::Timestamp>().ok();
        let keep: Vec<&Row> = match select {
            DiffSelect::All => rows.iter().collect(),
            DiffSelect::Since(t) => rows
                .iter()
                .filter(|r| when(&r.2).is_some_and(|w| w >= *t))
                .collect(),
            DiffSelect::Last => {
                let last = rows.iter().filter_map(|r| when(&r.2)).max();
                rows.iter()
                    .filter(|r| last.is_some() && when(&r.2) == last)
                    .collect()
            }
        };
        let u = |n: i64| u64::try_from(n).unwrap_or(0);
        let mut out = Vec::with_capacity(keep.len());
        for (id, feed, at, records, added, removed, modified, initial) in keep {
            let changes = self.sql(|c| {
                let mut stmt = c.prepare(
                    "SELECT change, namespace, package, vulnerability_id, record_id FROM changes
                     WHERE update_id = ?1 ORDER BY change, namespace, package, vulnerability_id, record_id",
                )?;
                stmt.query_map([id], |r| {
                    Ok(Change {
                        change: r.get(0)?,
                        namespace: r.get(1)?,
                        package: r.get(2)?,
                        vulnerability_id: r.get(3)?,
                        record_id: r.get(4)?,
                    })
                })?
                .collect()
            })?;
            out.push(FeedUpdate {
                feed: feed.clone(),
                at: at.clone(),
                records: u(*records),
                added: u(*added),
                removed: u(*removed),
                modified: u(*modified),
                initial: *initial,
                changes,
            });
        }
        Ok(out)
    }
}
