//! `kill -9` during `customs db update` leaves the previous database valid and usable.
//!
//! A database is built from the real `PyPA` advisory database, and a scan of an image holding
//! `requests 2.19.1` records its findings. Then a large update (every OSV archive and the
//! Debian bookworm OVAL, forced so every feed is re-ingested) is started and killed with
//! SIGKILL after 0.2 s, 0.5 s, 1 s and 2 s. After each kill the database opens,
//! `customs db status` works and every feed holds either all its previous records or all its
//! new ones (feeds commit one transaction each, so a kill late in a run may leave some feeds
//! already updated), and the scan gives the same findings. Finally a complete update
//! succeeds, and its counts are the "new" states seen.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{Sandbox, findings, shared};

fn image(sb: &Sandbox) -> String {
    // A root filesystem with one installed Python distribution.
    let root = sb.path("inputs/rootfs");
    let md = root.join("usr/lib/python3.11/site-packages/requests-2.19.1.dist-info");
    std::fs::create_dir_all(&md).unwrap();
    std::fs::write(
        md.join("METADATA"),
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n",
    )
    .unwrap();
    format!("dir:{}", root.display())
}

fn status_feeds(sb: &Sandbox) -> Vec<String> {
    let out = sb.run(&["db", "status"]);
    assert!(
        out.status.success(),
        "db status failed after kill: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .skip_while(|l| !l.starts_with("FEED"))
        .skip(1)
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn killing_an_update_keeps_the_previous_database() {
    let sb = Sandbox::new();
    sb.update(&[("osv", &shared("feeds/osv/pypa-advisory-database.tar.zst"))]);
    let img = image(&sb);
    let before = findings(&sb.scan_json(&img));
    assert!(
        before.contains(&("CVE-2018-18074".to_owned(), "requests".to_owned())),
        "{before:?}"
    );
    let feeds_before = status_feeds(&sb);
    assert_eq!(feeds_before.len(), 1, "{feeds_before:?}");

    let big = [
        ("osv", "feeds/osv/pypa-advisory-database.tar.zst"),
        ("osv", "feeds/osv/golang-vulndb-osv.tar.zst"),
        ("osv", "feeds/osv/rustsec-osv.tar.zst"),
        (
            "debian-oval",
            "feeds/debian/oval/oval-definitions-bookworm.xml.bz2",
        ),
    ];
    let mut args = vec!["db".to_owned(), "update".into(), "--force".into()];
    for (kind, rel) in big {
        args.push("--feed".into());
        args.push(format!("{kind}={}", shared(rel).display()));
    }
    let mut seen: Vec<(u64, Vec<String>)> = Vec::new();
    for delay in [200u64, 500, 1000, 2000] {
        let mut child = sb
            .cmd()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        assert!(
            !finished,
            "the update finished within {delay} ms; use a larger feed"
        );
        // The database opens, status works, and the scan gives the previous findings.
        seen.push((delay, status_feeds(&sb)));
        assert_eq!(
            findings(&sb.scan_json(&img)),
            before,
            "findings changed after a kill at {delay} ms"
        );
    }
    // A complete update now succeeds.
    let out = sb.cmd().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let feeds = status_feeds(&sb);
    assert_eq!(feeds.len(), 2, "{feeds:?}");
    assert!(
        feeds.iter().any(|f| f.starts_with("debian-oval ")),
        "{feeds:?}"
    );
    assert_eq!(findings(&sb.scan_json(&img)), before);
    // Each feed is committed in its own transaction: after every kill, each feed had either
    // all its previous records or all its new ones (the complete update's count), never a
    // part.
    for (delay, state) in &seen {
        for line in state {
            assert!(
                feeds_before.contains(line) || feeds.contains(line),
                "after a kill at {delay} ms: {line} is neither the old nor the new state ({feeds_before:?} / {feeds:?})"
            );
        }
        assert!(state.iter().any(|l| l.starts_with("osv ")), "{state:?}");
    }
    // The earliest kill came before any commit.
    assert_eq!(seen[0].1, feeds_before);
}
