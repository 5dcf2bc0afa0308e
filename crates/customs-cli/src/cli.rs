use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use customs_model::Severity;
use customs_report::Format;

const AFTER_HELP: &str = "\
Examples:
  customs db update                                   fetch every feed from upstream
  customs db update --feed debian-oval=./oval-definitions-bookworm.xml.bz2
  customs scan ./image.tar                            a `docker save` tarball
  customs scan oci:./layout:v1.2 --format json -o report.json
  customs scan debian:bookworm                       the local Docker daemon, else the registry
  customs scan registry:ghcr.io/org/app:1.2 --platform linux/arm64
  customs scan ./image.tar --severity high,critical --ignore-unfixed --exit-code 1
  customs scan ./image.tar --fail-on high --format sarif -o customs.sarif

Exit codes:
  0   success (no findings left after filters, or no --exit-code / --fail-on given)
  2   --fail-on SEVERITY given (without --exit-code) and a finding at or above it remains
  N   findings remain and --exit-code N was given
  64  usage error          65  bad input data (corrupt image, digest mismatch, malformed feed)
  66  input not found      69  network/service unavailable (registry unreachable, timeouts)
  74  I/O error            77  registry authentication failed (log in, or --username)
  78  configuration error (no database: run `customs db update`)

Environment:
  CUSTOMS_DB          the vulnerability database: a file (default: in the user cache directory)
                      or a postgres://USER@HOST[:PORT]/DB URL
  CUSTOMS_CACHE_DIR   cache directory (default: $XDG_CACHE_HOME/customs)
  CUSTOMS_CACHE_MAX_MB  size cap of the layer cache in MiB (default 2048; least recently used go first)
  CUSTOMS_LOG         log filter, e.g. debug (overrides -v/-q)
  CUSTOMS_IGNORE_FILE the ignore file (default ./.customsignore when present)
  SOURCE_DATE_EPOCH   timestamp for CycloneDX/SPDX/GitLab documents (reproducible builds)
  CUSTOMS_REGISTRY_USERNAME / CUSTOMS_REGISTRY_PASSWORD  registry credentials
  CUSTOMS_REGISTRY_TIMEOUT  registry connect/read timeout in seconds (default 30)
  DOCKER_CONFIG       docker client config dir (config.json: auths, credsStore, credHelpers)
  NO_COLOR            disable colours in the table";

/// Scan container images for known vulnerabilities, layer by layer, and gate CI on them.
#[derive(Debug, Parser)]
#[command(name = "customs", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// Only print errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

// `Scan` is much larger than the other variants; the value is parsed once per run.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan an image: list its packages and their known vulnerabilities.
    #[command(after_help = "Examples:
  customs scan ./debian.tar
  customs scan docker-archive:./debian.tar --format json --output report.json
  customs scan oci:./layout:latest --severity high,critical --exit-code 1
  customs scan debian:bookworm
  customs scan registry:alpine:3.19
  customs scan registry:localhost:5000/app:1 --platform linux/arm64/v8
  echo \"$TOKEN\" | customs scan registry:ghcr.io/org/app:1 --username me --password-stdin
  customs scan registry:registry.internal/app@sha256:... --insecure --timeout 120
  customs scan dir:/mnt/rootfs -f json
  customs scan ./image.tar --ignore-unfixed --exit-code 3
  customs scan ./image.tar --fail-on critical                      exit 2 on critical findings
  customs scan ./image.tar --vex vendor.openvex.json --show-suppressed
  customs scan ./image.tar -f sarif -o customs.sarif              GitHub code scanning
  customs scan ./image.tar -f cyclonedx -o bom.json               CycloneDX 1.6 with VEX states

Formats (-f): table, json, sarif, cyclonedx, spdx-json, junit, html, gitlab.
Suppression: ./.customsignore (or --ignore-file) and --vex documents; see docs/suppression.md.

IMAGE is one of
  docker-archive:PATH     a `docker save` tarball (legacy or Docker 25+ layout)
  oci:DIR[:TAG]           an OCI image layout directory
  oci-archive:PATH[:TAG]  a tar of an OCI image layout
  docker:NAME             an image in the local Docker daemon (DOCKER_HOST honoured), streamed
  registry:REF            an image in a registry ([HOST[:PORT]/]NAME[:TAG][@DIGEST]; Docker Hub
                          by default); credentials from --username, CUSTOMS_REGISTRY_USERNAME /
                          _PASSWORD, or docker's config.json (auths, credsStore, credHelpers)
  dir:PATH                a root filesystem (extracted tree or mounted disk)
  sbom:PATH               a CycloneDX (1.4-1.6) or SPDX 2.3 JSON SBOM
  a bare path (auto-detected) or a bare image name (the Docker daemon if it has the image,
  else its registry).")]
    Scan(ScanArgs),
    /// Explain why a vulnerability is (or is not) reported for an image: every candidate
    /// record, the comparison made, and which feed decided.
    #[command(after_help = "Examples:
  customs explain CVE-2014-0160 ./wheezy.tar
  customs explain GHSA-x84v-xcm2-53pg oci:./layout:app --format json

