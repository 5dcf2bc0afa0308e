//! Ruby gems: version ordering exactly as `Gem::Version`, and `Gem::Requirement`; and the
//! analyzers that find gems in an image.
//!
//! - [`GemspecAnalyzer`] (`gem-installed`) reads the specifications `RubyGems` writes for every
//!   installed gem, `…/specifications/NAME-VERSION.gemspec` (including `specifications/default/`
//!   for the gems bundled with Ruby). See [`gemspec`].
//! - [`GemfileLockAnalyzer`] (`gem-lockfile`) reads Bundler's `Gemfile.lock` / `gems.locked`.
//!   See [`gemfile_lock`].
//!
//! Gem names are case-sensitive and reported as written; purls are `pkg:gem/NAME@VERSION`.

pub mod gemfile_lock;
pub mod gemspec;
pub mod version;

pub use gemfile_lock::{GEMFILE_LOCK_LIMIT, GemfileLockAnalyzer};
pub use gemspec::{GEMSPEC_LIMIT, GemspecAnalyzer};
pub use version::{GemScheme, GemVersion};

use customs_model::{Package, PackageOrigin, Purl};

/// The ecosystem (and purl type) of every package this crate reports.
pub const ECOSYSTEM: &str = "gem";

/// Whether `name` is a plausible gem name: ASCII letters, digits, `-_.`, not empty.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Whether `version` is a plausible gem version: it starts with a digit and holds only ASCII
/// letters, digits and `.` (`RubyGems` turns `-` into `.pre.`, so a written `-` is a platform).
pub fn is_valid_version(version: &str) -> bool {
    version.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && version
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.')
}

/// A `gem` package; `platform` (`x86_64-linux`) becomes the purl's `platform` qualifier.
pub fn gem_package(
    name: &str,
    version: &str,
    platform: Option<&str>,
    found_in: &str,
    origin: PackageOrigin,
) -> Package {
    let quals: Vec<(&str, &str)> = platform
        .filter(|p| *p != "ruby")
        .map(|p| ("platform", p))
        .into_iter()
        .collect();
    let purl = Purl::new(ECOSYSTEM, None, name, Some(version), &quals);
    Package::new(ECOSYSTEM, name, version, purl, found_in, origin)
}
