//! vunnel's provider fixtures (real upstream inputs and vunnel's normalised snapshots), read
//! straight from the shared archive so no copy lives in the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The shared archive of vunnel's provider test fixtures (see ../shared/data/SOURCES.md).
pub const VUNNEL_ARCHIVE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/feeds/vunnel-fixtures/vunnel-provider-fixtures.tar.zst"
);

/// Every file of vunnel's `providers/PROVIDER/test-fixtures/`, keyed by its path below that
/// folder. Panics (it is for tests) when the archive is unreadable or has none.
#[must_use]
pub fn vunnel_fixtures(provider: &str) -> BTreeMap<String, Vec<u8>> {
    let prefix = format!("tests/unit/providers/{provider}/test-fixtures/");
    let out = crate::tar_zst_members(Path::new(VUNNEL_ARCHIVE), &prefix)
        .unwrap_or_else(|e| panic!("the vunnel fixtures archive: {e:#}"));
    assert!(!out.is_empty(), "no fixtures for provider {provider}");
    out
}

/// The `FixedIn` entries of every vunnel OS snapshot under `dir` of `files`, as
/// `(namespace, vulnerability, package, version)`.
#[must_use]
pub fn vunnel_fixed_in(
    files: &BTreeMap<String, Vec<u8>>,
    dir: &str,
) -> BTreeSet<(String, String, String, String)> {
    let text = |v: &serde_json::Value| v.as_str().expect("a snapshot string").to_owned();
    let mut out = BTreeSet::new();
    for (path, bytes) in files.range(dir.to_owned()..) {
        if !path.starts_with(dir) {
            break;
        }
        let v: serde_json::Value = serde_json::from_slice(bytes).expect("snapshot json");
        let vuln = &v["item"]["Vulnerability"];
        for f in vuln["FixedIn"].as_array().expect("FixedIn") {
            out.insert((
                text(&f["NamespaceName"]),
                text(&vuln["Name"]),
                text(&f["Name"]),
                text(&f["Version"]),
            ));
        }
    }
    out
}
