//! rpm's own "ndb" package database (`Packages.db`, SUSE), as librpm's
//! `lib/backend/ndb/rpmpkg.c` writes it. All integers are little-endian.
//!
//! - File header (32 bytes): magic `RpmP`, version 0, generation, number of slot pages,
//!   next package index.
//! - Slot pages (4096 bytes each, the header taking the first two slots): 16-byte slots
//!   `Slot`, package index, block offset, block count. A block is 16 bytes; a slot with
//!   block offset 0 is free.
//! - Blob at `block offset * 16`: head `BlbS`, package index, generation, length; the header
//!   blob; padding; tail (adler32, length, `BlbE`) ending the last block.
//!
//! librpm does not check the adler32 sum when it reads a package (only `rpmdb --verifydb`
//! does), so neither does this reader; everything else it checks is checked here, per slot:
//! a bad slot or blob is reported and the others are still read.

use crate::db::{DbFormat, RpmDb, RpmDbError};

const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: usize = 16;
const HEADER_SIZE: usize = 32;
const BLOBHEAD_SIZE: usize = 16;
const BLOBTAIL_SIZE: usize = 12;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

fn err(message: impl Into<String>) -> RpmDbError {
    RpmDbError::malformed(DbFormat::Ndb, message)
}

/// The header blob of one slot, checked as librpm's `rpmpkgReadBlob` checks it.
fn blob(bytes: &[u8], pkgidx: u32, blkoff: u32, blkcnt: u32) -> Result<&[u8], String> {
    let start = (blkoff as usize)
        .checked_mul(BLK_SIZE)
        .ok_or("block offset overflows")?;
    let size = (blkcnt as usize)
        .checked_mul(BLK_SIZE)
        .ok_or("block count overflows")?;
    let area = start
        .checked_add(size)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| format!("blob at block {blkoff} (+{blkcnt}) is past the end of the file"))?;
    if area.len() < BLOBHEAD_SIZE + BLOBTAIL_SIZE {
        return Err(format!("blob of {blkcnt} blocks is too small"));
    }
    if &area[..4] != b"BlbS" {
        return Err("bad blob head magic".into());
    }
    let head_idx = le32(area, 4).unwrap_or(0);
    if head_idx != pkgidx {
        return Err(format!("blob belongs to package {head_idx}"));
    }
    let len = le32(area, 12).unwrap_or(0) as usize;
    let blocks = (BLOBHEAD_SIZE + len + BLOBTAIL_SIZE).div_ceil(BLK_SIZE);
    if blocks != blkcnt as usize {
        return Err(format!(
            "blob of {len} bytes needs {blocks} blocks, slot says {blkcnt}"
        ));
    }
    let tail = &area[area.len() - BLOBTAIL_SIZE..];
    if le32(tail, 4) != u32::try_from(len).ok() {
        return Err("blob tail length differs from its head".into());
    }
    if &tail[8..] != b"BlbE" {
        return Err("bad blob tail magic".into());
    }
    Ok(&area[BLOBHEAD_SIZE..BLOBHEAD_SIZE + len])
}

/// Reads an ndb `Packages.db` held in memory. Packages come in package-index order.
pub fn read_ndb(bytes: &[u8]) -> Result<RpmDb, RpmDbError> {
    if bytes.is_empty() {
        return Err(RpmDbError::Empty);
    }
    if bytes.len() < HEADER_SIZE || &bytes[..4] != b"RpmP" {
        return Err(err("not an ndb package database"));
    }
    let version = le32(bytes, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(err(format!("unsupported version {version}")));
    }
    let slotnpages = le32(bytes, 12).unwrap_or(0) as usize;
    let slot_area = slotnpages
        .checked_mul(PAGE_SIZE)
        .filter(|n| *n <= bytes.len())
        .ok_or_else(|| {
            err(format!(
                "{slotnpages} slot pages do not fit a file of {} bytes",
                bytes.len()
            ))
        })?;
    let min_blkoff = slot_area / BLK_SIZE;
    let mut out = RpmDb::default();
    let mut slots = Vec::new();
    for off in (HEADER_SIZE..slot_area).step_by(SLOT_SIZE) {
        let slot = &bytes[off..off + SLOT_SIZE];
        let slotno = (off / SLOT_SIZE) as u64;
        if &slot[..4] != b"Slot" {
            out.problem(slotno, format!("slot {slotno}: bad magic"));
            continue;
        }
        let pkgidx = le32(slot, 4).unwrap_or(0);
        let blkoff = le32(slot, 8).unwrap_or(0);
        let blkcnt = le32(slot, 12).unwrap_or(0);
        if blkoff == 0 {
            continue; // free slot
        }
        if pkgidx == 0 || blkcnt == 0 || (blkoff as usize) < min_blkoff {
            out.problem(
                u64::from(pkgidx),
                format!(
                    "slot {slotno}: bad entry (package {pkgidx}, block {blkoff}, {blkcnt} blocks)"
                ),
            );
            continue;
        }
        slots.push((pkgidx, blkoff, blkcnt));
    }
    slots.sort_unstable();
    let mut prev = None;
    for (pkgidx, blkoff, blkcnt) in slots {
        if prev == Some(pkgidx) {
            out.problem(u64::from(pkgidx), "package index used by two slots");
            continue;
        }
        prev = Some(pkgidx);
        match blob(bytes, pkgidx, blkoff, blkcnt) {
            Ok(b) => out.add_blob(u64::from(pkgidx), b),
            Err(e) => out.problem(u64::from(pkgidx), e),
        }
    }
    Ok(out)
}
