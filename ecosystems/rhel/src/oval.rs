//! Red Hat-style OVAL: Red Hat's own (`redhat-oval`), Rocky Linux's (`rocky-oval`) and
//! `AlmaLinux`'s (`alma-oval`). The three vendors generate the same shape.
//!
//! A file is `<oval_definitions>` holding `<definitions>`, `<tests>`, `<objects>` and
//! `<states>`. A definition (`class="patch"`: one RHSA/RLSA/ALSA; `class="vulnerability"`
//! in Red Hat's "unpatched" files) carries metadata and a tree of `<criteria>`:
//!
//! ```text
//! OR
//! ├─ "Red Hat Enterprise Linux must be installed"
//! └─ AND
//!    ├─ "Red Hat Enterprise Linux 9 is installed"        (rpmverifyfile_test, the platform)
//!    └─ OR
//!       ├─ AND
//!       │  ├─ "Module nodejs:18 is enabled"              (textfilecontent54_test)
//!       │  └─ OR
//!       │     └─ AND
//!       │        ├─ "nodejs is earlier than 1:18.14.2-2.module+el9.1.0.z+18…"
//!       │        └─ "nodejs is signed with Red Hat redhatrelease2 key"
//!       └─ AND ("python3-lxml is earlier than 0:4.6.5-3.el9", "… is signed with …")
//! ```
//!
//! Each package criterion refers to an `rpminfo_test`, whose `rpminfo_object` names the
//! **binary** package and whose `rpminfo_state` holds the `evr` ("less than", always with the
//! epoch) and, often, an `arch` pattern (`aarch64|ppc64le|s390x|x86_64`). The signature
//! criterion's state holds a `signature_keyid`. A module criterion applies to every package
//! below the `AND` it sits in. Red Hat writes the meaning of each criterion in its `comment`;
//! Rocky leaves comments out, so the parser resolves tests, objects and states and uses a
//! comment only for module criteria and as a fallback for a test it cannot resolve.
//!
//! What becomes an advisory: one per (vulnerability, binary package [in its module stream],
//! release), merged across definitions (see [`crate::util::Merger`]: a CVE fixed in several
//! minor-release streams keeps every fix). The vulnerability ids are the definition's CVE
//! references (`<reference source="CVE">` and `<advisory><cve>`); Rocky lists CVEs only in
//! the description, so those are read from there; a definition naming no CVE is keyed by its
//! advisory id. The severity is the CVE's own `impact` when the advisory states one, the
//! advisory's `<severity>` otherwise (Low/Moderate/Important/Critical). The advisory id
//! (RHSA-…, RLSA-…, ALSA-…) comes from the non-CVE references; the definition's
//! `affected_cpe_list` (the repositories shipping the fix), the architectures and the
//! signing key go to `notes`.
//!
//! The release (`rhel:9`, `rocky:9`, `almalinux:9`) comes from the definition's
//! `<platform>` (`Red Hat Enterprise Linux 9`, `Rocky Linux 9`, `AlmaLinux 9`), otherwise
//! from the file name (`rhel-9.oval.xml`, `com.redhat.rhsa-RHEL9.xml`,
//! `org.rockylinux.rlsa-9.xml`). The platform wins: Rocky's `rlsa-8.xml` once carried
//! Rocky 9 definitions.
//!
//! Not evaluated: the signature criterion (customs does not record package signatures; the
//! key id is kept in the notes), and criteria with `negate="true"` (skipped).
//!
//! Security: the document is streamed with quick-xml under a byte limit; DTDs with an
//! internal subset are refused and only the predefined entities and character references
//! are resolved, so entity-expansion attacks fail at once. Element nesting, kept text, the
//! number of definitions, tests, objects and states, and criteria per definition are all
//! bounded.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read};

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, Severity, Status};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::util::{
    LimitedReader, Merger, Statement, cves_in, limit_error, module_stream, package_key,
    severity_of, truncate,
};

