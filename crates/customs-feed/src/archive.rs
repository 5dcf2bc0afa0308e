//! Archives as feed locations: `.zip`, `.tar`, and `.tar` compressed with gzip, bzip2 or
//! zstd (osv.dev publishes `ECOSYSTEM/all.zip`; advisory repositories are tarballs).
//!
//! Every regular member is one parser input, named `ARCHIVE!member` (the member path as
//! stored, a leading `./` or `/` removed) with the member's last path segment as its file
//! name. Member names are only ever shown and handed to parsers: nothing is extracted, so a
//! name such as `../../etc/passwd` cannot write anywhere. Directories, links and devices are
//! skipped; members are not decompressed further and archives inside archives are not opened.
//!
//! Members are read one at a time into memory, so memory is bounded by the largest member,
//! and three limits hold ([`FetchOptions`]):
//! * `max_member_bytes` for one member (inflated),
//! * `max_archive_members` regular members per archive,
//! * `max_bytes` for the whole archive after decompression (tar: the decompressed stream;
//!   zip: the sum of inflated members, and the spooled download size for a zip over HTTP).
//!
//! A problem met while walking an archive (a corrupt header, a limit) cannot be returned from
//! the iterator that yields inputs, so it becomes one last input whose reader fails with the
//! error; whoever reads it (a parser, or the digest of the input) reports it with the
//! member's location. The walk stops there.
//!
//! Tar is read with a small reader of its own rather than the `tar` crate, whose entry
//! iterator borrows the archive and so cannot be held across calls of an owning iterator.
//! It understands POSIX ustar (name prefix), GNU long names (`L`) and pax extended headers
//! (`path`, `size`); GNU base-256 sizes; and checks each header's checksum.

use std::io::{self, Read, Seek};

use crate::location::{FetchOptions, OpenedInput};

/// The most bytes a GNU long-name or pax extended header may hold.
const MAX_EXTENDED_HEADER: u64 = 1 << 20;

/// A reader that fails with a stored error: how an archive problem reaches the consumer.
struct FailingReader {
    kind: io::ErrorKind,
    message: String,
}

impl Read for FailingReader {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::new(self.kind, self.message.clone()))
    }
}

/// An input whose reader fails with `message`.
pub(crate) fn failed_input(location: String, file_name: String, err: &io::Error) -> OpenedInput {
    OpenedInput {
        reader: Box::new(FailingReader {
            kind: err.kind(),
            message: format!("{location}: {err}"),
        }),
        location,
        file_name,
    }
}

/// An input whose reader fails with `message` as it is (it already names the location).
pub(crate) fn failed_input_message(
    location: String,
    file_name: String,
    message: String,
) -> OpenedInput {
    OpenedInput {
        reader: Box::new(FailingReader {
            kind: io::ErrorKind::Other,
            message,
        }),
        location,
        file_name,
    }
}

fn last_segment(member: &str) -> String {
    member.rsplit('/').next().unwrap_or(member).to_owned()
}

fn clean_member_name(raw: &str) -> String {
    let mut s = raw;
    loop {
        if let Some(r) = s.strip_prefix("./") {
            s = r;
        } else if let Some(r) = s.strip_prefix('/') {
            s = r;
        } else {
            break;
        }
    }
    s.to_owned()
}

fn member_input(archive: &str, member: &str, bytes: Vec<u8>) -> OpenedInput {
    OpenedInput {
        location: format!("{archive}!{member}"),
        file_name: last_segment(member),
        reader: Box::new(io::Cursor::new(bytes)),
    }
}

