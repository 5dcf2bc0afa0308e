//! Archive locations: real advisory tarballs read member by member and compared with an
//! independent reading by the `tar` crate; zips written here (from those real members);
//! hostile archives (a zip bomb, too many members, corrupt and truncated tars); and the
//! single-file behaviour that archives must not change.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use customs_feed::{FetchOptions, OpenedInput, open_location};

fn shared(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

/// Every input as (location, file name, bytes or error message).
fn read_all(location: &str, opts: &FetchOptions) -> Vec<(String, String, Result<Vec<u8>, String>)> {
    open_location(location, opts)
        .unwrap()
        .map(|mut i: OpenedInput| {
            let mut bytes = Vec::new();
            let r = i.reader.read_to_end(&mut bytes).map(|_| bytes);
            (i.location, i.file_name, r.map_err(|e| e.to_string()))
        })
        .collect()
}

/// The regular members of a `.tar.zst` as the `tar` crate reads them: (member path, bytes).
fn tar_crate_members(path: &Path) -> Vec<(String, Vec<u8>)> {
    let f = std::fs::File::open(path).unwrap();
    let mut a = tar::Archive::new(zstd::Decoder::new(f).unwrap());
    let mut out = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        if !e.header().entry_type().is_file() {
            continue;
        }
        let name = e
            .path()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        out.push((name, b));
    }
    out
}

#[test]
fn real_osv_tarballs_match_the_tar_crate_member_for_member() {
    for (archive, expected_records, record_suffix) in [
        ("feeds/osv/rustsec-osv.tar.zst", 1206, ".json"),
        ("feeds/osv/golang-vulndb-osv.tar.zst", 4291, ".json"),
        // 2,661 YAML records (SOURCES.md's 2,662 counts `vulns/.id-allocator` too).
        ("feeds/osv/pypa-advisory-database.tar.zst", 2661, ".yaml"),
    ] {
        let path = shared(archive);
        let loc = path.display().to_string();
        let ours = read_all(&loc, &FetchOptions::default());
        let theirs = tar_crate_members(&path);
        assert_eq!(ours.len(), theirs.len(), "{archive}");
        for ((location, file_name, bytes), (name, expected)) in ours.iter().zip(&theirs) {
            assert_eq!(location, &format!("{loc}!{name}"));
            assert_eq!(file_name, name.rsplit('/').next().unwrap());
            assert_eq!(bytes.as_ref().unwrap(), expected, "{location}");
        }
        // SOURCES.md states the record counts.
        let records = ours
            .iter()
            .filter(|(_, f, _)| f.ends_with(record_suffix))
            .count();
        assert_eq!(records, expected_records, "{archive}");
    }
}

