//! JAR manifests (`META-INF/MANIFEST.MF`).
//!
//! The format (JAR File Specification, "JAR Manifest"): `Name: value` headers, one per line,
//! lines ending in CRLF, LF or CR. A line may hold at most 72 bytes, so longer values are
//! wrapped: a line that starts with a single space continues the previous header's value
//! (the space is dropped, nothing else is: a wrap can split a word, `com.googl` + `e.common`).
//! The first block of headers is the *main section*; a blank line ends it, and each later
//! block is a per-entry section that starts with `Name: path`.
//!
//! Only the main section identifies the archive (`Implementation-*`, `Bundle-*`,
//! `Specification-*`), so that is all this reader keeps. Decisions:
//! - Like `java.util.jar.Manifest`, the main section ends at the first blank line only: a
//!   stray `Name:` inside it stays an ordinary attribute (claircore starts a new section
//!   there; the lookups below take the *first* occurrence of a header, so both readings give
//!   the same answer for the attributes that precede it).
//! - Blank lines before any header are skipped.
//! - A line that is neither a header (`Name:` with a name of `[A-Za-z0-9_-]`) nor a
//!   continuation is skipped and counted; the caller reports the count as a diagnostic.
//!   Invalid UTF-8 is decoded lossily.
//! - Header names compare ASCII-case-insensitively, as the specification says.
//! - Size: the caller reads at most [`MANIFEST_LIMIT`] bytes; the parser itself is linear.

/// The largest manifest read. Real main sections are small, but `OSGi` bundles list every
/// exported package (`Export-Package`) and the per-entry sections of signed jars list a digest
/// for every class: a few hundred KiB at worst. 4 MiB leaves ample room.
pub const MANIFEST_LIMIT: u64 = 4 * 1024 * 1024;

/// The main section of a manifest.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The main-section headers, in file order, continuation lines joined.
    pub main: Vec<(String, String)>,
    /// How many lines were neither a header nor a continuation.
    pub bad_lines: usize,
    /// The 1-based number of the first such line.
    pub first_bad_line: Option<usize>,
}

impl Manifest {
    /// The first value of header `name` (ASCII-case-insensitive), trimmed; `None` when
    /// absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.main
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits on CRLF, LF or lone CR.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        if let Some(i) = s.find(['\r', '\n']) {
            let skip = if s[i..].starts_with("\r\n") { 2 } else { 1 };
            rest = Some(&s[i + skip..]);
            Some(&s[..i])
        } else {
            rest = None;
            if s.is_empty() { None } else { Some(s) }
        }
    })
}

/// Reads the main section of a manifest. Never fails: unusable lines are counted.
pub fn parse_manifest(bytes: &[u8]) -> Manifest {
    let text = String::from_utf8_lossy(bytes);
    let mut m = Manifest::default();
    for (idx, line) in lines(&text).enumerate() {
        if line.is_empty() {
            if m.main.is_empty() {
                continue;
            }
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = m.main.last_mut() {
                v.push_str(cont);
                continue;
            }
        } else if let Some((name, value)) = line.split_once(':')
            && is_header_name(name)
        {
            let value = value.strip_prefix(' ').unwrap_or(value);
            m.main.push((name.to_owned(), value.to_owned()));
            continue;
        }
        m.bad_lines += 1;
        m.first_bad_line.get_or_insert(idx + 1);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_join_without_the_space() {
        let m = parse_manifest(
            b"Manifest-Version: 1.0\r\nExport-Package: com.googl\r\n e.common;version=\"27\"\r\nX: y\r\n\r\nName: a\r\nX: z\r\n",
        );
        assert_eq!(
            m.get("export-package"),
            Some("com.google.common;version=\"27\"")
        );
        assert_eq!(m.get("X"), Some("y"));
        assert_eq!(m.bad_lines, 0);
    }

    #[test]
    fn garbage_is_counted_not_fatal() {
        let m = parse_manifest(b"\x00\xff\xfe garbage\nno colon here\nA: b\n");
        // The first line starts with NUL, not a space: a bad line; so is the second.
        assert_eq!(m.bad_lines, 2);
        assert_eq!(m.first_bad_line, Some(1));
        assert_eq!(m.get("a"), Some("b"));
    }

    #[test]
    fn lone_cr_line_endings() {
        let m = parse_manifest(b"A: 1\rB: 2\r\rC: 3\r");
        assert_eq!(m.main.len(), 2);
        assert_eq!(m.get("B"), Some("2"));
        assert_eq!(m.get("C"), None);
    }
}
