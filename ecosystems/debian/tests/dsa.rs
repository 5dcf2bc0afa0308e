mod common;

use common::{DATA, run, run_bytes};
use customs_debian::DebianDsaParser;
use customs_model::{AffectedRange, Severity, Status};

fn parse_file(name: &str) -> Vec<customs_model::Advisory> {
    let path = format!("{DATA}/tracker/{name}");
    let mut f = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    run(&DebianDsaParser::new(), "list", &mut f).unwrap()
}

#[test]
fn heartbleed_on_wheezy() {
    let all = parse_file("DSA.list");
    eprintln!("DSA.list: {} advisories", all.len());
    let hb: Vec<_> = all
        .iter()
        .filter(|a| a.advisory_ids == ["DSA-2896-1"])
        .collect();
    assert_eq!(hb.len(), 1, "{hb:?}");
    let a = hb[0];
    assert_eq!(a.vulnerability_id, "CVE-2014-0160");
    assert_eq!(a.namespace, "debian:7");
    assert_eq!(a.package, "openssl");
    assert_eq!(a.status, Status::Fixed);
    assert_eq!(
        a.affected,
        AffectedRange::LessThan("1.0.1e-2+deb7u5".to_owned())
    );
    assert_eq!(a.fixed_version.as_deref(), Some("1.0.1e-2+deb7u5"));
    assert_eq!(
        (a.source.as_str(), a.record_id.as_str()),
        ("debian-dsa", "DSA-2896-1")
    );
}

/// Counts what the lists should give by a different method: per advisory, (ids in `{…}` or 1)
/// × (`[release] - ` lines).
fn independent_count(text: &str) -> usize {
    let mut total = 0;
    let (mut ids, mut lines) = (0usize, 0usize);
    for line in text.lines().chain(std::iter::once("[end] DSA-0 end")) {
        if line.starts_with('[') {
            total += ids.max(1) * lines;
            (ids, lines) = (0, 0);
        } else if line.trim_start().starts_with('{') {
            ids += line
                .trim()
                .trim_matches(['{', '}'])
                .split_whitespace()
                .count();
        } else if line.trim_start().starts_with('[') && line.contains("] - ") {
            lines += 1;
        }
    }
    total
}

#[test]
fn every_list_parses_with_the_expected_count() {
    for name in ["DSA.list", "DLA.list", "DTSA.list"] {
        let text = std::fs::read_to_string(format!("{DATA}/tracker/{name}")).unwrap();
        let all = parse_file(name);
        eprintln!("{name}: {} advisories", all.len());
        assert_eq!(all.len(), independent_count(&text), "{name}");
        assert!(
            all.iter()
                .all(|a| a.namespace.starts_with("debian:") && !a.package.is_empty())
        );
    }
}

#[test]
fn tags_severity_and_samples() {
    let text = "\
[01 Aug 2002] DSA-141 mpack - buffer overflow
\t{CVE-2002-1425}
\t[woody] - mpack 1.5-7woody2 (bug #123; high)
[05 Aug 2002] DSA-140 libpng - buffer overflow
\t{CVE-2002-0660 CVE-2002-0728}
\t[woody] - libpng <not-affected> (Vulnerable code not present)
\t[sarge] - libpng <unfixed>
\t[etch] - libpng <end-of-life>
\tNOTE: a note
[18 Oct 2018] DSA-4323-1 drupal7 - security update
\t[stretch] - drupal7 0:7.52-2+deb9u5
[07 Jun 2015] DSA-3281-1 Debian Security Team PGP/GPG key change notice
";
    let all = run_bytes(&DebianDsaParser::new(), "list", text.as_bytes()).unwrap();
    assert_eq!(all.len(), 1 + 2 * 3 + 1);
    assert_eq!(all[0].severity, Severity::High);
    assert_eq!(all[0].namespace, "debian:3.0");
    let na: Vec<_> = all
        .iter()
        .filter(|a| a.status == Status::NotAffected)
        .collect();
    assert_eq!(na.len(), 2);
    assert_eq!(na[0].affected, AffectedRange::Nothing);
    assert_eq!(
        na[0].notes.as_deref(),
        Some("not-affected: Vulnerable code not present")
    );
    assert_eq!(
        all.iter()
            .filter(|a| a.status == Status::Affected && a.namespace == "debian:3.1")
            .count(),
        2
    );
    assert_eq!(
        all.iter().filter(|a| a.status == Status::EndOfLife).count(),
        2
    );
    // No CVE listed: the advisory names itself; the redundant 0: epoch is dropped.
    let drupal = all.last().unwrap();
    assert_eq!(drupal.vulnerability_id, "DSA-4323-1");
    assert_eq!(drupal.fixed_version.as_deref(), Some("7.52-2+deb9u5"));

    let sample = std::fs::read(format!("{DATA}/tracker-json-sample/DSA.list-sample")).unwrap();
    let all = run_bytes(&DebianDsaParser::new(), "DSA.list-sample", &sample).unwrap();
    assert!(
        all.iter()
            .any(|a| a.vulnerability_id == "CVE-2025-53603" && a.namespace == "debian:12")
    );
}

#[test]
fn malformed_lists_are_errors() {
    let p = DebianDsaParser::new();
    for (bad, what) in [
        ("\t[wheezy] - openssl 1.0\n", "before any advisory header"),
        ("[01 Jan 2000] not-an-id foo\n", "not an advisory id"),
        ("[01 Jan 2000] DSA-1-1 x\n\t{CVE-1\n", "unterminated"),
        (
            "[01 Jan 2000] DSA-1-1 x\n\t[wheezy] - openssl\n",
            "release line",
        ),
        ("[01 Jan 2000] DSA-1-1 x\n\tgarbage\n", "unrecognised"),
        (
            "[01 Jan 2000] DSA-1-1 x\n\t[wheezy] - openssl <not-affected\n",
            "unterminated",
        ),
        (
            "[01 Jan 2000] DSA-1-1 x\n\t[wheezy] - openssl 1.0 trailing\n",
            "unexpected text",
        ),
        ("garbage\n", "advisory header"),
    ] {
        let err = run_bytes(&p, "list", bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(what) && err.contains("test:list"),
            "{bad:?}: {err}"
        );
    }
    let err = run_bytes(&p, "list", b"[01 Jan 2000] DSA-1-1 \xff\xfe\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not UTF-8"), "{err}");
    let long = format!("[01 Jan 2000] DSA-1-1 {}\n", "x".repeat(100_000));
    let err = run_bytes(&p, "list", long.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("limit"), "{err}");
    let err = run_bytes(
        &p.clone().with_max_bytes(10),
        "list",
        b"[01 Jan 2000] DSA-1-1 x\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("limit"), "{err}");
}
