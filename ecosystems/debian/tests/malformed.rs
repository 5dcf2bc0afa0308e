//! Hostile and broken inputs: errors naming the input, never panics, never blow-ups.

mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use common::{oval_xml, run_bytes};
use customs_debian::{DebianDsaParser, DebianOvalParser, DebianTrackerParser, parse_bytes};
use customs_feed::FeedError;

const NAME: &str = "oval-definitions-buster.xml";

fn oval_err(xml: &[u8]) -> String {
    let Err(err) = run_bytes(&DebianOvalParser::new(), NAME, xml) else {
        panic!(
            "accepted: {:?}",
            String::from_utf8_lossy(&xml[..xml.len().min(300)])
        );
    };
    assert!(
        matches!(err, FeedError::Malformed { .. } | FeedError::Limit { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("test:oval-definitions-buster.xml") && msg.contains("debian-oval"),
        "{msg}"
    );
    msg
}

#[test]
fn truncated_oval_is_an_error() {
    let xml = oval_xml("buster");
    // Cut in the definitions, in the middle of the tests, and just before the final end tag.
    for cut in [
        1000,
        xml.len() / 3,
        xml.len() * 3 / 4,
        xml.len() - 3,
        xml.len() - 20,
    ] {
        let msg = oval_err(&xml[..cut]);
        eprintln!("cut at {cut}: {msg}");
    }
}

#[test]
fn billion_laughs_fails_fast() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    doc.push_str(" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1);
        writeln!(doc, " <!ENTITY lol{i} \"{}\">", prev.repeat(10)).unwrap();
    }
    doc.push_str("]>\n<oval_definitions><definitions><definition id=\"d\" class=\"vulnerability\"><metadata><title>&lol9;</title></metadata></definition></definitions></oval_definitions>");
    let started = Instant::now();
    let msg = oval_err(doc.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(msg.contains("entities are never expanded"), "{msg}");

    // Without the DTD, an undefined entity is refused rather than expanded or ignored.
    let doc = "<oval_definitions><definitions><definition id=\"d\" class=\"vulnerability\"><metadata><title>&lol9;</title></metadata></definition></definitions></oval_definitions>";
    assert!(oval_err(doc.as_bytes()).contains("undefined entity &lol9;"));
    // External entities: same.
    let doc = "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><oval_definitions>&xxe;</oval_definitions>";
    assert!(oval_err(doc.as_bytes()).contains("never expanded"));
}

#[test]
fn broken_oval_documents() {
    let cases: &[(&str, &str)] = &[
        ("", "empty document"),
        ("<other/>", "not <oval_definitions>"),
        ("<oval_definitions><a></b></oval_definitions>", "XML error"),
        (
            "<oval_definitions></oval_definitions><oval_definitions/>",
            "second root",
        ),
        (
            "<oval_definitions><definitions><definition class=\"vulnerability\"/></definitions></oval_definitions>",
            "without an id",
        ),
        (
            "<oval_definitions><definitions><definition id=\"d\" class=\"vulnerability\"><metadata><title>CVE-1 x</title><affected><platform>Debian GNU/Linux 10</platform></affected></metadata><criteria><criterion test_ref=\"nope\" comment=\"x\"/></criteria></definition></definitions></oval_definitions>",
            "unknown test nope",
        ),
        (
            "<oval_definitions><definitions><definition id=\"d\" class=\"vulnerability\"><metadata><title>CVE-1 x</title></metadata><criteria><criterion test_ref=\"t\"/></criteria></definition></definitions><tests><dpkginfo_test id=\"t\"><object object_ref=\"o\"/></dpkginfo_test></tests></oval_definitions>",
            "lacks a resolvable",
        ),
        (
            "<oval_definitions><definitions><definition id=d/></definitions></oval_definitions>",
            "attribute",
        ),
        (
            "<oval_definitions>\u{0}</oval_definitions>junk",
            "outside the root",
        ),
    ];
    for (doc, what) in cases {
        let msg = oval_err(doc.as_bytes());
        assert!(msg.contains(what), "{doc:?}: {msg}");
    }
    let deep = format!("<oval_definitions>{}", "<a>".repeat(10_000));
    assert!(oval_err(deep.as_bytes()).contains("nesting"));
    let long_title = format!(
        "<oval_definitions><definitions><definition id=\"d\" class=\"vulnerability\"><metadata><title>{}</title></metadata></definition></definitions></oval_definitions>",
        "x".repeat(100_000)
    );
    assert!(oval_err(long_title.as_bytes()).contains("limit"));
    let small = DebianOvalParser::new().with_max_bytes(1000);
    let xml = oval_xml("buster");
    let err = run_bytes(&small, NAME, &xml).unwrap_err().to_string();
    assert!(err.contains("limit of 1000"), "{err}");
}

/// Every prefix and a few byte flips of small valid inputs: errors are fine, panics are not.
#[test]
fn no_panics_on_mutations() {
    let oval = br#"<?xml version="1.0"?><oval_definitions><definitions><definition id="d" class="vulnerability"><metadata><title>CVE-1 foo</title><affected><platform>Debian GNU/Linux 12</platform></affected><reference source="CVE" ref_id="CVE-1"/></metadata><criteria><criterion test_ref="t" comment="foo DPKG is earlier than 0:1.0-1"/></criteria></definition></definitions><tests><dpkginfo_test id="t"><object object_ref="o"/><state state_ref="s"/></dpkginfo_test></tests><objects><dpkginfo_object id="o"><name>foo</name></dpkginfo_object></objects><states><dpkginfo_state id="s"><evr operation="less than">0:1.0-1</evr></dpkginfo_state></states></oval_definitions>"#;
    let tracker = br#"{"foo": {"CVE-1": {"description": "x\"y", "releases": {"sid": {"status": "resolved", "fixed_version": "1.0-1", "urgency": "low**"}}}}}"#;
    let dsa = b"[01 Jan 2020] DSA-1-1 foo - x\n\t{CVE-1 CVE-2}\n\t[wheezy] - foo 1.0-1 (high)\n\t[jessie] - foo <not-affected> (x)\n";
    assert_eq!(parse_bytes("debian-oval", "x.xml", oval).unwrap().len(), 1);
    assert_eq!(
        parse_bytes("debian-tracker", "json", tracker)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(parse_bytes("debian-dsa", "list", dsa).unwrap().len(), 4);
    for (kind, data) in [
        ("debian-oval", &oval[..]),
        ("debian-tracker", &tracker[..]),
        ("debian-dsa", &dsa[..]),
    ] {
        for cut in 0..data.len() {
            let _ = parse_bytes(kind, "x.xml", &data[..cut]);
        }
        for i in 0..data.len() {
            for b in [0u8, b'<', b'>', b'"', b'&', b'\\', b'{', b'[', 0xff, b'\n'] {
                let mut m = data.to_vec();
                m[i] = b;
                let _ = parse_bytes(kind, "x.xml", &m);
            }
        }
    }
    assert!(parse_bytes("nope", "x", b"").is_err());
    let _ = (DebianDsaParser::new(), DebianTrackerParser::new());
}
