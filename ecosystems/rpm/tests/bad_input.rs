//! Corrupt and hostile databases: errors or per-record problems, never a panic, never a hang.

use customs_analyzer::{Analyzer, FileEntry, LayerFindings};
use customs_rpm::{RpmDbAnalyzer, RpmPackage, read_bdb, read_ndb, read_rpmdb, read_sqlite};
use proptest::prelude::*;

const PKGDB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/pkgdb/rpm"
);
const LOCAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bdb_fixture() -> Vec<u8> {
    read(&format!("{LOCAL}/bdb-le-512.Packages"))
}

fn ndb_fixture() -> Vec<u8> {
    read(&format!("{PKGDB}/go-rpmdb/sle15-bci/Packages.db"))
}

fn sqlite_fixture() -> Vec<u8> {
    read(&format!("{PKGDB}/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite"))
}

fn header_fixture() -> Vec<u8> {
    read(&format!("{LOCAL}/claircore-package.header"))
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn put_le32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_be32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Page numbers of the given type in the little-endian 512-byte BDB fixture.
fn pages_of_type(db: &[u8], ty: u8) -> Vec<usize> {
    (1..db.len() / 512)
        .filter(|p| db[p * 512 + 25] == ty)
        .collect()
}

type Mutation = Box<dyn Fn(&mut Vec<u8>)>;
type Case = (&'static str, Mutation, fn(&Outcome) -> bool);

/// How the outcome of reading a corrupt database looks.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Error,
    /// Read, with this many packages, and at least one problem reported.
    Problems(usize),
}

fn outcome(r: Result<customs_rpm::RpmDb, customs_rpm::RpmDbError>) -> Outcome {
    match r {
        Err(_) => Outcome::Error,
        Ok(db) => {
            assert!(
                !db.problems.is_empty(),
                "corruption went unnoticed: {} packages",
                db.packages.len()
            );
            Outcome::Problems(db.packages.len())
        }
    }
}

#[test]
fn corrupt_berkeley_db() {
    let good = bdb_fixture();
    let full = read_bdb(&good).unwrap();
    assert_eq!(full.packages.len(), 17);
    assert!(full.problems.is_empty());
    let overflow = pages_of_type(&good, 7);
    let hash = pages_of_type(&good, 13);
    assert!(overflow.len() > 10 && !hash.is_empty());

    let cases: Vec<Case> = vec![
        ("empty", Box::new(Vec::clear), |o| *o == Outcome::Error),
        (
            "random bytes",
            Box::new(|b| {
                let mut x = 0x1234_5678_u32;
                for byte in b.iter_mut() {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    *byte = x.to_le_bytes()[0];
                }
            }),
            |o| *o == Outcome::Error,
        ),
        ("metadata only", Box::new(|b| b.truncate(512)), |o| {
            *o == Outcome::Problems(0)
        }),
        (
            "truncated to half",
            Box::new(|b| b.truncate(b.len() / 2)),
            |o| matches!(o, Outcome::Problems(n) if *n < 17),
        ),
        (
            "truncated mid-page",
            Box::new(|b| b.truncate(b.len() - 100)),
            |o| matches!(o, Outcome::Problems(n) if *n < 17),
        ),
        ("bad page size", Box::new(|b| put_le32(b, 20, 1000)), |o| {
            *o == Outcome::Error
        }),
        ("bad hash version", Box::new(|b| put_le32(b, 16, 3)), |o| {
            *o == Outcome::Error
        }),
        (
            "huge bucket count",
            Box::new(|b| put_le32(b, 72, u32::MAX - 1)),
            |o| matches!(o, Outcome::Problems(_)),
        ),
        (
            "spares point past the file",
            Box::new(|b| {
                for i in 0..32 {
                    put_le32(b, 96 + 4 * i, 0x7fff_0000);
                }
            }),
            |o| *o == Outcome::Problems(0),
        ),
    ];
    let mut cases = cases;
    let ov = overflow[3];
    cases.push((
        "overflow page points to itself",
        Box::new(move |b| {
            put_le32(b, ov * 512 + 16, u32::try_from(ov).unwrap());
            // and claims fewer bytes so the chain needs the next page
            let len = u16::from_le_bytes([b[ov * 512 + 22], b[ov * 512 + 23]]);
            b[ov * 512 + 22..ov * 512 + 24].copy_from_slice(&(len / 2).max(1).to_le_bytes());
        }),
        |o| matches!(o, Outcome::Problems(n) if *n == 16),
    ));
    cases.push((
        "overflow page zeroed",
        Box::new(move |b| {
            b[ov * 512..(ov + 1) * 512].fill(0);
        }),
        |o| matches!(o, Outcome::Problems(n) if *n == 16),
    ));
    let hp = hash[0];
    cases.push((
        "hash page chain loops",
        Box::new(move |b| {
            put_le32(b, hp * 512 + 16, u32::try_from(hp).unwrap());
        }),
        |o| matches!(o, Outcome::Problems(_)),
    ));
    cases.push((
        "hash page item offsets garbage",
        Box::new(move |b| {
            for i in 0..8 {
                b[hp * 512 + 26 + 2 * i..hp * 512 + 28 + 2 * i]
                    .copy_from_slice(&0xfff0_u16.to_le_bytes());
            }
        }),
        |o| matches!(o, Outcome::Problems(_)),
    ));
    for (name, mutate, expect) in &cases {
        let mut b = good.clone();
        mutate(&mut b);
        let o = outcome(read_bdb(&b));
        assert!(expect(&o), "{name}: {o:?}");
    }
}

#[test]
fn corrupt_ndb() {
    let good = ndb_fixture();
    assert_eq!(read_ndb(&good).unwrap().packages.len(), 35);
    // The first slot: bytes 32..48; its blob offset (in 16-byte blocks) at 40.
    let blkoff = le32(&good, 40) as usize;
    let cases: Vec<Case> = vec![
        ("empty", Box::new(Vec::clear), |o| *o == Outcome::Error),
        ("header only", Box::new(|b| b.truncate(32)), |o| {
            *o == Outcome::Error
        }),
        (
            "slot pages past the end",
            Box::new(|b| put_le32(b, 12, 0xffff_ffff)),
            |o| *o == Outcome::Error,
        ),
        (
            "truncated",
            Box::new(|b| b.truncate(b.len() / 2)),
            |o| matches!(o, Outcome::Problems(n) if *n < 35),
        ),
        ("bad slot magic", Box::new(|b| b[32] = b'X'), |o| {
            *o == Outcome::Problems(34)
        }),
        (
            "blob head magic",
            Box::new(move |b| b[blkoff * 16] = b'X'),
            |o| *o == Outcome::Problems(34),
        ),
        (
            "blob length",
            Box::new(move |b| put_le32(b, blkoff * 16 + 12, 0xffff_fff0)),
            |o| *o == Outcome::Problems(34),
        ),
        (
            "slot block count huge",
            Box::new(|b| put_le32(b, 44, 0xffff_ffff)),
            |o| *o == Outcome::Problems(34),
        ),
        (
            "two slots, one package",
            Box::new(|b| {
                let first = b[32..48].to_vec();
                b[48..64].copy_from_slice(&first);
            }),
            |o| matches!(o, Outcome::Problems(_)),
        ),
    ];
    for (name, mutate, expect) in &cases {
        let mut b = good.clone();
        mutate(&mut b);
        let o = outcome(read_ndb(&b));
        assert!(expect(&o), "{name}: {o:?}");
    }
}

#[test]
fn corrupt_sqlite() {
    let good = sqlite_fixture();
    assert_eq!(read_sqlite(&good).unwrap().packages.len(), 129);
    for (name, bytes) in [
        ("empty", Vec::new()),
        ("header only", good[..100].to_vec()),
        ("truncated", good[..good.len() / 3].to_vec()),
        ("not sqlite", b"SQLite format 2\0".repeat(100)),
    ] {
        match read_sqlite(&bytes) {
            Err(_) => {}
            Ok(db) => assert!(!db.problems.is_empty(), "{name}: unnoticed"),
        }
    }
    // A valid database without a Packages table.
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE Other (x); INSERT INTO Other VALUES (1);")
        .unwrap();
    let bytes = conn.serialize("main").unwrap().to_vec();
    let e = read_sqlite(&bytes).unwrap_err();
    assert!(e.to_string().contains("Packages"), "{e}");
    // Rows that are not headers are per-record problems.
    conn.execute_batch(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);
         INSERT INTO Packages VALUES (1, x'00000001'), (2, 42), (3, NULL);",
    )
    .unwrap();
    let bytes = conn.serialize("main").unwrap().to_vec();
    let db = read_sqlite(&bytes).unwrap();
    assert_eq!(db.packages.len(), 0);
    assert_eq!(db.problems.len(), 3, "{:?}", db.problems);
}

