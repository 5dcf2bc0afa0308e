//! Bundler's lockfile: `Gemfile.lock` (or `gems.locked`).
//!
//! The lockfile is a sequence of sections, each opened by an unindented header. The
//! sections that list resolved gems are `GEM` (a rubygems server), `GIT` (a repository at a
//! revision), `PATH` (a local directory) and `PLUGIN SOURCE`; each holds a `  specs:` block
//! where a gem is a line indented by exactly four spaces, `NAME (VERSION)`, and the gem's own
//! requirements follow at six spaces (not gems of the bundle; skipped):
//!
//! ```text
//! GEM
//!   remote: https://rubygems.org/
//!   specs:
//!     nokogiri (1.15.4-x86_64-linux)
//!       racc (~> 1.4)
//! ```
//!
//! A version may carry a platform after the first `-` (`1.15.4-x86_64-linux`): `RubyGems`
//! rewrites `-` in versions to `.pre.`, so a written `-` can only start the platform. The
//! version reported is the part before it; the platform goes into the purl's `platform`
//! qualifier. A gem locked for several platforms at one version is reported once, with the
//! platform qualifier only if there is a single one. Other sections (`PLATFORMS`,
//! `DEPENDENCIES`, `RUBY VERSION`, `BUNDLED WITH`, `CHECKSUMS`) name no resolved versions.
//!
//! The lockfile does not record which gems are development-only (that is in the `Gemfile`),
//! so no scope is given.

use std::collections::BTreeMap;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::{Package, PackageOrigin};

use crate::{gem_package, is_valid_name, is_valid_version};

/// Lockfiles of very large applications are a few hundred KiB; 16 MiB leaves room.
pub const GEMFILE_LOCK_LIMIT: u64 = 16 * 1024 * 1024;

/// One resolved gem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedGem {
    pub name: String,
    pub version: String,
    /// `None` for pure-Ruby gems (or when the gem is locked for several platforms).
    pub platform: Option<String>,
}

/// What a lockfile yielded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedLock {
    pub gems: Vec<LockedGem>,
    /// Spec lines that could not be read, with their line numbers.
    pub problems: Vec<String>,
}

/// Where a (name, version) was first listed, and the platforms it was listed for.
type Seen = (usize, Vec<Option<String>>);

const GEM_SECTIONS: [&str; 4] = ["GEM", "GIT", "PATH", "PLUGIN SOURCE"];

/// Parses a Gemfile.lock.
pub fn parse_gemfile_lock(text: &str) -> ParsedLock {
    let mut parsed = ParsedLock::default();
    let mut in_gem_section = false;
    let mut in_specs = false;
    // (name, version) → index in gems, and the platforms seen.
    let mut index: BTreeMap<(String, String), Seen> = BTreeMap::new();
    for (no, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        match indent {
            0 => {
                in_gem_section = GEM_SECTIONS.contains(&line.trim_end());
                in_specs = false;
            }
            2 => in_specs = in_gem_section && line.trim_end() == "  specs:",
            4 if in_specs => {
                let Some((name, version, platform)) = spec_line(line.trim()) else {
                    parsed.problems.push(format!(
                        "line {}: unreadable spec {:?}",
                        no + 1,
                        line.trim()
                    ));
                    continue;
                };
                let key = (name.to_owned(), version.to_owned());
                let platform = platform.map(str::to_owned);
                if let Some((_, platforms)) = index.get_mut(&key) {
                    if !platforms.contains(&platform) {
                        platforms.push(platform);
                    }
                } else {
                    index.insert(key, (parsed.gems.len(), vec![platform.clone()]));
                    parsed.gems.push(LockedGem {
                        name: name.to_owned(),
                        version: version.to_owned(),
                        platform,
                    });
                }
            }
            _ => {}
        }
    }
    for (i, platforms) in index.into_values() {
        if platforms.len() > 1 {
            parsed.gems[i].platform = None;
        }
    }
    parsed
}

/// `NAME (VERSION[-PLATFORM])` → parts, if well-formed.
fn spec_line(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let (name, rest) = s.split_once(" (")?;
    let inner = rest.strip_suffix(')')?;
    let (version, platform) = match inner.split_once('-') {
        Some((v, p)) => (v, Some(p).filter(|p| !p.is_empty())),
        None => (inner, None),
    };
    (is_valid_name(name) && is_valid_version(version)).then_some((name, version, platform))
}

/// Whether `path` names a Bundler lockfile.
pub fn is_gemfile_lock_path(path: &str) -> bool {
    matches!(
        path.rsplit('/').next(),
        Some("Gemfile.lock" | "gems.locked")
    )
}

/// Reads one lockfile into packages and problems.
pub fn read_gemfile_lock(path: &str, bytes: &[u8]) -> (Vec<Package>, Vec<String>) {
    let parsed = parse_gemfile_lock(&String::from_utf8_lossy(bytes));
    let packages = parsed
        .gems
        .iter()
        .map(|g| {
            gem_package(
                &g.name,
                &g.version,
                g.platform.as_deref(),
                path,
                PackageOrigin::Lockfile,
            )
        })
        .collect();
    (packages, parsed.problems)
}

/// Reads Bundler lockfiles (`gem-lockfile`).
#[derive(Debug, Default, Clone, Copy)]
pub struct GemfileLockAnalyzer;

impl GemfileLockAnalyzer {
    pub fn new() -> Self {
        GemfileLockAnalyzer
    }
}

impl Analyzer for GemfileLockAnalyzer {
    fn id(&self) -> &'static str {
        "gem-lockfile"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            globs: vec!["**/Gemfile.lock", "**/gems.locked"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        if !is_gemfile_lock_path(&path) {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(GEMFILE_LOCK_LIMIT)?;
        let (packages, problems) = read_gemfile_lock(&path, &bytes);
        for p in problems {
            out.diagnose("malformed-lockfile", Some(&path), p);
        }
        if packages.is_empty() {
            out.touch(&path);
        }
        out.add_packages(&path, packages);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms() {
        let p = parse_gemfile_lock(
            "GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    nokogiri (1.15.4-aarch64-linux)\n    racc (1.7.1)\n    ffi (1.15.5-x64-mingw-ucrt)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n",
        );
        assert!(p.problems.is_empty());
        let got: Vec<_> = p
            .gems
            .iter()
            .map(|g| (g.name.as_str(), g.version.as_str(), g.platform.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("nokogiri", "1.15.4", None),
                ("racc", "1.7.1", None),
                ("ffi", "1.15.5", Some("x64-mingw-ucrt")),
            ]
        );
    }
}
