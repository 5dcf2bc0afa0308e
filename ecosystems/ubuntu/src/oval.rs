//! The Ubuntu USN OVAL feed (`ubuntu-oval`):
//! `https://security-metadata.canonical.com/oval/com.ubuntu.CODENAME.usn.oval.xml.bz2`.
//!
//! # The format
//!
//! One file per release. Each Ubuntu Security Notice (USN, and kernel Livepatch notices
//! `LSN-…`) is one `<definition class="patch">` whose metadata names the notice
//! (`<reference source="USN" ref_id="USN-5402-1"/>`), its CVEs (`<reference source="CVE">`
//! and, with Ubuntu's per-CVE priority, `<advisory><cve priority="medium">CVE-…</cve>`), a
//! notice-level `<severity>`, and a `<platform>` (`Ubuntu 22.04 LTS`, or `Ubuntu 22.04 ESM`
//! for notices only Ubuntu Pro subscribers receive). Its `<criteria>` reference tests:
//!
//! - `linux:dpkginfo_test` → a `dpkginfo_object` whose `<name var_ref=…>` points at a
//!   `constant_variable` listing the **binary** package names built from one source, and a
//!   `dpkginfo_state` with `<evr operation="less than">0:3.0.2-0ubuntu1.5</evr>`: the
//!   fixed version, Ubuntu backport suffixes (`ubuntu0.22.04.1`, `~esm1`) included. The
//!   test's `comment` says which archive ships the fix: `Long Term Support` (the public
//!   archive) or `Available with Ubuntu Pro: https://ubuntu.com/pro` (ESM).
//! - `ind:variable_test` / `unix:uname_test`: kernel notices test the *running* kernel's
//!   `uname -r`, which a container image does not have. They are skipped; kernel packages
//!   installed in an image are matched through the `ubuntu-osv` feed by source package.
//!
//! The USN OVAL file holds only fixes (patch class); unfixed and not-affected packages
//! are absent, which is why the matcher prefers `ubuntu-osv` and keeps this feed as the
//! fallback.
//!
//! # What is emitted
//!
//! One [`Advisory`] per (CVE, binary package) in the namespace `ubuntu:YY.MM` (from the
//! file name, else the definition id `oval:com.ubuntu.CODENAME:def:…`, else the platform).
//! Because Ubuntu's OVAL names binaries, not sources, `package` is the **binary** name and
//! the matcher compares the installed binary version. When several notices fix one CVE in
//! one binary (a regression re-issue `USN-N-2`), the highest fixed version is kept and every
//! notice id is listed in `advisory_ids`. A notice with no CVE is keyed by its own id.
//! `severity` is the CVE's Ubuntu priority, falling back to the notice severity.
//!
//! A fix shipped only through Ubuntu Pro becomes [`Status::Affected`] with the range
//! `< fix` (a Pro system that installed the fix is not reported), no public fixed version,
//! and a note naming the Pro version (see the crate docs for why).
//!
//! # Limits and hostile input
//!
//! The document is streamed with quick-xml; only ids, names, versions and the few metadata
//! fields above are kept (descriptions are skipped). Limits: [`DEFAULT_MAX_BYTES`] of
//! decompressed input, [`MAX_DEPTH`] nesting, [`MAX_TEXT`] per kept text. DTDs with an
//! internal subset are refused and only the predefined entities and character references
//! are resolved, so entity expansion ("billion laughs") cannot happen. Truncated documents,
//! dangling references and a wrong root element are errors naming the input.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::{Advisory, AffectedRange, Severity, Status};
use customs_version::VersionScheme;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::releases;
use crate::util::{
    Capped, limit_error, normalize_version, pro_note, severity_of_priority, valid_deb_version,
};

/// The feed kind.
pub const KIND: &str = "ubuntu-oval";
/// The limit on the decompressed document. Current files are tens of MB.
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// The limit on any kept text or attribute (names, versions, titles).
pub const MAX_TEXT: usize = 64 * 1024;
/// The limit on element nesting (real files nest about 8 deep).
pub const MAX_DEPTH: usize = 128;

