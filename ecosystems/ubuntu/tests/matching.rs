//! The matcher on the real jammy USN OVAL and Ubuntu OSV records: backported fixes are
//! respected (installed at the fix: nothing; one release below: reported).

use std::collections::BTreeMap;

use customs_match::{Matcher, Verdict};
use customs_model::{Advisory, Distro, Package, PackageOrigin, Purl};
use customs_ubuntu::UbuntuMatcher;

fn store() -> BTreeMap<(String, String), Vec<Advisory>> {
    let base = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/feeds/ubuntu/"
    );
    let oval = std::fs::read(format!("{base}oval/com.ubuntu.jammy.usn.oval.xml")).unwrap();
    let mut all =
        customs_ubuntu::parse_bytes("ubuntu-oval", "com.ubuntu.jammy.usn.oval.xml", &oval).unwrap();
    let osv = std::fs::read(format!(
        "{base}osv-samples/osv/cve/2021/UBUNTU-CVE-2021-3782.json"
    ))
    .unwrap();
    all.extend(
        customs_ubuntu::parse_bytes("ubuntu-osv", "UBUNTU-CVE-2021-3782.json", &osv).unwrap(),
    );
    let mut s: BTreeMap<(String, String), Vec<Advisory>> = BTreeMap::new();
    for a in all {
        s.entry((a.namespace.clone(), a.package.clone()))
            .or_default()
            .push(a);
    }
    s
}

fn deb(name: &str, version: &str, source: &str) -> Package {
    Package {
        id: name.into(),
        ecosystem: "deb".into(),
        name: name.into(),
        version: version.into(),
        arch: Some("amd64".into()),
        source_name: Some(source.into()),
        source_version: Some(version.into()),
        purl: Purl::new("deb", Some("ubuntu"), name, Some(version), &[]),
        layer_diff_id: None,
        found_in: "var/lib/dpkg/status".into(),
        origin: PackageOrigin::Installed,
        licenses: vec![],
        files: vec![],
        scope: None,
        provides: Vec::new(),
    }
}

/// The verdict of the deciding feed for `cve`, as the scan takes it: the lowest
/// precedence among the records found, the first "affected" among that feed's records.
fn decide(
    store: &BTreeMap<(String, String), Vec<Advisory>>,
    pkg: &Package,
    cve: &str,
) -> Option<(String, bool)> {
    let distro = Distro {
        id: "ubuntu".into(),
        family: "ubuntu".into(),
        version: "22.04".into(),
        codename: Some("jammy".into()),
        pretty_name: None,
        source_file: "etc/os-release".into(),
    };
    let m = UbuntuMatcher;
    let mut found: Vec<&Advisory> = m
        .queries(pkg, Some(&distro))
        .iter()
        .flat_map(|q| {
            store
                .get(&(q.namespace.clone(), q.package.clone()))
                .into_iter()
                .flatten()
        })
        .filter(|a| a.vulnerability_id == cve)
        .collect();
    found.sort_by_key(|a| m.feed_precedence(&a.source));
    let best = m.feed_precedence(&found.first()?.source);
    let affected = found
        .iter()
        .filter(|a| m.feed_precedence(&a.source) == best)
        .any(|a| matches!(m.verdict(pkg, a), Verdict::Affected { .. }));
    Some((found[0].source.clone(), affected))
}

#[test]
fn backports_in_jammy() {
    let s = store();
    let oval = |v: bool| Some(("ubuntu-oval".to_owned(), v));
    // postgresql-14 fixed in 14.3-0ubuntu0.22.04.1 (an `ubuntu0.22.04.N` backport).
    let at = deb("postgresql-14", "14.3-0ubuntu0.22.04.1", "postgresql-14");
    let below = deb("postgresql-14", "14.2-1ubuntu1", "postgresql-14");
    assert_eq!(decide(&s, &at, "CVE-2022-1552"), oval(false));
    assert_eq!(decide(&s, &below, "CVE-2022-1552"), oval(true));
    // libssl3: CVE-2022-2068 fixed in 3.0.2-0ubuntu1.5 (USN-5488-1).
    let at = deb("libssl3", "3.0.2-0ubuntu1.5", "openssl");
    let below = deb("libssl3", "3.0.2-0ubuntu1.4", "openssl");
    let later = deb("libssl3", "3.0.2-0ubuntu1.10", "openssl");
    assert_eq!(decide(&s, &at, "CVE-2022-2068"), oval(false));
    assert_eq!(decide(&s, &below, "CVE-2022-2068"), oval(true));
    assert_eq!(
        decide(&s, &later, "CVE-2022-2068"),
        oval(false),
        "1.10 > 1.5 numerically"
    );
    // wayland: the OSV record (source) decides over OVAL (binary) for CVE-2021-3782.
    let at = deb("libwayland-client0", "1.20.0-1ubuntu0.1", "wayland");
    let below = deb("libwayland-client0", "1.20.0-1", "wayland");
    assert_eq!(
        decide(&s, &at, "CVE-2021-3782"),
        Some(("ubuntu-osv".to_owned(), false))
    );
    assert_eq!(
        decide(&s, &below, "CVE-2021-3782"),
        Some(("ubuntu-osv".to_owned(), true))
    );
    // A Pro-only fix (jQuery UI, esm-apps): a plain install is affected, the Pro one is not.
    let plain = deb("libjs-jquery-ui", "1.13.1+dfsg-1", "jqueryui");
    let pro = deb("libjs-jquery-ui", "1.13.1+dfsg-1ubuntu0.1~esm1", "jqueryui");
    assert_eq!(decide(&s, &plain, "CVE-2021-41184"), oval(true));
    assert_eq!(decide(&s, &pro, "CVE-2021-41184"), oval(false));
}
