//! Acceptance: ingesting every feed kind that has real input in ../shared/data through the
//! real CLI (`customs db update --feed KIND=LOCATION`), the record count per feed that
//! `customs db status` reports equals an independent count of the source records.
//!
//! "Independent" means the counts here are taken from the source formats with `serde_json`,
//! `yaml-rust2`, line scanning and a small XML tag scanner written for this test — never by
//! calling a project parser. Each counter counts the parser's documented record unit (the
//! module docs of `ecosystems/*/src`), and says what that unit is and why. Every count is
//! also pinned to a literal (`want`), so a parser and a counter cannot drift together.
//!
//! | kind | input (shared/data) | unit counted |
//! |---|---|---|
//! | `alpine-secdb` | feeds/alpine-secdb/json (41 files) | id token of a `secfixes` line |
//! | `wolfi-secdb`, `chainguard-secdb` | vunnel fixtures `security.json` | id token of a `secfixes` line |
//! | `nvd`, `kev` | feeds/nvd samples | element of `vulnerabilities` |
//! | `epss` | feeds/nvd/epss-sample.csv | CSV data line |
//! | `debian-oval` | bookworm, bullseye, buster `.xml.bz2` | definition × platform × CVE × package test |
//! | `debian-dsa` | tracker DSA, DLA, DTSA lists | release line × id of the entry |
//! | `debian-tracker` | tracker-json-sample/debian.json | (package, id, release) |
//! | `ubuntu-oval` | jammy, noble USN OVAL | distinct (CVE, binary package) per file |
//! | `ubuntu-osv` | feeds/ubuntu/osv-samples | (release, source package) × CVE per record |
//! | `redhat-oval`, `rocky-oval`, `alma-oval` | RHEL 9, Rocky 8/9 OVAL; the Alma definition of ecosystems/rhel/tests/data | distinct (CVE, release, package [module]) per file |
//! | `redhat-csaf` | feeds/redhat/csaf-samples (18 documents) | distinct (CVE, RHEL release, package [module]) per document |
//! | `suse-oval` | vunnel `suse_truncated.xml` | distinct (CVE, product release, binary package) per definition |
//! | `amazon-alas` | vunnel's four ALAS pages | (CVE, package name) per page |
//! | `oracle-elsa` | vunnel's three ELSA OVAL files | definition × platform × CVE × (package, fixed version) |
//! | `mariner-oval` | vunnel's Mariner 2.0 and Azure Linux 3.0 OVAL | definition × CVE × package |
//! | `photon` | vunnel's `cve_data_photon{1.0,4.0}.json` | distinct array element |
//! | `osv` | `RustSec`, `PyPA`, Go vulndb archives; osv.dev testdata | interval of a usable range, or one version list, per affected entry |
//! | `ghsa` | `RustSec`'s OSV archive (see below) | as `osv` |
//!
//! Two kinds lack genuine upstream input here: `alma-oval` has no real `AlmaLinux` OVAL file in the
//! shared data — the one used is the repository's `alma-alsa-2022-8194.xml`, a definition
//! written in the Red Hat layout from `AlmaLinux`'s own OSV record of ALSA-2022:8194; `ghsa`
//! has no record published by the GitHub Advisory Database in the shared data (the GitHub
//! files there are vunnel's and grype's normalised forms, not OSV), so it is fed `RustSec`'s
//! OSV database: the `ghsa` kind is the OSV reader with another `source`, and this proves
//! its ingest path and count, not GitHub's data. The Photon OVAL in claircore's testdata is
//! not a format customs reads (the `photon` feed is Photon's CVE metadata JSON).
//!
//! Five tests, one per group; each ingests its group in one `db update` (the feeds in
//! parallel) while it counts.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Sandbox, shared};
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Running the CLI, reading inputs

/// Ingests `feeds` in one `db update` and returns `db status`'s record count per feed.
fn ingest(sb: &Sandbox, feeds: &[(&str, PathBuf)]) -> BTreeMap<String, u64> {
    let refs: Vec<(&str, &Path)> = feeds.iter().map(|(k, p)| (*k, p.as_path())).collect();
    sb.update(&refs);
    let out = sb.run(&["db", "status"]);
    assert!(out.status.success(), "{out:?}");
    let status = String::from_utf8(out.stdout).unwrap();
    let mut counts = BTreeMap::new();
    for line in status.lines() {
        let mut words = line.split_whitespace();
        if let (Some(kind), Some(n)) = (words.next(), words.next())
            && feeds.iter().any(|(k, _)| *k == kind)
        {
            counts.insert(kind.to_owned(), n.parse().unwrap());
        }
    }
    counts
}

/// Runs `count` on this thread while `ingest` runs on another; returns both.
fn ingest_while<T: Send>(
    sb: &Sandbox,
    feeds: &[(&str, PathBuf)],
    count: impl FnOnce() -> T,
) -> (BTreeMap<String, u64>, T) {
    std::thread::scope(|s| {
        let ingested = s.spawn(|| ingest(sb, feeds));
        let counted = count();
        (ingested.join().unwrap(), counted)
    })
}

/// Checks, per kind, independent count == pinned literal and ingested count == independent.
fn check(ingested: &BTreeMap<String, u64>, counted: &[(&str, u64)], want: &[(&str, u64)]) {
    for (kind, n) in counted {
        let pinned = want.iter().find(|(k, _)| k == kind).map(|(_, n)| *n);
        assert_eq!(Some(*n), pinned, "{kind}: independent count");
        assert_eq!(ingested.get(*kind), Some(n), "{kind}: ingested count");
    }
    assert_eq!(counted.len(), want.len());
}

