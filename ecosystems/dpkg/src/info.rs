//! File ownership: which package installed which path.
//!
//! - `var/lib/dpkg/info/NAME.list` (and `NAME:ARCH.list` for multi-arch packages): one
//!   absolute path per line, directories included, starting with `/.` for the root.
//! - `var/lib/dpkg/status.d/NAME.md5sums` (distroless images, which have no `info/`
//!   directory): `MD5  PATH` lines, paths relative to the root.
//!
//! The package name comes from the file name, with any `:ARCH` suffix removed; the paths
//! are recorded without a leading slash through [`LayerFindings::add_owned_files`] under
//! `deb:NAME`, and squashing joins them to the package's `files`. Two architectures of
//! one multi-arch package share the key; the later file (by path) wins.

use customs_analyzer::{
    AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings, normalize_path,
};

/// `.list` files of large packages (TeX Live documentation, kernel modules) reach a few
/// MiB; 64 MiB leaves room.
pub const INFO_LIMIT: u64 = 64 * 1024 * 1024;

/// The package name a `.list` / `.md5sums` file is for: the file name without its
/// extension and `:ARCH` suffix. `None` for other paths.
pub fn package_name(path: &str) -> Option<&str> {
    let file = path.rsplit('/').next()?;
    let stem = file
        .strip_suffix(".list")
        .or_else(|| file.strip_suffix(".md5sums"))?;
    let name = stem.split_once(':').map_or(stem, |(n, _)| n);
    (!name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
    .then_some(name)
}

/// Reads a `.list` file: the paths it names, normalised (no leading slash), without the
/// root itself. Returns the paths and the number of lines that were not usable paths.
pub fn parse_list(content: &str) -> (Vec<String>, usize) {
    let mut files = Vec::new();
    let mut bad = 0;
    for line in content.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        match normalize_path(line) {
            Some(p) if !p.is_empty() => files.push(p),
            Some(_) => {} // "/." is the root
            None => bad += 1,
        }
    }
    (files, bad)
}

/// Reads an `.md5sums` file (`MD5  PATH` lines): the paths, normalised, and the number of
/// lines that did not have that shape.
pub fn parse_md5sums(content: &str) -> (Vec<String>, usize) {
    let mut files = Vec::new();
    let mut bad = 0;
    for line in content.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once("  ").and_then(|(sum, path)| {
            let ok = sum.len() == 32 && sum.bytes().all(|b| b.is_ascii_hexdigit());
            ok.then(|| normalize_path(path)).flatten()
        });
        match parsed {
            Some(p) if !p.is_empty() => files.push(p),
            _ => bad += 1,
        }
    }
    (files, bad)
}

/// Reads `var/lib/dpkg/info/*.list` and distroless `var/lib/dpkg/status.d/*.md5sums` into
/// file ownership (`dpkg-info`).
#[derive(Debug, Default, Clone, Copy)]
pub struct DpkgInfoAnalyzer;

impl DpkgInfoAnalyzer {
    pub fn new() -> Self {
        DpkgInfoAnalyzer
    }
}

impl Analyzer for DpkgInfoAnalyzer {
    fn id(&self) -> &'static str {
        "dpkg-info"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: Vec::new(),
            globs: vec![
                "var/lib/dpkg/info/*.list",
                "var/lib/dpkg/status.d/*.md5sums",
            ],
            executables: false,
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        let Some(name) = package_name(&path) else {
            out.diagnose(
                "malformed-package-db",
                Some(&path),
                "file name is not a dpkg package name",
            );
            return Ok(());
        };
        let name = name.to_owned();
        let bytes = file.read_to_end_limited(INFO_LIMIT)?;
        let text = String::from_utf8_lossy(&bytes);
        let (files, bad) = if path.ends_with(".md5sums") {
            parse_md5sums(&text)
        } else {
            parse_list(&text)
        };
        if bad > 0 {
            out.diagnose(
                "malformed-package-db",
                Some(&path),
                format!("{bad} line(s) are not paths inside the image; skipped"),
            );
        }
        out.add_owned_files(&path, "deb", &name, files);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_file_names() {
        assert_eq!(
            package_name("var/lib/dpkg/info/libc6:amd64.list"),
            Some("libc6")
        );
        assert_eq!(
            package_name("var/lib/dpkg/info/g++-12.list"),
            Some("g++-12")
        );
        assert_eq!(
            package_name("var/lib/dpkg/status.d/libsqlite3-0.md5sums"),
            Some("libsqlite3-0")
        );
        assert_eq!(package_name("var/lib/dpkg/info/.list"), None);
        assert_eq!(package_name("var/lib/dpkg/info/x.conffiles"), None);
    }

    #[test]
    fn list_and_md5sums() {
        let (f, bad) = parse_list("/.\n/usr\n/usr/bin/tar\n\n/../../etc/x\n/usr/share/doc/a b\n");
        assert_eq!(f, ["usr", "usr/bin/tar", "usr/share/doc/a b"]);
        assert_eq!(bad, 1);
        let (f, bad) = parse_md5sums(
            "25de5fcdc3c8ebd9c9f599fb7a899b40  usr/bin/tar\nnot a line\n5bf0e62990e0b668830ceb2c8615b497  /usr/lib/x y\n",
        );
        assert_eq!(f, ["usr/bin/tar", "usr/lib/x y"]);
        assert_eq!(bad, 1);
    }
}
