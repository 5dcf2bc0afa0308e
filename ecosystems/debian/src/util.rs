//! Helpers shared by the feed parsers: input size limits and version normalisation.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use customs_feed::{FeedError, FeedInput};

/// A reader that fails once more than `limit` bytes have been read through it, and records
/// that it did so, so the caller can report a [`FeedError::Limit`] rather than an I/O error.
pub(crate) struct LimitedReader<'a> {
    inner: &'a mut dyn Read,
    remaining: u64,
    tripped: Rc<Cell<bool>>,
}

impl<'a> LimitedReader<'a> {
    pub(crate) fn new(inner: &'a mut dyn Read, limit: u64) -> (Self, Rc<Cell<bool>>) {
        let tripped = Rc::new(Cell::new(false));
        (
            LimitedReader {
                inner,
                remaining: limit,
                tripped: Rc::clone(&tripped),
            },
            tripped,
        )
    }
}

impl Read for LimitedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // Probe for one more byte: exactly `limit` bytes is fine.
            let mut probe = [0u8; 1];
            let n = self.inner.read(&mut probe)?;
            if n == 0 {
                return Ok(0);
            }
            self.tripped.set(true);
            return Err(io::Error::other("input size limit exceeded"));
        }
        let max = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..max])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

pub(crate) fn limit_error(input: &FeedInput, limit: u64, what: impl Into<String>) -> FeedError {
    FeedError::Limit {
        kind: input.kind.clone(),
        location: input.location.clone(),
        limit,
        what: what.into(),
    }
}

/// A version as the store keeps it: trimmed, without a redundant `0:` epoch (dpkg orders
/// `0:1.2-3` and `1.2-3` the same).
pub(crate) fn normalize_version(v: &str) -> String {
    let t = v.trim();
    match t.split_once(':') {
        Some((epoch, rest))
            if !rest.is_empty() && !epoch.is_empty() && epoch.bytes().all(|b| b == b'0') =>
        {
            rest.to_owned()
        }
        _ => t.to_owned(),
    }
}

/// Whether a version string is a valid dpkg version.
pub(crate) fn valid_deb_version(v: &str) -> bool {
    customs_dpkg::DebVersion::parse(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize() {
        assert_eq!(normalize_version("0:1.2-3"), "1.2-3");
        assert_eq!(normalize_version("1:1.2-3"), "1:1.2-3");
        assert_eq!(normalize_version(" 1.2 "), "1.2");
        assert_eq!(normalize_version("0:0"), "0");
        assert_eq!(normalize_version("0:"), "0:");
    }

    #[test]
    fn limited_reader() {
        let data = vec![7u8; 100];
        let mut src: &[u8] = &data;
        let (mut r, tripped) = LimitedReader::new(&mut src, 100);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 100);
        assert!(!tripped.get());
        let mut src: &[u8] = &data;
        let (mut r, tripped) = LimitedReader::new(&mut src, 99);
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        assert!(tripped.get());
    }
}