fn limit_error(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// The members of one archive, yielded lazily.
pub(crate) enum ArchiveMembers {
    Zip(ZipMembers),
    Tar(TarMembers),
}

impl ArchiveMembers {
    pub(crate) fn next_input(&mut self) -> Option<OpenedInput> {
        match self {
            ArchiveMembers::Zip(z) => z.next_input(),
            ArchiveMembers::Tar(t) => t.next_input(),
        }
    }
}

/// Whether `prefix` (the first bytes of a file, undecompressed) starts a zip archive.
pub(crate) fn is_zip(prefix: &[u8]) -> bool {
    prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06")
}

/// Whether `block` (the first 512 decompressed bytes) is a ustar/GNU tar header.
pub(crate) fn is_tar(block: &[u8]) -> bool {
    block.len() >= 263 && &block[257..262] == b"ustar"
}

/// A zip archive over any seekable reader (a local file, or a spooled download).
pub(crate) struct ZipMembers {
    location: String,
    archive: Option<zip::ZipArchive<Box<dyn ReadSeek>>>,
    index: usize,
    members: u64,
    total: u64,
    max_members: u64,
    max_member_bytes: u64,
    max_total: u64,
}

pub(crate) trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

impl ZipMembers {
    pub(crate) fn new(
        location: String,
        reader: Box<dyn ReadSeek>,
        opts: &FetchOptions,
    ) -> Result<Self, io::Error> {
        let archive = zip::ZipArchive::new(reader).map_err(io::Error::other)?;
        Ok(ZipMembers {
            location,
            archive: Some(archive),
            index: 0,
            members: 0,
            total: 0,
            max_members: opts.max_archive_members,
            max_member_bytes: opts.max_member_bytes,
            max_total: opts.max_bytes,
        })
    }

    fn fail(&mut self, member: &str, err: &io::Error) -> OpenedInput {
        self.archive = None;
        let location = if member.is_empty() {
            self.location.clone()
        } else {
            format!("{}!{member}", self.location)
        };
        failed_input(location, last_segment(member), err)
    }

    fn next_input(&mut self) -> Option<OpenedInput> {
        let mut archive = self.archive.take()?;
        // The entry count is known up front: refuse an archive over the limit before reading
        // any member (entries include directories, so this is an upper bound on members).
        if self.index == 0 && archive.len() as u64 > self.max_members {
            let err = limit_error(format!(
                "archive holds {} entries, more than the limit of {}",
                archive.len(),
                self.max_members
            ));
            return Some(self.fail("", &err));
        }
        while self.index < archive.len() {
            let i = self.index;
            self.index += 1;
            let mut file = match archive.by_index(i) {
                Ok(f) => f,
                Err(e) => {
                    let err = io::Error::other(format!("member #{i}: {e}"));
                    return Some(self.fail("", &err));
                }
            };
            if !file.is_file() {
                continue;
            }
            let name = match file.name() {
                Ok(n) => clean_member_name(&n),
                Err(e) => {
                    let err = io::Error::other(format!("member #{i}: {e}"));
                    return Some(self.fail("", &err));
                }
            };
            let mut bytes = Vec::new();
            let read = (&mut file)
                .take(self.max_member_bytes + 1)
                .read_to_end(&mut bytes);
            drop(file);
            if let Err(e) = read {
                // The zip crate reports a member beyond its declared size, or a bad CRC, here.
                return Some(self.fail(&name, &e));
            }
            if bytes.len() as u64 > self.max_member_bytes {
                let err = limit_error(format!(
                    "member inflates to more than the limit of {} bytes",
                    self.max_member_bytes
                ));
                return Some(self.fail(&name, &err));
            }
            self.total += bytes.len() as u64;
            if self.total > self.max_total {
                let err = limit_error(format!(
                    "archive inflates to more than the limit of {} bytes",
                    self.max_total
                ));
                return Some(self.fail(&name, &err));
            }
            self.members += 1;
            self.archive = Some(archive);
            return Some(member_input(&self.location, &name, bytes));
        }
        None
    }
}

/// A tar stream (already decompressed and capped at `max_bytes`).
pub(crate) struct TarMembers {
    location: String,
    stream: Option<Box<dyn Read + Send>>,
    members: u64,
    max_members: u64,
    max_member_bytes: u64,
}

/// Reads exactly `buf.len()` bytes; `Ok(false)` on a clean end of stream before the first byte.
fn read_block(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "tar archive ends inside a header",
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn padding(size: u64) -> u64 {
    (512 - size % 512) % 512
}

fn skip(r: &mut dyn Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    if copied == n {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "tar archive ends inside a member",
        ))
    }
}

fn read_data(r: &mut dyn Read, size: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
    r.take(size).read_to_end(&mut bytes)?;
    if (bytes.len() as u64) < size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "tar archive ends inside a member",
        ));
    }
    skip(r, padding(size))?;
    Ok(bytes)
}

/// A NUL-terminated header string field.
fn field(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// A numeric header field: octal ASCII (space or NUL padded), or GNU base-256 when the high
/// bit of the first byte is set.
fn number(bytes: &[u8]) -> io::Result<u64> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "tar header: bad numeric field");
    if let Some((&first, rest)) = bytes.split_first()
        && first & 0x80 != 0
    {
        if first & 0x40 != 0 {
            return Err(bad()); // negative
        }
        let mut v = u64::from(first & 0x3f);
        for &b in rest {
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(b)))
                .ok_or_else(bad)?;
        }
        return Ok(v);
    }
    let text = field(bytes);
    let digits: &[u8] = {
        let start = text.iter().position(|b| *b != b' ').unwrap_or(text.len());
        let t = &text[start..];
        let end = t.iter().position(|b| *b == b' ').unwrap_or(t.len());
        &t[..end]
    };
    let mut v: u64 = 0;
    for &b in digits {
        if !(b'0'..=b'7').contains(&b) {
            return Err(bad());
        }
        v = v
            .checked_mul(8)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or_else(bad)?;
    }
    Ok(v)
}

fn checksum_ok(block: &[u8; 512]) -> io::Result<bool> {
    let stored = number(&block[148..156])?;
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b.cast_signed());
    }
    Ok(stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed))
}

/// The `path` and `size` of a pax extended header (`LEN key=value\n` records).
fn pax_fields(data: &[u8]) -> (Option<String>, Option<u64>) {
    let (mut path, mut size) = (None, None);
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|b| *b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|l| l.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > rest.len() {
            break;
        }
        let record = &rest[sp + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|b| *b == b'=') {
            let (k, v) = (&record[..eq], &record[eq + 1..]);
            match k {
                b"path" => path = Some(String::from_utf8_lossy(v).into_owned()),
                b"size" => size = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
                _ => {}
            }
        }
        rest = &rest[len..];
    }
    (path, size)
}