/// Parses Ubuntu USN OVAL files.
#[derive(Debug, Clone)]
pub struct UbuntuOvalParser {
    max_bytes: u64,
}

impl Default for UbuntuOvalParser {
    fn default() -> Self {
        UbuntuOvalParser {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl UbuntuOvalParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parser with another limit on the decompressed document.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl FeedParser for UbuntuOvalParser {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn description(&self) -> &'static str {
        "Ubuntu USN OVAL per release (fixed binary packages per CVE, Ubuntu priorities, USN ids)"
    }

    fn default_locations(&self) -> Vec<String> {
        releases::RELEASES
            .iter()
            .filter(|r| r.usn_oval)
            .map(|r| {
                format!(
                    "https://security-metadata.canonical.com/oval/com.ubuntu.{}.usn.oval.xml.bz2",
                    r.codename
                )
            })
            .collect()
    }

    fn parse(
        &self,
        input: &FeedInput,
        body: &mut dyn Read,
        emit: &mut dyn FnMut(Advisory),
    ) -> Result<(), FeedError> {
        let (capped, over) = Capped::new(body, self.max_bytes);
        let doc = match read(input, BufReader::with_capacity(128 * 1024, capped)) {
            Ok(doc) => doc,
            Err(e) if over.get() => {
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

/// What is kept of one `<definition>`.
#[derive(Debug, Default)]
struct Definition {
    id: String,
    class: String,
    title: String,
    platforms: Vec<String>,
    notices: Vec<String>,
    /// CVE ids in document order, with Ubuntu's priority when a `<cve>` element gave one.
    cves: Vec<(String, Option<String>)>,
    severity: Option<String>,
    tests: Vec<String>,
}

impl Definition {
    fn add_cve(&mut self, id: &str, priority: Option<String>) {
        let id = id.trim();
        if id.is_empty() {
            return;
        }
        match self.cves.iter_mut().find(|(c, _)| c == id) {
            Some((_, p)) => {
                if p.is_none() {
                    *p = priority;
                }
            }
            None => self.cves.push((id.to_owned(), priority)),
        }
    }
}

#[derive(Debug, Default)]
struct DpkgTest {
    comment: String,
    object: Option<String>,
    state: Option<String>,
}

#[derive(Debug)]
enum ObjectName {
    Literal(String),
    Variable(String),
}

#[derive(Debug, Default)]
struct EvrState {
    evr: Option<String>,
    operation: Option<String>,
    comment: String,
}

#[derive(Debug, Default)]
struct Document {
    definitions: Vec<Definition>,
    dpkg_tests: HashMap<String, DpkgTest>,
    /// Ids of tests the parser does not use (kernel `uname`/variable tests, files).
    other_tests: std::collections::HashSet<String>,
    objects: HashMap<String, ObjectName>,
    states: HashMap<String, EvrState>,
    variables: HashMap<String, Vec<String>>,
    /// The `comment` of objects and variables, when it marks an Ubuntu Pro item.
    pro_items: std::collections::HashSet<String>,
}

/// Elements with a meaning for the parser; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Root,
    Definitions,
    Definition,
    Tests,
    DpkgTest,
    Objects,
    DpkgObject,
    States,
    DpkgState,
    Variables,
    ConstVariable,
    Other,
}

/// Which text is being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Title,
    Platform,
    Severity,
    Cve,
    ObjectName,
    Evr,
    Value,
}

struct Reader<'i> {
    input: &'i FeedInput,
    doc: Document,
    stack: Vec<Tag>,
    def: Option<Definition>,
    /// The id of the test, object, state or variable being read.
    item: Option<String>,
    test: DpkgTest,
    state: EvrState,
    values: Vec<String>,
    capture: Option<(Capture, usize)>,
    cve_priority: Option<String>,
    text: String,
    saw_root: bool,
}

fn read<R: BufRead>(input: &FeedInput, source: R) -> Result<Document, FeedError> {
    let mut xml = quick_xml::Reader::from_reader(source);
    xml.config_mut().check_end_names = true;
    let mut r = Reader {
        input,
        doc: Document::default(),
        stack: Vec::with_capacity(16),
        def: None,
        item: None,
        test: DpkgTest::default(),
        state: EvrState::default(),
        values: Vec::new(),
        capture: None,
        cve_priority: None,
        text: String::new(),
        saw_root: false,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|e| {
            FeedError::malformed(
                input,
                format!("XML error at byte {}: {e}", xml.error_position()),
            )
        })?;
        let pos = xml.buffer_position();
        match event {
            Event::Start(e) => r.start(&e, pos)?,
            Event::Empty(e) => {
                r.start(&e, pos)?;
                r.end(pos);
            }
            Event::End(_) => r.end(pos),
            Event::Text(t) => {
                if r.capture.is_some() {
                    r.push(&t.xml10_content(), pos)?;
                } else if r.stack.is_empty() && !t.trim_ascii().is_empty() {
                    return Err(r.malformed(pos, "text outside the root element"));
                }
            }
            Event::CData(t) => {
                if r.capture.is_some() {
                    r.push(&t.xml10_content(), pos)?;
                }
            }
            Event::GeneralRef(reference) => {
                let ch = reference
                    .resolve_char_ref()
                    .map_err(|e| r.malformed(pos, format!("bad character reference: {e}")))?;
                let mut utf8 = [0u8; 4];
                let text: &str = match ch {
                    Some(c) => c.encode_utf8(&mut utf8),
                    None => quick_xml::escape::resolve_xml_entity(&reference).ok_or_else(|| {
                        r.malformed(
                            pos,
                            format!(
                                "undefined entity &{};: custom entities are never expanded",
                                clip(&reference, 64)
                            ),
                        )
                    })?,
                };
                if r.capture.is_some() {
                    r.push(text, pos)?;
                }
            }
            Event::DocType(d) => {
                if d.contains('[') || d.contains("<!ENTITY") {
                    return Err(r.malformed(
                        pos,
                        "a DOCTYPE with an internal subset (entity declarations) is refused",
                    ));
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !r.stack.is_empty() {
        return Err(r.malformed(
            xml.buffer_position(),
            format!(
                "document ends inside an element ({} still open): truncated?",
                r.stack.len()
            ),
        ));
    }
    if !r.saw_root {
        return Err(r.malformed(xml.buffer_position(), "no root element: empty document"));
    }
    Ok(r.doc)
}

fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad attribute: {err}"))?;
        if a.key.local_name().as_ref() == name {
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| format!("bad value of attribute {name}: {err}"))?;
            if v.len() > MAX_TEXT {
                return Err(format!("attribute {name} is over {MAX_TEXT} bytes"));
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

    fn attr(&self, e: &BytesStart<'_>, name: &str, pos: u64) -> Result<Option<String>, FeedError> {
        attr(e, name).map_err(|m| self.malformed(pos, m))
    }

    fn required(&self, e: &BytesStart<'_>, name: &str, pos: u64) -> Result<String, FeedError> {
        self.attr(e, name, pos)?.ok_or_else(|| {
            self.malformed(
                pos,
                format!("<{}> without the {name} attribute", e.local_name().as_ref()),
            )
        })
    }

    /// Remembers `id` when its `comment` marks it as shipped through Ubuntu Pro.
    fn note_pro(&mut self, e: &BytesStart<'_>, id: &str, pos: u64) -> Result<(), FeedError> {
        if self
            .attr(e, "comment", pos)?
            .is_some_and(|c| is_pro_comment(&c))
        {
            self.doc.pro_items.insert(id.to_owned());
        }
        Ok(())
    }

    fn push(&mut self, s: &str, pos: u64) -> Result<(), FeedError> {
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

    fn capture(&mut self, c: Capture) {
        // The depth the capturing element sits at; its end closes the capture.
        self.capture = Some((c, self.stack.len()));
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
                        clip(e.name().as_ref(), 64)
                    ),
                ));
            }
            self.stack.push(Tag::Root);
            return Ok(());
        };
        let tag = match (parent, local) {
            (Tag::Root, b"definitions") => Tag::Definitions,
            (Tag::Root, b"tests") => Tag::Tests,
            (Tag::Root, b"objects") => Tag::Objects,
            (Tag::Root, b"states") => Tag::States,
            (Tag::Root, b"variables") => Tag::Variables,
            (Tag::Definitions, b"definition") => {
                self.def = Some(Definition {
                    id: self.required(e, "id", pos)?,
                    class: self.attr(e, "class", pos)?.unwrap_or_default(),
                    ..Definition::default()
                });
                Tag::Definition
            }
            (Tag::Tests, b"dpkginfo_test") => {
                self.item = Some(self.required(e, "id", pos)?);
                self.test = DpkgTest {
                    comment: self.attr(e, "comment", pos)?.unwrap_or_default(),
                    ..DpkgTest::default()
                };
                Tag::DpkgTest
            }
            (Tag::Tests, _) => {
                if let Some(id) = self.attr(e, "id", pos)? {
                    self.doc.other_tests.insert(id);
                }
                Tag::Other
            }
            (Tag::Objects, b"dpkginfo_object") => {
                let id = self.required(e, "id", pos)?;
                self.note_pro(e, &id, pos)?;
                self.item = Some(id);
                Tag::DpkgObject
            }
            (Tag::States, b"dpkginfo_state") => {
                self.item = Some(self.required(e, "id", pos)?);
                self.state = EvrState {
                    comment: self.attr(e, "comment", pos)?.unwrap_or_default(),
                    ..EvrState::default()
                };
                Tag::DpkgState
            }
            (Tag::Variables, b"constant_variable") => {
                let id = self.required(e, "id", pos)?;
                self.note_pro(e, &id, pos)?;
                self.item = Some(id);
                self.values.clear();
                Tag::ConstVariable
            }
            (Tag::DpkgTest, b"object") => {
                self.test.object = Some(self.required(e, "object_ref", pos)?);
                Tag::Other
            }
            (Tag::DpkgTest, b"state") => {
                self.test.state = Some(self.required(e, "state_ref", pos)?);
                Tag::Other
            }
            (Tag::DpkgObject, b"name") => {
                if let (Some(var), Some(id)) = (self.attr(e, "var_ref", pos)?, self.item.clone()) {
                    self.doc.objects.insert(id, ObjectName::Variable(var));
                } else {
                    self.capture(Capture::ObjectName);
                }
                Tag::Other
            }
            (Tag::DpkgState, b"evr") => {
                self.state.operation = self.attr(e, "operation", pos)?;
                self.capture(Capture::Evr);
                Tag::Other
            }
            (Tag::ConstVariable, b"value") => {
                self.capture(Capture::Value);
                Tag::Other
            }
            _ if self.def.is_some() => {
                self.start_in_definition(e, local, pos)?;
                Tag::Other
            }
            _ => Tag::Other,
        };
        self.stack.push(tag);
        Ok(())
    }

    fn start_in_definition(
        &mut self,
        e: &BytesStart<'_>,
        local: &[u8],
        pos: u64,
    ) -> Result<(), FeedError> {
        match local {
            b"definition" => return Err(self.malformed(pos, "nested <definition>")),
            b"title" => self.capture(Capture::Title),
            b"platform" => self.capture(Capture::Platform),
            b"severity" => self.capture(Capture::Severity),
            b"cve" => {
                self.cve_priority = self.attr(e, "priority", pos)?;
                self.capture(Capture::Cve);
            }
            b"reference" => {
                let source = self.attr(e, "source", pos)?.unwrap_or_default();
                let ref_id = self.attr(e, "ref_id", pos)?.unwrap_or_default();
                let ref_id = ref_id.trim();
                if let Some(def) = self.def.as_mut()
                    && !ref_id.is_empty()
                {
                    if source.eq_ignore_ascii_case("CVE") {
                        def.add_cve(ref_id, None);
                    } else if source.eq_ignore_ascii_case("USN")
                        && !def.notices.iter().any(|n| n == ref_id)
                    {
                        def.notices.push(ref_id.to_owned());
                    }
                }
            }
            b"criterion" => {
                let test = self.required(e, "test_ref", pos)?;
                if let Some(def) = self.def.as_mut() {
                    def.tests.push(test);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, _pos: u64) {
        let depth = self.stack.len().saturating_sub(1);
        let Some(tag) = self.stack.pop() else {
            return;
        };
        if let Some((c, at)) = self.capture
            && at == depth
        {
            self.capture = None;
            let text = self.text.trim().to_owned();
            self.text.clear();
            self.captured(c, text);
            return;
        }
        match tag {
            Tag::Definition => {
                if let Some(d) = self.def.take() {
                    self.doc.definitions.push(d);
                }
            }
            Tag::DpkgTest => {
                if let Some(id) = self.item.take() {
                    self.doc
                        .dpkg_tests
                        .insert(id, std::mem::take(&mut self.test));
                }
            }
            Tag::DpkgState => {
                if let Some(id) = self.item.take() {
                    self.doc.states.insert(id, std::mem::take(&mut self.state));
                }
            }
            Tag::ConstVariable => {
                if let Some(id) = self.item.take() {
                    self.doc
                        .variables
                        .insert(id, std::mem::take(&mut self.values));
                }
            }
            Tag::DpkgObject => self.item = None,
            _ => {}
        }
    }

    fn captured(&mut self, c: Capture, text: String) {
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
            Capture::Severity => {
                if let Some(d) = self.def.as_mut() {
                    d.severity = Some(text);
                }
            }
            Capture::Cve => {
                let priority = self.cve_priority.take();
                if let Some(d) = self.def.as_mut()
                    && text.starts_with("CVE-")
                {
                    d.add_cve(&text, priority);
                }
            }
            Capture::ObjectName => {
                if let Some(id) = self.item.clone() {
                    self.doc.objects.insert(id, ObjectName::Literal(text));
                }
            }
            Capture::Evr => self.state.evr = Some(text),
            Capture::Value => {
                if !text.is_empty() {
                    self.values.push(text);
                }
            }
        }
    }
}

/// Whether a `comment` says the item ships through Ubuntu Pro (ESM): Canonical writes
/// `Available with Ubuntu Pro: https://ubuntu.com/pro`, against `Long Term Support` /
/// `Long Term Release` for the public archive.
fn is_pro_comment(comment: &str) -> bool {
    comment.contains("Ubuntu Pro")
}

/// Reads the release from `com.ubuntu.jammy.usn.oval.xml`.
fn namespace_from_file_name(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let rest = base.strip_prefix("com.ubuntu.")?;
    releases::namespace(rest.split('.').next()?)
}

/// Reads the release from `oval:com.ubuntu.jammy:def:54021000000`.
fn namespace_from_id(id: &str) -> Option<String> {
    let rest = id.strip_prefix("oval:com.ubuntu.")?;
    releases::namespace(rest.split(':').next()?)
}

/// Reads the release from `Ubuntu 22.04 LTS` / `Ubuntu 22.04 ESM`.
fn namespace_from_platform(platform: &str) -> Option<String> {
    releases::namespace(platform.trim().strip_prefix("Ubuntu ")?)
}

/// One fix of one (vulnerability, binary) as read from a definition.
#[derive(Debug, Clone)]
struct Fix {
    /// The `evr` as written, epoch `0:` removed.
    version: String,
    operation: String,
    pro: bool,
    severity: Severity,
    notices: Vec<String>,
    record_id: String,
}

impl Document {
    fn emit(&self, input: &FeedInput, emit: &mut dyn FnMut(Advisory)) -> Result<(), FeedError> {
        let file_ns = namespace_from_file_name(&input.file_name);
        // (namespace, vulnerability, binary) → the fix with the highest version.
        let mut fixes: BTreeMap<(String, String, String), Fix> = BTreeMap::new();
        for def in &self.definitions {
            if !matches!(def.class.as_str(), "patch" | "vulnerability") {
                continue;
            }
            let namespace = file_ns
                .clone()
                .or_else(|| namespace_from_id(&def.id))
                .or_else(|| def.platforms.iter().find_map(|p| namespace_from_platform(p)))
                .ok_or_else(|| {
                    FeedError::malformed(
                        input,
                        format!(
                            "definition {}: no Ubuntu release in the file name {:?}, the id or a <platform>",
                            def.id, input.file_name
                        ),
                    )
                })?;
            let esm_platform = def.platforms.iter().any(|p| p.trim_end().ends_with("ESM"));
            let notices: Vec<String> = if def.notices.is_empty() {
                def.title
                    .split_whitespace()
                    .next()
                    .filter(|t| t.starts_with("USN-") || t.starts_with("LSN-"))
                    .map(str::to_owned)
                    .into_iter()
                    .collect()
            } else {
                def.notices.clone()
            };
            let notice_severity = def
                .severity
                .as_deref()
                .map_or(Severity::Unknown, severity_of_priority);
            let vulns: Vec<(String, Severity)> = if def.cves.is_empty() {
                match notices.first() {
                    Some(n) => vec![(n.clone(), notice_severity)],
                    None => {
                        return Err(FeedError::malformed(
                            input,
                            format!("definition {}: neither a CVE nor a notice id", def.id),
                        ));
                    }
                }
            } else {
                def.cves
                    .iter()
                    .map(|(id, p)| {
                        let s = p.as_deref().map_or(Severity::Unknown, severity_of_priority);
                        (
                            id.clone(),
                            if s == Severity::Unknown {
                                notice_severity
                            } else {
                                s
                            },
                        )
                    })
                    .collect()
            };
            for test_ref in &def.tests {
                let Some(test) = self.dpkg_tests.get(test_ref) else {
                    if self.other_tests.contains(test_ref) {
                        continue;
                    }
                    return Err(FeedError::malformed(
                        input,
                        format!(
                            "definition {}: criterion refers to unknown test {test_ref}",
                            def.id
                        ),
                    ));
                };
                let (names, state, pro_item) = self.resolve(input, &def.id, test_ref, test)?;
                let Some(evr) = state.evr.as_deref() else {
                    return Err(FeedError::malformed(
                        input,
                        format!(
                            "definition {}: state of test {test_ref} has no <evr>",
                            def.id
                        ),
                    ));
                };
                // Older files mark Pro fixes on the test, newer ones (noble) on the object,
                // state and variable; a definition for the ESM platform is Pro throughout.
                let pro = is_pro_comment(&test.comment)
                    || is_pro_comment(&state.comment)
                    || pro_item
                    || esm_platform;
                for name in names {
                    for (vuln, severity) in &vulns {
                        let fix = Fix {
                            version: normalize_version(evr),
                            operation: state
                                .operation
                                .clone()
                                .unwrap_or_else(|| "equals".to_owned()),
                            pro,
                            severity: *severity,
                            notices: notices.clone(),
                            record_id: def.id.clone(),
                        };
                        merge(
                            &mut fixes,
                            (namespace.clone(), vuln.clone(), name.clone()),
                            fix,
                        );
                    }
                }
            }
        }
        for ((namespace, vuln, package), fix) in fixes {
            emit(advisory(namespace, vuln, package, fix));
        }
        Ok(())
    }

    /// The binary names and the state of a dpkginfo test.
    fn resolve<'d>(
        &'d self,
        input: &FeedInput,
        def: &str,
        test_ref: &str,
        test: &DpkgTest,
    ) -> Result<(Vec<String>, &'d EvrState, bool), FeedError> {
        let dangling = |what: &str| {
            FeedError::malformed(
                input,
                format!("definition {def}: test {test_ref} has no resolvable {what}"),
            )
        };
        let object = test
            .object
            .as_ref()
            .and_then(|o| self.objects.get(o))
            .ok_or_else(|| dangling("dpkginfo_object"))?;
        let state = test
            .state
            .as_ref()
            .and_then(|s| self.states.get(s))
            .ok_or_else(|| dangling("dpkginfo_state"))?;
        let object_id = test.object.as_deref().unwrap_or_default();
        let mut pro = self.pro_items.contains(object_id);
        let names = match object {
            ObjectName::Literal(n) => vec![n.clone()],
            ObjectName::Variable(v) => {
                pro |= self.pro_items.contains(v);
                self.variables
                    .get(v)
                    .cloned()
                    .ok_or_else(|| dangling("constant_variable"))?
            }
        };
        let names = names
            .into_iter()
            .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace))
            .collect();
        Ok((names, state, pro))
    }
}

/// Keeps the highest fixed version per key; the notices of every fix are kept.
fn merge(
    fixes: &mut BTreeMap<(String, String, String), Fix>,
    key: (String, String, String),
    fix: Fix,
) {
    match fixes.get_mut(&key) {
        None => {
            fixes.insert(key, fix);
        }
        Some(old) => {
            let mut notices = std::mem::take(&mut old.notices);
            for n in &fix.notices {
                if !notices.contains(n) {
                    notices.push(n.clone());
                }
            }
            let newer = matches!(
                customs_dpkg::DebScheme.compare(&fix.version, &old.version),
                Ok(std::cmp::Ordering::Greater)
            ) || (fix.version == old.version && old.pro && !fix.pro);
            if newer {
                *old = fix;
            }
            notices.sort();
            old.notices = notices;
        }
    }
}

fn advisory(namespace: String, vuln: String, package: String, fix: Fix) -> Advisory {
    let version = fix.version;
    let (status, affected, fixed_version, notes) = if fix.operation != "less than" {
        (
            Status::Indeterminate,
            AffectedRange::All,
            None,
            Some(format!(
                "unsupported dpkginfo operation {:?} on {version}",
                fix.operation
            )),
        )
    } else if !valid_deb_version(&version) {
        (
            Status::Indeterminate,
            AffectedRange::All,
            None,
            Some(format!("unparseable fixed version {version:?}")),
        )
    } else if fix.pro {
        let note = pro_note(&version);
        (
            Status::Affected,
            AffectedRange::LessThan(version),
            None,
            Some(note),
        )
    } else {
        (
            Status::Fixed,
            AffectedRange::LessThan(version.clone()),
            Some(version),
            None,
        )
    };
    Advisory {
        vulnerability_id: vuln,
        namespace,
        package,
        scheme: "deb".to_owned(),
        status,
        affected,
        fixed_version,
        severity: fix.severity,
        advisory_ids: fix.notices,
        aliases: Vec::new(),
        notes,
        source: KIND.to_owned(),
        record_id: fix.record_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names() {
        assert_eq!(
            namespace_from_file_name("com.ubuntu.jammy.usn.oval.xml").as_deref(),
            Some("ubuntu:22.04")
        );
        assert_eq!(
            namespace_from_file_name("/x/com.ubuntu.noble.usn.oval.xml.bz2").as_deref(),
            Some("ubuntu:24.04")
        );
        assert_eq!(namespace_from_file_name("oval.xml"), None);
        assert_eq!(
            namespace_from_id("oval:com.ubuntu.focal:def:1").as_deref(),
            Some("ubuntu:20.04")
        );
        assert_eq!(
            namespace_from_platform("Ubuntu 22.04 ESM").as_deref(),
            Some("ubuntu:22.04")
        );
        assert_eq!(namespace_from_platform("Debian GNU/Linux 12"), None);
    }
}
