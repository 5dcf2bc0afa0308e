//! Index locations: a location whose body only *names* the locations to read.
//!
//! Some upstreams publish in two steps. Red Hat publishes its whole VEX corpus as one archive
//! with a dated name and says which one is current in a one-line text file; Amazon publishes
//! one HTML page per ALAS advisory and lists the pages only in per-release RSS feeds. A
//! location written with a prefix says how to read such an index:
//!
//! | written as        | the index is                | the locations it names                         |
//! |-------------------|-----------------------------|------------------------------------------------|
//! | `latest:LOCATION` | a text file                 | its first non-empty line                       |
//! | `rss:LOCATION`    | an RSS 2.0 document         | the `<link>` of every `<item>` of its `<channel>`, in document order, duplicates once |
//!
//! `LOCATION` is anything a plain location may be: an `http(s)://` URL, a `file://` URL or a
//! path (`rss:/srv/mirror/alas/AL2/alas.rss`, for tests and air-gapped mirrors). The index is
//! one file (a directory or an archive of several files is refused); it may be compressed.
//! Each named location is then read exactly like a plain location: decompressed by its magic
//! bytes and, when it is an archive, expanded into its members (Red Hat's `.tar.zst`). Inputs
//! are named by the named location (`https://…/AL2/ALAS-2018-939.html`,
//! `https://…/csaf_vex_2025-01-05.tar.zst!2024/cve-2024-0001.json`); a named location that
//! fails is reported as `LOCATION (named by rss:INDEX)`.
//!
//! # What an index may name
//!
//! A remote index is untrusted input, so:
//!
//! * An `http(s)://` index may name only `http://` and `https://` URLs, relative references
//!   resolved against the index's own URL (RFC 3986: `csaf_vex_2025-01-05.tar.zst` next to
//!   `…/vex/archive_latest.txt` is `…/vex/csaf_vex_2025-01-05.tar.zst`). Never a path or a
//!   `file://` URL: a document from the network must not make customs read local files.
//! * Those URLs must be on the index's host and port (a scheme's default port counts as no
//!   port, so `http://host/` may name `https://host/…`), and never downgrade an `https` index
//!   to `http`. When the index was read from a mirror, the upstream's host is allowed too.
//!   The prefixes `latest+anyhost:` and `rss+anyhost:` lift the host rule (not the scheme
//!   rule, nor the downgrade rule) for an upstream that serves its files from another host.
//!   A URL with user information (`https://user:password@host/`) is refused.
//! * A local index (a path or `file://`) is the user's own file: it may name paths (relative
//!   ones resolved against the index's directory), `file://` URLs, and `http(s)://` URLs on any
//!   host.
//! * The index body is read whole, at most [`FetchOptions::max_index_bytes`] (16 MiB by
//!   default, after decompression; also the download limit); it may name at most
//!   [`FetchOptions::max_index_links`] locations (100,000); each name is at most
//!   [`MAX_LINK_BYTES`] and has no whitespace or control characters.
//! * An RSS index must be well-formed XML whose root element is `<rss>` with a `<channel>`; a
//!   DOCTYPE with an internal subset and undeclared entities are refused (nothing is ever
//!   expanded). An index that names nothing (no item with a link, an empty `latest:` file) is
//!   an error, not an empty feed: an update replaces a feed's records as a whole, and an
//!   emptied index must not silently remove them.
//! * An index cannot name another index (`rss:` inside an RSS feed is just an unsupported
//!   scheme).
//!
//! # Updates
//!
//! [`crate::fetch`] fetches the index with the location's stored validators (`ETag`,
//! `Last-Modified`, raw-byte digest). When it is unchanged (`304`, or the same bytes) the
//! whole location is unchanged and none of the named locations is requested: upstreams that
//! publish an index name immutable files (Red Hat's archive carries its date in its name; an
//! updated ALAS advisory changes its RSS item). When the index changed, every named location
//! is read again with the rules of a plain location (retries, per-request timeout, the
//! parser's checksum, mirrors), [`LINK_WORKERS`] at a time over shared keep-alive
//! connections, and spooled to a temporary directory before anything is parsed; the first
//! failure fails the location. The store keeps the index's validators; with
//! [`FetchOptions::link_cache`] (which `customs db update` sets to `CACHE/feeds`) each named
//! location's last copy and validators are kept too, so it is requested conditionally and
//! a `304` reuses the copy (the `link_cache` module): a new ALAS advisory costs one page
//! download and a `304` per other page, not every page again.
//! [`crate::open_location`] (used where nothing is stored) reads the index and then opens
//! each named location as iteration reaches it, without spooling.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use quick_xml::events::Event;
use ureq::http::Uri;

