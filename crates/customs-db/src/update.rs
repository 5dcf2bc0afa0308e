//! Updating many feeds at once: a small pool of workers fetches and stages feeds in
//! parallel, and the calling thread commits each staged feed as it arrives (`SQLite` has one
//! writer; commits are short, see the `ingest` module).
//!
//! A feed is skipped, untouched, when every one of its locations is unchanged since its last
//! successful update (HTTP `304 Not Modified`, or the same raw-byte digest for a local path
//! or a server without validators), its configured locations are the same, and that update
//! succeeded. When only some locations changed, the unchanged ones are fetched again in full:
//! a feed's rows are replaced as a whole.
//!
//! A feed that fails (network, checksum, parse, limits) is reported and its failure recorded;
//! its previous rows stay, and the other feeds go on.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use customs_feed::{
    ChecksumSpec, EnrichmentParser, FeedParser, FetchOptions, Fetched, Source, Validators,
};
use customs_model::{Advisory, VulnerabilityInfo};

use crate::ingest::{CommitSummary, StagedFeed, clean_stale_staging, stage};
use crate::{DbError, FeedStore, Store, Table};

/// A parser of either kind, owned so workers can share it.
#[derive(Clone)]
pub enum UpdateParser {
    Advisories(Arc<dyn FeedParser>),
    Enrichment(Arc<dyn EnrichmentParser>),
}

impl std::fmt::Debug for UpdateParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl UpdateParser {
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            UpdateParser::Advisories(p) => p.kind(),
            UpdateParser::Enrichment(p) => p.kind(),
        }
    }

    fn checksum(&self, location: &str) -> Option<ChecksumSpec> {
        match self {
            UpdateParser::Advisories(p) => p.checksum(location),
            UpdateParser::Enrichment(p) => p.checksum(location),
        }
    }

    fn stage(
        &self,
        locations: &[String],
        sources: &[Source],
        staging_dir: &std::path::Path,
        opts: &FetchOptions,
    ) -> Result<StagedFeed, DbError> {
        let kind = self.kind();
        match self {
            UpdateParser::Advisories(p) => stage(
                kind,
                Table::Advisories,
                locations,
                sources,
                staging_dir,
                opts,
                &mut |input, body, emit| {
                    p.parse(input, body, &mut |adv: Advisory| {
                        crate::records::emit_advisory(&adv, kind, emit);
                    })
                },
            ),
            UpdateParser::Enrichment(p) => stage(
                kind,
                Table::Vulnerabilities,
                locations,
                sources,
                staging_dir,
                opts,
                &mut |input, body, emit| {
                    p.parse(input, body, &mut |info: VulnerabilityInfo| {
                        let json = serde_json::to_vec(&info).expect("records serialize");
                        emit(["", "", &info.id, ""], json);
                    })
                },
            ),
        }
    }
}

/// One feed to update.
#[derive(Debug, Clone)]
pub struct FeedJob {
    pub parser: UpdateParser,
    pub locations: Vec<String>,
    /// Tried in order when a location fails (see `customs_feed::mirror_location`).
    pub mirrors: Vec<String>,
    /// This feed's fetch settings (its timeout, the proxy, retries, limits).
    pub opts: FetchOptions,
}

/// What happened to one feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedChange {
    /// Nothing changed upstream; the feed was not re-ingested.
    Unchanged,
    Updated(CommitSummary),
}

/// The outcome of one feed.
#[derive(Debug)]
pub struct FeedReport {
    pub kind: String,
    pub result: Result<FeedChange, DbError>,
    pub elapsed: Duration,
}

/// Progress callbacks, called from worker threads.
pub trait UpdateProgress: Sync {
    /// A worker started on `kind`.
    fn started(&self, kind: &str) {
        let _ = kind;
    }
    /// `kind` moved to a new phase (`fetching`, `parsing`, `committing`).
    fn phase(&self, kind: &str, phase: &str) {
        let _ = (kind, phase);
    }
    /// `kind` is done.
    fn finished(&self, report: &FeedReport) {
        let _ = report;
    }
}

impl UpdateProgress for () {}

enum Staged {
    Unchanged,
    Ready(StagedFeed),
}

