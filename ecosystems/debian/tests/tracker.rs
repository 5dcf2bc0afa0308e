mod common;

use common::{DATA, run_bytes};
use customs_debian::DebianTrackerParser;
use customs_model::{Advisory, AffectedRange, Severity, Status};

fn one<'a>(all: &'a [Advisory], id: &str, pkg: &str, ns: &str) -> &'a Advisory {
    let v: Vec<_> = all
        .iter()
        .filter(|a| a.vulnerability_id == id && a.package == pkg && a.namespace == ns)
        .collect();
    assert_eq!(v.len(), 1, "{id} {pkg} {ns}: {v:?}");
    v[0]
}

#[test]
fn the_real_sample() {
    let bytes = std::fs::read(format!("{DATA}/tracker-json-sample/debian.json")).unwrap();
    let all = run_bytes(&DebianTrackerParser::new(), "json", &bytes).unwrap();
    // 7 issues; one has `"releases": []`; the rest list 4 or 5 releases each (2+1+1+5+4 +4).
    assert_eq!(all.len(), 4 + 4 + 4 + 4 + 5 + 4);
    let a = one(&all, "CVE-2008-7220", "prototypejs", "debian:10");
    assert_eq!((a.status, a.severity), (Status::Fixed, Severity::High));
    assert_eq!(a.affected, AffectedRange::LessThan("1.6.0.2-1".into()));
    assert_eq!(
        (a.source.as_str(), a.record_id.as_str()),
        ("debian-tracker", "CVE-2008-7220")
    );
    let a = one(&all, "CVE-2007-2383", "prototypejs", "debian:unstable");
    assert_eq!(
        (a.status, &a.affected, a.severity),
        (
            Status::NotAffected,
            &AffectedRange::Nothing,
            Severity::Negligible
        )
    );
    assert_eq!(a.fixed_version, None);
    let a = one(&all, "CVE-2022-0456", "chromium", "debian:10");
    assert_eq!(
        (a.status, &a.affected, a.severity),
        (Status::EndOfLife, &AffectedRange::All, Severity::Unknown)
    );
    let a = one(&all, "CVE-2022-0456", "chromium", "debian:11");
    assert_eq!((a.status, a.severity), (Status::Fixed, Severity::Unknown));
    assert_eq!(a.fixed_version.as_deref(), Some("98.0.4758.80-1~deb11u1"));
    assert_eq!(
        one(&all, "CVE-2025-53603", "sope", "debian:13")
            .fixed_version
            .as_deref(),
        Some("5.12.1-2")
    );
    assert_eq!(
        one(&all, "CVE-2013-1444", "txt2man", "debian:9").severity,
        Severity::Low
    );
}

#[test]
fn statuses_map() {
    let json = r#"{
      "pkg": {
        "CVE-2024-1": {"description": "d", "scope": "remote", "debianbug": 1, "releases": {
          "bookworm": {"status": "open", "repositories": {"bookworm": "1.0-1"}, "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": ""},
          "bullseye": {"status": "open", "urgency": "unimportant", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
          "buster": {"status": "open", "urgency": "medium*", "nodsa": "Can be fixed later", "nodsa_reason": "postponed"},
          "trixie": {"status": "undetermined", "urgency": "not yet assigned"},
          "sid": {"status": "resolved", "fixed_version": "0:1.2-3", "urgency": "high**"},
          "stretch": {"status": "open", "urgency": "end-of-life"},
          "experimental-unknown": {"status": "open", "urgency": "low"}
        }},
        "TEMP-0000000-ABCDEF": {"releases": {"bookworm": {"status": "open", "urgency": "unimportant"}}}
      }
    }"#;
    let all = run_bytes(&DebianTrackerParser::new(), "json", json.as_bytes()).unwrap();
    assert_eq!(all.len(), 7);
    let a = one(&all, "CVE-2024-1", "pkg", "debian:12");
    assert_eq!(
        (a.status, a.severity, a.notes.as_deref()),
        (Status::Affected, Severity::Low, Some("no-dsa: Minor issue"))
    );
    let a = one(&all, "CVE-2024-1", "pkg", "debian:11");
    assert_eq!(
        (a.status, a.severity, a.notes.as_deref()),
        (
            Status::WillNotFix,
            Severity::Negligible,
            Some("ignored: Minor issue")
        )
    );
    let a = one(&all, "CVE-2024-1", "pkg", "debian:10");
    assert_eq!(
        (a.status, a.severity),
        (Status::FixDeferred, Severity::Medium)
    );
    assert_eq!(a.notes.as_deref(), Some("postponed: Can be fixed later"));
    let a = one(&all, "CVE-2024-1", "pkg", "debian:13");
    assert_eq!(
        (a.status, &a.affected, a.severity),
        (
            Status::Indeterminate,
            &AffectedRange::All,
            Severity::Unknown
        )
    );
    let a = one(&all, "CVE-2024-1", "pkg", "debian:unstable");
    assert_eq!(
        (a.status, a.severity, a.fixed_version.as_deref()),
        (Status::Fixed, Severity::High, Some("1.2-3"))
    );
    assert_eq!(
        one(&all, "CVE-2024-1", "pkg", "debian:9").status,
        Status::EndOfLife
    );
    let temp = one(&all, "TEMP-0000000-ABCDEF", "pkg", "debian:12");
    assert_eq!(
        (temp.status, temp.severity),
        (Status::Affected, Severity::Negligible)
    );
}