use crate::fetch::{
    Body, ChecksumSpec, Fetched, Source, TOO_LARGE, Validators, agent, fetch_with, file_name,
    is_url, mirror_location,
};
use crate::link_cache::LinkCache;
use crate::location::{Deferred, FetchOptions, Inputs, LocationError, open_plain_location};

/// The longest location an index may name.
pub const MAX_LINK_BYTES: usize = 4096;
/// How many named locations are downloaded at once: enough to hide request latency (ALAS
/// pages are small and many), few enough to be polite to the upstream.
pub const LINK_WORKERS: usize = 4;
/// The deepest element nesting an RSS index may have (real feeds nest 4 deep).
const MAX_DEPTH: usize = 64;

/// How an index is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexFormat {
    /// `latest:`: the first non-empty line names one location.
    Latest,
    /// `rss:`: every RSS 2.0 item's `<link>` names a location.
    Rss,
}

/// A location written as an index (`latest:…`, `rss:…`, `…+anyhost:…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexLocation {
    pub format: IndexFormat,
    /// Written with `+anyhost`: named URLs may be on another host than the index.
    pub any_host: bool,
    /// Where the index is: a URL or a path.
    pub index: String,
}

impl IndexLocation {
    /// The index a location names, if it is written with an index prefix.
    #[must_use]
    pub fn parse(location: &str) -> Option<IndexLocation> {
        let (prefix, index) = location.split_once(':')?;
        let (format, any_host) = match prefix {
            "latest" => (IndexFormat::Latest, false),
            "latest+anyhost" => (IndexFormat::Latest, true),
            "rss" => (IndexFormat::Rss, false),
            "rss+anyhost" => (IndexFormat::Rss, true),
            _ => return None,
        };
        Some(IndexLocation {
            format,
            any_host,
            index: index.to_owned(),
        })
    }

    fn prefix(&self) -> &'static str {
        match (self.format, self.any_host) {
            (IndexFormat::Latest, false) => "latest:",
            (IndexFormat::Latest, true) => "latest+anyhost:",
            (IndexFormat::Rss, false) => "rss:",
            (IndexFormat::Rss, true) => "rss+anyhost:",
        }
    }
}

fn index_error(label: &str, message: impl Into<String>) -> LocationError {
    LocationError::Index {
        location: label.to_owned(),
        message: message.into(),
    }
}

/// At most `max` characters of `s`, for messages.
fn shown(s: &str) -> String {
    const MAX: usize = 200;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn check_name(name: &str) -> Result<(), String> {
    if name.len() > MAX_LINK_BYTES {
        return Err(format!("longer than {MAX_LINK_BYTES} bytes"));
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("contains the character {c:?}"));
    }
    Ok(())
}

/// The location a `latest:` index names: its first non-empty line, trimmed.
pub fn latest_name(body: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or("the file is empty: it names no location")?;
    check_name(line).map_err(|m| format!("its first line {:?} {m}", shown(line)))?;
    Ok(line.to_owned())
}

