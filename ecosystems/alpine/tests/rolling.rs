//! Wolfi and Chainguard secdb feeds against vunnel's real fixtures: every advisory equals
//! vunnel's normalised snapshot, record for record; matcher and hostile-input behaviour.

mod common;

use std::collections::BTreeSet;

use customs_alpine::{ChainguardMatcher, ChainguardSecdbParser, WolfiMatcher, WolfiSecdbParser};
use customs_feed::{FeedError, FeedInput, FeedParser};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, PackageOrigin, Purl, Status};

fn parse(parser: &dyn FeedParser, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    let input = FeedInput {
        kind: parser.kind().into(),
        location: "security.json".into(),
        file_name: "security.json".into(),
    };
    let mut out = Vec::new();
    parser.parse(&input, &mut &bytes[..], &mut |a| out.push(a))?;
    Ok(out)
}

/// `(namespace, vulnerability, package, version)` as vunnel writes a `FixedIn`: a fix in
/// version `0` (never affected) keeps the version `0`.
fn as_fixed_in(advisories: &[Advisory]) -> BTreeSet<(String, String, String, String)> {
    advisories
        .iter()
        .map(|a| {
            let version = match a.status {
                Status::NotAffected => "0".to_owned(),
                _ => a.fixed_version.clone().expect("a fixed version"),
            };
            (
                a.namespace.clone(),
                a.vulnerability_id.clone(),
                a.package.clone(),
                version,
            )
        })
        .collect()
}

#[test]
fn wolfi_equals_vunnel_snapshots() {
    let files = common::vunnel("wolfi");
    let advisories = parse(&WolfiSecdbParser, &files["input/secdb/security.json"]).unwrap();
    let expected = common::snapshot_fixed_in(&files, "snapshots/wolfi:rolling/");
    assert_eq!(expected.len(), 59, "the fixture's FixedIn count");
    assert_eq!(as_fixed_in(&advisories), expected);
    // No record is emitted twice.
    assert_eq!(advisories.len(), expected.len());
    assert!(
        advisories.iter().all(|a| a.source == "wolfi-secdb"
            && a.scheme == "apk"
            && a.namespace == "wolfi:rolling")
    );
    // Spot checks, exact.
    let glibc = advisories
        .iter()
        .find(|a| a.vulnerability_id == "CVE-2022-39046")
        .unwrap();
    assert_eq!(
        (
            glibc.package.as_str(),
            glibc.fixed_version.as_deref(),
            glibc.status
        ),
        ("glibc", Some("2.36-r1"), Status::Fixed)
    );
    let coreutils = advisories
        .iter()
        .find(|a| a.vulnerability_id == "CVE-2016-2781")
        .unwrap();
    assert_eq!(
        (coreutils.package.as_str(), coreutils.status),
        ("coreutils", Status::NotAffected)
    );
    assert!(
        advisories
            .iter()
            .any(|a| a.vulnerability_id == "GHSA-jq35-85cj-fj4p" && a.package == "apko")
    );
}

#[test]
fn chainguard_equals_vunnel_snapshots() {
    let files = common::vunnel("chainguard");
    let advisories = parse(&ChainguardSecdbParser, &files["input/secdb/security.json"]).unwrap();
    let expected = common::snapshot_fixed_in(&files, "snapshots/secdb/chainguard:rolling/");
    assert!(expected.len() > 180, "{}", expected.len());
    assert_eq!(as_fixed_in(&advisories), expected);
    assert_eq!(advisories.len(), expected.len());
    let ossl = advisories
        .iter()
        .find(|a| a.vulnerability_id == "CVE-2022-4203")
        .unwrap();
    assert_eq!(
        (
            ossl.namespace.as_str(),
            ossl.package.as_str(),
            ossl.fixed_version.as_deref()
        ),
        ("chainguard:rolling", "openssl", Some("3.0.8-r0"))
    );
}

fn apk(name: &str, origin: &str, version: &str) -> Package {
    let mut p = Package::new(
        "apk",
        name,
        version,
        Purl::new("apk", Some("wolfi"), name, Some(version), &[]),
        "lib/apk/db/installed",
        PackageOrigin::Installed,
    );
    p.source_name = Some(origin.to_owned());
    p
}

