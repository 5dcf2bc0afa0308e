//! OSV helpers for the differential tests (included with `#[path]`; needs `serde_json`).
#![allow(dead_code, clippy::pedantic)]

/// Every string value of the keys `introduced`, `fixed`, `last_affected` and the items of
/// `versions` arrays in OSV JSON records of `ecosystem` (matched on `affected[].package.ecosystem`).
pub fn osv_json_versions(records: &str, ecosystem: &str) -> Vec<String> {
    let mut out = Vec::new();
    for v in serde_json::Deserializer::from_str(records).into_iter::<serde_json::Value>() {
        let Ok(v) = v else { break };
        for aff in v
            .get("affected")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            if aff.pointer("/package/ecosystem").and_then(|e| e.as_str()) != Some(ecosystem) {
                continue;
            }
            for r in aff
                .get("ranges")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                if r.get("type").and_then(|t| t.as_str()) == Some("GIT") {
                    continue;
                }
                for ev in r
                    .get("events")
                    .and_then(|e| e.as_array())
                    .into_iter()
                    .flatten()
                {
                    for key in ["introduced", "fixed", "last_affected"] {
                        if let Some(s) = ev.get(key).and_then(|s| s.as_str())
                            && s != "0"
                        {
                            out.push(s.to_owned());
                        }
                    }
                }
            }
            for s in aff
                .get("versions")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(s) = s.as_str() {
                    out.push(s.to_owned());
                }
            }
        }
    }
    out
}