VULNERABILITY may be a CVE, an advisory id (DSA-2896-1, PYSEC-2018-28) or an alias.")]
    Explain(ExplainArgs),
    /// Manage the vulnerability database.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Manage the layer cache (per-layer analyses, keyed by layer digest).
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Compare versions the way each ecosystem's package manager does.
    Version {
        #[command(subcommand)]
        command: VersionCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Remove every cached layer analysis and the feed pages kept for conditional updates
    /// (the database stays).
    Clean,
    /// Print the cache directory.
    Dir,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The vulnerability id (CVE, GHSA, distro advisory id or alias).
    pub vulnerability: String,
    /// The image, as for `customs scan`.
    pub image: String,
    #[command(flatten)]
    pub db: DbPath,
    /// Output format: table or json.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Do not read or write the layer cache.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct DbPath {
    /// The vulnerability database: a `SQLite` file, or a `PostgreSQL` URL
    /// (`postgres://USER@HOST[:PORT]/DB`).
    #[arg(long, env = "CUSTOMS_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
}

// Command-line switches are naturally booleans.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The image: docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH, docker:NAME,
    /// registry:REF, dir:PATH, sbom:PATH, a path or an image name.
    pub image: String,
    #[command(flatten)]
    pub db: DbPath,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = clap::value_parser!(Format))]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only report these severities (comma-separated): unknown,negligible,low,medium,high,critical.
    #[arg(long, value_delimiter = ',', value_parser = parse_severity)]
    pub severity: Vec<Severity>,
    /// Hide vulnerabilities that have no fixed version yet.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Do not read or write the layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Exit with this code when findings remain after the filters (with --fail-on: when
    /// findings at or above that severity remain).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=255))]
    pub exit_code: Option<u8>,
    /// Fail (exit 2, or the --exit-code) when a finding at or above SEVERITY remains; the
    /// junit format marks only those as failures.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Hide findings with these statuses (comma-separated): fixed, affected, `will_not_fix`,
    /// `fix_deferred`, `end_of_life`, indeterminate.
    #[arg(long, value_delimiter = ',', value_name = "STATUS", value_parser = parse_status)]
    pub ignore_status: Vec<customs_model::Status>,
    /// Suppress findings listed in this ignore file [default: ./.customsignore when present].
    #[arg(long, value_name = "FILE", env = "CUSTOMS_IGNORE_FILE")]
    pub ignore_file: Option<PathBuf>,
    /// Suppress findings a VEX document (`OpenVEX`, `CycloneDX` VEX or CSAF VEX) marks
    /// `not_affected` or fixed. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Also list suppressed findings, with the reason and the rule or statement.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Also list packages the vendor states are not affected (status `not_affected`); they
    /// never fail the gate.
    #[arg(long)]
    pub show_not_affected: bool,
    /// Which severity findings show: auto (the feed's rating, CVSS when it has none),
    /// vendor (only the feed's), or cvss (NVD's CVSS score first).
    #[arg(long, value_name = "SOURCE", default_value = "auto", value_parser = clap::value_parser!(customs_scan::SeveritySource))]
    pub severity_source: customs_scan::SeveritySource,
    /// In the table, also list every package found (JSON always has them).
    #[arg(long)]
    pub list_all_pkgs: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Registry")]
