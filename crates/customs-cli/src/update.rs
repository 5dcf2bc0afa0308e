//! `customs db update` and `customs db diff`.
//!
//! The update reads the feeds configuration (`--config`, `CUSTOMS_CONFIG`, else
//! `$XDG_CONFIG_HOME/customs/config.toml` when present; see docs/config.md), builds one job
//! per feed and hands them to `customs_db::run_update`, which fetches and parses several
//! feeds at once and commits each in its own transaction. On a terminal, a progress display
//! shows each feed's phase; otherwise one line per feed is printed when it finishes.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use customs_db::{DiffSelect, FeedChange, FeedJob, FeedReport, UpdateParser, UpdateProgress};
use customs_feed::FetchOptions;
use customs_feed::config::Config;

use crate::cli::{Cli, DbDiffArgs, DbUpdateArgs};
use crate::exit::Failure;

/// Feeds fetched and parsed at once unless configured: the machine this runs on is often a
/// small CI runner, and feeds are network- and parse-bound in about equal parts.
const DEFAULT_CONCURRENCY: usize = 4;
/// The per-feed timeout unless configured.
const DEFAULT_TIMEOUT: Duration = Duration::from_mins(5);

fn load_config(args: &DbUpdateArgs) -> Result<Config, Failure> {
    let path = args
        .config
        .clone()
        .or_else(customs_feed::config::default_config_path);
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let config = Config::load(&path).map_err(|e| match &e {
        customs_feed::config::ConfigError::Io { source, .. }
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Failure::config(format!("{e} (from --config or CUSTOMS_CONFIG)"))
        }
        _ => Failure::config(e),
    })?;
    let known: Vec<&str> = customs_ecosystems::feeds()
        .iter()
        .map(customs_ecosystems::Feed::kind)
        .collect();
    for kind in config.feeds.keys() {
        if !known.contains(&kind.as_str()) {
            return Err(Failure::config(format!(
                "{}: unknown feed kind [feeds.{kind}]; known kinds: {}",
                path.display(),
                known.join(", ")
            )));
        }
    }
    Ok(config)
}

fn parser(feed: customs_ecosystems::Feed) -> UpdateParser {
    match feed {
        customs_ecosystems::Feed::Advisories(p) => UpdateParser::Advisories(p),
        customs_ecosystems::Feed::Enrichment(p) => UpdateParser::Enrichment(p),
    }
}

