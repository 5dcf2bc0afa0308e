//! Build information embedded in Go executables.
//!
//! # Format
//!
//! Since Go 1.13 the linker writes a small record into the data segment (ELF section
//! `.go.buildinfo`, Mach-O `__go_buildinfo`, PE inside `.data`), 16-byte aligned:
//!
//! ```text
//! offset 0   "\xff Go buildinf:"   14 bytes of magic
//! offset 14  pointer size          4 or 8
//! offset 15  flags                 bit 0: big-endian pointers; bit 1: strings inline
//! offset 16  two pointer-sized words (unused when inline), padding up to offset 32
//! offset 32  uvarint length + runtime version ("go1.21.5")      } only when
//!            uvarint length + module info text                  } flags bit 1 is set
//! ```
//!
//! Go 1.18 and later always set the inline bit. Before (1.13 to 1.17) the two words pointed at
//! Go string headers elsewhere in the data segment; following them needs random access to the
//! whole binary (the header lies after the record, its bytes before it), so this reader does
//! not: such binaries get a `go-buildinfo-unsupported` diagnostic and no packages.
//!
//! The module info text is what `go version -m` prints, wrapped in two 16-byte sentinels
//! (removed when the 17th byte from the end is a newline, exactly as the Go runtime does):
//!
//! ```text
//! path  github.com/x/cmd/tool
//! mod   github.com/x/cmd      v1.2.3  h1:…
//! dep   github.com/y/lib      v0.4.0  h1:…
//! =>    github.com/z/lib      v0.4.1  h1:…      (replaces the line above)
//! build -compiler=gc
//! build vcs.revision=…
//! ```
//!
//! Fields are tab-separated. See [`ModInfo::parse`].
//!
//! # Streaming
//!
//! [`scan`] reads the executable once, in chunks, keeping only a chunk plus the tail that could
//! start a match: a 100 MiB binary needs no 100 MiB buffer. Candidates are the magic at a
//! file offset that is a multiple of 16 (the section is 16-aligned in memory, and every
//! object format keeps file offsets congruent to addresses modulo the page size) whose pointer
//! size is 4 or 8. The magic can also appear elsewhere — `debug/buildinfo` has it as a string
//! constant — so a candidate that does not decode is skipped and the scan goes on; if none
//! decodes, the first candidate's problem is the error.
//!
//! # Limits
//!
//! The version string is capped at [`VERSION_LIMIT`] bytes and the module info at
//! [`MODINFO_LIMIT`]; a uvarint longer than 10 bytes or over 64 bits is refused. Nothing else
//! is buffered.

use std::io::{self, Read};

/// The 14 bytes that start a build-info record.
pub const MAGIC: &[u8; 14] = b"\xff Go buildinf:";

/// The longest runtime version string accepted (`go1.21.5 X:boringcrypto` is 23 bytes).
pub const VERSION_LIMIT: u64 = 1024;

/// The longest module info accepted. Kubernetes-sized programs have ~60 KiB.
pub const MODINFO_LIMIT: u64 = 4 * 1024 * 1024;

const HEADER: usize = 32;
const ALIGN: u64 = 16;
const FLAG_INLINE: u8 = 2;
const CHUNK: usize = 256 * 1024;

/// The raw record: runtime version and module info text (sentinels removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBuildInfo {
    pub go_version: String,
    pub modinfo: String,
}

/// What [`scan`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    Found(RawBuildInfo),
    /// A pre-1.18 pointer-format record at this file offset.
    Legacy {
        offset: u64,
    },
    /// No record: not a Go binary (or one without build info).
    NotFound,
    /// Records were there but none decoded; the first problem.
    Corrupt(String),
}

/// A window over a stream: `buf[0]` is at absolute offset `base`.
struct Window<'r> {
    r: &'r mut dyn Read,
    buf: Vec<u8>,
    base: u64,
    eof: bool,
}

impl Window<'_> {
    /// Reads until `buf` has at least `end` bytes or the stream ends. Returns whether it has.
    fn ensure(&mut self, end: usize) -> io::Result<bool> {
        while self.buf.len() < end && !self.eof {
            self.fill()?;
        }
        Ok(self.buf.len() >= end)
    }

    /// Appends one read.
    fn fill(&mut self) -> io::Result<()> {
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let n = loop {
            match self.r.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }

    /// Drops everything before `keep_from`.
    fn discard(&mut self, keep_from: usize) {
        self.buf.drain(..keep_from);
        self.base += keep_from as u64;
    }
}

