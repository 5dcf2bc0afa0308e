//! Hostile and malformed inputs: every one is a clear `FeedError`, never a panic or a hang.

mod common;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_rhel::{CsafParser, OvalParser};

fn oval(bytes: &[u8]) -> Result<usize, FeedError> {
    customs_rhel::parse_bytes("redhat-oval", "rhel-9.oval.xml", bytes).map(|a| a.len())
}

fn csaf(bytes: &[u8]) -> Result<usize, FeedError> {
    customs_rhel::parse_bytes("redhat-csaf", "cve.json", bytes).map(|a| a.len())
}

fn message(r: Result<usize, FeedError>) -> String {
    r.expect_err("must fail").to_string()
}

#[test]
fn truncated_real_oval() {
    let real = std::fs::read(common::shared(
        "feeds/redhat/oval/com.redhat.rhsa-RHEL9.xml",
    ))
    .unwrap();
    for cut in [100, 50_000, real.len() / 2, real.len() - 20] {
        let m = message(oval(&real[..cut]));
        assert!(m.contains("redhat-oval"), "{m}");
        assert!(
            m.contains("truncated") || m.contains("XML error"),
            "{cut}: {m}"
        );
    }
}

#[test]
fn billion_laughs_is_refused() {
    let doc = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<oval_definitions><definitions><definition id="d" class="patch"><metadata><title>&lol3;</title></metadata></definition></definitions></oval_definitions>"#;
    let m = message(oval(doc));
    assert!(m.contains("entities are never expanded"), "{m}");
    // An undeclared entity without a DOCTYPE.
    let doc = br#"<oval_definitions><definitions><definition id="d" class="patch"><metadata><title>&lol;</title></metadata></definition></definitions></oval_definitions>"#;
    assert!(message(oval(doc)).contains("undefined entity"));
}

#[test]
fn oversize_inputs() {
    let input = FeedInput {
        kind: "redhat-oval".into(),
        location: "big.xml".into(),
        file_name: "rhel-9.oval.xml".into(),
    };
    let mut body: &[u8] = &[b' '; 4096];
    let e = OvalParser::redhat()
        .with_max_bytes(1000)
        .parse(&input, &mut body, &mut |_| {})
        .unwrap_err();
    assert!(matches!(e, FeedError::Limit { limit: 1000, .. }), "{e}");
    let input = FeedInput {
        kind: "redhat-csaf".into(),
        ..input
    };
    let big = format!(r#"{{"document":{{}},"pad":"{}"}}"#, "x".repeat(5000));
    let mut body = big.as_bytes();
    let e = CsafParser::new()
        .with_max_bytes(1000)
        .parse(&input, &mut body, &mut |_| {})
        .unwrap_err();
    assert!(matches!(e, FeedError::Limit { limit: 1000, .. }), "{e}");
    // Element text over the limit.
    let doc = format!(
        "<oval_definitions><objects><rpminfo_object id=\"o\"><name>{}</name></rpminfo_object></objects></oval_definitions>",
        "a".repeat(70_000)
    );
    assert!(matches!(oval(doc.as_bytes()), Err(FeedError::Limit { .. })));
}

#[test]
fn deep_nesting() {
    let mut doc =
        String::from("<oval_definitions><definitions><definition id=\"d\" class=\"patch\">");
    for _ in 0..1000 {
        doc.push_str("<criteria>");
    }
    assert!(matches!(oval(doc.as_bytes()), Err(FeedError::Limit { .. })));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let m = message(csaf(deep.as_bytes()));
    assert!(m.contains("not a CSAF JSON document"), "{m}");
}

#[test]
fn malformed_oval() {
    for (doc, needle) in [
        (&b""[..], "no root element"),
        (b"<html></html>", "not <oval_definitions>"),
        (b"<oval_definitions></oval_definitions><x/>", "second root"),
        (b"<oval_definitions><a></b></oval_definitions>", "XML error"),
        (
            b"<oval_definitions><definitions><definition class=\"patch\"/></definitions></oval_definitions>",
            "without an id",
        ),
        (
            b"<oval_definitions><definitions><definition id=\"x\" class=\"patch\"><criteria><criterion comment=\"a is earlier than 0:1-1\"/></criteria></definition></definitions></oval_definitions>",
            "without test_ref",
        ),
        (
            b"<oval_definitions><definitions><definition id=\"x\" class=\"patch\"><criteria><criterion test_ref=\"t\" comment=\"a is earlier than 0:1-1\"/></criteria></definition></definitions></oval_definitions>",
            "names no release",
        ),
    ] {
        let m = customs_rhel::parse_bytes("redhat-oval", "oval.xml", doc)
            .map(|a| a.len())
            .expect_err(needle)
            .to_string();
        assert!(m.contains(needle), "{needle}: {m}");
    }
    // The same definition with a platform is fine: the unresolved test falls back to the
    // comment.
    let ok = b"<oval_definitions><definitions><definition id=\"x\" class=\"patch\"><metadata><affected><platform>Red Hat Enterprise Linux 8</platform></affected><reference source=\"CVE\" ref_id=\"CVE-2000-1\"/></metadata><criteria><criterion test_ref=\"t\" comment=\"a is earlier than 0:1-1\"/></criteria></definition></definitions></oval_definitions>";
    let advs = customs_rhel::parse_bytes("redhat-oval", "oval.xml", ok).unwrap();
    assert_eq!(advs.len(), 1);
    assert_eq!(advs[0].namespace, "rhel:8");
}

#[test]
fn malformed_csaf() {
    for doc in [
        &b""[..],
        b"{",
        b"[]",
        b"null",
        b"{\"vulnerabilities\":[]}",
        b"{\"document\":{},\"vulnerabilities\":{}}",
        b"{\"document\":{},\"product_tree\":{\"branches\":[{\"product\":{}}]}}",
    ] {
        let m = message(csaf(doc));
        assert!(m.contains("redhat-csaf") && m.contains("malformed"), "{m}");
    }
    // Truncated real document.
    let real = std::fs::read(common::shared(
        "feeds/redhat/csaf-samples/claircore-vex/cve-2023-38545.json",
    ))
    .unwrap();
    assert!(message(csaf(&real[..real.len() / 3])).contains("not a CSAF JSON document"));
    // Nonsense product ids and CPEs are skipped, not fatal.
    let odd = br#"{"document":{},"product_tree":{"branches":[{"category":"product_name","product":{"product_id":"p","product_identification_helper":{"cpe":"cpe:/o:redhat:enterprise_linux:x"}}}],"relationships":[{"full_product_name":{"product_id":"p:c"},"product_reference":"::::","relates_to_product_reference":"p"}]},"vulnerabilities":[{"cve":"CVE-1-1","product_status":{"fixed":["p:c","nope"]}}]}"#;
    assert_eq!(csaf(odd).unwrap(), 0);
}
