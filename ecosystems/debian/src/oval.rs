//! The Debian OVAL feed (`https://www.debian.org/security/oval/oval-definitions-*.xml.bz2`).
//!
//! Layout of a Debian OVAL file: `<definitions>` first, then `<tests>`, `<objects>` and
//! `<states>`. A definition names its release in `<platform>Debian GNU/Linux 10</platform>`
//! and its package through a criterion whose `test_ref` points at a `dpkginfo_test`; that test
//! points at a `dpkginfo_object` (the source package name) and a `dpkginfo_state` (an `evr`
//! "less than" a version). Unfixed issues have the state `less than 0:0` (the criterion
//! comment reads "PKG DPKG is earlier than 0"); they become [`Status::Affected`] for every
//! version. Not-affected packages are absent from the file.
//!
//! Because the references are resolved at the end, the parser keeps a compact summary of
//! each definition (ids, package references; never the descriptions) while it streams the
//! document with quick-xml, then emits one advisory per (vulnerability, package, release).
//!
//! Security: DTDs declaring entities are refused and only the five predefined entities and
//! character references are resolved, so entity-expansion attacks fail at once.

use std::collections::HashMap;
use std::io::{BufReader, Read};

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::releases;
use crate::util::{LimitedReader, limit_error, normalize_version, valid_deb_version};

/// The feed kind.
pub const KIND: &str = "debian-oval";
/// The default limit on the decompressed document (real files are about 52 MB).
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// The limit on the text of any element the parser keeps (titles, names, versions).
const MAX_TEXT: usize = 64 * 1024;
/// The limit on element nesting.
const MAX_DEPTH: usize = 256;

/// The releases whose OVAL files are fetched by default.
pub const DEFAULT_RELEASES: [&str; 4] = ["buster", "bullseye", "bookworm", "trixie"];

/// Parses Debian OVAL definitions (`debian-oval`).
#[derive(Debug, Clone)]
pub struct DebianOvalParser {
    max_bytes: u64,
}

impl Default for DebianOvalParser {
    fn default() -> Self {
        DebianOvalParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl DebianOvalParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parser with another limit on the decompressed document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for DebianOvalParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Debian OVAL definitions per release (fixed and unfixed source packages)"
    }

    fn default_locations(&self) -> Vec<String> {
        DEFAULT_RELEASES
            .iter()
            .map(|r| format!("https://www.debian.org/security/oval/oval-definitions-{r}.xml.bz2"))
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let (limited, tripped) = LimitedReader::new(body, self.max_bytes);
        let doc = match read_document(input, BufReader::with_capacity(256 * 1024, limited)) {
            Ok(doc) => doc,
            Err(e) if tripped.get() => {
                return Err(limit_error(
                    input,
                    self.max_bytes,
                    format!("decompressed document is larger ({e})"),
                ));
            }
            Err(e) => return Err(e),
        };
        doc.emit(input, emit)
    }
}

/// What the parser keeps of one `<definition>`.
#[derive(Debug, Default)]
struct Definition {
    id: String,
    class: String,
    title: String,
    platforms: Vec<String>,
    cves: Vec<String>,
    /// `(test_ref, comment)` of every criterion.
    criteria: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Test {
    dpkg: bool,
    object: Option<String>,
    state: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    evr: Option<String>,
    operation: Option<String>,
}

#[derive(Debug, Default)]
struct Document {
    definitions: Vec<Definition>,
    tests: HashMap<String, Test>,
    objects: HashMap<String, String>,
    states: HashMap<String, State>,
}

/// Elements the parser distinguishes; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Definition,
    Title,
    Affected,
    Platform,
    Tests,
    Test,
    Objects,
    DpkgObject,
    Name,
    States,
    DpkgState,
    Evr,
    Other,
}

/// Which text is being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Title,
    Platform,
    ObjectName,
    Evr,
}

fn tag_of(local: &[u8], parent: Option<Tag>) -> Tag {
    match local {
        b"definition" => Tag::Definition,
        b"tests" => Tag::Tests,
        b"objects" => Tag::Objects,
        b"states" => Tag::States,
        _ if parent == Some(Tag::Tests) => Tag::Test,
        b"dpkginfo_object" if parent == Some(Tag::Objects) => Tag::DpkgObject,
        b"name" if parent == Some(Tag::DpkgObject) => Tag::Name,
        b"dpkginfo_state" if parent == Some(Tag::States) => Tag::DpkgState,
        b"evr" if parent == Some(Tag::DpkgState) => Tag::Evr,
        _ => Tag::Other,
    }
}

