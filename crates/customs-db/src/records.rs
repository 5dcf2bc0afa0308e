//! How records are laid out on disk (schema 4).
//!
//! ## Advisory sets
//!
//! Advisories are read by (namespace, package): every lookup of a scan wants *all* records of
//! one package, never one record alone. The database therefore stores one row per (namespace,
//! package, feed), an *advisory set*, whose `records` column is the byte 4, the length of the
//! uncompressed set (u32, little-endian) and an LZ4 block of:
//!
//! ```text
//! u8 format (1)   LEB128 count   count × ( i64 hash, little-endian   LEB128 length   record )
//! ```
//!
//! * `record` is the advisory in the binary form of [`crate::codec`], without the fields the
//!   row's keys already hold: `namespace` and `package` always, `source` when it is the
//!   feed's kind (the usual case). [`decode_set`] puts them back, so readers see exactly the
//!   advisory the parser produced.
//! * `hash` is the record's change-detection hash ([`crate::record_hash`] of its stored
//!   bytes; [`crate::ingest`] compares it between updates), kept here so `customs db diff`
//!   needs no per-record rows.
//! * Records keep the order the feed produced them in.
//!
//! Why sets: one row per record (schema 3) repeated the keys in every row and a second time
//! inside the record, and a lookup of a package with 2,000 records (Debian's `linux`) read
//! 2,000 rows scattered over the file and sorted them. Records of one package differ in a
//! few bytes (a CVE id, a version), so compressing them together is very effective: on all
//! of `../shared/data`'s feeds the advisories went from 113 MiB of rows to about 11 MiB, and
//! a lookup is one index probe and one small decompression.
//!
//! Why binary: schema 4 stored the same sets as JSON arrays of `[hash, record]`, and
//! decoding that JSON was half of matching's instructions. Why LZ4: schema 4's sets were zstd
//! frames, and a zstd decoder builds its entropy tables for every frame, which for sets of a
//! few KiB cost more than the data (an eighth of matching's instructions); LZ4 has no tables.
//! The database grows from 11.5 to 15.0 MiB for every local feed (0.08× the feeds). Schema 4's
//! zstd frames (JSON inside) are still read, by their magic number, for the migration to
//! schema 5, which rewrites them.
//!
//! ## Enrichment records
//!
//! NVD, KEV and EPSS records are looked up one vulnerability at a time, so each keeps its
//! own row; its `record` column is a zstd frame of the record's JSON.
//!
//! ## Untrusted databases
//!
//! A database may come from elsewhere (`customs db import`, `customs db pull`), so every
//! block and frame is decompressed with a bound (the length is checked before anything is
//! allocated) ([`MAX_SET_BYTES`], [`MAX_INFO_BYTES`]) and read as
//! untrusted bytes: a bad row is a [`crate::DbError::Corrupt`] naming the row, never a panic
//! or an unbounded allocation.

use std::io::Read;
use std::sync::Mutex;

use customs_model::Advisory;

use crate::codec;

/// The zstd level records are written with: level 3 is within 5% of level 19's size here
/// and several times faster, which matters because staging runs on every update.
pub(crate) const LEVEL: i32 = 3;

/// The most bytes one advisory set may decompress to. The largest real set, Debian 12's
/// `linux` (about 2,200 records), is under 300 KiB.
pub const MAX_SET_BYTES: usize = 64 << 20;

/// The most bytes one enrichment record may decompress to (an NVD record with many CPE
/// configurations is tens of KiB).
pub const MAX_INFO_BYTES: usize = 16 << 20;

/// The first byte of a set in the binary form (a JSON set of schema 4 starts with `[`).
const FORMAT_BINARY: u8 = 1;

/// Hands an advisory to a staging row writer as `[namespace, package, vulnerability id,
/// record id]` keys and its stored form (without the keys, see the module docs).
pub(crate) fn emit_advisory(adv: &Advisory, kind: &str, emit: &mut dyn FnMut([&str; 4], Vec<u8>)) {
    let mut stored = Vec::with_capacity(128);
    codec::encode(adv, kind, &mut stored);
    emit(
        [
            &adv.namespace,
            &adv.package,
            &adv.vulnerability_id,
            &adv.record_id,
        ],
        stored,
    );
}

/// Builds one set's stored frame from its records' `(hash, stored form)` in feed order.
pub(crate) fn encode_set<'a>(records: impl ExactSizeIterator<Item = (i64, &'a [u8])>) -> Vec<u8> {
    let mut raw = Vec::with_capacity(1024);
    raw.push(FORMAT_BINARY);
    codec::put_len(&mut raw, records.len());
    for (hash, record) in records {
        raw.extend_from_slice(&hash.to_le_bytes());
        codec::put_len(&mut raw, record.len());
        raw.extend_from_slice(record);
    }
    compress_set(&raw)
}

