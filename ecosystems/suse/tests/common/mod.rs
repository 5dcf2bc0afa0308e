//! vunnel snapshot readers; the fixtures themselves come from customs-testkit.
#![allow(dead_code, unused_imports)]

pub use customs_testkit::{VUNNEL_ARCHIVE as ARCHIVE, vunnel_fixtures as vunnel};

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
