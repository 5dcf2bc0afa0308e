//! Acceptance test: every major distribution detected from real release files, through
//! every release-file analyzer at once and the squash step, as a scan sees an image.
//!
//! Sources: `shared/data/osrelease/claircore` (directories and `.txtar` bundles), the syft
//! and grype testdata archives in `shared/data/archives` (read in memory), and for
//! distributions with no file there, the files in `tests/fixtures` (see its README for where
//! each comes from; a few are hand-written because no real file is available here).

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, OnceLock};

use customs_analyzer::{Analyzer, Dispatcher, FileEntry, LayerFindings, squash};
use customs_model::Distro;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn dispatcher() -> Dispatcher {
    let analyzers: Vec<Arc<dyn Analyzer>> = vec![
        Arc::new(customs_os_release::OsReleaseAnalyzer),
        Arc::new(customs_alpine::AlpineReleaseAnalyzer),
        Arc::new(customs_rhel::RedHatReleaseAnalyzer),
        Arc::new(customs_suse::SuseReleaseAnalyzer),
        Arc::new(customs_ubuntu::LsbReleaseAnalyzer),
        Arc::new(customs_debian::DebianVersionAnalyzer::new()),
    ];
    Dispatcher::new(analyzers).unwrap()
}

/// Files of a testdata archive (`syft` or `grype`) whose path contains `filter`.
fn archive(name: &str) -> &'static HashMap<String, Vec<u8>> {
    static SYFT: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    static GRYPE: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    let cell = match name {
        "syft" => &SYFT,
        "grype" => &GRYPE,
        _ => panic!("{name}"),
    };
    cell.get_or_init(|| {
        let path = format!("{DATA}/archives/{name}-testdata.tar.zst");
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut tar = tar::Archive::new(zstd::Decoder::new(file).unwrap());
        let mut out = HashMap::new();
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let p = entry.path().unwrap().to_string_lossy().into_owned();
            let p = p.trim_start_matches("./").to_owned();
            if entry.header().entry_type().is_file()
                && (p.contains("/linux/testdata/") || p.contains("/distro/testdata/"))
            {
                let mut buf = Vec::new();
                entry.read_to_end(&mut buf).unwrap();
                out.insert(p, buf);
            }
        }
        out
    })
}

/// Loads a file named by `spec`:
/// `data:REL` (under shared/data), `syft:REL` / `grype:REL` (in the archive),
/// `fixture:REL` (tests/fixtures), `txtar:REL#SECTION`.
fn load(spec: &str) -> Vec<u8> {
    let (kind, rel) = spec.split_once(':').unwrap();
    match kind {
        "data" => std::fs::read(format!("{DATA}/{rel}")).unwrap_or_else(|e| panic!("{spec}: {e}")),
        "fixture" => {
            std::fs::read(format!("{FIXTURES}/{rel}")).unwrap_or_else(|e| panic!("{spec}: {e}"))
        }
        "syft" | "grype" => archive(kind)
            .get(rel)
            .unwrap_or_else(|| panic!("{spec} not in the {kind} archive"))
            .clone(),
        "txtar" => {
            let (file, section) = rel.split_once('#').unwrap();
            let text = std::fs::read_to_string(format!("{DATA}/{file}")).unwrap();
            txtar_section(&text, section)
                .unwrap_or_else(|| panic!("{spec}: no section"))
                .into_bytes()
        }
        _ => panic!("{spec}"),
    }
}

/// The body of `-- name --` in a txtar archive.
fn txtar_section(text: &str, name: &str) -> Option<String> {
    let header = format!("-- {name} --");
    let mut lines = text.lines().skip_while(|l| l.trim_end() != header);
    lines.next()?;
    let body: Vec<&str> = lines
        .take_while(|l| !(l.starts_with("-- ") && l.trim_end().ends_with(" --")))
        .collect();
    Some(body.join("\n") + "\n")
}