/// The default limit on the decompressed document. Red Hat's largest v2 file (RHEL 8,
/// every RHSA since 8.0) is a few hundred MB.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The limit on the text of an element the parser keeps (names, versions, titles).
const MAX_TEXT: usize = 64 * 1024;
/// Descriptions are kept (truncated) only to find CVE ids in them.
const MAX_DESCRIPTION: usize = 64 * 1024;
/// The limit on element nesting.
const MAX_DEPTH: usize = 256;
/// The limit on definitions in one document.
const MAX_DEFINITIONS: usize = 1_000_000;
/// The limit on tests + objects + states in one document.
const MAX_ITEMS: usize = 20_000_000;
/// The limit on criteria (nodes) per definition.
const MAX_CRITERIA: usize = 200_000;

/// One of the vendors publishing Red Hat-style OVAL.
#[derive(Debug)]
pub struct Vendor {
    /// The feed kind.
    pub kind: &'static str,
    pub description: &'static str,
    /// The namespace prefix: `rhel`, `rocky`, `almalinux`.
    pub distro: &'static str,
    /// `<platform>` prefixes naming the product; the major release follows.
    pub platforms: &'static [&'static str],
    /// The upstream URL pattern, `{N}` standing for the major release.
    pub url: &'static str,
    pub releases: &'static [u32],
}

/// Red Hat's OVAL v2 (one file per major release, every RHSA).
pub const REDHAT: Vendor = Vendor {
    kind: "redhat-oval",
    description: "Red Hat Enterprise Linux OVAL v2 (RHSA fixes per major release; binary packages, module streams)",
    distro: "rhel",
    platforms: &["Red Hat Enterprise Linux"],
    url: "https://security.access.redhat.com/data/oval/v2/RHEL{N}/rhel-{N}.oval.xml.bz2",
    releases: &[7, 8, 9],
};

/// Rocky Linux's OVAL (RLSA fixes).
pub const ROCKY: Vendor = Vendor {
    kind: "rocky-oval",
    description: "Rocky Linux OVAL (RLSA fixes per major release)",
    distro: "rocky",
    platforms: &["Rocky Linux"],
    url: "https://dl.rockylinux.org/pub/oval/org.rockylinux.rlsa-{N}.xml.bz2",
    releases: &[8, 9],
};

/// `AlmaLinux`'s OVAL (ALSA fixes).
pub const ALMA: Vendor = Vendor {
    kind: "alma-oval",
    description: "AlmaLinux OVAL (ALSA fixes per major release)",
    distro: "almalinux",
    platforms: &["AlmaLinux", "Alma Linux"],
    url: "https://repo.almalinux.org/security/oval/org.almalinux.alsa-{N}.xml.bz2",
    releases: &[8, 9],
};

/// Parses Red Hat-style OVAL for one vendor.
#[derive(Debug, Clone)]
pub struct OvalParser {
    vendor: &'static Vendor,
    max_bytes: u64,
}

impl OvalParser {
    /// `redhat-oval`.
    pub fn redhat() -> Self {
        Self::for_vendor(&REDHAT)
    }

    /// `rocky-oval`.
    pub fn rocky() -> Self {
        Self::for_vendor(&ROCKY)
    }

    /// `alma-oval`.
    pub fn alma() -> Self {
        Self::for_vendor(&ALMA)
    }