struct Parser<'i> {
    input: &'i FeedInput,
    doc: Document,
    stack: Vec<Tag>,
    def: Option<Definition>,
    /// The id of the test / object / state being read.
    current_id: Option<String>,
    test: Test,
    state: State,
    capture: Option<Capture>,
    text: String,
    saw_root: bool,
}

fn read_document<R: std::io::BufRead>(input: &FeedInput, source: R) -> Result<Document, FeedError> {
    let mut reader = quick_xml::Reader::from_reader(source);
    reader.config_mut().check_end_names = true;
    let mut p = Parser {
        input,
        doc: Document::default(),
        stack: Vec::with_capacity(32),
        def: None,
        current_id: None,
        test: Test::default(),
        state: State::default(),
        capture: None,
        text: String::new(),
        saw_root: false,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                return Err(FeedError::malformed(
                    input,
                    format!("XML error at byte {}: {e}", reader.error_position()),
                ));
            }
        };
        let pos = reader.buffer_position();
        match event {
            Event::Start(e) => {
                p.start(&e, pos)?;
            }
            Event::Empty(e) => {
                p.start(&e, pos)?;
                p.end(pos)?;
            }
            Event::End(_) => p.end(pos)?,
            Event::Text(t) => {
                if p.capture.is_some() {
                    p.push_text(&t.xml10_content(), pos)?;
                } else if p.stack.is_empty() && !t.trim_ascii().is_empty() {
                    return Err(p.malformed(pos, "text outside the root element"));
                }
            }
            Event::CData(t) => {
                if p.capture.is_some() {
                    p.push_text(&t.xml10_content(), pos)?;
                }
            }
            Event::GeneralRef(r) => {
                let char_ref = r
                    .resolve_char_ref()
                    .map_err(|e| p.malformed(pos, format!("bad character reference: {e}")))?;
                let mut utf8 = [0u8; 4];
                let resolved: &str = if let Some(c) = char_ref {
                    c.encode_utf8(&mut utf8)
                } else if let Some(s) = quick_xml::escape::resolve_xml_entity(&r) {
                    s
                } else {
                    return Err(p.malformed(
                        pos,
                        format!(
                            "undefined entity &{};: custom entities are never expanded",
                            truncate(&r, 64)
                        ),
                    ));
                };
                if p.capture.is_some() {
                    p.push_text(resolved, pos)?;
                }
            }
            Event::DocType(d) => {
                if d.contains("<!ENTITY") || d.contains('[') {
                    return Err(p.malformed(
                        pos,
                        "a DOCTYPE with an internal subset (entity declarations) is refused: entities are never expanded",
                    ));
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !p.stack.is_empty() {
        return Err(p.malformed(
            reader.buffer_position(),
            format!(
                "document ends inside an element ({} still open): truncated?",
                p.stack.len()
            ),
        ));
    }
    if !p.saw_root {
        return Err(p.malformed(reader.buffer_position(), "no root element: empty document"));
    }
    Ok(p.doc)
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad attribute: {err}"))?;
        if a.key.local_name().as_ref().as_bytes() == name {
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| format!("bad attribute value: {err}"))?;
            if v.len() > MAX_TEXT {
                return Err(format!(
                    "attribute {} is over {MAX_TEXT} bytes",
                    String::from_utf8_lossy(name)
                ));
            }
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// Handles a start tag inside a `<definition>`: only metadata fields and criteria matter.
fn start_in_definition(
    def: &mut Definition,
    e: &BytesStart<'_>,
    local: &[u8],
    parent: Option<Tag>,
) -> Result<Tag, String> {
    match local {
        b"reference" => {
            let source = attr(e, b"source")?;
            let ref_id = attr(e, b"ref_id")?;
            if let (Some(s), Some(r)) = (source, ref_id)
                && s.eq_ignore_ascii_case("CVE")
            {
                let r = r.trim().to_owned();
                if !r.is_empty() && !def.cves.contains(&r) {
                    def.cves.push(r);
                }
            }
        }
        b"criterion" => {
            let test_ref = attr(e, b"test_ref")?.ok_or("<criterion> without test_ref")?;
            let comment = attr(e, b"comment")?.unwrap_or_default();
            def.criteria.push((test_ref, comment));
        }
        b"definition" => return Err("nested <definition>".to_owned()),
        _ => {}
    }
    Ok(match (local, parent) {
        (b"title", Some(Tag::Other)) => Tag::Title,
        (b"affected", _) => Tag::Affected,
        (b"platform", Some(Tag::Affected)) => Tag::Platform,
        _ => Tag::Other,
    })
}

impl Parser<'_> {
    fn malformed(&self, pos: u64, msg: impl std::fmt::Display) -> FeedError {
        FeedError::malformed(self.input, format!("at byte {pos}: {msg}"))
    }

    fn attr(&self, e: &BytesStart<'_>, name: &[u8], pos: u64) -> Result<Option<String>, FeedError> {
        attr(e, name).map_err(|m| self.malformed(pos, m))
    }

    fn push_text(&mut self, s: &str, pos: u64) -> Result<(), FeedError> {
        if self.text.len() + s.len() > MAX_TEXT {
            return Err(limit_error(
                self.input,
                MAX_TEXT as u64,
                format!("element text at byte {pos}"),
            ));
        }
        self.text.push_str(s);
        Ok(())
    }

    fn begin_capture(&mut self, c: Capture) {
        self.capture = Some(c);
        self.text.clear();
    }

    fn start(&mut self, e: &BytesStart<'_>, pos: u64) -> Result<(), FeedError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(limit_error(
                self.input,
                MAX_DEPTH as u64,
                format!("element nesting at byte {pos}"),
            ));
        }
        if self.stack.is_empty() {
            if self.saw_root {
                return Err(self.malformed(pos, "a second root element"));
            }
            self.saw_root = true;
            if e.local_name().as_ref() != "oval_definitions" {
                return Err(self.malformed(
                    pos,
                    format!(
                        "the root element is <{}>, not <oval_definitions>",
                        truncate(e.name().as_ref(), 64)
                    ),
                ));
            }
        }
        let parent = self.stack.last().copied();
        let local = e.local_name();
        let local = local.as_ref().as_bytes();
        let tag = tag_of(local, parent);
        if let Some(def) = self.def.as_mut() {
            let tag =
                start_in_definition(def, e, local, parent).map_err(|m| self.malformed(pos, m))?;
            match tag {
                Tag::Title => self.begin_capture(Capture::Title),
                Tag::Platform => self.begin_capture(Capture::Platform),
                _ => {}
            }
            self.stack.push(tag);
            return Ok(());
        }
        match tag {
            Tag::Definition => {
                let id = self
                    .attr(e, b"id", pos)?
                    .ok_or_else(|| self.malformed(pos, "<definition> without an id"))?;
                let class = self.attr(e, b"class", pos)?.unwrap_or_default();
                self.def = Some(Definition {
                    id,
                    class,
                    ..Definition::default()
                });
            }
            Tag::Test => {
                self.current_id = self.attr(e, b"id", pos)?;
                self.test = Test {
                    dpkg: local == b"dpkginfo_test",
                    ..Test::default()
                };
            }
            Tag::DpkgObject | Tag::DpkgState => {
                self.current_id = self.attr(e, b"id", pos)?;
                self.state = State::default();
                self.text.clear();
            }
            Tag::Name => self.begin_capture(Capture::ObjectName),
            Tag::Evr => {
                self.state.operation = self.attr(e, b"operation", pos)?;
                self.begin_capture(Capture::Evr);
            }
            Tag::Other if parent == Some(Tag::Test) => match local {
                b"object" => self.test.object = self.attr(e, b"object_ref", pos)?,
                b"state" => self.test.state = self.attr(e, b"state_ref", pos)?,
                _ => {}
            },
            _ => {}
        }
        self.stack.push(tag);
        Ok(())
    }

    fn end(&mut self, pos: u64) -> Result<(), FeedError> {
        let Some(tag) = self.stack.pop() else {
            return Err(self.malformed(pos, "end tag without a start tag"));
        };
        let captured = match (self.capture, tag) {
            (Some(Capture::Title), Tag::Title)
            | (Some(Capture::Platform), Tag::Platform)
            | (Some(Capture::ObjectName), Tag::Name)
            | (Some(Capture::Evr), Tag::Evr) => {
                let c = self.capture.take();
                let text = self.text.trim().to_owned();
                self.text.clear();
                c.map(|c| (c, text))
            }
            _ => None,
        };
        if let Some((c, text)) = captured {
            match c {
                Capture::Title => {
                    if let Some(d) = self.def.as_mut() {
                        d.title = text;
                    }
                }
                Capture::Platform => {
                    if let Some(d) = self.def.as_mut() {
                        d.platforms.push(text);
                    }
                }
                Capture::ObjectName => {
                    if let Some(id) = self.current_id.clone() {
                        self.doc.objects.insert(id, text);
                    }
                }
                Capture::Evr => self.state.evr = Some(text),
            }
            return Ok(());
        }
        match tag {
            Tag::Definition => {
                if let Some(d) = self.def.take() {
                    self.doc.definitions.push(d);
                }
            }
            Tag::Test => {
                if let Some(id) = self.current_id.take() {
                    self.doc.tests.insert(id, std::mem::take(&mut self.test));
                }
            }
            Tag::DpkgState => {
                if let Some(id) = self.current_id.take() {
                    self.doc.states.insert(id, std::mem::take(&mut self.state));
                }
            }
            Tag::DpkgObject => {
                self.current_id = None;
            }
            _ => {}
        }
        Ok(())
    }
}

