//! The feeds configuration file: the example in docs/config.md parses to what it says, and
//! `customs db update` follows a config file (enabled feeds only, configured locations,
//! mirrors when the primary fails, `CUSTOMS_CONFIG`), refuses unknown kinds and keys, skips
//! an unchanged feed on the next run, and `customs db diff` prints the run.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use common::{Sandbox, shared};
use customs_feed::config::Config;

fn documented_example() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/config.md"))
            .unwrap();
    let start = doc.find("```toml\n").expect("a toml block") + 8;
    let end = start + doc[start..].find("```").unwrap();
    doc[start..end].to_owned()
}

#[test]
fn the_documented_example_parses() {
    let c = Config::parse(&documented_example(), Path::new("docs/config.md")).unwrap();
    assert_eq!(
        c.network.proxy.as_deref(),
        Some("http://proxy.internal:3128")
    );
    assert_eq!(c.network.timeout, Some(Duration::from_mins(5)));
    assert_eq!(c.network.retries, Some(3));
    assert_eq!(c.network.concurrency, Some(4));
    let alpine = c.feed("alpine-secdb");
    assert_eq!(alpine.locations.as_ref().map(Vec::len), Some(2));
    assert_eq!(alpine.mirrors.len(), 2);
    assert_eq!(alpine.timeout, Some(Duration::from_mins(1)));
    assert!(alpine.enabled);
    assert!(!c.feed("epss").enabled);
    assert_eq!(c.feed("nvd").timeout, Some(Duration::from_mins(15)));
    // Every kind it names is a real feed kind.
    let sb = Sandbox::new();
    let kinds = String::from_utf8(sb.run(&["db", "feeds"]).stdout).unwrap();
    for kind in c.feeds.keys() {
        assert!(
            kinds
                .lines()
                .any(|l| l.split_whitespace().next() == Some(kind)),
            "{kind} is not a feed kind"
        );
    }
}

/// A config that enables only `osv`, from a location that does not exist, with a missing
/// mirror and then the shared data directory as mirrors.
fn osv_only_config(sb: &Sandbox) -> std::path::PathBuf {
    let out = sb.run(&["db", "feeds"]);
    let kinds: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(kinds.len() >= 10, "{kinds:?}");
    let mut text = String::new();
    for k in kinds.iter().filter(|k| *k != "osv") {
        writeln!(text, "[feeds.{k}]\nenabled = false\n").unwrap();
    }
    write!(
        text,
        "[feeds.osv]\nlocations = [\"/feeds/osv/pypa-advisory-database.tar.zst\"]\nmirrors = [\"{}\", \"{}\"]\ntimeout = \"30s\"\n",
        sb.path("no-such-mirror").display(),
        shared("").display()
    )
    .unwrap();
    let path = sb.path("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn update_follows_the_config_file() {
    let sb = Sandbox::new();
    let config = osv_only_config(&sb);
    let out = sb
        .cmd()
        .args(["db", "update"])
        .env("CUSTOMS_CONFIG", &config)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let status = String::from_utf8(sb.run(&["db", "status"]).stdout).unwrap();
    let feeds: Vec<&str> = status
        .lines()
        .skip_while(|l| !l.starts_with("FEED"))
        .skip(1)
        .collect();
    assert_eq!(feeds.len(), 1, "only osv is enabled: {status}");
    assert!(
        feeds[0].starts_with("osv ") && feeds[0].contains(" ok"),
        "{status}"
    );

    // Nothing changed: the feed is not re-ingested.
    let out = sb
        .cmd()
        .args(["db", "update", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("osv") && err.contains("unchanged"), "{err}");

    // The diff of the last run that changed something: the first ingest.
    let out = sb.run(&["db", "diff", "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["feed"], "osv");
    assert_eq!(v[0]["initial"], true);
    let table = String::from_utf8(sb.run(&["db", "diff", "--feed", "osv"]).stdout).unwrap();
    assert!(table.contains("first ingest"), "{table}");
    assert!(
        sb.run(&["db", "diff", "--since", "yesterday"])
            .status
            .code()
            == Some(64)
    );
}

#[test]
fn unknown_kinds_and_keys_are_configuration_errors() {
    let sb = Sandbox::new();
    let path = sb.path("bad.toml");
    std::fs::write(&path, "[feeds.not-a-feed]\nenabled = false\n").unwrap();
    let out = sb
        .cmd()
        .args(["db", "update", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown feed kind"));
    std::fs::write(&path, "[feeds.osv]\nmirror = [\"x\"]\n").unwrap();
    let out = sb
        .cmd()
        .args(["db", "update", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mirror"));
    let out = sb
        .cmd()
        .args(["db", "update", "--config"])
        .arg(sb.path("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
}