/// Updates every job's feed, `concurrency` feeds at a time, committing each into `store` as
/// soon as it is staged. `force` re-ingests feeds even when nothing changed. Returns one
/// report per job, in job order.
pub fn run_update(
    store: &mut Store,
    jobs: &[FeedJob],
    concurrency: usize,
    force: bool,
    progress: &dyn UpdateProgress,
) -> Vec<FeedReport> {
    let staging_dir = store.staging_dir();
    clean_stale_staging(&staging_dir);
    let run_at = jiff::Timestamp::now().to_string();
    // What is known from the last update, read once before the workers start.
    let validators = store.validators().unwrap_or_default();
    let previous: HashMap<String, (Vec<String>, bool)> = store
        .feeds()
        .unwrap_or_default()
        .into_iter()
        .map(|f| {
            let ok = f.last_error.is_none() && f.content_digest.is_some();
            (f.kind, (f.locations, ok))
        })
        .collect();
    let queue = Mutex::new((0..jobs.len()).collect::<std::collections::VecDeque<_>>());
    let mut reports: Vec<Option<FeedReport>> = (0..jobs.len()).map(|_| None).collect();
    let (tx, rx) = mpsc::channel::<(usize, Instant, Result<Staged, DbError>)>();
    std::thread::scope(|scope| {
        for _ in 0..concurrency.clamp(1, 16).min(jobs.len().max(1)) {
            let tx = tx.clone();
            let queue = &queue;
            let validators = &validators;
            let previous = &previous;
            let staging_dir = &staging_dir;
            scope.spawn(move || {
                while let Some(i) = queue.lock().ok().and_then(|mut q| q.pop_front()) {
                    let job = &jobs[i];
                    let started = Instant::now();
                    progress.started(job.parser.kind());
                    let unchanged_ok = !force
                        && previous
                            .get(job.parser.kind())
                            .is_some_and(|(locs, ok)| *ok && *locs == job.locations);
                    let result =
                        fetch_and_stage(job, unchanged_ok, validators, staging_dir, progress);
                    if tx.send((i, started, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, started, result) in rx {
            let job = &jobs[i];
            let kind = job.parser.kind();
            let result = match result {
                Ok(Staged::Unchanged) => Ok(FeedChange::Unchanged),
                Ok(Staged::Ready(staged)) => {
                    progress.phase(kind, "committing");
                    store
                        .commit_staged(&staged, &run_at)
                        .map(FeedChange::Updated)
                }
                Err(e) => Err(e),
            };
            reports[i] = Some(finish_feed(&*store, job, result, started, progress));
        }
    });
    reports_in_job_order(reports, jobs, || DbError::Io {
        path: staging_dir.clone(),
        source: std::io::Error::other("the update worker stopped"),
    })
}

/// Ends one feed's update, in either store: a failure is recorded against the feed (its
/// previous data stays) and the report is handed to `progress`.
pub fn finish_feed(
    store: &dyn FeedStore,
    job: &FeedJob,
    result: Result<FeedChange, DbError>,
    started: Instant,
    progress: &dyn UpdateProgress,
) -> FeedReport {
    let kind = job.parser.kind();
    if let Err(e) = &result {
        let _ = store.record_failure(kind, &job.locations, &e.to_string());
    }
    let report = FeedReport {
        kind: kind.to_owned(),
        result,
        elapsed: started.elapsed(),
    };
    progress.finished(&report);
    report
}

/// One report per job, in job order; a job no worker reported on gets the error `missing`
/// makes.
pub fn reports_in_job_order(
    reports: Vec<Option<FeedReport>>,
    jobs: &[FeedJob],
    missing: impl Fn() -> DbError,
) -> Vec<FeedReport> {
    reports
        .into_iter()
        .zip(jobs)
        .map(|(r, job)| {
            r.unwrap_or_else(|| FeedReport {
                kind: job.parser.kind().to_owned(),
                result: Err(missing()),
                elapsed: Duration::ZERO,
            })
        })
        .collect()
}

fn fetch_and_stage(
    job: &FeedJob,
    unchanged_ok: bool,
    validators: &HashMap<(String, String), Validators>,
    staging_dir: &std::path::Path,
    progress: &dyn UpdateProgress,
) -> Result<Staged, DbError> {
    let kind = job.parser.kind();
    progress.phase(kind, "fetching");
    let checksum = |loc: &str| job.parser.checksum(loc);
    let mut fetched: Vec<Option<Source>> = Vec::with_capacity(job.locations.len());
    for location in &job.locations {
        let previous = if unchanged_ok {
            validators.get(&(kind.to_owned(), location.clone()))
        } else {
            None
        };
        match customs_feed::fetch(location, &job.mirrors, previous, &checksum, &job.opts)? {
            Fetched::NotModified => fetched.push(None),
            Fetched::Ready(s) => fetched.push(Some(s)),
        }
    }
    if fetched.iter().all(Option::is_none) && !job.locations.is_empty() {
        return Ok(Staged::Unchanged);
    }
    // Some changed: the unchanged ones are needed in full too.
    let mut sources = Vec::with_capacity(fetched.len());
    for (location, f) in job.locations.iter().zip(fetched) {
        match f {
            Some(s) => sources.push(s),
            None => {
                match customs_feed::fetch(location, &job.mirrors, None, &checksum, &job.opts)? {
                    Fetched::Ready(s) => sources.push(s),
                    Fetched::NotModified => {}
                }
            }
        }
    }
    progress.phase(kind, "parsing");
    let staged = job
        .parser
        .stage(&job.locations, &sources, staging_dir, &job.opts)?;
    Ok(Staged::Ready(staged))
}