/// Reads an unsigned LEB128 varint at `pos` (Go's `binary.Uvarint`), ensuring bytes as it
/// goes. Returns the value and the position after it.
fn uvarint(w: &mut Window<'_>, mut pos: usize) -> io::Result<Result<(u64, usize), String>> {
    let mut value: u64 = 0;
    for i in 0..10 {
        if !w.ensure(pos + 1)? {
            return Ok(Err("build info is truncated inside a length".into()));
        }
        let b = w.buf[pos];
        pos += 1;
        if i == 9 && b > 1 {
            return Ok(Err("build info length overflows 64 bits".into()));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok(Ok((value, pos)));
        }
    }
    Ok(Err("build info length overflows 64 bits".into()))
}

/// Reads a length-prefixed string at `pos`, at most `limit` bytes.
fn string_at(
    w: &mut Window<'_>,
    pos: usize,
    limit: u64,
    what: &str,
) -> io::Result<Result<(Vec<u8>, usize), String>> {
    let (len, pos) = match uvarint(w, pos)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(format!("{what}: {e}"))),
    };
    if len > limit {
        return Ok(Err(format!(
            "{what} is {len} bytes long, over the {limit}-byte limit"
        )));
    }
    // len <= limit <= 4 MiB, so it fits a usize.
    let end = pos + usize::try_from(len).unwrap_or(usize::MAX);
    if !w.ensure(end)? {
        return Ok(Err(format!("{what} runs past the end of the file")));
    }
    Ok(Ok((w.buf[pos..end].to_vec(), end)))
}

/// Decodes the record whose magic is at `buf[at]` (the header bytes are present).
fn decode(w: &mut Window<'_>, at: usize) -> io::Result<Result<RawBuildInfo, String>> {
    let (version, next) = match string_at(w, at + HEADER, VERSION_LIMIT, "Go version")? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let (modinfo, _) = match string_at(w, next, MODINFO_LIMIT, "module info")? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let Ok(go_version) = String::from_utf8(version) else {
        return Ok(Err("Go version is not UTF-8".into()));
    };
    if go_version.is_empty() || !go_version.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(Err(format!(
            "Go version {go_version:?} is not a printable string"
        )));
    }
    let modinfo = strip_sentinels(&modinfo);
    let Ok(modinfo) = std::str::from_utf8(modinfo) else {
        return Ok(Err("module info is not UTF-8".into()));
    };
    Ok(Ok(RawBuildInfo {
        go_version,
        modinfo: modinfo.to_owned(),
    }))
}

/// Removes the 16-byte markers the linker puts around module info.
fn strip_sentinels(m: &[u8]) -> &[u8] {
    if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        &m[16..m.len() - 16]
    } else {
        m
    }
}

/// Scans a stream for the build-info record. `Err` only for read errors.
pub fn scan(r: &mut dyn Read) -> io::Result<Scan> {
    let finder = memchr::memmem::Finder::new(MAGIC);
    let mut w = Window {
        r,
        buf: Vec::with_capacity(CHUNK * 2),
        base: 0,
        eof: false,
    };
    let mut from = 0;
    let mut legacy = None;
    let mut first_problem: Option<String> = None;
    loop {
        if let Some(i) = finder.find(&w.buf[from..]) {
            let at = from + i;
            from = at + 1;
            if !(w.base + at as u64).is_multiple_of(ALIGN) {
                continue;
            }
            if !w.ensure(at + HEADER)? {
                first_problem.get_or_insert_with(|| "build info header is truncated".into());
                continue;
            }
            let ptr_size = w.buf[at + 14];
            let flags = w.buf[at + 15];
            if ptr_size != 4 && ptr_size != 8 {
                continue;
            }
            if flags & FLAG_INLINE == 0 {
                legacy.get_or_insert(w.base + at as u64);
                continue;
            }
            match decode(&mut w, at)? {
                Ok(info) => return Ok(Scan::Found(info)),
                Err(e) => {
                    first_problem.get_or_insert(e);
                }
            }
            continue;
        }
        // No (more) match in the window: keep the tail that could start one, read on.
        if w.eof {
            break;
        }
        let keep_from = w.buf.len().saturating_sub(MAGIC.len() - 1);
        w.discard(keep_from);
        from = 0;
        w.fill()?;
    }
    Ok(match (first_problem, legacy) {
        (Some(p), _) => Scan::Corrupt(p),
        (None, Some(offset)) => Scan::Legacy { offset },
        (None, None) => Scan::NotFound,
    })
}

/// One module of the module info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    /// Empty for a directory replacement; `(devel)` for a main module built from a checkout.
    pub version: String,
    pub sum: String,
    pub replace: Option<Box<Module>>,
}

/// The module info text, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModInfo {
    /// The main package's import path (`path` line).
    pub path: String,
    /// The main module (`mod` line).
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    /// `build` settings, `key=value`, in order.
    pub settings: Vec<(String, String)>,
    /// Lines that could not be read, with their 1-based numbers.
    pub problems: Vec<String>,
}