/// The `<link>` of every `<item>` of an RSS 2.0 document's `<channel>`, trimmed, in document
/// order (items without a link are skipped; an item's first link counts). At most
/// `max_links` of them; every one at most [`MAX_LINK_BYTES`] and free of whitespace and
/// control characters. Links are returned as written: see [`resolve_link`].
pub fn rss_links(body: &[u8], max_links: u64) -> Result<Vec<String>, String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    // Element names (qualified: `atom:link` is not `link`) from the root down.
    let mut stack: Vec<String> = Vec::new();
    let mut links = Vec::new();
    let mut saw_root = false;
    let mut saw_channel = false;
    let mut items = 0u64;
    // The current item's first link, once read; the text of the `<link>` being read.
    let mut item_link: Option<String> = None;
    let mut text: Option<String> = None;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        let pos = reader.buffer_position();
        let (start, end) = match &event {
            Event::Start(e) => (Some(e.name().as_ref().to_owned()), false),
            Event::Empty(e) => (Some(e.name().as_ref().to_owned()), true),
            Event::End(_) => (None, true),
            Event::Text(t) => {
                if let Some(s) = text.as_mut() {
                    push_text(s, &t.xml10_content(), items)?;
                } else if stack.is_empty() && !t.trim_ascii().is_empty() {
                    return Err(format!("text outside the root element at byte {pos}"));
                }
                continue;
            }
            Event::CData(t) => {
                if let Some(s) = text.as_mut() {
                    push_text(s, &t.xml10_content(), items)?;
                }
                continue;
            }
            Event::GeneralRef(g) => {
                let char_ref = g
                    .resolve_char_ref()
                    .map_err(|e| format!("bad character reference at byte {pos}: {e}"))?;
                let mut utf8 = [0u8; 4];
                let resolved: &str = if let Some(c) = char_ref {
                    c.encode_utf8(&mut utf8)
                } else if let Some(s) = quick_xml::escape::resolve_xml_entity(g) {
                    s
                } else {
                    return Err(format!(
                        "undefined entity &{}; at byte {pos}: entities are never expanded",
                        shown(g)
                    ));
                };
                if let Some(s) = text.as_mut() {
                    push_text(s, resolved, items)?;
                }
                continue;
            }
            Event::DocType(d) => {
                if d.contains('[') {
                    return Err(
                        "a DOCTYPE with an internal subset (entity declarations) is refused".into(),
                    );
                }
                continue;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => continue,
            Event::Eof => break,
        };
        if let Some(name) = start {
            if stack.is_empty() {
                if saw_root {
                    return Err(format!("a second root element at byte {pos}"));
                }
                saw_root = true;
                if name != "rss" {
                    return Err(format!(
                        "the root element is <{}>, not <rss>: not an RSS 2.0 document",
                        shown(&name)
                    ));
                }
            }
            if stack.len() >= MAX_DEPTH {
                return Err(format!(
                    "elements nested more than {MAX_DEPTH} deep at byte {pos}"
                ));
            }
            let parent = stack.last().map(String::as_str);
            match (stack.len(), parent, name.as_str()) {
                (1, Some("rss"), "channel") => saw_channel = true,
                (2, Some("channel"), "item") => {
                    items += 1;
                    item_link = None;
                }
                (3, Some("item"), "link") if item_link.is_none() => {
                    text = Some(String::new());
                }
                _ => {}
            }
            stack.push(name);
        }
        if end {
            let Some(name) = stack.pop() else {
                return Err(format!("an end tag without a start tag at byte {pos}"));
            };
            match (stack.len(), name.as_str()) {
                (3, "link") => {
                    if let Some(t) = text.take() {
                        item_link = Some(t.trim().to_owned());
                    }
                }
                (2, "item") => {
                    if let Some(link) = item_link.take().filter(|l| !l.is_empty()) {
                        check_name(&link).map_err(|m| {
                            format!("item {items}: its <link> {:?} {m}", shown(&link))
                        })?;
                        if links.len() as u64 >= max_links {
                            return Err(format!(
                                "more than {max_links} item links (the limit of one index)"
                            ));
                        }
                        links.push(link);
                    }
                }
                _ => {}
            }
        }
    }
    if !saw_root {
        return Err("no root element: an empty document".into());
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "the document ends inside <{}>: truncated?",
            shown(open)
        ));
    }
    if !saw_channel {
        return Err("<rss> has no <channel>".into());
    }
    Ok(links)
}

fn push_text(s: &mut String, more: &str, item: u64) -> Result<(), String> {
    if s.len() + more.len() > MAX_LINK_BYTES {
        return Err(format!(
            "item {item}: its <link> is longer than {MAX_LINK_BYTES} bytes"
        ));
    }
    s.push_str(more);
    Ok(())
}

/// The scheme of `s` (`http` in `http://…`), if it starts with one (RFC 3986: a letter, then
/// letters, digits, `+`, `-`, `.`, then `:`).
fn scheme_of(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some(scheme)
}

/// RFC 3986 §5.2.4, for a path that starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    let mut trailing_slash = false;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => trailing_slash = last,
            ".." => {
                out.pop();
                trailing_slash = last;
            }
            s => out.push(s),
        }
    }
    let mut joined = format!("/{}", out.join("/"));
    if trailing_slash && !joined.ends_with('/') {
        joined.push('/');
    }
    joined
}

