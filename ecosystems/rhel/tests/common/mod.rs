//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

use customs_model::{Advisory, AffectedRange, OsvEvent};

pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

pub fn parse_file(kind: &str, rel: &str) -> Vec<Advisory> {
    let path = shared(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = rel.rsplit('/').next().unwrap();
    customs_rhel::parse_bytes(kind, name, &bytes).unwrap()
}

/// Reads one member of the vunnel fixtures archive.
pub fn vunnel_member(member: &str) -> Vec<u8> {
    let f = std::fs::File::open(shared(
        "feeds/vunnel-fixtures/vunnel-provider-fixtures.tar.zst",
    ))
    .unwrap();
    let mut ar = tar::Archive::new(zstd::stream::read::Decoder::new(f).unwrap());
    for entry in ar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if path.trim_start_matches("./") == member {
            let mut out = Vec::new();
            entry.read_to_end(&mut out).unwrap();
            return out;
        }
    }
    panic!("{member} not in the vunnel fixtures archive");
}

/// The fixed versions of an advisory, in order.
pub fn fixes(a: &Advisory) -> Vec<&str> {
    match &a.affected {
        AffectedRange::LessThan(f) => vec![f.as_str()],
        AffectedRange::Osv(ev) => ev
            .iter()
            .filter_map(|e| match e {
                OsvEvent::Fixed(f) => Some(f.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub fn find<'a>(advs: &'a [Advisory], ns: &str, pkg: &str, vuln: &str) -> &'a Advisory {
    let hits: Vec<&Advisory> = advs
        .iter()
        .filter(|a| a.namespace == ns && a.package == pkg && a.vulnerability_id == vuln)
        .collect();
    assert_eq!(hits.len(), 1, "{ns} {pkg} {vuln}: {hits:#?}");
    hits[0]
}