impl ModInfo {
    /// Parses module info. Unknown line kinds are ignored (later Go versions may add some);
    /// `mod`/`dep`/`=>` lines without a path, and `=>` lines with nothing to replace, are
    /// problems.
    pub fn parse(text: &str) -> ModInfo {
        // Which module the next `=>` replaces: None, the main module, or the last dep.
        #[derive(Clone, Copy)]
        enum Last {
            None,
            Main,
            Dep,
        }
        let mut info = ModInfo::default();
        let mut last = Last::None;
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let mut fields = line.split('\t');
            let kind = fields.next().unwrap_or("");
            let module = |fields: std::str::Split<'_, char>| {
                let v: Vec<&str> = fields.collect();
                let path = v.first().copied().unwrap_or("");
                if path.is_empty() {
                    return None;
                }
                Some(Module {
                    path: path.to_owned(),
                    version: v.get(1).copied().unwrap_or("").to_owned(),
                    sum: v.get(2).copied().unwrap_or("").to_owned(),
                    replace: None,
                })
            };
            match kind {
                "path" => fields.next().unwrap_or("").clone_into(&mut info.path),
                "mod" | "dep" => {
                    let Some(m) = module(fields) else {
                        info.problems
                            .push(format!("line {n}: {kind} without a path"));
                        last = Last::None;
                        continue;
                    };
                    if kind == "mod" {
                        info.main = Some(m);
                        last = Last::Main;
                    } else {
                        info.deps.push(m);
                        last = Last::Dep;
                    }
                }
                "=>" => {
                    let Some(m) = module(fields) else {
                        info.problems.push(format!("line {n}: => without a path"));
                        continue;
                    };
                    let target = match last {
                        Last::Main => info.main.as_mut(),
                        Last::Dep => info.deps.last_mut(),
                        Last::None => None,
                    };
                    match target {
                        Some(t) if t.replace.is_none() => t.replace = Some(Box::new(m)),
                        _ => info
                            .problems
                            .push(format!("line {n}: => with no module line to replace")),
                    }
                    last = Last::None;
                }
                "build" => {
                    let rest = line.get(6..).unwrap_or("");
                    let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                    info.settings.push((k.to_owned(), v.to_owned()));
                }
                _ => {}
            }
        }
        info
    }

    /// The value of build setting `key`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The standard library's version from the runtime version: `go1.21.5` -> `1.21.5`,
