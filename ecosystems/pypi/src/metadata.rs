//! Installed distributions: the core metadata file (`METADATA` / `PKG-INFO`).
//!
//! Every installer records an installed distribution with a copy of its *core metadata*
//! (<https://packaging.python.org/specifications/core-metadata/>): an RFC 822-style block of
//! `Field: value` headers, optionally followed by a blank line and a free-form body (the long
//! description). Where it lives:
//!
//! - `NAME-VERSION.dist-info/METADATA`: wheels and every modern installer (pip, uv, poetry),
//!   in a virtual environment, `site-packages`, `dist-packages` or a `--target` directory. Any
//!   location counts: Python finds distributions wherever `sys.path` points.
//! - `NAME-VERSION-pyX.Y.egg-info/PKG-INFO`: setuptools' `develop` / legacy installs.
//! - `NAME-VERSION.egg-info` as a single *file*: what `distutils` writes, and what Debian's
//!   `python3-*` packages ship (`/usr/lib/python3/dist-packages/six-1.16.0.egg-info`).
//! - `NAME-VERSION-pyX.Y.egg/EGG-INFO/PKG-INFO`: an unpacked egg.
//!
//! Only the header block is read: fields `Name` and `Version` (first occurrence), and for
//! licenses, in this order, `License-Expression` (metadata 2.4, an SPDX expression), else a
//! one-line `License` (older metadata often pastes the whole license text there, spread over
//! continuation lines; that is not a license identifier, so it is ignored, as is `UNKNOWN`),
//! else the last part of each `License ::` trove classifier (`MIT License`). The header
//! block ends at the first empty line; continuation lines start with a space or a tab.
//!
//! The name is reported PEP 503-normalised (`Pygments` → `pygments`); the version exactly as
//! written. A file without a `Name` or a `Version` gets a `malformed-package-metadata`
//! diagnostic and no package.

// File names are matched case-sensitively on purpose: image file systems are case-sensitive
// and installers write these exact names.
#![allow(clippy::case_sensitive_file_extension_comparisons)]

use std::io::{BufRead, BufReader, Read};

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{Package, PackageOrigin};

use crate::{is_valid_name, pypi_package};

/// The header block is a few KiB; the body (the long description) can be large and is never
/// read. 1 MiB of headers is far beyond any real file, and bounds memory for hostile ones.
pub const METADATA_HEADER_LIMIT: u64 = 1024 * 1024;

/// The longest `License` value taken as a license name rather than a pasted license text.
const MAX_LICENSE_FIELD: usize = 200;

/// The fields of a core-metadata header block this crate uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub name: Option<String>,
    pub version: Option<String>,
    /// `License-Expression` (metadata 2.4).
    pub license_expression: Option<String>,
    /// `License`, when it is a single line (continuation lines mean a pasted license text).
    pub license: Option<String>,
    /// Whether `License` had continuation lines.
    pub license_multiline: bool,
    /// Every `Classifier` value.
    pub classifiers: Vec<String>,
}

impl CoreMetadata {
    /// The licenses to report (see the module documentation for the order of preference).
    pub fn licenses(&self) -> Vec<String> {
        if let Some(e) = self.license_expression.as_deref().filter(|e| !e.is_empty()) {
            return vec![e.to_owned()];
        }
        if let Some(l) = self.license.as_deref() {
            let l = l.trim();
            if !self.license_multiline
                && !l.is_empty()
                && l.len() <= MAX_LICENSE_FIELD
                && !l.eq_ignore_ascii_case("UNKNOWN")
            {
                return vec![l.to_owned()];
            }
        }
        let mut out: Vec<String> = Vec::new();
        for c in &self.classifiers {
            let parts: Vec<&str> = c.split("::").map(str::trim).collect();
            // `License :: OSI Approved` alone names no license.
            if parts.first() == Some(&"License")
                && parts.len() >= 2
                && !(parts.len() == 2 && parts[1] == "OSI Approved")
                && let Some(last) = parts.last().filter(|s| !s.is_empty())
                && !out.iter().any(|o| o == last)
            {
                out.push((*last).to_owned());
            }
        }
        out
    }
}

/// Parses the header block of a core-metadata file, reading at most `limit` bytes of headers.
/// Reading stops at the first empty line; the body is never read.
pub fn parse_core_metadata(reader: &mut dyn Read, limit: u64) -> Result<CoreMetadata, String> {
    let mut r = BufReader::new(reader.take(limit + 1));
    let mut md = CoreMetadata::default();
    let mut line = Vec::new();
    let mut consumed: u64 = 0;
    // The field the previous line belonged to, for continuation lines.
    let mut current: Option<String> = None;
    loop {
        line.clear();
        let n = r
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("read failed: {e}"))?;
        if n == 0 {
            break;
        }
        consumed += n as u64;
        if consumed > limit {
            return Err(format!(
                "the metadata header block is over the {limit}-byte limit"
            ));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            break; // end of headers; the body follows
        }
        if text.starts_with([' ', '\t']) {
            if current.as_deref() == Some("license") {
                md.license_multiline = true;
            }
            continue;
        }
        let Some((key, value)) = text.split_once(':') else {
            // Not a header line: tolerate it (seen in hand-edited files) and drop its field.
            current = None;
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "name" if md.name.is_none() => md.name = Some(value.to_owned()),
            "version" if md.version.is_none() => md.version = Some(value.to_owned()),
            "license-expression" if md.license_expression.is_none() => {
                md.license_expression = Some(value.to_owned());
            }
            "license" if md.license.is_none() => md.license = Some(value.to_owned()),
            "classifier" => md.classifiers.push(value.to_owned()),
            _ => {}
        }
        current = Some(key);
    }
    Ok(md)
}