fn distro(id: &str) -> Distro {
    Distro {
        id: id.into(),
        family: id.into(),
        version: "20230201".into(),
        codename: None,
        pretty_name: None,
        source_file: "etc/os-release".into(),
    }
}

#[test]
fn matchers_use_origin_and_respect_fixed_versions() {
    let files = common::vunnel("wolfi");
    let advisories = parse(&WolfiSecdbParser, &files["input/secdb/security.json"]).unwrap();
    let glibc = advisories
        .iter()
        .find(|a| a.vulnerability_id == "CVE-2022-39046")
        .unwrap();
    let pkg = apk("glibc-locale-posix", "glibc", "2.36-r0");
    assert_eq!(
        WolfiMatcher.queries(&pkg, Some(&distro("wolfi"))),
        vec![Query {
            namespace: "wolfi:rolling".into(),
            package: "glibc".into()
        }]
    );
    assert!(
        WolfiMatcher
            .queries(&pkg, Some(&distro("alpine")))
            .is_empty()
    );
    assert!(WolfiMatcher.queries(&pkg, None).is_empty());
    assert!(matches!(
        WolfiMatcher.verdict(&pkg, glibc),
        Verdict::Affected { .. }
    ));
    for fixed in ["2.36-r1", "2.36-r2", "2.37-r0"] {
        assert!(
            matches!(
                WolfiMatcher.verdict(&apk("glibc", "glibc", fixed), glibc),
                Verdict::NotAffected { .. }
            ),
            "{fixed}"
        );
    }
    let coreutils = advisories
        .iter()
        .find(|a| a.vulnerability_id == "CVE-2016-2781")
        .unwrap();
    assert!(matches!(
        WolfiMatcher.verdict(&apk("coreutils", "coreutils", "9.1-r0"), coreutils),
        Verdict::NotAffected { .. }
    ));
    assert!(matches!(
        WolfiMatcher.verdict(&apk("glibc", "glibc", "not a version!"), glibc),
        Verdict::Indeterminate { .. }
    ));

    let pkg = apk("libcrypto3", "openssl", "3.0.7-r0");
    assert_eq!(
        ChainguardMatcher.queries(&pkg, Some(&distro("chainguard"))),
        vec![Query {
            namespace: "chainguard:rolling".into(),
            package: "openssl".into()
        }]
    );
    assert!(
        ChainguardMatcher
            .queries(&pkg, Some(&distro("wolfi")))
            .is_empty()
    );
}

#[test]
fn hostile_inputs_fail_cleanly() {
    for bad in [
        &b""[..],
        b"{",
        b"{\"packages\":[{\"pkg\":{\"name\":1}}]}",
        b"{\"packages\":{}}",
        b"\xff\xfe",
    ] {
        assert!(
            matches!(
                parse(&WolfiSecdbParser, bad),
                Err(FeedError::Malformed { .. })
            ),
            "{bad:?}"
        );
    }
    // Truncated real input.
    let files = common::vunnel("wolfi");
    let real = &files["input/secdb/security.json"];
    assert!(parse(&WolfiSecdbParser, &real[..real.len() / 2]).is_err());
    // Deep nesting: serde_json's recursion limit answers, no stack overflow.
    let deep = format!(
        "{{\"packages\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(parse(&ChainguardSecdbParser, deep.as_bytes()).is_err());
    // Oversize: more than 64 MiB is refused before parsing.
    let big = vec![b' '; (64 << 20) + 2];
    assert!(matches!(
        parse(&WolfiSecdbParser, &big),
        Err(FeedError::Limit { .. })
    ));
    // Lines with prose keep only id-looking tokens; an empty document has no advisories.
    let a = parse(
        &WolfiSecdbParser,
        br#"{"packages":[{"pkg":{"name":"x","secfixes":{"1-r0":["CVE-2020-1 (see notes)"]}}}]}"#,
    )
    .unwrap();
    assert_eq!(a.len(), 1);
    assert!(parse(&WolfiSecdbParser, b"{}").unwrap().is_empty());
    // serde reads a struct from a JSON array too; an empty one holds nothing.
    assert!(parse(&WolfiSecdbParser, b"[]").unwrap().is_empty());
}
