//! Reads an rpm database (any format) and prints one line per package, like `rpm -qa`.
//!
//! `cargo run --release -p customs-rpm --example rpmdb_bench -- PATH [ITERATIONS]`
//!
//! With ITERATIONS > 1 the database is parsed that many times in-process and the mean time
//! per parse is printed to stderr (the file is read once); with 1 (the default) the whole
//! process is what `hyperfine` measures against `rpm -qa --dbpath`.

use std::io::Write as _;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: rpmdb_bench PATH [ITERATIONS]");
        std::process::exit(2);
    };
    let iterations: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let start = Instant::now();
    let mut db = None;
    for _ in 0..iterations {
        db = Some(customs_rpm::read_rpmdb(&bytes).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }));
    }
    let elapsed = start.elapsed();
    let db = db.expect("at least one iteration");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for p in &db.packages {
        let _ = writeln!(
            out,
            "{}-{}-{}.{}",
            p.name,
            p.version,
            p.release,
            p.arch.as_deref().unwrap_or("(none)")
        );
    }
    if iterations > 1 {
        let files: usize = db.packages.iter().map(|p| p.files.len()).sum();
        eprintln!(
            "{} packages, {files} files, {} problems: {:.3} ms per parse ({iterations} parses)",
            db.packages.len(),
            db.problems.len(),
            elapsed.as_secs_f64() * 1000.0 / f64::from(iterations)
        );
    }
}
