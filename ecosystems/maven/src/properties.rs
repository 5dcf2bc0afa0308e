//! Java `.properties` files, as Maven writes `META-INF/maven/GROUP/ARTIFACT/pom.properties`.
//!
//! Maven writes three keys (`groupId`, `artifactId`, `version`) plus a comment, but the file
//! is read with `java.util.Properties` semantics because other tools (the Felix bundle
//! plugin, Gradle plugins, hand edits) write it too:
//! - comment lines start (after blanks) with `#` or `!`;
//! - a line ending in an odd number of backslashes continues on the next line, whose leading
//!   blanks are dropped;
//! - the key ends at the first unescaped `=`, `:` or blank; then blanks, at most one `=` or
//!   `:`, and blanks are skipped; the rest of the line is the value (so
//!   `artifactId: a=b` is key `artifactId`, value `a=b`);
//! - escapes `\t \n \r \f \uXXXX` and `\X` for any other `X`;
//! - a later duplicate key overrides an earlier one.
//!
//! Input is decoded as UTF-8 (lossily), which is what Maven writes; ISO-8859-1 files differ
//! only outside ASCII, and coordinates are ASCII. The caller limits the size to
//! [`PROPERTIES_LIMIT`]; parsing is linear.

/// The largest `pom.properties` read: real ones are about 100 bytes.
pub const PROPERTIES_LIMIT: u64 = 64 * 1024;

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == 4 => out.push(ch),
                    _ => out.push(char::REPLACEMENT_CHARACTER),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// Splits one logical line into its raw (still escaped) key and value.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || is_blank(c) {
            key_end = i;
            break;
        }
    }
    let key = &line[..key_end];
    let mut rest = line[key_end..].trim_start_matches(is_blank);
    if let Some(r) = rest.strip_prefix(['=', ':']) {
        rest = r.trim_start_matches(is_blank);
    }
    (key, rest)
}

/// Reads a properties file into key/value pairs, later duplicates replacing earlier ones.
pub fn parse_properties(bytes: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut logical = String::new();
    let mut continuing = false;
    for raw in text.split(['\n', '\r']) {
        let line = raw.trim_start_matches(is_blank);
        if !continuing {
            if line.is_empty() || line.starts_with(['#', '!']) {
                continue;
            }
            logical.clear();
        }
        if ends_with_odd_backslashes(line) {
            logical.push_str(&line[..line.len() - 1]);
            continuing = true;
            continue;
        }
        logical.push_str(line);
        continuing = false;
        let (k, v) = split_key_value(&logical);
        let (k, v) = (unescape(k), unescape(v));
        if let Some(slot) = out.iter_mut().find(|(ek, _)| *ek == k) {
            slot.1 = v;
        } else {
            out.push((k, v));
        }
    }
    if continuing {
        let (k, v) = split_key_value(&logical);
        out.push((unescape(k), unescape(v)));
    }
    out
}

/// The value of `key` in parsed properties, trimmed; `None` when absent or blank.
pub fn get<'a>(props: &'a [(String, String)], key: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_escapes_and_continuations() {
        let p = parse_properties(
            b"# c\n! c\ngroupId:org.x\nartifactId = a=b\nversion \\\n   1.0\nk\\:ey=v\\u0041\\\\\n",
        );
        assert_eq!(get(&p, "groupId"), Some("org.x"));
        assert_eq!(get(&p, "artifactId"), Some("a=b"));
        assert_eq!(get(&p, "version"), Some("1.0"));
        assert_eq!(get(&p, "k:ey"), Some("vA\\"));
    }

    #[test]
    fn later_duplicates_win_and_bad_escapes_do_not_panic() {
        let p = parse_properties(b"version=1\nversion=2\nx=\\u12\ny=\\");
        assert_eq!(get(&p, "version"), Some("2"));
        assert_eq!(get(&p, "x"), Some("\u{fffd}"));
        assert_eq!(get(&p, "y"), None);
    }
}
