//! Dependency lists embedded in Rust binaries by `cargo auditable`.
//!
//! # Format
//!
//! `cargo auditable build` links a section named `.dep-v0` into the executable (ELF and PE;
//! in Mach-O the section `.dep-v0` of segment `__DATA`). The section holds the zlib stream
//! (RFC 1950, starting `78 9c`) of a JSON document:
//!
//! ```json
//! {"packages":[
//!   {"name":"autocfg","version":"1.3.0","source":"crates.io","kind":"build"},
//!   {"name":"app","version":"0.1.0","source":"local","dependencies":[0,2],"root":true},
//!   {"name":"itoa","version":"1.0.11","source":"crates.io"}],
//!  "format":1}
//! ```
//!
//! `source` is `crates.io`, `git`, `local`, `registry` or another string; `kind` is `runtime`
//! (the default, omitted) or `build` (build scripts' dependencies and proc-macros: code run at
//! compile time, not linked into the binary); `dependencies` are indices into `packages`;
//! `root` marks the crate the binary was built from.
//!
//! # What is reported
//!
//! - Runtime packages: scope `Prod`. Build-kind packages are reported too, with scope `Dev`:
//!   they are not in the binary, but a compromised proc-macro or build script is still part
//!   of the supply chain, and a consumer that only wants shipped code filters on the scope.
//! - `source = "local"` packages (the root crate built from a checkout, workspace members,
//!   path dependencies) are *not* reported, like source-less entries of `Cargo.lock`: they
//!   have no registry identity, and a name match against crates.io advisories would be a
//!   false positive. A binary installed with `cargo install NAME` has a `crates.io` root, which
//!   is reported.
//! - Every package: origin `Installed` (it is what the binary was built with), purl
//!   `pkg:cargo/NAME@VERSION`, `found_in` the binary's path.
//!
//! # Limits and hostile input
//!
//! The caller checks magic bytes first so scripts and data files cost four bytes. A binary up
//! to [`BINARY_LIMIT`] is read into memory and parsed with the `object` crate, which checks
//! every header offset and size against the buffer (lying section sizes and truncated files
//! are errors, not panics). The compressed section is capped at [`SECTION_LIMIT`] and the
//! inflated JSON at [`JSON_LIMIT`] (cargo-auditable's own reader defaults to 8 MiB too): a zlib
//! bomb stops there. `serde_json` bounds nesting at 128 levels.

use std::io::Read;

use customs_model::{DependencyScope, Package, PackageOrigin, Purl};
use serde::Deserialize;

/// The biggest executable read into memory to look for the section (the layer walker buffers
/// at most 64 MiB per file when two analyzers want it, so nothing bigger arrives then anyway).
/// Bigger files are streamed through a search for the section name only; see the analyzer.
pub const BINARY_LIMIT: u64 = 64 * 1024 * 1024;

/// The biggest compressed `.dep-v0` section accepted (real ones are a few KiB).
pub const SECTION_LIMIT: u64 = 4 * 1024 * 1024;

/// The most JSON inflated from the section.
pub const JSON_LIMIT: u64 = 8 * 1024 * 1024;

/// The section's name in every object format.
pub const SECTION_NAME: &str = ".dep-v0";

/// Whether `prefix` (the first bytes of a file) is an object format we read: ELF, thin Mach-O
/// (32/64-bit, either byte order) or PE (`MZ`). Fat Mach-O is not handled (its magic is shared
/// with Java class files, and such binaries are rare in container images).
pub fn is_object_file(prefix: &[u8]) -> bool {
    prefix.starts_with(b"\x7fELF")
        || prefix.starts_with(b"MZ")
        || matches!(
            prefix.get(..4),
            Some([0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe])
        )
}

/// Finds the `.dep-v0` section of an object file. `Ok(None)` when the file has none.
pub fn find_dep_section(binary: &[u8]) -> Result<Option<&[u8]>, String> {
    use object::{Object as _, ObjectSection as _};
    let file = object::File::parse(binary).map_err(|e| format!("unreadable object file: {e}"))?;
    let Some(section) = file.section_by_name(SECTION_NAME) else {
        return Ok(None);
    };
    if section.size() > SECTION_LIMIT {
        return Err(format!(
            "{SECTION_NAME} section is {} bytes, over the {SECTION_LIMIT}-byte limit",
            section.size()
        ));
    }
    let data = section
        .data()
        .map_err(|e| format!("{SECTION_NAME} section is outside the file: {e}"))?;
    Ok(Some(data))
}

/// Inflates the zlib stream of a `.dep-v0` section, refusing more than `limit` bytes.
pub fn inflate(section: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{SECTION_NAME} section is not a zlib stream: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "{SECTION_NAME} section inflates to more than {limit} bytes"
        ));
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
struct RawInfo {
    packages: Vec<RawPackage>,
}

#[derive(Debug, Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<u64>,
    #[serde(default)]
    root: bool,
}

/// One package of the embedded list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedCrate {
    pub name: String,
    pub version: String,
    /// `crates.io`, `git`, `local`, `registry` or another string, verbatim.
    pub source: String,
    /// `kind = "build"`.
    pub build_only: bool,
    pub root: bool,
}