/// Resolves `reference` (no scheme, no fragment) against the `http(s)` URL `base`
/// (RFC 3986 §5.2.2).
fn join_url(base: &str, reference: &str) -> Result<String, String> {
    let (scheme, rest) = base
        .split_once("://")
        .ok_or_else(|| format!("the index URL {} has no scheme", shown(base)))?;
    let rest = rest.split('#').next().unwrap_or("");
    let (before_query, base_query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, base_path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    if let Some(network_path) = reference.strip_prefix("//") {
        return Ok(format!("{scheme}://{network_path}"));
    }
    let (ref_path, ref_query) = match reference.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (reference, None),
    };
    let (path, query) = if ref_path.is_empty() {
        (base_path.to_owned(), ref_query.or(base_query))
    } else if ref_path.starts_with('/') {
        (remove_dot_segments(ref_path), ref_query)
    } else {
        let dir = base_path.rfind('/').map_or("/", |i| &base_path[..=i]);
        (remove_dot_segments(&format!("{dir}{ref_path}")), ref_query)
    };
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        path
    };
    Ok(match query {
        Some(q) => format!("{scheme}://{authority}{path}?{q}"),
        None => format!("{scheme}://{authority}{path}"),
    })
}

/// The host (lower case) and the port unless it is the scheme's default.
fn host_port(uri: &Uri) -> Option<(String, Option<u16>)> {
    let host = uri.host()?.to_ascii_lowercase();
    let default = match uri.scheme_str()? {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    Some((host, uri.port_u16().filter(|p| *p != default)))
}

fn show_host((host, port): &(String, Option<u16>)) -> String {
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    }
}

/// Resolves a location an index at `base` names (see the module docs for the rules).
/// `any_host` lifts the same-host rule. Returns a URL, or a path for a local index.
pub fn resolve_link(base: &str, link: &str, any_host: bool) -> Result<String, String> {
    resolve(base, &[base], link, any_host)
}

/// [`resolve_link`], with named URLs allowed on the host of any of `allowed` (the index's
/// upstream and the mirror it was read from).
fn resolve(base: &str, allowed: &[&str], link: &str, any_host: bool) -> Result<String, String> {
    let link = link.split('#').next().unwrap_or("");
    if link.is_empty() {
        return Err("an empty location".into());
    }
    check_name(link)?;
    let base_is_url = is_url(base);
    let scheme = scheme_of(link).map(str::to_ascii_lowercase);
    if !base_is_url {
        let dir = Path::new(base.strip_prefix("file://").unwrap_or(base))
            .parent()
            .unwrap_or(Path::new(""));
        return match scheme.as_deref() {
            Some(scheme @ ("http" | "https")) => {
                let url = format!("{scheme}{}", &link[scheme.len()..]);
                let uri: Uri = url.parse().map_err(|e| format!("not a valid URL: {e}"))?;
                host_port(&uri).ok_or("a URL without a host")?;
                Ok(url)
            }
            Some("file") => match link.get("file://".len()..) {
                Some(p)
                    if link[..5].eq_ignore_ascii_case("file:") && link[5..].starts_with("///") =>
                {
                    Ok(p.to_owned())
                }
                _ => Err("a file: URL must be written file:///PATH".into()),
            },
            Some(other) => Err(format!(
                "a {other}: location (an index may name paths, file:// and http(s):// URLs)"
            )),
            None if link.starts_with('/') => Ok(link.to_owned()),
            None => Ok(dir.join(link).to_string_lossy().into_owned()),
        };
    }
    let target = match scheme.as_deref() {
        Some(scheme @ ("http" | "https")) => format!("{scheme}{}", &link[scheme.len()..]),
        Some(other) => {
            return Err(format!(
                "a {other}: location: an index on the web may name only http:// and https:// URLs"
            ));
        }
        None => join_url(base, link)?,
    };
    let uri: Uri = target
        .parse()
        .map_err(|e| format!("not a valid URL ({}): {e}", shown(&target)))?;
    let target_host = host_port(&uri).ok_or("a URL without a host")?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(format!(
            "{}: a URL with user information (credentials) is refused",
            shown(&target)
        ));
    }
    let base_uri: Uri = base
        .parse()
        .map_err(|e| format!("the index URL is not valid: {e}"))?;
    if base_uri.scheme_str() == Some("https") && uri.scheme_str() == Some("http") {
        return Err(format!(
            "{}: an https index may not name an http URL",
            shown(&target)
        ));
    }
    if !any_host {
        let mut hosts: Vec<(String, Option<u16>)> = Vec::with_capacity(allowed.len());
        for host in allowed
            .iter()
            .filter_map(|a| a.parse::<Uri>().ok().and_then(|u| host_port(&u)))
        {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        if !hosts.contains(&target_host) {
            let index_hosts: Vec<String> = hosts.iter().map(show_host).collect();
            return Err(format!(
                "{} is on another host ({}) than the index ({})",
                shown(&target),
                show_host(&target_host),
                index_hosts.join(", ")
            ));
        }
    }
    Ok(target)
}

