//! Benchmark: matching 1,000 packages against a warm database (issue 7 target: < 20 ms).
//!
//! `cargo run --release -p customs-scan --example match_bench -- DB [DPKG_STATUS_DIR]`
//!
//! It times [`customs_scan::match_inventory`], the function `customs scan` calls, on a
//! Debian 12 inventory of real packages:
//! * every distinct Debian package of the dpkg status files under
//!   `../shared/data/pkgdb/dpkg` (505, with their source names, so the Debian OVAL, DSA and
//!   tracker lookups run by source package, as in a scan);
//! * every language package customs indexes from `../shared/data/pkgdb/lang` (lockfiles
//!   and installed metadata for `PyPI`, npm, crates.io, Go, `NuGet`, Packagist: about 360
//!   distinct), which are matched against OSV;
//! * then, to reach 1,000, the first Debian packages again (a second copy of each, as an
//!   image with the same package in two places has).
//!
//! The first call warms the page cache; the median and the minimum of 31 calls are
//! reported (the minimum is the steadier figure on a shared machine), for the
//! 1,000-package inventory and for its distinct packages alone.

use std::time::Instant;

/// Timed calls per inventory (after one warm-up call).
const RUNS: usize = 31;

use customs_db::Store;
use customs_model::{Distro, Package, PackageOrigin, Purl};

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("usage: match_bench DB [DPKG_DIR]");
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pkgdb");
    let dir = args.next().unwrap_or_else(|| format!("{shared}/dpkg"));
    let store = Store::open(std::path::Path::new(&db)).expect("open the database");
    let mut debs: Vec<(String, String, Option<String>)> = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(&dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                for para in text.split("\n\n") {
                    let field = |k: &str| {
                        para.lines()
                            .find_map(|l| l.strip_prefix(k))
                            .map(|v| v.trim().to_owned())
                    };
                    if let (Some(n), Some(v)) = (field("Package:"), field("Version:")) {
                        let src = field("Source:")
                            .map(|s| s.split_whitespace().next().unwrap_or("").to_owned());
                        debs.push((n, v, src));
                    }
                }
            }
        }
    }
    debs.sort();
    debs.dedup();
    let deb = |(name, version, src): &(String, String, Option<String>)| {
        let purl = Purl::new("deb", Some("debian"), name, Some(version), &[]);
        let mut p = Package::new(
            "deb",
            name,
            version,
            purl,
            "var/lib/dpkg/status",
            PackageOrigin::Installed,
        );
        p.source_name.clone_from(src);
        p
    };
    let lang = customs_scan::index(
        &customs_image::ImageRef::Dir(format!("{shared}/lang").into()),
        &customs_scan::IndexOptions::default(),
        &(),
    )
    .expect("index the language lockfiles");
    let mut lang_pkgs: Vec<Package> = lang.packages;
    lang_pkgs.sort_by(|a, b| {
        (&a.ecosystem, &a.name, &a.version).cmp(&(&b.ecosystem, &b.name, &b.version))
    });
    lang_pkgs.dedup_by(|a, b| {
        (&a.ecosystem, &a.name, &a.version) == (&b.ecosystem, &b.name, &b.version)
    });

    let mut distinct: Vec<Package> = debs.iter().map(deb).collect();
    distinct.extend(lang_pkgs.iter().cloned());
    let mut thousand = distinct.clone();
    for d in debs
        .iter()
        .cycle()
        .take(1000usize.saturating_sub(distinct.len()))
    {
        thousand.push(deb(d));
    }
    let distro = Distro {
        id: "debian".into(),
        family: "debian".into(),
        version: "12".into(),
        codename: Some("bookworm".into()),
        ..Distro::default()
    };
    let inventory = |packages: Vec<Package>| customs_scan::Inventory {
        image: lang.image.clone(),
        distro: Some(distro.clone()),
        repositories: Vec::new(),
        packages,
        diagnostics: Vec::new(),
    };
    for (label, inv) in [
        ("1,000 packages", inventory(thousand)),
        ("distinct packages only", inventory(distinct)),
    ] {
        let findings = customs_scan::match_inventory(&inv, &store).expect("match");
        let mut times: Vec<f64> = (0..RUNS)
            .map(|_| {
                let s = Instant::now();
                std::hint::black_box(customs_scan::match_inventory(&inv, &store).expect("match"));
                s.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let debs_n = inv.packages.iter().filter(|p| p.ecosystem == "deb").count();
        println!(
            "{label}: {} packages ({debs_n} deb, {} language), {} findings: median {:.2} ms, min {:.2} ms (target < 20 ms for 1,000)",
            inv.packages.len(),
            inv.packages.len() - debs_n,
            findings.len(),
            times[RUNS / 2],
            times[0]
        );
    }
}
