//! Running external tools, with errors that say what failed and what to install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context as _, Result, bail};

/// The Debian package that provides each tool the tests use (for error messages).
fn package_for(tool: &str) -> &str {
    match tool {
        "dockerd" | "docker" => "docker.io",
        "skopeo" => "skopeo",
        "umoci" => "umoci",
        "debootstrap" => "debootstrap",
        "dpkg-query" | "dpkg" => "dpkg",
        "zstd" => "zstd",
        "docker-registry" => "docker-registry",
        "htpasswd" => "apache2-utils",
        "openssl" => "openssl",
        _ => tool,
    }
}

/// Finds `tool` on `PATH` (or the sbin directories), or panics with a message naming the Debian
/// package to install. Tests call this so a missing tool fails loudly instead of skipping.
pub fn require_tool(tool: &str) -> PathBuf {
    find_tool(tool).unwrap_or_else(|| {
        panic!(
            "required tool `{tool}` not found on PATH; install it with \
             `apt-get install -y {}` (the CI script .ci/run does this)",
            package_for(tool)
        )
    })
}

/// Finds `tool` on `PATH` plus `/usr/sbin` and `/sbin`.
pub fn find_tool(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
}

/// Whether the current process runs with effective uid 0 (read from `/proc/self/status`).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Panics unless running as root, explaining why `what` needs it.
pub fn require_root(what: &str) {
    assert!(
        is_root(),
        "{what} needs root (it runs debootstrap / dockerd / mounts); run the tests as root \
         (CI runs as root)"
    );
}

/// Runs `cmd`, returning stdout as a string; a non-zero exit becomes an error carrying the
/// command line, the status and stderr.
pub fn run(cmd: &mut Command) -> Result<String> {
    let out = run_output(cmd)?;
    String::from_utf8(out.stdout).context("command output is not UTF-8")
}

/// Like [`run`], returning the raw output.
pub fn run_output(cmd: &mut Command) -> Result<Output> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("spawning {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed with {}\nstderr:\n{}\nstdout:\n{}",
            out.status,
            tail(&String::from_utf8_lossy(&out.stderr), 60),
            tail(&String::from_utf8_lossy(&out.stdout), 20),
        );
    }
    Ok(out)
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The last `n` lines of the file at `path` (empty if unreadable).
pub fn file_tail(path: &Path, n: usize) -> String {
    std::fs::read(path)
        .map(|b| tail(&String::from_utf8_lossy(&b), n))
        .unwrap_or_default()
}

/// `skopeo inspect [--config] REFERENCE` parsed as JSON, e.g. `oci:/tmp/x:latest` or
/// `docker-archive:/tmp/x.tar`. Panics if skopeo is not installed.
pub fn skopeo_inspect(reference: &str, config: bool) -> Result<serde_json::Value> {
    let skopeo = require_tool("skopeo");
    let mut cmd = Command::new(skopeo);
    cmd.arg("inspect");
    if config {
        cmd.arg("--config");
    }
    let out = run(cmd.arg(reference))?;
    serde_json::from_str(&out).with_context(|| format!("parsing skopeo output: {out}"))
}

/// Mount points (from `/proc/self/mountinfo`) at or below `dir`, deepest first.
pub fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|m| PathBuf::from(unescape_mount(m)))
        .filter(|m| m.starts_with(dir))
        .collect();
    found.sort_by_key(|m| std::cmp::Reverse(m.as_os_str().len()));
    found.dedup();
    found
}

fn unescape_mount(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let octal = std::str::from_utf8(&bytes[i + 1..i + 4]).ok();
            if let Some(v) = octal.and_then(|o| u8::from_str_radix(o, 8).ok()) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Unmounts everything mounted at or below `dir` (deepest first; lazily if busy).
pub fn unmount_all_under(dir: &Path) {
    for m in mounts_under(dir) {
        let ok = Command::new("umount")
            .arg(&m)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&m).status();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[should_panic(expected = "apt-get install -y customs-no-such-tool")]
    fn missing_tool_fails_loudly() {
        super::require_tool("customs-no-such-tool");
    }

    #[test]
    fn mountinfo_escapes_are_decoded() {
        assert_eq!(super::unescape_mount(r"/tmp/a\040b\011c"), "/tmp/a b\tc");
        assert_eq!(super::unescape_mount(r"/x\\"), r"/x\\");
    }
}
