//! `ubuntu-oval` on the real USN OVAL files for jammy (22.04) and noble (24.04).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use customs_model::{Advisory, AffectedRange, Severity, Status};
use customs_version::VersionScheme;
use regex::Regex;

fn shared(rel: &str) -> String {
    format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn parse(file: &str) -> (String, Vec<Advisory>) {
    let text = std::fs::read_to_string(shared(&format!("feeds/ubuntu/oval/{file}"))).unwrap();
    let advs = customs_ubuntu::parse_bytes("ubuntu-oval", file, text.as_bytes()).unwrap();
    (text, advs)
}

fn sev(p: &str) -> Severity {
    match p.to_ascii_lowercase().as_str() {
        "negligible" => Severity::Negligible,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => Severity::Unknown,
    }
}

/// What the independent reading expects for one (CVE, binary).
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    version: String,
    pro: bool,
    severity: Severity,
    usns: Vec<String>,
}

/// An independent reading of a USN OVAL file with regular expressions over its text (the
/// layout Canonical's generator writes), not through an XML parser: every patch definition's
/// CVEs (with `<cve priority>`), USN, and dpkginfo tests resolved through objects, states and
/// constant variables. The highest fixed version per (CVE, binary) is kept.
fn independent(text: &str) -> BTreeMap<(String, String), Expected> {
    let re = |s: &str| Regex::new(s).unwrap();
    let defs = re(r#"(?s)<definition id="([^"]+)" version="\d+" class="patch">(.*?)</definition>"#);
    let cve_el = re(r#"<cve href="[^"]*" priority="(\w+)"[^>]*>(CVE-[^<]+)</cve>"#);
    let cve_ref = re(r#"<reference source="CVE" ref_id="([^"]+)""#);
    let usn_ref = re(r#"<reference source="USN" ref_id="([^"]+)""#);
    let severity = re(r"<severity>([^<]*)</severity>");
    let criterion = re(r#"<criterion test_ref="([^"]+)""#);
    // Attributes are captured whole: "Ubuntu Pro" in any comment (test, object, state or
    // variable: jammy marks tests, noble the others) makes the fix a Pro one.
    let tests = re(
        r#"(?s)<linux:dpkginfo_test id="([^"]+)"([^>]*)>\s*<linux:object object_ref="([^"]+)" />\s*<linux:state state_ref="([^"]+)" />"#,
    );
    let objects =
        re(r#"(?s)<linux:dpkginfo_object id="([^"]+)"([^>]*)>\s*<linux:name var_ref="([^"]+)""#);
    let states = re(
        r#"(?s)<linux:dpkginfo_state id="([^"]+)"([^>]*)>\s*<linux:evr datatype="debian_evr_string" operation="less than">([^<]+)</linux:evr>"#,
    );
    let vars = re(r#"(?s)<constant_variable id="([^"]+)"([^>]*)>(.*?)</constant_variable>"#);
    let value = re(r"<value>([^<]+)</value>");

    let tests: BTreeMap<&str, (&str, &str, &str)> = tests
        .captures_iter(text)
        .map(|c| {
            let g = |i| c.get(i).unwrap().as_str();
            (g(1), (g(2), g(3), g(4)))
        })
        .collect();
    let pro = |attrs: &str| attrs.contains("Ubuntu Pro");
    let objects: BTreeMap<&str, (bool, &str)> = objects
        .captures_iter(text)
        .map(|c| {
            let g = |i| c.get(i).unwrap().as_str();
            (g(1), (pro(g(2)), g(3)))
        })
        .collect();
    let states: BTreeMap<&str, (bool, &str)> = states
        .captures_iter(text)
        .map(|c| {
            let g = |i| c.get(i).unwrap().as_str();
            (g(1), (pro(g(2)), g(3)))
        })
        .collect();
    let vars: BTreeMap<&str, (bool, Vec<&str>)> = vars
        .captures_iter(text)
        .map(|c| {
            let values = value
                .captures_iter(c.get(3).unwrap().as_str())
                .map(|v| v.get(1).unwrap().as_str())
                .collect();
            (
                c.get(1).unwrap().as_str(),
                (pro(c.get(2).unwrap().as_str()), values),
            )
        })
        .collect();

    let mut out: BTreeMap<(String, String), Expected> = BTreeMap::new();
    for d in defs.captures_iter(text) {
        let body = d.get(2).unwrap().as_str();
        let usn = usn_ref.captures(body).map(|c| c[1].to_owned()).unwrap();
        let def_sev = severity
            .captures(body)
            .map_or(Severity::Unknown, |c| sev(&c[1]));
        let mut cves: Vec<(String, Severity)> = Vec::new();
        for c in cve_ref.captures_iter(body) {
            cves.push((c[1].to_owned(), def_sev));
        }
        for c in cve_el.captures_iter(body) {
            let s = sev(&c[1]);
            let s = if s == Severity::Unknown { def_sev } else { s };
            match cves.iter_mut().find(|(id, _)| *id == c[2]) {
                Some(e) => e.1 = s,
                None => cves.push((c[2].to_owned(), s)),
            }
        }
        if cves.is_empty() {
            cves.push((usn.clone(), def_sev));
        }
        for t in criterion.captures_iter(body) {
            let Some((test_attrs, obj, ste)) = tests.get(&t[1]) else {
                continue; // kernel uname/variable tests
            };
            let (state_pro, evr) = states[ste];
            let (object_pro, var) = objects[obj];
            let (var_pro, bins) = &vars[var];
            let version = evr.strip_prefix("0:").unwrap_or(evr).to_owned();
            let pro = pro(test_attrs) || state_pro || object_pro || *var_pro;
            for bin in bins {
                for (cve, s) in &cves {
                    let e = Expected {
                        version: version.clone(),
                        pro,
                        severity: *s,
                        usns: vec![usn.clone()],
                    };
                    let key = (cve.clone(), (*bin).to_owned());
                    match out.get_mut(&key) {
                        None => {
                            out.insert(key, e);
                        }
                        Some(old) => {
                            let mut usns = old.usns.clone();
                            if !usns.contains(&usn) {
                                usns.push(usn.clone());
                            }
                            usns.sort();
                            if customs_dpkg::DebScheme
                                .compare(&e.version, &old.version)
                                .unwrap()
                                == Ordering::Greater
                            {
                                *old = e;
                            }
                            old.usns = usns;
                        }
                    }
                }
            }
        }
    }
    out
}

fn ours(advs: &[Advisory], namespace: &str) -> BTreeMap<(String, String), Expected> {
    advs.iter()
        .map(|a| {
            assert_eq!(a.namespace, namespace);
            assert_eq!(a.scheme, "deb");
            assert_eq!(a.source, "ubuntu-oval");
            let AffectedRange::LessThan(v) = &a.affected else {
                panic!("{a:?}");
            };
            let pro = match a.status {
                Status::Fixed => {
                    assert_eq!(a.fixed_version.as_deref(), Some(v.as_str()));
                    assert!(a.notes.is_none());
                    false
                }
                Status::Affected => {
                    assert_eq!(a.fixed_version, None);
                    assert!(a.notes.as_deref().unwrap().contains(v.as_str()), "{a:?}");
                    true
                }
                s => panic!("unexpected status {s:?} in {a:?}"),
            };
            (
                (a.vulnerability_id.clone(), a.package.clone()),
                Expected {
                    version: v.clone(),
                    pro,
                    severity: a.severity,
                    usns: a.advisory_ids.clone(),
                },
            )
        })
        .collect()
}

#[test]
fn jammy_equals_an_independent_reading() {
    let (text, advs) = parse("com.ubuntu.jammy.usn.oval.xml");
    let expected = independent(&text);
    let got = ours(&advs, "ubuntu:22.04");
    assert_eq!(got.len(), advs.len(), "one advisory per (CVE, binary)");
    assert_eq!(expected.len(), 30_887);
    assert_eq!(got, expected);
    let pro = got.values().filter(|e| e.pro).count();
    assert_eq!(pro, 1_519, "Ubuntu Pro (ESM) fixes in jammy");
}

#[test]
fn noble_equals_an_independent_reading() {
    let (text, advs) = parse("com.ubuntu.noble.usn.oval.xml");
    let expected = independent(&text);
    let got = ours(&advs, "ubuntu:24.04");
    assert_eq!(expected.len(), 5_986);
    assert_eq!(got, expected);
    let pro = got.values().filter(|e| e.pro).count();
    assert_eq!(
        pro, 1_096,
        "noble marks Pro fixes on objects, states and variables"
    );
}

fn find<'a>(advs: &'a [Advisory], cve: &str, pkg: &str) -> &'a Advisory {
    advs.iter()
        .find(|a| a.vulnerability_id == cve && a.package == pkg)
        .unwrap_or_else(|| panic!("no advisory for {cve} {pkg}"))
}

/// Exact records for a few notices, read off the file by hand (and, for the versions, off
/// the notice's own "update your system to the following package versions" text).
#[test]
fn jammy_exact_records() {
    let (_, advs) = parse("com.ubuntu.jammy.usn.oval.xml");
    // USN-5402-1 OpenSSL: four CVEs, two medium and two low, fixed in 3.0.2-0ubuntu1.1.
    for (cve, s) in [
        ("CVE-2022-1292", Severity::Medium),
        ("CVE-2022-1343", Severity::Medium),
        ("CVE-2022-1434", Severity::Low),
        ("CVE-2022-1473", Severity::Low),
    ] {
        for bin in ["libssl3", "libssl-dev", "openssl", "libssl-doc"] {
            let a = find(&advs, cve, bin);
            assert_eq!(
                (a.status, a.fixed_version.as_deref(), a.severity),
                (Status::Fixed, Some("3.0.2-0ubuntu1.1"), s),
                "{cve} {bin}"
            );
            assert_eq!(a.advisory_ids, ["USN-5402-1"]);
            assert_eq!(a.record_id, "oval:com.ubuntu.jammy:def:54021000000");
        }
    }
    // USN-5734-1 FreeRDP: 15 binaries at 2.6.1+dfsg1-3ubuntu2.3 for 8 CVEs.
    let freerdp = "freerdp2-dev freerdp2-shadow-x11 freerdp2-wayland freerdp2-x11 libfreerdp2-2 \
        libfreerdp-client2-2 libfreerdp-server2-2 libfreerdp-shadow2-2 \
        libfreerdp-shadow-subsystem2-2 libuwac0-0 libuwac0-dev libwinpr2-2 libwinpr2-dev \
        libwinpr-tools2-2 winpr-utils";
    let cves = [
        "CVE-2022-39282",
        "CVE-2022-39283",
        "CVE-2022-39316",
        "CVE-2022-39317",
        "CVE-2022-39318",
        "CVE-2022-39319",
        "CVE-2022-39320",
        "CVE-2022-39347",
    ];
    for cve in cves {
        for bin in freerdp.split_whitespace() {
            let a = find(&advs, cve, bin);
            assert_eq!(
                a.fixed_version.as_deref(),
                Some("2.6.1+dfsg1-3ubuntu2.3"),
                "{cve} {bin}"
            );
            assert!(a.advisory_ids.contains(&"USN-5734-1".to_owned()));
        }
    }
    // A backported fix with the `ubuntu0.22.04.N` suffix.
    let pg = find(&advs, "CVE-2022-1552", "postgresql-14");
    assert_eq!(pg.fixed_version.as_deref(), Some("14.3-0ubuntu0.22.04.1"));
    // USN-5181-1 jQuery UI is Ubuntu Pro only (platform "Ubuntu 22.04 ESM").
    let jq = find(&advs, "CVE-2021-41184", "libjs-jquery-ui");
    assert_eq!(jq.status, Status::Affected);
    assert_eq!(jq.fixed_version, None);
    assert_eq!(
        jq.affected,
        AffectedRange::LessThan("1.13.1+dfsg-1ubuntu0.1~esm1".into())
    );
    assert!(jq.notes.as_deref().unwrap().contains("Ubuntu Pro"));
    assert_eq!(jq.severity, Severity::Medium);
    assert_eq!(jq.advisory_ids, ["USN-5181-1"]);
    // Kernel notices test the running kernel (uname), so no package records: linux-libc-dev
    // is named only in descriptions.
    assert!(!advs.iter().any(|a| a.package.starts_with("linux-")));
    // Epochs other than 0 stay.
    assert!(advs.iter().any(|a| {
        a.fixed_version
            .as_deref()
            .is_some_and(|v| v.starts_with("1:"))
    }));
}

#[test]
fn default_locations_are_canonical_urls() {
    use customs_feed::FeedParser;
    let locs = customs_ubuntu::UbuntuOvalParser::new().default_locations();
    assert!(
        locs.contains(
            &"https://security-metadata.canonical.com/oval/com.ubuntu.jammy.usn.oval.xml.bz2"
                .to_owned()
        )
    );
    assert_eq!(locs.len(), 5);
}