/// The jobs: every enabled feed with its configured (else upstream) locations, or only the
/// `--feed KIND=LOCATION` ones.
fn plan(args: &DbUpdateArgs, config: &Config) -> Result<Vec<FeedJob>, Failure> {
    let base = FetchOptions {
        retries: config.network.retries.unwrap_or(3),
        proxy: config.network.proxy.clone(),
        // Pages an index (ALAS RSS) named, kept for conditional requests next time.
        link_cache: crate::cli::cache_dir().map(|d| d.join("feeds")),
        ..FetchOptions::default()
    };
    let job = |feed: customs_ecosystems::Feed, locations: Vec<String>| {
        let fc = config.feed(feed.kind());
        let timeout = args
            .timeout
            .map(Duration::from_secs)
            .or(fc.timeout)
            .or(config.network.timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        FeedJob {
            parser: parser(feed),
            locations,
            mirrors: fc.mirrors,
            opts: FetchOptions {
                timeout,
                ..base.clone()
            },
        }
    };
    let mut jobs: Vec<FeedJob> = Vec::new();
    if args.feed.is_empty() {
        for feed in customs_ecosystems::feeds() {
            let fc = config.feed(feed.kind());
            if !fc.enabled {
                continue;
            }
            let locations = fc.locations.unwrap_or_else(|| feed.default_locations());
            jobs.push(job(feed, locations));
        }
        return Ok(jobs);
    }
    for spec in &args.feed {
        let (kind, location) = spec
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--feed {spec:?}: expected KIND=LOCATION")))?;
        let feed = customs_ecosystems::feed(kind).ok_or_else(|| {
            let kinds: Vec<_> = customs_ecosystems::feeds()
                .iter()
                .map(customs_ecosystems::Feed::kind)
                .collect();
            Failure::usage(format!(
                "--feed {spec:?}: unknown feed kind {kind:?}; known kinds: {}",
                kinds.join(", ")
            ))
        })?;
        match jobs.iter_mut().find(|j| j.parser.kind() == kind) {
            Some(j) => j.locations.push(location.to_owned()),
            None => jobs.push(job(feed, vec![location.to_owned()])),
        }
    }
    Ok(jobs)
}

/// The terminal display: an overall bar and one spinner line per feed in progress.
struct Display {
    multi: indicatif::MultiProgress,
    total: indicatif::ProgressBar,
    lines: std::sync::Mutex<std::collections::HashMap<String, indicatif::ProgressBar>>,
}

impl UpdateProgress for Display {
    fn started(&self, kind: &str) {
        let bar = self.multi.add(indicatif::ProgressBar::new_spinner());
        bar.set_style(
            indicatif::ProgressStyle::with_template("  {spinner} {prefix:<17} {msg} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_prefix(kind.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut l) = self.lines.lock() {
            l.insert(kind.to_owned(), bar);
        }
    }
    fn phase(&self, kind: &str, phase: &str) {
        if let Some(b) = self.lines.lock().ok().and_then(|l| l.get(kind).cloned()) {
            b.set_message(phase.to_owned());
        }
    }
    fn finished(&self, report: &FeedReport) {
        if let Some(b) = self
            .lines
            .lock()
            .ok()
            .and_then(|mut l| l.remove(&report.kind))
        {
            b.finish_and_clear();
            self.multi.remove(&b);
        }
        self.total.inc(1);
        let _ = self.multi.println(summary_line(report));
    }
}

/// Without a terminal: one line per feed as it finishes. A lone feed's failure is left to
/// the final `customs: error:` line (errors stay one line).
struct Lines {
    single: bool,
}

impl UpdateProgress for Lines {
    fn finished(&self, report: &FeedReport) {
        if self.single && report.result.is_err() {
            return;
        }
        eprintln!("{}", summary_line(report));
    }
}

pub(crate) fn summary_line(r: &FeedReport) -> String {
    let secs = r.elapsed.as_secs_f64();
    match &r.result {
        Ok(FeedChange::Unchanged) => format!("{:<16} unchanged  {secs:.1}s", r.kind),
        Ok(FeedChange::Updated(s)) if s.initial => {
            format!("{:<16} {:>8} records  {secs:.1}s", r.kind, s.records)
        }
        Ok(FeedChange::Updated(s)) => format!(
            "{:<16} {:>8} records  {secs:.1}s  (+{} -{} ~{})",
            r.kind, s.records, s.added, s.removed, s.modified
        ),
        Err(e) => format!("{:<16} FAILED: {e}", r.kind),
    }
}

pub fn db_update(cli: &Cli, args: &DbUpdateArgs) -> Result<u8, Failure> {
    let db_path = args.db.resolve()?;
    let config = load_config(args)?;
    let jobs = plan(args, &config)?;
    let concurrency = args
        .jobs
        .and_then(|n| usize::try_from(n).ok())
        .or(config.network.concurrency)
        .unwrap_or(DEFAULT_CONCURRENCY);
    // The same workers, progress and report for both stores.
    let postgres = crate::dbdist::postgres_url(&args.db);
    let mut sqlite = match &postgres {
        Some(_) => None,
        None => Some(customs_db::Store::open_for_update(&db_path).map_err(|e| Failure::db(&e))?),
    };
    let mut run = |progress: &dyn customs_db::UpdateProgress| match (&postgres, &mut sqlite) {
        (Some(url), _) => {
            customs_db_postgres::run_update(url, &jobs, concurrency, args.force, progress)
                .map_err(|e| Failure::db(&e))
        }
        (None, Some(store)) => Ok(customs_db::run_update(
            store,
            &jobs,
            concurrency,
            args.force,
            progress,
        )),
        (None, None) => unreachable!("the SQLite store is opened when there is no URL"),
    };
    let reports = if cli.quiet {
        run(&())?
    } else if std::io::stderr().is_terminal() {
        let multi = indicatif::MultiProgress::new();
        let total = multi.add(indicatif::ProgressBar::new(jobs.len() as u64));
        total.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} feeds  {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let display = Display {
            multi,
            total,
            lines: std::sync::Mutex::default(),
        };
        let r = run(&display);
        display.total.finish_and_clear();
        r?
    } else {
        run(&Lines {
            single: jobs.len() == 1,
        })?
    };
    let total = reports.len();
    let mut failed: Vec<FeedReport> = reports.into_iter().filter(|r| r.result.is_err()).collect();
    if failed.is_empty() {
        return Ok(0);
    }
    let count = failed.len();
    let first = failed.remove(0);
    let Err(e) = first.result else {
        return Ok(0);
    };
    let mut f = Failure::db(&e);
    if count < total {
        f.message = format!(
            "{count} of {total} feeds failed (the others were updated; failed feeds keep their previous data): {}",
            f.message
        );
    }
    Err(f)
}

fn parse_since(s: &str) -> Result<jiff::Timestamp, Failure> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp());
    }
    Err(Failure::usage(format!(
        "--since {s:?}: expected an RFC 3339 time (2025-01-31T12:00:00Z) or a date (2025-01-31)"
    )))
}

