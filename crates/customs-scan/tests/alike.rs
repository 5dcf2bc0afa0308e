//! Packages a matcher judges alike (equal queries and verdict key, see
//! `Matcher::verdict_key`) are judged once and their findings copied: the findings must be
//! exactly those of judging every package on its own.

use std::path::Path;

use customs_db::Store;
use customs_feed::FetchOptions;
use customs_scan::{IndexOptions, Inventory, index, match_inventory};

fn shared(rel: &str) -> String {
    format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// The 357 packages (288 source packages, up to 10 binaries each) of a real dpkg status
/// file, in a Debian 10 root filesystem, against Debian's real DSA and DLA lists. (The
/// status file is Ubuntu 18.04's: what matters here is many binaries per source and
/// versions the lists' fixes compare against, not whether the findings are right for
/// Ubuntu.)
#[test]
fn judging_alike_packages_once_gives_the_findings_of_judging_each_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"10\"\nVERSION_CODENAME=buster\n",
    )
    .unwrap();
    std::fs::copy(
        shared("pkgdb/dpkg/claircore/texlive.status"),
        root.join("var/lib/dpkg/status"),
    )
    .unwrap();

    let db = tmp.path().join("customs.db");
    let mut store = Store::open_for_update(&db).unwrap();
    let parser = customs_ecosystems::feed_parser("debian-dsa").unwrap();
    let lists = [
        shared("feeds/debian/tracker/DSA.list"),
        shared("feeds/debian/tracker/DLA.list"),
    ];
    let n = store
        .update_feed(parser.as_ref(), &lists, &FetchOptions::default())
        .unwrap();
    assert!(n > 10_000, "only {n} records");
    drop(store);
    let store = Store::open(Path::new(&db)).unwrap();

    let inv = index(
        &customs_image::ImageRef::Dir(root),
        &IndexOptions::default(),
        &(),
    )
    .unwrap();
    assert_eq!(inv.packages.len(), 357);
    let together = match_inventory(&inv, &store).unwrap();

    let mut alone = Vec::new();
    for pkg in &inv.packages {
        let one = Inventory {
            packages: vec![pkg.clone()],
            ..inv.clone()
        };
        alone.extend(match_inventory(&one, &store).unwrap());
    }
    let key = |f: &customs_model::Finding| (f.package_id.clone(), f.vulnerability_id.clone());
    alone.sort_by_key(key);
    let mut sorted = together.clone();
    sorted.sort_by_key(key);
    assert!(
        sorted.len() > 1_000,
        "only {} findings: the test would show little",
        sorted.len()
    );
    assert_eq!(sorted.len(), alone.len());
    for (a, b) in sorted.iter().zip(&alone) {
        assert_eq!(a, b);
    }
    // Copies were made: many findings belong to packages sharing their source and its
    // version with another package (judged once for all of them).
    let mut per_source: std::collections::HashMap<(&str, &str), usize> =
        std::collections::HashMap::new();
    for p in &inv.packages {
        *per_source
            .entry((p.source_or_name(), p.source_version_or_version()))
            .or_default() += 1;
    }
    let shared_source = |id: &str| {
        inv.packages.iter().any(|p| {
            p.id == id && per_source[&(p.source_or_name(), p.source_version_or_version())] > 1
        })
    };
    let copied = together
        .iter()
        .filter(|f| shared_source(&f.package_id))
        .count();
    assert!(
        copied > 500,
        "only {copied} findings on packages sharing a source"
    );
}