impl TarMembers {
    pub(crate) fn new(location: String, stream: Box<dyn Read + Send>, opts: &FetchOptions) -> Self {
        TarMembers {
            location,
            stream: Some(stream),
            members: 0,
            max_members: opts.max_archive_members,
            max_member_bytes: opts.max_member_bytes,
        }
    }

    fn next_input(&mut self) -> Option<OpenedInput> {
        let mut stream = self.stream.take()?;
        match self.next_member(&mut *stream) {
            Ok(Some((name, bytes))) => {
                self.stream = Some(stream);
                Some(member_input(&self.location, &name, bytes))
            }
            Ok(None) => None,
            Err((name, e)) => {
                let location = match &name {
                    Some(n) => format!("{}!{n}", self.location),
                    None => self.location.clone(),
                };
                Some(failed_input(
                    location,
                    name.as_deref().map(last_segment).unwrap_or_default(),
                    &e,
                ))
            }
        }
    }

    /// The next regular member, or `None` at the end of the archive.
    #[allow(clippy::type_complexity)]
    fn next_member(
        &mut self,
        r: &mut dyn Read,
    ) -> Result<Option<(String, Vec<u8>)>, (Option<String>, io::Error)> {
        let mut long_name: Option<String> = None;
        let mut pax_path: Option<String> = None;
        let mut pax_size: Option<u64> = None;
        let mut block = [0u8; 512];
        loop {
            if !read_block(r, &mut block).map_err(|e| (None, e))? {
                return Ok(None);
            }
            if block.iter().all(|b| *b == 0) {
                return Ok(None);
            }
            if !checksum_ok(&block).map_err(|e| (None, e))? {
                return Err((
                    None,
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "tar header checksum mismatch (corrupt or not a tar archive)",
                    ),
                ));
            }
            let header_size = number(&block[124..136]).map_err(|e| (None, e))?;
            let size = pax_size.take().unwrap_or(header_size);
            let typeflag = block[156];
            let name = if let Some(p) = pax_path.take() {
                p
            } else if let Some(n) = long_name.take() {
                n
            } else {
                let name = String::from_utf8_lossy(field(&block[0..100])).into_owned();
                let prefix = field(&block[345..500]);
                if is_tar(&block) && !prefix.is_empty() {
                    format!("{}/{name}", String::from_utf8_lossy(prefix))
                } else {
                    name
                }
            };
            let name = clean_member_name(&name);
            match typeflag {
                b'0' | 0 | b'7' => {
                    if size > self.max_member_bytes {
                        return Err((
                            Some(name),
                            limit_error(format!(
                                "member is {size} bytes, more than the limit of {} bytes",
                                self.max_member_bytes
                            )),
                        ));
                    }
                    self.members += 1;
                    if self.members > self.max_members {
                        return Err((
                            Some(name),
                            limit_error(format!(
                                "archive holds more than the limit of {} members",
                                self.max_members
                            )),
                        ));
                    }
                    let bytes = read_data(r, size).map_err(|e| (Some(name.clone()), e))?;
                    return Ok(Some((name, bytes)));
                }
                b'L' | b'x' => {
                    if size > MAX_EXTENDED_HEADER {
                        return Err((
                            None,
                            limit_error(format!(
                                "extended tar header of {size} bytes, more than the limit of {MAX_EXTENDED_HEADER}"
                            )),
                        ));
                    }
                    let data = read_data(r, size).map_err(|e| (None, e))?;
                    if typeflag == b'L' {
                        long_name = Some(String::from_utf8_lossy(field(&data)).into_owned());
                    } else {
                        let (p, s) = pax_fields(&data);
                        pax_path = p;
                        pax_size = s;
                    }
                }
                _ => {
                    // Directories, links, devices, global pax headers: skip their data.
                    let data = match typeflag {
                        b'1' | b'2' | b'3' | b'4' | b'5' | b'6' => 0,
                        _ => size,
                    };
                    skip(r, data + padding(data)).map_err(|e| (Some(name), e))?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records_and_numbers() {
        let long = "a/".repeat(80) + "x.json";
        let rec = format!("path={long}\n");
        // The length counts itself: "NNN " + record.
        let len = rec.len() + 4;
        let data = format!("30 mtime=1700000000.123456789\n{len} {rec}11 size=42\n");
        assert_eq!(pax_fields(data.as_bytes()), (Some(long), Some(42)));
        assert_eq!(pax_fields(b"99 path=truncated\n"), (None, None));
        assert_eq!(pax_fields(b"garbage"), (None, None));
        assert_eq!(number(b"0000644\0").unwrap(), 0o644);
        assert_eq!(number(b"   17 \0").unwrap(), 0o17);
        assert_eq!(
            number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap(),
            65536
        );
        assert!(number(b"12x").is_err());
        assert!(number(&[0xff; 12]).is_err());
        assert!(
            number(&[
                0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ])
            .is_err()
        );
        assert_eq!(clean_member_name(".//./a/b"), "a/b");
    }
}