pub struct RegistryArgs {
    /// The platform to pick from a multi-platform image (default: this machine's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", value_parser = parse_platform)]
    pub platform: Option<customs_image::Platform>,
    /// Allow registries without TLS or with an untrusted certificate (localhost and
    /// 127.0.0.1 always use plain HTTP).
    #[arg(long)]
    pub insecure: bool,
    /// Registry user name (the password comes from --password-stdin or `CUSTOMS_REGISTRY_PASSWORD`).
    #[arg(long, env = "CUSTOMS_REGISTRY_USERNAME", value_name = "NAME")]
    pub username: Option<String>,
    /// Read the registry password (or token) from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Registry connect and read timeout, in seconds.
    #[arg(long, env = "CUSTOMS_REGISTRY_TIMEOUT", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

fn parse_platform(s: &str) -> Result<customs_image::Platform, String> {
    s.parse()
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_status(s: &str) -> Result<customs_model::Status, String> {
    s.parse()
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Fetch feeds and ingest them into the database.
    #[command(after_help = "Examples:
  customs db update
  customs db update --feed debian-oval=https://www.debian.org/security/oval/oval-definitions-bookworm.xml.bz2
  customs db update --feed debian-dsa=./DSA.list --feed debian-dsa=./DLA.list --db ./customs.db
  customs db update --config ./customs.toml --jobs 2

LOCATION is an http(s):// or file:// URL, a file (compressed with bzip2, gzip or zstd or not),
or a directory of such files. A failing feed keeps its previous data; the others are updated.
Feeds are fetched concurrently with conditional requests: a feed unchanged upstream (HTTP 304,
or the same bytes) is not re-ingested. The feeds config file (locations, mirrors, timeouts,
proxy) is described in docs/config.md; HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY apply.")]
    Update(DbUpdateArgs),
    /// Show what updates changed: advisories added, removed and modified per feed.
    #[command(after_help = "Examples:
  customs db diff                        the last update that changed something
  customs db diff --feed osv --since 2025-01-31
  customs db diff --all --format json")]
    Diff(DbDiffArgs),
    /// Show each feed, its record count and fetch time, and the database digest.
    Status(StatusArgs),
    /// List the feed kinds and their default upstream locations.
    Feeds,
    /// Write the database to one verified, compressed file (for air-gapped sites).
    #[command(after_help = "Examples:
  customs db export ./customs-db.tar.zst
  customs db import ./customs-db.tar.zst --digest sha256:...     on the offline machine

The file is a zstd-compressed tar: metadata.json (schema, database digest, feeds) and a SQLite
snapshot; its sha256 is printed. See docs/db-artifact.md.")]
    Export(crate::dbdist::ExportArgs),
    /// Replace the database with an export file (checksums and schema verified first).
    Import(crate::dbdist::ImportArgs),
    /// Push the database to a registry as an OCI artifact.
    #[command(after_help = "Examples:
  customs db push registry.internal/security/customs-db:latest
  customs db pull registry.internal/security/customs-db:latest --db ./customs.db

Media types: artifactType application/vnd.customs.db.v1+json, config
application/vnd.customs.db.config.v1+json, one layer application/vnd.customs.db.layer.v1.tar+zstd
(docs/db-artifact.md). Credentials as for `customs scan registry:...`.")]
    Push(crate::dbdist::PushArgs),
    /// Pull a database pushed with `customs db push`, verify it and import it.
    Pull(crate::dbdist::PullArgs),
}

#[derive(Debug, Args)]
pub struct DbUpdateArgs {
    #[command(flatten)]
    pub db: DbPath,
    /// KIND=LOCATION; repeatable. Without it, every feed is fetched from upstream.
    #[arg(long, value_name = "KIND=LOCATION")]
    pub feed: Vec<String>,
    /// Per-feed timeout in seconds [default: the config file's, else 300].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// The feeds config file [default: `$XDG_CONFIG_HOME/customs/config.toml` when present].
    #[arg(long, env = "CUSTOMS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Feeds fetched and parsed at once [default: the config file's, else 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=16))]
    pub jobs: Option<u64>,
    /// Re-ingest every feed even when nothing changed upstream.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DbDiffArgs {
    #[command(flatten)]
    pub db: DbPath,
    /// Only this feed kind.
    #[arg(long, value_name = "KIND")]
    pub feed: Option<String>,
    /// Every update at or after this time (RFC 3339 or a date) instead of the last one.
    #[arg(long, value_name = "TIMESTAMP", conflicts_with_all = ["last", "all"])]
    pub since: Option<String>,
    /// The last update that changed something (the default).
    #[arg(long)]
    pub last: bool,
    /// Every recorded update.
    #[arg(long, conflicts_with = "last")]
    pub all: bool,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub db: DbPath,
}

#[derive(Debug, Subcommand)]
pub enum VersionCommand {
    /// Print -1, 0 or 1 as A is lower than, equal to or greater than B.
    #[command(after_help = "Examples:
  customs version compare --scheme deb 1.0~rc1 1.0          prints -1
  printf '1:1.0 2.0\\n1.0 1.0-0\\n' | customs version compare --scheme deb --batch")]
    Compare(VersionArgs),
    /// Print whether VERSION satisfies RANGE (exit 0 if it does, 1 if not).
    Satisfies(SatisfiesArgs),
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// The version scheme: deb, rpm, apk, semver, npm, pep440, maven, go, gem, composer, nuget.
    #[arg(long)]
    pub scheme: String,
    /// Read `A B` pairs from stdin, one per line, and print one answer per line.
    #[arg(long)]
    pub batch: bool,
    pub a: Option<String>,
    pub b: Option<String>,
}

#[derive(Debug, Args)]
pub struct SatisfiesArgs {
    #[arg(long)]
    pub scheme: String,
    /// The version to test.
    #[arg(value_name = "VERSION")]
    pub installed: String,
    /// The range, in the ecosystem's own syntax (npm `^1.2`, PEP 440 `>=1,<2`, ...).
    pub range: String,
}

/// `$CUSTOMS_CACHE_DIR/db/customs.db`, else the platform cache directory.
pub fn default_db_path() -> Option<PathBuf> {
    cache_dir().map(|d| d.join("db").join("customs.db"))
}

/// The layer cache under the cache directory, capped by `CUSTOMS_CACHE_MAX_MB` (default 2048).
pub fn layer_cache() -> Option<customs_scan::LayerCache> {
    let max_mb: u64 = std::env::var("CUSTOMS_CACHE_MAX_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048);
    cache_dir().map(|d| customs_scan::LayerCache::new(d.join("layers"), max_mb << 20))
}

pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("CUSTOMS_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "customs").map(|p| p.cache_dir().to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
