//! Hostile and malformed inputs: every one is a clear `FeedError` naming the input, never a
//! panic, and never unbounded work.

use std::io::Read;

use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_model::Advisory;
use customs_osv::{MAX_INPUT_BYTES, OsvFeedParser};

fn parse(file_name: &str, body: &mut dyn Read) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: "osv".into(),
        location: format!("all.zip!{file_name}"),
        file_name: file_name.into(),
    };
    let mut out = Vec::new();
    OsvFeedParser::osv().parse(&input, body, &mut |a| out.push(a))?;
    Ok(out)
}

fn malformed(file_name: &str, bytes: &[u8]) -> String {
    match parse(file_name, &mut &bytes[..]) {
        Err(e @ FeedError::Malformed { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&format!("all.zip!{file_name}")), "{msg}");
            msg
        }
        other => panic!("{file_name}: expected a malformed-feed error, got {other:?}"),
    }
}

#[test]
fn malformed_json() {
    malformed("GHSA-1.json", b"{");
    malformed("GHSA-1.json", b"");
    malformed("GHSA-1.json", b"[1, 2]");
    // No id.
    malformed("GHSA-1.json", br#"{"affected":[]}"#);
    // Wrong types where strings must be.
    malformed(
        "GHSA-1.json",
        br#"{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":0}]}]}]}"#,
    );
    malformed("GHSA-1.json", br#"{"id":"X","aliases":"CVE-1"}"#);
    // Nesting beyond serde_json's recursion limit.
    let deep = format!(
        r#"{{"id":"X","database_specific":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let msg = malformed("GHSA-1.json", deep.as_bytes());
    assert!(msg.contains("recursion limit"), "{msg}");
}

#[test]
fn malformed_yaml_and_alias_bomb() {
    malformed("PYSEC-1.yaml", b"id: [unclosed\n");
    malformed("PYSEC-1.yaml", b"affected: []\n");
    malformed("PYSEC-1.yaml", &[0xff, 0xfe, 0x00]);
    let mut lines = vec!["a0: &a0 [x, x, x, x, x, x, x, x, x, x]".to_owned()];
    for i in 1..15 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        lines.push(format!("a{i}: &a{i} [{refs}]"));
    }
    lines.push("id: PYSEC-BOMB".into());
    let start = std::time::Instant::now();
    let msg = malformed("PYSEC-1.yaml", lines.join("\n").as_bytes());
    assert!(msg.contains("alias expansion"), "{msg}");
    assert!(start.elapsed().as_secs() < 5);
    let deep = "a: ".to_owned() + &"[".repeat(500) + &"]".repeat(500);
    malformed("PYSEC-1.yml", deep.as_bytes());
}

#[test]
fn oversize_input_is_a_limit_error_read_no_further() {
    // An endless stream: the parser must stop one byte past the limit.
    let mut endless = std::io::repeat(b' ').take(u64::MAX);
    match parse("huge.json", &mut endless) {
        Err(FeedError::Limit {
            limit, location, ..
        }) => {
            assert_eq!(limit, MAX_INPUT_BYTES);
            assert_eq!(location, "all.zip!huge.json");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_files_and_odd_records_are_harmless() {
    // Not a record file: skipped without reading.
    assert_eq!(
        parse("LICENSE", &mut &b"\xff\xff not json"[..]).unwrap(),
        vec![]
    );
    assert_eq!(parse("README.md", &mut &b"{"[..]).unwrap(), vec![]);
    // Unknown ecosystems, missing packages, GIT-only ranges without versions, withdrawn,
    // empty events, an unknown range type: no advisories, no error.
    let rec = br#"{"id":"X","affected":[
        {"package":{"ecosystem":"Debian:12","name":"openssl"},"versions":["1"]},
        {"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]},
        {"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"0"},{"fixed":"abc"}]}]},
        {"package":{"ecosystem":"PyPI","name":"b"},"ranges":[{"type":"ECOSYSTEM","events":[]}]},
        {"package":{"ecosystem":"PyPI","name":"c"},"ranges":[{"type":"WHATEVER","events":[{"introduced":"0"}]}]},
        {"package":{"ecosystem":"PyPI","name":""},"versions":["1.0"]}]}"#;
    assert_eq!(parse("X.json", &mut &rec[..]).unwrap(), vec![]);
    let withdrawn = br#"{"id":"X","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"versions":["1.0"]}]}"#;
    assert_eq!(parse("X.json", &mut &withdrawn[..]).unwrap(), vec![]);
    // Nulls where lists are expected (RustSec writes them) are empty lists.
    let nulls = br#"{"id":"X","aliases":null,"severity":null,"affected":[{"package":{"ecosystem":"crates.io","name":"a"},"ranges":null,"versions":null}]}"#;
    assert_eq!(parse("X.json", &mut &nulls[..]).unwrap(), vec![]);
    // An event version the scheme cannot read keeps the range whole (matching then says
    // indeterminate); a bad CVSS vector just leaves the severity unknown.
    let bad = br#"{"id":"X","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:Q"}],"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"not a version!"}]}]}]}"#;
    let advs = parse("X.json", &mut &bad[..]).unwrap();
    assert_eq!(advs.len(), 1);
    assert_eq!(advs[0].severity, customs_model::Severity::Unknown);
    assert_eq!(advs[0].fixed_version.as_deref(), Some("not a version!"));
}

#[test]
fn json_arrays_and_yaml_documents_hold_several_records() {
    let arr = br#"[{"id":"A","affected":[{"package":{"ecosystem":"npm","name":"x"},"versions":["1.0.0"]}]},
                   {"id":"B","affected":[{"package":{"ecosystem":"npm","name":"y"},"versions":["1.0.0"]}]}]"#;
    let ids: Vec<String> = parse("all.json", &mut &arr[..])
        .unwrap()
        .into_iter()
        .map(|a| a.vulnerability_id)
        .collect();
    assert_eq!(ids, ["A", "B"]);
    let docs = b"id: A\naffected:\n- package: {ecosystem: PyPI, name: x}\n  versions: ['1.0']\n---\nid: B\naffected: []\n";
    let advs = parse("two.yaml", &mut &docs[..]).unwrap();
    assert_eq!(advs.len(), 1);
    assert_eq!(advs[0].package, "x");
    // YAML keeps `1.10` as written (not the float 1.1).
    let v = b"id: A\naffected:\n- package: {ecosystem: PyPI, name: x}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n";
    let advs = parse("v.yaml", &mut &v[..]).unwrap();
    assert_eq!(advs[0].fixed_version.as_deref(), Some("1.10"));
}
