//! The rpm header blob, as package databases store it (no lead, no magic).
//!
//! Layout (all big-endian): `il: u32`, `dl: u32`, then `il` index entries of 16 bytes
//! (`tag: i32, type: u32, offset: i32, count: u32`), then `dl` bytes of data. In installed
//! headers the first entry is usually a region tag (`HEADERIMMUTABLE`, 63) whose data is a
//! 16-byte trailer closing the signed part; entries after the region ("dribbles", added by
//! rpm at install time) replace region entries with the same tag.
//!
//! The checks follow librpm's `hdrblobInit` (`hdrblobVerifyRegion`, `hdrblobVerifyInfo`) so
//! that a blob rpm calls "damaged" is refused here too: sizes must add up exactly, offsets
//! must be aligned, in range and increasing, every value must fit the data store. Beyond
//! that, everything derived from the blob is bounded: counts are capped, and the file list
//! (directory name + base name per file, which a hostile header could make quadratic) has a
//! total size cap.

use memchr::memchr;

/// At most this many index entries (librpm's `HEADER_TAGS_MAX`).
pub const MAX_TAGS: u32 = 0x0000_ffff;
/// At most this many bytes of data (librpm's `HEADER_DATA_MAX`).
pub const MAX_DATA: u32 = 0x0fff_ffff;
/// At most this many elements in an array (librpm's `HEADER_ARRAY_MAX`).
pub const MAX_ARRAY: u32 = 0x000f_ffff;
/// At most this many bytes of file paths per package (directories are shared between files
/// in the header, so the expanded list can be far larger than the header).
pub const MAX_FILE_LIST_BYTES: usize = 64 * 1024 * 1024;

const TAG_HEADERIMAGE: i32 = 61;
const TAG_HEADERSIGNATURES: i32 = 62;
const TAG_HEADERIMMUTABLE: i32 = 63;
const TAG_HEADERREGIONS: i32 = 64;
const TAG_I18NTABLE: i32 = 100;

pub const TAG_NAME: i32 = 1000;
pub const TAG_VERSION: i32 = 1001;
pub const TAG_RELEASE: i32 = 1002;
pub const TAG_EPOCH: i32 = 1003;
pub const TAG_VENDOR: i32 = 1011;
pub const TAG_LICENSE: i32 = 1014;
pub const TAG_ARCH: i32 = 1022;
pub const TAG_OLDFILENAMES: i32 = 1027;
pub const TAG_SOURCERPM: i32 = 1044;
pub const TAG_DIRINDEXES: i32 = 1116;
pub const TAG_BASENAMES: i32 = 1117;
pub const TAG_DIRNAMES: i32 = 1118;
pub const TAG_MODULARITYLABEL: i32 = 5096;

const TYPE_NULL: u32 = 0;
const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_BIN: u32 = 7;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;
const TYPE_MAX: u32 = 9;

const ENTRY_SIZE: usize = 16;

/// Why a header blob was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("header blob too short ({0} bytes)")]
    TooShort(usize),
    #[error("header declares {il} tags and {dl} data bytes, over the limits")]
    TooLarge { il: u32, dl: u32 },
    #[error("header size mismatch: 8 + 16 * {il} + {dl} bytes declared, blob is {len} bytes")]
    SizeMismatch { il: u32, dl: u32, len: usize },
    #[error("header has no tags")]
    NoTags,
    #[error("bad region: {0}")]
    BadRegion(String),
    #[error("bad index entry {index} (tag {tag}): {reason}")]
    BadEntry {
        index: usize,
        tag: i32,
        reason: &'static str,
    },
    #[error("header has no NAME")]
    NoName,
    #[error("bad file list: {0}")]
    BadFileList(String),
}

/// One index entry, converted to host order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    pub tag: i32,
    pub ty: u32,
    pub offset: u32,
    pub count: u32,
    /// Length of the value in the data store (checked to fit).
    len: u32,
}

/// A verified header blob: index entries whose values are known to fit the data store.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    entries: Vec<IndexEntry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

#[allow(clippy::cast_possible_wrap)]
fn entry_at(blob: &[u8], i: usize) -> Option<(i32, u32, i32, u32)> {
    let base = 8 + i.checked_mul(ENTRY_SIZE)?;
    Some((
        be32(blob, base)? as i32,
        be32(blob, base + 4)?,
        be32(blob, base + 8)? as i32,
        be32(blob, base + 12)?,
    ))
}