/// Reads the one file of an index, at most `max` bytes.
fn read_index(label: &str, mut inputs: Inputs, max: u64) -> Result<Vec<u8>, LocationError> {
    let Some(first) = inputs.next() else {
        return Err(index_error(
            label,
            "holds no file (an empty directory or archive): an index is one file",
        ));
    };
    let mut body = Vec::new();
    let mut reader = first.reader.take(max.saturating_add(1));
    reader
        .read_to_end(&mut body)
        .map_err(|e| index_error(label, format!("reading it failed: {e}")))?;
    if body.len() as u64 > max {
        return Err(index_error(
            label,
            format!("larger than the limit of {max} bytes for an index"),
        ));
    }
    if inputs.next().is_some() {
        return Err(index_error(
            label,
            "holds several files (a directory or an archive): an index is one file",
        ));
    }
    Ok(body)
}

/// The locations an index body names, resolved against `base`, each once.
fn named_locations(
    index: &IndexLocation,
    label: &str,
    body: &[u8],
    base: &str,
    allowed: &[&str],
    opts: &FetchOptions,
) -> Result<Vec<String>, LocationError> {
    let raw = match index.format {
        IndexFormat::Latest => vec![latest_name(body).map_err(|m| index_error(label, m))?],
        IndexFormat::Rss => rss_links(body, opts.max_index_links)
            .map_err(|m| index_error(label, format!("not a usable RSS 2.0 index: {m}")))?,
    };
    if raw.is_empty() {
        return Err(index_error(
            label,
            "names no location (no <item> has a <link>); an index that names nothing is refused \
             rather than emptying the feed",
        ));
    }
    let mut seen = HashSet::with_capacity(raw.len());
    let mut out = Vec::with_capacity(raw.len());
    for (i, link) in raw.iter().enumerate() {
        let resolved = resolve(base, allowed, link, index.any_host).map_err(|m| {
            let what = match index.format {
                IndexFormat::Latest => "the location it names".to_owned(),
                IndexFormat::Rss => format!("item link #{}", i + 1),
            };
            let hint = if m.contains("another host") {
                format!(
                    " (write {}+anyhost: to allow other hosts)",
                    index.prefix().trim_end_matches(':')
                )
            } else {
                String::new()
            };
            index_error(label, format!("{what} {:?}: {m}{hint}", shown(link)))
        })?;
        if seen.insert(resolved.clone()) {
            out.push(resolved);
        }
    }
    Ok(out)
}

fn reject_nested(index: &IndexLocation, label: &str) -> Result<(), LocationError> {
    if IndexLocation::parse(&index.index).is_some() {
        return Err(index_error(label, "an index of an index is not supported"));
    }
    if index.index.is_empty() {
        return Err(index_error(label, "no index location after the prefix"));
    }
    Ok(())
}

/// The options for reading the index itself: its own size limit.
fn index_opts(opts: &FetchOptions) -> FetchOptions {
    FetchOptions {
        max_bytes: opts.max_index_bytes,
        ..opts.clone()
    }
}

/// A read error of the index itself (its size limit, a corrupt compression) as an index
/// problem; other errors (not found, HTTP) keep their kind.
fn reading(e: LocationError, label: &str) -> LocationError {
    match e {
        LocationError::Io { source, .. } => {
            index_error(label, format!("reading it failed: {source}"))
        }
        other => other,
    }
}

/// Renames the location in `e` to say which index named it.
fn named_by(e: LocationError, label: &str) -> LocationError {
    let wrap = |l: String| format!("{l} (named by {label})");
    match e {
        LocationError::NotFound { location } => LocationError::NotFound {
            location: wrap(location),
        },
        LocationError::Io { location, source } => LocationError::Io {
            location: wrap(location),
            source,
        },
        LocationError::Http { location, message } => LocationError::Http {
            location: wrap(location),
            message,
        },
        LocationError::Unsupported { location } => LocationError::Unsupported {
            location: wrap(location),
        },
        LocationError::Checksum { location, message } => LocationError::Checksum {
            location: wrap(location),
            message,
        },
        LocationError::Index { location, message } => LocationError::Index {
            location: wrap(location),
            message,
        },
    }
}

