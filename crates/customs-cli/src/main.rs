//! `customs`: scan container images for known vulnerabilities and gate CI on them.
//!
//! This is the only crate that prints. Everything it does is a thin layer over the library
//! crates, so the server and the enforcement points get the same behaviour.

mod cli;
mod dbdist;
mod exit;
mod explain;
mod update;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{CacheCommand, Cli, Command, DbCommand, VersionCommand};
use crate::exit::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(&cli);
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "customs: error: {}", f.message);
            if let Some(hint) = &f.hint {
                let _ = writeln!(err, "customs: hint: {hint}");
            }
            ExitCode::from(f.code)
        }
    }
}

fn init_tracing(cli: &Cli) {
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUSTOMS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn run(cli: &Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Scan(args) => commands::scan(cli, args),
        Command::Explain(args) => explain::run(args),
        Command::Db { command } => match command {
            DbCommand::Update(args) => update::db_update(cli, args),
            DbCommand::Diff(args) => update::db_diff(args),
            DbCommand::Status(args) => commands::db_status(args),
            DbCommand::Feeds => commands::db_feeds(),
            DbCommand::Export(args) => dbdist::export(args),
            DbCommand::Import(args) => dbdist::import(args),
            DbCommand::Push(args) => dbdist::push(args),
            DbCommand::Pull(args) => dbdist::pull(args),
        },
        Command::Cache { command } => match command {
            CacheCommand::Clean => commands::cache_clean(),
            CacheCommand::Dir => {
                println!(
                    "{}",
                    cli::cache_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default()
                );
                Ok(0)
            }
        },
        Command::Version { command } => match command {
            VersionCommand::Compare(args) => commands::version_compare(args),
            VersionCommand::Satisfies(args) => commands::version_satisfies(args),
        },
    }
}

pub(crate) mod commands {
    use std::io::{BufRead, IsTerminal, Write};

    use customs_report::{Filter, Format};

    use super::Failure;
    use crate::cli::{Cli, DbPath, SatisfiesArgs, ScanArgs, StatusArgs, VersionArgs};

    struct Bar(Option<indicatif::ProgressBar>);

    impl customs_scan::Progress for Bar {
        fn layer_done(&self, _index: usize) {
            if let Some(b) = &self.0 {
                b.inc(1);
            }
        }
    }

