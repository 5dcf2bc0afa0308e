//! Times the Debian feed parsers on decompressed files:
//! `cargo run --release -p customs-debian --example parse_timing -- KIND FILE...`
//! (`.bz2` files are decompressed in memory first; only the parse is timed).

use std::io::Read;
use std::time::Instant;

use customs_debian::parse_bytes;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().expect("usage: parse_timing KIND FILE...");
    for path in args {
        let raw = std::fs::read(&path).expect("readable file");
        let bytes = if std::path::Path::new(&path)
            .extension()
            .is_some_and(|e| e == "bz2")
        {
            let mut out = Vec::new();
            bzip2::read::MultiBzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .expect("bz2");
            out
        } else {
            raw
        };
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .trim_end_matches(".bz2")
            .to_owned();
        for _ in 0..3 {
            let started = Instant::now();
            let result = parse_bytes(&kind, &name, &bytes);
            let elapsed = started.elapsed();
            match result {
                Ok(all) => println!(
                    "{name}: {} advisories from {} bytes in {elapsed:?}",
                    all.len(),
                    bytes.len()
                ),
                Err(e) => println!("{name}: error after {elapsed:?}: {e}"),
            }
        }
    }
}
