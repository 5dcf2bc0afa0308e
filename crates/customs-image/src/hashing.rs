use std::io::{self, Read};

use customs_model::Digest;
use sha2::{Digest as _, Sha256};

/// A reader that hashes (sha256) and counts what passes through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self::maybe(inner, true)
    }

    /// A reader that hashes only when `enabled` (hashing costs as much as a fast inflate).
    pub(crate) fn maybe(inner: R, enabled: bool) -> Self {
        HashingReader {
            inner,
            hasher: enabled.then(Sha256::new),
            count: 0,
        }
    }

    /// Reads to the end, then returns the digest of everything read.
    pub(crate) fn finish(mut self) -> io::Result<(Digest, u64)> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = self.read(&mut buf)?;
            if n == 0 {
                break;
            }
        }
        let hasher = self.hasher.take().unwrap_or_default();
        Ok((Digest::from_sha256_output(&hasher.finalize()), self.count))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }
}

/// Reads whole small documents (manifests, configs) with a size cap.
pub(crate) fn read_capped(
    mut r: impl Read,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, crate::ImageError> {
    let mut buf = Vec::new();
    (&mut r).take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(crate::ImageError::TooLarge {
            what: what.to_owned(),
            limit,
        });
    }
    Ok(buf)
}