/// A package a definition tests, with the state's "less than" version.
struct PackageTest {
    name: String,
    /// The version as written (`0:1.2-3`), `None` when the operation is not supported.
    evr: String,
    operation: String,
}

/// Parses a criterion comment `PKG DPKG is earlier than VERSION`.
fn parse_comment(comment: &str) -> Option<(String, String)> {
    let (name, version) = comment.split_once(" DPKG is earlier than ")?;
    let (name, version) = (name.trim(), version.trim());
    if name.is_empty() || version.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name.to_owned(), version.to_owned()))
}

/// Reads a release from a file name such as `oval-definitions-buster.xml`.
fn release_from_file_name(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.split('.').next().unwrap_or(base);
    let codename = stem.strip_prefix("oval-definitions-").unwrap_or(stem);
    releases::namespace(codename)
}

/// Reads a release from `Debian GNU/Linux 10`.
fn release_from_platform(platform: &str) -> Option<String> {
    let rest = platform.trim().strip_prefix("Debian GNU/Linux")?.trim();
    let rest = rest.strip_prefix("unstable").map_or(rest, |_| "sid");
    releases::namespace(rest)
}

impl Document {
    fn emit(&self, input: &FeedInput, emit: &mut dyn FnMut(Advisory)) -> Result<(), FeedError> {
        let file_release = release_from_file_name(&input.file_name);
        for def in &self.definitions {
            if !matches!(def.class.as_str(), "vulnerability" | "patch") {
                continue;
            }
            let mut namespaces: Vec<String> = Vec::new();
            for p in &def.platforms {
                if let Some(ns) = release_from_platform(p)
                    && !namespaces.contains(&ns)
                {
                    namespaces.push(ns);
                }
            }
            if namespaces.is_empty() {
                match &file_release {
                    Some(ns) => namespaces.push(ns.clone()),
                    None => {
                        return Err(FeedError::malformed(
                            input,
                            format!(
                                "definition {}: no Debian <platform> and the file name {:?} names no release",
                                def.id, input.file_name
                            ),
                        ));
                    }
                }
            }
            let packages = self.packages_of(input, def)?;
            if packages.is_empty() {
                continue;
            }
            let title_id = def.title.split_whitespace().next().unwrap_or_default();
            let advisory_ids: Vec<String> = if ["DSA-", "DLA-", "DTSA-"]
                .iter()
                .any(|p| title_id.starts_with(p))
            {
                vec![title_id.to_owned()]
            } else {
                Vec::new()
            };
            let vulns: Vec<&str> = if def.cves.is_empty() {
                if title_id.is_empty() {
                    return Err(FeedError::malformed(
                        input,
                        format!("definition {}: neither a CVE reference nor a title", def.id),
                    ));
                }
                vec![title_id]
            } else {
                def.cves.iter().map(String::as_str).collect()
            };
            for ns in &namespaces {
                for pkg in &packages {
                    for vuln in &vulns {
                        emit(advisory(def, ns, pkg, vuln, &advisory_ids));
                    }
                }
            }
        }
        Ok(())
    }