/// Runs every interested analyzer over `files` (image path, content) in one layer and
/// squashes it.
fn detect(files: &[(&str, Vec<u8>)]) -> (Option<Distro>, Vec<String>) {
    let d = dispatcher();
    let mut layer = LayerFindings::default();
    let mut which = Vec::new();
    for (path, bytes) in files {
        d.interested(path, false, &mut which);
        assert!(!which.is_empty(), "no analyzer wants {path}");
        for &i in &which {
            let mut reader: &[u8] = bytes;
            let mut entry = FileEntry::new(path, bytes.len() as u64, 0o644, &mut reader);
            d.analyzer(i).analyze(&mut entry, &mut layer).unwrap();
        }
    }
    let diags = layer
        .diagnostics
        .iter()
        .map(|x| format!("{}: {}", x.code, x.message))
        .collect();
    (squash(&[(None, &layer)]).distro, diags)
}

struct Case {
    what: &'static str,
    files: &'static [(&'static str, &'static str)],
    id: &'static str,
    family: &'static str,
    version: &'static str,
    codename: &'static str,
}

const fn case(
    what: &'static str,
    files: &'static [(&'static str, &'static str)],
    id: &'static str,
    family: &'static str,
    version: &'static str,
    codename: &'static str,
) -> Case {
    Case {
        what,
        files,
        id,
        family,
        version,
        codename,
    }
}