    pub fn for_vendor(vendor: &'static Vendor) -> Self {
        OvalParser {
            vendor,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The same parser with another limit on the decompressed document size.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for OvalParser {
    fn kind(&self) -> &'static str {
        self.vendor.kind
    }

    fn description(&self) -> &'static str {
        self.vendor.description
    }

    fn default_locations(&self) -> Vec<String> {
        self.vendor
            .releases
            .iter()
            .map(|n| self.vendor.url.replace("{N}", &n.to_string()))
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
        let mut merger = Merger::default();
        doc.statements(self.vendor, input, &mut merger)?;
        merger.emit(self.vendor.kind, emit);
        Ok(())
    }
}

/// A node of a definition's criteria tree.
#[derive(Debug)]
enum Node {
    Criteria {
        negate: bool,
        children: Vec<Node>,
    },
    Criterion {
        test_ref: String,
        comment: String,
        negate: bool,
    },
}

#[derive(Debug, Default)]
struct Definition {
    id: String,
    class: String,
    title: String,
    platforms: Vec<String>,
    /// `(source, ref_id)` of every `<reference>`.
    references: Vec<(String, String)>,
    /// `(id, impact)` of every `<advisory><cve>`.
    cves: Vec<(String, Option<String>)>,
    severity: String,
    cpes: Vec<String>,
    description: String,
    criteria: Option<Node>,
    criteria_count: usize,
}

#[derive(Debug, Default)]
struct Test {
    kind: String,
    comment: String,
    object: Option<String>,
    states: Vec<String>,
}

#[derive(Debug, Default)]
struct State {
    evr: Option<String>,
    evr_operation: Option<String>,
    arch: Option<String>,
    arch_operation: Option<String>,
    signature: Option<String>,
}

#[derive(Debug, Default)]
struct Document {
    definitions: Vec<Definition>,
    tests: HashMap<String, Test>,
    objects: HashMap<String, String>,
    states: HashMap<String, State>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Definitions,
    Tests,
    Objects,
    States,
    Other,
}

/// The element being read, as far as the parser cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Root,
    Section(Section),
    Definition,
    Metadata,
    Advisory,
    Criteria,
    Test,
    RpmObject,
    RpmState,
    Capture(Capture),
    Other,
}

/// Which text is being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Title,
    Platform,
    Description,
    Severity,
    Cpe,
    Cve,
    ObjectName,
    Evr,
    Arch,
    Signature,
}

struct Reader<'i> {
    input: &'i FeedInput,
    doc: Document,
    stack: Vec<Tag>,
    def: Option<Definition>,
    /// Open `<criteria>` of the current definition.
    criteria: Vec<Node>,
    current_id: Option<String>,
    test: Test,
    state: State,
    /// The pending `<cve impact>`.
    cve_impact: Option<String>,
    capture: Option<Capture>,
    text: String,
    saw_root: bool,
    items: usize,
}

