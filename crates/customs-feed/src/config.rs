//! The feeds configuration file (TOML), documented with a full example in `docs/config.md`.
//!
//! ```toml
//! [network]
//! proxy = "http://proxy.internal:3128"   # else ALL_PROXY / HTTPS_PROXY / HTTP_PROXY / NO_PROXY
//! timeout = "5m"                         # per feed, unless the feed sets its own
//! retries = 3
//! concurrency = 4                        # feeds fetched and parsed at once
//!
//! [feeds.alpine-secdb]
//! locations = ["https://secdb.alpinelinux.org/v3.19/main.json"]   # default: upstream
//! mirrors = ["https://mirror.internal/secdb"]                     # tried in order on failure
//! timeout = "60s"
//!
//! [feeds.nvd]
//! enabled = false
//! ```
//!
//! Unknown keys are errors (a typo such as `mirror =` must not be silently ignored). A feed
//! kind the binary does not know is reported by the caller, which knows the kinds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub network: NetworkConfig,
    /// Per feed kind.
    #[serde(default)]
    pub feeds: BTreeMap<String, FeedConfig>,
}

/// `[network]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// A proxy URL for every request; without it the standard environment variables apply.
    pub proxy: Option<String>,
    /// The default per-feed timeout.
    #[serde(default, deserialize_with = "de_duration")]
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    /// How many feeds are fetched and parsed at once.
    pub concurrency: Option<usize>,
}

/// `[feeds.KIND]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// `false` leaves the feed out of `customs db update` (its stored records stay).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Replaces the parser's upstream locations.
    pub locations: Option<Vec<String>>,
    /// Tried in order when a location fails; each replaces the location's scheme and host
    /// (or is prefixed to a path), see [`crate::mirror_location`].
    #[serde(default)]
    pub mirrors: Vec<String>,
    #[serde(default, deserialize_with = "de_duration")]
    pub timeout: Option<Duration>,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            enabled: true,
            locations: None,
            mirrors: Vec::new(),
            timeout: None,
        }
    }
}

fn yes() -> bool {
    true
}

fn de_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(s) => Ok(Some(Duration::from_secs(s))),
        Raw::Text(t) => parse_duration(&t)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// `500ms`, `60s`, `5m`, `1h`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (expected e.g. 60s, 5m, 500ms)"))?;
    match unit.trim() {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(n.saturating_mul(3600))),
        other => Err(format!(
            "invalid duration unit {other:?} in {s:?} (use ms, s, m or h)"
        )),
    }
}

impl Config {
    /// Parses the text of a configuration file; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Reads and parses a configuration file (at most 1 MiB).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        use std::io::Read;
        let io = |source| ConfigError::Io {
            path: path.to_owned(),
            source,
        };
        let mut text = String::new();
        fs_err::File::open(path)
            .map_err(io)?
            .take(1 << 20)
            .read_to_string(&mut text)
            .map_err(io)?;
        Config::parse(&text, path)
    }

    /// The settings for `kind` (defaults when the file does not name it).
    #[must_use]
    pub fn feed(&self, kind: &str) -> FeedConfig {
        self.feeds.get(kind).cloned().unwrap_or_default()
    }
}

/// `$XDG_CONFIG_HOME/customs/config.toml` (else `~/.config/customs/config.toml`), if that
/// file exists.
#[must_use]
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    let p = base.join("customs").join("config.toml");
    p.is_file().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_mins(1)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_mins(5)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("5 fortnights").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn typos_are_errors() {
        let e = Config::parse("[feeds.osv]\nmirror = [\"x\"]\n", Path::new("c.toml")).unwrap_err();
        assert!(e.to_string().contains("mirror"), "{e}");
        let c = Config::parse("[feeds.osv]\ntimeout = 30\n", Path::new("c.toml")).unwrap();
        assert_eq!(c.feed("osv").timeout, Some(Duration::from_secs(30)));
        assert!(c.feed("osv").enabled);
        assert!(c.feed("nvd").enabled);
    }
}