#[test]
fn corrupt_headers() {
    let good = header_fixture();
    let p = RpmPackage::from_blob(&good).unwrap();
    assert_eq!(p.name, "crypto-policies");
    let il = u32::from_be_bytes(good[0..4].try_into().unwrap()) as usize;
    let cases: Vec<(&str, Mutation)> = vec![
        ("empty", Box::new(Vec::clear)),
        ("seven bytes", Box::new(|b| b.truncate(7))),
        ("truncated", Box::new(|b| b.truncate(b.len() - 1))),
        ("trailing byte", Box::new(|b| b.push(0))),
        ("huge il", Box::new(|b| put_be32(b, 0, 0x0001_0000))),
        ("huge dl", Box::new(|b| put_be32(b, 4, 0x1000_0000))),
        (
            "zero tags",
            Box::new(|b| {
                let dl = u32::from_be_bytes(b[4..8].try_into().unwrap());
                put_be32(b, 0, 0);
                b.truncate(8 + dl as usize);
            }),
        ),
        (
            "region trailer out of range",
            Box::new(|b| put_be32(b, 8 + 8, 0x7fff_fff0)),
        ),
        ("region count", Box::new(|b| put_be32(b, 8 + 12, 15))),
        ("entry type 10", Box::new(|b| put_be32(b, 8 + 16 + 4, 10))),
        (
            "entry offset negative",
            Box::new(|b| put_be32(b, 8 + 16 + 8, 0xffff_fff0)),
        ),
        (
            "entry count zero",
            Box::new(|b| put_be32(b, 8 + 16 + 12, 0)),
        ),
        (
            "entry count huge",
            Box::new(|b| put_be32(b, 8 + 16 + 12, 0x00ff_ffff)),
        ),
        (
            "last entry past data",
            Box::new(move |b| {
                put_be32(b, 8 + 16 * (il - 1) + 8, 0x0fff_fff0);
            }),
        ),
        (
            "NAME typed INT32",
            Box::new(move |b| {
                for i in 1..il {
                    let at = 8 + 16 * i;
                    if u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) == 1000 {
                        put_be32(b, at + 4, 4);
                    }
                }
            }),
        ),
    ];
    for (name, mutate) in &cases {
        let mut b = good.clone();
        mutate(&mut b);
        assert!(RpmPackage::from_blob(&b).is_err(), "{name}: accepted");
    }
    // A NAME-less header is damaged for rpm too.
    let mut b = good.clone();
    for i in 1..il {
        let at = 8 + 16 * i;
        if u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) == 1000 {
            put_be32(&mut b, at, 999_999);
        }
    }
    assert!(RpmPackage::from_blob(&b).is_err());
}