/// Extracts `members` (as the archive names them, `./…`; directories recursively) of a
/// shared `.tar.zst` into `dir` with GNU tar.
fn untar(archive: &str, dir: &Path, members: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let out = Command::new("tar")
        .args(["--zstd", "-xf"])
        .arg(shared(archive))
        .arg("-C")
        .arg(dir)
        .args(members)
        .output()
        .expect("GNU tar with zstd");
    assert!(
        out.status.success(),
        "{archive}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The vunnel provider fixtures `members` (paths below `tests/unit/providers/`) extracted
/// under `dir`; returns `dir/tests/unit/providers`.
fn vunnel(dir: &Path, members: &[&str]) -> PathBuf {
    let full: Vec<String> = members
        .iter()
        .map(|m| format!("./tests/unit/providers/{m}"))
        .collect();
    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
    untar(
        "feeds/vunnel-fixtures/vunnel-provider-fixtures.tar.zst",
        dir,
        &refs,
    );
    dir.join("tests/unit/providers")
}

/// Every file under `dir` (recursively) whose name ends with one of `exts`, sorted.
fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if exts.iter().any(|x| p.to_string_lossy().ends_with(x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn bunzip(p: &Path) -> String {
    let out = Command::new("bzip2").arg("-dc").arg(p).output().unwrap();
    assert!(out.status.success(), "bzip2 -dc {}", p.display());
    String::from_utf8(out.stdout).unwrap()
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

// ---------------------------------------------------------------------------------------
// A small XML tag scanner (not the project's readers, which use quick-xml)

/// One tag and the character data that follows it. Found by searching `<` and the `>` that
/// ends the tag outside quoted attribute values; comments, `<?…?>` and `<!…>` are skipped;
/// a CDATA section fails the test (the OVAL files here have none). Names are local (the
/// namespace prefix dropped).
struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
    close: bool,
    empty: bool,
    text: &'a str,
}

struct Tags<'a> {
    rest: &'a str,
}

fn tags(xml: &str) -> Tags<'_> {
    Tags { rest: xml }
}

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    fn next(&mut self) -> Option<Tag<'a>> {
        loop {
            let at = self.rest.find('<')?;
            let t = &self.rest[at..];
            if let Some(c) = t.strip_prefix("<!--") {
                self.rest = &c[c.find("-->").expect("unterminated comment") + 3..];
                continue;
            }
            assert!(!t.starts_with("<![CDATA["), "CDATA section");
            if t.starts_with("<?") || t.starts_with("<!") {
                self.rest = &t[t.find('>')? + 1..];
                continue;
            }
            let mut quote = 0u8;
            let end = t.bytes().enumerate().skip(1).find_map(|(i, b)| {
                if quote != 0 {
                    if b == quote {
                        quote = 0;
                    }
                } else if b == b'"' || b == b'\'' {
                    quote = b;
                } else if b == b'>' {
                    return Some(i);
                }
                None
            })?;
            let inner = &t[1..end];
            let after = &t[end + 1..];
            self.rest = after;
            let close = inner.starts_with('/');
            let empty = inner.ends_with('/');
            let inner = inner.trim_start_matches('/').trim_end_matches('/');
            let name_len = inner
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(inner.len());
            let qname = &inner[..name_len];
            return Some(Tag {
                name: qname.rsplit(':').next().unwrap(),
                attrs: &inner[name_len..],
                close,
                empty,
                text: &after[..after.find('<').unwrap_or(after.len())],
            });
        }
    }
}

/// The value of attribute `key` (exact qualified name) in a tag's attribute text, with the
/// predefined entities resolved.
fn attr(attrs: &str, key: &str) -> Option<String> {
    let mut rest = attrs;
    loop {
        rest = rest.trim_start();
        let eq = rest.find('=')?;
        let name = rest[..eq].trim();
        let v = rest[eq + 1..].trim_start();
        let q = v.chars().next()?;
        let close = v[1..].find(q)? + 1;
        if name == key {
            return Some(unescape(&v[1..close]));
        }
        rest = &v[close + 1..];
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// An element tree built from [`tags`]: name, attribute text, the text right after the
/// start tag (a leaf's content), children.
#[derive(Default)]
struct El {
    name: String,
    attrs: String,
    text: String,
    kids: Vec<El>,
}

fn dom(xml: &str) -> El {
    let mut stack = vec![El::default()];
    for t in tags(xml) {
        if t.close {
            let done = stack.pop().unwrap();
            assert_eq!(done.name, t.name, "mismatched end tag");
            stack.last_mut().unwrap().kids.push(done);
            continue;
        }
        let el = El {
            name: t.name.to_owned(),
            attrs: t.attrs.to_owned(),
            text: unescape(t.text.trim()),
            kids: Vec::new(),
        };
        if t.empty {
            stack.last_mut().unwrap().kids.push(el);
        } else {
            stack.push(el);
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    stack.pop().unwrap()
}

impl El {
    fn attr(&self, key: &str) -> Option<String> {
        attr(&self.attrs, key)
    }

    fn kids<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> {
        self.kids.iter().filter(move |k| k.name == name)
    }

    fn kid(&self, name: &str) -> Option<&El> {
        self.kids.iter().find(|k| k.name == name)
    }

    /// Every descendant (not `self`), depth first.
    fn all(&self) -> Vec<&El> {
        let mut out = Vec::new();
        let mut stack: Vec<&El> = self.kids.iter().rev().collect();
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.kids.iter().rev());
        }
        out
    }

    fn all_named<'a>(&'a self, name: &str) -> Vec<&'a El> {
        self.all().into_iter().filter(|e| e.name == name).collect()
    }

    /// The `definitions`, `tests`, `objects`, `states`, `variables` section of an OVAL
    /// document.
    fn section(&self, name: &str) -> &El {
        self.kid("oval_definitions")
            .and_then(|r| r.kid(name))
            .unwrap_or_else(|| panic!("no <{name}>"))
    }
}

/// `(test id → (object ref, state refs))` of the tests named `test`, and `(id → element)`
/// of the objects and states (elements named `*_object`, `*_state` with an `id`) of an
/// OVAL document. Looked up anywhere in the document: vunnel's SUSE fixture names its
/// states section `<state>`.
struct Oval<'a> {
    tests: BTreeMap<String, (String, Vec<String>)>,
    objects: BTreeMap<String, &'a El>,
    states: BTreeMap<String, &'a El>,
}

fn oval_index<'a>(root: &'a El, test: &str) -> Oval<'a> {
    let mut ix = Oval {
        tests: BTreeMap::new(),
        objects: BTreeMap::new(),
        states: BTreeMap::new(),
    };
    for e in root.all() {
        let Some(id) = e.attr("id") else { continue };
        if e.name == test {
            let object = e.kid("object").and_then(|o| o.attr("object_ref"));
            let states = e
                .kids("state")
                .filter_map(|s| s.attr("state_ref"))
                .collect();
            ix.tests.insert(id, (object.unwrap_or_default(), states));
        } else if e.name.ends_with("_object") {
            ix.objects.insert(id, e);
        } else if e.name.ends_with("_state") {
            ix.states.insert(id, e);
        }
    }
    ix
}

