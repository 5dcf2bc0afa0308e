//! How records are laid out on disk (schema 4).
//!
//! ## Advisory sets
//!
//! Advisories are read by (namespace, package): every lookup of a scan wants *all* records of
//! one package, never one record alone. Schema 4 therefore stores one row per (namespace,
//! package, feed), an *advisory set*, whose `records` column is a zstd frame of a JSON array
//! of `[hash, record]` pairs:
//!
//! * `record` is the advisory's JSON without the fields the row's keys already hold:
//!   `namespace` and `package` always, `source` when it is the feed's kind (the usual case).
//!   [`decode_set`] puts them back, so readers see exactly the advisory the parser produced.
//! * `hash` is the record's 32-bit change-detection hash ([`crate::ingest`] compares it
//!   between updates), kept here so `customs db diff` needs no per-record rows.
//! * Records keep the order the feed produced them in.
//!
//! Why: one row per record (schema 3) repeated the keys in every row and a second time
//! inside the JSON, and a lookup of a package with 2,000 records (Debian's `linux`) read
//! 2,000 rows scattered over the file and sorted them. Records of one package differ in a
//! few bytes (a CVE id, a version), so compressing them together is very effective: on all
//! of `../shared/data`'s feeds the advisories went from 113 MiB of rows and JSON to about
//! 11 MiB, and a lookup is one index probe and one small decompression.
//!
//! ## Enrichment records
//!
//! NVD, KEV and EPSS records are looked up one vulnerability at a time, so each keeps its
//! own row; its `record` column is a zstd frame of the record's JSON.
//!
//! ## Untrusted databases
//!
//! A database may come from elsewhere (`customs db import`, `customs db pull`), so every
//! frame is decompressed with a bound ([`MAX_SET_BYTES`], [`MAX_INFO_BYTES`]) and read as
//! untrusted JSON: a bad row is a [`crate::DbError::Corrupt`] naming the row, never a panic
//! or an unbounded allocation.

use std::cell::RefCell;
use std::io::Read;

use customs_model::Advisory;
use serde::Deserialize;

/// The zstd level records are written with: level 3 is within 5% of level 19's size here
/// and several times faster, which matters because staging runs on every update.
pub(crate) const LEVEL: i32 = 3;

/// The most bytes one advisory set may decompress to. The largest real set, Debian 12's
/// `linux` (about 2,200 records), is under 300 KiB.
pub const MAX_SET_BYTES: usize = 64 << 20;

/// The most bytes one enrichment record may decompress to (an NVD record with many CPE
/// configurations is tens of KiB).
pub const MAX_INFO_BYTES: usize = 16 << 20;

/// Hands an advisory to a staging row writer as `[namespace, package, vulnerability id,
/// record id]` keys and its stored JSON (without the keys, see the module docs).
pub(crate) fn emit_advisory(
    mut adv: Advisory,
    kind: &str,
    emit: &mut dyn FnMut([&str; 4], String),
) {
    let namespace = std::mem::take(&mut adv.namespace);
    let package = std::mem::take(&mut adv.package);
    if adv.source == kind {
        adv.source.clear();
    }
    let json = serde_json::to_string(&adv).expect("advisories serialize");
    emit(
        [&namespace, &package, &adv.vulnerability_id, &adv.record_id],
        json,
    );
}

/// Builds one set's stored frame from its records' `(hash, stored JSON)` in feed order.
pub(crate) fn encode_set<'a>(records: impl IntoIterator<Item = (i64, &'a str)>) -> Vec<u8> {
    let mut raw = Vec::with_capacity(1024);
    raw.push(b'[');
    for (i, (hash, json)) in records.into_iter().enumerate() {
        if i > 0 {
            raw.push(b',');
        }
        raw.push(b'[');
        raw.extend_from_slice(hash.to_string().as_bytes());
        raw.push(b',');
        raw.extend_from_slice(json.as_bytes());
        raw.push(b']');
    }
    raw.push(b']');
    compress(&raw)
}

/// Compresses one frame (with its content size in the header, which [`decompress`] checks
/// against its bound before allocating).
pub(crate) fn compress(raw: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(raw, LEVEL).expect("zstd compresses in-memory buffers")
}

thread_local! {
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// Decompresses one stored frame, refusing more than `limit` bytes.
pub(crate) fn decompress(frame: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(size)) => {
            let size = usize::try_from(size)
                .ok()
                .filter(|s| *s <= limit)
                .ok_or_else(|| format!("a record frame claims {size} bytes (limit {limit})"))?;
            DECOMPRESSOR.with(|d| {
                let mut d = d.borrow_mut();
                if d.is_none() {
                    *d = Some(
                        zstd::bulk::Decompressor::new()
                            .map_err(|e| format!("zstd decoder: {e}"))?,
                    );
                }
                let d = d.as_mut().expect("set above");
                let out = d
                    .decompress(frame, size)
                    .map_err(|e| format!("a record frame does not decompress: {e}"))?;
                if out.len() == size {
                    Ok(out)
                } else {
                    Err(format!(
                        "a record frame holds {} bytes, its header says {size}",
                        out.len()
                    ))
                }
            })
        }
        // No size in the header (not written by customs, but valid zstd): stream it.
        Ok(None) => {
            let mut out = Vec::new();
            zstd::stream::read::Decoder::new(frame)
                .map_err(|e| format!("zstd decoder: {e}"))?
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("a record frame does not decompress: {e}"))?;
            if out.len() > limit {
                return Err(format!("a record frame exceeds {limit} bytes"));
            }
            Ok(out)
        }
        Err(_) => Err("a record is not a zstd frame".to_owned()),
    }
}

