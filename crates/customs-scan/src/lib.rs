//! The library entry point, shared by the CLI and (later) the server and enforcement points.
//!
//! [`index`] reads an image into an [`Inventory`]: layers are walked in parallel, each once,
//! then squashed in order. [`match_inventory`] looks every package up in the store through
//! the registered matchers; [`enrich`] adds CVSS, KEV and EPSS from the enrichment feeds.
//! [`scan`] does all three and builds the [`Report`].

mod cache;
mod enrich;
mod explain;
mod index;
mod matching;
mod remediation;

use customs_model::Report;

pub use cache::LayerCache;
pub use enrich::{SeveritySource, enrich};
pub use explain::{Explanation, Lookup, describe_range, explain};
pub use index::{IndexOptions, Inventory, Progress, index};
pub use matching::{match_inventory, match_packages};
pub use remediation::remediation;

/// A scan failed as a whole (per-file problems are diagnostics, not errors).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Image(#[from] customs_image::ImageError),
    #[error(transparent)]
    Db(#[from] customs_db::DbError),
    #[error("invalid analyzer configuration: {0}")]
    Analyzers(#[from] customs_analyzer::DispatchError),
}

/// Indexes and matches `reference`, producing the full report.
pub fn scan(
    reference: &customs_image::ImageRef,
    store: &customs_db::Store,
    progress: &dyn Progress,
) -> Result<Report, ScanError> {
    let inventory = index(reference, &IndexOptions::default(), progress)?;
    let mut findings = match_inventory(&inventory, store)?;
    enrich(&mut findings, store, SeveritySource::Auto)?;
    let meta = store.meta()?;
    Ok(inventory.into_report(
        findings,
        customs_model::ReportDb {
            digest: meta.digest,
            built_at: meta.built_at,
        },
    ))
}
