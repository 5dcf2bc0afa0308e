mod common;

use std::time::Instant;

use common::{oval_xml, run_bytes};
use customs_debian::DebianOvalParser;
use customs_feed::FeedParser;
use customs_model::{Advisory, AffectedRange, Status};

/// Counts the records a Debian OVAL file should give, by plain line scanning: for each
/// `<definition` block, (number of CVE references, or 1 when there is none) × (number of
/// "DPKG is earlier than" criteria). Returns `(records, unfixed records)`.
fn independent_count(xml: &str) -> (usize, usize) {
    let (mut total, mut unfixed) = (0, 0);
    let (mut in_def, mut refs, mut pkgs, mut zero) = (false, 0, 0, 0);
    for line in xml.lines() {
        let l = line.trim();
        if l.starts_with("<definition ") {
            (in_def, refs, pkgs, zero) = (true, 0, 0, 0);
        } else if l == "</definition>" && in_def {
            total += refs.max(1) * pkgs;
            unfixed += refs.max(1) * zero;
            in_def = false;
        } else if in_def && l.starts_with("<reference source=\"CVE\"") {
            refs += 1;
        } else if in_def && l.contains(" DPKG is earlier than ") {
            pkgs += 1;
            if l.ends_with(" DPKG is earlier than 0\"/>") {
                zero += 1;
            }
        }
    }
    (total, unfixed)
}

fn find<'a>(all: &'a [Advisory], vuln: &str, package: &str) -> Vec<&'a Advisory> {
    all.iter()
        .filter(|a| a.vulnerability_id == vuln && a.package == package)
        .collect()
}

#[test]
fn buster_count_matches_an_independent_count_and_spot_checks() {
    let xml = oval_xml("buster");
    let started = Instant::now();
    let all = run_bytes(
        &DebianOvalParser::new(),
        "oval-definitions-buster.xml",
        &xml,
    )
    .unwrap();
    eprintln!(
        "buster OVAL: {} advisories from {} bytes in {:?}",
        all.len(),
        xml.len(),
        started.elapsed()
    );

    let (expected, expected_unfixed) = independent_count(std::str::from_utf8(&xml).unwrap());
    assert_eq!(all.len(), expected);
    assert_eq!(all.len(), 29_528, "the buster file of 2023-07-14");
    assert_eq!(
        all.iter().filter(|a| a.status == Status::Affected).count(),
        expected_unfixed
    );

    for a in &all {
        assert_eq!(a.namespace, "debian:10");
        assert_eq!(a.scheme, "deb");
        assert_eq!(a.source, "debian-oval");
        assert!(
            a.record_id.starts_with("oval:org.debian:def:"),
            "{}",
            a.record_id
        );
        assert!(
            !a.fixed_version.as_deref().unwrap_or("x").starts_with("0:"),
            "{a:?}"
        );
        match a.status {
            Status::Fixed => assert_eq!(
                a.affected,
                AffectedRange::LessThan(a.fixed_version.clone().unwrap())
            ),
            Status::Affected => assert_eq!(
                (&a.affected, &a.fixed_version),
                (&AffectedRange::All, &None)
            ),
            s => panic!("unexpected status {s} in {a:?}"),
        }
    }

    let heartbleed = find(&all, "CVE-2014-0160", "openssl");
    assert_eq!(heartbleed.len(), 1);
    assert_eq!(heartbleed[0].status, Status::Fixed);
    assert_eq!(heartbleed[0].fixed_version.as_deref(), Some("1.0.1g-1"));
    let a = find(&all, "CVE-2022-0778", "openssl");
    assert_eq!(
        a[0].affected,
        AffectedRange::LessThan("1.1.1d-0+deb10u8".to_owned())
    );
    let a = find(&all, "CVE-2021-3449", "openssl");
    assert_eq!(a[0].fixed_version.as_deref(), Some("1.1.1d-0+deb10u6"));
    // Epochs other than 0 are kept.
    assert!(all.iter().any(|a| {
        a.fixed_version
            .as_deref()
            .is_some_and(|v| v.starts_with("1:"))
    }));
    // Unfixed: `less than 0:0`.
    let tar = find(&all, "CVE-2005-2541", "tar");
    assert_eq!(
        (tar[0].status, &tar[0].affected),
        (Status::Affected, &AffectedRange::All)
    );
    // A DSA ("patch") definition: one record per CVE it lists, with the DSA id.
    let dsa: Vec<_> = all
        .iter()
        .filter(|a| a.advisory_ids == ["DSA-3988-1"])
        .collect();
    // The file holds two definitions titled DSA-3988-1 (same content, two ids).
    assert_eq!(dsa.len(), 2);
    assert_ne!(dsa[0].record_id, dsa[1].record_id);
    for a in dsa {
        assert_eq!(a.vulnerability_id, "CVE-2017-14062");
        assert_eq!(a.package, "libidn2-0");
        assert_eq!(a.fixed_version.as_deref(), Some("2.0.2-4"));
    }
}

#[test]
fn bullseye_and_bookworm_parse() {
    for (release, ns) in [("bullseye", "debian:11"), ("bookworm", "debian:12")] {
        let xml = oval_xml(release);
        let started = Instant::now();
        let all = run_bytes(
            &DebianOvalParser::new(),
            &format!("oval-definitions-{release}.xml"),
            &xml,
        )
        .unwrap();
        eprintln!(
            "{release} OVAL: {} advisories in {:?}",
            all.len(),
            started.elapsed()
        );
        let (expected, _) = independent_count(std::str::from_utf8(&xml).unwrap());
        assert_eq!(all.len(), expected, "{release}");
        assert!(all.iter().all(|a| a.namespace == ns));
    }
}

#[test]
fn release_falls_back_to_the_file_name() {
    let xml = r#"<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">
  <definitions>
    <definition id="oval:x:def:1" version="1" class="vulnerability">
      <metadata><title>CVE-2024-0001 foo</title>
        <reference source="CVE" ref_id="CVE-2024-0001"/></metadata>
      <criteria><criterion test_ref="t:9" comment="foo DPKG is earlier than 0:1.2-3"/></criteria>
    </definition>
  </definitions>
  <tests>
    <dpkginfo_test id="t:9" version="1" check="all"><object object_ref="o:1"/><state state_ref="s:1"/></dpkginfo_test>
  </tests>
  <objects><dpkginfo_object id="o:1" version="1"><name>foo&#45;bar</name></dpkginfo_object></objects>
  <states><dpkginfo_state id="s:1" version="1"><evr datatype="debian_evr_string" operation="less than">0:1.2-3</evr></dpkginfo_state></states>
</oval_definitions>"#;
    let p = DebianOvalParser::new();
    let all = run_bytes(&p, "oval-definitions-bookworm.xml", xml.as_bytes()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].namespace, "debian:12");
    // The package comes from the dpkginfo object the test references, not the comment.
    assert_eq!(all[0].package, "foo-bar");
    assert_eq!(all[0].fixed_version.as_deref(), Some("1.2-3"));
    let err = run_bytes(&p, "definitions.xml", xml.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("names no release"), "{err}");
    assert!(err.contains("test:definitions.xml"), "{err}");
}

#[test]
fn default_locations() {
    let locs = DebianOvalParser::new().default_locations();
    assert_eq!(locs.len(), 4);
    assert!(locs.contains(
        &"https://www.debian.org/security/oval/oval-definitions-bookworm.xml.bz2".to_owned()
    ));
}
