//! A streaming reader for OVAL definitions documents (the subset vendors' vulnerability
//! feeds use), built on quick-xml. It keeps a compact summary (descriptions only when asked
//! for, and only their beginning):
//!
//! - each `<definition>`: id, class, title, `<platform>`s, `<reference source ref_id>`s,
//!   the vendor's `<severity>`, `<advisory_id>`, `<patchable>`, and every `<criterion>`
//!   (`test_ref`, comment, `negate`, and the chain of `<criteria>` nodes around it) together
//!   with each `<criteria>` node's operator, so callers can tell which criteria share an AND
//!   branch (SUSE: which product criteria go with which package criteria);
//! - each definition's `<cve>` elements (with Ubuntu's `priority` and Red Hat's `impact`),
//!   the `<cpe>`s of its `<affected_cpe_list>`, and, when asked for, the beginning of its
//!   `<description>`;
//! - each test under `<tests>`: its element name, `comment`, and object and state references;
//! - each object under `<objects>`: its `<name>`, or the `var_ref` of a `<name>` that names a
//!   variable, and its `comment`;
//! - each state under `<states>`: its `<evr>` and `<version>` (text and operation),
//!   `<arch>` (and operation), `<signature_keyid>` and `comment`. vunnel's trimmed SUSE
//!   fixture names that section `<state>`; both are read;
//! - each variable under `<variables>` (`constant_variable`): its `<value>`s and `comment`.
//!
//! Security: the input size is capped (the caller's limit), element nesting is capped at
//! [`MAX_DEPTH`], kept text at [`MAX_TEXT`] bytes, definitions at [`MAX_DEFINITIONS`],
//! tests, objects, states and variables at [`MAX_ITEMS`], criteria per definition at
//! [`MAX_CRITERIA`]. A DOCTYPE with an internal subset is refused and only the predefined
//! XML entities and character references are resolved, so entity expansion attacks fail at
//! once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use customs_feed::{FeedError, FeedInput};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// The limit on the text of any element or attribute the reader keeps.
pub const MAX_TEXT: usize = 64 * 1024;
/// The limit on element nesting.
pub const MAX_DEPTH: usize = 256;
/// The limit on definitions in one document.
pub const MAX_DEFINITIONS: usize = 1_000_000;
/// The limit on tests + objects + states + variables in one document.
pub const MAX_ITEMS: usize = 20_000_000;
/// The limit on `<criteria>` and `<criterion>` elements in one definition.
pub const MAX_CRITERIA: usize = 200_000;

/// What the reader keeps beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Keep the first this many bytes of each definition's `<description>` (0: none).
    /// Descriptions are long; Rocky Linux names its CVEs only there.
    pub description_bytes: usize,
}

/// One `<cve>` element of a definition's `<advisory>`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cve {
    pub id: String,
    /// Ubuntu's per-CVE priority.
    pub priority: Option<String>,
    /// Red Hat's per-CVE impact.
    pub impact: Option<String>,
}

/// One `<criterion>`.
#[derive(Debug, Default, Clone)]
pub struct Criterion {
    pub test_ref: String,
    pub comment: String,
    /// The ids (document order numbers within the definition) of the enclosing `<criteria>`,
    /// outermost first.
    pub scopes: Vec<u32>,
    /// `negate="true"`: the criterion holds when its test does not.
    pub negate: bool,
}

/// What the reader keeps of one `<definition>`.
#[derive(Debug, Default, Clone)]
pub struct Definition {
    pub id: String,
    pub class: String,
    pub title: String,
    pub platforms: Vec<String>,
    /// `(source, ref_id)` of every `<reference>`.
    pub references: Vec<(String, String)>,
    pub severity: String,
    pub advisory_id: String,
    pub patchable: String,
    pub criteria: Vec<Criterion>,
    /// Every `<cve>` element (in `<advisory>`).
    pub cves: Vec<Cve>,
    /// The non-empty `<cpe>`s of the advisory's `<affected_cpe_list>` (Red Hat's repositories).
    pub cpes: Vec<String>,
    /// The beginning of the `<description>`, with [`ReadOptions::description_bytes`].
    pub description: String,
    /// Per `<criteria>` node (indexed by the scope numbers of [`Criterion::scopes`]): whether
    /// its operator is AND (the OVAL default when the attribute is missing).
    pub scope_is_and: Vec<bool>,
    /// Per `<criteria>` node: `negate="true"`.
    pub scope_negate: Vec<bool>,
}