fn read_document<R: BufRead>(input: &FeedInput, source: R) -> Result<Document, FeedError> {
    let mut reader = quick_xml::Reader::from_reader(source);
    reader.config_mut().check_end_names = true;
    let mut r = Reader {
        input,
        doc: Document::default(),
        stack: Vec::with_capacity(32),
        def: None,
        criteria: Vec::new(),
        current_id: None,
        test: Test::default(),
        state: State::default(),
        cve_impact: None,
        capture: None,
        text: String::new(),
        saw_root: false,
        items: 0,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            FeedError::malformed(
                input,
                format!("XML error at byte {}: {e}", reader.error_position()),
            )
        })?;
        let pos = reader.buffer_position();
        match event {
            Event::Start(e) => r.start(&e, pos)?,
            Event::Empty(e) => {
                r.start(&e, pos)?;
                r.end(pos)?;
            }
            Event::End(_) => r.end(pos)?,
            Event::Text(t) => {
                if r.capture.is_some() {
                    r.push_text(&t.xml10_content(), pos)?;
                } else if r.stack.is_empty() && !t.trim_ascii().is_empty() {
                    return Err(r.malformed(pos, "text outside the root element"));
                }
            }
            Event::CData(t) => {
                if r.capture.is_some() {
                    r.push_text(&t.xml10_content(), pos)?;
                }
            }
            Event::GeneralRef(g) => {
                let ch = g
                    .resolve_char_ref()
                    .map_err(|e| r.malformed(pos, format!("bad character reference: {e}")))?;
                let mut utf8 = [0u8; 4];
                let resolved: &str = if let Some(c) = ch {
                    c.encode_utf8(&mut utf8)
                } else if let Some(s) = quick_xml::escape::resolve_xml_entity(&g) {
                    s
                } else {
                    return Err(r.malformed(
                        pos,
                        format!(
                            "undefined entity &{};: custom entities are never expanded",
                            truncate(&g, 64)
                        ),
                    ));
                };
                if r.capture.is_some() {
                    r.push_text(resolved, pos)?;
                }
            }
            Event::DocType(d) => {
                if d.contains('[') || d.contains("ENTITY") {
                    return Err(r.malformed(
                        pos,
                        "a DOCTYPE with an internal subset (entity declarations) is refused: entities are never expanded",
                    ));
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !r.stack.is_empty() {
        return Err(r.malformed(
            reader.buffer_position(),
            format!(
                "document ends inside an element ({} still open): truncated?",
                r.stack.len()
            ),
        ));
    }
    if !r.saw_root {
        return Err(r.malformed(reader.buffer_position(), "no root element: empty document"));
    }
    Ok(r.doc)
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

impl Reader<'_> {
    fn malformed(&self, pos: u64, msg: impl std::fmt::Display) -> FeedError {
        FeedError::malformed(self.input, format!("at byte {pos}: {msg}"))
    }

    fn attr(&self, e: &BytesStart<'_>, name: &[u8], pos: u64) -> Result<Option<String>, FeedError> {
        attr(e, name).map_err(|m| self.malformed(pos, m))
    }

    fn push_text(&mut self, s: &str, pos: u64) -> Result<(), FeedError> {
        if self.capture == Some(Capture::Description) {
            // Only read for CVE ids: keep the beginning, drop the rest.
            let room = MAX_DESCRIPTION.saturating_sub(self.text.len());
            self.text.push_str(truncate(s, room));
            return Ok(());
        }
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

    fn count_item(&mut self, pos: u64) -> Result<(), FeedError> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(limit_error(
                self.input,
                MAX_ITEMS as u64,
                format!("tests, objects and states (at byte {pos})"),
            ));
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart<'_>, pos: u64) -> Result<(), FeedError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(limit_error(
                self.input,
                MAX_DEPTH as u64,
                format!("element nesting at byte {pos}"),
            ));
        }
        let local = e.local_name();
        let local = local.as_ref().as_bytes();
        let Some(&parent) = self.stack.last() else {
            if self.saw_root {
                return Err(self.malformed(pos, "a second root element"));
            }
            self.saw_root = true;
            if local != b"oval_definitions" {
                return Err(self.malformed(
                    pos,
                    format!(
                        "the root element is <{}>, not <oval_definitions>",
                        truncate(&String::from_utf8_lossy(local), 64)
                    ),
                ));
            }
            self.stack.push(Tag::Root);
            return Ok(());
        };
        let tag = match (parent, local) {
            (Tag::Root, b"definitions") => Tag::Section(Section::Definitions),
            (Tag::Root, b"tests") => Tag::Section(Section::Tests),
            (Tag::Root, b"objects") => Tag::Section(Section::Objects),
            (Tag::Root, b"states") => Tag::Section(Section::States),
            (Tag::Root, _) => Tag::Section(Section::Other),
            (Tag::Section(Section::Definitions), b"definition") => {
                if self.doc.definitions.len() >= MAX_DEFINITIONS {
                    return Err(limit_error(
                        self.input,
                        MAX_DEFINITIONS as u64,
                        format!("definitions (at byte {pos})"),
                    ));
                }
                let id = self
                    .attr(e, b"id", pos)?
                    .ok_or_else(|| self.malformed(pos, "<definition> without an id"))?;
                let class = self.attr(e, b"class", pos)?.unwrap_or_default();
                self.def = Some(Definition {
                    id,
                    class,
                    ..Definition::default()
                });
                self.criteria.clear();
                Tag::Definition
            }
            (Tag::Definition, b"metadata") => Tag::Metadata,
            (Tag::Metadata, b"title") => self.capture_tag(Capture::Title),
            (Tag::Metadata, b"description") => self.capture_tag(Capture::Description),
            (Tag::Metadata, b"reference") => {
                let source = self.attr(e, b"source", pos)?.unwrap_or_default();
                let ref_id = self.attr(e, b"ref_id", pos)?.unwrap_or_default();
                if let Some(d) = self.def.as_mut() {
                    d.references
                        .push((source.trim().to_owned(), ref_id.trim().to_owned()));
                }
                Tag::Other
            }
            (Tag::Metadata, b"advisory") | (Tag::Advisory, b"affected_cpe_list") => Tag::Advisory,
            (Tag::Advisory, b"severity") => self.capture_tag(Capture::Severity),
            (Tag::Advisory, b"cve") => {
                self.cve_impact = self.attr(e, b"impact", pos)?;
                self.capture_tag(Capture::Cve)
            }
            (Tag::Advisory, b"cpe") => self.capture_tag(Capture::Cpe),
            (Tag::Other, b"platform") if self.def.is_some() => self.capture_tag(Capture::Platform),
            (Tag::Definition | Tag::Criteria, b"criteria") => {
                let negate = self.attr(e, b"negate", pos)?.as_deref() == Some("true");
                self.bump_criteria(pos)?;
                self.criteria.push(Node::Criteria {
                    negate,
                    children: Vec::new(),
                });
                Tag::Criteria
            }
            (Tag::Criteria, b"criterion") => {
                let test_ref = self
                    .attr(e, b"test_ref", pos)?
                    .ok_or_else(|| self.malformed(pos, "<criterion> without test_ref"))?;
                let comment = self.attr(e, b"comment", pos)?.unwrap_or_default();
                let negate = self.attr(e, b"negate", pos)?.as_deref() == Some("true");
                self.bump_criteria(pos)?;
                if let Some(Node::Criteria { children, .. }) = self.criteria.last_mut() {
                    children.push(Node::Criterion {
                        test_ref,
                        comment,
                        negate,
                    });
                }
                Tag::Other
            }
            (Tag::Section(Section::Tests), _) => {
                self.count_item(pos)?;
                self.current_id = self.attr(e, b"id", pos)?;
                self.test = Test {
                    kind: String::from_utf8_lossy(local).into_owned(),
                    comment: self.attr(e, b"comment", pos)?.unwrap_or_default(),
                    ..Test::default()
                };
                Tag::Test
            }
            (Tag::Test, b"object") => {
                self.test.object = self.attr(e, b"object_ref", pos)?;
                Tag::Other
            }
            (Tag::Test, b"state") => {
                if let Some(s) = self.attr(e, b"state_ref", pos)? {
                    self.test.states.push(s);
                }
                Tag::Other
            }
            (Tag::Section(Section::Objects), b"rpminfo_object") => {
                self.count_item(pos)?;
                self.current_id = self.attr(e, b"id", pos)?;
                Tag::RpmObject
            }
            (Tag::RpmObject, b"name") => self.capture_tag(Capture::ObjectName),
            (Tag::Section(Section::States), b"rpminfo_state") => {
                self.count_item(pos)?;
                self.current_id = self.attr(e, b"id", pos)?;
                self.state = State::default();
                Tag::RpmState
            }
            (Tag::RpmState, b"evr") => {
                self.state.evr_operation = self.attr(e, b"operation", pos)?;
                self.capture_tag(Capture::Evr)
            }
            (Tag::RpmState, b"arch") => {
                self.state.arch_operation = self.attr(e, b"operation", pos)?;
                self.capture_tag(Capture::Arch)
            }
            (Tag::RpmState, b"signature_keyid") => self.capture_tag(Capture::Signature),
            (Tag::Definition | Tag::Criteria, b"definition") => {
                return Err(self.malformed(pos, "nested <definition>"));
            }
            _ => Tag::Other,
        };
        self.stack.push(tag);
        Ok(())
    }

    fn capture_tag(&mut self, c: Capture) -> Tag {
        self.capture = Some(c);
        self.text.clear();
        Tag::Capture(c)
    }

    fn bump_criteria(&mut self, pos: u64) -> Result<(), FeedError> {
        if let Some(d) = self.def.as_mut() {
            d.criteria_count += 1;
            if d.criteria_count > MAX_CRITERIA {
                return Err(limit_error(
                    self.input,
                    MAX_CRITERIA as u64,
                    format!("criteria in definition {} (at byte {pos})", d.id),
                ));
            }
        }
        Ok(())
    }

    fn end(&mut self, pos: u64) -> Result<(), FeedError> {
        let Some(tag) = self.stack.pop() else {
            return Err(self.malformed(pos, "end tag without a start tag"));
        };
        match tag {
            Tag::Capture(c) => {
                self.capture = None;
                let text = self.text.trim().to_owned();
                self.text.clear();
                self.captured(c, text);
            }
            Tag::Criteria => {
                let Some(node) = self.criteria.pop() else {
                    return Err(self.malformed(pos, "unbalanced <criteria>"));
                };
                match self.criteria.last_mut() {
                    Some(Node::Criteria { children, .. }) => children.push(node),
                    _ => {
                        if let Some(d) = self.def.as_mut() {
                            if d.criteria.is_some() {
                                let msg =
                                    format!("definition {} has two top-level <criteria>", d.id);
                                return Err(self.malformed(pos, msg));
                            }
                            d.criteria = Some(node);
                        }
                    }
                }
            }
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
            Tag::RpmState => {
                if let Some(id) = self.current_id.take() {
                    self.doc.states.insert(id, std::mem::take(&mut self.state));
                }
            }
            Tag::RpmObject => self.current_id = None,
            _ => {}
        }
        Ok(())
    }

    fn captured(&mut self, c: Capture, text: String) {
        match c {
            Capture::ObjectName => {
                if let Some(id) = self.current_id.clone() {
                    self.doc.objects.insert(id, text);
                }
            }
            Capture::Evr => self.state.evr = Some(text),
            Capture::Arch => self.state.arch = Some(text),
            Capture::Signature => self.state.signature = Some(text),
            _ => {
                let impact = self.cve_impact.take();
                let Some(d) = self.def.as_mut() else {
                    return;
                };
                match c {
                    Capture::Title => d.title = text,
                    Capture::Platform => d.platforms.push(text),
                    Capture::Description => d.description = text,
                    Capture::Severity => d.severity = text,
                    Capture::Cpe if !text.is_empty() => d.cpes.push(text),
                    Capture::Cve => d.cves.push((text, impact)),
                    _ => {}
                }
            }
        }
    }
}

