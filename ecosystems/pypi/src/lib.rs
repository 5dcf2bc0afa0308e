//! The Python Package Index: PEP 440 version ordering and version specifiers, and the
//! analyzers that find Python distributions in an image.
//!
//! - [`PythonInstalledAnalyzer`] (`python-installed`) reads the core metadata of installed
//!   distributions: `*.dist-info/METADATA` (wheels, pip, uv, ...), `*.egg-info/PKG-INFO` and
//!   `*.egg-info` files (setuptools; Debian's `python3-*` packages ship the latter as a single
//!   file), and `EGG-INFO/PKG-INFO` inside unpacked `.egg` directories. See [`metadata`].
//! - [`PythonLockfileAnalyzer`] (`python-lockfiles`) reads what a project pinned:
//!   `requirements*.txt`, `poetry.lock`, `Pipfile.lock`, `uv.lock`, `pdm.lock` and PEP 751
//!   `pylock.toml`. See [`lockfiles`].
//!
//! Every package is reported under the PEP 503 normalised name ([`normalize_name`]), which is
//! also what the purl spec asks for `pkg:pypi`, with the version exactly as written.

pub mod lockfiles;
pub mod metadata;
pub mod version;

pub use lockfiles::{LOCKFILE_LIMIT, PythonLockfileAnalyzer};
pub use metadata::{METADATA_HEADER_LIMIT, PythonInstalledAnalyzer};
pub use version::{Op, Pep440Scheme, Pep440Specifier, Pep440Version, parse_specifiers};

use customs_model::{Package, PackageOrigin, Purl};

/// The ecosystem (and purl type) of every package this crate reports.
pub const ECOSYSTEM: &str = "pypi";

/// PEP 503 normalisation: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
/// `Foo.Bar__baz` → `foo-bar-baz`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// Whether `name` is a valid distribution name (PEP 508: ASCII letters, digits, `-_.`, starting
/// and ending with a letter or digit).
pub fn is_valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A `pypi` package: normalised name, version as written, `pkg:pypi/NAME@VERSION`.
pub fn pypi_package(name: &str, version: &str, found_in: &str, origin: PackageOrigin) -> Package {
    let name = normalize_name(name);
    let purl = Purl::new(ECOSYSTEM, None, &name, Some(version), &[]);
    Package::new(ECOSYSTEM, &name, version, purl, found_in, origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize_name("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_name("FrIeNdLy-_-bArD"), "friendly-bard");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert!(is_valid_name("dots-._allowed"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name(""));
    }
}
