//! Berkeley DB hash databases (`var/lib/rpm/Packages`), read the way librpm's read-only
//! `bdb_ro` backend reads them: walk the hash buckets in order, follow each bucket's chain of
//! hash pages, and for every key/value pair fetch the value, inline or from a chain of
//! overflow pages. The key is the 4-byte header number (key 0 holds rpm's instance counter
//! and is skipped); the value is a header blob.
//!
//! Layouts (from Berkeley DB's `dbinc/db_page.h`; byte order is the creating host's, told by
//! the magic number):
//! - metadata page 0: magic at 12, version at 16, page size at 20, last page number at 32,
//!   `max_bucket` at 72, `high_mask` 76, `low_mask` 80, `spares[32]` at 96;
//! - page header (26 bytes): page number at 8, previous 12, next 16, entry count (u16) 20,
//!   `hf_offset` (u16) 22, level 24, type 25; then `entries` u16 item offsets;
//! - hash item: type byte (1 = inline `H_KEYDATA`, 3 = `H_OFFPAGE`: page at +4, length at
//!   +8); an item's length is the distance to the previous item's offset (items grow down
//!   from the end of the page);
//! - overflow page (type 7): `hf_offset` is the number of data bytes after the header.
//!
//! Unlike librpm, which ends the whole iteration at the first inconsistency, a bad page or
//! record is reported and the walk goes on. Every page is visited at most once, so a cyclic
//! chain cannot loop.

use std::collections::HashSet;

use crate::db::{DbFormat, RpmDb, RpmDbError};
use crate::header::{MAX_DATA, MAX_TAGS};

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// The largest header blob librpm accepts.
const MAX_BLOB: usize = 8 + MAX_TAGS as usize * 16 + MAX_DATA as usize;

fn err(message: impl Into<String>) -> RpmDbError {
    RpmDbError::malformed(DbFormat::BerkeleyDb, message)
}

struct Bdb<'a> {
    bytes: &'a [u8],
    le: bool,
    pagesize: usize,
    /// Highest page number that may be read (last page per metadata, within the file).
    last: u32,
}

impl<'a> Bdb<'a> {
    fn u32_at(&self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }

    fn u16_at(&self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    }

    fn page(&self, pgno: u32) -> Result<&'a [u8], String> {
        if pgno == 0 || pgno > self.last {
            return Err(format!(
                "page {pgno} out of range (last page {})",
                self.last
            ));
        }
        let start = pgno as usize * self.pagesize;
        let page = self
            .bytes
            .get(start..start + self.pagesize)
            .ok_or_else(|| format!("page {pgno} is past the end of the file"))?;
        let stored = self.u32_at(page, 8).unwrap_or(0);
        if stored != pgno {
            return Err(format!("page {pgno} says it is page {stored}"));
        }
        Ok(page)
    }

    /// Reads a value spread over a chain of overflow pages.
    fn overflow(&self, first: u32, total: u32) -> Result<Vec<u8>, String> {
        let total = total as usize;
        if total == 0 {
            return Err("empty overflow item".into());
        }
        if total > MAX_BLOB || total > self.bytes.len() {
            return Err(format!("overflow item of {total} bytes is too large"));
        }
        let mut out = Vec::with_capacity(total);
        let mut seen = HashSet::new();
        let mut pgno = first;
        while out.len() < total {
            if !seen.insert(pgno) {
                return Err(format!("overflow chain loops back to page {pgno}"));
            }
            let page = self.page(pgno)?;
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "page {pgno} in an overflow chain has type {}",
                    page[25]
                ));
            }
            let plen = usize::from(self.u16_at(page, 22).unwrap_or(0));
            if plen == 0 || plen + PAGE_HEADER > self.pagesize || plen > total - out.len() {
                return Err(format!("overflow page {pgno} holds a bad length {plen}"));
            }
            out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + plen]);
            pgno = self.u32_at(page, 16).unwrap_or(0);
        }
        Ok(out)
    }

    /// The bytes of the hash item at `off` with length `len` on `page`.
    fn item(
        &self,
        page: &'a [u8],
        off: usize,
        len: usize,
    ) -> Result<std::borrow::Cow<'a, [u8]>, String> {
        if len == 0 || off + len > self.pagesize {
            return Err(format!(
                "item at {off} of length {len} does not fit the page"
            ));
        }
        match page[off] {
            H_KEYDATA => Ok(std::borrow::Cow::Borrowed(&page[off + 1..off + len])),
            H_OFFPAGE => {
                if len != 12 {
                    return Err(format!("off-page item of length {len}"));
                }
                let pg = self.u32_at(page, off + 4).unwrap_or(0);
                let tlen = self.u32_at(page, off + 8).unwrap_or(0);
                self.overflow(pg, tlen).map(std::borrow::Cow::Owned)
            }
            t => Err(format!("unsupported hash item type {t}")),
        }
    }

    /// Reads every key/value pair of one hash page.
    fn hash_page(&self, pgno: u32, page: &'a [u8], db: &mut RpmDb) {
        let n = usize::from(self.u16_at(page, 20).unwrap_or(0));
        let n = n.min((self.pagesize - PAGE_HEADER) / 2);
        let inp = |i: usize| usize::from(self.u16_at(page, PAGE_HEADER + 2 * i).unwrap_or(0));
        let mut idx = 0;
        while idx + 1 < n {
            let (koff, voff) = (inp(idx), inp(idx + 1));
            let klen = if idx == 0 {
                self.pagesize.checked_sub(koff)
            } else {
                inp(idx - 1).checked_sub(koff)
            };
            let vlen = koff.checked_sub(voff);
            idx += 2;
            let (Some(klen), Some(vlen)) = (klen, vlen) else {
                db.problem(u64::from(pgno), "hash page item offsets out of order");
                continue;
            };
            if koff >= self.pagesize || voff >= self.pagesize || voff < PAGE_HEADER + 2 * n {
                db.problem(u64::from(pgno), "hash page item offset out of range");
                continue;
            }
            let key = match self.item(page, koff, klen) {
                Ok(k) => k,
                Err(e) => {
                    db.problem(u64::from(pgno), format!("key: {e}"));
                    continue;
                }
            };
            let Some(hnum) = <[u8; 4]>::try_from(&key[..]).ok().map(|k| {
                if self.le {
                    u32::from_le_bytes(k)
                } else {
                    u32::from_be_bytes(k)
                }
            }) else {
                db.problem(u64::from(pgno), format!("key of {} bytes", key.len()));
                continue;
            };
            if hnum == 0 {
                continue; // rpm's instance counter, not a package
            }
            match self.item(page, voff, vlen) {
                Ok(v) => db.add_blob(u64::from(hnum), &v),
                Err(e) => db.problem(u64::from(hnum), e),
            }
        }
    }

    /// Walks buckets `0..buckets` in order, each along its chain of hash pages.
    fn walk(&self, buckets: u32, spares: &[u32], pages_in_file: u32, out: &mut RpmDb) {
        let mut seen = vec![false; pages_in_file as usize + 1];
        for bucket in 0..buckets {
            let bits = (u32::BITS - bucket.leading_zeros()) as usize;
            let Some(mut pgno) = spares.get(bits).and_then(|s| bucket.checked_add(*s)) else {
                out.problem(0, format!("bucket {bucket} has no page"));
                continue;
            };
            while pgno != 0 {
                match seen.get_mut(pgno as usize) {
                    Some(s) if !*s => *s = true,
                    Some(_) => {
                        out.problem(
                            u64::from(pgno),
                            format!("bucket {bucket} chain revisits page {pgno}"),
                        );
                        break;
                    }
                    None => {
                        out.problem(
                            u64::from(pgno),
                            format!("bucket {bucket}: page {pgno} out of range"),
                        );
                        break;
                    }
                }
                let page = match self.page(pgno) {
                    Ok(p) => p,
                    Err(e) => {
                        out.problem(u64::from(pgno), format!("bucket {bucket}: {e}"));
                        break;
                    }
                };
                if page[25] != P_HASH && page[25] != P_HASH_UNSORTED {
                    out.problem(
                        u64::from(pgno),
                        format!(
                            "bucket {bucket}: page {pgno} has type {}, not a hash page",
                            page[25]
                        ),
                    );
                    break;
                }
                self.hash_page(pgno, page, out);
                pgno = self.u32_at(page, 16).unwrap_or(0);
            }
        }
    }
}