/// `CVE-YYYY-N…` tokens of a text, in order, without repeats.
fn cve_tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find("CVE-") {
        let start = i + off;
        let mut j = start + 4;
        let year = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        j += year;
        let mut end = None;
        if year == 4 && b.get(j) == Some(&b'-') {
            let n = b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n >= 4 {
                end = Some(j + 1 + n);
            }
        }
        i = start + 4;
        if let Some(e) = end {
            let id = text[start..e].to_owned();
            if !out.contains(&id) {
                out.push(id);
            }
            i = e;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Group 1: secdb formats and enrichment feeds

/// Alpine secdb JSON (also Wolfi's and Chainguard's): the parser emits one advisory per
/// vulnerability id in a `secfixes` line (`"1.2-r0": ["CVE-… XSA-…", …]`). A line may carry
/// several ids and a comment, so ids are counted as tokens `PREFIX-REST` with an uppercase
/// prefix; "fixed in 0" entries count too (kept as not-affected records).
fn secdb_ids(v: &Value) -> u64 {
    let mut n = 0u64;
    for p in arr(&v["packages"]) {
        let Some(fixes) = p["pkg"]["secfixes"].as_object() else {
            continue;
        };
        for lines in fixes.values() {
            for line in arr(lines) {
                n += s(line)
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|t| {
                        t.split_once('-').is_some_and(|(p, r)| {
                            p.len() >= 2
                                && p.bytes().all(|b| b.is_ascii_uppercase())
                                && !r.is_empty()
                                && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        })
                    })
                    .count() as u64;
            }
        }
    }
    n
}

#[test]
fn secdb_and_enrichment_feeds() {
    let sb = Sandbox::new();
    let providers = vunnel(
        &sb.path("inputs"),
        &[
            "wolfi/test-fixtures/input/secdb/security.json",
            "chainguard/test-fixtures/input/secdb/security.json",
        ],
    );
    let secdb_dir = shared("feeds/alpine-secdb/json");
    let wolfi = providers.join("wolfi/test-fixtures/input/secdb/security.json");
    let chainguard = providers.join("chainguard/test-fixtures/input/secdb/security.json");
    let feeds = [
        ("alpine-secdb", secdb_dir.clone()),
        ("wolfi-secdb", wolfi.clone()),
        ("chainguard-secdb", chainguard.clone()),
        ("nvd", shared("feeds/nvd/nvd-api2-full-page.json")),
        ("kev", shared("feeds/nvd/cisa-kev-sample.json")),
        ("epss", shared("feeds/nvd/epss-sample.csv")),
    ];
    let (ingested, counted) = ingest_while(&sb, &feeds, || {
        let secdb_files = files(&secdb_dir, &[".json"]);
        assert_eq!(secdb_files.len(), 41);
        let alpine: u64 = secdb_files.iter().map(|f| secdb_ids(&json(f))).sum();
        // NVD API 2.0 and the KEV catalogue: one record per element of `vulnerabilities`.
        let elements = |rel: &str| arr(&json(&shared(rel))["vulnerabilities"]).len() as u64;
        // EPSS: one record per CSV data line (the `#model_version` line and the header are
        // not records).
        let epss = read(&shared("feeds/nvd/epss-sample.csv"))
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("cve,") && !l.trim().is_empty())
            .count() as u64;
        vec![
            ("alpine-secdb", alpine),
            ("wolfi-secdb", secdb_ids(&json(&wolfi))),
            ("chainguard-secdb", secdb_ids(&json(&chainguard))),
            ("nvd", elements("feeds/nvd/nvd-api2-full-page.json")),
            ("kev", elements("feeds/nvd/cisa-kev-sample.json")),
            ("epss", epss),
        ]
    });
    check(
        &ingested,
        &counted,
        &[
            ("alpine-secdb", 89_053),
            ("wolfi-secdb", 59),
            ("chainguard-secdb", 197),
            ("nvd", 38),
            ("kev", 2),
            ("epss", 29),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Group 2: Debian

/// Debian's releases by code name (the tracker and DSA lists name releases so).
const DEBIAN_CODENAMES: &[&str] = &[
    "buzz", "rex", "bo", "hamm", "slink", "potato", "woody", "sarge", "etch", "lenny", "squeeze",
    "wheezy", "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky", "sid",
];

/// Debian OVAL: the parser emits one advisory per (vulnerability, package, release) of each
/// `vulnerability` or `patch` definition: its CVE references (or, with none, the id its title
/// starts with), its platforms (`Debian GNU/Linux 12`, or the file's release when none), and
/// its package tests. Counted from the definitions' text alone: package tests by their
/// criterion comments `PKG DPKG is earlier than VERSION` (distinct (package, version) per
/// definition), where the parser resolves the test → object → state chain instead. Scanning
/// stops at `<tests>`.
fn debian_oval(xml: &str) -> u64 {
    let mut n = 0u64;
    let mut class = String::new();
    let mut platforms = BTreeSet::new();
    let mut cves = BTreeSet::new();
    let mut packages = BTreeSet::new();
    for t in tags(xml) {
        match (t.name, t.close) {
            ("tests", false) => break,
            ("definition", false) => {
                class = attr(t.attrs, "class").unwrap();
                platforms.clear();
                cves.clear();
                packages.clear();
            }
            ("platform", false) => {
                platforms.insert(t.text.trim().to_owned());
            }
            ("reference", false) if attr(t.attrs, "source").as_deref() == Some("CVE") => {
                cves.insert(attr(t.attrs, "ref_id").unwrap());
            }
            ("criterion", false) => {
                let comment = attr(t.attrs, "comment").unwrap_or_default();
                if let Some((pkg, version)) = comment.split_once(" DPKG is earlier than ") {
                    packages.insert((pkg.to_owned(), version.to_owned()));
                }
            }
            ("definition", true) if class == "vulnerability" || class == "patch" => {
                n += packages.len() as u64
                    * cves.len().max(1) as u64
                    * platforms.len().max(1) as u64;
            }
            _ => {}
        }
    }
    n
}

/// The tracker's DSA/DLA/DTSA lists: each `[release] - package version` line of an entry
/// is one advisory per id in the entry's `{…}` list (one named by the entry's own id when
/// the list is absent). Entries start at unindented `[date] ID …` lines.
fn dsa_list(text: &str) -> u64 {
    let mut n = 0u64;
    let mut lines = 0u64;
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    let mut flush = |lines: &mut u64, ids: &mut BTreeSet<&str>| {
        n += *lines * ids.len().max(1) as u64;
        *lines = 0;
        ids.clear();
    };
    for line in text.lines() {
        let t = line.trim();
        if line.starts_with('[') {
            flush(&mut lines, &mut ids);
        } else if let Some(list) = t.strip_prefix('{') {
            ids.extend(list.trim_end_matches('}').split_whitespace());
        } else if let Some(rest) = t.strip_prefix('[') {
            let release = &rest[..rest.find(']').unwrap()];
            assert!(DEBIAN_CODENAMES.contains(&release), "{release}");
            lines += 1;
        }
    }
    flush(&mut lines, &mut ids);
    n
}

/// The tracker JSON export `{package: {id: {releases: {codename: {…}}}}}`: one advisory per
/// (package, id, release). An issue without releases is written `[]`.
fn tracker_json(v: &Value) -> u64 {
    let mut n = 0u64;
    for ids in v.as_object().unwrap().values() {
        for issue in ids.as_object().unwrap().values() {
            if let Some(releases) = issue["releases"].as_object() {
                for codename in releases.keys() {
                    assert!(DEBIAN_CODENAMES.contains(&codename.as_str()), "{codename}");
                    n += 1;
                }
            }
        }
    }
    n
}

#[test]
fn debian_feeds() {
    let sb = Sandbox::new();
    let oval: Vec<PathBuf> = ["bookworm", "bullseye", "buster"]
        .iter()
        .map(|r| shared(&format!("feeds/debian/oval/oval-definitions-{r}.xml.bz2")))
        .collect();
    let lists: Vec<PathBuf> = ["DSA", "DLA", "DTSA"]
        .iter()
        .map(|l| shared(&format!("feeds/debian/tracker/{l}.list")))
        .collect();
    let tracker = shared("feeds/debian/tracker-json-sample/debian.json");
    let mut feeds: Vec<(&str, PathBuf)> = Vec::new();
    feeds.extend(oval.iter().map(|p| ("debian-oval", p.clone())));
    feeds.extend(lists.iter().map(|p| ("debian-dsa", p.clone())));
    feeds.push(("debian-tracker", tracker.clone()));
    let (ingested, counted) = ingest_while(&sb, &feeds, || {
        vec![
            (
                "debian-oval",
                std::thread::scope(|s| {
                    let each: Vec<_> = oval
                        .iter()
                        .map(|p| s.spawn(|| debian_oval(&bunzip(p))))
                        .collect();
                    each.into_iter().map(|t| t.join().unwrap()).sum()
                }),
            ),
            ("debian-dsa", lists.iter().map(|p| dsa_list(&read(p))).sum()),
            ("debian-tracker", tracker_json(&json(&tracker))),
        ]
    });
    check(
        &ingested,
        &counted,
        &[
            ("debian-oval", 84_642),
            ("debian-dsa", 35_267),
            ("debian-tracker", 25),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Group 3: Ubuntu

/// Ubuntu USN OVAL: the parser emits one advisory per (CVE, binary package) of the file's
/// release, merging the notices that fix one CVE in one binary. So: the distinct pairs of
/// (a CVE of a `patch` definition — `<reference source="CVE">` and `<cve>` — or, with none,
/// its USN id) × (a binary name of a `dpkginfo_test` it refers to: test → object → the
/// object's `var_ref` → the `constant_variable`'s `<value>`s). Kernel notices refer to
/// `variable_test`s only and give nothing.
fn ubuntu_oval(xml: &str) -> u64 {
    let root = dom(xml);
    let ix = oval_index(&root, "dpkginfo_test");
    let variables: BTreeMap<String, Vec<&str>> = root
        .section("variables")
        .kids("constant_variable")
        .map(|v| {
            (
                v.attr("id").unwrap(),
                v.kids("value").map(|x| x.text.as_str()).collect(),
            )
        })
        .collect();
    let mut keys: BTreeSet<(String, &str)> = BTreeSet::new();
    for def in root.section("definitions").kids("definition") {
        if def.attr("class").as_deref() != Some("patch") {
            continue;
        }
        let meta = def.kid("metadata").unwrap();
        let refs = |source: &str| -> BTreeSet<String> {
            meta.kids("reference")
                .filter(|r| r.attr("source").as_deref() == Some(source))
                .map(|r| r.attr("ref_id").unwrap())
                .collect()
        };
        let mut vulns = refs("CVE");
        vulns.extend(meta.all_named("cve").iter().map(|c| c.text.clone()));
        if vulns.is_empty() {
            vulns = refs("USN");
        }
        for c in def.all_named("criterion") {
            let Some((object, _)) = ix.tests.get(&c.attr("test_ref").unwrap()) else {
                continue;
            };
            let var = ix.objects[object]
                .kid("name")
                .and_then(|n| n.attr("var_ref"))
                .unwrap();
            for binary in &variables[&var] {
                for v in &vulns {
                    keys.insert((v.clone(), binary));
                }
            }
        }
    }
    keys.len() as u64
}

/// Ubuntu OSV (`UBUNTU-CVE-*`, `USN-*`): one advisory per (release, source package) of the
/// `affected` entries whose ecosystem is `Ubuntu:[Pro:]YY.MM[:LTS]` (a public and a Pro
/// entry of one release and package are one advisory), times the record's vulnerabilities:
/// a CVE record's `upstream` ids (`UBUNTU-CVE-X` read as `CVE-X`; the record's own id when
/// there are none), a USN's `cves_map` of the entry (else its `upstream`). Withdrawn
/// records give nothing.
fn ubuntu_osv(r: &Value) -> u64 {
    if !r["withdrawn"].is_null() {
        return 0;
    }
    let id = s(&r["id"]);
    let usn = id.starts_with("USN-") || id.starts_with("LSN-");
    let mut upstream: BTreeSet<&str> = arr(&r["upstream"])
        .iter()
        .map(|u| s(u).trim_start_matches("UBUNTU-"))
        .collect();
    if !usn && upstream.is_empty() {
        upstream.insert(id.trim_start_matches("UBUNTU-"));
    }
    let mut per_package: BTreeMap<(String, &str), u64> = BTreeMap::new();
    for a in arr(&r["affected"]) {
        let eco: Vec<&str> = s(&a["package"]["ecosystem"]).split(':').collect();
        let eco = eco.strip_prefix(&["Ubuntu"]).unwrap_or(&[]);
        let eco = eco.strip_prefix(&["Pro"]).unwrap_or(eco);
        let release = match eco {
            [v] | [v, "LTS"]
                if v.contains('.') && v.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
            {
                *v
            }
            _ => continue,
        };
        let cves_map = arr(&a["database_specific"]["cves_map"]["cves"]).len() as u64;
        let n = if usn && cves_map > 0 {
            cves_map
        } else {
            upstream.len() as u64
        };
        per_package.insert((release.to_owned(), s(&a["package"]["name"])), n);
    }
    per_package.values().sum()
}

#[test]
fn ubuntu_feeds() {
    let sb = Sandbox::new();
    let oval: Vec<PathBuf> = ["jammy", "noble"]
        .iter()
        .map(|r| shared(&format!("feeds/ubuntu/oval/com.ubuntu.{r}.usn.oval.xml")))
        .collect();
    let osv_dir = shared("feeds/ubuntu/osv-samples");
    let mut feeds: Vec<(&str, PathBuf)> = oval.iter().map(|p| ("ubuntu-oval", p.clone())).collect();
    feeds.push(("ubuntu-osv", osv_dir.clone()));
    let (ingested, counted) = ingest_while(&sb, &feeds, || {
        let osv_files = files(&osv_dir, &[".json"]);
        assert_eq!(osv_files.len(), 20);
        vec![
            (
                "ubuntu-oval",
                oval.iter().map(|p| ubuntu_oval(&read(p))).sum(),
            ),
            (
                "ubuntu-osv",
                osv_files.iter().map(|f| ubuntu_osv(&json(f))).sum(),
            ),
        ]
    });
    check(
        &ingested,
        &counted,
        &[("ubuntu-oval", 36_873), ("ubuntu-osv", 48)],
    );
}

// ---------------------------------------------------------------------------------------
// Group 4: rpm distributions

/// Red Hat-layout OVAL (Red Hat, Rocky, Alma): the parser emits one advisory per
/// (vulnerability, release, binary package [in its module stream]) of a file, merging the
/// definitions that fix the same one. So: the distinct triples over the `patch`
/// definitions, where
/// * vulnerabilities: `<cve>` and `<reference source="CVE">` ids, else (Rocky writes none)
///   the CVE ids in the description, else the advisory id (the first other reference);
/// * release: the major of `<platform>PREFIX N</platform>`, else the file's;
/// * packages: criteria whose `rpminfo_test` has a state with an `evr` `less than` (the
///   object's name), inside the module stream of a `Module NAME:STREAM is enabled` criterion
///   in the same or an enclosing `<criteria>` (keyed `NAME:STREAM/package`). Signature and
///   platform criteria have other states.
fn redhat_oval(xml: &str, platform: &str, file_major: &str) -> u64 {
    fn walk(
        node: &El,
        module: Option<String>,
        package: &dyn Fn(&str) -> Option<String>,
        out: &mut BTreeSet<String>,
    ) {
        let mut module = module;
        for c in node.kids("criterion") {
            let comment = c.attr("comment").unwrap_or_default();
            if let Some(m) = comment
                .strip_prefix("Module ")
                .and_then(|m| m.strip_suffix(" is enabled"))
            {
                let mut parts = m.split(':');
                module = Some(format!(
                    "{}:{}",
                    parts.next().unwrap(),
                    parts.next().unwrap()
                ));
            }
        }
        for c in node.kids("criterion") {
            if let Some(p) = package(&c.attr("test_ref").unwrap()) {
                out.insert(match &module {
                    Some(m) => format!("{m}/{p}"),
                    None => p,
                });
            }
        }
        for k in node.kids("criteria") {
            walk(k, module.clone(), package, out);
        }
    }
    let root = dom(xml);
    let ix = oval_index(&root, "rpminfo_test");
    let package = |test_ref: &str| -> Option<String> {
        let (object, states) = ix.tests.get(test_ref)?;
        states.iter().find_map(|st| {
            let evr = ix.states.get(st)?.kid("evr")?;
            (evr.attr("operation").as_deref() == Some("less than"))
                .then(|| ix.objects[object].kid("name").unwrap().text.clone())
        })
    };
    let mut keys: BTreeSet<(String, String, String)> = BTreeSet::new();
    for def in root.section("definitions").kids("definition") {
        if !matches!(
            def.attr("class").as_deref(),
            Some("patch" | "vulnerability")
        ) {
            continue;
        }
        let meta = def.kid("metadata").unwrap();
        let mut majors: BTreeSet<String> = meta
            .all_named("platform")
            .iter()
            .filter_map(|p| p.text.strip_prefix(platform))
            .map(|m| m.trim().to_owned())
            .collect();
        if majors.is_empty() {
            majors.insert(file_major.to_owned());
        }
        let mut vulns: BTreeSet<String> = meta
            .kid("advisory")
            .map(|a| a.kids("cve").map(|c| c.text.clone()).collect())
            .unwrap_or_default();
        let references: Vec<(String, String)> = meta
            .kids("reference")
            .map(|r| (r.attr("source").unwrap(), r.attr("ref_id").unwrap()))
            .collect();
        vulns.extend(
            references
                .iter()
                .filter(|(s, _)| s == "CVE")
                .map(|(_, r)| r.clone()),
        );
        if vulns.is_empty() {
            vulns.extend(cve_tokens(&meta.kid("description").unwrap().text));
        }
        if vulns.is_empty() {
            vulns.extend(references.iter().map(|(_, r)| r.clone()).take(1));
        }
        let mut packages = BTreeSet::new();
        walk(def.kid("criteria").unwrap(), None, &package, &mut packages);
        for major in &majors {
            for v in &vulns {
                for p in &packages {
                    keys.insert((v.clone(), major.clone(), p.clone()));
                }
            }
        }
    }
    keys.len() as u64
}

/// Red Hat CSAF (VEX per CVE and advisories). The parser emits one advisory per (CVE,
/// namespace, package key) of a document, merging what its products say. Counted from the
/// product tree with each component identified by its **purl** (`pkg:rpm/redhat/NAME@V-R?
/// arch=…&epoch=…&rpmmod=…`; the parser reads the product id's own text), the id itself
/// when it has none:
/// * a product id `PLATFORM:COMPONENT` (a relationship) counts when the platform's CPE is
///   RHEL's (`enterprise_linux:N` → `rhel:N`, `rhel_eus:N.M` → `rhel:N.M+eus`; `OpenShift`,
///   AUS, ELS, Satellite… are other products) and the component is an rpm (not `pkg:oci`)
///   whose `rpmmod` label, if any, names a stream (`NAME:STREAM`, the key's prefix);
/// * `fixed`/`first_fixed` products with a version: keyed by the source rpm when the source
///   build of that (release, module, EVR) is listed fixed too, otherwise by each binary name
///   (the parser's documented choice: binary subpackages share the source build's EVR);
/// * `known_affected` and `known_not_affected` products: keyed by name;
/// * `under_investigation` says nothing; `deleted` documents give nothing.
///
/// This is the one counter that has to restate decisions (source-rpm folding, which CPEs
/// are RHEL) rather than read a plain unit off the format. Reading components from their
/// purls is what showed the parser missing RHSA-2023:7025 and RHSA-2023:3821 (189 records):
/// their product ids have Red Hat's older form `NAME-V-R.ARCH.rpm-MODULE:STREAM`, which it
/// could not read (fixed in `customs_rhel::csaf::component_from_purl`).
fn redhat_csaf(doc: &Value) -> u64 {
    // (name, Some(epoch:version-release), arch, module); None: not an rpm of a stream.
    type Component = Option<(String, Option<String>, Option<String>, Option<String>)>;
    if s(&doc["document"]["tracking"]["status"]) == "deleted" {
        return 0;
    }
    let identify = |id: &str, purl: Option<&str>| -> Component {
        let Some(purl) = purl else {
            return (!id.contains([':', '/', ' '])).then(|| (id.to_owned(), None, None, None));
        };
        let rest = purl.strip_prefix("pkg:rpm/redhat/")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (name, version) = path.split_once('@').unwrap_or((path, ""));
        let version = version.replace("%2B", "+").replace("%2b", "+");
        let q = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
        };
        let module = match q("rpmmod") {
            Some(label) => {
                let mut p = label.split(':');
                let (m, st) = (p.next()?, p.next()?);
                Some(format!("{m}:{st}"))
            }
            None => None,
        };
        let evr = version
            .contains('-')
            .then(|| format!("{}:{version}", q("epoch").unwrap_or("0")));
        Some((name.to_owned(), evr, q("arch").map(str::to_owned), module))
    };
    let mut platforms: BTreeMap<&str, String> = BTreeMap::new();
    let mut components: BTreeMap<&str, Component> = BTreeMap::new();
    let mut stack: Vec<&Value> = arr(&doc["product_tree"]["branches"]).iter().collect();
    while let Some(b) = stack.pop() {
        stack.extend(arr(&b["branches"]));
        let p = &b["product"];
        let id = s(&p["product_id"]);
        let helper = &p["product_identification_helper"];
        match s(&b["category"]) {
            "product_name" => {
                let cpe = s(&helper["cpe"]);
                let rest = cpe
                    .strip_prefix("cpe:/o:redhat:")
                    .or_else(|| cpe.strip_prefix("cpe:/a:redhat:"))
                    .unwrap_or("");
                let mut parts = rest.split(':');
                let ns = match (parts.next(), parts.next()) {
                    (Some("enterprise_linux"), Some(v)) => {
                        format!("rhel:{}", v.split('.').next().unwrap())
                    }
                    (Some("rhel_eus"), Some(v)) => format!("rhel:{v}+eus"),
                    _ => continue,
                };
                platforms.insert(id, ns);
            }
            "product_version" => {
                components.insert(id, identify(id, helper["purl"].as_str()));
            }
            _ => {}
        }
    }
    let relationships: BTreeMap<&str, (&str, &str)> = arr(&doc["product_tree"]["relationships"])
        .iter()
        .map(|r| {
            (
                s(&r["full_product_name"]["product_id"]),
                (
                    s(&r["product_reference"]),
                    s(&r["relates_to_product_reference"]),
                ),
            )
        })
        .collect();
    let resolve = |pid: &Value| {
        let (component, platform) = relationships.get(s(pid))?;
        let ns = platforms.get(platform)?;
        let (name, evr, arch, module) = components.get(component)?.clone()?;
        Some((ns.clone(), name, evr, arch, module))
    };
    let key = |name: &str, module: &Option<String>| match module {
        Some(m) => format!("{m}/{name}"),
        None => name.to_owned(),
    };
    let mut keys: BTreeSet<(String, String, String)> = BTreeSet::new();
    for v in arr(&doc["vulnerabilities"]) {
        let cve = s(&v["cve"]).to_owned();
        let status = |k: &str| arr(&v["product_status"][k]);
        let fixed: Vec<_> = status("fixed")
            .iter()
            .chain(status("first_fixed"))
            .filter_map(&resolve)
            .filter(|c| c.2.is_some())
            .collect();
        let sources: BTreeSet<_> = fixed
            .iter()
            .filter(|c| c.3.as_deref() == Some("src"))
            .map(|c| (c.0.clone(), c.4.clone(), c.2.clone()))
            .collect();
        for (ns, name, evr, arch, module) in &fixed {
            let has_source = sources.contains(&(ns.clone(), module.clone(), evr.clone()));
            if has_source == (arch.as_deref() == Some("src")) {
                keys.insert((cve.clone(), ns.clone(), key(name, module)));
            }
        }
        for (ns, name, _, _, module) in status("known_affected")
            .iter()
            .chain(status("known_not_affected"))
            .filter_map(&resolve)
        {
            keys.insert((cve.clone(), ns, key(&name, &module)));
        }
    }
    keys.len() as u64
}

/// SUSE OVAL: the parser emits one advisory per (CVE, product release, binary package) of
/// each definition, merging the variants of a service pack (LTSS, BCL, SAP). Counted from the
/// criteria tree: a package criterion is one whose `rpminfo_test` has a state with an `evr`
/// of a "less than" sort (vunnel's fixture writes the operation as `6`; only the other named
/// operations are excluded), or `version equals 0` / a comment `… is not affected` (not
/// affected); it is governed by the product criteria (`… is installed`, products named
/// `SUSE Linux Enterprise Server [for SAP Applications] 15[ SPn][-VARIANT]` → `sles:15[.n]`,
/// SLE Micro, openSUSE Leap; modules and other products are not releases) anywhere inside
/// the nearest enclosing AND `<criteria>` holding any. The CVE is the definition title's.
fn suse_oval(xml: &str) -> u64 {
    fn walk(
        node: &El,
        governing: &BTreeSet<String>,
        cve: &str,
        package: &dyn Fn(&El) -> Option<String>,
        product: fn(&str) -> Option<String>,
        keys: &mut BTreeSet<(String, String, String)>,
    ) {
        let mut governing = governing.clone();
        if node.attr("operator").as_deref() != Some("OR") {
            let inside: BTreeSet<String> = node
                .all_named("criterion")
                .iter()
                .filter_map(|c| product(&c.attr("comment").unwrap_or_default()))
                .collect();
            if !inside.is_empty() {
                governing = inside;
            }
        }
        for c in node.kids("criterion") {
            if product(&c.attr("comment").unwrap_or_default()).is_some() {
                continue;
            }
            if let Some(p) = package(c) {
                for g in &governing {
                    keys.insert((cve.to_owned(), g.clone(), p.clone()));
                }
            }
        }
        for k in node.kids("criteria") {
            walk(k, &governing, cve, package, product, keys);
        }
    }
    fn product(comment: &str) -> Option<String> {
        let name = comment.strip_suffix(" is installed")?;
        let sles = name
            .strip_prefix("SUSE Linux Enterprise Server for SAP Applications ")
            .or_else(|| name.strip_prefix("SUSE Linux Enterprise Server "));
        if let Some(rest) = sles {
            let base = rest.split('-').next().unwrap();
            let (major, sp) = base.split_once(" SP").unwrap_or((base, ""));
            let numeric = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
            return numeric(major).then(|| {
                if sp.is_empty() {
                    format!("sles:{major}")
                } else {
                    format!("sles:{major}.{sp}")
                }
            });
        }
        for (prefix, family) in [
            ("SUSE Linux Enterprise Micro ", "sle-micro"),
            ("SUSE Linux Micro ", "sle-micro"),
            ("openSUSE Leap ", "opensuse-leap"),
        ] {
            if let Some(v) = name.strip_prefix(prefix) {
                return Some(format!("{family}:{v}"));
            }
        }
        None
    }
    let root = dom(xml);
    let ix = oval_index(&root, "rpminfo_test");
    let package = |c: &El| -> Option<String> {
        let comment = c.attr("comment").unwrap_or_default();
        let Some((object, states)) = ix.tests.get(&c.attr("test_ref")?) else {
            return comment
                .strip_suffix(" is not affected")
                .or_else(|| comment.strip_suffix(" is affected"))
                .map(str::to_owned);
        };
        let name = ix.objects[object].kid("name").unwrap().text.clone();
        for st in states.iter().filter_map(|st| ix.states.get(st)) {
            if let Some(evr) = st.kid("evr") {
                let op = evr.attr("operation").unwrap_or_default();
                let other = [
                    "equals",
                    "not equal",
                    "greater than",
                    "greater than or equal",
                    "less than or equal",
                    "pattern match",
                ];
                return (!other.contains(&op.as_str())).then_some(name);
            }
            let version = st.kid("version");
            if version
                .is_some_and(|v| v.text == "0" && v.attr("operation").as_deref() == Some("equals"))
            {
                return Some(name);
            }
        }
        comment.ends_with(" is not affected").then_some(name)
    };
    let mut n = 0;
    for def in root.section("definitions").kids("definition") {
        assert_eq!(def.attr("class").as_deref(), Some("vulnerability"));
        let title = &def.kid("metadata").unwrap().kid("title").unwrap().text;
        let cve = cve_tokens(title).remove(0);
        let mut keys = BTreeSet::new();
        walk(
            def.kid("criteria").unwrap(),
            &BTreeSet::new(),
            &cve,
            &package,
            product,
            &mut keys,
        );
        n += keys.len() as u64;
    }
    n
}

/// Mariner / Azure Linux OVAL: one `vulnerability` definition per (CVE, package); the
/// parser emits one advisory per CVE reference × package its `rpminfo_test`s name (a
/// `greater than` and a `less than` test of one package are one range).
fn mariner_oval(xml: &str) -> u64 {
    let root = dom(xml);
    let ix = oval_index(&root, "rpminfo_test");
    let mut n = 0u64;
    for def in root.section("definitions").kids("definition") {
        assert_eq!(def.attr("class").as_deref(), Some("vulnerability"));
        let cves = def
            .kid("metadata")
            .unwrap()
            .kids("reference")
            .filter(|r| r.attr("source").as_deref() == Some("CVE"))
            .count() as u64;
        let packages: BTreeSet<&str> = def
            .all_named("criterion")
            .iter()
            .filter_map(|c| ix.tests.get(&c.attr("test_ref").unwrap()))
            .map(|(o, _)| ix.objects[o].kid("name").unwrap().text.as_str())
            .collect();
        n += cves * packages.len() as u64;
    }
    n
}

/// Oracle ELSA OVAL: one `patch` definition per ELSA; the parser emits one advisory per
/// (CVE — or the ELSA id when none —, platform `Oracle Linux N`, package, fixed version),
/// read from the criterion comments `NAME is earlier than EVR`. Arches fixed at one version
/// are one advisory; arches respun at different revisions are one per version; Ksplice
/// builds are their own versions: so distinct (package, EVR) pairs per definition.
fn oracle_elsa(xml: &str) -> u64 {
    let root = dom(xml);
    let mut n = 0u64;
    for def in root.section("definitions").kids("definition") {
        assert_eq!(def.attr("class").as_deref(), Some("patch"));
        let meta = def.kid("metadata").unwrap();
        let platforms: BTreeSet<&str> = meta
            .all_named("platform")
            .iter()
            .map(|p| p.text.as_str())
            .collect();
        let cves: BTreeSet<String> = meta
            .kids("reference")
            .filter(|r| r.attr("source").as_deref() == Some("CVE"))
            .map(|r| r.attr("ref_id").unwrap())
            .collect();
        let packages: BTreeSet<(String, String)> = def
            .all_named("criterion")
            .iter()
            .filter_map(|c| {
                let comment = c.attr("comment")?;
                let (name, evr) = comment.split_once(" is earlier than ")?;
                Some((name.to_owned(), evr.to_owned()))
            })
            .collect();
        n += platforms.len() as u64 * cves.len().max(1) as u64 * packages.len() as u64;
    }
    n
}

/// An ALAS page: one advisory per (CVE, package name) — the CVEs linked under
/// `id='references'`, the names of the `NAME-VERSION-RELEASE.ARCH` lines of
/// `id='new_packages'` over every architecture section (`src` included). Text scanning:
/// the pages are not well-formed XML.
fn alas_page(html: &str) -> u64 {
    let section = |id: &str, end: &str| -> &str {
        let from = html.find(&format!("id='{id}'")).unwrap();
        &html[from..from + html[from..].find(end).unwrap()]
    };
    let cves = cve_tokens(section("references", "</div>")).len() as u64;
    let mut names = BTreeSet::new();
    for item in section("new_packages", "</pre>").split("<br") {
        let item = item.trim_start_matches(" />").trim_start_matches("/>");
        let item = item.replace("&nbsp;", " ");
        let item = item.trim();
        if item.is_empty() || item.ends_with(':') || item.contains('<') {
            continue;
        }
        let nvr = item.rsplit_once('.').unwrap().0;
        let name = nvr.rsplitn(3, '-').nth(2).unwrap();
        names.insert(name.to_owned());
    }
    assert!(!names.is_empty());
    names.len() as u64 * cves.max(1)
}

/// Photon's CVE metadata: a flat array of `{cve_id, pkg, …}`, one advisory each; identical
/// repeated elements are one.
fn photon(v: &Value) -> u64 {
    arr(v)
        .iter()
        .filter(|r| r["cve_id"].is_string() && r["pkg"].is_string())
        .map(Value::to_string)
        .collect::<BTreeSet<_>>()
        .len() as u64
}

#[test]
fn rpm_distribution_feeds() {
    let sb = Sandbox::new();
    let providers = vunnel(
        &sb.path("inputs"),
        &[
            "sles/test-fixtures/suse_truncated.xml",
            "amazon/test-fixtures/mock_html",
            "amazon/test-fixtures/input/2_html",
            "amazon/test-fixtures/input/2022_html",
            "amazon/test-fixtures/input/2023_html",
            "oracle/test-fixtures/mock_data",
            "oracle/test-fixtures/mock_per_arch_data",
            "oracle/test-fixtures/mock_ksplice_data",
            "mariner/test-fixtures/mariner-truncated-2.0-oval.xml",
            "mariner/test-fixtures/azure-linux-truncated-3.0-oval.xml",
            "photon/test-fixtures/input/cve_data_photon1.0.json",
            "photon/test-fixtures/input/cve_data_photon4.0.json",
        ],
    );
    let rhel = shared("feeds/redhat/oval/com.redhat.rhsa-RHEL9.xml");
    let rocky = [
        (shared("feeds/rocky/oval/org.rockylinux.rlsa-8.xml"), "8"),
        (shared("feeds/rocky/oval/org.rockylinux.rlsa-9.xml"), "9"),
    ];
    let alma = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ecosystems/rhel/tests/data/alma-alsa-2022-8194.xml");
    let csaf = shared("feeds/redhat/csaf-samples");
    let suse = providers.join("sles/test-fixtures/suse_truncated.xml");
    let amazon = providers.join("amazon/test-fixtures");
    let alas: Vec<PathBuf> = [
        "mock_html",
        "input/2_html/ALAS-2018-939",
        "input/2022_html/ALAS-2021-001",
        "input/2023_html/ALAS-2023-126",
    ]
    .iter()
    .map(|p| amazon.join(p))
    .collect();
    let oracle: Vec<PathBuf> = ["mock_data", "mock_per_arch_data", "mock_ksplice_data"]
        .iter()
        .map(|p| providers.join("oracle/test-fixtures").join(p))
        .collect();
    let mariner: Vec<PathBuf> = [
        "mariner-truncated-2.0-oval.xml",
        "azure-linux-truncated-3.0-oval.xml",
    ]
    .iter()
    .map(|p| providers.join("mariner/test-fixtures").join(p))
    .collect();
    let photon_files: Vec<PathBuf> = ["1.0", "4.0"]
        .iter()
        .map(|v| {
            providers.join(format!(
                "photon/test-fixtures/input/cve_data_photon{v}.json"
            ))
        })
        .collect();
    let mut feeds: Vec<(&str, PathBuf)> = vec![
        ("redhat-oval", rhel.clone()),
        ("alma-oval", alma.clone()),
        ("redhat-csaf", csaf.clone()),
        ("suse-oval", suse.clone()),
    ];
    feeds.extend(rocky.iter().map(|(p, _)| ("rocky-oval", p.clone())));
    feeds.extend(alas.iter().map(|p| ("amazon-alas", p.clone())));
    feeds.extend(oracle.iter().map(|p| ("oracle-elsa", p.clone())));
    feeds.extend(mariner.iter().map(|p| ("mariner-oval", p.clone())));
    feeds.extend(photon_files.iter().map(|p| ("photon", p.clone())));
    let (ingested, counted) = ingest_while(&sb, &feeds, || {
        let csaf_files = files(&csaf, &[".json"]);
        assert_eq!(csaf_files.len(), 18);
        vec![
            (
                "redhat-oval",
                redhat_oval(&read(&rhel), "Red Hat Enterprise Linux ", "9"),
            ),
            (
                "rocky-oval",
                rocky
                    .iter()
                    .map(|(p, major)| redhat_oval(&read(p), "Rocky Linux ", major))
                    .sum(),
            ),
            ("alma-oval", redhat_oval(&read(&alma), "AlmaLinux ", "9")),
            (
                "redhat-csaf",
                csaf_files.iter().map(|f| redhat_csaf(&json(f))).sum(),
            ),
            ("suse-oval", suse_oval(&read(&suse))),
            (
                "amazon-alas",
                alas.iter().map(|p| alas_page(&read(p))).sum(),
            ),
            (
                "oracle-elsa",
                oracle.iter().map(|p| oracle_elsa(&read(p))).sum(),
            ),
            (
                "mariner-oval",
                mariner.iter().map(|p| mariner_oval(&read(p))).sum(),
            ),
            (
                "photon",
                photon_files.iter().map(|p| photon(&json(p))).sum(),
            ),
        ]
    });
    check(
        &ingested,
        &counted,
        &[
            ("redhat-oval", 7_188),
            ("rocky-oval", 11_411),
            ("alma-oval", 30),
            ("redhat-csaf", 587),
            ("suse-oval", 11),
            ("amazon-alas", 366),
            ("oracle-elsa", 109),
            ("mariner-oval", 8),
            ("photon", 10),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Group 5: OSV and GHSA

/// A YAML document as JSON (scalars as strings, as OSV's fields are).
fn yaml_json(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(s) | Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::String(i.to_string()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| {
                    let Value::String(k) = yaml_json(k) else {
                        panic!("non-scalar key")
                    };
                    (k, yaml_json(v))
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// An event's version as written: OSV writes strings, `PyPA`'s YAML sometimes bare numbers.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// One OSV record: per `affected` entry of an ecosystem customs matches (`PyPI`, `npm`,
/// `crates.io`, `Go`, `Maven`, `RubyGems`, `Packagist`, `NuGet`; Debian, Ubuntu… are read by
/// the distribution feeds), the parser emits one advisory per interval of each `ECOSYSTEM`
/// or `SEMVER` range — every range here is written as intervals (each `introduced`
/// followed by its closing event, the last possibly open: asserted), where `introduced X,
/// fixed X` is empty (`RustSec` writes these) — and, for an entry without such a range, one
/// advisory for its `versions` list when it has one. Withdrawn records give nothing.
fn osv_record(r: &Value) -> u64 {
    const ECOSYSTEMS: &[&str] = &[
        "PyPI",
        "npm",
        "crates.io",
        "Go",
        "Maven",
        "RubyGems",
        "Packagist",
        "NuGet",
    ];
    if !r["withdrawn"].is_null() && !scalar(&r["withdrawn"]).is_empty() {
        return 0;
    }
    let mut n = 0u64;
    for a in arr(&r["affected"]) {
        if !ECOSYSTEMS.contains(&s(&a["package"]["ecosystem"]).trim()) {
            continue;
        }
        let mut usable = false;
        for range in arr(&a["ranges"]) {
            if !matches!(s(&range["type"]), "ECOSYSTEM" | "SEMVER") {
                continue;
            }
            usable = true;
            let events: Vec<(&str, String)> = arr(&range["events"])
                .iter()
                .flat_map(|e| e.as_object().unwrap())
                .map(|(k, v)| (k.as_str(), scalar(v)))
                .filter(|(_, v)| !v.is_empty())
                .collect();
            for (i, (kind, from)) in events.iter().enumerate() {
                // The databases write ranges as pairs: `introduced`, then its closing event.
                let opens = i % 2 == 0;
                assert_eq!(*kind == "introduced", opens, "{}: {events:?}", s(&r["id"]));
                if !opens {
                    continue;
                }
                let empty = events.get(i + 1).is_some_and(|(k, to)| {
                    *k != "introduced" && *k != "last_affected" && to == from
                });
                if !empty {
                    n += 1;
                }
            }
        }
        if !usable && arr(&a["versions"]).iter().any(|v| !scalar(v).is_empty()) {
            n += 1;
        }
    }
    n
}

/// Every record of an extracted OSV tree (JSON files, `PyPA`'s YAML).
fn osv_tree(dir: &Path) -> u64 {
    let mut n = 0;
    for f in files(dir, &[".json", ".yaml", ".yml"]) {
        let v = if f.extension().is_some_and(|e| e == "json") {
            json(&f)
        } else {
            let docs = yaml_rust2::YamlLoader::load_from_str(&read(&f)).unwrap();
            yaml_json(&docs[0])
        };
        n += match &v {
            Value::Array(records) => records.iter().map(osv_record).sum(),
            record => osv_record(record),
        };
    }
    n
}

#[test]
fn osv_and_ghsa_feeds() {
    let sb = Sandbox::new();
    let archives = ["rustsec-osv", "pypa-advisory-database", "golang-vulndb-osv"];
    for a in archives {
        untar(
            &format!("feeds/osv/{a}.tar.zst"),
            &sb.path(&format!("inputs/{a}")),
            &[],
        );
    }
    let testdata = shared("feeds/osv/osv.dev-testdata");
    let mut feeds: Vec<(&str, PathBuf)> = archives
        .iter()
        .map(|a| ("osv", shared(&format!("feeds/osv/{a}.tar.zst"))))
        .collect();
    feeds.push(("osv", testdata.clone()));
    feeds.push(("ghsa", shared("feeds/osv/rustsec-osv.tar.zst")));
    let (ingested, counted) = ingest_while(&sb, &feeds, || {
        let per: Vec<u64> = archives
            .iter()
            .map(|a| osv_tree(&sb.path(&format!("inputs/{a}"))))
            .collect();
        // osv.dev's testdata records are Debian, SUSE, Ubuntu and an empty CVE record:
        // no ecosystem the `osv` feed reads, so none gives a record.
        let dev = osv_tree(&testdata);
        assert_eq!((per.as_slice(), dev), ([1_448, 5_085, 7_560].as_slice(), 0));
        vec![("osv", per.iter().sum::<u64>() + dev), ("ghsa", per[0])]
    });
    check(&ingested, &counted, &[("osv", 14_093), ("ghsa", 1_448)]);
}