    pub fn scan(cli: &Cli, args: &ScanArgs) -> Result<u8, Failure> {
        let reference =
            customs_image::ImageRef::parse(&args.image).map_err(|e| Failure::image(&e))?;
        let store = crate::dbdist::open_store(&args.db)?;
        let show_progress = !cli.quiet && std::io::stderr().is_terminal();
        let bar = Bar(show_progress.then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {pos}/{len} layers {elapsed}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            b.set_message("indexing");
            b
        }));
        let options = customs_scan::IndexOptions {
            cache: if args.no_cache {
                None
            } else {
                crate::cli::layer_cache()
            },
            registry: registry_options(&args.registry)?,
        };
        let inventory = customs_scan::index(&reference, &options, &{
            if let Some(b) = &bar.0 {
                b.set_length(0);
            }
            LenSetter(&bar)
        })
        .map_err(Failure::scan)?;
        if let Some(b) = &bar.0 {
            b.finish_and_clear();
        }
        let mut findings =
            customs_scan::match_inventory(&inventory, &*store).map_err(Failure::scan)?;
        customs_scan::enrich(&mut findings, &*store, args.severity_source)
            .map_err(Failure::scan)?;
        let meta = store.meta().map_err(|e| Failure::db(&e))?;
        let mut report = inventory.into_report(
            findings,
            customs_model::ReportDb {
                digest: meta.digest,
                built_at: meta.built_at,
            },
        );
        let mut ignore_statuses = args.ignore_status.clone();
        if !args.show_not_affected {
            ignore_statuses.push(customs_model::Status::NotAffected);
        }
        let filter = Filter {
            severities: args.severity.clone(),
            ignore_unfixed: args.ignore_unfixed,
            ignore_statuses,
        };
        filter.apply(&mut report);
        let suppressions = load_suppressions(args)?;
        let today = jiff::Zoned::now().date();
        let applied = suppressions.apply(&mut report, today);
        for (rule, vuln) in &applied.expired {
            eprintln!(
                "customs: warning: {rule}: the ignore rule for {vuln} has expired; it no longer suppresses anything"
            );
        }
        if !args.show_suppressed {
            report.suppressed.clear();
        }
        report.remediation = Some(customs_scan::remediation(&report));

        let format: Format = args.format;
        let mut buf = Vec::new();
        let colour = format == Format::Table
            && args.output.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        let write_options = customs_report::WriteOptions {
            colour,
            fail_threshold: args.fail_on,
            list_packages: args.list_all_pkgs,
        };
        customs_report::write(format, &report, &mut buf, write_options)
            .map_err(|e| Failure::io(format!("writing the report: {e}")))?;
        match &args.output {
            Some(path) => fs_err::write(path, &buf).map_err(|e| Failure::io(e.to_string()))?,
            None => std::io::stdout()
                .lock()
                .write_all(&buf)
                .map_err(|e| Failure::io(format!("writing to stdout: {e}")))?,
        }
        Ok(gate(&report, args.fail_on, args.exit_code))
    }

    /// The exit code for the findings that remain: with `--fail-on S`, findings at or above S
    /// fail with `--exit-code` or 2 (as grype and docker scout do); without it, any finding
    /// fails with `--exit-code` when given.
    fn gate(
        report: &customs_model::Report,
        fail_on: Option<customs_model::Severity>,
        exit_code: Option<u8>,
    ) -> u8 {
        // Vendor "not affected" statements (shown with --show-not-affected) never fail.
        let mut counted = report
            .findings
            .iter()
            .filter(|f| f.status != customs_model::Status::NotAffected);
        let failing = match fail_on {
            Some(threshold) => counted.any(|f| f.severity >= threshold),
            None => counted.next().is_some(),
        };
        match (failing, fail_on) {
            (false, _) => 0,
            (true, Some(_)) => exit_code.unwrap_or(2),
            (true, None) => exit_code.unwrap_or(0),
        }
    }

    /// The ignore file (`--ignore-file`, else `./.customsignore` when it exists) and every
    /// `--vex` document.
    fn load_suppressions(args: &ScanArgs) -> Result<customs_policy::Suppressions, Failure> {
        let mut s = customs_policy::Suppressions::default();
        let default = std::path::Path::new(".customsignore");
        let ignore = match &args.ignore_file {
            Some(p) => Some(p.as_path()),
            None => default.is_file().then_some(default),
        };
        if let Some(path) = ignore {
            s.ignore
                .push(customs_policy::IgnoreFile::read(path).map_err(|e| Failure::policy(&e))?);
        }
        for path in &args.vex {
            s.vex
                .push(customs_policy::VexDocument::read(path).map_err(|e| Failure::policy(&e))?);
        }
        Ok(s)
    }

    /// Registry settings from the flags and environment. The password never comes from the
    /// command line (it would show in `ps` and shell history).
    pub(crate) fn registry_options(
        args: &crate::cli::RegistryArgs,
    ) -> Result<customs_image::RegistryOptions, Failure> {
        let password_env = std::env::var("CUSTOMS_REGISTRY_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty());
        let credentials = match (&args.username, args.password_stdin) {
            (None, true) => {
                return Err(Failure::usage("--password-stdin needs --username"));
            }
            (None, false) if password_env.is_some() => {
                return Err(Failure::usage(
                    "CUSTOMS_REGISTRY_PASSWORD is set but no user name: set CUSTOMS_REGISTRY_USERNAME or pass --username",
                ));
            }
            (None, false) => None,
            (Some(user), true) => {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| Failure::io(format!("reading the password from stdin: {e}")))?;
                let password = line.trim_end_matches(['\r', '\n']).to_owned();
                if password.is_empty() {
                    return Err(Failure::usage("--password-stdin: stdin held no password"));
                }
                Some((user.clone(), password, "--username/--password-stdin"))
            }
            (Some(user), false) => match password_env {
                Some(p) => Some((user.clone(), p, "CUSTOMS_REGISTRY_USERNAME/_PASSWORD")),
                None => {
                    return Err(Failure::usage(
                        "--username needs a password: pipe it to --password-stdin or set CUSTOMS_REGISTRY_PASSWORD",
                    ));
                }
            },
        };
        Ok(customs_image::RegistryOptions {
            platform: args.platform.clone(),
            insecure: args.insecure,
            credentials: credentials.map(|(username, secret, source)| {
                customs_image::registry::Credentials {
                    username,
                    secret,
                    source: source.to_owned(),
                }
            }),
            timeout: std::time::Duration::from_secs(args.timeout),
            ..customs_image::RegistryOptions::default()
        })
    }

    struct LenSetter<'a>(&'a Bar);
    impl customs_scan::Progress for LenSetter<'_> {
        fn layer_started(&self, index: usize, _bytes: Option<u64>) {
            if let Some(b) = &self.0.0 {
                b.set_length(b.length().unwrap_or(0).max(index as u64 + 1));
            }
        }
        fn layer_done(&self, index: usize) {
            self.0.layer_done(index);
        }
    }

    /// The bytes of the regular files under `dir`.
    fn dir_size(dir: &std::path::Path) -> u64 {
        let mut total = 0;
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => total += dir_size(&e.path()),
                Ok(t) if t.is_file() => total += e.metadata().map_or(0, |m| m.len()),
                _ => {}
            }
        }
        total
    }

    pub fn cache_clean() -> Result<u8, Failure> {
        let Some(cache) = crate::cli::layer_cache() else {
            return Err(Failure::config(
                "cannot find a cache directory (HOME unset?); set CUSTOMS_CACHE_DIR",
            ));
        };
        let freed = cache
            .clean()
            .map_err(|e| Failure::io(format!("{}: {e}", cache.dir().display())))?;
        println!(
            "removed {} KiB of cached layer analyses from {}",
            freed / 1024,
            cache.dir().display()
        );
        // The pages index locations named (`db update` keeps them for conditional requests;
        // without them the next update downloads them again).
        if let Some(feeds) = crate::cli::cache_dir().map(|d| d.join("feeds"))
            && feeds.is_dir()
        {
            let size = dir_size(&feeds);
            std::fs::remove_dir_all(&feeds)
                .map_err(|e| Failure::io(format!("{}: {e}", feeds.display())))?;
            println!(
                "removed {} KiB of kept feed pages from {}",
                size / 1024,
                feeds.display()
            );
        }
        Ok(0)
    }

    pub fn db_status(args: &StatusArgs) -> Result<u8, Failure> {
        let store = crate::dbdist::open_store(&args.db)?;
        let meta = store.meta().map_err(|e| Failure::db(&e))?;
        let mut out = std::io::stdout().lock();
        let w = |out: &mut std::io::StdoutLock<'_>, s: String| {
            writeln!(out, "{s}").map_err(|e| Failure::io(e.to_string()))
        };
        w(&mut out, format!("Database: {}", store.location()))?;
        w(&mut out, format!("Schema:   {}", meta.schema_version))?;
        w(
            &mut out,
            format!(
                "Digest:   {}",
                meta.digest.map_or_else(|| "-".into(), |d| d.to_string())
            ),
        )?;
        w(
            &mut out,
            format!("Built:    {}", meta.built_at.unwrap_or_else(|| "-".into())),
        )?;
        w(&mut out, String::new())?;
        w(
            &mut out,
            format!(
                "{:<16} {:>9}  {:<27}  {}",
                "FEED", "RECORDS", "FETCHED", "STATUS"
            ),
        )?;
        for f in store.feeds().map_err(|e| Failure::db(&e))? {
            let status = f
                .last_error
                .as_deref()
                .map_or_else(|| "ok".to_owned(), |e| format!("last update failed: {e}"));
            w(
                &mut out,
                format!(
                    "{:<16} {:>9}  {:<27}  {status}",
                    f.kind,
                    f.record_count,
                    f.fetched_at.as_deref().unwrap_or("never")
                ),
            )?;
        }
        Ok(0)
    }

    pub fn db_feeds() -> Result<u8, Failure> {
        let mut out = std::io::stdout().lock();
        for p in customs_ecosystems::feeds() {
            writeln!(out, "{:<16} {}", p.kind(), p.description())
                .map_err(|e| Failure::io(e.to_string()))?;
            for l in p.default_locations() {
                writeln!(out, "{:<16}   {l}", "").map_err(|e| Failure::io(e.to_string()))?;
            }
        }
        Ok(0)
    }

    fn scheme(name: &str) -> Result<std::sync::Arc<dyn customs_version::VersionScheme>, Failure> {
        let schemes = customs_ecosystems::schemes();
        let known: Vec<_> = schemes.names().collect();
        schemes.get_arc(name).ok_or_else(|| {
            Failure::usage(format!(
                "unknown scheme {name:?}; known: {}",
                known.join(", ")
            ))
        })
    }

    fn ord(o: std::cmp::Ordering) -> i8 {
        o as i8
    }

    pub fn version_compare(args: &VersionArgs) -> Result<u8, Failure> {
        let s = scheme(&args.scheme)?;
        let mut out = std::io::stdout().lock();
        if args.batch {
            for (n, line) in std::io::stdin().lock().lines().enumerate() {
                let line = line.map_err(|e| Failure::io(e.to_string()))?;
                let mut parts = line.split_whitespace();
                let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(Failure::usage(format!(
                        "stdin line {}: expected two versions separated by a space",
                        n + 1
                    )));
                };
                let o = s
                    .compare(a, b)
                    .map_err(|e| Failure::data(format!("stdin line {}: {e}", n + 1)))?;
                writeln!(out, "{}", ord(o)).map_err(|e| Failure::io(e.to_string()))?;
            }
            return Ok(0);
        }
        let (Some(a), Some(b)) = (&args.a, &args.b) else {
            return Err(Failure::usage(
                "give two versions, or --batch to read pairs from stdin",
            ));
        };
        let o = s.compare(a, b).map_err(|e| Failure::data(e.to_string()))?;
        writeln!(out, "{}", ord(o)).map_err(|e| Failure::io(e.to_string()))?;
        Ok(0)
    }

    pub fn version_satisfies(args: &SatisfiesArgs) -> Result<u8, Failure> {
        let s = scheme(&args.scheme)?;
        let yes = s
            .satisfies(&args.installed, &args.range)
            .map_err(|e| Failure::data(e.to_string()))?;
        println!("{}", if yes { "true" } else { "false" });
        Ok(u8::from(!yes))
    }

    impl DbPath {
        pub fn resolve(&self) -> Result<std::path::PathBuf, Failure> {
            if let Some(p) = &self.db {
                return Ok(p.clone());
            }
            crate::cli::default_db_path().ok_or_else(|| {
                Failure::config("cannot find a cache directory (HOME unset?); pass --db PATH")
            })
        }
    }
}