/// A package criterion resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PackageTest {
    name: String,
    evr: String,
    arches: Option<BTreeSet<String>>,
    module: Option<String>,
    signed_by: Option<String>,
}

/// What one criterion means.
enum Meaning {
    Package {
        name: String,
        evr: String,
        arches: Option<BTreeSet<String>>,
    },
    Signature {
        name: String,
        key: String,
    },
    Module(String),
    /// An evr test with another operation than "less than": something customs cannot
    /// represent, ignored.
    Unsupported,
    Other,
}

/// Reads `Module nodejs:18 is enabled`.
fn module_comment(comment: &str) -> Option<String> {
    let rest = comment.trim().strip_prefix("Module ")?;
    let m = rest.strip_suffix(" is enabled")?;
    module_stream(m)
}

/// Reads `NAME is earlier than EVR`.
fn earlier_comment(comment: &str) -> Option<(String, String)> {
    let (name, evr) = comment.split_once(" is earlier than ")?;
    let (name, evr) = (name.trim(), evr.trim());
    if name.is_empty() || evr.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name.to_owned(), evr.to_owned()))
}

fn arch_set(arch: Option<&str>, operation: Option<&str>) -> Option<BTreeSet<String>> {
    let arch = arch?.trim();
    if arch.is_empty() {
        return None;
    }
    let parts: BTreeSet<String> = match operation.unwrap_or("equals") {
        "equals" => std::iter::once(arch.to_owned()).collect(),
        // Red Hat writes plain alternations (`aarch64|ppc64le|x86_64`), sometimes anchored.
        "pattern match" => {
            let a = arch.trim_start_matches('^').trim_end_matches('$');
            let a = a
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(a);
            let parts: Vec<&str> = a.split('|').map(str::trim).collect();
            if parts.iter().any(|p| {
                p.is_empty()
                    || !p
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }) {
                // A real regular expression: do not restrict.
                return None;
            }
            parts.into_iter().map(str::to_owned).collect()
        }
        _ => return None,
    };
    Some(parts)
}