fn type_align(ty: u32) -> u32 {
    match ty {
        TYPE_INT16 => 2,
        TYPE_INT32 => 4,
        TYPE_INT64 => 8,
        _ => 1,
    }
}

fn type_size(ty: u32) -> Option<u32> {
    match ty {
        TYPE_NULL => Some(0),
        1 | 2 | TYPE_BIN => Some(1),
        TYPE_INT16 => Some(2),
        TYPE_INT32 => Some(4),
        TYPE_INT64 => Some(8),
        _ => None,
    }
}

/// Length of `count` NUL-terminated strings starting at `data[0]`, terminators included.
fn strings_len(data: &[u8], count: u32) -> Option<u32> {
    let mut pos = 0usize;
    for _ in 0..count {
        let nul = memchr(0, data.get(pos..)?)?;
        pos += nul + 1;
    }
    u32::try_from(pos).ok()
}

fn data_len(ty: u32, data: &[u8], count: u32) -> Option<u32> {
    match ty {
        TYPE_STRING => {
            if count != 1 {
                return None;
            }
            strings_len(data, 1)
        }
        TYPE_STRING_ARRAY | TYPE_I18NSTRING => strings_len(data, count),
        _ => {
            let len = type_size(ty)?.checked_mul(count)?;
            (len as usize <= data.len()).then_some(len)
        }
    }
}

fn is_string_type(ty: u32) -> bool {
    matches!(ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING)
}

/// rpm's `hdrchkTagType` for the tags this crate reads: a known tag with a mismatching type
/// makes librpm refuse the header (string types may stand in for each other).
fn tag_type_ok(tag: i32, ty: u32) -> bool {
    match tag {
        TAG_NAME | TAG_VERSION | TAG_RELEASE | TAG_VENDOR | TAG_LICENSE | TAG_ARCH
        | TAG_SOURCERPM | TAG_MODULARITYLABEL | TAG_OLDFILENAMES | TAG_BASENAMES | TAG_DIRNAMES => {
            is_string_type(ty)
        }
        TAG_EPOCH | TAG_DIRINDEXES => ty == TYPE_INT32,
        _ => true,
    }
}

/// librpm's `hdrblobVerifyRegion`: when the first entry is a region tag, its trailer must
/// close the region. Returns the end of the region's data (`rdl`), if there is a region.
fn verify_region(blob: &[u8], data: &[u8], dl: u32, il: usize) -> Result<Option<u32>, HeaderError> {
    let (first_tag, first_ty, first_off, first_count) =
        entry_at(blob, 0).ok_or(HeaderError::TooShort(blob.len()))?;
    if !matches!(
        first_tag,
        TAG_HEADERSIGNATURES | TAG_HEADERIMMUTABLE | TAG_HEADERIMAGE
    ) {
        return Ok(None);
    }
    if first_ty != TYPE_BIN || first_count != 16 {
        return Err(HeaderError::BadRegion(format!(
            "region tag {first_tag} has type {first_ty} count {first_count}"
        )));
    }
    let off = u32::try_from(first_off)
        .ok()
        .filter(|o| o.checked_add(16).is_some_and(|end| end <= dl))
        .ok_or_else(|| {
            HeaderError::BadRegion(format!("region trailer offset {first_off} out of range"))
        })?;
    let t = &data[off as usize..off as usize + 16];
    #[allow(clippy::cast_possible_wrap)]
    let (mut ttag, tty, toff, tcount) = (
        be32(t, 0).unwrap_or(0) as i32,
        be32(t, 4).unwrap_or(0),
        be32(t, 8).unwrap_or(0) as i32,
        be32(t, 12).unwrap_or(0),
    );
    if first_tag == TAG_HEADERSIGNATURES && ttag == TAG_HEADERIMAGE {
        ttag = TAG_HEADERSIGNATURES;
    }
    if ttag != first_tag || tty != TYPE_BIN || tcount != 16 {
        return Err(HeaderError::BadRegion(format!(
            "region trailer tag {ttag} type {tty} count {tcount}"
        )));
    }
    let neg = toff.checked_neg().and_then(|n| u32::try_from(n).ok());
    let ril = neg.filter(|n| n % 16 == 0).map(|n| n / 16);
    if ril.is_none_or(|r| r as usize > il) {
        return Err(HeaderError::BadRegion(format!(
            "region trailer offset {toff} does not fit {il} tags"
        )));
    }
    Ok(Some(off + 16))
}