/// [`crate::open_location`] for an index location: reads the index now, opens each named
/// location when iteration reaches it.
pub(crate) fn open_index(
    index: &IndexLocation,
    label: &str,
    opts: &FetchOptions,
) -> Result<Inputs, LocationError> {
    reject_nested(index, label)?;
    let body = read_index(
        label,
        open_plain_location(&index.index, &index_opts(opts)).map_err(|e| reading(e, label))?,
        opts.max_index_bytes,
    )?;
    let links = named_locations(index, label, &body, &index.index, &[&index.index], opts)?;
    tracing::debug!(location = %label, named = links.len(), "index read");
    let deferred = links
        .into_iter()
        .map(|link| {
            let label = label.to_owned();
            Deferred {
                location: format!("{link} (named by {label})"),
                open: Box::new(move |opts: &FetchOptions| {
                    open_plain_location(&link, opts).map_err(|e| named_by(e, &label))
                }),
            }
        })
        .collect();
    Ok(Inputs::chain(opts, deferred))
}

/// [`crate::fetch`] for an index location (see the module docs, "Updates").
pub(crate) fn fetch_index(
    index: &IndexLocation,
    label: &str,
    mirrors: &[String],
    previous: Option<&Validators>,
    checksum: &dyn Fn(&str) -> Option<ChecksumSpec>,
    opts: &FetchOptions,
) -> Result<Fetched, LocationError> {
    reject_nested(index, label)?;
    let mut http = if is_url(&index.index) || mirrors.iter().any(|m| is_url(m)) {
        Some(agent(opts)?)
    } else {
        None
    };
    let fetched = fetch_with(
        http.as_ref(),
        &index.index,
        mirrors,
        previous,
        checksum,
        &index_opts(opts),
        None,
    )
    .map_err(|e| match e {
        // The download is capped at the index limit: say so as an index problem.
        LocationError::Http { location, message } if message.starts_with(TOO_LARGE) => index_error(
            label,
            format!(
                "{location} is larger than the limit of {} bytes for an index",
                opts.max_index_bytes
            ),
        ),
        other => other,
    })?;
    let Fetched::Ready(index_source) = fetched else {
        return Ok(Fetched::NotModified);
    };
    // The same bytes as last time (a server that ignores If-None-Match, or sends none).
    if let Some(before) = previous.and_then(|p| p.digest.as_deref())
        && index_source.validators.digest.as_deref() == Some(before)
    {
        return Ok(Fetched::NotModified);
    }
    let body = read_index(
        label,
        index_source
            .inputs(&index_opts(opts))
            .map_err(|e| reading(e, label))?,
        opts.max_index_bytes,
    )?;
    let base = index_source.fetched_from.clone();
    let links = named_locations(
        index,
        label,
        &body,
        &base,
        &[base.as_str(), index.index.as_str()],
        opts,
    )?;
    tracing::info!(location = %label, named = links.len(), "index read; fetching what it names");
    if http.is_none() && links.iter().any(|l| is_url(l)) {
        http = Some(agent(opts)?);
    }
    let dir = tempfile::Builder::new()
        .prefix("customs-index-")
        .tempdir()
        .map_err(|source| LocationError::Io {
            location: label.to_owned(),
            source,
        })?;
    // The parser's checksum hook for every URL that may be fetched, looked up by the workers.
    let mut specs: HashMap<String, ChecksumSpec> = HashMap::new();
    for link in &links {
        for candidate in
            std::iter::once(link.clone()).chain(mirrors.iter().map(|m| mirror_location(link, m)))
        {
            if let Some(spec) = checksum(&candidate) {
                specs.insert(candidate, spec);
            }
        }
    }
    let lookup = |candidate: &str| specs.get(candidate).cloned();
    let cache = opts
        .link_cache
        .as_ref()
        .map(|root| LinkCache::open(root, label));
    let sources = fetch_named(
        http.as_ref(),
        &links,
        mirrors,
        &lookup,
        opts,
        dir.path(),
        cache.as_ref(),
    )
    .map_err(|e| named_by(e, label))?;
    if let Some(cache) = &cache {
        cache.prune(&links);
    }
    Ok(Fetched::Ready(Source {
        location: label.to_owned(),
        fetched_from: index_source.fetched_from,
        validators: index_source.validators,
        body: Body::Index {
            links: sources,
            dir: Arc::new(dir),
        },
    }))
}