/// Reads a Berkeley DB hash `Packages` database held in memory.
pub fn read_bdb(bytes: &[u8]) -> Result<RpmDb, RpmDbError> {
    if bytes.is_empty() {
        return Err(RpmDbError::Empty);
    }
    if bytes.len() < 512 {
        return Err(err(format!(
            "{} bytes is too short for a metadata page",
            bytes.len()
        )));
    }
    let magic_le = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    let magic_be = u32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    let le = if magic_le == HASH_MAGIC {
        true
    } else if magic_be == HASH_MAGIC {
        false
    } else {
        return Err(err("not a Berkeley DB hash database"));
    };
    let mut db = Bdb {
        bytes,
        le,
        pagesize: 0,
        last: 0,
    };
    let meta = |at: usize| db.u32_at(bytes, at).unwrap_or(0);
    let version = meta(16);
    if !(8..=10).contains(&version) {
        return Err(err(format!("unsupported hash version {version}")));
    }
    let pagesize = meta(20);
    if !(512..=65536).contains(&pagesize) || !pagesize.is_power_of_two() {
        return Err(err(format!("bad page size {pagesize}")));
    }
    let pagesize = pagesize as usize;
    let last_meta = meta(32);
    let pages_in_file = u32::try_from(bytes.len() / pagesize).unwrap_or(u32::MAX);
    let max_bucket = meta(72);
    let spares: Vec<u32> = (0..32).map(|i| meta(96 + 4 * i)).collect();
    db.pagesize = pagesize;
    db.last = last_meta.min(pages_in_file.saturating_sub(1));

    let mut out = RpmDb::default();
    if last_meta >= pages_in_file {
        out.problem(
            0,
            format!(
                "truncated database: metadata says {} pages, the file holds {pages_in_file}",
                u64::from(last_meta) + 1
            ),
        );
    }
    // Every bucket owns at least one page: more buckets than pages is corruption.
    let buckets = if max_bucket >= pages_in_file {
        out.problem(
            0,
            format!("{max_bucket} buckets cannot fit in {pages_in_file} pages"),
        );
        pages_in_file
    } else {
        max_bucket + 1
    };
    db.walk(buckets, &spares, pages_in_file, &mut out);
    Ok(out)
}