impl<'a> Header<'a> {
    /// Verifies a header blob (the whole of `blob`, which must be exactly the header).
    pub fn parse(blob: &'a [u8]) -> Result<Self, HeaderError> {
        if blob.len() < 8 {
            return Err(HeaderError::TooShort(blob.len()));
        }
        let il = be32(blob, 0).ok_or(HeaderError::TooShort(blob.len()))?;
        let dl = be32(blob, 4).ok_or(HeaderError::TooShort(blob.len()))?;
        if il > MAX_TAGS || dl > MAX_DATA {
            return Err(HeaderError::TooLarge { il, dl });
        }
        let expected = 8 + il as usize * ENTRY_SIZE + dl as usize;
        if expected != blob.len() {
            return Err(HeaderError::SizeMismatch {
                il,
                dl,
                len: blob.len(),
            });
        }
        if il == 0 {
            return Err(HeaderError::NoTags);
        }
        let data = &blob[8 + il as usize * ENTRY_SIZE..];
        let il = il as usize;

        let (first_tag, ..) = entry_at(blob, 0).ok_or(HeaderError::TooShort(blob.len()))?;
        let region = verify_region(blob, data, dl, il)?;
        let skip = usize::from(region.is_some());
        let typechk = matches!(first_tag, TAG_HEADERIMMUTABLE | TAG_HEADERIMAGE);
        let mut entries = Vec::with_capacity(il.min(4096));
        let mut end: u32 = 0;
        for index in skip..il {
            let (tag, ty, offset, count) =
                entry_at(blob, index).ok_or(HeaderError::TooShort(blob.len()))?;
            let bad = |reason| HeaderError::BadEntry { index, tag, reason };
            let offset = u32::try_from(offset).map_err(|_| bad("negative offset"))?;
            if end > offset {
                return Err(bad("data overlaps the previous entry"));
            }
            if tag < TAG_I18NTABLE {
                return Err(bad("reserved tag number"));
            }
            if ty > TYPE_MAX {
                return Err(bad("unknown type"));
            }
            if count < 1 || count > dl {
                return Err(bad("count out of range"));
            }
            if offset & (type_align(ty) - 1) != 0 {
                return Err(bad("misaligned offset"));
            }
            if offset > dl {
                return Err(bad("offset out of range"));
            }
            if ty != TYPE_BIN && count > MAX_ARRAY {
                return Err(bad("array too large"));
            }
            if typechk && !tag_type_ok(tag, ty) {
                return Err(bad("wrong type for tag"));
            }
            let len = data_len(ty, &data[offset as usize..], count)
                .ok_or_else(|| bad("value does not fit the data store"))?;
            end = offset + len; // both <= dl <= MAX_DATA: no overflow
            if end > dl || len == 0 {
                return Err(bad("value does not fit the data store"));
            }
            if let Some(rdl) = region
                && end > rdl - 16
                && offset < rdl
            {
                return Err(bad("value overlaps the region trailer"));
            }
            if (TAG_HEADERIMAGE..TAG_HEADERREGIONS).contains(&tag) {
                // A second region: librpm refuses it (hdrchkTag catches negative values
                // only, but regionSwab would misread it); it carries nothing we read.
                continue;
            }
            entries.push(IndexEntry {
                tag,
                ty,
                offset,
                count,
                len,
            });
        }
        Ok(Header { entries, data })
    }

    /// All entries after the region tag, in blob order.
    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// The entry for `tag`; a later entry (a dribble) replaces an earlier one.
    pub fn entry(&self, tag: i32) -> Option<&IndexEntry> {
        self.entries.iter().rev().find(|e| e.tag == tag)
    }