macro_rules! cc {
    ($rel:literal) => {
        concat!("data:osrelease/claircore/", $rel)
    };
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Alpine
    case("Alpine 3.18 (os-release)", &[("etc/os-release", cc!("alpine/3.18/etc/os-release"))], "alpine", "alpine", "3.18.4", ""),
    case("Alpine 3.10 (txtar)", &[("etc/os-release", "txtar:osrelease/claircore/Alpine.txtar#os-release")], "alpine", "alpine", "3.10.2", ""),
    case("Alpine 3.11 (grype)", &[("etc/os-release", "grype:grype/distro/testdata/os/alpine/etc/os-release")], "alpine", "alpine", "3.11.6", ""),
    case("Alpine edge (os-release)", &[("etc/os-release", cc!("alpine/edge/etc/os-release"))], "alpine", "alpine", "3.19_alpha20230901", "edge"),
    case("Alpine edge (grype)", &[("etc/os-release", "grype:grype/distro/testdata/os/alpine-edge/etc/os-release")], "alpine", "alpine", "3.22.0_alpha20250108", "edge"),
    case("Alpine 3.17 (alpine-release only)", &[("etc/alpine-release", "fixture:alpine-3.17/etc/alpine-release")], "alpine", "alpine", "3.17.5", ""),
    case("Alpine edge (alpine-release only)", &[("etc/alpine-release", "fixture:alpine-edge/etc/alpine-release")], "alpine", "alpine", "3.22.0_alpha20250108", "edge"),
    // Debian, distroless
    case("Debian 12", &[("etc/os-release", cc!("debian/dist/12/etc/os-release"))], "debian", "debian", "12", "bookworm"),
    case("Debian 7", &[("etc/os-release", cc!("debian/dist/7/etc/os-release"))], "debian", "debian", "7", "wheezy"),
    case("Debian 10 (txtar)", &[("etc/os-release", "txtar:osrelease/claircore/Buster.txtar#os-release")], "debian", "debian", "10", "buster"),
    case("Debian 8 (grype usr/lib)", &[("usr/lib/os-release", "grype:grype/distro/testdata/os/debian/usr/lib/os-release")], "debian", "debian", "8", "jessie"),
    case("Debian sid (grype)", &[("usr/lib/os-release", "grype:grype/distro/testdata/os/debian-sid/usr/lib/os-release")], "debian", "debian", "", "trixie"),
    case("Debian 13 point release (syft)", &[("etc/os-release", "syft:syft/linux/testdata/os/debian/with-point-release/etc/os-release"), ("etc/debian_version", "syft:syft/linux/testdata/os/debian/with-point-release/etc/debian_version")], "debian", "debian", "13", "trixie"),
    case("Distroless 11", &[("etc/os-release", cc!("debian/distroless_dist/11/etc/os-release"))], "debian", "debian", "11", "bullseye"),
    case("Distroless 9", &[("etc/os-release", cc!("debian/distroless_dist/9/etc/os-release"))], "debian", "debian", "9", "stretch"),
    case("Distroless 12 (DistrolessCorrupt.txtar)", &[("etc/os-release", "txtar:osrelease/claircore/DistrolessCorrupt.txtar#os-release")], "debian", "debian", "12", "bookworm"),
    case("Distroless 12 (DistrolessValid.txtar)", &[("etc/os-release", "txtar:osrelease/claircore/DistrolessValid.txtar#os-release")], "debian", "debian", "12", "bookworm"),
    case("Distroless without VERSION_ID + debian_version (syft)", &[("etc/os-release", "syft:syft/linux/testdata/os/debian/from-debian_version/etc/os-release"), ("etc/debian_version", "syft:syft/linux/testdata/os/debian/from-debian_version/etc/debian_version")], "debian", "debian", "10", "buster"),
    case("Raspbian 9 (grype)", &[("etc/os-release", "grype:grype/distro/testdata/os/raspbian/etc/os-release")], "raspbian", "debian", "9", "stretch"),
    // Ubuntu
    case("Ubuntu 22.04", &[("etc/os-release", cc!("ubuntu/dist/22.04/etc/os-release")), ("etc/lsb-release", cc!("ubuntu/dist/22.04/etc/lsb-release"))], "ubuntu", "ubuntu", "22.04", "jammy"),
    case("Ubuntu 18.04 (txtar)", &[("etc/os-release", "txtar:osrelease/claircore/Bionic.txtar#os-release")], "ubuntu", "ubuntu", "18.04", "bionic"),
    case("Ubuntu 14.04 (no VERSION_CODENAME)", &[("etc/os-release", cc!("ubuntu/dist/14.04/etc/os-release"))], "ubuntu", "ubuntu", "14.04", "trusty"),
    case("Ubuntu 12.04 (no VERSION_CODENAME)", &[("etc/os-release", cc!("ubuntu/dist/12.04/etc/os-release"))], "ubuntu", "ubuntu", "12.04", "precise"),
    case("Ubuntu 10.04 (lsb-release only)", &[("etc/lsb-release", cc!("ubuntu/dist/10.04/etc/lsb-release"))], "ubuntu", "ubuntu", "10.04", "lucid"),
    case("Ubuntu 10.04 (lsb-release beats debian_version squeeze/sid)", &[("etc/lsb-release", cc!("ubuntu/dist/10.04/etc/lsb-release")), ("etc/debian_version", "fixture:ubuntu-10.04/etc/debian_version")], "ubuntu", "ubuntu", "10.04", "lucid"),
    case("Ubuntu 20.04 (grype)", &[("etc/os-release", "grype:grype/distro/testdata/os/ubuntu/etc/os-release")], "ubuntu", "ubuntu", "20.04", "focal"),
    // RHEL and UBI
    case("RHEL 9 (os-release + redhat-release)", &[("etc/os-release", cc!("rhel/releasefiles/9/etc/os-release")), ("etc/redhat-release", cc!("rhel/releasefiles/9/etc/redhat-release"))], "rhel", "rhel", "9.0", ""),
    case("RHEL 8", &[("etc/os-release", cc!("rhel/releasefiles/8/etc/os-release"))], "rhel", "rhel", "8.1", ""),
    case("RHEL 7 (redhat-release only)", &[("etc/redhat-release", cc!("rhel/releasefiles/7/etc/redhat-release"))], "rhel", "rhel", "7.4", ""),
    case("RHEL Atomic Host 7", &[("etc/os-release", cc!("rhel/releasefiles/atomichost-7/etc/os-release"))], "rhel", "rhel", "7.9", ""),
    case("UBI 8 (Ubi8.txtar)", &[("etc/os-release", "txtar:osrelease/claircore/Ubi8.txtar#os-release")], "rhel", "rhel", "8.0", ""),
    case("RHEL 8.10 (syft redhat-release)", &[("etc/redhat-release", "syft:syft/linux/testdata/os/redhat/from-redhat-release/etc/redhat-release")], "rhel", "rhel", "8.10", ""),
    // CentOS
    case("CentOS 8 (usr/lib)", &[("usr/lib/os-release", "grype:grype/distro/testdata/os/centos/usr/lib/os-release")], "centos", "centos", "8", ""),
    case("CentOS 7 (centos-release only)", &[("etc/centos-release", "fixture:centos-7/etc/centos-release")], "centos", "centos", "7.1.1503", ""),
    case("CentOS 5 (redhat-release only)", &[("etc/redhat-release", "grype:grype/distro/testdata/os/centos5/etc/redhat-release")], "centos", "centos", "5.7", ""),
    // Rocky, Alma, Oracle, Fedora, Scientific
    case("Rocky 8.4", &[("etc/os-release", "syft:syft/linux/testdata/os/rockylinux/from-os-release/etc/os-release")], "rocky", "rocky", "8.4", ""),
    case("Rocky 8.10 (redhat-release only)", &[("etc/redhat-release", "syft:syft/linux/testdata/os/rockylinux/from-redhat-release/etc/redhat-release")], "rocky", "rocky", "8.10", ""),
    case("AlmaLinux 8.4", &[("etc/os-release", "grype:grype/distro/testdata/os/almalinux/etc/os-release")], "almalinux", "almalinux", "8.4", ""),
    case("AlmaLinux 8.10 (redhat-release only)", &[("etc/redhat-release", "syft:syft/linux/testdata/os/almalinux/from-redhat-release/etc/redhat-release")], "almalinux", "almalinux", "8.10", ""),
    case("Oracle 8.3", &[("etc/os-release", "grype:grype/distro/testdata/os/oraclelinux/etc/os-release")], "ol", "ol", "8.3", ""),
    case("Oracle 9 (oracle-release beats the RHEL redhat-release)", &[("etc/oracle-release", cc!("rhel/releasefiles/oracle-9/etc/oracle-release")), ("etc/redhat-release", cc!("rhel/releasefiles/oracle-9/etc/redhat-release"))], "ol", "ol", "9.3", ""),
    case("Oracle 6 (legacy files)", &[("etc/oracle-release", cc!("rhel/releasefiles/oracle-6/etc/oracle-release")), ("etc/redhat-release", cc!("rhel/releasefiles/oracle-6/etc/redhat-release"))], "ol", "ol", "6.10", ""),
    case("Fedora 36 (usr/lib)", &[("usr/lib/os-release", "syft:syft/linux/testdata/os/fedora/usr/lib/os-release")], "fedora", "fedora", "36", ""),
    case("Fedora 30 (Toolbox.txtar)", &[("etc/os-release", "txtar:osrelease/claircore/Toolbox.txtar#os-release")], "fedora", "fedora", "30", ""),
    case("Fedora 30 Silverblue", &[("etc/os-release", "txtar:osrelease/claircore/Silverblue.txtar#os-release")], "fedora", "fedora", "30", ""),
    case("Scientific 7.5", &[("etc/os-release", "grype:grype/distro/testdata/os/scientific/etc/os-release")], "scientific", "rhel", "7.5", ""),
    case("Scientific 6.10 (redhat-release only)", &[("etc/redhat-release", "grype:grype/distro/testdata/os/scientific6/etc/redhat-release")], "scientific", "rhel", "6.10", ""),
    // Amazon Linux
    case("Amazon Linux 1 (AMI 2016.03)", &[("etc/os-release", "fixture:amzn-2016/etc/os-release"), ("etc/system-release", "fixture:amzn-2016/etc/system-release")], "amzn", "amzn", "2016.03", ""),
    case("Amazon Linux 1 (system-release only)", &[("etc/system-release", "fixture:amzn-2016/etc/system-release")], "amzn", "amzn", "2016.03", ""),
    case("Amazon Linux 2", &[("etc/os-release", "grype:grype/distro/testdata/os/amazon/etc/os-release")], "amzn", "amzn", "2", ""),
    case("Amazon Linux 2023", &[("etc/os-release", "fixture:amzn-2023/etc/os-release"), ("usr/lib/system-release", "fixture:amzn-2023/usr/lib/system-release")], "amzn", "amzn", "2023", ""),
    case("Amazon Linux 2023 (system-release only)", &[("usr/lib/system-release", "fixture:amzn-2023/usr/lib/system-release")], "amzn", "amzn", "2023", ""),
    // SUSE
    case("SLES 15 SP2", &[("etc/os-release", "grype:grype/distro/testdata/os/sles/etc/os-release")], "sles", "sles", "15.2", ""),
    case("SLES 12 SP1", &[("etc/os-release", "fixture:sles-12/etc/os-release")], "sles", "sles", "12.1", ""),
    case("SLES 12 SP1 (SuSE-release only)", &[("etc/SuSE-release", "fixture:sles-12/etc/SuSE-release")], "sles", "sles", "12.1", ""),
    case("openSUSE Leap 15.1 (txtar)", &[("etc/os-release", "txtar:osrelease/claircore/OpenSUSe.txtar#os-release")], "opensuse-leap", "opensuse-leap", "15.1", ""),
    case("openSUSE Leap 15.2", &[("etc/os-release", "grype:grype/distro/testdata/os/opensuse-leap/etc/os-release")], "opensuse-leap", "opensuse-leap", "15.2", ""),
    case("openSUSE Leap 42.1 (ID=opensuse)", &[("etc/os-release", "fixture:opensuse-leap-42.1/etc/os-release")], "opensuse", "opensuse-leap", "42.1", ""),
    case("openSUSE Tumbleweed (ID=opensuse)", &[("usr/lib/os-release", "fixture:opensuse-tumbleweed/etc/os-release")], "opensuse", "opensuse-tumbleweed", "20160917", ""),
    case("openSUSE MicroOS", &[("usr/lib/os-release", "fixture:opensuse-microos-20241205/etc/os-release")], "opensuse-microos", "opensuse-tumbleweed", "20241205", ""),
    case("SUSE Linux Micro 6.0", &[("etc/os-release", "fixture:sl-micro-6.0/etc/os-release")], "sl-micro", "sle-micro", "6.0", ""),
    // Photon, Wolfi, Chainguard, Mariner, Azure Linux
    case("Photon 2.0", &[("etc/os-release", "grype:grype/distro/testdata/os/photon/etc/os-release")], "photon", "photon", "2.0", ""),
    case("Wolfi", &[("etc/os-release", "grype:grype/distro/testdata/os/wolfi/etc/os-release")], "wolfi", "wolfi", "20220914", ""),
    case("Chainguard", &[("etc/os-release", "grype:grype/distro/testdata/os/chainguard/etc/os-release")], "chainguard", "chainguard", "20230214", ""),
    case("CBL-Mariner 1.0", &[("etc/os-release", "grype:grype/distro/testdata/os/mariner/etc/os-release")], "mariner", "mariner", "1.0", ""),
    case("Azure Linux 3.0", &[("etc/os-release", "grype:grype/distro/testdata/os/azurelinux/etc/os-release")], "azurelinux", "azurelinux", "3.0", ""),
    // Others keep their own id as family; derivatives resolve through ID_LIKE.
    case("Arch (no feed)", &[("etc/os-release", "grype:grype/distro/testdata/os/arch/etc/os-release")], "arch", "arch", "", ""),
    case("postmarketOS (ID_LIKE=alpine)", &[("etc/os-release", "grype:grype/distro/testdata/os/postmarketos/etc/os-release")], "postmarketos", "alpine", "v25.06", ""),
    case("VyOS (indented os-release)", &[("etc/os-release", "txtar:osrelease/claircore/Vyos.txtar#os-release")], "vyos", "vyos", "1.4-rolling-202307070317", ""),
];