/// `go1.22rc1` -> `1.22.0-rc.1`, `go1.18beta2` -> `1.18.0-beta.2` (how the Go vulnerability
/// database writes toolchain prereleases), the first word only (`go1.21.5 X:boringcrypto`).
/// `None` for development toolchains (`devel go1.23-abc…`) and anything not `go` + digits.
pub fn stdlib_version(go_version: &str) -> Option<String> {
    let word = go_version.split_whitespace().next()?;
    let v = word.strip_prefix("go")?;
    if !v.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    for pre in ["rc", "beta", "alpha"] {
        if let Some((release, n)) = v.split_once(pre) {
            let release = if release.matches('.').count() == 1 {
                format!("{release}.0")
            } else {
                release.to_owned()
            };
            return Some(format!("{release}-{pre}.{n}"));
        }
    }
    Some(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the Go 1.18+ linker writes it, at `offset` in a stream of zeros.
    pub(crate) fn record(version: &str, modinfo: &str, offset: usize) -> Vec<u8> {
        let mut out = vec![0u8; offset];
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[8, FLAG_INLINE]);
        out.resize(offset + HEADER, 0);
        for s in [version.as_bytes(), modinfo.as_bytes()] {
            let mut n = s.len() as u64;
            loop {
                let b = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(b);
                    break;
                }
                out.push(b | 0x80);
            }
            out.extend_from_slice(s);
        }
        out.extend_from_slice(&[0; 64]);
        out
    }

    #[test]
    fn finds_aligned_records_across_chunks() {
        let m = "path\tx\nmod\tx\t(devel)\t\n";
        for offset in [0, 16, CHUNK - 16, CHUNK, 3 * CHUNK + 48] {
            let data = record("go1.21.5", m, offset);
            let got = scan(&mut &data[..]).unwrap();
            assert_eq!(
                got,
                Scan::Found(RawBuildInfo {
                    go_version: "go1.21.5".into(),
                    modinfo: m.into()
                }),
                "offset {offset}"
            );
        }
        // Unaligned: ignored.
        assert_eq!(
            scan(&mut &record("go1.21.5", m, 8)[..]).unwrap(),
            Scan::NotFound
        );
    }

    #[test]
    fn skips_bad_candidates() {
        // A string constant copy of the magic, then the real record.
        let mut data = record("go1.21.5", "", 0);
        data[14] = 3; // bad pointer size: not a candidate
        let mut real = record("go1.22.0", "path\ta\n", 0);
        data.resize(4096, 0);
        data.append(&mut real);
        match scan(&mut &data[..]).unwrap() {
            Scan::Found(i) => assert_eq!(i.go_version, "go1.22.0"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_lengths() {
        // Varint overflow.
        let mut data = MAGIC.to_vec();
        data.extend_from_slice(&[8, FLAG_INLINE]);
        data.resize(HEADER, 0);
        data.extend_from_slice(&[0xff; 11]);
        assert_eq!(
            scan(&mut &data[..]).unwrap(),
            Scan::Corrupt("Go version: build info length overflows 64 bits".into())
        );
        // Huge but well-formed length.
        let mut data = MAGIC.to_vec();
        data.extend_from_slice(&[8, FLAG_INLINE]);
        data.resize(HEADER, 0);
        data.extend_from_slice(&[8, b'g', b'o', b'1', b'.', b'2', b'1', b'.', b'0']);
        data.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        let Scan::Corrupt(e) = scan(&mut &data[..]).unwrap() else {
            panic!()
        };
        assert!(e.contains("over the 4194304-byte limit"), "{e}");
        // Length past the end of the stream.
        let mut data = record("go1.21.5", "x", 0);
        data.truncate(HEADER + 3);
        assert_eq!(
            scan(&mut &data[..]).unwrap(),
            Scan::Corrupt("Go version runs past the end of the file".into())
        );
        // Truncated header.
        let data = MAGIC.to_vec();
        assert_eq!(
            scan(&mut &data[..]).unwrap(),
            Scan::Corrupt("build info header is truncated".into())
        );
        // Legacy pointer format.
        let mut data = vec![0u8; 32];
        data.extend_from_slice(MAGIC);
        data.extend_from_slice(&[8, 0]);
        data.resize(128, 0);
        assert_eq!(scan(&mut &data[..]).unwrap(), Scan::Legacy { offset: 32 });
        // Binary garbage in the version.
        let data = record("go\u{1}", "", 0);
        assert!(matches!(scan(&mut &data[..]).unwrap(), Scan::Corrupt(_)));
    }

    #[test]
    fn sentinels_are_stripped() {
        let mut m = vec![0xaa; 16];
        m.extend_from_slice(b"path\tx\n");
        m.extend_from_slice(&[0xbb; 16]);
        assert_eq!(strip_sentinels(&m), b"path\tx\n");
        assert_eq!(strip_sentinels(b"path\tx\n"), b"path\tx\n");
    }

    #[test]
    fn modinfo() {
        let text = "path\tgithub.com/a/cmd/x\nmod\tgithub.com/a\t(devel)\t\ndep\tgithub.com/b\tv1.0.0\th1:abc=\n=>\tgithub.com/c\tv1.0.1\th1:def=\ndep\tgolang.org/x/sys\tv0.1.0\t\n=>\t../sys\t\t\nbuild\t-compiler=gc\nbuild\tvcs.revision=abc\nbuild\t-ldflags=\"-s -w\"\nfuture\tline\n";
        let m = ModInfo::parse(text);
        assert_eq!(m.path, "github.com/a/cmd/x");
        assert_eq!(m.main.as_ref().unwrap().version, "(devel)");
        assert_eq!(m.deps.len(), 2);
        let r = m.deps[0].replace.as_ref().unwrap();
        assert_eq!(
            (r.path.as_str(), r.version.as_str()),
            ("github.com/c", "v1.0.1")
        );
        assert_eq!(m.deps[1].replace.as_ref().unwrap().version, "");
        assert_eq!(m.setting("vcs.revision"), Some("abc"));
        assert_eq!(m.setting("-ldflags"), Some("\"-s -w\""));
        assert!(m.problems.is_empty());
        let bad = ModInfo::parse("=>\ta\tv1\ndep\t\tv1\ndep\tb\tv1\n=>\tc\tv2\n=>\td\tv3\n");
        assert_eq!(bad.problems.len(), 3, "{:?}", bad.problems);
    }

    #[test]
    fn stdlib_versions() {
        assert_eq!(stdlib_version("go1.21.5").as_deref(), Some("1.21.5"));
        assert_eq!(stdlib_version("go1.20").as_deref(), Some("1.20"));
        assert_eq!(
            stdlib_version("go1.21.5 X:boringcrypto").as_deref(),
            Some("1.21.5")
        );
        assert_eq!(stdlib_version("go1.22rc1").as_deref(), Some("1.22.0-rc.1"));
        assert_eq!(
            stdlib_version("go1.18beta2").as_deref(),
            Some("1.18.0-beta.2")
        );
        assert_eq!(stdlib_version("devel go1.23-abc Tue"), None);
        assert_eq!(stdlib_version("gox"), None);
    }
}