pub fn db_diff(args: &DbDiffArgs) -> Result<u8, Failure> {
    // A `postgres://` URL or the SQLite file: both record the same changes.
    let store = crate::dbdist::open_store(&args.db)?;
    let select = match (&args.since, args.all) {
        (Some(s), _) => DiffSelect::Since(parse_since(s)?),
        (None, true) => DiffSelect::All,
        (None, false) => DiffSelect::Last,
    };
    let updates = store
        .updates(args.feed.as_deref(), &select)
        .map_err(|e| Failure::db(&e))?;
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| Failure::io(e.to_string());
    if args.format == "json" {
        let doc: Vec<serde_json::Value> = updates
            .iter()
            .map(|u| {
                serde_json::json!({
                    "feed": u.feed,
                    "at": u.at,
                    "records": u.records,
                    "added": u.added,
                    "removed": u.removed,
                    "modified": u.modified,
                    "initial": u.initial,
                    "changes": u.changes.iter().map(|c| serde_json::json!({
                        "change": c.change,
                        "namespace": c.namespace,
                        "package": c.package,
                        "vulnerability_id": c.vulnerability_id,
                        "record_id": c.record_id,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&doc).map_err(|e| Failure::io(e.to_string()))?;
        writeln!(out, "{text}").map_err(io)?;
        return Ok(0);
    }
    if updates.is_empty() {
        writeln!(out, "no recorded changes").map_err(io)?;
        return Ok(0);
    }
    for u in &updates {
        let head = if u.initial {
            format!("{}  {}  first ingest: {} records", u.feed, u.at, u.records)
        } else {
            format!(
                "{}  {}  {} records: {} added, {} removed, {} modified",
                u.feed, u.at, u.records, u.added, u.removed, u.modified
            )
        };
        writeln!(out, "{head}").map_err(io)?;
        if u.changes.is_empty() {
            continue;
        }
        writeln!(
            out,
            "  {:<9} {:<20} {:<28} {:<22} RECORD",
            "CHANGE", "NAMESPACE", "PACKAGE", "VULNERABILITY"
        )
        .map_err(io)?;
        for c in &u.changes {
            writeln!(
                out,
                "  {:<9} {:<20} {:<28} {:<22} {}",
                c.change, c.namespace, c.package, c.vulnerability_id, c.record_id
            )
            .map_err(io)?;
        }
    }
    Ok(0)
}
