//! The analyzers: `cargo-lock` (lockfiles) and `cargo-auditable` (binaries).

use std::io::Read;

use customs_analyzer::{AnalyzeError, Analyzer, FileEntry, Interest, LayerFindings};
use customs_model::PackageOrigin;

use crate::auditable::{self, BINARY_LIMIT, SECTION_NAME};
use crate::lockfile::{CARGO_LOCK_LIMIT, parse_cargo_lock};

/// Whether a lockfile path belongs to a crate *inside* Cargo's download caches
/// (`$CARGO_HOME/registry/src/…/foo-1.0.0/Cargo.lock`, `$CARGO_HOME/git/checkouts/…`): the
/// lockfile a dependency was published with says nothing about what this image built.
fn in_cargo_cache(path: &str) -> bool {
    path.contains("cargo/registry/src/") || path.contains("cargo/git/checkouts/")
}

/// Reads `**/Cargo.lock` (`cargo-lock`): every crate with a registry or git source, origin
/// `Lockfile`. Workspace members and path dependencies (no `source`) are left out; see
/// [`crate::lockfile`].
#[derive(Debug, Default, Clone, Copy)]
pub struct CargoLockAnalyzer;

impl CargoLockAnalyzer {
    pub fn new() -> Self {
        CargoLockAnalyzer
    }
}

impl Analyzer for CargoLockAnalyzer {
    fn id(&self) -> &'static str {
        "cargo-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            paths: vec!["Cargo.lock"],
            globs: vec!["**/Cargo.lock"],
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        // The glob's `*` crosses `/`; keep only files named exactly `Cargo.lock`.
        let file_name = path.rsplit('/').next().unwrap_or(&path);
        if file_name != "Cargo.lock" || in_cargo_cache(&path) {
            return Ok(());
        }
        let bytes = file.read_to_end_limited(CARGO_LOCK_LIMIT)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| AnalyzeError::Malformed {
            path: path.clone(),
            message: format!("Cargo.lock is not UTF-8: {e}"),
        })?;
        let parsed = parse_cargo_lock(text).map_err(|message| AnalyzeError::Malformed {
            path: path.clone(),
            message,
        })?;
        for p in parsed.problems {
            out.diagnose("malformed-lockfile", Some(&path), p);
        }
        out.touch(&path);
        out.add_packages(
            &path,
            parsed
                .crates
                .iter()
                .map(|c| c.to_package(&path, PackageOrigin::Lockfile)),
        );
        Ok(())
    }
}

/// Reads up to `n` bytes (fewer only at end of file).
pub(crate) fn read_prefix(r: &mut dyn Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Streams the rest of `r` looking for `needle` without buffering it; memory is one chunk.
pub(crate) fn stream_contains(r: &mut dyn Read, needle: &[u8]) -> std::io::Result<bool> {
    const CHUNK: usize = 256 * 1024;
    let finder = memchr::memmem::Finder::new(needle);
    let keep = needle.len().saturating_sub(1);
    let mut buf = vec![0u8; CHUNK + keep];
    let mut filled = 0;
    loop {
        let n = r.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok(false);
        }
        filled += n;
        if finder.find(&buf[..filled]).is_some() {
            return Ok(true);
        }
        // Keep the tail that could start a match spanning the next read.
        let tail = filled.saturating_sub(keep);
        buf.copy_within(tail..filled, 0);
        filled -= tail;
    }
}

/// Reads the dependency list `cargo auditable` embeds in executables (`cargo-auditable`).
///
/// Wants every executable. A file whose first bytes are not ELF, Mach-O or PE is left after
/// reading 4 bytes. Binaries up to [`BINARY_LIMIT`] are read whole and parsed; bigger ones are
/// streamed through a search for the section name `.dep-v0` (which any binary carrying the
/// section has in its section-name table), and only those that have it are reported as too
/// large, so a 200 MiB C++ binary costs a scan but no diagnostic.
#[derive(Debug, Default, Clone, Copy)]
pub struct CargoAuditableAnalyzer;

impl CargoAuditableAnalyzer {
    pub fn new() -> Self {
        CargoAuditableAnalyzer
    }
}

impl Analyzer for CargoAuditableAnalyzer {
    fn id(&self) -> &'static str {
        "cargo-auditable"
    }

    fn version(&self) -> u32 {
        1
    }

    fn interest(&self) -> Interest {
        Interest {
            executables: true,
            ..Interest::default()
        }
    }

    fn analyze(
        &self,
        file: &mut FileEntry<'_>,
        out: &mut LayerFindings,
    ) -> Result<(), AnalyzeError> {
        let path = file.path().to_owned();
        let io = |source| AnalyzeError::Io {
            path: path.clone(),
            source,
        };
        let malformed = |message: String| AnalyzeError::Malformed {
            path: path.clone(),
            message,
        };
        let size = file.size();
        let reader = file.reader();
        let mut binary = read_prefix(reader, 4).map_err(io)?;
        if !auditable::is_object_file(&binary) {
            return Ok(());
        }
        if size > BINARY_LIMIT {
            if stream_contains(reader, SECTION_NAME.as_bytes()).map_err(io)? {
                return Err(AnalyzeError::TooLarge {
                    path: path.clone(),
                    size,
                    limit: BINARY_LIMIT,
                });
            }
            return Ok(());
        }
        reader
            .take(BINARY_LIMIT + 1 - 4)
            .read_to_end(&mut binary)
            .map_err(io)?;
        if binary.len() as u64 > BINARY_LIMIT {
            // The header under-declared the size; treat like a large file.
            return Err(AnalyzeError::TooLarge {
                path: path.clone(),
                size: binary.len() as u64,
                limit: BINARY_LIMIT,
            });
        }
        // Fast path: no section-name string, no section. Most executables stop here.
        if memchr::memmem::find(&binary, SECTION_NAME.as_bytes()).is_none() {
            return Ok(());
        }
        let section = auditable::find_dep_section(&binary).map_err(malformed)?;
        let Some(section) = section else {
            return Ok(());
        };
        let crates = auditable::parse_dep_section(section).map_err(malformed)?;
        out.touch(&path);
        out.add_packages(
            &path,
            crates
                .iter()
                .filter(|c| !c.is_local())
                .map(|c| c.to_package(&path)),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns one byte at a time.
    struct Slow<'a>(&'a [u8]);
    impl Read for Slow<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn stream_search_spans_chunks() {
        let mut data = vec![0u8; 256 * 1024 - 3];
        data.extend_from_slice(b".dep-v0");
        data.extend_from_slice(&[0; 100]);
        assert!(stream_contains(&mut &data[..], b".dep-v0").unwrap());
        assert!(!stream_contains(&mut &data[..20], b".dep-v0").unwrap());
        assert!(stream_contains(&mut Slow(b"xx.dep-v0yy"), b".dep-v0").unwrap());
        assert!(!stream_contains(&mut Slow(b"xx.dep-v"), b".dep-v0").unwrap());
    }

    #[test]
    fn cache_paths() {
        assert!(in_cargo_cache(
            "usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/ripgrep-14.1.0/Cargo.lock"
        ));
        assert!(in_cargo_cache(
            "root/.cargo/git/checkouts/x-123/abc/Cargo.lock"
        ));
        assert!(!in_cargo_cache("app/Cargo.lock"));
    }
}