#[test]
fn every_major_distro_is_detected() {
    let mut failures = Vec::new();
    for c in CASES {
        let files: Vec<(&str, Vec<u8>)> = c.files.iter().map(|(p, s)| (*p, load(s))).collect();
        let (distro, diags) = detect(&files);
        let Some(d) = distro else {
            failures.push(format!("{}: nothing detected ({diags:?})", c.what));
            continue;
        };
        let got = (
            d.id.as_str(),
            d.family.as_str(),
            d.version.as_str(),
            d.codename.as_deref().unwrap_or(""),
        );
        let want = (c.id, c.family, c.version, c.codename);
        eprintln!(
            "{:<58} family={:<20} version={:<24} codename={:<9} key={:<8} ({})",
            c.what,
            d.family,
            d.version,
            got.3,
            customs_os_release::feed_release(&d),
            d.source_file
        );
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", c.what));
        }
        if !diags.is_empty() {
            failures.push(format!("{}: diagnostics {diags:?}", c.what));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// claircore's expected Alpine releases (`want`) are the feed keys: `3.18`, `edge`.
#[test]
fn claircore_alpine_wants_are_the_feed_keys() {
    let base = format!("{DATA}/osrelease/claircore/alpine");
    let mut n = 0;
    for dir in std::fs::read_dir(&base).unwrap() {
        let dir = dir.unwrap().path();
        let want = std::fs::read_to_string(dir.join("want")).unwrap();
        let version = want
            .split("\"version\":\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap();
        let (d, diags) = detect(&[(
            "etc/os-release",
            std::fs::read(dir.join("etc/os-release")).unwrap(),
        )]);
        let d = d.unwrap();
        assert!(diags.is_empty());
        assert_eq!(d.family, "alpine");
        assert_eq!(
            customs_os_release::feed_release(&d),
            version,
            "{}",
            dir.display()
        );
        n += 1;
    }
    assert!(n >= 17);
}

/// For every Ubuntu release of claircore's set, os-release alone and lsb-release alone
/// agree (id, family, version, codename), and together give the same answer.
#[test]
fn ubuntu_os_release_and_lsb_release_agree() {
    let base = format!("{DATA}/osrelease/claircore/ubuntu/dist");
    let mut n = 0;
    for dir in std::fs::read_dir(&base).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let os = std::fs::read(dir.join("etc/os-release")).ok();
        let lsb = std::fs::read(dir.join("etc/lsb-release")).ok();
        let key = |d: &Distro| {
            (
                d.id.clone(),
                d.family.clone(),
                d.version.clone(),
                d.codename.clone(),
            )
        };
        if let (Some(os), Some(lsb)) = (&os, &lsb) {
            let a = detect(&[("etc/os-release", os.clone())]).0.unwrap();
            let b = detect(&[("etc/lsb-release", lsb.clone())]).0.unwrap();
            let both = detect(&[
                ("etc/os-release", os.clone()),
                ("etc/lsb-release", lsb.clone()),
            ])
            .0
            .unwrap();
            assert_eq!(key(&a), key(&b), "{name}");
            assert_eq!(key(&a), key(&both), "{name}");
            assert_eq!(a.version, name);
            assert!(a.codename.is_some(), "{name}");
            n += 1;
        } else if let Some(os) = os {
            // `11` is a Debian bullseye os-release in claircore's Ubuntu set.
            let a = detect(&[("etc/os-release", os)]).0.unwrap();
            assert_eq!((a.family.as_str(), a.version.as_str()), ("debian", "11"));
        }
    }
    assert!(n >= 20, "{n}");
}

/// RHEL and Oracle: the legacy files alone give the same family and major release as
/// os-release (claircore's release-file sets).
#[test]
fn rhel_legacy_files_agree_with_os_release() {
    for (dir, family) in [
        ("7", "rhel"),
        ("8", "rhel"),
        ("9", "rhel"),
        ("atomichost-7", "rhel"),
    ] {
        let base = format!("{DATA}/osrelease/claircore/rhel/releasefiles/{dir}/etc");
        let a = detect(&[(
            "etc/os-release",
            std::fs::read(format!("{base}/os-release")).unwrap(),
        )])
        .0
        .unwrap();
        let b = detect(&[(
            "etc/redhat-release",
            std::fs::read(format!("{base}/redhat-release")).unwrap(),
        )])
        .0
        .unwrap();
        assert_eq!(
            (a.family.as_str(), b.family.as_str()),
            (family, family),
            "{dir}"
        );
        assert_eq!(
            customs_os_release::feed_release(&a),
            customs_os_release::feed_release(&b),
            "{dir}"
        );
    }
    for v in ["6", "7", "8", "9"] {
        let base = format!("{DATA}/osrelease/claircore/rhel/releasefiles/oracle-{v}/etc");
        let d = detect(&[
            (
                "etc/oracle-release",
                std::fs::read(format!("{base}/oracle-release")).unwrap(),
            ),
            (
                "etc/redhat-release",
                std::fs::read(format!("{base}/redhat-release")).unwrap(),
            ),
        ])
        .0
        .unwrap();
        assert_eq!(
            (d.id.as_str(), customs_os_release::feed_release(&d).as_str()),
            ("ol", v)
        );
    }
}

/// Broken release files give diagnostics (or nothing), never a panic or a wrong distro.
#[test]
fn corrupt_release_files_are_diagnosed() {
    let cases: &[(&str, &[u8])] = &[
        ("etc/os-release", b""),
        (
            "etc/os-release",
            b"NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"8\"\nID_LIKE=debian\n",
        ),
        ("etc/os-release", b"\xff\xfe\x00\x01ID"),
        ("etc/alpine-release", b"Welcome to Alpine Linux 3.18\n"),
        ("etc/redhat-release", b"cpe:/o:centos:6:GA"),
        ("etc/system-release", b"\x00\x00\x00"),
        ("etc/SuSE-release", b"VERSION = 11\n"),
        ("etc/lsb-release", b"DISTRIB_RELEASE=10.04\n"),
    ];
    for (path, bytes) in cases {
        let (d, diags) = detect(&[(path, bytes.to_vec())]);
        assert_eq!(d, None, "{path}: {bytes:?}");
        assert!(
            diags
                .iter()
                .any(|x| x.starts_with("malformed-release-file")),
            "{path}: {bytes:?}: {diags:?}"
        );
    }
    // A file over the size limit is an error for the scan to report, not a panic.
    let big = vec![b'a'; 1 << 20];
    let d = dispatcher();
    let mut which = Vec::new();
    d.interested("etc/os-release", false, &mut which);
    let mut reader: &[u8] = &big;
    let mut entry = FileEntry::new("etc/os-release", big.len() as u64, 0o644, &mut reader);
    assert!(
        d.analyzer(which[0])
            .analyze(&mut entry, &mut LayerFindings::default())
            .is_err()
    );
}

/// The grype and syft os-release sets never panic and always yield a distro or a
/// diagnostic.
#[test]
fn every_archived_release_file_is_handled() {
    let d = dispatcher();
    let mut which = Vec::new();
    let mut seen = 0;
    for name in ["syft", "grype"] {
        for (path, bytes) in archive(name) {
            let Some(idx) = path.find("/etc/").or_else(|| path.find("/usr/lib/")) else {
                continue;
            };
            let image_path = &path[idx + 1..];
            d.interested(image_path, false, &mut which);
            if which.is_empty() {
                continue;
            }
            let (distro, diags) = detect(&[(image_path, bytes.clone())]);
            assert!(distro.is_some() || !diags.is_empty(), "{path}");
            seen += 1;
        }
    }
    assert!(seen >= 50, "{seen}");
}