/// Whether `path` is one of the metadata files this analyzer reads (the dispatcher's globs
/// let `*` cross `/`, so the shape is checked again here).
pub fn is_metadata_path(path: &str) -> bool {
    let (parent, file) = path.rsplit_once('/').unwrap_or(("", path));
    let parent_name = parent.rsplit('/').next().unwrap_or(parent);
    match file {
        "METADATA" => parent_name.len() > ".dist-info".len() && parent_name.ends_with(".dist-info"),
        "PKG-INFO" => {
            (parent_name.len() > ".egg-info".len() && parent_name.ends_with(".egg-info"))
                || (parent_name == "EGG-INFO"
                    && parent
                        .rsplit('/')
                        .nth(1)
                        .is_some_and(|egg| egg.ends_with(".egg")))
        }
        f => f.len() > ".egg-info".len() && f.ends_with(".egg-info"),
    }
}

/// Reads installed-distribution metadata (`python-installed`).
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonInstalledAnalyzer;

impl PythonInstalledAnalyzer {
    pub fn new() -> Self {
        PythonInstalledAnalyzer
    }
}

/// Reads one metadata file into a package, or says why not.
pub fn read_installed(
    path: &str,
    reader: &mut dyn Read,
    limit: u64,
) -> Result<Result<Package, String>, AnalyzeError> {
    let md = parse_core_metadata(reader, limit).map_err(|message| AnalyzeError::Malformed {
        path: path.to_owned(),
        message,
    })?;
    let Some(name) = md.name.as_deref().filter(|n| !n.is_empty()) else {
        return Ok(Err("no Name field".to_owned()));
    };
    if !is_valid_name(name) {
        return Ok(Err(format!("invalid distribution name {name:?}")));
    }
    let Some(version) = md.version.as_deref().filter(|v| !v.is_empty()) else {
        return Ok(Err(format!("{name}: no Version field")));
    };
    let mut pkg = pypi_package(name, version, path, PackageOrigin::Installed);
    pkg.licenses = md.licenses();
    Ok(Ok(pkg))
}

impl Analyzer for PythonInstalledAnalyzer {
    fn id(&self) -> &'static str {
        "python-installed"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec![
                "**/*.dist-info/METADATA",
                "**/*.egg-info/PKG-INFO",
                "**/*.egg-info",
                "**/*.egg/EGG-INFO/PKG-INFO",
            ],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if !is_metadata_path(&path) {
            return Ok(());
        }
        match read_installed(&path, file.reader(), METADATA_HEADER_LIMIT)? {
            Ok(pkg) => out.add_packages(&path, [pkg]),
            Err(why) => {
                out.diagnose("malformed-package-metadata", Some(&path), why);
                out.touch(&path);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for p in [
            "usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
            "app/.venv/lib/python3.12/site-packages/a.dist-info/METADATA",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info",
            "usr/lib/python3/dist-packages/x-1.0-py3.11.egg-info/PKG-INFO",
            "opt/x/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO",
        ] {
            assert!(is_metadata_path(p), "{p}");
        }
        for p in [
            "a.dist-info/x/METADATA",
            ".dist-info/METADATA",
            "a/METADATA",
            "a/EGG-INFO/PKG-INFO",
            "x.egg-info/RECORD",
            "a/b/PKG-INFO",
        ] {
            assert!(!is_metadata_path(p), "{p}");
        }
    }

    #[test]
    fn licenses_order() {
        let md = |s: &str| parse_core_metadata(&mut s.as_bytes(), 1 << 20).unwrap();
        let m = md("Name: a\nLicense-Expression: MIT OR Apache-2.0\nLicense: BSD\n");
        assert_eq!(m.licenses(), ["MIT OR Apache-2.0"]);
        let m = md(
            "Name: a\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved\n",
        );
        assert_eq!(m.licenses(), ["MIT License"]);
        let m = md(
            "Name: a\nLicense: Copyright (c) x\n        Permission is hereby granted\nClassifier: Topic :: X\n",
        );
        assert!(m.licenses().is_empty());
        // Body fields after the blank line are ignored.
        let m = md("Name: a\nVersion: 1\n\nVersion: 2\nLicense: X\n");
        assert_eq!(m.version.as_deref(), Some("1"));
        assert!(m.license.is_none());
    }
}
