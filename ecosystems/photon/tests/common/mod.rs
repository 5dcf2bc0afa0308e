//! Reads vunnel's provider fixtures (real upstream inputs and vunnel's normalised
//! snapshots) straight from the shared archive, so no copy lives in the repository.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;

pub const ARCHIVE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/feeds/vunnel-fixtures/vunnel-provider-fixtures.tar.zst"
);

/// Every file of `providers/PROVIDER/test-fixtures/`, keyed by its path below that folder.
pub fn vunnel(provider: &str) -> BTreeMap<String, Vec<u8>> {
    let file = std::fs::File::open(ARCHIVE).expect("the vunnel fixtures archive");
    let decoder = zstd::stream::read::Decoder::new(file).expect("zstd");
    let mut archive = tar::Archive::new(decoder);
    let prefix = format!("tests/unit/providers/{provider}/test-fixtures/");
    let mut out = BTreeMap::new();
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("tar entry");
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().expect("path").to_string_lossy().into_owned();
        let path = path.trim_start_matches("./");
        if let Some(rest) = path.strip_prefix(&prefix) {
            let rest = rest.to_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read member");
            out.insert(rest, bytes);
        }
    }
    assert!(!out.is_empty(), "no fixtures for provider {provider}");
    out
}

/// One vunnel OS snapshot's `FixedIn` entries as
/// `(namespace, vulnerability, package, version, severity)`.
pub fn snapshot_rows(bytes: &[u8]) -> Vec<(String, String, String, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(bytes).expect("snapshot json");
    let vuln = &v["item"]["Vulnerability"];
    vuln["FixedIn"]
        .as_array()
        .expect("FixedIn")
        .iter()
        .map(|f| {
            (
                f["NamespaceName"].as_str().unwrap().to_owned(),
                vuln["Name"].as_str().unwrap().to_owned(),
                f["Name"].as_str().unwrap().to_owned(),
                f["Version"].as_str().unwrap().to_owned(),
                vuln["Severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