/// A set's stored bytes: [`LZ4_TAG`], the raw length and the LZ4 block.
fn compress_set(raw: &[u8]) -> Vec<u8> {
    let mut out = vec![LZ4_TAG];
    out.extend_from_slice(&lz4_flex::block::compress_prepend_size(raw));
    out
}

/// The first byte of an LZ4-compressed set (a zstd frame starts with 0x28).
const LZ4_TAG: u8 = 4;

/// Decompresses a stored set: LZ4 (schema 5) or a zstd frame (schema 4's JSON sets).
fn decompress_set(frame: &[u8]) -> Result<Vec<u8>, String> {
    let Some(rest) = frame.strip_prefix(&[LZ4_TAG]) else {
        return decompress(frame, MAX_SET_BYTES);
    };
    let size = rest
        .get(..4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")) as usize)
        .ok_or("a record block is truncated")?;
    if size > MAX_SET_BYTES {
        return Err(format!(
            "a record block claims {size} bytes (limit {MAX_SET_BYTES})"
        ));
    }
    lz4_flex::block::decompress_size_prepended(rest)
        .map_err(|e| format!("a record block does not decompress: {e}"))
}

/// Compresses one frame (with its content size in the header, which [`decompress`] checks
/// against its bound before allocating).
pub(crate) fn compress(raw: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(raw, LEVEL).expect("zstd compresses in-memory buffers")
}

/// Idle zstd decompression contexts. Creating one costs as much as decompressing a few
/// sets (it allocates and clears ~100 KiB), and lookups decode on short-lived threads, so
/// contexts are pooled process-wide rather than kept per thread.
static DECOMPRESSORS: Mutex<Vec<zstd::bulk::Decompressor<'static>>> = Mutex::new(Vec::new());

/// Decompresses one stored frame, refusing more than `limit` bytes.
pub(crate) fn decompress(frame: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(size)) => {
            let size = usize::try_from(size)
                .ok()
                .filter(|s| *s <= limit)
                .ok_or_else(|| format!("a record frame claims {size} bytes (limit {limit})"))?;
            let idle = DECOMPRESSORS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            let mut d = match idle {
                Some(d) => d,
                None => {
                    zstd::bulk::Decompressor::new().map_err(|e| format!("zstd decoder: {e}"))?
                }
            };
            let out = d.decompress(frame, size);
            DECOMPRESSORS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(d);
            let out = out.map_err(|e| format!("a record frame does not decompress: {e}"))?;
            if out.len() == size {
                Ok(out)
            } else {
                Err(format!(
                    "a record frame holds {} bytes, its header says {size}",
                    out.len()
                ))
            }
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

/// Walks a binary set's records, pushing `each(hash, reader over the record)` onto `out`
/// (reserved up front: the count is bounded by the set's size).
fn for_each_record<'a, T>(
    raw: &'a [u8],
    out: &mut Vec<T>,
    mut each: impl FnMut(i64, &mut codec::Reader<'a>) -> Result<T, String>,
) -> Result<(), String> {
    let mut r = codec::Reader::new(raw);
    if r.byte("the format")? != FORMAT_BINARY {
        return Err("an advisory set has an unknown format".to_owned());
    }
    let count = r.len("the record count")?;
    // Each record takes at least nine bytes (a hash and a length).
    out.reserve_exact(count.min(raw.len() / 9));
    for i in 0..count {
        let at = |e: String| format!("record {i} of an advisory set: {e}");
        let hash = r.bytes(8, "a hash").map_err(at)?;
        let hash = i64::from_le_bytes(hash.try_into().expect("eight bytes"));
        let len = r.len("a record length").map_err(at)?;
        let mut record = codec::Reader::new(r.bytes(len, "a record").map_err(at)?);
        out.push(each(hash, &mut record).map_err(at)?);
    }
    if r.is_empty() {
        Ok(())
    } else {
        Err("an advisory set has bytes after its last record".to_owned())
    }
}

/// Reads one stored set back into the advisories the parser produced, each with its hash.
pub(crate) fn decode_set(
    frame: &[u8],
    namespace: &str,
    package: &str,
    feed: &str,
) -> Result<Vec<(i64, Advisory)>, String> {
    let raw = decompress_set(frame)?;
    if raw.first() == Some(&b'[') {
        return decode_json_set(&raw, namespace, package, feed);
    }
    let mut out = Vec::new();
    for_each_record(&raw, &mut out, |hash, r| {
        Ok((hash, decode_whole(r, namespace, package, feed)?))
    })?;
    Ok(out)
}

/// [`decode_set`] without the hashes: what lookups read (built in place, not copied out of
/// `(hash, advisory)` pairs, since an advisory is a few hundred bytes to move).
pub(crate) fn decode_advisories(
    frame: &[u8],
    namespace: &str,
    package: &str,
    feed: &str,
) -> Result<Vec<Advisory>, String> {
    let raw = decompress_set(frame)?;
    if raw.first() == Some(&b'[') {
        return Ok(decode_json_set(&raw, namespace, package, feed)?
            .into_iter()
            .map(|(_, a)| a)
            .collect());
    }
    let mut out = Vec::new();
    for_each_record(&raw, &mut out, |_, r| {
        decode_whole(r, namespace, package, feed)
    })?;
    Ok(out)
}

/// One record, which must end where its length says.
fn decode_whole(
    r: &mut codec::Reader,
    namespace: &str,
    package: &str,
    feed: &str,
) -> Result<Advisory, String> {
    let adv = codec::decode(r, namespace, package, feed)?;
    if r.is_empty() {
        Ok(adv)
    } else {
        Err("bytes after the advisory".to_owned())
    }
}

/// Reads a set written by schema 4 (a JSON array of `[hash, record]`), for the migration.
fn decode_json_set(
    raw: &[u8],
    namespace: &str,
    package: &str,
    feed: &str,
) -> Result<Vec<(i64, Advisory)>, String> {
    let mut records: Vec<(i64, Advisory)> =
        serde_json::from_slice(raw).map_err(|e| format!("an advisory set is malformed: {e}"))?;
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
    decode_advisories(frame, namespace, package, feed)
}

/// The change-detection keys of one stored set: `(vulnerability id, record id, hash)`.
pub(crate) fn set_keys(frame: &[u8]) -> Result<Vec<(String, String, i64)>, String> {
    let raw = decompress_set(frame)?;
    let mut out = Vec::new();
    for_each_record(&raw, &mut out, |hash, r| {
        let (vulnerability_id, record_id) = codec::decode_ids(r)?;
        Ok((vulnerability_id, record_id, hash))
    })?;
    Ok(out)
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
        let mut rows: Vec<(i64, Vec<u8>)> = Vec::new();
        for a in &originals {
            emit_advisory(a, "debian-oval", &mut |keys, stored| {
                assert_eq!(keys[0], "debian:12");
                assert_eq!(keys[1], "openssl");
                let text = String::from_utf8_lossy(&stored).into_owned();
                assert!(!text.contains("debian:12"), "{text}");
                rows.push((crate::record_hash(&stored), stored));
            });
        }
        assert!(!String::from_utf8_lossy(&rows[0].1).contains("debian-oval"));
        assert!(String::from_utf8_lossy(&rows[1].1).contains("somewhere-else"));
        let frame = encode_set(rows.iter().map(|(h, r)| (*h, r.as_slice())));
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

    /// Schema 4 stored sets as JSON; they are still read (the migration to schema 5 reads
    /// them to rewrite them).
    #[test]
    fn a_schema_4_json_set_is_still_read() {
        let mut stored = adv("CVE-2023-5678", "debian-oval");
        (stored.namespace, stored.package, stored.source) =
            (String::new(), String::new(), String::new());
        let raw = format!("[[7,{}]]", serde_json::to_string(&stored).unwrap());
        let back = decode_set(
            &compress(raw.as_bytes()),
            "debian:12",
            "openssl",
            "debian-oval",
        )
        .unwrap();
        assert_eq!(back, vec![(7, adv("CVE-2023-5678", "debian-oval"))]);
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
        // Valid zstd, not a set.
        let err = decode_set(&compress(br#"{"a":1}"#), "n", "p", "f").unwrap_err();
        assert!(err.contains("format"), "{err}");
        let err = decode_set(&compress(b"[1,2"), "n", "p", "f").unwrap_err();
        assert!(err.contains("malformed"), "{err}");
        // A count larger than the records present, and bytes after the last record.
        let mut record = Vec::new();
        codec::encode(&adv("CVE-1", "f"), "f", &mut record);
        let good = encode_set([(1, record.as_slice())].into_iter());
        let mut raw = decompress_set(&good).unwrap();
        raw[1] = 2;
        let err = decode_set(&compress_set(&raw), "n", "p", "f").unwrap_err();
        assert!(err.contains("record 1"), "{err}");
        raw[1] = 1;
        raw.push(0);
        let err = decode_set(&compress_set(&raw), "n", "p", "f").unwrap_err();
        assert!(err.contains("after its last record"), "{err}");
        // Truncated block.
        assert!(decode_set(&good[..good.len() - 3], "n", "p", "f").is_err());
        assert!(decode_set(&good[..3], "n", "p", "f").is_err());
        // A block claiming more than the limit is refused before anything is allocated.
        let mut lying = vec![LZ4_TAG];
        lying.extend_from_slice(&u32::MAX.to_le_bytes());
        lying.extend_from_slice(&good[5..]);
        let err = decode_set(&lying, "n", "p", "f").unwrap_err();
        assert!(err.contains("limit"), "{err}");
        // An LZ4 bomb: 64 MiB + 1 of zeros is a small block, but over the limit.
        let bomb = compress_set(&vec![0u8; MAX_SET_BYTES + 1]);
        assert!(bomb.len() < 1 << 20);
        let err = decode_set(&bomb, "n", "p", "f").unwrap_err();
        assert!(err.contains("limit"), "{err}");
    }
}