/// Writes a zip holding `members` (name, bytes), deflated.
fn write_zip(path: &Path, members: &[(String, Vec<u8>)]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.add_directory("osv/", opts).unwrap();
    for (name, bytes) in members {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn zip_of_real_records_in_the_osv_dev_layout() {
    let theirs = tar_crate_members(&shared("feeds/osv/golang-vulndb-osv.tar.zst"));
    let picked: Vec<(String, Vec<u8>)> = theirs
        .into_iter()
        .filter(|(n, _)| n.starts_with("osv/GO-"))
        .take(50)
        .map(|(n, b)| (n.rsplit('/').next().unwrap().to_owned(), b))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    write_zip(&zip_path, &picked);
    let loc = zip_path.display().to_string();
    let ours = read_all(&loc, &FetchOptions::default());
    // The directory entry is skipped; every file comes back byte for byte, in order.
    assert_eq!(ours.len(), 50);
    for ((location, file_name, bytes), (name, expected)) in ours.iter().zip(&picked) {
        assert_eq!(location, &format!("{loc}!{name}"));
        assert_eq!(file_name, name);
        assert_eq!(bytes.as_ref().unwrap(), expected);
    }
    // A directory holding the zip expands it too, and `file://` works the same.
    let via_dir = read_all(&dir.path().display().to_string(), &FetchOptions::default());
    assert_eq!(via_dir.len(), 50);
    let via_url = read_all(&format!("file://{loc}"), &FetchOptions::default());
    assert_eq!(via_url.len(), 50);
}

#[test]
fn zip_served_over_http_is_spooled_and_expanded() {
    let picked: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| {
            (
                format!("GHSA-{i}.json"),
                format!("{{\"id\":\"{i}\"}}").into_bytes(),
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    write_zip(&zip_path, &picked);
    let body = std::fs::read(&zip_path).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = [0u8; 4096];
        let _ = s.read(&mut req).unwrap();
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(&body).unwrap();
    });
    let url = format!("http://{addr}/PyPI/all.zip");
    let ours = read_all(&url, &FetchOptions::default());
    server.join().unwrap();
    let names: Vec<&str> = ours.iter().map(|(l, _, _)| l.as_str()).collect();
    assert_eq!(
        names,
        (0..5)
            .map(|i| format!("{url}!GHSA-{i}.json"))
            .collect::<Vec<_>>()
    );
    assert_eq!(ours[3].2.as_ref().unwrap(), br#"{"id":"3"}"#);
}

#[test]
fn zip_bomb_stops_at_the_member_limit() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("bomb.zip");
    // 80 MiB of zeros deflate to about 80 KiB.
    write_zip(
        &zip_path,
        &[
            ("a.json".into(), b"{}".to_vec()),
            ("bomb.json".into(), vec![0u8; 80 << 20]),
            ("after.json".into(), b"{}".to_vec()),
        ],
    );
    assert!(std::fs::metadata(&zip_path).unwrap().len() < 1 << 20);
    let loc = zip_path.display().to_string();
    let member_limit = FetchOptions {
        max_member_bytes: 64 << 20,
        ..FetchOptions::default()
    };
    let ours = read_all(&loc, &member_limit);
    assert_eq!(ours.len(), 2, "the walk stops at the bomb");
    assert!(ours[0].2.is_ok());
    assert_eq!(ours[1].0, format!("{loc}!bomb.json"));
    let err = ours[1].2.as_ref().unwrap_err();
    assert!(
        err.contains("bomb.json") && err.contains("limit of 67108864"),
        "{err}"
    );
    // The total limit also holds across members.
    let opts = FetchOptions {
        max_bytes: 1 << 20,
        max_member_bytes: 100 << 20,
        ..FetchOptions::default()
    };
    let ours = read_all(&loc, &opts);
    let err = ours.last().unwrap().2.as_ref().unwrap_err();
    assert!(
        err.contains("archive inflates to more than the limit"),
        "{err}"
    );
}

#[test]
fn zip_with_too_many_members_is_refused_before_reading_any() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("many.zip");
    let members: Vec<(String, Vec<u8>)> = (0..3000)
        .map(|i| (format!("{i}.json"), Vec::new()))
        .collect();
    write_zip(&zip_path, &members);
    let opts = FetchOptions {
        max_archive_members: 2000,
        ..FetchOptions::default()
    };
    let ours = read_all(&zip_path.display().to_string(), &opts);
    assert_eq!(ours.len(), 1);
    let err = ours[0].2.as_ref().unwrap_err();
    assert!(
        err.contains("3001 entries, more than the limit of 2000"),
        "{err}"
    );
    // Within the limit all 3000 come back (the directory entry is not a member).
    assert_eq!(
        read_all(&zip_path.display().to_string(), &FetchOptions::default()).len(),
        3000
    );
}

#[test]
fn garbage_after_a_zip_magic_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.zip");
    std::fs::write(&p, b"PK\x03\x04 this is not a zip archive at all").unwrap();
    let e = open_location(&p.display().to_string(), &FetchOptions::default()).unwrap_err();
    assert!(e.to_string().contains("x.zip"), "{e}");
}

fn tar_bytes(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    build(&mut b);
    b.into_inner().unwrap()
}

fn append(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, name, data).unwrap();
}

