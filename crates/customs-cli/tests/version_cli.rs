//! `customs version compare` and `satisfies`, for every scheme, as users call them.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::Sandbox;

#[test]
fn compare_every_scheme() {
    let sb = Sandbox::new();
    let cases = [
        ("deb", "1.0~rc1", "1.0", "-1"),
        ("deb", "1:0.1", "2.0", "1"),
        ("rpm", "1:1.0-1", "2.0-1", "1"),
        ("rpm", "1.0~rc1-1", "1.0-1", "-1"),
        ("apk", "1.2.3_rc1-r0", "1.2.3-r0", "-1"),
        ("semver", "1.0.0-alpha", "1.0.0", "-1"),
        ("npm", "1.2.3", "v1.2.3", "0"),
        ("pep440", "1.0.post1", "1.0", "1"),
        ("maven", "1.0-alpha", "1.0", "-1"),
        ("go", "v1.2.3", "v1.10.0", "-1"),
        ("gem", "1.0.a", "1.0", "-1"),
        ("composer", "1.0.0-beta2", "1.0.0-RC1", "-1"),
        ("nuget", "1.0", "1.0.0.0", "0"),
    ];
    for (scheme, a, b, want) in cases {
        let out = sb.run(&["version", "compare", "--scheme", scheme, a, b]);
        assert!(
            out.status.success(),
            "{scheme} {a} {b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            want,
            "{scheme}: {a} vs {b}"
        );
    }
}

#[test]
fn batch_satisfies_and_errors() {
    let sb = Sandbox::new();
    let mut child = sb
        .cmd()
        .args(["version", "compare", "--scheme", "deb", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"1.0 1.0-0\n1:1.0 2.0\n1.0~~ 1.0~\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "0\n1\n-1\n");

    let yes = sb.run(&["version", "satisfies", "--scheme", "npm", "1.2.3", "^1.0.0"]);
    assert_eq!(
        (
            yes.status.code(),
            String::from_utf8_lossy(&yes.stdout).trim()
        ),
        (Some(0), "true")
    );
    let no = sb.run(&[
        "version",
        "satisfies",
        "--scheme",
        "pep440",
        "1.2.3",
        ">=1.3,<2",
    ]);
    assert_eq!(
        (no.status.code(), String::from_utf8_lossy(&no.stdout).trim()),
        (Some(1), "false")
    );
    let maven = sb.run(&[
        "version",
        "satisfies",
        "--scheme",
        "maven",
        "1.5",
        "[1.0,2.0)",
    ]);
    assert_eq!(maven.status.code(), Some(0));

    let bad = sb.run(&["version", "compare", "--scheme", "deb", "a1.0", "1.0"]);
    assert_eq!(bad.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid deb version"));
    let unknown = sb.run(&["version", "compare", "--scheme", "cobol", "1", "2"]);
    assert_eq!(unknown.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("known:"));
}
