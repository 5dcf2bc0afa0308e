//! Real Debian root filesystems from `debootstrap`, cached across test runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

use crate::tools::{file_tail, find_tool, is_root, run, unmount_all_under};

/// The mirror used unless `CUSTOMS_TESTKIT_DEBIAN_MIRROR` is set.
pub const DEFAULT_DEBIAN_MIRROR: &str = "http://deb.debian.org/debian";

/// The testkit cache directory: `$CUSTOMS_TESTKIT_CACHE`, or `<workspace>/target/testkit-cache`.
/// Created if missing.
pub fn cache_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("CUSTOMS_TESTKIT_CACHE") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("..")
            .join("target")
            .join("testkit-cache"),
    };
    fs_err::create_dir_all(&dir)?;
    Ok(dir)
}

/// A Debian root filesystem made by `debootstrap --variant=minbase SUITE DIR MIRROR`, built
/// once and cached in [`cache_dir`] as `debian-SUITE-minbase/` (later calls, and later test
/// runs, return it at once). Treat it as read-only: copy it before changing it.
///
/// Concurrent callers (threads or test processes) are serialized by an exclusive lock on
/// `debian-SUITE-minbase.lock`; the tree is built in `*.tmp` and renamed into place only when
/// debootstrap succeeded, so a half-built tree is never returned. Anything debootstrap left
/// mounted inside the tree (`/proc`, `/sys`) is unmounted before returning, on success or
/// failure. Needs root and the `debootstrap` package, and network access to the mirror
/// (`$CUSTOMS_TESTKIT_DEBIAN_MIRROR`, default [`DEFAULT_DEBIAN_MIRROR`]).
pub fn debian_rootfs(suite: &str) -> Result<PathBuf> {
    debian_rootfs_with(suite, &[])
}

/// Like [`debian_rootfs`], with `debootstrap --include=PKG,...` (real Debian packages
/// installed by dpkg inside the chroot), cached as `debian-SUITE-minbase+PKG+PKG/`.
pub fn debian_rootfs_with(suite: &str, include: &[&str]) -> Result<PathBuf> {
    let valid = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'+')
            })
    };
    if let Some(bad) = include.iter().find(|p| !valid(p)) {
        bail!("invalid Debian package name {bad:?}");
    }
    if suite.is_empty()
        || !suite
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        bail!("invalid Debian suite name {suite:?}");
    }
    let cache = cache_dir()?;
    let mut name = format!("debian-{suite}-minbase");
    for p in include {
        name.push('+');
        name.push_str(p);
    }
    let final_dir = cache.join(&name);
    if final_dir.is_dir() {
        return Ok(final_dir);
    }
    if !is_root() {
        bail!("debian_rootfs({suite}) needs root to run debootstrap; run the tests as root");
    }
    let Some(debootstrap) = find_tool("debootstrap") else {
        bail!("debootstrap not found; install it with `apt-get install -y debootstrap`");
    };

    let lock_path = cache.join(format!("{name}.lock"));
    let lock = fs_err::File::create(&lock_path)?;
    lock.file()
        .lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    // Another process may have finished while we waited for the lock.
    if final_dir.is_dir() {
        return Ok(final_dir);
    }

    let tmp = cache.join(format!("{name}.tmp"));
    if tmp.exists() {
        unmount_all_under(&tmp);
        fs_err::remove_dir_all(&tmp)?;
    }
    let log_path = cache.join(format!("{name}.log"));
    let log = fs_err::File::create(&log_path)?;
    let mirror = std::env::var("CUSTOMS_TESTKIT_DEBIAN_MIRROR")
        .ok()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| DEFAULT_DEBIAN_MIRROR.to_string());
    let mut command = Command::new(&debootstrap);
    command.arg("--variant=minbase");
    if !include.is_empty() {
        command.arg(format!("--include={}", include.join(",")));
    }
    let status = command
        .arg(suite)
        .arg(&tmp)
        .arg(&mirror)
        .stdin(Stdio::null())
        .stdout(log.file().try_clone()?)
        .stderr(log.file().try_clone()?)
        .status();
    unmount_all_under(&tmp);
    let status = status.with_context(|| format!("spawning {}", debootstrap.display()))?;
    if !status.success() {
        bail!(
            "debootstrap --variant=minbase {include:?} {suite} {} {mirror} failed with {status}\n\
             --- {}:\n{}\n--- debootstrap/debootstrap.log:\n{}",
            tmp.display(),
            log_path.display(),
            file_tail(&log_path, 30),
            file_tail(&tmp.join("debootstrap/debootstrap.log"), 30),
        );
    }
    if !tmp.join("var/lib/dpkg/status").is_file() {
        bail!(
            "debootstrap succeeded but {} has no var/lib/dpkg/status",
            tmp.display()
        );
    }
    fs_err::rename(&tmp, &final_dir)?;
    Ok(final_dir)
}

/// The packages installed in `rootfs`, as `dpkg-query` reports them: runs
/// `dpkg-query --admindir=ROOTFS/var/lib/dpkg -W -f '${db:Status-Status} ${Package} ${Version}\n'`
/// and keeps the `installed` ones, as `(name, version)` sorted by name. Ground truth for
/// package-database parsers. Panics (with dpkg-query's stderr) if dpkg-query fails.
pub fn dpkg_query(rootfs: &Path) -> Vec<(String, String)> {
    let dpkg_query = crate::tools::require_tool("dpkg-query");
    let admindir = rootfs.join("var/lib/dpkg");
    let out = run(Command::new(dpkg_query)
        .arg(format!("--admindir={}", admindir.display()))
        .arg("-W")
        .arg("-f")
        .arg("${db:Status-Status} ${Package} ${Version}\n"))
    .unwrap_or_else(|e| panic!("dpkg-query on {} failed: {e:#}", rootfs.display()));
    let mut packages: Vec<(String, String)> = out
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, ' ');
            let status = parts.next()?;
            let name = parts.next()?;
            let version = parts.next().unwrap_or("");
            (status == "installed").then(|| (name.to_string(), version.to_string()))
        })
        .collect();
    packages.sort();
    packages
}