#[test]
fn tar_long_names_links_and_traversal_names() {
    let long = format!("{}/GO-2024-0001.json", "d".repeat(150));
    let bytes = tar_bytes(|b| {
        append(b, &long, b"long");
        // The tar crate refuses to write `..`: set the name bytes directly.
        let mut h = tar::Header::new_ustar();
        h.set_size(4);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        let evil = b"../../etc/evil.json";
        h.as_ustar_mut().unwrap().name[..evil.len()].copy_from_slice(evil);
        h.set_cksum();
        b.append(&h, &b"evil"[..]).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "link.json", "/etc/passwd").unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_size(0);
        b.append_data(&mut h, "dir/", &[][..]).unwrap();
        append(b, "./dir/last.json", b"last");
    });
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.tar.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    std::fs::write(&p, gz.finish().unwrap()).unwrap();
    let loc = p.display().to_string();
    let ours = read_all(&loc, &FetchOptions::default());
    let got: Vec<(String, String, Vec<u8>)> = ours
        .into_iter()
        .map(|(l, f, b)| (l, f, b.unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                format!("{loc}!{long}"),
                "GO-2024-0001.json".into(),
                b"long".to_vec()
            ),
            (
                format!("{loc}!../../etc/evil.json"),
                "evil.json".into(),
                b"evil".to_vec()
            ),
            (
                format!("{loc}!dir/last.json"),
                "last.json".into(),
                b"last".to_vec()
            ),
        ]
    );
    // Nothing was written next to the archive.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn hostile_tars() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let good = tar_bytes(|b| {
        for i in 0..5 {
            append(b, &format!("{i}.json"), &vec![b'x'; 1000]);
        }
    });
    // Too many members.
    let loc = write("many.tar", &good);
    let opts = FetchOptions {
        max_archive_members: 3,
        ..FetchOptions::default()
    };
    let ours = read_all(&loc, &opts);
    assert_eq!(ours.len(), 4);
    assert!(ours[..3].iter().all(|(_, _, b)| b.is_ok()));
    assert!(
        ours[3]
            .2
            .as_ref()
            .unwrap_err()
            .contains("more than the limit of 3 members")
    );
    // A member over the size limit is refused from its header, before reading it.
    let opts = FetchOptions {
        max_member_bytes: 999,
        ..FetchOptions::default()
    };
    let ours = read_all(&loc, &opts);
    assert_eq!(ours.len(), 1);
    let (l, _, r) = &ours[0];
    assert_eq!(l, &format!("{loc}!0.json"));
    assert!(
        r.as_ref()
            .unwrap_err()
            .contains("1000 bytes, more than the limit of 999")
    );
    // The whole stream is capped too.
    let opts = FetchOptions {
        max_bytes: 3000,
        ..FetchOptions::default()
    };
    let ours = read_all(&loc, &opts);
    assert!(
        ours.last()
            .unwrap()
            .2
            .as_ref()
            .unwrap_err()
            .contains("more than 3000 bytes")
    );
    // A corrupt second header (checksum).
    let mut corrupt = good.clone();
    corrupt[1536 + 10] ^= 0x55;
    let loc = write("corrupt.tar", &corrupt);
    let ours = read_all(&loc, &FetchOptions::default());
    assert_eq!(ours.len(), 2);
    assert!(
        ours[1]
            .2
            .as_ref()
            .unwrap_err()
            .contains("checksum mismatch")
    );
    // Truncated inside a member.
    let loc = write("trunc.tar", &good[..1536 + 512 + 100]);
    let ours = read_all(&loc, &FetchOptions::default());
    assert_eq!(ours.len(), 2);
    assert!(
        ours[1]
            .2
            .as_ref()
            .unwrap_err()
            .contains("ends inside a member")
    );
    // A huge declared size in base-256 is refused by the member limit, not allocated.
    let mut huge = good.clone();
    huge[124] = 0x80;
    huge[125..131].copy_from_slice(&[0; 6]);
    huge[131..136].copy_from_slice(&[0xff; 5]);
    let sum: u32 = huge[..512]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    huge[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let loc = write("huge.tar", &huge);
    let ours = read_all(&loc, &FetchOptions::default());
    assert_eq!(ours.len(), 1);
    assert!(
        ours[0]
            .2
            .as_ref()
            .unwrap_err()
            .contains("more than the limit")
    );
}

#[test]
fn single_files_keep_their_behaviour() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("main.json.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"a":1}"#).unwrap();
    std::fs::write(&p, gz.finish().unwrap()).unwrap();
    let loc = p.display().to_string();
    let ours = read_all(&loc, &FetchOptions::default());
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].0, loc);
    assert_eq!(ours[0].1, "main.json");
    assert_eq!(ours[0].2.as_ref().unwrap(), br#"{"a":1}"#);
    // Short plain files (fewer than 512 bytes) and empty files are single inputs too.
    let p = dir.path().join("empty.json");
    std::fs::write(&p, b"").unwrap();
    let ours = read_all(&p.display().to_string(), &FetchOptions::default());
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].2.as_ref().unwrap(), b"");
    // Missing files are still an error from open_location itself.
    assert!(
        open_location(
            &dir.path().join("nope").display().to_string(),
            &FetchOptions::default()
        )
        .is_err()
    );
    // A directory of plain files: one input each, sorted, recursively.
    let testdata = shared("feeds/osv/osv.dev-testdata");
    let ours = read_all(&testdata.display().to_string(), &FetchOptions::default());
    let mut expected: Vec<String> = std::fs::read_dir(&testdata)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    expected.sort();
    assert_eq!(
        ours.iter().map(|(l, _, _)| l.clone()).collect::<Vec<_>>(),
        expected
    );
}

#[test]
fn open_reader_expands_streams_like_files() {
    let path = shared("feeds/osv/rustsec-osv.tar.zst");
    let f = std::fs::File::open(&path).unwrap();
    let inputs: Vec<OpenedInput> = customs_feed::open_reader(
        "stdin",
        "rustsec-osv.tar.zst",
        Box::new(f),
        &FetchOptions::default(),
    )
    .unwrap()
    .collect();
    assert_eq!(inputs.len(), tar_crate_members(&path).len());
    assert!(inputs.iter().all(|i| i.location.starts_with("stdin!")));
}