/// Downloads every location, [`LINK_WORKERS`] at a time, each spooled to its own file in
/// `dir`: conditionally when `cache` keeps a copy (a `304` restores it), unconditionally
/// otherwise. The first failure (in `links` order) is returned; no new download starts after
/// a failure.
fn fetch_named(
    http: Option<&ureq::Agent>,
    links: &[String],
    mirrors: &[String],
    checksum: &(dyn Fn(&str) -> Option<ChecksumSpec> + Sync),
    opts: &FetchOptions,
    dir: &Path,
    cache: Option<&LinkCache>,
) -> Result<Vec<Source>, LocationError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Vec<Mutex<Option<Result<Source, LocationError>>>> =
        links.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..LINK_WORKERS.min(links.len()) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(link) = links.get(i) else { break };
                    let spool = dir.join(format!("{i:06}"));
                    let result = fetch_link(http, link, mirrors, checksum, opts, &spool, cache);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    *results[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                }
            });
        }
    });
    let mut out = Vec::with_capacity(links.len());
    for (slot, link) in results.into_iter().zip(links) {
        match slot.into_inner().unwrap_or_else(PoisonError::into_inner) {
            Some(Ok(source)) => out.push(source),
            Some(Err(e)) => return Err(e),
            // Workers take locations in order and finish what they took, so a location not
            // taken comes after the failure that stopped them.
            None => {
                return Err(LocationError::Http {
                    location: link.clone(),
                    message: "not fetched: the download of the locations stopped".into(),
                });
            }
        }
    }
    Ok(out)
}

