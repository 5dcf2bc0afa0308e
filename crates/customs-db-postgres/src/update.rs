//! `customs db update` into `PostgreSQL`, several feeds at a time.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use customs_db::{DbError, FeedJob, FeedReport, UpdateProgress, finish_feed, reports_in_job_order};

use crate::PgStore;

/// Updates every job's feed, `concurrency` feeds at a time, as `customs_db::run_update` does
/// for `SQLite`: each worker has its own connection, and each feed is fetched, parsed and
/// committed in its own transaction (`PgStore::update_job`; feeds are serialized by their
/// advisory locks, the database digest by the meta lock), so a failing feed keeps its
/// previous data while the others are updated. Every feed of one run gets the same update
/// time, which `customs db diff` groups by. Returns one report per job, in job order.
///
/// # Errors
/// Only when no worker could connect (the error of the first attempt); a worker that
/// cannot connect otherwise leaves its jobs to the others.
pub fn run_update(
    url: &str,
    jobs: &[FeedJob],
    concurrency: usize,
    force: bool,
    progress: &dyn UpdateProgress,
) -> Result<Vec<FeedReport>, DbError> {
    // Connect (and migrate) once up front: a bad URL is one clear error, not one per feed.
    let first = PgStore::open_for_update(url)?;
    let run_at = jiff::Timestamp::now().to_string();
    let queue = Mutex::new((0..jobs.len()).collect::<VecDeque<_>>());
    let reports: Mutex<Vec<Option<FeedReport>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    let workers = concurrency.clamp(1, 16).min(jobs.len().max(1));
    let first = Mutex::new(Some(first));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let taken = first.lock().ok().and_then(|mut f| f.take());
                let mut store = match taken {
                    Some(s) => s,
                    None => match PgStore::open_for_update(url) {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::warn!(error = %e, "an update worker could not connect");
                            return;
                        }
                    },
                };
                while let Some(i) = queue.lock().ok().and_then(|mut q| q.pop_front()) {
                    let job = &jobs[i];
                    let started = Instant::now();
                    progress.started(job.parser.kind());
                    let result = store.update_job(job, force, &run_at);
                    let report = finish_feed(&store, job, result, started, progress);
                    if let Ok(mut r) = reports.lock() {
                        r[i] = Some(report);
                    }
                }
            });
        }
    });
    let reports = reports.into_inner().unwrap_or_default();
    Ok(reports_in_job_order(reports, jobs, || DbError::Backend {
        location: crate::redact(url),
        message: "no update worker could take this feed".into(),
    }))
}