/// Reads one stored set back into the advisories the parser produced, each with its hash.
pub(crate) fn decode_set(
    frame: &[u8],
    namespace: &str,
    package: &str,
    feed: &str,
) -> Result<Vec<(i64, Advisory)>, String> {
    let raw = decompress(frame, MAX_SET_BYTES)?;
    let mut records: Vec<(i64, Advisory)> =
        serde_json::from_slice(&raw).map_err(|e| format!("an advisory set is malformed: {e}"))?;
    for (_, adv) in &mut records {
        namespace.clone_into(&mut adv.namespace);
        package.clone_into(&mut adv.package);
        if adv.source.is_empty() {
            feed.clone_into(&mut adv.source);
        }
    }
    Ok(records)
}

/// Reads one stored advisory set as a database row holds it (for tools and the
/// `db_stored_set` fuzz target): the advisories, or why the row is unusable.
///
/// # Errors
/// The frame is not zstd, exceeds [`MAX_SET_BYTES`], or is not a set of advisories.
pub fn read_stored_set(
    frame: &[u8],
    namespace: &str,
    package: &str,
    feed: &str,
) -> Result<Vec<Advisory>, String> {
    Ok(decode_set(frame, namespace, package, feed)?
        .into_iter()
        .map(|(_, a)| a)
        .collect())
}

/// The change-detection keys of one stored set: `(vulnerability id, record id, hash)`.
pub(crate) fn set_keys(frame: &[u8]) -> Result<Vec<(String, String, i64)>, String> {
    #[derive(Deserialize)]
    struct Keys {
        vulnerability_id: String,
        #[serde(default)]
        record_id: String,
    }
    let raw = decompress(frame, MAX_SET_BYTES)?;
    let records: Vec<(i64, Keys)> =
        serde_json::from_slice(&raw).map_err(|e| format!("an advisory set is malformed: {e}"))?;
    Ok(records
        .into_iter()
        .map(|(h, k)| (k.vulnerability_id, k.record_id, h))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use customs_model::{AffectedRange, Severity, Status};

    fn adv(id: &str, source: &str) -> Advisory {
        Advisory {
            vulnerability_id: id.into(),
            namespace: "debian:12".into(),
            package: "openssl".into(),
            scheme: "deb".into(),
            status: Status::Fixed,
            affected: AffectedRange::LessThan("3.0.11-1~deb12u2".into()),
            fixed_version: Some("3.0.11-1~deb12u2".into()),
            severity: Severity::High,
            advisory_ids: vec!["DSA-5532-1".into()],
            aliases: Vec::new(),
            notes: None,
            source: source.into(),
            record_id: format!("rec-{id}"),
        }
    }

    #[test]
    fn a_set_round_trips_with_keys_and_foreign_sources() {
        let originals = [
            adv("CVE-2023-5678", "debian-oval"),
            adv("CVE-2023-5363", "somewhere-else"),
        ];
        let mut rows = Vec::new();
        for a in originals.clone() {
            emit_advisory(a, "debian-oval", &mut |keys, json| {
                assert_eq!(keys[0], "debian:12");
                assert_eq!(keys[1], "openssl");
                assert!(!json.contains("debian:12"), "{json}");
                rows.push((i64::try_from(json.len()).unwrap(), json));
            });
        }
        assert!(!rows[0].1.contains("\"source\""), "{}", rows[0].1);
        assert!(rows[1].1.contains("somewhere-else"), "{}", rows[1].1);
        let frame = encode_set(rows.iter().map(|(h, j)| (*h, j.as_str())));
        let back = decode_set(&frame, "debian:12", "openssl", "debian-oval").unwrap();
        assert_eq!(
            back.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>(),
            originals
        );
        assert_eq!(back[1].0, rows[1].0);
        let keys = set_keys(&frame).unwrap();
        assert_eq!(
            keys[0],
            (
                "CVE-2023-5678".to_owned(),
                "rec-CVE-2023-5678".to_owned(),
                rows[0].0
            )
        );
    }

    #[test]
    fn hostile_frames_are_refused() {
        // Not zstd.
        assert!(decode_set(b"[]", "n", "p", "f").is_err());
        // A bomb: 100 MiB of zeros compresses to a few KiB, and claims its size.
        let bomb = compress(&vec![0u8; 100 << 20]);
        assert!(bomb.len() < 100_000);
        let err = decode_set(&bomb, "n", "p", "f").unwrap_err();
        assert!(err.contains("limit"), "{err}");
        // The same without a size in the header: streamed and cut at the bound.
        let mut streamed = Vec::new();
        {
            let mut enc = zstd::stream::write::Encoder::new(&mut streamed, 1).unwrap();
            enc.include_contentsize(false).unwrap();
            std::io::Write::write_all(&mut enc, &vec![b' '; MAX_SET_BYTES + 10]).unwrap();
            enc.finish().unwrap();
        }
        let err = decode_set(&streamed, "n", "p", "f").unwrap_err();
        assert!(err.contains("exceeds"), "{err}");
        // Valid zstd, wrong JSON.
        let err = decode_set(&compress(br#"{"a":1}"#), "n", "p", "f").unwrap_err();
        assert!(err.contains("malformed"), "{err}");
        // Truncated frame.
        let good = encode_set([(1, r#"{"vulnerability_id":"CVE-1","scheme":"deb"}"#)]);
        assert!(decode_set(&good[..good.len() - 3], "n", "p", "f").is_err());
    }
}
