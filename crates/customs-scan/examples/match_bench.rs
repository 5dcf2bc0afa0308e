//! Benchmark: matching 1,000 packages against a warm database (issue 7 target: < 20 ms).
//!
//! `cargo run --release -p customs-scan --example match_bench -- DB [DPKG_STATUS_DIR]`
//!
//! The packages are the real Debian packages of the dpkg status files under
//! `../shared/data/pkgdb/dpkg` (source names included), cycled to 1,000 on a Debian 12
//! system, plus `PyPI` and Go packages, so the Debian OVAL/DSA and OSV lookups all run. Each
//! package goes through what `match_inventory` does: every matcher's queries, the store
//! lookups, and a verdict per candidate advisory. The first pass warms the page cache and
//! the prepared statements; the median of 10 passes is reported.

use std::time::Instant;

use customs_db::Store;
use customs_model::{Distro, Package, PackageOrigin, Purl};

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("usage: match_bench DB [DPKG_DIR]");
    let dir = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/pkgdb/dpkg"
        )
        .to_owned()
    });
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
    let lang = [
        ("pypi", "requests", "2.19.1"),
        ("pypi", "django", "2.2.0"),
        ("pypi", "pyyaml", "5.1"),
        (
            "golang",
            "golang.org/x/net",
            "v0.0.0-20200202094626-16171245cfb2",
        ),
        ("golang", "github.com/gin-gonic/gin", "v1.6.0"),
    ];
    let mut pkgs: Vec<Package> = Vec::with_capacity(1000);
    let mut i = 0usize;
    while pkgs.len() < 1000 {
        if i % 10 == 9 || debs.is_empty() {
            let (eco, name, version) = lang[i % lang.len()];
            let purl = Purl::new(eco, None, name, Some(version), &[]);
            pkgs.push(Package::new(
                eco,
                name,
                version,
                purl,
                "bench",
                PackageOrigin::Installed,
            ));
        } else {
            let (name, version, src) = &debs[i % debs.len()];
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
            pkgs.push(p);
        }
        i += 1;
    }
    let distro = Distro {
        id: "debian".into(),
        family: "debian".into(),
        version: "12".into(),
        codename: Some("bookworm".into()),
        ..Distro::default()
    };
    let matchers = customs_ecosystems::matchers();
    let pass = || {
        let mut candidates = 0usize;
        let mut affected = 0usize;
        for pkg in &pkgs {
            for m in &matchers {
                for q in m.queries(pkg, Some(&distro)) {
                    for adv in store.advisories(&q.namespace, &q.package).expect("lookup") {
                        candidates += 1;
                        if matches!(
                            m.verdict(pkg, &adv),
                            customs_match::Verdict::Affected { .. }
                        ) {
                            affected += 1;
                        }
                    }
                }
            }
        }
        (candidates, affected)
    };
    let (candidates, affected) = pass();
    let mut times: Vec<f64> = (0..10)
        .map(|_| {
            let s = Instant::now();
            std::hint::black_box(pass());
            s.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "{} packages ({} distinct dpkg entries), {candidates} candidate advisories, {affected} affected: median {:.2} ms, min {:.2} ms (target < 20 ms)",
        pkgs.len(),
        debs.len(),
        times[5],
        times[0]
    );
}
