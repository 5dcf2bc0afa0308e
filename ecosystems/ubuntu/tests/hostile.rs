//! Hostile and malformed inputs: every one is a clear error naming the input, never a panic.

use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_ubuntu::{UbuntuOsvParser, UbuntuOvalParser, parse_bytes};

fn oval_err(bytes: &[u8]) -> String {
    let e = parse_bytes("ubuntu-oval", "com.ubuntu.jammy.usn.oval.xml", bytes).unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with("com.ubuntu.jammy.usn.oval.xml: "), "{s}");
    s
}

fn osv_err(bytes: &[u8]) -> String {
    let e = parse_bytes("ubuntu-osv", "UBUNTU-CVE-2099-1.json", bytes).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("UBUNTU-CVE-2099-1.json"), "{s}");
    s
}

fn jammy() -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../../shared/data/feeds/ubuntu/oval/com.ubuntu.jammy.usn.oval.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn truncated_oval() {
    let full = jammy();
    for cut in [10, 1000, full.len() / 3, full.len() / 2, full.len() - 20] {
        let e = oval_err(&full[..cut]);
        assert!(e.contains("malformed ubuntu-oval feed"), "{cut}: {e}");
    }
}

#[test]
fn billion_laughs_and_external_entities() {
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<oval_definitions><definitions><definition id="d" class="patch"><metadata><title>&lol2;</title></metadata></definition></definitions></oval_definitions>"#;
    assert!(oval_err(laughs).contains("DOCTYPE"));
    let undefined = br#"<oval_definitions><definitions><definition id="d" class="patch"><metadata><title>&xxe;</title></metadata></definition></definitions></oval_definitions>"#;
    assert!(oval_err(undefined).contains("undefined entity"));
}

#[test]
fn structure_errors() {
    assert!(oval_err(b"").contains("empty document"));
    assert!(oval_err(b"<html></html>").contains("not <oval_definitions>"));
    assert!(oval_err(b"<oval_definitions/><oval_definitions/>").contains("second root"));
    let dangling = br#"<oval_definitions><definitions><definition id="oval:com.ubuntu.jammy:def:1" class="patch"><metadata><reference source="CVE" ref_id="CVE-1"/></metadata><criteria><criterion test_ref="nope"/></criteria></definition></definitions></oval_definitions>"#;
    assert!(oval_err(dangling).contains("unknown test nope"));
    let no_state = br#"<oval_definitions><definitions><definition id="oval:com.ubuntu.jammy:def:1" class="patch"><metadata><reference source="CVE" ref_id="CVE-1"/></metadata><criteria><criterion test_ref="t"/></criteria></definition></definitions><tests><dpkginfo_test id="t"><object object_ref="o"/><state state_ref="s"/></dpkginfo_test></tests><objects><dpkginfo_object id="o"><name>x</name></dpkginfo_object></objects></oval_definitions>"#;
    assert!(oval_err(no_state).contains("dpkginfo_state"));
    // A bad version is indeterminate, not an error and not "fixed".
    let bad_version = br#"<oval_definitions><definitions><definition id="oval:com.ubuntu.jammy:def:1" class="patch"><metadata><reference source="CVE" ref_id="CVE-1"/></metadata><criteria><criterion test_ref="t"/></criteria></definition></definitions><tests><dpkginfo_test id="t"><object object_ref="o"/><state state_ref="s"/></dpkginfo_test></tests><objects><dpkginfo_object id="o"><name>x</name></dpkginfo_object></objects><states><dpkginfo_state id="s"><evr operation="less than">0:not a version!</evr></dpkginfo_state></states></oval_definitions>"#;
    let advs = parse_bytes("ubuntu-oval", "com.ubuntu.jammy.usn.oval.xml", bad_version).unwrap();
    assert_eq!(advs.len(), 1);
    assert_eq!(advs[0].status, customs_model::Status::Indeterminate);
    // Without a release anywhere, the input is refused.
    let e = parse_bytes("ubuntu-oval", "x.xml", &bad_version.replace_all()).unwrap_err();
    assert!(e.to_string().contains("no Ubuntu release"), "{e}");
}