    fn packages_of(
        &self,
        input: &FeedInput,
        def: &Definition,
    ) -> Result<Vec<PackageTest>, FeedError> {
        let mut out: Vec<PackageTest> = Vec::new();
        for (test_ref, comment) in &def.criteria {
            let found = match self.tests.get(test_ref) {
                Some(t) if !t.dpkg => None,
                Some(t) => {
                    let object = t.object.as_ref().and_then(|o| self.objects.get(o));
                    let state = t.state.as_ref().and_then(|s| self.states.get(s));
                    match (object, state) {
                        (
                            Some(name),
                            Some(State {
                                evr: Some(evr),
                                operation,
                            }),
                        ) => Some(PackageTest {
                            name: name.clone(),
                            evr: evr.clone(),
                            operation: operation.clone().unwrap_or_else(|| "equals".to_owned()),
                        }),
                        _ => {
                            return Err(FeedError::malformed(
                                input,
                                format!(
                                    "definition {}: dpkginfo test {test_ref} lacks a resolvable object name or state evr",
                                    def.id
                                ),
                            ));
                        }
                    }
                }
                None => match parse_comment(comment) {
                    Some((name, evr)) => Some(PackageTest {
                        name,
                        evr,
                        operation: "less than".to_owned(),
                    }),
                    None => {
                        return Err(FeedError::malformed(
                            input,
                            format!(
                                "definition {}: criterion refers to unknown test {test_ref}",
                                def.id
                            ),
                        ));
                    }
                },
            };
            if let Some(p) = found
                && !out.iter().any(|o| o.name == p.name && o.evr == p.evr)
            {
                out.push(p);
            }
        }
        Ok(out)
    }
}