/// One named location, spooled to `spool` (see [`fetch_named`]).
fn fetch_link(
    http: Option<&ureq::Agent>,
    link: &str,
    mirrors: &[String],
    checksum: &(dyn Fn(&str) -> Option<ChecksumSpec> + Sync),
    opts: &FetchOptions,
    spool: &Path,
    cache: Option<&LinkCache>,
) -> Result<Source, LocationError> {
    let kept = cache
        .filter(|_| is_url(link))
        .and_then(|c| c.validators(link));
    let io = |source| LocationError::Io {
        location: link.to_owned(),
        source,
    };
    match fetch_with(
        http,
        link,
        mirrors,
        kept.as_ref(),
        checksum,
        opts,
        Some(spool),
    )? {
        Fetched::Ready(s) => {
            if let Some(c) = cache.filter(|_| is_url(link))
                && let Err(e) = c.keep(link, &s.validators, spool)
            {
                tracing::warn!(location = %link, error = %e, "could not keep a copy");
            }
            Ok(s)
        }
        Fetched::NotModified => {
            if let (Some(c), Some(v)) = (cache, kept)
                && c.restore(link, &v, spool).map_err(io)?
            {
                return Ok(Source {
                    location: link.to_owned(),
                    fetched_from: link.to_owned(),
                    validators: v,
                    body: Body::SpooledAt {
                        path: spool.to_owned(),
                        name: file_name(link),
                    },
                });
            }
            // The kept copy went missing or bad since it was looked up: download it.
            match fetch_with(http, link, mirrors, None, checksum, opts, Some(spool))? {
                Fetched::Ready(s) => Ok(s),
                Fetched::NotModified => Err(LocationError::Http {
                    location: link.to_owned(),
                    message: "304 Not Modified to an unconditional request".into(),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let i = IndexLocation::parse("rss:https://a/b.rss").unwrap();
        assert_eq!(
            (i.format, i.any_host, i.index.as_str()),
            (IndexFormat::Rss, false, "https://a/b.rss")
        );
        let i = IndexLocation::parse("latest+anyhost:/srv/x.txt").unwrap();
        assert_eq!(
            (i.format, i.any_host, i.index.as_str()),
            (IndexFormat::Latest, true, "/srv/x.txt")
        );
        assert!(IndexLocation::parse("https://a/b.rss").is_none());
        assert!(IndexLocation::parse("/srv/rss/x").is_none());
        assert!(IndexLocation::parse("atom:https://a").is_none());
    }

    #[test]
    fn resolution_follows_rfc_3986() {
        let base = "https://security.access.redhat.com/data/csaf/v2/vex/archive_latest.txt";
        assert_eq!(
            resolve_link(base, "csaf_vex_2025-01-05.tar.zst", false).unwrap(),
            "https://security.access.redhat.com/data/csaf/v2/vex/csaf_vex_2025-01-05.tar.zst"
        );
        assert_eq!(
            resolve_link(base, "../../v2/./vex/x.json?a=1#frag", false).unwrap(),
            "https://security.access.redhat.com/data/csaf/v2/vex/x.json?a=1"
        );
        assert_eq!(
            resolve_link(base, "/a/../../b", false).unwrap(),
            "https://security.access.redhat.com/b"
        );
        assert_eq!(
            resolve_link(base, "//security.access.redhat.com/x", false).unwrap(),
            "https://security.access.redhat.com/x"
        );
        assert_eq!(
            resolve_link("http://h:8080", "a/b/", false).unwrap(),
            "http://h:8080/a/b/"
        );
        // The default port is no port; http may be upgraded, https never downgraded.
        assert!(resolve_link("http://h/i.rss", "https://H:443/p.html", false).is_ok());
        assert!(
            resolve_link("https://h/i.rss", "http://h/p.html", true)
                .unwrap_err()
                .contains("https index")
        );
        let other = resolve_link("http://127.0.0.1:9/i.rss", "http://127.0.0.1:10/p", false);
        assert!(other.unwrap_err().contains("another host (127.0.0.1:10)"));
        assert!(resolve_link("http://a/i.rss", "https://b/p", true).is_ok());
        // Never a local file from the web, whatever the host rule.
        for bad in [
            "file:///etc/passwd",
            "/etc/passwd",
            "ftp://a/x",
            "rss:http://a/x",
        ] {
            let e = resolve_link("http://a/i.rss", bad, true);
            if bad == "/etc/passwd" {
                // A path reference is resolved against the URL: it stays on the web.
                assert_eq!(e.unwrap(), "http://a/etc/passwd");
            } else {
                assert!(e.is_err(), "{bad}");
            }
        }
        assert!(resolve_link("http://a/i.rss", "http://a/x y", false).is_err());
        assert!(
            resolve_link("http://a/i.rss", "http://user:pw@a/x", false)
                .unwrap_err()
                .contains("user information")
        );
        // The host is what follows the user information, so this one is on b.
        assert!(
            resolve_link("http://a/i.rss", "http://a@b/x", true)
                .unwrap_err()
                .contains("user information")
        );
    }

    #[test]
    fn local_indexes_name_paths_and_urls() {
        assert_eq!(
            resolve_link("/srv/m/AL2/alas.rss", "ALAS-1.html", false).unwrap(),
            "/srv/m/AL2/ALAS-1.html"
        );
        assert_eq!(
            resolve_link("file:///srv/m/alas.rss", "file:///x/y.html", false).unwrap(),
            "/x/y.html"
        );
        assert_eq!(
            resolve_link("/srv/m/alas.rss", "https://elsewhere/y.html", false).unwrap(),
            "https://elsewhere/y.html"
        );
        assert!(resolve_link("/srv/m/alas.rss", "gopher://x/", false).is_err());
        assert!(resolve_link("/srv/m/alas.rss", "file://x/y", false).is_err());
        assert_eq!(
            resolve_link("/srv/m/alas.rss", "HTTPS://h/y", false).unwrap(),
            "https://h/y"
        );
    }

    #[test]
    fn latest_files() {
        assert_eq!(
            latest_name(b"\n  csaf_vex_2025-01-05.tar.zst \r\nignored\n").unwrap(),
            "csaf_vex_2025-01-05.tar.zst"
        );
        assert!(latest_name(b" \n\n").unwrap_err().contains("empty"));
        assert!(latest_name(b"two words\n").is_err());
        assert!(latest_name(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn rss_readers_refuse_what_is_not_rss() {
        let ok = br#"<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
            <link>https://a/</link><atom:link href="https://a/feed"/>
            <item><title>t</title><link> https://a/1.html?x=1&amp;y=2 </link><link>https://a/ignored</link></item>
            <item><title>no link</title></item>
            <item><link><![CDATA[https://a/2.html]]></link></item>
            </channel></rss>"#;
        assert_eq!(
            rss_links(ok, 10).unwrap(),
            ["https://a/1.html?x=1&y=2", "https://a/2.html"]
        );
        assert!(rss_links(ok, 1).unwrap_err().contains("more than 1"));
        for (bad, says) in [
            (&b"<html><body>hi</body></html>"[..], "not <rss>"),
            (b"", "empty"),
            (b"<rss><channel><item><link>https://a/x", "truncated"),
            (b"<rss version='2.0'/>", "no <channel>"),
            (
                b"<!DOCTYPE rss [<!ENTITY x 'y'>]><rss><channel/></rss>",
                "DOCTYPE",
            ),
            (
                b"<rss><channel><item><link>&x;</link></item></channel></rss>",
                "undefined entity",
            ),
            (b"{\"json\": true}", "root element"),
        ] {
            let e = rss_links(bad, 10).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