trait ReplaceAll {
    fn replace_all(&self) -> Vec<u8>;
}
impl ReplaceAll for [u8] {
    /// Drops the release from the definition id.
    fn replace_all(&self) -> Vec<u8> {
        String::from_utf8_lossy(self)
            .replace("oval:com.ubuntu.jammy:def:1", "d1")
            .into_bytes()
    }
}

#[test]
fn deep_nesting_and_oversize() {
    let mut deep = String::from("<oval_definitions>");
    for _ in 0..10_000 {
        deep.push_str("<a>");
    }
    let e = oval_err(deep.as_bytes());
    let limit = format!("exceeds the limit of {}", customs_ubuntu::oval::MAX_DEPTH);
    assert!(e.contains(&limit), "{e}");

    let input = FeedInput {
        kind: "ubuntu-oval".into(),
        location: "big.xml".into(),
        file_name: "com.ubuntu.jammy.usn.oval.xml".into(),
    };
    let full = jammy();
    let mut body: &[u8] = &full;
    let e = UbuntuOvalParser::new()
        .with_max_bytes(1 << 20)
        .parse(&input, &mut body, &mut |_| {})
        .unwrap_err();
    assert!(
        matches!(
            e,
            FeedError::Limit {
                limit: 1_048_576,
                ..
            }
        ),
        "{e}"
    );

    // A huge text node is refused once it passes the kept-text limit.
    let mut huge =
        String::from("<oval_definitions><definitions><definition id=\"d\"><metadata><title>");
    huge.push_str(&"A".repeat(100_000));
    huge.push_str("</title></metadata></definition></definitions></oval_definitions>");
    assert!(oval_err(huge.as_bytes()).contains("65536"));

    // OSV: an endless record stops at the input limit.
    let input = FeedInput {
        kind: "ubuntu-osv".into(),
        location: "endless.json".into(),
        file_name: "endless.json".into(),
    };
    let mut endless = std::io::repeat(b' ').take(customs_ubuntu::osv::MAX_INPUT_BYTES + 1);
    let e = UbuntuOsvParser
        .parse(&input, &mut endless, &mut |_| {})
        .unwrap_err();
    assert!(matches!(e, FeedError::Limit { .. }), "{e}");
}

#[test]
fn wrong_types_in_osv() {
    for bad in [
        &br#"{"id": 5}"#[..],
        br#"{"id":"UBUNTU-CVE-1","affected":"wayland"}"#,
        br#"{"id":"UBUNTU-CVE-1","upstream":5}"#,
        br#"{"id":"UBUNTU-CVE-1","affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":7}}]}"#,
        br#"{"id":"UBUNTU-CVE-1","affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":1}]}]}]}"#,
        br#"{"id":"UBUNTU-CVE-1","severity":[{"type":"Ubuntu"}]}"#,
        b"not json",
        b"{\"id\":\"UBUNTU-CVE-1\",",
        b"",
    ] {
        let e = osv_err(bad);
        assert!(e.contains("malformed ubuntu-osv feed"), "{e}");
    }
    // Deep nesting hits serde_json's recursion limit.
    let deep = format!(
        r#"{{"id":"UBUNTU-CVE-1","affected":[{{"package":{{"ecosystem":"Ubuntu:22.04:LTS","name":"x"}},"database_specific":{}{}}}]}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    assert!(osv_err(deep.as_bytes()).contains("recursion limit"));
    // Unknown ecosystems, empty names and garbage versions are skipped or indeterminate.
    let odd = br#"{"id":"UBUNTU-CVE-1","affected":[
        {"package":{"ecosystem":"Debian:12","name":"x"}},
        {"package":{"ecosystem":"Ubuntu:22.04:LTS","name":" "}},
        {"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"y"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"not a version!"}]}]}]}"#;
    let advs = parse_bytes("ubuntu-osv", "x.json", odd).unwrap();
    assert_eq!(advs.len(), 1);
    assert_eq!(advs[0].status, customs_model::Status::Indeterminate);
    // Non-JSON members of an archive are skipped.
    assert!(
        parse_bytes("ubuntu-osv", "README.md", b"# hi")
            .unwrap()
            .is_empty()
    );
}