    fn value(&self, e: &IndexEntry) -> &'a [u8] {
        // Checked in `parse`: offset + len <= data.len().
        self.data
            .get(e.offset as usize..(e.offset as usize).saturating_add(e.len as usize))
            .unwrap_or_default()
    }

    /// The strings of a string-typed tag (a STRING gives one).
    pub fn strings(&self, tag: i32) -> Option<Vec<&'a [u8]>> {
        let e = self.entry(tag)?;
        if !is_string_type(e.ty) {
            return None;
        }
        let v = self.value(e);
        let mut out = Vec::with_capacity((e.count as usize).min(v.len()));
        let mut rest = v;
        for _ in 0..e.count {
            let nul = memchr(0, rest)?;
            out.push(&rest[..nul]);
            rest = &rest[nul + 1..];
        }
        Some(out)
    }

    /// A string tag as text (the first string of an array or i18n table, as rpm's
    /// `%{TAG}` prints it). Invalid UTF-8 is replaced.
    pub fn string(&self, tag: i32) -> Option<String> {
        let e = self.entry(tag)?;
        if !is_string_type(e.ty) {
            return None;
        }
        let v = self.value(e);
        let s = &v[..memchr(0, v)?];
        Some(String::from_utf8_lossy(s).into_owned())
    }

    /// The values of an INT32 tag.
    pub fn u32s(&self, tag: i32) -> Option<Vec<u32>> {
        let e = self.entry(tag)?;
        if e.ty != TYPE_INT32 {
            return None;
        }
        Some(
            self.value(e)
                .chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    /// The file list: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or legacy `OLDFILENAMES`.
    pub fn file_names(&self) -> Result<Vec<String>, HeaderError> {
        let mut total = 0usize;
        let mut push = |out: &mut Vec<String>, parts: &[&[u8]]| -> Result<(), HeaderError> {
            total = total.saturating_add(parts.iter().map(|p| p.len()).sum());
            if total > MAX_FILE_LIST_BYTES {
                return Err(HeaderError::BadFileList(format!(
                    "file list longer than {MAX_FILE_LIST_BYTES} bytes"
                )));
            }
            let mut s = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
            for p in parts {
                s.extend_from_slice(p);
            }
            out.push(String::from_utf8_lossy(&s).into_owned());
            Ok(())
        };
        if let Some(base) = self.strings(TAG_BASENAMES) {
            let dirs = self.strings(TAG_DIRNAMES).unwrap_or_default();
            let idx = self.u32s(TAG_DIRINDEXES).unwrap_or_default();
            if idx.len() != base.len() {
                return Err(HeaderError::BadFileList(format!(
                    "{} base names but {} directory indexes",
                    base.len(),
                    idx.len()
                )));
            }
            let mut out = Vec::with_capacity(base.len());
            for (b, i) in base.iter().zip(idx) {
                let d = dirs.get(i as usize).ok_or_else(|| {
                    HeaderError::BadFileList(format!(
                        "directory index {i} out of range ({} directories)",
                        dirs.len()
                    ))
                })?;
                push(&mut out, &[d, b])?;
            }
            return Ok(out);
        }
        if let Some(old) = self.strings(TAG_OLDFILENAMES) {
            let mut out = Vec::with_capacity(old.len());
            for f in old {
                push(&mut out, &[f])?;
            }
            return Ok(out);
        }
        Ok(Vec::new())
    }
}

/// What customs reads from one installed package's header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RpmPackage {
    pub name: String,
    /// `EPOCH`, when the tag is present (rpm prints `EPOCHNUM` 0 when it is not).
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: Option<String>,
    /// The source rpm file name: `openssl-1.1.1k-5.el8_5.src.rpm`.
    pub source_rpm: Option<String>,
    /// `name:stream:version:context` for packages from a module stream.
    pub modularity_label: Option<String>,
    pub vendor: Option<String>,
    pub license: Option<String>,
    /// Files owned, as absolute paths (as rpm records them).
    pub files: Vec<String>,
    /// A problem with the file list (the package itself is still usable).
    pub files_error: Option<String>,
}

impl RpmPackage {
    /// Reads a package from a header blob.
    pub fn from_blob(blob: &[u8]) -> Result<Self, HeaderError> {
        Self::from_header(&Header::parse(blob)?)
    }

    /// Reads a package from a verified header.
    pub fn from_header(h: &Header<'_>) -> Result<Self, HeaderError> {
        let name = h.string(TAG_NAME).ok_or(HeaderError::NoName)?;
        let (files, files_error) = match h.file_names() {
            Ok(f) => (f, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        Ok(RpmPackage {
            name,
            epoch: h.u32s(TAG_EPOCH).and_then(|v| v.first().copied()),
            version: h.string(TAG_VERSION).unwrap_or_default(),
            release: h.string(TAG_RELEASE).unwrap_or_default(),
            arch: h.string(TAG_ARCH),
            source_rpm: h.string(TAG_SOURCERPM),
            modularity_label: h.string(TAG_MODULARITYLABEL),
            vendor: h.string(TAG_VENDOR),
            license: h.string(TAG_LICENSE),
            files,
            files_error,
        })
    }

    /// `[EPOCH:]VERSION-RELEASE`, as rpm's `%{EVR}` prints it.
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }
}