#[test]
fn wrong_types_and_garbage_are_errors() {
    let p = DebianTrackerParser::new();
    for (bad, what) in [
        ("[]", "invalid type"),
        (r#"{"pkg": []}"#, "invalid type"),
        (
            r#"{"pkg": {"CVE-1": {"releases": {"sid": {"status": 3}}}}}"#,
            "invalid type",
        ),
        (
            r#"{"pkg": {"CVE-1": {"releases": {"sid": {"fixed_version": "1"}}}}}"#,
            "missing field `status`",
        ),
        (
            r#"{"pkg": {"CVE-1": {"releases": [1]}}}"#,
            "non-empty array",
        ),
        (r#"{"pkg": {"CVE-1": {"releases": "x"}}}"#, "invalid type"),
        (
            r#"{"pkg": {"CVE-1": {"releases": {"sid": {"status": "open", "urgency": 7}}}}}"#,
            "invalid type",
        ),
        (r#"{"pkg": {"CVE-1": {"releases": {}}"#, "EOF"),
        (r#"{"pkg": {}} trailing"#, "trailing"),
        ("", "EOF"),
        ("\u{feff}{}", "expected value"),
    ] {
        let err = run_bytes(&p, "json", bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(what) && err.contains("test:json"),
            "{bad:?}: {err}"
        );
    }
    // Deep nesting in a skipped field is skipped without recursion (no stack overflow).
    let deep = format!(
        r#"{{"p": {{"CVE-1": {{"description": {}{}}}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(run_bytes(&p, "json", deep.as_bytes()).unwrap().is_empty());
    // Deep nesting where a value is read is an error, not a stack overflow.
    let deep = format!(r#"{{"p": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert!(run_bytes(&p, "json", deep.as_bytes()).is_err());
}

#[test]
fn huge_strings_are_refused() {
    let p = DebianTrackerParser::new();
    let huge = format!(
        r#"{{"pkg": {{"CVE-1": {{"description": "{}", "releases": {{}}}}}}}}"#,
        "a".repeat(2 << 20)
    );
    let err = run_bytes(&p, "json", huge.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("limit of 1048576") && err.contains("string"),
        "{err}"
    );
    let huge_key = format!(r#"{{"{}": {{}}}}"#, "k".repeat(2 << 20));
    assert!(
        run_bytes(&p, "json", huge_key.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("limit")
    );
    // Escapes count too and do not confuse the guard.
    let escaped = format!(
        r#"{{"pkg": {{"CVE-1": {{"description": "{}", "releases": {{}}}}}}}}"#,
        r#"\""#.repeat(600_000)
    );
    assert!(
        run_bytes(&p, "json", escaped.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("limit")
    );
    let fine = format!(
        r#"{{"pkg": {{"CVE-1": {{"description": "{}\\", "releases": {{}}}}}}}}"#,
        r#"\"x"#.repeat(1000)
    );
    assert!(run_bytes(&p, "json", fine.as_bytes()).unwrap().is_empty());
    // The whole-document limit.
    let small = p.with_max_bytes(10);
    assert!(
        run_bytes(&small, "json", br#"{"pkg": {"CVE-1": {"releases": {}}}}"#)
            .unwrap_err()
            .to_string()
            .contains("limit")
    );
}
