//! The layer cache: what the analyzers found in a layer, keyed by the layer's digest and the
//! versions of the analyzers that ran, so an image whose layers were all seen before is not
//! decompressed again.
//!
//! One JSON file per entry under `DIR/layers/`. Writes go to a temporary file in the same
//! directory and are renamed into place, so concurrent scans sharing the cache never see a
//! half-written entry; a corrupt entry is treated as a miss and removed. The cache is bounded
//! by size: after each write the least recently used entries (by modification time, which a
//! hit refreshes) are removed until it is back under the cap.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use customs_analyzer::LayerFindings;
use customs_model::Digest;

/// Bump when the walker's output for the same layer changes (for example new whiteout
/// semantics); analyzers have their own versions in the key.
const WALKER_VERSION: u32 = 1;

/// A directory of cached layer analyses.
#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
    max_bytes: u64,
}

impl LayerCache {
    /// A cache in `dir` (created on first write), holding at most `max_bytes`.
    pub fn new(dir: impl Into<PathBuf>, max_bytes: u64) -> Self {
        LayerCache {
            dir: dir.into(),
            max_bytes,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, layer: &Digest, fingerprint: &str) -> PathBuf {
        let key = Digest::sha256_of(
            format!("walker@{WALKER_VERSION}\n{layer}\n{fingerprint}").as_bytes(),
        );
        self.dir.join(format!("{}.json", key.hex()))
    }

    /// The cached analysis of `layer`, if any.
    pub fn get(&self, layer: &Digest, fingerprint: &str) -> Option<LayerFindings> {
        let path = self.path(layer, fingerprint);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(f) => {
                // Refresh the entry's age for LRU eviction; failure only affects eviction order.
                if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Some(f)
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "corrupt layer cache entry removed");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores the analysis of `layer`. Failures are logged, never fatal: the cache is an
    /// optimisation.
    pub fn put(&self, layer: &Digest, fingerprint: &str, findings: &LayerFindings) {
        if let Err(e) = self.try_put(layer, fingerprint, findings) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "could not write the layer cache");
        }
    }

    fn try_put(
        &self,
        layer: &Digest,
        fingerprint: &str,
        findings: &LayerFindings,
    ) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let bytes = serde_json::to_vec(findings).map_err(std::io::Error::other)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.persist(self.path(layer, fingerprint))
            .map_err(|e| e.error)?;
        self.evict()
    }

    /// Removes least recently used entries until the cache is under its cap.
    fn evict(&self) -> std::io::Result<()> {
        let mut entries = Vec::new();
        let mut total = 0u64;
        for e in std::fs::read_dir(&self.dir)?.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() || e.path().extension().is_none_or(|x| x != "json") {
                continue;
            }
            total += meta.len();
            entries.push((
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                meta.len(),
                e.path(),
            ));
        }
        if total <= self.max_bytes {
            return Ok(());
        }
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_bytes * 9 / 10 {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
        Ok(())
    }

    /// Removes every entry; returns how many bytes were freed.
    pub fn clean(&self) -> std::io::Result<u64> {
        let mut freed = 0;
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        for e in rd.flatten() {
            if e.path().extension().is_some_and(|x| x == "json") {
                freed += e.metadata().map_or(0, |m| m.len());
                std::fs::remove_file(e.path())?;
            }
        }
        Ok(freed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_eviction_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path().join("layers"), 10_000);
        let mut f = LayerFindings::default();
        f.whiteouts.push("x".repeat(3000));
        let d = |n: u8| Digest::sha256_of(&[n]);
        assert!(cache.get(&d(1), "a@1").is_none());
        cache.put(&d(1), "a@1", &f);
        assert_eq!(cache.get(&d(1), "a@1"), Some(f.clone()));
        assert!(
            cache.get(&d(1), "a@2").is_none(),
            "another analyzer version is another key"
        );
        // Fill past the cap: the oldest entries go, the cache stays bounded.
        for n in 2..10 {
            std::thread::sleep(std::time::Duration::from_millis(5));
            cache.put(&d(n), "a@1", &f);
        }
        let total: u64 = std::fs::read_dir(cache.dir())
            .unwrap()
            .flatten()
            .map(|e| e.metadata().unwrap().len())
            .sum();
        assert!(total <= 10_000, "{total}");
        assert!(
            cache.get(&d(9), "a@1").is_some(),
            "the newest entry survives"
        );
        assert!(
            cache.get(&d(2), "a@1").is_none(),
            "the oldest entry was evicted"
        );
        // A corrupt entry is a miss, and is removed.
        std::fs::write(cache.path(&d(9), "a@1"), b"{not json").unwrap();
        assert!(cache.get(&d(9), "a@1").is_none());
        assert!(!cache.path(&d(9), "a@1").exists());
        assert!(cache.clean().unwrap() > 0);
    }
}