impl AuditedCrate {
    pub fn is_local(&self) -> bool {
        self.source == "local"
    }

    /// The package record (`Installed`, scope `Prod` or `Dev` for build-only crates).
    pub fn to_package(&self, found_in: &str) -> Package {
        let purl = Purl::new("cargo", None, &self.name, Some(&self.version), &[]);
        let mut p = Package::new(
            "cargo",
            &self.name,
            &self.version,
            purl,
            found_in,
            PackageOrigin::Installed,
        );
        p.scope = Some(if self.build_only {
            DependencyScope::Dev
        } else {
            DependencyScope::Prod
        });
        p
    }
}

/// Parses the inflated JSON. Errors when it is not the documented shape; a package with an
/// empty name or version, an unknown kind or a dependency index out of range is an error too
/// (the document is machine-written, so any of these means corruption).
pub fn parse_dep_info(json: &[u8]) -> Result<Vec<AuditedCrate>, String> {
    let raw: RawInfo = serde_json::from_slice(json)
        .map_err(|e| format!("{SECTION_NAME} JSON is not a dependency list: {e}"))?;
    let n = raw.packages.len() as u64;
    raw.packages
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            if p.name.is_empty() || p.version.is_empty() {
                return Err(format!("package #{i} has an empty name or version"));
            }
            if let Some(d) = p.dependencies.iter().find(|&&d| d >= n) {
                return Err(format!(
                    "package #{i} ({}) depends on package #{d}, past the end of the list",
                    p.name
                ));
            }
            let build_only = match p.kind.as_deref() {
                None | Some("runtime") => false,
                Some("build") => true,
                Some(other) => {
                    return Err(format!("package #{i} has unknown kind {other:?}"));
                }
            };
            Ok(AuditedCrate {
                name: p.name,
                version: p.version,
                source: p.source,
                build_only,
                root: p.root,
            })
        })
        .collect()
}

/// Section bytes to crates: inflate then parse.
pub fn parse_dep_section(section: &[u8]) -> Result<Vec<AuditedCrate>, String> {
    parse_dep_info(&inflate(section, JSON_LIMIT)?)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn magic() {
        assert!(is_object_file(b"\x7fELF\x02"));
        assert!(is_object_file(b"MZ\x90\x00"));
        assert!(is_object_file(&[0xcf, 0xfa, 0xed, 0xfe]));
        assert!(!is_object_file(b"#!/bin/sh"));
        assert!(!is_object_file(&[0xca, 0xfe, 0xba, 0xbe]));
        assert!(!is_object_file(b""));
    }

    #[test]
    fn parses_the_documented_shape() {
        let json = br#"{"packages":[{"name":"autocfg","version":"1.3.0","source":"crates.io","kind":"build"},{"name":"app","version":"0.1.0","source":"local","dependencies":[0,2],"root":true},{"name":"itoa","version":"1.0.11","source":"crates.io"}],"format":1}"#;
        let c = parse_dep_section(&zlib(json)).unwrap();
        assert_eq!(c.len(), 3);
        assert!(c[0].build_only && !c[0].root);
        assert!(c[1].is_local() && c[1].root);
        let p = c[2].to_package("usr/bin/app");
        assert_eq!(p.purl.as_str(), "pkg:cargo/itoa@1.0.11");
        assert_eq!(p.scope, Some(DependencyScope::Prod));
        assert_eq!(
            c[0].to_package("x").scope,
            Some(DependencyScope::Dev),
            "build-kind crates are Dev"
        );
    }

    #[test]
    fn hostile() {
        // Not zlib.
        assert!(parse_dep_section(b"{\"packages\":[]}").is_err());
        // A zlib bomb: 64 MiB of spaces compresses to ~64 KiB.
        let bomb = zlib(&vec![b' '; 64 << 20]);
        let e = parse_dep_section(&bomb).unwrap_err();
        assert!(e.contains("inflates to more than"), "{e}");
        // Bad indices, kinds, empty names, wrong types, deep nesting.
        for bad in [
            r#"{"packages":[{"name":"a","version":"1","source":"crates.io","dependencies":[1]}]}"#,
            r#"{"packages":[{"name":"a","version":"1","source":"crates.io","kind":"dev"}]}"#,
            r#"{"packages":[{"name":"","version":"1","source":"crates.io"}]}"#,
            r#"{"packages":{}}"#,
            r#"{"packages":[{"name":"a","version":1,"source":"crates.io"}]}"#,
        ] {
            assert!(parse_dep_section(&zlib(bad.as_bytes())).is_err(), "{bad}");
        }
        let deep = format!(
            r#"{{"packages":[{{"name":"a","version":"1","source":"crates.io","x":{}{}}}]}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        // Deep nesting in an unknown field is skipped without recursion (no stack overflow).
        assert_eq!(parse_dep_section(&zlib(deep.as_bytes())).unwrap().len(), 1);
        let deep_struct = format!(
            r#"{{"packages":{}{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(parse_dep_section(&zlib(deep_struct.as_bytes())).is_err());
        // Truncated or garbage object files are errors, never panics.
        assert!(find_dep_section(b"\x7fELF\x02\x01\x01").is_err());
        assert!(find_dep_section(b"MZ").is_err());
    }
}