fn advisory(
    def: &Definition,
    namespace: &str,
    pkg: &PackageTest,
    vuln: &str,
    advisory_ids: &[String],
) -> Advisory {
    let version = normalize_version(&pkg.evr);
    let (status, affected, fixed_version, notes) = if pkg.operation != "less than" {
        (
            Status::Indeterminate,
            AffectedRange::All,
            None,
            Some(format!(
                "unsupported dpkginfo operation {:?} on {}",
                pkg.operation, pkg.evr
            )),
        )
    } else if version == "0" {
        // `less than 0:0`: no fixed version exists.
        (Status::Affected, AffectedRange::All, None, None)
    } else if valid_deb_version(&version) {
        (
            Status::Fixed,
            AffectedRange::LessThan(version.clone()),
            Some(version),
            None,
        )
    } else {
        (
            Status::Indeterminate,
            AffectedRange::All,
            Some(version.clone()),
            Some(format!("unparseable fixed version {version:?}")),
        )
    };
    Advisory {
        vulnerability_id: vuln.to_owned(),
        namespace: namespace.to_owned(),
        package: pkg.name.clone(),
        scheme: "deb".to_owned(),
        status,
        affected,
        fixed_version,
        severity: Severity::Unknown,
        advisory_ids: advisory_ids.to_vec(),
        notes,
        source: KIND.to_owned(),
        record_id: def.id.clone(),
        aliases: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_names() {
        assert_eq!(
            parse_comment("glibc DPKG is earlier than 2.2-1"),
            Some(("glibc".to_owned(), "2.2-1".to_owned()))
        );
        assert_eq!(parse_comment("Debian 10 is installed"), None);
        assert_eq!(
            release_from_file_name("oval-definitions-buster.xml").as_deref(),
            Some("debian:10")
        );
        assert_eq!(
            release_from_file_name("oval-definitions-bookworm.xml.bz2").as_deref(),
            Some("debian:12")
        );
        assert_eq!(release_from_file_name("whatever.xml"), None);
        assert_eq!(
            release_from_platform("Debian GNU/Linux 10").as_deref(),
            Some("debian:10")
        );
        assert_eq!(
            release_from_platform("Debian GNU/Linux 7.0").as_deref(),
            Some("debian:7")
        );
        assert_eq!(release_from_platform("Ubuntu 22.04"), None);
    }
}