impl Document {
    fn meaning(&self, test_ref: &str, comment: &str) -> Meaning {
        if let Some(m) = module_comment(comment) {
            return Meaning::Module(m);
        }
        let Some(test) = self.tests.get(test_ref) else {
            return match earlier_comment(comment) {
                Some((name, evr)) => Meaning::Package {
                    name,
                    evr,
                    arches: None,
                },
                None => Meaning::Other,
            };
        };
        if let Some(m) = module_comment(&test.comment) {
            return Meaning::Module(m);
        }
        if test.kind != "rpminfo_test" {
            return Meaning::Other;
        }
        let Some(name) = test.object.as_ref().and_then(|o| self.objects.get(o)) else {
            return Meaning::Other;
        };
        for s in test.states.iter().filter_map(|s| self.states.get(s)) {
            if let Some(evr) = &s.evr {
                let op = s.evr_operation.as_deref().unwrap_or("equals");
                if op != "less than" {
                    return Meaning::Unsupported;
                }
                return Meaning::Package {
                    name: name.clone(),
                    evr: evr.clone(),
                    arches: arch_set(s.arch.as_deref(), s.arch_operation.as_deref()),
                };
            }
            if let Some(key) = &s.signature {
                return Meaning::Signature {
                    name: name.clone(),
                    key: key.clone(),
                };
            }
        }
        Meaning::Other
    }

