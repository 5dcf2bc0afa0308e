//! `RhelMatcher` on advisories parsed from the real feeds.

mod common;

use common::{find, parse_file};
use customs_match::{Matcher, Query, Verdict};
use customs_model::{Advisory, Distro, Package, PackageOrigin, Purl, Status};
use customs_rhel::RhelMatcher;

fn distro(id: &str, family: &str, version: &str) -> Distro {
    Distro {
        id: id.into(),
        family: family.into(),
        version: version.into(),
        codename: None,
        pretty_name: None,
        source_file: "etc/os-release".into(),
    }
}

/// An rpm package as customs-rpm records it (version without a `0:` epoch unless set).
fn rpm(name: &str, evr: &str, arch: &str, source: &str, module: Option<&str>) -> Package {
    let (epoch, vr) = match evr.split_once(':') {
        Some((e, vr)) => (e, vr),
        None => ("", evr),
    };
    let mut p = Package::new(
        "rpm",
        name,
        evr,
        Purl::new(
            "rpm",
            Some("redhat"),
            name,
            Some(vr),
            &[
                ("arch", arch),
                ("epoch", epoch),
                ("modularitylabel", module.unwrap_or("")),
            ],
        ),
        "var/lib/rpm/rpmdb.sqlite",
        PackageOrigin::Installed,
    );
    p.arch = Some(arch.into());
    p.source_name = Some(source.into());
    p.source_version = Some(evr.into());
    p
}

fn affected(v: &Verdict) -> bool {
    matches!(v, Verdict::Affected { .. })
}

fn oval() -> Vec<Advisory> {
    parse_file("redhat-oval", "feeds/redhat/oval/com.redhat.rhsa-RHEL9.xml")
}

fn curl_vex() -> Advisory {
    let advs = parse_file(
        "redhat-csaf",
        "feeds/redhat/csaf-samples/claircore-vex/cve-2023-38545.json",
    );
    find(&advs, "rhel:9", "curl", "CVE-2023-38545").clone()
}

#[test]
fn queries_per_distro() {
    let p = rpm(
        "libcurl-minimal",
        "7.76.1-23.el9_2.3",
        "x86_64",
        "curl",
        None,
    );
    let q = |d: &Distro| RhelMatcher.queries(&p, Some(d));
    let pairs = |qs: Vec<Query>| -> Vec<(String, String)> {
        qs.into_iter().map(|q| (q.namespace, q.package)).collect()
    };
    assert_eq!(
        pairs(q(&distro("rhel", "rhel", "9.2"))),
        [
            ("rhel:9".into(), "libcurl-minimal".into()),
            ("rhel:9".into(), "curl".into())
        ]
    );
    assert_eq!(
        pairs(q(&distro("centos", "centos", "9"))),
        [
            ("rhel:9".into(), "libcurl-minimal".into()),
            ("rhel:9".into(), "curl".into())
        ]
    );
    assert_eq!(
        pairs(q(&distro("rocky", "rocky", "9.3"))),
        [
            ("rocky:9".into(), "libcurl-minimal".into()),
            ("rocky:9".into(), "curl".into()),
            ("rhel:9".into(), "libcurl-minimal".into()),
            ("rhel:9".into(), "curl".into())
        ]
    );
    assert_eq!(
        pairs(q(&distro("almalinux", "almalinux", "8.9")))[0].0,
        "almalinux:8"
    );
    assert!(q(&distro("ol", "ol", "9")).is_empty());
    assert!(q(&distro("fedora", "fedora", "39")).is_empty());
    // A module package looks up its stream's keys only.
    let n = rpm(
        "nodejs",
        "1:18.10.0-3.module+el9.1.0+16866+0fab0697",
        "x86_64",
        "nodejs",
        Some("nodejs:18:9010020221009220316:rhel9"),
    );
    assert_eq!(
        pairs(RhelMatcher.queries(&n, Some(&distro("rhel", "rhel", "9.1")))),
        [("rhel:9".into(), "nodejs:18/nodejs".into())]
    );
    let deb = Package {
        ecosystem: "deb".into(),
        ..p
    };
    assert!(
        RhelMatcher
            .queries(&deb, Some(&distro("rhel", "rhel", "9")))
            .is_empty()
    );
}

/// `7.76.1-23.el9_2.4` fixes the 9.2 stream, `7.76.1-26.el9_3.2` the 9.3 stream.
#[test]
fn z_stream_backports_are_respected() {
    let adv = curl_vex();
    let v = |evr: &str| RhelMatcher.verdict(&rpm("curl", evr, "x86_64", "curl", None), &adv);
    assert!(
        affected(&v("7.76.1-23.el9_2.3")),
        "9.2 stream below its fix"
    );
    assert!(!affected(&v("7.76.1-23.el9_2.4")), "9.2 stream at its fix");
    assert!(
        !affected(&v("7.76.1-23.el9_2.5")),
        "9.2 stream above its fix"
    );
    assert!(
        affected(&v("7.76.1-26.el9_3.1")),
        "9.3 stream below its fix"
    );
    assert!(!affected(&v("7.76.1-26.el9_3.2")));
    assert!(affected(&v("7.76.1-19.el9")), "main-line build before both");
    assert!(
        affected(&v("7.76.1-14.el9_0.8")),
        "9.0 stream has no main-line fix"
    );
    assert!(!affected(&v("7.76.1-29.el9_4")));
    // The binary package of the same build, looked up through its source name.
    let lib = rpm("libcurl", "7.76.1-23.el9_2.4", "x86_64", "curl", None);
    assert!(!affected(&RhelMatcher.verdict(&lib, &adv)));
}