impl Definition {
    /// The `ref_id`s of references whose source is `source` (case-insensitive), deduplicated.
    pub fn refs(&self, source: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (s, r) in &self.references {
            if s.eq_ignore_ascii_case(source) && !r.is_empty() && !out.contains(r) {
                out.push(r.clone());
            }
        }
        out
    }
}

/// A test: its element name (`dpkginfo_test`, `rpminfo_test`, ...) and references.
#[derive(Debug, Default, Clone)]
pub struct Test {
    pub kind: String,
    pub comment: String,
    pub object: Option<String>,
    /// The first `<state>`'s reference.
    pub state: Option<String>,
    /// Every `<state>`'s reference, in order (Red Hat tests have one for the version and
    /// one for the signing key).
    pub states: Vec<String>,
}

/// A state's fields (text, operation).
#[derive(Debug, Default, Clone)]
pub struct State {
    pub evr: Option<(String, String)>,
    pub version: Option<(String, String)>,
    pub arch: Option<String>,
    /// The `operation` of `<arch>`, when given (`pattern match`).
    pub arch_operation: Option<String>,
    pub signature_keyid: Option<String>,
    pub comment: String,
}

/// The summary of a whole document.
#[derive(Debug, Default)]
pub struct Document {
    pub definitions: Vec<Definition>,
    pub tests: HashMap<String, Test>,
    /// Object id → the text of its `<name>`.
    pub objects: HashMap<String, String>,
    /// Object id → the variable its `<name var_ref>` names.
    pub object_vars: HashMap<String, String>,
    pub states: HashMap<String, State>,
    /// Variable id → its non-empty `<value>`s, in order.
    pub variables: HashMap<String, Vec<String>>,
    /// Object and variable id → its `comment`, when it has one.
    pub comments: HashMap<String, String>,
}