    /// Collects the package tests under `node`, with the module stream of the enclosing
    /// criteria.
    fn walk(&self, node: &Node, module: Option<&str>, out: &mut Vec<PackageTest>) {
        let Node::Criteria { negate, children } = node else {
            return;
        };
        if *negate {
            return;
        }
        let mut module = module.map(str::to_owned);
        let mut signatures: HashMap<String, String> = HashMap::new();
        let mut packages = Vec::new();
        for child in children {
            if let Node::Criterion {
                test_ref,
                comment,
                negate: false,
            } = child
            {
                match self.meaning(test_ref, comment) {
                    Meaning::Module(m) => module = Some(m),
                    Meaning::Signature { name, key } => {
                        signatures.insert(name, key);
                    }
                    Meaning::Package { name, evr, arches } => packages.push((name, evr, arches)),
                    Meaning::Unsupported | Meaning::Other => {}
                }
            }
        }
        for (name, evr, arches) in packages {
            let p = PackageTest {
                signed_by: signatures.get(&name).cloned(),
                name,
                evr,
                arches,
                module: module.clone(),
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
        for child in children {
            if matches!(child, Node::Criteria { .. }) {
                self.walk(child, module.as_deref(), out);
            }
        }
    }

    fn statements(
        &self,
        vendor: &Vendor,
        input: &FeedInput,
        merger: &mut Merger,
    ) -> Result<(), FeedError> {
        let file_major = major_from_file_name(&input.file_name);
        for def in &self.definitions {
            if !matches!(def.class.as_str(), "patch" | "vulnerability") {
                continue;
            }
            let Some(criteria) = &def.criteria else {
                continue;
            };
            let mut packages = Vec::new();
            self.walk(criteria, None, &mut packages);
            if packages.is_empty() {
                continue;
            }
            let mut majors: Vec<u32> = def
                .platforms
                .iter()
                .filter_map(|p| major_from_platform(p, vendor.platforms))
                .collect();
            majors.dedup();
            if majors.is_empty() {
                match file_major {
                    Some(m) => majors.push(m),
                    None => {
                        return Err(FeedError::malformed(
                            input,
                            format!(
                                "definition {}: no {} <platform> and the file name {:?} names no release",
                                def.id, vendor.platforms[0], input.file_name
                            ),
                        ));
                    }
                }
            }
            let advisory_ids: Vec<String> = def
                .references
                .iter()
                .filter(|(s, r)| !s.eq_ignore_ascii_case("CVE") && !r.is_empty())
                .map(|(_, r)| r.clone())
                .collect();
            let advisory_ids = if advisory_ids.is_empty() {
                // `RHSA-2022:8226: python-lxml security update (Moderate)`
                def.title
                    .split(": ")
                    .next()
                    .filter(|t| t.contains('-') && t.contains(':') && !t.contains(' '))
                    .map(|t| vec![t.to_owned()])
                    .unwrap_or_default()
            } else {
                advisory_ids
            };
            let advisory_severity = severity_of(&def.severity);
            let mut vulns: Vec<(String, Severity)> = Vec::new();
            let push = |vulns: &mut Vec<(String, Severity)>, id: &str, sev: Severity| {
                if !id.is_empty() && !vulns.iter().any(|(v, _)| v == id) {
                    vulns.push((id.to_owned(), sev));
                }
            };
            for (id, impact) in &def.cves {
                let sev = impact
                    .as_deref()
                    .map(severity_of)
                    .filter(|s| *s != Severity::Unknown)
                    .unwrap_or(advisory_severity);
                push(&mut vulns, id.trim(), sev);
            }
            for (source, id) in &def.references {
                if source.eq_ignore_ascii_case("CVE") {
                    push(&mut vulns, id, advisory_severity);
                }
            }
            if vulns.is_empty() {
                for id in cves_in(&def.description) {
                    push(&mut vulns, &id, advisory_severity);
                }
            }
            if vulns.is_empty() {
                match advisory_ids.first() {
                    Some(a) => push(&mut vulns, a, advisory_severity),
                    None => {
                        return Err(FeedError::malformed(
                            input,
                            format!("definition {}: neither a CVE nor an advisory id", def.id),
                        ));
                    }
                }
            }
            let cpes: BTreeSet<String> = def.cpes.iter().cloned().collect();
            for major in &majors {
                let namespace = format!("{}:{major}", vendor.distro);
                for (vuln, severity) in &vulns {
                    for p in &packages {
                        merger.add(Statement {
                            vulnerability_id: vuln.clone(),
                            namespace: namespace.clone(),
                            package: package_key(&p.name, p.module.as_deref()),
                            status: Status::Fixed,
                            fixed: Some(p.evr.clone()),
                            arches: p.arches.clone(),
                            severity: *severity,
                            advisory_ids: advisory_ids.clone(),
                            record_id: def.id.clone(),
                            cpes: cpes.clone(),
                            signed_by: p.signed_by.clone(),
                            remediation: None,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// `Red Hat Enterprise Linux 9` → 9 (for the vendor's product names only).
fn major_from_platform(platform: &str, names: &[&str]) -> Option<u32> {
    let p = platform.trim();
    let rest = names.iter().find_map(|n| p.strip_prefix(n))?.trim();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 3 || rest.len() != digits.len() {
        return None;
    }
    digits.parse().ok()
}

/// The major release in a file name: the first digits after the last `-`
/// (`rhel-9.oval.xml`, `com.redhat.rhsa-RHEL9.xml`, `org.rockylinux.rlsa-9.xml`).
fn major_from_file_name(file_name: &str) -> Option<u32> {
    let base = file_name
        .rsplit(['/', '\\', '!'])
        .next()
        .unwrap_or(file_name);
    let tail = base.rsplit_once('-')?.1;
    let digits: String = tail
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_comments() {
        assert_eq!(major_from_file_name("rhel-9.oval.xml"), Some(9));
        assert_eq!(major_from_file_name("com.redhat.rhsa-RHEL9.xml"), Some(9));
        assert_eq!(major_from_file_name("org.rockylinux.rlsa-8.xml"), Some(8));
        assert_eq!(
            major_from_file_name("x.tar!feeds/org.almalinux.alsa-9.xml"),
            Some(9)
        );
        assert_eq!(major_from_file_name("oval.xml"), None);
        assert_eq!(
            major_from_platform("Red Hat Enterprise Linux 9", REDHAT.platforms),
            Some(9)
        );
        assert_eq!(major_from_platform("Rocky Linux 9", REDHAT.platforms), None);
        assert_eq!(major_from_platform("AlmaLinux 8", ALMA.platforms), Some(8));
        assert_eq!(
            module_comment("Module nodejs:18 is enabled").as_deref(),
            Some("nodejs:18")
        );
        assert_eq!(module_comment("Module nodejs is enabled"), None);
        assert_eq!(
            earlier_comment("python3-lxml is earlier than 0:4.6.5-3.el9"),
            Some(("python3-lxml".into(), "0:4.6.5-3.el9".into()))
        );
        assert_eq!(
            arch_set(Some("aarch64|x86_64"), Some("pattern match")),
            Some(["aarch64".to_owned(), "x86_64".to_owned()].into())
        );
        assert_eq!(
            arch_set(Some("x86_64"), None),
            Some(["x86_64".to_owned()].into())
        );
        assert_eq!(arch_set(Some("x86.*"), Some("pattern match")), None);
    }
}