#[test]
fn hostile_file_list_is_capped() {
    // One 1 MiB directory name shared by 100,000 files would expand to 100 GB of paths.
    let dir = vec![b'd'; 1 << 20];
    let mut data = Vec::new();
    let mut entries: Vec<(i32, u32, u32, u32)> = Vec::new();
    let mut add = |tag: i32, ty: u32, count: u32, bytes: &[u8], data: &mut Vec<u8>| {
        while ty == 4 && !data.len().is_multiple_of(4) {
            data.push(0);
        }
        entries.push((tag, ty, u32::try_from(data.len()).unwrap(), count));
        data.extend_from_slice(bytes);
    };
    add(1000, 6, 1, b"evil\0", &mut data);
    let mut d = dir.clone();
    d.push(0);
    add(1118, 8, 1, &d, &mut data);
    let n = 100_000_u32;
    add(1117, 8, n, &b"f\0".repeat(n as usize), &mut data);
    add(1116, 4, n, &vec![0; 4 * n as usize], &mut data);
    let mut blob = Vec::new();
    blob.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_be_bytes());
    blob.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    for (tag, ty, off, count) in entries {
        for v in [tag.cast_unsigned(), ty, off, count] {
            blob.extend_from_slice(&v.to_be_bytes());
        }
    }
    blob.extend_from_slice(&data);
    let p = RpmPackage::from_blob(&blob).unwrap();
    assert_eq!(p.name, "evil");
    assert!(p.files.is_empty());
    assert!(p.files_error.is_some());
}

