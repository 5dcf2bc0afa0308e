//! The locations an index named, kept between updates ([`FetchOptions::link_cache`]).
//!
//! When an index changed (a new item in an ALAS RSS feed), every location it names must be
//! read again: an update replaces a feed's records as a whole. Without a copy of what was
//! read last time that means downloading every page again, thousands for Amazon Linux 2 on
//! every new advisory. With one, each named location is requested conditionally with the
//! validators it was served with (`If-None-Match`, `If-Modified-Since`); a `304` reuses the
//! kept copy, and only what changed is downloaded.
//!
//! Layout: one directory per index location (named by the SHA-256 of the location as
//! configured), and in it per named URL (named by the SHA-256 of the URL) `KEY.body`, the raw
//! bytes as served, and `KEY.json`, the URL and its validators. Both are written to a
//! temporary file and renamed, the body first; a copy is used only when the body's SHA-256
//! equals the digest its metadata records, so a torn or tampered entry is a miss (a full
//! download), never wrong data. Only responses with an `ETag` or `Last-Modified` are kept
//! (without one a copy cannot save a download), and only up to [`MAX_KEPT_BYTES`]: copies
//! pay off for the many small pages of an RSS index, while the one large archive a
//! `latest:` index names carries its date in its name and is never asked for again. After an
//! update that read the index through, entries for locations it no longer names are
//! removed.
//!
//! [`FetchOptions::link_cache`]: crate::FetchOptions::link_cache

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use customs_model::Digest;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::fetch::Validators;

/// The largest metadata file read (a URL and three validators).
const MAX_META_BYTES: u64 = 64 << 10;

/// The largest body kept (an ALAS page is tens of KiB).
pub(crate) const MAX_KEPT_BYTES: u64 = 16 << 20;

/// The kept copies of one index location's named locations.
#[derive(Debug)]
pub(crate) struct LinkCache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    digest: String,
}

fn key(s: &str) -> String {
    Digest::sha256_of(s.as_bytes()).hex().to_owned()
}

impl LinkCache {
    /// The kept copies for the index location `label` under `root` (the directory is made
    /// when the first copy is kept).
    pub(crate) fn open(root: &Path, label: &str) -> LinkCache {
        LinkCache {
            dir: root.join(key(label)),
        }
    }

    fn paths(&self, url: &str) -> (PathBuf, PathBuf) {
        let k = key(url);
        (
            self.dir.join(format!("{k}.body")),
            self.dir.join(format!("{k}.json")),
        )
    }

    /// The validators `url` was last served with, when a copy is kept.
    pub(crate) fn validators(&self, url: &str) -> Option<Validators> {
        let (body, meta) = self.paths(url);
        let mut text = Vec::new();
        std::fs::File::open(meta)
            .ok()?
            .take(MAX_META_BYTES)
            .read_to_end(&mut text)
            .ok()?;
        let m: Meta = serde_json::from_slice(&text).ok()?;
        if m.url != url || (m.etag.is_none() && m.last_modified.is_none()) || !body.is_file() {
            return None;
        }
        Some(Validators {
            etag: m.etag,
            last_modified: m.last_modified,
            digest: Some(m.digest),
        })
    }

    /// Copies the kept body of `url` to `to`; false (and nothing usable at `to`) when the
    /// copy is missing or is not the bytes `validators` describe.
    pub(crate) fn restore(
        &self,
        url: &str,
        validators: &Validators,
        to: &Path,
    ) -> io::Result<bool> {
        let (body, _) = self.paths(url);
        let Ok(mut from) = std::fs::File::open(body) else {
            return Ok(false);
        };
        let mut out = std::fs::File::create(to)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 128 << 10];
        loop {
            let n = from.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
        }
        let digest = Digest::from_sha256_output(&hasher.finalize()).to_string();
        Ok(validators.digest.as_deref() == Some(digest.as_str()))
    }

    /// Keeps the body at `from` as `url`'s copy with its validators (when it has any).
    pub(crate) fn keep(&self, url: &str, validators: &Validators, from: &Path) -> io::Result<()> {
        let Some(digest) = validators.digest.clone() else {
            return Ok(());
        };
        if validators.etag.is_none() && validators.last_modified.is_none() {
            return Ok(());
        }
        if std::fs::metadata(from)?.len() > MAX_KEPT_BYTES {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)?;
        let (body, meta) = self.paths(url);
        let tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::fs::copy(from, tmp.path())?;
        tmp.persist(&body).map_err(|e| e.error)?;
        let m = Meta {
            url: url.to_owned(),
            etag: validators.etag.clone(),
            last_modified: validators.last_modified.clone(),
            digest,
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(&serde_json::to_vec(&m).expect("metadata serializes"))?;
        tmp.persist(&meta).map_err(|e| e.error)?;
        Ok(())
    }

    /// Removes the copies of every URL not in `named`.
    pub(crate) fn prune(&self, named: &[String]) {
        let keep: HashSet<String> = named.iter().map(|u| key(u)).collect();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let stem = name.split('.').next().unwrap_or("");
            if !keep.contains(stem) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_copies_are_used_only_when_intact() {
        let root = tempfile::tempdir().unwrap();
        let cache = LinkCache::open(root.path(), "rss:https://h/al2.rss");
        let url = "https://h/AL2/ALAS-1.html";
        let page = root.path().join("page");
        std::fs::write(&page, b"<html>advisory</html>").unwrap();
        let digest = Digest::sha256_of(b"<html>advisory</html>").to_string();
        let served = Validators {
            etag: Some("\"v1\"".into()),
            last_modified: None,
            digest: Some(digest),
        };
        // Nothing kept yet; a response without validators is not kept.
        assert!(cache.validators(url).is_none());
        cache
            .keep(
                url,
                &Validators {
                    etag: None,
                    ..served.clone()
                },
                &page,
            )
            .unwrap();
        assert!(cache.validators(url).is_none());
        cache.keep(url, &served, &page).unwrap();
        assert_eq!(cache.validators(url), Some(served.clone()));
        assert!(cache.validators("https://h/AL2/ALAS-2.html").is_none());
        let out = root.path().join("restored");
        assert!(cache.restore(url, &served, &out).unwrap());
        assert_eq!(std::fs::read(&out).unwrap(), b"<html>advisory</html>");
        // A body that is not what the metadata describes is not used.
        let (body, _) = cache.paths(url);
        std::fs::write(&body, b"tampered").unwrap();
        assert!(!cache.restore(url, &served, &out).unwrap());
        // Garbage metadata is a miss.
        let (_, meta) = cache.paths(url);
        std::fs::write(&meta, b"{not json").unwrap();
        assert!(cache.validators(url).is_none());
        // Pruning keeps only what the index still names.
        cache.keep(url, &served, &page).unwrap();
        let other = "https://h/AL2/ALAS-2.html";
        cache.keep(other, &served, &page).unwrap();
        cache.prune(&[other.to_owned()]);
        assert!(cache.validators(url).is_none());
        assert!(cache.validators(other).is_some());
        assert_eq!(std::fs::read_dir(&cache.dir).unwrap().count(), 2);
        // A body over the limit is not kept.
        let big = root.path().join("big");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_KEPT_BYTES + 1)
            .unwrap();
        let archive = "https://h/vex/csaf_vex_2025-01-05.tar.zst";
        cache.keep(archive, &served, &big).unwrap();
        assert!(cache.validators(archive).is_none());
    }
}