impl Document {
    /// The package name and state a test refers to, when both resolve.
    pub fn resolve(&self, test_ref: &str) -> Option<(&str, &State)> {
        let t = self.tests.get(test_ref)?;
        let name = self.objects.get(t.object.as_ref()?)?;
        let state = self.states.get(t.state.as_ref()?)?;
        Some((name, state))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Root,
    Definition,
    Criteria,
    Tests,
    Test,
    Objects,
    Object,
    States,
    State,
    Variables,
    Variable,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Title,
    Platform,
    Severity,
    AdvisoryId,
    Patchable,
    ObjectName,
    Evr,
    Version,
    Arch,
    Cve,
    Value,
    Cpe,
    Description,
    Signature,
}

struct Reader<'i> {
    input: &'i FeedInput,
    options: ReadOptions,
    /// Tests, objects, states and variables read.
    items: usize,
    /// `<criteria>` and `<criterion>` elements of the current definition.
    criteria_count: usize,
    /// The attributes of the `<cve>` being read.
    cve: Cve,
    doc: Document,
    stack: Vec<Ctx>,
    def: Option<Definition>,
    scopes: Vec<u32>,
    next_scope: u32,
    current_id: Option<String>,
    test: Test,
    state: State,
    values: Vec<String>,
    capture: Option<(Capture, usize, Option<String>)>,
    text: String,
    saw_root: bool,
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

/// Reads a whole document from `body`, at most `max_bytes` of it.
pub fn read(input: &FeedInput, body: &mut dyn Read, max_bytes: u64) -> Result<Document, FeedError> {
    read_with(input, body, max_bytes, ReadOptions::default())
}

/// [`read`], keeping what `options` asks for too.
pub fn read_with(
    input: &FeedInput,
    body: &mut dyn Read,
    max_bytes: u64,
    options: ReadOptions,
) -> Result<Document, FeedError> {
    let mut limited = body.take(max_bytes.saturating_add(1));
    let source = BufReader::with_capacity(256 * 1024, &mut limited);
    let result = read_from(input, source, options);
    // `take` stops quietly at the limit; a document that long is refused whatever the
    // parser made of the cut.
    if limited.limit() == 0 {
        return Err(FeedError::Limit {
            kind: input.kind.clone(),
            location: input.location.clone(),
            limit: max_bytes,
            what: "bytes in the decompressed document".into(),
        });
    }
    result
}

fn read_from<R: BufRead>(
    input: &FeedInput,
    source: R,
    options: ReadOptions,
) -> Result<Document, FeedError> {
    let mut reader = quick_xml::Reader::from_reader(source);
    reader.config_mut().check_end_names = true;
    let mut r = Reader {
        input,
        options,
        items: 0,
        criteria_count: 0,
        cve: Cve::default(),
        doc: Document::default(),
        stack: Vec::with_capacity(32),
        def: None,
        scopes: Vec::new(),
        next_scope: 0,
        current_id: None,
        test: Test::default(),
        state: State::default(),
        values: Vec::new(),
        capture: None,
        text: String::new(),
        saw_root: false,
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
                let char_ref = g
                    .resolve_char_ref()
                    .map_err(|e| r.malformed(pos, format!("bad character reference: {e}")))?;
                let mut utf8 = [0u8; 4];
                let resolved: &str = if let Some(c) = char_ref {
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
                if d.contains("<!ENTITY") || d.contains('[') {
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

impl Reader<'_> {
    fn malformed(&self, pos: u64, msg: impl std::fmt::Display) -> FeedError {
        FeedError::malformed(self.input, format!("at byte {pos}: {msg}"))
    }

    fn attr(&self, e: &BytesStart<'_>, name: &[u8], pos: u64) -> Result<Option<String>, FeedError> {
        attr(e, name).map_err(|m| self.malformed(pos, m))
    }

    fn push_text(&mut self, s: &str, pos: u64) -> Result<(), FeedError> {
        if matches!(self.capture, Some((Capture::Description, _, _))) {
            // Only the beginning is kept: cut quietly.
            let room = self
                .options
                .description_bytes
                .saturating_sub(self.text.len());
            self.text.push_str(truncate(s, room));
            return Ok(());
        }
        if self.text.len() + s.len() > MAX_TEXT {
            return Err(FeedError::Limit {
                kind: self.input.kind.clone(),
                location: self.input.location.clone(),
                limit: MAX_TEXT as u64,
                what: format!("element text at byte {pos}"),
            });
        }
        self.text.push_str(s);
        Ok(())
    }

    fn limit(&self, limit: usize, what: String) -> FeedError {
        FeedError::Limit {
            kind: self.input.kind.clone(),
            location: self.input.location.clone(),
            limit: limit as u64,
            what,
        }
    }

    fn count_item(&mut self, pos: u64) -> Result<(), FeedError> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(self.limit(
                MAX_ITEMS,
                format!("tests, objects, states and variables (at byte {pos})"),
            ));
        }
        Ok(())
    }

    fn count_criteria(&mut self, pos: u64) -> Result<(), FeedError> {
        self.criteria_count += 1;
        if self.criteria_count > MAX_CRITERIA {
            let id = self.def.as_ref().map_or("", |d| d.id.as_str());
            return Err(self.limit(
                MAX_CRITERIA,
                format!("criteria in definition {id} (at byte {pos})"),
            ));
        }
        Ok(())
    }

    /// Keeps the `comment` of the object or variable being read.
    fn keep_comment(&mut self, e: &BytesStart<'_>, pos: u64) -> Result<(), FeedError> {
        if let (Some(id), Some(comment)) = (self.current_id.clone(), self.attr(e, b"comment", pos)?)
        {
            self.doc.comments.insert(id, comment);
        }
        Ok(())
    }

    fn begin(&mut self, c: Capture, operation: Option<String>) {
        self.capture = Some((c, self.stack.len(), operation));
        self.text.clear();
    }

    fn start(&mut self, e: &BytesStart<'_>, pos: u64) -> Result<(), FeedError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(FeedError::Limit {
                kind: self.input.kind.clone(),
                location: self.input.location.clone(),
                limit: MAX_DEPTH as u64,
                what: format!("element nesting at byte {pos}"),
            });
        }
        let local = e.local_name();
        let local = local.as_ref().as_bytes();
        if self.stack.is_empty() {
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
            self.stack.push(Ctx::Root);
            return Ok(());
        }
        let parent = self.stack.last().copied().unwrap_or(Ctx::Other);
        let in_def = self.def.is_some();
        let ctx = if in_def {
            match local {
                b"definition" => return Err(self.malformed(pos, "nested <definition>")),
                b"criteria" => {
                    self.count_criteria(pos)?;
                    let op = self.attr(e, b"operator", pos)?;
                    let is_and = op.is_none_or(|o| o.trim().eq_ignore_ascii_case("AND"));
                    let negate = self
                        .attr(e, b"negate", pos)?
                        .is_some_and(|n| n.trim() == "true" || n.trim() == "1");
                    self.scopes.push(self.next_scope);
                    self.next_scope = self.next_scope.saturating_add(1);
                    if let Some(d) = self.def.as_mut() {
                        d.scope_is_and.push(is_and);
                        d.scope_negate.push(negate);
                    }
                    Ctx::Criteria
                }
                b"criterion" => {
                    self.count_criteria(pos)?;
                    let test_ref = self
                        .attr(e, b"test_ref", pos)?
                        .ok_or_else(|| self.malformed(pos, "<criterion> without test_ref"))?;
                    let comment = self.attr(e, b"comment", pos)?.unwrap_or_default();
                    let negate = self
                        .attr(e, b"negate", pos)?
                        .is_some_and(|n| n.trim() == "true" || n.trim() == "1");
                    let scopes = self.scopes.clone();
                    if let Some(d) = self.def.as_mut() {
                        d.criteria.push(Criterion {
                            test_ref,
                            comment,
                            scopes,
                            negate,
                        });
                    }
                    Ctx::Other
                }
                b"reference" => {
                    let source = self.attr(e, b"source", pos)?.unwrap_or_default();
                    let ref_id = self.attr(e, b"ref_id", pos)?.unwrap_or_default();
                    if let Some(d) = self.def.as_mut() {
                        d.references.push((source, ref_id.trim().to_owned()));
                    }
                    Ctx::Other
                }
                b"title" if self.capture.is_none() => {
                    self.begin(Capture::Title, None);
                    Ctx::Other
                }
                b"platform" => {
                    self.begin(Capture::Platform, None);
                    Ctx::Other
                }
                b"severity" => {
                    self.begin(Capture::Severity, None);
                    Ctx::Other
                }
                b"advisory_id" => {
                    self.begin(Capture::AdvisoryId, None);
                    Ctx::Other
                }
                b"patchable" => {
                    self.begin(Capture::Patchable, None);
                    Ctx::Other
                }
                b"cve" if self.capture.is_none() => {
                    self.cve = Cve {
                        id: String::new(),
                        priority: self.attr(e, b"priority", pos)?,
                        impact: self.attr(e, b"impact", pos)?,
                    };
                    self.begin(Capture::Cve, None);
                    Ctx::Other
                }
                b"cpe" if self.capture.is_none() => {
                    self.begin(Capture::Cpe, None);
                    Ctx::Other
                }
                b"description" if self.capture.is_none() && self.options.description_bytes > 0 => {
                    self.begin(Capture::Description, None);
                    Ctx::Other
                }
                _ => Ctx::Other,
            }
        } else {
            match (parent, local) {
                (_, b"definition") => {
                    if self.doc.definitions.len() >= MAX_DEFINITIONS {
                        return Err(
                            self.limit(MAX_DEFINITIONS, format!("definitions (at byte {pos})"))
                        );
                    }
                    self.criteria_count = 0;
                    let id = self
                        .attr(e, b"id", pos)?
                        .ok_or_else(|| self.malformed(pos, "<definition> without an id"))?;
                    let class = self.attr(e, b"class", pos)?.unwrap_or_default();
                    self.def = Some(Definition {
                        id,
                        class,
                        ..Definition::default()
                    });
                    self.scopes.clear();
                    self.next_scope = 0;
                    Ctx::Definition
                }
                (Ctx::Root, b"tests") => Ctx::Tests,
                (Ctx::Root, b"objects") => Ctx::Objects,
                (Ctx::Root, b"states" | b"state") => Ctx::States,
                (Ctx::Root, b"variables") => Ctx::Variables,
                (Ctx::Tests, _) => {
                    self.count_item(pos)?;
                    self.current_id = self.attr(e, b"id", pos)?;
                    self.test = Test {
                        kind: String::from_utf8_lossy(local).into_owned(),
                        comment: self.attr(e, b"comment", pos)?.unwrap_or_default(),
                        ..Test::default()
                    };
                    Ctx::Test
                }
                (Ctx::Test, b"object") => {
                    self.test.object = self.attr(e, b"object_ref", pos)?;
                    Ctx::Other
                }
                (Ctx::Test, b"state") => {
                    if let Some(s) = self.attr(e, b"state_ref", pos)? {
                        if self.test.state.is_none() {
                            self.test.state = Some(s.clone());
                        }
                        self.test.states.push(s);
                    }
                    Ctx::Other
                }
                (Ctx::Objects, _) => {
                    self.count_item(pos)?;
                    self.current_id = self.attr(e, b"id", pos)?;
                    self.keep_comment(e, pos)?;
                    Ctx::Object
                }
                (Ctx::Object, b"name") => {
                    match (self.attr(e, b"var_ref", pos)?, self.current_id.clone()) {
                        (Some(var), Some(id)) => {
                            self.doc.object_vars.insert(id, var);
                        }
                        _ => self.begin(Capture::ObjectName, None),
                    }
                    Ctx::Other
                }
                (Ctx::States, _) => {
                    self.count_item(pos)?;
                    self.current_id = self.attr(e, b"id", pos)?;
                    self.state = State {
                        comment: self.attr(e, b"comment", pos)?.unwrap_or_default(),
                        ..State::default()
                    };
                    Ctx::State
                }
                (Ctx::Variables, _) => {
                    self.count_item(pos)?;
                    self.current_id = self.attr(e, b"id", pos)?;
                    self.keep_comment(e, pos)?;
                    self.values.clear();
                    Ctx::Variable
                }
                (Ctx::Variable, b"value") => {
                    self.begin(Capture::Value, None);
                    Ctx::Other
                }
                (Ctx::State, b"evr") => {
                    let op = self.attr(e, b"operation", pos)?;
                    self.begin(Capture::Evr, op);
                    Ctx::Other
                }
                (Ctx::State, b"version") => {
                    let op = self.attr(e, b"operation", pos)?;
                    self.begin(Capture::Version, op);
                    Ctx::Other
                }
                (Ctx::State, b"arch") => {
                    self.state.arch_operation = self.attr(e, b"operation", pos)?;
                    self.begin(Capture::Arch, None);
                    Ctx::Other
                }
                (Ctx::State, b"signature_keyid") => {
                    self.begin(Capture::Signature, None);
                    Ctx::Other
                }
                _ => Ctx::Other,
            }
        };
        self.stack.push(ctx);
        Ok(())
    }

    fn end(&mut self, pos: u64) -> Result<(), FeedError> {
        let Some(ctx) = self.stack.pop() else {
            return Err(self.malformed(pos, "end tag without a start tag"));
        };
        if let Some((c, depth, _)) = &self.capture
            && *depth == self.stack.len()
        {
            let c = *c;
            let attr = self.capture.take().and_then(|(_, _, op)| op);
            let text = self.text.trim().to_owned();
            self.text.clear();
            if let (Capture::Cve, Some(d)) = (c, self.def.as_mut()) {
                let cve = std::mem::take(&mut self.cve);
                if !text.is_empty() {
                    d.cves.push(Cve { id: text, ..cve });
                }
                return Ok(());
            }
            let op = attr.unwrap_or_else(|| "equals".to_owned());
            match (c, self.def.as_mut()) {
                (Capture::Title, Some(d)) => d.title = text,
                (Capture::Platform, Some(d)) => d.platforms.push(text),
                (Capture::Severity, Some(d)) => d.severity = text,
                (Capture::AdvisoryId, Some(d)) => d.advisory_id = text,
                (Capture::Patchable, Some(d)) => d.patchable = text,
                (Capture::ObjectName, _) => {
                    if let Some(id) = self.current_id.clone() {
                        self.doc.objects.insert(id, text);
                    }
                }
                (Capture::Evr, _) => self.state.evr = Some((text, op)),
                (Capture::Version, _) => self.state.version = Some((text, op)),
                (Capture::Arch, _) => self.state.arch = Some(text),
                (Capture::Signature, _) => self.state.signature_keyid = Some(text),
                (Capture::Cpe, Some(d)) if !text.is_empty() => d.cpes.push(text),
                (Capture::Description, Some(d)) => d.description = text,
                (Capture::Value, _) if !text.is_empty() => self.values.push(text),
                _ => {}
            }
            return Ok(());
        }
        match ctx {
            Ctx::Definition => {
                if let Some(d) = self.def.take() {
                    self.doc.definitions.push(d);
                }
            }
            Ctx::Criteria => {
                self.scopes.pop();
            }
            Ctx::Test => {
                if let Some(id) = self.current_id.take() {
                    self.doc.tests.insert(id, std::mem::take(&mut self.test));
                }
            }
            Ctx::State => {
                if let Some(id) = self.current_id.take() {
                    self.doc.states.insert(id, std::mem::take(&mut self.state));
                }
            }
            Ctx::Variable => {
                if let Some(id) = self.current_id.take() {
                    self.doc
                        .variables
                        .insert(id, std::mem::take(&mut self.values));
                }
            }
            Ctx::Object => self.current_id = None,
            _ => {}
        }
        Ok(())
    }
}