fn analyze(path: &str, bytes: &[u8]) -> LayerFindings {
    let mut reader = bytes;
    let mut entry = FileEntry::new(path, bytes.len() as u64, 0o644, &mut reader);
    let mut out = LayerFindings::default();
    RpmDbAnalyzer.analyze(&mut entry, &mut out).unwrap();
    out
}

#[test]
fn analyzer_diagnoses_corrupt_databases() {
    for (path, bytes) in [
        ("var/lib/rpm/Packages", Vec::new()),
        ("var/lib/rpm/Packages", b"garbage".repeat(1000)),
        (
            "var/lib/rpm/rpmdb.sqlite",
            sqlite_fixture()[..4096].to_vec(),
        ),
        (
            "usr/lib/sysimage/rpm/Packages.db",
            ndb_fixture()[..5000].to_vec(),
        ),
        ("var/lib/rpm/Packages", bdb_fixture()[..20000].to_vec()),
    ] {
        let out = analyze(path, &bytes);
        assert!(
            out.diagnostics
                .iter()
                .any(|d| d.code == "malformed-package-db" && d.path.as_deref() == Some(path)),
            "{path} ({} bytes): {:?}",
            bytes.len(),
            out.diagnostics
        );
        assert!(out.files.contains_key(path));
    }
    assert!(read_rpmdb(b"").is_err());
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    if !bytes.is_empty() {
        for &(i, v) in edits {
            let n = bytes.len();
            bytes[i % n] = v;
        }
    }
    if let Some(c) = cut {
        let n = bytes.len();
        bytes.truncate(c % (n + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn header_mutations_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..16),
        cut in prop::option::weighted(0.2, any::<usize>()),
    ) {
        let b = mutate(header_fixture(), &edits, cut);
        if let Ok(p) = RpmPackage::from_blob(&b) {
            prop_assert!(p.files.len() <= 0x000f_ffff);
        }
    }

    #[test]
    fn bdb_mutations_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..32),
        cut in prop::option::weighted(0.2, any::<usize>()),
        meta_edits in prop::collection::vec((0usize..512, any::<u8>()), 0..4),
    ) {
        let mut b = mutate(bdb_fixture(), &edits, cut);
        for (i, v) in meta_edits {
            if i < b.len() { b[i] = v; }
        }
        if let Ok(db) = read_bdb(&b) {
            prop_assert!(db.packages.len() <= 17);
        }
    }

    #[test]
    fn ndb_mutations_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..32),
        slot_edits in prop::collection::vec((0usize..4096, any::<u8>()), 0..8),
        cut in prop::option::weighted(0.2, any::<usize>()),
    ) {
        let mut b = mutate(ndb_fixture(), &edits, cut);
        for (i, v) in slot_edits {
            if i < b.len() { b[i] = v; }
        }
        if let Ok(db) = read_ndb(&b) {
            prop_assert!(db.packages.len() <= 35);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_mutations_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..64),
        cut in prop::option::weighted(0.2, any::<usize>()),
    ) {
        let b = mutate(sqlite_fixture(), &edits, cut);
        let _ = read_sqlite(&b);
    }
}