#[test]
fn epochs() {
    let advs = oval();
    let lxml = find(&advs, "rhel:9", "python3-lxml", "CVE-2022-2309");
    let v = |evr: &str| {
        RhelMatcher.verdict(
            &rpm("python3-lxml", evr, "x86_64", "python-lxml", None),
            lxml,
        )
    };
    // An absent epoch is 0: `4.6.5-2.el9` < `0:4.6.5-3.el9`.
    assert!(affected(&v("4.6.5-2.el9")));
    assert!(!affected(&v("4.6.5-3.el9")));
    assert!(!affected(&v("0:4.6.5-3.el9")));
    // A higher epoch wins over any version.
    assert!(!affected(&v("1:4.6.0-1.el9")));
    // The nodejs module fix has epoch 1: `18.99-1` without epoch is older.
    let node = find(&advs, "rhel:9", "nodejs:18/nodejs", "CVE-2022-3517");
    let p = |evr: &str| {
        rpm(
            "nodejs",
            evr,
            "x86_64",
            "nodejs",
            Some("nodejs:18:9010020221009220316:rhel9"),
        )
    };
    assert!(affected(
        &RhelMatcher.verdict(&p("18.99.0-1.module+el9.1.0+1+1"), node)
    ));
    assert!(affected(
        &RhelMatcher.verdict(&p("1:18.10.0-3.module+el9.1.0+16866+0fab0697"), node)
    ));
    assert!(!affected(&RhelMatcher.verdict(
        &p("1:18.12.1-1.module+el9.1.0.z+17326+318294bb"),
        node
    )));
}

#[test]
fn module_streams_are_isolated() {
    let advs = oval();
    let node18 = find(&advs, "rhel:9", "nodejs:18/nodejs", "CVE-2022-3517");
    // The same name outside the module, or in another stream: never matched.
    let plain = rpm("nodejs", "1:16.14.0-1.el9", "x86_64", "nodejs", None);
    assert!(matches!(
        RhelMatcher.verdict(&plain, node18),
        Verdict::NotAffected { .. }
    ));
    let other = rpm(
        "nodejs",
        "1:20.1.0-1.module+el9.2.0+1+1",
        "x86_64",
        "nodejs",
        Some("nodejs:20:9020020230101000000:rhel9"),
    );
    assert!(matches!(
        RhelMatcher.verdict(&other, node18),
        Verdict::NotAffected { .. }
    ));
    // And a module package never matches a non-module advisory of the same name.
    let lxml = find(&advs, "rhel:9", "python3-lxml", "CVE-2022-2309");
    let modular_lxml = rpm(
        "python3-lxml",
        "4.6.5-1.module+el9.1.0+1+1",
        "x86_64",
        "python-lxml",
        Some("python39:3.9:9010020221009220316:rhel9"),
    );
    assert!(!affected(&RhelMatcher.verdict(&modular_lxml, lxml)));
}

#[test]
fn architectures_the_data_restricts() {
    let advs = oval();
    let lxml = find(&advs, "rhel:9", "python3-lxml", "CVE-2022-2309");
    let on = |arch: &str| {
        RhelMatcher.verdict(
            &rpm("python3-lxml", "4.6.5-2.el9", arch, "python-lxml", None),
            lxml,
        )
    };
    assert!(affected(&on("x86_64")));
    assert!(affected(&on("aarch64")));
    assert!(affected(&on("noarch")), "noarch is never filtered");
    assert!(
        !affected(&on("i686")),
        "not in aarch64|ppc64le|s390x|x86_64"
    );
}

#[test]
fn will_not_fix_is_surfaced_with_its_status() {
    let advs = parse_file(
        "redhat-csaf",
        "feeds/redhat/csaf-samples/claircore-vex/cve-2022-38752.json",
    );
    let a = find(&advs, "rhel:7", "snakeyaml", "CVE-2022-38752");
    assert_eq!(a.status, Status::WillNotFix);
    let p = rpm("snakeyaml", "1.11-1.el7", "noarch", "snakeyaml", None);
    assert!(
        RhelMatcher
            .queries(&p, Some(&distro("rhel", "rhel", "7.9")))
            .iter()
            .any(|q| q.namespace == a.namespace && q.package == a.package)
    );
    assert!(affected(&RhelMatcher.verdict(&p, a)));
}

#[test]
fn precedence_and_unparseable_versions() {
    let m = RhelMatcher;
    assert!(m.feed_precedence("rocky-oval") < m.feed_precedence("redhat-csaf"));
    assert!(m.feed_precedence("alma-oval") < m.feed_precedence("redhat-csaf"));
    assert!(m.feed_precedence("redhat-csaf") < m.feed_precedence("redhat-oval"));
    let adv = curl_vex();
    assert!(matches!(
        m.verdict(&rpm("curl", "", "x86_64", "curl", None), &adv),
        Verdict::Indeterminate { .. }
    ));
}
